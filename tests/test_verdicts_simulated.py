"""The verdicts on simulated markets with known answers, through the whole analysis pipeline.

Prices are simulated (independent of the real credit spreads and liquidity series, which stay
real); on them no claim may be "supported". A strong planted lead of RUT over BTC must make C3
supported, and a strong planted post-breakout rally must make C4 supported. Reduced resampling
counts keep each run to seconds; the decision rules are the real ones.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reportgen.analysis.breakouts import detect_breakouts
from reportgen.config import parse_config
from reportgen.analysis.selfcheck import run_selfcheck
from reportgen.pipeline import run_analyses, run_family
from reportgen.verdict import Verdict, claim_specs, decide_all
from reportgen.verdict.claims import decide_claim
from reportgen.verdict.specs import spec_by_id
from tests.dgp import simulated_market

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def fast_config():
    text = (ROOT / "config.toml").read_text()
    for old, new in (("bootstrap_reps = 1999", "bootstrap_reps = 399"), ("placebo_draws = 10000", "placebo_draws = 1999"),
                     ("simulations = 1000", "simulations = 300")):
        assert old in text
        text = text.replace(old, new)
    return parse_config(text, "fast.toml")


def verdicts_on(bundle, cfg) -> dict:
    results = run_analyses(bundle, cfg)
    return {v.claim.id: v for v in decide_all(results, cfg)}


def verdict_of(claim_id: str, bundle, cfg):
    """One claim's verdict, running only the families and the self-check design it needs."""
    spec = spec_by_id(claim_specs(cfg), claim_id)
    results = {f: run_family(f, bundle, cfg) for f in spec.families if f != "selfcheck"}
    results["selfcheck"] = run_selfcheck(bundle, cfg, results, designs=(spec.primary.design,))
    return decide_claim(spec, results, cfg)


def test_independent_prices_support_no_claim(snapshot_bundle, fast_config):
    bundle = simulated_market(snapshot_bundle, np.random.default_rng(20261201))
    vs = verdicts_on(bundle, fast_config)
    supported = {cid: (v.verdict.value, v.reason) for cid, v in vs.items() if v.verdict == Verdict.SUPPORTED}
    assert supported == {}
    for cid in ("C3", "C4", "C7", "C8"):  # every test-based claim reached a decision on a checked test
        assert vs[cid].verdict != Verdict.NOT_TESTABLE, (cid, vs[cid].notes)
        assert vs[cid].evidence.size is not None, (cid, vs[cid].evidence.power_note)


def test_a_planted_lead_is_found(snapshot_bundle, fast_config):
    bundle = simulated_market(snapshot_bundle, np.random.default_rng(7), lead=1.5)
    v = verdict_of("C3", bundle, fast_config)
    assert (v.verdict, v.reason) == (Verdict.SUPPORTED, "significant"), (v.reason, v.evidence, v.notes)
    assert v.evidence.effect > v.evidence.min_effect


def test_a_planted_breakout_rally_is_found(snapshot_bundle, fast_config):
    rng = np.random.default_rng(11)
    base = simulated_market(snapshot_bundle, rng)
    ev = fast_config.events
    dates = detect_breakouts(base.series("RUT"), ev.primary, max(ev.horizons_months)).dates
    bundle = simulated_market(snapshot_bundle, np.random.default_rng(11), breakout_effect=0.8, breakouts=dates)
    v = verdict_of("C4", bundle, fast_config)
    assert v.evidence.n >= fast_config.rules.min_events
    assert (v.verdict, v.reason) == (Verdict.SUPPORTED, "significant"), (v.reason, v.evidence)

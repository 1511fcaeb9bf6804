"""Narratives as files: validation messages that name file, claim and key; the Russell
narrative reproduces the registered claims; a narrative written here (no code change) finds a
planted lead and does not call independent series supported; the shipped examples run."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reportgen.analysis.narrative import run_narrative, transformed_monthly
from reportgen.config import ConfigError, parse_config
from reportgen.data.bundle import bundle_from_frames
from reportgen.narrative import load_narrative, narrative_config, parse_narrative, with_narrative
from reportgen.verdict import Verdict, decide_all
from tests.dgp import var_lead

ROOT = Path(__file__).resolve().parents[1]

HEAD = """
[narrative]
name = "x-leads-y"
title = "Does X lead Y?"
thesis = "X leads Y by two months."

[[series]]
key = "X"
symbol = "XX"
source = "yfinance"
role = "macro"

[[series]]
key = "Y"
symbol = "YY"
source = "yfinance"
role = "macro"

[[series]]
key = "Z"
symbol = "ZZ"
source = "yfinance"
role = "macro"
"""

CLAIMS = """
[[claims]]
id = "L1"
title = "X leads Y"
article_says = "Y follows X two months later."
leader = "X"
follower = "Y"
lags = 2
secondary_lags = [1, 3]

[[claims]]
id = "L2"
title = "Z leads Y"
article_says = "Y follows Z."
leader = "Z"
follower = "Y"
lags = 2
core = false
"""


@pytest.fixture(scope="module")
def fast(config):
    text = (ROOT / "config.toml").read_text().replace("simulations = 1000", "simulations = 300")
    text = text.replace("bootstrap_reps = 1999", "bootstrap_reps = 499")
    return parse_config(text, str(ROOT / "config.toml"))


def write(tmp_path, text, name="n.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda t: t.replace('leader = "Z"', 'leader = "Q"'), r"n\.toml: claim L2\.leader: unknown series 'Q'"),
        (lambda t: t.replace("lags = 2\ncore", "lags = 0\ncore"), r"n\.toml: claim L2\.lags: lags must be in 1\.\.12, got 0"),
        (lambda t: t.replace('title = "X leads Y"', 'title = 3'), r"n\.toml: claim L1\.title must be a string, got 3"),
        (lambda t: t.replace('secondary_lags = [1, 3]', 'secondary_lagz = [1, 3]'),
         r"n\.toml: claim L1\.secondary_lagz|unknown key n\.toml: claim L1\.secondary_lagz"),
        (lambda t: t.replace('id = "L2"', 'id = "L1"'), r"n\.toml: claim L1 is declared twice"),
        (lambda t: t.replace('leader = "Z"', 'leader = "Y"'), r"n\.toml: claim L2: leader and follower must differ"),
        (lambda t: t.replace('[narrative]', '[narativ]'), r"n\.toml: unknown section narativ"),
        (lambda t: t.replace('lags = 2\nsecondary', 'lags = 2\nexpected_sign = 0\nsecondary'), r"claim L1\.expected_sign must be 1 or -1"),
        (lambda t: t + '\n[[claims]]\nid = "L3"\ntitle = "t"\narticle_says = "a"\nleader = "X"\nfollower = "Y"\nfrequency = "weekly"\n',
         r"claim L3\.frequency must be one of \('monthly',\)"),
        (lambda t: t.replace('symbol = "XX"', 'symbol = "XX"\npublication_lag_months = 13'), r"publication_lag_months must be in 0\.\.12"),
        (lambda t: t + "\n[[claims]\n", r"n\.toml is not valid TOML"),
    ],
)
def test_bad_narratives_are_rejected_with_file_claim_and_key(config, tmp_path, edit, message):
    with pytest.raises(ConfigError, match=message):
        parse_narrative(edit(HEAD + CLAIMS), "n.toml", config)


def test_a_series_that_contradicts_the_config_is_rejected(config):
    text = HEAD.replace('key = "X"\nsymbol = "XX"', 'key = "BTC"\nsymbol = "XX"') + CLAIMS.replace('"X"', '"BTC"')
    with pytest.raises(ConfigError, match=r"series BTC is yfinance:XX here but yfinance:BTC-USD in"):
        parse_narrative(text, "n.toml", config)


def test_placeholders_name_config_values(config):
    n = load_narrative(config)
    c3 = next(s for s in n.claims if s.id == "C3")
    assert c3.primary.horizon_months == config.analysis.granger_primary_lag
    assert f"{config.analysis.granger_primary_lag} lags" in c3.primary.method
    with pytest.raises(ConfigError, match=r"unknown placeholder in '\{lagz\} lags'"):
        parse_narrative(HEAD + CLAIMS.replace('title = "X leads Y"', 'title = "{lagz} lags"'), "n.toml", config)


# --------------------------------------------------------------------------- a narrative written here


def market(rng, n=220, lead=0.5):
    """Month-end prices: X leads Y by two months (planted), Z is independent of both."""
    xy = 0.08 * var_lead(n, rng, lag=2, b=lead)
    z = 0.08 * rng.standard_normal(n)
    idx = pd.date_range("2004-01-31", periods=n, freq="ME")
    close = {k: pd.Series(100 * np.exp(np.cumsum(r)), index=idx) for k, r in (("X", xy[:, 0]), ("Y", xy[:, 1]), ("Z", z))}
    b = bundle_from_frames(close, {"X": "macro", "Y": "macro", "Z": "macro"})
    return dataclasses.replace(b, sample_start=idx[0].date())


def test_a_narrative_file_finds_the_planted_lead_and_not_the_independent_one(fast, tmp_path):
    cfg = with_narrative(fast, write(tmp_path, HEAD + CLAIMS))
    results = {"narrative": run_narrative(market(np.random.default_rng(5)), cfg)}
    v = {x.claim.id: x for x in decide_all(results, cfg)}
    assert (v["L1"].verdict, v["L1"].reason) == (Verdict.SUPPORTED, "significant"), v["L1"].evidence
    ev = v["L1"].evidence
    assert ev.min_effect == pytest.approx(0.04) and ev.effect > 0.04 and ev.size is not None and 0.03 <= ev.size <= 0.07
    assert v["L2"].verdict != Verdict.SUPPORTED
    fams = {s.family for s in v["L1"].secondary}
    assert fams == {"L1-secondary", "L1-reverse"}


def test_independent_series_are_not_supported_across_seeds(fast, tmp_path):
    cfg = with_narrative(fast, write(tmp_path, HEAD + CLAIMS))
    supported = 0
    for seed in range(4):
        results = {"narrative": run_narrative(market(np.random.default_rng(100 + seed), lead=0.0), cfg)}
        supported += sum(x.verdict == Verdict.SUPPORTED for x in decide_all(results, cfg))
    assert supported == 0


def test_publication_lag_shifts_the_leader(fast):
    b = market(np.random.default_rng(1))
    raw = transformed_monthly(b, "X", "log_return")
    lagged = transformed_monthly(b, "X", "log_return", publication_lag_months=1)
    assert lagged.index[0] == raw.index[1] and lagged.iloc[0] == raw.iloc[0]


# --------------------------------------------------------------------------- the shipped narratives


@pytest.mark.parametrize("name", ["russell-leads-crypto", "m2-leads-bitcoin", "btc-leads-eth"])
def test_shipped_narratives_load(config, name):
    n = load_narrative(narrative_config(config, ROOT / "narratives" / f"{name}.toml"))
    assert n.name == name and n.claims and all(s.primary is None or s.primary.design for s in n.claims if s.rule == "test")


def test_a_non_default_narrative_writes_to_its_own_folder(config):
    cfg = narrative_config(config, ROOT / "narratives" / "m2-leads-bitcoin.toml")
    assert cfg.report.output_dir.endswith("output/m2-leads-bitcoin")
    assert any(s.key == "M2" for s in cfg.series)
    same = narrative_config(config, ROOT / "narratives" / "russell-leads-crypto.toml")
    assert same.report == config.report  # the configured narrative: same folder, same record


@pytest.mark.e2e
@pytest.mark.slow
def test_m2_narrative_on_the_real_snapshot(snapshot_bundle, fast):
    """M2 (used one month after the month it describes) does not lead BTC: the interval rules
    out the minimum effect."""
    cfg = narrative_config(fast, ROOT / "narratives" / "m2-leads-bitcoin.toml")
    results = {"narrative": run_narrative(snapshot_bundle, cfg)}
    (v,) = decide_all(results, cfg)
    assert v.verdict in (Verdict.NOT_SUPPORTED, Verdict.INSUFFICIENT)
    r = results["narrative"].claims[0]
    assert r.publication_lag_months == 1 and r.primary.sample_end <= pd.Timestamp("2025-11-30").date()


def test_a_claim_may_set_its_own_minimum_and_the_narrative_its_rules(fast, tmp_path):
    text = (HEAD + CLAIMS.replace("secondary_lags = [1, 3]", "secondary_lags = [1, 3]\nmin_effect_monthly_return = 0.05")
            + "\n[rules]\nalpha = 0.01\nmin_power = 0.9\n")
    cfg = with_narrative(fast, write(tmp_path, text))
    assert (cfg.rules.alpha, cfg.rules.min_power) == (0.01, 0.9)
    results = {"narrative": run_narrative(market(np.random.default_rng(5)), cfg)}
    v = {x.claim.id: x for x in decide_all(results, cfg)}
    assert v["L1"].evidence.min_effect == pytest.approx(0.10)  # 5% a month x 2 lags
    design = results["narrative"].designs["L1"]
    assert design.min_effect == pytest.approx(0.10) and design.alpha == 0.01  # the design checks the same test


@pytest.mark.parametrize(
    "extra, message",
    [("\n[rules]\nalpha = 0.9\n", r"n\.toml: rules\.alpha must be in \(0, 0\.5\), got 0\.9"),
     ("\n[rules]\nalfa = 0.01\n", r"unknown key n\.toml: rules\.alfa"),
     ("\n[rules]\nmin_events = 1\n", r"n\.toml: rules\.min_events must be")],
)
def test_bad_narrative_rules_are_rejected(config, extra, message):
    with pytest.raises(ConfigError, match=message):
        parse_narrative(HEAD + CLAIMS + extra, "n.toml", config)


EVENT_CLAIM = """
[[claims]]
id = "B1"
title = "BTC rallies after Russell breakouts"
article_says = "Crypto rallies after the Russell breaks out."
method = "breakout_event_study"
leader = "RUT"
follower = "BTC"
definition = "ath_after_dd10"
horizon_months = 3
"""

EVENT_HEAD = """
[narrative]
name = "breakouts"
title = "Do Russell breakouts lead BTC?"
thesis = "BTC rallies after Russell breakouts."
"""


def test_event_study_claim_definition_is_checked(config):
    with pytest.raises(ConfigError, match=r"claim B1\.definition must be one of \('ath_after_dd10', 'ath_after_dd20', 'high52w_after_6m'\)"):
        parse_narrative(EVENT_HEAD + EVENT_CLAIM.replace('"ath_after_dd10"', '"ath"'), "n.toml", config)


@pytest.mark.e2e
@pytest.mark.slow
def test_a_breakout_event_study_claim_from_a_file(snapshot_bundle, fast, tmp_path):
    """Independent prices: not supported; a planted post-breakout rally: supported."""
    from reportgen.analysis.breakouts import detect_breakouts
    from tests.dgp import simulated_market

    cfg = with_narrative(fast, write(tmp_path, EVENT_HEAD + EVENT_CLAIM))
    base = simulated_market(snapshot_bundle, np.random.default_rng(11))
    (v0,) = decide_all({"narrative": run_narrative(base, cfg)}, cfg)
    assert v0.verdict != Verdict.SUPPORTED and v0.evidence.n_unit == "events"
    dates = detect_breakouts(base.series("RUT"), cfg.events.primary, max(cfg.events.horizons_months)).dates
    planted = simulated_market(snapshot_bundle, np.random.default_rng(11), breakout_effect=0.8, breakouts=dates)
    results = {"narrative": run_narrative(planted, cfg)}
    (v1,) = decide_all(results, cfg)
    assert (v1.verdict, v1.reason) == (Verdict.SUPPORTED, "significant"), v1.evidence
    assert v1.evidence.size is not None and {s.family for s in v1.secondary} == {"B1-secondary"}
    # the report's partial renders this claim kind
    from reportgen.report.render import make_environment

    html = make_environment().get_template("partials/narrative_section.html").render(r=results["narrative"], cfg=cfg)
    assert "BTC after RUT breakouts (ath_after_dd10), +3 months" in html


VAR_CLAIM = """
[[claims]]
id = "V1"
title = "Y responds to X"
article_says = "Y follows X."
method = "var_response"
leader = "X"
follower = "Y"
lags = 2
horizon_months = 3
"""


def test_a_var_response_claim_from_a_file(fast, tmp_path):
    """A planted two-month lead: the cumulative response is found; independent series: not supported."""
    cfg = with_narrative(fast, write(tmp_path, HEAD + VAR_CLAIM))
    results = {"narrative": run_narrative(market(np.random.default_rng(5), lead=0.6), cfg)}
    (v,) = decide_all(results, cfg)
    assert (v.verdict, v.reason) == (Verdict.SUPPORTED, "significant"), v.evidence
    assert v.evidence.min_effect == pytest.approx(0.06) and v.evidence.size is not None
    r = results["narrative"].claims[0]
    assert r.var_lags == 2 and r.primary.family == "V1-primary" and {t.family for t in r.secondary} == {"V1-secondary"}
    from reportgen.report.render import make_environment

    html = make_environment().get_template("partials/narrative_section.html").render(r=results["narrative"], cfg=cfg)
    assert "V1: VAR(2) response of Y to X, months 1–3" in html
    null = {"narrative": run_narrative(market(np.random.default_rng(6), lead=0.0), cfg)}
    (v0,) = decide_all(null, cfg)
    assert v0.verdict != Verdict.SUPPORTED

"""A tiny perturbation of the input closes (float32 rounding, as a live Yahoo pull delivers
them: a relative change of about 1e-7) must not flip a verdict, nor move the primary tests'
p-values by more than Monte Carlo noise."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pytest

from reportgen.config import parse_config
from reportgen.pipeline import run_analyses
from reportgen.verdict import decide_all

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[1]


def float32_rounded(bundle):
    close = {k: s.astype(np.float32).astype(np.float64) for k, s in bundle.close.items()}
    return dataclasses.replace(bundle, close=MappingProxyType(close))


def test_float32_rounding_cannot_flip_a_verdict(snapshot_bundle):
    text = (ROOT / "config.toml").read_text()
    for old, new in (("bootstrap_reps = 1999", "bootstrap_reps = 399"), ("placebo_draws = 10000", "placebo_draws = 1999"),
                     ("simulations = 1000", "simulations = 300")):
        text = text.replace(old, new)
    cfg = parse_config(text, "fast.toml")
    rounded = float32_rounded(snapshot_bundle)
    moved = max(float(np.max(np.abs(rounded.close[k] / s - 1))) for k, s in snapshot_bundle.close.items())
    assert 0 < moved < 1e-7
    a = decide_all(run_analyses(snapshot_bundle, cfg), cfg)
    b = decide_all(run_analyses(rounded, cfg), cfg)
    assert [(v.claim.id, v.verdict, v.reason) for v in a] == [(v.claim.id, v.verdict, v.reason) for v in b]
    for va, vb in zip(a, b, strict=True):
        ea, eb = va.evidence, vb.evidence
        if ea is None or ea.pvalue is None:
            continue
        assert abs(ea.pvalue - eb.pvalue) <= 0.01, va.claim.id
        if ea.effect is not None:
            assert ea.effect == pytest.approx(eb.effect, rel=1e-4, abs=1e-6), va.claim.id

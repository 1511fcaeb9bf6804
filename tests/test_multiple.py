"""Holm and Benjamini-Hochberg adjustments equal statsmodels' multipletests (golden values)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from reportgen.analysis.common import HypothesisTest
from reportgen.analysis.multiple import adjust_family, benjamini_hochberg, holm



def families():
    rng = np.random.default_rng(20260121)
    out = [np.array([0.5]), np.array([0.01, 0.04, 0.03, 0.005]), np.array([0.02, 0.02, 0.02, 0.5, 0.001])]
    for m in (2, 3, 7, 20, 100):
        out.append(rng.uniform(size=m))
        out.append(rng.uniform(size=m) ** 4)  # many small p-values
        out.append(np.round(rng.uniform(size=m), 2))  # ties
    out.append(np.array([0.0, 1.0, 0.9, 1.0, 0.0]))
    return out


@pytest.mark.parametrize("p", families(), ids=lambda p: f"m{p.size}")
def test_holm_equals_statsmodels(p):
    expected = multipletests(p, method="holm")[1]
    np.testing.assert_allclose(holm(p), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("p", families(), ids=lambda p: f"m{p.size}")
def test_bh_equals_statsmodels(p):
    expected = multipletests(p, method="fdr_bh")[1]
    np.testing.assert_allclose(benjamini_hochberg(p), expected, rtol=0, atol=1e-12)


def test_worked_example():
    p = [0.01, 0.04, 0.03, 0.005]
    np.testing.assert_allclose(holm(p), [0.03, 0.06, 0.06, 0.02], atol=1e-15)
    np.testing.assert_allclose(benjamini_hochberg(p), [0.02, 0.04, 0.04, 0.02], atol=1e-15)


def test_properties():
    p = np.random.default_rng(1).uniform(size=50) ** 3
    for adj in (holm(p), benjamini_hochberg(p)):
        assert (adj >= p - 1e-15).all() and (adj <= 1).all()
        order = np.argsort(p)
        assert (np.diff(adj[order]) >= -1e-15).all()  # monotone in p
    assert (benjamini_hochberg(p) <= holm(p) + 1e-15).all()


def test_empty_family():
    assert holm([]).size == 0 and benjamini_hochberg([]).size == 0


def test_single_test_is_unchanged():
    assert holm([0.03])[0] == 0.03 and benjamini_hochberg([0.03])[0] == 0.03
def test_nan_pvalue_does_not_poison_the_family():
    with pytest.raises(ValueError, match="finite"):
        benjamini_hochberg([0.01, np.nan, 0.04])


def make_test(name: str, p: float) -> HypothesisTest:
    return HypothesisTest(
        name=name, null="no effect", alternative="effect", stat=1.0, pvalue=p, df=(1,), nobs=100,
        sample_start=dt.date(2015, 1, 31), sample_end=dt.date(2026, 1, 31), method="t",
    )


def test_adjust_family_fills_fields():
    tests = [make_test("a", 0.01), make_test("b", 0.04), make_test("c", 0.03)]
    out = adjust_family(tests, "C1")
    assert [t.name for t in out] == ["a", "b", "c"]
    assert all(t.family == "C1" for t in out)
    np.testing.assert_allclose([t.pvalue_holm for t in out], multipletests([0.01, 0.04, 0.03], method="holm")[1], atol=1e-12)
    np.testing.assert_allclose([t.pvalue_bh for t in out], multipletests([0.01, 0.04, 0.03], method="fdr_bh")[1], atol=1e-12)
    assert all(type(t.pvalue_holm) is float for t in out)
    assert tests[0].family == "" and tests[0].pvalue_holm is None  # originals untouched
    assert dataclasses.replace(out[0], family="", pvalue_holm=None, pvalue_bh=None) == tests[0]


def test_adjust_empty_family():
    assert adjust_family([], "C1") == ()

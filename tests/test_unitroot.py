"""Unit-root pre-flight: agreement with arch, the integration-order rule, error messages."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from arch.unitroot import ADF, KPSS, PhillipsPerron, ZivotAndrews

from reportgen.analysis.unitroot import integration_order, unit_root_test, unit_root_tests
from reportgen.errors import InsufficientDataError
from tests.dgp import independent_random_walks, independent_returns


def _series(values: np.ndarray) -> pd.Series:
    return pd.Series(values, index=pd.date_range("2010-01-31", periods=len(values), freq="ME"))


@pytest.fixture(scope="module")
def walk() -> pd.Series:
    return _series(np.exp(0.05 * independent_random_walks(200, np.random.default_rng(1), k=1)[:, 0]))


def test_matches_arch(walk):
    y = np.log(walk.to_numpy())
    res = unit_root_tests(np.log(walk), "ct", "X", "log level", "monthly")
    assert [r.test for r in res] == ["ADF", "PP", "KPSS", "ZA"]
    with pytest.warns(DeprecationWarning):
        kpss = KPSS(y, trend="ct")
        kpss.stat  # noqa: B018  (arch computes lazily; the notice is raised here)
    for r, ref in zip(
        res,
        (ADF(y, trend="ct", method="aic"), PhillipsPerron(y, trend="ct"), kpss, ZivotAndrews(y, trend="ct", method="aic")),
        strict=True,
    ):
        assert r.stat == pytest.approx(ref.stat, abs=1e-10)
        assert r.pvalue == pytest.approx(ref.pvalue, abs=1e-10)
        assert (r.lags, r.nobs) == (ref.lags, ref.nobs)
        assert dict(r.critical_values) == pytest.approx(dict(ref.critical_values))
        assert r.null == ref.null_hypothesis
    assert res[3].break_date is not None and res[0].break_date is None
    assert res[2].stationary_null and not res[0].stationary_null


def test_labels_and_reason(walk):
    rw = integration_order(walk, "RW")
    assert rw.reason.startswith(f"I({rw.order}): levels:")
    assert [r.transform for r in rw.tests] == ["log level"] * 4 + ["log return"] * 4
    assert [r.trend for r in rw.tests] == ["ct"] * 4 + ["c"] * 4
    assert rw.level[0].nobs == 200 - 1 - rw.level[0].lags and rw.difference[0].sample_start == walk.index[1].date()
    spread = integration_order(walk, "S", log=False)
    assert spread.level_transform == "level" and spread.diff_transform == "change"


@pytest.mark.slow
def test_decision_rule_on_random_walks_and_noise():
    """Random walks are called I(1), fat-tailed GARCH noise I(0), in >= 85% of 40 draws each."""
    idx = pd.date_range("2010-01-31", periods=150, freq="ME")
    rng = np.random.default_rng(5)
    o1 = [integration_order(pd.Series(independent_random_walks(150, rng, k=1)[:, 0], idx), "x", log=False).order
          for _ in range(40)]
    o0 = [integration_order(pd.Series(independent_returns(150, rng, k=1)[:, 0], idx), "x", log=False).order
          for _ in range(40)]
    assert np.mean(np.equal(o1, 1)) >= 0.85, o1
    assert np.mean(np.equal(o0, 0)) >= 0.85, o0


def test_integrated_twice_is_i2():
    i2 = np.cumsum(np.cumsum(np.random.default_rng(3).standard_normal(200)))
    assert integration_order(_series(i2), "I2", log=False).order == 2


def test_results_are_frozen(walk):
    r = integration_order(walk, "RW")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.order = 0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.level[0].pvalue = 0.0  # type: ignore[misc]
    assert isinstance(r.tests, tuple) and isinstance(r.level[0].critical_values, tuple)


def test_errors(walk):
    with pytest.raises(ValueError, match="test must be one of \\('ADF', 'PP', 'KPSS', 'ZA'\\), got 'DFGLS'"):
        unit_root_test(walk, "DFGLS")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="trend must be one of \\('c', 'ct'\\), got 'n'"):
        unit_root_test(walk, "ADF", trend="n")  # type: ignore[arg-type]
    with pytest.raises(InsufficientDataError, match="need 30 observations for a ADF test on X; have 20"):
        unit_root_test(walk.iloc[:20], "ADF", series="X")
    with pytest.raises(ValueError, match="alpha must be in \\(0, 0.5\\), got 0.7"):
        integration_order(walk, "X", alpha=0.7)
    with pytest.raises(ValueError, match="X: log=True needs positive levels"):
        integration_order(walk - 10, "X")
    with pytest.raises(TypeError, match="series must have a DatetimeIndex, got RangeIndex"):
        unit_root_test(pd.Series(np.arange(50.0)), "ADF")

"""C7 credit betas: HAC regression equals statsmodels, the difference test is exact, planted
betas are recovered, missing data gives a NotTestable result, real snapshot is sane."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from scipy import stats

from reportgen.analysis.common import HypothesisTest, NotTestable
from reportgen.analysis.credit_beta import (
    CreditBetaResult,
    correlation_test,
    credit_beta,
    newey_west_lags,
    ols_hac,
    run_credit_beta,
)
from reportgen.data.bundle import bundle_from_frames
from reportgen.errors import InsufficientDataError
from tests.dgp import credit_betas, daily_prices



def _sm_hac(y, x, lags):
    import statsmodels.api as sm

    return sm.OLS(y, sm.add_constant(x)).fit(cov_type="HAC", cov_kwds={"maxlags": lags}, use_t=True)


@pytest.mark.parametrize("lags", [0, 1, 4, 7])
def test_ols_hac_equals_statsmodels(lags):
    frame = credit_betas(150, np.random.default_rng(lags))
    params, cov, _ = ols_hac(frame["RUT"].to_numpy(), frame["ds"].to_numpy(), lags)
    sm = _sm_hac(frame["RUT"].to_numpy(), frame["ds"].to_numpy(), lags)
    np.testing.assert_allclose(params, sm.params, rtol=0, atol=1e-12)
    np.testing.assert_allclose(cov, sm.cov_params(), rtol=1e-10, atol=1e-14)


def test_credit_beta_equals_statsmodels_hac_and_difference_is_exact():
    frame = credit_betas(140, np.random.default_rng(7))
    r = credit_beta(frame, "HYOAS")
    L = newey_west_lags(140)
    assert r.hac_lags == L == 4
    for col, t in (("RUT", r.beta_rut), ("GSPC", r.beta_gspc)):
        sm = _sm_hac(frame[col].to_numpy(), frame["ds"].to_numpy(), L)
        assert t.effect == pytest.approx(sm.params[1], abs=1e-8)
        assert t.stat == pytest.approx(sm.tvalues[1], abs=1e-8)
        assert t.pvalue == pytest.approx(sm.pvalues[1], abs=1e-8)
        lo, hi = sm.conf_int()[1]
        assert (t.ci_low, t.ci_high) == pytest.approx((lo, hi), abs=1e-8)
        assert t.df == (138.0,)
    assert r.difference.effect == pytest.approx(r.beta_rut.effect - r.beta_gspc.effect, abs=1e-12)
    sm = _sm_hac((frame["RUT"] - frame["GSPC"]).to_numpy(), frame["ds"].to_numpy(), L)
    assert r.difference.pvalue == pytest.approx(sm.pvalues[1], abs=1e-8)
    assert r.primary is r.difference
    assert r.r2_rut == pytest.approx(_sm_hac(frame["RUT"].to_numpy(), frame["ds"].to_numpy(), L).rsquared, abs=1e-10)


def test_correlation_matches_scipy_and_fisher_ci():
    rng = np.random.default_rng(1)
    x = rng.normal(size=80)
    y = 0.4 * x + rng.normal(size=80)
    r, t, p, lo, hi = correlation_test(x, y)
    ref = stats.pearsonr(x, y)
    assert r == pytest.approx(ref.statistic, abs=1e-12)
    assert p == pytest.approx(ref.pvalue, abs=1e-10)
    z = np.arctanh(r)
    half = 1.959964 / np.sqrt(77)
    assert (lo, hi) == pytest.approx((np.tanh(z - half), np.tanh(z + half)), abs=1e-6)


def test_planted_betas_recovered():
    frame = credit_betas(2000, np.random.default_rng(3), beta_small=-0.09, beta_large=-0.05)
    r = credit_beta(frame, "HYOAS")
    for t, truth in ((r.beta_rut, -0.09), (r.beta_gspc, -0.05), (r.difference, -0.04)):
        se = (t.ci_high - t.ci_low) / (2 * 1.96)
        assert abs(t.effect - truth) < 4 * se and se < 0.003
    assert r.difference.pvalue < 0.001 and r.correlation.effect < 0


@pytest.mark.slow
def test_difference_test_size_under_equal_betas():
    rejections = []
    for s in range(400):
        frame = credit_betas(140, np.random.default_rng([31, s]), beta_small=-0.06, beta_large=-0.06)
        rejections.append(credit_beta(frame, "HYOAS").difference.pvalue < 0.05)
    assert 0.025 <= np.mean(rejections) <= 0.085


def test_too_few_months():
    frame = credit_betas(20, np.random.default_rng(0))
    with pytest.raises(InsufficientDataError, match="need 36 monthly observations for credit betas; have 20"):
        credit_beta(frame, "HYOAS")
    with pytest.raises(ValueError, match="lags must be >= 0, got -1"):
        ols_hac(frame["RUT"].to_numpy(), frame["ds"].to_numpy(), -1)


def test_run_credit_beta_without_spread_is_not_testable(config):
    rng = np.random.default_rng(2)
    close = {k: daily_prices(rng.normal(0, 0.01, 2000)) for k in ("RUT", "GSPC")}
    r = run_credit_beta(bundle_from_frames(close, {"RUT": "small_caps", "GSPC": "large_caps"}), config)
    assert isinstance(r, CreditBetaResult) and not r.testable
    assert r.reason == "no available series with role 'credit_spread'"
    assert isinstance(r.primary, NotTestable) and r.primary.missing == ("<credit_spread>",)
    html = _render(r, config)
    assert "Not testable: no available series with role" in html


def test_run_credit_beta_missing_gspc_is_not_testable(config):
    rng = np.random.default_rng(2)
    idx = pd.date_range("2010-01-01", periods=2001, freq="D")
    close = {"RUT": daily_prices(rng.normal(0, 0.01, 2000)),
             "HY": pd.Series(4 + np.cumsum(rng.normal(0, 0.02, 2001)), index=idx)}
    r = run_credit_beta(bundle_from_frames(close, {"RUT": "small_caps", "HY": "credit_spread"}), config)
    assert not r.testable and r.primary.missing == ("GSPC",)
    assert r.reason.startswith("missing series GSPC")


@pytest.mark.e2e
def test_run_credit_beta_snapshot(snapshot_bundle, config):
    r = run_credit_beta(snapshot_bundle, config)
    assert r.testable and r.spread_key == snapshot_bundle.key_for_role("credit_spread")
    assert r.nobs >= 100
    assert isinstance(r.primary, HypothesisTest)
    # wider spreads come with lower stock returns in the same month
    assert r.beta_rut.effect < 0 and r.beta_gspc.effect < 0
    assert -1 < r.correlation.ci_low < r.correlation.effect < r.correlation.ci_high < 1
    assert r.primary.ci_low < r.primary.effect < r.primary.ci_high
    assert len(r.robustness) == len(r.robustness_keys)
    html = _render(r, config)
    assert "beta RUT − beta GSPC" in html
    from reportgen.serialize import dumps

    assert '"type": "CreditBetaResult"' in dumps(r)


def _render(r, cfg) -> str:
    from reportgen.report.render import make_environment

    return make_environment().get_template("partials/credit_beta_section.html").render(r=r, fig={}, cfg=cfg)

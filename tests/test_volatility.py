"""Volatility regimes (C8): regime GARCH-t, split-sample arch fits, break scan, realised vol,
run_regimes end to end, figures and partials."""

from __future__ import annotations

import datetime as dt
import math
import time

import numpy as np
import pandas as pd
import pytest

from reportgen.analysis import volatility as V
from reportgen.analysis.common import HypothesisTest, NotTestable
from reportgen.errors import InsufficientDataError
from tests.dgp import garch_with_shift

START = "2016-01-01"


def _series(x: np.ndarray, start: str = START) -> pd.Series:
    return pd.Series(x, index=pd.date_range(start, periods=len(x), freq="D"))


# --------------------------------------------------------------------------- likelihood


@pytest.mark.parametrize("delta,gamma", [(0.0, 0.0), (-0.7, 0.0), (0.4, 0.05)])
def test_variance_filter_equals_loop(delta, gamma):
    rng = np.random.default_rng(1)
    r = garch_with_shift(600, rng)
    dummy = (np.arange(600) >= 350).astype(float)
    theta = np.array([0.01, math.log(1.2), delta, 0.07, gamma, 0.88, 6.0])
    bc = V.backcast(r - r.mean())
    fast = V.garch_variance(theta, r - theta[0], dummy, bc)
    ref = V.garch_variance_reference(theta, r - theta[0], dummy, bc)
    np.testing.assert_allclose(fast, ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("model,o", [("garch", 0), ("gjr", 1)])
def test_loglik_and_fit_match_arch(model, o):
    """Golden: our Student-t GARCH likelihood equals arch's at arch's estimates (delta = 0),
    and our optimiser reaches the same maximum."""
    from arch import arch_model

    r = garch_with_shift(1500, np.random.default_rng(7))
    res = arch_model(r, mean="Constant", vol="GARCH", p=1, o=o, q=1, dist="t", rescale=False).fit(disp="off")
    p = res.params.to_numpy()
    alpha, gamma, beta, nu = p[2], (p[3] if o else 0.0), p[3 + o], p[4 + o]
    pers = alpha + gamma / 2 + beta
    theta = np.array([p[0], math.log(p[1] / (1 - pers)), 0.0, alpha, gamma, beta, nu])
    ll = V.loglik_obs(theta, r, np.zeros(r.size), V.backcast(r - r.mean())).sum()
    assert ll == pytest.approx(res.loglikelihood, abs=1e-8)
    th, ll_fit = V.fit_garch_t(r, model)
    assert ll_fit >= res.loglikelihood - 1e-4
    np.testing.assert_allclose(th[[3, 5, 6]], [alpha, beta, nu], rtol=5e-3, atol=5e-4)


def test_regime_term_finds_planted_shift():
    """Variance intercept halved at a known date: unconditional volatility ratio sqrt(0.5)."""
    n, k0 = 2000, 1200
    r = _series(garch_with_shift(n, np.random.default_rng(11), shift_at=k0, scale_after=0.5))
    date = r.index[k0].date()
    res = V.RegimeGarch(r, date, "garch", "SIM").fit()
    assert res.lr_test.pvalue < 0.01
    assert res.wald_pvalue < 0.05 and res.wald_ci[0] < res.vol_ratio < res.wald_ci[1]
    assert not res.integrated
    lo, hi = res.vol_ratio_ci
    assert lo < math.sqrt(0.5) < hi
    assert res.vol_ratio < 1 and res.uncond_vol_post < res.uncond_vol_pre
    assert res.lr_test.effect == pytest.approx(res.vol_ratio)
    assert 0.8 < res.persistence < 1 and res.persistence_se > 0
    assert res.nobs_pre == k0 and res.nobs_post == n - k0
    # the profile-likelihood interval inverts the LR test: LR at the bounds equals chi2_0.95(1)
    assert res.lr_test.ci_low == pytest.approx(lo) and res.lr_test.ci_high == pytest.approx(hi)


def test_regime_gjr_and_split_sample():
    n, k0 = 2000, 1000
    r = _series(garch_with_shift(n, np.random.default_rng(5), shift_at=k0, scale_after=0.4))
    date = r.index[k0].date()
    res = V.RegimeGarch(r, date, "gjr", "SIM").fit()
    assert "gamma" in res.param_names and res.vol_ratio < 1
    split = V.split_sample_garch(r, date, "garch", "SIM")
    assert split.pre.nobs == k0 and split.post.nobs == n - k0
    assert split.post.uncond_vol < split.pre.uncond_vol
    assert split.chow_test is not None and split.chow_test.df == (5.0,)
    assert split.chow_test.pvalue < 0.05
    gjr = V.split_sample_garch(r, date, "gjr", "SIM")
    assert gjr.chow_test is None  # gamma >= 0 in arch: boundary, no chi2 reference


def _lr_null_draw(seed: int) -> float:
    r = garch_with_shift(1000, np.random.default_rng([20260121, seed]))
    return V.regime_lr(r, (np.arange(1000) >= 500).astype(float), "garch", quick=True)


@pytest.mark.slow
def test_regime_lr_size():
    """No shift: the 5% LR test of delta = 0 rejects at most 7% of the time (300 seeds, n = 1000)."""
    from joblib import Parallel, delayed
    from scipy import stats

    lr = np.array(Parallel(n_jobs=2)(delayed(_lr_null_draw)(s) for s in range(300)))
    rate = np.mean(lr > stats.chi2.ppf(0.95, 1))
    assert 0.01 <= rate <= 0.07, rate


# --------------------------------------------------------------------------- break scan


def test_scan_matches_statsmodels_reference():
    y = np.abs(garch_with_shift(180, np.random.default_rng(3), shift_at=120, scale_after=0.3))
    stat, khat, _, _ = V._scan_stats(y[:, None], 0.15, 5)
    ref_stat, ref_k = V.sup_wald_reference(y, 0.15, 5)
    assert int(khat[0]) == ref_k
    assert float(stat[0]) == pytest.approx(ref_stat, rel=1e-8)


def test_break_scan_locates_planted_shift():
    """Volatility halved (variance x 0.25) at day 1200 of 2000: the estimate is within 100
    days (median of 3 seeds) and the interval covers the true date in at least 2 of 3."""
    n, k0 = 2000, 1200
    errors, covered = [], []
    for seed in (0, 1, 2):
        r = _series(garch_with_shift(n, np.random.default_rng(seed), shift_at=k0, scale_after=0.25))
        b = V.variance_break_scan(r, r.index[k0].date(), asset="SIM", reps=199, seed=seed)
        errors.append(abs(b.distance_days))
        covered.append(b.reference_in_ci)
        # no p-value check: the null-imposed GARCH bootstrap is conservative when there is a
        # break (the null fit turns the shift into persistence); see variance_break_scan Notes
        assert b.vol_ratio < 1
        assert b.ci_low <= b.break_date <= b.ci_high
    assert np.median(errors) <= 100, errors
    assert sum(covered) >= 2, covered


def _scan_null_p(seed: int) -> float:
    r = _series(garch_with_shift(1000, np.random.default_rng([7, seed])))
    return V.variance_break_scan(r, r.index[500].date(), reps=99, seed=seed, interval=False).test.pvalue


@pytest.mark.slow
def test_break_scan_size():
    """No shift: the bootstrap sup-Wald rejects at about 5% (200 seeds, 99 draws each; <= 8% allows for MC error)."""
    from joblib import Parallel, delayed

    p = np.array(Parallel(n_jobs=2)(delayed(_scan_null_p)(s) for s in range(200)))
    assert np.mean(p < 0.05) <= 0.08


# --------------------------------------------------------------------------- realised vol


def test_realised_vol_equals_hand_computation():
    rng = np.random.default_rng(2)
    prices = _series(100 * np.exp(np.cumsum(0.02 * rng.standard_normal(120))))
    rv = V.realised_vol(prices, 365, 30, asset="X")
    r = np.log(prices).diff()
    last = prices.index[-1]
    window = r[(r.index > last - pd.Timedelta(days=30)) & (r.index <= last)]
    assert rv.values[-1] == pytest.approx(window.std() * math.sqrt(365), rel=1e-12)
    assert rv.dates[-1] >= last.date()


def test_sample_vol_by_regime():
    rng = np.random.default_rng(4)
    r = np.r_[0.04 * rng.standard_normal(400), 0.02 * rng.standard_normal(200)]
    prices = _series(100 * np.exp(np.cumsum(np.r_[0.0, r])))
    v = V.sample_vol_by_regime(prices, prices.index[401].date(), 365)
    assert v.ratio == pytest.approx(0.5, rel=0.15)
    assert v.nobs_pre == 400 and v.nobs_post == 200
    assert v.window_pre_start == (prices.index[401] - (prices.index[-1] - prices.index[401])).date()


# --------------------------------------------------------------------------- errors


def test_error_messages():
    r = _series(garch_with_shift(400, np.random.default_rng(0)))
    with pytest.raises(InsufficientDataError, match="need 250 daily returns in each regime; have 300 before and 100"):
        V.RegimeGarch(r, r.index[300].date())
    with pytest.raises(ValueError, match=r"model must be one of \('garch', 'gjr'\), got 'egarch'"):
        V.RegimeGarch(r, r.index[200].date(), model="egarch")
    with pytest.raises(InsufficientDataError, match="need 250 daily returns in each regime"):
        V.split_sample_garch(r, r.index[300].date())
    with pytest.raises(ValueError, match=r"trim must be in \(0, 0.5\), got 0.6"):
        V.variance_break_scan(r, r.index[200].date(), trim=0.6)
    with pytest.raises(ValueError, match="reps must be >= 99, got 10"):
        V.variance_break_scan(r, r.index[200].date(), reps=10)
    with pytest.raises(InsufficientDataError, match="need 200 daily returns for a break scan; have 150"):
        V.variance_break_scan(r.iloc[:150], r.index[100].date())
    with pytest.raises(ValueError, match=r"periods_per_year must be one of \(365, 252\), got 250"):
        V.realised_vol(r.abs() + 1, 250)
    with pytest.raises(ValueError, match="prices must be positive"):
        V.pct_log_returns(r)
    with pytest.raises(InsufficientDataError, match="need 30 daily returns in each regime; have 9 before"):
        V.sample_vol_by_regime(np.exp(r.cumsum() / 100), r.index[10].date(), 365)


# --------------------------------------------------------------------------- run_regimes


def test_run_regimes_missing_series_is_not_testable(config):
    from reportgen.analysis.regimes import run_regimes
    from reportgen.data.bundle import bundle_from_frames

    rng = np.random.default_rng(0)
    idx = pd.bdate_range("2015-01-01", "2026-06-30")
    rut = pd.Series(100 * np.exp(np.cumsum(0.01 * rng.standard_normal(idx.size))), index=idx)
    bundle = bundle_from_frames({"RUT": rut}, {"RUT": "small_caps"})
    res = run_regimes(bundle, config)
    assert isinstance(res.c8_primary, NotTestable) and "BTC" in res.c8_primary.missing
    assert isinstance(res.break_primary, NotTestable)
    assert res.break_near_etf is None and res.break_distance_months is None
    assert isinstance(res.c8_break, NotTestable) and res.c8_attributable is None
    assert [t.asset for t in res.drawdowns] == ["RUT"]
    assert not res.c9_testable and res.c8_verdict_cap == "partly supported"
    names = dict(res.not_testable)
    assert "regime_BTC_garch" in names and "missing series BTC" in names["regime_BTC_garch"].reason
    # the partials render the NotTestable parts without errors
    from reportgen.report.figures.regimes import figures
    from reportgen.report.render import make_environment

    env, figs = make_environment(), figures(res)
    html = env.get_template("partials/regimes_section.html").render(r=res, fig=figs, cfg=config)
    assert "Primary test not computed: missing series BTC" in html
    env.get_template("partials/regimes_appendix.html").render(r=res, fig=figs, cfg=config)


@pytest.fixture(scope="module")
def snapshot_results(snapshot_bundle, config):
    from reportgen.analysis.regimes import run_regimes

    t0 = time.perf_counter()
    res = run_regimes(snapshot_bundle, config)
    return res, time.perf_counter() - t0


@pytest.mark.e2e
def test_run_regimes_on_snapshot(snapshot_results, config):
    from reportgen.serialize import dumps

    res, seconds = snapshot_results
    assert seconds < 60
    assert res.not_testable == ()
    p = res.c8_primary
    assert isinstance(p, HypothesisTest) and p.family == "C8-primary" and p.name == "level_shift_BTC_RUT"
    assert 0 <= p.pvalue <= 1 and p.ci_low < p.effect < p.ci_high and -0.9 < p.effect < 0.9
    assert p.pvalue_holm is None  # the primary is judged alone at alpha
    assert p.sample_start >= config.data.sample_start
    assert res.c8_shift.effect == p.effect and res.c8_shift.pvalue == p.pvalue
    assert res.min_effect == config.rules.min_volatility_change > 0
    # secondaries: Holm among themselves, no duplicate of the primary, no Wald twin of an LR test
    names = [t.name for t in res.c8_secondary]
    assert names[:2] == ["level_shift_BTC_GSPC", "level_shift_BTC_alone"]
    assert not any(n.startswith("regime_wald") for n in names) and "level_shift_BTC_RUT" not in names
    assert len(set(names)) == len(names) and all(t.family == "C8" for t in res.c8_secondary)
    assert res.c8_tests == (p,) + res.c8_secondary
    lr = next(t for t in res.c8_secondary if t.name == "regime_lr_BTC_garch")
    assert "not a change in the volatility level" in lr.effect_label
    b = res.c8_break
    assert b.ci_low <= b.break_month <= b.ci_high and res.break_near_etf is b.reference_in_ci
    assert res.break_distance_months == b.distance_months
    for f in res.regime_fits:
        assert len(f.at_bound) == len(f.params)
        if f.integrated:
            assert f.at_bound[f.param_names.index("alpha")] and f.at_bound[f.param_names.index("beta")]
    for s in res.break_scans:
        assert [q for q, _ in s.critical_values_mcse] == [0.90, 0.95, 0.99]
        assert all(v > 0 for _, v in s.critical_values_mcse)
    for f in res.regime_fits:
        assert 0.5 < f.persistence <= 1 and 2 < f.nu < 10
    for s in res.split_fits:
        for e in (s.pre, s.post):
            assert 2 < e.nu < 20
            assert e.integrated or 0.1 < e.uncond_vol < 3
    vols = {v.asset: v for v in res.vol_by_regime}
    assert 0.3 < vols["BTC"].vol_pre < 1.5 and 0.05 < vols["GSPC"].vol_post < 0.4
    assert {b.asset for b in res.break_scans} == {"BTC", "ETH"}
    assert isinstance(res.break_distance_months, int) and isinstance(res.break_near_etf, bool)
    dd = {t.asset: t for t in res.drawdowns}
    assert set(dd) == {"BTC", "ETH", "RUT", "GSPC"}
    assert -0.95 < dd["BTC"].max_drawdown.depth < -0.5
    assert len(res.drawdown_rates) == 4 * len(config.volatility.drawdown_thresholds)
    assert {p.regime for p in res.c9_proxy} == {"pre", "post"}
    assert res.confounded and not res.c9_testable
    assert len(dumps(res)) < 1_500_000


@pytest.mark.e2e
def test_figures_and_partials_render(snapshot_results):
    from reportgen.report.figures.regimes import figures
    from reportgen.report.render import make_environment

    res, _ = snapshot_results
    figs = figures(res)
    assert set(figs) == {"level_shift", "realised_vol", "conditional_vol", "break_scan", "underwater"}
    assert all(v.startswith("<svg") for v in figs.values())
    assert figures(res)["underwater"] == figs["underwater"]  # deterministic bytes
    env = make_environment()  # the report's own environment: autoescape, StrictUndefined, filters
    for name in ("regimes_section", "regimes_appendix"):
        html = env.get_template(f"partials/{name}.html").render(r=res, fig=figs, cfg=None)
        assert "nan" not in html.replace("nanos", "")
    assert "not testable" in env.get_template("partials/regimes_section.html").render(r=res, fig=figs, cfg=None)


@pytest.mark.e2e
def test_run_regimes_before_enough_post_data(snapshot_bundle, config):
    """--as-of a few months after the launch: C8 parts become NotTestable, nothing raises."""
    from reportgen.analysis.regimes import run_regimes

    res = run_regimes(snapshot_bundle.truncated(dt.date(2024, 6, 30)), config)
    assert isinstance(res.c8_primary, NotTestable)
    assert "need 12 months with 15 trading days in each regime" in res.c8_primary.reason
    assert isinstance(res.break_primary, NotTestable)
    assert not isinstance(res.c8_break, NotTestable)  # the break date needs no post-ETF sample
    assert res.drawdowns and res.drawdown_rates  # drawdowns still computed
    assert all(c.end <= dt.date(2024, 6, 30) for c in res.drawdown_rates)


def test_dates_are_plain():
    """Results hold datetime.date, not pandas timestamps (frozen, serialisable)."""
    r = _series(garch_with_shift(600, np.random.default_rng(9), shift_at=300, scale_after=0.3))
    b = V.variance_break_scan(r, r.index[300].date(), reps=99, seed=1)
    assert type(b.break_date) is dt.date and type(b.scan_dates[0]) is dt.date

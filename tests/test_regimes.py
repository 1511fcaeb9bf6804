"""C8's primary statistics: monthly log realised variance, the level-shift test (HAC t with a
null-imposed block bootstrap), the least-squares break date with Bai's interval, the GARCH
bound flags and the break-scan Monte Carlo standard errors."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from reportgen.analysis import volatility as V
from reportgen.errors import InsufficientDataError

ETF = dt.date(2024, 1, 11)


def _daily(n_days: int, rng: np.random.Generator, start: str = "2014-10-01", vol: float = 0.03,
           freq: str = "D") -> pd.Series:
    idx = pd.date_range(start, periods=n_days, freq=freq)
    return pd.Series(vol * rng.standard_t(5, size=n_days) / math.sqrt(5 / 3), index=idx)


def _persistent_d(n: int, S: int, rng: np.random.Generator, rho: float = 0.5, df: float = 5.0) -> np.ndarray:
    """AR(1) paths (n x S) with Student-t shocks, started from the stationary distribution."""
    z = rng.standard_t(df, size=(n, S)) / math.sqrt(df / (df - 2))
    out = np.empty((n, S))
    out[0] = z[0] / math.sqrt(1 - rho * rho)
    for t in range(1, n):
        out[t] = rho * out[t - 1] + z[t]
    return out


# --------------------------------------------------------------------------- realised variance


def test_monthly_log_rv_equals_pandas_groupby():
    rng = np.random.default_rng(1)
    r = _daily(700, rng, start="2020-01-17", freq="B")
    got = V.monthly_log_rv(r, min_days=15)
    frame = pd.DataFrame({"r2": r ** 2, "m": r.index.to_period("M")})
    ref = frame.groupby("m")["r2"].agg(["sum", "count"])
    ref = ref[ref["count"] >= 15]
    assert list(got.index) == list(ref.index)
    np.testing.assert_allclose(got["rv"].to_numpy(), ref["sum"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(got["log_rv"].to_numpy(), np.log(ref["sum"].to_numpy()), rtol=1e-12)
    assert got.index[0] == pd.Period("2020-02", "M")  # January 2020 has 11 business days from the 17th


def test_log_rv_difference_and_month_containing_the_date_is_dropped():
    rng = np.random.default_rng(2)
    btc, rut = _daily(4300, rng), _daily(3000, rng, freq="B", vol=0.012)
    d = V.log_rv_difference(btc, rut)
    ref = (V.monthly_log_rv(btc)["log_rv"] - V.monthly_log_rv(rut)["log_rv"]).dropna()
    pd.testing.assert_series_equal(d, ref)
    kept, post, dropped = V.split_at_date(d, ETF)
    assert dropped == dt.date(2024, 1, 1) and pd.Period("2024-01", "M") not in kept.index
    assert post.sum() == (kept.index >= pd.Period("2024-02", "M")).sum()
    kept1, post1, dropped1 = V.split_at_date(d, dt.date(2024, 1, 1))  # a first of the month: kept, as post
    assert dropped1 is None and kept1.size == d.size and post1.sum() == post.sum() + 1


# --------------------------------------------------------------------------- the level-shift test


def test_level_shift_ols_and_hac_equal_statsmodels():
    """Golden: shift and Newey-West s.e. equal statsmodels OLS(...).fit(cov_type="HAC") to 1e-8."""
    import statsmodels.api as sm

    rng = np.random.default_rng(3)
    btc, rut = _daily(4300, rng), _daily(3000, rng, freq="B", vol=0.012)
    res = V.volatility_level_shift(btc, rut, ETF, crypto="BTC", control="RUT", reps=199, seed=1)
    d = np.array(res.d)
    X = sm.add_constant(np.array(res.post, dtype=float))
    for L in (res.maxlags, 0, 7):
        ref = sm.OLS(d, X).fit(cov_type="HAC", cov_kwds={"maxlags": L})
        b, se, t, _, m0, m1 = V._shift_ols(d[:, None], np.array(res.post), L)
        assert b[0] == pytest.approx(ref.params[1], abs=1e-8)
        assert se[0] == pytest.approx(ref.bse[1], abs=1e-8)
        assert t[0] == pytest.approx(ref.tvalues[1], abs=1e-8)
        assert m0[0] == pytest.approx(ref.params[0], abs=1e-8)
    ref = sm.OLS(d, X).fit(cov_type="HAC", cov_kwds={"maxlags": res.maxlags})
    assert res.shift == pytest.approx(ref.params[1], abs=1e-8) and res.se == pytest.approx(ref.bse[1], abs=1e-8)
    assert res.maxlags == V.newey_west_lags(res.nobs) == 4
    assert res.effect == pytest.approx(math.expm1(res.shift / 2), abs=1e-12)
    assert res.nobs_pre + res.nobs_post == res.nobs and res.dropped_month == dt.date(2024, 1, 1)
    assert res.ci_low < res.effect < res.ci_high and res.ci_level == 0.95


def test_planted_shifts_equal_testing_each_shifted_sample():
    """level_shift_test(planted=...) (one set of draws, quadratic HAC) equals testing D + s * post."""
    rng = np.random.default_rng(4)
    n = 143
    post = np.arange(n) >= 111
    D = _persistent_d(n, 40, rng, rho=0.6)
    shifts = np.array([0.0, -0.4, 0.7])
    both = V.level_shift_test(D, post, maxlags=4, block=24, reps=199, rng=np.random.default_rng(5), planted=shifts)
    for e, s in enumerate(shifts):
        one = V.level_shift_test(D + s * post[:, None], post, maxlags=4, block=24, reps=199,
                                 rng=np.random.default_rng(5))
        for key, v in one.items():
            np.testing.assert_allclose(both[key][e], v, rtol=1e-10, atol=1e-12, err_msg=key)
    # and the fast bootstrap equals a plain one: HAC t on every resampled series
    idx = V.moving_block_indices(n, 199, 24, np.random.default_rng(5))
    t = V._shift_ols(D, post, 4)[2]
    u0 = D - D.mean(axis=0)
    ts = np.stack([V._shift_ols(u0[idx[:, b]], post, 4)[2] for b in range(199)])
    np.testing.assert_array_equal(both["pvalue"][0], (1 + (ts <= t).sum(axis=0)) / 200)


def test_moving_block_indices_are_blocks():
    idx = V.moving_block_indices(50, 30, 7, np.random.default_rng(6))
    assert idx.shape == (50, 30) and idx.min() >= 0 and idx.max() <= 49
    steps = np.diff(idx, axis=0)
    inside = np.ones(49, dtype=bool)
    inside[np.arange(6, 49, 7)] = False  # block boundaries
    assert np.all(steps[inside] == 1)


@pytest.mark.slow
def test_level_shift_size_on_persistent_d():
    """Size of the chosen test at 5%: 1,000 AR(1) (rho 0.5, t(5)) samples of the real length,
    no shift; within 3-7%. (The HAC t with normal critical values over-rejects here.)"""
    from scipy import stats

    rng = np.random.default_rng(7)
    n = 143
    post = np.arange(n) >= n - 32
    D = _persistent_d(n, 1000, rng, rho=0.5)
    res = V.level_shift_test(D, post, maxlags=4, block=24, reps=199, rng=rng)
    size = float(np.mean(res["pvalue"] <= 0.05))
    naive = float(np.mean(stats.norm.cdf(res["stat"]) <= 0.05))
    assert 0.03 <= size <= 0.07, size
    assert naive > 0.08  # why the bootstrap: asymptotic HAC over-rejects on persistent d_t
    # the interval covers the true shift (0) about 95% of the time
    cover = float(np.mean((res["ci_low"] <= 0) & (0 <= res["ci_high"])))
    assert 0.90 <= cover <= 0.99, cover


def test_planted_shift_is_found():
    rng = np.random.default_rng(8)
    n = 143
    post = np.arange(n) >= n - 32
    D = 0.5 * _persistent_d(n, 200, rng, rho=0.5) - 1.0 * post[:, None]
    res = V.level_shift_test(D, post, maxlags=4, block=24, reps=199, rng=rng)
    assert np.mean(res["pvalue"] <= 0.05) > 0.8
    assert np.median(res["shift"]) == pytest.approx(-1.0, abs=0.15)
    assert np.mean(res["pvalue_upper"] <= 0.05) == 0.0  # never "contradicted"


def test_volatility_level_shift_finds_calmer_crypto():
    """Daily crypto volatility 40% lower from the date, control unchanged: effect about -0.4."""
    rng = np.random.default_rng(9)
    btc, rut = _daily(4300, rng), _daily(3000, rng, freq="B", vol=0.012)
    btc = btc.where(btc.index < pd.Timestamp(ETF), btc * 0.6)
    res = V.volatility_level_shift(btc, rut, ETF, crypto="BTC", control="RUT", reps=999, seed=2)
    assert res.effect == pytest.approx(-0.4, abs=0.05)
    assert res.pvalue < 0.01 and res.ci_high < 0 and res.pvalue_upper > 0.9
    alone = V.volatility_level_shift(btc, None, ETF, crypto="BTC", reps=199, seed=2)
    assert alone.control == "" and alone.effect == pytest.approx(-0.4, abs=0.05)


def test_tiny_perturbation_of_closes_cannot_flip_the_c8_test():
    """Closes perturbed by a relative 1e-7 (float32 rounding): same p-value, effect moves < 1e-6."""
    rng = np.random.default_rng(10)
    pb = 100 * np.exp(_daily(4300, rng).cumsum())
    pr = 100 * np.exp(_daily(3000, rng, freq="B", vol=0.012).cumsum())
    out = []
    for eps in (0.0, 1e-7):
        jb = 1 + eps * rng.uniform(-1, 1, pb.size)
        jr = 1 + eps * rng.uniform(-1, 1, pr.size)
        res = V.volatility_level_shift(np.log(pb * jb).diff().dropna(), np.log(pr * jr).diff().dropna(), ETF,
                                       reps=999, seed=3)
        out.append(res)
    assert out[0].pvalue == out[1].pvalue
    assert abs(out[0].effect - out[1].effect) < 1e-6 and abs(out[0].ci_high - out[1].ci_high) < 1e-6


def test_level_shift_errors():
    rng = np.random.default_rng(11)
    btc, rut = _daily(4300, rng), _daily(3000, rng, freq="B", vol=0.012)
    with pytest.raises(InsufficientDataError, match=r"need 12 months with 15 trading days in each regime; have \d+ "
                                                     r"before and [0-5] from 2024-01-11"):
        V.volatility_level_shift(btc.loc[:"2024-06-30"], rut.loc[:"2024-06-30"], ETF)
    with pytest.raises(ValueError, match="alpha must be in"):
        V.volatility_level_shift(btc, rut, ETF, alpha=0.7)
    with pytest.raises(ValueError, match="min_days must be >= 1, got 0"):
        V.monthly_log_rv(btc, 0)
    with pytest.raises(ValueError, match=r"block must be in 1..10, got 11"):
        V.moving_block_indices(10, 5, 11, rng)
    with pytest.raises(ValueError, match=r"post must have shape \(10,\)"):
        V.level_shift_test(np.zeros((10, 2)), np.zeros(9, bool), maxlags=1, block=2, reps=9, rng=rng)


# --------------------------------------------------------------------------- break date


def test_bai_quantile_matches_the_table():
    assert V.bai_quantile(0.95) == pytest.approx(11.03, abs=0.01)  # Bai (1997), Table 1
    assert V.bai_quantile(0.90) == pytest.approx(7.69, abs=0.01)
    with pytest.raises(ValueError, match="level must be in"):
        V.bai_quantile(1.0)


def test_break_date_found_near_a_planted_break():
    rng = np.random.default_rng(12)
    months = pd.period_range("2014-10", periods=144, freq="M")
    hits, inside = 0, 0
    for _ in range(50):
        y = 0.6 * _persistent_d(144, 1, rng, rho=0.4)[:, 0] - 1.2 * (np.arange(144) >= 100)
        b = V.mean_shift_break(pd.Series(y, index=months), months[100].start_time.date(), label="sim")
        hits += abs((pd.Period(b.break_month, "M") - months[100]).n) <= 3
        inside += b.reference_in_ci
    assert hits >= 40 and inside >= 45
    b = V.mean_shift_break(pd.Series(y, index=months), dt.date(2017, 1, 15))
    assert not b.reference_in_ci and b.distance_months > 0
    assert b.ci_low <= b.break_month <= b.ci_high and b.halfwidth_months >= 2
    assert b.ci_method.startswith("Bai (1997) asymptotic interval, c = 11.03")


def test_break_date_matches_brute_force():
    rng = np.random.default_rng(13)
    months = pd.period_range("2015-01", periods=80, freq="M")
    y = rng.standard_normal(80) + 0.8 * (np.arange(80) >= 50)
    b = V.mean_shift_break(pd.Series(y, index=months), dt.date(2019, 3, 1))
    ssr = {k: ((y[:k] - y[:k].mean()) ** 2).sum() + ((y[k:] - y[k:].mean()) ** 2).sum() for k in range(12, 69)}
    k = min(ssr, key=ssr.get)
    assert b.break_month == months[k].start_time.date()
    np.testing.assert_allclose(b.scan_ssr, [ssr[j] for j in range(12, 69)], rtol=1e-10)
    with pytest.raises(InsufficientDataError, match="need 24 months for a break-date estimate; have 20"):
        V.mean_shift_break(pd.Series(y[:20], index=months[:20]), dt.date(2016, 1, 1))
    with pytest.raises(ValueError, match="trim must be in"):
        V.mean_shift_break(pd.Series(y, index=months), dt.date(2016, 1, 1), trim=0.6)


# --------------------------------------------------------------------------- fragile numbers


def test_at_bound_flags():
    th = np.array([0.0, 1.0, 0.1, 0.0, 0.0, 0.95, 6.0])
    assert V._regime_at_bound(th, False, "garch").tolist() == [False, False, False, True, False, False, False]
    th = np.array([0.0, 1.0, 0.1, 0.08, 0.0, 0.92, 500.0])
    flags = V._regime_at_bound(th, True, "gjr")
    assert flags.tolist() == [False, True, False, True, True, True, True]  # level not identified when integrated


def test_quantile_mcse_matches_binomial_theory():
    """For U(0,1) draws the MC s.e. of the q-quantile is sqrt(q (1-q) / B)."""
    rng = np.random.default_rng(14)
    for q in (0.9, 0.99):
        got = np.mean([V.quantile_mcse(rng.random(2000), q) for _ in range(40)])
        assert got == pytest.approx(math.sqrt(q * (1 - q) / 2000), rel=0.25)


def test_break_scan_critical_values_stable_to_a_tiny_perturbation():
    """Closes moved by a relative 1e-7: the break-scan critical values move by far less than
    their Monte Carlo standard error (the seed stream fixes the draws; only the fitted GARCH moves)."""
    from tests.dgp import garch_with_shift

    rng = np.random.default_rng(15)
    r = garch_with_shift(1200, rng, shift_at=700, scale_after=0.6)
    prices = 100 * np.exp(np.cumsum(r) / 100)
    idx = pd.date_range("2019-01-01", periods=prices.size, freq="D")
    out = []
    for eps in (0.0, 1e-7):
        p = pd.Series(prices * (1 + eps * rng.uniform(-1, 1, prices.size)), index=idx)
        out.append(V.variance_break_scan(V.pct_log_returns(p), idx[700].date(), reps=199, seed=3, interval=False))
    for (q, a), (_, b), (_, se) in zip(out[0].critical_values, out[1].critical_values, out[0].critical_values_mcse):
        assert se > 0 and abs(a - b) < 0.1 * se, (q, a, b, se)
    assert out[0].test.pvalue == out[1].test.pvalue

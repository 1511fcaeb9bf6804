"""Event study: fast placebo == reference loops, golden values, planted effects, size, errors,
and the end-to-end run on simulated and real data."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from reportgen.analysis import event_study as es
from reportgen.analysis.common import NotTestable
from reportgen.analysis.multiple import holm
from reportgen.errors import InsufficientDataError
from tests.dgp import event_returns, event_returns_batch


# --------------------------------------------------------------------------- golden / reference

def test_placebo_means_equal_reference_loop():
    rng = np.random.default_rng(1)
    r = rng.standard_normal((3, 400)) * 0.03
    e = np.array([20, 90, 200, 310])
    pos = es.placebo_positions(e, 400 - 21, 300, 21, rng)
    fast = es.placebo_means(es._cum(r), pos, 21)
    ref = es.placebo_means_reference(r, pos, 21)
    np.testing.assert_allclose(fast, ref, rtol=0, atol=1e-8)


def test_placebo_upper_pvalue_batched_equals_placebo_pvalue():
    rng = np.random.default_rng(11)
    null = np.round(rng.standard_normal((6, 40)), 1)  # ties with the real values
    real = np.r_[null[0, 3], null[1, 0], 0.0, -5.0, 5.0, 0.25]
    up = es.placebo_upper_pvalue(real, null)
    assert up.shape == (6,)
    assert up.tolist() == [es.placebo_pvalue(r, z)[0] for r, z in zip(real, null, strict=True)]
    assert es.placebo_pvalue(5.0, null[4])[0] == 1 / 41 and es.placebo_upper_pvalue(-5.0, null[3]) == 1.0


def test_placebo_test_batch_equals_reference_on_same_indices():
    rng = np.random.default_rng(2)
    e = np.array([30, 130, 250])
    r = event_returns_batch(4, 500, e, rng, abnormal=0.1)
    p = es.placebo_test_batch(r, e, 21, 400, 21.0, 99)
    pos = es.placebo_positions(e, 500 - 21, 400, 21.0, np.random.default_rng(99))
    ref = es.placebo_test_batch_reference(r, e, 21, pos)
    np.testing.assert_allclose(p, ref, rtol=0, atol=1e-12)


def test_placebo_chain_matches_day_by_day_chain_and_arch():
    """The gap formula gives the stationary-bootstrap chain's law at the event positions."""
    from arch.bootstrap import StationaryBootstrap

    n_valid, L, e = 300, 10.0, np.array([5, 12, 40])
    fast = es.placebo_positions(e, n_valid, 40_000, L, np.random.default_rng(3))
    ref = es.placebo_positions_reference(e, n_valid, 3_000, L, np.random.default_rng(4))
    bs = StationaryBootstrap(L, np.arange(n_valid), seed=np.random.default_rng(5))
    arch_pos = np.array([bs.index[e] for _ in bs.bootstrap(3_000)])

    def keep_rates(pos):
        gaps = np.diff(e)
        return np.array([np.mean((pos[:, k + 1] - pos[:, k]) % n_valid == g) for k, g in enumerate(gaps)])

    theory = np.array([(1 - 1 / L) ** g + (1 - (1 - 1 / L) ** g) / n_valid for g in np.diff(e)])
    np.testing.assert_allclose(keep_rates(fast), theory, atol=0.01)
    np.testing.assert_allclose(keep_rates(ref), theory, atol=0.03)
    np.testing.assert_allclose(keep_rates(arch_pos), theory, atol=0.03)
    assert abs(fast[:, 0].mean() - (n_valid - 1) / 2) < 3  # first placebo date is uniform


def test_build_windows_golden_against_statsmodels():
    import statsmodels.api as sm

    rng = np.random.default_rng(6)
    days = pd.date_range("2020-01-01", "2022-12-31", freq="D")
    crypto = pd.Series(100 * np.exp(np.cumsum(0.03 * rng.standard_normal(len(days)))), index=days)
    bdays = pd.bdate_range("2019-06-01", "2023-06-30")
    market = pd.Series(100 * np.exp(np.cumsum(0.01 * rng.standard_normal(len(bdays)))), index=bdays)
    w = es.build_windows("X", crypto, market, bdays, (1, 3), est_window=250, min_est=60)
    j = 400
    t = w.days[j]
    lc = np.log(crypto.reindex(w.days).to_numpy())
    lm = np.log(market.reindex(w.days).to_numpy())
    rc, rm = np.diff(lc)[j - 251 : j - 1], np.diff(lm)[j - 251 : j - 1]  # returns at grid days j-250..j-1
    fit = sm.OLS(rc, sm.add_constant(rm)).fit()
    for h in (1, 3):
        end = t + pd.DateOffset(months=h)
        raw = np.log(crypto.loc[end] / crypto.loc[t])
        k = int(((w.days > t) & (w.days <= end)).sum())
        r_m = np.log(market.loc[:end].iloc[-1] / market.loc[t])
        assert w.car[("raw", h)][j] == pytest.approx(raw, abs=1e-10)
        assert w.car[("mean_adj", h)][j] == pytest.approx(raw - rc.mean() * k, abs=1e-10)
        exp_mm = fit.params[0] * k + fit.params[1] * r_m
        assert w.car[("market", h)][j] == pytest.approx(raw - exp_mm, abs=1e-8)
    assert not w.valid[:60].any()  # estimation window too short
    assert not w.valid[-5:].any()  # 3-month window runs past the data


def test_wilson_equals_statsmodels():
    from statsmodels.stats.proportion import proportion_confint

    for k, n in [(0, 5), (2, 5), (5, 5), (7, 19), (40, 100)]:
        lo, hi = es.wilson_interval(k, n, 0.05)
        ref = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert lo == pytest.approx(ref[0], abs=1e-12) and hi == pytest.approx(ref[1], abs=1e-12)


def test_romano_wolf_equals_reference_and_bounds():
    rng = np.random.default_rng(8)
    null = rng.standard_normal((2000, 6)) @ np.linalg.cholesky(0.5 * np.eye(6) + 0.5).T
    stat = np.array([3.0, 0.2, 1.9, -1.0, 2.5, 0.0])
    fast, ref = es.romano_wolf(stat, null), es.romano_wolf_reference(stat, null)
    np.testing.assert_allclose(fast, ref, atol=1e-12)
    raw = (1 + (null >= stat).sum(0)) / 2001
    assert np.all(fast >= raw - 1e-12)
    order = np.argsort(-stat)
    assert np.all(np.diff(fast[order]) >= -1e-12)


def test_mde_and_power_normal_null():
    null = np.random.default_rng(9).standard_normal(200_000)
    mde = es.minimum_detectable_effect(null, 0.05, 0.8)
    assert mde == pytest.approx(1.6449 + 0.8416, abs=0.03)
    assert es.power_at(null, mde, 0.05) == pytest.approx(0.8, abs=0.01)


def test_hac_dummy_test_finds_planted_monthly_effect():
    rng = np.random.default_rng(10)
    days = pd.date_range("2012-01-01", "2023-12-31", freq="D")
    r = 0.02 * rng.standard_normal(len(days))
    ev = pd.date_range("2013-01-15", "2023-06-15", freq="6MS") + pd.Timedelta(days=14)
    for d in ev:  # +20% over the month after each event month end
        m_end = d + pd.offsets.MonthEnd(0)
        r[(days > m_end) & (days <= m_end + pd.DateOffset(months=1))] += 0.2 / 30
    s = pd.Series(100 * np.exp(np.cumsum(r)), index=days)
    out = es.hac_dummy_test(s, [x.date() for x in ev], 1)
    assert out["p_one"] < 0.01 and out["coef"] > 0.1
    with pytest.raises(InsufficientDataError, match="need 5 event months"):
        es.hac_dummy_test(s, [ev[0].date()], 1)


# --------------------------------------------------------------------------- planted effects and size

def test_planted_effect_is_found():
    rng = np.random.default_rng(12)
    e = np.arange(100, 2100, 200)  # 10 events
    r = event_returns(2400, e, rng, abnormal=0.30, window=21)
    p = es.placebo_test_batch(r[None, :], e, 21, 2000, 21.0, 5)
    assert p[0] < 0.01


@pytest.mark.slow
def test_placebo_size_and_power_vectorised():
    rng = np.random.default_rng(13)
    e = np.arange(150, 2150, 250)  # 8 events
    null = es.placebo_test_batch(event_returns_batch(1500, 2400, e, rng), e, 21, 999, 21.0, 1)
    assert 0.025 <= np.mean(null <= 0.05) <= 0.085
    alt = es.placebo_test_batch(event_returns_batch(300, 2400, e, rng, abnormal=0.25), e, 21, 999, 21.0, 2)
    assert np.mean(alt <= 0.05) > 0.8


@pytest.mark.slow
def test_adjusted_family_rejects_at_most_nominal_under_null():
    """No planted effect: Holm and Romano-Wolf reject any of 6 tests (2 assets x 3 horizons)
    in at most ~5% of seeds (family-wise error rate)."""
    rng = np.random.default_rng(14)
    B, T, draws = 1000, 2000, 999
    e = np.arange(120, 1800, 240)
    horizons = (5, 10, 21)
    stats_, nulls, pvals = [], [], []
    for asset in range(2):
        r = event_returns_batch(B, T, e, rng, sigma=0.04 if asset == 0 else 0.06)
        cum = es._cum(r)
        pos = es.placebo_positions(e, T - max(horizons), draws, 21.0, np.random.default_rng(100 + asset))
        for h in horizons:
            real = (cum[:, e + h + 1] - cum[:, e + 1]).mean(axis=1)
            pm = es.placebo_means(cum, pos, h)
            pvals.append((1 + (pm >= real[:, None]).sum(1)) / (1 + draws))
            mu, sd = pm.mean(1, keepdims=True), pm.std(1, keepdims=True)
            stats_.append((real[:, None] - mu) / sd)
            nulls.append((pm - mu) / sd)
    P = np.column_stack(pvals)
    holm_any = np.array([holm(P[b]).min() <= 0.05 for b in range(B)])
    rw_any = np.array([es.romano_wolf(np.array([s[b, 0] for s in stats_]),
                                      np.column_stack([n[b] for n in nulls])).min() <= 0.05 for b in range(B)])
    assert holm_any.mean() <= 0.05 + 0.03
    assert rw_any.mean() <= 0.05 + 0.03


# --------------------------------------------------------------------------- errors

def test_error_messages():
    r = np.zeros((2, 100))
    with pytest.raises(ValueError, match="returns must be 2-D"):
        es.placebo_test_batch(np.zeros(100), np.array([5]), 5, 10, 5.0, 0)
    with pytest.raises(InsufficientDataError, match=r"need event_idx in 0\.\.94"):
        es.placebo_test_batch(r, np.array([95]), 5, 10, 5.0, 0)
    with pytest.raises(ValueError, match="horizon must be >= 1"):
        es.placebo_test_batch(r, np.array([5]), 0, 10, 5.0, 0)
    with pytest.raises(ValueError, match="draws must be >= 1"):
        es.placebo_test_batch(r, np.array([5]), 5, 0, 5.0, 0)
    with pytest.raises(ValueError, match="block_length must be >= 1"):
        es.placebo_test_batch(r, np.array([5]), 5, 10, 0.5, 0)
    with pytest.raises(ValueError, match="strictly increasing"):
        es.placebo_positions(np.array([5, 5]), 50, 10, 5.0, np.random.default_rng(0))
    with pytest.raises(InsufficientDataError, match="need at least 1 trial"):
        es.wilson_interval(0, 0)
    with pytest.raises(ValueError, match=r"successes must be in 0\.\.3"):
        es.wilson_interval(4, 3)
    with pytest.raises(ValueError, match=r"alpha and power must be in \(0, 1\)"):
        es.minimum_detectable_effect(np.zeros(5), 0.0)
    s = pd.Series([1.0], index=pd.DatetimeIndex(["2020-01-01"]))
    with pytest.raises(InsufficientDataError, match="need at least 2 closes of X"):
        es.build_windows("X", s, s, pd.DatetimeIndex(["2020-01-01"]))


# --------------------------------------------------------------------------- run_events

def _small_cfg(cfg):
    return dataclasses.replace(
        cfg, events=dataclasses.replace(cfg.events, placebo_draws=999),
        analysis=dataclasses.replace(cfg.analysis, bootstrap_reps=199),
    )


def _sim_bundle(rng, with_rut=True):
    from reportgen.data.bundle import bundle_from_frames
    from tests.dgp import breakout_index

    rut = breakout_index(5200, rng, start="2006-01-02", sigma=0.015)
    gspc = breakout_index(5200, rng, start="2006-01-02")
    days = pd.date_range("2014-09-17", rut.index[-1], freq="D")
    btc = pd.Series(300 * np.exp(np.cumsum(0.035 * rng.standard_normal(len(days)))), index=days)
    close = {"GSPC": gspc, "BTC": btc}
    roles = {"RUT": "small_caps", "GSPC": "large_caps", "BTC": "crypto"}
    if with_rut:
        close["RUT"] = rut * (2700 / rut.max())
    return bundle_from_frames(close, roles)


def test_run_events_on_simulated_bundle(config):
    from reportgen.analysis.events import EventResults, run_events
    from reportgen.serialize import dumps

    cfg = _small_cfg(config)
    res = run_events(_sim_bundle(np.random.default_rng(15)), cfg)
    assert isinstance(res, EventResults)
    assert {c.asset for c in res.cars} == {"BTC"}  # ETH/SOL absent: skipped, no exception
    assert all(f.pvalue_romano_wolf >= f.test.pvalue - 1e-12 for f in res.family)
    assert all(0 <= h.ci_low <= h.rate <= h.ci_high <= 1 for h in res.hit_rates)
    assert isinstance(res.c1, NotTestable) or res.c1.threshold == 2600.0
    dumps(res)  # serialisable


def test_run_events_without_gspc_drops_market_model(config):
    from reportgen.analysis.events import run_events
    from reportgen.data.bundle import bundle_from_frames

    b = _sim_bundle(np.random.default_rng(17))
    b2 = bundle_from_frames({k: b.close[k] for k in ("RUT", "BTC")}, {"RUT": "small_caps", "BTC": "crypto"})
    res = run_events(b2, _small_cfg(config))
    assert res.cars and {c.measure for c in res.cars} == {"raw", "mean_adj"}


def test_run_events_without_rut_is_not_testable(config):
    from reportgen.analysis.events import run_events

    res = run_events(_sim_bundle(np.random.default_rng(16), with_rut=False), _small_cfg(config))
    assert isinstance(res.c4_primary, NotTestable) and "RUT" in res.c4_primary.missing
    assert isinstance(res.c1, NotTestable) and isinstance(res.oos, NotTestable)


@pytest.fixture(scope="module")
def snapshot_results(snapshot_bundle, config):
    from reportgen.analysis.events import run_events

    return run_events(snapshot_bundle, config)


@pytest.mark.e2e
def test_snapshot_event_study(snapshot_results):
    r = snapshot_results
    assert r.c1.first_close_date == dt.date(2026, 1, 8) and r.c1.prior_record == pytest.approx(2590.61)
    dd10 = next(d for d in r.definitions if d.name == "ath_after_dd10")
    assert dt.date(2016, 11, 14) in dd10.dates_in_sample and dt.date(2020, 11, 13) in dd10.dates_in_sample
    assert r.forecast_case.date == dt.date(2026, 1, 8)
    assert r.c4_primary.asset == "BTC" and r.c4_primary.horizon_months == 3
    assert r.c4_primary.pvalue_holm >= r.c4_primary.pvalue
    c = r.car("ath_after_dd10", "BTC", 3)
    assert r.c4_primary.excess_car == pytest.approx(c.mean_car - c.placebo_mean)
    sol = [c for c in r.cars if c.asset == "SOL"]
    assert all(max(c.event_dates) <= dt.date(2025, 3, 8) for c in sol)  # SOL ends 2025-06-08
    assert any(a == "SOL" and stale for a, _, _, stale in r.settings.asset_samples)


@pytest.mark.e2e
def test_snapshot_partials_and_figures_render(snapshot_results, config):
    from reportgen.report.figures.events import figures
    from reportgen.report.render import make_environment

    figs = figures(snapshot_results)
    assert {"timeline", "car_bands", "hit_rates"} <= set(figs)
    assert all(v.startswith("<svg") for v in figs.values())
    env = make_environment()
    html = {name: env.get_template(f"partials/{name}.html").render(r=snapshot_results, fig=figs, cfg=config)
            for name in ("events_section", "events_appendix")}
    assert "2026-01-08" in html["events_section"] and "2,603.91" in html["events_section"]
    assert "2,590.61" in html["events_section"] and "2025-12-11" in html["events_section"]
    assert "Romano–Wolf" in html["events_appendix"] and "ath_after_dd10 × BTC × 3 m" in html["events_appendix"]
    assert "1989-06-02" in html["events_appendix"]  # every breakout of RUT's full history is listed


def test_run_events_is_deterministic(config):
    from reportgen.analysis.events import run_events
    from reportgen.serialize import dumps

    cfg = _small_cfg(config)
    a = dumps(run_events(_sim_bundle(np.random.default_rng(18)), cfg))
    b = dumps(run_events(_sim_bundle(np.random.default_rng(18)), cfg))
    assert a == b


def test_partials_render_when_not_testable(config):
    from reportgen.analysis.events import run_events
    from reportgen.report.figures.events import figures
    from reportgen.report.render import make_environment

    res = run_events(_sim_bundle(np.random.default_rng(19), with_rut=False), _small_cfg(config))
    env = make_environment()
    html = env.get_template("partials/events_section.html").render(r=res, fig=figures(res), cfg=config)
    assert "Not testable: missing series RUT" in html
    env.get_template("partials/events_appendix.html").render(r=res, fig=figures(res), cfg=config)

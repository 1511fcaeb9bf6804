"""Monte Carlo self-check engine (reportgen.analysis.selfcheck): references, size, power,
reproducibility, templates."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from reportgen.analysis import selfcheck as sc
from reportgen.analysis.common import NotTestable
from reportgen.analysis.granger import granger_robust_batch
from reportgen.analysis.ols import batched_ols
from reportgen.data.bundle import bundle_from_frames
from tests import dgp


# --------------------------------------------------------------------------- helpers


def _small_cfg(config, sims: int = 200, seed: int | None = None, grid=(0.0, 1.0, 2.0, 3.0)):
    cfg = dataclasses.replace(config, selfcheck=dataclasses.replace(config.selfcheck, simulations=sims,
                                                                   effect_grid=tuple(grid)))
    if seed is not None:
        cfg = dataclasses.replace(cfg, analysis=dataclasses.replace(cfg.analysis, seed=seed))
    return cfg


def _sim_bundle(seed: int = 3, n_days: int = 3000, with_btc: bool = True):
    """Daily RUT (business days, volatile enough to have breakouts), BTC and ETH (calendar days)."""
    rng = np.random.default_rng(seed)
    rut_r = 0.0004 + 0.015 * rng.standard_t(5, n_days) / np.sqrt(5 / 3)
    rut = dgp.daily_prices(rut_r, start="2014-01-01", freq="B", p0=1000.0)
    n_cal = (rut.index[-1] - rut.index[0]).days + 1
    btc = dgp.daily_prices(0.001 + 0.04 * rng.standard_t(4, n_cal - 1) / np.sqrt(2), start="2014-01-01")
    eth = dgp.daily_prices(0.001 + 0.05 * rng.standard_t(4, n_cal - 1) / np.sqrt(2), start="2014-01-01")
    close = {"RUT": rut, "ETH": eth}
    roles = {"RUT": "small_caps", "ETH": "crypto", "BTC": "crypto"}
    if with_btc:
        close["BTC"] = btc
    return bundle_from_frames(close, roles)


# --------------------------------------------------------------------------- references (1e-8)


def test_stationary_bootstrap_indices_match_reference():
    from reportgen.analysis import resampling as rs

    rng = np.random.default_rng(1)
    start = rng.integers(0, 50, size=(7, 50))
    restart = rng.random((7, 50)) < 0.2
    fast = rs.stationary_bootstrap_indices_from(start, restart)
    ref = rs.stationary_bootstrap_indices_reference(start, restart)
    np.testing.assert_array_equal(fast, ref)
    for shape in ((2, 3, 9), (4, 1), (3, 0)):  # more leading axes, one-step and empty paths
        n = shape[-1]
        start = rng.integers(0, max(n, 1), size=shape)
        restart = rng.random(shape) < 0.3
        rows = int(np.prod(shape[:-1]))
        ref = rs.stationary_bootstrap_indices_reference(start.reshape(rows, n), restart.reshape(rows, n))
        np.testing.assert_array_equal(rs.stationary_bootstrap_indices_from(start, restart), ref.reshape(shape))
    idx = rs.stationary_bootstrap_indices(50, 7, 5.0, np.random.default_rng(2))
    assert idx.shape == (7, 50) and idx.min() >= 0 and idx.max() < 50


def test_one_of_each_generator_and_var_kernel():
    """The self-check, the event study and the VAR bands share one implementation of each."""
    from reportgen.analysis import event_study as es
    from reportgen.analysis import resampling as rs
    from reportgen.analysis import var as vr

    assert sc.stationary_bootstrap_indices is rs.stationary_bootstrap_indices
    assert sc.var_fit_batch is vr.var_fit_batch and sc.simulate_var_paths is vr.simulate_var_paths
    assert sc.rademacher is rs.rademacher
    e = np.array([3, 10, 40, 41])
    np.testing.assert_array_equal(es.placebo_positions(e, 200, 50, 21.0, np.random.default_rng(5)),
                                  rs.stationary_bootstrap_chain_at(e, 200, 50, 21.0, np.random.default_rng(5)))
    # the VAR module's private fitter is the shared one
    y = dgp.var_lead(120, np.random.default_rng(6))[None]
    for a, b in zip(vr._fit_batched(y, 2), vr.var_fit_batch(y, 2), strict=True):
        np.testing.assert_array_equal(a, b)


def test_stationary_chain_at_steps_matches_full_chain_in_distribution():
    """Read at the event steps, the full chain and the skip-ahead chain agree in law."""
    from reportgen.analysis import resampling as rs

    e = np.array([0, 5, 30])
    full = rs.stationary_bootstrap_indices(60, 40_000, 10.0, np.random.default_rng(7))[:, e]
    at = rs.stationary_bootstrap_chain_at(e, 60, 40_000, 10.0, np.random.default_rng(8))
    for k, g in ((1, 5), (2, 25)):  # P(continued block over a gap g) = (1 - 1/10)^g (plus chance hits)
        cont_full = np.mean(full[:, k] == (full[:, k - 1] + g) % 60)
        cont_at = np.mean(at[:, k] == (at[:, k - 1] + g) % 60)
        expect = 0.9**g + (1 - 0.9**g) / 60
        assert abs(cont_full - expect) < 0.01 and abs(cont_at - expect) < 0.01


def test_stationary_bootstrap_rejects_short_block():
    from reportgen.analysis import resampling as rs

    with pytest.raises(ValueError, match="block_length must be >= 1, got 0.5"):
        rs.stationary_bootstrap_indices(10, 2, 0.5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="block_length must be >= 1, got 0.5"):
        rs.stationary_bootstrap_chain_at(np.array([1, 2]), 10, 2, 0.5, np.random.default_rng(0))


def test_ar_paths_match_reference():
    rng = np.random.default_rng(4)
    shocks = rng.standard_normal((5, 40))
    fast = sc.simulate_ar_paths(np.array([0.1, -0.2, 0.3]), 0.05, np.array([0.3, -0.1, 0.05]), shocks)
    ref = sc.simulate_ar_paths_reference(np.array([0.1, -0.2, 0.3]), 0.05, [0.3, -0.1, 0.05], shocks)
    np.testing.assert_allclose(fast, ref, rtol=0, atol=1e-12)


def test_var_paths_and_irf_match_statsmodels():
    rng = np.random.default_rng(5)
    A = np.array([[[0.3, 0.1, 0.0], [0.2, 0.1, 0.05], [0.1, 0.0, 0.2]],
                  [[0.1, 0.0, 0.0], [0.05, -0.1, 0.0], [0.0, 0.05, -0.05]]])
    c = np.array([0.01, 0.02, 0.0])
    u = rng.standard_normal((6, 120, 3)) * np.array([0.05, 0.2, 0.25])
    y0 = np.zeros((2, 3))
    fast = sc.simulate_var_paths(y0, c, A, u)
    ref = sc.simulate_var_paths_reference(y0, c, A, u)
    np.testing.assert_allclose(fast, ref, rtol=0, atol=1e-12)
    _, Ab, _, Sb = sc.var_fit_batch(fast, 2)
    est = sc.irf_cum_response(Ab, Sb, response=1, shock=0)
    np.testing.assert_allclose(est, sc.var_cum_response_reference(fast, 2, 1, 0), rtol=0, atol=1e-8)


def test_granger_batch_matches_statsmodels_on_simulated_design():
    data = dgp.var_lead(150, np.random.default_rng(6), t_df=5)
    y, x = data[:, 1], data[:, 0]
    out = sc.simulate_granger_design(y, x, 2, np.array([0.0, 0.05]), 4, np.random.default_rng(8))
    assert out["pvalue"].shape == (2, 4) and np.all((out["pvalue"] > 0) & (out["pvalue"] <= 1))
    # simulated targets of the engine's kind, tested batched and with statsmodels one by one
    shocks = np.random.default_rng(9).standard_normal((3, 148)) * y.std()
    ys = sc.simulate_ar_paths(y[:2], 0.01, np.array([0.1, -0.05]), shocks)
    xs = np.broadcast_to(x, ys.shape)
    f_fast, p_fast = granger_robust_batch(ys, xs, 2)
    f_ref, p_ref = sc.granger_pvalues_reference(ys, xs, 2)
    np.testing.assert_allclose(f_fast, f_ref, rtol=1e-8)
    np.testing.assert_allclose(p_fast, p_ref, rtol=1e-8, atol=1e-12)


def test_batched_wild_bootstrap_equals_single_and_statsmodels():
    """The Monte Carlo kernel is the verdict's test: per dataset, equal to the single-sample
    wild_bootstrap_granger and to the statsmodels loop reference (1e-8)."""
    from reportgen.analysis.granger import (
        bootstrap_pvalue,
        granger_design,
        wild_bootstrap_granger,
        wild_bootstrap_granger_batch,
        wild_bootstrap_granger_reference,
    )

    x, y = dgp.var_lead_batch(90, np.random.default_rng(30), 4, lag=2, b=0.2)
    Y, X, cols = granger_design(y, x, 3)
    draws = sc.rademacher(np.random.default_rng(31), (4, 49, Y.shape[1]))
    stat, pv, boot = wild_bootstrap_granger_batch(X, Y, cols, draws, chunk_elems=2 * 49 * Y.shape[1])
    for s in range(4):
        st1, p1, b1 = wild_bootstrap_granger(X[s], Y[s], cols, draws=draws[s])
        st_r, p_r, b_r = wild_bootstrap_granger_reference(X[s], Y[s], cols, draws[s])
        np.testing.assert_allclose([stat[s], st1], st_r, rtol=1e-10)
        np.testing.assert_allclose(boot[s], b_r, rtol=1e-8)
        np.testing.assert_array_equal(boot[s], b1)
        assert pv[s] == p1 == p_r == (1 + np.sum(b_r >= st_r)) / 50
    # warp-speed pooling: each statistic against all 4 x 49 draws
    pooled = bootstrap_pvalue(stat, boot, pooled=True)
    np.testing.assert_array_equal(pooled, [(1 + np.sum(boot.ravel() >= t)) / 197 for t in stat])
    with pytest.raises(ValueError, match=r"draws must have shape \(B, 87\) or \(4, B, 87\), got \(3, 49, 87\)"):
        wild_bootstrap_granger_batch(X, Y, cols, draws[:3])


def test_quadratic_form_equals_solve():
    from reportgen.analysis.granger import _quad_form_inv

    rng = np.random.default_rng(38)
    for p in (1, 2, 3, 5):
        A = rng.standard_normal((4, 6, p, p + 3))
        V = A @ np.swapaxes(A, -1, -2)
        b = rng.standard_normal((4, 6, p))
        ref = np.einsum("...i,...i->...", b, np.linalg.solve(V, b[..., None])[..., 0])
        np.testing.assert_allclose(_quad_form_inv(V, b), ref, rtol=1e-10)


@pytest.mark.slow
def test_exact_granger_test_size_on_data_without_lead():
    """Size of the exact C3 test (wild bootstrap, 199 draws per sample) on fat-tailed GARCH
    returns with no lead: within 3-7% at 5%."""
    from reportgen.analysis.granger import granger_design, wild_bootstrap_granger_batch

    n_sim = 2000
    xy = dgp.independent_returns_batch(140, np.random.default_rng(32), n_sim)
    Y, X, cols = granger_design(xy[:, 1], xy[:, 0], 3)
    draws = sc.rademacher(np.random.default_rng(33), (n_sim, 199, Y.shape[1]))
    _, p, _ = wild_bootstrap_granger_batch(X, Y, cols, draws)
    assert 0.03 <= np.mean(p <= 0.05) <= 0.07, np.mean(p <= 0.05)


@pytest.mark.slow
def test_granger_design_size_and_power_to_find_a_planted_two_month_lead():
    """The design's own simulation: size within 3-7% around a no-lead sample; the exact test
    finds a planted 2-month lead (x -> y at lag 2, coefficient 0.35) in most samples."""
    from reportgen.analysis.granger import granger_design, wild_bootstrap_granger_batch

    data = dgp.var_lead(140, np.random.default_rng(34), lag=2, b=0.0, t_df=5)
    out = sc.simulate_granger_design(data[:, 1], data[:, 0], 3, np.array([0.0, 0.5]), 2000,
                                     np.random.default_rng(35))
    size = out["reject"][0].mean()
    assert 0.03 <= size <= 0.07, size
    assert out["reject"][1].mean() > 0.9 and out["failed"] == 0
    assert np.all(out["pvalue_dir"][1][out["coef_sum"][1] <= 0] == 1.0)
    # datasets with a real 2-month lead, tested with the exact test at the primary lag 3
    x, y = dgp.var_lead_batch(140, np.random.default_rng(36), 500, lag=2, b=0.35)
    Y, X, cols = granger_design(y, x, 3)
    _, p, _ = wild_bootstrap_granger_batch(X, Y, cols, sc.rademacher(np.random.default_rng(37), (500, 199, 137)))
    assert np.mean(p <= 0.05) > 0.8


def test_placebo_design_reads_the_event_study_grid_exactly():
    """The placebo design's CARs are the event study's (build_windows) CARs, and its p-value on
    the real path is the C4 primary computation (placebo_positions + placebo_pvalue)."""
    from reportgen.analysis import event_study as es

    b = _sim_bundle()
    btc, days = b.series("BTC"), b.series("RUT").index
    w = es.build_windows("BTC", btc, None, days, (3,), 250, 60)
    dates = [w.days[400].date(), w.days[900].date(), w.days[1700].date()]
    g = sc.placebo_grid(btc, days, 3, dates, 250, 60)
    car = g.car(g.r[None])[0]
    np.testing.assert_allclose(car, w.car[("raw", 3)][g.valid_idx], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(g.pos, [400, 900, 1700])
    # the real path through the design's test = events.py's primary computation
    offs = es.placebo_positions(g.pos, g.valid_idx.size, 499, 21.0, np.random.default_rng(3))
    x = w.car[("raw", 3)]
    expect = es.placebo_pvalue(x[g.pos].mean(), x[g.valid_idx[offs]].mean(axis=1))[0]
    M = sc._placebo_matrix(offs, g.valid_idx.size)
    null = np.asarray(M.T @ car)
    ev = np.searchsorted(g.valid_idx, g.pos)
    assert es.placebo_pvalue(car[ev].mean(), null)[0] == pytest.approx(expect, abs=1e-12)
    # planted effects shift the event CARs by exactly the effect (windows do not overlap)
    out = sc.simulate_placebo_design(g, np.array([0.0, 0.2]), 30, 199, 21.0, np.random.default_rng(4))
    assert out["pvalue"].shape == (2, 30) and np.all(out["pvalue"][1] <= out["pvalue"][0])


def test_planted_irf_coefficient_hits_target_exactly():
    A = np.array([[[0.2, 0.0, 0.0], [0.0, 0.1, 0.05], [0.0, 0.05, 0.1]]])
    S = np.array([[1.0, 0.5, 0.4], [0.5, 4.0, 3.0], [0.4, 3.0, 5.0]]) * 1e-3
    for target in (0.0, 0.02, 0.07):
        Ab, b = sc._planted_coef(A, S, 1, 0, target, (1, 2, 3))
        assert abs(float(sc.irf_cum_response(Ab, S, 1, 0)) - target) < 1e-12
    assert Ab[0, 1, 0] == b


# --------------------------------------------------------------------------- small tools


def test_mde_interpolates_first_crossing():
    assert sc.mde_from_curve([0, 1, 2, 3], [0.05, 0.3, 0.7, 0.9]) == pytest.approx(2.5)
    assert sc.mde_from_curve([0, 1], [0.9, 0.95]) == 0.0
    assert sc.mde_from_curve([0, 1, 2], [0.05, 0.2, 0.5]) is None


def test_mde_rejects_bad_curve():
    with pytest.raises(ValueError, match="effects must be ascending"):
        sc.mde_from_curve([0, 2, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="equal length >= 2"):
        sc.mde_from_curve([0, 1], [0.1])


def test_summarise_contract_judges_at_alpha_and_flags_the_size():
    """The builders' contract: _summarise(name, sim, eff, eff_se, se, min_effect, n_sim, alpha,
    seed_seq, **meta); primary comes from the registry; size range [0.6, 1.4] x alpha."""
    eff, eff_se = sc._grid((0.0, 1.0, 2.0), 0.01, 0.015)
    np.testing.assert_allclose(eff, [0.0, 0.01, 0.015, 0.02])
    meta = dict(claim="C7", title="t", test="t", null="n", dgp="d", planted="p", effect_unit="u", nobs=100,
                n_events=0, lags=0, horizon=1, inner_draws=199)
    for n_rej, in_range in ((80, False), (30, True), (29, False)):  # of 1000: 8%, 3%, 2.9%
        rej = np.zeros((4, 1000), dtype=bool)
        rej[0, :n_rej] = True
        rej[1:, :900] = True
        sim = {"reject": rej, "pvalue_dir": np.where(rej, 0.01, 0.5), "failed": 0}
        d = sc._summarise("credit_beta", sim, eff, eff_se, 0.01, 0.015, 1000, 0.05, np.random.SeedSequence(3), **meta)
        assert d.size == n_rej / 1000 and d.size_in_range is in_range
        assert d.primary and d.level == d.alpha == 0.05 and d.claim == "C7"
        assert d.power_at_min_effect == 0.9 and d.min_effect_se == pytest.approx(1.5)
    assert sc._summarise("irf", sim, eff, eff_se, 0.01, 0.015, 1000, 0.05, np.random.SeedSequence(3),
                         **meta).primary is False


def test_rejection_rate_wilson():
    rate, lo, hi = sc.rejection_rate(np.r_[np.ones(50, bool), np.zeros(950, bool)])
    assert rate == 0.05 and lo < 0.05 < hi
    assert hi - lo == pytest.approx(0.0276, abs=0.002)  # Wilson half-width ~ 1.96 sqrt(.05*.95/1000)


# --------------------------------------------------------------------------- size and power


@pytest.mark.slow
def test_engine_reproduces_known_size_on_iid_normal_ols_f():
    """iid normal regressions, exact OLS F test: the engine's size must be 5% within MC error."""
    rng = np.random.default_rng(12)
    n_sim, n, k = 4000, 60, 3
    X = np.concatenate([np.ones((n_sim, n, 1)), rng.standard_normal((n_sim, n, k))], axis=2)
    Y = rng.standard_normal((n_sim, n))
    _, e_u = batched_ols(X, Y)
    _, e_r = batched_ols(X[:, :, :1], Y)
    ssr_u, ssr_r = (e_u**2).sum(1), (e_r**2).sum(1)
    F = (ssr_r - ssr_u) / k / (ssr_u / (n - k - 1))
    rate, lo, hi = sc.rejection_rate(stats.f.sf(F, k, n - k - 1) <= 0.05)
    assert lo <= 0.05 <= hi
    assert abs(rate - 0.05) < 3 * np.sqrt(0.05 * 0.95 / n_sim)


@pytest.mark.slow
def test_granger_design_size_on_iid_data():
    rng = np.random.default_rng(13)
    y, x = rng.standard_normal(300), rng.standard_normal(300)
    out = sc.simulate_granger_design(y, x, 2, np.array([0.0]), 1000, np.random.default_rng(14))
    rate, lo, hi = sc.rejection_rate(out["reject"][0])
    assert 0.03 <= rate <= 0.07, (rate, lo, hi)


def _monotone(power, tol=0.03):
    return bool(np.all(np.diff(power) >= -tol))


@pytest.mark.slow
def test_power_curves_monotone_on_planted_designs():
    rng = np.random.default_rng(15)
    data = dgp.var_lead(200, rng, lag=1, b=0.0, t_df=6)
    g = sc.simulate_granger_design(data[:, 1], data[:, 0], 2, np.linspace(0, 0.6, 6), 400, np.random.default_rng(16))
    pg = g["reject"].mean(axis=1)
    assert _monotone(pg) and pg[-1] > 0.9 and pg[0] < 0.1

    b = _sim_bundle()
    days = b.series("RUT").index
    g = sc.placebo_grid(b.series("BTC"), days, 3, [days[i].date() for i in (400, 900, 1500, 2100)], 250, 60)
    p = sc.simulate_placebo_design(g, np.linspace(0, 0.6, 6), 300, 999, 21.0, np.random.default_rng(18))
    pp = p["reject"].mean(axis=1)
    assert _monotone(pp) and pp[-1] > 0.8 and 0.03 <= pp[0] <= 0.07

    y = dgp.var_lead(150, np.random.default_rng(19), lag=1, b=0.0)
    y3 = np.column_stack([y, 0.5 * y[:, 1] + np.random.default_rng(20).standard_normal(150)])
    v = sc.simulate_irf_design(y3, 1, np.linspace(0, 1.2, 5), 400, np.random.default_rng(21))
    pv = v["reject"].mean(axis=1)
    assert _monotone(pv) and pv[-1] > 0.8 and pv[0] < 0.1
    # the bootstrap p-values give the same decisions as the bands (up to quantile interpolation)
    assert np.mean((v["pvalue_dir"][1:] <= 0.05) == v["reject"][1:]) > 0.99
    assert np.mean((v["pvalue"][0] <= 0.05) == v["reject"][0]) > 0.99


def test_warp_bands_studentised_scale():
    est = np.array([0.0, 1.0, 2.0])
    dev = np.array([[-1.0, 1.0], [-2.0, 2.0], [-4.0, 4.0]])
    lo, hi = sc.warp_bands(est, dev, 0.5)
    np.testing.assert_allclose(hi - lo, np.full(3, hi[0] - lo[0]))  # raw pooling: equal widths
    lo_s, hi_s = sc.warp_bands(est, dev, 0.5, scale=np.array([1.0, 2.0, 4.0]))
    np.testing.assert_allclose(hi_s - lo_s, np.array([1.0, 2.0, 4.0]) * (hi_s[0] - lo_s[0]))


def test_delta_se_tracks_bootstrap_sd():
    from reportgen.analysis.var import bootstrap_irf_draws, resample_indices

    rng = np.random.default_rng(22)
    y = dgp.var_lead(200, rng, lag=1, b=0.3)
    y3 = np.column_stack([y, 0.5 * y[:, 1] + rng.standard_normal(200)])
    _, A, U, S = sc.var_fit_batch(y3[None], 1)
    se = float(sc.delta_se_cum_response(y3[None], A, U, S, 1, 0)[0])
    d = bootstrap_irf_draws(y3, 1, 3, resample_indices(199, 999, rng))["orth"][:, 1:4, 1, 0].sum(axis=1)
    assert se == pytest.approx(np.std(d), rel=0.15)


# --------------------------------------------------------------------------- run_selfcheck


def test_run_selfcheck_reproducible_and_complete(config):
    bundle = _sim_bundle()
    cfg = _small_cfg(config, sims=150)
    a = sc.run_selfcheck(bundle, cfg, {}, designs=("granger", "placebo", "irf"))
    b = sc.run_selfcheck(bundle, cfg, {}, designs=("granger", "placebo", "irf"))
    assert a == b
    assert [d.name for d in a.designs] == list(sc.DESIGNS)
    assert [d.name for d in a.ran] == ["granger", "placebo", "irf"], a.skipped
    for d in a.ran:
        assert 0 in d.curve_effect and d.min_effect in d.curve_effect
        assert list(d.curve_effect) == sorted(d.curve_effect)
        assert d.size_ci[0] <= d.size <= d.size_ci[1]
        assert d.level == d.alpha == config.rules.alpha
        assert d.size_in_range == (0.03 - 1e-12 <= d.size <= 0.07 + 1e-12)
        assert 0 <= d.power_at_min_effect <= 1
        assert a.power(d.name) == d.power_at_min_effect and a.design(d.name) is d
    assert (a.size_low, a.size_high) == pytest.approx((0.03, 0.07))
    c = sc.run_selfcheck(bundle, _small_cfg(config, sims=150, seed=config.analysis.seed + 1), {}, designs=("granger",))
    assert c.design("granger").curve_power != a.design("granger").curve_power


def test_min_effects_scale_with_the_horizon(config):
    from types import SimpleNamespace as NS

    res = sc.run_selfcheck(_sim_bundle(), _small_cfg(config, sims=100), {"leadlag": NS(primary_lag=2)},
                           designs=("granger", "placebo"))
    g, p = res.design("granger"), res.design("placebo")
    assert g.lags == 2 and g.min_effect == pytest.approx(2 * config.rules.min_effect_monthly_return)
    assert p.min_effect == pytest.approx(config.events.primary_horizon_months * config.rules.min_effect_monthly_return)


def test_registry_lookup_and_roles():
    assert sc.DESIGNS == ("granger", "placebo", "irf", "credit_beta", "vol_shift")
    assert {n: (s.claim, s.primary) for n, s in sc.REGISTRY.items()} == {
        "granger": ("C3", True), "placebo": ("C4", True), "irf": ("C3", False),
        "credit_beta": ("C7", True), "vol_shift": ("C8", True)}
    assert sc.REGISTRY["credit_beta"].builder == "reportgen.analysis.design_credit:build_design"
    assert sc.REGISTRY["vol_shift"].builder == "reportgen.analysis.design_volshift:build_design"
    assert sc.design_spec("granger").load() is sc._design_granger
    with pytest.raises(ValueError, match=r"design must be one of \('granger', 'placebo', 'irf', 'credit_beta', "
                                         r"'vol_shift'\), got 'var'"):
        sc.design_spec("var")


def test_missing_design_module_is_not_testable_only_for_that_module(config, monkeypatch):
    spec = sc.DesignSpec("credit_beta", "C7", True, "reportgen.analysis.no_such_design_module:build_design")
    monkeypatch.setitem(sc.REGISTRY, "credit_beta", spec)
    out = sc._run_design("credit_beta", _sim_bundle(), config, {}, np.random.SeedSequence(1), 100, 0.05, (0.0, 1.0))
    assert out == sc.DesignNotTestable(reason="design module not available", name="credit_beta", claim="C7",
                                       primary=True)
    assert isinstance(out, NotTestable) and out.size is None
    # a module that exists but fails to import one of *its* dependencies is a real error
    import sys
    import types

    broken = types.ModuleType("reportgen_h6_broken_design")
    monkeypatch.setitem(sys.modules, "reportgen_h6_broken_design", broken)

    def raiser(*a, **k):
        raise ModuleNotFoundError("No module named 'scipy.nothing'", name="scipy.nothing")

    broken.build_design = raiser
    monkeypatch.setitem(sc.REGISTRY, "credit_beta",
                        sc.DesignSpec("credit_beta", "C7", True, "reportgen_h6_broken_design:build_design"))
    with pytest.raises(ModuleNotFoundError, match="scipy.nothing"):
        sc._run_design("credit_beta", _sim_bundle(), config, {}, np.random.SeedSequence(1), 100, 0.05, (0.0, 1.0))


def test_for_claim_lookup(config):
    res = sc.run_selfcheck(_sim_bundle(), _small_cfg(config, sims=100), {}, designs=("granger",))
    assert res.for_claim("C3") is res.design("granger")
    assert isinstance(res.for_claim("C3", primary=False), sc.DesignNotTestable)
    assert res.for_claim("C3", primary=False).reason == "design not requested"
    assert res.for_claim("C7").claim == "C7" and res.for_claim("C8").name == "vol_shift"
    assert res.for_claim("C1") is None


def test_run_selfcheck_same_result_for_any_number_of_workers(config):
    bundle = _sim_bundle()
    cfg = _small_cfg(config, sims=100)
    one = dataclasses.replace(cfg, analysis=dataclasses.replace(cfg.analysis, n_jobs=1))
    assert sc.run_selfcheck(bundle, one, {}) == sc.run_selfcheck(bundle, cfg, {})


def test_run_selfcheck_missing_btc_is_not_testable(config):
    res = sc.run_selfcheck(_sim_bundle(with_btc=False), _small_cfg(config, sims=100), {},
                           designs=("granger", "placebo", "irf"))
    assert res.ran == ()
    assert all(isinstance(d, NotTestable) for d in res.designs)
    assert "BTC" in res.design("granger").missing and res.design("granger").claim == "C3"
    assert res.power("placebo") is None


def test_run_selfcheck_rejects_unknown_design(config):
    with pytest.raises(ValueError, match="design must be one of"):
        sc.run_selfcheck(_sim_bundle(), config, {}, designs=("granger", "bogus"))
    res = sc.run_selfcheck(_sim_bundle(), _small_cfg(config, sims=100), {}, designs=("granger",))
    with pytest.raises(ValueError, match="design must be one of"):
        res.power("var")
    with pytest.raises(ValueError, match="design must be one of"):
        res.design("var")
    assert isinstance(res.design("irf"), NotTestable)


def test_results_json_has_every_design_with_claim_and_size(config):
    from reportgen.serialize import to_jsonable

    res = sc.run_selfcheck(_sim_bundle(), _small_cfg(config, sims=100), {}, designs=("granger",))
    js = to_jsonable(res)
    assert [d["name"] for d in js["designs"]] == list(sc.DESIGNS)
    assert all("claim" in d and "size" in d for d in js["designs"])
    g = js["designs"][0]
    assert g["type"] == "DesignResult" and g["claim"] == "C3" and g["size"] == res.design("granger").size
    assert js["designs"][1] == {"type": "DesignNotTestable", "reason": "design not requested", "missing": [],
                                "name": "placebo", "claim": "C4", "primary": True, "size": None}


def test_templates_and_figures_render(config):
    from reportgen.report.figures.selfcheck import figures
    from reportgen.report.render import make_environment

    res = sc.run_selfcheck(_sim_bundle(), _small_cfg(config, sims=100), {}, designs=("granger", "placebo", "irf"))
    figs = figures(res)
    assert set(figs) == {"power_curves", "size"} and figs == figures(res)
    env = make_environment()
    for part in ("section", "appendix"):
        html = env.get_template(f"partials/selfcheck_{part}.html").render(r=res, fig=figs, cfg=config)
        assert "Granger" in html and "placebo" in html
    empty = sc.run_selfcheck(_sim_bundle(with_btc=False), _small_cfg(config, sims=100), {})
    assert figures(empty) == {}
    html = env.get_template("partials/selfcheck_section.html").render(r=empty, fig={}, cfg=config)
    assert "could not run" in html


@pytest.mark.slow
@pytest.mark.e2e
def test_selfcheck_on_real_snapshot(snapshot_bundle, config):
    t0, c0 = time.perf_counter(), time.process_time()
    res = sc.run_selfcheck(snapshot_bundle, config, {})
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert cpu < 20 and wall < 60, (wall, cpu)  # budget: ~8 s wall on 2 free cores
    assert [d.name for d in res.ran][:3] == ["granger", "placebo", "irf"], res.skipped
    for d in res.ran:
        assert d.simulations >= 1000
        assert 0.02 <= d.size <= 0.08, (d.name, d.size)
        assert 0 <= d.power_at_min_effect <= 1
        assert d.failed == 0
    for name in ("granger", "placebo"):
        d = res.design(name)
        assert d.primary and d.level == config.rules.alpha and d.size_in_range, (name, d.size)
    assert res.design("placebo").n_events >= 1
    assert res.design("granger").lags == config.analysis.granger_primary_lag
    assert res.design("granger").inner_draws == sc.GRANGER_INNER_DRAWS
    assert pd.isna(res.design("granger").mde_80) or res.design("granger").mde_80 > 0

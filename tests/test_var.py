"""VAR family: impulse responses against analytic values, fast bootstrap == statsmodels loop,
size and power of the bootstrap bands, run_var on synthetic and real data, figures, partials."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from reportgen.analysis.common import HypothesisTest, NotTestable
from reportgen.analysis.var import (
    IrfBands,
    VarResults,
    VarSystemResult,
    bootstrap_irf_draws,
    bootstrap_irf_draws_reference,
    distinct_irf_kinds,
    estimate_system,
    fevd_shares,
    generalized_irf,
    irf_bootstrap_bands,
    ma_matrices,
    orthogonal_irf,
    resample_indices,
    run_var,
    select_lags,
)
from reportgen.data.bundle import bundle_from_frames
from reportgen.errors import InsufficientDataError
from tests.dgp import daily_prices, independent_returns, var1_system, var_lead


A3 = np.array([[0.5, 0.1, 0.0], [0.2, 0.3, -0.1], [0.0, 0.4, 0.2]])
S3 = np.array([[1.0, 0.3, 0.2], [0.3, 2.0, 0.5], [0.2, 0.5, 1.5]])


# --------------------------------------------------------------------------- analytic values
def test_ma_and_orth_irf_of_var1_equal_matrix_powers():
    H = 6
    phi = ma_matrices(A3[None], H)
    P = np.linalg.cholesky(S3)
    orth = orthogonal_irf(phi, S3)
    for h in range(H + 1):
        Ah = np.linalg.matrix_power(A3, h)
        np.testing.assert_allclose(phi[h], Ah, atol=1e-14)
        np.testing.assert_allclose(orth[h], Ah @ P, atol=1e-14)


def test_ma_matrices_var2_recursion():
    A1, A2 = A3, 0.5 * A3.T
    phi = ma_matrices(np.stack([A1, A2]), 3)
    np.testing.assert_allclose(phi[1], A1, atol=1e-14)
    np.testing.assert_allclose(phi[2], A1 @ A1 + A2, atol=1e-14)
    np.testing.assert_allclose(phi[3], A1 @ (A1 @ A1 + A2) + A2 @ A1, atol=1e-14)


def test_generalized_irf_equals_pesaran_shin_formula_by_hand():
    H = 4
    gen = generalized_irf(ma_matrices(A3[None], H), S3)
    for h in range(H + 1):
        Ah = np.linalg.matrix_power(A3, h)
        for j in range(3):
            e = np.zeros(3)
            e[j] = 1.0
            expected = Ah @ S3 @ e / np.sqrt(S3[j, j])
            np.testing.assert_allclose(gen[h][:, j], expected, atol=1e-14)
    # first variable in the Cholesky order: generalised == orthogonalised
    orth = orthogonal_irf(ma_matrices(A3[None], H), S3)
    np.testing.assert_allclose(gen[:, :, 0], orth[:, :, 0], atol=1e-14)


def test_fevd_rows_sum_to_one_and_match_definition():
    phi = ma_matrices(A3[None], 3)
    orth = orthogonal_irf(phi, S3)
    f = fevd_shares(phi, S3)
    np.testing.assert_allclose(f.sum(axis=-1), 1.0, atol=1e-12)
    mse2 = sum(phi[s] @ S3 @ phi[s].T for s in range(2))
    np.testing.assert_allclose(f[1, 2, 0], (orth[0, 2, 0] ** 2 + orth[1, 2, 0] ** 2) / mse2[2, 2], atol=1e-12)


# --------------------------------------------------------------------------- fast == reference
@pytest.mark.parametrize("lags", [1, 2])
def test_bootstrap_fast_equals_statsmodels_reference(lags):
    rng = np.random.default_rng(11)
    y = var1_system(90, rng, A3, S3)
    idx = resample_indices(len(y) - lags, 25, rng)
    fast = bootstrap_irf_draws(y, lags, 5, idx)
    ref = bootstrap_irf_draws_reference(y, lags, 5, idx)
    for key in ("orth", "gen", "fevd"):
        assert fast[key].shape == ref[key].shape
        np.testing.assert_allclose(fast[key], ref[key], rtol=0, atol=1e-8)


def test_point_irf_equals_statsmodels():
    from statsmodels.tsa.api import VAR

    rng = np.random.default_rng(3)
    y = var1_system(120, rng, A3, S3)
    b = irf_bootstrap_bands(y, 2, 6, 99, rng)
    np.testing.assert_allclose(b.array("point"), VAR(y).fit(2, trend="c").orth_ma_rep(6), atol=1e-10)
    np.testing.assert_allclose(b.array("cum_point"), np.cumsum(b.array("point"), axis=0), atol=1e-14)


def test_var1_estimates_recover_known_irf():
    rng = np.random.default_rng(5)
    y = var1_system(4000, rng, A3, S3)
    b = irf_bootstrap_bands(y, 1, 3, 199, rng, orth=False)
    truth = generalized_irf(ma_matrices(A3[None], 3), S3)
    assert np.all(b.array("lower95") - 0.02 <= truth) and np.all(truth <= b.array("upper95") + 0.02)
    np.testing.assert_allclose(b.array("point"), truth, atol=0.12)


# --------------------------------------------------------------------------- IrfBands API
def test_irf_bands_seeded_and_ordered():
    y = var_lead(120, np.random.default_rng(1))
    b1 = irf_bootstrap_bands(y, 2, 4, 199, np.random.default_rng(42))
    b2 = irf_bootstrap_bands(y, 2, 4, 199, np.random.default_rng(42))
    assert b1 == b2
    assert isinstance(b1, IrfBands) and b1.orth and b1.reps == 199 and b1.nobs == 118
    assert b1.array("point").shape == (5, 2, 2)
    lo95, lo90, hi90, hi95 = (b1.array(k) for k in ("lower95", "lower90", "upper90", "upper95"))
    assert np.all(lo95 <= lo90) and np.all(lo90 <= hi90) and np.all(hi90 <= hi95)
    with pytest.raises(dataclasses.FrozenInstanceError):
        b1.reps = 5  # type: ignore[misc]


def test_irf_bands_errors():
    y = var_lead(120, np.random.default_rng(1))
    rng = np.random.default_rng(0)
    msg = "need 22 monthly observations for a 2-variable VAR with 2 lags; have 15"
    with pytest.raises(InsufficientDataError, match=msg):
        irf_bootstrap_bands(y[:15], 2, 4, 99, rng)
    with pytest.raises(ValueError, match="lags must be >= 1, got 0"):
        irf_bootstrap_bands(y, 0, 4, 99, rng)
    with pytest.raises(ValueError, match="horizon must be >= 1, got 0"):
        irf_bootstrap_bands(y, 1, 0, 99, rng)
    with pytest.raises(ValueError, match="reps must be >= 1, got 0"):
        irf_bootstrap_bands(y, 1, 3, 0, rng)
    with pytest.raises(ValueError, match=r"y must be a 2-D array \(T, K\); got shape \(120,\)"):
        irf_bootstrap_bands(y[:, 0], 1, 3, 99, rng)
    bad = y.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="y contains NaN"):
        irf_bootstrap_bands(bad, 1, 3, 99, rng)
    b = irf_bootstrap_bands(y, 1, 3, 99, rng)
    with pytest.raises(ValueError, match="which must be one of"):
        b.array("median")
    with pytest.raises(ValueError, match=r"variable must be one of \('y0', 'y1'\), got 'BTC'"):
        b.response("BTC", "y0")
    with pytest.raises(ValueError, match=r"rule must be one of \('aic', 'bic', 'hqic'\), got 'fpe'"):
        select_lags(y, 4, "fpe")


# --------------------------------------------------------------------------- size and power
@pytest.mark.slow
def test_power_var_lead_response_at_horizon_2():
    hits = []
    for s in range(100):
        rng = np.random.default_rng([2026, s])
        y = var_lead(120, rng)  # x leads y by 2 months, b = 0.35
        b = irf_bootstrap_bands(y, 2, 3, 499, rng)
        lo, hi = b.array("lower95")[2, 1, 0], b.array("upper95")[2, 1, 0]
        hits.append(lo > 0 or hi < 0)
    assert np.mean(hits) >= 0.80


@pytest.mark.slow
def test_coverage_independent_series_horizons_1_to_3():
    """Gaussian iid series, VAR(3): the 95% band covers 0 about 95% of the time at h = 1..3."""
    n_sim = 400
    cover = []
    for s in range(n_sim):
        rng = np.random.default_rng([2027, s])
        y = independent_returns(120, rng, t_df=None, garch=False)
        b = irf_bootstrap_bands(y, 3, 3, 399, rng)
        lo, hi = b.array("lower95")[1:4, 1, 0], b.array("upper95")[1:4, 1, 0]
        cover.append((lo <= 0) & (hi >= 0))
    cover = np.asarray(cover)
    mc_se = np.sqrt(0.95 * 0.05 / n_sim)  # ~0.011
    assert abs(cover.mean() - 0.95) < 3 * mc_se
    for h in range(3):
        assert abs(cover[:, h].mean() - 0.95) < 4 * mc_se


@pytest.mark.slow
def test_coverage_fat_tailed_garch_series_is_roughly_nominal():
    """Fat tails and GARCH violate the iid-residual assumption; coverage stays near 95%."""
    cover = []
    for s in range(200):
        rng = np.random.default_rng([2028, s])
        y = independent_returns(120, rng)
        b = irf_bootstrap_bands(y, 3, 3, 399, rng)
        lo, hi = b.array("lower95")[1:4, 1, 0], b.array("upper95")[1:4, 1, 0]
        cover.append((lo <= 0) & (hi >= 0))
    assert 0.88 <= np.mean(cover) <= 0.99


# --------------------------------------------------------------------------- run_var
def _synthetic_bundle(with_eth: bool, with_credit: bool, with_liquidity: bool, n_months: int = 110):
    rng = np.random.default_rng(99)
    days = n_months * 31
    close: dict[str, pd.Series] = {}
    roles: dict[str, str] = {}
    keys = ["RUT", "GSPC", "BTC"] + (["ETH"] if with_eth else [])
    for k in keys:
        close[k] = daily_prices(rng.normal(0.0003, 0.012, days), start="2014-09-01")
        roles[k] = {"RUT": "small_caps", "GSPC": "large_caps"}.get(k, "crypto")
    if with_credit:
        close["HYOAS"] = pd.Series(4 + 0.05 * np.cumsum(rng.normal(size=days + 1)),
                                   index=pd.date_range("2014-09-01", periods=days + 1, freq="D")).abs() + 1
        roles["HYOAS"] = "credit_spread"
    if with_liquidity:
        wed = pd.date_range("2014-09-03", periods=days // 7, freq="W-WED")
        close["WALCL"] = pd.Series(4e6 * np.exp(np.cumsum(rng.normal(0, 0.004, len(wed)))), index=wed)
        close["TGA"] = pd.Series(3e5 + 1e4 * rng.random(len(wed)), index=wed)
        close["RRP"] = pd.Series(100 + 10 * rng.random(len(wed)), index=wed)
        roles.update(WALCL="liquidity_assets", TGA="liquidity_tga", RRP="liquidity_rrp")
    return bundle_from_frames(close, roles)


def _small_cfg(config, reps: int = 199):
    return dataclasses.replace(config, analysis=dataclasses.replace(config.analysis, bootstrap_reps=reps))


def test_run_var_synthetic_all_systems(config):
    r = run_var(_synthetic_bundle(True, True, True), _small_cfg(config))
    for s in (r.rut_crypto, r.credit, r.liquidity, r.rut_crypto_p3):
        assert isinstance(s, VarSystemResult), s
    assert r.credit.variables == ("dHYOAS", "GSPC", "RUT", "BTC")
    assert r.liquidity.variables == ("NETLIQ", "RUT", "BTC")
    assert r.rut_crypto_p3.lags == 3
    # the shock variable is first in both orders, so its generalised IRF equals the
    # orthogonalised one: only the orthogonalised tests enter the families (no duplicates)
    assert len(r.c3_tests) == 6 and len(r.c3_robust_tests) == 6 and len(r.c6_tests) == 6
    assert {t.kind for t in r.c3_tests + r.c6_tests} == {"orth"}
    names = [t.name for t in r.all_tests()]
    assert len(names) == len(set(names))
    assert [t.effect_label.split(" to ")[0] for t in r.c3_primary] == [
        "cumulative response of BTC over months 1..3 (impact month excluded)",
        "cumulative response of ETH over months 1..3 (impact month excluded)",
    ]
    assert all(isinstance(t, HypothesisTest) and t.pvalue_holm is not None for t in r.all_tests())
    f = r.rut_crypto.fevd_for("BTC", "RUT")
    assert f.horizons == tuple(range(1, config.analysis.irf_horizon + 1))
    with pytest.raises(ValueError, match=r"\(target, source\) must be one of .*got \('BTC', 'SOL'\)"):
        r.rut_crypto.fevd_for("BTC", "SOL")


def test_distinct_irf_kinds_drop_the_generalised_duplicate():
    assert distinct_irf_kinds(("RUT", "BTC"), "RUT") == ("orth",)
    assert distinct_irf_kinds(("RUT", "BTC"), "BTC") == ("orth", "gen")


def test_generalised_equals_orthogonalised_for_the_first_variable():
    rng = np.random.default_rng(3)
    coefs = 0.2 * rng.standard_normal((1, 3, 3))
    a = rng.standard_normal((3, 3))
    sigma = a @ a.T + np.eye(3)
    phi = ma_matrices(coefs, 4)
    np.testing.assert_allclose(generalized_irf(phi, sigma)[:, :, 0], orthogonal_irf(phi, sigma)[:, :, 0], atol=1e-12)
    assert not np.allclose(generalized_irf(phi, sigma)[:, :, 1], orthogonal_irf(phi, sigma)[:, :, 1])


def test_run_var_missing_series_become_not_testable(config):
    r = run_var(_synthetic_bundle(False, False, False), _small_cfg(config))
    # series are picked by role: without ETH the C3 system uses the crypto series there are
    assert r.rut_crypto.variables == ("RUT", "BTC")
    assert isinstance(r.credit, NotTestable) and "credit_spread" in r.credit.reason
    assert isinstance(r.liquidity, NotTestable)
    assert isinstance(r.c5, NotTestable) and r.c5.reason.startswith("credit-spread VAR not estimated")
    assert [t.response for t in r.c3_tests] == ["BTC"] * 3 and len(r.c3_primary) == 1 and r.c6_tests == ()


def test_run_var_without_crypto_is_not_testable(config):
    b = _synthetic_bundle(False, False, False)
    close = {k: v for k, v in b.close.items() if k != "BTC"}
    r = run_var(bundle_from_frames(close, {k: b.roles[k] for k in close}), _small_cfg(config))
    assert isinstance(r.rut_crypto, NotTestable) and "no available series with role 'crypto'" in r.rut_crypto.reason
    assert r.c3_tests == () and r.c3_primary == () and r.c6_tests == ()
    from reportgen.report.figures.var import figures

    assert figures(r) == {}


def test_run_var_too_short_sample_is_not_testable(config):
    r = run_var(_synthetic_bundle(True, False, False, n_months=30), _small_cfg(config))
    assert isinstance(r.rut_crypto, NotTestable)
    assert r.rut_crypto.reason.startswith("need 40 monthly observations for a 3-variable VAR with 4 lags")


def test_estimate_system_draws_are_reproducible():
    rng = np.random.default_rng(8)
    frame = pd.DataFrame(var1_system(100, rng, A3, S3), columns=["a", "b", "c"],
                         index=pd.date_range("2015-01-31", periods=100, freq="ME"))
    r1, _ = estimate_system(frame, "x", "x", ("u",) * 3, 4, 99, np.random.SeedSequence([1, 2]))
    r2, _ = estimate_system(frame, "x", "x", ("u",) * 3, 4, 99, np.random.SeedSequence([1, 2]))
    assert r1 == r2
    assert r1.sample_start == (pd.Timestamp("2015-01-31") + pd.offsets.MonthEnd(r1.lags)).date()


# --------------------------------------------------------------------------- real snapshot
@pytest.fixture(scope="module")
def snapshot_var(snapshot_bundle, config):
    return run_var(snapshot_bundle, config)


@pytest.mark.e2e
def test_run_var_snapshot_sane(snapshot_var, config):
    r: VarResults = snapshot_var
    assert r.reps == config.analysis.bootstrap_reps and r.horizon == config.analysis.irf_horizon
    for s in (r.rut_crypto, r.credit, r.liquidity, r.rut_crypto_p3):
        assert isinstance(s, VarSystemResult)
        assert 1 <= s.lags <= 4 and s.nobs >= 90
        assert 0 < s.max_root_modulus < 1
        assert s.diagnostics[0].name == "stability" and s.diagnostics[0].passed
        assert set(s.failures) == {c.name for c in s.diagnostics if not c.passed}
        for f in s.fevd:
            assert all(0 <= v <= 1 for v in f.share + f.ci_low + f.ci_high)
        sd = np.sqrt(np.diag(np.asarray(s.sigma_u)))
        assert np.all(sd[-1] < 0.5)  # monthly crypto innovation s.d. below 50%
    # a RUT shock moves BTC within the month (positive co-movement), a few % per month
    impact = r.rut_crypto.orth.response("BTC", "RUT")[0]
    assert 0.01 < impact < 0.2
    for t in r.c3_primary:
        assert t.ci_low <= t.effect <= t.ci_high and 0 < t.pvalue <= 1
        assert abs(t.effect) < 0.2
    assert r.c5.responders == ("GSPC", "RUT", "BTC")
    assert all(0 <= h <= r.horizon for h in r.c5.peak_horizon)
    np.testing.assert_allclose(np.asarray(r.c5.peak_distribution).sum(axis=1), 1.0)
    # a widening of the credit spread lowers stock returns within the month
    assert all(v < 0 for v in r.credit.orth.array("point")[0, 1:, 0])


@pytest.mark.e2e
def test_snapshot_figures_and_partials(snapshot_var, config):
    from reportgen.report.figures.var import figures

    figs = figures(snapshot_var)
    assert set(figs) == {"c3_irf", "fevd", "c5_credit", "c5_peaks", "c6_liquidity"}
    assert all(v.startswith("<svg") for v in figs.values())
    assert figures(snapshot_var)["c3_irf"] == figs["c3_irf"]  # deterministic bytes
    for name in ("var_section.html", "var_appendix.html"):
        html = _render(name, snapshot_var, figs, config)
        assert "<table class=\"data" in html and "nan" not in html.lower().replace("nan-", "")
    from reportgen.serialize import dumps

    assert '"type": "VarResults"' in dumps(snapshot_var)


# --------------------------------------------------------------------------- helpers
def _render(template: str, r, fig, cfg) -> str:
    from reportgen.report.render import make_environment

    return make_environment().get_template(f"partials/{template}").render(r=r, fig=fig, cfg=cfg)

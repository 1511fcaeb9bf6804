"""C7 self-check design (reportgen.analysis.design_credit): it runs the primary test's own
function, its size is within 3-7% at 5% on a simulated bundle with a fat-tailed spread change,
power rises with the planted gap, and it plugs into the self-check registry."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from reportgen.analysis import credit_beta as cb
from reportgen.analysis import design_credit as dc
from reportgen.analysis.resampling import seed_stream
from reportgen.data.bundle import bundle_from_frames
from reportgen.errors import InsufficientDataError, MissingSeriesError
from tests import dgp


def _credit_bundle(seed: int = 5, n_days: int = 3000, gap: float = 0.0, crash: bool = True):
    """Daily RUT, GSPC (business days) and a credit spread (pp) whose monthly change is calm
    except for one crash month (+2.5 pp over March 2020-like days). RUT and GSPC share a market
    factor; RUT loads ``gap`` more on the daily spread change (0 = C7's null)."""
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2014-01-01", periods=n_days + 1)
    dspread = 0.075 * rng.standard_normal(n_days)
    if crash:
        mid = n_days // 2
        dspread[mid : mid + 15] += 2.5 / 15
    market = 0.008 * rng.standard_t(5, n_days) / np.sqrt(5 / 3)
    rut_r = 0.0003 + 1.2 * market + gap * dspread + 0.006 * rng.standard_normal(n_days)
    gspc_r = 0.0003 + market + 0.003 * rng.standard_normal(n_days)
    close = {
        "RUT": dgp.daily_prices(rut_r, start="2014-01-01", freq="B", p0=1000.0),
        "GSPC": dgp.daily_prices(gspc_r, start="2014-01-01", freq="B", p0=2000.0),
        "HY": pd.Series(4.0 + np.concatenate([[0.0], np.cumsum(dspread)]), index=idx),
    }
    roles = {"RUT": "small_caps", "GSPC": "large_caps", "HY": "credit_spread"}
    return bundle_from_frames(close, roles)


def _frame(bundle):
    f = cb.credit_beta_frame(bundle, "HY")
    return f["ds"].to_numpy(float), (f["RUT"] - f["GSPC"]).to_numpy(float)


def test_simulated_bundle_mimics_the_real_spread_change():
    ds, y = _frame(_credit_bundle())
    assert ds.size == 137
    assert stats.kurtosis(ds, fisher=False) == pytest.approx(11.5, abs=0.05)  # one crash month dominates, as in March 2020


def test_design_runs_the_primary_test_function():
    # the design imports the very function behind wild_bootstrap_slope_test (never a copy)
    assert dc.wild_bootstrap_slope_batch is cb.wild_bootstrap_slope_batch
    ds, y = _frame(_credit_bundle())
    rng = np.random.default_rng(1)
    y0 = dc.null_samples(y, ds, 40, rng)
    eff = np.array([0.0, 0.05])
    sim = dc.simulate_credit_design(y0, ds, eff, np.random.default_rng(2), alpha=0.05)
    ref = cb.wild_bootstrap_slope_batch(y0[None] - eff[:, None, None] * ds, ds, dc.INNER_REPS,
                                        np.random.default_rng(2), ci=False)
    np.testing.assert_array_equal(sim["pvalue"], ref.pvalue)
    np.testing.assert_array_equal(sim["slope"], ref.slope)
    np.testing.assert_array_equal(sim["pvalue_dir"], np.where(ref.slope < 0, ref.pvalue, 1.0))
    np.testing.assert_array_equal(sim["reject"][0], ref.pvalue[0] <= 0.05)
    np.testing.assert_array_equal(sim["reject"][1], (ref.pvalue[1] <= 0.05) & (ref.slope[1] < 0))
    assert sim["failed"] == 0


def test_null_samples_and_errors():
    import statsmodels.api as sm

    rng = np.random.default_rng(3)
    ds = rng.standard_t(3, 30)
    y = 0.01 - 0.02 * ds + rng.normal(0, 0.03, 30)
    fit = sm.OLS(y, sm.add_constant(ds)).fit()
    e = fit.resid / np.sqrt(1 - fit.get_influence().hat_matrix_diag)
    w = dc.null_samples(y, ds, 5, np.random.default_rng(0), "wild")
    np.testing.assert_allclose(np.abs(w - y.mean()), np.broadcast_to(np.abs(e), (5, 30)), rtol=1e-10)
    r = dc.null_samples(y, ds, 5, np.random.default_rng(0), "wild_restricted")
    np.testing.assert_allclose(np.abs(r - y.mean()), np.broadcast_to(np.abs(y - y.mean()), (5, 30)), atol=1e-15)
    # the same Rademacher signs in both wild designs
    np.testing.assert_array_equal(np.sign(w - y.mean()) * np.sign(e), np.sign(r - y.mean()) * np.sign(y - y.mean()))
    g = dc.null_samples(y, ds, 5, np.random.default_rng(0), "gaussian")
    assert g.shape == (5, 30)
    with pytest.raises(ValueError, match=r"noise must be one of \('wild', 'wild_restricted', 'gaussian'\), got 'pairs'"):
        dc.null_samples(y, ds, 5, np.random.default_rng(0), "pairs")


def _build(bundle, cfg, n_sim=1000, seed="credit_beta", grid=(0.0, 0.5, 1.0, 1.5, 2.0, 3.0)):
    return dc.build_design(bundle, cfg, {}, seed_stream(cfg.analysis.seed, "selfcheck", seed), n_sim,
                           cfg.rules.alpha, grid)


def test_build_design_size_power_and_units(config):
    bundle = _credit_bundle()
    d = _build(bundle, config)
    assert (d.name, d.claim, d.primary) == ("credit_beta", "C7", True)
    assert d.simulations == 1000 and d.alpha == config.rules.alpha and d.inner_draws == dc.INNER_REPS
    # size within 3-7% at 5% (measured: 6.4% of 1,000 samples; 5.1% of 4,000 below)
    assert d.size_in_range and 0.03 <= d.size <= 0.07
    assert d.size == pytest.approx(0.064, abs=1e-12)
    # power rises with the planted gap and reaches 80%
    power = np.array(d.curve_power)
    assert np.all(np.diff(power[1:]) >= -0.02) and power[-1] > 0.95 and power[1] < 0.3
    assert d.mde_80 is not None and d.mde_80 > 0
    # the minimum effect and the standard error are those of the claim's primary test
    ds, y = _frame(bundle)
    res = cb.run_credit_beta(bundle, config)
    assert d.min_effect == pytest.approx(res.min_effect, rel=1e-14)
    assert d.min_effect == pytest.approx(config.rules.min_effect_monthly_return / np.std(ds, ddof=1), rel=1e-14)
    assert d.se == pytest.approx(cb.hc3_slope(y, ds)[1], rel=1e-14)
    assert d.nobs == res.nobs == 137
    assert d.effect_unit.startswith("β(RUT) − β(S&P 500), log return per 1 pp spread widening, in the claimed "
                                    "(negative) direction")
    assert d.failed == 0


def test_build_design_is_reproducible(config):
    bundle = _credit_bundle()
    a = _build(bundle, config, n_sim=100)
    b = _build(bundle, config, n_sim=100)
    c = _build(bundle, config, n_sim=100, seed="other")
    assert a == b and a.curve_power != c.curve_power


@pytest.mark.slow
@pytest.mark.parametrize(("noise", "expected"), [("wild", 0.05075), ("wild_restricted", 0.05), ("gaussian", 0.04675)])
def test_size_on_simulated_bundle(noise, expected):
    """4,000 null samples each: the wild design (fitted or restricted residuals x Rademacher)
    and the referee's iid Gaussian returns against the same fat-tailed spread change."""
    ds, y = _frame(_credit_bundle())
    rng = np.random.default_rng(21)
    y0 = dc.null_samples(y, ds, 4000, rng, noise)
    sim = dc.simulate_credit_design(y0, ds, np.array([0.0]), rng)
    size = float(sim["reject"][0].mean())
    assert 0.03 <= size <= 0.07
    assert size == pytest.approx(expected, abs=1e-12)


def test_power_rises_with_a_real_gap(config):
    """With a real gap in the data, the design still has the right size and finds its minimum."""
    bundle = _credit_bundle(gap=-0.5)
    res = cb.run_credit_beta(bundle, config)
    assert res.primary.effect < 0 and res.primary.pvalue <= 0.05
    d = _build(bundle, config, n_sim=400)
    assert 0.03 <= d.size <= 0.07
    assert d.power_at_min_effect > 0.8


def test_build_design_errors(config):
    bundle = _credit_bundle()
    no_spread = bundle_from_frames({k: bundle.close[k] for k in ("RUT", "GSPC")},
                                   {"RUT": "small_caps", "GSPC": "large_caps"})
    with pytest.raises(MissingSeriesError, match="missing series <credit_spread>: no available series with role"):
        _build(no_spread, config, n_sim=10)
    no_gspc = bundle_from_frames({k: bundle.close[k] for k in ("RUT", "HY")},
                                 {"RUT": "small_caps", "HY": "credit_spread"})
    with pytest.raises(MissingSeriesError, match="missing series GSPC"):
        _build(no_gspc, config, n_sim=10)
    short = _credit_bundle(n_days=500)
    with pytest.raises(InsufficientDataError, match="need 36 monthly observations for credit betas; have 22"):
        _build(short, config, n_sim=10)


def test_registered_in_the_selfcheck(config):
    from reportgen.analysis import selfcheck as sc

    cfg = dataclasses.replace(config, selfcheck=dataclasses.replace(config.selfcheck, simulations=100))
    out = sc.run_selfcheck(_credit_bundle(), cfg, designs=("credit_beta",))
    d = out.design("credit_beta")
    assert isinstance(d, sc.DesignResult) and d.claim == "C7" and d.simulations == 100
    assert out.for_claim("C7") is d


@pytest.mark.e2e
def test_design_on_snapshot(snapshot_bundle, config):
    d = _build(snapshot_bundle, config)
    res = cb.run_credit_beta(snapshot_bundle, config)
    assert d.min_effect == pytest.approx(res.min_effect, rel=1e-14)
    assert 0.03 <= d.size <= 0.07
    assert d.power_at_min_effect >= 0.8

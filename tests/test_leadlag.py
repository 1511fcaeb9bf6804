"""Lead-lag family end to end: run_leadlag on simulated and real data, figures, partials."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from reportgen.analysis.common import HypothesisTest, NotTestable
from reportgen.analysis.granger import GrangerResult
from reportgen.analysis.leadlag import LeadLagResults, run_leadlag, weekly_lags
from reportgen.data.bundle import bundle_from_frames
from reportgen.report.figures.leadlag import figures
from reportgen.serialize import dumps
from tests.dgp import daily_prices, var_lead


def _env():
    from reportgen.report.render import make_environment

    return make_environment()


def _render(r, cfg) -> tuple[str, str]:
    env, fig = _env(), figures(r)
    ctx = {"r": r, "fig": fig, "cfg": cfg}
    return (
        env.get_template("partials/leadlag_section.html").render(**ctx),
        env.get_template("partials/leadlag_appendix.html").render(**ctx),
    )


def _fast(cfg, reps: int = 199):
    return dataclasses.replace(cfg, analysis=dataclasses.replace(cfg.analysis, bootstrap_reps=reps))


@pytest.fixture(scope="module")
def sim_bundle():
    """RUT and BTC only (no GSPC, spread or liquidity): daily prices whose monthly returns
    follow var_lead (RUT leads BTC by 2 months), 12 years."""
    rng = np.random.default_rng(4)
    months = 150
    m = 0.05 * var_lead(months, rng, lag=2, b=0.6)
    days = 21
    daily = np.repeat(m / days, days, axis=0) + 0.002 * rng.standard_normal((months * days, 2))
    rut = daily_prices(daily[:, 0], start="2010-01-01", freq="B")
    btc = daily_prices(daily[:, 1], start="2010-01-01", freq="B")
    return bundle_from_frames({"RUT": rut, "BTC": btc}, {"RUT": "small_caps", "BTC": "crypto"})


@pytest.fixture(scope="module")
def sim_results(sim_bundle, config):
    return run_leadlag(sim_bundle, _fast(config))


def test_weekly_lags():
    assert weekly_lags(13) == (1, 4, 8, 13)
    assert weekly_lags(6) == (1, 4, 6)
    assert weekly_lags(1) == (1,)


def test_simulated_lead_is_found_and_missing_parts_are_not_testable(sim_results):
    r = sim_results
    assert isinstance(r, LeadLagResults)
    assert isinstance(r.c3_primary, HypothesisTest)
    assert r.c3_primary.name == "granger_RUT_BTC_m_l3_bootstrap"
    # the pre-declared primary is judged alone: its own family, no adjustment
    assert r.c3_primary.family == "C3-primary" and r.c3_primary.pvalue_holm is None and r.c3_primary.pvalue < 0.05
    assert r.c3_primary.name not in {t.name for t in r.c3_family}  # secondaries only in family C3
    assert r.c3_implied_effect == pytest.approx(r.c3_contemp_beta * r.c3_cause_sd)
    assert r.c3_primary.ci_low < r.c3_primary.effect < r.c3_primary.ci_high
    assert r.c3_primary.effect > 0 and r.c3_cause_sd > 0
    rev = [t for t in r.c3_reverse_tests if t.frequency == "monthly" and t.lags == 3]
    assert rev and rev[0].p_boot > 0.05
    # no GSPC / spread / liquidity series in this bundle
    assert isinstance(r.conditional, NotTestable) and "large_caps" in r.conditional.missing
    assert isinstance(r.c5_primary, NotTestable) and "credit_spread" in r.c5_primary.missing
    assert isinstance(r.c6_primary, NotTestable)
    assert r.c5_family == () and r.c6_family == ()
    assert not isinstance(r.rolling, NotTestable) and not isinstance(r.toda_yamamoto, NotTestable)
    assert any("NETLIQ" in s.reason for s in r.unit_root_skipped)


def test_short_sample_makes_rolling_not_testable(sim_bundle, config):
    short = sim_bundle.truncated(sim_bundle.as_of.replace(year=2013))
    r = run_leadlag(short, _fast(config, 99))
    assert isinstance(r.rolling, NotTestable)
    assert r.rolling.reason.startswith("need 52 monthly observations for 48-observation windows")
    assert isinstance(r.c3_primary, HypothesisTest)
    _render(r, config)  # partials cope with NotTestable parts


def test_bootstrap_seeds_depend_on_test_name_only(sim_bundle, config):
    """Removing the weekly lags must not change any monthly p-value."""
    cfg = _fast(config, 99)
    few = dataclasses.replace(cfg, analysis=dataclasses.replace(cfg.analysis, weekly_max_lag=1))
    a, b = run_leadlag(sim_bundle, cfg), run_leadlag(sim_bundle, few)
    pa = {t.name: t.p_boot for t in a.granger if t.frequency == "monthly"}
    pb = {t.name: t.p_boot for t in b.granger if t.frequency == "monthly"}
    assert pa == pb


def test_figures_and_partials_on_simulated(sim_results, config):
    fig = figures(sim_results)
    assert set(fig) == {"rolling", "granger_pvalues"}
    assert all(v.startswith("<svg") for v in fig.values())
    assert figures(sim_results) == fig  # deterministic bytes
    section, appendix = _render(sim_results, config)
    assert "RUT → BTC" in section and "Not testable" in section
    assert "Zivot" in appendix and "Toda" in appendix


# --------------------------------------------------------------------------- real snapshot


@pytest.fixture(scope="module")
def real(snapshot_bundle, config):
    return run_leadlag(snapshot_bundle, config)


@pytest.mark.e2e
def test_snapshot_results_are_sane(real, config):
    r = real
    assert r.small_caps == "RUT" and r.large_caps == "GSPC" and r.crypto == ("BTC", "ETH")
    assert r.reps == config.analysis.bootstrap_reps and r.primary_lag == 3
    tests = list(r.granger) + list(r.conditional) + list(r.c5_links) + list(r.c6_links)
    assert all(isinstance(t, GrangerResult) for t in tests)
    for t in tests:
        adjusted = (t.p_holm, t.p_bh) if t.family != "C3-primary" else ()  # the primary is not adjusted
        for p in (t.p_classic, t.p_hc3, t.p_boot, *adjusted):
            assert 0 <= p <= 1 and math.isfinite(p)
        assert (t.p_holm is None or t.p_holm >= t.p_boot - 1e-12) and t.ci_low <= t.coef_sum <= t.ci_high
        assert t.p_boot >= 1 / (r.reps + 1)
    prim = r.c3_primary
    assert isinstance(prim, HypothesisTest) and prim.name == "granger_RUT_BTC_m_l3_bootstrap"
    assert 120 <= prim.nobs <= 160 and prim.df == (3.0, prim.nobs - 7.0)
    assert prim.pvalue_holm is None and prim.family == "C3-primary"  # judged alone at alpha
    assert 0.03 < r.c3_cause_sd < 0.10  # RUT monthly log-return standard deviation
    assert len(r.c3_family) == len(r.c3_tests) >= 14
    assert {t.family for t in r.c3_family} == {"C3"}
    assert {(t.cause, t.target) for t in r.c3_tests} == {("RUT", "BTC"), ("RUT", "ETH")}
    weekly = [t for t in r.c3_tests if t.frequency == "weekly"]
    assert weekly and min(t.nobs for t in weekly) > 400
    # pre-flight: log prices I(1), returns I(0)
    orders = {(u.series, u.frequency): u.order for u in r.unit_roots}
    assert orders[("RUT", "monthly")] == orders[("BTC", "monthly")] == 1
    assert len(r.unit_roots) == 10 and all(len(u.tests) == 8 for u in r.unit_roots)
    assert all(t.d_max >= 1 for t in r.toda_yamamoto)
    assert isinstance(r.c5_primary, HypothesisTest) and r.c5_primary.effect is None
    assert r.c5_primary.pvalue == max(t.p_boot for t in r.c5_tests if t.lags == 3)
    assert isinstance(r.c6_primary, HypothesisTest)
    assert len(r.rolling.dates) > 50 and r.expanding.nobs[-1] == prim.nobs
    assert dumps(r).count('"type": "GrangerResult"') == len(tests)
    classic = {t.name: t for t in r.variant_tests if t.method.startswith("OLS F")}
    assert len(classic) == len(r.granger) == len(r.variant_tests) // 2
    for t in r.granger:
        assert classic[t.name + "_classic"].pvalue == t.p_classic


@pytest.mark.e2e
def test_snapshot_classic_f_equals_statsmodels(real, snapshot_bundle):
    from statsmodels.tsa.stattools import grangercausalitytests

    ret = snapshot_bundle.returns(["RUT", "BTC"], "monthly")
    for lag in (1, 2, 3):
        ours = next(t for t in real.variant_tests if t.name == f"granger_RUT_BTC_m_l{lag}_classic")
        f, p, *_ = grangercausalitytests(ret[["BTC", "RUT"]].to_numpy(), [lag])[lag][0]["ssr_ftest"]
        assert ours.stat == pytest.approx(f, abs=1e-8)
        assert ours.pvalue == pytest.approx(p, abs=1e-8)


@pytest.mark.e2e
def test_snapshot_partials_render(real, config):
    section, appendix = _render(real, config)
    assert "Primary test" in section and "Not testable" not in section
    assert "HYOAS" in section and "NETLIQ" in appendix
    assert section.count("<svg") == 2

"""Claim specifications -> verdicts on crafted results: each claim reads its primary test from
where its specification says, in its unit, with the minimum from the one config key, and power
and size from the self-check design that runs the same test."""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import SimpleNamespace as NS

import pytest

from reportgen.analysis.common import HypothesisTest, NotTestable
from reportgen.verdict import ClaimSpec, PrimaryTest, Verdict, claim_specs, decide_all
from reportgen.verdict import rules as R
from reportgen.verdict.claims import decide_claim, primary_evidence
from reportgen.verdict.specs import families_to_run, minimum_effect, spec_by_id

D = dt.date(2020, 1, 1)


def ht(effect=0.05, p=0.01, lo=0.01, hi=0.09, n=100, name="t", family="", holm=None):
    return HypothesisTest(name=name, null="none", alternative="some", stat=2.0, pvalue=p, df=(1.0,), nobs=n,
                          sample_start=D, sample_end=D, method="m", family=family, pvalue_holm=holm,
                          effect=effect, ci_low=lo, ci_high=hi)


def design(claim, min_effect, power=0.9, size=0.05):
    return NS(claim=claim, min_effect=min_effect, power_at_min_effect=power, size=size, size_ci=(0.04, 0.06))


def selfcheck(**designs):
    return NS(design=lambda name: designs.get(name, NotTestable("design not requested")))


def spec(config, cid):
    return spec_by_id(claim_specs(config), cid)


def leadlag(effect=0.05, p=0.01, lo=0.01, hi=0.09, sd=0.06):
    return NS(c3_primary=ht(effect, p, lo, hi), c3_cause_sd=sd, c3_implied_effect=0.8 * sd,
              c3_conditional_family=(), c5_family=(), c6_family=(), granger=())


def var_ok(sig=True):
    irf = ht(effect=0.03, lo=0.01 if sig else -0.01, hi=0.05)
    return NS(c3_primary=(irf,))


# --------------------------------------------------------------------------- the minimum effect


def test_minimum_scales_with_the_horizon_from_one_key(config):
    assert minimum_effect("return_x_horizon", 3, config) == pytest.approx(0.06)
    assert minimum_effect("return_x_horizon", 1, config) == pytest.approx(0.02)
    assert minimum_effect("return_per_sd", None, config, per_sd=0.5) == pytest.approx(0.04)
    assert minimum_effect("volatility_change", None, config) == pytest.approx(0.10)
    assert minimum_effect("none", 3, config) is None
    with pytest.raises(ValueError, match="minimum must be one of"):
        minimum_effect("pp", 3, config)
    with pytest.raises(ValueError, match="needs a horizon of at least 1 month"):
        minimum_effect("return_x_horizon", None, config)


def test_c3_and_c4_share_the_scaled_minimum(config):
    s3, s4 = spec(config, "C3"), spec(config, "C4")
    lag, h = config.analysis.granger_primary_lag, config.events.primary_horizon_months
    assert s3.primary.horizon_months == lag and s4.primary.horizon_months == h
    e3 = primary_evidence(s3, {"leadlag": leadlag()}, config)
    assert e3.min_effect == pytest.approx(config.rules.min_effect_monthly_return * lag)


# --------------------------------------------------------------------------- C3


def test_c3_scales_by_one_sd_and_reads_the_raw_primary_p(config):
    results = {"leadlag": leadlag(effect=2.0, p=0.01, lo=1.5, hi=2.5, sd=0.05), "var": var_ok(),
               "selfcheck": selfcheck(granger=design("C3", 0.06, power=0.9, size=0.052))}
    v = decide_claim(spec(config, "C3"), results, config)
    ev = v.evidence
    assert (ev.effect, ev.ci_low, ev.ci_high) == pytest.approx((0.10, 0.075, 0.125))
    assert ev.pvalue == 0.01 and ev.power == 0.9 and ev.size == 0.052
    assert ev.implied_effect == pytest.approx(0.04) and ev.source == "results.leadlag.c3_primary"
    assert (v.verdict, v.reason) == (Verdict.SUPPORTED, R.SIGNIFICANT)


def test_c3_needs_the_var_to_agree(config):
    results = {"leadlag": leadlag(effect=2.0, lo=1.5, hi=2.5, sd=0.05), "var": var_ok(sig=False),
               "selfcheck": selfcheck(granger=design("C3", 0.06))}
    assert decide_claim(spec(config, "C3"), results, config).verdict == Verdict.PARTLY


def test_c3_interval_that_excludes_the_minimum_is_not_supported(config):
    # +0.5% [-2%, +4%] over 3 months: effects above 4% are ruled out; 6% is the minimum
    results = {"leadlag": leadlag(effect=0.1, p=0.7, lo=-0.4, hi=0.8, sd=0.05), "var": var_ok(False)}
    v = decide_claim(spec(config, "C3"), results, config)
    assert (v.verdict, v.reason) == (Verdict.NOT_SUPPORTED, R.RULED_OUT)
    assert v.evidence.ruled_out == pytest.approx(0.04)
    assert v.evidence.power is None and v.evidence.power_note == "the self-check did not run"


@pytest.mark.parametrize(
    "sc, note",
    [
        (None, "the self-check did not run"),
        (NotTestable("no BTC"), "the self-check could not run: no BTC"),
        (selfcheck(), "the self-check design 'granger' could not run: design not requested"),
        (selfcheck(granger=design("C4", 0.06)), "the self-check design 'granger' is registered for C4, not C3"),
        (selfcheck(granger=design("C3", 0.02)), "planted a minimum of 0.02, not the claim's 0.06"),
    ],
)
def test_power_unknown_says_why(config, sc, note):
    results = {"leadlag": leadlag(effect=0.1, p=0.7, lo=-2.0, hi=2.0, sd=0.05), "var": var_ok(False)}
    if sc is not None:
        results["selfcheck"] = sc
    v = decide_claim(spec(config, "C3"), results, config)
    assert (v.verdict, v.reason) == (Verdict.INSUFFICIENT, R.POWER_UNKNOWN)
    assert v.evidence.power is None and note in v.evidence.power_note


def test_size_outside_the_band_gives_insufficient_evidence(config):
    results = {"leadlag": leadlag(effect=2.0, lo=1.5, hi=2.5, sd=0.05), "var": var_ok(),
               "selfcheck": selfcheck(granger=design("C3", 0.06, size=0.11))}
    assert decide_claim(spec(config, "C3"), results, config).reason == R.SIZE_FAILED


# --------------------------------------------------------------------------- C4, C7, C8


def c4(**kw):
    base = dict(asset="BTC", horizon_months=3, definition="d", excess_car=0.10, excess_ci_low=0.07,
                excess_ci_high=0.2, pvalue=0.01, n_events=8, implied_effect=0.05)
    base.update(kw)
    return NS(c4_primary=NS(**base), c4_best=NotTestable("n/a"))


@pytest.mark.parametrize(
    "kw, expected",
    [
        ({}, Verdict.SUPPORTED),
        ({"excess_car": 0.03, "excess_ci_low": 0.01}, Verdict.PARTLY),
        ({"pvalue": 0.5, "excess_ci_low": -0.1}, Verdict.NOT_SUPPORTED),  # power 0.9 in the design
        ({"excess_car": -0.2, "excess_ci_low": -0.3, "excess_ci_high": 0.02, "pvalue": 0.9}, Verdict.NOT_SUPPORTED),
        ({"n_events": 3}, Verdict.INSUFFICIENT),
    ],
)
def test_c4(config, kw, expected):
    results = {"events": c4(**kw), "selfcheck": selfcheck(placebo=design("C4", 0.06))}
    assert decide_claim(spec(config, "C4"), results, config).verdict == expected


def test_c7_minimum_is_two_pp_per_sd_of_the_spread(config):
    cb = NS(difference=ht(effect=-0.05, p=0.01, lo=-0.07, hi=-0.03), spread_change_sd=0.5)
    results = {"credit_beta": cb, "selfcheck": selfcheck(credit_beta=design("C7", -0.04, size=0.05))}
    v = decide_claim(spec(config, "C7"), results, config)
    assert v.evidence.min_effect == pytest.approx(0.04) and v.evidence.power == 0.9
    assert (v.verdict, v.reason) == (Verdict.SUPPORTED, R.SIGNIFICANT)
    small = NS(difference=ht(effect=-0.02, p=0.01, lo=-0.03, hi=-0.01), spread_change_sd=0.5)
    v = decide_claim(spec(config, "C7"), {"credit_beta": small}, config)
    assert (v.verdict, v.reason) == (Verdict.PARTLY, R.SIGNIFICANT_SMALL)


def regimes(effect, p, in_ci):
    brk = NS(label="log RV(BTC) − log RV(RUT)", break_month=D, ci_low=D, ci_high=D, distance_months=-17,
             reference_in_ci=in_ci)
    return NS(c8_primary=ht(effect=effect, p=p, lo=effect - 0.05, hi=effect + 0.05), c8_break=brk, vol_by_regime=())


def test_c8_attribution_by_the_break_interval(config):
    sc = selfcheck(vol_shift=design("C8", -0.10))
    v = decide_claim(spec(config, "C8"), {"regimes": regimes(-0.3, 0.001, True), "selfcheck": sc}, config)
    assert (v.verdict, v.reason) == (Verdict.SUPPORTED, R.SIGNIFICANT)
    v = decide_claim(spec(config, "C8"), {"regimes": regimes(-0.3, 0.001, False), "selfcheck": sc}, config)
    assert (v.verdict, v.reason) == (Verdict.PARTLY, R.CAPPED)
    v = decide_claim(spec(config, "C8"), {"regimes": regimes(0.3, 0.001, True), "selfcheck": sc}, config)
    assert v.verdict == Verdict.CONTRADICTED


# --------------------------------------------------------------------------- C1, C2, C9, C10


def test_c1_labels_the_ytd_change_a_simple_return(config):
    f = NS(check_threshold=True, check_ath=True, check_ytd=False, iwm=NS(heavy=True), ytd_change=0.0492)
    v = decide_claim(spec(config, "C1"), {"events": NS(c1=f)}, config)
    assert v.verdict == Verdict.PARTLY and v.evidence.effect_unit == "simple return"


def test_c2_is_described_not_tested(config):
    pair = NS(reading="index", asset="BTC", horizon_months=3, n=2, mean_ret=0.7, pvalue=0.02, percentile=0.98)
    v = decide_claim(spec(config, "C2"), {"events": NS(episode_pairs=(pair,))}, config)
    assert (v.verdict, v.reason) == (Verdict.INSUFFICIENT, R.POST_HOC)
    assert v.evidence.pvalue is None  # a p-value of hand-picked cases is not presented


def test_c9_is_unfalsifiable_even_without_data(config):
    v = decide_claim(spec(config, "C9"), {}, config)
    assert (v.verdict, v.reason) == (Verdict.NOT_TESTABLE, R.UNFALSIFIABLE)


def test_c10_one_miss_refutes_a_universal_claim(config):
    h = NS(definition="d", asset="BTC", horizon_months=3, rate=0.8, ci_low=0.4, ci_high=0.96, pvalue=0.2, n=5, hits=4)
    v = decide_claim(spec(config, "C10"), {"events": NS(c10_primary=h)}, config)
    assert (v.verdict, v.reason) == (Verdict.NOT_SUPPORTED, R.COUNTEREXAMPLE)


def test_missing_families_make_claims_not_testable(config):
    results = {name: NotTestable(f"missing series X for {name}", ("X",)) for name in families_to_run(claim_specs(config))}
    verdicts = {v.claim.id: v for v in decide_all(results, config)}
    assert all(v.verdict == Verdict.NOT_TESTABLE for v in verdicts.values())
    assert "missing series X for leadlag" in verdicts["C3"].notes[0]


# --------------------------------------------------------------------------- one spec per claim


def test_every_claim_is_specified_once(config):
    specs = claim_specs(config)
    assert [s.id for s in specs] == [f"C{i}" for i in range(1, 11)]
    assert {s.id for s in specs if s.core} == {"C3", "C4"}
    assert {s.id: s.primary.design for s in specs if s.primary is not None and s.rule == "test"} == {
        "C3": "granger", "C4": "placebo", "C7": "credit_beta", "C8": "vol_shift"}
    assert families_to_run(specs) == ("events", "leadlag", "var", "credit_beta", "regimes", "selfcheck")


def test_adding_a_claim_is_adding_one_spec(config):
    """A new claim on an existing method: one ClaimSpec, nothing else changes."""
    new = ClaimSpec(
        "X1", "Large caps react to credit", "The S&P 500 falls when spreads widen.", "Slope of S&P 500 returns on spread changes.",
        rule="test", families=("credit_beta",),
        primary=PrimaryTest(family="credit_beta", result="gspc_beta", function="reportgen.analysis.credit_beta.ols_hac",
                            method="HAC slope", roles=("large_caps", "credit_spread"), frequency="monthly",
                            horizon_months=1, effect_label="β(S&P 500) per pp", effect_unit="beta", expected_sign=-1,
                            minimum="return_per_sd", design=None, per_sd_result="spread_change_sd"),
    )
    cb = NS(gspc_beta=ht(effect=-0.08, p=0.001, lo=-0.1, hi=-0.06), spread_change_sd=0.5)
    (v,) = decide_all({"credit_beta": cb}, config, specs=(new,))
    assert v.claim.id == "X1" and v.evidence.min_effect == pytest.approx(0.04)
    assert (v.verdict, v.reason) == (Verdict.PARTLY, R.SIGNIFICANT_UNCHECKED)  # no design: at most partly

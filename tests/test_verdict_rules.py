"""Per-claim rules on crafted result objects: the evidence each claim reads, and its edge cases."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace as NS

import pytest

from reportgen import verdict_rules as vr
from reportgen.analysis.common import HypothesisTest, NotTestable
from reportgen.verdict import CLAIMS, Verdict, decide_all

D = dt.date(2020, 1, 1)


def claim(cid):
    return next(c for c in CLAIMS if c.id == cid)


def ht(effect=0.05, p=0.01, holm=None, lo=0.01, hi=0.09, n=100, name="t"):
    return HypothesisTest(name=name, null="none", alternative="some", stat=2.0, pvalue=p, df=(1.0,), nobs=n,
                          sample_start=D, sample_end=D, method="m", pvalue_holm=holm if holm is not None else p,
                          effect=effect, ci_low=lo, ci_high=hi)


def c1_facts(**kw):
    base = dict(check_threshold=True, check_ath=True, check_ytd=True, iwm=NS(heavy=True))
    base.update(kw)
    return NS(c1=NS(**base, ytd_change=0.15))


@pytest.mark.parametrize(
    "kw, expected",
    [
        ({}, Verdict.SUPPORTED),
        ({"check_ytd": False}, Verdict.PARTLY),
        ({"iwm": NS(heavy=False)}, Verdict.PARTLY),
        ({"iwm": NotTestable("no IWM")}, Verdict.SUPPORTED),  # volume unknown is not held against it
        ({"check_ath": False}, Verdict.NOT_SUPPORTED),
    ],
)
def test_c1_fact_check(config, kw, expected):
    v = vr.c1(claim("C1"), {"events": c1_facts(**kw)}, None, config)
    assert v.verdict == expected


def hit(hits, n, p=0.01):
    return NS(c10_primary=NS(definition="d", asset="BTC", horizon_months=3, rate=hits / n, ci_low=0.1,
                             ci_high=0.9, pvalue=p, n=n, hits=hits))


def test_c10_one_miss_refutes_a_universal_claim(config):
    v = vr.c10(claim("C10"), {"events": hit(4, 5)}, None, config)
    assert (v.verdict, v.reason) == (Verdict.NOT_SUPPORTED, "counterexample")
    assert v.evidence.k == 4 and v.evidence.n == 5


def test_c10_all_hits_still_needs_the_statistics(config):
    assert vr.c10(claim("C10"), {"events": hit(6, 6, p=0.01)}, None, config).verdict == Verdict.SUPPORTED
    assert vr.c10(claim("C10"), {"events": hit(3, 3, p=0.01)}, None, config).verdict == Verdict.INSUFFICIENT  # < min_events


def c4_summary(**kw):
    base = dict(asset="BTC", horizon_months=3, definition="d", excess_car=0.10, excess_ci_low=0.02,
                excess_ci_high=0.2, pvalue_romano_wolf=0.01, pvalue_lower=0.99, power_at_min_effect=0.9,
                n_events=8, min_effect=0.06, family_size=6)
    base.update(kw)
    return NS(c4_primary=NS(**base), c4_best=NotTestable("n/a"))


@pytest.mark.parametrize(
    "kw, expected",
    [
        ({}, Verdict.SUPPORTED),
        ({"excess_car": 0.03}, Verdict.PARTLY),
        ({"pvalue_romano_wolf": 0.5, "power_at_min_effect": 0.9}, Verdict.NOT_SUPPORTED),
        ({"pvalue_romano_wolf": 0.5, "power_at_min_effect": 0.2}, Verdict.INSUFFICIENT),
        ({"excess_car": -0.2, "pvalue_romano_wolf": 0.99, "pvalue_lower": 0.001}, Verdict.CONTRADICTED),
        ({"n_events": 3}, Verdict.INSUFFICIENT),
    ],
)
def test_c4(config, kw, expected):
    assert vr.c4(claim("C4"), {"events": c4_summary(**kw)}, None, config).verdict == expected


def test_c4_uses_selfcheck_power_when_available(config):
    sc = NS(design=lambda name: NS(power_at_min_effect_adjusted=0.3))
    v = vr.c4(claim("C4"), {"events": c4_summary(pvalue_romano_wolf=0.5), "selfcheck": sc}, None, config)
    assert v.evidence.power == 0.3 and v.verdict == Verdict.INSUFFICIENT


def regimes(effect, p, confounded=True):
    return NS(c8_primary=ht(effect=effect, p=p, lo=effect - 0.1, hi=effect + 0.1), confounded=confounded,
              c8_primary_integrated=False, vol_by_regime=(), break_primary=NotTestable("n/a"))


def test_c8_is_capped_at_partly(config):
    v = vr.c8(claim("C8"), {"regimes": regimes(0.6, 0.001)}, None, config)  # vol ratio 0.6: calmer, significant
    assert (v.verdict, v.reason) == (Verdict.PARTLY, "capped")
    assert v.evidence.effect == pytest.approx(-0.4)
    assert vr.c8(claim("C8"), {"regimes": regimes(0.6, 0.001, confounded=False)}, None, config).verdict == Verdict.SUPPORTED
    assert vr.c8(claim("C8"), {"regimes": regimes(1.4, 0.001)}, None, config).verdict == Verdict.CONTRADICTED


def test_chain_claims(config):
    ll = NS(c5_primary=ht(p=0.01), c5_family=(ht(p=0.01, name="granger_A_B_m_l3"),))
    var_ordered = NS(c5=NS(order_strict=True, responders=("A",), peak_horizon=(1,), prob_strict_order=0.9))
    var_unordered = NS(c5=NS(order_strict=False, responders=("A", "B"), peak_horizon=(0, 0), prob_strict_order=0.0))
    assert vr.c5(claim("C5"), {"leadlag": ll, "var": var_ordered}, None, config).verdict == Verdict.SUPPORTED
    assert vr.c5(claim("C5"), {"leadlag": ll, "var": var_unordered}, None, config).verdict == Verdict.PARTLY
    ll_null = NS(c5_primary=ht(p=0.6), c5_family=(ht(p=0.6),))
    assert vr.c5(claim("C5"), {"leadlag": ll_null, "var": var_ordered}, None, config).verdict == Verdict.INSUFFICIENT


def test_missing_family_makes_claims_not_testable(config):
    results = {name: NotTestable(f"missing series X for {name}", ("X",)) for name in
               ("leadlag", "var", "credit_beta", "events", "regimes", "selfcheck")}
    verdicts = decide_all(results, None, config)
    assert {v.claim.id: v.verdict for v in verdicts}["C3"] == Verdict.NOT_TESTABLE
    assert all(v.verdict == Verdict.NOT_TESTABLE for v in verdicts)
    assert "missing series X" in verdicts[2].notes[0]

"""Verdict rules on crafted evidence: every category reachable, borderline cases, the overall verdict."""

from __future__ import annotations

import pytest

from reportgen.config import RulesConfig
from reportgen.verdict import (
    CAPPED,
    CLAIMS,
    MISSING,
    NULL_POWERED,
    NULL_UNDERPOWERED,
    OPPOSITE,
    SIGNIFICANT,
    SIGNIFICANT_SMALL,
    TOO_FEW,
    ClaimVerdict,
    Evidence,
    Verdict,
    decide,
    overall_verdict,
)

RULES = RulesConfig(alpha=0.05, min_effect_monthly_return=0.02, min_power=0.8, min_events=5)


def ev(effect=0.05, p=0.01, power=0.9, n=20, sign=1, min_effect=0.02, ci=(0.01, 0.09)):
    return Evidence(label="x", effect=effect, ci_low=ci[0], ci_high=ci[1], pvalue_adj=p, power=power, n=n,
                    expected_sign=sign, min_effect=min_effect)


@pytest.mark.parametrize(
    "evidence, kwargs, verdict, reason",
    [
        (ev(), {}, Verdict.SUPPORTED, SIGNIFICANT),
        (ev(effect=0.01), {}, Verdict.PARTLY, SIGNIFICANT_SMALL),
        (ev(effect=-0.05), {}, Verdict.CONTRADICTED, OPPOSITE),
        (ev(effect=-0.05, sign=-1), {}, Verdict.SUPPORTED, SIGNIFICANT),
        (ev(p=0.30, power=0.85), {}, Verdict.NOT_SUPPORTED, NULL_POWERED),
        (ev(p=0.30, power=0.40), {}, Verdict.INSUFFICIENT, NULL_UNDERPOWERED),
        (ev(p=0.30, power=None), {}, Verdict.INSUFFICIENT, NULL_UNDERPOWERED),
        (ev(n=4), {"events_based": True}, Verdict.INSUFFICIENT, TOO_FEW),
        (ev(n=4), {}, Verdict.SUPPORTED, SIGNIFICANT),  # n only matters for event studies
        (ev(), {"cap": Verdict.PARTLY}, Verdict.PARTLY, CAPPED),
        (ev(p=0.30, power=0.9), {"cap": Verdict.PARTLY}, Verdict.NOT_SUPPORTED, NULL_POWERED),
        (None, {}, Verdict.NOT_TESTABLE, MISSING),
        (ev(p=None), {}, Verdict.NOT_TESTABLE, MISSING),
        (ev(p=float("nan")), {}, Verdict.NOT_TESTABLE, MISSING),
    ],
)
def test_decide_reaches_every_category(evidence, kwargs, verdict, reason):
    assert decide(evidence, RULES, **kwargs) == (verdict, reason)


def test_borderlines():
    # p exactly at alpha is not significant (strict <); power exactly at the floor counts as powered
    assert decide(ev(p=0.05, power=0.8), RULES) == (Verdict.NOT_SUPPORTED, NULL_POWERED)
    assert decide(ev(p=0.0499), RULES)[0] == Verdict.SUPPORTED
    # effect exactly at the economic minimum is big enough
    assert decide(ev(effect=0.02), RULES)[0] == Verdict.SUPPORTED
    # exactly min_events events is enough
    assert decide(ev(n=5), RULES, events_based=True)[0] == Verdict.SUPPORTED
    # zero effect with significance is not 'right sign'
    assert decide(ev(effect=0.0), RULES)[0] == Verdict.CONTRADICTED


def _cv(cid, verdict):
    claim = next(c for c in CLAIMS if c.id == cid)
    return ClaimVerdict(claim, verdict, "", None)


@pytest.mark.parametrize(
    "c3, c4, expected",
    [
        (Verdict.SUPPORTED, Verdict.SUPPORTED, Verdict.SUPPORTED),
        (Verdict.SUPPORTED, Verdict.NOT_SUPPORTED, Verdict.PARTLY),
        (Verdict.NOT_SUPPORTED, Verdict.NOT_SUPPORTED, Verdict.NOT_SUPPORTED),
        (Verdict.NOT_SUPPORTED, Verdict.INSUFFICIENT, Verdict.NOT_SUPPORTED),
        (Verdict.INSUFFICIENT, Verdict.INSUFFICIENT, Verdict.INSUFFICIENT),
        (Verdict.CONTRADICTED, Verdict.SUPPORTED, Verdict.CONTRADICTED),
        (Verdict.NOT_TESTABLE, Verdict.NOT_TESTABLE, Verdict.NOT_TESTABLE),
    ],
)
def test_overall_verdict(c3, c4, expected):
    verdicts = (_cv("C1", Verdict.SUPPORTED), _cv("C3", c3), _cv("C4", c4))
    assert overall_verdict(verdicts).verdict == expected


def test_registry_covers_every_claim_in_claims_md():
    assert [c.id for c in CLAIMS] == [f"C{i}" for i in range(1, 11)]

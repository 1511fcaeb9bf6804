"""The decision rule on crafted evidence: every category and reason reachable, borderlines,
the equivalence rule, the size gate, and the overall verdict."""

from __future__ import annotations

import pytest

from reportgen.verdict import Evidence, Verdict, decide, overall_verdict
from reportgen.verdict import rules as R
from reportgen.verdict.claims import ClaimVerdict
from reportgen.verdict.rules import excludes_minimum, ruled_out_bound, size_ok

RULES = dict(alpha=0.05, min_power=0.8, min_events=5)


def ev(effect=0.08, p=0.01, power=0.9, n=20, sign=1, min_effect=0.06, ci=(0.01, 0.15), size=0.05, unit="log return"):
    return Evidence(label="x", effect=effect, ci_low=ci[0], ci_high=ci[1], pvalue=p, power=power, n=n,
                    expected_sign=sign, min_effect=min_effect, size=size, effect_unit=unit)


@pytest.mark.parametrize(
    "evidence, kwargs, verdict, reason",
    [
        (ev(), {}, Verdict.SUPPORTED, R.SIGNIFICANT),
        (ev(effect=0.03), {}, Verdict.PARTLY, R.SIGNIFICANT_SMALL),
        (ev(size=None), {}, Verdict.PARTLY, R.SIGNIFICANT_UNCHECKED),
        (ev(effect=-0.08, ci=(-0.15, -0.01)), {}, Verdict.CONTRADICTED, R.OPPOSITE),
        (ev(effect=-0.08, sign=-1, ci=(-0.15, -0.01)), {}, Verdict.SUPPORTED, R.SIGNIFICANT),
        # not significant, interval admits the minimum: power decides
        (ev(p=0.30, power=0.85, ci=(-0.05, 0.10)), {}, Verdict.NOT_SUPPORTED, R.NULL_POWERED),
        (ev(p=0.30, power=0.40, ci=(-0.05, 0.10)), {}, Verdict.INSUFFICIENT, R.NULL_UNDERPOWERED),
        (ev(p=0.30, power=None, ci=(-0.05, 0.10)), {}, Verdict.INSUFFICIENT, R.POWER_UNKNOWN),
        # not significant and the interval excludes the minimum: not supported whatever the power
        (ev(effect=0.01, p=0.30, power=0.10, ci=(-0.03, 0.05)), {}, Verdict.NOT_SUPPORTED, R.RULED_OUT),
        (ev(effect=0.01, p=0.30, power=None, ci=(-0.03, 0.05)), {}, Verdict.NOT_SUPPORTED, R.RULED_OUT),
        (ev(size=0.11), {}, Verdict.INSUFFICIENT, R.SIZE_FAILED),
        (ev(size=0.02), {}, Verdict.INSUFFICIENT, R.SIZE_FAILED),
        (ev(n=4), {"events_based": True}, Verdict.INSUFFICIENT, R.TOO_FEW),
        (ev(n=4), {}, Verdict.SUPPORTED, R.SIGNIFICANT),  # n only matters for event studies
        (ev(), {"cap": Verdict.PARTLY}, Verdict.PARTLY, R.CAPPED),
        (ev(p=0.30, power=0.9, ci=(-0.05, 0.10)), {"cap": Verdict.PARTLY}, Verdict.NOT_SUPPORTED, R.NULL_POWERED),
        (None, {}, Verdict.NOT_TESTABLE, R.MISSING),
        (ev(p=None), {}, Verdict.NOT_TESTABLE, R.MISSING),
        (ev(p=float("nan")), {}, Verdict.NOT_TESTABLE, R.MISSING),
        (ev(effect=None), {}, Verdict.NOT_TESTABLE, R.MISSING),
        # a chain test has no effect in one unit: significance alone, size unchecked
        (ev(effect=None, unit="none", min_effect=None, ci=(None, None), size=None), {}, Verdict.PARTLY, R.SIGNIFICANT_UNCHECKED),
    ],
)
def test_decide_reaches_every_category(evidence, kwargs, verdict, reason):
    assert decide(evidence, **RULES, **kwargs) == (verdict, reason)


def test_borderlines():
    # p exactly at alpha is not significant (strict <); power exactly at the floor counts as powered
    assert decide(ev(p=0.05, power=0.8, ci=(-0.05, 0.10)), **RULES) == (Verdict.NOT_SUPPORTED, R.NULL_POWERED)
    assert decide(ev(p=0.0499), **RULES)[0] == Verdict.SUPPORTED
    # effect exactly at the minimum is big enough
    assert decide(ev(effect=0.06), **RULES)[0] == Verdict.SUPPORTED
    # an interval bound exactly at the minimum does not exclude it
    assert not excludes_minimum(ev(ci=(-0.1, 0.06)))
    assert excludes_minimum(ev(ci=(-0.1, 0.0599)))
    # size band: 3%..7% at 5%, inclusive
    assert size_ok(0.03, 0.05) and size_ok(0.07, 0.05) and not size_ok(0.0701, 0.05) and size_ok(None, 0.05) is None


def test_ruled_out_bound_follows_the_claimed_direction():
    assert ruled_out_bound(ev(ci=(-0.02, 0.074))) == 0.074  # claim: positive effect; above 7.4% ruled out
    neg = ev(sign=-1, ci=(-0.03, 0.02))
    assert ruled_out_bound(neg) == -0.03  # claim: negative; below -3% ruled out
    assert excludes_minimum(neg)  # |-3%| < 6%
    assert ruled_out_bound(ev(ci=(None, None))) is None


class _Spec:
    def __init__(self, cid, core):
        self.id, self.core = cid, core


def verdicts(**by_id):
    return tuple(ClaimVerdict(_Spec(cid, cid in ("C3", "C4")), v, "", None) for cid, v in by_id.items())


@pytest.mark.parametrize(
    "c3, c4, expected",
    [
        (Verdict.SUPPORTED, Verdict.SUPPORTED, Verdict.SUPPORTED),
        (Verdict.SUPPORTED, Verdict.INSUFFICIENT, Verdict.PARTLY),
        (Verdict.CONTRADICTED, Verdict.SUPPORTED, Verdict.CONTRADICTED),
        (Verdict.NOT_SUPPORTED, Verdict.INSUFFICIENT, Verdict.NOT_SUPPORTED),
        (Verdict.INSUFFICIENT, Verdict.INSUFFICIENT, Verdict.INSUFFICIENT),
        (Verdict.NOT_TESTABLE, Verdict.NOT_TESTABLE, Verdict.NOT_TESTABLE),
    ],
)
def test_overall(c3, c4, expected):
    o = overall_verdict(verdicts(C3=c3, C4=c4, C7=Verdict.SUPPORTED))
    assert o.verdict == expected and o.core_claims == ("C3", "C4")

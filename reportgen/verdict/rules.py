"""The decision rule: one documented rule for every test-based claim, no formatting.

:func:`decide` maps an :class:`Evidence` record to a verdict and a reason code. The reason
codes are the only thing templates turn into words (``templates/partials/evidence.html``);
every number that sentence prints is a field of :class:`Evidence`, and every field traces to a
result object (``Evidence.source``) in ``results.json``.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

__all__ = ["Evidence", "Step", "Verdict", "decide", "decide_trace", "REASONS", "ruled_out_bound", "excludes_minimum"]


class Verdict(str, enum.Enum):
    SUPPORTED = "supported"
    PARTLY = "partly supported"
    NOT_SUPPORTED = "not supported"
    CONTRADICTED = "contradicted"
    INSUFFICIENT = "insufficient evidence"
    NOT_TESTABLE = "not testable"


# reason codes (the template has one sentence per code)
SIGNIFICANT = "significant"  # p < alpha, claimed sign, effect >= minimum
SIGNIFICANT_SMALL = "significant_small"  # p < alpha, claimed sign, effect below the minimum
SIGNIFICANT_UNCHECKED = "significant_unchecked"  # p < alpha, but the test's size was not checked
OPPOSITE = "opposite"  # p < alpha, opposite sign
RULED_OUT = "ruled_out"  # not significant and the interval excludes the minimum effect (equivalence)
NULL_POWERED = "null_powered"  # not significant, power at the minimum >= floor
NULL_UNDERPOWERED = "null_underpowered"  # not significant, power known and below the floor
POWER_UNKNOWN = "power_unknown"  # not significant, no power computed (``power_note`` says why)
SIZE_FAILED = "size_failed"  # the self-check found the test's size outside the accepted band
TOO_FEW = "too_few"  # fewer events than rules.min_events
MISSING = "missing"  # data absent or analysis failed
UNFALSIFIABLE = "unfalsifiable"
POST_HOC = "post_hoc"  # cases chosen after the fact: described, not tested
FACT_TRUE = "fact_true"
FACT_PARTLY = "fact_partly"
FACT_FALSE = "fact_false"
COUNTEREXAMPLE = "counterexample"  # a universal claim fails on observed cases
CAPPED = "capped"  # the design cannot identify the cause: at most 'partly supported'
MIXED = "mixed"  # the claim's parts disagree

REASONS = (SIGNIFICANT, SIGNIFICANT_SMALL, SIGNIFICANT_UNCHECKED, OPPOSITE, RULED_OUT, NULL_POWERED,
           NULL_UNDERPOWERED, POWER_UNKNOWN, SIZE_FAILED, TOO_FEW, MISSING, UNFALSIFIABLE, POST_HOC,
           FACT_TRUE, FACT_PARTLY, FACT_FALSE, COUNTEREXAMPLE, CAPPED, MIXED)

SIZE_BAND = (0.6, 1.4)  # accepted size, as multiples of alpha: 3%-7% at alpha = 5%


@dataclass(frozen=True, slots=True)
class Evidence:
    """The primary evidence for one claim, in the claim's effect unit.

    Attributes
    ----------
    label : what was measured, in words (from the claim specification)
    effect, ci_low, ci_high : estimate and its 95% interval (``None`` where none exists)
    pvalue : p-value of the pre-declared primary test, judged alone at ``alpha``
    n, n_unit : sample size and what it counts ("months", "events", "trading days")
    expected_sign : +1 / -1, the sign the claim predicts
    min_effect : the economic minimum (a positive magnitude) in the effect unit
    effect_unit : "log return" | "simple return" | "change" | "share" | "beta" | "none"
    horizon_months : the horizon the effect is measured over
    implied_effect, implied_label : the effect the articles' thesis implies, where one follows
    power : power of the primary test at ``min_effect`` at level alpha (self-check)
    power_note : why power is unknown, when ``power`` is ``None``
    size, size_ci : the self-check's rejection rate of the primary test under its null
    design : name of the self-check design behind ``power`` and ``size``
    method : the primary test in words
    source : path of the result in results.json
    k : successes, where ``effect`` is a rate
    """

    label: str
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    pvalue: float | None
    n: int | None
    expected_sign: int = 1
    min_effect: float | None = None
    effect_unit: str = "log return"
    n_unit: str = "months"
    horizon_months: int | None = None
    implied_effect: float | None = None
    implied_label: str = ""
    power: float | None = None
    power_note: str = ""
    size: float | None = None
    size_ci: tuple[float, float] | None = None
    design: str = ""
    method: str = ""
    source: str = ""
    k: int | None = None

    @property
    def ruled_out(self) -> float | None:
        """The interval bound beyond which effects in the claimed direction are ruled out."""
        return ruled_out_bound(self)

    @property
    def excludes_minimum(self) -> bool:
        return excludes_minimum(self)


def ruled_out_bound(ev: Evidence) -> float | None:
    """Effects beyond this bound, in the claimed direction, lie outside the 95% interval."""
    if ev.ci_low is None or ev.ci_high is None:
        return None
    return ev.ci_high if ev.expected_sign > 0 else ev.ci_low


def excludes_minimum(ev: Evidence) -> bool:
    """The 95% interval excludes every effect at least as large as the minimum in the claimed
    direction: an equivalence (two one-sided tests) decision at the 2.5% level."""
    bound = ruled_out_bound(ev)
    if bound is None or ev.min_effect is None:
        return False
    return ev.expected_sign * bound < ev.min_effect


def size_ok(size: float | None, alpha: float) -> bool | None:
    """Size within the accepted band (3%-7% at 5%); ``None`` when it was not checked."""
    if size is None:
        return None
    lo, hi = SIZE_BAND
    return lo * alpha - 1e-12 <= size <= hi * alpha + 1e-12


@dataclass(frozen=True, slots=True)
class Step:
    """One rule of :func:`decide` as applied to a piece of evidence: which rule, what it
    compared (numbers as plain values), and whether it decided."""

    rule: int
    question: str
    values: tuple
    answer: bool
    kinds: tuple[str, ...] = ()  # how to read each value: "p", "share", "effect", "count", "sign"


def decide(ev: Evidence | None, *, alpha: float, min_power: float, min_events: int,
           events_based: bool = False, cap: Verdict | None = None) -> tuple[Verdict, str]:
    """Apply the decision rule (the same for every test-based claim).

    Rules, in order (printed in the methodology section):

    1. No evidence or no p-value -> not testable.
    2. Event-based claims with fewer than ``min_events`` events -> insufficient evidence.
    3. The self-check measured the test's size outside 3-7% (at 5%) -> insufficient evidence:
       its p-value cannot be trusted on this sample.
    4. p < alpha with the claimed sign: supported if the effect is at least the minimum,
       else partly supported; a test whose size was not checked can give at most partly
       supported.
    5. p < alpha with the opposite sign -> contradicted.
    6. Not significant: not supported if the 95% interval excludes the minimum effect
       (equivalence) or if the power at the minimum is at least ``min_power``; otherwise
       insufficient evidence (power known and low, or power unknown).
    7. A cap (the design cannot identify the cause) lowers 'supported' to the cap.
    """
    verdict, reason, _ = decide_trace(ev, alpha=alpha, min_power=min_power, min_events=min_events,
                                      events_based=events_based, cap=cap)
    return verdict, reason


def decide_trace(ev: Evidence | None, *, alpha: float, min_power: float, min_events: int,
                 events_based: bool = False, cap: Verdict | None = None) -> tuple[Verdict, str, tuple[Step, ...]]:
    """:func:`decide` with the path it took (``reportgen explain`` prints it)."""
    steps: list[Step] = []

    def ask(rule: int, question: str, values: tuple, answer: bool, kinds: tuple[str, ...] = ()) -> bool:
        steps.append(Step(rule, question, values, bool(answer), kinds))
        return bool(answer)

    def done(verdict: Verdict, reason: str):
        return verdict, reason, tuple(steps)

    if ask(1, "evidence or p-value missing", (None if ev is None else ev.pvalue,),
           ev is None or ev.pvalue is None or math.isnan(ev.pvalue) or (ev.effect is None and ev.effect_unit != "none"),
           ("p",)):
        return done(Verdict.NOT_TESTABLE, MISSING)
    if events_based and ask(2, "fewer events than the minimum", (ev.n, min_events), (ev.n or 0) < min_events, ("count", "count")):
        return done(Verdict.INSUFFICIENT, TOO_FEW)
    lo, hi = SIZE_BAND
    if ask(3, "self-check size outside the band", (ev.size, lo * alpha, hi * alpha), size_ok(ev.size, alpha) is False,
           ("share", "share", "share")):
        return done(Verdict.INSUFFICIENT, SIZE_FAILED)
    significant = ask(4, "p below alpha", (ev.pvalue, alpha), ev.pvalue < alpha, ("p", "p"))
    right_sign = ev.effect is None or ev.effect * ev.expected_sign > 0
    if significant and ask(4, "effect in the claimed direction", (ev.effect, ev.expected_sign), right_sign, ("effect", "sign")):
        big = ask(4, "effect at least the minimum", (ev.effect, None if ev.min_effect is None else ev.expected_sign * ev.min_effect),
                  ev.min_effect is None or ev.effect is None or abs(ev.effect) >= ev.min_effect, ("effect", "effect"))
        if not big:
            verdict, reason = Verdict.PARTLY, SIGNIFICANT_SMALL
        elif ask(4, "size checked by the self-check", (ev.size,), ev.size is not None, ("share",)):
            verdict, reason = Verdict.SUPPORTED, SIGNIFICANT
        else:
            verdict, reason = Verdict.PARTLY, SIGNIFICANT_UNCHECKED
    elif significant:
        verdict, reason = Verdict.CONTRADICTED, OPPOSITE
    elif ask(6, "95% interval excludes the minimum effect", (ruled_out_bound(ev), None if ev.min_effect is None else ev.expected_sign * ev.min_effect), excludes_minimum(ev),
             ("effect", "effect")):
        verdict, reason = Verdict.NOT_SUPPORTED, RULED_OUT
    elif ask(6, "power at the minimum at least the floor", (ev.power, min_power),
             ev.power is not None and ev.power >= min_power, ("share", "share")):
        verdict, reason = Verdict.NOT_SUPPORTED, NULL_POWERED
    elif ev.power is not None:
        verdict, reason = Verdict.INSUFFICIENT, NULL_UNDERPOWERED
    else:
        verdict, reason = Verdict.INSUFFICIENT, POWER_UNKNOWN
    if cap is not None and ask(7, "capped: the design cannot identify the cause", (cap.value,), verdict == Verdict.SUPPORTED):
        return done(cap, CAPPED)
    return done(verdict, reason)

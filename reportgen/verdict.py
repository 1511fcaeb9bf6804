"""Claim registry and decision rules -> one ClaimVerdict per claim.

The rules are data (``[rules]`` in config.toml, fixed before the data was seen) and are
printed in the methodology section. A verdict is decided from an :class:`Evidence` record —
the claim's primary effect with its confidence interval, multiplicity-adjusted p-value,
power and sample size — by :func:`decide`. Each claim has an extractor that picks its
primary evidence out of the analysis results; this module never formats numbers: the
template turns ``reason`` codes and numbers into sentences.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from reportgen.analysis.common import NotTestable
from reportgen.config import Config, RulesConfig
from reportgen.data.bundle import DataBundle


class Verdict(str, enum.Enum):
    SUPPORTED = "supported"
    PARTLY = "partly supported"
    NOT_SUPPORTED = "not supported"
    CONTRADICTED = "contradicted"
    INSUFFICIENT = "insufficient evidence"
    NOT_TESTABLE = "not testable"


# Reasons (the template has one sentence per reason).
SIGNIFICANT = "significant"  # adjusted p < alpha, right sign, effect >= minimum
SIGNIFICANT_SMALL = "significant_small"  # adjusted p < alpha, right sign, effect below the economic minimum
OPPOSITE = "opposite"  # adjusted p < alpha, opposite sign
NULL_POWERED = "null_powered"  # not significant, power >= floor
NULL_UNDERPOWERED = "null_underpowered"  # not significant, power below floor (or unknown)
TOO_FEW = "too_few"  # fewer events/observations than rules.min_events
MISSING = "missing"  # data absent or analysis failed
UNFALSIFIABLE = "unfalsifiable"  # the claim makes no testable prediction
FACT_TRUE = "fact_true"  # a fact check that holds
FACT_PARTLY = "fact_partly"  # a fact check that holds in part
FACT_FALSE = "fact_false"
COUNTEREXAMPLE = "counterexample"  # a universal claim ('each breakout') fails on observed cases
CAPPED = "capped"  # the design cannot support more than 'partly' (e.g. one break date)
MIXED = "mixed"  # the claim's parts disagree


@dataclass(frozen=True, slots=True)
class Evidence:
    """The primary evidence for one claim, in the units of ``effect_label``."""

    label: str  # what was measured, in words
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    pvalue_adj: float | None
    power: float | None  # power at the minimum effect that matters (None: not computed)
    n: int | None  # events or observations
    expected_sign: int = 1  # +1: the claim predicts a positive effect
    min_effect: float | None = None  # economic minimum in the units of effect
    effect_unit: str = "log return"  # log return | change | share (signed/unsigned %) | beta | p
    adjustment: str = "Holm"  # how pvalue_adj was adjusted; "none" for a single pre-declared test
    source: str = ""  # result path in results.json, e.g. "results.leadlag.c3_primary"
    k: int | None = None  # successes, where ``effect`` is a rate (hit rates)


@dataclass(frozen=True, slots=True)
class Note:
    """A caveat with numbers: ``kind`` selects the sentence in templates/partials/note.html,
    which formats ``values`` through the number filters. Plain-text notes are ``str``."""

    kind: str
    values: tuple = ()


@dataclass(frozen=True, slots=True)
class Claim:
    """One claim of the articles, as registered for testing."""

    id: str
    title: str
    article_says: str
    tested_how: str
    results: tuple[str, ...]  # analysis families that bear on it


@dataclass(frozen=True, slots=True)
class ClaimVerdict:
    claim: Claim
    verdict: Verdict
    reason: str
    evidence: Evidence | None
    notes: tuple[str | Note, ...] = ()  # extra caveats: failed diagnostics, caps, missing data
    would_change: str = ""  # what evidence would change the verdict

    @property
    def badge(self) -> str:
        return self.verdict.name.lower()


CLAIMS: tuple[Claim, ...] = (
    Claim("C1", "The January 2026 Russell 2000 breakout",
          "In January 2026 the Russell 2000 broke above 2,600 to an all-time high, up about 15% 'since the start of the year', on broad, heavy volume.",
          "Fact check against the index history: first close above 2,600, prior all-time high, year-to-date change on that date, and what volume data can show.",
          ("events",)),
    Claim("C2", "2017 and 2021 'confirmed' the pattern",
          "Past Russell breakouts were followed by crypto booms: 2017 (ICO boom, altcoin season) and 2021 (altcoin surge).",
          "Event study of the two named episodes (both readings: the articles' years and the index's own breakouts in late 2016 and late 2020) against the distribution of crypto returns after random dates.",
          ("events",)),
    Claim("C3", "Crypto follows the Russell with a 1–3 month lag",
          "When the Russell rises, ETH and altcoins respond with a lag of one to three months.",
          "Granger causality RUT → crypto, monthly lags 1–3 and weekly up to 13, both directions, with and without the S&P 500; robust (HC3 Wald, wild bootstrap) inference; VAR impulse responses with bootstrap bands.",
          ("leadlag", "var", "selfcheck")),
    Claim("C4", "A Russell breakout is an early signal for crypto",
          "A Russell breakout (new high) is an early signal: crypto rallies after it.",
          "Event study on look-ahead-free, declustered breakout definitions: crypto returns at +1/+2/+3 months against a stationary-bootstrap placebo, multiple-testing adjusted; out-of-sample forecasts and a timing rule.",
          ("events", "selfcheck")),
    Claim("C5", "Liquidity moves in stages: credit → large caps → small caps → crypto",
          "Credit and bonds stabilise first, then large caps rally, then small caps, then crypto.",
          "Granger chain link by link and the timing of impulse-response peaks in a VAR ordered credit spread, S&P 500, Russell 2000, BTC.",
          ("leadlag", "var")),
    Claim("C6", "Policy liquidity is the source",
          "Fed bill purchases, a falling Treasury General Account and easier fiscal policy supply the liquidity.",
          "Net liquidity (Fed total assets − TGA − reverse repo) growth leads Russell and crypto returns? Granger tests and VAR responses.",
          ("leadlag", "var")),
    Claim("C7", "Small caps are the barometer of credit conditions",
          "Small caps are the barometer of risk appetite because they are the most sensitive to credit conditions.",
          "Beta of Russell 2000 and S&P 500 returns to credit-spread changes (HAC errors) and a test that the Russell's is larger; co-movement of small-cap relative strength with spreads.",
          ("credit_beta",)),
    Claim("C8", "Crypto is sturdier since spot ETFs",
          "Better plumbing (spot ETFs, custody, less leverage) makes crypto rallies steadier and less prone to collapse.",
          "GARCH-family models with a spot-ETF regime term, a structural-break scan on volatility, and drawdown frequency before and after January 2024.",
          ("regimes",)),
    Claim("C9", "A 'super cycle': dips get absorbed",
          "Dips get absorbed, capital rotates rather than leaves, high-beta assets revive.",
          "Not falsifiable as stated. Closest measurable proxy, labelled as such: speed of drawdown recovery before and after 2024.",
          ("regimes",)),
    Claim("C10", "Every breakout has been followed by a crypto upswing",
          "The pattern is mechanical and reliable ('not coincidence'): each Russell breakout has been followed by a crypto upswing.",
          "Hit rate over every breakout in the sample (not only the chosen two) with a Wilson interval, against the hit rate after random dates.",
          ("events",)),
)


# --------------------------------------------------------------------------- the rule


def decide(ev: Evidence | None, rules: RulesConfig, *, events_based: bool = False,
           cap: Verdict | None = None) -> tuple[Verdict, str]:
    """Apply the configured decision rules to one piece of evidence.

    Rules, in order (printed in the methodology section):

    1. No evidence -> not testable.
    2. Event-based claims with fewer than ``min_events`` events -> insufficient evidence.
    3. Adjusted p < alpha with the claimed sign: supported if |effect| >= min_effect,
       else partly supported (significant but economically small).
    4. Adjusted p < alpha with the opposite sign -> contradicted.
    5. Not significant: not supported if power >= min_power, else insufficient evidence.
    6. A cap (e.g. one break date cannot identify a cause) lowers 'supported' to the cap.
    """
    if ev is None or ev.pvalue_adj is None or ev.effect is None or math.isnan(ev.pvalue_adj):
        return Verdict.NOT_TESTABLE, MISSING
    if events_based and (ev.n or 0) < rules.min_events:
        return Verdict.INSUFFICIENT, TOO_FEW
    significant = ev.pvalue_adj < rules.alpha
    right_sign = ev.effect * ev.expected_sign > 0
    if significant and right_sign:
        big_enough = ev.min_effect is None or abs(ev.effect) >= ev.min_effect
        verdict, reason = (Verdict.SUPPORTED, SIGNIFICANT) if big_enough else (Verdict.PARTLY, SIGNIFICANT_SMALL)
    elif significant:
        verdict, reason = Verdict.CONTRADICTED, OPPOSITE
    elif ev.power is not None and ev.power >= rules.min_power:
        verdict, reason = Verdict.NOT_SUPPORTED, NULL_POWERED
    else:
        verdict, reason = Verdict.INSUFFICIENT, NULL_UNDERPOWERED
    if cap is not None and verdict == Verdict.SUPPORTED:
        return cap, CAPPED
    return verdict, reason


# --------------------------------------------------------------------------- per-claim extractors



def not_testable(claim: Claim, why: str) -> ClaimVerdict:
    """The verdict for a claim whose analysis could not run, with the reason."""
    return ClaimVerdict(claim, Verdict.NOT_TESTABLE, MISSING, None, notes=(why,))


def _missing_reason(results: dict, families: tuple[str, ...]) -> str | None:
    for f in families:
        r = results.get(f)
        if r is None:
            return f"the {f} analysis did not run"
        if isinstance(r, NotTestable):
            return r.reason
    return None


def decide_all(results: dict, bundle: DataBundle, cfg: Config) -> tuple[ClaimVerdict, ...]:
    """One verdict per registered claim, in registry order."""
    from reportgen import verdict_rules

    out = []
    for claim in CLAIMS:
        rule = verdict_rules.RULES.get(claim.id)
        primary_families = tuple(f for f in claim.results if f != "selfcheck")
        missing = _missing_reason(results, primary_families)
        if rule is None:
            out.append(not_testable(claim, "no decision rule registered"))
        elif missing is not None:
            out.append(not_testable(claim, missing))
        else:
            out.append(rule(claim, results, bundle, cfg))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class OverallVerdict:
    """The verdict on the articles' thesis as a whole (C3 and C4 carry it)."""

    verdict: Verdict
    reason: str
    core_claims: tuple[str, ...]


def overall_verdict(verdicts: tuple[ClaimVerdict, ...]) -> OverallVerdict:
    """The thesis is 'Russell breakouts/moves lead crypto': it stands or falls with C3 and C4.

    Supported only if both core claims are supported; contradicted if either is; not
    supported if both are not supported (or one not supported and one insufficient); else
    insufficient evidence or partly supported.
    """
    core = ("C3", "C4")
    vs = {v.claim.id: v.verdict for v in verdicts if v.claim.id in core}
    vals = set(vs.values())
    if vals == {Verdict.SUPPORTED}:
        v = Verdict.SUPPORTED
    elif Verdict.CONTRADICTED in vals:
        v = Verdict.CONTRADICTED
    elif Verdict.SUPPORTED in vals or Verdict.PARTLY in vals:
        v = Verdict.PARTLY
    elif Verdict.NOT_SUPPORTED in vals:
        v = Verdict.NOT_SUPPORTED
    elif vals <= {Verdict.NOT_TESTABLE}:
        v = Verdict.NOT_TESTABLE
    else:
        v = Verdict.INSUFFICIENT
    return OverallVerdict(v, MIXED if len(vals) > 1 else "", core)


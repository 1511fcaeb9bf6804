"""Claim specifications: each claim of the articles lives in exactly one :class:`ClaimSpec`.

A specification names the claim's words, its pre-declared primary test (the family that runs
it, the result that holds it, the statistics-layer function that computes it, the series by
role, frequency and horizon), the effect unit, the expected sign, how the economic minimum
follows from the one config key, the self-check design that checks the same test, the
secondary family and the rule kind. Everything else — which families run, the verdict, the
power and interval numbers, the sentence in the report — is derived from it
(:mod:`reportgen.verdict.claims`, ``templates/partials/evidence.html``).

The specifications are read from a narrative file (:mod:`reportgen.narrative`); adding a
claim that uses existing methods is adding one ``[[claims]]`` table (see
``tests/test_claims.py`` and ``tests/test_narrative.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from reportgen.config import Config

RuleKind = Literal["test", "chain", "fact", "post_hoc", "universal", "unfalsifiable"]
MinimumKind = Literal["return_x_horizon", "return_per_sd", "volatility_change", "none"]
MINIMUM_KINDS = ("return_x_horizon", "return_per_sd", "volatility_change", "none")


@dataclass(frozen=True, slots=True)
class PrimaryTest:
    """The pre-declared primary test of a claim, judged alone at ``rules.alpha``.

    Attributes
    ----------
    family : analysis family that computes it (``"leadlag"``, ``"events"``, ...)
    result : attribute of that family's result object holding it
    function : the statistics-layer function that computes the statistic and p-value
    method : the test in words
    roles : series it reads, by role (and key where the role has several series)
    frequency : "monthly" | "weekly" | "daily"
    horizon_months : horizon of the effect (the minimum scales with it)
    effect_label : what the effect measures, in words
    effect_unit : "log return" | "simple return" | "change" | "share" | "beta" | "none"
    expected_sign : the sign the claim predicts
    minimum : how the economic minimum follows from ``rules.min_effect_monthly_return`` /
        ``rules.min_volatility_change``
    design : name of the self-check design that runs this same test (``None``: unchecked)
    events_based : the sample size is a count of events (``rules.min_events`` applies)
    implied : what the articles' thesis implies for the effect, in words ("" if nothing)
    scale_result, implied_result, per_sd_result : paths (``a.b`` attributes or mapping keys)
        in the family's result object of the effect's scale factor, the implied effect and the
        s.d. the minimum is divided by
    """

    family: str
    result: str
    function: str
    method: str
    roles: tuple[str, ...]
    frequency: str
    effect_label: str
    effect_unit: str
    expected_sign: int
    minimum: MinimumKind
    horizon_months: int | None = None
    design: str | None = None
    events_based: bool = False
    implied: str = ""
    scale_result: str = ""  # result path of a factor the effect is multiplied by (e.g. one s.d. of the cause)
    implied_result: str = ""  # result path of the effect the thesis implies
    per_sd_result: str = ""  # result path of the s.d. that ``minimum = "return_per_sd"`` divides by
    min_effect_monthly: float | None = None  # the claim's own monthly minimum (else rules.min_effect_monthly_return)


@dataclass(frozen=True, slots=True)
class ClaimSpec:
    """One claim of the articles as registered for testing."""

    id: str
    title: str
    article_says: str
    tested_how: str
    rule: RuleKind
    families: tuple[str, ...]  # analysis families that bear on it (what runs)
    primary: PrimaryTest | None = None
    secondary: tuple[str, ...] = ()  # multiple-testing families of the secondary tests (Holm)
    core: bool = False  # carries the overall verdict on the thesis
    would_change: str = ""


@dataclass(frozen=True, slots=True)
class RuleChange:
    """A decision rule changed after the data were seen (listed in the report, with the
    verdicts under the old rule as recorded by the last build that used it)."""

    id: str
    date: dt.date
    what: str
    why: str
    claims: tuple[str, ...]
    old_verdicts: tuple[tuple[str, str], ...]  # (claim id, verdict under the old rule)
    old_recorded: str  # which build recorded the old verdicts


def minimum_effect(kind: MinimumKind, horizon_months: int | None, cfg: Config, per_sd: float | None = None,
                   monthly: float | None = None) -> float | None:
    """The economic minimum in the effect unit, from the one config key.

    ``return_x_horizon``: ``rules.min_effect_monthly_return`` x the horizon in months;
    ``return_per_sd``: ``rules.min_effect_monthly_return`` / ``per_sd`` (a slope whose
    one-s.d. move of the regressor is worth the monthly minimum); ``volatility_change``:
    ``rules.min_volatility_change``; ``none``: no minimum.
    """
    if kind not in MINIMUM_KINDS:
        raise ValueError(f"minimum must be one of {MINIMUM_KINDS}, got {kind!r}")
    r = cfg.rules
    per_month = r.min_effect_monthly_return if monthly is None else monthly
    if kind == "return_x_horizon":
        if horizon_months is None or horizon_months < 1:
            raise ValueError(f"return_x_horizon needs a horizon of at least 1 month, got {horizon_months!r}")
        return per_month * horizon_months
    if kind == "return_per_sd":
        return None if not per_sd or per_sd <= 0 else per_month / per_sd
    if kind == "volatility_change":
        return r.min_volatility_change
    return None


def claim_specs(cfg: Config) -> tuple[ClaimSpec, ...]:
    """The registry: the claims of the narrative the config names (``report.narrative``; by
    default ``narratives/russell-leads-crypto.toml``, the articles' claims C1-C10 of
    ``../shared/CLAIMS.md``), pre-declared values resolved from config."""
    from reportgen.narrative import load_narrative

    return load_narrative(cfg).claims


RULE_CHANGES: tuple[RuleChange, ...] = (
    RuleChange(
        "R1", dt.date(2026, 12, 1),
        "Pre-declared primary tests are judged alone at α; only secondary tests are Holm-adjusted (before: C3's primary was Holm-adjusted over 15 tests and C4's Romano–Wolf-adjusted over 21, C7's not at all).",
        "One rule for every claim; adjusting a pre-declared primary over its exploratory family threw away its power (1% after adjustment).",
        ("C3", "C4"), (("C3", "insufficient evidence"), ("C4", "insufficient evidence")),
        "build of 2026-12-01 under the old rules, data to 2026-09-25"),
    RuleChange(
        "R2", dt.date(2026, 12, 1),
        "C7's primary test is a wild bootstrap of the slope (before: Newey–West t with 4 lags, p < 0.001), and its minimum effect is 2 pp per one-s.d. spread move (before: none).",
        "The Newey–West test rejected 11% of the time at 5% on this design (fat-tailed spread changes).",
        ("C7",), (("C7", "supported"),), "build of 2026-12-01 under the old rules, data to 2026-09-25"),
    RuleChange(
        "R3", dt.date(2026, 12, 1),
        "C8's primary test is the shift in BTC's log realised variance relative to the Russell's, one-sided, with the break date deciding attribution (before: the GARCH regime term δ, two-sided LR: exp(δ/2) = 1.23, p = 0.074 — a ratio of intercepts when persistence ≈ 1).",
        "The old headline did not measure the level of volatility.",
        ("C8",), (("C8", "insufficient evidence"),), "build of 2026-12-01 under the old rules, data to 2026-09-25"),
    RuleChange(
        "R4", dt.date(2026, 12, 1),
        "'Not supported' is also reached when the 95% interval excludes the minimum effect (equivalence), whatever the pre-data power; a test whose self-check size is outside 3–7% gives 'insufficient evidence'; a significant test without a size check gives at most 'partly supported'.",
        "A verdict must say what the data rule out and rest on a test whose size was checked on this sample.",
        ("C3", "C4", "C5", "C6", "C7", "C8"),
        (("C3", "insufficient evidence"), ("C4", "insufficient evidence"), ("C5", "insufficient evidence"),
         ("C6", "insufficient evidence"), ("C7", "supported"), ("C8", "insufficient evidence")),
        "build of 2026-12-01 under the old rules, data to 2026-09-25"),
    RuleChange(
        "R5", dt.date(2026, 12, 1),
        "C2 is described, not tested (before: a placebo p-value of the two episodes was presented as a pre-declared test).",
        "The articles chose the two episodes after the fact.",
        ("C2",), (("C2", "insufficient evidence"),), "build of 2026-12-01 under the old rules, data to 2026-09-25"),
)


def spec_by_id(specs: tuple[ClaimSpec, ...], claim_id: str) -> ClaimSpec:
    for s in specs:
        if s.id == claim_id:
            return s
    raise KeyError(f"no claim {claim_id!r}; have {', '.join(s.id for s in specs)}")


def families_to_run(specs: tuple[ClaimSpec, ...]) -> tuple[str, ...]:
    """Every analysis family some claim needs, in first-mention order (self-check last)."""
    seen: list[str] = []
    for s in specs:
        for f in s.families:
            if f not in seen:
                seen.append(f)
    if "selfcheck" in seen:
        seen.remove("selfcheck")
        seen.append("selfcheck")
    return tuple(seen)

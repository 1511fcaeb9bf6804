"""Claim specifications: each claim of the articles lives in exactly one :class:`ClaimSpec`.

A specification names the claim's words, its pre-declared primary test (the family that runs
it, the result that holds it, the statistics-layer function that computes it, the series by
role, frequency and horizon), the effect unit, the expected sign, how the economic minimum
follows from the one config key, the self-check design that checks the same test, the
secondary family and the rule kind. Everything else — which families run, the verdict, the
power and interval numbers, the sentence in the report — is derived from it
(:mod:`reportgen.verdict.claims`, ``templates/partials/evidence.html``).

Adding a claim that uses existing methods is adding one :class:`ClaimSpec` (see
``tests/test_claim_specs.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from reportgen.config import Config

RuleKind = Literal["test", "chain", "fact", "post_hoc", "universal", "unfalsifiable"]
RULE_KINDS = ("test", "chain", "fact", "post_hoc", "universal", "unfalsifiable")
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
    """

    family: str
    result: str
    function: str
    method: str
    roles: tuple[str, ...]
    frequency: str
    horizon_months: int | None
    effect_label: str
    effect_unit: str
    expected_sign: int
    minimum: MinimumKind
    design: str | None
    events_based: bool = False
    implied: str = ""


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


def minimum_effect(kind: MinimumKind, horizon_months: int | None, cfg: Config, per_sd: float | None = None) -> float | None:
    """The economic minimum in the effect unit, from the one config key.

    ``return_x_horizon``: ``rules.min_effect_monthly_return`` x the horizon in months;
    ``return_per_sd``: ``rules.min_effect_monthly_return`` / ``per_sd`` (a slope whose
    one-s.d. move of the regressor is worth the monthly minimum); ``volatility_change``:
    ``rules.min_volatility_change``; ``none``: no minimum.
    """
    if kind not in MINIMUM_KINDS:
        raise ValueError(f"minimum must be one of {MINIMUM_KINDS}, got {kind!r}")
    r = cfg.rules
    if kind == "return_x_horizon":
        if horizon_months is None or horizon_months < 1:
            raise ValueError(f"return_x_horizon needs a horizon of at least 1 month, got {horizon_months!r}")
        return r.min_effect_monthly_return * horizon_months
    if kind == "return_per_sd":
        return None if not per_sd or per_sd <= 0 else r.min_effect_monthly_return / per_sd
    if kind == "volatility_change":
        return r.min_volatility_change
    return None


def claim_specs(cfg: Config) -> tuple[ClaimSpec, ...]:
    """The registry: the articles' claims (``../shared/CLAIMS.md``), pre-declared tests from config."""
    lag = cfg.analysis.granger_primary_lag
    ev = cfg.events
    h = ev.primary_horizon_months
    etf = cfg.volatility.etf_date
    return (
        ClaimSpec(
            "C1", "The January 2026 Russell 2000 breakout",
            "In January 2026 the Russell 2000 broke above 2,600 to an all-time high, up about 15% 'since the start of the year', on broad, heavy volume.",
            "Fact check against the index history: first close above 2,600, prior all-time high, year-to-date change (simple return) on that date, and what volume data can show.",
            rule="fact", families=("events",),
            would_change="Nothing: these are historical facts. A different reading of “since the start of the year” (e.g. 12 months) is shown beside the year-to-date figure.",
        ),
        ClaimSpec(
            "C2", "2017 and 2021 'confirmed' the pattern",
            "Past Russell breakouts were followed by crypto booms: 2017 (ICO boom, altcoin season) and 2021 (altcoin surge).",
            "Described, not tested: the two episodes were chosen by the articles after the fact, so no p-value computed on them is inference. Their crypto returns are shown beside the range after random dates; C4 and C10 test every breakout instead.",
            rule="post_hoc", families=("events",),
            would_change="Nothing that two hand-picked episodes can show; C4 and C10 test the full sample.",
        ),
        ClaimSpec(
            "C3", "Crypto follows the Russell with a 1–3 month lag",
            "When the Russell rises, ETH and altcoins respond with a lag of one to three months.",
            f"Pre-declared primary: Granger causality RUT → BTC, monthly log returns, {lag} lags, wild-bootstrap HC3 test, judged alone at α. Secondary (Holm): other cryptos, lags and weekly frequency, the reverse direction, conditioning on the S&P 500; VAR impulse responses with bootstrap bands.",
            rule="test", families=("leadlag", "var", "selfcheck"), core=True,
            primary=PrimaryTest(
                family="leadlag", result="c3_primary", function="reportgen.analysis.granger.wild_bootstrap_granger",
                method=f"wild-bootstrap HC3 Granger test, RUT → BTC, monthly, {lag} lags",
                roles=("small_caps", "crypto:BTC"), frequency="monthly", horizon_months=lag,
                effect_label=f"BTC log return over the {lag} months after a one-s.d. RUT month",
                effect_unit="log return", expected_sign=1, minimum="return_x_horizon", design="granger",
                implied="full lagged transmission: BTC's contemporaneous beta to the Russell times a one-s.d. RUT month",
            ),
            secondary=("C3", "C3-reverse", "C3-conditional", "C3-VAR"),
            would_change=f"A significant positive RUT → BTC effect at {lag} lags of at least the economic minimum, confirmed by the VAR responses.",
        ),
        ClaimSpec(
            "C4", "A Russell breakout is an early signal for crypto",
            "A Russell breakout (new high) is an early signal: crypto rallies after it.",
            f"Pre-declared primary: {ev.primary_asset} log return over the {h} months after look-ahead-free, declustered breakouts ({ev.primary_definition}) against a stationary-bootstrap placebo of random dates, judged alone at α. Secondary (Holm, Romano–Wolf): other definitions, assets and horizons; out-of-sample forecasts and a timing rule.",
            rule="test", families=("events", "selfcheck"), core=True,
            primary=PrimaryTest(
                family="events", result="c4_primary", function="reportgen.analysis.event_study.placebo_test_batch",
                method=f"one-sided stationary-bootstrap placebo test, {ev.primary_definition}, {ev.primary_asset}, +{h} months",
                roles=("small_caps", f"crypto:{ev.primary_asset}"), frequency="daily", horizon_months=h,
                effect_label=f"{ev.primary_asset} log return over the {h} months after a breakout, in excess of the average after random dates",
                effect_unit="log return", expected_sign=1, minimum="return_x_horizon", design="placebo",
                events_based=True,
                implied=f"crypto delivers its beta times the Russell's rally into the breakout (the {h} months before it)",
            ),
            secondary=("C4", "C4-robustness"),
            would_change="More breakouts with crypto data (breakouts are rare), or a consistent excess return across definitions large enough to clear the threshold.",
        ),
        ClaimSpec(
            "C5", "Liquidity moves in stages: credit → large caps → small caps → crypto",
            "Credit and bonds stabilise first, then large caps rally, then small caps, then crypto.",
            f"Pre-declared primary: intersection–union test of the Granger chain credit spread → S&P 500 → Russell 2000 → BTC (monthly, {lag} lags; p = the weakest link's wild-bootstrap p). Secondary: each link (Holm) and the order of impulse-response peaks in a VAR.",
            rule="chain", families=("leadlag", "var"),
            primary=PrimaryTest(
                family="leadlag", result="c5_primary", function="reportgen.analysis.granger.wild_bootstrap_granger",
                method=f"intersection–union of wild-bootstrap Granger tests, monthly, {lag} lags",
                roles=("credit_spread", "large_caps", "small_caps", "crypto:BTC"), frequency="monthly",
                horizon_months=lag, effect_label="every link of the chain", effect_unit="none", expected_sign=1,
                minimum="none", design=None,
            ),
            secondary=("C5", "C5-reverse"),
            would_change="Every link significant, with impulse-response peaks in the claimed order.",
        ),
        ClaimSpec(
            "C6", "Policy liquidity is the source",
            "Fed bill purchases, a falling Treasury General Account and easier fiscal policy supply the liquidity.",
            f"Pre-declared primary: intersection–union test that net-liquidity growth (Fed assets − TGA − reverse repo) Granger-causes both RUT and BTC (monthly, {lag} lags). Secondary: each link (Holm), VAR responses.",
            rule="chain", families=("leadlag", "var"),
            primary=PrimaryTest(
                family="leadlag", result="c6_primary", function="reportgen.analysis.granger.wild_bootstrap_granger",
                method=f"intersection–union of wild-bootstrap Granger tests, monthly, {lag} lags",
                roles=("liquidity_assets", "liquidity_tga", "liquidity_rrp", "small_caps", "crypto:BTC"),
                frequency="monthly", horizon_months=lag, effect_label="both links", effect_unit="none",
                expected_sign=1, minimum="none", design=None,
            ),
            secondary=("C6", "C6-reverse", "C6-VAR"),
            would_change="Both links significant at the pre-declared lag.",
        ),
        ClaimSpec(
            "C7", "Small caps are the barometer of credit conditions",
            "Small caps are the barometer of risk appetite because they are the most sensitive to credit conditions.",
            "Pre-declared primary: the slope of the Russell's monthly return relative to the S&P 500 on the monthly credit-spread change (β(RUT) − β(S&P 500)), wild-bootstrap test, judged alone at α. Secondary: Newey–West and HC3 versions, the other spread measure.",
            rule="test", families=("credit_beta", "selfcheck"),
            primary=PrimaryTest(
                family="credit_beta", result="difference", function="reportgen.analysis.credit_beta.wild_bootstrap_slope_test",
                method="wild-bootstrap test of the slope of r(RUT) − r(S&P 500) on the spread change",
                roles=("small_caps", "large_caps", "credit_spread"), frequency="monthly", horizon_months=1,
                effect_label="β(RUT) − β(S&P 500) to a 1 pp spread widening (log return per pp)",
                effect_unit="beta", expected_sign=-1, minimum="return_per_sd", design="credit_beta",
            ),
            secondary=("C7",),
            would_change="The difference losing significance in a longer sample or with the other spread measure.",
        ),
        ClaimSpec(
            "C8", "Crypto is sturdier since spot ETFs",
            "Better plumbing (spot ETFs, custody, less leverage) makes crypto rallies steadier and less prone to collapse.",
            f"Pre-declared primary: shift after {etf:%Y-%m-%d} in BTC's monthly log realised variance relative to the Russell's, judged alone at α, with the data's own break date and its interval deciding whether the shift can be attributed to the ETF launch. Secondary (Holm): relative to the S&P 500, GARCH regime term, drawdown frequency.",
            rule="test", families=("regimes", "selfcheck"),
            primary=PrimaryTest(
                family="regimes", result="c8_primary", function="reportgen.analysis.volatility.volatility_level_shift",
                method="shift in the mean of log RV(BTC) − log RV(RUT), monthly",
                roles=("crypto:BTC", "small_caps"), frequency="monthly", horizon_months=None,
                effect_label=f"change in BTC's volatility relative to the Russell's after {etf:%Y-%m-%d}",
                effect_unit="change", expected_sign=-1, minimum="volatility_change", design="vol_shift",
            ),
            secondary=("C8",),
            would_change="A drop in relative volatility dated by the data at the ETF launch, confirmed against the S&P 500 and over a longer post-ETF sample.",
        ),
        ClaimSpec(
            "C9", "A 'super cycle': dips get absorbed",
            "Dips get absorbed, capital rotates rather than leaves, high-beta assets revive.",
            "Not falsifiable as stated. Closest measurable proxy, labelled as such: speed of drawdown recovery before and after 2024.",
            rule="unfalsifiable", families=("regimes",),
            would_change="A precise version of the claim (e.g. 'drawdowns beyond 30% now recover within N months') could be tested on the proxy shown.",
        ),
        ClaimSpec(
            "C10", "Every breakout has been followed by a crypto upswing",
            "The pattern is mechanical and reliable ('not coincidence'): each Russell breakout has been followed by a crypto upswing.",
            "Hit rate over every breakout in the sample (not only the chosen two) with a Wilson interval, against the hit rate after random dates; one miss refutes a universal claim.",
            rule="universal", families=("events",),
            would_change="Every breakout in the sample being followed by a crypto rise, at a rate clearly above the rate after random dates.",
        ),
    )


RULE_CHANGES: tuple[RuleChange, ...] = (
    RuleChange(
        "R1", dt.date(2026, 12, 1),
        "Pre-declared primary tests are judged alone at α; only secondary tests are Holm-adjusted (before: C3's primary was Holm-adjusted over 15 tests and C4's Romano–Wolf-adjusted over 21, C7's not at all).",
        "One rule for every claim; adjusting a pre-declared primary over its exploratory family threw away its power (1% after adjustment).",
        ("C3", "C4"), (("C3", "insufficient evidence"), ("C4", "insufficient evidence")),
        "build of 2026-12-01 under the old rules, data to 2026-09-25"),
    RuleChange(
        "R2", dt.date(2026, 12, 1),
        "C7's primary test is a wild bootstrap of the slope (before: Newey–West t with 4 lags), and its minimum effect is 2 pp per one-s.d. spread move (before: none).",
        "The Newey–West test rejected 11% of the time at 5% on this design (fat-tailed spread changes).",
        ("C7",), (("C7", "supported"),), "build of 2026-12-01 under the old rules, data to 2026-09-25"),
    RuleChange(
        "R3", dt.date(2026, 12, 1),
        "C8's primary test is the shift in BTC's log realised variance relative to the Russell's (before: the GARCH regime term δ, which is a ratio of intercepts when persistence ≈ 1).",
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

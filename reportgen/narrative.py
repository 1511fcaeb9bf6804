"""Narratives as files: an "X leads Y" market thesis declared in TOML, read into claim
specifications (:class:`reportgen.verdict.specs.ClaimSpec`).

A narrative file holds the thesis in the articles' own words, the series it needs (symbol,
source, role, publication lag), and its claims. A claim is either

* a **lead-lag claim** (``method = "granger"``): leader, follower, frequency, lags, expected
  sign, secondary lags, whether to test the reverse direction -- run by the generic
  :mod:`reportgen.analysis.narrative` family and checked by its own self-check design; or
* a **full specification** (a ``[claims.primary]`` table naming a built-in family and result),
  as the Russell 2000 narrative does for its event studies, VARs and volatility tests.

Strings in a narrative may name pre-declared config values as ``{lag}`` (``analysis.
granger_primary_lag``), ``{horizon}``, ``{asset}``, ``{definition}`` (``events.primary_*``)
and ``{etf}`` (``volatility.etf_date``), so a pre-declared test lives in one place. Errors name
the file, the claim and the key, like config errors.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from reportgen.config import Config, ConfigError, SeriesConfig, _build
from reportgen.verdict.specs import ClaimSpec, PrimaryTest

METHODS = ("granger", "breakout_event_study", "var_response")
FREQUENCIES = ("monthly",)
TRANSFORMS = ("log_return", "diff", "log_diff")
KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")


@dataclass(frozen=True, slots=True)
class NarrativeSeries:
    """A series a narrative needs. ``publication_lag_months``: a value for month m is public
    only m + lag months later (macro data such as M2); the tests use it only from then on."""

    key: str
    symbol: str
    source: Literal["yfinance", "fred"]
    role: str
    transform: Literal["log_return", "diff", "log_diff"] = "log_return"
    publication_lag_months: int = 0


@dataclass(frozen=True, slots=True)
class LeadLagClaim:
    """A lead-lag claim: ``leader`` Granger-causes ``follower`` at ``lags``."""

    id: str
    title: str
    article_says: str
    leader: str
    follower: str
    method: Literal["granger", "breakout_event_study", "var_response"] = "granger"
    frequency: Literal["monthly"] = "monthly"
    lags: int = 3
    expected_sign: int = 1
    secondary_lags: tuple[int, ...] = ()
    reverse: bool = True
    min_effect_monthly_return: float | None = None  # this claim's minimum per month (else [rules])
    definition: str = ""  # breakout_event_study: a breakout definition of config.toml's [[events.definitions]]
    horizon_months: int = 3  # breakout_event_study: the follower's return over this many months after a breakout
    core: bool = True
    would_change: str = ""


@dataclass(frozen=True, slots=True)
class _Meta:
    name: str
    title: str
    thesis: str
    articles: str = ""
    caveats: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Narrative:
    """A narrative read from its file: the claims as specifications, plus what runs them."""

    name: str
    title: str
    thesis: str
    articles: str
    caveats: tuple[str, ...]
    rules: tuple[tuple[str, object], ...]  # the narrative's own decision rules (override config.toml's [rules])
    path: str
    sha256: str
    series: tuple[NarrativeSeries, ...]
    claims: tuple[ClaimSpec, ...]
    lead_lag: tuple[LeadLagClaim, ...]

    def series_for(self, key: str) -> NarrativeSeries | None:
        return next((s for s in self.series if s.key == key), None)


def _placeholders(cfg: Config) -> dict[str, str]:
    ev = cfg.events
    return {"lag": str(cfg.analysis.granger_primary_lag), "horizon": str(ev.primary_horizon_months),
            "asset": ev.primary_asset, "definition": ev.primary_definition,
            "etf": cfg.volatility.etf_date.isoformat()}


def _fill(value, subst: dict[str, str], where: str):
    """Format ``{name}`` placeholders in every string; a string that is a whole placeholder of
    an integer value becomes that integer."""
    if isinstance(value, dict):
        return {k: _fill(v, subst, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, subst, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str) and "{" in value:
        try:
            out = value.format(**subst)
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(f"{where}: unknown placeholder in {value!r} ({exc}); allowed: "
                              + ", ".join("{" + k + "}" for k in subst)) from None
        return int(out) if re.fullmatch(r"\{[a-z]+\}", value) and out.isdigit() else out
    return value


def _rules(table, path: str, cfg: Config) -> tuple[tuple[str, object], ...]:
    """A narrative's ``[rules]``: the keys of config.toml's ``[rules]`` it overrides, validated
    with the same messages (the file named)."""
    if table is None:
        return ()
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [rules] must be a table")
    from reportgen.config import RulesConfig, _validate

    merged = {**{f.name: getattr(cfg.rules, f.name) for f in dataclasses.fields(RulesConfig)}, **table}
    rules = _build(RulesConfig, merged, f"{path}: rules")
    try:
        _validate(dataclasses.replace(cfg, rules=rules))
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return tuple((k, getattr(rules, k)) for k in table)


def _event_spec(c: LeadLagClaim) -> ClaimSpec:
    """The claim specification of a breakout event-study claim (primary at its horizon)."""
    h = c.horizon_months
    primary = PrimaryTest(
        family="narrative", result=f"primaries.{c.id}", function="reportgen.analysis.event_study.placebo_positions",
        method=f"one-sided stationary-bootstrap placebo test, {c.definition} breakouts of {c.leader}, {c.follower}, +{h} months",
        roles=(c.leader, c.follower), frequency="daily", horizon_months=h,
        effect_label=f"{c.follower} log return over the {h} months after a {c.leader} breakout, in excess of the average after random dates",
        effect_unit="log return", expected_sign=c.expected_sign, minimum="return_x_horizon", design=f"narrative:{c.id}",
        events_based=True, min_effect_monthly=c.min_effect_monthly_return,
    )
    tested = (f"Pre-declared primary: {c.follower}'s log return over the {h} months after each look-ahead-free, "
              f"declustered {c.leader} breakout ({c.definition}) against a stationary-bootstrap placebo of random dates, "
              "judged alone at α. Secondary (Holm): the other horizons (1–3 months).")
    return ClaimSpec(c.id, c.title, c.article_says, tested, rule="test", families=("narrative",), primary=primary,
                     secondary=(f"{c.id}-secondary",), core=c.core,
                     would_change=c.would_change or f"More {c.leader} breakouts with {c.follower} data, or a consistent excess return.")


def _var_spec(c: LeadLagClaim) -> ClaimSpec:
    """The claim specification of a VAR impulse-response claim (cumulative response over
    months 1..h to a one-s.d. leader shock, leader first in the Cholesky order)."""
    h = c.horizon_months
    primary = PrimaryTest(
        family="narrative", result=f"primaries.{c.id}", function="reportgen.analysis.var.estimate_system",
        method=f"VAR({c.lags}) impulse response, {c.leader} → {c.follower}, cumulative months 1–{h}, residual-bootstrap band",
        roles=(c.leader, c.follower), frequency="monthly", horizon_months=h,
        effect_label=f"cumulative {c.follower} log return over months 1–{h} after a one-s.d. {c.leader} shock",
        effect_unit="log return", expected_sign=c.expected_sign, minimum="return_x_horizon", design=f"narrative:{c.id}",
        min_effect_monthly=c.min_effect_monthly_return,
    )
    tested = (f"Pre-declared primary: VAR({c.lags}) of {c.leader} and {c.follower} (monthly, {c.leader} first in the "
              f"Cholesky order), cumulative orthogonalised response of {c.follower} over months 1–{h} to a one-s.d. "
              f"{c.leader} shock, residual-bootstrap band, judged alone at α. Secondary (Holm): the other horizons.")
    return ClaimSpec(c.id, c.title, c.article_says, tested, rule="test", families=("narrative",), primary=primary,
                     secondary=(f"{c.id}-secondary",), core=c.core,
                     would_change=c.would_change or f"A cumulative {c.follower} response of at least the minimum.")


def _lead_lag_spec(c: LeadLagClaim) -> ClaimSpec:
    """The claim specification of a lead-lag claim (primary at its lags, judged alone)."""
    unit = "months"
    primary = PrimaryTest(
        family="narrative", result=f"primaries.{c.id}", function="reportgen.analysis.granger.wild_bootstrap_granger",
        method=f"wild-bootstrap HC3 Granger test, {c.leader} → {c.follower}, {c.frequency}, {c.lags} lags",
        roles=(c.leader, c.follower), frequency=c.frequency, horizon_months=c.lags,
        effect_label=f"{c.follower} log return over the {c.lags} {unit} after a one-s.d. {c.leader} month",
        effect_unit="log return", expected_sign=c.expected_sign, minimum="return_x_horizon",
        design=f"narrative:{c.id}", implied_result=f"implied.{c.id}", min_effect_monthly=c.min_effect_monthly_return,
        implied=f"full lagged transmission: {c.follower}'s contemporaneous beta to {c.leader} times a one-s.d. {c.leader} month",
    )
    secondary = (f"{c.id}-secondary",) + ((f"{c.id}-reverse",) if c.reverse else ())
    tested = (f"Pre-declared primary: Granger causality {c.leader} → {c.follower}, {c.frequency}, {c.lags} lags, "
              "wild-bootstrap HC3 test, judged alone at α. Secondary (Holm): "
              + (f"lags {', '.join(map(str, c.secondary_lags))}" if c.secondary_lags else "none")
              + (f"; the reverse direction {c.follower} → {c.leader}" if c.reverse else "") + ".")
    return ClaimSpec(c.id, c.title, c.article_says, tested, rule="test", families=("narrative",), primary=primary,
                     secondary=secondary, core=c.core,
                     would_change=c.would_change or f"A significant {c.leader} → {c.follower} effect of at least the minimum.")


def parse_narrative(text: str, path: str, cfg: Config) -> Narrative:
    """Parse and validate a narrative. Raises :class:`ConfigError` naming file, claim and key."""
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    unknown = sorted(set(table) - {"narrative", "series", "claims", "rules"})
    if unknown:
        raise ConfigError(f"{path}: unknown section {unknown[0]}; allowed: narrative, series, claims, rules")
    rules = _rules(table.get("rules"), path, cfg)
    if "narrative" not in table:
        raise ConfigError(f"{path}: missing section [narrative] (name, title, thesis)")
    subst = _placeholders(cfg)
    meta = _build(_Meta, _fill(table["narrative"], subst, f"{path}: narrative"), f"{path}: narrative")
    if not KEY.match(meta.name):
        raise ConfigError(f"{path}: narrative.name must be letters, digits, '_' or '-' (max 32), got {meta.name!r}")
    series = tuple(_build(NarrativeSeries, s, f"{path}: series[{i}]") for i, s in enumerate(table.get("series", [])))
    for s in series:
        if not KEY.match(s.key):
            raise ConfigError(f"{path}: series {s.key!r}: key must be letters, digits, '_' or '-' (max 32)")
        if not 0 <= s.publication_lag_months <= 12:
            raise ConfigError(f"{path}: series {s.key}: publication_lag_months must be in 0..12, got {s.publication_lag_months}")
        known = next((c for c in cfg.series if c.key == s.key), None)
        if known is not None and (known.symbol, known.source) != (s.symbol, s.source):
            raise ConfigError(f"{path}: series {s.key} is {s.source}:{s.symbol} here but "
                              f"{known.source}:{known.symbol} in {cfg.path or 'config.toml'}")
    keys = {c.key for c in cfg.series} | {s.key for s in series}
    claims_raw = table.get("claims", [])
    if not isinstance(claims_raw, list) or not claims_raw:
        raise ConfigError(f"{path}: declare at least one [[claims]] table")
    specs: list[ClaimSpec] = []
    lead_lag: list[LeadLagClaim] = []
    for i, raw in enumerate(claims_raw):
        cid = raw.get("id", f"#{i + 1}") if isinstance(raw, dict) else f"#{i + 1}"
        where = f"{path}: claim {cid}"
        if not isinstance(raw, dict):
            raise ConfigError(f"{where} must be a table")
        raw = _fill(raw, subst, where)
        if "primary" in raw or raw.get("rule", "test") != "test" and "leader" not in raw:
            spec = _build(ClaimSpec, raw, where)
        else:
            c = _build(LeadLagClaim, raw, where)
            for role in ("leader", "follower"):
                if getattr(c, role) not in keys:
                    raise ConfigError(f"{where}.{role}: unknown series {getattr(c, role)!r}; "
                                      f"declare it under [[series]] or use one of {', '.join(sorted(keys))}")
            if c.leader == c.follower:
                raise ConfigError(f"{where}: leader and follower must differ, both are {c.leader!r}")
            if not 1 <= c.lags <= 12 or any(not 1 <= lag <= 12 for lag in c.secondary_lags):
                raise ConfigError(f"{where}.lags: lags must be in 1..12, got {c.lags} and {list(c.secondary_lags)}")
            if c.min_effect_monthly_return is not None and not 0 < c.min_effect_monthly_return < 1:
                raise ConfigError(f"{where}.min_effect_monthly_return must be in (0, 1), got {c.min_effect_monthly_return}")
            if c.expected_sign not in (-1, 1):
                raise ConfigError(f"{where}.expected_sign must be 1 or -1, got {c.expected_sign}")
            if c.method == "breakout_event_study":
                names = [d.name for d in cfg.events.definitions]
                if c.definition not in names:
                    raise ConfigError(f"{where}.definition must be one of {tuple(names)} (config.toml [[events.definitions]]), "
                                      f"got {c.definition!r}")
                if not 1 <= c.horizon_months <= 12:
                    raise ConfigError(f"{where}.horizon_months must be in 1..12, got {c.horizon_months}")
            lead_lag.append(c)
            if c.method == "var_response" and not 1 <= c.horizon_months <= 6:
                raise ConfigError(f"{where}.horizon_months must be in 1..6 for a VAR response, got {c.horizon_months}")
            spec = {"breakout_event_study": _event_spec, "var_response": _var_spec}.get(c.method, _lead_lag_spec)(c)
        if not KEY.match(spec.id):
            raise ConfigError(f"{where}.id must be letters, digits, '_' or '-' (max 32), got {spec.id!r}")
        specs.append(spec)
    ids = [s.id for s in specs]
    dup = next((x for x in ids if ids.count(x) > 1), None)
    if dup is not None:
        raise ConfigError(f"{path}: claim {dup} is declared twice")
    return Narrative(name=meta.name, title=meta.title, thesis=meta.thesis, articles=meta.articles,
                     caveats=meta.caveats, rules=rules, path=path,
                     sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), series=series, claims=tuple(specs),
                     lead_lag=tuple(lead_lag))


NARRATIVES_HOME = Path(__file__).resolve().parents[1]  # the project folder that ships narratives/


def narrative_path(cfg: Config) -> Path:
    """Where ``report.narrative`` points: an absolute path as it is; a relative one from the
    config file's folder, else the working folder, else the project folder that ships
    ``narratives/`` (so a copied config still finds the shipped narratives)."""
    p = Path(cfg.report.narrative)
    if p.is_absolute():
        return p
    candidates = ([Path(cfg.path).parent / p] if cfg.path else []) + [Path.cwd() / p, NARRATIVES_HOME / p]
    return next((c for c in candidates if c.is_file()), candidates[0])


def load_narrative(cfg: Config) -> Narrative:
    """The narrative the config names (``report.narrative``)."""
    p = narrative_path(cfg)
    if not p.is_file():
        raise ConfigError(f"narrative file {p} not found", hint="pass --narrative FILE or set report.narrative")
    try:
        text = p.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p} is not UTF-8 text (byte {exc.start})") from None
    return parse_narrative(text, str(p), cfg)


def with_narrative(cfg: Config, path: str | Path | None = None) -> Config:
    """``cfg`` with ``report.narrative`` set to ``path`` (if given) and the narrative's series
    that the config does not list added to ``cfg.series``."""
    if path is not None:
        cfg = dataclasses.replace(cfg, report=dataclasses.replace(cfg.report, narrative=str(Path(path).resolve())))
    n = load_narrative(cfg)
    extra = tuple(SeriesConfig(key=s.key, symbol=s.symbol, source=s.source, role=s.role)
                  for s in n.series if all(c.key != s.key for c in cfg.series))
    if extra:
        cfg = dataclasses.replace(cfg, series=cfg.series + extra)
    if n.rules:
        cfg = dataclasses.replace(cfg, rules=dataclasses.replace(cfg.rules, **dict(n.rules)))
    return cfg


def narrative_config(cfg: Config, path: str | Path | None = None) -> Config:
    """The config a build of ``path`` uses: the narrative set, its series added, and -- for a
    narrative other than the configured one -- the output folder ``<output_dir>/<name>/`` so
    its reports never mix with the default narrative's months."""
    default = narrative_path(cfg).resolve()
    if path is None or Path(path).resolve() == default:
        return with_narrative(cfg)  # the configured narrative, recorded as configured
    cfg = with_narrative(cfg, path)
    out = Path(cfg.report.output_dir)
    out = out if out.is_absolute() or not cfg.path else Path(cfg.path).parent / out
    name = load_narrative(cfg).name
    return dataclasses.replace(cfg, report=dataclasses.replace(cfg.report, output_dir=str(out / name)))

"""config.toml -> frozen, validated settings.

Every section is a frozen dataclass. :func:`load_config` reads the file with ``tomllib``,
rejects unknown keys and wrong types generically (from the dataclass annotations), then
checks the value ranges. The first problem found raises :class:`ConfigError` with one line
naming the key and the allowed values; nothing starts on a bad config.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from reportgen.errors import ConfigError

SOURCES = ("yfinance", "fred")
ROLES = (
    "small_caps",
    "large_caps",
    "crypto",
    "credit_spread",
    "liquidity_assets",
    "liquidity_tga",
    "liquidity_rrp",
    "volume_proxy",
    "macro",
)
PAGE_SIZES = ("A4", "Letter")
BREAKOUT_KINDS = ("ath_after_drawdown", "high_52w", "threshold")

# Names that reach file names, figure labels (matplotlib mathtext treats $, \\, ^, _ specially
# inside $...$) and HTML ids: letters, digits, underscore and hyphen only.
NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
NAME_RULE = "1 to 32 characters from A-Z a-z 0-9 _ -"
# Source symbols also name the CSV files of a snapshot: no path separators, no leading dot.
SYMBOL_PATTERN = re.compile(r"[A-Za-z0-9^=_-][A-Za-z0-9^=._-]{0,31}")
SYMBOL_RULE = "1 to 32 characters from A-Z a-z 0-9 ^ = . _ - (not starting with a dot)"

# Upper bounds on every count: what one build may cost (time and memory) stays bounded.
BOUNDS = {
    "analysis.bootstrap_reps": (99, 100_000),
    "analysis.weekly_max_lag": (1, 26),
    "analysis.irf_horizon": (1, 24),
    "analysis.rolling_window_months": (12, 240),
    "analysis.n_jobs": (1, 64),
    "analysis.seed": (0, 2**63 - 1),
    "data.stale_after_days": (1, 3650),
    "data.fetch_retries": (0, 10),
    "events.placebo_draws": (999, 100_000),
    "events.block_length_days": (1, 250),
    "selfcheck.simulations": (100, 10_000),
    "rules.min_events": (2, 1000),
}
MAX_LIST = {  # longest allowed lists
    "series": 50,
    "events.definitions": 20,
    "selfcheck.effect_grid": 20,
    "volatility.drawdown_thresholds": 10,
}


@dataclass(frozen=True, slots=True)
class ReportConfig:
    title: str
    page_size: Literal["A4", "Letter"] = "A4"
    output_dir: str = "output"
    narrative: str = "narratives/russell-leads-crypto.toml"  # the claims tested (a narrative file)


@dataclass(frozen=True, slots=True)
class DataConfig:
    cache_dir: str = "cache"
    sample_start: dt.date = dt.date(2014, 9, 17)
    stale_after_days: int = 45
    max_abs_daily_log_return: float = 0.5
    fetch_retries: int = 3
    fetch_backoff_seconds: float = 2.0


@dataclass(frozen=True, slots=True)
class SeriesConfig:
    key: str
    symbol: str
    source: Literal["yfinance", "fred"]
    role: str
    required: bool = False


@dataclass(frozen=True, slots=True)
class AnalysisConfig:
    seed: int = 20260121
    bootstrap_reps: int = 1999
    monthly_lags: tuple[int, ...] = (1, 2, 3)
    granger_primary_lag: int = 3  # the pre-declared lag of C3's primary test (one of monthly_lags)
    weekly_max_lag: int = 13
    irf_horizon: int = 6
    rolling_window_months: int = 48
    n_jobs: int = 2


@dataclass(frozen=True, slots=True)
class BreakoutDefinition:
    name: str
    kind: Literal["ath_after_drawdown", "high_52w", "threshold"]
    drawdown: float | None = None
    months_below: int | None = None
    level: float | None = None


@dataclass(frozen=True, slots=True)
class EventsConfig:
    definitions: tuple[BreakoutDefinition, ...]
    primary_definition: str = "ath_after_dd10"  # C4's pre-declared primary test: definition ...
    primary_asset: str = "BTC"  # ... asset ...
    primary_horizon_months: int = 3  # ... and horizon
    horizons_months: tuple[int, ...] = (1, 2, 3)
    placebo_draws: int = 10000
    block_length_days: int = 21
    round_threshold: float = 2600.0
    articles_breakout_date: dt.date = dt.date(2026, 1, 8)


    @property
    def primary(self) -> BreakoutDefinition:
        """The breakout definition of the pre-declared primary test."""
        return next(d for d in self.definitions if d.name == self.primary_definition)


@dataclass(frozen=True, slots=True)
class VolatilityConfig:
    etf_date: dt.date = dt.date(2024, 1, 11)
    drawdown_thresholds: tuple[float, ...] = (0.20, 0.50)


@dataclass(frozen=True, slots=True)
class SelfCheckConfig:
    simulations: int = 1000
    effect_grid: tuple[float, ...] = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)


@dataclass(frozen=True, slots=True)
class RulesConfig:
    alpha: float = 0.05
    min_effect_monthly_return: float = 0.02
    min_volatility_change: float = 0.10
    min_power: float = 0.80
    min_events: int = 5


@dataclass(frozen=True, slots=True)
class ScanConfig:
    """``reportgen scan``: the exploratory grid of every ordered leader -> follower pair."""

    series: tuple[str, ...] = ()  # keys to scan; empty: every cached series
    frequencies: tuple[Literal["monthly", "weekly"], ...] = ("monthly",)
    monthly_lags: tuple[int, ...] = (1, 2, 3)
    weekly_lags: tuple[int, ...] = (1, 4, 13)
    bootstrap_reps: int = 1999
    size_simulations: int = 100  # null simulations per test for the grid's size check (0: none)
    n_jobs: int = 2  # local joblib worker processes
    scheduler: str = ""  # address of a running Dask scheduler (tcp://HOST:PORT); empty: local


@dataclass(frozen=True, slots=True)
class Config:
    report: ReportConfig
    data: DataConfig
    series: tuple[SeriesConfig, ...]
    analysis: AnalysisConfig
    events: EventsConfig
    volatility: VolatilityConfig = field(default_factory=VolatilityConfig)
    selfcheck: SelfCheckConfig = field(default_factory=SelfCheckConfig)
    rules: RulesConfig = field(default_factory=RulesConfig)
    scan: ScanConfig = field(default_factory=ScanConfig)
    path: str = ""
    sha256: str = ""

    def series_by_role(self, role: str) -> tuple[SeriesConfig, ...]:
        """Configured series with this role, in file order."""
        return tuple(s for s in self.series if s.role == role)

    def series_by_key(self, key: str) -> SeriesConfig | None:
        """The configured series with this key, or None."""
        return next((s for s in self.series if s.key == key), None)


# --------------------------------------------------------------------------- generic parsing

_INTERNAL = {"path", "sha256"}


def _type_name(tp) -> str:
    origin = typing.get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if origin is tuple:
        return f"a list of {_type_name(typing.get_args(tp)[0])}"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp) if a is not type(None))
    if tp is dt.date:
        return "a date (YYYY-MM-DD)"
    if dataclasses.is_dataclass(tp):
        return "a table"
    return {bool: "true/false", int: "an integer", float: "a number", str: "a string"}.get(tp, str(tp))


def _coerce(value, tp, where: str):
    """Check ``value`` against annotation ``tp``; return the converted value."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _coerce(value, args[0], where)
    if origin is Literal:
        allowed = typing.get_args(tp)
        if value not in allowed:
            raise ConfigError(f"{where} must be one of {allowed}, got {value!r}")
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(f"{where} must be {_type_name(tp)}, got {value!r}")
        item = typing.get_args(tp)[0]
        return tuple(_coerce(v, item, f"{where}[{i}]") for i, v in enumerate(value))
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{where} must be a table, got {value!r}")
        return _build(tp, value, where)
    if tp is dt.date:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise ConfigError(f"{where} must be a date (YYYY-MM-DD), got {value!r}")
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true/false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where} must be a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string, got {value!r}")
        return value
    raise TypeError(f"unsupported annotation {tp!r} at {where}")  # programming error


def _build(cls, table: dict, where: str):
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in _INTERNAL}
    unknown = sorted(set(table) - set(fields))
    if unknown:
        prefix = f"{where}." if where else ""
        raise ConfigError(
            f"unknown key {prefix}{unknown[0]}; allowed keys: {', '.join(sorted(fields))}"
        )
    kwargs = {}
    for name, f in fields.items():
        key = f"{where}.{name}" if where else name
        if name in table:
            kwargs[name] = _coerce(table[name], hints[name], key)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ConfigError(f"missing key {key} ({_type_name(hints[name])})")
    return cls(**kwargs)


# --------------------------------------------------------------------------- range checks


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


def _bounded(key: str, value: int) -> None:
    lo, hi = BOUNDS[key]
    _check(lo <= value <= hi, f"{key} must be in {lo}..{hi}, got {value}")


def _finite(key: str, value: float | None, lo: float, hi: float, *, open_low: bool = False) -> None:
    """``value`` in [lo, hi] (or (lo, hi] with ``open_low``), finite; message gives the range."""
    ok = value is not None and math.isfinite(value) and (lo < value if open_low else lo <= value) and value <= hi
    bracket = "(" if open_low else "["
    _check(ok, f"{key} must be in {bracket}{lo:g}, {hi:g}], got {value}")


def _validate(cfg: Config) -> None:
    a, r, d, e = cfg.analysis, cfg.rules, cfg.data, cfg.events
    _check(0 < r.alpha < 0.5, f"rules.alpha must be in (0, 0.5), got {r.alpha}")
    _check(len(a.monthly_lags) > 0, "analysis.monthly_lags must list at least one lag")
    for lag in a.monthly_lags:
        _check(1 <= lag <= 12, f"analysis.monthly_lags must be whole months in 1..12, got {lag}")
    _check(
        a.granger_primary_lag in a.monthly_lags,
        f"analysis.granger_primary_lag must be one of analysis.monthly_lags {a.monthly_lags}, got {a.granger_primary_lag}",
    )
    _bounded("analysis.weekly_max_lag", a.weekly_max_lag)
    _bounded("analysis.bootstrap_reps", a.bootstrap_reps)
    _bounded("analysis.seed", a.seed)
    _bounded("analysis.irf_horizon", a.irf_horizon)
    _bounded("analysis.rolling_window_months", a.rolling_window_months)
    _bounded("analysis.n_jobs", a.n_jobs)
    _check(d.sample_start >= dt.date(1900, 1, 1), f"data.sample_start is implausible: {d.sample_start}")
    _bounded("data.stale_after_days", d.stale_after_days)
    _finite("data.max_abs_daily_log_return", d.max_abs_daily_log_return, 0, 10, open_low=True)
    _bounded("data.fetch_retries", d.fetch_retries)
    _finite("data.fetch_backoff_seconds", d.fetch_backoff_seconds, 0, 300)
    _check(d.sample_start < dt.date.today(), f"data.sample_start {d.sample_start} is in the future")

    _check(len(cfg.report.title) <= 300, f"report.title must be at most 300 characters, got {len(cfg.report.title)}")
    _check(len(cfg.series) <= MAX_LIST["series"], f"series must list at most {MAX_LIST['series']} entries, got {len(cfg.series)}")
    for i, s in enumerate(cfg.series):
        _check(NAME_PATTERN.fullmatch(s.key) is not None, f"series[{i}].key must be {NAME_RULE}; got {s.key!r}")
        _check(SYMBOL_PATTERN.fullmatch(s.symbol) is not None and ".." not in s.symbol,
               f"series.{s.key}.symbol must be {SYMBOL_RULE}; got {s.symbol!r}")
    keys = [s.key for s in cfg.series]
    _check(len(keys) == len(set(keys)), f"series keys must be unique; got {keys}")
    for s in cfg.series:
        _check(s.role in ROLES, f"series.{s.key}.role must be one of {ROLES}, got {s.role!r}")
    _check(
        len(cfg.series_by_role("small_caps")) == 1,
        "exactly one series must have role 'small_caps' (the Russell 2000)",
    )

    _check(len(e.horizons_months) > 0, "events.horizons_months must list at least one horizon")
    for h in e.horizons_months:
        _check(1 <= h <= 12, f"events.horizons_months must be in 1..12, got {h}")
    _bounded("events.placebo_draws", e.placebo_draws)
    _bounded("events.block_length_days", e.block_length_days)
    _finite("events.round_threshold", e.round_threshold, 0, 1e7, open_low=True)
    _check(len(e.definitions) > 0, "events.definitions must list at least one breakout definition")
    _check(len(e.definitions) <= MAX_LIST["events.definitions"],
           f"events.definitions must list at most {MAX_LIST['events.definitions']} definitions, got {len(e.definitions)}")
    for i, b in enumerate(e.definitions):
        _check(NAME_PATTERN.fullmatch(b.name) is not None, f"events.definitions[{i}].name must be {NAME_RULE}; got {b.name!r}")
    names = [b.name for b in e.definitions]
    _check(len(names) == len(set(names)), f"events.definitions names must be unique; got {names}")
    _check(e.primary_definition in names,
           f"events.primary_definition must be one of {tuple(names)}, got {e.primary_definition!r}")
    _check(e.primary_asset in ("BTC", "ETH", "SOL"),
           f"events.primary_asset must be one of ('BTC', 'ETH', 'SOL'), got {e.primary_asset!r}")
    _check(e.primary_horizon_months in e.horizons_months,
           f"events.primary_horizon_months must be one of events.horizons_months {e.horizons_months}, got {e.primary_horizon_months}")
    for b in e.definitions:
        w = f"events.definitions.{b.name}"
        if b.kind == "ath_after_drawdown":
            _check(b.drawdown is not None and 0 < b.drawdown < 1, f"{w}.drawdown must be in (0, 1), got {b.drawdown}")
        elif b.kind == "high_52w":
            _check(
                b.months_below is not None and 1 <= b.months_below <= 60,
                f"{w}.months_below must be in 1..60, got {b.months_below}",
            )
        elif b.kind == "threshold":
            _finite(f"{w}.level", b.level, 0, 1e7, open_low=True)

    _check(len(cfg.volatility.drawdown_thresholds) <= MAX_LIST["volatility.drawdown_thresholds"],
           f"volatility.drawdown_thresholds must list at most {MAX_LIST['volatility.drawdown_thresholds']} thresholds")
    for t in cfg.volatility.drawdown_thresholds:
        _check(0 < t < 1, f"volatility.drawdown_thresholds must be in (0, 1), got {t}")
    _bounded("selfcheck.simulations", cfg.selfcheck.simulations)
    _check(len(cfg.selfcheck.effect_grid) >= 2, "selfcheck.effect_grid must list at least two effect sizes")
    _check(len(cfg.selfcheck.effect_grid) <= MAX_LIST["selfcheck.effect_grid"],
           f"selfcheck.effect_grid must list at most {MAX_LIST['selfcheck.effect_grid']} effect sizes, "
           f"got {len(cfg.selfcheck.effect_grid)}")
    for g in cfg.selfcheck.effect_grid:
        _finite("selfcheck.effect_grid", g, 0, 20)
    _check(0 < r.min_power < 1, f"rules.min_power must be in (0, 1), got {r.min_power}")
    _finite("rules.min_effect_monthly_return", r.min_effect_monthly_return, 0, 1, open_low=True)
    _check(0 < r.min_volatility_change < 1, f"rules.min_volatility_change must be in (0, 1), got {r.min_volatility_change}")
    _bounded("rules.min_events", r.min_events)
    _validate_scan(cfg)


def _validate_scan(cfg: Config) -> None:
    s = cfg.scan
    _check(len(s.frequencies) > 0, "scan.frequencies must list at least one of ('monthly', 'weekly')")
    _check(len(set(s.frequencies)) == len(s.frequencies), f"scan.frequencies must not repeat; got {s.frequencies}")
    for name, lags, top in (("monthly_lags", s.monthly_lags, 12), ("weekly_lags", s.weekly_lags, 26)):
        if name.split("_")[0] in s.frequencies:
            _check(len(lags) > 0, f"scan.{name} must list at least one lag")
        for lag in lags:
            _check(1 <= lag <= top, f"scan.{name} must be in 1..{top}, got {lag}")
    keys = [x.key for x in cfg.series]
    for key in s.series:
        _check(key in keys, f"scan.series names unknown series {key!r}; configured: {', '.join(keys)}")
    _check(99 <= s.bootstrap_reps <= 100_000, f"scan.bootstrap_reps must be in 99..100000, got {s.bootstrap_reps}")
    _check(s.size_simulations == 0 or 99 <= s.size_simulations <= 10_000,
           f"scan.size_simulations must be 0 (no size check) or in 99..10000, got {s.size_simulations}")
    _check(1 <= s.n_jobs <= 64, f"scan.n_jobs must be in 1..64, got {s.n_jobs}")
    _check(len(s.series) <= 500, f"scan.series may list at most 500 series, got {len(s.series)}")
    _check(s.scheduler == "" or "://" in s.scheduler,
           f"scan.scheduler must be empty or an address like 'tcp://HOST:8786', got {s.scheduler!r}")


# --------------------------------------------------------------------------- entry point


def _hint(path: str) -> str:
    """The hint of a config error, naming the file actually in use."""
    if path == "<string>":
        return ConfigError.hint
    return f"fix the key named above in {path} (the file given by --config, default config.toml)"


def parse_config(text: str, path: str = "<string>") -> Config:
    """Parse and validate config text. Raises :class:`ConfigError` on the first problem."""
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}", hint=_hint(path)) from None
    try:
        cfg = _build(Config, table, "")
        _validate(cfg)
    except ConfigError as exc:
        if exc.hint == ConfigError.hint:
            exc.hint = _hint(path)
        raise
    return dataclasses.replace(cfg, path=path, sha256=hashlib.sha256(text.encode()).hexdigest())


def load_config(path: str | Path = "config.toml") -> Config:
    """Read ``path`` and return validated settings."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file {p} not found", hint="pass --config PATH or run from the project folder")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ConfigError(f"config file {p} cannot be read ({exc.strerror or type(exc).__name__})") from None
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ConfigError(f"config file {p} contains a NUL byte at offset {nul}; it is not a text file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"config file {p} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
        ) from None
    return parse_config(text, str(p))

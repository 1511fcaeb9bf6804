"""Cache orchestration: import a folder, fetch live, load the cached bundle.

Every writer (``import_folder``, ``fetch_all``; an online build calls ``fetch_all``)
validates everything first, then puts all its series into the cache in one new generation
under the cache's exclusive lock (see :mod:`reportgen.data.cache`): the cache changes all at
once or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reportgen.config import Config, SeriesConfig
from reportgen.data.assemble import assemble_bundle, series_kind
from reportgen.data.bundle import DataBundle, SeriesRecord
from reportgen.data.cache import SeriesWrite, commit, make_write, read_cache
from reportgen.data.csv_source import csv_filename, parse_csv_bytes, read_csv_file
from reportgen.data.sources import (
    FRED_HOST,
    YAHOO_HOST,
    FetchedFrame,
    check_resolves,
    fetch_fred,
    fetch_yfinance,
    with_retries,
)
from reportgen.data.validate import CleanSeries, validate_frame
from reportgen.errors import AsOfError, DataValidationError, NoCachedDataError, SourceError


@dataclass(frozen=True, slots=True)
class SeriesOutcome:
    """What happened to one series during import or fetch."""

    key: str
    ok: bool
    message: str
    source: str = ""  # yfinance | fred | csv
    skipped: bool = False  # not tried: its source had already failed in this run


def _check_now(now: dt.datetime) -> dt.datetime:
    if not isinstance(now, dt.datetime) or now.tzinfo is None:
        raise ValueError(f"now must be a timezone-aware datetime (UTC), got {now!r}")
    return now.astimezone(dt.timezone.utc)


def cache_dir(cfg: Config, root: Path | None = None) -> Path:
    """The cache folder (relative paths are taken from the config file's folder)."""
    base = Path(cfg.path).parent if cfg.path and root is None else (root or Path("."))
    p = Path(cfg.data.cache_dir)
    return p if p.is_absolute() else base / p


def import_folder(cfg: Config, folder: Path, now: dt.datetime) -> tuple[SeriesOutcome, ...]:
    """Validate every configured series found in ``folder``, then put them into the cache.

    All files are validated before anything is written, and all of them enter the cache in
    one atomic step: one bad file, a full disk or a crash leaves the cache exactly as it was.
    Series not in ``folder`` keep their cached copy.

    Parameters
    ----------
    now : aware datetime of the run (UTC); stamps ``fetched_at`` and bounds the dates
        (a row dated after its UTC date is an error)

    Raises
    ------
    DataValidationError : a file is invalid (the message names file and row), or the folder
        holds no configured series.
    CacheError : the cache cannot be written (disk full, permission) or is locked.
    """
    now = _check_now(now)
    folder = Path(folder)
    if not folder.is_dir():
        raise DataValidationError(f"import folder {folder} does not exist", hint="pass the folder holding RUT.csv, BTC-USD.csv, …")
    writes: list[SeriesWrite] = []
    outcomes: list[SeriesOutcome] = []
    for s in cfg.series:
        path = folder / csv_filename(s)
        if not path.is_file():
            outcomes.append(SeriesOutcome(s.key, False, f"{path.name} not in {folder}", source="csv"))
            continue
        kind = series_kind(s.source)
        clean = validate_frame(read_csv_file(path), f"{path.name}", kind, cfg.data.max_abs_daily_log_return, now=now)
        writes.append(make_write(s.key, s.symbol, "csv", str(path.resolve()), clean, kind, now))
    if not writes:
        raise DataValidationError(
            f"no configured series found in {folder}; expected files like "
            + ", ".join(csv_filename(s) for s in cfg.series[:4])
        )
    commit(cache_dir(cfg), writes)
    for w in writes:
        e = w.entry
        outcomes.append(SeriesOutcome(e.key, True, f"{e.rows} rows {e.first} → {e.last}", source="csv"))
    order = {s.key: i for i, s in enumerate(cfg.series)}
    return tuple(sorted(outcomes, key=lambda o: order[o.key]))


Fetcher = Callable[[SeriesConfig], FetchedFrame]


def default_fetcher(cfg: Config, now: dt.datetime) -> Fetcher:
    """yfinance for price series, FRED for macro series, with retries and backoff.

    A source is given up for the rest of the run after its first source-level failure: a
    host that does not resolve (not retried), or a transient error (connection refused,
    timeout, rate limit) that exhausted its retries. Later series of that source fail at
    once with "skipped". A failure of one series only (no data for that symbol) does not
    stop its source.
    """
    now = _check_now(now)
    unreachable: dict[str, str] = {}

    def fetch(s: SeriesConfig) -> FetchedFrame:
        if s.source in unreachable:
            raise SourceError(f"{s.source} {s.symbol}: skipped, {unreachable[s.source]}", transient=False, skipped=True)
        if s.source == "fred":
            host, call = FRED_HOST, (lambda: fetch_fred(s))  # noqa: E731
        else:
            start = min(cfg.data.sample_start, dt.date(1987, 1, 1))
            host, call = YAHOO_HOST, (lambda: fetch_yfinance(s, start, now))  # noqa: E731
        try:
            check_resolves(host, f"{s.source} {s.symbol}")
            return with_retries(call, f"{s.source} {s.symbol}", cfg.data.fetch_retries, cfg.data.fetch_backoff_seconds)
        except SourceError as exc:
            if not exc.series_only:
                unreachable[s.source] = f"{s.source} failed on {s.symbol} ({exc})"
            raise

    return fetch


def null_close_flags(fetched: FetchedFrame) -> tuple[str, ...]:
    """Report flags for the null closes a live source returned (dropped rows)."""
    flags = []
    if fetched.null_closes:
        n = len(fetched.null_closes)
        flags.append(
            f"{n} row{'s' if n > 1 else ''} with a null close dropped "
            f"({fetched.null_closes[0]}{' … ' + fetched.null_closes[-1] if n > 1 else ''}; check the source)"
        )
    flags += [f"null close on {d}, the last trading day of {d[:7]}: that month-end uses the previous close"
              for d in fetched.null_month_ends]
    return tuple(flags)


def fetch_all(cfg: Config, now: dt.datetime, fetcher: Fetcher,
              on_series: Callable[[SeriesConfig, SeriesOutcome], None] | None = None) -> tuple[SeriesOutcome, ...]:
    """Refresh each configured series; a failure keeps that series' cached copy untouched.

    Every series that fetched and validated enters the cache in one atomic step at the end
    (nothing is written when all fail).

    Raises
    ------
    CacheError : the fetched series could not be written (the cache is unchanged).
    """
    now = _check_now(now)
    outcomes = []
    writes: list[SeriesWrite] = []
    for s in cfg.series:
        kind = series_kind(s.source)
        try:
            fetched = fetcher(s)
            clean = validate_frame(fetched.frame, s.key, kind, cfg.data.max_abs_daily_log_return, now=now)
            if fetched.null_closes:
                clean = CleanSeries(clean.values, clean.volume, null_close_flags(fetched) + clean.flags)
            w = make_write(s.key, s.symbol, s.source, fetched.origin, clean, kind, now,
                           null_closes=len(fetched.null_closes), null_month_ends=fetched.null_month_ends)
            writes.append(w)
            outcome = SeriesOutcome(s.key, True, f"{w.entry.rows} rows to {w.entry.last}", source=s.source)
        except (SourceError, DataValidationError) as exc:
            outcome = SeriesOutcome(s.key, False, str(exc), source=s.source, skipped=getattr(exc, "skipped", False))
        outcomes.append(outcome)
        if on_series:
            on_series(s, outcome)
    if writes:
        commit(cache_dir(cfg), writes)
    return tuple(outcomes)


def summarize_failures(outcomes: tuple[SeriesOutcome, ...]) -> tuple[str, ...]:
    """One line per source for the failed series: the keys, then the first reason.

    Example: ``yfinance: 6 series failed (RUT, GSPC, BTC, ETH, SOL, IWM): yfinance ^RUT:
    failed after 4 attempts: connection refused``.
    """
    lines = []
    for source in dict.fromkeys(o.source for o in outcomes if not o.ok):
        failed = [o for o in outcomes if not o.ok and o.source == source]
        first = next((o for o in failed if not o.skipped), failed[0])
        n = len(failed)
        keys = ", ".join(o.key for o in failed)
        lines.append(f"{source or 'source'}: {n} series failed ({keys}): {first.message}")
    return tuple(lines)


def load_cached_bundle(cfg: Config, as_of: dt.date | None, refresh_note: str = "") -> DataBundle:
    """Read one generation of the cache (checking each file's SHA-256) and assemble the bundle.

    Raises
    ------
    NoCachedDataError : no cache, or the small-cap series (needed by every claim) is not in it.
    AsOfError : ``as_of`` is before ``data.sample_start`` or before the first Russell 2000
        observation (exit code 2: a usage error, not a missing cache).
    DataValidationError : a cached file does not match the manifest, or the manifest is invalid.
    """
    target = cache_dir(cfg)
    cached = read_cache(target)
    manifest = cached.entries
    small = cfg.series_by_role("small_caps")[0]
    if small.key not in manifest:
        where = "is empty" if not manifest else f"has no {small.key} ({small.symbol})"
        raise NoCachedDataError(f"the cache at {target} {where}; the Russell 2000 series is needed by every claim")
    missing = [s.key for s in cfg.series if s.required and s.key not in manifest]
    if missing:
        raise NoCachedDataError(f"the cache at {target} has no {', '.join(missing)} (required = true in the config)")
    if as_of is not None and as_of < cfg.data.sample_start:
        raise AsOfError(f"--as-of {as_of} is before data.sample_start {cfg.data.sample_start}",
                        hint="choose an --as-of date after the sample start")
    first_small = dt.date.fromisoformat(manifest[small.key].first)
    if as_of is not None and as_of < first_small:
        raise AsOfError(f"--as-of {as_of} is before the first {small.key} observation ({first_small})",
                        hint=f"choose an --as-of date after {first_small}")
    clean: dict[str, CleanSeries] = {}
    records: dict[str, SeriesRecord] = {}
    for s in cfg.series:
        entry = manifest.get(s.key)
        if entry is None:
            continue
        frame = parse_csv_bytes(cached.data[s.key], f"cache file {cached.folder / (s.key + '.csv')}")
        clean[s.key] = validate_frame(frame, s.key, series_kind(s.source), cfg.data.max_abs_daily_log_return)
        records[s.key] = SeriesRecord(
            key=s.key, symbol=s.symbol, source=entry.source, role=s.role,
            first=dt.date.fromisoformat(entry.first), last=dt.date.fromisoformat(entry.last), rows=entry.rows,
            sha256=entry.sha256, fetched_at=entry.fetched_at, origin=entry.origin, flags=entry.flags,
            null_closes=entry.null_closes, null_month_ends=entry.null_month_ends,
        )
    newest = max(c.values.index[-1] for c in clean.values()).date()
    as_of = min(as_of, newest) if as_of else newest
    if as_of < cfg.data.sample_start:
        raise AsOfError(
            f"the cached data ends {as_of}, before data.sample_start {cfg.data.sample_start}",
            hint="import or fetch newer data, or set an earlier data.sample_start",
        )
    return assemble_bundle(cfg, clean, records, as_of, refresh_note=refresh_note)

"""Cache orchestration: import a folder, fetch live, load the cached bundle."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from reportgen.config import Config, SeriesConfig
from reportgen.data.assemble import assemble_bundle, series_kind
from reportgen.data.bundle import DataBundle, SeriesRecord
from reportgen.data.cache import read_manifest, read_series_bytes, write_series
from reportgen.data.csv_source import csv_filename, read_csv_file
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
from reportgen.errors import DataValidationError, NoCachedDataError, SourceError


@dataclass(frozen=True, slots=True)
class SeriesOutcome:
    """What happened to one series during import or fetch."""

    key: str
    ok: bool
    message: str


def cache_dir(cfg: Config, root: Path | None = None) -> Path:
    """The cache folder (relative paths are taken from the config file's folder)."""
    base = Path(cfg.path).parent if cfg.path and root is None else (root or Path("."))
    p = Path(cfg.data.cache_dir)
    return p if p.is_absolute() else base / p


def import_folder(cfg: Config, folder: Path, now: dt.datetime) -> tuple[SeriesOutcome, ...]:
    """Validate every configured series found in ``folder``, then write them to the cache.

    All files are validated before anything is written: one bad file stops the import with
    its error and the cache is left exactly as it was.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataValidationError(f"import folder {folder} does not exist", hint="pass the folder holding RUT.csv, BTC-USD.csv, …")
    validated: list[tuple[SeriesConfig, CleanSeries, Path]] = []
    outcomes: list[SeriesOutcome] = []
    for s in cfg.series:
        path = folder / csv_filename(s)
        if not path.is_file():
            outcomes.append(SeriesOutcome(s.key, False, f"{path.name} not in {folder}"))
            continue
        clean = validate_frame(read_csv_file(path), f"{path.name}", series_kind(s.source), cfg.data.max_abs_daily_log_return)
        validated.append((s, clean, path))
    if not validated:
        raise DataValidationError(
            f"no configured series found in {folder}; expected files like "
            + ", ".join(csv_filename(s) for s in cfg.series[:4])
        )
    target = cache_dir(cfg)
    for s, clean, path in validated:
        entry = write_series(target, s.key, s.symbol, "csv", str(path.resolve()), clean, series_kind(s.source), now)
        outcomes.append(SeriesOutcome(s.key, True, f"{entry.rows} rows {entry.first} → {entry.last}"))
    order = {s.key: i for i, s in enumerate(cfg.series)}
    return tuple(sorted(outcomes, key=lambda o: order[o.key]))


Fetcher = Callable[[SeriesConfig], FetchedFrame]


def default_fetcher(cfg: Config, today: dt.date) -> Fetcher:
    """yfinance for price series, FRED for macro series, with retries and backoff.

    A source whose host does not resolve fails at once, without retries, and is skipped
    for the remaining series of this run (an offline machine falls back to the cache in
    well under a second instead of sleeping through every backoff).
    """
    unreachable: dict[str, str] = {}

    def fetch(s: SeriesConfig) -> FetchedFrame:
        if s.source in unreachable:
            raise SourceError(f"{s.source} {s.symbol}: skipped, {unreachable[s.source]}", transient=False)
        if s.source == "fred":
            host, call = FRED_HOST, (lambda: fetch_fred(s))  # noqa: E731
        else:
            start = min(cfg.data.sample_start, dt.date(1987, 1, 1))
            host, call = YAHOO_HOST, (lambda: fetch_yfinance(s, start, today))  # noqa: E731
        try:
            check_resolves(host, f"{s.source} {s.symbol}")
            return with_retries(call, f"{s.source} {s.symbol}", cfg.data.fetch_retries, cfg.data.fetch_backoff_seconds)
        except SourceError as exc:
            if not exc.transient:
                unreachable[s.source] = f"source unreachable ({exc})"
            raise

    return fetch


def fetch_all(cfg: Config, now: dt.datetime, fetcher: Fetcher,
              on_series: Callable[[SeriesConfig, SeriesOutcome], None] | None = None) -> tuple[SeriesOutcome, ...]:
    """Refresh each configured series; a failure keeps that series' cached copy untouched."""
    target = cache_dir(cfg)
    outcomes = []
    for s in cfg.series:
        try:
            fetched = fetcher(s)
            clean = validate_frame(fetched.frame, s.key, series_kind(s.source), cfg.data.max_abs_daily_log_return)
            entry = write_series(target, s.key, s.symbol, s.source, fetched.origin, clean, series_kind(s.source), now)
            outcome = SeriesOutcome(s.key, True, f"{entry.rows} rows to {entry.last}")
        except (SourceError, DataValidationError) as exc:
            outcome = SeriesOutcome(s.key, False, str(exc))
        outcomes.append(outcome)
        if on_series:
            on_series(s, outcome)
    return tuple(outcomes)


def load_cached_bundle(cfg: Config, as_of: dt.date | None, refresh_note: str = "") -> DataBundle:
    """Read the cache (checking each file's SHA-256) and assemble the bundle.

    Raises
    ------
    NoCachedDataError : no cache, or the small-cap series (needed by every claim) is not in it.
    """
    target = cache_dir(cfg)
    manifest = read_manifest(target)
    small = cfg.series_by_role("small_caps")[0]
    if small.key not in manifest:
        where = "is empty" if not manifest else f"has no {small.key} ({small.symbol})"
        raise NoCachedDataError(f"the cache at {target} {where}; the Russell 2000 series is needed by every claim")
    missing = [s.key for s in cfg.series if s.required and s.key not in manifest]
    if missing:
        raise NoCachedDataError(f"the cache at {target} has no {', '.join(missing)} (required = true in the config)")
    clean: dict[str, CleanSeries] = {}
    records: dict[str, SeriesRecord] = {}
    for s in cfg.series:
        entry = manifest.get(s.key)
        if entry is None:
            continue
        data = read_series_bytes(target, entry)
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
        clean[s.key] = validate_frame(frame, s.key, series_kind(s.source), cfg.data.max_abs_daily_log_return)
        records[s.key] = SeriesRecord(
            key=s.key, symbol=s.symbol, source=entry.source, role=s.role,
            first=dt.date.fromisoformat(entry.first), last=dt.date.fromisoformat(entry.last), rows=entry.rows,
            sha256=entry.sha256, fetched_at=entry.fetched_at, origin=entry.origin, flags=entry.flags,
        )
    newest = max(c.values.index[-1] for c in clean.values()).date()
    as_of = min(as_of, newest) if as_of else newest
    if as_of < cfg.data.sample_start:
        raise NoCachedDataError(
            f"--as-of {as_of} is before data.sample_start {cfg.data.sample_start}",
            hint="choose an --as-of date after the sample start",
        )
    return assemble_bundle(cfg, clean, records, as_of, refresh_note=refresh_note)

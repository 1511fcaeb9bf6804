"""Turn validated series into a DataBundle: sample start, as-of cut, stale detection."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from reportgen.config import Config
from reportgen.data.bundle import DataBundle, SeriesRecord
from reportgen.data.csv_source import csv_filename, read_csv_file
from reportgen.data.validate import CleanSeries, validate_frame
from reportgen.errors import NoCachedDataError


def series_kind(source: str) -> str:
    """'price' for yfinance series, 'fred' for FRED series."""
    return "fred" if source == "fred" else "price"


def assemble_bundle(
    cfg: Config,
    clean: dict[str, CleanSeries],
    records: dict[str, SeriesRecord],
    as_of: dt.date,
    unavailable: dict[str, str] | None = None,
    refresh_note: str = "",
) -> DataBundle:
    """Cut every series at ``as_of``, mark stale ones, and bundle.

    Daily series keep their full history (all-time highs and look-back windows need it);
    aligned frames (returns, levels) start at ``data.sample_start``.
    """
    unavailable = dict(unavailable or {})
    cut = pd.Timestamp(as_of)
    close: dict[str, pd.Series] = {}
    volume: dict[str, pd.Series] = {}
    for s in cfg.series:
        if s.key not in clean:
            unavailable.setdefault(s.key, "no data (not in the cache or import folder)")
            continue
        values = clean[s.key].values.loc[:cut]
        if values.empty:
            unavailable[s.key] = f"no observation on or before the as-of date {as_of}"
            continue
        close[s.key] = values
        vol = clean[s.key].volume
        if vol is not None:
            volume[s.key] = vol.loc[:cut]

    newest = max((v.index[-1] for v in close.values()), default=cut)
    stale: dict[str, pd.Series] = {}
    for key in list(close):
        last = close[key].index[-1]
        lag = (newest - last).days
        if lag > cfg.data.stale_after_days:
            unavailable[key] = (
                f"stale: ends {last.date()}, {lag} days before the newest series "
                f"(limit data.stale_after_days = {cfg.data.stale_after_days})"
            )
            stale[key] = close.pop(key)

    used = {**stale, **close}
    # rows and last date as used after the as-of cut; sha256 stays that of the input file
    kept_records = tuple(
        dataclasses.replace(records[k], last=used[k].index[-1].date(), rows=len(used[k]))
        for k in records
        if k in used
    )
    return DataBundle(
        as_of=as_of,
        close=MappingProxyType(close),
        sample_start=cfg.data.sample_start,
        volume=MappingProxyType(volume),
        records=kept_records,
        unavailable=MappingProxyType(unavailable),
        roles=MappingProxyType({s.key: s.role for s in cfg.series}),
        stale=MappingProxyType(stale),
        refresh_note=refresh_note,
    )


def bundle_from_folder(cfg: Config, folder: str | Path, as_of: dt.date | None = None) -> DataBundle:
    """Read a snapshot folder directly (no cache) into a bundle. Used by tests and notebooks."""
    import hashlib

    folder = Path(folder)
    clean: dict[str, CleanSeries] = {}
    records: dict[str, SeriesRecord] = {}
    for s in cfg.series:
        path = folder / csv_filename(s)
        if not path.is_file():
            continue
        cs = validate_frame(read_csv_file(path), s.key, series_kind(s.source), cfg.data.max_abs_daily_log_return)
        clean[s.key] = cs
        records[s.key] = SeriesRecord(
            key=s.key, symbol=s.symbol, source="csv", role=s.role,
            first=cs.values.index[0].date(), last=cs.values.index[-1].date(), rows=len(cs.values),
            sha256=hashlib.sha256(path.read_bytes()).hexdigest(), fetched_at="", origin=str(path), flags=cs.flags,
        )
    if not clean:
        raise NoCachedDataError(f"no series found in {folder}")
    as_of = as_of or max(c.values.index[-1] for c in clean.values()).date()
    return assemble_bundle(cfg, clean, records, as_of)

"""Local cache: one CSV per series (snapshot schema) plus ``manifest.json``.

The manifest records, per series: source, symbol, origin, fetched/imported at, first and
last date, rows and the SHA-256 of the CSV bytes. Every write is atomic: the bytes go to a
temporary file in the same folder, are flushed and fsync'ed, then ``os.replace``d over the
target, so an interrupted fetch leaves the previous file intact. The manifest is written
last; a series file without a manifest entry is ignored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from reportgen.data.validate import CleanSeries
from reportgen.errors import DataValidationError

MANIFEST = "manifest.json"
_UMASK = os.umask(0)
os.umask(_UMASK)


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """Manifest entry of one cached series."""

    key: str
    symbol: str
    source: str
    origin: str
    fetched_at: str
    first: str
    last: str
    rows: int
    sha256: str
    flags: tuple[str, ...] = ()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file in the same folder + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp creates 0600; give the file the usual mode
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def series_to_csv(clean: CleanSeries, kind: str) -> bytes:
    """Serialise a validated series in the snapshot schema (deterministic bytes)."""
    value_col = "close" if kind == "price" else "value"
    frame = pd.DataFrame({value_col: clean.values})
    if clean.volume is not None:
        frame["volume"] = clean.volume
    frame.index = frame.index.strftime("%Y-%m-%d")
    frame.index.name = "date"
    return frame.to_csv(lineterminator="\n", float_format=lambda v: np.format_float_positional(v, trim="-")).encode()


def read_manifest(cache_dir: Path) -> dict[str, CacheEntry]:
    """Entries of the cache manifest (empty when there is no cache yet)."""
    path = cache_dir / MANIFEST
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataValidationError(f"cache manifest {path} is corrupt: {exc}", hint="delete the cache folder and import again") from None
    return {k: CacheEntry(**{**v, "flags": tuple(v.get("flags", ()))}) for k, v in raw.items()}


def write_series(cache_dir: Path, key: str, symbol: str, source: str, origin: str,
                 clean: CleanSeries, kind: str, now: dt.datetime) -> CacheEntry:
    """Write one series and update the manifest, both atomically. Returns the new entry."""
    data = series_to_csv(clean, kind)
    atomic_write_bytes(cache_dir / f"{key}.csv", data)
    entry = CacheEntry(
        key=key, symbol=symbol, source=source, origin=origin,
        fetched_at=now.isoformat(timespec="seconds"),
        first=clean.values.index[0].date().isoformat(), last=clean.values.index[-1].date().isoformat(),
        rows=len(clean.values), sha256=hashlib.sha256(data).hexdigest(), flags=clean.flags,
    )
    manifest = read_manifest(cache_dir)
    manifest[key] = entry
    payload = {k: asdict(v) for k, v in sorted(manifest.items())}
    atomic_write_bytes(cache_dir / MANIFEST, (json.dumps(payload, indent=2, sort_keys=True) + "\n").encode())
    return entry


def read_series_bytes(cache_dir: Path, entry: CacheEntry) -> bytes:
    """Bytes of a cached series, checked against the manifest's SHA-256."""
    path = cache_dir / f"{entry.key}.csv"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataValidationError(
            f"cache file {path} is missing but listed in the manifest",
            hint="re-run `reportgen import DIR` or `reportgen fetch` to rebuild the cache",
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry.sha256:
        raise DataValidationError(
            f"cache file {path} does not match its manifest (sha256 {digest[:12]}… != {entry.sha256[:12]}…)",
            hint="re-run `reportgen import DIR` or `reportgen fetch` to rebuild the cache",
        )
    return data

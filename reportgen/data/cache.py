"""Local cache: generations of one CSV per series (snapshot schema) plus ``manifest.json``.

Layout::

    cache/
      .lock                 exclusive lock held by every writer (import, fetch, online build)
      CURRENT               one line: the name of the current generation, e.g. ``gen-000012``
      gen-000012/           the current cache: RUT.csv, BTC.csv, ..., manifest.json
      gen-000011/           the previous generation (kept for readers that resolved it)

The manifest records, per series: source, symbol, origin, fetched/imported at, first and
last date, rows, the SHA-256 of the CSV bytes, validation flags and null-close counts.

A writer takes the lock, writes a *complete* new generation into a staging folder (every
file fsync'ed), renames it to ``gen-<n+1>`` and then switches ``CURRENT`` with one atomic
``os.replace``; only then are older generations removed. A reader resolves ``CURRENT``
once and reads one generation, so it sees the old cache or the new one, never a mix; a
crash or a full disk at any point leaves ``CURRENT`` pointing at the old, complete
generation. A cache written before generations existed (CSVs and ``manifest.json`` directly
in ``cache/``) is still read; the next import or fetch moves it into a generation.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from reportgen.data.validate import CleanSeries
from reportgen.errors import CacheError, CacheLockedError, DataValidationError

MANIFEST = "manifest.json"
CURRENT = "CURRENT"
LOCK = ".lock"
GENERATION = re.compile(r"^gen-(\d{6,})$")
KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
LOCK_TIMEOUT_SECONDS = 120.0  # how long a writer waits for another run's lock
REIMPORT_HINT = "delete the cache folder and import again (`reportgen import DIR`), or run `reportgen fetch`"
_UMASK = os.umask(0)
os.umask(_UMASK)


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """Manifest entry of one cached series.

    ``null_closes`` counts source rows with a null close that were dropped (live fetches);
    ``null_month_ends`` lists the dates among them that were the last trading day of their
    month (that month-end then falls on an earlier day).
    """

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
    null_closes: int = 0
    null_month_ends: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SeriesWrite:
    """One series to put into a new cache generation: its manifest entry and CSV bytes."""

    entry: CacheEntry
    data: bytes


@dataclass(frozen=True, slots=True)
class CachedData:
    """One consistent generation of the cache, read whole (every file checked)."""

    folder: Path | None
    entries: Mapping[str, CacheEntry] = field(default_factory=lambda: MappingProxyType({}))
    data: Mapping[str, bytes] = field(default_factory=lambda: MappingProxyType({}))


# --------------------------------------------------------------------------- low-level writes


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable (best effort: not every FS allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_file(path: Path, data: bytes) -> None:
    """Write a new file, flushed and fsync'ed, with the usual permissions."""
    with open(path, "xb") as fh:
        os.fchmod(fh.fileno(), 0o666 & ~_UMASK)
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


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
    fsync_dir(path.parent)


def series_to_csv(clean: CleanSeries, kind: str) -> bytes:
    """Serialise a validated series in the snapshot schema (deterministic bytes)."""
    value_col = "close" if kind == "price" else "value"
    frame = pd.DataFrame({value_col: clean.values})
    if clean.volume is not None:
        frame["volume"] = clean.volume
    frame.index = frame.index.strftime("%Y-%m-%d")
    frame.index.name = "date"
    return frame.to_csv(lineterminator="\n", float_format=lambda v: np.format_float_positional(v, trim="-")).encode()


def make_write(key: str, symbol: str, source: str, origin: str, clean: CleanSeries, kind: str,
               now: dt.datetime, null_closes: int = 0, null_month_ends: tuple[str, ...] = ()) -> SeriesWrite:
    """The CSV bytes and manifest entry of one validated series (nothing is written yet)."""
    if now.tzinfo is None:
        raise ValueError(f"now must be a timezone-aware datetime (UTC), got naive {now.isoformat()}")
    data = series_to_csv(clean, kind)
    entry = CacheEntry(
        key=key, symbol=symbol, source=source, origin=origin,
        fetched_at=now.astimezone(dt.timezone.utc).isoformat(timespec="seconds"),
        first=clean.values.index[0].date().isoformat(), last=clean.values.index[-1].date().isoformat(),
        rows=len(clean.values), sha256=hashlib.sha256(data).hexdigest(), flags=clean.flags,
        null_closes=null_closes, null_month_ends=tuple(null_month_ends),
    )
    return SeriesWrite(entry, data)


# --------------------------------------------------------------------------- manifest


def _invalid(path: Path, what: str) -> DataValidationError:
    return DataValidationError(f"cache manifest {path} is invalid: {what}", hint=REIMPORT_HINT)


_STR_FIELDS = ("key", "symbol", "source", "origin", "fetched_at", "first", "last", "sha256")


def _entry(path: Path, key: object, raw: object) -> CacheEntry:
    """One manifest entry, every field checked (type, format, consistency)."""
    if not isinstance(key, str) or not KEY.match(key):
        raise _invalid(path, f"series key {key!r} is not a plain name (letters, digits, '_', '-', '.')")
    if not isinstance(raw, dict):
        raise _invalid(path, f"entry {key!r} must be an object, got {type(raw).__name__}")
    known = {f.name for f in CacheEntry.__dataclass_fields__.values()}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise _invalid(path, f"entry {key!r} has unknown field {unknown[0]!r}")
    for name in (*_STR_FIELDS, "rows"):
        if name not in raw:
            raise _invalid(path, f"entry {key!r} is missing field {name!r}")
    for name in _STR_FIELDS:
        if not isinstance(raw[name], str):
            raise _invalid(path, f"entry {key!r} field {name!r} must be a string, got {raw[name]!r}")
    if raw["key"] != key:
        raise _invalid(path, f"entry {key!r} has key {raw['key']!r}")
    rows = raw["rows"]
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise _invalid(path, f"entry {key!r} field 'rows' must be a positive integer, got {rows!r}")
    if not SHA256.match(raw["sha256"]):
        raise _invalid(path, f"entry {key!r} field 'sha256' is not 64 hex digits")
    dates = {}
    for name in ("first", "last"):
        try:
            dates[name] = dt.date.fromisoformat(raw[name])
        except ValueError:
            raise _invalid(path, f"entry {key!r} field {name!r} is not a YYYY-MM-DD date: {raw[name]!r}") from None
    if dates["first"] > dates["last"]:
        raise _invalid(path, f"entry {key!r} has first {raw['first']} after last {raw['last']}")
    try:
        dt.datetime.fromisoformat(raw["fetched_at"])
    except ValueError:
        raise _invalid(path, f"entry {key!r} field 'fetched_at' is not an ISO timestamp: {raw['fetched_at']!r}") from None
    for name in ("flags", "null_month_ends"):
        value = raw.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _invalid(path, f"entry {key!r} field {name!r} must be a list of strings")
    nulls = raw.get("null_closes", 0)
    if isinstance(nulls, bool) or not isinstance(nulls, int) or nulls < 0:
        raise _invalid(path, f"entry {key!r} field 'null_closes' must be a non-negative integer, got {nulls!r}")
    return CacheEntry(**{**raw, "flags": tuple(raw.get("flags", ())),
                         "null_month_ends": tuple(raw.get("null_month_ends", ()))})


def parse_manifest(data: bytes, path: Path) -> dict[str, CacheEntry]:
    """Entries of a manifest's bytes, with its structure validated.

    Raises
    ------
    DataValidationError : not UTF-8, not JSON, not an object of entries, or an entry with a
        missing, unknown or malformed field (with the "delete the cache and import again" hint).
    """
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise DataValidationError(f"cache manifest {path} is corrupt: not UTF-8 text (byte {exc.start})",
                                  hint=REIMPORT_HINT) from None
    except json.JSONDecodeError as exc:
        raise DataValidationError(f"cache manifest {path} is corrupt: {exc}", hint=REIMPORT_HINT) from None
    except RecursionError:
        raise DataValidationError(f"cache manifest {path} is corrupt: nested too deeply", hint=REIMPORT_HINT) from None
    if not isinstance(raw, dict):
        raise _invalid(path, f"expected an object of series entries, got {type(raw).__name__}")
    return {k: _entry(path, k, v) for k, v in raw.items()}


def manifest_bytes(entries: Mapping[str, CacheEntry]) -> bytes:
    """Deterministic manifest bytes (sorted keys)."""
    payload = {k: asdict(v) for k, v in sorted(entries.items())}
    return (json.dumps(payload, indent=2, sort_keys=True) + "\n").encode()


# --------------------------------------------------------------------------- reading


def _check_dir(cache_dir: Path) -> None:
    if cache_dir.exists() and not cache_dir.is_dir():
        raise CacheError(f"data.cache_dir {cache_dir} is a file, not a folder",
                         hint="point data.cache_dir at a folder (it is created if missing), or move the file away")


def _cache_os_error(cache_dir: Path, exc: OSError, doing: str) -> CacheError:
    reason = exc.strerror or type(exc).__name__
    where = f" ({exc.filename})" if exc.filename else ""
    return CacheError(f"could not {doing} the cache at {cache_dir}: {reason}{where}")


def current_folder(cache_dir: Path) -> Path | None:
    """Folder of the current cache generation; the cache folder itself for a cache in the
    pre-generation layout; None when there is no cache yet."""
    cache_dir = Path(cache_dir)
    _check_dir(cache_dir)
    pointer = cache_dir / CURRENT
    try:
        name = pointer.read_bytes().decode("ascii", errors="replace").strip()
    except FileNotFoundError:
        return cache_dir if (cache_dir / MANIFEST).is_file() else None
    except OSError as exc:
        raise _cache_os_error(cache_dir, exc, "read") from None
    folder = cache_dir / name
    if not GENERATION.match(name) or not folder.is_dir():
        raise DataValidationError(f"cache pointer {pointer} is corrupt: {name[:40]!r} is not a cache generation",
                                  hint=REIMPORT_HINT)
    return folder


def read_manifest(cache_dir: Path) -> dict[str, CacheEntry]:
    """Entries of the current generation's manifest (empty when there is no cache yet)."""
    folder = current_folder(cache_dir)
    if folder is None:
        return {}
    path = folder / MANIFEST
    try:
        return parse_manifest(path.read_bytes(), path)
    except FileNotFoundError:
        raise DataValidationError(f"cache manifest {path} is missing", hint=REIMPORT_HINT) from None
    except OSError as exc:
        raise _cache_os_error(Path(cache_dir), exc, "read") from None


class _Vanished(Exception):
    """A generation was removed while it was being read (a writer switched under us)."""


def _verified(folder: Path, entry: CacheEntry) -> bytes:
    path = folder / f"{entry.key}.csv"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _Vanished(str(path)) from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry.sha256:
        raise DataValidationError(
            f"cache file {path} does not match its manifest (sha256 {digest[:12]}… != {entry.sha256[:12]}…)",
            hint="re-run `reportgen import DIR` or `reportgen fetch` to rebuild the cache",
        )
    return data


def read_series_bytes(cache_dir: Path, entry: CacheEntry) -> bytes:
    """Bytes of a cached series in the current generation, checked against the manifest's SHA-256."""
    folder = current_folder(cache_dir) or Path(cache_dir)
    try:
        return _verified(folder, entry)
    except _Vanished:
        raise DataValidationError(
            f"cache file {folder / (entry.key + '.csv')} is missing but listed in the manifest",
            hint="re-run `reportgen import DIR` or `reportgen fetch` to rebuild the cache",
        ) from None
    except OSError as exc:
        raise _cache_os_error(Path(cache_dir), exc, "read") from None


def read_cache(cache_dir: Path, attempts: int = 5) -> CachedData:
    """Read one whole generation (manifest and every file, SHA-256 checked).

    When a concurrent writer removes the generation being read (it only removes
    generations older than the previous one), the pointer is resolved again, up to
    ``attempts`` times.
    """
    cache_dir = Path(cache_dir)
    for _ in range(attempts):
        folder = current_folder(cache_dir)
        if folder is None:
            return CachedData(folder=None)
        path = folder / MANIFEST
        try:
            try:
                entries = parse_manifest(path.read_bytes(), path)
            except FileNotFoundError:
                raise _Vanished(str(path)) from None
            data = {k: _verified(folder, e) for k, e in entries.items()}
        except _Vanished as gone:
            if current_folder(cache_dir) != folder:
                continue  # a writer switched generations while we read: read the new one
            raise DataValidationError(f"cache file {gone} is missing but listed in the manifest",
                                      hint=REIMPORT_HINT) from None
        except OSError as exc:
            raise _cache_os_error(cache_dir, exc, "read") from None
        return CachedData(folder, MappingProxyType(entries), MappingProxyType(data))
    raise CacheError(f"the cache at {cache_dir} changed {attempts} times while it was being read",
                     hint="try again when the running imports or fetches finish")


# --------------------------------------------------------------------------- writing


@contextlib.contextmanager
def cache_lock(cache_dir: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the cache's exclusive writer lock (``cache/.lock``); creates the cache folder.

    Raises
    ------
    CacheLockedError : another run holds the lock for more than ``timeout`` seconds.
    CacheError : the folder or the lock file cannot be created.
    CacheError : also when ``cache_dir`` is a file.
    """
    import filelock

    cache_dir = Path(cache_dir)
    _check_dir(cache_dir)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if isinstance(exc, (FileExistsError, NotADirectoryError)):
            raise CacheError(f"data.cache_dir {cache_dir} cannot be created: a path component is a file",
                             hint="point data.cache_dir at a folder (it is created if missing)") from None
        raise _cache_os_error(cache_dir, exc, "create") from None
    path = cache_dir / LOCK
    lock = filelock.FileLock(str(path), timeout=LOCK_TIMEOUT_SECONDS if timeout is None else timeout)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise CacheLockedError(
            f"another reportgen run holds the cache lock ({path}); try again when it finishes"
        ) from None
    except OSError as exc:
        raise _cache_os_error(cache_dir, exc, "lock") from None
    try:
        yield
    finally:
        lock.release()


def _generation_numbers(cache_dir: Path) -> list[int]:
    return sorted(int(m.group(1)) for p in cache_dir.iterdir() if (m := GENERATION.match(p.name)) and p.is_dir())


def _readable_current(cache_dir: Path) -> tuple[Path | None, dict[str, SeriesWrite]]:
    """What a writer keeps from the current cache: every entry whose file still verifies.

    A corrupt manifest or pointer keeps nothing (the new generation replaces it); a series
    whose file does not match the manifest is dropped.
    """
    try:
        folder = current_folder(cache_dir)
        if folder is None:
            return None, {}
        path = folder / MANIFEST
        entries = parse_manifest(path.read_bytes(), path)
    except (DataValidationError, FileNotFoundError):
        return None, {}
    kept = {}
    for key, entry in entries.items():
        try:
            kept[key] = SeriesWrite(entry, _verified(folder, entry))
        except (DataValidationError, _Vanished):
            continue
    return folder, kept


def _cleanup(cache_dir: Path, keep: set[str], legacy: Mapping[str, SeriesWrite] | None) -> None:
    """Remove staging folders, generations not in ``keep``, and a pre-generation cache's files."""
    for p in cache_dir.iterdir():
        if p.name.startswith(".staging-") or (GENERATION.match(p.name) and p.name not in keep):
            shutil.rmtree(p, ignore_errors=True)
    if legacy is not None:
        for key in legacy:
            (cache_dir / f"{key}.csv").unlink(missing_ok=True)
        (cache_dir / MANIFEST).unlink(missing_ok=True)


def commit(cache_dir: Path, writes: Sequence[SeriesWrite], replace_all: bool = False) -> dict[str, CacheEntry]:
    """Make a new cache generation: the current series (unless ``replace_all``) with
    ``writes`` put over them, switched in with one atomic step. Returns the new manifest.

    Holds the cache lock throughout. Any ``OSError`` (disk full, permission) leaves the cache
    exactly as it was and becomes :class:`~reportgen.errors.CacheError`.
    """
    cache_dir = Path(cache_dir)
    with cache_lock(cache_dir):
        staging = None
        gen = None
        switched = False
        try:
            old_folder, kept = _readable_current(cache_dir)
            merged = {} if replace_all else dict(kept)
            merged.update({w.entry.key: w for w in writes})
            numbers = _generation_numbers(cache_dir)
            gen = cache_dir / f"gen-{(numbers[-1] + 1 if numbers else 1):06d}"
            staging = cache_dir / f".staging-{os.getpid()}-{secrets.token_hex(4)}"
            staging.mkdir()
            for key, w in sorted(merged.items()):
                _write_file(staging / f"{key}.csv", w.data)
            entries = {k: w.entry for k, w in merged.items()}
            _write_file(staging / MANIFEST, manifest_bytes(entries))
            fsync_dir(staging)
            os.rename(staging, gen)
            staging = None
            atomic_write_bytes(cache_dir / CURRENT, f"{gen.name}\n".encode())
            switched = True
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                reason = "the disk is full"
            else:
                reason = exc.strerror or type(exc).__name__
            raise CacheError(f"could not write the cache at {cache_dir}: {reason}; the cache is unchanged") from None
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
            if gen is not None and not switched:
                shutil.rmtree(gen, ignore_errors=True)
        keep = {gen.name} | ({old_folder.name} if old_folder is not None and old_folder != cache_dir else set())
        try:
            _cleanup(cache_dir, keep, kept if old_folder == cache_dir else None)
        except OSError:
            pass  # leftovers are removed by the next writer
    return entries


def write_series(cache_dir: Path, key: str, symbol: str, source: str, origin: str,
                 clean: CleanSeries, kind: str, now: dt.datetime) -> CacheEntry:
    """Put one series into a new cache generation (the others are kept). Returns its entry."""
    w = make_write(key, symbol, source, origin, clean, kind, now)
    commit(cache_dir, [w])
    return w.entry


def cache_files(cache_dir: Path) -> dict[str, bytes]:
    """File name -> bytes of the current generation (``{}`` without a cache); for tests and tools."""
    folder = current_folder(cache_dir)
    if folder is None:
        return {}
    names = [f"{k}.csv" for k in read_manifest(cache_dir)] + [MANIFEST]
    return {n: (folder / n).read_bytes() for n in sorted(names)}

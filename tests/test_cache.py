"""Cache: atomic writes, manifest round trip, SHA-256 checks."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from reportgen.data import cache
from reportgen.data.cache import (
    MANIFEST,
    CacheEntry,
    atomic_write_bytes,
    read_manifest,
    read_series_bytes,
    series_to_csv,
    write_series,
)
from reportgen.data.validate import validate_frame
from reportgen.errors import DataValidationError

NOW = dt.datetime(2026, 1, 20, 12, 0, tzinfo=dt.timezone.utc)



def clean_price(closes=(100.0, 101.5, 99.0), volumes=None, start="2024-01-02"):
    dates = pd.bdate_range(start, periods=len(closes)).strftime("%Y-%m-%d")
    raw = {"date": list(dates), "close": [repr(float(c)) for c in closes]}
    if volumes is not None:
        raw["volume"] = [str(v) for v in volumes]
    return validate_frame(pd.DataFrame(raw, dtype=str), "RUT", "price", 0.5)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --------------------------------------------------------------------------- atomic writes


def test_atomic_write_creates_folder_and_file(tmp_path):
    target = tmp_path / "sub" / "x.csv"
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert leftovers(target.parent) == []


def test_atomic_write_replaces(tmp_path):
    target = tmp_path / "x.csv"
    target.write_bytes(b"old")
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("where", ["replace", "fsync"])
def test_crash_leaves_old_file_and_no_temp(tmp_path, monkeypatch, where):
    target = tmp_path / "x.csv"
    target.write_bytes(b"old")

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, where, crash)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(target, b"new contents")
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_crash_mid_write_leaves_old_file(tmp_path, monkeypatch):
    """The handle writes half the bytes, then the process 'dies' (KeyboardInterrupt)."""
    target = tmp_path / "x.csv"
    target.write_bytes(b"old")
    real_fdopen = os.fdopen

    class HalfWriter(io.RawIOBase):
        def __init__(self, fh):
            self.fh = fh

        def write(self, data):
            self.fh.write(data[: len(data) // 2])
            self.fh.flush()
            raise KeyboardInterrupt

        def fileno(self):
            return self.fh.fileno()

        def close(self):
            self.fh.close()

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: HalfWriter(real_fdopen(fd, mode)))
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(target, b"0123456789" * 10)
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert leftovers(tmp_path) == []
def test_atomic_write_respects_umask(tmp_path):
    old = os.umask(0o022)
    try:
        plain = tmp_path / "plain.csv"
        plain.write_bytes(b"x")
        target = tmp_path / "x.csv"
        atomic_write_bytes(target, b"new")
    finally:
        os.umask(old)
    assert plain.stat().st_mode & 0o777 == 0o644
    assert oct(target.stat().st_mode & 0o777) == oct(plain.stat().st_mode & 0o777)


# --------------------------------------------------------------------------- serialisation


def test_series_to_csv_schema_and_determinism():
    clean = clean_price(volumes=(10, 20, 30))
    data = series_to_csv(clean, "price")
    assert data == series_to_csv(clean, "price")
    assert data.decode().splitlines() == [
        "date,close,volume",
        "2024-01-02,100,10",
        "2024-01-03,101.5,20",
        "2024-01-04,99,30",
    ]


def test_series_to_csv_fred_schema():
    raw = pd.DataFrame({"date": ["2024-01-03", "2024-01-10"], "value": ["-0.5", "0.25"]})
    clean = validate_frame(raw, "NFCI", "fred", 0.5)
    assert series_to_csv(clean, "fred").decode() == "date,value\n2024-01-03,-0.5\n2024-01-10,0.25\n"


# --------------------------------------------------------------------------- manifest + round trip


def test_read_manifest_of_missing_cache_is_empty(tmp_path):
    assert read_manifest(tmp_path / "nothing") == {}


def test_write_series_round_trip(tmp_path):
    clean = clean_price(closes=(457.334015, 424.440002, 394.79599), volumes=(21056800, 34483200, 37919700))
    entry = write_series(tmp_path, "BTC", "BTC-USD", "csv", "/data/BTC-USD.csv", clean, "price", NOW)
    assert entry == CacheEntry(
        key="BTC", symbol="BTC-USD", source="csv", origin="/data/BTC-USD.csv",
        fetched_at="2026-01-20T12:00:00+00:00", first="2024-01-02", last="2024-01-04", rows=3,
        sha256=entry.sha256, flags=(),
    )
    assert read_manifest(tmp_path) == {"BTC": entry}
    data = read_series_bytes(tmp_path, entry)
    back = validate_frame(pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False), "BTC", "price", 0.5)
    pd.testing.assert_series_equal(back.values, clean.values, check_names=False)
    pd.testing.assert_series_equal(back.volume, clean.volume, check_names=False)
    assert leftovers(tmp_path) == []


def test_manifest_keeps_other_entries_and_flags(tmp_path):
    a = write_series(tmp_path, "RUT", "^RUT", "csv", "a", clean_price(), "price", NOW)
    jumpy = clean_price(closes=(100.0, 250.0))
    b = write_series(tmp_path, "GSPC", "^GSPC", "yfinance", "b", jumpy, "price", NOW)
    manifest = read_manifest(tmp_path)
    assert manifest == {"RUT": a, "GSPC": b}
    assert manifest["GSPC"].flags == jumpy.flags and len(jumpy.flags) == 1
    raw = json.loads((tmp_path / MANIFEST).read_text())
    assert list(raw) == ["GSPC", "RUT"]  # sorted, deterministic
def test_round_trip_is_exact_for_large_volumes(tmp_path):
    clean = clean_price(closes=(84383.0, 84379.1), volumes=(46088463341, 37106744985))
    entry = write_series(tmp_path, "BTC", "BTC-USD", "csv", "x", clean, "price", NOW)
    data = read_series_bytes(tmp_path, entry)
    back = pd.read_csv(io.BytesIO(data))
    assert back["volume"].tolist() == [46088463341.0, 37106744985.0]


def test_sha_mismatch_raises_with_hint(tmp_path):
    entry = write_series(tmp_path, "RUT", "^RUT", "csv", "x", clean_price(), "price", NOW)
    path = tmp_path / "RUT.csv"
    path.write_bytes(path.read_bytes().replace(b"101.5", b"999.5"))
    with pytest.raises(DataValidationError, match=r"cache file .*RUT\.csv does not match its manifest \(sha256 ") as info:
        read_series_bytes(tmp_path, entry)
    assert "reportgen import" in info.value.hint


def test_corrupt_manifest_raises_with_hint(tmp_path):
    (tmp_path / MANIFEST).write_text("{not json", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"cache manifest .*manifest\.json is corrupt") as info:
        read_manifest(tmp_path)
    assert "delete the cache folder" in info.value.hint
def test_missing_series_file_is_a_clean_error(tmp_path):
    entry = write_series(tmp_path, "RUT", "^RUT", "csv", "x", clean_price(), "price", NOW)
    (tmp_path / "RUT.csv").unlink()
    with pytest.raises(DataValidationError, match="RUT.csv"):
        read_series_bytes(tmp_path, entry)


def test_crash_while_writing_series_leaves_cache_intact(tmp_path, monkeypatch):
    old = write_series(tmp_path, "RUT", "^RUT", "csv", "x", clean_price(), "price", NOW)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    monkeypatch.setattr(cache.os, "replace", lambda *a: (_ for _ in ()).throw(OSError("power cut")))
    with pytest.raises(OSError, match="power cut"):
        write_series(tmp_path, "RUT", "^RUT", "csv", "y", clean_price(closes=(1.0, 2.0)), "price", NOW)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert read_manifest(tmp_path) == {"RUT": old}
    read_series_bytes(tmp_path, old)  # still consistent


def test_crash_between_series_and_manifest_is_detected(tmp_path, monkeypatch):
    """The CSV is replaced but the manifest write dies: the next read refuses the file
    (sha mismatch with a hint to re-import) instead of silently using it."""
    write_series(tmp_path, "RUT", "^RUT", "csv", "x", clean_price(), "price", NOW)
    real_replace = os.replace

    def replace(src, dst):
        if str(dst).endswith(MANIFEST):
            raise OSError("power cut")
        real_replace(src, dst)

    monkeypatch.setattr(cache.os, "replace", replace)
    with pytest.raises(OSError, match="power cut"):
        write_series(tmp_path, "RUT", "^RUT", "csv", "y", clean_price(closes=(1.0, 2.0)), "price", NOW)
    monkeypatch.undo()
    assert leftovers(tmp_path) == []
    entry = read_manifest(tmp_path)["RUT"]
    with pytest.raises(DataValidationError, match="does not match its manifest"):
        read_series_bytes(tmp_path, entry)

"""Cache: atomic writes, generations switched in one step, lock, manifest round trip, SHA-256 checks."""

from __future__ import annotations

import datetime as dt
import errno
import io
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from reportgen.data import cache
from reportgen.data.cache import (
    CURRENT,
    MANIFEST,
    CacheEntry,
    atomic_write_bytes,
    cache_files,
    cache_lock,
    commit,
    current_folder,
    make_write,
    read_cache,
    read_manifest,
    read_series_bytes,
    series_to_csv,
    write_series,
)
from reportgen.data.validate import validate_frame
from reportgen.errors import CacheError, CacheLockedError, DataValidationError

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


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes), the lock file excluded."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".lock"}


def test_read_manifest_of_missing_cache_is_empty(tmp_path):
    assert read_manifest(tmp_path / "nothing") == {}
    assert read_cache(tmp_path / "nothing").entries == {}


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


def test_layout_is_a_generation_behind_one_pointer(tmp_path):
    write_series(tmp_path, "RUT", "^RUT", "csv", "a", clean_price(), "price", NOW)
    assert (tmp_path / CURRENT).read_text() == "gen-000001\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock", CURRENT, "gen-000001"]
    assert sorted(p.name for p in (tmp_path / "gen-000001").iterdir()) == ["RUT.csv", MANIFEST]
    assert current_folder(tmp_path) == tmp_path / "gen-000001"
    write_series(tmp_path, "BTC", "BTC-USD", "csv", "b", clean_price(), "price", NOW)
    write_series(tmp_path, "RUT", "^RUT", "csv", "c", clean_price(closes=(1.0, 1.1)), "price", NOW)
    # the previous generation stays for readers that resolved it; older ones are removed
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock", CURRENT, "gen-000002", "gen-000003"]
    assert set(cache_files(tmp_path)) == {"RUT.csv", "BTC.csv", MANIFEST}
    assert read_manifest(tmp_path)["RUT"].origin == "c" and read_manifest(tmp_path)["BTC"].origin == "b"


def test_manifest_keeps_other_entries_and_flags(tmp_path):
    a = write_series(tmp_path, "RUT", "^RUT", "csv", "a", clean_price(), "price", NOW)
    jumpy = clean_price(closes=(100.0, 250.0))
    b = write_series(tmp_path, "GSPC", "^GSPC", "yfinance", "b", jumpy, "price", NOW)
    manifest = read_manifest(tmp_path)
    assert manifest == {"RUT": a, "GSPC": b}
    assert manifest["GSPC"].flags == jumpy.flags and len(jumpy.flags) == 1
    raw = json.loads(cache_files(tmp_path)[MANIFEST])
    assert list(raw) == ["GSPC", "RUT"]  # sorted, deterministic


def test_null_close_counts_round_trip(tmp_path):
    w = make_write("GSPC", "^GSPC", "yfinance", "y", clean_price(), "price", NOW, null_closes=2,
                   null_month_ends=("2020-03-31",))
    commit(tmp_path, [w])
    entry = read_manifest(tmp_path)["GSPC"]
    assert entry.null_closes == 2 and entry.null_month_ends == ("2020-03-31",)
    assert json.loads(cache_files(tmp_path)[MANIFEST])["GSPC"]["null_month_ends"] == ["2020-03-31"]


def test_round_trip_is_exact_for_large_volumes(tmp_path):
    clean = clean_price(closes=(84383.0, 84379.1), volumes=(46088463341, 37106744985))
    entry = write_series(tmp_path, "BTC", "BTC-USD", "csv", "x", clean, "price", NOW)
    data = read_series_bytes(tmp_path, entry)
    back = pd.read_csv(io.BytesIO(data))
    assert back["volume"].tolist() == [46088463341.0, 37106744985.0]


def test_sha_mismatch_raises_with_hint(tmp_path):
    entry = write_series(tmp_path, "RUT", "^RUT", "csv", "x", clean_price(), "price", NOW)
    path = current_folder(tmp_path) / "RUT.csv"
    path.write_bytes(path.read_bytes().replace(b"101.5", b"999.5"))
    with pytest.raises(DataValidationError, match=r"cache file .*RUT\.csv does not match its manifest \(sha256 ") as info:
        read_series_bytes(tmp_path, entry)
    assert "reportgen import" in info.value.hint
    with pytest.raises(DataValidationError, match=r"does not match its manifest"):
        read_cache(tmp_path)


def test_corrupt_manifest_raises_with_hint(tmp_path):
    write_series(tmp_path, "RUT", "^RUT", "csv", "x", clean_price(), "price", NOW)
    (current_folder(tmp_path) / MANIFEST).write_text("{not json", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"cache manifest .*manifest\.json is corrupt") as info:
        read_manifest(tmp_path)
    assert "delete the cache folder" in info.value.hint


def test_missing_series_file_is_a_clean_error(tmp_path):
    entry = write_series(tmp_path, "RUT", "^RUT", "csv", "x", clean_price(), "price", NOW)
    (current_folder(tmp_path) / "RUT.csv").unlink()
    with pytest.raises(DataValidationError, match=r"RUT\.csv is missing but listed in the manifest"):
        read_series_bytes(tmp_path, entry)
    with pytest.raises(DataValidationError, match=r"RUT\.csv is missing but listed in the manifest"):
        read_cache(tmp_path)


def test_corrupt_pointer(tmp_path):
    write_series(tmp_path, "RUT", "^RUT", "csv", "x", clean_price(), "price", NOW)
    (tmp_path / CURRENT).write_text("../../etc\n")
    with pytest.raises(DataValidationError, match=r"cache pointer .*CURRENT is corrupt: '\.\./\.\./etc' is not a cache generation") as info:
        read_cache(tmp_path)
    assert "delete the cache folder" in info.value.hint
    # a writer replaces a corrupt cache instead of refusing to run
    write_series(tmp_path, "BTC", "BTC-USD", "csv", "y", clean_price(), "price", NOW)
    assert set(read_cache(tmp_path).entries) == {"BTC"}


# --------------------------------------------------------------------------- crashes and full disks


def test_crash_while_writing_leaves_cache_intact(tmp_path, monkeypatch):
    old = write_series(tmp_path, "RUT", "^RUT", "csv", "x", clean_price(), "price", NOW)
    before = tree(tmp_path)
    monkeypatch.setattr(cache.os, "rename", lambda *a: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
    with pytest.raises(CacheError, match=r"^could not write the cache at .*: I/O error; the cache is unchanged$") as info:
        write_series(tmp_path, "RUT", "^RUT", "csv", "y", clean_price(closes=(1.0, 2.0)), "price", NOW)
    monkeypatch.undo()
    assert info.value.exit_code == 7
    assert tree(tmp_path) == before
    assert read_manifest(tmp_path) == {"RUT": old}
    read_series_bytes(tmp_path, old)  # still consistent


def test_crash_between_generation_and_pointer_switch(tmp_path, monkeypatch):
    """The new generation is complete but the pointer switch dies: the old generation is
    still the cache, and the orphan is removed (now or by the next writer)."""
    write_series(tmp_path, "RUT", "^RUT", "csv", "x", clean_price(), "price", NOW)
    before = tree(tmp_path)
    real_replace = os.replace

    def replace(src, dst):
        if str(dst).endswith(CURRENT):
            raise OSError(errno.EIO, "power cut")
        real_replace(src, dst)

    monkeypatch.setattr(cache.os, "replace", replace)
    with pytest.raises(CacheError, match="power cut; the cache is unchanged"):
        write_series(tmp_path, "RUT", "^RUT", "csv", "y", clean_price(closes=(1.0, 2.0)), "price", NOW)
    monkeypatch.undo()
    assert tree(tmp_path) == before
    assert leftovers(tmp_path) == []


def test_disk_full_halfway_through_an_import_changes_nothing(tmp_path, monkeypatch):
    """ENOSPC on the third file of a three-series generation: nothing of the new data is
    visible, no staging folder is left, and the error says the disk is full."""
    commit(tmp_path, [make_write(k, k, "csv", "old", clean_price(), "price", NOW) for k in ("RUT", "GSPC", "BTC")])
    before = tree(tmp_path)
    real = cache._write_file
    calls = []

    def write(path, data):
        calls.append(path.name)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, data)

    monkeypatch.setattr(cache, "_write_file", write)
    new = [make_write(k, k, "csv", "new", clean_price(closes=(5.0, 6.0)), "price", NOW) for k in ("RUT", "GSPC", "BTC")]
    with pytest.raises(CacheError, match=r"could not write the cache at .*: the disk is full; the cache is unchanged"):
        commit(tmp_path, new)
    monkeypatch.undo()
    assert tree(tmp_path) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".staging-")]
    assert {e.origin for e in read_cache(tmp_path).entries.values()} == {"old"}


def test_permission_denied_is_a_clean_error(tmp_path, monkeypatch):
    write_series(tmp_path, "RUT", "^RUT", "csv", "x", clean_price(), "price", NOW)
    before = tree(tmp_path)

    def denied(path, data):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(cache, "_write_file", denied)
    with pytest.raises(CacheError, match=r"could not write the cache at .*: Permission denied; the cache is unchanged"):
        write_series(tmp_path, "RUT", "^RUT", "csv", "y", clean_price(), "price", NOW)
    monkeypatch.undo()
    assert tree(tmp_path) == before


def test_cache_dir_that_is_a_file(tmp_path):
    target = tmp_path / "cache"
    target.write_text("not a folder")
    with pytest.raises(CacheError, match=r"^data\.cache_dir .*cache is a file, not a folder$") as info:
        write_series(target, "RUT", "^RUT", "csv", "x", clean_price(), "price", NOW)
    assert info.value.exit_code == 7
    with pytest.raises(CacheError, match=r"is a file, not a folder"):
        read_cache(target)
    with pytest.raises(CacheError, match=r"cannot be created: a path component is a file"):
        write_series(target / "sub", "RUT", "^RUT", "csv", "x", clean_price(), "price", NOW)
    assert target.read_text() == "not a folder"


def test_lock_held_by_another_run(tmp_path, monkeypatch):
    import filelock

    write_series(tmp_path, "RUT", "^RUT", "csv", "x", clean_price(), "price", NOW)
    before = tree(tmp_path)
    monkeypatch.setattr(cache, "LOCK_TIMEOUT_SECONDS", 0.2)
    import threading

    held, release = threading.Event(), threading.Event()

    def hold():
        with filelock.FileLock(str(tmp_path / ".lock")):
            held.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(10)
    try:
        with pytest.raises(CacheLockedError, match=r"^another reportgen run holds the cache lock \(.*\.lock\); try again when it finishes$") as info:
            write_series(tmp_path, "RUT", "^RUT", "csv", "y", clean_price(), "price", NOW)
    finally:
        release.set()
        t.join()
    assert info.value.exit_code == 7
    assert tree(tmp_path) == before
    with cache_lock(tmp_path):  # free again
        pass


def test_reader_follows_a_generation_switch(tmp_path, monkeypatch):
    """A reader that resolved a generation a writer has since removed resolves again."""
    for origin in ("a", "b", "c"):
        write_series(tmp_path, "RUT", "^RUT", "csv", origin, clean_price(), "price", NOW)
    assert not (tmp_path / "gen-000001").exists()
    real = cache.current_folder
    answers = [tmp_path / "gen-000001"]

    def resolve(d):
        return answers.pop() if answers else real(d)

    monkeypatch.setattr(cache, "current_folder", resolve)
    got = read_cache(tmp_path)
    assert got.folder == tmp_path / "gen-000003" and got.entries["RUT"].origin == "c"


# --------------------------------------------------------------------------- the layout before generations


def legacy_cache(folder: Path) -> CacheEntry:
    """A cache as reportgen wrote it before generations: CSVs and manifest.json in cache/."""
    w = make_write("RUT", "^RUT", "csv", "legacy", clean_price(), "price", NOW)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "RUT.csv").write_bytes(w.data)
    (folder / MANIFEST).write_bytes(cache.manifest_bytes({"RUT": w.entry}))
    return w.entry


def test_legacy_cache_is_read(tmp_path):
    entry = legacy_cache(tmp_path)
    got = read_cache(tmp_path)
    assert got.folder == tmp_path and dict(got.entries) == {"RUT": entry}
    assert read_series_bytes(tmp_path, entry) == got.data["RUT"]


def test_legacy_cache_moves_into_a_generation_on_the_next_write(tmp_path):
    legacy_cache(tmp_path)
    write_series(tmp_path, "BTC", "BTC-USD", "csv", "new", clean_price(), "price", NOW)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock", CURRENT, "gen-000001"]
    entries = read_cache(tmp_path).entries
    assert entries["RUT"].origin == "legacy" and entries["BTC"].origin == "new"

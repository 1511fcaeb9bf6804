"""Concurrent cache writers and readers (issue 11, items 2 and 3).

Two processes import different snapshots into the same cache at the same time, 20 times in
a row, while a third process keeps reading it. After every trial the cache verifies
(every SHA-256 matches its manifest) and is exactly one of the two snapshots, byte for
byte; every read in between saw one whole snapshot, never a mix.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reportgen.config import parse_config
from reportgen.data.cache import cache_files, read_cache
from reportgen.data.store import import_folder
from tests.conftest import ROOT

TEXT = (ROOT / "config.toml").read_text(encoding="utf-8")
NOW = dt.datetime(2026, 11, 21, 6, 0, tzinfo=dt.timezone.utc)
CTX = multiprocessing.get_context("fork")


def make_cfg(cache: Path):
    cfg = parse_config(TEXT)
    series = tuple(s for s in cfg.series if s.key in ("RUT", "BTC", "HYOAS"))
    return dataclasses.replace(cfg, series=series, data=dataclasses.replace(cfg.data, cache_dir=str(cache)))


def make_snapshot(folder: Path, seed: int) -> Path:
    """Three series over 2010-2020 (a few thousand rows each), values depending on ``seed``."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for name, days, col in (("RUT.csv", pd.bdate_range("2010-01-01", "2020-12-31"), "close"),
                            ("BTC-USD.csv", pd.date_range("2014-09-17", "2020-12-31"), "close"),
                            ("BAMLH0A0HYM2.csv", pd.bdate_range("2010-01-01", "2020-12-31"), "value")):
        values = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(days))))
        pd.DataFrame({"date": days.strftime("%Y-%m-%d"), col: np.round(values, 4)}).to_csv(folder / name, index=False)
    return folder


def fingerprint(files: dict[str, bytes]) -> str:
    return hashlib.sha256(b"".join(n.encode() + b"\0" + d for n, d in sorted(files.items()))).hexdigest()


def _import(cache: str, folder: str) -> None:
    import_folder(make_cfg(Path(cache)), Path(folder), NOW)


def _reader(cache: str, stop, out) -> None:
    seen: dict[str, int] = {}
    errors: list[str] = []
    while not stop.is_set():
        try:
            got = read_cache(Path(cache))
            files = {f"{k}.csv": v for k, v in got.data.items()}
            files["manifest.json"] = (got.folder / "manifest.json").read_bytes() if got.folder else b""
            key = fingerprint(files)
            seen[key] = seen.get(key, 0) + 1
        except Exception as exc:  # noqa: BLE001 - recorded and asserted on
            errors.append(f"{type(exc).__name__}: {exc}")
    out.put((seen, errors))


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory):
    base = tmp_path_factory.mktemp("snapshots")
    a, b = make_snapshot(base / "a", 1), make_snapshot(base / "b", 2)
    refs = {}
    for name, folder in (("a", a), ("b", b)):
        _import(str(base / f"ref-{name}"), str(folder))
        refs[name] = cache_files(base / f"ref-{name}")
    assert refs["a"]["RUT.csv"] != refs["b"]["RUT.csv"]
    return a, b, refs


@pytest.mark.slow
def test_two_concurrent_imports_x20_leave_one_whole_snapshot(tmp_path, snapshots):
    a, b, refs = snapshots
    cache = tmp_path / "cache"
    _import(str(cache), str(a))
    wanted = {fingerprint(refs["a"]): "a", fingerprint(refs["b"]): "b"}
    stop, out = CTX.Event(), CTX.Queue()
    reader = CTX.Process(target=_reader, args=(str(cache), stop, out))
    reader.start()
    winners = []
    try:
        for trial in range(20):
            first, second = (a, b) if trial % 2 else (b, a)
            procs = [CTX.Process(target=_import, args=(str(cache), str(f))) for f in (first, second)]
            for p in procs:
                p.start()
            for p in procs:
                p.join(120)
            assert [p.exitcode for p in procs] == [0, 0], trial
            got = read_cache(cache)  # verifies every SHA-256
            files = cache_files(cache)
            assert set(files) == {"RUT.csv", "BTC.csv", "HYOAS.csv", "manifest.json"}
            assert fingerprint(files) in wanted, f"trial {trial}: the cache mixes the snapshots"
            assert set(got.entries) == {"RUT", "BTC", "HYOAS"}
            winners.append(wanted[fingerprint(files)])
            generations = [p.name for p in cache.iterdir() if p.name.startswith("gen-")]
            assert len(generations) <= 2 and not [p for p in cache.iterdir() if p.name.startswith(".staging-")]
    finally:
        stop.set()
        seen, errors = out.get(timeout=60)
        reader.join(60)
    assert errors == []
    assert set(seen) <= set(wanted), "a reader saw a mix of the two snapshots"
    assert sum(seen.values()) > 20  # the reader really ran alongside the writers
    assert len(winners) == 20


@pytest.mark.slow
def test_concurrent_cli_imports(tmp_path, snapshots):
    """The same through the real command line, in separate interpreters (3 trials)."""
    a, b, refs = snapshots
    cfg_path = tmp_path / "config.toml"
    cfg_path.write_text(TEXT.replace('cache_dir = "cache"', f'cache_dir = "{(tmp_path / "cache").as_posix()}"'),
                        encoding="utf-8")
    exe = Path(sys.executable).with_name("reportgen")
    env = {**os.environ, "COLUMNS": "200"}
    for _ in range(3):
        procs = [subprocess.Popen([str(exe), "--config", str(cfg_path), "import", str(f)], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for f in (a, b)]
        outs = [p.communicate(timeout=120)[0].decode() for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outs
        assert "Traceback" not in "".join(outs)
        files = cache_files(tmp_path / "cache")
        read_cache(tmp_path / "cache")
        csvs = {n: d for n, d in files.items() if n.endswith(".csv")}
        assert csvs in ({n: d for n, d in refs["a"].items() if n.endswith(".csv")},
                        {n: d for n, d in refs["b"].items() if n.endswith(".csv")})


@pytest.mark.slow
def test_import_killed_at_random_points_leaves_one_whole_snapshot(tmp_path, snapshots):
    """SIGKILL an import after a random delay (20 trials, seeded): the cache always verifies
    and is the old or the new snapshot; the next import cleans up what the killed one left."""
    import signal
    import time

    a, b, refs = snapshots
    cache = tmp_path / "cache"
    _import(str(cache), str(a))
    wanted = {fingerprint(refs["a"]): "a", fingerprint(refs["b"]): "b"}
    rng = np.random.default_rng(20261121)
    t0 = time.perf_counter()
    p = CTX.Process(target=_import, args=(str(cache), str(b)))
    p.start()
    p.join(60)
    full = time.perf_counter() - t0  # how long one import takes here, process start included
    _import(str(cache), str(a))
    outcomes = []
    for _ in range(20):
        p = CTX.Process(target=_import, args=(str(cache), str(b if outcomes.count("b") <= outcomes.count("a") else a)))
        p.start()
        time.sleep(rng.uniform(0, full))
        os.kill(p.pid, signal.SIGKILL)
        p.join(60)
        read_cache(cache)  # verifies every SHA-256
        files = cache_files(cache)
        assert fingerprint(files) in wanted, "a killed import left a mix"
        outcomes.append(wanted[fingerprint(files)])
    _import(str(cache), str(a))
    assert not [q for q in cache.iterdir() if q.name.startswith(".staging-")]
    assert len([q for q in cache.iterdir() if q.name.startswith("gen-")]) <= 2

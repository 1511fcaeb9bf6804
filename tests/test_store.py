"""Cache orchestration: import_folder, fetch_all, load_cached_bundle (stale, missing, --as-of)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reportgen.config import parse_config
from reportgen.data import store
from reportgen.data.cache import cache_files, current_folder, read_manifest
from reportgen.data.sources import FetchedFrame
from reportgen.data.store import cache_dir, default_fetcher, fetch_all, import_folder, load_cached_bundle
from reportgen.errors import AsOfError, CacheError, DataValidationError, NoCachedDataError, SourceError
from tests.conftest import ROOT

TEXT = (ROOT / "config.toml").read_text(encoding="utf-8")
NOW = dt.datetime(2024, 7, 1, 8, 0, tzinfo=dt.timezone.utc)
LATER = dt.datetime(2024, 8, 2, 8, 0, tzinfo=dt.timezone.utc)



def make_cfg(tmp_path: Path, keys=("RUT", "BTC", "HYOAS"), **data):
    cfg = parse_config(TEXT)
    series = tuple(s for s in cfg.series if s.key in keys)
    data = {"cache_dir": str(tmp_path / "cache"), "sample_start": dt.date(2024, 1, 1), **data}
    return dataclasses.replace(cfg, series=series, data=dataclasses.replace(cfg.data, **data))


def levels(n: int, seed: int, start: float = 100.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return start * np.exp(np.cumsum(rng.normal(0, 0.01, n)))


def write_csv(path: Path, dates: pd.DatetimeIndex, col: str = "close", values=None, volume: bool = False) -> None:
    values = levels(len(dates), len(path.name)) if values is None else values
    frame = pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), col: np.round(values, 4)})
    if volume:
        frame["volume"] = 1000 + np.arange(len(dates))
    frame.to_csv(path, index=False)


def make_folder(folder: Path, end: str = "2024-06-28", hyoas_end: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "RUT.csv", pd.bdate_range("2023-11-01", end))
    write_csv(folder / "BTC-USD.csv", pd.date_range("2023-11-01", end), volume=True)
    write_csv(folder / "BAMLH0A0HYM2.csv", pd.bdate_range("2023-11-01", hyoas_end or end), col="value",
              values=np.linspace(3.5, 4.0, len(pd.bdate_range("2023-11-01", hyoas_end or end))))
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of the cache folder (all generations, the pointer), by relative path."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def current(folder: Path) -> dict[str, bytes]:
    """The files of the current cache generation, by name."""
    return cache_files(folder)


# --------------------------------------------------------------------------- cache_dir


def test_cache_dir_relative_to_config_file(tmp_path):
    cfg = dataclasses.replace(make_cfg(tmp_path), path=str(tmp_path / "proj" / "config.toml"))
    cfg = dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, cache_dir="cache"))
    assert cache_dir(cfg) == tmp_path / "proj" / "cache"
    assert cache_dir(make_cfg(tmp_path)) == tmp_path / "cache"


# --------------------------------------------------------------------------- import


def test_import_folder_writes_every_found_series(tmp_path):
    cfg = make_cfg(tmp_path, keys=("RUT", "GSPC", "BTC", "HYOAS"))
    outcomes = import_folder(cfg, make_folder(tmp_path / "in"), NOW)
    assert [o.key for o in outcomes] == ["RUT", "GSPC", "BTC", "HYOAS"]  # config order
    assert [o.ok for o in outcomes] == [True, False, True, True]
    assert outcomes[1].message.startswith("GSPC.csv not in ")
    assert outcomes[0].message.endswith("2023-11-01 → 2024-06-28")
    manifest = read_manifest(tmp_path / "cache")
    assert set(manifest) == {"RUT", "BTC", "HYOAS"}
    assert manifest["BTC"].source == "csv"
    assert manifest["BTC"].origin == str((tmp_path / "in" / "BTC-USD.csv").resolve())
    assert manifest["RUT"].fetched_at == "2024-07-01T08:00:00+00:00"


def test_import_with_one_bad_file_writes_nothing(tmp_path):
    cfg = make_cfg(tmp_path)
    import_folder(cfg, make_folder(tmp_path / "good"), NOW)
    before = snapshot(tmp_path / "cache")
    bad = make_folder(tmp_path / "bad", end="2024-07-31")
    text = (bad / "BAMLH0A0HYM2.csv").read_text().splitlines()
    text[5], text[6] = text[6], text[5]  # unsorted rows in the last file validated
    (bad / "BAMLH0A0HYM2.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(DataValidationError, match=r"^BAMLH0A0HYM2\.csv: rows are not sorted by date"):
        import_folder(cfg, bad, LATER)
    assert snapshot(tmp_path / "cache") == before


def test_import_into_empty_cache_with_bad_file_creates_nothing(tmp_path):
    cfg = make_cfg(tmp_path)
    folder = make_folder(tmp_path / "in")
    (folder / "BTC-USD.csv").write_text("date,close\n2024-01-01,-1\n")
    with pytest.raises(DataValidationError, match=r"BTC-USD\.csv: non-positive price -1\.0 on 2024-01-01"):
        import_folder(cfg, folder, NOW)
    assert not (tmp_path / "cache").exists()


def test_import_missing_folder(tmp_path):
    with pytest.raises(DataValidationError, match=r"import folder .*nowhere does not exist") as info:
        import_folder(make_cfg(tmp_path), tmp_path / "nowhere", NOW)
    assert "RUT.csv" in info.value.hint


def test_import_folder_without_configured_series(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "other.csv").write_text("date,close\n2024-01-01,1\n")
    with pytest.raises(DataValidationError, match=r"no configured series found in .*; expected files like RUT\.csv, BTC-USD\.csv"):
        import_folder(make_cfg(tmp_path), tmp_path / "in", NOW)


def test_import_header_only_file(tmp_path):
    folder = make_folder(tmp_path / "in")
    (folder / "RUT.csv").write_text("date,close\n")
    with pytest.raises(DataValidationError, match=r"^RUT\.csv: no rows$"):
        import_folder(make_cfg(tmp_path), folder, NOW)
def test_import_zero_byte_file(tmp_path):
    folder = make_folder(tmp_path / "in")
    (folder / "RUT.csv").write_bytes(b"")
    with pytest.raises(DataValidationError, match=r"RUT\.csv"):
        import_folder(make_cfg(tmp_path), folder, NOW)


# --------------------------------------------------------------------------- fetch


def fake_fetcher(folder: Path, fail: dict[str, Exception]):
    """Fetcher that serves the CSVs of ``folder`` (as a live source would) or raises."""

    def fetch(s):
        if s.key in fail:
            raise fail[s.key]
        name = s.symbol.lstrip("^") + ".csv"
        return FetchedFrame(pd.read_csv(folder / name, dtype=str), f"fake:{s.symbol}")

    return fetch


def test_fetch_all_failure_keeps_that_series_cached(tmp_path):
    cfg = make_cfg(tmp_path)
    import_folder(cfg, make_folder(tmp_path / "old"), NOW)
    before = current(tmp_path / "cache")
    old_manifest = read_manifest(tmp_path / "cache")
    seen = []
    fetcher = fake_fetcher(make_folder(tmp_path / "new", end="2024-07-31"), {"BTC": SourceError("yfinance BTC-USD: rate limited")})
    outcomes = fetch_all(cfg, LATER, fetcher, on_series=lambda s, o: seen.append((s.key, o.ok)))
    assert seen == [("RUT", True), ("BTC", False), ("HYOAS", True)]
    assert outcomes[1].message == "yfinance BTC-USD: rate limited"
    assert outcomes[0].message.endswith("rows to 2024-07-31")
    after = current(tmp_path / "cache")
    assert after["BTC.csv"] == before["BTC.csv"]
    assert after["RUT.csv"] != before["RUT.csv"]
    manifest = read_manifest(tmp_path / "cache")
    assert manifest["BTC"] == old_manifest["BTC"]
    assert manifest["RUT"].last == "2024-07-31" and manifest["RUT"].origin == "fake:^RUT"
    assert manifest["RUT"].source == "yfinance" and manifest["HYOAS"].source == "fred"


def test_fetch_all_invalid_answer_keeps_cached_copy(tmp_path):
    cfg = make_cfg(tmp_path)
    import_folder(cfg, make_folder(tmp_path / "old"), NOW)
    before = snapshot(tmp_path / "cache")

    def fetcher(s):
        return FetchedFrame(pd.DataFrame({"date": ["2024-07-01", "2024-07-01"], "close": ["1", "2"], "value": ["1", "2"]}), "x")

    outcomes = fetch_all(cfg, LATER, fetcher)
    assert not any(o.ok for o in outcomes)
    assert outcomes[0].message == "RUT: duplicate date 2024-07-01 (row 3)"
    assert snapshot(tmp_path / "cache") == before


def test_default_fetcher_routes_and_retries(tmp_path, monkeypatch):
    cfg = make_cfg(tmp_path, fetch_retries=2, fetch_backoff_seconds=0.0)
    calls = []

    def fred(s, opener=None):
        calls.append(("fred", s.symbol))
        raise SourceError(f"FRED {s.symbol}: down")

    def yahoo(s, start, now, history=None):
        calls.append(("yf", s.symbol, start, now))
        return FetchedFrame(pd.DataFrame({"date": ["2024-01-02"], "close": [1.0]}), "y")

    monkeypatch.setattr(store, "fetch_fred", fred)
    monkeypatch.setattr(store, "fetch_yfinance", yahoo)
    monkeypatch.setattr(store, "check_resolves", lambda host, what: None)  # pretend online
    fetch = default_fetcher(cfg, NOW)
    assert fetch(cfg.series_by_key("RUT")).origin == "y"
    assert calls == [("yf", "^RUT", dt.date(1987, 1, 1), NOW)]
    with pytest.raises(SourceError, match=r"^fred BAMLH0A0HYM2: failed after 3 attempts: FRED BAMLH0A0HYM2: down$"):
        fetch(cfg.series_by_key("HYOAS"))
    assert calls[1:] == [("fred", "BAMLH0A0HYM2")] * 3


# --------------------------------------------------------------------------- load_cached_bundle


def test_load_cached_bundle(tmp_path):
    cfg = make_cfg(tmp_path)
    import_folder(cfg, make_folder(tmp_path / "in"), NOW)
    b = load_cached_bundle(cfg, None, refresh_note="note")
    assert b.as_of == dt.date(2024, 6, 28)
    assert set(b.close) == {"RUT", "BTC", "HYOAS"}
    assert b.unavailable == {}
    assert set(b.volume) == {"BTC"}
    assert b.refresh_note == "note"
    assert b.sample_start == dt.date(2024, 1, 1)
    assert b.close["RUT"].index[0] == pd.Timestamp("2023-11-01")  # daily history kept in full
    assert {r.key for r in b.records} == {"RUT", "BTC", "HYOAS"}
    assert b.roles["HYOAS"] == "credit_spread"


def test_stale_series_is_unavailable_but_reachable(tmp_path):
    cfg = make_cfg(tmp_path)
    import_folder(cfg, make_folder(tmp_path / "in", hyoas_end="2024-03-01"), NOW)
    b = load_cached_bundle(cfg, None)
    assert "HYOAS" not in b.close and not b.has("HYOAS")
    assert b.unavailable["HYOAS"] == (
        "stale: ends 2024-03-01, 119 days before the newest series (limit data.stale_after_days = 45)"
    )
    assert b.series("HYOAS", allow_stale=True).index[-1] == pd.Timestamp("2024-03-01")
    from reportgen.errors import MissingSeriesError

    with pytest.raises(MissingSeriesError, match=r"missing series HYOAS: HYOAS: stale: ends 2024-03-01"):
        b.series("HYOAS")
    assert "HYOAS" in {r.key for r in b.records}


def test_series_within_stale_limit_is_kept(tmp_path):
    cfg = make_cfg(tmp_path)
    import_folder(cfg, make_folder(tmp_path / "in", hyoas_end="2024-05-20"), NOW)
    assert load_cached_bundle(cfg, None).has("HYOAS")


def test_absent_series_is_listed_as_unavailable(tmp_path):
    cfg = make_cfg(tmp_path, keys=("RUT", "GSPC", "BTC", "HYOAS"))
    import_folder(cfg, make_folder(tmp_path / "in"), NOW)
    b = load_cached_bundle(cfg, None)
    assert b.unavailable == {"GSPC": "no data (not in the cache or import folder)"}


def test_missing_rut_in_cache(tmp_path):
    cfg = make_cfg(tmp_path)
    folder = make_folder(tmp_path / "in")
    (folder / "RUT.csv").unlink()
    import_folder(cfg, folder, NOW)
    with pytest.raises(NoCachedDataError, match=r"the cache at .* has no RUT \(\^RUT\); the Russell 2000 series is needed") as info:
        load_cached_bundle(cfg, None)
    assert "reportgen import" in info.value.hint
    assert info.value.exit_code == 5


def test_empty_cache(tmp_path):
    with pytest.raises(NoCachedDataError, match=r"the cache at .*cache is empty") as info:
        load_cached_bundle(make_cfg(tmp_path), None)
    assert "reportgen import" in info.value.hint
def test_missing_required_series_stops_the_build(tmp_path):
    cfg = make_cfg(tmp_path)
    cfg = dataclasses.replace(
        cfg, series=tuple(dataclasses.replace(s, required=True) if s.key == "BTC" else s for s in cfg.series)
    )
    folder = make_folder(tmp_path / "in")
    (folder / "BTC-USD.csv").unlink()
    import_folder(cfg, folder, NOW)
    with pytest.raises(NoCachedDataError, match="BTC"):
        load_cached_bundle(cfg, None)


def test_tampered_cache_file_is_refused(tmp_path):
    cfg = make_cfg(tmp_path)
    import_folder(cfg, make_folder(tmp_path / "in"), NOW)
    path = current_folder(tmp_path / "cache") / "BTC.csv"
    path.write_bytes(path.read_bytes() + b"2024-06-29,1,1\n")
    with pytest.raises(DataValidationError, match=r"BTC\.csv does not match its manifest"):
        load_cached_bundle(cfg, None)


# --------------------------------------------------------------------------- --as-of


def test_as_of_truncates_every_series(tmp_path):
    cfg = make_cfg(tmp_path)
    import_folder(cfg, make_folder(tmp_path / "in"), NOW)
    as_of = dt.date(2024, 3, 15)
    b = load_cached_bundle(cfg, as_of)
    assert b.as_of == as_of
    cut = pd.Timestamp(as_of)
    for key, s in b.close.items():
        assert s.index.max() <= cut, key
    for s in b.volume.values():
        assert s.index.max() <= cut
    assert b.close["BTC"].index[-1] == cut
    assert b.close["RUT"].index[-1] == cut  # a Friday
    assert {r.key: r.last for r in b.records}["BTC"] == as_of
    assert b.returns(("RUT", "BTC"), "monthly").index[-1] == pd.Timestamp("2024-02-29")


def test_as_of_after_the_data_is_the_newest_date(tmp_path):
    cfg = make_cfg(tmp_path)
    import_folder(cfg, make_folder(tmp_path / "in"), NOW)
    assert load_cached_bundle(cfg, dt.date(2025, 1, 1)).as_of == dt.date(2024, 6, 28)


def test_as_of_before_sample_start(tmp_path):
    cfg = make_cfg(tmp_path)
    import_folder(cfg, make_folder(tmp_path / "in"), NOW)
    with pytest.raises(AsOfError, match=r"^--as-of 2023-12-01 is before data\.sample_start 2024-01-01$") as info:
        load_cached_bundle(cfg, dt.date(2023, 12, 1))
    assert "--as-of" in info.value.hint
    assert info.value.exit_code == 2  # a usage error, not "no cached data" (5)


def test_as_of_before_the_first_small_cap_observation(tmp_path):
    cfg = make_cfg(tmp_path, sample_start=dt.date(2023, 1, 1))
    import_folder(cfg, make_folder(tmp_path / "in"), NOW)
    with pytest.raises(AsOfError, match=r"^--as-of 2023-06-30 is before the first RUT observation \(2023-11-01\)$") as info:
        load_cached_bundle(cfg, dt.date(2023, 6, 30))
    assert info.value.hint == "choose an --as-of date after 2023-11-01"


def test_as_of_marks_series_starting_later_unavailable(tmp_path):
    cfg = make_cfg(tmp_path, sample_start=dt.date(2023, 10, 1))
    folder = make_folder(tmp_path / "in")
    write_csv(folder / "BTC-USD.csv", pd.date_range("2024-02-01", "2024-06-28"))
    import_folder(cfg, folder, NOW)
    b = load_cached_bundle(cfg, dt.date(2024, 1, 15))
    assert b.unavailable["BTC"] == "no observation on or before the as-of date 2024-01-15"


# --------------------------------------------------------------------------- the real snapshot


def test_import_real_snapshot_round_trip(tmp_path, snapshot_path, config):
    """Every configured series of the snapshot imports, and the cached closes equal the files'."""
    from reportgen.data.assemble import bundle_from_folder

    cfg = dataclasses.replace(config, data=dataclasses.replace(config.data, cache_dir=str(tmp_path / "cache")))
    outcomes = import_folder(cfg, snapshot_path, dt.datetime.now(dt.timezone.utc))
    assert all(o.ok for o in outcomes), [o for o in outcomes if not o.ok]
    cached = load_cached_bundle(cfg, None)
    direct = bundle_from_folder(cfg, snapshot_path)
    assert cached.as_of == direct.as_of
    assert set(cached.close) == set(direct.close)
    for key in direct.close:
        pd.testing.assert_series_equal(cached.close[key], direct.close[key], check_names=False)


# --------------------------------------------------------------------------- all-or-nothing writes, null closes


def test_import_is_one_generation(tmp_path):
    cfg = make_cfg(tmp_path)
    import_folder(cfg, make_folder(tmp_path / "in"), NOW)
    assert current_folder(tmp_path / "cache").name == "gen-000001"  # three series, one switch


def test_enospc_during_import_leaves_the_old_cache(tmp_path, monkeypatch):
    import errno
    import os

    from reportgen.data import cache

    cfg = make_cfg(tmp_path)
    import_folder(cfg, make_folder(tmp_path / "old"), NOW)
    before = snapshot(tmp_path / "cache")
    real = cache._write_file
    calls = []

    def write(path, data):
        calls.append(path.name)
        if len(calls) == 2:  # the second series file of the new generation
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, data)

    monkeypatch.setattr(cache, "_write_file", write)
    with pytest.raises(CacheError, match=r"^could not write the cache at .*cache: the disk is full; the cache is unchanged$") as info:
        import_folder(cfg, make_folder(tmp_path / "new", end="2024-07-31"), LATER)
    assert info.value.exit_code == 7
    monkeypatch.undo()
    assert snapshot(tmp_path / "cache") == before
    assert load_cached_bundle(cfg, None).as_of == dt.date(2024, 6, 28)


def test_fetch_all_writes_one_generation_and_nothing_when_all_fail(tmp_path):
    cfg = make_cfg(tmp_path)
    import_folder(cfg, make_folder(tmp_path / "old"), NOW)
    before = snapshot(tmp_path / "cache")
    outcomes = fetch_all(cfg, LATER, lambda s: (_ for _ in ()).throw(SourceError(f"{s.symbol}: offline")))
    assert not any(o.ok for o in outcomes)
    assert snapshot(tmp_path / "cache") == before
    fetch_all(cfg, LATER, fake_fetcher(make_folder(tmp_path / "new", end="2024-07-31"), {}))
    assert current_folder(tmp_path / "cache").name == "gen-000002"


def test_fetch_all_rejects_naive_now(tmp_path):
    with pytest.raises(ValueError, match="timezone-aware"):
        fetch_all(make_cfg(tmp_path), dt.datetime(2024, 7, 1), fake_fetcher(tmp_path, {}))
    with pytest.raises(ValueError, match="timezone-aware"):
        import_folder(make_cfg(tmp_path), tmp_path, dt.datetime(2024, 7, 1))


def test_null_closes_reach_the_bundle_records_and_flags(tmp_path):
    cfg = make_cfg(tmp_path, keys=("RUT",))
    days = pd.bdate_range("2024-01-02", "2024-04-30")
    frame = pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "close": np.round(levels(len(days), 1), 4)})

    def fetcher(s):
        kept = frame[~frame["date"].isin(["2024-02-29", "2024-03-12"])].reset_index(drop=True)
        return FetchedFrame(kept, "yfinance:^RUT", null_closes=("2024-02-29", "2024-03-12"),
                            null_month_ends=("2024-02-29",))

    outcomes = fetch_all(cfg, LATER, fetcher)
    assert outcomes[0].ok
    rec = {r.key: r for r in load_cached_bundle(cfg, None).records}["RUT"]
    assert rec.null_closes == 2 and rec.null_month_ends == ("2024-02-29",)
    assert rec.flags == (
        "2 rows with a null close dropped (2024-02-29 … 2024-03-12; check the source)",
        "null close on 2024-02-29, the last trading day of 2024-02: that month-end uses the previous close",
    )


def test_summarize_failures_one_line_per_source():
    outcomes = (
        store.SeriesOutcome("RUT", False, "yfinance ^RUT: failed after 4 attempts: refused", source="yfinance"),
        store.SeriesOutcome("GSPC", False, "yfinance ^GSPC: skipped, yfinance failed on ^RUT", source="yfinance",
                            skipped=True),
        store.SeriesOutcome("HYOAS", True, "10 rows to 2024-07-01", source="fred"),
        store.SeriesOutcome("TGA", False, "FRED WTREGEN: HTTP 404 Not Found", source="fred"),
    )
    assert store.summarize_failures(outcomes) == (
        "yfinance: 2 series failed (RUT, GSPC): yfinance ^RUT: failed after 4 attempts: refused",
        "fred: 1 series failed (TGA): FRED WTREGEN: HTTP 404 Not Found",
    )

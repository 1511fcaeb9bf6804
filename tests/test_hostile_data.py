"""Hostile input to the data layer (issue 11): bytes and encodings, dates, sizes, volumes,
impossible moves, manifest corruption, --as-of outside the sample. Every case ends in one
named ReportgenError with the file (and row) in the message, never a traceback; the
property-based tests feed random bytes and random frames to the CSV reader, the validator
and the manifest parser."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportgen.cli import main
from reportgen.config import load_config, parse_config
from reportgen.data import csv_source
from reportgen.data.cache import MANIFEST, current_folder, make_write, manifest_bytes, parse_manifest
from reportgen.data.csv_source import parse_csv_bytes, read_csv_file
from reportgen.data.store import import_folder, load_cached_bundle
from reportgen.data.validate import validate_frame
from reportgen.errors import AsOfError, ConfigError, DataValidationError, ReportgenError
from tests.conftest import ROOT

TEXT = (ROOT / "config.toml").read_text(encoding="utf-8")
NOW = dt.datetime(2026, 11, 21, 6, 0, tzinfo=dt.timezone.utc)
GOOD = b"date,close,volume\n2024-01-02,100.5,1000\n2024-01-03,101,2000\n2024-01-04,99.25,\n"


def make_cfg(tmp_path: Path, keys=("RUT", "BTC")):
    cfg = parse_config(TEXT)
    series = tuple(s for s in cfg.series if s.key in keys)
    data = dataclasses.replace(cfg.data, cache_dir=str(tmp_path / "cache"), sample_start=dt.date(2024, 1, 1))
    return dataclasses.replace(cfg, series=series, data=data)


def project_config(tmp_path: Path) -> Path:
    """A copy of config.toml in tmp_path/proj (its cache/ and output/ resolve there)."""
    path = tmp_path / "proj" / "config.toml"
    path.parent.mkdir()
    path.write_text(TEXT.replace('"narratives/', f'"{(ROOT / "narratives").as_posix()}/'), encoding="utf-8")
    return path


def folder_with(tmp_path: Path, rut: bytes, name: str = "in") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "RUT.csv").write_bytes(rut)
    days = pd.date_range("2024-01-01", "2024-03-31")
    closes = np.round(100 * np.exp(np.linspace(0, 0.2, len(days))), 4)
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "close": closes}).to_csv(folder / "BTC-USD.csv", index=False)
    return folder


def cache_tree(tmp_path: Path) -> dict[str, bytes]:
    root = tmp_path / "cache"
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()} if root.exists() else {}


def price(text: str, now: dt.datetime = NOW):
    return validate_frame(parse_csv_bytes(text.encode(), "RUT.csv"), "RUT.csv", "price", 0.5, now=now)


# --------------------------------------------------------------------------- bytes and encodings


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", r"^RUT\.csv: contains a NUL byte at offset 8; a binary file, not a CSV text file$"),
        (b"date,close\n2024-01-02,1\x00\n", r"^RUT\.csv: contains a NUL byte at offset 23; a binary file"),
        (b"date,close\n2024-01-02,caf\xe9\n", r"^RUT\.csv: not UTF-8 text \(byte 0xe9 at offset 25\); save the file as UTF-8$"),
        ("date,close\n".encode("utf-16"), r"^RUT\.csv: contains a NUL byte at offset 3"),
        (b"\xef\xbb\xbfdate,close\n\xff", r"^RUT\.csv: not UTF-8 text \(byte 0xff at offset 14\)"),
        (b"", r"^RUT\.csv: empty file; expected a header line date,close or date,value$"),
        (b"  \n\n \t\n", r"^RUT\.csv: empty file"),
        (b'date,close\n"2024-01-02,1\n', r"^RUT\.csv: empty file or not a CSV \("),
    ],
    ids=["png", "nul", "latin1", "utf16", "bom-then-bad", "empty", "blank", "open-quote"],
)
def test_bad_bytes_are_named_errors(tmp_path, data, message):
    (tmp_path / "RUT.csv").write_bytes(data)
    with pytest.raises(DataValidationError, match=message) as info:
        read_csv_file(tmp_path / "RUT.csv")
    assert info.value.exit_code == 3


def test_utf8_bom_is_accepted():
    frame = parse_csv_bytes(b"\xef\xbb\xbf" + GOOD, "RUT.csv")
    assert list(frame.columns) == ["date", "close", "volume"]


def test_file_over_the_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_source, "MAX_CSV_BYTES", 1024 * 1024)
    (tmp_path / "RUT.csv").write_bytes(GOOD + b"2024-01-05,1,1\n" * 100_000)
    with pytest.raises(DataValidationError, match=r"^RUT\.csv: 1\.4 MB is larger than the 1 MB limit for one series$"):
        read_csv_file(tmp_path / "RUT.csv")
    with pytest.raises(DataValidationError, match=r"^x: 1\.4 MB is larger than the 1 MB limit"):
        parse_csv_bytes((tmp_path / "RUT.csv").read_bytes(), "x")


def test_unreadable_file(tmp_path, monkeypatch):
    (tmp_path / "RUT.csv").write_bytes(GOOD)

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(DataValidationError, match=r"^RUT\.csv: cannot be read \(Permission denied\)$") as info:
        read_csv_file(tmp_path / "RUT.csv")
    assert str(tmp_path / "RUT.csv") in info.value.hint


def test_import_of_a_latin1_file_names_it_and_keeps_the_cache(tmp_path):
    cfg = make_cfg(tmp_path)
    import_folder(cfg, folder_with(tmp_path, GOOD, "good"), NOW)
    before = cache_tree(tmp_path)
    with pytest.raises(DataValidationError, match=r"^RUT\.csv: not UTF-8 text \(byte 0xe9"):
        import_folder(cfg, folder_with(tmp_path, GOOD.replace(b"100.5", b"10\xe9"), "bad"), NOW)
    assert cache_tree(tmp_path) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'[report]\ntitle = "caf\xe9"\n', r"config file .*config\.toml is not UTF-8 text \(byte 0xe9 at offset 21\); save it as UTF-8$"),
        (b"[report]\x00\n", r"config file .*config\.toml contains a NUL byte at offset 8; it is not a text file$"),
        (b"\x89PNG\r\n\x1a\n", r"config file .*config\.toml is not UTF-8 text \(byte 0x89 at offset 0\)"),
    ],
    ids=["latin1", "nul", "binary"],
)
def test_config_that_is_not_utf8(tmp_path, data, message):
    path = tmp_path / "config.toml"
    path.write_bytes(data)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert info.value.exit_code == 2


def test_cli_non_utf8_config_is_one_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(TEXT.encode().replace(b"Russell", b"Russ\xe9ll", 1))
    result = CliRunner().invoke(main, ["--config", str(path), "import", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "is not UTF-8 text (byte 0xe9" in " ".join(result.output.split())


# --------------------------------------------------------------------------- dates


def test_future_dated_row_is_rejected_with_file_and_row():
    text = "date,close\n2024-01-02,100\n2024-01-03,101\n2031-06-30,102\n"
    with pytest.raises(DataValidationError,
                       match=r"^RUT\.csv: date 2031-06-30 at row 4 is in the future \(today is 2026-11-21 UTC\); 1 such rows$"):
        price(text)


def test_today_utc_is_allowed_tomorrow_is_not():
    late = dt.datetime(2026, 11, 21, 23, 59, tzinfo=dt.timezone.utc)
    assert price("date,close\n2026-11-20,1\n2026-11-21,1.1\n", now=late).values.index[-1] == pd.Timestamp("2026-11-21")
    # 08:00 in Tokyo on the 22nd is still the 21st in UTC: the 22nd is in the future
    tokyo = dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    with pytest.raises(DataValidationError, match=r"date 2026-11-22 at row 3 is in the future \(today is 2026-11-21 UTC\)"):
        price("date,close\n2026-11-21,1\n2026-11-22,1.1\n", now=tokyo)


def test_naive_now_is_rejected_by_the_validator():
    with pytest.raises(ValueError, match=r"now must be a timezone-aware datetime \(UTC\)"):
        price("date,close\n2024-01-02,1\n", now=dt.datetime(2026, 11, 21))


def test_import_with_a_future_row_keeps_the_cache_and_exits_3(tmp_path):
    cfg_path = project_config(tmp_path)
    runner = CliRunner()
    good = folder_with(tmp_path, GOOD, "good")
    assert runner.invoke(main, ["--config", str(cfg_path), "import", str(good)]).exit_code == 0
    root = cfg_path.parent / "cache"
    before = {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    bad = folder_with(tmp_path, GOOD + b"2031-01-02,100,5\n", "bad")
    result = runner.invoke(main, ["--config", str(cfg_path), "import", str(bad)])
    out = " ".join(result.output.split())
    assert result.exit_code == 3 and "Traceback" not in result.output
    assert "RUT.csv: date 2031-01-02 at row 5 is in the future" in out
    assert {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("bad", ["2024-1-05", "20240105", "2024-01-05 00:00:00", " 2024-01-05", "2024-02-30", "2024-01-05\u00a0"])
def test_malformed_dates(bad):
    with pytest.raises(DataValidationError, match=rf"^RUT\.csv: unparseable date {re.escape(repr(bad))} at row 3; expected YYYY-MM-DD$"):
        price(f"date,close\n2024-01-04,1\n{bad},2\n")


@pytest.mark.parametrize("old", ["0000-01-01", "0001-01-01", "1066-10-14", "1799-12-31"])
def test_dates_before_1800_are_rejected(old):
    with pytest.raises(DataValidationError, match=rf"^RUT\.csv: date {old} at row 2 is before 1800-01-01; not a market date$"):
        price(f"date,close\n{old},1\n2024-01-04,2\n")


def test_as_of_before_the_sample_is_a_usage_error(tmp_path):
    cfg = make_cfg(tmp_path)
    import_folder(cfg, folder_with(tmp_path, GOOD), NOW)
    with pytest.raises(AsOfError, match=r"^--as-of 2023-12-31 is before data\.sample_start 2024-01-01$") as info:
        load_cached_bundle(cfg, dt.date(2023, 12, 31))
    assert info.value.exit_code == 2


def test_cache_ending_before_the_sample_start(tmp_path):
    cfg = make_cfg(tmp_path)
    import_folder(cfg, folder_with(tmp_path, GOOD), NOW)
    late = dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, sample_start=dt.date(2025, 1, 1)))
    with pytest.raises(AsOfError, match=r"^the cached data ends 2024-03-31, before data\.sample_start 2025-01-01$"):
        load_cached_bundle(late, None)


# --------------------------------------------------------------------------- sizes, volumes, impossible moves


def test_one_row_file_imports(tmp_path):
    cfg = make_cfg(tmp_path)
    outcomes = import_folder(cfg, folder_with(tmp_path, b"date,close\n2024-01-02,100\n"), NOW)
    assert outcomes[0].message == "1 rows 2024-01-02 → 2024-01-02"


def test_huge_price_is_an_impossible_move():
    text = "date,close\n2024-01-02,100\n2024-01-03,1e308\n2024-01-04,100\n"
    with pytest.raises(
        DataValidationError,
        match=r"^RUT\.csv: impossible one-day move on 2024-01-03 \(row 3\): log return \+704\.6 \(price 100 -> 1e\+308\); "
              r"\|log return\| > 5 is rejected as a data error$",
    ):
        price(text)


def test_move_of_exactly_the_limit_is_only_flagged():
    out = price(f"date,close\n2024-01-02,100\n2024-01-03,{float(100 * np.exp(4.99))!r}\n")
    assert out.flags == ("implausible one-day move on 2024-01-03: log return +4.99 (kept; check the source)",)


def test_price_overflowing_to_infinity():
    with pytest.raises(DataValidationError, match=r"missing or non-numeric close '1e400' on 2024-01-03 \(row 3\)"):
        price("date,close\n2024-01-02,100\n2024-01-03,1e400\n")


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("abc", r"^RUT\.csv: non-numeric volume 'abc' on 2024-01-03 \(row 3\); 1 such rows; leave the cell empty when the volume is unknown$"),
        ("inf", r"non-numeric volume 'inf' on 2024-01-03"),
        ("nan", r"non-numeric volume 'nan' on 2024-01-03"),
        ("1,000", r"non-numeric volume '1,000' on 2024-01-03"),
        ("-5", r"^RUT\.csv: negative volume -5 on 2024-01-03 \(row 3\); volumes must be >= 0$"),
    ],
)
def test_bad_volume(cell, message):
    with pytest.raises(DataValidationError, match=message):
        price(f'date,close,volume\n2024-01-02,100,10\n2024-01-03,101,"{cell}"\n')


def test_blank_volume_is_missing_not_an_error():
    out = price("date,close,volume\n2024-01-02,100,10\n2024-01-03,101,\n2024-01-04,102,  \n")
    assert out.volume.tolist()[0] == 10.0 and np.isnan(out.volume.iloc[1]) and np.isnan(out.volume.iloc[2])


def test_duplicate_column():
    with pytest.raises(DataValidationError, match=r"^RUT\.csv: column 'close' appears 2 times$"):
        validate_frame(pd.DataFrame([["2024-01-02", "1", "2"]], columns=["date", "close", "Close "]), "RUT.csv", "price", 0.5,
                       now=NOW)


def test_non_string_column_names_and_cells():
    raw = pd.DataFrame({0: ["2024-01-02"], "close": [1.5]})
    with pytest.raises(DataValidationError, match=r"missing column 'date'.*found 0,close"):
        validate_frame(raw, "x", "price", 0.5, now=NOW)
    raw = pd.DataFrame({"date": [pd.Timestamp("2024-01-02")], "close": [2**80]})  # datetime64 and object cells
    assert validate_frame(raw, "x", "price", 0.5, now=NOW).values.tolist() == [float(2**80)]


# --------------------------------------------------------------------------- manifest corruption


def good_manifest() -> dict:
    clean = price(GOOD.decode())
    w = make_write("RUT", "^RUT", "csv", "/data/RUT.csv", clean, "price", NOW)
    return json.loads(manifest_bytes({"RUT": w.entry}))


def _set(path, value):
    def change(m):
        target = m
        for k in path[:-1]:
            target = target[k]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        return m

    return change


MANIFEST_CASES = [
    ("list", lambda m: [m], r"expected an object of series entries, got list"),
    ("string", lambda m: "RUT", r"expected an object of series entries, got str"),
    ("entry-list", lambda m: {"RUT": []}, r"entry 'RUT' must be an object, got list"),
    ("missing-field", _set(("RUT", "sha256"), KeyError), r"entry 'RUT' is missing field 'sha256'"),
    ("unknown-field", _set(("RUT", "extra"), 1), r"entry 'RUT' has unknown field 'extra'"),
    ("bad-date", _set(("RUT", "first"), "2024-13-01"), r"entry 'RUT' field 'first' is not a YYYY-MM-DD date: '2024-13-01'"),
    ("date-number", _set(("RUT", "last"), 20240104), r"entry 'RUT' field 'last' must be a string, got 20240104"),
    ("first-after-last", _set(("RUT", "first"), "2025-01-01"), r"entry 'RUT' has first 2025-01-01 after last 2024-01-04"),
    ("rows-string", _set(("RUT", "rows"), "3"), r"entry 'RUT' field 'rows' must be a positive integer, got '3'"),
    ("rows-bool", _set(("RUT", "rows"), True), r"entry 'RUT' field 'rows' must be a positive integer, got True"),
    ("rows-zero", _set(("RUT", "rows"), 0), r"entry 'RUT' field 'rows' must be a positive integer, got 0"),
    ("sha-short", _set(("RUT", "sha256"), "abc"), r"entry 'RUT' field 'sha256' is not 64 hex digits"),
    ("key-mismatch", _set(("RUT", "key"), "BTC"), r"entry 'RUT' has key 'BTC'"),
    ("path-key", lambda m: {"../../etc/passwd": m["RUT"]}, r"series key '\.\./\.\./etc/passwd' is not a plain name \(letters, digits, '_', '-', '\.'\)"),
    ("flags-string", _set(("RUT", "flags"), "x"), r"entry 'RUT' field 'flags' must be a list of strings"),
    ("fetched-at", _set(("RUT", "fetched_at"), "yesterday"), r"entry 'RUT' field 'fetched_at' is not an ISO timestamp: 'yesterday'"),
    ("nulls-negative", _set(("RUT", "null_closes"), -1), r"entry 'RUT' field 'null_closes' must be a non-negative integer, got -1"),
]


@pytest.mark.parametrize(("change", "message"), [c[1:] for c in MANIFEST_CASES], ids=[c[0] for c in MANIFEST_CASES])
def test_manifest_structure_is_validated(change, message):
    data = json.dumps(change(good_manifest())).encode()
    with pytest.raises(DataValidationError, match=rf"^cache manifest m\.json is invalid: {message}$") as info:
        parse_manifest(data, Path("m.json"))
    assert info.value.hint.startswith("delete the cache folder and import again")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe{}", r"cache manifest m\.json is corrupt: not UTF-8 text \(byte 0\)"),
        (b"[" * 100_000, r"cache manifest m\.json is corrupt: nested too deeply"),
        (b"", r"cache manifest m\.json is corrupt: Expecting value"),
        (b"{\"RUT\": NaN}", r"entry 'RUT' must be an object, got float"),
    ],
    ids=["not-utf8", "deep", "empty", "nan"],
)
def test_manifest_bytes_corruption(data, message):
    with pytest.raises(DataValidationError, match=message):
        parse_manifest(data, Path("m.json"))


def test_corrupt_manifest_in_the_cache_reaches_the_user_as_exit_3(tmp_path):
    cfg_path = project_config(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["--config", str(cfg_path), "import", str(folder_with(tmp_path, GOOD))]).exit_code == 0
    manifest = current_folder(cfg_path.parent / "cache") / MANIFEST
    manifest.write_text(json.dumps([json.loads(manifest.read_text())]))
    result = runner.invoke(main, ["--config", str(cfg_path), "build", "--offline", "--no-pdf"])
    out = " ".join(result.output.split())
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    assert "is invalid: expected an object of series entries, got list" in out
    assert "hint: delete the cache folder and import again" in out
    # an import repairs it
    assert runner.invoke(main, ["--config", str(cfg_path), "import", str(tmp_path / "in")]).exit_code == 0


# --------------------------------------------------------------------------- property-based: never a traceback

HYP = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

cell = st.one_of(
    st.sampled_from(["", " ", "nan", "NaN", "inf", "-inf", "1e308", "1e400", "-0", "0", "abc", ".", "1,5",
                     "2024-01-02", "2024-02-30", "9999-12-31", "0001-01-01", "1" * 400, "\u00e9", "\x00"]),
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(2**100), max_value=2**100).map(str),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(lambda d: d.isoformat()),
)
column = st.sampled_from(["date", "close", "value", "volume", "Date", " CLOSE", "", "x", "0"])


@st.composite
def frames(draw):
    cols = draw(st.lists(column, min_size=0, max_size=4))
    n = draw(st.integers(min_value=0, max_value=8))
    rows = [[draw(cell) for _ in cols] for _ in range(n)]
    return pd.DataFrame(rows, columns=cols, dtype=str) if cols else pd.DataFrame(index=range(n))


@st.composite
def numeric_frames(draw):
    """Frames as a live source hands them over: floats, NaN, inf, object cells."""
    n = draw(st.integers(min_value=1, max_value=8))
    dates = draw(st.lists(st.dates(min_value=dt.date(1970, 1, 1), max_value=dt.date(2030, 1, 1)), min_size=n, max_size=n))
    values = draw(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2**70), 2**70),
                                     st.none(), st.text(max_size=4)), min_size=n, max_size=n))
    volume = draw(st.lists(st.one_of(st.floats(allow_nan=True), st.none(), st.text(max_size=3)), min_size=n, max_size=n))
    return pd.DataFrame({"date": [d.isoformat() for d in dates], "close": values, "volume": volume})


def _parse_and_validate(data: bytes, kind: str) -> None:
    try:
        frame = parse_csv_bytes(data, "RUT.csv")
        validate_frame(frame, "RUT.csv", kind, 0.5, now=NOW)
    except DataValidationError:
        pass


@HYP
@given(st.binary(max_size=400), st.sampled_from(["price", "fred"]))
def test_random_bytes_never_crash_the_reader(data, kind):
    _parse_and_validate(data, kind)


@HYP
@given(
    st.lists(st.lists(cell, min_size=1, max_size=4), max_size=6),
    st.sampled_from([b"date,close\n", b"date,close,volume\n", b"date,value\n", b"Date,Close\n", b""]),
    st.sampled_from(["price", "fred"]),
)
def test_random_csv_text_never_crashes(rows, header, kind):
    body = "\n".join(",".join(r) for r in rows).encode("utf-8", errors="surrogatepass")
    _parse_and_validate(header + body, kind)


@HYP
@given(frames(), st.sampled_from(["price", "fred"]))
def test_random_frames_never_crash_the_validator(frame, kind):
    try:
        out = validate_frame(frame, "RUT.csv", kind, 0.5, now=NOW)
    except DataValidationError:
        return
    assert out.values.index.is_monotonic_increasing and np.isfinite(out.values.to_numpy()).all()
    assert out.values.index.max() <= pd.Timestamp("2026-11-21")
    if kind == "price":
        assert (out.values > 0).all() and (np.log(out.values).diff().abs().dropna() <= 5).all()


@HYP
@given(numeric_frames())
def test_random_numeric_frames_never_crash_the_validator(frame):
    try:
        validate_frame(frame, "BTC", "price", 0.5, now=NOW)
    except DataValidationError:
        pass


@HYP
@given(st.one_of(st.binary(max_size=300),
                 st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                              lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3),
                              max_leaves=12).map(lambda v: json.dumps(v).encode())))
def test_random_manifests_never_crash(data):
    try:
        parse_manifest(data, Path("m.json"))
    except DataValidationError:
        pass


def test_every_hostile_error_is_a_reportgen_error():
    """The classes the tests above expect are the ones the CLI turns into clean exits."""
    for cls in (DataValidationError, ConfigError, AsOfError):
        assert issubclass(cls, ReportgenError)


def test_cli_import_into_a_cache_dir_that_is_a_file_exits_7(tmp_path):
    cfg_path = project_config(tmp_path)
    (cfg_path.parent / "cache").write_text("not a folder")
    result = CliRunner().invoke(main, ["--config", str(cfg_path), "import", str(folder_with(tmp_path, GOOD))])
    out = " ".join(result.output.split())
    assert result.exit_code == 7, result.output
    assert "Traceback" not in result.output
    assert f"data.cache_dir {cfg_path.parent / 'cache'} is a file, not a folder" in out
    assert (cfg_path.parent / "cache").read_text() == "not a folder"


def test_cli_import_on_a_full_disk_exits_7_and_keeps_the_cache(tmp_path, monkeypatch):
    import errno
    import os

    from reportgen.data import cache

    cfg_path = project_config(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["--config", str(cfg_path), "import", str(folder_with(tmp_path, GOOD, "a"))]).exit_code == 0
    root = cfg_path.parent / "cache"
    before = {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    def full(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(cache, "_write_file", full)
    result = runner.invoke(main, ["--config", str(cfg_path), "import", str(folder_with(tmp_path, GOOD, "b"))])
    out = " ".join(result.output.split())
    assert result.exit_code == 7, result.output
    assert "Traceback" not in result.output
    assert f"could not write the cache at {root}: the disk is full; the cache is unchanged" in out
    assert {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()} == before

"""validate_frame: one clear DataValidationError per problem; flags never drop data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from reportgen.data.validate import CleanSeries, validate_frame
from reportgen.errors import DataValidationError



def frame(rows: list[tuple], columns: tuple[str, ...] = ("date", "close")) -> pd.DataFrame:
    """A raw frame as read_csv_file gives it: every cell a string."""
    return pd.DataFrame([[str(v) for v in r] for r in rows], columns=list(columns), dtype=str)


def price(rows, columns=("date", "close")) -> CleanSeries:
    return validate_frame(frame(rows, columns), "RUT.csv", "price", 0.5)


GOOD = [("2024-01-02", "100.5"), ("2024-01-03", "101"), ("2024-01-04", "99.25")]


def test_good_price_frame():
    out = price(GOOD)
    assert list(out.values) == [100.5, 101.0, 99.25]
    assert out.values.index[0] == pd.Timestamp("2024-01-02")
    assert out.values.index.name == "date"
    assert out.values.name == "RUT.csv"
    assert out.volume is None
    assert out.flags == ()


def test_header_is_case_and_space_insensitive():
    out = validate_frame(frame(GOOD, (" Date", "CLOSE ")), "x", "price", 0.5)
    assert len(out.values) == 3


def test_volume_is_parsed():
    rows = [(d, c, v) for (d, c), v in zip(GOOD, ("1000", "2500.0", "46088463341"), strict=True)]
    out = price(rows, ("date", "close", "volume"))
    assert out.volume is not None
    assert list(out.volume) == [1000.0, 2500.0, 46088463341.0]
    assert out.volume.index.equals(out.values.index)


def test_empty_volume_cell_is_nan_not_an_error():
    rows = [(d, c, v) for (d, c), v in zip(GOOD, ("1000", "", "3"), strict=True)]
    out = price(rows, ("date", "close", "volume"))
    assert math.isnan(out.volume.iloc[1])


def test_volume_ignored_for_fred():
    out = validate_frame(frame(GOOD, ("date", "value")), "X", "fred", 0.5)
    assert out.volume is None


@pytest.mark.parametrize(
    ("columns", "kind", "message"),
    [
        (("date", "price"), "price",
         r"^RUT\.csv: missing column 'close'; expected columns date,close,volume \(optional\); found date,price$"),
        (("day", "close"), "price", r"missing column 'date'; expected columns date,close"),
        (("date", "close"), "fred", r"^RUT\.csv: missing column 'value'; expected columns date,value; found date,close$"),
    ],
)
def test_missing_column(columns, kind, message):
    with pytest.raises(DataValidationError, match=message):
        validate_frame(frame(GOOD, columns), "RUT.csv", kind, 0.5)


def test_no_columns_at_all():
    with pytest.raises(DataValidationError, match="found none"):
        validate_frame(pd.DataFrame(), "RUT.csv", "price", 0.5)


def test_header_only_is_no_rows():
    with pytest.raises(DataValidationError, match=r"^RUT\.csv: no rows$"):
        price([])


@pytest.mark.parametrize("bad", ["2024/01/03", "03-01-2024", "2024-13-01", "yesterday", ""])
def test_unparseable_date(bad):
    rows = [GOOD[0], (bad, "101"), GOOD[2]]
    with pytest.raises(DataValidationError, match=rf"unparseable date '{bad}' at row 3; expected YYYY-MM-DD"):
        price(rows)


@pytest.mark.parametrize("bad", ["abc", "1,234.5", "nan", "NaN", ""])
def test_non_numeric_or_missing_value(bad):
    rows = [GOOD[0], ("2024-01-03", bad), ("2024-01-04", bad)]
    with pytest.raises(
        DataValidationError,
        match=rf"missing or non-numeric close '{bad}' on 2024-01-03 \(row 3\); 2 such rows",
    ):
        price(rows)


def test_non_numeric_fred_value():
    rows = [("2024-01-03", "."), ("2024-01-04", "1.0")]
    with pytest.raises(DataValidationError, match=r"HYOAS: missing or non-numeric value '\.' on 2024-01-03 \(row 2\); 1 such rows"):
        validate_frame(frame(rows, ("date", "value")), "HYOAS", "fred", 0.5)
@pytest.mark.parametrize("bad", ["inf", "-inf"])
def test_infinite_value_is_rejected(bad):
    rows = [("2024-01-02", "1.0"), ("2024-01-03", bad)]
    with pytest.raises(DataValidationError, match="non-numeric value"):
        validate_frame(frame(rows, ("date", "value")), "NFCI", "fred", 0.5)


def test_duplicate_date():
    rows = [GOOD[0], GOOD[1], ("2024-01-03", "102"), GOOD[2]]
    with pytest.raises(DataValidationError, match=r"^RUT\.csv: duplicate date 2024-01-03 \(row 4\)$"):
        price(rows)


def test_unsorted_rows():
    rows = [GOOD[0], GOOD[2], GOOD[1]]
    with pytest.raises(
        DataValidationError,
        match=r"rows are not sorted by date \(2024-01-04 is followed by 2024-01-03, row 4\)",
    ):
        price(rows)


@pytest.mark.parametrize("bad", ["0", "-3.5"])
def test_non_positive_price(bad):
    rows = [GOOD[0], ("2024-01-03", bad), GOOD[2]]
    with pytest.raises(DataValidationError, match=rf"non-positive price {float(bad)} on 2024-01-03; prices must be > 0"):
        price(rows)


def test_fred_accepts_negative_and_zero_values():
    # NFCI is negative most of the time; a spread series is not checked for sign either
    rows = [("2024-01-05", "-0.52"), ("2024-01-12", "0"), ("2024-01-19", "0.1")]
    out = validate_frame(frame(rows, ("date", "value")), "NFCI", "fred", 0.5)
    assert list(out.values) == [-0.52, 0.0, 0.1]
    assert out.flags == ()  # no jump check for FRED values (log of a negative is meaningless)


def test_one_day_jump_is_flagged_and_kept():
    rows = [("2024-01-02", "100"), ("2024-01-03", "200"), ("2024-01-04", "190")]
    out = price(rows)
    assert len(out.values) == 3 and out.values.iloc[1] == 200.0
    assert out.flags == (
        "implausible one-day move on 2024-01-03: log return +0.69 (kept; check the source)",
    )


def test_jump_down_is_flagged_with_sign():
    rows = [("2024-01-02", "100"), ("2024-01-03", "40")]
    out = price(rows)
    assert out.flags == ("implausible one-day move on 2024-01-03: log return -0.92 (kept; check the source)",)


def test_move_below_threshold_is_not_flagged():
    rows = [("2024-01-02", "100"), ("2024-01-03", str(100 * np.exp(0.49)))]
    assert price(rows).flags == ()


def test_numeric_input_frame_is_accepted():
    # fetch_all hands over yfinance frames with float closes, not strings
    raw = pd.DataFrame({"date": ["2024-01-02", "2024-01-03"], "close": [1.5, 2.0], "volume": [10.0, np.nan]})
    out = validate_frame(raw, "BTC", "price", 0.5)
    assert list(out.values) == [1.5, 2.0]
    assert math.isnan(out.volume.iloc[1])


def test_error_carries_hint_and_exit_code():
    with pytest.raises(DataValidationError) as info:
        price([])
    assert "import folder" in info.value.hint
    assert info.value.exit_code == 3

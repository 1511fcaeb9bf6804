"""Validation of a raw frame into a clean daily series, with one clear error per problem."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reportgen.errors import DataValidationError

EARLIEST = dt.date(1800, 1, 1)  # no market series starts earlier; older dates are typos (0024-, 1024-)
IMPOSSIBLE_LOG_RETURN = 5.0  # a one-day move of e^5 ≈ 148× (or 1/148) is a data error, not a market move


@dataclass(frozen=True, slots=True)
class CleanSeries:
    """A validated series: values (close or FRED value), optional volume, and flags."""

    values: pd.Series
    volume: pd.Series | None
    flags: tuple[str, ...]


def _utc_today(now: dt.datetime | None) -> dt.date:
    if now is None:
        return dt.datetime.now(dt.timezone.utc).date()
    if not isinstance(now, dt.datetime) or now.tzinfo is None:
        raise ValueError(f"now must be a timezone-aware datetime (UTC), got {now!r}")
    return now.astimezone(dt.timezone.utc).date()


def _numbers(col: pd.Series) -> np.ndarray:
    """Cells -> float array; a cell that does not parse as a number becomes NaN."""
    out = pd.to_numeric(col.replace("", np.nan), errors="coerce")
    try:
        return np.asarray(out, dtype=float)
    except (TypeError, ValueError, OverflowError):  # object cells (huge ints, odd types)
        return np.array([_to_float(v) for v in out], dtype=float)


def _to_float(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError, OverflowError):
        return float("nan")


def validate_frame(raw: pd.DataFrame, name: str, kind: str, max_abs_log_return: float,
                   now: dt.datetime | None = None) -> CleanSeries:
    """Check a frame in snapshot schema and return the parsed series.

    Parameters
    ----------
    raw : columns ``date`` + ``close`` [+ ``volume``] (kind "price") or ``date`` + ``value`` (kind "fred")
    name : series name used in messages
    kind : "price" or "fred"
    max_abs_log_return : one-day |log return| above which a move is flagged (not dropped)
    now : aware datetime of the run; a row dated after its UTC date is rejected (default:
        the current time)

    Raises
    ------
    DataValidationError : missing or duplicated columns, unparseable dates, dates after
        ``now`` (UTC) or before ``EARLIEST``,
        unparseable numbers, NaNs, duplicate or unsorted dates, non-positive prices, a
        one-day |log return| above ``IMPOSSIBLE_LOG_RETURN``, a non-numeric or negative
        volume, empty series.
    """
    today = _utc_today(now)
    value_col = "close" if kind == "price" else "value"
    cols = [str(c).strip().lower() for c in raw.columns]
    raw = raw.set_axis(cols, axis=1)
    for col in ("date", value_col):
        if col not in cols:
            raise DataValidationError(
                f"{name}: missing column '{col}'; expected columns date,{value_col}"
                + (",volume (optional)" if kind == "price" else "")
                + f"; found {','.join(cols) or 'none'}"
            )
    for col in ("date", value_col, "volume"):
        if cols.count(col) > 1:
            raise DataValidationError(f"{name}: column '{col}' appears {cols.count(col)} times")
    if raw.empty:
        raise DataValidationError(f"{name}: no rows")
    date_text = raw["date"].astype(str)
    dates = pd.to_datetime(date_text, format="%Y-%m-%d", errors="coerce")
    bad = dates.isna().to_numpy() | ~date_text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").to_numpy(dtype=bool)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataValidationError(
            f"{name}: unparseable date {raw['date'].iloc[i]!r} at row {i + 2}; expected YYYY-MM-DD"
        )
    ancient = (dates < pd.Timestamp(EARLIEST)).to_numpy()
    if ancient.any():
        i = int(np.flatnonzero(ancient)[0])
        raise DataValidationError(f"{name}: date {date_text.iloc[i]} at row {i + 2} is before {EARLIEST}; not a market date")
    future = (dates > pd.Timestamp(today)).to_numpy()
    if future.any():
        i = int(np.flatnonzero(future)[0])
        raise DataValidationError(
            f"{name}: date {date_text.iloc[i]} at row {i + 2} is in the future (today is {today} UTC); "
            f"{int(future.sum())} such rows"
        )
    values = _numbers(raw[value_col])
    nan = ~np.isfinite(values)
    if nan.any():
        i = int(np.flatnonzero(nan)[0])
        raise DataValidationError(
            f"{name}: missing or non-numeric {value_col} {raw[value_col].iloc[i]!r} on {date_text.iloc[i]} "
            f"(row {i + 2}); {int(nan.sum())} such rows"
        )
    dup = dates.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataValidationError(f"{name}: duplicate date {date_text.iloc[i]} (row {i + 2})")
    if not dates.is_monotonic_increasing:
        i = int(np.flatnonzero(np.diff(dates.to_numpy()) < np.timedelta64(0))[0]) + 1
        raise DataValidationError(
            f"{name}: rows are not sorted by date ({date_text.iloc[i - 1]} is followed by {date_text.iloc[i]}, row {i + 2})"
        )
    idx = pd.DatetimeIndex(dates, name="date")
    s = pd.Series(values, index=idx, name=name)
    flags: list[str] = []
    if kind == "price":
        nonpos = s <= 0
        if nonpos.any():
            d = s.index[nonpos.to_numpy()][0].date()
            raise DataValidationError(f"{name}: non-positive price {s[nonpos].iloc[0]} on {d}; prices must be > 0")
        logret = np.log(s).diff()
        impossible = (logret.abs() > IMPOSSIBLE_LOG_RETURN).to_numpy()
        if impossible.any():
            i = int(np.flatnonzero(impossible)[0])
            raise DataValidationError(
                f"{name}: impossible one-day move on {date_text.iloc[i]} (row {i + 2}): log return "
                f"{logret.iloc[i]:+.1f} (price {s.iloc[i - 1]:g} -> {s.iloc[i]:g}); "
                f"|log return| > {IMPOSSIBLE_LOG_RETURN:g} is rejected as a data error"
            )
        jumps = logret[logret.abs() > max_abs_log_return]
        flags = [
            f"implausible one-day move on {d.date()}: log return {r:+.2f} (kept; check the source)"
            for d, r in jumps.items()
        ]
    volume = None
    if kind == "price" and "volume" in cols:
        cells = raw["volume"]
        blank = cells.isna().to_numpy() | (cells.astype(str).str.strip() == "").to_numpy(dtype=bool)
        vol = _numbers(cells)
        wrong = ~blank & ~np.isfinite(vol)
        if wrong.any():
            i = int(np.flatnonzero(wrong)[0])
            raise DataValidationError(
                f"{name}: non-numeric volume {cells.iloc[i]!r} on {date_text.iloc[i]} (row {i + 2}); "
                f"{int(wrong.sum())} such rows; leave the cell empty when the volume is unknown"
            )
        negative = np.isfinite(vol) & (vol < 0)
        if negative.any():
            i = int(np.flatnonzero(negative)[0])
            raise DataValidationError(
                f"{name}: negative volume {vol[i]:g} on {date_text.iloc[i]} (row {i + 2}); volumes must be >= 0"
            )
        volume = pd.Series(np.where(blank, np.nan, vol), index=idx, name=name)
    return CleanSeries(values=s, volume=volume, flags=tuple(flags))

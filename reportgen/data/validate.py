"""Validation of a raw frame into a clean daily series, with one clear error per problem."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from reportgen.errors import DataValidationError


@dataclass(frozen=True, slots=True)
class CleanSeries:
    """A validated series: values (close or FRED value), optional volume, and flags."""

    values: pd.Series
    volume: pd.Series | None
    flags: tuple[str, ...]


def validate_frame(raw: pd.DataFrame, name: str, kind: str, max_abs_log_return: float) -> CleanSeries:
    """Check a frame in snapshot schema and return the parsed series.

    Parameters
    ----------
    raw : columns ``date`` + ``close`` [+ ``volume``] (kind "price") or ``date`` + ``value`` (kind "fred")
    name : series name used in messages
    kind : "price" or "fred"
    max_abs_log_return : one-day |log return| above which a move is flagged (not dropped)

    Raises
    ------
    DataValidationError : missing columns, unparseable dates or numbers, NaNs, duplicate or
        unsorted dates, non-positive prices, empty series.
    """
    value_col = "close" if kind == "price" else "value"
    cols = [c.strip().lower() for c in raw.columns]
    raw = raw.set_axis(cols, axis=1)
    for col in ("date", value_col):
        if col not in cols:
            raise DataValidationError(
                f"{name}: missing column '{col}'; expected columns date,{value_col}"
                + (",volume (optional)" if kind == "price" else "")
                + f"; found {','.join(cols) or 'none'}"
            )
    if raw.empty:
        raise DataValidationError(f"{name}: no rows")
    dates = pd.to_datetime(raw["date"], format="%Y-%m-%d", errors="coerce")
    bad = dates.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataValidationError(
            f"{name}: unparseable date {raw['date'].iloc[i]!r} at row {i + 2}; expected YYYY-MM-DD"
        )
    values = pd.to_numeric(raw[value_col].replace("", np.nan), errors="coerce")
    nan = ~np.isfinite(values)
    if nan.any():
        i = int(np.flatnonzero(nan.to_numpy())[0])
        raise DataValidationError(
            f"{name}: missing or non-numeric {value_col} {raw[value_col].iloc[i]!r} on {raw['date'].iloc[i]} "
            f"(row {i + 2}); {int(nan.sum())} such rows"
        )
    dup = dates.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataValidationError(f"{name}: duplicate date {raw['date'].iloc[i]} (row {i + 2})")
    if not dates.is_monotonic_increasing:
        i = int(np.flatnonzero(np.diff(dates.to_numpy()) < np.timedelta64(0))[0]) + 1
        raise DataValidationError(
            f"{name}: rows are not sorted by date ({raw['date'].iloc[i - 1]} is followed by {raw['date'].iloc[i]}, row {i + 2})"
        )
    idx = pd.DatetimeIndex(dates, name="date")
    s = pd.Series(values.to_numpy(dtype=float), index=idx, name=name)
    flags: list[str] = []
    if kind == "price":
        nonpos = s <= 0
        if nonpos.any():
            d = s.index[nonpos.to_numpy()][0].date()
            raise DataValidationError(f"{name}: non-positive price {s[nonpos].iloc[0]} on {d}; prices must be > 0")
        r = np.log(s).diff().abs()
        jumps = r[r > max_abs_log_return]
        flags = [
            f"implausible one-day move on {d.date()}: log return {np.log(s).diff()[d]:+.2f} (kept; check the source)"
            for d in jumps.index
        ]
    volume = None
    if kind == "price" and "volume" in cols:
        vol = pd.to_numeric(raw["volume"].replace("", np.nan), errors="coerce")
        volume = pd.Series(vol.to_numpy(dtype=float), index=idx, name=name)
    return CleanSeries(values=s, volume=volume, flags=tuple(flags))

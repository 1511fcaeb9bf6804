"""Alignment of 5-day (equities) and 7-day (crypto) series onto common sampling dates.

Rules (also printed in the report's methodology section):

* **Month-end**: the last available close in each calendar month, indexed by the calendar
  month-end date. For equities that is the last trading day; for crypto (UTC calendar days)
  the last calendar day. The two closes can be up to a weekend apart and are taken at
  different times of day (16:00 New York vs 00:00 UTC); at monthly frequency this is a few
  hours out of a month.
* **Week-end**: the last available close in each week ending Friday (W-FRI), i.e. Friday's
  close, or Thursday's when Friday is a holiday.
* **Incomplete final period**: a series' final period is kept only when the series reaches
  the end of it, i.e. ``last_date + native spacing > last business day of the period``
  (daily data must reach the last business day; weekly FRED data must have no later
  observation due in that period). A month still in progress never enters a return.
* **Returns** are log returns of consecutive sampled closes; a missing period gives NaN,
  never a multi-period return.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

Frequency = Literal["monthly", "weekly"]
FREQUENCIES = ("monthly", "weekly")
_RULE = {"monthly": "ME", "weekly": "W-FRI"}


def native_spacing_days(s: pd.Series) -> int:
    """Median spacing of a series' observations, in calendar days (1 for daily data)."""
    if len(s) < 2:
        return 1
    diffs = np.diff(s.index.values).astype("timedelta64[D]").astype(int)
    med = int(np.median(diffs))
    return 1 if med <= 3 else med  # weekends make daily equity data look like 1-3 days


def sample(s: pd.Series, freq: Frequency) -> pd.Series:
    """Last available value in each month (``ME``) or week ending Friday (``W-FRI``).

    The final period is dropped when the series does not reach its end (see module notes).
    """
    if freq not in FREQUENCIES:
        raise ValueError(f"freq must be one of {FREQUENCIES}, got {freq!r}")
    s = s.dropna()
    if s.empty:
        return s
    out = s.resample(_RULE[freq]).last()
    period_end = out.index[-1]
    last_business = period_end if period_end.weekday() < 5 else period_end - pd.offsets.BDay(1)
    last_obs = s.index[-1]
    if last_obs + pd.Timedelta(days=native_spacing_days(s)) <= last_business.normalize():
        out = out.iloc[:-1]
    return out


def log_returns(levels: pd.Series | pd.DataFrame):
    """Log returns of consecutive sampled levels (NaN where a period is missing)."""
    return np.log(levels).diff().iloc[1:]


def sample_frame(series: dict[str, pd.Series], freq: Frequency) -> pd.DataFrame:
    """Sample several series on the same calendar and join them (outer; NaN where absent)."""
    return pd.DataFrame({k: sample(v, freq) for k, v in series.items()})

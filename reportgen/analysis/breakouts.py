"""Look-ahead-free detection of Russell 2000 breakouts.

Every rule decides whether day ``t`` is an event from closes up to and including ``t``
only: running maxima, trailing windows and "armed" states are updated forward in time.
Appending future rows can therefore never add, move or remove a past event (tested in
``tests/test_breakouts.py``).

Definitions (pre-declared in ``config.toml`` ``[[events.definitions]]``):

* ``ath_after_drawdown`` (``drawdown = X``): the first close above the previous all-time
  high close after the index has closed at least ``X`` below that high. Each new high
  re-arms the rule only once a fresh drawdown of ``X`` has happened.
* ``high_52w`` (``months_below = N``): the first close at a 52-week high (the highest close
  of the trailing 365 calendar days, this day included) after at least ``N`` calendar
  months without one.
* ``threshold`` (``level = L``): the first close ever above ``L`` (one event at most).

Declustering keeps an event only when it comes after the previous kept event's window
(``decluster_months`` calendar months) has ended, so event windows never overlap.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reportgen.analysis.common import as_date
from reportgen.config import BREAKOUT_KINDS, BreakoutDefinition
from reportgen.errors import InsufficientDataError


@dataclass(frozen=True, slots=True)
class Breakout:
    """One detected event: the day it fired and what the rule saw up to that day."""

    date: dt.date
    close: float
    reference: float  # level that was broken (previous high, 52-week high before t, or L)
    reference_date: dt.date | None  # date of the previous high (None for threshold)
    detail: float  # drawdown depth (ath), months since last 52w high (high_52w), level (threshold)


@dataclass(frozen=True, slots=True)
class BreakoutSet:
    """Events of one definition on one series, before and after declustering."""

    definition: str
    kind: str
    description: str
    raw: tuple[Breakout, ...]
    events: tuple[Breakout, ...]  # declustered
    decluster_months: int
    series_start: dt.date
    series_end: dt.date

    @property
    def dates(self) -> tuple[dt.date, ...]:
        return tuple(e.date for e in self.events)


def describe(defn: BreakoutDefinition) -> str:
    """The rule in words (used in tables and captions)."""
    if defn.kind == "ath_after_drawdown":
        return f"first close at a new all-time high after a drawdown of at least {defn.drawdown:.0%}"
    if defn.kind == "high_52w":
        return f"first close at a 52-week high after at least {defn.months_below} months without one"
    return f"first close above {defn.level:,.0f}"


def _check_series(close: pd.Series) -> pd.Series:
    if not isinstance(close.index, pd.DatetimeIndex):
        raise ValueError("close must have a DatetimeIndex")
    s = close.dropna()
    if not s.index.is_monotonic_increasing or s.index.has_duplicates:
        raise ValueError("close index must be strictly increasing")
    if len(s) < 2:
        raise InsufficientDataError(f"need at least 2 closes to detect breakouts; have {len(s)}")
    return s


def _ath_after_drawdown(s: pd.Series, drawdown: float) -> list[Breakout]:
    v = s.to_numpy(float)
    dates = s.index
    out: list[Breakout] = []
    high, high_i, low = v[0], 0, v[0]
    for i in range(1, len(v)):
        x = v[i]
        if x > high:
            depth = 1.0 - low / high
            if depth >= drawdown:
                out.append(Breakout(as_date(dates[i]), float(x), float(high), as_date(dates[high_i]), float(depth)))
            high, high_i, low = x, i, x
        else:
            low = min(low, x)
    return out


def _high_52w(s: pd.Series, months_below: int) -> list[Breakout]:
    roll = s.rolling("365D").max()  # trailing window, this day included: causal
    prev_roll = s.shift(1).rolling("365D").max()  # highest close of the prior 365 days before t
    at_high = (s >= roll).to_numpy()
    dates = s.index
    first_ok = dates[0] + pd.DateOffset(years=1)  # a 52-week high needs a year of history
    out: list[Breakout] = []
    last_high: pd.Timestamp | None = None
    for i in range(len(s)):
        if not at_high[i]:
            continue
        d = dates[i]
        if d >= first_ok and last_high is not None and d >= last_high + pd.DateOffset(months=months_below):
            months = (d - last_high).days / 30.4375
            ref = prev_roll.iloc[i]
            out.append(Breakout(as_date(d), float(s.iloc[i]), float(ref), as_date(last_high), float(months)))
        last_high = d
    return out


def _threshold(s: pd.Series, level: float) -> list[Breakout]:
    above = np.flatnonzero(s.to_numpy(float) > level)
    if above.size == 0 or above[0] == 0:
        return []  # never crossed, or already above on the first day (no crossing observed)
    i = int(above[0])
    return [Breakout(as_date(s.index[i]), float(s.iloc[i]), float(level), None, float(level))]


def decluster(events: list[Breakout] | tuple[Breakout, ...], months: int) -> tuple[Breakout, ...]:
    """Keep an event only if it is after the previous kept event's window end.

    A window is ``(t, t + months]`` in calendar months; the next event must be strictly
    later than ``t + months`` so windows never overlap.
    """
    if months < 0:
        raise ValueError(f"months must be >= 0, got {months}")
    kept: list[Breakout] = []
    end: pd.Timestamp | None = None
    for e in events:
        ts = pd.Timestamp(e.date)
        if end is None or ts > end:
            kept.append(e)
            end = ts + pd.DateOffset(months=months)
    return tuple(kept)


def detect_breakouts(close: pd.Series, definition: BreakoutDefinition, decluster_months: int = 3) -> BreakoutSet:
    """Detect breakouts of one pre-declared definition, look-ahead free.

    Parameters
    ----------
    close : pd.Series
        Daily closes with an increasing ``DatetimeIndex`` (use the full history: all-time
        highs need it).
    definition : BreakoutDefinition
        From ``cfg.events.definitions``.
    decluster_months : int
        Length of an event window (the longest horizon); events inside the previous
        kept event's window are dropped.

    Returns
    -------
    BreakoutSet
        Raw and declustered events.

    Notes
    -----
    The decision for day ``t`` uses ``close[:t]`` only; declustering depends only on
    earlier events. Hence ``detect_breakouts(close[:T])`` equals the events of
    ``detect_breakouts(close)`` dated on or before ``T``.
    """
    if definition.kind not in BREAKOUT_KINDS:
        raise ValueError(f"kind must be one of {BREAKOUT_KINDS}, got {definition.kind!r}")
    s = _check_series(close)
    if definition.kind == "ath_after_drawdown":
        if definition.drawdown is None or not 0 < definition.drawdown < 1:
            raise ValueError(f"drawdown must be in (0, 1), got {definition.drawdown}")
        raw = _ath_after_drawdown(s, definition.drawdown)
    elif definition.kind == "high_52w":
        if definition.months_below is None or definition.months_below < 1:
            raise ValueError(f"months_below must be >= 1, got {definition.months_below}")
        raw = _high_52w(s, definition.months_below)
    else:
        if definition.level is None or definition.level <= 0:
            raise ValueError(f"level must be > 0, got {definition.level}")
        raw = _threshold(s, definition.level)
    return BreakoutSet(
        definition=definition.name,
        kind=definition.kind,
        description=describe(definition),
        raw=tuple(raw),
        events=decluster(raw, decluster_months),
        decluster_months=decluster_months,
        series_start=as_date(s.index[0]),
        series_end=as_date(s.index[-1]),
    )

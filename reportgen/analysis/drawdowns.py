"""Drawdowns: episodes (peak, trough, recovery), their frequency per regime with exact
Poisson intervals, and recovery speed (the proxy reported for C9).

A drawdown episode starts at a running all-time high (the peak), reaches its lowest close
(the trough) and ends on the first close at or above the peak (the recovery); an episode
still open at the end of the data is "not recovered". Depth is ``trough / peak - 1``
(negative). Days are calendar days.

Frequency: an episode counts as a "drawdown worse than -x" in the regime (before / from the
break date) that contains the first close at or below ``peak * (1 - x)``. Counts are
treated as Poisson over the calendar years of exposure in each regime; intervals are the
exact (Garwood 1936) chi-square intervals and the post/pre comparison is the exact
conditional binomial test of equal rates. Episodes are measured from the running maximum,
so a new one cannot start before the previous one recovers: the counts are not exactly
Poisson, and a long open episode (e.g. 2021-2024 for BTC) censors the next regime's count.

References
----------
Garwood, F. (1936). Fiducial limits for the Poisson distribution. Biometrika 28, 437-442.
Przyborowski, J. and Wilenski, H. (1940). Homogeneity of results in testing samples from Poisson series. Biometrika 31, 313-323.
Magdon-Ismail, M. and Atiya, A. (2004). Maximum drawdown. Risk 17(10), 99-102.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from reportgen.analysis.common import as_date, as_tuple
from reportgen.errors import InsufficientDataError

_EPS = 1e-12  # a drawdown of exactly -20% counts as "worse than or equal to -20%" despite rounding


@dataclass(frozen=True, slots=True)
class DrawdownEpisode:
    """One drawdown from a running high. ``crossings[i]`` is the first date the close was at or
    below ``peak * (1 - thresholds[i])`` (``None`` if never)."""

    asset: str
    peak_date: dt.date
    peak: float
    trough_date: dt.date
    trough: float
    depth: float
    recovery_date: dt.date | None
    recovered: bool
    days_peak_to_trough: int
    days_to_recover: int | None  # trough -> recovery
    days_underwater: int  # peak -> recovery (or -> end of data when not recovered)
    thresholds: tuple[float, ...]
    crossings: tuple[dt.date | None, ...]


def underwater(prices: pd.Series) -> pd.Series:
    """``p_t / max_{s<=t} p_s - 1`` (0 at a new high, negative below it)."""
    p = _clean(prices)
    return p / p.cummax() - 1.0


def _clean(prices) -> pd.Series:
    p = pd.Series(prices, dtype=float).dropna()
    if p.empty:
        raise InsufficientDataError("need at least 2 prices for drawdowns; have 0")
    if (p <= 0).any():
        raise ValueError("prices must be positive")
    if not p.index.is_monotonic_increasing:
        raise ValueError("prices must be in ascending date order")
    if len(p) < 2:
        raise InsufficientDataError(f"need at least 2 prices for drawdowns; have {len(p)}")
    return p


def drawdown_episodes(prices: pd.Series, min_depth: float = 0.0, thresholds: tuple[float, ...] = (0.20, 0.50),
                      asset: str = "") -> tuple[DrawdownEpisode, ...]:
    """All drawdown episodes at least ``min_depth`` deep (0.2 = -20%), in time order.

    Parameters
    ----------
    prices : pd.Series
        Daily closes, ascending DatetimeIndex.
    min_depth : float
        Keep episodes with ``depth <= -min_depth`` (0 keeps every episode).
    thresholds : tuple of float
        Depths whose first crossing dates are recorded (for frequencies per regime).
    asset : str

    Returns
    -------
    tuple of DrawdownEpisode
    """
    if not 0 <= min_depth < 1:
        raise ValueError(f"min_depth must be in [0, 1), got {min_depth}")
    for t in thresholds:
        if not 0 < t < 1:
            raise ValueError(f"thresholds must be in (0, 1), got {t}")
    p = _clean(prices)
    vals = p.to_numpy()
    dates = [as_date(d) for d in p.index]
    peak_run = np.maximum.accumulate(vals)
    below = vals < peak_run
    out = []
    n = len(vals)
    i = 0
    while i < n:
        if not below[i]:
            i += 1
            continue
        start = i - 1  # the peak: last close at the running high (i >= 1 since below[0] is False)
        j = i
        while j < n and below[j]:
            j += 1
        seg = vals[i:j]
        tr = i + int(np.argmin(seg))
        pk = vals[start]
        depth = vals[tr] / pk - 1.0
        recovered = j < n
        rec = dates[j] if recovered else None
        cross = []
        for th in thresholds:
            hit = np.nonzero(seg / pk - 1.0 <= -th + _EPS)[0]
            cross.append(dates[i + int(hit[0])] if hit.size else None)
        if depth <= -min_depth + _EPS:
            out.append(DrawdownEpisode(
                asset=asset, peak_date=dates[start], peak=float(pk), trough_date=dates[tr], trough=float(vals[tr]),
                depth=float(depth), recovery_date=rec, recovered=recovered,
                days_peak_to_trough=(dates[tr] - dates[start]).days,
                days_to_recover=(rec - dates[tr]).days if recovered else None,
                days_underwater=((rec if recovered else dates[-1]) - dates[start]).days,
                thresholds=tuple(float(t) for t in thresholds), crossings=tuple(cross),
            ))
        i = j
    return tuple(out)


def drawdown_episodes_reference(prices: pd.Series, min_depth: float = 0.0) -> list[tuple]:
    """A second, straightforward implementation (peak, trough, depth, recovery) for the tests."""
    p = _clean(prices)
    res, peak_i, in_dd, trough_i = [], 0, False, 0
    for t in range(1, len(p)):
        if p.iloc[t] >= p.iloc[peak_i]:
            if in_dd:
                res.append((peak_i, trough_i, t))
                in_dd = False
            peak_i = t
        else:
            if not in_dd:
                in_dd, trough_i = True, t
            elif p.iloc[t] < p.iloc[trough_i]:
                trough_i = t
    if in_dd:
        res.append((peak_i, trough_i, None))
    out = []
    for a, b, c in res:
        depth = p.iloc[b] / p.iloc[a] - 1
        if depth <= -min_depth + _EPS:
            out.append((as_date(p.index[a]), as_date(p.index[b]), float(depth),
                        None if c is None else as_date(p.index[c])))
    return out


# --------------------------------------------------------------------------- frequency per regime


@dataclass(frozen=True, slots=True)
class PoissonRate:
    """Events per year with an exact (Garwood) interval."""

    count: int
    years: float
    rate: float
    ci_low: float
    ci_high: float


def poisson_rate(count: int, years: float, alpha: float = 0.05) -> PoissonRate:
    """Rate ``count / years`` with the exact Garwood interval
    ``[chi2_{a/2}(2k) / 2, chi2_{1-a/2}(2k+2) / 2] / years``."""
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    if years <= 0:
        raise ValueError(f"years must be > 0, got {years}")
    lo = 0.0 if count == 0 else stats.chi2.ppf(alpha / 2, 2 * count) / 2
    hi = stats.chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2
    return PoissonRate(count=int(count), years=float(years), rate=count / years,
                       ci_low=float(lo / years), ci_high=float(hi / years))


@dataclass(frozen=True, slots=True)
class DrawdownRateComparison:
    """Frequency of drawdowns worse than ``-threshold`` before / from the break date.

    ``rate_ratio`` is post/pre; its interval and ``pvalue`` come from the exact conditional
    binomial test (given the total count, post events ~ Binomial(n, T_post / T)). ``None``
    where undefined (no events, or no pre events for the ratio).
    """

    asset: str
    threshold: float
    break_date: dt.date
    pre_start: dt.date
    end: dt.date
    pre: PoissonRate
    post: PoissonRate
    rate_ratio: float | None
    ratio_ci_low: float | None
    ratio_ci_high: float | None
    pvalue: float
    method: str


def compare_drawdown_rates(episodes: tuple[DrawdownEpisode, ...], threshold: float, break_date: dt.date,
                           start: dt.date, end: dt.date, asset: str = "",
                           alpha: float = 0.05) -> DrawdownRateComparison:
    """Count episodes first crossing ``-threshold`` in ``[start, break_date)`` and
    ``[break_date, end]``; exact Poisson rates per year and an exact rate-ratio test."""
    if not start < break_date <= end:
        raise ValueError(f"need start < break_date <= end; got {start}, {break_date}, {end}")
    k_pre = k_post = 0
    for e in episodes:
        if threshold not in e.thresholds:
            raise ValueError(f"threshold {threshold} was not recorded; episodes have {e.thresholds}")
        d = e.crossings[e.thresholds.index(threshold)]
        if d is None or d < start or d > end:
            continue
        if d < break_date:
            k_pre += 1
        else:
            k_post += 1
    y_pre = (break_date - start).days / 365.25
    y_post = ((end - break_date).days + 1) / 365.25
    pre, post = poisson_rate(k_pre, y_pre, alpha), poisson_rate(k_post, y_post, alpha)
    n = k_pre + k_post
    share = y_post / (y_pre + y_post)
    if n == 0:
        pval, ratio, lo, hi = 1.0, None, None, None
    else:
        pval = float(stats.binomtest(k_post, n, share).pvalue)
        ci = stats.binomtest(k_post, n, share).proportion_ci(1 - alpha, method="exact")
        odds = lambda q: q / (1 - q) * (y_pre / y_post) if q < 1 else math.inf  # noqa: E731
        ratio = (k_post / y_post) / (k_pre / y_pre) if k_pre > 0 else None
        lo = odds(ci.low)
        hi = odds(ci.high) if ci.high < 1 else None
    return DrawdownRateComparison(
        asset=asset, threshold=float(threshold), break_date=break_date, pre_start=start, end=end,
        pre=pre, post=post, rate_ratio=ratio, ratio_ci_low=lo, ratio_ci_high=hi, pvalue=pval,
        method="exact conditional binomial test of equal Poisson rates; Garwood intervals",
    )


# --------------------------------------------------------------------------- recovery speed (C9 proxy)


@dataclass(frozen=True, slots=True)
class RecoveryProxy:
    """Recovery speed of drawdowns worse than ``-min_depth`` whose trough lies in a regime.

    A PROXY for C9 ("dips get absorbed"), which as stated makes no falsifiable prediction.
    Post-ETF episodes have had less time to recover (right censoring): compare
    ``n_recovered / n_episodes`` with that in mind.
    """

    asset: str
    regime: str  # "pre" | "post"
    min_depth: float
    n_episodes: int
    n_recovered: int
    median_days_to_recover: float | None  # trough -> recovery, recovered episodes only
    max_days_to_recover: int | None
    median_depth: float | None
    n_recovered_within_365: int
    n_eligible_365: int  # troughs at least 365 days before the end of data


def recovery_proxy(episodes: tuple[DrawdownEpisode, ...], break_date: dt.date, end: dt.date,
                   min_depth: float = 0.20, asset: str = "") -> tuple[RecoveryProxy, RecoveryProxy]:
    """Recovery statistics before and from ``break_date`` (by trough date)."""
    out = []
    for regime in ("pre", "post"):
        eps = [e for e in episodes if e.depth <= -min_depth + _EPS
               and ((e.trough_date < break_date) if regime == "pre" else (e.trough_date >= break_date))]
        rec = [e.days_to_recover for e in eps if e.recovered]
        elig = [e for e in eps if (end - e.trough_date).days >= 365]
        out.append(RecoveryProxy(
            asset=asset, regime=regime, min_depth=float(min_depth), n_episodes=len(eps), n_recovered=len(rec),
            median_days_to_recover=float(np.median(rec)) if rec else None,
            max_days_to_recover=int(max(rec)) if rec else None,
            median_depth=float(np.median([e.depth for e in eps])) if eps else None,
            n_recovered_within_365=sum(1 for e in elig if e.recovered and e.days_to_recover <= 365),
            n_eligible_365=len(elig),
        ))
    return out[0], out[1]


# --------------------------------------------------------------------------- per-asset table


@dataclass(frozen=True, slots=True)
class DrawdownTable:
    """Drawdown episodes of one asset worse than ``-min_depth`` since ``start``, the deepest
    one, and the underwater curve (weekly minimum) for the figure."""

    asset: str
    start: dt.date
    end: dt.date
    min_depth: float
    episodes: tuple[DrawdownEpisode, ...]
    max_drawdown: DrawdownEpisode | None
    current_drawdown: float
    underwater_dates: tuple[dt.date, ...]
    underwater: tuple[float, ...]


def drawdown_table(prices: pd.Series, start: dt.date, min_depth: float = 0.20,
                   thresholds: tuple[float, ...] = (0.20, 0.50), asset: str = "") -> DrawdownTable:
    """Episodes whose trough is on or after ``start`` (peaks use the full history, so an
    earlier all-time high still counts as the peak)."""
    p = _clean(prices)
    eps = drawdown_episodes(p, 0.0, thresholds, asset)
    eps = tuple(e for e in eps if e.trough_date >= start or (e.recovery_date or dt.date.max) >= start)
    deep = tuple(e for e in eps if e.depth <= -min_depth + _EPS)
    uw = underwater(p).loc[pd.Timestamp(start):]
    if uw.empty:
        raise InsufficientDataError(f"need prices after {start} for drawdowns; have none")
    w = uw.resample("W-FRI").min().dropna()
    return DrawdownTable(
        asset=asset, start=as_date(uw.index[0]), end=as_date(uw.index[-1]), min_depth=float(min_depth),
        episodes=deep, max_drawdown=min(eps, key=lambda e: e.depth) if eps else None,
        current_drawdown=float(uw.iloc[-1]),
        underwater_dates=tuple(as_date(d) for d in w.index), underwater=as_tuple(w.to_numpy()),
    )

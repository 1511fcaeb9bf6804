"""Event study machinery: cumulative returns after events, placebo (random-date) inference,
HAC, sign and rank tests, hit rates, power, Romano-Wolf step-down.

Design
------
* **Grid.** Events are Russell 2000 trading days. Every quantity is computed once for *every*
  trading day of an asset's sample (:func:`build_windows`), so real events and placebo dates
  are just index look-ups into the same arrays.
* **Horizon.** ``h`` calendar months: from the crypto close on the event day ``t`` to the
  crypto close on ``t + h`` months (crypto trades every day, so that close exists). The crypto
  daily bar closes at 00:00 UTC, after the 16:00 New York close that defines the event, so the
  return is tradeable after the signal.
* **Abnormal returns.** ``mean_adj``: minus the trailing mean daily return (estimation window
  of up to 250 trading days ending the day before the event) times the number of trading days
  in the window; ``market``: minus ``alpha * k + beta * R_GSPC`` from an OLS market model on
  the same estimation window (crypto returns sampled at equity trading days). Means, betas
  and alphas come from cumulative-sum look-ups, so all days are done at once.
* **Placebo.** Random event dates drawn with a stationary bootstrap (Politis and Romano,
  1994) on the trading-day axis: the placebo date of the first event is uniform; each later
  event keeps its distance to the previous one with probability ``(1 - 1/L)^gap`` (same block)
  and is otherwise a fresh uniform date. This is the stationary-bootstrap index chain
  evaluated at the event positions, so event clustering within a block is kept, and each
  placebo window is a contiguous piece of real data (autocorrelation and volatility
  clustering inside windows are untouched).

References
----------
Politis, D. N. and Romano, J. P. (1994). The stationary bootstrap. JASA 89, 1303-1313.
MacKinlay, A. C. (1997). Event studies in economics and finance. J. Econ. Lit. 35, 13-39.
Newey, W. K. and West, K. D. (1987). A simple, positive semi-definite, heteroskedasticity and
autocorrelation consistent covariance matrix. Econometrica 55, 703-708.
Romano, J. P. and Wolf, M. (2005). Stepwise multiple testing as formalized data snooping.
Econometrica 73, 1237-1282.
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
JASA 22, 209-212.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from reportgen.analysis.resampling import stationary_bootstrap_chain_at
from reportgen.errors import InsufficientDataError

MEASURES = ("raw", "mean_adj", "market")


# --------------------------------------------------------------------------- windows on a grid


@dataclass(frozen=True)
class AssetWindows:
    """Per-trading-day arrays for one crypto asset (internal; arrays are read-only)."""

    asset: str
    days: pd.DatetimeIndex  # trading-day grid
    horizons: tuple[int, ...]
    car: dict  # (measure, h) -> array (n_days,), NaN where not computable
    k: dict  # h -> trading days in the window
    est_n: np.ndarray  # estimation-window length (returns) per day
    valid: np.ndarray  # bool: every measure and horizon computable (placebo universe)
    data_end: pd.Timestamp
    measures: tuple[str, ...] = MEASURES  # without "market" when no market index was given

    def position(self, dates) -> np.ndarray:
        """Grid positions of event dates (each must be a grid day)."""
        idx = self.days.get_indexer(pd.DatetimeIndex(pd.to_datetime(list(dates))))
        if (idx < 0).any():
            raise ValueError("event dates must be trading days of the grid")
        return idx


def _asof(s: pd.Series, when: pd.DatetimeIndex, last: pd.Timestamp) -> np.ndarray:
    """Log value of ``s`` at or before each date; NaN after ``last`` or before the start."""
    vals = np.log(s.to_numpy(float))
    pos = s.index.searchsorted(when, side="right") - 1
    out = np.where(pos >= 0, vals[np.clip(pos, 0, None)], np.nan)
    out[np.asarray(when > last)] = np.nan
    return out


def build_windows(
    asset: str,
    crypto: pd.Series,
    market: pd.Series | None,
    calendar: pd.DatetimeIndex,
    horizons: tuple[int, ...] = (1, 2, 3),
    est_window: int = 250,
    min_est: int = 60,
) -> AssetWindows:
    """Raw and abnormal h-month CARs for every trading day of ``calendar`` in the asset's sample.

    Parameters
    ----------
    asset : name used in results
    crypto : daily closes of the crypto asset (calendar days)
    market : daily closes of the market index for the market model (GSPC); ``None`` drops
        the ``market`` measure
    calendar : trading days of the event index (RUT)
    horizons : calendar months
    est_window, min_est : estimation window (trading-day returns ending the day before the
        event) and the minimum length for abnormal returns

    Returns
    -------
    AssetWindows
    """
    crypto = crypto.dropna()
    measures = MEASURES if market is not None else tuple(m for m in MEASURES if m != "market")
    market = market.dropna() if market is not None else pd.Series(1.0, index=calendar)
    if len(crypto) < 2:
        raise InsufficientDataError(f"need at least 2 closes of {asset}; have {len(crypto)}")
    c0, c1 = crypto.index[0], crypto.index[-1]
    days = calendar[(calendar >= c0) & (calendar <= c1)]
    if len(days) <= min_est:
        raise InsufficientDataError(f"need more than {min_est} trading days of {asset}; have {len(days)}")
    lc = _asof(crypto, days, c1)
    lm = _asof(market, days, market.index[-1])
    rc = np.diff(lc, prepend=np.nan)
    rm = np.diff(lm, prepend=np.nan)
    ok = np.isfinite(rc) & np.isfinite(rm)
    rc0, rm0 = np.where(ok, rc, 0.0), np.where(ok, rm, 0.0)

    def prefix(x):
        return np.concatenate([[0.0], np.cumsum(x)])

    Pn, Pc, Pm = prefix(ok.astype(float)), prefix(rc0), prefix(rm0)
    Pcm, Pmm = prefix(rc0 * rm0), prefix(rm0 * rm0)
    j = np.arange(len(days))
    lo = np.maximum(j - est_window, 0)
    n = Pn[j] - Pn[lo]  # returns at positions lo..j-1
    sc, sm = Pc[j] - Pc[lo], Pm[j] - Pm[lo]
    scm, smm = Pcm[j] - Pcm[lo], Pmm[j] - Pmm[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_c = sc / n
        beta = (scm - sc * sm / n) / (smm - sm * sm / n)
        alpha = (sc - beta * sm) / n
    enough = n >= min_est
    mean_c[~enough] = np.nan
    beta[~enough] = np.nan
    alpha[~enough] = np.nan

    car, kk = {}, {}
    valid = enough.copy()
    for h in horizons:
        end = days + pd.DateOffset(months=h)
        ec = _asof(crypto, end, c1)
        em = _asof(market, end, market.index[-1])
        k = (days.searchsorted(end, side="right") - 1 - j).astype(float)
        k[np.asarray(end > days[-1])] = np.nan
        raw = ec - lc
        car[("raw", h)] = raw
        car[("mean_adj", h)] = raw - mean_c * k
        car[("market", h)] = raw - (alpha * k + beta * (em - lm))
        kk[h] = k
        for m in measures:
            valid &= np.isfinite(car[(m, h)])
    if "market" not in measures:
        for h in horizons:
            car[("market", h)] = np.full(len(days), np.nan)
    for a in car.values():
        a.flags.writeable = False
    return AssetWindows(asset, days, tuple(horizons), car, kk, n, valid, c1, measures)


# --------------------------------------------------------------------------- placebo dates


def _check_placebo_args(draws: int, block_length: float) -> None:
    if draws < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    if not block_length >= 1:
        raise ValueError(f"block_length must be >= 1, got {block_length}")


def placebo_positions(event_pos: np.ndarray, n_valid: int, draws: int, block_length: float,
                      rng: np.random.Generator) -> np.ndarray:
    """Placebo event positions from a stationary-bootstrap index chain, all draws at once.

    Parameters
    ----------
    event_pos : sorted int array (n,)
        Real event positions on the trading-day axis (their gaps matter, not their values).
    n_valid : int
        Placebo positions are offsets ``0..n_valid-1`` into the valid placebo universe.
    draws : int
    block_length : float
        Mean block length ``L`` of the stationary bootstrap (restart probability ``1/L``).
    rng : numpy Generator

    Returns
    -------
    array (draws, n) of int offsets.

    Notes
    -----
    A stationary-bootstrap chain moves one step at a time (``i -> i + 1`` mod ``n_valid``)
    and restarts at a uniform position with probability ``p = 1/L`` at each step. Over a gap
    of ``g`` steps it continues without a restart with probability ``(1 - p)^g``; after a
    restart the position is uniform whatever else happened, so the chain evaluated at the
    event positions is drawn exactly, without simulating the days in between
    (:func:`reportgen.analysis.resampling.stationary_bootstrap_chain_at`, the one
    stationary-bootstrap generator).
    """
    _check_placebo_args(draws, block_length)
    e = np.asarray(event_pos, dtype=np.int64)
    if e.ndim != 1 or e.size == 0:
        raise ValueError("event_pos must be a non-empty 1-D array")
    if np.any(np.diff(e) <= 0):
        raise ValueError("event_pos must be strictly increasing")
    if n_valid < 1:
        raise InsufficientDataError(f"need at least 1 valid placebo date; have {n_valid}")
    return stationary_bootstrap_chain_at(e, n_valid, draws, block_length, rng)


def placebo_positions_reference(event_pos: np.ndarray, n_valid: int, draws: int, block_length: float,
                                rng: np.random.Generator) -> np.ndarray:
    """Reference: simulate the full stationary-bootstrap chain day by day (plain loop) and
    read it at the event positions. Same distribution as :func:`placebo_positions`."""
    _check_placebo_args(draws, block_length)
    e = np.asarray(event_pos, dtype=np.int64)
    p = 1.0 / block_length
    span = int(e[-1] - e[0]) + 1
    out = np.empty((draws, e.size), dtype=np.int64)
    for b in range(draws):
        chain = np.empty(span, dtype=np.int64)
        chain[0] = rng.integers(0, n_valid)
        for t in range(1, span):
            chain[t] = rng.integers(0, n_valid) if rng.random() < p else (chain[t - 1] + 1) % n_valid
        out[b] = chain[e - e[0]]
    return out


# --------------------------------------------------------------------------- the batch test


def _cum(returns: np.ndarray) -> np.ndarray:
    r = np.asarray(returns, dtype=float)
    return np.concatenate([np.zeros(r.shape[:-1] + (1,)), np.cumsum(r, axis=-1)], axis=-1)


def _validate_batch(returns, event_idx, horizon):
    r = np.asarray(returns, dtype=float)
    if r.ndim != 2:
        raise ValueError(f"returns must be 2-D (B, T), got {r.ndim}-D")
    if horizon < 1:
        raise ValueError(f"horizon must be >= 1, got {horizon}")
    e = np.asarray(event_idx, dtype=np.int64)
    T = r.shape[1]
    if e.ndim != 1 or e.size == 0:
        raise ValueError("event_idx must be a non-empty 1-D array")
    if e.min() < 0 or e.max() > T - horizon - 1:
        raise InsufficientDataError(
            f"event windows must end inside the sample: need event_idx in 0..{T - horizon - 1}, "
            f"got {e.min()}..{e.max()}"
        )
    return r, np.sort(e)


def placebo_means(cum: np.ndarray, positions: np.ndarray, horizon: int, chunk_elems: int = 20_000_000) -> np.ndarray:
    """Mean placebo CAR for each path and draw: ``cum`` (B, T+1) prefix sums, ``positions``
    (draws, n). CAR at ``s`` is ``r[s+1] + ... + r[s+h] = cum[s+h+1] - cum[s+1]``. Returns (B, draws)."""
    B = cum.shape[0]
    draws, n = positions.shape
    out = np.empty((B, draws))
    step = max(1, chunk_elems // max(1, draws * n))
    for b0 in range(0, B, step):
        c = cum[b0 : b0 + step]
        out[b0 : b0 + step] = (c[:, positions + horizon + 1] - c[:, positions + 1]).mean(axis=-1)
    return out


def placebo_means_reference(returns: np.ndarray, positions: np.ndarray, horizon: int) -> np.ndarray:
    """Reference for :func:`placebo_means`: a plain loop summing daily returns."""
    r = np.asarray(returns, dtype=float)
    B = r.shape[0]
    draws, n = positions.shape
    out = np.empty((B, draws))
    for b in range(B):
        for d in range(draws):
            out[b, d] = np.mean([r[b, s + 1 : s + horizon + 1].sum() for s in positions[d]])
    return out


def placebo_test_batch(returns: np.ndarray, event_idx: np.ndarray, horizon: int, draws: int,
                       block_length: float, rng) -> np.ndarray:
    """One-sided placebo p-values for many simulated return paths, vectorised.

    Parameters
    ----------
    returns : array (B, T)
        Daily log returns, one simulated path per row.
    event_idx : int array (n,)
        Event days (the same for every path); the event window is days ``t+1..t+horizon``.
    horizon : int
        Window length in days.
    draws : int
        Placebo draws (shared by all paths).
    block_length : float
        Mean block length of the stationary bootstrap for the placebo dates.
    rng : numpy Generator or int seed

    Returns
    -------
    array (B,)
        ``(1 + #{placebo mean CAR >= real mean CAR}) / (1 + draws)``; H1: CARs after events
        exceed CARs after random dates.
    """
    r, e = _validate_batch(returns, event_idx, horizon)
    rng = np.random.default_rng(rng)
    n_valid = r.shape[1] - horizon
    cum = _cum(r)
    real = (cum[:, e + horizon + 1] - cum[:, e + 1]).mean(axis=1)
    pos = placebo_positions(e, n_valid, draws, block_length, rng)
    pm = placebo_means(cum, pos, horizon)
    return (1.0 + (pm >= real[:, None]).sum(axis=1)) / (1.0 + draws)


def placebo_test_batch_reference(returns, event_idx, horizon, positions) -> np.ndarray:
    """Reference for :func:`placebo_test_batch` on given placebo positions (plain loops)."""
    r = np.asarray(returns, dtype=float)
    e = np.sort(np.asarray(event_idx))
    out = np.empty(r.shape[0])
    pm = placebo_means_reference(r, positions, horizon)
    for b in range(r.shape[0]):
        real = np.mean([r[b, s + 1 : s + horizon + 1].sum() for s in e])
        out[b] = (1.0 + np.sum(pm[b] >= real)) / (1.0 + positions.shape[0])
    return out


# --------------------------------------------------------------------------- summaries


def placebo_upper_pvalue(real, null) -> np.ndarray:
    """One-sided placebo p-value ``(1 + #{null >= real}) / (1 + m)`` (H1: ``real`` exceeds the
    placebo values), for many tests at once: ``real`` (...), ``null`` (..., m). The upper
    p-value of :func:`placebo_pvalue`, which calls it."""
    null = np.asarray(null, dtype=float)
    real = np.asarray(real, dtype=float)
    return (1.0 + np.sum(null >= real[..., None], axis=-1)) / (1.0 + null.shape[-1])


def placebo_pvalue(real: float, null: np.ndarray) -> tuple[float, float, float]:
    """(upper p, lower p, percentile) of ``real`` in the placebo distribution ``null``."""
    null = np.asarray(null, dtype=float)
    m = null.size
    upper = placebo_upper_pvalue(real, null.ravel())
    lower = (1.0 + np.sum(null <= real)) / (1.0 + m)
    pct = float(np.mean(null < real) + 0.5 * np.mean(null == real))
    return float(upper), float(lower), pct


def minimum_detectable_effect(null: np.ndarray, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest shift ``d`` of the mean CAR that the one-sided placebo test at level ``alpha``
    detects with probability ``power``: ``q_{1-alpha} - q_{1-power}`` of the placebo
    distribution (location-shift alternative)."""
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise ValueError(f"alpha and power must be in (0, 1), got {alpha}, {power}")
    null = np.asarray(null, dtype=float)
    return float(np.quantile(null, 1 - alpha) - np.quantile(null, 1 - power))


def power_at(null: np.ndarray, effect: float, alpha: float = 0.05) -> float:
    """Power of the one-sided placebo test against a location shift ``effect``."""
    null = np.asarray(null, dtype=float)
    crit = np.quantile(null, 1 - alpha)
    return float(np.mean(null + effect > crit))


def wilson_interval(successes: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (Wilson, 1927)."""
    if n < 1:
        raise InsufficientDataError(f"need at least 1 trial for a Wilson interval; have {n}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be in 0..{n}, got {successes}")
    z = stats.norm.ppf(1 - alpha / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return float(centre - half), float(centre + half)


def romano_wolf(stat: np.ndarray, null_stat: np.ndarray) -> np.ndarray:
    """Romano-Wolf step-down adjusted p-values (one-sided, large values reject).

    Parameters
    ----------
    stat : array (K,) observed statistics
    null_stat : array (draws, K) draws of the statistics under the joint null (centred)

    Returns
    -------
    array (K,) adjusted p-values, monotone in the step-down order.
    """
    stat = np.asarray(stat, dtype=float)
    null_stat = np.asarray(null_stat, dtype=float)
    K = stat.size
    order = np.argsort(-stat, kind="stable")
    # running max over the *remaining* hypotheses: reverse cumulative max over ordered columns
    ordered = null_stat[:, order]
    tail_max = np.maximum.accumulate(ordered[:, ::-1], axis=1)[:, ::-1]  # max over j..K-1
    raw = (1.0 + (tail_max >= stat[order][None, :]).sum(axis=0)) / (1.0 + null_stat.shape[0])
    adj_sorted = np.maximum.accumulate(raw)
    out = np.empty(K)
    out[order] = np.minimum(adj_sorted, 1.0)
    return out


def romano_wolf_reference(stat: np.ndarray, null_stat: np.ndarray) -> np.ndarray:
    """Reference loop for :func:`romano_wolf`."""
    stat = np.asarray(stat, dtype=float)
    K = stat.size
    order = list(np.argsort(-stat, kind="stable"))
    out = np.empty(K)
    prev = 0.0
    for step, k in enumerate(order):
        remaining = order[step:]
        mx = null_stat[:, remaining].max(axis=1)
        p = (1.0 + np.sum(mx >= stat[k])) / (1.0 + null_stat.shape[0])
        prev = max(prev, p)
        out[k] = min(prev, 1.0)
    return out


def hac_dummy_test(crypto: pd.Series, event_dates, horizon: int, start=None, min_events: int = 5):
    """Overlapping h-month returns on an event-month dummy, Newey-West (lags h-1).

    ``y_m = log P_{m+h} - log P_m`` at month ends; ``D_m = 1`` if an event happened in month
    ``m`` (so the return starts at the month end after the event: look-ahead free).
    With few event months the HAC variance of a dummy coefficient is badly biased (the
    dummy fits its own months), so fewer than ``min_events`` event months raise
    :class:`InsufficientDataError`.

    Returns
    -------
    dict with coef, se, t, p_one (H1: coef > 0), p_two, nobs, start, end.
    """
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    from reportgen.data.align import sample

    lv = np.log(sample(crypto.dropna(), "monthly"))
    if start is not None:
        lv = lv.loc[pd.Timestamp(start):]
    y = (lv.shift(-horizon) - lv).dropna()
    months = pd.DatetimeIndex(pd.to_datetime(list(event_dates))).to_period("M")
    d = pd.Series(y.index.to_period("M").isin(months).astype(float), index=y.index)
    if d.sum() < min_events:
        raise InsufficientDataError(
            f"need {min_events} event months inside the {horizon}-month return sample for a HAC test; have {int(d.sum())}"
        )
    X = add_constant(d.to_numpy())
    res = OLS(y.to_numpy(), X).fit(cov_type="HAC", cov_kwds={"maxlags": max(horizon - 1, 0)})
    t = float(res.tvalues[1])
    return {
        "coef": float(res.params[1]), "se": float(res.bse[1]), "t": t,
        "p_one": float(stats.norm.sf(t)), "p_two": float(2 * stats.norm.sf(abs(t))),
        "nobs": int(res.nobs), "start": y.index[0].date(), "end": y.index[-1].date(), "n_events": int(d.sum()),
    }

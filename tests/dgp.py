"""Simulated data with known answers (data-generating processes) for the tests.

Every function takes ``rng`` (a ``numpy.random.Generator``) and returns plain numpy/pandas
objects. Keep each DGP small and documented: what is planted, and what a correct method
must find.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def var_lead(n: int, rng: np.random.Generator, lag: int = 2, b: float = 0.35, burn: int = 100,
             t_df: float | None = None) -> np.ndarray:
    """Bivariate VAR: x leads y at ``lag`` (y_t = b x_{t-lag} + e), y does not lead x.

    Returns array (n, 2) with columns [x, y]. With ``t_df`` the shocks are Student-t
    (scaled to unit variance) for fat tails.
    """
    T = n + burn
    if t_df is None:
        e = rng.standard_normal((T, 2))
    else:
        e = rng.standard_t(t_df, size=(T, 2)) / np.sqrt(t_df / (t_df - 2))
    y = np.zeros((T, 2))
    for t in range(T):
        x_prev = y[t - 1, 0] if t >= 1 else 0.0
        x_lag = y[t - lag, 0] if t >= lag else 0.0
        y_prev = y[t - 1, 1] if t >= 1 else 0.0
        y[t, 0] = 0.2 * x_prev + e[t, 0]
        y[t, 1] = 0.1 * y_prev + b * x_lag + e[t, 1]
    return y[burn:]


def independent_returns(n: int, rng: np.random.Generator, k: int = 2, t_df: float | None = 4.0,
                        garch: bool = True) -> np.ndarray:
    """k independent return series, fat-tailed and (optionally) GARCH(1,1) heteroskedastic.

    No series leads any other: every lead-lag test should reject at its nominal rate.
    """
    if t_df is None:
        z = rng.standard_normal((n + 200, k))
    else:
        z = rng.standard_t(t_df, size=(n + 200, k)) / np.sqrt(t_df / (t_df - 2))
    if not garch:
        return z[200:]
    omega, alpha, beta = 0.05, 0.10, 0.85
    h = np.full(k, omega / (1 - alpha - beta))
    out = np.empty_like(z)
    for t in range(n + 200):
        out[t] = np.sqrt(h) * z[t]
        h = omega + alpha * out[t] ** 2 + beta * h
    return out[200:]


def independent_random_walks(n: int, rng: np.random.Generator, k: int = 2) -> np.ndarray:
    """k independent Gaussian random walks (I(1) levels): spurious-regression territory."""
    return np.cumsum(rng.standard_normal((n, k)), axis=0)


def daily_prices(returns: np.ndarray, start: str = "2010-01-01", freq: str = "D",
                 p0: float = 100.0) -> pd.Series:
    """Turn daily log returns into a price series on a calendar (``"D"`` or business days ``"B"``)."""
    idx = pd.date_range(start, periods=len(returns) + 1, freq=freq)
    return pd.Series(p0 * np.exp(np.concatenate([[0.0], np.cumsum(returns)])), index=idx)


def event_returns(n: int, event_idx: np.ndarray, rng: np.random.Generator, abnormal: float = 0.0,
                  window: int = 21, sigma: float = 0.04, t_df: float = 4.0) -> np.ndarray:
    """Daily log returns with a planted abnormal drift after each event.

    ``abnormal`` is the total extra log return spread evenly over the ``window`` days after
    each event (days t+1..t+window). With ``abnormal=0`` nothing is planted.
    """
    r = sigma * rng.standard_t(t_df, size=n) / np.sqrt(t_df / (t_df - 2))
    for i in np.asarray(event_idx, dtype=int):
        r[i + 1 : i + 1 + window] += abnormal / window
    return r


def garch_with_shift(n: int, rng: np.random.Generator, shift_at: int | None = None,
                     omega: float = 0.1, alpha: float = 0.08, beta: float = 0.88,
                     scale_after: float = 0.5, t_df: float = 6.0) -> np.ndarray:
    """GARCH(1,1)-t returns (in percent) whose intercept omega is multiplied by ``scale_after``
    from index ``shift_at`` on (variance shift at a known date). ``shift_at=None``: no shift."""
    z = rng.standard_t(t_df, size=n + 500) / np.sqrt(t_df / (t_df - 2))
    out = np.empty(n + 500)
    h = omega / (1 - alpha - beta)
    for t in range(n + 500):
        w = omega * (scale_after if shift_at is not None and t - 500 >= shift_at else 1.0)
        out[t] = np.sqrt(h) * z[t]
        h = w + alpha * out[t] ** 2 + beta * h
    return out[500:]

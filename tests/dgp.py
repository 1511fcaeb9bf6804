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


def var1_system(n: int, rng: np.random.Generator, A: np.ndarray, sigma: np.ndarray,
                c: np.ndarray | None = None, burn: int = 100) -> np.ndarray:
    """Gaussian VAR(1) y_t = c + A y_{t-1} + u_t, u_t ~ N(0, sigma). Returns (n, K).

    The impulse responses are known: Phi_h = A^h, orthogonalised A^h P with P P' = sigma,
    generalised A^h sigma e_j / sqrt(sigma_jj).
    """
    A = np.asarray(A, dtype=float)
    K = A.shape[0]
    c = np.zeros(K) if c is None else np.asarray(c, dtype=float)
    u = rng.multivariate_normal(np.zeros(K), sigma, size=n + burn)
    y = np.zeros((n + burn, K))
    for t in range(1, n + burn):
        y[t] = c + A @ y[t - 1] + u[t]
    return y[burn:]


def credit_betas(n: int, rng: np.random.Generator, beta_small: float = -0.08, beta_large: float = -0.06,
                 sd_spread: float = 0.35, sd_small: float = 0.035, sd_large: float = 0.025,
                 rho: float = 0.6, start: str = "2010-01-31") -> pd.DataFrame:
    """Monthly spread changes ``ds`` (pp) and RUT/GSPC log returns with planted credit betas.

    r_RUT = beta_small ds + e_R, r_GSPC = beta_large ds + e_G, corr(e_R, e_G) = rho.
    A correct C7 analysis recovers the betas and detects beta_small - beta_large when it
    is large relative to the idiosyncratic noise. Columns [ds, RUT, GSPC], month-end index.
    """
    ds = sd_spread * rng.standard_t(5, size=n) / np.sqrt(5 / 3)
    cov = np.array([[sd_small**2, rho * sd_small * sd_large], [rho * sd_small * sd_large, sd_large**2]])
    e = rng.multivariate_normal(np.zeros(2), cov, size=n)
    idx = pd.date_range(start, periods=n, freq="ME")
    return pd.DataFrame({"ds": ds, "RUT": 0.005 + beta_small * ds + e[:, 0],
                         "GSPC": 0.006 + beta_large * ds + e[:, 1]}, index=idx)


# --------------------------------------------------------------------------- batched DGPs
# (appended for the lead-lag Monte Carlo tests: B independent datasets in one array, so a
# size/power check over hundreds of seeds runs in one vectorised pass)


def var_lead_batch(n: int, rng: np.random.Generator, batch: int, lag: int = 2, b: float = 0.35,
                   burn: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """``batch`` independent draws of :func:`var_lead` (Gaussian shocks).

    Returns ``(x, y)``, each (batch, n): x leads y at ``lag`` with coefficient ``b``; y does
    not lead x. A correct Granger test finds x -> y and not y -> x.
    """
    T = n + burn
    e = rng.standard_normal((T, 2, batch))
    x = np.zeros((T, batch))
    y = np.zeros((T, batch))
    for t in range(T):
        x[t] = (0.2 * x[t - 1] if t >= 1 else 0.0) + e[t, 0]
        y[t] = (0.1 * y[t - 1] if t >= 1 else 0.0) + (b * x[t - lag] if t >= lag else 0.0) + e[t, 1]
    return x[burn:].T.copy(), y[burn:].T.copy()


def independent_returns_batch(n: int, rng: np.random.Generator, batch: int, k: int = 2,
                              t_df: float = 4.0) -> np.ndarray:
    """``batch`` draws of :func:`independent_returns` (Student-t, GARCH(1,1)); (batch, k, n).

    No series leads any other: a lead-lag test should reject at its nominal rate.
    """
    z = rng.standard_t(t_df, size=(n + 200, batch, k)) / np.sqrt(t_df / (t_df - 2))
    omega, alpha, beta = 0.05, 0.10, 0.85
    h = np.full((batch, k), omega / (1 - alpha - beta))
    out = np.empty_like(z)
    for t in range(n + 200):
        out[t] = np.sqrt(h) * z[t]
        h = omega + alpha * out[t] ** 2 + beta * h
    return np.transpose(out[200:], (1, 2, 0)).copy()


def independent_random_walks_batch(n: int, rng: np.random.Generator, batch: int, k: int = 2) -> np.ndarray:
    """``batch`` draws of :func:`independent_random_walks`; (batch, k, n) I(1) levels."""
    return np.cumsum(rng.standard_normal((batch, k, n)), axis=-1)


def event_returns_batch(n_paths: int, n: int, event_idx: np.ndarray, rng: np.random.Generator,
                        abnormal: float = 0.0, window: int = 21, sigma: float = 0.04,
                        t_df: float = 4.0) -> np.ndarray:
    """Vectorised :func:`event_returns` for many paths: array (n_paths, n) of daily log returns,
    Student-t shocks, plus ``abnormal / window`` on days t+1..t+window after each event.
    With ``abnormal=0`` nothing is planted (placebo tests should reject at their nominal rate)."""
    r = sigma * rng.standard_t(t_df, size=(n_paths, n)) / np.sqrt(t_df / (t_df - 2))
    for i in np.asarray(event_idx, dtype=int):
        r[:, i + 1 : i + 1 + window] += abnormal / window
    return r


def breakout_index(n: int, rng: np.random.Generator, start: str = "2000-01-03", drift: float = 0.0003,
                   sigma: float = 0.012) -> pd.Series:
    """A business-day index level (random walk with drift in logs) that makes new highs after
    drawdowns now and then: material for breakout detection (no effect planted)."""
    r = drift + sigma * rng.standard_normal(n)
    idx = pd.bdate_range(start, periods=n)
    return pd.Series(1000.0 * np.exp(np.cumsum(r)), index=idx)


def simulated_market(real, rng: np.random.Generator, lead: float = 0.0, lead_days: int = 45,
                     breakout_effect: float = 0.0, breakouts=(), effect_days: int = 91):
    """The real bundle with every price series replaced by simulated prices that are
    independent of the real macro series (credit spreads, liquidity), on the real dates.

    RUT and GSPC: correlated (0.8) fat-tailed GARCH returns with drifts that give new highs;
    BTC, ETH: independent of both and of each other, constant volatility relative to equities
    (no regime shift). Planted, when asked: ``lead`` -- BTC's daily log return on day d gains
    ``lead`` times RUT's log return ``lead_days`` calendar days earlier (a lead of about 1.5
    months: a one-s.d. RUT month moves BTC by ``lead`` s.d.-months later); ``breakout_effect``
    -- BTC gains a total log return of ``breakout_effect`` spread evenly over the
    ``effect_days`` calendar days after each date in ``breakouts``.
    """
    import dataclasses
    from types import MappingProxyType

    close = dict(real.close)

    def garch_returns(n, vol, drift):
        z = rng.standard_t(5, size=n) / np.sqrt(5 / 3)
        a, b = 0.08, 0.90
        h = np.empty(n)
        h[0] = vol**2
        r = np.empty(n)
        for t in range(n):
            if t:
                h[t] = vol**2 * (1 - a - b) + a * r[t - 1] ** 2 + b * h[t - 1]
            r[t] = np.sqrt(h[t]) * z[t]
        return r + drift

    rut_idx, gspc_idx = close["RUT"].index, close["GSPC"].index
    common = gspc_idx.union(rut_idx)
    g = garch_returns(common.size, 0.011, 0.0003)
    e = garch_returns(common.size, 0.008, 0.0002)
    gspc_r = pd.Series(g, index=common)
    rut_r = pd.Series(1.1 * g + e, index=common)
    close["GSPC"] = pd.Series(1000 * np.exp(np.cumsum(gspc_r.reindex(gspc_idx).to_numpy())), index=gspc_idx)
    close["RUT"] = pd.Series(100 * np.exp(np.cumsum(rut_r.reindex(rut_idx).to_numpy())), index=rut_idx)
    for key, vol in (("BTC", 0.035), ("ETH", 0.045), ("SOL", 0.05)):
        if key not in close:
            continue
        idx = close[key].index
        r = garch_returns(idx.size, vol, 0.001)
        if key == "BTC" and lead:
            rut_daily = rut_r.reindex(pd.date_range(common[0], idx[-1], freq="D")).fillna(0.0)
            shifted = rut_daily.shift(lead_days).reindex(idx).fillna(0.0).to_numpy()
            r = r + lead * shifted
        if key == "BTC" and breakout_effect:
            for d in breakouts:
                d = pd.Timestamp(d)
                on = (idx > d) & (idx <= d + pd.Timedelta(days=effect_days))
                if on.any():
                    r[on] += breakout_effect / on.sum()
        close[key] = pd.Series(300 * np.exp(np.cumsum(r)), index=idx)
    if "IWM" in close:
        close.pop("IWM")
    return dataclasses.replace(real, close=MappingProxyType(close))

"""Out-of-sample value of the breakout signal: expanding-window forecasts (OOS R^2,
Clark-West) and a timing rule against buy-and-hold (return, volatility, Sharpe, drawdown,
Hansen's SPA test).

Nothing uses data after a forecast date: breakout events are detected look-ahead free
(:mod:`reportgen.analysis.breakouts`), regressions at origin ``m`` only use pairs whose
h-month target was realised by ``m``, and the rule's definitions and holding periods are the
pre-declared ones in ``config.toml``.

References
----------
Campbell, J. Y. and Thompson, S. B. (2008). Predicting excess stock returns out of sample.
RFS 21, 1509-1531.
Clark, T. E. and West, K. D. (2007). Approximately normal tests for equal predictive accuracy
in nested models. J. Econometrics 138, 291-311.
Hansen, P. R. (2005). A test for superior predictive ability. JBES 23, 365-380.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from reportgen.analysis.common import as_date
from reportgen.errors import InsufficientDataError

MODELS = ("mean", "signal", "rut", "rut_signal")
COMPARISONS = (("mean", "signal"), ("rut", "rut_signal"), ("mean", "rut"))


@dataclass(frozen=True, slots=True)
class ForecastComparison:
    """Nested comparison: does ``model`` beat ``benchmark`` out of sample?"""

    asset: str
    horizon_months: int
    benchmark: str
    model: str
    r2_oos: float
    cw_stat: float
    pvalue: float  # Clark-West, one-sided (H1: the larger model forecasts better)
    nobs: int
    first_forecast: dt.date
    last_forecast: dt.date
    null: str = "the larger model does not improve the mean squared forecast error"


@dataclass(frozen=True, slots=True)
class RuleStats:
    """Annualised performance of one strategy (daily log returns, 365 days a year, cash earns 0)."""

    name: str
    definition: str
    hold_months: int
    ann_return: float
    ann_vol: float
    sharpe: float
    max_drawdown: float
    exposure: float
    n_trades: int


@dataclass(frozen=True, slots=True)
class TimingResult:
    asset: str
    buy_hold: RuleStats
    rules: tuple[RuleStats, ...]
    spa_pvalue: float  # consistent SPA p-value
    spa_pvalue_lower: float
    spa_pvalue_upper: float
    spa_reps: int
    spa_block: int
    sample_start: dt.date
    sample_end: dt.date
    null: str = "no timing rule has a higher expected daily return than buy-and-hold"


def monthly_signal(index: pd.DatetimeIndex, event_dates, hold_months: int = 3) -> pd.Series:
    """1 at month end ``m`` if an event happened in ``(m - hold_months, m]`` (known at ``m``)."""
    ev = pd.DatetimeIndex(pd.to_datetime(list(event_dates))).sort_values()
    out = np.zeros(len(index))
    for i, m in enumerate(index):
        lo = m - pd.DateOffset(months=hold_months)
        out[i] = float(((ev > lo) & (ev <= m)).any())
    return pd.Series(out, index=index)


def expanding_forecasts(y: np.ndarray, X: np.ndarray, horizon: int, min_train: int = 36) -> np.ndarray:
    """Forecast ``y[i]`` from ``X[i]`` with OLS on pairs ``tau`` with ``tau + horizon <= i``.

    ``y[i]`` is the return from period ``i`` to ``i + horizon``; it is known at ``i + horizon``.
    Returns NaN where fewer than ``min_train`` pairs are available. Rank-deficient training
    sets (e.g. a signal that has never fired) use the minimum-norm solution.
    """
    n = len(y)
    out = np.full(n, np.nan)
    for i in range(n):
        m = i - horizon + 1  # pairs 0..m-1
        if m < min_train:
            continue
        beta, *_ = np.linalg.lstsq(X[:m], y[:m], rcond=None)
        out[i] = X[i] @ beta
    return out


def clark_west(y: np.ndarray, f_bench: np.ndarray, f_model: np.ndarray, horizon: int) -> tuple[float, float]:
    """Clark-West MSPE-adjusted statistic with Newey-West (h-1 lags) errors; one-sided p."""
    from statsmodels.regression.linear_model import OLS

    f = (y - f_bench) ** 2 - ((y - f_model) ** 2 - (f_bench - f_model) ** 2)
    if np.allclose(f, f[0]):
        return 0.0, 0.5
    res = OLS(f, np.ones_like(f)).fit(cov_type="HAC", cov_kwds={"maxlags": max(horizon - 1, 0)})
    t = float(res.tvalues[0])
    return t, float(stats.norm.sf(t))


def forecast_comparisons(asset: str, crypto_m: pd.Series, rut_m: pd.Series, signal: pd.Series,
                         horizons: tuple[int, ...], min_train: int = 36) -> tuple[ForecastComparison, ...]:
    """OOS R^2 and Clark-West tests for every horizon and nested comparison.

    Parameters
    ----------
    crypto_m, rut_m : month-end log levels (same index)
    signal : 0/1 at each month end (breakout in the last hold window)
    """
    df = pd.concat({"c": crypto_m, "r": rut_m, "s": signal}, axis=1).dropna()
    if len(df) < min_train + max(horizons) + 12:
        raise InsufficientDataError(
            f"need {min_train + max(horizons) + 12} months for out-of-sample forecasts of {asset}; have {len(df)}"
        )
    rut_ret = df["r"].diff()
    out = []
    for h in horizons:
        y = (df["c"].shift(-h) - df["c"]).to_numpy()
        keep = np.isfinite(y) & np.isfinite(rut_ret.to_numpy())
        idx = df.index[keep]
        yy = y[keep]
        one = np.ones(keep.sum())
        s = df["s"].to_numpy()[keep]
        r = rut_ret.to_numpy()[keep]
        designs = {
            "mean": one[:, None],
            "signal": np.column_stack([one, s]),
            "rut": np.column_stack([one, r]),
            "rut_signal": np.column_stack([one, r, s]),
        }
        fc = {k: expanding_forecasts(yy, X, h, min_train) for k, X in designs.items()}
        ok = np.isfinite(fc["mean"])
        for bench, model in COMPARISONS:
            e_b = yy[ok] - fc[bench][ok]
            e_m = yy[ok] - fc[model][ok]
            r2 = 1.0 - np.sum(e_m**2) / np.sum(e_b**2)
            cw, p = clark_west(yy[ok], fc[bench][ok], fc[model][ok], h)
            out.append(ForecastComparison(asset, h, bench, model, float(r2), cw, p, int(ok.sum()),
                                          as_date(idx[ok][0]), as_date(idx[ok][-1])))
    return tuple(out)


def rule_positions(days: pd.DatetimeIndex, event_dates, hold_months: int) -> np.ndarray:
    """Exposure for the return of each day: 1 on days ``tau`` with ``t < tau <= t + hold`` for an
    event ``t`` (enter at the crypto close of the event day, exit at the close ``hold`` months later)."""
    pos = np.zeros(len(days))
    for t in pd.DatetimeIndex(pd.to_datetime(list(event_dates))):
        pos[(days > t) & (days <= t + pd.DateOffset(months=hold_months))] = 1.0
    return pos


def performance(name: str, definition: str, hold: int, r: np.ndarray, pos: np.ndarray | None = None) -> RuleStats:
    """Annualised return/vol/Sharpe (365 days, cash at 0) and max drawdown of a daily log-return series."""
    r = np.asarray(r, dtype=float)
    mu, sd = r.mean(), r.std(ddof=1)
    wealth = np.concatenate([[0.0], np.cumsum(r)])
    dd = 1.0 - np.exp(wealth - np.maximum.accumulate(wealth))
    exposure = 1.0 if pos is None else float(pos.mean())
    trades = 0 if pos is None else int(np.sum(np.diff(np.concatenate([[0.0], pos])) > 0))
    return RuleStats(name, definition, hold, float(365 * mu), float(np.sqrt(365) * sd),
                     float(np.sqrt(365) * mu / sd) if sd > 0 else float("nan"), float(dd.max()), exposure, trades)


def timing_rules(asset: str, crypto: pd.Series, events: dict[str, tuple], holds: tuple[int, ...],
                 reps: int, block: int, seed) -> TimingResult:
    """Hold crypto ``hold`` months after each breakout, cash otherwise, vs buy-and-hold; SPA test
    over every (definition, hold) variant against buy-and-hold (loss = minus daily log return).
    """
    s = np.log(crypto.dropna())
    r = s.diff().dropna()
    days = r.index
    if len(r) < 250:
        raise InsufficientDataError(f"need 250 daily returns of {asset} for the timing rule; have {len(r)}")
    bh = performance("buy and hold", "", 0, r.to_numpy())
    rules, ret_cols = [], []
    for name, dates in events.items():
        for h in holds:
            pos = rule_positions(days, dates, h)
            rr = r.to_numpy() * pos
            rules.append(performance(f"{name}, hold {h}m", name, h, rr, pos))
            ret_cols.append(rr)
    lower, consistent, upper = spa_pvalues(-r.to_numpy(), -np.column_stack(ret_cols), block, reps,
                                           np.random.default_rng(seed))
    return TimingResult(asset, bh, tuple(rules), consistent, lower, upper, reps, block,
                        as_date(days[0]), as_date(days[-1]))


SPA_CHUNK = 64  # bootstrap paths summed at a time in :func:`spa_pvalues` (bounds memory: T x 64 x k)


def spa_pvalues(benchmark: np.ndarray, models: np.ndarray, block: int, reps: int,
                rng: np.random.Generator) -> tuple[float, float, float]:
    """Hansen's (2005) test for superior predictive ability: (lower, consistent, upper) p-values.

    H0: no model has a lower expected loss than the benchmark; H1: at least one has.

    Parameters
    ----------
    benchmark : array (T,), the benchmark's losses
    models : array (T, k), the models' losses
    block : mean block length of the stationary bootstrap
    reps : bootstrap replications
    rng : numpy Generator (advanced by the draws)

    Returns
    -------
    (lower, consistent, upper) : float
        The same numbers, bit for bit, as ``arch.bootstrap.SPA(benchmark, models,
        block_size=block, reps=reps, bootstrap="stationary", studentize=True, seed=rng)``
        followed by ``compute()`` (arch 8), which this replaces.

    Notes
    -----
    The draws are arch's: per replication ``rng.integers(T, size=T)`` start positions, then
    ``rng.random(T)`` uniforms, a block continuing where ``u > 1 / block``. arch averages each
    resample three times in a Python loop; here each resample is summed once, ``SPA_CHUNK``
    resamples at a time in one reduction over the time axis -- the same additions in the same
    order (row by row), so the same floating-point results. The asymptotic variances only decide
    which models count for the consistent p-value (:func:`_spa_valid_columns`).

    References
    ----------
    Hansen, P. R. (2005). A test for superior predictive ability. JBES 23, 365-380.
    """
    from reportgen.analysis.resampling import stationary_bootstrap_indices_from

    ld = np.asarray(benchmark, dtype=float)[:, None] - np.asarray(models, dtype=float)
    T = ld.shape[0]
    p = 1.0 / block
    upper_mean = ld.mean(0)
    consistent_mean = upper_mean.copy()
    consistent_mean[~_spa_valid_columns(ld, block)] = 0.0
    lower_mean = upper_mean.copy()
    lower_mean[lower_mean < 0] = 0.0
    means = np.stack([lower_mean, consistent_mean, upper_mean])  # (3, k)
    max_loss_diff = np.max(upper_mean)
    exceed = np.zeros(3, dtype=np.int64)
    for r0 in range(0, reps, SPA_CHUNK):
        m = min(SPA_CHUNK, reps - r0)
        start = np.empty((m, T), dtype=np.int64)
        u = np.empty((m, T))
        for i in range(m):  # arch's order of draws
            start[i] = rng.integers(T, size=T, dtype=np.int64)
            u[i] = rng.random(T)
        idx = stationary_bootstrap_indices_from(start, u <= p)  # (m, T)
        star_mean = np.take(ld, idx.T, axis=0).sum(axis=0) / T  # (m, k), summed over time row by row
        vals = star_mean[:, None, :] - means[None, :, :]  # (m, 3, k)
        exceed += (vals.max(axis=2) > max_loss_diff).sum(axis=0)
    lower, consistent, upper = (float(c / reps) for c in exceed)
    return lower, consistent, upper


def _spa_variances_reference(ld: np.ndarray, block: int) -> np.ndarray:
    """arch's SPA variance of each mean loss differential (stationary-bootstrap kernel, all
    ``T - 1`` lags, one lag at a time): the exact numbers, O(T^2 k)."""
    t = ld.shape[0]
    p = 1.0 / block
    demeaned = ld - ld.mean(axis=0)
    variances = np.sum(demeaned**2, 0) / t
    for i in range(1, t):
        kappa = ((1.0 - (i / t)) * ((1 - p) ** i)) + ((i / t) * ((1 - p) ** (t - i)))
        variances += 2 * kappa * np.sum(demeaned[: (t - i), :] * demeaned[i:, :], 0) / t
    return variances


def _spa_threshold(variances: np.ndarray, t: int) -> np.ndarray:
    return -1.0 * np.sqrt((variances / t) * 2 * np.log(np.log(t)))


def _spa_valid_columns(ld: np.ndarray, block: int) -> np.ndarray:
    """The models that count for the consistent SPA p-value: mean loss differential at least
    ``-sqrt(var / T * 2 log log T)`` (arch's rule, with arch's variances).

    The variances only enter through this comparison. They are computed with FFT
    autocovariances (O(T log T)) and a bound on their distance from arch's lag-by-lag sums
    (64 eps (1 + 2 sum kappa) sum d^2, over 16 times the rounding-error bound of either
    computation); only when a comparison falls within that bound are arch's exact variances
    computed (:func:`_spa_variances_reference`). Either way the answer is arch's.
    """
    t, _ = ld.shape
    p = 1.0 / block
    mean = ld.mean(0)
    demeaned = ld - mean
    nfft = 1 << int(2 * t - 1).bit_length()
    f = np.fft.rfft(demeaned, n=nfft, axis=0)
    acov = np.fft.irfft(f * np.conj(f), n=nfft, axis=0)[:t]  # acov[i] = sum_r d_r d_{r+i}
    i = np.arange(1, t)
    kappa = (1.0 - i / t) * (1 - p) ** i + (i / t) * (1 - p) ** (t - i)
    var = acov[0] / t + (2 * kappa / t) @ acov[1:]
    ss = np.sum(demeaned**2, 0)
    bound = 64 * np.finfo(float).eps * (1.0 + 2.0 * kappa.sum()) * ss
    lo, hi = var - bound, var + bound
    with np.errstate(invalid="ignore"):
        sure_valid = (lo > 0) & (mean >= _spa_threshold(np.maximum(lo, 0.0), t))
        sure_invalid = (lo > 0) & (mean < _spa_threshold(hi, t))
    if np.all(sure_valid | sure_invalid):
        return sure_valid
    with np.errstate(invalid="ignore"):
        return mean >= _spa_threshold(_spa_variances_reference(ld, block), t)

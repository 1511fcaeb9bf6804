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
    import statsmodels.api as sm

    f = (y - f_bench) ** 2 - ((y - f_model) ** 2 - (f_bench - f_model) ** 2)
    if np.allclose(f, f[0]):
        return 0.0, 0.5
    res = sm.OLS(f, np.ones_like(f)).fit(cov_type="HAC", cov_kwds={"maxlags": max(horizon - 1, 0)})
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
    from arch.bootstrap import SPA

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
    spa = SPA(-r.to_numpy(), -np.column_stack(ret_cols), block_size=block, reps=reps,
              bootstrap="stationary", studentize=True, seed=np.random.default_rng(seed))
    spa.compute()
    pv = spa.pvalues
    return TimingResult(asset, bh, tuple(rules), float(pv["consistent"]), float(pv["lower"]),
                        float(pv["upper"]), reps, block, as_date(days[0]), as_date(days[-1]))

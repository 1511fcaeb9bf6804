"""Scan statistics: every ordered leader -> follower pair, wild-bootstrap Granger tests,
Benjamini-Hochberg over the grid, effect sizes, and the size of the grid's test.

A *unit* is one test: (leader, follower, frequency, lags). A *task* is one ordered pair at
one frequency (all its lags share the pair's sample); tasks go through joblib, so any joblib
backend (local processes here, a Dask or Ray cluster via ``joblib.parallel_config``) runs them. Every
unit draws its random numbers from its own named seed stream
``seed_stream(seed, "scan", "<leader>-><follower>:<frequency>:<lags>")`` (the size check from
``seed_stream(seed, "scan-size", ...)``), so the numbers do not depend on which worker ran
which task, in which order.

Hypotheses, per unit: H0 "lags 1..p of the leader do not help predict the follower" (no
Granger causality, Granger 1969) against H1 "they do". Statistic: HC3 Wald / p
(MacKinnon and White 1985); p-value: fixed-design wild bootstrap imposing H0, Rademacher
multipliers (Goncalves and Kilian 2004), exactly :func:`reportgen.analysis.granger.wild_bootstrap_granger`.

This module never formats numbers (see :mod:`reportgen.scan.output`).

References
----------
Granger, C. W. J. (1969). Econometrica 37, 424-438.
MacKinnon, J. G. and White, H. (1985). J. Econometrics 29, 305-325.
Goncalves, S. and Kilian, L. (2004). J. Econometrics 123, 89-120.
Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery rate. JRSS B 57, 289-300.
Davidson, R. and MacKinnon, J. G. (2000). Bootstrap tests: how many bootstraps? Econometric
Reviews 19, 55-68.
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
JASA 22, 209-212.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from reportgen.analysis.granger import (  # _wald: the same HC3 algebra as granger_causality
    MIN_RESID_DF,
    _wald,
    granger_design,
    wild_bootstrap_granger,
    wild_bootstrap_granger_batch,
)
from reportgen.analysis.ols import batched_ols
from reportgen.analysis.resampling import rademacher, seed_stream
from reportgen.data.align import FREQUENCIES, sample
from reportgen.errors import ReportgenError

TRANSFORMS = ("log_return", "difference")
Transform = Literal["log_return", "difference"]
Frequency = Literal["monthly", "weekly"]
# how a series is made stationary, by source: prices compound and are positive (log returns);
# FRED series are spreads and rates in percent, or balance-sheet levels that can be zero
# (reverse repos), so their first differences are used
TRANSFORM_BY_SOURCE: Mapping[str, Transform] = {"yfinance": "log_return", "fred": "difference"}
VARIABLE = {"log_return": "log return", "difference": "first difference"}

__all__ = [
    "ScanError",
    "ScanResult",
    "ScanRow",
    "SizeCheck",
    "UnknownSeriesError",
    "pair_sample",
    "run_scan_frames",
    "stationary_frames",
    "transform_for",
]


class ScanError(ReportgenError):
    """The scan cannot run as asked (e.g. the Dask scheduler cannot be reached)."""

    hint = "check the address (tcp://HOST:PORT) and that the scheduler runs, or drop --scheduler"


class UnknownSeriesError(ReportgenError):
    """``--series`` names a series that is not in the cache."""

    hint = "list cached series with `ls cache/` or run `reportgen import ../shared/data/market`"
    exit_code = 2


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class ScanRow:
    """One unit of the scan: ``leader`` -> ``follower`` at ``frequency`` with ``lags`` lags.

    Attributes
    ----------
    leader, follower : series keys; frequency : ``"monthly"`` or ``"weekly"``; lags : p
    leader_transform, follower_transform : ``"log_return"`` or ``"difference"``
    null, alternative : the hypotheses in words
    testable : False when the unit could not be tested; ``reason`` then says why
    nobs : regression observations; sample_start, sample_end : first and last dates used
    stat : HC3 Wald / p; p_hc3 : its asymptotic F(p, n-k) p-value
    pvalue : wild-bootstrap p-value (``reps`` draws), the one BH adjusts
    qvalue : Benjamini-Hochberg adjusted p-value over every testable unit of the grid
    coef_sum, coef_se : sum of the leader's lag coefficients and its HC3 standard error
    leader_sd : standard deviation of the leader (transformed) over the pair's sample
    effect, ci_low, ci_high : ``coef_sum * leader_sd`` with its HC3 t interval: the
        follower's cumulative response (in its own transformed units) to a one-s.d. move
        of the leader, spread over the ``lags`` periods
    size_rejections, size_sims : rejections at ``alpha`` of the same bootstrap test on
        samples simulated under H0 (recursive wild design), and how many were simulated
    rank : position in the ranked table (1 = smallest q), 0 before ranking
    """

    leader: str
    follower: str
    frequency: str
    lags: int
    leader_transform: str
    follower_transform: str
    null: str
    alternative: str
    testable: bool
    reason: str = ""
    nobs: int = 0
    sample_start: dt.date | None = None
    sample_end: dt.date | None = None
    stat: float = float("nan")
    p_hc3: float = float("nan")
    pvalue: float = float("nan")
    qvalue: float = float("nan")
    reps: int = 0
    coef_sum: float = float("nan")
    coef_se: float = float("nan")
    leader_sd: float = float("nan")
    effect: float = float("nan")
    ci_low: float = float("nan")
    ci_high: float = float("nan")
    size_rejections: int = 0
    size_sims: int = 0
    rank: int = 0

    @property
    def expected_sign(self) -> str:
        """``"+"`` or ``"-"``: the sign a claim promoted from this row would pre-declare."""
        return "+" if self.effect >= 0 else "-"

    @property
    def unit(self) -> str:
        """The unit's name, as in its seed stream: ``"RUT->BTC:monthly:3"``."""
        return f"{self.leader}->{self.follower}:{self.frequency}:{self.lags}"


@dataclass(frozen=True, slots=True)
class SizeCheck:
    """Size of the grid's test: the same wild-bootstrap test on samples simulated under H0.

    ``rejections`` of ``simulations`` (pooled over every testable unit, each on its own real
    sample), ``rate`` and its ``1 - alpha`` Wilson interval; ``by_lag`` holds
    (frequency, lags, rejections, simulations) per lag. A simulated test rejects when its
    (warp-speed) bootstrap p-value is at most ``alpha``.
    """

    null: str
    simulations: int
    rejections: int
    rate: float
    ci_low: float
    ci_high: float
    alpha: float
    by_lag: tuple[tuple[str, int, int, int], ...]


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Every unit of a scan, ranked (testable by q, then p; not-testable rows last).

    ``series`` are the keys scanned, ``frequencies``/``lags`` the grid, ``alpha`` the level
    of "significant after BH", ``seed`` and ``reps`` the bootstrap settings, ``size`` the
    size check (None when ``size_simulations = 0``), ``as_of`` the data's as-of date.
    """

    rows: tuple[ScanRow, ...]
    series: tuple[str, ...]
    frequencies: tuple[str, ...]
    lags: tuple[tuple[str, tuple[int, ...]], ...]
    transforms: tuple[tuple[str, str], ...]
    alpha: float
    seed: int
    reps: int
    size: SizeCheck | None
    as_of: dt.date | None = None

    @property
    def tested(self) -> tuple[ScanRow, ...]:
        return tuple(r for r in self.rows if r.testable)

    @property
    def not_testable(self) -> tuple[ScanRow, ...]:
        return tuple(r for r in self.rows if not r.testable)

    @property
    def significant(self) -> tuple[ScanRow, ...]:
        """Rows with BH q < alpha (discoveries at false-discovery rate alpha over the grid)."""
        return tuple(r for r in self.rows if r.testable and r.qvalue < self.alpha)

    def row(self, rank: int) -> ScanRow:
        """The row ranked ``rank`` (1-based)."""
        if not 1 <= rank <= len(self.rows):
            raise ScanError(f"row {rank} does not exist; the table has rows 1..{len(self.rows)}",
                            hint="pick a rank from the first column of scan.csv")
        return self.rows[rank - 1]


# --------------------------------------------------------------------------- data


def transform_for(source: str) -> Transform:
    """The stationary transform of a series from its source (see ``TRANSFORM_BY_SOURCE``)."""
    key = source.split(":", 1)[0]
    if key not in TRANSFORM_BY_SOURCE:
        raise ValueError(f"source must be one of {tuple(TRANSFORM_BY_SOURCE)}, got {source!r}")
    return TRANSFORM_BY_SOURCE[key]


def stationary_frames(
    close: Mapping[str, pd.Series],
    transforms: Mapping[str, Transform],
    frequencies: Sequence[str],
    sample_start: dt.date | None = None,
) -> dict[str, pd.DataFrame]:
    """Period-end values of every series, made stationary, one wide frame per frequency.

    Parameters
    ----------
    close : key -> daily closes/values (DatetimeIndex)
    transforms : key -> ``"log_return"`` or ``"difference"``
    frequencies : ``"monthly"`` and/or ``"weekly"``
    sample_start : first period kept before transforming (None: everything)

    Returns
    -------
    dict frequency -> DataFrame (NaN where a series has no value); columns in ``close`` order.
    Sampling as in :mod:`reportgen.data.align` (last value of each period, a period still in
    progress dropped); a missing period gives NaN, never a multi-period change.
    """
    out = {}
    for freq in frequencies:
        if freq not in FREQUENCIES:
            raise ValueError(f"frequency must be one of {FREQUENCIES}, got {freq!r}")
        cols = {}
        for key, s in close.items():
            t = transforms[key]
            if t not in TRANSFORMS:
                raise ValueError(f"transform must be one of {TRANSFORMS}, got {t!r}")
            cols[key] = sample(s, freq)
        frame = pd.DataFrame(cols)
        if sample_start is not None:
            frame = frame.loc[pd.Timestamp(sample_start):]
        with np.errstate(divide="ignore", invalid="ignore"):
            for key in frame.columns:
                v = frame[key]
                frame[key] = np.log(v).diff() if transforms[key] == "log_return" else v.diff()
        out[freq] = frame.iloc[1:]
    return out


def pair_sample(frame: pd.DataFrame, leader: str, follower: str) -> pd.DataFrame:
    """The pair's own overlapping sample: columns ``[follower, leader]``, rows where both exist."""
    return frame[[follower, leader]].dropna()


# --------------------------------------------------------------------------- size of the grid's test


def _null_simulation(y: np.ndarray, x: np.ndarray, lags: int, sims: int,
                     seq: np.random.SeedSequence) -> np.ndarray:
    """Bootstrap p-values of ``sims`` samples simulated under H0 (recursive wild design).

    The follower is rebuilt recursively from its own restricted AR(p) fit on the real
    sample, ``y*_t = c + sum a_j y*_{t-j} + e_t eta_t`` (real residuals ``e_t`` times
    Rademacher ``eta_t``, so the real heteroskedasticity pattern is kept), from the real
    first ``p`` values; the leader stays the real series. Each simulated sample is tested
    with the same HC3 Wald statistic and wild bootstrap as the real one, one bootstrap draw
    per sample, the p-values taken against the pooled draws of all ``sims`` samples: the
    warp-speed Monte Carlo of Giacomini, Politis and White (2013), which estimates the
    rejection rate of the full bootstrap test at the cost of two regressions per sample.

    References
    ----------
    Giacomini, R., Politis, D. N. and White, H. (2013). Econometric Theory 29, 567-589.
    """
    rng = np.random.default_rng(seq)
    Y, X, cols = granger_design(y, x, lags)
    keep = np.setdiff1d(np.arange(X.shape[1]), cols)
    br, er = batched_ols(X[:, keep], Y)
    c, ar = br[0], br[1 : lags + 1]
    shocks = er[None, :] * rademacher(rng, (sims, er.size))
    ys = np.empty((sims, y.size))
    ys[:, :lags] = y[:lags]
    for t in range(lags, y.size):  # recursion over time, vectorised over the simulations
        acc = c + shocks[:, t - lags]
        for j in range(1, lags + 1):
            acc = acc + ar[j - 1] * ys[:, t - j]
        ys[:, t] = acc
    Ys, Xs, _ = granger_design(ys, np.broadcast_to(x, ys.shape), lags)
    draws = rademacher(rng, (sims, 1, Ys.shape[-1]))
    _, pvalue, _ = wild_bootstrap_granger_batch(Xs, Ys, cols, draws, pooled=True)
    return pvalue


def _unit_names(leader: str, follower: str, frequency: str, lags: int, lt: str, ft: str) -> dict:
    v = f"{VARIABLE[lt]}s of {leader}, {VARIABLE[ft]}s of {follower}"
    return {
        "null": f"{leader} does not Granger-cause {follower} ({v}; {lags} {frequency} lag(s))",
        "alternative": f"lags 1..{lags} of {leader} help predict {follower}",
    }


def scan_pair(
    leader: str,
    follower: str,
    frequency: str,
    index: np.ndarray,
    values: np.ndarray,
    lags: Sequence[int],
    transforms: tuple[str, str],
    reps: int,
    seed: int,
    alpha: float,
    size_sims: int,
) -> list[ScanRow]:
    """All lags of one ordered pair at one frequency: the joblib task of the scan.

    Parameters
    ----------
    leader, follower, frequency : names of the pair
    index : datetime64 array (T,) of the pair's overlapping sample
    values : array (T, 2) columns [follower, leader] (stationary transforms)
    lags : lag orders to test; transforms : (leader's, follower's)
    reps : bootstrap draws; seed : the configured seed; alpha : level of the interval and
        of the size check's rejections
    size_sims : null simulations per unit for the size check (0: none)

    Returns
    -------
    list of ScanRow (``qvalue`` still NaN; BH runs over the whole grid afterwards)
    """
    y = np.ascontiguousarray(values[:, 0], dtype=float)
    x = np.ascontiguousarray(values[:, 1], dtype=float)
    rows = []
    for p in lags:
        names = _unit_names(leader, follower, frequency, p, *transforms)
        base = dict(leader=leader, follower=follower, frequency=frequency, lags=int(p),
                    leader_transform=transforms[0], follower_transform=transforms[1], **names)
        need = 3 * p + 1 + MIN_RESID_DF  # as granger_causality: p lags + constant + 2p slopes + 10
        if y.size < need:
            rows.append(ScanRow(testable=False, nobs=max(0, y.size - p), **base,
                                reason=f"need {need} {frequency} observations for {p} lags; have {y.size}"))
            continue
        flat = [k for k, a in ((follower, y), (leader, x)) if np.ptp(a) == 0]
        if flat:
            rows.append(ScanRow(testable=False, nobs=y.size - p, **base,
                                reason=f"{flat[0]} is constant over the sample; nothing to test"))
            continue
        unit = f"{leader}->{follower}:{frequency}:{p}"
        Y, X, cols = granger_design(y, x, p)
        stat, pvalue, _ = wild_bootstrap_granger(X, Y, cols, reps=reps, seed=seed_stream(seed, "scan", unit))
        out = _wald(X, Y, cols)  # HC3 p-value, coefficient sum and its HC3 standard error
        cs, se = float(out["coef_sum"]), float(out["se_sum"])
        tq = float(stats.t.ppf(1 - alpha / 2, out["df_resid"]))
        sd = float(np.std(x, ddof=1))
        rej = 0
        if size_sims > 0:
            pv = _null_simulation(y, x, p, size_sims, seed_stream(seed, "scan-size", unit))
            rej = int(np.sum(pv <= alpha))
        rows.append(ScanRow(
            **base, testable=True, nobs=int(Y.size),
            sample_start=pd.Timestamp(index[p]).date(), sample_end=pd.Timestamp(index[-1]).date(),
            stat=float(stat), p_hc3=float(out["p_hc3"]), pvalue=float(pvalue), reps=int(reps),
            coef_sum=cs, coef_se=se, leader_sd=sd, effect=cs * sd,
            ci_low=(cs - tq * se) * sd, ci_high=(cs + tq * se) * sd,
            size_rejections=rej, size_sims=int(size_sims),
        ))
    return rows


# --------------------------------------------------------------------------- the grid


def _rank(rows: list[ScanRow]) -> tuple[ScanRow, ...]:
    from statsmodels.stats.multitest import multipletests

    tested = [r for r in rows if r.testable]
    if tested:
        q = multipletests(np.array([r.pvalue for r in tested]), method="fdr_bh")[1]
        tested = [replace(r, qvalue=float(v)) for r, v in zip(tested, q, strict=True)]
    key_names = lambda r: (r.leader, r.follower, r.frequency, r.lags)  # noqa: E731
    tested.sort(key=lambda r: (r.qvalue, r.pvalue, -r.stat, *key_names(r)))
    rest = sorted((r for r in rows if not r.testable), key=key_names)
    return tuple(replace(r, rank=i) for i, r in enumerate([*tested, *rest], start=1))


def _size(rows: Sequence[ScanRow], alpha: float) -> SizeCheck | None:
    from reportgen.analysis.event_study import wilson_interval

    tested = [r for r in rows if r.testable and r.size_sims > 0]
    if not tested:
        return None
    n = sum(r.size_sims for r in tested)
    k = sum(r.size_rejections for r in tested)
    lo, hi = wilson_interval(k, n, alpha)
    groups: dict[tuple[str, int], list[int]] = {}
    for r in tested:
        g = groups.setdefault((r.frequency, r.lags), [0, 0])
        g[0] += r.size_rejections
        g[1] += r.size_sims
    return SizeCheck(
        null="the leader does not Granger-cause the follower (follower simulated from its own "
             "AR fit with wild residuals; leader real)",
        simulations=n, rejections=k, rate=k / n, ci_low=lo, ci_high=hi, alpha=float(alpha),
        by_lag=tuple((f, p, g[0], g[1]) for (f, p), g in sorted(groups.items())),
    )


def local_parallel(n_jobs: int):
    """The local joblib ``Parallel``: threads when BLAS runs single-threaded
    (``OPENBLAS_NUM_THREADS=1``, which ``reportgen scan`` sets before numpy loads), else
    processes (joblib's loky workers cap their BLAS threads at cores / n_jobs). The small solves
    of the scan lose 2-3x to BLAS threads oversubscribing the cores; threads save the workers'
    start. A backend set with ``joblib.parallel_config`` (Dask, Ray) takes over either way."""
    from joblib import Parallel

    if os.environ.get("OPENBLAS_NUM_THREADS") == "1":
        return Parallel(n_jobs=n_jobs, prefer="threads")
    return Parallel(n_jobs=n_jobs)


def run_scan_frames(
    frames: Mapping[str, pd.DataFrame],
    lags: Mapping[str, Sequence[int]],
    transforms: Mapping[str, str],
    *,
    reps: int = 1999,
    seed: int = 0,
    alpha: float = 0.05,
    size_simulations: int = 0,
    n_jobs: int = 1,
    series: Sequence[str] | None = None,
    as_of: dt.date | None = None,
    parallel: Callable | None = None,
) -> ScanResult:
    """Scan every ordered pair of ``series`` in ``frames`` (see :func:`stationary_frames`).

    Parameters
    ----------
    frames : frequency -> wide frame of stationary series
    lags : frequency -> lag orders
    transforms : key -> transform (for the labels)
    reps, seed, alpha : bootstrap draws, configured seed, level (BH and intervals)
    size_simulations : null simulations per unit for the size check (0: none)
    n_jobs : local joblib workers (see :func:`local_parallel`) when no backend is set by
        ``joblib.parallel_config``
    series : keys to scan, in this order (default: every column of the first frame)
    parallel : a joblib ``Parallel``-like callable taking an iterable of delayed calls
        (default :func:`local_parallel`: any backend set with ``joblib.parallel_config`` --
        Dask, Ray -- takes over)

    Returns
    -------
    ScanResult with ranks, BH q-values over every testable unit and the pooled size.
    """
    from joblib import delayed

    least = int(np.ceil(1.0 / alpha - 1.0 - 1e-9))
    if size_simulations and size_simulations < least:
        raise ValueError(f"size_simulations must be 0 or at least {least} (pooled bootstrap p-values of S draws "
                         f"reach alpha = {alpha:g} only with S >= {least}), got {size_simulations}")
    freqs = tuple(frames)
    keys = tuple(series) if series is not None else tuple(next(iter(frames.values())).columns)
    tasks = []
    for freq in freqs:
        frame = frames[freq]
        for leader in keys:
            for follower in keys:
                if leader == follower:
                    continue
                ps = pair_sample(frame, leader, follower)
                tasks.append(delayed(scan_pair)(
                    leader, follower, freq, ps.index.to_numpy(), ps.to_numpy(dtype=float),
                    tuple(int(p) for p in lags[freq]), (transforms[leader], transforms[follower]),
                    int(reps), int(seed), float(alpha), int(size_simulations)))
    run = parallel if parallel is not None else local_parallel(n_jobs)
    rows = [r for chunk in run(tasks) for r in chunk]
    return ScanResult(
        rows=_rank(rows),
        series=keys,
        frequencies=freqs,
        lags=tuple((f, tuple(int(p) for p in lags[f])) for f in freqs),
        transforms=tuple((k, transforms[k]) for k in keys),
        alpha=float(alpha),
        seed=int(seed),
        reps=int(reps),
        size=_size(rows, alpha),
        as_of=as_of,
    )

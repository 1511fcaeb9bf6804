"""Unit-root and stationarity pre-flight: ADF, Phillips-Perron, KPSS, Zivot-Andrews.

Every series that enters a lead-lag test is checked in levels (log prices, or the level of
a spread) and in first differences (log returns, or spread changes) with four tests from
:mod:`arch.unitroot`, and the integration order the tests jointly suggest is recorded with
the rule that produced it (:func:`integration_order`).

References
----------
Dickey, D. A. and Fuller, W. A. (1979). Distribution of the estimators for autoregressive
time series with a unit root. JASA 74, 427-431.
Said, S. E. and Dickey, D. A. (1984). Testing for unit roots in autoregressive-moving
average models of unknown order. Biometrika 71, 599-607.
Phillips, P. C. B. and Perron, P. (1988). Testing for a unit root in time series
regression. Biometrika 75, 335-346.
Kwiatkowski, D., Phillips, P. C. B., Schmidt, P. and Shin, Y. (1992). Testing the null
hypothesis of stationarity against the alternative of a unit root. J. Econometrics 54,
159-178.
Zivot, E. and Andrews, D. W. K. (1992). Further evidence on the great crash, the oil-price
shock, and the unit-root hypothesis. JBES 10, 251-270.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from reportgen.analysis.common import as_date
from reportgen.errors import InsufficientDataError

UNIT_ROOT_TESTS = ("ADF", "PP", "KPSS", "ZA")
TRENDS = ("c", "ct")
MIN_OBS = 30

__all__ = [
    "IntegrationOrderResult",
    "UnitRootResult",
    "integration_order",
    "unit_root_test",
    "unit_root_tests",
]


@dataclass(frozen=True, slots=True)
class UnitRootResult:
    """One unit-root or stationarity test on one series.

    Attributes
    ----------
    test : ``"ADF"``, ``"PP"``, ``"KPSS"`` or ``"ZA"``
    series : key of the series; transform : e.g. ``"log level"``, ``"log return"``
    frequency : ``"monthly"`` or ``"weekly"``; trend : deterministic terms (``"c"``/``"ct"``)
    null, alternative : hypotheses in words (KPSS has stationarity as its null)
    stat, pvalue, lags, nobs : as reported by :mod:`arch.unitroot`
    critical_values : ((level, value), ...) e.g. (("1%", -3.99), ("5%", -3.43), ("10%", -3.14))
    break_date : Zivot-Andrews: date of the break that minimises the statistic; else None
    """

    test: str
    series: str
    transform: str
    frequency: str
    trend: str
    null: str
    alternative: str
    stat: float
    pvalue: float
    lags: int
    nobs: int
    critical_values: tuple[tuple[str, float], ...]
    sample_start: dt.date
    sample_end: dt.date
    break_date: dt.date | None = None

    @property
    def stationary_null(self) -> bool:
        """True for KPSS (H0: stationary), False for the unit-root tests (H0: unit root)."""
        return self.test == "KPSS"


def _clean(s: pd.Series) -> pd.Series:
    s = s.dropna()
    if not isinstance(s.index, pd.DatetimeIndex):
        raise TypeError(f"series must have a DatetimeIndex, got {type(s.index).__name__}")
    return s


def unit_root_test(
    s: pd.Series,
    test: Literal["ADF", "PP", "KPSS", "ZA"],
    trend: Literal["c", "ct"] = "c",
    series: str = "",
    transform: str = "",
    frequency: str = "monthly",
) -> UnitRootResult:
    """Run one test from :mod:`arch.unitroot` and freeze the result.

    Lags: ADF and Zivot-Andrews choose the augmentation lags by AIC (arch defaults for the
    maximum); PP and KPSS use arch's data-dependent Newey-West bandwidths (KPSS falls back
    to arch's deterministic rule, ``lags=-1``, where the automatic bandwidth is infeasible). Zivot-Andrews
    allows one break in the intercept (``trend="c"``) or in intercept and trend (``"ct"``).
    """
    if test not in UNIT_ROOT_TESTS:
        raise ValueError(f"test must be one of {UNIT_ROOT_TESTS}, got {test!r}")
    if trend not in TRENDS:
        raise ValueError(f"trend must be one of {TRENDS}, got {trend!r}")
    from arch.unitroot import ADF, KPSS, PhillipsPerron, ZivotAndrews
    from arch.utility.exceptions import InfeasibleTestException

    s = _clean(s)
    if len(s) < MIN_OBS:
        raise InsufficientDataError(f"need {MIN_OBS} observations for a {test} test on {series or 'the series'}; have {len(s)}")
    y = s.to_numpy(dtype=float)
    break_date = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # arch's KPSS lag-selection notice
        if test == "ADF":
            res = ADF(y, trend=trend, method="aic")
        elif test == "PP":
            res = PhillipsPerron(y, trend=trend)
        elif test == "KPSS":
            res = KPSS(y, trend=trend)
        else:
            res = ZivotAndrews(y, trend=trend, method="aic")
        try:
            stat = float(res.stat)
        except InfeasibleTestException as exc:
            if test != "KPSS":
                raise InsufficientDataError(f"{test} test on {series or 'the series'} is infeasible: {exc}") from None
            # arch's automatic bandwidth fails on strongly negatively autocorrelated
            # (over-differenced) series; fall back to the deterministic Schwert-type rule
            res = KPSS(y, trend=trend, lags=-1)
            stat = float(res.stat)
        pvalue, lags, nobs = float(res.pvalue), int(res.lags), int(res.nobs)
        cvs = tuple((str(k), float(v)) for k, v in res.critical_values.items())
        null, alt = str(res.null_hypothesis), str(res.alternative_hypothesis)
    if test == "ZA":
        all_stats = getattr(res, "_all_stats", None)  # arch keeps the statistic of every break point
        if all_stats is not None and np.isfinite(all_stats).any():
            break_date = as_date(s.index[int(np.nanargmin(all_stats))])
    return UnitRootResult(
        test=test,
        series=series,
        transform=transform,
        frequency=frequency,
        trend=trend,
        null=null,
        alternative=alt,
        stat=stat,
        pvalue=pvalue,
        lags=lags,
        nobs=nobs,
        critical_values=cvs,
        sample_start=as_date(s.index[0]),
        sample_end=as_date(s.index[-1]),
        break_date=break_date,
    )


def unit_root_tests(
    s: pd.Series, trend: Literal["c", "ct"], series: str, transform: str, frequency: str
) -> tuple[UnitRootResult, ...]:
    """ADF, PP, KPSS and Zivot-Andrews on one series, in that order."""
    return tuple(unit_root_test(s, t, trend, series, transform, frequency) for t in ("ADF", "PP", "KPSS", "ZA"))


@dataclass(frozen=True, slots=True)
class IntegrationOrderResult:
    """The four tests on levels and on first differences, and the order they suggest.

    Attributes
    ----------
    series, frequency : what was tested
    level_transform, diff_transform : e.g. ``"log level"`` and ``"log return"``
    level, difference : the four :class:`UnitRootResult` each (ADF, PP, KPSS, ZA)
    order : suggested integration order (0, 1 or 2; 2 means "differences still look
        non-stationary" and is reported, not modelled)
    conflict : True when the tests disagree at the chosen order (see ``reason``)
    reason : the decision in words
    alpha : level of the individual tests
    """

    series: str
    frequency: str
    level_transform: str
    diff_transform: str
    level: tuple[UnitRootResult, ...]
    difference: tuple[UnitRootResult, ...]
    order: int
    conflict: bool
    reason: str
    alpha: float

    @property
    def tests(self) -> tuple[UnitRootResult, ...]:
        return self.level + self.difference


def _votes(results: tuple[UnitRootResult, ...], alpha: float) -> tuple[int, bool]:
    """(number of unit-root tests rejecting a unit root, KPSS rejects stationarity)."""
    ur = sum(r.pvalue < alpha for r in results if r.test in ("ADF", "PP", "ZA"))
    kpss = any(r.pvalue < alpha for r in results if r.test == "KPSS")
    return ur, kpss


def integration_order(
    levels: pd.Series,
    series: str,
    frequency: str = "monthly",
    alpha: float = 0.05,
    log: bool = True,
) -> IntegrationOrderResult:
    """Test levels and first differences; return the integration order the tests suggest.

    Parameters
    ----------
    levels : positive prices (``log=True``: logs are taken here) or a level such as a spread
    series : key used in labels
    log : take logs first (prices, net liquidity); False for spreads in percentage points

    Notes
    -----
    Deterministic terms: constant and trend in levels (prices drift), constant only in
    differences. Decision rule, with every test at level ``alpha``:

    1. **I(0)** if the levels are stationary by a majority: at least two of the three
       unit-root tests (ADF, PP, Zivot-Andrews) reject the unit root *and* KPSS does not
       reject stationarity.
    2. Otherwise **I(1)** if at least two of ADF, PP and Zivot-Andrews reject a unit root
       in the first differences. KPSS on the differences is reported; if it rejects,
       ``conflict`` is set (KPSS over-rejects under volatility clustering and breaks) but
       the order stays 1.
    3. Otherwise **I(2)** (reported; the lead-lag tests then use Toda-Yamamoto with
       ``d_max = 2``).

    ``conflict`` is also set when the levels are not called I(0) although KPSS does not
    reject, or some unit-root test does reject (the tests disagree). The order is the
    smallest one the majority supports, so a level is only treated as stationary when
    both kinds of test agree.

    References
    ----------
    Dickey and Fuller (1979); Phillips and Perron (1988); Kwiatkowski et al. (1992);
    Zivot and Andrews (1992).
    """
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha must be in (0, 0.5), got {alpha}")
    s = _clean(levels)
    if log:
        if (s <= 0).any():
            raise ValueError(f"{series}: log=True needs positive levels")
        s = np.log(s)
    lt, dtr = ("log level", "log return") if log else ("level", "change")
    lev = unit_root_tests(s, "ct", series, lt, frequency)
    dif = unit_root_tests(s.diff().dropna(), "c", series, dtr, frequency)
    ur_l, kpss_l = _votes(lev, alpha)
    ur_d, kpss_d = _votes(dif, alpha)
    notes = []
    if ur_l >= 2 and not kpss_l:
        order, conflict = 0, False
        notes.append(f"levels: {ur_l}/3 unit-root tests reject and KPSS does not reject stationarity")
    else:
        conflict = (not kpss_l) or ur_l > 0
        notes.append(
            f"levels: {ur_l}/3 unit-root tests reject, KPSS {'rejects' if kpss_l else 'does not reject'} stationarity"
        )
        if ur_d >= 2:
            order = 1
            notes.append(f"differences: {ur_d}/3 unit-root tests reject")
            if kpss_d:
                conflict = True
                notes.append("KPSS rejects stationarity of the differences (conflict)")
        else:
            order = 2
            notes.append(f"differences: only {ur_d}/3 unit-root tests reject")
    return IntegrationOrderResult(
        series=series,
        frequency=frequency,
        level_transform=lt,
        diff_transform=dtr,
        level=lev,
        difference=dif,
        order=order,
        conflict=bool(conflict),
        reason=f"I({order}): " + "; ".join(notes),
        alpha=alpha,
    )

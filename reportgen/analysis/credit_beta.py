"""Credit sensitivity of small versus large caps (claim C7).

Monthly log returns of RUT and GSPC are regressed on the monthly change of the credit
spread (percentage points, month-end to month-end):

    r_RUT,t  = a_R + b_R ds_t + e_t
    r_GSPC,t = a_G + b_G ds_t + e_t

with Newey-West (HAC) standard errors. The claim "small caps are the most sensitive to
credit conditions" predicts b_R < b_G (both negative: RUT falls more when spreads widen).
Equality of the two betas is tested by regressing the relative return r_RUT - r_GSPC (the
monthly change of log(RUT/GSPC), small-cap relative strength) on ds_t: its slope is exactly
b_R - b_G (OLS is linear in the dependent variable and both equations share the regressors),
and its HAC t-test accounts for the correlation between the two equations' errors without a
SUR system. The correlation of relative strength with spread changes is reported with a
Fisher-z interval.

References
----------
Newey, W. K. and West, K. D. (1987). A simple, positive semi-definite, heteroskedasticity
    and autocorrelation consistent covariance matrix. Econometrica 55, 703-708.
Newey, W. K. and West, K. D. (1994). Automatic lag selection in covariance matrix
    estimation. Review of Economic Studies 61, 631-653.
Fisher, R. A. (1921). On the probable error of a coefficient of correlation deduced from a
    small sample. Metron 1, 3-32.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from reportgen.analysis.common import HypothesisTest, NotTestable, as_date
from reportgen.analysis.var import credit_spread_change
from reportgen.errors import InsufficientDataError, MissingSeriesError

MIN_OBS = 36  # monthly observations


def newey_west_lags(n: int) -> int:
    """Newey-West (1994) plug-in lag: floor(4 (n/100)^(2/9))."""
    return int(np.floor(4 * (n / 100.0) ** (2.0 / 9.0)))


def ols_hac(y: np.ndarray, x: np.ndarray, lags: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """OLS of ``y`` on a constant and ``x`` with Newey-West (Bartlett) covariance.

    Parameters
    ----------
    y : array (n,)
    x : array (n,) or (n, k) regressors without the constant
    lags : Bartlett-kernel truncation lag L (weights 1 - l/(L+1))

    Returns
    -------
    params (1+k,), cov (1+k, 1+k), resid (n,). No small-sample correction (statsmodels'
    ``cov_type="HAC"`` default).
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float).reshape(len(y), -1)
    if lags < 0:
        raise ValueError(f"lags must be >= 0, got {lags}")
    X = np.column_stack([np.ones(len(y)), x])
    XtX_inv = np.linalg.inv(X.T @ X)
    params = XtX_inv @ X.T @ y
    resid = y - X @ params
    g = X * resid[:, None]
    S = g.T @ g
    for lag in range(1, lags + 1):
        w = 1.0 - lag / (lags + 1.0)
        G = g[lag:].T @ g[:-lag]
        S += w * (G + G.T)
    return params, XtX_inv @ S @ XtX_inv, resid


@dataclass(frozen=True, slots=True)
class CreditBetaResult:
    """Credit-spread betas of RUT and GSPC and the test of their equality (claim C7).

    ``primary`` (= ``difference``) is the test for the verdict engine: effect =
    beta_RUT - beta_GSPC (log return per percentage point of spread change), with HAC 95%
    CI and two-sided p-value. The claim predicts a negative effect (``claimed_sign = -1``).
    Fields are :class:`NotTestable` when the series are missing (then ``testable`` is False).
    """

    testable: bool
    reason: str
    spread_key: str
    spread_units: str
    nobs: int
    sample_start: dt.date | None
    sample_end: dt.date | None
    hac_lags: int
    beta_rut: HypothesisTest | NotTestable
    beta_gspc: HypothesisTest | NotTestable
    difference: HypothesisTest | NotTestable
    correlation: HypothesisTest | NotTestable
    r2_rut: float | None
    r2_gspc: float | None
    robustness: tuple[HypothesisTest, ...]  # the difference test with other spread series
    robustness_keys: tuple[str, ...]  # the spread series used in ``robustness``
    claimed_sign: int = -1
    method_difference: str = ("slope of the RUT - GSPC monthly log relative return on the spread change "
                              "(= beta_RUT - beta_GSPC exactly), Newey-West HAC t-test")

    @property
    def primary(self) -> HypothesisTest | NotTestable:
        return self.difference


def _slope_test(name: str, y: np.ndarray, ds: np.ndarray, lags: int, null: str, alt: str, label: str,
                start: dt.date, end: dt.date, alpha: float, family: str = "C7") -> tuple[HypothesisTest, float]:
    params, cov, resid = ols_hac(y, ds, lags)
    n = len(y)
    se = float(np.sqrt(cov[1, 1]))
    t = float(params[1] / se)
    df = n - 2
    q = stats.t.ppf(1 - alpha / 2, df)
    r2 = 1.0 - float(resid @ resid) / float(((y - y.mean()) ** 2).sum())
    return HypothesisTest(
        name=name, null=null, alternative=alt, stat=t, pvalue=float(2 * stats.t.sf(abs(t), df)),
        df=(float(df),), nobs=n, sample_start=start, sample_end=end,
        method=f"OLS with Newey-West HAC s.e. (Bartlett, {lags} lags), t({df})", family=family,
        effect=float(params[1]), ci_low=float(params[1] - q * se), ci_high=float(params[1] + q * se),
        effect_label=label,
    ), r2


def correlation_test(x: np.ndarray, y: np.ndarray, alpha: float = 0.05) -> tuple[float, float, float, float, float]:
    """Pearson correlation with Fisher-z CI; returns (r, t stat, p-value, ci_low, ci_high)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = len(x)
    r = float(np.corrcoef(x, y)[0, 1])
    t = r * np.sqrt((n - 2) / (1 - r**2))
    p = float(2 * stats.t.sf(abs(t), n - 2))
    z, se = np.arctanh(r), 1 / np.sqrt(n - 3)
    q = stats.norm.ppf(1 - alpha / 2)
    return r, float(t), p, float(np.tanh(z - q * se)), float(np.tanh(z + q * se))


def credit_beta_frame(bundle, key: str) -> pd.DataFrame:
    """Monthly frame [ds, RUT, GSPC]: spread change (pp) and log returns, common months."""
    ds = credit_spread_change(bundle, key).rename("ds")
    r = bundle.returns(["RUT", "GSPC"], "monthly")
    return pd.concat([ds, r], axis=1, join="inner").dropna()


def credit_beta(frame: pd.DataFrame, spread_key: str, alpha: float = 0.05,
                hac_lags: int | None = None) -> CreditBetaResult:
    """C7 statistics on a frame with columns ``ds``, ``RUT``, ``GSPC``.

    Raises
    ------
    InsufficientDataError : fewer than :data:`MIN_OBS` months.
    """
    n = len(frame)
    if n < MIN_OBS:
        raise InsufficientDataError(f"need {MIN_OBS} monthly observations for credit betas; have {n}")
    L = newey_west_lags(n) if hac_lags is None else int(hac_lags)
    ds = frame["ds"].to_numpy(float)
    rr, rg = frame["RUT"].to_numpy(float), frame["GSPC"].to_numpy(float)
    start, end = as_date(frame.index[0]), as_date(frame.index[-1])
    unit = f"log return per percentage point of {spread_key} change"
    b_r, r2_r = _slope_test(f"credit_beta_RUT_{spread_key}", rr, ds, L,
                            f"RUT's monthly return does not depend on the change in {spread_key}",
                            f"RUT's monthly return depends on the change in {spread_key}",
                            f"beta of RUT ({unit})", start, end, alpha)
    b_g, r2_g = _slope_test(f"credit_beta_GSPC_{spread_key}", rg, ds, L,
                            f"GSPC's monthly return does not depend on the change in {spread_key}",
                            f"GSPC's monthly return depends on the change in {spread_key}",
                            f"beta of GSPC ({unit})", start, end, alpha)
    diff, _ = _slope_test(f"credit_beta_diff_{spread_key}", rr - rg, ds, L,
                          f"RUT and GSPC have the same beta to {spread_key} changes",
                          f"RUT's beta to {spread_key} changes differs from GSPC's",
                          f"beta_RUT - beta_GSPC ({unit}); claim predicts < 0", start, end, alpha)
    r, t, p, lo, hi = correlation_test(rr - rg, ds, alpha)
    corr = HypothesisTest(
        name=f"relative_strength_corr_{spread_key}",
        null=f"small-cap relative strength (change of log RUT/GSPC) is uncorrelated with {spread_key} changes",
        alternative=f"small-cap relative strength is correlated with {spread_key} changes",
        stat=t, pvalue=p, df=(float(n - 2),), nobs=n, sample_start=start, sample_end=end,
        method="Pearson correlation, t-test; Fisher-z 95% CI (assumes iid pairs)", family="C7",
        effect=r, ci_low=lo, ci_high=hi,
        effect_label=f"correlation of monthly change in log(RUT/GSPC) with {spread_key} change; claim predicts < 0",
    )
    return CreditBetaResult(
        testable=True, reason="", spread_key=spread_key, spread_units="percentage points", nobs=n,
        sample_start=start, sample_end=end, hac_lags=L, beta_rut=b_r, beta_gspc=b_g, difference=diff,
        correlation=corr, r2_rut=r2_r, r2_gspc=r2_g, robustness=(), robustness_keys=(),
    )


def _not_testable(reason: str, missing: tuple[str, ...] = ()) -> CreditBetaResult:
    nt = NotTestable(reason, missing=missing)
    return CreditBetaResult(
        testable=False, reason=reason, spread_key="", spread_units="", nobs=0, sample_start=None,
        sample_end=None, hac_lags=0, beta_rut=nt, beta_gspc=nt, difference=nt, correlation=nt,
        r2_rut=None, r2_gspc=None, robustness=(), robustness_keys=(),
    )


def run_credit_beta(bundle, cfg) -> CreditBetaResult:
    """C7: credit-spread betas of RUT and GSPC, their difference, relative-strength correlation.

    Uses the first available series with role ``credit_spread`` (HY OAS in the shipped
    config); the difference test is repeated with any other ``credit_spread`` series and
    with ``BAA10Y`` when available (``robustness``). Never raises for missing data: the
    result then has ``testable=False`` and :class:`NotTestable` fields.

    References
    ----------
    Newey and West (1987, 1994).
    """
    alpha = cfg.rules.alpha
    key = bundle.key_for_role("credit_spread")
    if key is None:
        return _not_testable("no available series with role 'credit_spread'", ("<credit_spread>",))
    try:
        res = credit_beta(credit_beta_frame(bundle, key), key, alpha)
    except MissingSeriesError as exc:
        return _not_testable(str(exc), tuple(exc.keys))
    except InsufficientDataError as exc:
        return _not_testable(str(exc))
    alt_keys = [k for k in bundle.keys_with_role("credit_spread") if k != key]
    if bundle.has("BAA10Y") and "BAA10Y" not in alt_keys and key != "BAA10Y":
        alt_keys.append("BAA10Y")
    rob, used = [], []
    for k in alt_keys:
        try:
            rob.append(credit_beta(credit_beta_frame(bundle, k), k, alpha).difference)
        except (MissingSeriesError, InsufficientDataError):
            continue
        used.append(k)
    return dataclasses.replace(res, robustness=tuple(rob), robustness_keys=tuple(used))

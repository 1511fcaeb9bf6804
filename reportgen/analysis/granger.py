"""Granger causality: classic F, heteroskedasticity-robust (HC3) Wald, wild bootstrap.

For a target ``y`` and a cause ``x`` (and optional conditioning series ``z``) the
unrestricted regression with ``p`` lags is

    y_t = c + sum_j a_j y_{t-j} + sum_j b_j x_{t-j} + sum_j g_j' z_{t-j} + e_t ,  j = 1..p

and the null hypothesis "x does not Granger-cause y" is ``b_1 = ... = b_p = 0``.
Three variants of the test are computed side by side:

* **classic F** -- the textbook F test from the two residual sums of squares; identical to
  statsmodels' ``grangercausalitytests`` ``ssr_ftest`` and to the F statistic of
  ``VARResults.test_causality`` (whose p-value uses ``K*(T-k)`` denominator degrees of
  freedom, so only the statistics coincide);
* **HC3 Wald** -- the Wald statistic with the HC3 covariance of MacKinnon and White (1985),
  divided by ``p`` and referred to ``F(p, n-k)``; valid under conditional
  heteroskedasticity (volatility clustering, fat tails);
* **wild bootstrap** -- the p-value of the HC3 Wald statistic under the null: the
  restricted model's fitted values plus its residuals multiplied by Rademacher draws,
  regressors held fixed (fixed-design wild bootstrap; Goncalves and Kilian 2004, Hafner and
  Herwartz 2009). All draws are solved in one call to :func:`batched_ols`. This is the
  variant the verdicts use.

The effect size is the sum of the cause's lag coefficients ``sum_j b_j`` (the long-run
response of y to a permanent one-unit change in x, scaled by ``1 - sum a_j``) with an HC3
confidence interval from the t distribution with ``n-k`` degrees of freedom.

Toda and Yamamoto (1995) test Granger causality in log *levels* regardless of the
integration order: fit the levels regression with ``p + d_max`` lags and test only the
first ``p`` lags of the cause; the extra ``d_max`` lags absorb the unit roots so the Wald
statistic is asymptotically chi-squared.

References
----------
Granger, C. W. J. (1969). Investigating causal relations by econometric models and
cross-spectral methods. Econometrica 37, 424-438.
MacKinnon, J. G. and White, H. (1985). Some heteroskedasticity-consistent covariance matrix
estimators with improved finite sample properties. J. Econometrics 29, 305-325.
Goncalves, S. and Kilian, L. (2004). Bootstrapping autoregressions with conditional
heteroskedasticity of unknown form. J. Econometrics 123, 89-120.
Hafner, C. M. and Herwartz, H. (2009). Testing for linear vector autoregressive dynamics
under multivariate generalized autoregressive heteroskedasticity. Statistica Neerlandica
63, 294-323.
Toda, H. Y. and Yamamoto, T. (1995). Statistical inference in vector autoregressions with
possibly integrated processes. J. Econometrics 66, 225-250.
Sims, C. A., Stock, J. H. and Watson, M. W. (1990). Inference in linear time series models
with some unit roots. Econometrica 58, 113-144.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from reportgen.analysis.common import HypothesisTest, as_date
from reportgen.analysis.resampling import rademacher
from reportgen.analysis.ols import batched_ols
from reportgen.errors import InsufficientDataError

VARIANTS = ("classic", "hc3", "bootstrap")
Variant = Literal["classic", "hc3", "bootstrap"]
WINDOW_KINDS = ("rolling", "expanding")
MIN_RESID_DF = 10  # at least this many residual degrees of freedom in every regression

__all__ = [
    "GrangerResult",
    "RollingGrangerResult",
    "TodaYamamotoResult",
    "granger_causality",
    "granger_design",
    "granger_robust_batch",
    "rademacher",
    "rolling_granger",
    "select_lag_aic",
    "toda_yamamoto",
    "toda_yamamoto_batch",
    "bootstrap_pvalue",
    "wild_bootstrap_granger",
    "wild_bootstrap_granger_batch",
    "wild_bootstrap_granger_reference",
]


# --------------------------------------------------------------------------- design


def _check_lags(lags: int, extra: int = 0) -> None:
    if isinstance(lags, bool) or not isinstance(lags, (int, np.integer)) or lags < 1:
        raise ValueError(f"lags must be a positive integer, got {lags!r}")
    if isinstance(extra, bool) or not isinstance(extra, (int, np.integer)) or extra < 0:
        raise ValueError(f"extra_lags must be a non-negative integer, got {extra!r}")


def _lagged(a: np.ndarray, total: int) -> np.ndarray:
    """(..., T) -> (..., T-total, total) with column j-1 holding a_{t-j}."""
    T = a.shape[-1]
    return np.stack([a[..., total - j : T - j] for j in range(1, total + 1)], axis=-1)


def granger_design(
    y: np.ndarray,
    x: np.ndarray,
    lags: int,
    z: Sequence[np.ndarray] = (),
    extra_lags: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Regression arrays for a Granger test, for one dataset or a batch.

    Parameters
    ----------
    y, x : array (..., T)
        Target and cause (leading dimensions are independent datasets).
    lags : int
        Number of lags ``p`` under test.
    z : sequence of arrays (..., T)
        Conditioning series (their lags enter the regression, they are not tested).
    extra_lags : int
        Additional lags of every variable that enter but are not tested (``d_max`` of
        Toda-Yamamoto); 0 for an ordinary Granger test.

    Returns
    -------
    Y : array (..., T-q) with ``q = lags + extra_lags``
    X : array (..., T-q, k) ordered [const, y lags 1..q, x lags 1..q, z lags 1..q]
    cols : int array (lags,), the columns of the cause's lags 1..p in ``X``
    """
    _check_lags(lags, extra_lags)
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    q = lags + extra_lags
    T = y.shape[-1]
    blocks = [np.ones(y.shape[:-1] + (T - q, 1)), _lagged(y, q), _lagged(x, q)]
    blocks += [_lagged(np.asarray(s, dtype=float), q) for s in z]
    X = np.concatenate(blocks, axis=-1)
    cols = 1 + q + np.arange(lags)
    return y[..., q:], X, cols


# --------------------------------------------------------------------------- core statistics


def _wald(X: np.ndarray, Y: np.ndarray, cols: np.ndarray, mask: np.ndarray | None = None) -> dict:
    """Classic F, HC3 Wald and coefficient sum for a batch of regressions.

    ``X`` (..., n, k) and ``Y`` (..., n). With ``mask`` (..., n) rows outside the sample are
    zeroed (they then drop out of every cross product; their HC3 weight is 0).
    """
    if mask is not None:
        X = X * mask[..., None]
        Y = Y * mask
        n = mask.sum(axis=-1)
    else:
        n = np.full(Y.shape[:-1], Y.shape[-1])
    k = X.shape[-1]
    p = cols.size
    beta, resid = batched_ols(X, Y)
    Xt = np.swapaxes(X, -1, -2)
    XtXi = np.linalg.inv(Xt @ X)
    h = ((X @ XtXi) * X).sum(axis=-1)  # leverages; 4x faster than the equivalent einsum
    df_resid = n - k
    ssr = np.sum(resid**2, axis=-1)
    s2 = ssr / df_resid
    b = beta[..., cols]
    # classic F: b' [(X'X)^-1_RR]^-1 b / p / s2  ==  ((ssr_r - ssr_u)/p) / (ssr_u/(n-k))
    Vc = XtXi[..., cols[:, None], cols[None, :]]
    q = np.einsum("...i,...i->...", b, np.linalg.solve(Vc, b[..., None])[..., 0])
    f_classic = q / p / s2
    # HC3: V_R = A diag(u^2/(1-h)^2) A',  A = (X'X)^-1_R. X'
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(h < 1, resid**2 / (1.0 - h) ** 2, 0.0)
    A = XtXi[..., cols, :] @ Xt
    Vh = (A * w[..., None, :]) @ np.swapaxes(A, -1, -2)
    wq = np.einsum("...i,...i->...", b, np.linalg.solve(Vh, b[..., None])[..., 0])
    f_hc3 = wq / p
    coef_sum = b.sum(axis=-1)
    se_sum = np.sqrt(Vh.sum(axis=(-1, -2)))
    return {
        "beta": beta,
        "b": b,
        "resid": resid,
        "n": n,
        "k": k,
        "p": p,
        "df_resid": df_resid,
        "f_classic": f_classic,
        "p_classic": stats.f.sf(f_classic, p, df_resid),
        "wald_classic": q / s2,
        "f_hc3": f_hc3,
        "p_hc3": stats.f.sf(f_hc3, p, df_resid),
        "wald_hc3": wq,
        "coef_sum": coef_sum,
        "se_sum": se_sum,
    }


def granger_robust_batch(y: np.ndarray, x: np.ndarray, lags: int) -> tuple[np.ndarray, np.ndarray]:
    """HC3 Wald Granger tests on ``B`` independent datasets at once.

    Parameters
    ----------
    y, x : array (B, T)
        Target and cause of each dataset (a 1-D pair is treated as ``B = 1``).
    lags : int
        Number of lags ``p`` of both variables in the regression (with a constant).

    Returns
    -------
    stat : array (B,)
        HC3 Wald statistic divided by ``p`` (an F-type statistic).
    pvalue : array (B,)
        Asymptotic p-value from ``F(p, T-p-(2p+1))`` for H0: x does not Granger-cause y.

    Notes
    -----
    Identical, dataset by dataset, to statsmodels ``OLS(...).fit(cov_type="HC3").f_test``
    on the Granger regression; used by the Monte Carlo self-check.

    References
    ----------
    MacKinnon, J. G. and White, H. (1985). J. Econometrics 29, 305-325.
    """
    y = np.atleast_2d(np.asarray(y, dtype=float))
    x = np.atleast_2d(np.asarray(x, dtype=float))
    if y.shape != x.shape:
        raise ValueError(f"y and x must have the same shape (B, T); got {y.shape} and {x.shape}")
    _check_lags(lags)
    T = y.shape[-1]
    need = 3 * lags + 1 + MIN_RESID_DF
    if T < need:
        raise InsufficientDataError(f"need {need} observations for {lags} lags; have {T}")
    Y, X, cols = granger_design(y, x, lags)
    out = _wald(X, Y, cols)
    return out["f_hc3"], out["p_hc3"]


# --------------------------------------------------------------------------- wild bootstrap


def _restricted(X: np.ndarray, Y: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = np.setdiff1d(np.arange(X.shape[-1]), cols)
    _, e = batched_ols(X[:, keep], Y)
    return Y - e, e


def wild_bootstrap_granger(
    X: np.ndarray,
    Y: np.ndarray,
    cols: np.ndarray,
    reps: int = 1999,
    seed: int | np.random.Generator | None = None,
    draws: np.ndarray | None = None,
) -> tuple[float, float, np.ndarray]:
    """Wild bootstrap p-value of the HC3 Wald Granger statistic, imposing the null.

    Parameters
    ----------
    X, Y, cols : from :func:`granger_design` (one dataset: ``X`` (n, k), ``Y`` (n,))
    reps : number of bootstrap draws (ignored when ``draws`` is given)
    seed : int or Generator
    draws : array (reps, n), optional
        The multipliers (for tests); default Rademacher draws from ``seed``.

    Returns
    -------
    stat : HC3 Wald F of the data
    pvalue : ``(1 + #{F* >= F}) / (reps + 1)``
    boot : array (reps,) of bootstrap statistics

    Notes
    -----
    ``y* = X_r b_r + e_r * eta`` with ``(b_r, e_r)`` from the restricted regression (no lags
    of the cause) and regressors held fixed. All draws share ``X``, so the unrestricted
    regressions are one batched solve.

    References
    ----------
    Goncalves, S. and Kilian, L. (2004). J. Econometrics 123, 89-120.
    Davidson, R. and Flachaire, E. (2008). The wild bootstrap, tamed at last. J.
    Econometrics 146, 162-169.
    """
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if draws is None:
        if isinstance(reps, bool) or not isinstance(reps, (int, np.integer)) or reps < 1:
            raise ValueError(f"reps must be a positive integer, got {reps!r}")
        draws = rademacher(np.random.default_rng(seed), (reps, Y.shape[0]))
    draws = np.asarray(draws, dtype=float)
    if draws.ndim != 2 or draws.shape[1] != Y.shape[0]:
        raise ValueError(f"draws must have shape (reps, {Y.shape[0]}), got {draws.shape}")
    stat, pvalue, boot = wild_bootstrap_granger_batch(X[None], Y[None], cols, draws[None])
    return float(stat[0]), float(pvalue[0]), boot[0]


def _quad_form_inv(V: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``b' V^-1 b`` for a batch of small symmetric positive definite ``V`` (..., p, p).

    Cholesky ``V = L L'`` and forward substitution ``L z = b`` written out over the p x p
    entries, each step vectorised over the batch (``b' V^-1 b = z'z``); for the millions of
    3 x 3 systems of a Monte Carlo this is several times faster than a batched LAPACK solve.
    """
    p = V.shape[-1]
    L = np.zeros(V.shape)
    for i in range(p):
        for j in range(i + 1):
            acc = V[..., i, j] - np.einsum("...k,...k->...", L[..., i, :j], L[..., j, :j])
            L[..., i, j] = np.sqrt(acc) if i == j else acc / L[..., j, j]
    z = np.zeros(b.shape)
    for i in range(p):
        z[..., i] = (b[..., i] - np.einsum("...k,...k->...", L[..., i, :i], z[..., :i])) / L[..., i, i]
    return np.einsum("...i,...i->...", z, z)


def bootstrap_pvalue(stat: np.ndarray, boot: np.ndarray, pooled: bool = False) -> np.ndarray:
    """Bootstrap p-value ``(1 + #{F* >= F}) / (B + 1)`` of each statistic.

    Parameters
    ----------
    stat : array (S,)
    boot : array (S, B), the bootstrap statistics of each dataset
    pooled : compare every ``stat`` with the draws of *all* datasets (``S * B`` of them):
        the warp-speed Monte Carlo of Giacomini, Politis and White (2013), for simulations
        only

    References
    ----------
    Giacomini, R., Politis, D. N. and White, H. (2013). A warp-speed method for conducting
    Monte Carlo experiments involving bootstrap estimators. Econometric Theory 29, 567-589.
    """
    stat = np.asarray(stat, dtype=float)
    boot = np.asarray(boot, dtype=float)
    if pooled:
        ref = np.sort(boot.ravel())
        exceed = ref.size - np.searchsorted(ref, stat, side="left")
        return (1.0 + exceed) / (ref.size + 1.0)
    return (1.0 + np.sum(boot >= stat[..., None], axis=-1)) / (boot.shape[-1] + 1.0)


def wild_bootstrap_granger_batch(
    X: np.ndarray,
    Y: np.ndarray,
    cols: np.ndarray,
    draws: np.ndarray,
    pooled: bool = False,
    chunk_elems: int = 700_000,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`wild_bootstrap_granger` for ``S`` datasets at once, each with its own design.

    Parameters
    ----------
    X : array (S, n, k), Y : array (S, n), cols : from :func:`granger_design` (batched)
    draws : array (S, B, n) or (B, n)
        Rademacher multipliers of each dataset's bootstrap (a 2-D array is shared by all).
    pooled : p-values from the draws of all datasets (:func:`bootstrap_pvalue`, warp-speed)
    chunk_elems : datasets are processed in chunks of about this many ``S * B * n`` elements

    Returns
    -------
    stat : array (S,) HC3 Wald F of each dataset
    pvalue : array (S,) ``(1 + #{F* >= F}) / (B + 1)``
    boot : array (S, B) bootstrap statistics

    Notes
    -----
    The single-dataset test (:func:`wild_bootstrap_granger`, the one the C3 verdict reads) is
    this function with ``S = 1``; the Monte Carlo self-check calls it with ``S`` simulated
    samples. With ``y* = X_r b_r + e_r * eta`` the fitted part lies in the column space of
    ``X`` and has zero cause coefficients, so the unrestricted fit of every draw needs only
    ``u = e_r * eta``: coefficients ``A u`` with ``A = (X'X)^-1_R X'`` and residuals
    ``u - X (X'X)^-1 X' u``; the HC3 covariance of the tested block is
    ``A diag(resid^2 / (1 - h)^2) A'``.
    """
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    draws = np.asarray(draws, dtype=float)
    if X.ndim != 3 or Y.shape != X.shape[:2]:
        raise ValueError(f"X must be (S, n, k) and Y (S, n); got {X.shape} and {Y.shape}")
    S, n, _ = X.shape
    if draws.shape[-1] != n or draws.ndim not in (2, 3) or (draws.ndim == 3 and draws.shape[0] != S):
        raise ValueError(f"draws must have shape (B, {n}) or ({S}, B, {n}), got {draws.shape}")
    p = cols.size
    stat = _wald(X, Y, cols)["f_hc3"]
    keep = np.setdiff1d(np.arange(X.shape[-1]), cols)
    _, e = batched_ols(X[..., keep], Y)  # restricted residuals (S, n)
    XtXi = np.linalg.inv(np.swapaxes(X, -1, -2) @ X)
    H = X @ XtXi  # (S, n, k)
    d = 1.0 / (1.0 - (H * X).sum(axis=-1)) ** 2  # HC3 weights 1 / (1 - h)^2, (S, n)
    At = H[..., cols]  # A' (S, n, p)
    M = (At[..., :, None] * At[..., None, :]).reshape(S, n, p * p)  # M[n, (i, j)] = A[i, n] A[j, n]
    Ht = np.ascontiguousarray(np.swapaxes(H, -1, -2))
    XtXi_c = np.ascontiguousarray(XtXi[..., cols])  # (S, k, p)
    B = draws.shape[-2]
    V = np.empty((S, B, p, p))
    bs = np.empty((S, B, p))
    step = max(1, chunk_elems // max(1, B * n))  # small chunks stay in cache (3x faster than one big batch)
    buf = np.empty((min(step, S), B, n))
    for s0 in range(0, S, step):
        sl = slice(s0, min(s0 + step, S))
        m = sl.stop - sl.start
        eta = draws[sl] if draws.ndim == 3 else draws[None]
        u = e[sl, None, :] * eta  # (m, B, n)
        Q = u @ X[sl]  # X'u per draw, (m, B, k)
        b = Q @ XtXi_c[sl]  # tested coefficients (X'X)^-1_R X'u, (m, B, p)
        r = buf[:m]
        np.matmul(Q, Ht[sl], out=r)  # fitted part of u; then HC3-weighted squared residuals
        np.subtract(u, r, out=r)
        np.square(r, out=r)
        r *= d[sl, None, :]
        V[sl] = (r @ M[sl]).reshape(m, B, p, p)
        bs[sl] = b
    boot = _quad_form_inv(V, bs) / p
    return stat, bootstrap_pvalue(stat, boot, pooled), boot


def wild_bootstrap_granger_reference(
    X: np.ndarray, Y: np.ndarray, cols: np.ndarray, draws: np.ndarray
) -> tuple[float, float, np.ndarray]:
    """Loop implementation of :func:`wild_bootstrap_granger` with statsmodels (for tests)."""
    from statsmodels.regression.linear_model import OLS

    R = np.zeros((cols.size, X.shape[1]))
    R[np.arange(cols.size), cols] = 1.0
    stat = float(np.squeeze(OLS(Y, X).fit(cov_type="HC3").f_test(R).fvalue))
    keep = np.setdiff1d(np.arange(X.shape[1]), cols)
    res_r = OLS(Y, X[:, keep]).fit()
    boot = np.empty(draws.shape[0])
    for i, eta in enumerate(np.asarray(draws, dtype=float)):
        ystar = res_r.fittedvalues + res_r.resid * eta
        boot[i] = float(np.squeeze(OLS(ystar, X).fit(cov_type="HC3").f_test(R).fvalue))
    pvalue = (1.0 + np.sum(boot >= stat)) / (boot.size + 1.0)
    return stat, float(pvalue), boot


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class GrangerResult:
    """One Granger test (three variants) of ``cause`` -> ``target``.

    Attributes
    ----------
    cause, target : series keys; ``conditioning`` : keys whose lags are controlled for
    frequency : ``"monthly"`` or ``"weekly"``; ``lags`` : p; ``lag_choice`` : ``"fixed"`` or ``"aic"``
    variable : what the series are (e.g. ``"log returns"``)
    null, alternative : hypotheses in words
    nobs, df_num, df_denom : regression observations and F degrees of freedom (p, n-k)
    f_classic, p_classic : classic F test (equals statsmodels ``ssr_ftest``)
    f_hc3, p_hc3 : HC3 Wald / p and its F(p, n-k) p-value
    p_boot, reps : wild bootstrap p-value of ``f_hc3`` under the null, number of draws
    family, p_holm, p_bh : multiple-testing family of the bootstrap p-value and its
        Holm / Benjamini-Hochberg adjustments (``None`` until adjusted)
    coef : the cause's lag coefficients b_1..b_p
    coef_sum, coef_sum_se, ci_low, ci_high, ci_level : effect size and its HC3 interval
    """

    cause: str
    target: str
    frequency: str
    lags: int
    lag_choice: str
    conditioning: tuple[str, ...]
    variable: str
    null: str
    alternative: str
    nobs: int
    df_num: int
    df_denom: int
    sample_start: dt.date
    sample_end: dt.date
    f_classic: float
    p_classic: float
    f_hc3: float
    p_hc3: float
    p_boot: float
    reps: int
    coef: tuple[float, ...]
    coef_sum: float
    coef_sum_se: float
    ci_low: float
    ci_high: float
    ci_level: float
    family: str = ""
    p_holm: float | None = None
    p_bh: float | None = None

    @property
    def direction(self) -> str:
        cond = f" | {', '.join(self.conditioning)}" if self.conditioning else ""
        return f"{self.cause} → {self.target}{cond}"

    @property
    def name(self) -> str:
        cond = "_given_" + "_".join(self.conditioning) if self.conditioning else ""
        return f"granger_{self.cause}_{self.target}{cond}_{self.frequency[0]}_l{self.lags}"

    def hypothesis_test(self, variant: Variant = "bootstrap") -> HypothesisTest:
        """This test as a :class:`HypothesisTest` (``variant``: classic, hc3 or bootstrap)."""
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
        stat = self.f_classic if variant == "classic" else self.f_hc3
        pvalue = {"classic": self.p_classic, "hc3": self.p_hc3, "bootstrap": self.p_boot}[variant]
        method = {
            "classic": "OLS F test, classic (homoskedastic); equals statsmodels grangercausalitytests ssr_ftest",
            "hc3": "HC3 Wald/p, F(p, n-k) reference",
            "bootstrap": f"HC3 Wald/p, wild bootstrap p-value under H0 ({self.reps} Rademacher draws)",
        }[variant]
        return HypothesisTest(
            name=f"{self.name}_{variant}",
            null=self.null,
            alternative=self.alternative,
            stat=stat,
            pvalue=pvalue,
            df=(float(self.df_num), float(self.df_denom)),
            nobs=self.nobs,
            sample_start=self.sample_start,
            sample_end=self.sample_end,
            method=method,
            family=self.family if variant == "bootstrap" else "",
            pvalue_holm=self.p_holm if variant == "bootstrap" else None,
            pvalue_bh=self.p_bh if variant == "bootstrap" else None,
            effect=self.coef_sum,
            ci_low=self.ci_low,
            ci_high=self.ci_high,
            effect_label=f"sum of the {self.lags} lag coefficients of {self.cause} (HC3 {self.ci_level:.0%} CI)",
        )


def _prepare(data: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise KeyError(f"columns {missing} not in data; have {list(data.columns)}")
    frame = data[list(cols)].dropna()
    flat = [c for c in cols if len(frame) > 1 and np.ptp(frame[c].to_numpy()) == 0]
    if flat:
        raise InsufficientDataError(f"{flat[0]} is constant over the sample; nothing to test")
    return frame


def _need(lags: int, n_vars: int, extra: int = 0) -> int:
    q = lags + extra
    return q + 1 + n_vars * q + MIN_RESID_DF


def granger_causality(
    data: pd.DataFrame,
    cause: str,
    target: str,
    lags: int,
    conditioning: Sequence[str] = (),
    reps: int = 1999,
    seed: int | np.random.Generator | None = None,
    alpha: float = 0.05,
    frequency: str = "monthly",
    lag_choice: str = "fixed",
    variable: str = "log returns",
) -> GrangerResult:
    """Granger test of ``cause`` -> ``target`` with classic, HC3 and wild-bootstrap p-values.

    Parameters
    ----------
    data : DataFrame with a DatetimeIndex and (at least) the columns used
        Stationary series (returns / changes); rows with a missing value are dropped.
    cause, target : column names
    lags : number of lags p
    conditioning : columns whose lags are included but not tested (conditional Granger)
    reps : wild bootstrap draws; seed : int or Generator for the draws
    alpha : 1 - level of the interval for the summed lag coefficients
    frequency, lag_choice, variable : labels carried into the result

    Returns
    -------
    GrangerResult

    Raises
    ------
    InsufficientDataError
        when fewer than ``p + k + 10`` observations are available.

    References
    ----------
    Granger (1969); MacKinnon and White (1985); Goncalves and Kilian (2004).
    """
    _check_lags(lags)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    cols = [target, cause, *conditioning]
    frame = _prepare(data, cols)
    n_total = len(frame)
    need = _need(lags, len(cols))
    if n_total < need:
        raise InsufficientDataError(
            f"need {need} {frequency} observations for {lags} lags; have {n_total}"
        )
    arr = frame.to_numpy().T
    Y, X, tc = granger_design(arr[0], arr[1], lags, z=tuple(arr[2:]))
    out = _wald(X, Y, tc)
    _, p_boot, _ = wild_bootstrap_granger(X, Y, tc, reps=reps, seed=seed)
    df_resid = int(out["df_resid"])
    tq = stats.t.ppf(1 - alpha / 2, df_resid)
    cs, se = float(out["coef_sum"]), float(out["se_sum"])
    cond = f", given lags of {', '.join(conditioning)}" if conditioning else ""
    return GrangerResult(
        cause=cause,
        target=target,
        frequency=frequency,
        lags=int(lags),
        lag_choice=lag_choice,
        conditioning=tuple(conditioning),
        variable=variable,
        null=f"{cause} does not Granger-cause {target} ({variable}, {lags} {frequency} lag(s){cond})",
        alternative=f"lags 1..{lags} of {cause} help predict {target}{cond}",
        nobs=int(out["n"]),
        df_num=int(lags),
        df_denom=df_resid,
        sample_start=as_date(frame.index[lags]),
        sample_end=as_date(frame.index[-1]),
        f_classic=float(out["f_classic"]),
        p_classic=float(out["p_classic"]),
        f_hc3=float(out["f_hc3"]),
        p_hc3=float(out["p_hc3"]),
        p_boot=p_boot,
        reps=int(reps),
        coef=tuple(float(v) for v in out["b"]),
        coef_sum=cs,
        coef_sum_se=se,
        ci_low=float(cs - tq * se),
        ci_high=float(cs + tq * se),
        ci_level=1 - alpha,
    )


def select_lag_aic(data: pd.DataFrame, columns: Sequence[str], maxlags: int) -> int:
    """Lag order of the VAR in ``columns`` chosen by AIC (at least 1, at most ``maxlags``).

    Uses statsmodels ``VAR.select_order`` (common sample for every candidate order).

    References
    ----------
    Akaike, H. (1974). A new look at the statistical model identification. IEEE Trans.
    Automatic Control 19, 716-723.
    """
    from statsmodels.tsa.api import VAR

    _check_lags(maxlags)
    frame = _prepare(data, columns)
    need = _need(maxlags, len(columns))
    if len(frame) < need:
        raise InsufficientDataError(f"need {need} observations to compare up to {maxlags} lags; have {len(frame)}")
    order = int(VAR(frame.to_numpy()).select_order(maxlags).selected_orders["aic"])
    return max(1, min(order, maxlags))


# --------------------------------------------------------------------------- Toda-Yamamoto


@dataclass(frozen=True, slots=True)
class TodaYamamotoResult:
    """Toda-Yamamoto Wald test in (log) levels: VAR(p + d_max), first p lags of the cause tested.

    ``stat``/``pvalue``: classic Wald, chi2(p); ``stat_hc3``/``pvalue_hc3``: HC3 Wald, chi2(p).
    """

    cause: str
    target: str
    frequency: str
    lags: int
    d_max: int
    conditioning: tuple[str, ...]
    variable: str
    null: str
    alternative: str
    nobs: int
    df: int
    sample_start: dt.date
    sample_end: dt.date
    stat: float
    pvalue: float
    stat_hc3: float
    pvalue_hc3: float
    coef_sum: float

    @property
    def direction(self) -> str:
        cond = f" | {', '.join(self.conditioning)}" if self.conditioning else ""
        return f"{self.cause} → {self.target}{cond}"

    def hypothesis_test(self) -> HypothesisTest:
        return HypothesisTest(
            name=f"toda_yamamoto_{self.cause}_{self.target}_{self.frequency[0]}_l{self.lags}_d{self.d_max}",
            null=self.null,
            alternative=self.alternative,
            stat=self.stat_hc3,
            pvalue=self.pvalue_hc3,
            df=(float(self.df),),
            nobs=self.nobs,
            sample_start=self.sample_start,
            sample_end=self.sample_end,
            method=f"Toda-Yamamoto HC3 Wald, VAR({self.lags}+{self.d_max}) in levels, chi2({self.df})",
            effect=self.coef_sum,
            effect_label=f"sum of the first {self.lags} lag coefficients of {self.cause} (levels)",
        )


def toda_yamamoto_batch(y: np.ndarray, x: np.ndarray, lags: int, d_max: int) -> dict:
    """Toda-Yamamoto Wald statistics for ``B`` datasets of levels ``y, x`` (B, T).

    Returns a dict with ``wald``, ``pvalue`` (classic, chi2(p)), ``wald_hc3``, ``pvalue_hc3``.
    ``d_max = 0`` gives the naive Granger Wald test in levels (invalid with unit roots).
    """
    Y, X, cols = granger_design(y, x, lags, extra_lags=d_max)
    out = _wald(X, Y, cols)
    return {
        "wald": out["wald_classic"],
        "pvalue": stats.chi2.sf(out["wald_classic"], lags),
        "wald_hc3": out["wald_hc3"],
        "pvalue_hc3": stats.chi2.sf(out["wald_hc3"], lags),
        "coef_sum": out["coef_sum"],
        "n": out["n"],
    }


def toda_yamamoto(
    levels: pd.DataFrame,
    cause: str,
    target: str,
    lags: int,
    d_max: int,
    conditioning: Sequence[str] = (),
    frequency: str = "monthly",
    variable: str = "log levels",
) -> TodaYamamotoResult:
    """Toda-Yamamoto (1995) Granger test on levels.

    Parameters
    ----------
    levels : DataFrame of (log) levels with a DatetimeIndex
    cause, target : column names; conditioning : further columns in the VAR
    lags : p, the lag order of the levels VAR; d_max : maximal integration order

    Notes
    -----
    The target equation of a VAR(p + d_max) with a constant is fitted by OLS; the Wald
    statistic for the first ``p`` lags of the cause is asymptotically chi2(p) whether the
    series are I(0), I(1) or cointegrated, because the ``d_max`` extra (untested) lags
    carry the unit roots (Toda and Yamamoto 1995; Dolado and Luetkepohl 1996).

    References
    ----------
    Toda, H. Y. and Yamamoto, T. (1995). J. Econometrics 66, 225-250.
    Dolado, J. J. and Luetkepohl, H. (1996). Making Wald tests work for cointegrated VAR
    systems. Econometric Reviews 15, 369-386.
    """
    _check_lags(lags, d_max)
    cols = [target, cause, *conditioning]
    frame = _prepare(levels, cols)
    need = _need(lags, len(cols), d_max)
    if len(frame) < need:
        raise InsufficientDataError(
            f"need {need} {frequency} observations for {lags}+{d_max} lags; have {len(frame)}"
        )
    arr = frame.to_numpy().T
    Y, X, tc = granger_design(arr[0], arr[1], lags, z=tuple(arr[2:]), extra_lags=d_max)
    out = _wald(X, Y, tc)
    cond = f", given {', '.join(conditioning)}" if conditioning else ""
    return TodaYamamotoResult(
        cause=cause,
        target=target,
        frequency=frequency,
        lags=int(lags),
        d_max=int(d_max),
        conditioning=tuple(conditioning),
        variable=variable,
        null=f"{cause} does not Granger-cause {target} ({variable}, Toda-Yamamoto, {lags} lags + {d_max}){cond}",
        alternative=f"lags 1..{lags} of {cause} help predict {target}{cond}",
        nobs=int(out["n"]),
        df=int(lags),
        sample_start=as_date(frame.index[lags + d_max]),
        sample_end=as_date(frame.index[-1]),
        stat=float(out["wald_classic"]),
        pvalue=float(stats.chi2.sf(out["wald_classic"], lags)),
        stat_hc3=float(out["wald_hc3"]),
        pvalue_hc3=float(stats.chi2.sf(out["wald_hc3"], lags)),
        coef_sum=float(out["coef_sum"]),
    )


# --------------------------------------------------------------------------- rolling windows


@dataclass(frozen=True, slots=True)
class RollingGrangerResult:
    """HC3 Granger test of ``cause`` -> ``target`` over moving or expanding windows.

    ``dates`` are the last observation of each window; every array field is per window.
    """

    cause: str
    target: str
    frequency: str
    lags: int
    kind: str
    window: int
    dates: tuple[dt.date, ...]
    nobs: tuple[int, ...]
    f_hc3: tuple[float, ...]
    p_hc3: tuple[float, ...]
    coef_sum: tuple[float, ...]
    ci_low: tuple[float, ...]
    ci_high: tuple[float, ...]
    ci_level: float
    share_significant: float  # share of windows with p_hc3 < alpha
    alpha: float


def rolling_granger(
    data: pd.DataFrame,
    cause: str,
    target: str,
    lags: int,
    window: int,
    kind: Literal["rolling", "expanding"] = "rolling",
    alpha: float = 0.05,
    frequency: str = "monthly",
) -> RollingGrangerResult:
    """HC3 Granger test and summed lag coefficient in every window, all windows in one solve.

    Parameters
    ----------
    data : DataFrame of stationary series
    window : observations per regression (rolling) or in the first regression (expanding)
    kind : ``"rolling"`` (fixed length) or ``"expanding"`` (growing from ``window``)

    Notes
    -----
    The design of the full sample is built once. Rolling windows are a strided view of its
    rows, (W, window, k); expanding windows, which differ in length, are 0/1 row masks over
    the full sample stacked into one (W, n, k) batch. P-values are the asymptotic HC3 ones:
    with overlapping windows they describe stability, they are not separate tests.

    References
    ----------
    Swanson, N. R. (1998). Money and output viewed through a rolling window. J. Monetary
    Economics 41, 455-474.
    """
    _check_lags(lags)
    if kind not in WINDOW_KINDS:
        raise ValueError(f"kind must be one of {WINDOW_KINDS}, got {kind!r}")
    frame = _prepare(data, [target, cause])
    k = 1 + 2 * lags
    if window < k + MIN_RESID_DF:
        raise ValueError(f"window must be at least {k + MIN_RESID_DF} observations for {lags} lags, got {window}")
    if len(frame) < window + lags + 1:
        raise InsufficientDataError(
            f"need {window + lags + 1} {frequency} observations for {window}-observation windows; have {len(frame)}"
        )
    arr = frame.to_numpy().T
    Y, X, tc = granger_design(arr[0], arr[1], lags)
    n = Y.shape[0]
    if n < window + 1:  # pragma: no cover - guarded above
        raise InsufficientDataError(
            f"need {window + lags + 1} {frequency} observations for {window}-observation windows; have {len(frame)}"
        )
    ends = np.arange(window - 1, n)
    if kind == "rolling":
        # fixed-length windows: a strided view of the rows, so the work is windows x window,
        # not windows x sample length
        Xw = np.lib.stride_tricks.sliding_window_view(X, window, axis=0).swapaxes(-1, -2)
        Yw = np.lib.stride_tricks.sliding_window_view(Y, window, axis=0)
        out = _wald(Xw, Yw, tc)
    else:
        # expanding windows differ in length: 0/1 row masks stack them into one batch
        idx = np.arange(n)
        mask = (idx[None, :] <= ends[:, None]).astype(float)
        out = _wald(np.broadcast_to(X, (ends.size,) + X.shape), np.broadcast_to(Y, (ends.size, n)), tc, mask=mask)
    tq = stats.t.ppf(1 - alpha / 2, out["df_resid"])
    dates = frame.index[lags:][ends]
    p = out["p_hc3"]
    return RollingGrangerResult(
        cause=cause,
        target=target,
        frequency=frequency,
        lags=int(lags),
        kind=kind,
        window=int(window),
        dates=tuple(as_date(d) for d in dates),
        nobs=tuple(int(v) for v in out["n"]),
        f_hc3=tuple(float(v) for v in out["f_hc3"]),
        p_hc3=tuple(float(v) for v in p),
        coef_sum=tuple(float(v) for v in out["coef_sum"]),
        ci_low=tuple(float(v) for v in out["coef_sum"] - tq * out["se_sum"]),
        ci_high=tuple(float(v) for v in out["coef_sum"] + tq * out["se_sum"]),
        ci_level=1 - alpha,
        share_significant=float(np.mean(p < alpha)),
        alpha=alpha,
    )

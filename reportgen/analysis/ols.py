"""Batched least squares: one solve for many regressions that share (or stack) designs.

The heavy resampling code (bootstrap Granger tests, VAR bootstrap bands, rolling windows,
Monte Carlo self-checks) runs thousands of small regressions. Stacking them into 3-D arrays
and solving with one call to :func:`numpy.linalg.solve` is 20-100x faster than a Python loop
over statsmodels fits.
"""

from __future__ import annotations

import numpy as np


def batched_ols(X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least squares for a batch of regressions.

    Parameters
    ----------
    X : array (B, n, k) or (n, k)
        Regressors. A 2-D ``X`` is shared by every column/batch of ``Y``.
    Y : array (B, n, m) or (B, n) or (n, m)
        Dependent variables.

    Returns
    -------
    beta : array (B, k, m) (or matching the broadcast of the inputs)
    resid : array shaped like ``Y``
    """
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    squeeze = Y.ndim == X.ndim - 1 or (X.ndim == 3 and Y.ndim == 2)
    if squeeze:
        Y = Y[..., None]
    XtX = np.swapaxes(X, -1, -2) @ X
    XtY = np.swapaxes(X, -1, -2) @ Y
    beta = np.linalg.solve(XtX, XtY)
    resid = Y - X @ beta
    if squeeze:
        return beta[..., 0], resid[..., 0]
    return beta, resid


def lag_matrix(y: np.ndarray, lags: int, const: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Build the VAR regressor matrix.

    Parameters
    ----------
    y : array (..., T, K)
    lags : number of lags p

    Returns
    -------
    Y : array (..., T-p, K) left-hand side
    X : array (..., T-p, [1 +] K*p) regressors ordered [const, y_{t-1}, ..., y_{t-p}]
        (statsmodels' VAR ordering)
    """
    y = np.asarray(y, dtype=float)
    T = y.shape[-2]
    blocks = [y[..., lags - j : T - j, :] for j in range(1, lags + 1)]
    X = np.concatenate(blocks, axis=-1)
    if const:
        ones = np.ones(X.shape[:-1] + (1,))
        X = np.concatenate([ones, X], axis=-1)
    return y[..., lags:, :], X


def ols_slope(y: np.ndarray, x: np.ndarray) -> float:
    """Slope of the OLS regression of ``y`` on a constant and ``x`` (equals
    ``statsmodels.OLS(y, add_constant(x)).fit().params[1]``)."""
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    if y.shape != x.shape or y.ndim != 1 or y.size < 3:
        raise ValueError(f"y and x must be 1-d of equal length >= 3; got {y.shape} and {x.shape}")
    xc = x - x.mean()
    sxx = float(xc @ xc)
    if sxx == 0.0:
        raise ValueError("x is constant: the slope is not identified")
    return float(xc @ (y - y.mean()) / sxx)

"""batched_ols / lag_matrix equal numpy lstsq and statsmodels' VAR design and estimates."""

from __future__ import annotations


import numpy as np
import pytest
from statsmodels.tsa.api import VAR
from statsmodels.tsa.vector_ar.util import get_var_endog

from reportgen.analysis.ols import batched_ols, lag_matrix

TOL = dict(rtol=0, atol=1e-8)



@pytest.fixture
def rng():
    return np.random.default_rng(20260121)


def design(rng, *shape):
    X = rng.normal(size=shape)
    X[..., 0] = 1.0
    return X


def lstsq(X, y):
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    return beta, y - X @ beta


def test_shared_design_vector(rng):
    X, y = design(rng, 80, 4), rng.normal(size=80)
    beta, resid = batched_ols(X, y)
    b, e = lstsq(X, y)
    assert beta.shape == (4,) and resid.shape == (80,)
    np.testing.assert_allclose(beta, b, **TOL)
    np.testing.assert_allclose(resid, e, **TOL)


def test_shared_design_many_columns(rng):
    X, Y = design(rng, 80, 4), rng.normal(size=(80, 6))
    beta, resid = batched_ols(X, Y)
    b, e = lstsq(X, Y)
    assert beta.shape == (4, 6) and resid.shape == (80, 6)
    np.testing.assert_allclose(beta, b, **TOL)
    np.testing.assert_allclose(resid, e, **TOL)


def test_batch_of_designs_vector(rng):
    X, Y = design(rng, 5, 60, 3), rng.normal(size=(5, 60))
    beta, resid = batched_ols(X, Y)
    assert beta.shape == (5, 3) and resid.shape == (5, 60)
    for i in range(5):
        b, e = lstsq(X[i], Y[i])
        np.testing.assert_allclose(beta[i], b, **TOL)
        np.testing.assert_allclose(resid[i], e, **TOL)


def test_batch_of_designs_matrix(rng):
    X, Y = design(rng, 5, 60, 3), rng.normal(size=(5, 60, 2))
    beta, resid = batched_ols(X, Y)
    assert beta.shape == (5, 3, 2)
    for i in range(5):
        b, e = lstsq(X[i], Y[i])
        np.testing.assert_allclose(beta[i], b, **TOL)
        np.testing.assert_allclose(resid[i], e, **TOL)


def test_shared_design_batched_y(rng):
    X, Y = design(rng, 60, 3), rng.normal(size=(7, 60, 2))
    beta, resid = batched_ols(X, Y)
    assert beta.shape == (7, 3, 2) and resid.shape == (7, 60, 2)
    for i in range(7):
        b, e = lstsq(X, Y[i])
        np.testing.assert_allclose(beta[i], b, **TOL)
        np.testing.assert_allclose(resid[i], e, **TOL)


def test_residuals_orthogonal_to_regressors(rng):
    X, Y = design(rng, 4, 50, 5), rng.normal(size=(4, 50))
    _, resid = batched_ols(X, Y)
    np.testing.assert_allclose(np.einsum("bnk,bn->bk", X, resid), 0.0, atol=1e-10)


def test_exact_fit_recovers_coefficients(rng):
    X = design(rng, 40, 3)
    true = np.array([0.5, -1.25, 2.0])
    beta, resid = batched_ols(X, X @ true)
    np.testing.assert_allclose(beta, true, atol=1e-12)
    np.testing.assert_allclose(resid, 0.0, atol=1e-12)


def test_singular_design_raises(rng):
    X = design(rng, 30, 3)
    X[:, 2] = X[:, 1]
    with pytest.raises(np.linalg.LinAlgError):
        batched_ols(X, rng.normal(size=30))


# --------------------------------------------------------------------------- lag_matrix


@pytest.mark.parametrize("lags", [1, 2, 3, 6])
def test_lag_matrix_equals_statsmodels_var_design(rng, lags):
    y = rng.normal(size=(120, 3))
    Y, X = lag_matrix(y, lags)
    assert Y.shape == (120 - lags, 3) and X.shape == (120 - lags, 1 + 3 * lags)
    np.testing.assert_array_equal(Y, y[lags:])
    np.testing.assert_array_equal(X, get_var_endog(y, lags, trend="c"))


@pytest.mark.parametrize("lags", [1, 2, 4])
def test_var_estimates_equal_statsmodels(rng, lags):
    # a stationary VAR(1) with a lead of x on y, as in the reports
    e = rng.normal(size=(300, 2))
    y = np.zeros((300, 2))
    for t in range(1, 300):
        y[t] = [0.3 * y[t - 1, 0], 0.35 * y[t - 1, 0] + 0.2 * y[t - 1, 1]] + e[t]
    res = VAR(y).fit(lags, trend="c")
    Y, X = lag_matrix(y, lags)
    np.testing.assert_allclose(X, res.endog_lagged, **TOL)
    beta, resid = batched_ols(X, Y)
    np.testing.assert_allclose(beta, res.params, **TOL)
    np.testing.assert_allclose(resid, res.resid, **TOL)


def test_lag_matrix_without_constant(rng):
    y = rng.normal(size=(30, 2))
    Y, X = lag_matrix(y, 2, const=False)
    np.testing.assert_array_equal(X, get_var_endog(y, 2, trend="n"))
    np.testing.assert_array_equal(X[:, :2], y[1:-1])  # y_{t-1}
    np.testing.assert_array_equal(X[:, 2:], y[:-2])  # y_{t-2}


def test_lag_matrix_batched_equals_per_slice(rng):
    y = rng.normal(size=(4, 50, 2))
    Y, X = lag_matrix(y, 3)
    assert Y.shape == (4, 47, 2) and X.shape == (4, 47, 7)
    for i in range(4):
        Yi, Xi = lag_matrix(y[i], 3)
        np.testing.assert_array_equal(Y[i], Yi)
        np.testing.assert_array_equal(X[i], Xi)
    beta, _ = batched_ols(X, Y)
    for i in range(4):
        np.testing.assert_allclose(beta[i], VAR(y[i]).fit(3, trend="c").params, **TOL)


def test_univariate_ar_design(rng):
    y = rng.normal(size=(40, 1))
    Y, X = lag_matrix(y, 2)
    beta, _ = batched_ols(X, Y[:, 0])
    b, _ = lstsq(np.column_stack([np.ones(38), y[1:-1, 0], y[:-2, 0]]), y[2:, 0])
    np.testing.assert_allclose(beta, b, **TOL)

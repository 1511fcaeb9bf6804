"""Out-of-sample forecasts and the timing rule: no look-ahead, golden values, SPA."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reportgen.analysis import out_of_sample as oos
from reportgen.errors import InsufficientDataError


def test_expanding_forecasts_use_only_realised_targets():
    rng = np.random.default_rng(1)
    n, h = 80, 3
    X = np.column_stack([np.ones(n), rng.standard_normal(n)])
    y = rng.standard_normal(n)
    f = oos.expanding_forecasts(y, X, h, min_train=30)
    i = 50
    y2 = y.copy()
    y2[i - h + 1 :] += 100.0  # targets not yet realised at origin i
    f2 = oos.expanding_forecasts(y2, X, h, min_train=30)
    np.testing.assert_allclose(f2[: i + 1], f[: i + 1], atol=1e-12)
    assert np.isnan(f[: 30 + h - 1]).all() and np.isfinite(f[30 + h - 1])


def test_expanding_forecast_golden_against_statsmodels():
    import statsmodels.api as sm

    rng = np.random.default_rng(2)
    n, h = 60, 2
    x = rng.standard_normal(n)
    y = 0.3 * x + rng.standard_normal(n)
    X = sm.add_constant(x)
    f = oos.expanding_forecasts(y, X, h, min_train=20)
    i = 45
    fit = sm.OLS(y[: i - h + 1], X[: i - h + 1]).fit()
    assert f[i] == pytest.approx(float(fit.params @ X[i]), abs=1e-10)


def test_never_firing_signal_gives_mean_forecast():
    y = np.random.default_rng(3).standard_normal(50)
    one = np.ones(50)
    f_mean = oos.expanding_forecasts(y, one[:, None], 1, 20)
    f_sig = oos.expanding_forecasts(y, np.column_stack([one, np.zeros(50)]), 1, 20)
    np.testing.assert_allclose(f_sig, f_mean, atol=1e-12)


def test_clark_west_golden():
    import statsmodels.api as sm

    rng = np.random.default_rng(4)
    y, fb, fm = rng.standard_normal((3, 120))
    t, p = oos.clark_west(y, fb, fm, 3)
    f = (y - fb) ** 2 - ((y - fm) ** 2 - (fb - fm) ** 2)
    ref = sm.OLS(f, np.ones(120)).fit(cov_type="HAC", cov_kwds={"maxlags": 2})
    assert t == pytest.approx(float(ref.tvalues[0]), abs=1e-10)
    from scipy import stats

    assert p == pytest.approx(stats.norm.sf(t), abs=1e-12)


def test_forecast_comparisons_find_a_real_signal():
    rng = np.random.default_rng(5)
    idx = pd.date_range("2010-01-31", periods=160, freq="ME")
    sig = pd.Series((rng.random(160) < 0.25).astype(float), index=idx)
    r = 0.05 * rng.standard_normal(160) + 0.15 * sig.to_numpy()  # next-month return jumps after a signal
    c = pd.Series(np.cumsum(np.r_[0.0, r[:-1]]), index=idx)  # return from m to m+1 is r[m]
    rut = pd.Series(np.cumsum(0.04 * rng.standard_normal(160)), index=idx)
    out = oos.forecast_comparisons("X", c, rut, sig, (1,), min_train=36)
    f = next(x for x in out if (x.benchmark, x.model) == ("mean", "signal"))
    assert f.r2_oos > 0.2 and f.pvalue < 0.01
    with pytest.raises(InsufficientDataError, match="need 51 months"):
        oos.forecast_comparisons("X", c.iloc[:40], rut.iloc[:40], sig.iloc[:40], (1, 3))


def test_monthly_signal_and_rule_positions():
    idx = pd.date_range("2020-01-31", periods=6, freq="ME")
    s = oos.monthly_signal(idx, [pd.Timestamp("2020-02-10").date()], hold_months=2)
    assert s.tolist() == [0, 1, 1, 0, 0, 0]  # Feb and Mar month ends; Apr 30 > Feb 10 + 2 months
    days = pd.date_range("2020-01-01", "2020-04-30", freq="D")
    pos = oos.rule_positions(days, [pd.Timestamp("2020-01-15").date()], 1)
    held = days[pos == 1]
    assert held[0] == pd.Timestamp("2020-01-16") and held[-1] == pd.Timestamp("2020-02-15")


def test_performance_golden():
    r = np.log(np.array([1.1, 0.5, 1.2, 1.0]))
    st = oos.performance("x", "", 0, r)
    assert st.max_drawdown == pytest.approx(1 - 0.5, abs=1e-12)  # peak 1.1 -> trough 0.55
    assert st.ann_return == pytest.approx(365 * r.mean())
    assert st.sharpe == pytest.approx(np.sqrt(365) * r.mean() / r.std(ddof=1))


def test_timing_rule_spa_detects_a_rule_that_beats_buy_and_hold():
    rng = np.random.default_rng(6)
    days = pd.date_range("2015-01-01", "2022-12-31", freq="D")
    events = pd.date_range("2015-03-01", "2022-06-01", freq="4MS")
    pos = oos.rule_positions(days[1:], events.date, 2)
    r = 0.01 * rng.standard_normal(len(days) - 1) + np.where(pos == 1, 0.01, -0.004)
    price = pd.Series(100 * np.exp(np.r_[0.0, np.cumsum(r)]), index=days)
    res = oos.timing_rules("X", price, {"good": tuple(events.date)}, (1, 2), reps=199, block=10, seed=1)
    assert res.spa_pvalue < 0.05
    assert res.rules[1].ann_return > res.buy_hold.ann_return
    with pytest.raises(InsufficientDataError, match="need 250 daily returns of X"):
        oos.timing_rules("X", price.iloc[:100], {"good": ()}, (1,), 99, 10, 1)


def _spa_losses(seed: int, T: int = 400, k: int = 5):
    rng = np.random.default_rng(seed)
    e = rng.standard_normal((T, k + 1))
    for t in range(1, T):  # serially correlated losses
        e[t] += 0.4 * e[t - 1]
    return e[:, 0], e[:, 1:] + np.linspace(-0.15, 0.1, k)


@pytest.mark.parametrize(("seed", "block", "reps"), [(1, 10, 199), (2, 21, 130), (3, 1, 64), (4, 5, 1)])
def test_spa_pvalues_equal_arch_bit_for_bit(seed, block, reps):
    """Golden: the same p-values as arch's SPA (stationary bootstrap, studentised, not nested)
    from the same Generator, which ends in the same state (the same draws were made)."""
    from arch.bootstrap import SPA

    bench, models = _spa_losses(seed)
    g_arch, g_ours = np.random.default_rng(seed), np.random.default_rng(seed)
    spa = SPA(bench, models, block_size=block, reps=reps, bootstrap="stationary", studentize=True, seed=g_arch)
    spa.compute()
    ours = oos.spa_pvalues(bench, models, block, reps, g_ours)
    assert ours == tuple(float(spa.pvalues[k]) for k in ("lower", "consistent", "upper"))
    assert g_ours.bit_generator.state == g_arch.bit_generator.state
    ld = bench[:, None] - models
    np.testing.assert_array_equal(oos._spa_valid_columns(ld, block), spa._valid_columns)
    np.testing.assert_array_equal(oos._spa_variances_reference(ld, block), spa._loss_diff_var)


def test_spa_valid_columns_use_exact_variances_only_near_the_threshold(monkeypatch):
    """The FFT variances decide a column only when it is clearly on one side of arch's
    threshold; a column placed on the threshold is decided by arch's own variances."""
    from arch.bootstrap import SPA

    bench, models = _spa_losses(7, T=300, k=3)
    ld = bench[:, None] - models
    calls = []
    exact = oos._spa_variances_reference
    monkeypatch.setattr(oos, "_spa_variances_reference", lambda *a: calls.append(1) or exact(*a))
    oos._spa_valid_columns(ld, 10)
    assert calls == []
    thr = oos._spa_threshold(exact(ld, 10), ld.shape[0])
    models = models.copy()
    models[:, 1] += ld[:, 1].mean() - thr[1]  # column 1's mean loss differential now sits on its threshold
    ld = bench[:, None] - models
    valid = oos._spa_valid_columns(ld, 10)
    assert calls == [1]
    spa = SPA(bench, models, block_size=10, reps=10, seed=1)
    spa.compute()
    np.testing.assert_array_equal(valid, spa._valid_columns)

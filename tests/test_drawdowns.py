"""Drawdowns: episodes against hand computations, exact Poisson rates, C9 recovery proxy."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from reportgen.analysis import drawdowns as D
from reportgen.errors import InsufficientDataError

TEN = [100, 110, 99, 88, 105, 121, 120, 60, 90, 130]


def _prices(values, start="2020-01-01") -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq="D"))


def d(day: int) -> dt.date:
    return dt.date(2020, 1, 1) + dt.timedelta(days=day)


def test_ten_prices_by_hand():
    eps = D.drawdown_episodes(_prices(TEN))
    assert len(eps) == 2
    a, b = eps
    # 110 (day 1) -> 88 (day 3): -20%; back above 110 at 121 (day 5)
    assert (a.peak_date, a.trough_date, a.recovery_date) == (d(1), d(3), d(5))
    assert a.depth == pytest.approx(88 / 110 - 1) == pytest.approx(-0.2)
    assert (a.days_peak_to_trough, a.days_to_recover, a.days_underwater) == (2, 2, 4)
    assert a.crossings == (d(3), None)  # -20% reached exactly on day 3 (<= counts)
    # 121 (day 5) -> 60 (day 7): -50.4%; recovered at 130 (day 9)
    assert (b.peak_date, b.trough_date, b.recovery_date) == (d(5), d(7), d(9))
    assert b.depth == pytest.approx(60 / 121 - 1)
    assert b.crossings == (d(7), d(7))
    assert b.days_to_recover == 2 and b.recovered
    uw = D.underwater(_prices(TEN))
    assert uw.iloc[3] == pytest.approx(-0.2) and uw.iloc[9] == 0.0


def test_not_recovered_and_min_depth():
    p = _prices([100, 90, 95, 80, 85])
    (e,) = D.drawdown_episodes(p)
    assert not e.recovered and e.recovery_date is None and e.days_to_recover is None
    assert e.depth == pytest.approx(-0.2) and e.days_underwater == 4
    assert D.drawdown_episodes(p, min_depth=0.25) == ()
    assert D.drawdown_episodes(_prices([1, 2, 3, 4])) == ()


def test_matches_reference_on_random_walk():
    rng = np.random.default_rng(12)
    p = _prices(100 * np.exp(np.cumsum(0.03 * rng.standard_normal(2000))))
    fast = [(e.peak_date, e.trough_date, e.depth, e.recovery_date) for e in D.drawdown_episodes(p, 0.05)]
    ref = D.drawdown_episodes_reference(p, 0.05)
    assert len(fast) == len(ref) > 5
    for f, r in zip(fast, ref, strict=True):
        assert f[0] == r[0] and f[1] == r[1] and f[3] == r[3]
        assert f[2] == pytest.approx(r[2], abs=1e-12)


def test_garwood_interval_golden():
    # Garwood via chi-square == via gamma quantiles; and the textbook values for k = 3
    for k in (0, 1, 3, 10):
        r = D.poisson_rate(k, 2.0)
        lo = 0.0 if k == 0 else stats.gamma.ppf(0.025, k) / 2.0
        hi = stats.gamma.ppf(0.975, k + 1) / 2.0
        assert r.ci_low == pytest.approx(lo, abs=1e-10) and r.ci_high == pytest.approx(hi, rel=1e-10)
    r = D.poisson_rate(3, 1.0)
    assert (round(r.ci_low, 4), round(r.ci_high, 4)) == (0.6187, 8.7673)
    assert D.poisson_rate(0, 1.0).ci_high == pytest.approx(3.6889, abs=1e-4)


def test_rate_comparison_by_hand():
    # peaks every 100 days, each falling 30% once; a single 60% fall after the break
    vals, level = [], 100.0
    for i in range(6):
        level *= 1.05
        vals += [level] * 50 + [level * 0.65] * 50
    p = _prices(vals + [level * 2] * 10)
    eps = D.drawdown_episodes(p, 0.0, (0.2, 0.5))
    assert len(eps) == 6
    brk = p.index[400].date()
    c = D.compare_drawdown_rates(eps, 0.2, brk, p.index[0].date(), p.index[-1].date())
    y_pre = (brk - p.index[0].date()).days / 365.25
    y_post = ((p.index[-1].date() - brk).days + 1) / 365.25
    assert (c.pre.count, c.post.count) == (4, 2)
    assert c.pre.rate == pytest.approx(4 / y_pre) and c.post.rate == pytest.approx(2 / y_post)
    assert c.rate_ratio == pytest.approx((2 / y_post) / (4 / y_pre))
    assert c.pvalue == pytest.approx(stats.binomtest(2, 6, y_post / (y_pre + y_post)).pvalue)
    assert c.ratio_ci_low < c.rate_ratio < c.ratio_ci_high
    c50 = D.compare_drawdown_rates(eps, 0.5, brk, p.index[0].date(), p.index[-1].date())
    assert (c50.pre.count, c50.post.count, c50.rate_ratio, c50.pvalue) == (0, 0, None, 1.0)


def test_recovery_proxy_by_hand():
    eps = D.drawdown_episodes(_prices(TEN), 0.0, (0.2, 0.5))
    pre, post = D.recovery_proxy(eps, d(6), d(9), min_depth=0.2)
    assert (pre.n_episodes, pre.n_recovered, pre.median_days_to_recover) == (1, 1, 2.0)
    assert (post.n_episodes, post.n_recovered, post.median_depth) == (1, 1, pytest.approx(60 / 121 - 1))
    assert post.n_eligible_365 == 0


def test_table_uses_earlier_peak():
    p = _prices([200, 150, 100, 120, 180, 210, 190])
    t = D.drawdown_table(p, d(2), min_depth=0.2, asset="X")
    assert t.max_drawdown.peak_date == d(0) and t.max_drawdown.depth == pytest.approx(-0.5)
    assert t.current_drawdown == pytest.approx(190 / 210 - 1)
    assert t.start == d(2) and len(t.underwater) >= 1


def test_error_messages():
    with pytest.raises(ValueError, match=r"min_depth must be in \[0, 1\), got 1.5"):
        D.drawdown_episodes(_prices(TEN), min_depth=1.5)
    with pytest.raises(ValueError, match=r"thresholds must be in \(0, 1\), got 2"):
        D.drawdown_episodes(_prices(TEN), thresholds=(2,))
    with pytest.raises(ValueError, match="prices must be positive"):
        D.drawdown_episodes(_prices([1, -1, 2]))
    with pytest.raises(InsufficientDataError, match="need at least 2 prices for drawdowns; have 1"):
        D.drawdown_episodes(_prices([1]))
    with pytest.raises(ValueError, match="prices must be in ascending date order"):
        D.drawdown_episodes(_prices(TEN).iloc[::-1])
    with pytest.raises(ValueError, match="years must be > 0, got 0"):
        D.poisson_rate(1, 0)
    with pytest.raises(ValueError, match="count must be >= 0, got -1"):
        D.poisson_rate(-1, 1.0)
    eps = D.drawdown_episodes(_prices(TEN))
    with pytest.raises(ValueError, match="need start < break_date <= end"):
        D.compare_drawdown_rates(eps, 0.2, d(0), d(0), d(9))
    with pytest.raises(ValueError, match="threshold 0.3 was not recorded"):
        D.compare_drawdown_rates(eps, 0.3, d(5), d(0), d(9))
    with pytest.raises(InsufficientDataError, match="need prices after 2030-01-01"):
        D.drawdown_table(_prices(TEN), dt.date(2030, 1, 1))

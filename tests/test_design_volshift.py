"""Self-check design of C8 (``vol_shift``): it runs the exact primary test function on
simulated d_t, has the right size, finds planted shifts and reads the claim's minimum."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from reportgen.analysis import design_volshift as DV
from reportgen.analysis import volatility as V
from reportgen.analysis.resampling import seed_stream
from reportgen.errors import InsufficientDataError, MissingSeriesError


def _ar1(n: int, rng: np.random.Generator, rho: float = 0.5) -> np.ndarray:
    z = rng.standard_t(5, size=n) / math.sqrt(5 / 3)
    out = np.empty(n)
    out[0] = z[0] / math.sqrt(1 - rho * rho)
    for t in range(1, n):
        out[t] = rho * out[t - 1] + z[t]
    return out


def test_simulated_design_size_and_power():
    rng = np.random.default_rng(1)
    n = 143
    post = np.arange(n) >= n - 32
    d = 0.6 * _ar1(n, rng)
    sim = DV.simulate_volshift_design(d, post, np.array([0.0, 0.3, 0.6]), 400, rng, 0.05, maxlags=4, block=24)
    assert sim["reject"].shape == (3, 400) and sim["failed"] == 0
    size, p30, p60 = sim["reject"].mean(axis=1)
    assert 0.02 <= size <= 0.08 and p30 > size and p60 > 0.8
    assert np.median(sim["estimate"][2]) == pytest.approx(-0.6, abs=0.05)  # effect unit: relative change
    np.testing.assert_array_equal(sim["reject"], sim["pvalue_dir"] <= 0.05)


def test_design_runs_the_exact_primary_test_function(monkeypatch):
    """The design calls volatility.level_shift_test, the function behind C8's primary p-value."""
    calls = []
    real = V.level_shift_test

    def spy(*args, **kwargs):
        calls.append(kwargs.get("planted"))
        return real(*args, **kwargs)

    monkeypatch.setattr(V, "level_shift_test", spy)
    rng = np.random.default_rng(2)
    post = np.arange(60) >= 40
    DV.simulate_volshift_design(_ar1(60, rng), post, np.array([0.0, 0.2]), 20, rng, 0.05, maxlags=3, block=12)
    assert len(calls) == 1 and calls[0][0] == 0.0 and calls[0][1] == pytest.approx(2 * math.log(0.8))


def _bundle(rng, btc_days=4300, rut_days=3000, btc_scale_after=1.0):
    from reportgen.data.bundle import bundle_from_frames

    ib = pd.date_range("2014-10-01", periods=btc_days, freq="D")
    ir = pd.bdate_range("2014-10-01", periods=rut_days)
    rb = 0.03 * rng.standard_t(5, ib.size) / math.sqrt(5 / 3)
    rb = np.where(ib >= pd.Timestamp("2024-01-11"), rb * btc_scale_after, rb)
    rr = 0.012 * rng.standard_t(5, ir.size) / math.sqrt(5 / 3)
    close = {"BTC": pd.Series(100 * np.exp(np.cumsum(rb)), index=ib),
             "RUT": pd.Series(100 * np.exp(np.cumsum(rr)), index=ir)}
    return bundle_from_frames(close, {"BTC": "crypto", "RUT": "small_caps"})


def test_build_design_on_a_simulated_bundle(config):
    b = _bundle(np.random.default_rng(3))
    seq = seed_stream(config.analysis.seed, "selfcheck", "vol_shift")
    d = DV.build_design(b, config, {}, seq, 300, config.rules.alpha, tuple(config.selfcheck.effect_grid))
    assert d.name == "vol_shift" and d.claim == "C8" and d.primary
    assert d.min_effect == config.rules.min_volatility_change > 0
    assert 0.10 in d.curve_effect and d.curve_effect[0] == 0.0
    assert "exp(shift/2) - 1" in d.effect_unit and "claimed sign negative" in d.effect_unit
    assert d.inner_draws == DV.INNER_DRAWS and d.lags == 4 and d.failed == 0
    assert 0.02 <= d.size <= 0.09
    # the design's s.e. is that of the real test's effect at 0: se(shift) / 2
    dd, post, _ = DV.real_d(b, config.volatility.etf_date)
    se_shift = V._shift_ols(dd.to_numpy()[:, None], post, 4)[1][0]
    assert d.se == pytest.approx(se_shift / 2, rel=1e-12)
    # same seed stream, same numbers
    again = DV.build_design(b, config, {}, seed_stream(config.analysis.seed, "selfcheck", "vol_shift"), 300,
                            config.rules.alpha, tuple(config.selfcheck.effect_grid))
    assert again.curve_power == d.curve_power


def test_build_design_errors(config):
    from reportgen.data.bundle import bundle_from_frames

    b = _bundle(np.random.default_rng(4))
    seq = seed_stream(config.analysis.seed, "selfcheck", "vol_shift")
    only_rut = bundle_from_frames({"RUT": b.series("RUT")}, {"RUT": "small_caps"})
    with pytest.raises(MissingSeriesError, match="BTC"):
        DV.build_design(only_rut, config, {}, seq, 10, 0.05, (1.0,))
    short = b.truncated(dt.date(2024, 6, 30))
    with pytest.raises(InsufficientDataError, match=r"need 12 months in each regime for the C8 design; have \d+ "
                                                     r"before and 5 from 2024-01-11"):
        DV.build_design(short, config, {}, seq, 10, 0.05, (1.0,))


@pytest.mark.slow
@pytest.mark.e2e
def test_design_on_the_snapshot_within_budget(snapshot_bundle, config):
    """The real design at cfg.selfcheck.simulations: size within 3-7%, at most ~4 s of CPU."""
    import time

    t0 = time.process_time()
    d = DV.build_design(snapshot_bundle, config, {}, seed_stream(config.analysis.seed, "selfcheck", "vol_shift"),
                        config.selfcheck.simulations, config.rules.alpha, tuple(config.selfcheck.effect_grid))
    cpu = time.process_time() - t0
    assert 0.03 <= d.size <= 0.07 and d.size_in_range
    assert d.power_at_min_effect < 0.8  # the honest answer on 32 post months: underpowered at 10%
    assert cpu < 8

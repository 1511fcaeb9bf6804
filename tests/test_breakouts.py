"""Breakout detection: hand-checked cases, no look-ahead, declustering, C1 facts on the snapshot."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from reportgen.analysis.breakouts import decluster, detect_breakouts
from reportgen.config import BreakoutDefinition
from reportgen.errors import InsufficientDataError
from tests.dgp import breakout_index

DD10 = BreakoutDefinition("dd10", "ath_after_drawdown", drawdown=0.10)
H52 = BreakoutDefinition("h52", "high_52w", months_below=6)
THR = BreakoutDefinition("thr", "threshold", level=150.0)


def _series(values, start="2020-01-01", freq="B"):
    return pd.Series(np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq=freq))


def test_ath_after_drawdown_hand_case():
    s = _series([100, 110, 95, 105, 111, 112, 104, 113, 90, 120])
    b = detect_breakouts(s, DD10, decluster_months=0)
    # 110 -> 95 is a 13.6% drawdown, first close above 110 is 111 (index 4); 112 -> 104 is only
    # 7.1%, so 113 is not an event; 113 -> 90 is 20.4%, so 120 (index 9) is.
    assert [e.date for e in b.raw] == [s.index[4].date(), s.index[9].date()]
    assert b.raw[0].reference == 110 and b.raw[0].detail == pytest.approx(1 - 95 / 110)
    assert b.raw[1].reference_date == s.index[7].date()


def test_threshold_first_cross_only():
    s = _series([100, 140, 151, 149, 160])
    b = detect_breakouts(s, THR, 0)
    assert [e.date for e in b.raw] == [s.index[2].date()]
    assert detect_breakouts(_series([160, 170]), THR, 0).raw == ()  # already above: no crossing observed
    assert detect_breakouts(_series([100, 120]), THR, 0).raw == ()


def test_high_52w_needs_months_without_a_high():
    idx = pd.bdate_range("2018-01-01", "2021-12-31")
    v = np.full(len(idx), 100.0)
    v += np.arange(len(idx)) * 0.01  # steady new highs through 2018
    late = idx >= "2019-01-01"
    v[late] = 90.0 - 0.001 * np.arange(late.sum())  # drifting down: no 52-week high for 14 months
    v[idx >= "2020-03-02"] = 200.0  # first 52-week high after the gap (then flat: no more events)
    b = detect_breakouts(pd.Series(v, index=idx), H52, 0)
    assert [e.date for e in b.raw] == [dt.date(2020, 3, 2)]
    assert b.raw[0].detail > 13  # months since the previous 52-week high


def test_detection_uses_no_future_data():
    rng = np.random.default_rng(7)
    s = breakout_index(6000, rng)
    for d in (DD10, H52, BreakoutDefinition("t", "threshold", level=float(s.iloc[3000] * 1.2))):
        full = detect_breakouts(s, d, 3)
        for cut in (1500, 3100, 4700):
            part = detect_breakouts(s.iloc[:cut], d, 3)
            end = s.index[cut - 1].date()
            assert part.raw == tuple(e for e in full.raw if e.date <= end)
            assert part.events == tuple(e for e in full.events if e.date <= end)
        # append a crash and a rally after the end: past events do not change
        tail_idx = pd.bdate_range(s.index[-1] + pd.Timedelta(days=1), periods=300)
        tail = pd.Series(np.r_[np.linspace(s.iloc[-1] * 0.5, s.iloc[-1] * 3, 300)], index=tail_idx)
        ext = detect_breakouts(pd.concat([s, tail]), d, 3)
        assert ext.events[: len(full.events)] == full.events


def test_decluster_leaves_no_overlapping_windows():
    rng = np.random.default_rng(11)
    s = breakout_index(8000, rng, sigma=0.02)
    d = BreakoutDefinition("dd5", "ath_after_drawdown", drawdown=0.05)
    b = detect_breakouts(s, d, 3)
    assert len(b.raw) > len(b.events) >= 5  # declustering removed some
    ends = [pd.Timestamp(e.date) + pd.DateOffset(months=3) for e in b.events]
    for e_end, nxt in zip(ends[:-1], b.events[1:]):
        assert pd.Timestamp(nxt.date) > e_end
    kept = set(b.events)
    for e in b.raw:  # every dropped event lies inside a kept event's window
        if e not in kept:
            assert any(pd.Timestamp(k.date) < pd.Timestamp(e.date) <= pd.Timestamp(k.date) + pd.DateOffset(months=3)
                       for k in b.events)


def test_errors_have_messages():
    s = _series([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="kind must be one of"):
        detect_breakouts(s, BreakoutDefinition("x", "moon"), 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"drawdown must be in \(0, 1\)"):
        detect_breakouts(s, BreakoutDefinition("x", "ath_after_drawdown", drawdown=1.5), 3)
    with pytest.raises(ValueError, match="months_below must be >= 1"):
        detect_breakouts(s, BreakoutDefinition("x", "high_52w"), 3)
    with pytest.raises(ValueError, match="level must be > 0"):
        detect_breakouts(s, BreakoutDefinition("x", "threshold", level=-1.0), 3)
    with pytest.raises(InsufficientDataError, match="need at least 2 closes"):
        detect_breakouts(s.iloc[:1], DD10, 3)
    with pytest.raises(ValueError, match="strictly increasing"):
        detect_breakouts(s.iloc[::-1], DD10, 3)
    with pytest.raises(ValueError, match="DatetimeIndex"):
        detect_breakouts(pd.Series([1.0, 2.0]), DD10, 3)
    with pytest.raises(ValueError, match="months must be >= 0"):
        decluster([], -1)


@pytest.mark.e2e
def test_c1_facts_on_snapshot(snapshot_bundle, config):
    from reportgen.analysis.events import c1_facts, iwm_volume

    rut = snapshot_bundle.series("RUT")
    iwm = iwm_volume(snapshot_bundle.series("IWM", allow_stale=True), snapshot_bundle.volume["IWM"],
                     dt.date(2026, 1, 8), stale=True)
    f = c1_facts(rut, config, iwm)
    assert f.first_close_date == dt.date(2026, 1, 8) and f.first_close == pytest.approx(2603.91, abs=1e-9)
    assert f.prior_record_date == dt.date(2025, 12, 11) and f.prior_record == pytest.approx(2590.61, abs=1e-9)
    assert f.prev_year_end_date == dt.date(2025, 12, 31) and f.prev_year_end_close == pytest.approx(2481.91, abs=1e-9)
    assert f.ytd_change == pytest.approx(2603.91 / 2481.91 - 1, abs=1e-12)
    assert f.is_all_time_high and f.check_date and f.check_threshold and not f.check_ytd
    assert not f.rut_volume_available
    assert f.iwm.data_end == dt.date(2026, 3, 27) and f.iwm.stale
    assert f.iwm.volume == pytest.approx(float(snapshot_bundle.volume["IWM"].loc["2026-01-08"]))


@pytest.mark.e2e
def test_threshold_definition_on_snapshot_matches_c1(snapshot_bundle):
    b = detect_breakouts(snapshot_bundle.series("RUT"), BreakoutDefinition("t2600", "threshold", level=2600.0), 3)
    assert [e.date for e in b.events] == [dt.date(2026, 1, 8)]

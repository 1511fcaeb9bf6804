"""Alignment rules (reportgen.data.align) and the DataBundle's aligned frames, on hand-made data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from reportgen.data.align import log_returns, native_spacing_days, sample, sample_frame
from reportgen.data.bundle import bundle_from_frames
from reportgen.data.derived import net_liquidity
from reportgen.errors import MissingSeriesError

GOOD_FRIDAY_2024 = pd.Timestamp("2024-03-29")  # last business day of March 2024, NYSE closed



def ramp(index: pd.DatetimeIndex) -> pd.Series:
    """Value = days since 2000-01-01, so every sampled value names its own date."""
    return pd.Series((index - pd.Timestamp("2000-01-01")).days.astype(float) + 1.0, index=index)


def day_of(value: float) -> pd.Timestamp:
    return pd.Timestamp("2000-01-01") + pd.Timedelta(days=int(value) - 1)


def equity(start: str, end: str, holidays=(GOOD_FRIDAY_2024,)) -> pd.Series:
    idx = pd.bdate_range(start, end)
    return ramp(idx.drop([h for h in holidays if h in idx]))


def crypto(start: str, end: str) -> pd.Series:
    return ramp(pd.date_range(start, end))


def wednesdays(start: str, end: str) -> pd.Series:
    return ramp(pd.date_range(start, end, freq="W-WED"))


# --------------------------------------------------------------------------- month-end


def test_equity_month_end_is_last_trading_day_with_holiday():
    m = sample(equity("2024-01-02", "2024-04-30"), "monthly")
    assert list(m.index) == list(pd.to_datetime(["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"]))
    assert [day_of(v) for v in m] == list(pd.to_datetime(["2024-01-31", "2024-02-29", "2024-03-28", "2024-04-30"]))


def test_crypto_month_end_is_last_calendar_day():
    m = sample(crypto("2024-01-01", "2024-04-30"), "monthly")
    assert [day_of(v) for v in m] == list(pd.to_datetime(["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"]))
    assert m.index.equals(sample(equity("2024-01-02", "2024-04-30"), "monthly").index)  # same calendar


def test_week_end_is_friday_or_thursday_before_a_holiday():
    w = sample(equity("2024-03-18", "2024-04-12"), "weekly")
    assert list(w.index) == list(pd.to_datetime(["2024-03-22", "2024-03-29", "2024-04-05", "2024-04-12"]))
    assert [day_of(v) for v in w] == list(pd.to_datetime(["2024-03-22", "2024-03-28", "2024-04-05", "2024-04-12"]))


def test_crypto_week_end_is_friday_not_sunday():
    w = sample(crypto("2024-03-18", "2024-04-14"), "weekly")
    assert [day_of(v) for v in w] == list(pd.to_datetime(["2024-03-22", "2024-03-29", "2024-04-05", "2024-04-12"]))


# --------------------------------------------------------------------------- incomplete final period


def test_final_month_complete_when_data_reach_last_business_day():
    # June 2024 ends on a Sunday; its last business day is Friday 28 June
    m = sample(equity("2024-04-01", "2024-06-28"), "monthly")
    assert m.index[-1] == pd.Timestamp("2024-06-30")
    assert day_of(m.iloc[-1]) == pd.Timestamp("2024-06-28")


def test_final_month_incomplete_is_dropped():
    m = sample(equity("2024-04-01", "2024-06-27"), "monthly")
    assert m.index[-1] == pd.Timestamp("2024-05-31")


def test_final_month_dropped_mid_month():
    m = sample(crypto("2024-04-01", "2024-06-10"), "monthly")
    assert m.index[-1] == pd.Timestamp("2024-05-31")


def test_final_month_complete_when_month_ends_on_weekday():
    m = sample(equity("2024-03-01", "2024-07-31"), "monthly")
    assert m.index[-1] == pd.Timestamp("2024-07-31")
    assert sample(equity("2024-03-01", "2024-07-30"), "monthly").index[-1] == pd.Timestamp("2024-06-30")


def test_crypto_final_month_needs_the_last_business_day():
    assert sample(crypto("2024-04-01", "2024-06-28"), "monthly").index[-1] == pd.Timestamp("2024-06-30")
    assert sample(crypto("2024-04-01", "2024-06-27"), "monthly").index[-1] == pd.Timestamp("2024-05-31")


def test_final_month_ending_on_a_holiday_is_dropped_conservatively():
    """No exchange calendar: data ending Thursday 28 March 2024 (Good Friday next) cannot be
    told from a month in progress, so March is dropped until April data arrive."""
    assert sample(equity("2024-01-02", "2024-03-28"), "monthly").index[-1] == pd.Timestamp("2024-02-29")
    assert sample(equity("2024-01-02", "2024-04-01"), "monthly").index[-1] == pd.Timestamp("2024-03-31")


def test_weekly_fred_final_month_rule():
    # Wednesdays: the last one in June 2024 is the 26th; the next is due 3 July
    assert sample(wednesdays("2024-01-01", "2024-06-26"), "monthly").index[-1] == pd.Timestamp("2024-06-30")
    assert sample(wednesdays("2024-01-01", "2024-06-19"), "monthly").index[-1] == pd.Timestamp("2024-05-31")
    m = sample(wednesdays("2024-01-01", "2024-06-26"), "monthly")
    assert day_of(m.loc["2024-05-31"]) == pd.Timestamp("2024-05-29")


def test_weekly_fred_final_week_rule():
    w = sample(wednesdays("2024-01-01", "2024-06-26"), "weekly")
    assert w.index[-1] == pd.Timestamp("2024-06-28")
    assert day_of(w.iloc[-1]) == pd.Timestamp("2024-06-26")


def test_daily_final_week_rule():
    assert sample(equity("2024-06-03", "2024-06-26"), "weekly").index[-1] == pd.Timestamp("2024-06-21")
    assert sample(equity("2024-06-03", "2024-06-28"), "weekly").index[-1] == pd.Timestamp("2024-06-28")


def test_native_spacing():
    assert native_spacing_days(equity("2024-01-02", "2024-03-01")) == 1
    assert native_spacing_days(crypto("2024-01-01", "2024-03-01")) == 1
    assert native_spacing_days(wednesdays("2024-01-01", "2024-06-30")) == 7
    assert native_spacing_days(crypto("2024-01-01", "2024-01-01")) == 1


def test_sample_drops_nans_and_handles_empty():
    s = crypto("2024-01-01", "2024-02-29")
    s.iloc[-5:] = np.nan  # trailing NaNs do not count as reaching the month end
    assert sample(s, "monthly").index[-1] == pd.Timestamp("2024-01-31")
    assert sample(pd.Series([], index=pd.DatetimeIndex([]), dtype=float), "monthly").empty


def test_sample_rejects_unknown_frequency():
    with pytest.raises(ValueError, match=r"freq must be one of \('monthly', 'weekly'\), got 'daily'"):
        sample(crypto("2024-01-01", "2024-02-29"), "daily")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- returns


def test_log_returns_with_missing_period_are_nan():
    idx = pd.bdate_range("2024-01-02", "2024-05-31")
    s = ramp(idx[(idx.month != 3)])  # no March data at all
    m = sample(s, "monthly")
    assert math.isnan(m.loc["2024-03-31"])
    r = log_returns(m)
    assert list(r.index) == list(pd.to_datetime(["2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"]))
    assert math.isnan(r.loc["2024-03-31"]) and math.isnan(r.loc["2024-04-30"])  # no two-month return
    assert r.loc["2024-02-29"] == pytest.approx(np.log(m.loc["2024-02-29"] / m.loc["2024-01-31"]), abs=1e-15)


def test_sample_frame_outer_joins():
    f = sample_frame({"RUT": equity("2024-01-02", "2024-06-28"), "BTC": crypto("2024-03-01", "2024-06-28")}, "monthly")
    assert list(f.columns) == ["RUT", "BTC"]
    assert f.index[0] == pd.Timestamp("2024-01-31") and f["BTC"].isna().sum() == 2


def make_bundle(sample_start=dt.date(2024, 2, 1)):
    close = {"RUT": equity("2023-11-01", "2024-06-28"), "BTC": crypto("2023-11-01", "2024-06-28"),
             "WALCL": wednesdays("2023-11-01", "2024-06-28")}
    close["RUT"] = close["RUT"] * 0 + np.exp(np.linspace(0, 1, len(close["RUT"])))
    b = bundle_from_frames(close, {"RUT": "small_caps", "BTC": "crypto", "WALCL": "liquidity_assets"},
                           volume={"BTC": close["BTC"] * 10})
    return dataclasses.replace(b, sample_start=sample_start)


def test_bundle_returns_drop_rows_before_sample_start():
    b = make_bundle()
    r = b.returns(("RUT", "BTC"), "monthly")
    assert r.index[0] == pd.Timestamp("2024-03-31")  # first return uses the Feb level, the first one kept
    assert r.index[-1] == pd.Timestamp("2024-06-30")
    assert not r.isna().any().any()
    lv = b.levels(["RUT", "BTC"], "monthly")
    assert lv.index[0] == pd.Timestamp("2024-02-29")
    np.testing.assert_allclose(r.to_numpy(), np.diff(np.log(lv.to_numpy()), axis=0), rtol=0, atol=1e-14)
    np.testing.assert_allclose(b.levels(["RUT"], "monthly", log=True).to_numpy(), np.log(lv[["RUT"]].to_numpy()))


def test_bundle_returns_skip_periods_where_one_series_is_missing():
    b = make_bundle(sample_start=dt.date(2023, 11, 1))
    btc = b.close["BTC"]
    close = dict(b.close, BTC=btc[(btc.index.month != 4)])
    b = dataclasses.replace(b, close=close)
    r = b.returns(("RUT", "BTC"), "monthly")
    assert pd.Timestamp("2024-04-30") not in r.index and pd.Timestamp("2024-05-31") not in r.index
    assert pd.Timestamp("2024-03-31") in r.index and pd.Timestamp("2024-06-30") in r.index


def test_bundle_weekly_returns():
    r = make_bundle().returns(("RUT", "WALCL"), "weekly")
    assert (r.index.day_of_week == 4).all()
    assert r.index[0] > pd.Timestamp("2024-02-01")


def test_bundle_require_names_missing_keys():
    b = make_bundle()
    assert b.has("RUT", "BTC") and not b.has("RUT", "ETH")
    with pytest.raises(MissingSeriesError, match=r"^missing series ETH: ETH: not configured$") as info:
        b.returns(("RUT", "ETH"), "monthly")
    assert info.value.keys == ("ETH",)
    assert b.key_for_role("crypto") == "BTC" and b.key_for_role("macro") is None


# --------------------------------------------------------------------------- --as-of truncation


def test_truncated_bundle_has_nothing_after_as_of():
    b = make_bundle()
    stale = {"HYOAS": crypto("2023-11-01", "2024-04-30")}
    b = dataclasses.replace(b, stale=stale)
    as_of = dt.date(2024, 4, 10)
    t = b.truncated(as_of)
    assert t.as_of == as_of
    for group in (t.close, t.volume, t.stale):
        for key, s in group.items():
            assert s.index.max() <= pd.Timestamp(as_of), key
    assert t.close["BTC"].index[-1] == pd.Timestamp(as_of)
    assert t.returns(("RUT", "BTC"), "monthly").index[-1] == pd.Timestamp("2024-03-31")
    assert t.roles == b.roles and t.sample_start == b.sample_start
    # the original is untouched
    assert b.close["BTC"].index[-1] == pd.Timestamp("2024-06-28")


def test_truncated_bundle_is_read_only():
    t = make_bundle().truncated(dt.date(2024, 4, 10))
    with pytest.raises(TypeError):
        t.close["X"] = pd.Series(dtype=float)  # type: ignore[index]


def test_truncated_before_a_series_starts_marks_it_unavailable():
    from reportgen.data.bundle import SeriesRecord

    b = make_bundle()
    late = crypto("2024-05-01", "2024-06-28")
    rec = SeriesRecord(key="ETH", symbol="ETH-USD", source="csv", role="crypto", first=dt.date(2024, 5, 1),
                       last=dt.date(2024, 6, 28), rows=len(late), sha256="", fetched_at="", origin="")
    b = dataclasses.replace(b, close=dict(b.close, ETH=late), records=(rec,), roles=dict(b.roles, ETH="crypto"))
    t = b.truncated(dt.date(2024, 4, 10))
    assert not t.has("ETH")
    assert "ETH" in t.unavailable
    assert all(r.last <= t.as_of for r in t.records)


# --------------------------------------------------------------------------- derived


def test_net_liquidity_ffills_rrp_and_scales_billions():
    wed = pd.to_datetime(["2024-01-03", "2024-01-10", "2024-01-17"])
    walcl = pd.Series([8000.0, 8010.0, 8020.0], index=wed)
    tga = pd.Series([700.0, 710.0, 720.0], index=wed)
    rrp = pd.Series([0.5, 0.4], index=pd.to_datetime(["2024-01-09", "2024-01-16"]))
    out = net_liquidity(walcl, tga, rrp)
    assert out.name == "NETLIQ"
    assert out.tolist() == [8000.0 - 700.0 - 0.0, 8010.0 - 710.0 - 500.0, 8020.0 - 720.0 - 400.0]
def test_sample_uses_no_deprecated_pandas_api():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        sample(equity("2024-04-01", "2024-06-28"), "monthly")

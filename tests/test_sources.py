"""Live-source adapters without the network: yfinance frames, FRED CSV, retries with backoff."""

from __future__ import annotations

import datetime as dt
import re
import socket
import urllib.error

import numpy as np
import pandas as pd
import pytest

from reportgen.config import SeriesConfig
from reportgen.data.sources import (
    FRED_CSV_URL,
    classify_yfinance_error,
    FetchedFrame,
    fetch_fred,
    fetch_yfinance,
    normalise_yfinance_frame,
    parse_fred_csv,
    with_retries,
)
from reportgen.data.validate import validate_frame
from reportgen.errors import SourceError

NOW = dt.datetime(2024, 7, 3, 15, 30, tzinfo=dt.timezone.utc)  # UTC date 2024-07-03
RUT = SeriesConfig(key="RUT", symbol="^RUT", source="yfinance", role="small_caps")
HYOAS = SeriesConfig(key="HYOAS", symbol="BAMLH0A0HYM2", source="fred", role="credit_spread")
PRICES = ("Open", "High", "Low", "Close", "Volume")



def test_network_is_blocked():
    with pytest.raises(RuntimeError, match="network access"):
        socket.socket().connect(("127.0.0.1", 9))


def ohlcv(index: pd.DatetimeIndex) -> np.ndarray:
    close = 2000.0 + np.arange(len(index))
    return np.column_stack([close - 1, close + 5, close - 5, close, 1e6 + np.arange(len(index))])


def flat(tz: str | None = "America/New_York", days=("2024-06-27", "2024-06-28", "2024-07-01")) -> pd.DataFrame:
    idx = pd.DatetimeIndex(pd.to_datetime(list(days)), name="Date")
    if tz:
        idx = idx.tz_localize(tz)
    return pd.DataFrame(ohlcv(idx), index=idx, columns=list(PRICES))


def price_ticker(symbols=("^RUT",), days=("2024-06-27", "2024-06-28", "2024-07-01")) -> pd.DataFrame:
    """What ``yf.download`` returns in 1.x by default: columns (Price, Ticker)."""
    idx = pd.DatetimeIndex(pd.to_datetime(list(days)), name="Date")
    frames = {}
    for k, sym in enumerate(symbols):
        data = ohlcv(idx) + 1000 * k
        for j, p in enumerate(PRICES):
            frames[(p, sym)] = data[:, j]
    out = pd.DataFrame(frames, index=idx)
    out.columns = pd.MultiIndex.from_tuples(out.columns, names=["Price", "Ticker"])
    return out


def normalise(raw, symbol, now):
    """The normalised frame only (the tests of null-close counts look at the FetchedFrame)."""
    return normalise_yfinance_frame(raw, symbol, now).frame


EXPECTED = pd.DataFrame(
    {
        "date": ["2024-06-27", "2024-06-28", "2024-07-01"],
        "close": [2000.0, 2001.0, 2002.0],
        "volume": [1e6, 1e6 + 1, 1e6 + 2],
    }
)


# --------------------------------------------------------------------------- normalise_yfinance_frame


def test_flat_columns_tz_aware_index():
    out = normalise(flat(), "^RUT", NOW)
    pd.testing.assert_frame_equal(out, EXPECTED, check_dtype=False)


def test_tz_aware_utc_crypto_index_keeps_the_utc_date():
    out = normalise(flat(tz="UTC", days=("2024-06-29", "2024-06-30")), "BTC-USD", NOW)
    assert out["date"].tolist() == ["2024-06-29", "2024-06-30"]


def test_price_ticker_multiindex():
    out = normalise(price_ticker(), "^RUT", NOW)
    pd.testing.assert_frame_equal(out, EXPECTED, check_dtype=False)


def test_ticker_price_multiindex():
    raw = price_ticker().swaplevel(0, 1, axis=1)
    raw.columns.names = ["Ticker", "Price"]
    out = normalise(raw, "^RUT", NOW)
    pd.testing.assert_frame_equal(out, EXPECTED, check_dtype=False)


def test_multiindex_with_several_tickers_picks_the_symbol():
    out = normalise(price_ticker(symbols=("^GSPC", "^RUT")), "^RUT", NOW)
    assert out["close"].tolist() == [3000.0, 3001.0, 3002.0]


def test_multiindex_single_other_ticker_is_taken():
    out = normalise(price_ticker(symbols=("RUT",)), "^RUT", NOW)
    assert out["close"].tolist() == [2000.0, 2001.0, 2002.0]


def test_multiindex_without_the_symbol():
    with pytest.raises(SourceError, match=r"yfinance frame has tickers \['\^GSPC', 'IWM'\], not \^RUT"):
        normalise(price_ticker(symbols=("^GSPC", "IWM")), "^RUT", NOW)


def test_multiindex_without_close_level():
    raw = price_ticker().rename(columns={"Close": "Last"}, level=0)
    with pytest.raises(SourceError, match=r"yfinance frame for \^RUT has unexpected columns"):
        normalise(raw, "^RUT", NOW)


def test_flat_without_close():
    with pytest.raises(SourceError, match=r"yfinance frame for \^RUT has no Close column; columns: \['Open'"):
        normalise(flat().drop(columns="Close"), "^RUT", NOW)


def test_without_volume():
    out = normalise(flat().drop(columns="Volume"), "^RUT", NOW)
    assert list(out.columns) == ["date", "close"]


@pytest.mark.parametrize("raw", [pd.DataFrame(), None, flat().iloc[:0]], ids=["empty", "none", "no-rows"])
def test_empty_answer(raw):
    with pytest.raises(SourceError, match=r"^yfinance returned no rows for \^RUT \(no data for the symbol\)$") as info:
        normalise(raw, "^RUT", NOW)
    assert info.value.exit_code == 4 and "--offline" in info.value.hint


def test_row_dated_today_is_dropped():
    out = normalise(flat(days=("2024-07-01", "2024-07-02", "2024-07-03")), "^RUT", NOW)
    assert out["date"].tolist() == ["2024-07-01", "2024-07-02"]


def test_only_todays_row():
    with pytest.raises(SourceError, match=r"yfinance returned only incomplete or empty rows for \^RUT"):
        normalise(flat(days=("2024-07-03",)), "^RUT", NOW)


def test_nan_close_rows_are_dropped():
    raw = flat()
    raw.iloc[1, raw.columns.get_loc("Close")] = np.nan
    out = normalise(raw, "^RUT", NOW)
    assert out["date"].tolist() == ["2024-06-27", "2024-07-01"]
    assert out.index.tolist() == [0, 1]


def test_normalised_frame_passes_validation():
    out = normalise(price_ticker(), "^RUT", NOW)
    clean = validate_frame(out, "RUT", "price", 0.5)
    assert clean.values.iloc[-1] == 2002.0 and clean.volume is not None


# --------------------------------------------------------------------------- fetch_yfinance


def test_fetch_yfinance_passes_explicit_options():
    calls = []

    def history(symbol, **kwargs):
        calls.append((symbol, kwargs))
        return flat()

    got = fetch_yfinance(RUT, dt.date(1987, 1, 1), NOW, history=history)
    assert isinstance(got, FetchedFrame) and got.origin == "yfinance:^RUT"
    assert got.frame["close"].tolist() == [2000.0, 2001.0, 2002.0]
    symbol, kwargs = calls[0]
    assert symbol == "^RUT"
    assert kwargs == {"start": "1987-01-01", "interval": "1d", "auto_adjust": True, "actions": False, "timeout": 20}


def test_fetch_yfinance_raises_yfinance_exceptions_inside_the_call():
    """yfinance's own switch is off during the call (exceptions raised) and restored after."""
    import yfinance as yf

    seen = []

    def history(symbol, **kwargs):
        seen.append(yf.config.debug.hide_exceptions)
        return flat()

    before = yf.config.debug.hide_exceptions
    fetch_yfinance(RUT, dt.date(1987, 1, 1), NOW, history=history)
    assert seen == [False]
    assert yf.config.debug.hide_exceptions == before


def test_fetch_yfinance_error_names_symbol():
    def history(symbol, **kwargs):
        raise ConnectionError("connection reset by peer")

    with pytest.raises(SourceError, match=r"^yfinance \^RUT: network error: ConnectionError: connection reset by peer$") as info:
        fetch_yfinance(RUT, dt.date(1987, 1, 1), NOW, history=history)
    assert info.value.transient and not info.value.series_only


def test_fetch_yfinance_empty_answer_is_permanent_for_the_symbol():
    with pytest.raises(SourceError, match=r"^yfinance returned no rows for \^RUT \(no data for the symbol\)$") as info:
        fetch_yfinance(RUT, dt.date(1987, 1, 1), NOW, history=lambda *a, **k: pd.DataFrame())
    assert not info.value.transient and info.value.series_only


def _yf_errors():
    from curl_cffi.requests.exceptions import ConnectionError as CurlConnectionError
    from yfinance import exceptions as yfe

    return [
        (yfe.YFRateLimitError(), r"^yfinance \^RUT: rate limited by Yahoo \(Too Many Requests\)$", True, False),
        (yfe.YFPricesMissingError("^RUT", " (1d 1987-01-01 -> 2024-07-03)"),
         r"^yfinance \^RUT: no data \(possibly delisted; no price data found  \(1d 1987-01-01 -> 2024-07-03\)\)$", False, True),
        (yfe.YFTzMissingError("^RUT"), r"^yfinance \^RUT: no data \(possibly delisted; no timezone found\)$", False, True),
        (CurlConnectionError("Failed to connect to query2.finance.yahoo.com port 443: Connection refused"),
         r"^yfinance \^RUT: network error: ConnectionError: Failed to connect .* Connection refused$", True, False),
        (TimeoutError("timed out"), r"^yfinance \^RUT: network error: TimeoutError: timed out$", True, False),
        (yfe.YFDataException("*** YAHOO! FINANCE IS CURRENTLY DOWN! ***"),
         r"^yfinance \^RUT: network error: YFDataException: \*\*\* YAHOO! FINANCE IS CURRENTLY DOWN! \*\*\*$", True, False),
        (KeyError("chart"), r"^yfinance \^RUT: KeyError: 'chart'$", False, True),
    ]


@pytest.mark.parametrize("case", range(7))
def test_yfinance_errors_are_classified(case):
    exc, message, transient, series_only = _yf_errors()[case]
    err = classify_yfinance_error(exc, "^RUT")
    assert err.transient is transient and err.series_only is series_only
    assert re.match(message, str(err)), str(err)

    def history(symbol, **kwargs):
        raise exc

    with pytest.raises(SourceError, match=message):
        fetch_yfinance(RUT, dt.date(1987, 1, 1), NOW, history=history)


def test_rate_limit_is_retried_and_delisted_is_not():
    from yfinance import exceptions as yfe

    sleeps: list[float] = []
    answers = iter([yfe.YFRateLimitError(), flat()])

    def history(symbol, **kwargs):
        a = next(answers)
        if isinstance(a, Exception):
            raise a
        return a

    got = with_retries(lambda: fetch_yfinance(RUT, dt.date(1987, 1, 1), NOW, history=history), "x", 3, 2.0, sleeps.append)
    assert len(got.frame) == 3 and sleeps == [2.0]
    calls = []

    def delisted(symbol, **kwargs):
        calls.append(symbol)
        raise yfe.YFTzMissingError(symbol)

    with pytest.raises(SourceError, match="no timezone found"):
        with_retries(lambda: fetch_yfinance(RUT, dt.date(1987, 1, 1), NOW, history=delisted), "x", 3, 2.0, sleeps.append)
    assert calls == ["^RUT"] and sleeps == [2.0]


def test_yfinance_noise_goes_to_the_log_not_the_terminal(capfd, caplog):
    """yfinance's logger and the warnings raised during the call end up in the
    ``reportgen.yfinance`` log records; nothing is printed to stdout or stderr."""
    import logging
    import warnings

    def history(symbol, **kwargs):
        logging.getLogger("yfinance").error("1 Failed download: ['^RUT']: possibly delisted")
        warnings.warn("'H' is deprecated", FutureWarning, stacklevel=1)
        return flat()

    with caplog.at_level(logging.DEBUG, logger="reportgen"):
        fetch_yfinance(RUT, dt.date(1987, 1, 1), NOW, history=history)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    messages = [r.getMessage() for r in caplog.records if r.name == "reportgen.yfinance"]
    assert "yfinance: 1 Failed download: ['^RUT']: possibly delisted" in messages
    assert "yfinance warning: FutureWarning: 'H' is deprecated" in messages
    assert logging.getLogger("yfinance").propagate is True  # restored


# --------------------------------------------------------------------------- UTC "today", naive datetimes


def test_naive_now_is_rejected():
    with pytest.raises(ValueError, match=r"now must be a timezone-aware datetime \(UTC\)"):
        normalise_yfinance_frame(flat(), "^RUT", dt.datetime(2024, 7, 3, 12))
    with pytest.raises(ValueError, match=r"now must be a timezone-aware datetime \(UTC\)"):
        fetch_yfinance(RUT, dt.date(1987, 1, 1), dt.datetime(2024, 7, 3, 12), history=lambda *a, **k: flat())


@pytest.fixture
def tokyo(monkeypatch):
    """The machine's local time zone is UTC+9 (east of UTC)."""
    import time

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_still_moving_bar_is_dropped_by_the_utc_date_east_of_utc(tokyo):
    """At 2024-07-03 01:30 in Tokyo it is still 2024-07-02 in UTC: the crypto bar of
    2024-07-02 (a UTC day) is unfinished and dropped; 2024-07-03 does not exist yet."""
    now = dt.datetime(2024, 7, 3, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    raw = flat(tz="UTC", days=("2024-06-30", "2024-07-01", "2024-07-02"))
    out = normalise(raw, "BTC-USD", now)
    assert out["date"].tolist() == ["2024-06-30", "2024-07-01"]
    import time

    assert time.localtime().tm_gmtoff == 9 * 3600


def test_fetched_at_is_an_aware_utc_timestamp_under_another_tz(tokyo, tmp_path):
    from reportgen.data.cache import make_write

    clean = validate_frame(normalise(flat(), "^RUT", NOW), "RUT", "price", 0.5, now=NOW)
    local = NOW.astimezone(dt.timezone(dt.timedelta(hours=9)))
    entry = make_write("RUT", "^RUT", "yfinance", "x", clean, "price", local).entry
    assert entry.fetched_at == "2024-07-03T15:30:00+00:00"
    with pytest.raises(ValueError, match="timezone-aware"):
        make_write("RUT", "^RUT", "yfinance", "x", clean, "price", dt.datetime(2024, 7, 3))


# --------------------------------------------------------------------------- null closes


def test_null_closes_are_counted_and_month_ends_named():
    raw = flat(days=("2020-03-27", "2020-03-30", "2020-03-31", "2020-04-01", "2020-04-02"))
    close = raw.columns.get_loc("Close")
    raw.iloc[2, close] = np.nan  # 2020-03-31: the last trading day of March
    raw.iloc[3, close] = np.nan  # 2020-04-01: a mid-month day
    got = normalise_yfinance_frame(raw, "^GSPC", NOW)
    assert got.frame["date"].tolist() == ["2020-03-27", "2020-03-30", "2020-04-02"]
    assert got.null_closes == ("2020-03-31", "2020-04-01")
    assert got.null_month_ends == ("2020-03-31",)


def test_null_close_in_the_last_month_is_not_a_month_end():
    raw = flat(days=("2024-06-27", "2024-06-28", "2024-07-01"))
    raw.iloc[2, raw.columns.get_loc("Close")] = np.nan
    got = normalise_yfinance_frame(raw, "^RUT", NOW)
    assert got.null_closes == ("2024-07-01",) and got.null_month_ends == ()


# --------------------------------------------------------------------------- with_retries


def test_with_retries_backoff_then_error():
    sleeps: list[float] = []
    calls = []

    def call():
        calls.append(1)
        raise SourceError(f"attempt {len(calls)} failed")

    with pytest.raises(SourceError, match=r"^yfinance \^RUT: failed after 4 attempts: attempt 4 failed$"):
        with_retries(call, "yfinance ^RUT", retries=3, backoff=2.0, sleep=sleeps.append)
    assert len(calls) == 4
    assert sleeps == [2.0, 4.0, 8.0]


def test_with_retries_success_after_failures():
    sleeps: list[float] = []
    answers = iter([SourceError("rate limited"), SourceError("rate limited"), FetchedFrame(pd.DataFrame(), "ok")])

    def call():
        a = next(answers)
        if isinstance(a, Exception):
            raise a
        return a

    assert with_retries(call, "x", retries=3, backoff=2.0, sleep=sleeps.append).origin == "ok"
    assert sleeps == [2.0, 4.0]


def test_with_retries_zero_retries():
    sleeps: list[float] = []
    with pytest.raises(SourceError, match="failed after 1 attempts"):
        with_retries(lambda: (_ for _ in ()).throw(SourceError("no")), "x", retries=0, backoff=2.0, sleep=sleeps.append)
    assert sleeps == []


def test_with_retries_does_not_retry_programming_errors():
    sleeps: list[float] = []
    calls = []

    def call():
        calls.append(1)
        raise KeyError("bug")

    with pytest.raises(KeyError):
        with_retries(call, "x", retries=3, backoff=2.0, sleep=sleeps.append)
    assert calls == [1] and sleeps == []


# --------------------------------------------------------------------------- FRED

FRED_TEXT = """observation_date,BAMLH0A0HYM2
2024-01-01,.
2024-01-02,3.39
2024-01-03,3.45
2024-01-04,
2024-01-05,3.41
"""


def test_parse_fred_csv():
    out = parse_fred_csv(FRED_TEXT, "BAMLH0A0HYM2")
    assert list(out.columns) == ["date", "value"]
    assert out["date"].tolist() == ["2024-01-02", "2024-01-03", "2024-01-05"]
    assert out["value"].tolist() == ["3.39", "3.45", "3.41"]
    clean = validate_frame(out, "HYOAS", "fred", 0.5)
    assert clean.values.tolist() == [3.39, 3.45, 3.41]


def test_parse_fred_csv_old_header_and_negative_values():
    out = parse_fred_csv("DATE,NFCI\n2024-01-05,-0.52\n2024-01-12,-0.5\n", "NFCI")
    assert validate_frame(out, "NFCI", "fred", 0.5).values.tolist() == [-0.52, -0.5]


def test_parse_fred_csv_unexpected_columns():
    with pytest.raises(SourceError, match=r"FRED X: unexpected CSV with columns \['observation_date', 'A', 'B'\]"):
        parse_fred_csv("observation_date,A,B\n2024-01-01,1,2\n", "X")


def test_parse_fred_csv_only_missing_values():
    with pytest.raises(SourceError, match=r"^FRED X: no observations in the answer$"):
        parse_fred_csv("observation_date,X\n2024-01-01,.\n2024-01-02,.\n", "X")
def test_parse_fred_csv_empty_answer():
    with pytest.raises(SourceError, match="FRED X"):
        parse_fred_csv("", "X")


def test_fetch_fred_with_opener():
    urls = []

    def opener(url):
        urls.append(url)
        return FRED_TEXT.encode()

    got = fetch_fred(HYOAS, opener=opener)
    assert urls == [FRED_CSV_URL.format(id="BAMLH0A0HYM2")]
    assert got.origin == "https://fred.stlouisfed.org/graph/fredgraph.csv?id=BAMLH0A0HYM2"
    assert len(got.frame) == 3


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        (urllib.error.URLError("[Errno -3] Temporary failure in name resolution"), "Temporary failure in name resolution"),
        (urllib.error.HTTPError("u", 429, "Too Many Requests", {}, None), "Too Many Requests"),
        (TimeoutError("timed out"), "timed out"),
        (ConnectionResetError("reset"), "reset"),
    ],
)
def test_fetch_fred_network_errors(exc, message):
    def opener(url):
        raise exc

    with pytest.raises(SourceError, match=rf"^FRED BAMLH0A0HYM2: .*{message}"):
        fetch_fred(HYOAS, opener=opener)


def test_fetch_fred_retried_through_with_retries():
    sleeps: list[float] = []

    def opener(url):
        raise urllib.error.URLError("down")

    with pytest.raises(SourceError, match=r"fred BAMLH0A0HYM2: failed after 3 attempts: FRED BAMLH0A0HYM2: down"):
        with_retries(lambda: fetch_fred(HYOAS, opener=opener), "fred BAMLH0A0HYM2", 2, 2.0, sleep=sleeps.append)
    assert sleeps == [2.0, 4.0]


def test_fred_unknown_id_fails_only_that_series():
    def opener(url):
        raise urllib.error.HTTPError(url, 404, "Not Found", {}, None)

    with pytest.raises(SourceError, match=r"^FRED BAMLH0A0HYM2: HTTP 404 Not Found \(unknown series id\?\)$") as info:
        fetch_fred(HYOAS, opener=opener)
    assert not info.value.transient and info.value.series_only


def test_fred_answer_not_utf8():
    with pytest.raises(SourceError, match=r"^FRED BAMLH0A0HYM2: the answer is not UTF-8 text \(byte 16\)$") as info:
        fetch_fred(HYOAS, opener=lambda url: b"observation_date\xff,X\n")
    assert info.value.series_only

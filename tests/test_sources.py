"""Live-source adapters without the network: yfinance frames, FRED CSV, retries with backoff."""

from __future__ import annotations

import datetime as dt
import socket
import urllib.error

import numpy as np
import pandas as pd
import pytest

from reportgen.config import SeriesConfig
from reportgen.data.sources import (
    FRED_CSV_URL,
    FetchedFrame,
    fetch_fred,
    fetch_yfinance,
    normalise_yfinance_frame,
    parse_fred_csv,
    with_retries,
)
from reportgen.data.validate import validate_frame
from reportgen.errors import SourceError

TODAY = dt.date(2024, 7, 3)
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


EXPECTED = pd.DataFrame(
    {
        "date": ["2024-06-27", "2024-06-28", "2024-07-01"],
        "close": [2000.0, 2001.0, 2002.0],
        "volume": [1e6, 1e6 + 1, 1e6 + 2],
    }
)


# --------------------------------------------------------------------------- normalise_yfinance_frame


def test_flat_columns_tz_aware_index():
    out = normalise_yfinance_frame(flat(), "^RUT", TODAY)
    pd.testing.assert_frame_equal(out, EXPECTED, check_dtype=False)


def test_tz_aware_utc_crypto_index_keeps_the_utc_date():
    out = normalise_yfinance_frame(flat(tz="UTC", days=("2024-06-29", "2024-06-30")), "BTC-USD", TODAY)
    assert out["date"].tolist() == ["2024-06-29", "2024-06-30"]


def test_price_ticker_multiindex():
    out = normalise_yfinance_frame(price_ticker(), "^RUT", TODAY)
    pd.testing.assert_frame_equal(out, EXPECTED, check_dtype=False)


def test_ticker_price_multiindex():
    raw = price_ticker().swaplevel(0, 1, axis=1)
    raw.columns.names = ["Ticker", "Price"]
    out = normalise_yfinance_frame(raw, "^RUT", TODAY)
    pd.testing.assert_frame_equal(out, EXPECTED, check_dtype=False)


def test_multiindex_with_several_tickers_picks_the_symbol():
    out = normalise_yfinance_frame(price_ticker(symbols=("^GSPC", "^RUT")), "^RUT", TODAY)
    assert out["close"].tolist() == [3000.0, 3001.0, 3002.0]


def test_multiindex_single_other_ticker_is_taken():
    out = normalise_yfinance_frame(price_ticker(symbols=("RUT",)), "^RUT", TODAY)
    assert out["close"].tolist() == [2000.0, 2001.0, 2002.0]


def test_multiindex_without_the_symbol():
    with pytest.raises(SourceError, match=r"yfinance frame has tickers \['\^GSPC', 'IWM'\], not \^RUT"):
        normalise_yfinance_frame(price_ticker(symbols=("^GSPC", "IWM")), "^RUT", TODAY)


def test_multiindex_without_close_level():
    raw = price_ticker().rename(columns={"Close": "Last"}, level=0)
    with pytest.raises(SourceError, match=r"yfinance frame for \^RUT has unexpected columns"):
        normalise_yfinance_frame(raw, "^RUT", TODAY)


def test_flat_without_close():
    with pytest.raises(SourceError, match=r"yfinance frame for \^RUT has no Close column; columns: \['Open'"):
        normalise_yfinance_frame(flat().drop(columns="Close"), "^RUT", TODAY)


def test_without_volume():
    out = normalise_yfinance_frame(flat().drop(columns="Volume"), "^RUT", TODAY)
    assert list(out.columns) == ["date", "close"]


@pytest.mark.parametrize("raw", [pd.DataFrame(), None, flat().iloc[:0]], ids=["empty", "none", "no-rows"])
def test_empty_answer(raw):
    with pytest.raises(SourceError, match=r"^yfinance returned no rows for \^RUT \(delisted, wrong symbol, or blocked\)$") as info:
        normalise_yfinance_frame(raw, "^RUT", TODAY)
    assert info.value.exit_code == 4 and "--offline" in info.value.hint


def test_row_dated_today_is_dropped():
    out = normalise_yfinance_frame(flat(days=("2024-07-01", "2024-07-02", "2024-07-03")), "^RUT", TODAY)
    assert out["date"].tolist() == ["2024-07-01", "2024-07-02"]


def test_only_todays_row():
    with pytest.raises(SourceError, match=r"yfinance returned only incomplete or empty rows for \^RUT"):
        normalise_yfinance_frame(flat(days=("2024-07-03",)), "^RUT", TODAY)


def test_nan_close_rows_are_dropped():
    raw = flat()
    raw.iloc[1, raw.columns.get_loc("Close")] = np.nan
    out = normalise_yfinance_frame(raw, "^RUT", TODAY)
    assert out["date"].tolist() == ["2024-06-27", "2024-07-01"]
    assert out.index.tolist() == [0, 1]


def test_normalised_frame_passes_validation():
    out = normalise_yfinance_frame(price_ticker(), "^RUT", TODAY)
    clean = validate_frame(out, "RUT", "price", 0.5)
    assert clean.values.iloc[-1] == 2002.0 and clean.volume is not None


# --------------------------------------------------------------------------- fetch_yfinance


def test_fetch_yfinance_passes_explicit_options():
    calls = []

    def download(symbol, **kwargs):
        calls.append((symbol, kwargs))
        return price_ticker()

    got = fetch_yfinance(RUT, dt.date(1987, 1, 1), TODAY, download=download)
    assert isinstance(got, FetchedFrame) and got.origin == "yfinance:^RUT"
    assert got.frame["close"].tolist() == [2000.0, 2001.0, 2002.0]
    symbol, kwargs = calls[0]
    assert symbol == "^RUT"
    assert kwargs["start"] == "1987-01-01"
    assert kwargs["auto_adjust"] is True
    assert kwargs["multi_level_index"] is False
    assert kwargs["progress"] is False


def test_fetch_yfinance_error_names_symbol():
    def download(symbol, **kwargs):
        raise ConnectionError("connection reset by peer")

    with pytest.raises(SourceError, match=r"^yfinance \^RUT: ConnectionError: connection reset by peer$"):
        fetch_yfinance(RUT, dt.date(1987, 1, 1), TODAY, download=download)


def test_fetch_yfinance_empty_answer():
    with pytest.raises(SourceError, match=r"yfinance returned no rows for \^RUT"):
        fetch_yfinance(RUT, dt.date(1987, 1, 1), TODAY, download=lambda *a, **k: pd.DataFrame())


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

"""Live sources behind one small interface: ``fetch(series) -> FetchedFrame``.

Both adapters return a frame in the snapshot schema (``date,close[,volume]`` or
``date,value``) for :func:`reportgen.data.validate.validate_frame`, and raise
:class:`~reportgen.errors.SourceError` with a readable reason on any failure.

yfinance traps handled explicitly:

* ``auto_adjust`` is passed explicitly (True: split/dividend-adjusted closes, as in the
  snapshot's IWM; indices and crypto are unaffected).
* ``multi_level_index=False`` is requested, and a (Price, Ticker) MultiIndex is still
  flattened if an older/newer release returns one.
* Rate limits (``YFRateLimitError``) and transient errors are retried with exponential
  backoff; an empty frame (yfinance's way of reporting most failures) is an error.
* Index timezones are dropped; the last row of a crypto pull can be an incomplete UTC day
  and is removed when it is dated today.
"""

from __future__ import annotations

import datetime as dt
import io
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from reportgen.config import SeriesConfig
from reportgen.errors import SourceError

FRED_CSV_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id={id}"
FRED_HOST = "fred.stlouisfed.org"
YAHOO_HOST = "query2.finance.yahoo.com"
YAHOO_ORIGIN = "yfinance:{symbol}"


def check_resolves(host: str, what: str, resolve: Callable = socket.getaddrinfo) -> None:
    """Fail fast (not retried) when ``host`` does not resolve: the machine is offline."""
    try:
        resolve(host, 443)
    except OSError as exc:
        raise SourceError(f"{what}: no network ({host} does not resolve: {exc})", transient=False) from None


@dataclass(frozen=True, slots=True)
class FetchedFrame:
    """Raw frame in snapshot schema plus where it came from."""

    frame: pd.DataFrame
    origin: str


def with_retries(call: Callable[[], FetchedFrame], what: str, retries: int, backoff: float,
                 sleep: Callable[[float], None] = time.sleep) -> FetchedFrame:
    """Run ``call``; on failure retry ``retries`` times with backoff ``backoff * 2**k`` seconds."""
    last: Exception | None = None
    for attempt in range(retries + 1):
        try:
            return call()
        except SourceError as exc:
            if not exc.transient:
                raise
            last = exc
        if attempt < retries:
            sleep(backoff * 2**attempt)
    raise SourceError(f"{what}: failed after {retries + 1} attempts: {last}")


def normalise_yfinance_frame(raw: pd.DataFrame | None, symbol: str, today: dt.date) -> pd.DataFrame:
    """yfinance 1.x output -> ``date,close,volume`` frame (strings/floats), or SourceError."""
    if raw is None or len(raw) == 0:
        raise SourceError(f"yfinance returned no rows for {symbol} (delisted, wrong symbol, or blocked)")
    frame = raw.copy()
    if isinstance(frame.columns, pd.MultiIndex):  # (Price, Ticker) or (Ticker, Price)
        levels = [frame.columns.get_level_values(i) for i in range(frame.columns.nlevels)]
        price = next((i for i, lv in enumerate(levels) if "Close" in lv), None)
        if price is None or frame.columns.nlevels != 2:
            raise SourceError(f"yfinance frame for {symbol} has unexpected columns {list(frame.columns)}")
        other = 1 - price
        tickers = levels[other].unique()
        if symbol in tickers:
            frame = frame.xs(symbol, axis=1, level=other)
        elif len(tickers) == 1:
            frame = frame.droplevel(other, axis=1)
        else:
            raise SourceError(f"yfinance frame has tickers {list(tickers)}, not {symbol}")
    if "Close" not in frame.columns:
        raise SourceError(f"yfinance frame for {symbol} has no Close column; columns: {list(frame.columns)}")
    idx = pd.DatetimeIndex(frame.index)
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    out = pd.DataFrame({"date": idx.strftime("%Y-%m-%d"), "close": frame["Close"].to_numpy(dtype=float)})
    if "Volume" in frame.columns:
        out["volume"] = frame["Volume"].to_numpy(dtype=float)
    out = out.dropna(subset=["close"])
    out = out[out["date"] < today.isoformat()]  # today's bar is still moving
    if out.empty:
        raise SourceError(f"yfinance returned only incomplete or empty rows for {symbol}")
    return out.reset_index(drop=True)


def fetch_yfinance(series: SeriesConfig, start: dt.date, today: dt.date, download=None) -> FetchedFrame:
    """Daily bars for ``series.symbol`` from ``start`` (auto-adjusted closes)."""
    import yfinance as yf

    download = download or yf.download
    try:
        raw = download(
            series.symbol, start=start.isoformat(), auto_adjust=True, progress=False,
            multi_level_index=False, threads=False, timeout=20,
        )
    except Exception as exc:  # yfinance raises many types; keep the reason, drop the traceback
        raise SourceError(f"yfinance {series.symbol}: {type(exc).__name__}: {exc}") from None
    return FetchedFrame(normalise_yfinance_frame(raw, series.symbol, today), YAHOO_ORIGIN.format(symbol=series.symbol))


def parse_fred_csv(text: str, series_id: str) -> pd.DataFrame:
    """FRED's graph CSV (``observation_date,<ID>``; '.' or empty for missing) -> ``date,value``."""
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
        raise SourceError(f"FRED {series_id}: the answer is not a CSV ({exc})") from None
    if frame.shape[1] != 2:
        raise SourceError(f"FRED {series_id}: unexpected CSV with columns {list(frame.columns)}")
    frame.columns = ["date", "value"]
    frame = frame[~frame["value"].isin([".", ""])]
    if frame.empty:
        raise SourceError(f"FRED {series_id}: no observations in the answer")
    return frame.reset_index(drop=True)


def fetch_fred(series: SeriesConfig, opener: Callable[[str], bytes] | None = None) -> FetchedFrame:
    """A FRED series by id through the public graph CSV endpoint (no API key needed)."""
    url = FRED_CSV_URL.format(id=series.symbol)

    def default_opener(u: str) -> bytes:
        with urllib.request.urlopen(u, timeout=20) as resp:  # noqa: S310 (fixed https URL)
            return resp.read()

    try:
        text = (opener or default_opener)(url).decode("utf-8")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SourceError(f"FRED {series.symbol}: {reason}", transient=not isinstance(reason, socket.gaierror)) from None
    return FetchedFrame(parse_fred_csv(text, series.symbol), url)

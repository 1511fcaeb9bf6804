"""Live sources behind one small interface: ``fetch(series) -> FetchedFrame``.

Both adapters return a frame in the snapshot schema (``date,close[,volume]`` or
``date,value``) for :func:`reportgen.data.validate.validate_frame`, and raise
:class:`~reportgen.errors.SourceError` with a readable reason on any failure.

yfinance traps handled explicitly:

* ``Ticker.history`` is called with yfinance's exceptions *not* hidden
  (``yf.config.debug.hide_exceptions = False`` for the call): ``yf.download`` swallows
  ``YFRateLimitError`` and network errors into an empty frame, which made a rate limit look
  like a delisted symbol. The real reason is classified: rate limit, network errors and
  "Yahoo is down" are transient (retried with exponential backoff, and they stop the
  source after the retries); "no data / possibly delisted / no timezone" is permanent for
  that symbol only (not retried; the source's other series are still fetched).
* yfinance's log records and warnings (pandas deprecations and its own error lines) go to
  the ``reportgen.yfinance`` logger (the log file), never to the terminal.
* ``auto_adjust`` is passed explicitly (True: split/dividend-adjusted closes, as in the
  snapshot's IWM; indices and crypto are unaffected). A (Price, Ticker) MultiIndex is
  flattened if a release returns one.
* Index timezones are dropped (each bar keeps its exchange/UTC calendar date); the bar of
  the current UTC day is still moving and is removed, whatever the machine's time zone.
* Rows with a null close are dropped but counted (``FetchedFrame.null_closes``), and those
  that were the last trading day of their month are listed (``null_month_ends``): that
  month-end falls on an earlier day, and the report says so.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import socket
import time
import warnings
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
LOG = logging.getLogger("reportgen.yfinance")
logging.getLogger("reportgen").addHandler(logging.NullHandler())  # no lastResort printing to the terminal


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
    null_closes: tuple[str, ...] = ()  # dates of dropped rows with a null close
    null_month_ends: tuple[str, ...] = ()  # those of them that were the last row of their month


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


def _utc_date(now: dt.datetime) -> str:
    if not isinstance(now, dt.datetime) or now.tzinfo is None:
        raise ValueError(f"now must be a timezone-aware datetime (UTC), got {now!r}")
    return now.astimezone(dt.timezone.utc).date().isoformat()


def null_month_ends(dates: pd.Series, null: pd.Series) -> tuple[str, ...]:
    """Dates with a null close that are the last row of their calendar month, in a month
    that is over (a later month has rows): there the month-end moves to an earlier day."""
    months = dates.str[:7]
    last_in_month = dates.groupby(months).transform("max")
    closed = months < months.max()
    return tuple(dates[null & (dates == last_in_month) & closed].tolist())


def normalise_yfinance_frame(raw: pd.DataFrame | None, symbol: str, now: dt.datetime) -> FetchedFrame:
    """yfinance 1.x output -> ``date,close,volume`` frame (strings/floats), or SourceError.

    Parameters
    ----------
    now : aware datetime of the run; rows dated on or after its UTC date are dropped (that
        bar is still moving). A naive datetime is rejected.
    """
    today = _utc_date(now)
    if raw is None or len(raw) == 0:
        raise SourceError(f"yfinance returned no rows for {symbol} (no data for the symbol)", transient=False,
                          series_only=True)
    frame = raw.copy()
    if isinstance(frame.columns, pd.MultiIndex):  # (Price, Ticker) or (Ticker, Price)
        levels = [frame.columns.get_level_values(i) for i in range(frame.columns.nlevels)]
        price = next((i for i, lv in enumerate(levels) if "Close" in lv), None)
        if price is None or frame.columns.nlevels != 2:
            raise SourceError(f"yfinance frame for {symbol} has unexpected columns {list(frame.columns)}",
                              transient=False, series_only=True)
        other = 1 - price
        tickers = levels[other].unique()
        if symbol in tickers:
            frame = frame.xs(symbol, axis=1, level=other)
        elif len(tickers) == 1:
            frame = frame.droplevel(other, axis=1)
        else:
            raise SourceError(f"yfinance frame has tickers {list(tickers)}, not {symbol}", transient=False,
                              series_only=True)
    if "Close" not in frame.columns:
        raise SourceError(f"yfinance frame for {symbol} has no Close column; columns: {list(frame.columns)}",
                          transient=False, series_only=True)
    idx = pd.DatetimeIndex(frame.index)
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    out = pd.DataFrame({"date": idx.strftime("%Y-%m-%d"), "close": pd.to_numeric(frame["Close"], errors="coerce").to_numpy(dtype=float)})
    if "Volume" in frame.columns:
        out["volume"] = pd.to_numeric(frame["Volume"], errors="coerce").to_numpy(dtype=float)
    out = out[out["date"] < today]  # today's (UTC) bar is still moving
    null = out["close"].isna()
    nulls = tuple(out.loc[null, "date"].tolist())
    month_ends = null_month_ends(out["date"], null) if nulls else ()
    out = out[~null]
    if out.empty:
        raise SourceError(f"yfinance returned only incomplete or empty rows for {symbol}", transient=False,
                          series_only=True)
    return FetchedFrame(out.reset_index(drop=True), YAHOO_ORIGIN.format(symbol=symbol), nulls, month_ends)


class _ToLog(logging.Handler):
    """Re-emit yfinance's records on the ``reportgen.yfinance`` logger (never the terminal)."""

    def emit(self, record: logging.LogRecord) -> None:
        LOG.log(record.levelno, "yfinance: %s", record.getMessage())


@contextlib.contextmanager
def quiet_yfinance():
    """yfinance with its exceptions raised and its logging and warnings sent to the log."""
    import yfinance as yf

    yf_logger = logging.getLogger("yfinance")
    handler = _ToLog()
    saved = (yf_logger.propagate, yf.config.debug.hide_exceptions)
    caught: list = []
    yf_logger.addHandler(handler)
    yf_logger.propagate = False
    yf.config.debug.hide_exceptions = False
    try:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            try:
                yield
            finally:
                caught = list(record)
    finally:
        yf_logger.removeHandler(handler)
        yf_logger.propagate, yf.config.debug.hide_exceptions = saved
        for w in caught:
            LOG.debug("yfinance warning: %s: %s", w.category.__name__, w.message)


def classify_yfinance_error(exc: BaseException, symbol: str) -> SourceError:
    """A yfinance exception -> SourceError: transient (retried, stops the source once the
    retries are spent) or permanent for this symbol only."""
    from yfinance import exceptions as yfe

    what = f"yfinance {symbol}"
    if isinstance(exc, yfe.YFRateLimitError):
        return SourceError(f"{what}: rate limited by Yahoo (Too Many Requests)", transient=True)
    if isinstance(exc, yfe.YFTickerMissingError):
        reason = str(exc).split(": ", 1)[-1]
        return SourceError(f"{what}: no data ({reason})", transient=False, series_only=True)
    if isinstance(exc, yfe.YFInvalidPeriodError):
        return SourceError(f"{what}: {exc}", transient=False, series_only=True)
    if isinstance(exc, (OSError, yfe.YFDataException)):  # network (curl_cffi errors are OSErrors), Yahoo down
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        return SourceError(f"{what}: network error: {type(exc).__name__}: {reason}", transient=True)
    reason = " ".join(str(exc).split())[:200]
    return SourceError(f"{what}: {type(exc).__name__}: {reason}", transient=False, series_only=True)


def _ticker_history(symbol: str, **kwargs) -> pd.DataFrame:
    import yfinance as yf

    return yf.Ticker(symbol).history(**kwargs)


def fetch_yfinance(series: SeriesConfig, start: dt.date, now: dt.datetime, history=None) -> FetchedFrame:
    """Daily bars for ``series.symbol`` from ``start`` (auto-adjusted closes).

    Parameters
    ----------
    history : ``history(symbol, **kwargs) -> DataFrame``; default ``yf.Ticker(symbol).history``
        with yfinance's exceptions raised (tests pass a fake)
    now : aware datetime of the run; the bar of its UTC date is dropped
    """
    _utc_date(now)
    history = history or _ticker_history
    try:
        with quiet_yfinance():
            raw = history(series.symbol, start=start.isoformat(), interval="1d", auto_adjust=True,
                          actions=False, timeout=20)
    except Exception as exc:  # yfinance raises many types; classify, keep the reason, drop the traceback  # noqa: broad
        LOG.debug("yfinance %s failed", series.symbol, exc_info=True)
        raise classify_yfinance_error(exc, series.symbol) from None
    return normalise_yfinance_frame(raw, series.symbol, now)


def parse_fred_csv(text: str, series_id: str) -> pd.DataFrame:
    """FRED's graph CSV (``observation_date,<ID>``; '.' or empty for missing) -> ``date,value``."""
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
        raise SourceError(f"FRED {series_id}: the answer is not a CSV ({exc})", transient=False, series_only=True) from None
    if frame.shape[1] != 2:
        raise SourceError(f"FRED {series_id}: unexpected CSV with columns {list(frame.columns)}", transient=False,
                          series_only=True)
    frame.columns = ["date", "value"]
    frame = frame[~frame["value"].isin([".", ""])]
    if frame.empty:
        raise SourceError(f"FRED {series_id}: no observations in the answer", transient=False, series_only=True)
    return frame.reset_index(drop=True)


def fetch_fred(series: SeriesConfig, opener: Callable[[str], bytes] | None = None) -> FetchedFrame:
    """A FRED series by id through the public graph CSV endpoint (no API key needed)."""
    url = FRED_CSV_URL.format(id=series.symbol)

    def default_opener(u: str) -> bytes:
        with urllib.request.urlopen(u, timeout=20) as resp:  # noqa: S310 (fixed https URL)
            return resp.read()

    try:
        data = (opener or default_opener)(url)
    except urllib.error.HTTPError as exc:
        if exc.code in (400, 404):  # unknown series id: this series only, not retried
            raise SourceError(f"FRED {series.symbol}: HTTP {exc.code} {exc.reason} (unknown series id?)",
                              transient=False, series_only=True) from None
        raise SourceError(f"FRED {series.symbol}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SourceError(f"FRED {series.symbol}: {reason}", transient=not isinstance(reason, socket.gaierror)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"FRED {series.symbol}: the answer is not UTF-8 text (byte {exc.start})",
                          transient=False, series_only=True) from None
    return FetchedFrame(parse_fred_csv(text, series.symbol), url)

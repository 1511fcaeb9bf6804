"""An offline machine falls back at once: unresolvable hosts are not retried, and a source
that is unreachable is skipped for the rest of the run."""

from __future__ import annotations

import datetime as dt
import socket

import pytest

from reportgen.data import store
from reportgen.data.sources import check_resolves, with_retries
from reportgen.errors import SourceError

NOW = dt.datetime(2026, 11, 21, 6, 0, tzinfo=dt.timezone.utc)


def test_unresolvable_host_is_not_transient():
    def resolve(host, port):
        raise socket.gaierror(-2, "Name or service not known")

    with pytest.raises(SourceError, match="no network \\(example.invalid does not resolve") as info:
        check_resolves("example.invalid", "yfinance ^RUT", resolve=resolve)
    assert info.value.transient is False


def test_non_transient_errors_are_not_retried():
    calls, sleeps = [], []

    def call():
        calls.append(1)
        raise SourceError("no network", transient=False)

    with pytest.raises(SourceError, match="no network"):
        with_retries(call, "x", retries=3, backoff=2.0, sleep=sleeps.append)
    assert len(calls) == 1 and sleeps == []


def test_unreachable_source_is_skipped_for_the_rest_of_the_run(config, monkeypatch):
    probes = []

    def offline(host, what, resolve=None):
        probes.append(host)
        raise SourceError(f"{what}: no network ({host} does not resolve)", transient=False)

    monkeypatch.setattr(store, "check_resolves", offline)
    monkeypatch.setattr(store, "fetch_yfinance", lambda *a, **k: pytest.fail("must not download"))
    fetch = store.default_fetcher(config, NOW)
    messages = []
    for s in config.series:
        with pytest.raises(SourceError) as info:
            fetch(s)
        messages.append(str(info.value))
    assert probes == [store.YAHOO_HOST, store.FRED_HOST]  # one probe per source, then skipped
    assert "skipped, yfinance failed on ^RUT" in messages[1]


def test_naive_now_is_rejected(config):
    with pytest.raises(ValueError, match="timezone-aware"):
        store.default_fetcher(config, dt.datetime(2026, 11, 21))


def test_connection_refused_gives_up_the_source_after_its_first_series(config, monkeypatch):
    """Connection refused is transient: the first yfinance series is retried until its
    retries are spent, then every other yfinance series is skipped at once; FRED is still
    tried (and here answers). One condensed line per source."""
    import dataclasses

    import pandas as pd

    from reportgen.data.sources import FetchedFrame

    cfg = dataclasses.replace(config, data=dataclasses.replace(config.data, fetch_retries=2, fetch_backoff_seconds=0.0))
    calls = []

    def refused(s, start, now, history=None):
        calls.append(s.symbol)
        raise SourceError(f"yfinance {s.symbol}: network error: ConnectionError: Connection refused")

    def fred(s, opener=None):
        calls.append(s.symbol)
        return FetchedFrame(pd.DataFrame({"date": ["2024-01-03"], "value": ["1.0"]}), "fred")

    monkeypatch.setattr(store, "check_resolves", lambda host, what: None)
    monkeypatch.setattr(store, "fetch_yfinance", refused)
    monkeypatch.setattr(store, "fetch_fred", fred)
    fetch = store.default_fetcher(cfg, NOW)
    outcomes = []
    for s in cfg.series:
        try:
            fetch(s)
            outcomes.append(store.SeriesOutcome(s.key, True, "ok", source=s.source))
        except SourceError as exc:
            outcomes.append(store.SeriesOutcome(s.key, False, str(exc), source=s.source, skipped="skipped," in str(exc)))
    yahoo = [s for s in cfg.series if s.source == "yfinance"]
    fred_ids = [s.symbol for s in cfg.series if s.source == "fred"]
    assert calls == ["^RUT"] * 3 + fred_ids  # 1 try + 2 retries, then skipped; FRED untouched
    lines = store.summarize_failures(tuple(outcomes))
    assert lines == (
        f"yfinance: {len(yahoo)} series failed ({', '.join(s.key for s in yahoo)}): yfinance ^RUT: failed after 3 "
        "attempts: yfinance ^RUT: network error: ConnectionError: Connection refused",
    )


def test_a_delisted_symbol_does_not_stop_its_source(config, monkeypatch):
    import pandas as pd

    from reportgen.data.sources import FetchedFrame

    calls = []

    def yahoo(s, start, now, history=None):
        calls.append(s.symbol)
        if s.symbol == "^RUT":
            raise SourceError("yfinance ^RUT: no data (possibly delisted)", transient=False, series_only=True)
        return FetchedFrame(pd.DataFrame({"date": ["2024-01-03"], "close": ["1.0"]}), "y")

    monkeypatch.setattr(store, "check_resolves", lambda host, what: None)
    monkeypatch.setattr(store, "fetch_yfinance", yahoo)
    fetch = store.default_fetcher(config, NOW)
    with pytest.raises(SourceError, match="possibly delisted"):
        fetch(config.series_by_key("RUT"))
    assert fetch(config.series_by_key("GSPC")).origin == "y"
    assert calls == ["^RUT", "^GSPC"]  # not retried, and the source goes on


def test_fetch_command_prints_one_line_per_failed_source(tmp_path, monkeypatch):
    """`reportgen fetch` with every connection refused: one condensed line per source (not
    one per series), no yfinance noise, exit 4, the cache untouched."""
    import re

    from click.testing import CliRunner

    from reportgen.cli import main
    from tests.conftest import ROOT

    cfg_path = tmp_path / "config.toml"
    cfg_path.write_text((ROOT / "config.toml").read_text(encoding="utf-8")
                        .replace("fetch_backoff_seconds = 2.0", "fetch_backoff_seconds = 0.0"), encoding="utf-8")
    tries = []

    def refused(s, start, now, history=None):
        tries.append(s.symbol)
        raise SourceError(f"yfinance {s.symbol}: network error: ConnectionError: Connection refused")

    def fred_refused(s, opener=None):
        tries.append(s.symbol)
        raise SourceError(f"FRED {s.symbol}: [Errno 111] Connection refused")

    monkeypatch.setattr(store, "check_resolves", lambda host, what: None)
    monkeypatch.setattr(store, "fetch_yfinance", refused)
    monkeypatch.setattr(store, "fetch_fred", fred_refused)
    result = CliRunner().invoke(main, ["--config", str(cfg_path), "fetch"])
    out = " ".join(result.output.split())
    assert result.exit_code == 4, result.output
    assert "Traceback" not in result.output
    assert tries == ["^RUT"] * 4 + ["BAMLH0A0HYM2"] * 4  # 1 + 3 retries for the first series of each source
    from reportgen.config import load_config

    cfg = load_config(cfg_path)
    yahoo = [s.key for s in cfg.series if s.source == "yfinance"]
    fred = [s.key for s in cfg.series if s.source == "fred"]
    assert re.search(rf"failed yfinance: {len(yahoo)} series failed \({', '.join(yahoo)}\): yfinance \^RUT: failed after "
                     r"4 attempts: yfinance \^RUT: network error: ConnectionError: Connection refused", out), out
    assert re.search(rf"failed fred: {len(fred)} series failed \({', '.join(fred)}\): fred BAMLH0A0HYM2: failed after "
                     r"4 attempts", out), out
    assert out.count("failed yfinance") == 1 and "skipped" not in out
    assert not (tmp_path / "cache").exists()

"""An offline machine falls back at once: unresolvable hosts are not retried, and a source
that is unreachable is skipped for the rest of the run."""

from __future__ import annotations

import datetime as dt
import socket

import pytest

from reportgen.data import store
from reportgen.data.sources import check_resolves, with_retries
from reportgen.errors import SourceError


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
    fetch = store.default_fetcher(config, dt.date(2026, 11, 21))
    messages = []
    for s in config.series:
        with pytest.raises(SourceError) as info:
            fetch(s)
        messages.append(str(info.value))
    assert probes == [store.YAHOO_HOST, store.FRED_HOST]  # one probe per source, then skipped
    assert "skipped, source unreachable" in messages[1]

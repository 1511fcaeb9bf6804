"""The DataBundle: every series an analysis may use, truncated at the as-of date.

Analyses receive a bundle and ask it for aligned frames. A series that is absent or stale
is listed in ``unavailable`` with the reason; asking for it raises
:class:`~reportgen.errors.MissingSeriesError`, which the pipeline turns into a
"not testable" result for the analyses that need it while the rest proceed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from reportgen.data.align import Frequency, log_returns, sample_frame
from reportgen.data.derived import net_liquidity
from reportgen.errors import MissingSeriesError


@dataclass(frozen=True, slots=True)
class SeriesRecord:
    """Provenance of one series as used in a build (shown in the report and results.json)."""

    key: str
    symbol: str
    source: str  # yfinance | fred | csv:<path>
    role: str
    first: dt.date
    last: dt.date
    rows: int
    sha256: str  # of the cached file's bytes
    fetched_at: str  # ISO timestamp of the fetch/import
    origin: str  # URL or file path the data came from
    flags: tuple[str, ...] = ()  # validation warnings (e.g. implausible one-day jumps, null closes)
    null_closes: int = 0  # rows with a null close the live source returned (dropped)
    null_month_ends: tuple[str, ...] = ()  # dates among them that were their month's last trading day


@dataclass(frozen=True, slots=True)
class DataBundle:
    """Series for one build. Treat the pandas objects as read-only.

    Attributes
    ----------
    as_of : the build's as-of date; no observation after it is present
    sample_start : first date of aligned frames (``levels``/``returns``); daily ``series``
        keep their full history (all-time highs need it)
    close : daily closes (prices) or values (FRED), by key, DatetimeIndex, ascending
    volume : daily volumes where the source has them
    records : provenance of each available series
    unavailable : key -> reason, for configured series that are absent or stale
    roles : key -> role, for every configured series
    stale : key -> daily series for stale series (usable only where a stale end does not matter)
    refresh_note : text shown in the report when a live refresh failed
    """

    as_of: dt.date
    close: Mapping[str, pd.Series]
    sample_start: dt.date = dt.date(1900, 1, 1)
    volume: Mapping[str, pd.Series] = field(default_factory=lambda: MappingProxyType({}))
    records: tuple[SeriesRecord, ...] = ()
    unavailable: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    roles: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    stale: Mapping[str, pd.Series] = field(default_factory=lambda: MappingProxyType({}))
    refresh_note: str = ""

    # ------------------------------------------------------------------ lookup
    def has(self, *keys: str) -> bool:
        """True when every key is available (present and not stale)."""
        return all(k in self.close for k in keys)

    def require(self, *keys: str) -> None:
        """Raise MissingSeriesError naming the absent keys and why."""
        missing = tuple(k for k in keys if k not in self.close)
        if missing:
            reasons = "; ".join(f"{k}: {self.unavailable.get(k, 'not configured')}" for k in missing)
            raise MissingSeriesError(missing, reasons)

    def keys_with_role(self, role: str) -> tuple[str, ...]:
        """Available series with this role, in config order."""
        return tuple(k for k, r in self.roles.items() if r == role and k in self.close)

    def key_for_role(self, role: str) -> str | None:
        """The first available series with this role, or None."""
        keys = self.keys_with_role(role)
        return keys[0] if keys else None

    def series(self, key: str, allow_stale: bool = False) -> pd.Series:
        """Daily closes/values of one series (stale ones only with ``allow_stale``)."""
        if key in self.close:
            return self.close[key]
        if allow_stale and key in self.stale:
            return self.stale[key]
        self.require(key)
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ aligned frames
    def levels(self, keys: tuple[str, ...] | list[str], freq: Frequency, log: bool = False) -> pd.DataFrame:
        """Period-end levels of ``keys`` (see :mod:`reportgen.data.align`), rows where all are present."""
        self.require(*keys)
        frame = sample_frame({k: self.close[k] for k in keys}, freq).dropna()
        frame = frame.loc[pd.Timestamp(self.sample_start) :]
        return np.log(frame) if log else frame

    def returns(self, keys: tuple[str, ...] | list[str], freq: Frequency) -> pd.DataFrame:
        """Log returns of period-end closes, only periods where every series has a return."""
        self.require(*keys)
        frame = sample_frame({k: self.close[k] for k in keys}, freq)
        frame = frame.loc[pd.Timestamp(self.sample_start) :]
        return log_returns(frame).dropna()

    def net_liquidity(self) -> pd.Series:
        """Net liquidity (Fed assets - TGA - RRP) in $ millions, weekly (see data.derived)."""
        keys = tuple(self.key_for_role(r) or f"<{r}>" for r in ("liquidity_assets", "liquidity_tga", "liquidity_rrp"))
        self.require(*keys)
        return net_liquidity(*(self.close[k] for k in keys))

    def truncated(self, as_of: dt.date) -> "DataBundle":
        """A copy with every series cut at ``as_of`` (used by --as-of and by tests)."""
        cut = pd.Timestamp(as_of)
        close = {k: v.loc[:cut] for k, v in self.close.items()}
        stale = {k: v.loc[:cut] for k, v in self.stale.items()}
        unavailable = dict(self.unavailable)
        for group in (close, stale):
            for k in [k for k, v in group.items() if v.empty]:
                del group[k]
                unavailable[k] = f"no observation on or before the as-of date {as_of}"
        ends = {k: v.index[-1].date() for k, v in {**stale, **close}.items()}
        return DataBundle(
            as_of=as_of,
            close=MappingProxyType(close),
            sample_start=self.sample_start,
            volume=MappingProxyType({k: v.loc[:cut] for k, v in self.volume.items() if k in close}),
            records=tuple(dataclasses.replace(r, last=ends[r.key]) for r in self.records if r.key in ends),
            unavailable=MappingProxyType(unavailable),
            roles=self.roles,
            stale=MappingProxyType(stale),
            refresh_note=self.refresh_note,
        )


def bundle_from_frames(
    close: dict[str, pd.Series],
    roles: dict[str, str],
    as_of: dt.date | None = None,
    volume: dict[str, pd.Series] | None = None,
) -> DataBundle:
    """Build a bundle directly from in-memory series (tests, simulations, notebooks)."""
    as_of = as_of or max(s.index[-1] for s in close.values()).date()
    return DataBundle(
        as_of=as_of,
        close=MappingProxyType(dict(close)),
        volume=MappingProxyType(dict(volume or {})),
        roles=MappingProxyType(dict(roles)),
    )

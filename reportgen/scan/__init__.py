"""``reportgen scan``: an exploratory scan of every ordered leader -> follower pair.

Stages: :func:`scan_inputs` picks the series (cached, or a list) and their stationary
transforms; :func:`run_scan` runs the grid through joblib (locally on worker processes, or on an
existing Dask cluster with ``scheduler=``) and returns a :class:`ScanResult`;
:mod:`reportgen.scan.output` writes ``scan.csv`` and ``scan.html`` and the TOML snippet that
promotes a row to a narrative claim.

The scan is **exploratory**: it is not a test of any claim. Benjamini-Hochberg controls the
false-discovery rate over the grid it ran, nothing more; a pair found here becomes evidence
only when tested as a pre-declared claim on data that did not suggest it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence

from reportgen.scan.engine import (
    ScanError,
    ScanResult,
    ScanRow,
    SizeCheck,
    UnknownSeriesError,
    run_scan_frames,
    stationary_frames,
    transform_for,
)

__all__ = [
    "ScanError",
    "ScanResult",
    "ScanRow",
    "SizeCheck",
    "UnknownSeriesError",
    "dask_parallel",
    "run_scan",
    "scan_inputs",
]


def scan_inputs(bundle, cfg, series: Sequence[str] | None = None) -> tuple[dict, dict]:
    """Daily series and transforms of the series to scan.

    Parameters
    ----------
    bundle : DataBundle; stale series are scanned too (each pair on its own overlapping
        sample, whose end date the table states)
    cfg : Config (series sources decide the transforms: see ``TRANSFORM_BY_SOURCE``)
    series : keys to scan (default ``scan.series``, and when that is empty every cached one)

    Raises
    ------
    UnknownSeriesError : a requested key is not configured or not in the cache.
    """
    available = [s.key for s in cfg.series if s.key in bundle.close or s.key in bundle.stale]
    wanted = list(series) if series else list(cfg.scan.series) or available
    for key in wanted:
        if key not in available:
            raise UnknownSeriesError(f"unknown series {key!r}; cached series: {', '.join(available)}")
    if len(set(wanted)) != len(wanted):
        dup = next(k for k in wanted if wanted.count(k) > 1)
        raise UnknownSeriesError(f"series {dup!r} is listed twice")
    if len(wanted) < 2:
        raise UnknownSeriesError(f"a scan needs at least two series; got {', '.join(wanted) or 'none'}")
    close = {k: bundle.close[k] if k in bundle.close else bundle.stale[k] for k in wanted}
    transforms = {k: transform_for(cfg.series_by_key(k).source) for k in wanted}
    return close, transforms


@contextlib.contextmanager
def dask_parallel(address: str):
    """Run the joblib calls inside on the Dask cluster whose scheduler is at ``address``.

    ``distributed.Client(address)`` plus ``joblib.parallel_config(backend="dask")``; the
    client is closed on exit (the cluster keeps running).

    Raises
    ------
    ScanError : the scheduler cannot be reached within 10 seconds.
    """
    from distributed import Client
    from joblib import parallel_config

    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ScanError(f"could not connect to the Dask scheduler at {address}: {exc}") from None
    try:
        with parallel_config(backend="dask"):
            yield client
    finally:
        client.close()


def run_scan(bundle, cfg, series: Sequence[str] | None = None, scheduler: str | None = None) -> ScanResult:
    """Scan every ordered pair of the chosen series at ``scan.frequencies`` and their lags.

    Parameters
    ----------
    bundle : DataBundle (the cache, cut at the as-of date)
    cfg : Config (``[scan]``; ``analysis.seed``; ``rules.alpha``; ``data.sample_start``)
    series : keys to scan (default: ``scan.series``, else every cached series)
    scheduler : address of a running Dask scheduler (default ``scan.scheduler``; empty:
        local joblib worker processes, ``scan.n_jobs`` of them)

    Returns
    -------
    ScanResult, identical whichever backend ran it (named seed streams per unit).
    """
    sc = cfg.scan
    close, transforms = scan_inputs(bundle, cfg, series)
    frames = stationary_frames(close, transforms, sc.frequencies, cfg.data.sample_start)
    lags = {"monthly": sc.monthly_lags, "weekly": sc.weekly_lags}
    address = sc.scheduler if scheduler is None else scheduler
    ctx = dask_parallel(address) if address else contextlib.nullcontext()
    with ctx:
        return run_scan_frames(
            frames, {f: lags[f] for f in sc.frequencies}, transforms,
            reps=sc.bootstrap_reps, seed=cfg.analysis.seed, alpha=cfg.rules.alpha,
            size_simulations=sc.size_simulations, n_jobs=sc.n_jobs,
            series=tuple(close), as_of=getattr(bundle, "as_of", None),
        )


def folder_name(day: dt.date) -> str:
    """``scan-YYYY-MM-DD``."""
    return f"scan-{day.isoformat()}"

"""data -> analysis -> verdict -> report, one function a stage.

:func:`build` is what ``reportgen build`` runs. Every stage is a pure function of its inputs
(plus the seed in the config), so the same data and config give the same HTML and
results.json bytes.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reportgen.analysis.common import NotTestable
from reportgen.config import Config
from reportgen.data.bundle import DataBundle
from reportgen.data.store import Fetcher, SeriesOutcome, cache_dir, default_fetcher, fetch_all, load_cached_bundle
from reportgen.errors import CacheError, InsufficientDataError, MissingSeriesError, ReportgenError
from reportgen.report.output import (
    check_writable_dir,
    keep_policy,
    last_complete_month,
    recover_locked,
    report_folder_name,
    write_folder_atomically,
)
from reportgen.serialize import dumps

# family name -> "module:function"; each takes (bundle, cfg) and returns a frozen result.
ANALYSES: dict[str, str] = {
    "leadlag": "reportgen.analysis.leadlag:run_leadlag",
    "var": "reportgen.analysis.var:run_var",
    "credit_beta": "reportgen.analysis.credit_beta:run_credit_beta",
    "events": "reportgen.analysis.events:run_events",
    "regimes": "reportgen.analysis.regimes:run_regimes",
    "narrative": "reportgen.analysis.narrative:run_narrative",
    "selfcheck": "reportgen.analysis.selfcheck:run_selfcheck",
}

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class BuildOutcome:
    """Where the report went and what it concluded."""

    folder: Path
    files: tuple[Path, ...]
    refresh_failures: tuple[SeriesOutcome, ...]
    verdicts: tuple = field(default=())


def _noop(_: str) -> None:
    return None


# --------------------------------------------------------------------------- stage 1: data


def refresh_data(cfg: Config, now: dt.datetime, fetcher: Fetcher | None, progress: Progress = _noop) -> tuple[SeriesOutcome, ...]:
    """Try a live refresh of every series; failures are returned, never raised."""
    fetcher = fetcher or default_fetcher(cfg, now)  # aware UTC now (the data layer rejects dates/naive)
    return fetch_all(cfg, now, fetcher, on_series=lambda s, o: progress(f"fetch {s.key}: {'ok' if o.ok else 'failed'}"))


def build_stages(cfg: Config, offline: bool) -> tuple[str, ...]:
    """The stage names :func:`build` reports through ``progress``, in order (a progress display
    can show "step N of M"). Messages that start with a stage name and a space (``"fetch RUT:
    ok"``) are details within that stage."""
    from reportgen.narrative import with_narrative
    from reportgen.verdict.specs import claim_specs, families_to_run

    families = families_to_run(claim_specs(with_narrative(cfg)))
    return ((() if offline else ("fetch",)) + ("load data",) + tuple(f"analysis {f}" for f in families)
            + ("verdicts", "tables", "documents", "write"))


def refresh_note(failures: tuple[SeriesOutcome, ...]) -> str:
    """The visible note for the report when a live refresh failed."""
    if not failures:
        return ""
    keys = ", ".join(f.key for f in failures)
    first = failures[0].message
    return f"live refresh failed for {keys} ({first}); cached data used"


# --------------------------------------------------------------------------- stage 2: analysis


def run_family(name: str, bundle: DataBundle, cfg: Config, extra: dict | None = None):
    """Run one analysis family; a missing series or too little data becomes NotTestable."""
    module, func = ANALYSES[name].split(":")
    entry = getattr(importlib.import_module(module), func)
    try:
        return entry(bundle, cfg, **(extra or {}))
    except MissingSeriesError as exc:
        return NotTestable(reason=str(exc), missing=exc.keys)
    except InsufficientDataError as exc:
        return NotTestable(reason=str(exc))


BLAS_THREADS = 1
"""BLAS threads per process while the analyses run. One, for two reasons (measured on the
2-core machine): the regimes family runs in a second process, and with OpenBLAS's default of a
thread per core in *each* process the small products got slower (leadlag 1.6 s alone, 3.2 s
beside the regimes process, 1.8 s with one thread); and the GARCH fits' last digits depend on
the thread count (4th decimal of some parameters), so a fixed count gives the same numbers on a
2-core laptop and a 64-core server. NumPy and SciPy each bring their own OpenBLAS; SciPy's is
loaded before the limit is set, or a build that first imports SciPy inside the limit would run it
with a thread per core (two builds in one process then differed in the 7th digit)."""


def run_analyses(bundle: DataBundle, cfg: Config, progress: Progress = _noop) -> dict:
    """Every analysis family, in a fixed order, with :data:`BLAS_THREADS` BLAS threads. The
    self-check sees the other results."""
    import scipy.linalg  # noqa: F401  (loads SciPy's own OpenBLAS now, so the limit below covers it too)
    from threadpoolctl import threadpool_limits

    from reportgen.verdict.specs import claim_specs, families_to_run

    names = families_to_run(claim_specs(cfg))
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):  # the forked process inherits it
        beside = _Beside.start(BESIDE, bundle, cfg) if BESIDE in names and cfg.analysis.n_jobs >= 2 else None
        results: dict = {}
        for name in names:
            progress(f"analysis {name}")
            if beside is not None and name == BESIDE:
                continue  # collected below, after the others ran beside it
            extra = {"results": dict(results)} if name == "selfcheck" else None
            results[name] = run_family(name, bundle, cfg, extra)
        if beside is not None:
            results[BESIDE] = beside.result()
    return {name: results[name] for name in names}


BESIDE = "regimes"
"""The slowest family (GARCH fits, break scans), which no other family reads: with
``analysis.n_jobs >= 2`` it runs in a second process while the others run in this one."""


@dataclass
class _Beside:
    """One family computed in a forked process (the data need not be pickled: the child
    inherits them); its result comes back through a pipe. Same data and seed, same result."""

    process: object
    conn: object

    @staticmethod
    def start(name: str, bundle: DataBundle, cfg: Config) -> "_Beside":
        import multiprocessing as mp

        ctx = mp.get_context("fork")
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_beside_main, args=(child, name, bundle, cfg), daemon=True)
        proc.start()
        child.close()
        return _Beside(proc, parent)

    def result(self):
        try:
            status, payload = self.conn.recv()
        except EOFError:
            self.process.join()
            raise RuntimeError(f"the {BESIDE} family's process died (exit code {self.process.exitcode})") from None
        finally:
            self.conn.close()
        self.process.join()
        if status == "error":
            raise RuntimeError(f"the {BESIDE} family failed in its process:\n{payload}")
        return payload


def _beside_main(conn, name: str, bundle: DataBundle, cfg: Config) -> None:  # pragma: no cover (child process)
    import traceback

    try:
        conn.send(("ok", run_family(name, bundle, cfg)))
    except BaseException:  # report everything to the parent, which raises it there
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


# --------------------------------------------------------------------------- stage 4: report


def report_month(data_as_of: dt.date) -> str:
    """``YYYY-MM``: the last calendar month the data covers completely (see
    :func:`reportgen.report.output.last_complete_month`), not the month the build runs in."""
    return last_complete_month(data_as_of)


def previous_results(output_dir: Path, month: str) -> dict | None:
    """The newest results.json from a month before ``month`` (for 'what changed').

    Only month folders (``YYYY-MM``) count; ``--as-of`` replays are never compared with.
    """
    try:
        candidates = sorted(p for p in output_dir.glob("*/results.json") if p.parent.name < month and len(p.parent.name) == 7)
    except OSError:
        return None
    if not candidates:
        return None
    try:
        return json.loads(candidates[-1].read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None


def check_cache_dir(cfg: Config, offline: bool) -> Path:
    """The cache folder must be a folder; an online build must be able to write to it."""
    path = cache_dir(cfg)
    if path.exists() and not path.is_dir():
        raise CacheError(f"data.cache_dir {path} is a file, not a folder",
                         hint=f"point data.cache_dir in {cfg.path or 'the config'} at a folder, or move the file away")
    if not offline and path.is_dir() and not os.access(path, os.W_OK | os.X_OK):
        raise CacheError(f"cannot write to data.cache_dir {path}: permission denied (EACCES)",
                         hint="fix the folder's permissions, or run `reportgen build --offline` to use the cache as it is")
    return path


def utc_now(now: dt.datetime | None = None, today: dt.date | None = None) -> dt.datetime:
    """The run's one clock reading: aware, UTC, whole seconds.

    ``now`` may be any aware datetime (converted to UTC); a naive one is rejected, since
    the machine's local zone must not decide which bar is "today's". ``today`` alone
    stands for midnight UTC of that date (tests).
    """
    if now is None:
        if today is not None:
            return dt.datetime.combine(today, dt.time(), tzinfo=dt.timezone.utc)
        now = dt.datetime.now(dt.timezone.utc)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got {now!r}")
    return now.astimezone(dt.timezone.utc).replace(microsecond=0)


def output_dir(cfg: Config) -> Path:
    """The output folder (relative paths are taken from the config file's folder)."""
    p = Path(cfg.report.output_dir)
    return p if p.is_absolute() or not cfg.path else Path(cfg.path).parent / p


def build(
    cfg: Config,
    *,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
    as_of: dt.date | None = None,
    offline: bool = False,
    fetcher: Fetcher | None = None,
    pdf: bool = True,
    progress: Progress = _noop,
) -> BuildOutcome:
    """Run the whole pipeline and write ``output/<YYYY-MM>/{note.pdf,appendix.pdf,report.html,results.json}``
    (and the take-away tables).

    Parameters
    ----------
    now : the one clock reading of the run, timezone-aware (converted to UTC); defaults to
        the current time. ``today`` (a date, for tests) stands for midnight UTC of that day.
    as_of : replay the report as of this date; written to ``output/<YYYY-MM>-as-of-<date>/``
    pdf : False skips the PDFs; existing PDFs of the same folder are kept, never deleted

    The output folder (and, for an online build, the cache folder) is checked for
    writability and recovered from any killed earlier swap *before* any analysis runs.
    The folder is named after the data's last complete month (:func:`report_month`).
    """
    from reportgen.report.context import build_context
    from reportgen.report.render import preload_pdf_engine, start_documents
    from reportgen.report.tables import export_files as export_tables
    from reportgen.verdict import decide_all

    from reportgen.narrative import with_narrative

    cfg = with_narrative(cfg)  # the narrative's series join the config's
    now = utc_now(now, today)
    if as_of is not None and as_of > now.date():
        raise ReportgenError(f"--as-of {as_of} is in the future (today is {now.date()} UTC)",
                             hint="choose a date up to today")
    out = check_writable_dir(output_dir(cfg), "report.output_dir")
    recover_locked(out)
    check_cache_dir(cfg, offline)
    failures: tuple[SeriesOutcome, ...] = ()
    if not offline:
        progress("fetch")
        outcomes = refresh_data(cfg, now, fetcher, progress)
        failures = tuple(o for o in outcomes if not o.ok)
    progress("load data")
    bundle = load_cached_bundle(cfg, as_of, refresh_note(failures))
    results = run_analyses(bundle, cfg, progress)
    progress("verdicts")
    verdicts = decide_all(results, cfg)
    month = report_month(bundle.as_of)
    folder = out / report_folder_name(bundle.as_of, as_of)
    progress("tables")
    context, document = build_context(cfg, bundle, results, verdicts, month, previous_results(out, month),
                                      meanwhile=preload_pdf_engine if pdf else None)
    # the run date belongs to the provenance (the folder is named after the data, not the run)
    context, document = {**context, "run_date": now.date()}, {**document, "run_date": now.date()}
    # report.html now; note.pdf and appendix.pdf render meanwhile (the appendix in parts on two
    # cores with analysis.n_jobs >= 2, else in one piece: the same pages and text)
    pending = start_documents(context, pdf=pdf, parallel=cfg.analysis.n_jobs >= 2)
    try:
        files = {"results.json": dumps(document).encode("utf-8")}
        files.update(export_tables(results, verdicts))  # tests.csv, verdicts.csv, figure_*.csv (+ Parquet)
        progress("documents")
        files.update(pending.finish())  # waits for the two PDF processes
    finally:
        pending.close()
    progress("write")
    written = write_folder_atomically(folder, files, keep=keep_policy(pdf_built=pdf))
    return BuildOutcome(folder=folder, files=written, refresh_failures=failures, verdicts=verdicts)


__all__ = ["build", "build_stages", "run_analyses", "run_family", "BuildOutcome", "report_month", "utc_now", "output_dir"]

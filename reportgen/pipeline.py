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
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reportgen.analysis.common import NotTestable
from reportgen.config import Config
from reportgen.data.bundle import DataBundle
from reportgen.data.store import Fetcher, SeriesOutcome, default_fetcher, fetch_all, load_cached_bundle
from reportgen.errors import InsufficientDataError, MissingSeriesError
from reportgen.serialize import dumps

# family name -> "module:function"; each takes (bundle, cfg) and returns a frozen result.
ANALYSES: dict[str, str] = {
    "leadlag": "reportgen.analysis.leadlag:run_leadlag",
    "var": "reportgen.analysis.var:run_var",
    "credit_beta": "reportgen.analysis.credit_beta:run_credit_beta",
    "events": "reportgen.analysis.events:run_events",
    "regimes": "reportgen.analysis.regimes:run_regimes",
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
    fetcher = fetcher or default_fetcher(cfg, now.date())
    return fetch_all(cfg, now, fetcher, on_series=lambda s, o: progress(f"fetch {s.key}: {'ok' if o.ok else 'failed'}"))


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


def run_analyses(bundle: DataBundle, cfg: Config, progress: Progress = _noop) -> dict:
    """Every analysis family, in a fixed order. The self-check sees the other results."""
    results: dict = {}
    for name in ANALYSES:
        progress(f"analysis {name}")
        extra = {"results": dict(results)} if name == "selfcheck" else None
        results[name] = run_family(name, bundle, cfg, extra)
    return results


# --------------------------------------------------------------------------- stage 4: report


def report_month(as_of: dt.date | None, today: dt.date) -> str:
    """``YYYY-MM`` folder name: the --as-of month, else the month the report is run in."""
    return (as_of or today).strftime("%Y-%m")


def previous_results(output_dir: Path, month: str) -> dict | None:
    """The newest results.json from a month before ``month`` (for 'what changed')."""
    candidates = sorted(p for p in output_dir.glob("*/results.json") if p.parent.name < month and len(p.parent.name) == 7)
    if not candidates:
        return None
    try:
        return json.loads(candidates[-1].read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def write_folder_atomically(target: Path, files: dict[str, bytes]) -> tuple[Path, ...]:
    """Write all files into a temp folder beside ``target``, then swap it in.

    A failure at any point leaves an existing ``target`` untouched.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.building."))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private (0700); the report is for its readers
    try:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        old = None
        if target.exists():
            old = target.parent / f".{target.name}.old"
            if old.exists():
                shutil.rmtree(old)
            target.rename(old)
        tmp.rename(target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tuple(target / n for n in files)


def output_dir(cfg: Config) -> Path:
    p = Path(cfg.report.output_dir)
    return p if p.is_absolute() or not cfg.path else Path(cfg.path).parent / p


def build(
    cfg: Config,
    *,
    today: dt.date,
    as_of: dt.date | None = None,
    offline: bool = False,
    fetcher: Fetcher | None = None,
    now: dt.datetime | None = None,
    pdf: bool = True,
    progress: Progress = _noop,
) -> BuildOutcome:
    """Run the whole pipeline and write ``output/<YYYY-MM>/{report.html,report.pdf,results.json}``."""
    from reportgen.report.context import build_context
    from reportgen.report.render import html_to_pdf, render_html
    from reportgen.verdict import decide_all

    failures: tuple[SeriesOutcome, ...] = ()
    if not offline:
        outcomes = refresh_data(cfg, now or dt.datetime.combine(today, dt.time()), fetcher, progress)
        failures = tuple(o for o in outcomes if not o.ok)
    bundle = load_cached_bundle(cfg, as_of, refresh_note(failures))
    results = run_analyses(bundle, cfg, progress)
    progress("verdicts")
    verdicts = decide_all(results, bundle, cfg)
    month = report_month(as_of, today)
    out = output_dir(cfg)
    progress("render")
    context, document = build_context(cfg, bundle, results, verdicts, month, previous_results(out, month))
    html = render_html(context)
    files = {"report.html": html.encode("utf-8"), "results.json": dumps(document).encode("utf-8")}
    if pdf:
        progress("pdf")
        files["report.pdf"] = html_to_pdf(html)
    written = write_folder_atomically(out / month, files)
    return BuildOutcome(folder=out / month, files=written, refresh_failures=failures, verdicts=verdicts)


__all__ = ["build", "run_analyses", "run_family", "BuildOutcome"]

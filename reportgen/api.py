"""Python access to a built report: ``reportgen.load("2026-11")`` -> pandas objects.

Reads a report folder written by ``reportgen build`` (``output/<month>/``); computes
nothing. The verdicts and the test table are rebuilt from ``results.json`` with the same
functions that write ``verdicts.csv`` and ``tests.csv`` (:mod:`reportgen.report.tables`), so
they match those files; the figure tables are read from ``figure_*.csv``.

Example
-------
>>> import reportgen
>>> r = reportgen.load("2026-11")                       # doctest: +SKIP
>>> r.verdicts[["claim", "verdict", "effect", "ci_low", "ci_high"]]   # doctest: +SKIP
>>> r.tests.query("claim == 'C3' and pvalue_holm < 0.05")           # doctest: +SKIP
>>> r.figures["var_c3_irf"]                             # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from reportgen.errors import ReportgenError
from reportgen.report import tables

RESULTS_FILE = "results.json"


class ReportNotFoundError(ReportgenError):
    """No report folder (with a results.json) for the requested month; lists the months there are."""

    hint = ""  # the message lists the months there are: one line says it all
    exit_code = 2


@dataclass(frozen=True, slots=True)
class Report:
    """One month's report as pandas objects (read-only: the mappings cannot be changed).

    Attributes
    ----------
    month : the folder name (``"2026-11"``)
    folder : the report folder
    verdicts : one row per claim: verdict, reason and the primary evidence (effect,
        interval, adjusted p-value, power, n, ...), columns as in ``verdicts.csv``
    tests : one row per hypothesis test (columns :data:`reportgen.report.tables.TEST_COLUMNS`),
        ``sample_start``/``sample_end`` parsed as dates
    figures : figure name (``"var_c3_irf"``) -> the numbers behind that figure
    changes : what changed against the previous report (kind, subject, field, before, after)
    results : the parsed ``results.json`` (every result object in JSON form)
    provenance : report month, as-of date, versions, config hash and seed, software,
        data series (source, range, rows, SHA-256, fetch time)
    """

    month: str
    folder: Path
    verdicts: pd.DataFrame
    tests: pd.DataFrame
    figures: Mapping[str, pd.DataFrame]
    changes: pd.DataFrame
    results: Mapping
    provenance: Mapping

    @property
    def series(self) -> pd.DataFrame:
        """The data provenance table: one row per series."""
        return pd.DataFrame(self.provenance.get("data", {}).get("series", []))


def _default_output_dir(config: str | Path | None) -> Path:
    """report.output_dir of ``config`` (or of ./config.toml when present), else ``output``."""
    path = Path(config) if config is not None else Path("config.toml")
    if config is None and not path.is_file():
        return Path("output")
    from reportgen.config import load_config
    from reportgen.pipeline import output_dir

    return output_dir(load_config(str(path)))


def available_months(output_dir: str | Path) -> tuple[str, ...]:
    """Report folders in ``output_dir`` that hold a results.json, sorted."""
    root = Path(output_dir)
    if not root.is_dir():
        return ()
    return tuple(sorted(p.name for p in root.iterdir()
                        if p.is_dir() and not p.name.startswith(".") and (p / RESULTS_FILE).is_file()))


def report_folder(month: str | Path, output_dir: str | Path | None = None, config: str | Path | None = None) -> Path:
    """The folder of ``month`` (a folder name such as ``"2026-11"``, or a path to a report folder).

    Raises
    ------
    ReportNotFoundError : no such folder with a results.json; the message lists the months there are
    """
    direct = Path(month)
    if (direct / RESULTS_FILE).is_file() and (direct.is_absolute() or len(direct.parts) > 1):
        return direct
    root = Path(output_dir) if output_dir is not None else _default_output_dir(config)
    folder = root / str(month)
    if (folder / RESULTS_FILE).is_file():
        return folder
    months = available_months(root)
    there = ", ".join(months) if months else "none"
    raise ReportNotFoundError(f"no report for {month} in {root} (months available: {there})")


def read_results(folder: Path) -> dict:
    """The parsed results.json of a report folder."""
    try:
        return json.loads((folder / RESULTS_FILE).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ReportgenError(f"{folder / RESULTS_FILE} is not valid JSON (line {exc.lineno}): {exc.msg}",
                             hint="rebuild that month with `reportgen build`") from None


def load(month: str | Path, output_dir: str | Path | None = None, config: str | Path | None = None) -> Report:
    """Load one month's report as pandas objects.

    Parameters
    ----------
    month : report folder name (``"2026-11"``) or a path to a report folder
    output_dir : where the month folders are; default: ``report.output_dir`` of ``config``
        (or of ``./config.toml`` when it exists), else ``./output``
    config : configuration file whose ``report.output_dir`` to use

    Returns
    -------
    Report : frozen; ``verdicts``, ``tests``, ``figures``, ``changes``, ``results``, ``provenance``

    Raises
    ------
    ReportNotFoundError : the month has no report folder (the message lists those there are)
    """
    folder = report_folder(month, output_dir, config)
    doc = read_results(folder)
    tests = tables.tests_frame(doc.get("results", {}))
    for col in ("sample_start", "sample_end"):
        tests[col] = pd.to_datetime(tests[col], errors="coerce")
    figures = {p.name[len(tables.FIGURE_PREFIX):-len(".csv")]: pd.read_csv(p)
               for p in sorted(folder.glob(f"{tables.FIGURE_PREFIX}*.csv"))}
    rows = [{k: v for k, v in c.items() if k != "type"} for c in doc.get("changes", [])]
    first = ["kind", "subject", "field", "before", "after"]
    changes = pd.DataFrame(rows, columns=first + sorted({k for r in rows for k in r} - set(first)))
    provenance = {k: v for k, v in doc.items() if k not in ("results", "verdicts", "changes")}
    return Report(
        month=folder.name,
        folder=folder,
        verdicts=tables.verdicts_frame(doc.get("verdicts", [])),
        tests=tests,
        figures=MappingProxyType(figures),
        changes=changes,
        results=MappingProxyType(doc),
        provenance=MappingProxyType(provenance),
    )


__all__ = ["Report", "ReportNotFoundError", "available_months", "load", "read_results", "report_folder"]

"""Report structure: result objects -> the results.json document and the template context.

No statistics here: this module gathers result objects, figure SVGs and provenance into
the two structures the renderer and the JSON writer need.
"""

from __future__ import annotations

import importlib
import multiprocessing
import platform
from concurrent.futures import ProcessPoolExecutor
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata

from reportgen import __version__
from reportgen.analysis.common import NotTestable
from reportgen.config import Config
from reportgen.data.align import __doc__ as ALIGNMENT_RULES
from reportgen.data.bundle import DataBundle
from reportgen.report.changes import Change, compare_with_previous
from reportgen.serialize import to_jsonable
from reportgen.verdict import RULE_CHANGES, ClaimVerdict, claim_specs, overall_verdict
from reportgen.verdict.specs import families_to_run

SCHEMA_VERSION = 1
SOFTWARE = ("numpy", "pandas", "scipy", "statsmodels", "arch", "matplotlib", "jinja2", "weasyprint", "yfinance")

# family -> figure module (each exposes figures(result) -> dict[str, str])
FIGURE_MODULES = {
    "leadlag": "reportgen.report.figures.leadlag",
    "var": "reportgen.report.figures.var",
    "events": "reportgen.report.figures.events",
    "regimes": "reportgen.report.figures.regimes",
    "selfcheck": "reportgen.report.figures.selfcheck",
    "credit_beta": "reportgen.report.figures.credit_beta",
}


@dataclass(frozen=True, slots=True)
class Software:
    python: str
    packages: tuple[tuple[str, str], ...]


def software_versions() -> Software:
    pkgs = []
    for name in SOFTWARE:
        try:
            pkgs.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            pkgs.append((name, "not installed"))
    return Software(python=platform.python_version(), packages=tuple(pkgs))


# claim -> the figures that show its evidence ("<family>-<figure>"; the verdict boxes and the
# note's verdict table link to those that were drawn)
CLAIM_FIGURES = {
    "C1": ("events-timeline",),
    "C3": ("leadlag-granger_pvalues", "leadlag-rolling", "var-c3_irf"),
    "C4": ("events-car_bands", "note-forecast"),
    "C5": ("var-c5_credit", "var-c5_peaks"),
    "C6": ("var-c6_liquidity",),
    "C7": ("credit_beta-betas",),
    "C8": ("regimes-realised_vol", "regimes-break_scan"),
    "C9": ("regimes-underwater",),
    "C10": ("events-hit_rates",),
}


def _alt(family: str, name: str, module) -> str:
    alt = getattr(module, "ALT", "")
    if isinstance(alt, dict):
        alt = alt.get(name, "")
    return alt or f"Figure: {family.replace('_', ' ')} — {name.replace('_', ' ')}"


_JOBS: dict = {}

NOTE_FIGURES = {"scorecard": "reportgen.report.figures.scorecard", "forecast": "reportgen.report.figures.forecast"}
"""The note's figures: the claim scorecard (from the verdicts) and the articles' forecast
(from the events result)."""

DRAWING_ORDER = ("regimes", "var", "leadlag", "note-scorecard", "events", "selfcheck", "note-forecast", "credit_beta")
"""Figure jobs, longest first (measured warm, 2026-08 snapshot: 1.2, 1.0, 0.6, 0.55, 0.5, 0.4,
0.35 and 0.1 s), so two workers finish about together."""


def _draw(job: str) -> dict[str, str]:
    """One job's figures, ready to inline (runs in a forked worker: ``_JOBS`` is inherited).
    A job is a family (its module's ``figures(result)``) or ``note-<figure>``."""
    from reportgen.report.figures.base import finalize_svg

    module, arg = _JOBS[job]
    mod = importlib.import_module(module)
    family = "note" if job.startswith("note-") else job
    return {name: finalize_svg(svg, f"{family}-{name}", _alt(family, name, mod))
            for name, svg in mod.figures(arg).items()}


def _draw_all(jobs: dict, meanwhile: Callable[[], object] | None = None) -> tuple[dict[str, dict[str, str]], object]:
    """Draw the figure jobs two at a time in forked processes, longest first (matplotlib
    holds the GIL); this process runs ``meanwhile()`` while they draw. Returns the figures
    and what ``meanwhile`` returned (None without it)."""
    global _JOBS
    _JOBS = jobs
    try:
        rank = {name: i for i, name in enumerate(DRAWING_ORDER)}
        names = sorted(jobs, key=lambda n: (rank.get(n, len(rank)), n))
        if len(names) > 1 and "fork" in multiprocessing.get_all_start_methods():
            with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork")) as pool:
                pending = pool.map(_draw, names)  # submitted now; the workers are forked here
                extra = meanwhile() if meanwhile is not None else None
                drawn = list(pending)
        else:
            extra = meanwhile() if meanwhile is not None else None
            drawn = [_draw(n) for n in names]
        return dict(zip(names, drawn, strict=True)), extra
    finally:
        _JOBS = {}


def family_figures(results: dict, verdicts: tuple = (), meanwhile: Callable[[], object] | None = None
                   ) -> tuple[dict[str, dict[str, str]], object]:
    """SVG figures per family (empty dict for NotTestable results or families without figures),
    plus the note's ``"note"``: the claim scorecard and the articles' forecast; and the result
    of ``meanwhile()``, which this process runs while two others draw.

    Each SVG is made safe to inline (ids unique per figure: ``<family>-<name>-...``) and
    carries its alternative text (:func:`reportgen.report.figures.base.finalize_svg`).
    """
    jobs = {family: (FIGURE_MODULES[family], result) for family, result in results.items()
            if family in FIGURE_MODULES and not isinstance(result, NotTestable)}
    if verdicts:
        jobs["note-scorecard"] = (NOTE_FIGURES["scorecard"], verdicts)
    events = results.get("events")
    if events is not None and not isinstance(events, NotTestable):
        jobs["note-forecast"] = (NOTE_FIGURES["forecast"], events)
    drawn, extra = _draw_all(jobs, meanwhile)
    figs = {family: drawn.get(family, {}) for family in results}  # the families' order
    figs["note"] = {name: svg for job in ("note-scorecard", "note-forecast") for name, svg in drawn.get(job, {}).items()}
    return figs, extra


def appendix_test_rows(results: dict) -> tuple[dict, ...]:
    """Every hypothesis test once (the rows of ``tests.csv``), for the appendix's test table."""
    from reportgen.report.tables import tests_frame

    frame = tests_frame(results)
    return tuple(frame.to_dict("records"))


def _narrative_record(cfg: Config) -> dict:
    """Which narrative file the claims came from (name, path as configured, SHA-256)."""
    from reportgen.narrative import load_narrative

    n = load_narrative(cfg)
    return {"name": n.name, "title": n.title, "thesis": n.thesis, "caveats": n.caveats, "path": cfg.report.narrative,
            "sha256": n.sha256}


def build_document(cfg: Config, bundle: DataBundle, results: dict, verdicts: tuple[ClaimVerdict, ...],
                   month: str, changes: tuple[Change, ...], software: Software) -> dict:
    """The results.json document (schema in README.md)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "report_month": month,
        "as_of": bundle.as_of,
        "reportgen_version": __version__,
        "config": {"path": cfg.path, "sha256": cfg.sha256, "seed": cfg.analysis.seed, "rules": cfg.rules},
        "narrative": _narrative_record(cfg),
        "software": software,
        "data": {
            "series": bundle.records,
            "unavailable": dict(bundle.unavailable),
            "refresh_note": bundle.refresh_note,
            "sample_start": bundle.sample_start,
        },
        "overall": overall_verdict(verdicts),
        "verdicts": verdicts,
        "changes": changes,
        "results": results,
    }


def build_context(cfg: Config, bundle: DataBundle, results: dict, verdicts: tuple[ClaimVerdict, ...],
                  month: str, previous: dict | None, meanwhile: Callable[[], object] | None = None
                  ) -> tuple[dict, dict]:
    """Return (template context, results.json document). The figures are drawn in two other
    processes while this one builds the document (and runs ``meanwhile()``, if given)."""
    specs = claim_specs(cfg)
    software = software_versions()

    def document_and_changes():
        draft = build_document(cfg, bundle, results, verdicts, month, (), software)
        changes = compare_with_previous(to_jsonable(draft), previous)
        if meanwhile is not None:
            meanwhile()
        return draft, changes

    figures, (draft, changes) = family_figures(results, verdicts, document_and_changes)
    document = {**draft, "changes": changes}
    context = {
        "cfg": cfg,
        "month": month,
        "bundle": bundle,
        "records": bundle.records,
        "unavailable": dict(bundle.unavailable),
        "results": results,
        "verdicts": verdicts,
        "verdict_by_id": {v.claim.id: v for v in verdicts},
        "overall": document["overall"],
        "claims": specs,
        "families": families_to_run(specs),
        "narrative": document["narrative"],
        "rule_changes": RULE_CHANGES,
        "changes": changes,
        "has_previous": previous is not None,
        "previous_month": (previous or {}).get("report_month", ""),
        "figures": figures,
        "claim_figures": CLAIM_FIGURES,
        "test_rows": appendix_test_rows(results),
        "software": software,
        "alignment_rules": ALIGNMENT_RULES,
        "version": __version__,
    }
    return context, document

"""Rendering: one Jinja Environment (autoescape, StrictUndefined, number filters), HTML and PDF.

Templates only present: they receive result objects and figure SVGs, and format numbers
through :mod:`reportgen.report.filters`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import jinja2

from reportgen.analysis.common import NotTestable
from reportgen.errors import BuildError
from reportgen.report.filters import FILTERS

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"


def _is_nottestable(x) -> bool:
    return isinstance(x, NotTestable)


def make_environment(templates_dir: Path = TEMPLATES_DIR) -> jinja2.Environment:
    """The single Jinja environment of the report."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=jinja2.select_autoescape(["html", "xml"], default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    env.tests["nottestable"] = _is_nottestable
    return env


def render_html(context: dict, env: jinja2.Environment | None = None, template: str = "report.html") -> str:
    """Render the report to HTML text."""
    env = env or make_environment()
    try:
        return env.get_template(template).render(**context)
    except jinja2.TemplateError as exc:
        raise BuildError(f"template error in {getattr(exc, 'name', template)}: {exc}") from None


def html_to_pdf(html: str, base_url: Path = TEMPLATES_DIR) -> bytes:
    """Render HTML to PDF bytes with WeasyPrint (print CSS in templates/print.css)."""
    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        return weasyprint.HTML(string=html, base_url=str(base_url)).write_pdf()
    except Exception as exc:  # weasyprint has no single exception type
        raise BuildError(f"PDF rendering failed: {type(exc).__name__}: {exc}") from None

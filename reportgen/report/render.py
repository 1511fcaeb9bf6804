"""Rendering: one Jinja Environment (autoescape, StrictUndefined, number filters), HTML and PDF.

Templates only present: they receive result objects and figure SVGs, and format numbers
through :mod:`reportgen.report.filters`.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup

from reportgen.analysis.common import NotTestable
from reportgen.errors import BuildError
from reportgen.report.filters import FILTERS

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"


def _is_nottestable(x) -> bool:
    return isinstance(x, NotTestable)


class _QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's bytecode cache, except that a folder it cannot read or write never fails a
    build (the template is compiled as without a cache)."""

    def load_bytecode(self, bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            pass

    def dump_bytecode(self, bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    try:
        return _QuietBytecodeCache()
    except (OSError, RuntimeError):  # no safe temporary folder: compile every time
        return None


def make_environment(templates_dir: Path = TEMPLATES_DIR) -> jinja2.Environment:
    """The single Jinja environment of the report.

    Compiled templates are kept in Jinja's bytecode cache (a folder of the system's
    temporary directory, per user; an entry is used only while its template's source is
    unchanged): compiling the 30 templates took about 1 s of every build.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        bytecode_cache=_bytecode_cache(),
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
    return _render(env or make_environment(), template, context)


@contextlib.contextmanager
def _pdf_failures():
    """WeasyPrint quiet below errors, and any failure inside as one :class:`BuildError`
    ("PDF rendering failed: ...")."""
    _quiet_weasyprint()
    try:
        yield
    except BuildError:
        raise
    except Exception as exc:  # weasyprint has no single exception type  # noqa: broad
        raise BuildError(f"PDF rendering failed: {type(exc).__name__}: {exc}") from None


def html_to_pdf(html: str, base_url: Path = TEMPLATES_DIR) -> bytes:
    """One HTML document to PDF bytes with WeasyPrint, in one piece (links to the sibling
    documents made relative, see :func:`reportgen.report.paged.stitch`)."""
    from reportgen.report import paged

    with _pdf_failures():
        part = paged.render_part(html, base_url, lambda pages: (0, pages))
        return paged.stitch([part], _title(html))


def preload_pdf_engine() -> None:
    """Import WeasyPrint and pypdf (about 0.6 s) in this process, so the processes forked
    later to render the PDFs inherit them instead of each importing them again."""
    import pypdf  # noqa: F401
    import weasyprint  # noqa: F401


def _quiet_weasyprint() -> None:
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)


_TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def _title(html: str) -> str:
    import html as htmllib

    m = _TITLE.search(html)
    return htmllib.unescape(m.group(1).strip()) if m else ""


@dataclass(frozen=True)
class PagedDocument:
    """A long document ready to render in parts (:mod:`reportgen.report.paged`): in one
    piece (``whole``), as parts 1.. (``parts``), and part 0 given the other parts' anchor
    pages (``first``)."""

    whole: str
    parts: tuple[str, ...]
    first: Callable[[dict], str]

    def pdf(self, parallel: bool, meanwhile=None) -> tuple[bytes, object]:
        """PDF bytes, in parts on several cores when ``parallel``, else in one piece; and the
        result of ``meanwhile()``, run while the parts are laid out (None without it)."""
        from reportgen.report import paged

        if not parallel or not self.parts:
            extra = meanwhile() if meanwhile is not None else None
            return html_to_pdf(self.whole), extra
        with _pdf_failures():  # the forked workers inherit the quiet loggers
            return paged.render_parts(self.whole, self.parts, self.first, TEMPLATES_DIR, _title(self.whole),
                                      parallel=True, meanwhile=meanwhile)


# --------------------------------------------------------------------------- two documents

_FIGURE = re.compile(r"<figure\b([^>]*)>(.*?)</figure>", re.S)
_TABLE = re.compile(r'<table\b([^>]*\bclass="[^"]*\bdata\b[^"]*"[^>]*)>')
_ID = re.compile(r'\bid="([^"]+)"')
_SVG_ID = re.compile(r'<svg\b[^>]*\bid="svg-([^"]+)"')
_XREF = re.compile(r'<a class="xref" href="#([^"]+)"></a>')
_GOTO = re.compile(r'<a class="goto" href="#([^"]+)">')


@dataclass(frozen=True, slots=True)
class Numbered:
    """A document body with numbered figures and tables: ``labels`` maps element id ->
    "Figure A3" / "Table A7" (in document order)."""

    html: str
    labels: dict


def number_floats(body: str, prefix: str) -> Numbered:
    """Number the figures and data tables of ``body`` in order ("Figure {prefix}1", ...).

    Every ``<figure>`` gets an id (its own, else ``fig-<name>`` from the inlined SVG's
    ``svg-<name>``, else ``figure-<prefix><n>``) and its number at the start of its caption;
    every ``<table class="data ...">`` gets an id (its own, else ``table-<prefix><n>``) and a
    ``<caption>`` that starts with its number. Deterministic: the same body gives the same text.
    """
    labels: dict[str, str] = {}
    n_fig = 0

    def figure(m: re.Match) -> str:
        nonlocal n_fig
        n_fig += 1
        attrs, inner = m.group(1), m.group(2)
        own, svg = _ID.search(attrs), _SVG_ID.search(inner)
        fid = own.group(1) if own else (f"fig-{svg.group(1)}" if svg else f"figure-{prefix}{n_fig}")
        label = f"Figure {prefix}{n_fig}"
        labels[fid] = label
        num = f'<span class="float-num">{label}.</span> '
        if "<figcaption" in inner:
            inner = re.sub(r"(<figcaption\b[^>]*>)", lambda c: c.group(1) + num, inner, count=1)
        else:
            inner += f"<figcaption>{num}</figcaption>"
        if not own:
            attrs = f' id="{fid}"{attrs}'
        return f"<figure{attrs}>{inner}</figure>"

    body = _FIGURE.sub(figure, body)
    out, pos, n_tab = [], 0, 0
    for m in _TABLE.finditer(body):
        n_tab += 1
        attrs = m.group(1)
        own = _ID.search(attrs)
        tid = own.group(1) if own else f"table-{prefix}{n_tab}"
        label = f"Table {prefix}{n_tab}"
        labels[tid] = label
        out.append(body[pos:m.start()])
        out.append(f"<table{attrs}>" if own else f'<table id="{tid}"{attrs}>')
        pos = m.end()
        rest = body[pos:pos + 400]
        cap = re.match(r"\s*<caption\b[^>]*>", rest)
        num = f'<span class="float-num">{label}.</span> '
        if cap:
            out.append(rest[:cap.end()] + num)
            pos += cap.end()
        else:
            out.append(f"<caption>{num}</caption>")
    out.append(body[pos:])
    return Numbered(html="".join(out), labels=labels)


def resolve_xrefs(body: str, labels: dict, local: set | frozenset = frozenset(), external: str = "") -> str:
    """Fill ``<a class="xref" href="#id"></a>`` with the target's number ("Figure A3"), and
    point ``<a class="goto" href="#id">`` links at the document that holds the target.

    Targets in ``local`` (ids of this document) link within it; others link to
    ``external + "#id"`` when ``external`` is given (the note's PDF points into
    ``appendix.pdf``), else within the page. A target that was never drawn (a figure
    that was not testable) leaves no link.
    """

    def sub(m: re.Match) -> str:
        target = m.group(1)
        if target not in labels:
            return ""
        href = f"#{target}" if (target in local or not external) else f"{external}#{target}"
        return f'<a class="xref" href="{href}">{labels[target]}</a>'

    def goto(m: re.Match) -> str:
        target = m.group(1)
        href = f"#{target}" if (target in local or not external) else f"{external}#{target}"
        return f'<a class="goto" href="{href}">'

    return _GOTO.sub(goto, _XREF.sub(sub, body))


_CHAPTER = re.compile(r'<section class="chapter" id="([^"]+)">\s*<h2>(.*?)</h2>', re.S)
_DATA_TABLE = re.compile(r'(<table\b[^>]*\bclass="[^"]*\bdata\b[^"]*"[^>]*>.*?</table>)', re.S)
_WRAPPED = re.compile(r'<div class="table-wrap">\s*$')


def screen_version(body: str) -> str:
    """The appendix body for the screen: chapters become collapsible ``<details>`` (their
    heading the summary), and every data table sits in a horizontally scrollable wrapper, so
    a 390 px wide page never scrolls sideways."""
    body = _CHAPTER.sub(lambda m: f'<details class="chapter" id="{m.group(1)}"><summary><h2>{m.group(2)}</h2></summary>', body)
    body = body.replace("</section><!--/chapter-->", "</details>")
    out, pos = [], 0
    for m in _DATA_TABLE.finditer(body):
        before = body[pos:m.start()]
        out.append(before)
        wrapped = _WRAPPED.search(before) is not None
        out.append(m.group(1) if wrapped else f'<div class="table-wrap">{m.group(1)}</div>')
        pos = m.end()
    out.append(body[pos:])
    return "".join(out)


def pdf_documents(note_html: str, appendix: PagedDocument, parallel: bool = True) -> dict[str, bytes]:
    """``note.pdf`` and ``appendix.pdf``; the appendix in parts on two cores when ``parallel``
    (the note renders meanwhile)."""
    appendix_pdf, note_pdf = appendix.pdf(parallel, meanwhile=lambda: html_to_pdf(note_html))
    return {"note.pdf": note_pdf, "appendix.pdf": appendix_pdf}


def _render(env: jinja2.Environment, template: str, context: dict) -> str:
    try:
        return env.get_template(template).render(**context)
    except jinja2.TemplateError as exc:
        raise BuildError(f"template error in {getattr(exc, 'name', None) or template}: {exc}") from None


class PendingDocuments:
    """``report.html`` rendered; the two PDFs still rendering in a forked process (which
    renders the appendix's parts in two more, see :mod:`reportgen.report.paged`).

    :meth:`finish` waits for them and returns every file; :meth:`close` stops the workers
    (call it in a ``finally``: a build that fails meanwhile leaves no process behind).
    """

    def __init__(self, files: dict[str, bytes], note_html: str | None, appendix: PagedDocument | None,
                 parallel: bool):
        self._files = files
        self._note, self._appendix = note_html, appendix
        self._process = self._conn = None
        if note_html is not None and parallel and "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")
            self._conn, child = ctx.Pipe(duplex=False)
            self._process = ctx.Process(target=_pdf_process, args=(child, note_html, appendix), daemon=False)
            self._process.start()
            child.close()

    def finish(self) -> dict[str, bytes]:
        """Every file: report.html and, when asked for, note.pdf and appendix.pdf."""
        if self._note is None:
            return dict(self._files)
        if self._process is None:
            return {**self._files, **pdf_documents(self._note, self._appendix, parallel=False)}
        try:
            status, payload = self._conn.recv()
        except EOFError:
            raise BuildError(f"the PDF process died (exit code {self._process.exitcode})") from None
        finally:
            self.close()
        if status != "ok":
            raise BuildError(payload)
        return {**self._files, **payload}

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
            self._process = None


def _pdf_process(conn, note_html: str, appendix: PagedDocument) -> None:  # pragma: no cover (child process)
    try:
        conn.send(("ok", pdf_documents(note_html, appendix, parallel=True)))
    except BuildError as exc:
        conn.send(("error", str(exc)))
    except BaseException as exc:
        conn.send(("error", f"PDF rendering failed: {type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def start_documents(context: dict, env: jinja2.Environment | None = None, pdf: bool = True,
                    parallel: bool = True) -> PendingDocuments:
    """Render the documents' HTML now and start the two PDFs in two forked processes, so the
    caller can do other work (results.json, the take-away tables) while WeasyPrint runs.

    The appendix body is rendered and numbered first ("Figure A1", "Table A1", ...), then
    the note's ("Figure 1", ...), and each body's cross-references are filled in. The note
    PDF links into ``appendix.pdf``; ``report.html`` holds both bodies and links within.
    """
    env = env or make_environment()
    appendix = number_floats(_render(env, "partials/doc_appendix.html", context), "A")
    note = number_floats(_render(env, "partials/doc_note.html", context), "")
    labels = {**appendix.labels, **note.labels}
    note_ids, appendix_ids = set(_ID.findall(note.html)), set(_ID.findall(appendix.html))
    bodies = {
        "note": resolve_xrefs(note.html, labels, note_ids, external="appendix.pdf"),
        "appendix": resolve_xrefs(appendix.html, labels, appendix_ids, external="note.pdf"),
    }
    screen = {"note": screen_version(resolve_xrefs(note.html, labels)),
              "appendix": screen_version(resolve_xrefs(appendix.html, labels))}
    report = _render(env, "report.html", {**context, "note_body": Markup(screen["note"]),
                                           "appendix_body": Markup(screen["appendix"])})
    note_html = appendix = None
    if pdf:
        note_html = _render(env, "note.html", {**context, "body": Markup(bodies["note"])})
        appendix = paged_appendix(env, context, bodies["appendix"])
    return PendingDocuments({"report.html": report.encode("utf-8")}, note_html, appendix, parallel)


def paged_appendix(env: jinja2.Environment, context: dict, body: str) -> PagedDocument:
    """The appendix as one document and as the parts of :func:`reportgen.report.paged.plan_parts`."""
    from reportgen.report import paged

    plan = paged.plan_parts(body)
    parts = paged.link_across_parts([p.html for p in plan])
    whole = _render(env, "appendix.html", {**context, "body": Markup(paged.with_part_breaks(body))})
    later = tuple(_render(env, "appendix.html", {**context, "body": Markup(html), "continued": Markup(part.heading)})
                  for part, html in zip(plan[1:], parts[1:]))

    linked = paged.linked_elsewhere(parts[0])

    def first(pages: dict) -> str:  # before the pages are known, 0 stands in (no layout changes: the line has a leader)
        toc = paged.toc_style({name: pages.get(name, 0) for name in linked})
        return _render(env, "appendix.html", {**context, "body": Markup(parts[0]), "part_toc": Markup(toc)})

    return PagedDocument(whole=whole, parts=later, first=first)


def render_documents(context: dict, env: jinja2.Environment | None = None, pdf: bool = True,
                     parallel: bool = True) -> dict[str, bytes]:
    """The note, the appendix and the screen document, as file name -> bytes (see
    :func:`start_documents`; this waits for the PDFs)."""
    pending = start_documents(context, env, pdf=pdf, parallel=parallel)
    try:
        return pending.finish()
    finally:
        pending.close()

"""One long document rendered to PDF in parts, on several cores, stitched into one file.

WeasyPrint lays a document out page after page in one process (pure Python, so one core).
The appendix is long (about 70 pages, 130 tables): alone it took 16 s of the build. Here
its body is cut into a fixed plan of parts (:func:`plan_parts`): part 0 (the heading and
the contents) and two runs of chapters of about equal cost, cut at a chapter or at a
:data:`CUT` mark of the templates. Each run starts on a new page in every mode, so the
pages do not depend on how the parts are rendered.

What ties the parts together, and how:

- **Page numbers** ("Page 41 of 73"). The body of a page does not depend on its number;
  only the margin boxes do, and WeasyPrint makes those after the whole part is laid out.
  A worker lays its part out, reports its page count, waits for its first page number and
  the total, then makes its margin boxes (:func:`_numbered_margin_boxes`). Part 0 is
  rendered last, when every number is known.
- **Contents.** Part 0's contents list gets the first page of each chapter of the other
  parts as literal text (:func:`toc_style`); its own chapters use ``target-counter``.
- **Running headers.** Parts after the first carry an invisible copy of the elements that
  set the running strings (document title, month) and restore the first page's header
  (``templates/appendix.html``, ``continued``).
- **Links.** A link to an anchor in another part is written as a marker URL
  (:data:`XREF`) and turned into a named destination when stitching; links to the sibling
  documents (``note.pdf``) become relative ``GoToR`` actions. The outline (bookmarks) is
  rebuilt from every part's headings with their levels.

:func:`render_parts` renders the parts in forked processes, or (``parallel=False``) the
document in one piece with the same page breaks; both give the same pages, the same text on
every page, the same links and outline (``tests/test_paged.py`` compares them). Same HTML,
same bytes.
"""

from __future__ import annotations

import io
import multiprocessing
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reportgen.errors import BuildError

CHAPTER = re.compile(r'<section class="chapter"')
"""Where a chapter starts in a document body (the templates' chapter sections)."""

CUT = "<!--part-cut-->"
"""Where the templates allow a part to start inside a chapter (between two whole tables or
two detail sections); a part may also start at any chapter."""

PART_BREAK = '<div class="part-start"></div>'
"""A page break (report.css), where a part starts, in the document rendered in one piece."""

XREF = "https://reportgen.invalid/anchor/"
"""Marker URL for a link whose anchor is in another part (replaced when stitching)."""

SIBLINGS = ("note.pdf", "appendix.pdf")
"""Documents that link to each other: their links become relative ``GoToR`` actions."""

GROUPS = 2
"""Parts after part 0. Fixed, so the page breaks never depend on the machine."""

_ID = re.compile(r'\bid="([^"]+)"')
_HREF = re.compile(r'href="#([^"]+)"')
_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_CELL = re.compile(r"<t[dh]\b")
_TAG = re.compile(r"<[^>]+>")
_H2 = re.compile(r"<h2\b[^>]*>.*?</h2>", re.S)
_BLOCK = re.compile(f'(?={re.escape(CUT)})|(?={CHAPTER.pattern})')


# --------------------------------------------------------------------------- the plan


def chapter_cost(html: str) -> tuple[float, float]:
    """WeasyPrint's cost of a piece of body in milliseconds, as ``(layout, drawing)``: the
    layout (``render``) costs 0.55 per table cell, 0.031 per character of text and 39 per
    figure; drawing the PDF (``write_pdf``) 0.017, 0.012 and 87. (Least squares over the 20
    blocks of the 2026-08 appendix, each rendered alone, warm: 12.2 s of layout, 4.3 s of
    drawing.) The two are kept apart because the parts wait for each other between them
    (:func:`_numbered_margin_boxes`)."""
    figures = len(_SVG.findall(html))
    rest = _SVG.sub("", html)
    cells, chars = len(_CELL.findall(rest)), len(_TAG.sub("", rest))
    return 0.55 * cells + 0.031 * chars + 39 * figures, 0.017 * cells + 0.012 * chars + 87 * figures


def split_chapters(body: str) -> tuple[str, tuple[str, ...]]:
    """``(head, blocks)``: the body before its first chapter, and the blocks a part may
    start at -- each chapter, cut again at every :data:`CUT` inside it."""
    starts = [m.start() for m in CHAPTER.finditer(body)]
    if not starts:
        return body, ()
    rest = body[starts[0]:]
    bounds = sorted({m.start() for m in _BLOCK.finditer(rest)} | {0})
    return body[:starts[0]], tuple(rest[a:b] for a, b in zip(bounds, bounds[1:] + [len(rest)]) if rest[a:b])


def _balanced_cut(costs: Sequence[tuple[float, float]], groups: int) -> list[int]:
    """Start indices of ``groups`` contiguous, non-empty groups of blocks minimising the
    finish time of parts rendered side by side: the slowest layout plus the slowest drawing
    (every part waits for the others' page counts in between). Exhaustive over cut points
    (a document has a few dozen blocks); ties go to the earliest cuts."""
    n = len(costs)
    if groups <= 1 or n <= 1:
        return [0]
    groups = min(groups, n)
    layout, drawing = [0.0], [0.0]
    for a, b in costs:
        layout.append(layout[-1] + a)
        drawing.append(drawing[-1] + b)
    best: tuple[float, list[int]] | None = None

    def search(start: int, left: int, cuts: list[int], lay: float, draw: float) -> None:
        nonlocal best
        if left == 1:
            finish = max(lay, layout[n] - layout[start]) + max(draw, drawing[n] - drawing[start])
            if best is None or finish < best[0] - 1e-9:
                best = (finish, cuts)
            return
        for stop in range(start + 1, n - left + 2):
            search(stop, left - 1, cuts + [stop], max(lay, layout[stop] - layout[start]),
                   max(draw, drawing[stop] - drawing[start]))

    search(0, groups, [0], 0.0, 0.0)
    return best[1]


@dataclass(frozen=True, slots=True)
class Part:
    """One part of the body; ``heading`` is the ``<h2>`` of the chapter it starts inside
    (empty when it starts with a chapter or is part 0), carried invisibly so its pages get
    the chapter's running header."""

    html: str
    heading: str = ""


def plan_parts(body: str, groups: int = GROUPS) -> tuple[Part, ...]:
    """The body cut into parts: part 0 is everything before the first chapter (the
    document's heading and contents); the chapters, cut at chapters and :data:`CUT`
    points, form ``groups`` contiguous parts of about equal :func:`chapter_cost`, each on
    new pages.

    A body with fewer than two blocks is one part. Joining the parts' html gives the body
    back (:func:`with_part_breaks` adds the page breaks).
    """
    head, blocks = split_chapters(body)
    if len(blocks) < 2:
        return (Part(body),)
    cuts = _balanced_cut([chapter_cost(b) for b in blocks], groups)
    parts = [Part(head)]
    for a, b in zip(cuts, cuts[1:] + [len(blocks)]):
        html = "".join(blocks[a:b])
        heading = ""
        if not CHAPTER.match(html):
            before = _H2.findall("".join(blocks[:a]))
            heading = _ID.sub("", before[-1]) if before else ""
        parts.append(Part(html, heading))
    return tuple(parts)


def with_part_breaks(body: str, groups: int = GROUPS) -> str:
    """The body in one piece with the page breaks of its parts: each part after the first
    starts with :data:`PART_BREAK`."""
    parts = plan_parts(body, groups)
    return "".join([parts[0].html] + [PART_BREAK + p.html for p in parts[1:]])


def link_across_parts(parts: Sequence[str]) -> tuple[str, ...]:
    """Each part with its links to anchors of *other* parts written as :data:`XREF` URLs
    (WeasyPrint drops a link whose anchor is not in the document)."""
    ids = [set(_ID.findall(p)) for p in parts]
    everywhere = set().union(*ids)
    out = []
    for part, own in zip(parts, ids):
        out.append(_HREF.sub(lambda m, own=own: m.group(0) if m.group(1) in own or m.group(1) not in everywhere
                             else f'href="{XREF}{m.group(1)}"', part))
    return tuple(out)


def linked_elsewhere(part: str) -> tuple[str, ...]:
    """The anchors of other parts that ``part`` links to (after :func:`link_across_parts`)."""
    return tuple(sorted(set(re.findall(f'href="{re.escape(XREF)}([^"]+)"', part))))


def toc_style(pages: dict[str, int]) -> str:
    """CSS giving each contents entry whose chapter is in another part its page number (its
    link is an :data:`XREF` URL there, see :func:`link_across_parts`)."""
    return "\n".join(f'nav.toc a[href="{XREF}{name}"]::after {{ content: leader(".") "{page}"; }}'
                     for name, page in sorted(pages.items()))


# --------------------------------------------------------------------------- rendering one part


@dataclass(frozen=True, slots=True)
class RenderedPart:
    """One part as PDF bytes, with what stitching needs: its page count, where its anchors
    are (page index within the part) and its headings for the outline as
    ``(level, label, page index, left, top)`` in PDF points."""

    pdf: bytes
    pages: int
    anchors: dict
    bookmarks: tuple


def _numbered_margin_boxes(numbering: Callable[[int], tuple[int, int]]):
    """A replacement for WeasyPrint's ``make_margin_boxes`` whose page counters are shifted:
    at its first call (the part is laid out; ``state`` knows the part's page count) it asks
    ``numbering(pages_in_part)`` for ``(first page number - 1, total pages)``."""
    import weasyprint.layout as layout

    original = layout.make_margin_boxes
    asked: list[tuple[int, int]] = []

    def make_margin_boxes(context, page, state):
        counters = dict(state[1])
        if not asked:
            asked.append(numbering(int(counters["pages"][-1])))
        offset, total = asked[0]
        counters["page"] = [value + offset for value in counters.get("page", [0])]
        counters["pages"] = [total]
        return original(context, page, (state[0], counters, *state[2:]))

    return original, make_margin_boxes


def render_part(html: str, base_url: Path, numbering: Callable[[int], tuple[int, int]],
                after_layout: Callable[[dict], None] | None = None) -> RenderedPart:
    """Render one part; ``numbering`` gives its page numbers (see
    :func:`_numbered_margin_boxes`); ``after_layout(anchors)`` is told where its anchors
    are (page index within the part) before the PDF is written."""
    import weasyprint
    import weasyprint.layout as layout

    original, numbered = _numbered_margin_boxes(numbering)
    layout.make_margin_boxes = numbered
    try:
        document = weasyprint.HTML(string=html, base_url=str(base_url)).render()
    finally:
        layout.make_margin_boxes = original
    anchors: dict[str, int] = {}
    bookmarks = []
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, index)
        height = page.height * 0.75
        for level, label, (x, y), _state in page.bookmarks:
            bookmarks.append((int(level), str(label), index, round(x * 0.75, 3), round(height - y * 0.75, 3)))
    if after_layout is not None:
        after_layout(anchors)
    return RenderedPart(pdf=document.write_pdf(), pages=len(document.pages), anchors=anchors,
                        bookmarks=tuple(bookmarks))


# --------------------------------------------------------------------------- stitching


def stitch(parts: Sequence[RenderedPart], title: str) -> bytes:
    """One PDF from the rendered parts: pages in order, one outline, every anchor a named
    destination, cross-part and sibling links resolved. Deterministic (fixed file id)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    starts = []
    for part in parts:
        starts.append(len(writer.pages))
        writer.append(PdfReader(io.BytesIO(part.pdf)), import_outline=False)
    for page in writer.pages:
        for ref in page.get("/Annots", ArrayObject()):
            annot = ref.get_object()
            action = annot.get("/A")
            uri = str(action.get_object().get("/URI", "")) if action is not None else ""
            if uri.startswith(XREF):
                del annot[NameObject("/A")]
                annot[NameObject("/Dest")] = TextStringObject(uri[len(XREF):])
            elif uri.startswith("file://"):
                target, _, fragment = uri.rsplit("/", 1)[-1].partition("#")
                if target in SIBLINGS:
                    go = DictionaryObject({NameObject("/Type"): NameObject("/Action"),
                                           NameObject("/S"): NameObject("/GoToR"),
                                           NameObject("/F"): TextStringObject(target)})
                    if fragment:
                        go[NameObject("/D")] = TextStringObject(fragment)
                    annot[NameObject("/A")] = go
    _named_destinations(writer, parts, starts)
    _outline(writer, parts, starts)
    writer.add_metadata({"/Title": title, "/Producer": _producer()})
    writer._ID = None  # no file id: pypdf would otherwise make one from the clock
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _producer() -> str:
    import pypdf
    import weasyprint

    return f"WeasyPrint {weasyprint.__version__}; pypdf {pypdf.__version__} (reportgen.report.paged)"


def _named_destinations(writer, parts: Sequence[RenderedPart], starts: Sequence[int]) -> None:
    """Every part's anchors as named destinations of the stitched file (the first page an
    anchor is on), in name order."""
    names: dict[str, int] = {}
    for part, start in zip(parts, starts):
        for name, index in part.anchors.items():
            names.setdefault(name, start + index)
    existing = set(writer.named_destinations)
    for name in sorted(names):
        if name not in existing:
            writer.add_named_destination(name, names[name])


def _outline(writer, parts: Sequence[RenderedPart], starts: Sequence[int]) -> None:
    """One outline from every part's headings, nested by level as WeasyPrint nests them."""
    from pypdf.generic import Fit

    stack: list[tuple[int, object]] = []
    for part, start in zip(parts, starts):
        for level, label, index, left, top in part.bookmarks:
            while stack and stack[-1][0] >= level:
                stack.pop()
            parent = stack[-1][1] if stack else None
            item = writer.add_outline_item(title=label, page_number=start + index, parent=parent,
                                           fit=Fit.xyz(left, top, 0), is_open=True)
            stack.append((level, item))


# --------------------------------------------------------------------------- the whole document


def render_parts(whole_html: str, part_htmls: Sequence[str], part0_html: Callable[[dict], str], base_url: Path,
                 title: str, parallel: bool = True, meanwhile: Callable[[], object] | None = None
                 ) -> tuple[bytes, object]:
    """One document as one PDF, rendered in parts on several cores when ``parallel``;
    returns the PDF and the result of ``meanwhile()`` (other work, done here while the
    parts are laid out elsewhere; None without it).

    ``whole_html`` is the document in one piece (with the parts' page breaks, see
    :func:`with_part_breaks`); ``part_htmls`` are parts 1.. (after
    :func:`link_across_parts`); ``part0_html(pages)`` returns part 0 given the page number
    of every anchor of the other parts (for its contents list, see :func:`toc_style`).
    In one process (``parallel=False``, or no ``fork``) the whole document is rendered in
    one piece: the same pages and text, other bytes.
    """
    if parallel and part_htmls and "fork" in multiprocessing.get_all_start_methods():
        rendered, extra = _render_forked(list(part_htmls), base_url, part0_html, meanwhile)
    else:
        extra = meanwhile() if meanwhile is not None else None
        rendered = [render_part(whole_html, base_url, lambda pages: (0, pages))]
    return stitch(rendered, title), extra


def _part0_pages(html0: str, base_url: Path) -> int:
    """Part 0's page count: its layout does not depend on the numbers filled in later."""
    import weasyprint

    return len(weasyprint.HTML(string=html0, base_url=str(base_url)).render().pages)


def _global_anchor_pages(counts: Sequence[int], anchors: Sequence[dict], n0: int) -> dict[str, int]:
    pages: dict[str, int] = {}
    start = n0
    for count, found in zip(counts, anchors):
        for name, index in found.items():
            pages.setdefault(name, start + index + 1)
        start += count
    return pages


def _render_forked(rest: list[str], base_url: Path, part0_html, meanwhile) -> tuple[list[RenderedPart], object]:
    ctx = multiprocessing.get_context("fork")
    pipes, procs = [], []
    try:
        for html in rest:
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(child, html, base_url), daemon=True)
            proc.start()
            child.close()
            pipes.append(parent)
            procs.append(proc)
        n0 = _part0_pages(part0_html({}), base_url)  # while the workers lay out
        extra = meanwhile() if meanwhile is not None else None
        counts = [_receive(p, "pages") for p in pipes]
        total, start = n0 + sum(counts), n0
        for pipe, count in zip(pipes, counts):
            pipe.send((start, total))
            start += count
        anchors = [_receive(p, "anchors") for p in pipes]
        first = render_part(part0_html(_global_anchor_pages(counts, anchors, n0)), base_url, lambda _n: (0, total))
        if first.pages != n0:
            raise BuildError(f"the appendix's first part changed from {n0} to {first.pages} pages once its "
                             "contents had page numbers")
        rendered = [_receive(p, "part") for p in pipes]
        return [first, *rendered], extra
    finally:
        for pipe in pipes:
            pipe.close()
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join()


def _receive(pipe, what: str):
    try:
        kind, value = pipe.recv()
    except EOFError:
        raise BuildError(f"a PDF worker died before sending its {what}") from None
    if kind == "error":
        raise BuildError(value)
    if kind != what:
        raise BuildError(f"a PDF worker sent {kind!r} where {what!r} was expected")
    return value


def _worker(pipe, html: str, base_url: Path) -> None:  # pragma: no cover (child process)
    import traceback

    def numbering(pages: int) -> tuple[int, int]:
        pipe.send(("pages", pages))
        return pipe.recv()

    try:
        part = render_part(html, base_url, numbering, after_layout=lambda a: pipe.send(("anchors", a)))
        pipe.send(("part", part))
    except BaseException as exc:  # the parent raises it as a BuildError
        try:
            pipe.send(("error", f"PDF rendering failed: {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"))
        except OSError:  # the parent closed its end: it failed first and reports that
            pass
    finally:
        pipe.close()


__all__ = ["plan_parts", "with_part_breaks", "Part", "CUT", "link_across_parts", "toc_style", "render_parts", "render_part",
           "stitch", "RenderedPart", "linked_elsewhere", "chapter_cost", "split_chapters", "XREF", "GROUPS"]

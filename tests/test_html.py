"""The screen document and the two PDFs' bodies: unique ids, accessible figures, numbered
figures and tables, cross-references, collapsible chapters, PDFs rendered in parallel."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass
from collections import Counter
from html.parser import HTMLParser

import pytest

from reportgen.errors import BuildError
from reportgen.report import render as render_mod
from reportgen.report.context import build_context
from reportgen.report.figures.base import finalize_svg, new_figure, styled, to_svg
from reportgen.report.render import number_floats, pdf_documents, render_documents, resolve_xrefs, screen_version
from tests.test_report import small_bundle, verdicts


@dataclass(frozen=True, slots=True)
class FakeResult:
    x: int = 1


class _Ids(HTMLParser):
    """Every id, every <svg> root's attributes, and whether each <svg> has a <title>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.svgs: list[dict] = []
        self._last = ""
        self.svg_titles = 0
        self.tags: Counter = Counter()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] += 1
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "svg":
            self.svgs.append(a)
        if tag == "title" and self._last == "svg":
            self.svg_titles += 1
        self._last = tag


def parse(html: str) -> _Ids:
    p = _Ids()
    p.feed(html)
    return p


@styled
def _two_line_figure(seed: float) -> str:
    fig, axes = new_figure(3, 2)
    axes[0, 0].plot([0, 1, 2], [seed, 1, 0], marker="o", label="a")
    axes[0, 0].legend()
    return to_svg(fig)


def test_matplotlib_ids_collide_and_finalize_makes_them_unique():
    a, b = _two_line_figure(0.0), _two_line_figure(1.0)
    raw = Counter(parse(a).ids) + Counter(parse(b).ids)
    assert any(n > 1 for n in raw.values())  # the bug: inlined matplotlib SVGs share ids
    fa = finalize_svg(a, "fam-a", "Line chart A")
    fb = finalize_svg(b, "fam-b", "Line chart <B>")
    ids = parse(fa + fb).ids
    assert len(ids) == len(set(ids))
    assert "svg-fam-a" in ids and "svg-fam-b" in ids
    # every reference points at an id of the same figure
    import re
    for text, prefix in ((fa, "fam-a"), (fb, "fam-b")):
        own = set(parse(text).ids)
        refs = re.findall(r'(?:url\(#|href="#)([^")]+)', text)
        assert refs and all(r in own and r.startswith(prefix + "-") for r in refs)
    root = parse(fb).svgs[0]
    assert root["role"] == "img" and root["aria-label"] == "Line chart <B>"
    assert "<title>Line chart &lt;B&gt;</title>" in fb
    assert finalize_svg(a, "fam-a", "Line chart A") == fa  # deterministic


def test_number_floats_numbers_captions_and_ids():
    body = ('<figure><div class="svg"><svg id="svg-ev-cars"></svg></div><figcaption>Cars.</figcaption></figure>'
            '<table class="data small"><caption>Tests</caption><tr><td>1</td></tr></table>'
            '<figure id="own"><img alt=""></figure>'
            '<table class="data" id="tests-C4"><tr><td>2</td></tr></table>'
            '<table class="meta"><tr><td>not numbered</td></tr></table>')
    out = number_floats(body, "A")
    assert out.labels == {"fig-ev-cars": "Figure A1", "own": "Figure A2", "table-A1": "Table A1", "tests-C4": "Table A2"}
    assert '<figure id="fig-ev-cars"><div class="svg">' in out.html
    assert '<figcaption><span class="float-num">Figure A1.</span> Cars.</figcaption>' in out.html
    assert '<figcaption><span class="float-num">Figure A2.</span> </figcaption></figure>' in out.html
    assert '<table id="table-A1" class="data small"><caption><span class="float-num">Table A1.</span> Tests</caption>' in out.html
    assert '<table class="data" id="tests-C4"><caption><span class="float-num">Table A2.</span> </caption>' in out.html
    assert "Table A3" not in out.html


def test_xrefs_link_within_or_across_documents():
    labels = {"fig-a": "Figure A1", "note-t": "Table 1"}
    body = ('<a class="xref" href="#fig-a"></a> <a class="xref" href="#note-t"></a> '
            '<a class="xref" href="#never-drawn"></a>|<a class="goto" href="#fig-a">there</a>')
    assert resolve_xrefs(body, labels, {"note-t"}, external="appendix.pdf") == (
        '<a class="xref" href="appendix.pdf#fig-a">Figure A1</a> <a class="xref" href="#note-t">Table 1</a> '
        '|<a class="goto" href="appendix.pdf#fig-a">there</a>')
    assert resolve_xrefs(body, labels) == (
        '<a class="xref" href="#fig-a">Figure A1</a> <a class="xref" href="#note-t">Table 1</a> '
        '|<a class="goto" href="#fig-a">there</a>')


def test_screen_version_collapses_chapters_and_wraps_tables():
    body = ('<section class="chapter" id="x">\n<h2>Title</h2><table class="data"><tr><td>1</td></tr></table>'
            '</section><!--/chapter--><div class="table-wrap"><table class="data small"><tr><td>2</td></tr></table></div>')
    assert screen_version(body) == (
        '<details class="chapter" id="x"><summary><h2>Title</h2></summary><div class="table-wrap">'
        '<table class="data"><tr><td>1</td></tr></table></div></details>'
        '<div class="table-wrap"><table class="data small"><tr><td>2</td></tr></table></div>')


@pytest.fixture
def fake_family(monkeypatch):
    """A figure family whose two figures share matplotlib's ids, as every real family's do."""
    mod = types.ModuleType("tests._fake_figures")
    mod.figures = lambda result: {"one": _two_line_figure(0.0), "two": _two_line_figure(2.0)}
    mod.ALT = {"one": "First fake figure"}
    monkeypatch.setitem(sys.modules, "tests._fake_figures", mod)
    from reportgen.report import context as ctx

    monkeypatch.setitem(ctx.FIGURE_MODULES, "fake", "tests._fake_figures")
    return mod


def test_report_html_has_unique_ids_and_accessible_figures(config, fake_family):
    context, _ = build_context(config, small_bundle(), {"fake": FakeResult()}, verdicts(), "2026-11", None)
    assert set(context["figures"]["fake"]) == {"one", "two"}
    assert "scorecard" in context["figures"]["note"]
    files = render_documents(context, pdf=False)
    html = files["report.html"].decode("utf-8")
    fake = "".join(context["figures"]["fake"].values())  # as a family section would inline them
    p = parse(html + fake)
    dupes = sorted(k for k, n in Counter(p.ids).items() if n > 1)
    assert dupes == []
    assert p.svgs and all(s.get("role") == "img" and s.get("aria-label") for s in p.svgs)
    assert p.svg_titles == len(p.svgs)
    assert fake.count('aria-label="First fake figure"') == 1
    assert 'aria-label="Figure: fake — two"' in fake  # a figure without its own text still gets one
    assert '<nav class="sticky-toc" aria-label="Contents">' in html
    assert html.count('<details class="chapter"') >= 5  # methodology, tests, details, provenance, limitations (+ one per family run)
    assert '<details class="chapter" id="methodology"><summary><h2>Methodology</h2></summary>' in html
    assert '<figure id="fig-note-scorecard"' in html and 'Figure 1.</span>' in html
    # the note's verdict table links each claim's figures and tests by number
    assert '<a class="xref" href="#tests-C4">Table A' in html or "tests-C4" not in p.ids


def test_documents_are_byte_identical(config):
    a, _ = build_context(config, small_bundle(), {}, verdicts(), "2026-11", None)
    b, _ = build_context(config, small_bundle(), {}, verdicts(), "2026-11", None)
    assert render_documents(a, pdf=False) == render_documents(b, pdf=False)


def _fake_pdfs(monkeypatch):
    """Fake PDFs: the note's and the appendix's HTML lengths, in one piece or in parts."""
    monkeypatch.setattr(render_mod, "html_to_pdf", lambda html: b"%PDF-fake " + str(len(html)).encode())
    monkeypatch.setattr(render_mod.PagedDocument, "pdf", lambda self, parallel, meanwhile=None: (
        b"%PDF-fake " + str(len(self.whole)).encode(), meanwhile() if meanwhile else None))


def test_pdf_failure_is_a_build_error(config, monkeypatch):
    def broken(html):
        raise BuildError("PDF rendering failed: ValueError: bad note")

    monkeypatch.setattr(render_mod, "html_to_pdf", broken)
    context, _ = build_context(config, small_bundle(), {}, verdicts(), "2026-11", None)
    appendix = render_mod.paged_appendix(render_mod.make_environment(), context, "<p>a</p>")
    with pytest.raises(BuildError, match="PDF rendering failed: ValueError: bad note"):
        pdf_documents("<p>n</p>", appendix, parallel=False)


def test_bare_groups_are_unwrapped_and_the_drawing_kept():
    svg = ('<svg xmlns="http://www.w3.org/2000/svg"><g id="figure_1"><g id="patch_1"><path d="M0 0"/></g>'
           '<g clip-path="url(#p1)"><g id="line2d_1"><path d="M1 1"/></g></g><g id="x" style="a"/></g>'
           '<defs><clipPath id="p1"><rect/></clipPath></defs></svg>')
    out = finalize_svg(svg, "f", "A figure")
    assert out == ('<svg xmlns="http://www.w3.org/2000/svg" id="svg-f" role="img" aria-label="A figure"><title>A figure</title>'
                   '<path d="M0 0"/><g clip-path="url(#f-p1)"><path d="M1 1"/></g><g style="a"/>'
                   '<defs><clipPath id="f-p1"><rect/></clipPath></defs></svg>')


def test_start_documents_renders_pdfs_while_the_caller_works(config, monkeypatch):
    _fake_pdfs(monkeypatch)
    context, _ = build_context(config, small_bundle(), {}, verdicts(), "2026-11", None)
    pending = render_mod.start_documents(context, pdf=True)
    try:
        files = pending.finish()
    finally:
        pending.close()
    assert sorted(files) == ["appendix.pdf", "note.pdf", "report.html"]
    assert files["note.pdf"].startswith(b"%PDF-fake ") and files["appendix.pdf"].startswith(b"%PDF-fake ")
    assert files == render_documents(context, pdf=True, parallel=False)  # same bytes in one process
    assert sorted(render_documents(context, pdf=False)) == ["report.html"]


def test_a_failed_pdf_worker_fails_the_build_and_leaves_no_process(config, monkeypatch):
    def broken(html):
        raise BuildError("PDF rendering failed: OSError: disk full")

    monkeypatch.setattr(render_mod, "html_to_pdf", broken)
    context, _ = build_context(config, small_bundle(), {}, verdicts(), "2026-11", None)
    pending = render_mod.start_documents(context, pdf=True)
    with pytest.raises(BuildError, match="PDF rendering failed: OSError: disk full"):
        pending.finish()
    pending.close()
    assert pending._process is None
    import multiprocessing

    assert multiprocessing.active_children() == []


@pytest.mark.slow
def test_real_pdfs_are_deterministic_and_the_note_is_short(config):
    from tests.test_e2e import pdf_pages

    context, _ = build_context(config, small_bundle(), {}, verdicts(), "2026-11", None)
    a = render_documents(context, pdf=True)
    b = render_documents(context, pdf=True)
    assert a == b  # WeasyPrint output is byte-identical for the same HTML
    assert a["note.pdf"][:5] == b"%PDF-" and a["appendix.pdf"][:5] == b"%PDF-"
    assert 1 <= pdf_pages(a["note.pdf"]) <= 4


def test_compiled_templates_are_cached_and_a_broken_cache_is_harmless(monkeypatch, tmp_path):
    env = render_mod.make_environment()
    assert isinstance(env.bytecode_cache, render_mod._QuietBytecodeCache)
    cache = render_mod._QuietBytecodeCache(str(tmp_path / "missing"))  # a folder that does not exist
    monkeypatch.setattr(render_mod, "_bytecode_cache", lambda: cache)
    env = render_mod.make_environment()
    assert "<html" in env.get_template("note.html").render(**{"narrative": {"title": "t"}, "month": "m", "body": "",
                                                             "cfg": {"report": {"page_size": "A4"}}})

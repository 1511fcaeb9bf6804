"""The appendix rendered in parts on two cores and stitched (reportgen.report.paged): the
plan, the links across parts, and -- on a real WeasyPrint render -- the same pages, text,
page numbers, contents, links and outline as the document rendered in one piece."""

from __future__ import annotations

import io
import multiprocessing
import re

import pytest

from reportgen.errors import BuildError
from reportgen.report import paged
from reportgen.report import render as render_mod
from reportgen.report.context import build_context
from tests.test_report import small_bundle, verdicts


def chapter(cid: str, rows: int = 0, text: str = "") -> str:
    cells = "".join(f"<tr><td>{i}</td><td>{i * i}</td></tr>" for i in range(rows))
    return f'<section class="chapter" id="{cid}">\n<h2>{cid}</h2><p>{text}</p><table>{cells}</table>\n</section>\n'


def test_plan_cuts_at_chapters_and_balances_the_later_groups():
    head = '<header><nav class="toc"><a href="#a">a</a></nav></header>\n'
    body = head + chapter("a", 5) + chapter("b", 95) + chapter("c", 10) + chapter("d", 10) + chapter("e", 80)
    parts = paged.plan_parts(body)
    assert [p.heading for p in parts] == ["", "", ""]
    assert parts[0].html == head  # the heading and contents alone
    assert parts[1].html == chapter("a", 5) + chapter("b", 95)  # 100 rows against 10 + 10 + 80 (layout dominates)
    assert parts[2].html == chapter("c", 10) + chapter("d", 10) + chapter("e", 80)
    assert "".join(p.html for p in parts) == body
    whole = paged.with_part_breaks(body)
    assert whole == head + paged.PART_BREAK + parts[1].html + paged.PART_BREAK + parts[2].html


def test_a_part_may_start_at_a_cut_inside_a_chapter_and_carries_its_heading():
    tables = "".join(f"{paged.CUT if i else ''}<table>{'<tr><td>x</td></tr>' * 50}</table>" for i in range(4))
    body = ('<header>h</header><section class="chapter" id="one"><h2 id="h-one">One</h2><p>short</p></section>'
            f'<section class="chapter" id="two"><h2 id="h-two">Two <em>tables</em></h2>{tables}</section>')
    head, blocks = paged.split_chapters(body)
    assert head == "<header>h</header>" and len(blocks) == 5 and "".join(blocks) == body[len(head):]
    parts = paged.plan_parts(body)
    assert parts[2].html.startswith(paged.CUT + "<table>")  # inside chapter two
    assert parts[2].heading == "<h2 >Two <em>tables</em></h2>"  # its heading, without the id
    assert parts[1].heading == ""


def test_balanced_cut_minimises_the_slowest_layout_plus_the_slowest_drawing():
    flat = [(c, 0.0) for c in (5, 1, 1, 1, 5)]
    assert paged._balanced_cut(flat, 2) == [0, 2]  # {5,1} {1,1,5}: max 7
    assert paged._balanced_cut([(1, 0), (1, 0), (1, 0), (10, 0)], 2) == [0, 3]
    assert paged._balanced_cut([(3, 0)] * 3, 3) == [0, 1, 2]
    assert paged._balanced_cut([(4, 0)], 2) == [0]
    # cut at 2: max(4, 4) + max(6, 0) = 10 beats cutting at 1 or 3 (6 + 6 = 12)
    assert paged._balanced_cut([(2, 6), (2, 0), (2, 0), (2, 0)], 2) == [0, 2]
    assert paged._balanced_cut([(2, 3), (2, 3), (2, 0), (2, 0)], 2) == [0, 1]  # 6 + 3 = 9 < 4 + 6 = 10


def test_short_bodies_are_one_part():
    assert paged.plan_parts("<p>x</p>") == (paged.Part("<p>x</p>"),)
    body = "<p>head</p>" + chapter("a")
    assert paged.plan_parts(body) == (paged.Part(body),)
    assert paged.with_part_breaks(body) == body


def test_links_to_other_parts_become_marker_urls():
    parts = ('<p id="x"><a href="#x">1</a><a href="#y">2</a><a href="#nowhere">3</a></p>', '<p id="y"><a href="#x">4</a></p>')
    a, b = paged.link_across_parts(parts)
    assert a == f'<p id="x"><a href="#x">1</a><a href="{paged.XREF}y">2</a><a href="#nowhere">3</a></p>'
    assert b == f'<p id="y"><a href="{paged.XREF}x">4</a></p>'
    assert paged.toc_style({"y": 12}) == f'nav.toc a[href="{paged.XREF}y"]::after {{ content: leader(".") "12"; }}'


def test_chapter_cost_counts_cells_text_and_figures():
    layout, drawing = paged.chapter_cost("<table><tr><td>a</td><th>b</th></tr></table>")
    assert layout == pytest.approx(2 * 0.55 + 2 * 0.031) and drawing == pytest.approx(2 * 0.017 + 2 * 0.012)
    assert paged.chapter_cost("<svg><text>many words here</text></svg>") == (39, 87)


# --------------------------------------------------------------------------- real renders


def _pages_text(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


def _outline(pdf: bytes) -> list[tuple[int, str, int]]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    out = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return out


def _links(pdf: bytes) -> list[tuple[int, str]]:
    """(page, where to): a named destination's page, or the GoToR file#name."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    dests = {name: reader.get_destination_page_number(d) for name, d in reader.named_destinations.items()}
    out = []
    for i, page in enumerate(reader.pages):
        for ref in page.get("/Annots", []):
            annot = ref.get_object()
            if "/Dest" in annot:
                out.append((i, f"page {dests[str(annot['/Dest'])]}"))
            else:
                action = annot["/A"].get_object()
                out.append((i, f"{action['/S']} {action.get('/F', '')}#{action.get('/D', action.get('/URI', ''))}"))
    return out


@pytest.fixture(scope="module")
def appendix(config):
    """The real templates' appendix of a small context, in parts and in one piece."""
    context, _ = build_context(config, small_bundle(), {}, verdicts(), "2026-11", None)
    env = render_mod.make_environment()
    rows = "".join(f"<tr><td>test {i}</td><td>{i / 7:.4f}</td></tr>" for i in range(260))
    title = env.get_template("partials/appendix_title.html").render(**context)  # as doc_appendix.html has it
    body = (
        f'<header id="appendix">{title}'
        '<nav class="toc print-only"><ol>'
        + "".join(f'<li><a href="#ch{i}">Chapter {i}</a></li>' for i in range(6))
        + '</ol></nav><p>See <a href="#ch5">the last chapter</a> and <a href="note.pdf#note">the note</a>.</p></header>'
        + "".join(f'<section class="chapter" id="ch{i}"><h2>Chapter {i}</h2><h3 id="s{i}">Section {i}</h3>'
                  f'<p>Back to <a href="#ch0">the first chapter</a>.</p>'
                  f'<table class="data"><caption>Table {i}</caption>{rows if i in (1, 4) else rows[:2000]}</table></section>'
                  for i in range(6))
    )
    doc = render_mod.paged_appendix(env, context, body)
    return doc, doc.pdf(parallel=True)[0], doc.pdf(parallel=False)[0]


def test_parts_give_the_same_pages_text_links_and_outline_as_one_piece(appendix):
    doc, parts, whole = appendix
    assert len(doc.parts) == 2
    a, b = _pages_text(parts), _pages_text(whole)
    assert len(a) == len(b) >= 6
    assert a == b  # every page's text, headers and footers included
    assert _outline(parts) == _outline(whole)
    assert _links(parts) == _links(whole)


def test_stitched_pages_are_numbered_and_the_contents_point_at_them(appendix):
    _, parts, _ = appendix
    pages = _pages_text(parts)
    n = len(pages)
    for i, text in enumerate(pages, 1):
        assert f"Page {i} of {n}" in text
        assert " ".join(text.split()).count("— appendix") == 1  # the running title on every page (the first: its heading)
    first = {title: page + 1 for depth, title, page in _outline(parts) if title.startswith("Chapter")}
    toc = dict(re.findall(r"(Chapter \d)\s*\.+\s*(\d+)", pages[0]))
    assert {k: int(v) for k, v in toc.items()} == first  # the contents' numbers are the chapters' pages
    for title, page in first.items():
        assert title in pages[page - 1]
    # parts after the first start on a new page with their chapter's heading
    assert sum(text.lstrip().startswith("Chapter") or "\nChapter" in text[:80] for text in pages) >= 2


def test_links_across_parts_and_to_the_note_resolve(appendix):
    _, parts, _ = appendix
    links = _links(parts)
    targets = {t for _, t in links}
    assert "/GoToR note.pdf#note" in targets  # relative, no file:// path of this machine
    assert not any("file://" in t or paged.XREF in t for t in targets)
    first = {title: page for _, title, page in _outline(parts)}
    assert (0, f"page {first['Chapter 5']}") in links  # from part 0 into the last part
    assert sum(t == f"page {first['Chapter 0']}" for _, t in links) >= 6  # every chapter links back


def test_parts_render_to_the_same_bytes_twice(appendix):
    doc, parts, _ = appendix
    assert doc.pdf(parallel=True) == (parts, None)
    assert doc.pdf(parallel=True, meanwhile=lambda: "note") == (parts, "note")  # other work done while the parts render
    assert b"/ID" not in parts  # no clock-based file id


def test_a_failing_part_is_a_build_error_and_leaves_no_process(appendix, monkeypatch):
    doc, _, _ = appendix
    original = paged.render_part

    def fail_later_parts(html, base_url, numbering, after_layout=None):
        if "part-carrier" in html:
            raise ValueError("simulated layout failure")
        return original(html, base_url, numbering, after_layout)

    monkeypatch.setattr(paged, "render_part", fail_later_parts)
    with pytest.raises(BuildError, match="simulated layout failure"):
        doc.pdf(parallel=True)
    assert multiprocessing.active_children() == []

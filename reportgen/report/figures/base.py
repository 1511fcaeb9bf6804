"""Shared figure helpers: an object-oriented matplotlib Figure (never pyplot state) and
deterministic SVG output (fixed ``svg.hashsalt``, no date metadata)."""

from __future__ import annotations

import functools
import html
import io
import re

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

PALETTE = {
    "RUT": "#1f5fa8",
    "GSPC": "#6b6b6b",
    "BTC": "#e08a00",
    "ETH": "#5b4a9e",
    "SOL": "#2a9d8f",
    "band": "#9dbbe0",
    "null": "#b0b0b0",
    "accent": "#c0392b",
}
STYLE = {
    "font.size": 8.5,
    "axes.titlesize": 9.5,
    "axes.labelsize": 8.5,
    "legend.fontsize": 7.5,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e3e3e3",
    "grid.linewidth": 0.6,
    "svg.hashsalt": "reportgen",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
}


def styled(fn):
    """Decorator: draw under the house style (legend, tick and label sizes are read when
    artists are created, so the whole drawing function runs inside the style context)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(STYLE):
            return fn(*args, **kwargs)

    return wrapper


def new_figure(width_in: float = 6.3, height_in: float = 3.0, nrows: int = 1, ncols: int = 1, **kw):
    """A Figure with the house style and its axes (6.3 in = A4 text width)."""
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(width_in, height_in), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def to_svg(fig: Figure) -> str:
    """Serialise a figure to SVG text; the same figure gives the same bytes."""
    buf = io.StringIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "reportgen"})
    svg = buf.getvalue()
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


_ID_ATTR = re.compile(r'\sid="([^"]+)"')
_ID_REF = re.compile(r'(url\(#|href="#)([^")]+)')


_GROUP = re.compile(r"<g>|<g/>|<g\b[^>]*>|</g>")


def _unwrap_bare_groups(svg: str) -> str:
    """Drop ``<g>`` wrappers without attributes (matplotlib wraps every artist in one, and
    once the unused ids are gone they do nothing); a third of the elements, less work for
    every renderer. Groups with attributes (clip paths, transforms, styles) are kept."""
    out, pos, stack = [], 0, []
    for m in _GROUP.finditer(svg):
        tag = m.group(0)
        out.append(svg[pos:m.start()])
        pos = m.end()
        if tag == "<g/>":
            continue
        if tag.endswith("/>"):  # an empty group with attributes: nothing to unwrap
            out.append(tag)
            continue
        if tag == "</g>":
            if not stack.pop():
                out.append(tag)
            continue
        bare = tag == "<g>"
        stack.append(bare)
        if not bare:
            out.append(tag)
    out.append(svg[pos:])
    return "".join(out)


def finalize_svg(svg: str, prefix: str, title: str) -> str:
    """Make one figure's SVG safe to inline next to others, and accessible.

    matplotlib numbers its element ids per figure (``patch_1``, ``text_9``, ...), so two
    inlined figures share ids and the HTML is invalid. Ids that nothing refers to are
    dropped; the ids that ``url(#...)``/``href="#..."`` refer to (clip paths, glyphs,
    markers) are prefixed with ``prefix``, which must be unique per figure in a document.
    The root ``<svg>`` gets ``id="svg-<prefix>"``, ``role="img"``, ``aria-label`` and a
    ``<title>`` with ``title`` (the figure's alternative text). Deterministic: the same SVG
    and arguments give the same text.
    """
    referenced = {m.group(2) for m in _ID_REF.finditer(svg)}

    def _id(m: re.Match) -> str:
        name = m.group(1)
        return f' id="{prefix}-{name}"' if name in referenced else ""

    out = _ID_ATTR.sub(_id, svg)
    out = _ID_REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}" if m.group(2) in referenced else m.group(0), out)
    out = _unwrap_bare_groups(out)
    label = html.escape(title, quote=True)
    end = out.find(">", out.find("<svg"))
    if end < 0:
        return out
    root = out[:end]
    return (f'{root} id="svg-{prefix}" role="img" aria-label="{label}">'
            f"<title>{html.escape(title, quote=False)}</title>{out[end + 1:]}")

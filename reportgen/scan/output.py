"""Scan output: ``scan.csv`` (deterministic bytes), ``scan.html`` with a heatmap, and the TOML
snippet that promotes a row to a narrative claim.

Numbers are formatted here only for the CSV (fixed formats, so the same scan gives the same
bytes on any backend) and by the report's Jinja filters in the HTML.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from pathlib import Path

import numpy as np

from reportgen.scan.engine import ScanResult, ScanRow

__all__ = ["CSV_COLUMNS", "heatmap_svg", "promote_snippet", "scan_csv", "scan_html", "write_scan"]

CSV_COLUMNS = (
    "rank", "leader", "follower", "frequency", "lags", "expected_sign", "qvalue", "pvalue", "stat",
    "p_hc3", "significant", "effect", "ci_low", "ci_high", "coef_sum", "coef_se", "leader_sd",
    "nobs", "sample_start", "sample_end", "leader_transform", "follower_transform", "reps",
    "testable", "reason",
)
_P_FMT = "{:.6f}"  # p- and q-values: bootstrap p-values are multiples of 1/(reps+1)
_X_FMT = "{:.6g}"  # statistics and effects: 6 significant digits


def _num(x, fmt: str = _X_FMT) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    text = fmt.format(x)
    return "0" if text in ("-0", "-0.000000") else text


def scan_csv(result: ScanResult) -> bytes:
    """The ranked table as CSV bytes: fixed float formats, rows in rank order, ``\\n`` line ends.

    Empty cells for values a not-testable row does not have; ``significant`` is ``1`` when
    the BH q-value over the whole grid is below ``alpha``.
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in result.rows:
        t = r.testable
        w.writerow([
            r.rank, r.leader, r.follower, r.frequency, r.lags, r.expected_sign if t else "",
            _num(r.qvalue, _P_FMT), _num(r.pvalue, _P_FMT), _num(r.stat), _num(r.p_hc3, _P_FMT),
            (1 if r.qvalue < result.alpha else 0) if t else "",
            _num(r.effect), _num(r.ci_low), _num(r.ci_high), _num(r.coef_sum), _num(r.coef_se), _num(r.leader_sd),
            r.nobs, r.sample_start.isoformat() if r.sample_start else "",
            r.sample_end.isoformat() if r.sample_end else "", r.leader_transform, r.follower_transform,
            r.reps if t else "", 1 if t else 0, r.reason,
        ])
    return buf.getvalue().encode("utf-8")


# --------------------------------------------------------------------------- figure


def _unique_ids(svg: str, prefix: str) -> str:
    """Prefix every id (and its references) so the SVG can sit beside others in one page."""
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
    return re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', svg)


def _matrix(result: ScanResult, freq: str, lags: int) -> tuple[np.ndarray, np.ndarray]:
    keys = result.series
    pos = {k: i for i, k in enumerate(keys)}
    q = np.full((len(keys), len(keys)), np.nan)
    sign = np.zeros_like(q)
    for r in result.rows:
        if r.testable and r.frequency == freq and r.lags == lags:
            q[pos[r.leader], pos[r.follower]] = r.qvalue
            sign[pos[r.leader], pos[r.follower]] = 1.0 if r.effect >= 0 else -1.0
    return q, sign


def heatmap_svg(result: ScanResult) -> str:
    """Leader (rows) x follower (columns) heatmaps of the BH q-value, one panel per lag.

    Colour: q on a log scale (dark = small); cells with q < alpha carry a ring; with at most
    20 series each cell shows the sign of the effect. Grey: the diagonal and untestable units.
    """
    from matplotlib.colors import LogNorm
    from matplotlib.patches import Rectangle

    from reportgen.report.figures.base import new_figure, styled, to_svg

    panels = [(f, p) for f, ps in result.lags for p in ps]
    n = len(result.series)
    ncols = min(3, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    side = min(3.3, max(2.1, 0.2 * n + 0.9))

    @styled
    def draw():
        fig, axes = new_figure(width_in=side * ncols + 0.8, height_in=side * nrows + 0.5, nrows=nrows, ncols=ncols)
        norm = LogNorm(vmin=1e-3, vmax=1.0)
        image = None
        for ax, (freq, lags) in zip(axes.flat, panels):
            q, sign = _matrix(result, freq, lags)
            masked = np.ma.masked_invalid(np.clip(q, 1e-3, 1.0))
            cmap = __import__("matplotlib").colormaps["viridis"].with_extremes(bad="#d9d9d9")
            image = ax.imshow(masked, cmap=cmap, norm=norm, interpolation="nearest", aspect="equal")
            ax.grid(False)
            ax.set_title(f"{freq}, {lags} lag{'s' if lags > 1 else ''}")
            ticks = np.arange(n)
            labels = list(result.series) if n <= 30 else [""] * n
            ax.set_xticks(ticks, labels, rotation=90)
            ax.set_yticks(ticks, labels)
            ax.set_xlabel("follower")
            ax.set_ylabel("leader")
            for i in range(n):
                for j in range(n):
                    if not np.isfinite(q[i, j]):
                        continue
                    if q[i, j] < result.alpha:
                        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#c0392b", linewidth=1.4))
                    if n <= 20:
                        ax.text(j, i, "+" if sign[i, j] > 0 else "−", ha="center", va="center", fontsize=6.5,
                                color="white" if q[i, j] < 0.1 else "#222222")
        for ax in list(axes.flat)[len(panels):]:
            ax.set_axis_off()
        if image is not None:
            bar = fig.colorbar(image, ax=axes, shrink=0.8)
            bar.set_label("Benjamini–Hochberg q over the whole grid (log scale)")
        return to_svg(fig)

    return _unique_ids(draw(), "scan-")


def heatmap_alt(result: ScanResult) -> str:
    """Alt text of the heatmap: what it shows and which cells are significant."""
    sig = result.significant
    lead = (f"Heatmaps of Benjamini–Hochberg q-values, leader in rows and follower in columns, for "
            f"{len(result.series)} series ({', '.join(result.series)}) at "
            + "; ".join(f"{f} lags {', '.join(str(p) for p in ps)}" for f, ps in result.lags) + ". ")
    if not sig:
        return lead + f"No cell has q below {result.alpha:g}."
    cells = ", ".join(f"{r.leader} to {r.follower} ({r.frequency}, {r.lags} lags)" for r in sig[:10])
    more = f" and {len(sig) - 10} more" if len(sig) > 10 else ""
    return lead + f"{len(sig)} cell(s) with q below {result.alpha:g}: {cells}{more}."


# --------------------------------------------------------------------------- html


def scan_html(result: ScanResult, cfg, created: dt.date, max_rows: int = 100) -> str:
    """``scan.html``: exploratory label, grid, size check, heatmap, ranked table (first ``max_rows``)."""
    from reportgen.report.render import make_environment, render_html

    context = {
        "cfg": cfg,
        "scan": result,
        "created": created,
        "heatmap": heatmap_svg(result),
        "heatmap_alt": heatmap_alt(result),
        "rows": result.tested[:max_rows],
        "max_rows": max_rows,
        "transforms": dict(result.transforms),
    }
    return render_html(context, make_environment(), template="scan.html")


# --------------------------------------------------------------------------- promote


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def promote_snippet(result: ScanResult, rank: int) -> str:
    """A ``[[claims]]`` table for a narrative file (:mod:`reportgen.narrative`, a lead-lag
    claim) built from the row ranked ``rank`` of ``scan.csv``.

    The claim pre-declares what the row found (leader, follower, frequency, lags, sign) so it
    can be tested on data that did not suggest it; the comment above it says where it came
    from and how many tests were searched to find it.

    Raises
    ------
    ScanError : no such row, or the row was not testable.
    """
    from reportgen.scan.engine import ScanError

    row: ScanRow = result.row(rank)
    if not row.testable:
        raise ScanError(f"row {rank} ({row.unit}) was not testable: {row.reason}",
                        hint="promote a testable row (ranks 1.." + str(len(result.tested)) + ")")
    ident = re.sub(r"[^A-Za-z0-9_-]+", "-", f"{row.leader}-{row.follower}-{row.frequency[0]}{row.lags}")[:32]
    if not ident[0].isalpha():
        ident = ("S" + ident)[:32]
    lines = [
        f"# promoted from `reportgen scan` row {row.rank} of {len(result.rows)}: EXPLORATORY, found by searching",
        f"# {len(result.tested)} tests (BH q = {_num(row.qvalue, _P_FMT)}, bootstrap p = {_num(row.pvalue, _P_FMT)},"
        f" effect {_num(row.effect)} [{_num(row.ci_low)}, {_num(row.ci_high)}],",
        f"# {row.nobs} {row.frequency} observations {row.sample_start} to {row.sample_end}). Test it on data"
        " that did not suggest it.",
        "[[claims]]",
        f"id = {_toml_str(ident)}",
        f"title = {_toml_str(f'{row.leader} leads {row.follower} by {row.lags} {row.frequency} lag(s)')}",
        f"article_says = {_toml_str(f'(from an exploratory scan) {row.leader} moves first; {row.follower} follows within {row.lags} period(s).')}",
        f"leader = {_toml_str(row.leader)}",
        f"follower = {_toml_str(row.follower)}",
        'method = "granger"',
        f"frequency = {_toml_str(row.frequency)}",
        f"lags = {row.lags}",
        f"expected_sign = {1 if row.expected_sign == '+' else -1}",
        "reverse = true",
    ]
    if row.frequency != "monthly":
        lines.insert(3, f"# note: narrative files take monthly lead-lag claims so far; this row is {row.frequency}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- files


def write_scan(result: ScanResult, cfg, folder: Path, created: dt.date) -> tuple[Path, ...]:
    """Write ``scan.csv`` and ``scan.html`` into ``folder`` atomically (temp folder + rename)."""
    from reportgen.pipeline import write_folder_atomically

    files = {"scan.csv": scan_csv(result), "scan.html": scan_html(result, cfg, created).encode("utf-8")}
    return write_folder_atomically(Path(folder), files)

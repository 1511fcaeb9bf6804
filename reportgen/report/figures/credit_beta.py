"""Figure for C7: credit-spread betas of the Russell 2000 and the S&P 500, and their difference,
with 95% HAC confidence intervals. Returns SVG text; ``figures(result)`` maps names to SVG."""

from __future__ import annotations


import numpy as np

from reportgen.analysis.common import NotTestable
from reportgen.report.figures.base import PALETTE, new_figure, styled, to_svg

PCT = 100.0  # log return -> percent



def _rows(r) -> list[tuple[str, object, str]]:
    """(label, HypothesisTest, colour) for every beta that was estimated, top to bottom."""
    rows = [
        (f"RUT beta ({r.spread_key})", r.beta_rut, PALETTE["RUT"]),
        (f"GSPC beta ({r.spread_key})", r.beta_gspc, PALETTE["GSPC"]),
        (f"RUT − GSPC ({r.spread_key})", r.difference, PALETTE["accent"]),
    ]
    rows += [(f"RUT − GSPC ({key}, robustness)", t, PALETTE["accent"])
             for key, t in zip(r.robustness_keys, r.robustness)]
    return [(label, t, c) for label, t, c in rows if not isinstance(t, NotTestable)]


@styled
def betas_figure(r) -> str:
    """Point estimates and 95% intervals of the spread betas (log return, %, per 1-point spread rise)."""
    rows = _rows(r)
    fig, axes = new_figure(6.3, 0.25 * len(rows) + 0.6)
    ax = axes[0, 0]
    y = np.arange(len(rows))[::-1]
    for yi, (label, t, colour) in zip(y, rows):
        filled = "RUT − GSPC" not in label or "robustness" not in label
        ax.errorbar([PCT * t.effect], [yi],
                    xerr=[[PCT * (t.effect - t.ci_low)], [PCT * (t.ci_high - t.effect)]],
                    fmt="o", color=colour, ecolor=colour, elinewidth=1.6, capsize=3, markersize=5,
                    markerfacecolor=colour if filled else "white")
    ax.axvline(0.0, color="black", lw=0.8)
    ax.set_yticks(y, [label for label, _, _ in rows])
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.grid(axis="y", visible=False)
    lo = min(PCT * t.ci_low for _, t, _ in rows)
    hi = max(PCT * t.ci_high for _, t, _ in rows)
    pad = 0.08 * (max(hi, 0.0) - min(lo, 0.0))
    ax.set_xlim(min(lo, 0.0) - pad, max(hi, 0.0) + pad)
    ax.set_xlabel(f"monthly log return, % per 1-unit rise in the spread ({r.spread_units})")
    return to_svg(fig)


def figures(result) -> dict[str, str]:
    """C7 figures as ``name -> SVG``; empty when the family could not be computed."""
    if isinstance(result, NotTestable) or not getattr(result, "testable", False):
        return {}
    if not _rows(result):
        return {}
    return {"betas": betas_figure(result)}


__all__ = ["figures", "betas_figure"]

"""Figures of the Monte Carlo self-check: power curves with the size, the economic minimum
effect and the 80% power line."""

from __future__ import annotations

import numpy as np

from reportgen.analysis.selfcheck import size_range
from reportgen.report.figures.base import PALETTE, new_figure, to_svg

_COLOURS = {"granger": PALETTE["RUT"], "placebo": PALETTE["BTC"], "irf": PALETTE["ETH"]}
_SHORT = {"granger": "Granger RUT → BTC (C3)", "placebo": "Breakout placebo, BTC (C4)",
          "irf": "VAR response RUT → BTC (C3, secondary)", "credit_beta": "Credit beta gap (C7)",
          "vol_shift": "Volatility level shift (C8)"}


def power_curves(result) -> str:
    """One panel per design: detection rate vs planted effect (% log return), Wilson bands."""
    designs = result.ran
    ncols = min(3, max(1, len(designs)))
    nrows = -(-max(1, len(designs)) // ncols)
    fig, axes = new_figure(6.3, 0.6 + 2.3 * nrows, nrows, ncols, sharey=True)
    flat = list(axes.ravel())
    for ax in flat[len(designs):]:
        ax.set_visible(False)
    for ax, d in zip(flat, designs, strict=False):
        x = 100 * np.asarray(d.curve_effect)
        p = 100 * np.asarray(d.curve_power)
        lo, hi = 100 * np.asarray(d.curve_ci_low), 100 * np.asarray(d.curve_ci_high)
        colour = _COLOURS.get(d.name, PALETTE["accent"])
        ax.fill_between(x, lo, hi, color=colour, alpha=0.18, linewidth=0, label="95% MC interval")
        ax.plot(x, p, marker="o", markersize=3, color=colour, linewidth=1.4, label="detection rate")
        ax.axhline(100 * result.min_power, color=PALETTE["null"], linestyle="--", linewidth=0.9,
                   label=f"{result.min_power:.0%} power")
        ax.axhline(100 * d.level, color=PALETTE["null"], linestyle=":", linewidth=0.9, label=f"{d.level:.0%} level")
        ax.axvline(100 * d.min_effect, color=PALETTE["accent"], linewidth=0.9, label="economic minimum")
        if d.mde_80 is not None:
            ax.plot([100 * d.mde_80], [100 * POWER], marker="D", markersize=4, color=PALETTE["accent"],
                    linestyle="none", label="MDE (80%)")
        ax.set_title(_SHORT.get(d.name, d.title), fontsize=8)
        ax.set_xlabel("planted effect (%, in the test’s unit)")
        ax.set_ylim(0, 100)
        ax.set_xlim(left=0)
    for row in axes:
        row[0].set_ylabel("rejections (% of simulations)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=3, frameon=False, fontsize=7)
    return to_svg(fig)


POWER = 0.80


def size_chart(result) -> str:
    """Empirical size of each design with its Wilson interval against the nominal level."""
    designs = result.ran
    fig, axes = new_figure(6.3, 0.9 + 0.3 * max(1, len(designs)))
    ax = axes[0][0]
    y = np.arange(len(designs))
    for i, d in enumerate(designs):
        colour = _COLOURS.get(d.name, PALETTE["accent"])
        ax.plot([100 * d.size_ci[0], 100 * d.size_ci[1]], [i, i], color=colour, linewidth=2.5, alpha=0.5)
        ax.plot([100 * d.size], [i], marker="o", color=colour)
    if designs:
        lo, hi = size_range(designs[0].level)
        ax.axvspan(100 * lo, 100 * hi, color=PALETTE["null"], alpha=0.12, linewidth=0,
                   label=f"acceptable {lo:.0%}–{hi:.0%}")
        ax.axvline(100 * designs[0].level, color=PALETTE["accent"], linestyle="--", linewidth=0.9,
                   label=f"nominal {designs[0].level:.0%}")
    ax.set_yticks(y, [_SHORT.get(d.name, d.name) for d in designs])
    ax.invert_yaxis()
    ax.set_xlabel("rejections under the null (% of simulations), 95% Wilson interval")
    ax.set_xlim(0, max([10.0] + [100 * d.size_ci[1] + 1 for d in designs]))
    ax.legend(loc="lower right", frameon=False)
    return to_svg(fig)


def figures(result) -> dict[str, str]:
    """SVG figures of the self-check (empty when no design ran)."""
    if not getattr(result, "ran", ()):
        return {}
    return {"power_curves": power_curves(result), "size": size_chart(result)}

"""Figures for the lead-lag family: rolling/expanding Granger test and a p-value map."""

from __future__ import annotations

import matplotlib
import matplotlib.ticker as mticker
import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap

from reportgen.analysis.common import NotTestable
from reportgen.report.figures.base import PALETTE, STYLE, new_figure, to_svg

_P_BOUNDS = (0.0, 0.01, 0.05, 0.10, 1.0)
_P_COLOURS = ("#1f5fa8", "#6f9fd8", "#d6e4f5", "#f4f4f4")


def figures(result) -> dict[str, str]:
    """SVG figures of a :class:`~reportgen.analysis.leadlag.LeadLagResults`.

    Keys: ``"rolling"`` (when the rolling test exists) and ``"granger_pvalues"`` (when any
    pairwise test exists). Absent keys mean the part was not testable.
    """
    out: dict[str, str] = {}
    if not isinstance(result.rolling, NotTestable):
        exp = None if isinstance(result.expanding, NotTestable) else result.expanding
        out["rolling"] = rolling_figure(result.rolling, exp)
    rows = _pvalue_rows(result)
    if rows:
        out["granger_pvalues"] = pvalue_map(rows, result.monthly_lags, result.weekly_lags)
    return out


def rolling_figure(rolling, expanding=None) -> str:
    """Two panels: HC3 p-value (log scale, 5% line) and summed lag coefficients with CI."""
    with matplotlib.rc_context(STYLE):
        return to_svg(_rolling(rolling, expanding))


def _rolling(rolling, expanding):
    fig, axes = new_figure(6.3, 4.4, nrows=2, ncols=1, sharex=True)
    ax_p, ax_b = axes[0, 0], axes[1, 0]
    label = f"{rolling.cause} → {rolling.target}, {rolling.lags} {rolling.frequency} lags"
    colour = PALETTE.get(rolling.target, PALETTE["BTC"])
    d = np.array(rolling.dates, dtype="datetime64[D]")
    ax_p.plot(d, rolling.p_hc3, color=colour, lw=1.4, label=f"rolling {rolling.window}-month window")
    if expanding is not None:
        de = np.array(expanding.dates, dtype="datetime64[D]")
        ax_p.plot(de, expanding.p_hc3, color=PALETTE["GSPC"], lw=1.2, ls="--", label="expanding window")
    ax_p.axhline(rolling.alpha, color=PALETTE["accent"], lw=0.9, ls=":", label=f"p = {rolling.alpha:g}")
    ax_p.set_yscale("log")
    ax_p.set_ylim(min(1e-4, 0.05 * np.nanmin(rolling.p_hc3)), 1.05)
    ax_p.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax_p.set_ylabel("HC3 p-value (log scale)")
    ax_p.set_title(f"Granger test {label}, by window end")
    ax_p.legend(loc="lower left", ncols=3, frameon=False)

    ax_b.fill_between(d, rolling.ci_low, rolling.ci_high, color=PALETTE["band"], alpha=0.6, lw=0,
                      label=f"{rolling.ci_level:.0%} HC3 interval (rolling)")
    ax_b.plot(d, rolling.coef_sum, color=colour, lw=1.4, label="rolling")
    if expanding is not None:
        ax_b.plot(np.array(expanding.dates, dtype="datetime64[D]"), expanding.coef_sum,
                  color=PALETTE["GSPC"], lw=1.2, ls="--", label="expanding")
    ax_b.axhline(0.0, color="black", lw=0.7)
    ax_b.set_ylabel(f"sum of {rolling.cause} lag coefficients\n({rolling.target} log return per unit)")
    ax_b.set_xlabel("end of estimation window (month)")
    ax_b.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=3, frameon=False, borderaxespad=0.1)
    return fig


def _pvalue_rows(result) -> list[tuple[str, str, dict[int, float]]]:
    """(direction label, frequency, {lag: bootstrap p}) for pairwise and conditional tests."""
    rows: dict[tuple[str, str], dict[int, float]] = {}
    for group in (result.granger, result.conditional):
        if isinstance(group, NotTestable):
            continue
        for r in group:
            rows.setdefault((r.direction, r.frequency), {})[r.lags] = r.p_boot
    return [(d, f, v) for (d, f), v in rows.items()]


def pvalue_map(rows, monthly_lags, weekly_lags) -> str:
    """Heat map of wild-bootstrap p-values: direction (rows) x lag (columns), per frequency."""
    with matplotlib.rc_context(STYLE):
        return to_svg(_pvalue_map(rows, monthly_lags, weekly_lags))


def _pvalue_map(rows, monthly_lags, weekly_lags):
    directions = list(dict.fromkeys(d for d, _, _ in rows))
    freqs = [f for f in ("monthly", "weekly") if any(fr == f for _, fr, _ in rows)]
    lag_sets = {
        f: sorted({lag for _, fr, v in rows if fr == f for lag in v} | set(monthly_lags if f == "monthly" else weekly_lags))
        for f in freqs
    }
    height = 1.0 + 0.28 * len(directions)
    ratios = [len(lag_sets[f]) + 1 for f in freqs]
    fig, axes = new_figure(6.3, height, nrows=1, ncols=len(freqs), sharey=True, width_ratios=ratios)
    cmap = ListedColormap(_P_COLOURS)
    norm = BoundaryNorm(_P_BOUNDS, cmap.N)
    image = None
    for ax, f in zip(axes[0], freqs, strict=True):
        lags = lag_sets[f]
        grid = np.full((len(directions), len(lags)), np.nan)
        for d, fr, v in rows:
            if fr == f:
                for lag, p in v.items():
                    grid[directions.index(d), lags.index(lag)] = p
        image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, norm=norm, aspect="auto")
        for i in range(grid.shape[0]):
            for j in range(grid.shape[1]):
                if np.isfinite(grid[i, j]):
                    txt = "<.001" if grid[i, j] < 0.001 else f"{grid[i, j]:.2f}"
                    ax.text(j, i, txt, ha="center", va="center", fontsize=7,
                            color="white" if grid[i, j] < 0.01 else "black")
        ax.set_xticks(range(len(lags)), [str(v) for v in lags])
        ax.set_xlabel(f"lag ({'months' if f == 'monthly' else 'weeks'})")
        ax.set_title(f"{f} log returns")
        ax.grid(False)
        ax.set_yticks(range(len(directions)), directions)
    cbar = fig.colorbar(image, ax=axes[0].tolist(), ticks=_P_BOUNDS, fraction=0.04, pad=0.02)
    cbar.set_label("wild-bootstrap p-value")
    return fig

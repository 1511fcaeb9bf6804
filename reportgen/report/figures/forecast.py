"""The articles' own forecast against what happened: crypto after the Russell 2000's first
close above the round threshold (January 2026), over the fan of returns after every trading
day of the asset's sample (the placebo of random dates).

Draws the ``forecast_case`` of the event-study result as it is: each
:class:`~reportgen.analysis.events.EpisodeReturn` carries the return, its percentile and the
fan's percentiles (``FAN_LEVELS``); nothing is computed here.
"""

from __future__ import annotations

from reportgen.analysis.common import NotTestable
from reportgen.report.figures.base import PALETTE, new_figure, styled, to_svg

ALT = ("The articles' forecast against what happened: BTC and ETH log returns 1 to 3 months after the Russell 2000's "
       "first close above the threshold, over the 5-95% and 25-75% ranges of returns after random dates.")


def forecast_rows(result) -> dict[str, list]:
    """asset -> the forecast case's returns that exist and carry a fan (in horizon order)."""
    fc = getattr(result, "forecast_case", None)
    if fc is None or isinstance(fc, NotTestable):
        return {}
    out: dict[str, list] = {}
    for x in fc.returns:
        if x.ret is not None and len(x.fan) == 5:
            out.setdefault(x.asset, []).append(x)
    return {a: sorted(rows, key=lambda x: x.horizon_months) for a, rows in out.items()}


@styled
def forecast_figure(result) -> str:
    """One panel per asset: fan (5-95%, 25-75%, median) and the realised path, month 0 at 0."""
    rows = forecast_rows(result)
    fc = result.forecast_case
    assets = list(rows)
    fig, axes = new_figure(6.3, 2.5, nrows=1, ncols=len(assets), sharey=True)
    for j, a in enumerate(assets):
        ax = axes[0, j]
        xs = [0] + [x.horizon_months for x in rows[a]]
        q = [[0.0] + [100 * x.fan[i] for x in rows[a]] for i in range(5)]
        ax.fill_between(xs, q[0], q[4], color=PALETTE["null"], alpha=0.35, lw=0, label="random dates, 5–95%")
        ax.fill_between(xs, q[1], q[3], color=PALETTE["null"], alpha=0.6, lw=0, label="random dates, 25–75%")
        ax.plot(xs, q[2], color="#555", lw=0.9, ls=":", label="random dates, median")
        ys = [0.0] + [100 * x.ret for x in rows[a]]
        ax.plot(xs, ys, color=PALETTE.get(a, "#333"), lw=1.6, marker="o", ms=4, zorder=3,
                label=f"after {fc.date.isoformat()}")
        for x in rows[a]:
            ax.annotate(f"{100 * x.ret:+.0f}% (pct. {100 * x.percentile:.0f})", (x.horizon_months, 100 * x.ret),
                        textcoords="offset points", xytext=(0, -7 if x.ret < 0 else 7), ha="center", fontsize=6.3,
                        va="top" if x.ret < 0 else "bottom",
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
        ax.axhline(0, color="#444", lw=0.6)
        ax.set_xticks(xs)
        ax.set_xlim(-0.3, max(xs) + 0.5)
        ax.set_xlabel("months after the breakout")
        ax.set_title(f"{a}")
    axes[0, 0].set_ylabel("log return (%)")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=4, frameon=False, fontsize=6.5)
    return to_svg(fig)


def figures(result) -> dict[str, str]:
    """``{"forecast": svg}`` when the forecast case has returns with their fan, else ``{}``."""
    return {"forecast": forecast_figure(result)} if forecast_rows(result) else {}


__all__ = ["ALT", "figures", "forecast_figure", "forecast_rows"]

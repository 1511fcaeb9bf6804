"""Figures for the breakout event study (C1, C2, C4, C10): timeline, CARs with placebo bands,
hit rates. Each returns SVG text; ``figures(result)`` maps names to SVG."""

from __future__ import annotations


import matplotlib.dates as mdates
import matplotlib.ticker as mticker
import numpy as np
from matplotlib.patches import Patch

from reportgen.analysis.common import NotTestable
from reportgen.report.figures.base import PALETTE, new_figure, styled, to_svg

DEF_COLORS = ("#1f5fa8", "#c0392b", "#2a9d8f", "#8e6c8a", "#6b6b6b")
DEF_MARKERS = ("o", "s", "^", "D", "v")
MIN_DRAWN = 4
"""Fewer events than this are not drawn as a mean with a band (a band from 1-3 events says
nothing); the panel says "n = 1" instead."""



def _dates(ds):
    return np.array([np.datetime64(d) for d in ds])


@styled
def timeline_figure(r) -> str:
    """RUT (top) and BTC/ETH (bottom), log scales, with breakout markers."""
    tl = r.timeline
    fig, axes = new_figure(6.3, 4.4, nrows=2, ncols=1, sharex=True)
    ax1, ax2 = axes[0, 0], axes[1, 0]
    x = _dates(tl.dates)
    ax1.plot(x, tl.rut, color=PALETTE["RUT"], lw=1.0, label="Russell 2000 (RUT)")
    btc = np.array([np.nan if v is None else v for v in tl.btc], dtype=float)
    eth = np.array([np.nan if v is None else v for v in tl.eth], dtype=float)
    ax2.plot(x, btc, color=PALETTE["BTC"], lw=1.0, label="BTC")
    ax2.plot(x, eth, color=PALETTE["ETH"], lw=1.0, label="ETH")
    for ax, vals in ((ax1, np.asarray(tl.rut, dtype=float)), (ax2, np.concatenate([btc, eth]))):
        if np.any(np.isfinite(vals) & (vals > 0)):  # a log axis needs positive data (no crypto: none)
            ax.set_yscale("log")
        else:
            ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
    start = tl.dates[0]
    if not isinstance(r.definitions, NotTestable):
        for k, d in enumerate(r.definitions):
            ds = [e for e in d.dates if e >= start]
            ys = [c for e, c in zip(d.dates, d.closes) if e >= start]
            ax1.scatter(_dates(ds), np.array(ys) * (1.06 + 0.07 * k), marker="v", s=22,
                        color=DEF_COLORS[k % 5], label=f"breakout: {d.name}", zorder=3)
            if k == 0:
                for e in ds:
                    ax2.axvline(np.datetime64(e), color=DEF_COLORS[0], lw=0.7, alpha=0.6)
    if not isinstance(r.forecast_case, NotTestable):
        fc = r.forecast_case
        for ax in (ax1, ax2):
            ax.axvline(np.datetime64(fc.date), color=PALETTE["accent"], lw=1.0, ls="--")
        ax1.plot([], [], color=PALETTE["accent"], lw=1.0, ls="--",
                 label=f"first close > {r.c1.threshold:,.0f} ({fc.date.isoformat()})"
                 if not isinstance(r.c1, NotTestable) else f"forecast case ({fc.date.isoformat()})")
    plain = mticker.FuncFormatter(lambda v, _: f"{v:,.0f}")
    for ax in (ax1, ax2):
        ax.yaxis.set_major_formatter(plain)
    ax1.yaxis.set_minor_formatter(mticker.FuncFormatter(
        lambda v, _: f"{v:,.0f}" if round(v / 10 ** np.floor(np.log10(v))) in (2, 3, 5) else ""))
    ax1.tick_params(axis="y", which="minor", labelsize=6.5)
    ax1.set_ylabel("RUT (index points, log scale)")
    ax2.set_ylabel("price (USD, log scale)")
    ax2.set_xlabel("date (weekly closes)")
    ax1.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=3, frameon=False, fontsize=6.5, borderaxespad=0.1)
    ax2.plot([], [], color=DEF_COLORS[0], lw=0.7, alpha=0.6, label=f"{r.settings.primary_definition} breakouts")
    ax2.legend(loc="upper left", ncol=3, frameon=True, facecolor="white", edgecolor="none", framealpha=0.9)
    ax2.xaxis.set_major_locator(mdates.YearLocator(2))
    ax2.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    return to_svg(fig)


@styled
def car_bands_figure(r) -> str:
    """Mean raw CAR by horizon per asset and definition, with 5-95% placebo bands."""
    cars = [c for c in r.cars if c.measure == "raw"]
    assets = [a for a in ("BTC", "ETH", "SOL") if any(c.asset == a for c in cars)]
    defs = list(dict.fromkeys(c.definition for c in cars))
    fig, axes = new_figure(6.3, 2.9, nrows=1, ncols=max(len(assets), 1))
    H = r.settings.horizons_months
    width = 0.6 / max(len(defs), 1)
    for j, a in enumerate(assets):
        ax = axes[0, j]
        few: list[str] = []
        for k, d in enumerate(defs):
            rows = {c.horizon_months: c for c in cars if c.asset == a and c.definition == d}
            xs = np.array([h for h in H if h in rows], dtype=float) + (k - (len(defs) - 1) / 2) * width
            if not len(xs):
                continue
            rs = [rows[h] for h in H if h in rows]
            if rs[0].n_events < MIN_DRAWN:
                few.append(f"{d}: n = {rs[0].n_events}")
                continue
            ax.vlines(xs, [100 * c.placebo_p05 for c in rs], [100 * c.placebo_p95 for c in rs],
                      color=DEF_COLORS[k % 5], alpha=0.3, lw=6)
            ax.scatter(xs, [100 * c.mean_car for c in rs], color=DEF_COLORS[k % 5], marker=DEF_MARKERS[k % 5], s=22,
                       zorder=3, label=f"{d} (n={rs[0].n_events})")
        if few and not ax.collections:  # nothing drawn: no meaningless 0-1 axis
            ax.set_yticks([])
        ax.axhline(0, color="#444", lw=0.6)
        ax.set_xticks(list(H))
        ax.set_xlabel("horizon (calendar months)" + ("\nnot drawn, too few events:\n" + "\n".join(few) if few else ""))
        ns = "/".join(str(c.n_events) for d in defs for c in cars
                      if c.asset == a and c.definition == d and c.horizon_months == max(H))
        ax.set_title(f"{a} (events: {ns})")
        ax.set_xlim(min(H) - 0.5, max(H) + 0.5)
    axes[0, 0].set_ylabel("mean log return after breakouts (%)")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    handles = handles + [Patch(color="#9a9a9a", alpha=0.45, lw=0)]
    labels = [lbl.split(" (n=")[0] for lbl in labels] + ["random dates, 5–95% (bars)"]
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 4), frameon=False)
    return to_svg(fig)


@styled
def hit_rates_figure(r) -> str:
    """Hit rate (share of positive returns) after breakouts at the longest horizon, with Wilson
    intervals, against the hit rate after random dates (mean and 5-95% band)."""
    h = r.settings.primary_horizon
    rows = [x for x in r.hit_rates if x.horizon_months == h]
    assets = [a for a in ("BTC", "ETH", "SOL") if any(x.asset == a for x in rows)]
    fig, axes = new_figure(6.3, 2.9, nrows=1, ncols=max(len(assets), 1), sharey=True)
    for j, a in enumerate(assets):
        ax = axes[0, j]
        every = [x for x in rows if x.asset == a]
        sub = [x for x in every if x.n >= MIN_DRAWN]
        few = [x for x in every if x.n < MIN_DRAWN]
        xs = np.arange(len(sub))
        ax.bar(xs - 0.15, [100 * x.rate for x in sub], width=0.3, color=PALETTE.get(a, "#888"), alpha=0.8,
               label="after breakouts")
        ax.errorbar(xs - 0.15, [100 * x.rate for x in sub],
                    yerr=[[100 * (x.rate - x.ci_low) for x in sub], [100 * (x.ci_high - x.rate) for x in sub]],
                    fmt="none", ecolor="#333", capsize=3, lw=0.8, label="95% Wilson interval")
        ax.vlines(xs + 0.15, [100 * x.placebo_p05 for x in sub], [100 * x.placebo_p95 for x in sub],
                  color=PALETTE["null"], lw=7, alpha=0.8, label="random dates, 5–95%")
        ax.scatter(xs + 0.15, [100 * x.placebo_rate for x in sub], color="#222", marker="_", s=80, zorder=3,
                   label="random dates, mean")
        ax.set_xticks(xs, [f"{x.definition.replace('_after_', chr(10))}\n(n={x.n})" for x in sub], fontsize=7)
        if few:
            ax.set_xlabel("not drawn, too few events:\n" + "\n".join(
                f"{x.definition}: n = {x.n}, {x.hits} positive" for x in few), fontsize=6, color="#444")
        ax.set_title(a)
        ax.set_ylim(0, 105)
    axes[0, 0].set_ylabel(f"share of positive {h}-month returns (%)")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=4, frameon=False)
    return to_svg(fig)


def figures(result) -> dict[str, str]:
    """All event-study figures that can be drawn from ``result`` (an ``EventResults``)."""
    out: dict[str, str] = {}
    if not isinstance(result.timeline, NotTestable):
        out["timeline"] = timeline_figure(result)
    if any(c.measure == "raw" for c in result.cars):
        out["car_bands"] = car_bands_figure(result)
    if result.hit_rates:
        out["hit_rates"] = hit_rates_figure(result)
    return out


__all__ = ["figures", "timeline_figure", "car_bands_figure", "hit_rates_figure"]

"""Figures for C8/C9: the primary series (monthly log realised variance of BTC minus the
Russell 2000's) with its regime means and the data's break date, realised volatility, GARCH
conditional volatility by regime, the volatility-break scan and drawdown ("underwater")
curves. Each returns SVG text."""

from __future__ import annotations

import datetime as dt
import re

import matplotlib.dates as mdates
import matplotlib.ticker as mticker
import numpy as np

from reportgen.analysis.common import NotTestable
from reportgen.report.figures.base import PALETTE, new_figure, styled, to_svg

_CRYPTO = ("BTC", "ETH")
_LONG_FLOAT = re.compile(r"(-?\d+\.\d)\d+")



def _compact(svg: str) -> str:
    """Round path coordinates to 0.1 pt (0.035 mm) (invisible in print; deterministic) to keep long series small."""
    return re.sub(r'(<path\b[^>]*?\sd=")([^"]*)(")', lambda m: m.group(1) + _LONG_FLOAT.sub(r"\1", m.group(2)) + m.group(3),
                  svg, flags=re.S)


def _etf_line(ax, etf: dt.date, label: bool = True) -> None:
    ax.axvline(etf, color=PALETTE["accent"], lw=1.0, ls="--", label=f"spot ETF launch ({etf.isoformat()})" if label else None)


def _date_axis(ax) -> None:
    ax.xaxis.set_major_locator(mdates.YearLocator(base=2))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))


@styled
def level_shift_figure(r) -> str | None:
    """d_t = log RV(BTC) - log RV(RUT) by month, regime means, break date and its interval."""
    v = r.c8_shift
    if isinstance(v, NotTestable):
        return None
    fig, axes = new_figure(6.3, 3.0)
    ax = axes[0, 0]
    months = np.asarray(v.months, dtype="datetime64[D]")
    post = np.asarray(v.post, dtype=bool)
    ax.plot(months, v.d, color=PALETTE.get(v.crypto, "black"), lw=0.8, marker="o", ms=1.6,
            label=f"log RV({v.crypto}) − log RV({v.control}), monthly")
    ax.hlines([v.mean_pre, v.mean_post], [months[~post][0], months[post][0]], [months[~post][-1], months[post][-1]],
              colors="black", lw=1.3, label="mean before / after the launch")
    b = r.c8_break
    if not isinstance(b, NotTestable):
        ax.axvspan(b.ci_low, b.ci_high, color=PALETTE["band"], alpha=0.35, lw=0,
                   label=f"{b.ci_level:.0%} interval of the data's break date")
        ax.axvline(b.break_month, color="black", lw=0.9, ls=":", label=f"data's break date ({b.break_month:%Y-%m})")
    _etf_line(ax, r.etf_date)
    ax.set_ylabel("Log variance ratio")
    _date_axis(ax)
    ax.set_xlabel("Month")
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=6.5, ncols=3, borderaxespad=0.1)
    return _compact(to_svg(fig))


@styled
def realised_vol_figure(r) -> str | None:
    """30-day realised volatility: crypto (top) and equity indices (bottom), ETF date marked."""
    if not r.realised_vol:
        return None
    fig, axes = new_figure(6.3, 4.4, nrows=2, ncols=1, sharex=True)
    for ax, group, title in ((axes[0, 0], _CRYPTO, "Crypto (365-day year)"),
                             (axes[1, 0], ("RUT", "GSPC"), "Equity indices (252-day year)")):
        for s in r.realised_vol:
            if s.asset in group:
                ax.plot(s.dates, 100 * np.asarray(s.values), color=PALETTE.get(s.asset, "black"), lw=0.8, label=s.asset)
        _etf_line(ax, r.etf_date)
        ax.set_title(title, loc="left")
        ax.set_ylabel("Volatility (% a year)")
        ax.set_ylim(bottom=0)
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=3, frameon=False, borderaxespad=0.1)
    _date_axis(axes[1, 0])
    axes[1, 0].set_xlabel("Date (weekly samples of a 30-calendar-day rolling window)")
    return _compact(to_svg(fig))


@styled
def conditional_vol_figure(r) -> str | None:
    """Fitted conditional volatility of the regime GARCH(1,1)-t, post-ETF regime shaded."""
    fits = [f for f in r.regime_fits if f.model == "garch"]
    if not fits:
        return None
    fig, axes = new_figure(6.3, 2.2 * len(fits) + 0.4, nrows=len(fits), ncols=1, sharex=True)
    for ax, f in zip(axes[:, 0], fits, strict=True):
        ax.plot(f.cond_vol_dates, 100 * np.asarray(f.cond_vol), color=PALETTE.get(f.asset, "black"), lw=0.7,
                label=f"{f.asset} conditional volatility")
        ax.axvspan(r.etf_date, f.sample_end, color=PALETTE["band"], alpha=0.35, lw=0, label="post-ETF regime")
        if not f.integrated:
            ax.hlines([100 * f.uncond_vol_pre, 100 * f.uncond_vol_post], [f.sample_start, r.etf_date],
                      [r.etf_date, f.sample_end], colors="black", lw=1.0, label="unconditional volatility")
        _etf_line(ax, r.etf_date, label=False)
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}" if str(v)[0] in "25" else ""))
        ax.set_ylabel("Volatility (% a year, log scale)")
        ax.set_title(f"{f.asset}: {f.model_label}", loc="left")
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False, ncols=3, fontsize=6.5, borderaxespad=0.1)
    _date_axis(axes[-1, 0])
    axes[-1, 0].set_xlabel("Date (weekly samples of the daily fitted values)")
    return _compact(to_svg(fig))


@styled
def break_scan_figure(r) -> str | None:
    """Wald statistic by candidate break date, the estimated break and its interval."""
    scans = [b for b in r.break_scans if b.label == "window"]
    if not scans:
        return None
    fig, axes = new_figure(6.3, 1.7 * len(scans) + 0.4, nrows=len(scans), ncols=1, sharex=True)
    for ax, b in zip(axes[:, 0], scans, strict=True):
        ax.plot(b.scan_dates, b.scan_stat, color=PALETTE.get(b.asset, "black"), lw=0.9, label="Wald statistic")
        ax.axvspan(b.ci_low, b.ci_high, color=PALETTE["band"], alpha=0.35, lw=0,
                   label=f"{b.ci_level:.0%} interval for the break date")
        ax.axvline(b.break_date, color="black", lw=0.9, label=f"estimated break ({b.break_date.isoformat()})")
        _etf_line(ax, r.etf_date)
        ax.set_ylabel("Wald statistic")
        ax.set_title(f"{b.asset}: one break in mean |daily return|, {b.test.sample_start.year}-{b.test.sample_end.year}",
                     loc="left")
        ax.legend(loc="upper right", frameon=False, fontsize=6.5)
    axes[-1, 0].xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    axes[-1, 0].set_xlabel("Candidate break date")
    return _compact(to_svg(fig))


@styled
def underwater_figure(r) -> str | None:
    """Drawdown from the running all-time high, one panel per asset (two columns), thresholds marked."""
    tables = list(r.drawdowns)
    if not tables:
        return None
    ncols = 2 if len(tables) > 1 else 1
    nrows = -(-len(tables) // ncols)
    fig, axes = new_figure(6.3, 1.5 * nrows + 0.5, nrows=nrows, ncols=ncols, sharex=True, sharey=True)
    flat = axes.ravel()
    for ax, t in zip(flat, tables):
        y = 100 * np.asarray(t.underwater, dtype=float)
        x = mdates.date2num(np.asarray(t.underwater_dates, dtype="datetime64[D]"))
        # drop interior points of flat stretches (at a running high the curve sits at 0 for weeks):
        # the drawn outline is unchanged, the SVG much smaller
        keep = np.ones(len(y), dtype=bool)
        if len(y) > 2:
            keep[1:-1] = (y[1:-1] != y[:-2]) | (y[1:-1] != y[2:])
        x, y = x[keep], y[keep]
        # one closed polygon (curve + the zero line's two end points) instead of fill_between's
        # curve-and-baseline path: the same area with half the vertices
        ax.fill(np.concatenate([[x[0]], x, [x[-1]]]), np.concatenate([[0.0], y, [0.0]]),
                color=PALETTE.get(t.asset, "black"), alpha=0.55, lw=0)
        ax.xaxis_date()
        for th in r.thresholds:
            ax.axhline(-100 * th, color=PALETTE["null"], lw=0.8, ls=":")
        _etf_line(ax, r.etf_date, label=False)
        ax.set_ylim(-100, 2)
        ax.set_title(t.asset, loc="left")
    for ax in flat[len(tables):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("Below running high (%)")
    for ax in axes[-1, :]:
        ax.xaxis.set_major_locator(mdates.YearLocator(base=4))
        ax.xaxis.set_minor_locator(mdates.YearLocator(base=1))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        ax.set_xlabel("Date (weekly)")
    return _compact(to_svg(fig))


def figures(result) -> dict[str, str]:
    """All C8/C9 figures that can be drawn from ``result`` (a ``RegimeResults``)."""
    if isinstance(result, NotTestable):
        return {}
    out = {
        "level_shift": level_shift_figure(result),
        "realised_vol": realised_vol_figure(result),
        "conditional_vol": conditional_vol_figure(result),
        "break_scan": break_scan_figure(result),
        "underwater": underwater_figure(result),
    }
    return {k: v for k, v in out.items() if v is not None}

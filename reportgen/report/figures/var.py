"""Figures for the VAR family: impulse responses with bootstrap bands, FEVD bars.

Every function takes a :class:`reportgen.analysis.var.VarResults` and returns SVG text;
systems that are :class:`NotTestable` produce no figure (the key is absent).
"""

from __future__ import annotations


import numpy as np

from reportgen.analysis.var import IrfBands, VarResults, VarSystemResult
from reportgen.report.figures.base import PALETTE, new_figure, styled, to_svg

PCT = 100.0  # log-return -> percent



def _legend_below(fig, ax, ncols: int = 5) -> None:
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(ncols, len(handles)), frameon=False)


def _colour(name: str) -> str:
    return PALETTE.get(name, PALETTE["accent"])


def _irf_panel(ax, orth: IrfBands, gen: IrfBands | None, response: str, shock: str, cumulative: bool,
               extra: IrfBands | None = None, extra_label: str = "") -> None:
    """One response path with its own 90%/95% bands. Cumulative panels sum months 1..h (the
    impact month excluded, as in the response tests' table), so they start at month 1. A
    second model (``extra``) is drawn with *its own* 95% band (dotted edges), never against
    the first model's band."""
    pre = "lag_cum_" if cumulative else ""
    first = 1 if cumulative else 0
    h = np.arange(first, orth.horizon + 1)
    colour = _colour(response)

    def path(bands: IrfBands, which: str) -> np.ndarray:
        return PCT * bands.response(response, shock, pre + which)[first:]

    ax.fill_between(h, path(orth, "lower95"), path(orth, "upper95"),
                    color=PALETTE["band"], alpha=0.45, linewidth=0, label=f"95% band, VAR({orth.lags})")
    ax.fill_between(h, path(orth, "lower90"), path(orth, "upper90"),
                    color=PALETTE["band"], alpha=0.85, linewidth=0, label=f"90% band, VAR({orth.lags})")
    ax.plot(h, path(orth, "point"), color=colour, marker="o",
            markersize=3, linewidth=1.6, label=f"orthogonalised, VAR({orth.lags})")
    if gen is not None:
        ax.plot(h, path(gen, "point"), color="black", linestyle="--",
                linewidth=1.0, label="generalised")
    if extra is not None:
        ax.plot(h, path(extra, "point"), color=PALETTE["accent"], linestyle="-", linewidth=1.1,
                marker="s", markersize=2.5, label=extra_label)
        for which in ("lower95", "upper95"):
            ax.plot(h, path(extra, which), color=PALETTE["accent"], linestyle=":", linewidth=0.9,
                    label=f"95% band, {extra_label}" if which == "lower95" else None)
    ax.axhline(0.0, color=PALETTE["null"], linewidth=0.8)
    ax.set_xticks(h)
    ax.set_xlim(first - 0.2, orth.horizon + 0.2)
    ax.set_xlabel("horizon, months after the shock")


@styled
def c3_figure(result: VarResults) -> str:
    """BTC and ETH responses (per month, and cumulative over months 1..h) to a one-s.d. RUT
    shock; the imposed VAR(3), where estimated, with its own band."""
    s = result.rut_crypto
    rob = result.rut_crypto_p3 if isinstance(result.rut_crypto_p3, VarSystemResult) else None
    fig, axes = new_figure(6.3, 5.0, nrows=2, ncols=2)
    for col, crypto in enumerate(("BTC", "ETH")):
        if crypto not in s.orth.variables:  # absent or stale: the VAR was fitted without it
            for row in (0, 1):
                axes[row, col].text(0.5, 0.5, f"{crypto} is not in this VAR\n(absent or stale)", ha="center",
                                    va="center", transform=axes[row, col].transAxes)
                axes[row, col].set_axis_off()
            continue
        rob_c = rob if rob is not None and crypto in rob.orth.variables else None
        _irf_panel(axes[0, col], s.orth, s.gen, crypto, "RUT", cumulative=False,
                   extra=rob_c.orth if rob_c else None, extra_label=f"VAR({rob_c.lags}) imposed" if rob_c else "")
        axes[0, col].set_title(f"{crypto} response, VAR({s.lags})")
        axes[0, col].set_ylabel(f"{crypto} log-return, % per month")
        _irf_panel(axes[1, col], s.orth, s.gen, crypto, "RUT", cumulative=True,
                   extra=rob_c.orth if rob_c else None, extra_label=f"VAR({rob_c.lags}) imposed" if rob_c else "")
        axes[1, col].set_title(f"{crypto} cumulative response, months 1..h")
        axes[1, col].set_ylabel(f"cumulative {crypto} log-return, %")
    _legend_below(fig, axes[0, 0], ncols=3)
    return to_svg(fig)


@styled
def c5_figure(result: VarResults) -> str:
    """Responses of GSPC, RUT and BTC to a one-s.d. credit-spread shock, with peak markers."""
    s = result.credit
    shock = s.variables[0]
    responders = result.c5.responders
    fig, axes = new_figure(6.3, 2.8, nrows=1, ncols=len(responders), sharey=True)
    for k, name in enumerate(responders):
        ax = axes[0, k]
        _irf_panel(ax, s.orth, s.gen, name, shock, cumulative=False)
        pk = result.c5.peak_horizon[k]
        ax.plot([pk], [PCT * result.c5.peak_response[k]], marker="D", color=PALETTE["accent"],
                markersize=5, linestyle="none", label="peak")
        ax.set_title(f"{name} response")
        ax.set_xlabel("months after shock")
        if k == 0:
            ax.set_ylabel("log-return, % per month")
    _legend_below(fig, axes[0, 0])
    return to_svg(fig)


@styled
def c5_peaks_figure(result: VarResults) -> str:
    """Bootstrap distribution of the peak-response horizon after a credit-spread shock."""
    c5 = result.c5
    dist = np.asarray(c5.peak_distribution)
    h = np.asarray(c5.horizons)
    fig, axes = new_figure(6.3, 2.2)
    ax = axes[0, 0]
    width = 0.8 / len(c5.responders)
    for k, name in enumerate(c5.responders):
        ax.bar(h + (k - (len(c5.responders) - 1) / 2) * width, PCT * dist[k], width=width,
               color=_colour(name), label=name)
    ax.set_xticks(h)
    ax.set_xlabel("horizon of the largest |response|, months after the shock")
    ax.set_ylabel("share of bootstrap draws, %")
    ax.set_ylim(0, 105)
    ax.set_axisbelow(True)
    ax.legend(frameon=False, ncols=len(c5.responders))
    return to_svg(fig)


@styled
def c6_figure(result: VarResults) -> str:
    """Responses of RUT and BTC to a one-s.d. net-liquidity growth shock."""
    s = result.liquidity
    shock = s.variables[0]
    responders = s.variables[1:]
    fig, axes = new_figure(6.3, 2.8, nrows=1, ncols=len(responders))
    for k, name in enumerate(responders):
        ax = axes[0, k]
        _irf_panel(ax, s.orth, s.gen, name, shock, cumulative=False)
        ax.set_title(f"{name} response")
        ax.set_ylabel(f"{name} log-return, % per month")
    _legend_below(fig, axes[0, 0])
    return to_svg(fig)


@styled
def fevd_figure(result: VarResults) -> str:
    """Share of BTC and ETH forecast-error variance due to RUT shocks, horizons 1..H."""
    s = result.rut_crypto
    items = [f for f in s.fevd if f.source == "RUT" and f.target in ("BTC", "ETH")]
    fig, axes = new_figure(6.3, 2.4)
    ax = axes[0, 0]
    width = 0.8 / max(len(items), 1)
    for k, f in enumerate(items):
        h = np.asarray(f.horizons, dtype=float)
        share = PCT * np.asarray(f.share)
        err = np.vstack([share - PCT * np.asarray(f.ci_low), PCT * np.asarray(f.ci_high) - share])
        ax.bar(h + (k - (len(items) - 1) / 2) * width, share, width=width, color=_colour(f.target),
               yerr=err, capsize=2, error_kw={"linewidth": 0.8}, label=f"{f.target} (95% CI)")
    ax.set_xticks(np.asarray(items[0].horizons) if items else [])
    ax.set_xlabel("forecast horizon, months")
    ax.set_ylabel("share of forecast-error\nvariance due to RUT, %")
    ax.set_ylim(bottom=0)
    ax.set_axisbelow(True)
    ax.legend(frameon=False, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=len(items), borderaxespad=0.1)
    return to_svg(fig)


def figures(result: VarResults) -> dict[str, str]:
    """All VAR figures as ``name -> SVG text``; systems that were not estimated are skipped."""
    out: dict[str, str] = {}
    if isinstance(result.rut_crypto, VarSystemResult):
        out["c3_irf"] = c3_figure(result)
        out["fevd"] = fevd_figure(result)
    if isinstance(result.credit, VarSystemResult):
        out["c5_credit"] = c5_figure(result)
        out["c5_peaks"] = c5_peaks_figure(result)
    if isinstance(result.liquidity, VarSystemResult):
        out["c6_liquidity"] = c6_figure(result)
    return out

"""The claim scorecard of the note: each test-based claim's effect and 95% interval against
its minimum effect (and, where given, the effect the articles' thesis implies), coloured by
verdict.

Effects are in different units (a 3-month log return, a change in variance, a beta), so each
claim gets its own small panel with its own axis and unit; nothing is rescaled. The figure
draws the :class:`~reportgen.verdict.rules.Evidence` of each verdict as it is (percent units
multiplied by 100 for display only); the same numbers are in ``figure_note_scorecard.csv``.
"""

from __future__ import annotations

from reportgen.report.figures.base import new_figure, styled, to_svg

VERDICT_COLORS = {
    "SUPPORTED": "#2e7d32",
    "PARTLY": "#7cb342",
    "NOT_SUPPORTED": "#c62828",
    "CONTRADICTED": "#6a1b9a",
    "INSUFFICIENT": "#ef8f00",
    "NOT_TESTABLE": "#78838f",
}
PERCENT_UNITS = ("log return", "simple return", "change", "share")
ALT = ("Claim scorecard: for each test-based claim, the estimated effect and its 95% interval on the claim's own "
       "axis, against the minimum effect that matters and the effect the articles' thesis implies, coloured by verdict.")


def scorecard_claims(verdicts) -> tuple:
    """The verdicts that have an effect and a 95% interval (the claims the scorecard draws)."""
    return tuple(v for v in verdicts if v.evidence is not None and v.evidence.effect is not None
                 and v.evidence.ci_low is not None and v.evidence.ci_high is not None)


def _unit(ev) -> tuple[float, str]:
    if ev.effect_unit in PERCENT_UNITS:
        unit = {"log return": "log return, %", "simple return": "simple return, %", "change": "change, % points",
                "share": "share, %"}[ev.effect_unit]
        return 100.0, unit
    return 1.0, ev.effect_unit


@styled
def scorecard_figure(verdicts) -> str:
    """One row per claim: point and 95% interval (verdict colour), zero (grey), the minimum
    effect with the claimed sign (dashed) and the implied effect (open diamond)."""
    rows = scorecard_claims(verdicts)
    n = max(len(rows), 1)
    fig, axes = new_figure(6.3, 0.78 * n + 0.45, nrows=n, ncols=1)
    for i, v in enumerate(rows):
        ax = axes[i, 0]
        ev = v.evidence
        k, unit = _unit(ev)
        color = VERDICT_COLORS.get(v.verdict.name, "#333")
        xs = [ev.effect, ev.ci_low, ev.ci_high, 0.0]
        ax.axvline(0, color="#9a9a9a", lw=0.8)
        ax.hlines(0, k * ev.ci_low, k * ev.ci_high, color=color, lw=3.2, alpha=0.55)
        ax.plot([k * ev.effect], [0], "o", color=color, ms=6, zorder=3, label="estimate, 95% interval")
        if ev.min_effect is not None:
            m = ev.expected_sign * ev.min_effect
            xs.append(m)
            ax.axvline(k * m, color="#222", lw=0.9, ls="--", label="minimum effect that matters (claimed sign)")
        if ev.implied_effect is not None:
            xs.append(ev.implied_effect)
            ax.plot([k * ev.implied_effect], [0], "D", mfc="white", mec="#222", ms=5.5, zorder=4,
                    label="effect the articles' thesis implies")
        lo, hi = k * min(xs), k * max(xs)
        pad = 0.08 * (hi - lo) if hi > lo else 1.0
        ax.set_xlim(lo - pad, hi + pad)
        ax.set_ylim(-1, 1)
        ax.set_yticks([])
        ax.grid(axis="y", visible=False)
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="x", labelsize=6.5, pad=1)
        ax.set_title(f"{v.claim.id} · {v.verdict.value}", loc="left", fontsize=7.5, color=color, pad=2,
                     fontweight="bold")
        ax.set_xlabel(f"{ev.label} ({unit})", fontsize=6.3, color="#444", labelpad=1)
    if rows:
        handles, labels = {}, {}
        for ax in axes[:, 0]:
            for h, lbl in zip(*ax.get_legend_handles_labels(), strict=True):
                handles.setdefault(lbl, h)
        labels = list(handles)
        fig.legend([handles[lbl] for lbl in labels], labels, loc="outside lower center", ncol=3, frameon=False,
                   fontsize=6.5)
    else:
        axes[0, 0].text(0.5, 0.5, "no claim has an effect with an interval", ha="center", va="center",
                        transform=axes[0, 0].transAxes)
        axes[0, 0].set_axis_off()
    return to_svg(fig)


def figures(verdicts) -> dict[str, str]:
    """``{"scorecard": svg}`` (empty when no claim has an effect and interval)."""
    return {"scorecard": scorecard_figure(verdicts)} if scorecard_claims(verdicts) else {}


__all__ = ["ALT", "VERDICT_COLORS", "figures", "scorecard_claims", "scorecard_figure"]

"""'What changed since last month': compare this build's document with a previous results.json.

Both sides are the JSON form (``to_jsonable``) so a report written by an older release can
still be compared, key by key; anything the previous file lacks is simply not compared.

Each :class:`Change` carries a readable ``label`` and the ``unit`` its values are shown in
(the report's units: percent where the text uses percent, p-values as in the appendix);
:func:`format_value` turns a value into that text through the report's number filters, so
the report's table and ``reportgen diff`` print the same thing. Changed verdicts come first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from reportgen.report.filters import DASH, fmt_date, fmt_int, fmt_num, fmt_p, fmt_pct, fmt_signed_pct

Unit = Literal["text", "date", "count", "signed_pct", "pct", "p", "number"]
UNITS: tuple[str, ...] = ("text", "date", "count", "signed_pct", "pct", "p", "number")


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between the previous report and this one."""

    kind: str  # "verdict" | "statistic" | "data"
    subject: str  # series key or claim id
    field: str  # machine name of what changed (e.g. "last date", "verdict", "pvalue")
    before: str | float | None
    after: str | float | None
    label: str = ""  # what changed, in words (e.g. "p-value of the primary test"); defaults to ``field``
    unit: Unit = "text"  # how ``before`` and ``after`` are shown (:func:`format_value`)

    @property
    def what(self) -> str:
        """The readable label (``field`` when no label was given)."""
        return self.label or self.field

    @property
    def before_text(self) -> str:
        return format_value(self.before, self.unit)

    @property
    def after_text(self) -> str:
        return format_value(self.after, self.unit)


def format_value(value, unit: str) -> str:
    """A changed value as the report shows it: ``0.0167`` as p -> ``'0.017'``, ``-0.052`` as
    signed_pct -> ``'−5.2%'``, ``9816`` as count -> ``'9,816'``; ``None`` -> ``'–'``."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")
    if value is None:
        return DASH
    if unit in ("text", "date"):
        return fmt_date(value) if unit == "date" else str(value)
    if isinstance(value, str):  # a number written as text by an older release: show it as is
        return value
    return {
        "count": fmt_int,
        "signed_pct": fmt_signed_pct,
        "pct": lambda x: fmt_pct(x, 0),
        "p": fmt_p,
        "number": lambda x: fmt_num(x, 3),
    }[unit](value)


# numeric evidence fields compared per claim, and the smallest move worth reporting
_STAT_FIELDS = (("effect", 0.0025), ("pvalue", 0.01), ("power", 0.02))
_STAT_LABELS = {"effect": "effect", "pvalue": "p-value of the primary test", "power": "power at the minimum effect"}
_DATA_FIELDS = {"last": ("last date", "date"), "rows": ("rows", "count"), "sha256": ("content hash", "text")}
_KIND_ORDER = {"verdict": 0, "statistic": 1, "data": 2}


def effect_unit(evidence: dict) -> Unit:
    """How an evidence record's effect is shown: percent for log returns, changes and shares
    (as the verdict boxes do), a plain number otherwise (betas, ratios)."""
    unit = (evidence or {}).get("effect_unit", "")
    if unit in ("log return", "simple return", "change"):
        return "signed_pct"
    if unit == "share":
        return "pct"
    return "number"


def _stat_unit(field: str, evidence: dict) -> Unit:
    return {"pvalue": "p", "power": "pct"}.get(field) or effect_unit(evidence)


def _stat(evidence: dict, field: str):
    """An evidence field; a report from before the verdict rewrite named the primary p ``pvalue_adj``."""
    value = evidence.get(field)
    return evidence.get("pvalue_adj") if value is None and field == "pvalue" else value


def compare_with_previous(current: dict, previous: dict | None) -> tuple[Change, ...]:
    """Differences in verdicts, key statistics and data coverage (empty if no previous).

    Changed verdicts come first, then statistics, then data, each in the order of the
    current document (claims in registry order, series in config order).
    """
    if not previous:
        return ()
    changes: list[Change] = []
    prev_series = {s.get("key"): s for s in previous.get("data", {}).get("series", [])}
    for s in current["data"]["series"]:
        p = prev_series.get(s["key"])
        if p is None:
            changes.append(Change("data", s["key"], "series added", None, s["last"], "series added", "date"))
            continue
        for field, (label, unit) in _DATA_FIELDS.items():
            if p.get(field) != s[field]:
                before, after = p.get(field), s[field]
                if field == "sha256":
                    before, after = (before or "")[:12], after[:12]
                changes.append(Change("data", s["key"], label, before, after, label, unit))
    prev_verdicts = {v["claim"]["id"]: v for v in previous.get("verdicts", []) if "claim" in v}
    for v in current["verdicts"]:
        cid = v["claim"]["id"]
        p = prev_verdicts.get(cid)
        if p is None:
            continue
        if p.get("verdict") != v["verdict"]:
            changes.append(Change("verdict", cid, "verdict", p.get("verdict"), v["verdict"], "verdict", "text"))
        pe, ce = p.get("evidence") or {}, v.get("evidence") or {}
        for field, tol in _STAT_FIELDS:
            a, b = _stat(pe, field), _stat(ce, field)
            if isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) >= tol:
                changes.append(Change("statistic", cid, field, float(a), float(b), _STAT_LABELS[field],
                                      _stat_unit(field, ce)))
    order = {id(c): i for i, c in enumerate(changes)}
    return tuple(sorted(changes, key=lambda c: (_KIND_ORDER.get(c.kind, 9), order[id(c)])))


__all__ = ["Change", "UNITS", "compare_with_previous", "effect_unit", "format_value"]

"""'What changed since last month': compare this build's document with a previous results.json.

Both sides are the JSON form (``to_jsonable``) so a report written by an older release can
still be compared, key by key; anything the previous file lacks is simply not compared.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between the previous report and this one."""

    kind: str  # "data" | "verdict" | "statistic"
    subject: str  # series key or claim id
    field: str  # what changed (e.g. "last date", "verdict", "adjusted p-value")
    before: str | float | None
    after: str | float | None


# numeric evidence fields compared per claim, and the smallest move worth reporting
_STAT_FIELDS = (("effect", 0.0025), ("pvalue_adj", 0.01), ("power", 0.02))


def compare_with_previous(current: dict, previous: dict | None) -> tuple[Change, ...]:
    """Differences in data coverage, verdicts and key statistics (empty if no previous)."""
    if not previous:
        return ()
    changes: list[Change] = []
    prev_series = {s.get("key"): s for s in previous.get("data", {}).get("series", [])}
    for s in current["data"]["series"]:
        p = prev_series.get(s["key"])
        if p is None:
            changes.append(Change("data", s["key"], "series added", None, s["last"]))
            continue
        for field in ("last", "rows", "sha256"):
            if p.get(field) != s[field]:
                label = {"last": "last date", "rows": "rows", "sha256": "content hash"}[field]
                before, after = p.get(field), s[field]
                if field == "sha256":
                    before, after = (before or "")[:12], after[:12]
                changes.append(Change("data", s["key"], label, before, after))
    prev_verdicts = {v["claim"]["id"]: v for v in previous.get("verdicts", []) if "claim" in v}
    for v in current["verdicts"]:
        cid = v["claim"]["id"]
        p = prev_verdicts.get(cid)
        if p is None:
            continue
        if p.get("verdict") != v["verdict"]:
            changes.append(Change("verdict", cid, "verdict", p.get("verdict"), v["verdict"]))
        pe, ce = p.get("evidence") or {}, v.get("evidence") or {}
        for field, tol in _STAT_FIELDS:
            a, b = pe.get(field), ce.get(field)
            if isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) >= tol:
                changes.append(Change("statistic", cid, field, float(a), float(b)))
    return tuple(changes)

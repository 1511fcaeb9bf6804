"""``reportgen explain CLAIM``: the rule path of one verdict, from a report's results.json.

The path is :func:`reportgen.verdict.rules.decide_trace` run on the evidence the report
recorded (the same function that decided it), followed by the claim-level confirmations and
caps the report applied, and where in the appendix the evidence is. No statistic is
recomputed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from reportgen.errors import ReportgenError
from reportgen.verdict.rules import Evidence, Step, decide_trace

__all__ = ["Explanation", "explain_claim"]


@dataclass(frozen=True, slots=True)
class Explanation:
    claim: str
    title: str
    rule_kind: str
    evidence: Evidence | None
    steps: tuple[Step, ...]
    rule_verdict: str | None  # what the decision rule alone gives
    verdict: str  # what the report recorded
    reason: str
    adjusted_by: str  # claim-level confirmation or cap that moved the verdict ("" if none)
    secondary: tuple[dict, ...]
    notes: tuple
    where: tuple[str, ...]


def _evidence(d: dict | None) -> Evidence | None:
    if not d:
        return None
    names = {f.name for f in dataclasses.fields(Evidence)}
    kw = {k: v for k, v in d.items() if k in names}
    if "pvalue" not in kw:  # a report written before the claim specifications (schema of 2026-11)
        kw["pvalue"] = d.get("pvalue_adj")
    missing = [f.name for f in dataclasses.fields(Evidence)
               if f.name not in kw and f.default is dataclasses.MISSING]
    if missing:
        raise ReportgenError(f"this report's evidence lacks {', '.join(missing)}: it was written by an older reportgen",
                             hint="rebuild it, or explain a newer month with --month")
    if kw.get("size_ci") is not None:
        kw["size_ci"] = tuple(kw["size_ci"])
    return Evidence(**kw)


def explain_claim(document: dict, claim_id: str) -> Explanation:
    """The rule path of ``claim_id`` in a results.json document (as parsed JSON)."""
    verdicts = document.get("verdicts") or []
    rec = next((v for v in verdicts if (v.get("claim") or {}).get("id") == claim_id), None)
    if rec is None:
        ids = ", ".join((v.get("claim") or {}).get("id", "?") for v in verdicts)
        raise ReportgenError(f"no claim {claim_id!r} in this report; claims: {ids}",
                             hint="use a claim id from the verdict table, e.g. C4")
    claim = rec["claim"]
    rules = (document.get("config") or {}).get("rules") or {}
    ev = _evidence(rec.get("evidence"))
    steps: tuple[Step, ...] = ()
    rule_verdict = None
    if claim.get("rule") in ("test", "chain") and ev is not None:
        primary = claim.get("primary") or {}
        v, _, steps = decide_trace(ev, alpha=rules["alpha"], min_power=rules["min_power"],
                                   min_events=rules["min_events"], events_based=bool(primary.get("events_based")))
        rule_verdict = v.value
    adjusted = ""
    if rule_verdict is not None and rule_verdict != rec["verdict"]:
        adjusted = {"mixed": "the claim's parts disagree (e.g. the VAR response or the peak order)",
                    "capped": "capped: the data do not date the change at the cause the claim names"}.get(
            rec.get("reason", ""), rec.get("reason", ""))
    cid = claim_id
    where = [f"appendix: verdict box {cid} (#verdict-{cid})", f"appendix: 'Tests: every hypothesis test once', table of claim {cid}"]
    primary = claim.get("primary") or {}
    if primary.get("design"):
        where.append(f"appendix: self-check design '{primary['design']}'")
    where.append(f"tests.csv rows with claim = {cid}; verdicts.csv row {cid}")
    return Explanation(
        claim=cid, title=claim.get("title", ""), rule_kind=claim.get("rule", ""), evidence=ev, steps=steps,
        rule_verdict=rule_verdict, verdict=rec["verdict"], reason=rec.get("reason", ""), adjusted_by=adjusted,
        secondary=tuple(rec.get("secondary") or ()), notes=tuple(rec.get("notes") or ()), where=tuple(where),
    )


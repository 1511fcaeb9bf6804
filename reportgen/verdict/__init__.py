"""Verdict layer: claim specifications (:mod:`.specs`), the decision rule (:mod:`.rules`) and
the verdict per claim (:mod:`.claims`). Reads specifications and results; never computes a
statistic, never formats a number."""

from reportgen.verdict.claims import ClaimVerdict, Note, OverallVerdict, SecondarySummary, decide_all, overall_verdict
from reportgen.verdict.rules import Evidence, Verdict, decide
from reportgen.verdict.specs import RULE_CHANGES, ClaimSpec, PrimaryTest, RuleChange, claim_specs

__all__ = ["ClaimSpec", "ClaimVerdict", "Evidence", "Note", "OverallVerdict", "PrimaryTest", "RULE_CHANGES",
           "RuleChange", "SecondarySummary", "Verdict", "claim_specs", "decide", "decide_all", "overall_verdict"]

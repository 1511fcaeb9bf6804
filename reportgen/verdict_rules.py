"""Per-claim extractors: pick each claim's primary evidence from the analysis results and
apply :func:`reportgen.verdict.decide`. One function per claim, registered in ``RULES``."""

from __future__ import annotations

from reportgen.config import Config
from reportgen.data.bundle import DataBundle
from reportgen.verdict import UNFALSIFIABLE, Claim, ClaimVerdict, Verdict


def c9(claim: Claim, results: dict, bundle: DataBundle, cfg: Config) -> ClaimVerdict:
    """C9 is not falsifiable as stated; the recovery-speed proxy is shown, labelled as such."""
    return ClaimVerdict(
        claim, Verdict.NOT_TESTABLE, UNFALSIFIABLE, None,
        notes=("“Dips get absorbed” and “capital rotates rather than leaves” name no quantity, horizon or threshold that data could refute.",),
        would_change="A precise version of the claim (e.g. 'drawdowns beyond 30% now recover within N months') could be tested on the proxy shown below.",
    )


RULES = {"C9": c9}

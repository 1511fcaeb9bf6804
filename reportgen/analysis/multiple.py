"""Multiple-testing adjustments over a stated family of p-values.

References
----------
Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scand. J. Statist. 6, 65-70.
Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery rate. JRSS B 57, 289-300.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
from statsmodels.stats.multitest import multipletests

from reportgen.analysis.common import HypothesisTest


def _check_pvalues(pvalues: Sequence[float]) -> np.ndarray:
    p = np.asarray(pvalues, dtype=float)
    bad = np.flatnonzero(~np.isfinite(p))
    if bad.size:
        raise ValueError(f"p-values must be finite; got {p[bad[0]]} at position {bad[0]}")
    return p


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm step-down adjusted p-values (family-wise error rate), via statsmodels."""
    p = _check_pvalues(pvalues)
    return p if p.size == 0 else multipletests(p, method="holm")[1]


def benjamini_hochberg(pvalues: Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (false discovery rate), via statsmodels."""
    p = _check_pvalues(pvalues)
    return p if p.size == 0 else multipletests(p, method="fdr_bh")[1]


def adjust_family(tests: Sequence[HypothesisTest], family: str) -> tuple[HypothesisTest, ...]:
    """Return copies of ``tests`` with ``family``, ``pvalue_holm`` and ``pvalue_bh`` filled in."""
    p = [t.pvalue for t in tests]
    h, b = holm(p), benjamini_hochberg(p)
    return tuple(
        dataclasses.replace(t, family=family, pvalue_holm=float(hi), pvalue_bh=float(bi))
        for t, hi, bi in zip(tests, h, b, strict=True)
    )

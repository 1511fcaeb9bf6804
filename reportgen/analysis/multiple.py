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

from reportgen.analysis.common import HypothesisTest


def _check_pvalues(pvalues: Sequence[float]) -> np.ndarray:
    p = np.asarray(pvalues, dtype=float)
    bad = np.flatnonzero(~np.isfinite(p))
    if bad.size:
        raise ValueError(f"p-values must be finite; got {p[bad[0]]} at position {bad[0]}")
    return p


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm step-down adjusted p-values (family-wise error rate).

    Equals ``statsmodels.stats.multitest.multipletests(p, method="holm")[1]`` (golden test);
    written out because the library call costs ~40 ms, which matters inside Monte Carlo loops.
    """
    p = _check_pvalues(pvalues)
    m = p.size
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    adj_sorted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(adj_sorted, 1.0)
    return out


def benjamini_hochberg(pvalues: Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (false discovery rate); equals
    ``multipletests(p, method="fdr_bh")[1]`` (golden test)."""
    p = _check_pvalues(pvalues)
    m = p.size
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, m + 1)
    adj_sorted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adj_sorted, 1.0)
    return out


def adjust_family(tests: Sequence[HypothesisTest], family: str) -> tuple[HypothesisTest, ...]:
    """Return copies of ``tests`` with ``family``, ``pvalue_holm`` and ``pvalue_bh`` filled in."""
    p = [t.pvalue for t in tests]
    h, b = holm(p), benjamini_hochberg(p)
    return tuple(
        dataclasses.replace(t, family=family, pvalue_holm=float(hi), pvalue_bh=float(bi))
        for t, hi, bi in zip(tests, h, b, strict=True)
    )

"""Result types shared by every test family.

Results are frozen, slotted dataclasses holding plain Python values (floats, ints, str,
tuples, ``datetime.date``). Arrays are stored as tuples so a result cannot be mutated after
the fact; :mod:`reportgen.serialize` turns any result tree into JSON.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True, slots=True)
class HypothesisTest:
    """One hypothesis test, as it appears in the appendix and in ``results.json``.

    Attributes
    ----------
    name : short identifier, unique within its family (e.g. ``"granger_RUT_BTC_m_l2_hac"``)
    null, alternative : the hypotheses in words
    stat : test statistic
    pvalue : raw p-value
    df : degrees of freedom as text-free tuple (e.g. ``(2, 140)`` for an F test; ``()`` if none)
    nobs : observations used
    sample_start, sample_end : first and last date of the sample used
    method : how the statistic/p-value were obtained (e.g. ``"HC3 Wald, F"``, ``"wild bootstrap, 2000 draws"``)
    pvalue_holm, pvalue_bh : adjusted p-values within ``family`` (``None`` until adjusted)
    family : name of the multiple-testing family this test belongs to
    effect, ci_low, ci_high : effect size with its confidence interval, where one exists
    effect_label : what ``effect`` measures (e.g. ``"sum of lag coefficients"``)
    """

    name: str
    null: str
    alternative: str
    stat: float
    pvalue: float
    df: tuple[float, ...]
    nobs: int
    sample_start: dt.date
    sample_end: dt.date
    method: str
    family: str = ""
    pvalue_holm: float | None = None
    pvalue_bh: float | None = None
    effect: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    effect_label: str = ""


@dataclass(frozen=True, slots=True)
class NotTestable:
    """Stands in for a result that could not be computed, with the reason in words."""

    reason: str
    missing: tuple[str, ...] = field(default=())


def as_date(x) -> dt.date:
    """Convert a pandas/numpy timestamp or date to ``datetime.date``."""
    if isinstance(x, dt.datetime):
        return x.date()
    if isinstance(x, dt.date):
        return x
    import pandas as pd

    return pd.Timestamp(x).date()


def as_tuple(a) -> tuple:
    """Convert an array (any shape) to nested tuples of Python floats, for frozen results."""
    arr = np.asarray(a, dtype=float)
    if arr.ndim == 0:
        return (float(arr),)
    if arr.ndim == 1:
        return tuple(float(v) for v in arr)
    return tuple(as_tuple(row) for row in arr)


def iter_tests(node, path: str = "results") -> Iterator[tuple[str, Mapping]]:
    """Yield ``(path, fields)`` for every hypothesis test in a result tree.

    Parameters
    ----------
    node : a result object (any dataclass), a mapping of them (``{"leadlag": ..., ...}``),
        a tuple/list, or the JSON form of any of these (``results.json["results"]``).
    path : the path of ``node``; children are ``path.field`` and ``path[i]``.

    Yields
    ------
    (path, fields) : fields maps :class:`HypothesisTest` field names to values.
    """
    if isinstance(node, HypothesisTest):
        yield path, {f.name: getattr(node, f.name) for f in dataclasses.fields(node)}
    elif isinstance(node, Mapping):
        if node.get("type") == "HypothesisTest":
            yield path, node
            return
        for key, value in node.items():
            if key != "type":
                yield from iter_tests(value, f"{path}.{key}")
    elif dataclasses.is_dataclass(node) and not isinstance(node, type):
        for f in dataclasses.fields(node):
            yield from iter_tests(getattr(node, f.name, None), f"{path}.{f.name}")
    elif isinstance(node, (list, tuple)):
        if node and isinstance(node[0], (int, float, str, type(None))) and not isinstance(node[0], bool):
            if all(not _may_hold_tests(v) for v in node):
                return  # arrays of numbers (IRF bands, price paths) hold no tests: skip quickly
        for i, value in enumerate(node):
            yield from iter_tests(value, f"{path}[{i}]")


def _may_hold_tests(v) -> bool:
    return not isinstance(v, (int, float, str, type(None)))

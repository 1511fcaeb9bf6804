"""Result objects -> results.json: one mechanism, deterministic, JSON-safe."""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd
import pytest

from reportgen.analysis.common import HypothesisTest, NotTestable
from reportgen.serialize import dumps, to_jsonable



class Verdict(enum.Enum):
    SUPPORTED = "supported"


@dataclass(frozen=True, slots=True)
class Inner:
    x: float
    when: dt.date


@dataclass(frozen=True, slots=True)
class Outer:
    name: str
    inner: Inner
    items: tuple[Inner, ...]
    table: MappingProxyType
    verdict: Verdict
    missing: float | None = None


def test_nested_dataclasses_get_type_keys():
    obj = Outer(
        name="r", inner=Inner(1.5, dt.date(2024, 1, 31)), items=(Inner(math.nan, dt.date(2024, 2, 29)),),
        table=MappingProxyType({"a": np.float64(2.0), 3: np.int64(4)}), verdict=Verdict.SUPPORTED,
    )
    assert to_jsonable(obj) == {
        "type": "Outer",
        "name": "r",
        "inner": {"type": "Inner", "x": 1.5, "when": "2024-01-31"},
        "items": [{"type": "Inner", "x": None, "when": "2024-02-29"}],
        "table": {"a": 2.0, "3": 4},
        "verdict": "supported",
        "missing": None,
    }


@pytest.mark.parametrize(
    ("value", "out"),
    [
        (math.nan, None),
        (math.inf, None),
        (-math.inf, None),
        (np.float32(0.5), 0.5),
        (np.float64("nan"), None),
        (np.int32(7), 7),
        (np.bool_(True), True),
        (True, True),
        (3, 3),
        ("s", "s"),
        (None, None),
        (dt.date(2024, 1, 2), "2024-01-02"),
        (dt.datetime(2024, 1, 2, 3, 4, 5), "2024-01-02T03:04:05"),
        (pd.Timestamp("2024-01-02"), "2024-01-02T00:00:00"),
        (np.array([[1.0, np.nan], [2.0, 3.0]]), [[1.0, None], [2.0, 3.0]]),
        ((1, (2.0, "x")), [1, [2.0, "x"]]),
    ],
)
def test_scalars_and_containers(value, out):
    got = to_jsonable(value)
    assert got == out
    assert type(got) is type(out)


def test_unknown_type_is_an_error():
    with pytest.raises(TypeError, match="cannot serialise set to results.json"):
        to_jsonable({1, 2})
    with pytest.raises(TypeError, match="cannot serialise Series"):
        to_jsonable(pd.Series([1.0]))


def test_hypothesis_test_round_trip():
    t = HypothesisTest(
        name="granger_RUT_BTC_m_l2", null="RUT returns do not Granger-cause BTC returns",
        alternative="they do", stat=2.5, pvalue=0.08, df=(2, 140), nobs=143,
        sample_start=dt.date(2014, 10, 31), sample_end=dt.date(2026, 8, 31), method="HC3 Wald, F",
    )
    doc = json.loads(dumps({"tests": [t], "nt": NotTestable(reason="missing series ETH", missing=("ETH",))}))
    assert doc["tests"][0]["type"] == "HypothesisTest"
    assert doc["tests"][0]["df"] == [2, 140]
    assert doc["tests"][0]["pvalue_holm"] is None
    assert doc["nt"] == {"type": "NotTestable", "reason": "missing series ETH", "missing": ["ETH"]}


def test_dumps_is_deterministic_and_strict_json():
    a = {"b": 1.0, "a": [math.nan, "é"], "c": {"z": 1, "y": 2}}
    b = {"c": {"y": 2, "z": 1}, "a": [math.nan, "é"], "b": 1.0}
    text = dumps(a)
    assert text == dumps(b)
    assert text.endswith("}\n")
    assert "NaN" not in text and "é" in text
    assert list(json.loads(text)) == ["a", "b", "c"]
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard constant {c}"))
def test_nat_is_null():
    assert to_jsonable({"event_date": pd.NaT}) == {"event_date": None}

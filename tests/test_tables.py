"""Take-away tables (reportgen.report.tables): the generic test walker on crafted result
trees, deterministic CSV/Parquet bytes, verdicts, and the tables behind figures."""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from reportgen.analysis.common import HypothesisTest, NotTestable
from reportgen.analysis.var import IrfBands
from reportgen.report import tables
from reportgen.serialize import dumps, to_jsonable

D0, D1 = dt.date(2014, 10, 31), dt.date(2026, 7, 31)


def ht(name, family="", pvalue=0.04, df=(2.0, 140.0), effect=None, **kw) -> HypothesisTest:
    base = dict(name=name, null=f"{name}: no effect", alternative=f"{name}: an effect", stat=3.25, pvalue=pvalue,
                df=df, nobs=142, sample_start=D0, sample_end=D1, method="HC3 Wald, F", family=family,
                pvalue_holm=min(1.0, 2 * pvalue), pvalue_bh=min(1.0, 1.5 * pvalue), effect=effect,
                ci_low=None if effect is None else effect - 0.1, ci_high=None if effect is None else effect + 0.1,
                effect_label="sum of lag coefficients" if effect is not None else "")
    base.update(kw)
    return HypothesisTest(**base)


# crafted result objects: any names, any nesting (the walker must not depend on them)
@dataclass(frozen=True, slots=True)
class Row:
    label: str
    test: HypothesisTest


@dataclass(frozen=True, slots=True)
class System:
    name: str
    path_of_floats: tuple
    diagnostics: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class FamilyA:
    c3_primary: HypothesisTest
    c3_family: tuple[HypothesisTest, ...]
    secondary: tuple[HypothesisTest, ...]
    system: System | NotTestable
    missing: System | NotTestable


@dataclass(frozen=True, slots=True)
class FamilyB:
    c8_tests: tuple[HypothesisTest, ...]
    grid: tuple


PRIMARY = ht("granger_RUT_BTC_m_l3", "C3", pvalue=0.2, effect=0.05)


def crafted_results() -> dict:
    a = FamilyA(
        c3_primary=PRIMARY,
        c3_family=(ht("granger_RUT_BTC_m_l1", "C3", pvalue=0.5), PRIMARY, ht("granger_RUT_ETH_m_l1", "C3")),
        secondary=(ht("granger_BTC_RUT_m_l1", "C3-reverse", pvalue=0.01, df=(1.0,)),),
        system=System("rut_crypto", ((0.1, 0.2), (0.3, 0.4)),
                      (Row("portmanteau", ht("portmanteau", pvalue=0.3, df=(36.0,))),
                       Row("jb", ht("jarque_bera_BTC", pvalue=math.nan, df=())))),
        missing=NotTestable("missing series SOL: stale", ("SOL",)),
    )
    b = FamilyB(c8_tests=(ht("regime_lr_BTC_garch", pvalue=0.003, effect=-0.2),
                          ht("regime_lr_ETH_garch", "C8", pvalue=0.02)),
                grid=tuple(float(x) for x in range(1000)))
    return {"alpha": a, "beta": b, "selfcheck": NotTestable("no designs")}


def test_walker_finds_every_test_with_its_path():
    paths = [p for p, _ in tables.iter_tests(crafted_results())]
    assert paths == [
        "results.alpha.c3_primary", "results.alpha.c3_family[0]", "results.alpha.c3_family[1]",
        "results.alpha.c3_family[2]", "results.alpha.secondary[0]",
        "results.alpha.system.diagnostics[0].test", "results.alpha.system.diagnostics[1].test",
        "results.beta.c8_tests[0]", "results.beta.c8_tests[1]",
    ]


def test_one_row_per_test_sorted_by_claim_family_path():
    frame = tables.tests_frame(crafted_results())
    assert list(frame.columns) == list(tables.TEST_COLUMNS)
    assert list(frame["name"]) == [
        "granger_RUT_BTC_m_l1", "granger_RUT_BTC_m_l3", "granger_RUT_ETH_m_l1",  # C3, by path
        "granger_BTC_RUT_m_l1",  # C3-reverse
        "regime_lr_BTC_garch",  # no family, claim C8 from its path; "" sorts before "C8"
        "regime_lr_ETH_garch",
        "portmanteau", "jarque_bera_BTC",  # no claim: last
    ]
    assert list(frame["claim"]) == ["C3", "C3", "C3", "C3", "C8", "C8", "", ""]
    # the primary is reachable twice; it is one row under the path that sorts first
    primary = frame[frame["name"] == "granger_RUT_BTC_m_l3"].iloc[0]
    assert primary["path"] == "results.alpha.c3_family[1]"
    assert primary["result"] == "alpha"
    assert (primary["df1"], primary["df2"], primary["nobs"]) == (2.0, 140.0, 142)
    assert primary["pvalue"] == 0.2 and primary["pvalue_holm"] == 0.4 and primary["pvalue_bh"] == pytest.approx(0.3)
    assert (primary["effect"], primary["ci_low"], primary["ci_high"]) == (0.05, 0.05 - 0.1, 0.05 + 0.1)
    assert (primary["sample_start"], primary["sample_end"]) == ("2014-10-31", "2026-07-31")
    reverse = frame[frame["name"] == "granger_BTC_RUT_m_l1"].iloc[0]
    assert reverse["df1"] == 1.0 and math.isnan(reverse["df2"])
    jb = frame[frame["name"] == "jarque_bera_BTC"].iloc[0]
    assert math.isnan(jb["pvalue"]) and math.isnan(jb["df1"]) and math.isnan(jb["effect"])


def test_claim_from_family_prefix_else_path():
    assert tables.claim_of("C3-VAR-robust", "results.var.x") == "C3"
    assert tables.claim_of("C10", "results.events.family[0]") == "C10"
    assert tables.claim_of("", "results.beta.c8_tests[3]") == "C8"
    assert tables.claim_of("", "results.var.c3_tests[2].test") == "C3"
    assert tables.claim_of("", "results.events.c1") == "C1"
    assert tables.claim_of("M1-secondary", "results.narrative.claims[0].secondary[0]") == "M1"  # narrative claims
    assert tables.claim_of("", "results.var.rut_crypto.diagnostics[1].test") == ""
    assert tables.claim_of("", "results.alpha.cx_notes[1]") == ""


def test_objects_and_their_json_give_the_same_table_and_bytes():
    import json

    results = crafted_results()
    from_objects = tables.tests_frame(results)
    from_json = tables.tests_frame(json.loads(dumps(results)))  # as read back from results.json
    pd.testing.assert_frame_equal(from_objects, from_json)
    assert tables.to_csv_bytes(from_objects) == tables.to_csv_bytes(from_json)


def test_csv_bytes_are_fixed_format():
    frame = tables.tests_frame({"x": (ht("t", "C4", pvalue=1 / 3, effect=2 / 3),)})
    text = tables.to_csv_bytes(frame).decode("utf-8")
    header, row, end = text.split("\n")
    assert end == ""
    assert header == ",".join(tables.TEST_COLUMNS)
    assert row == ("C4,C4,t,t: no effect,t: an effect,3.25,2,140,0.333333333333,0.666666666667,0.5,"
                   "0.666666666667,0.566666666667,0.766666666667,sum of lag coefficients,142,2014-10-31,"
                   "2026-07-31,\"HC3 Wald, F\",x,results.x[0]")


def test_more_than_two_degrees_of_freedom_is_an_error():
    with pytest.raises(tables.TableError, match=r"test 'odd' at results.x\[0\] has 3 degrees of freedom"):
        tables.tests_frame({"x": (ht("odd", df=(1.0, 2.0, 3.0)),)})


def test_parquet_round_trip_and_same_bytes():
    frame = tables.tests_frame(crafted_results())
    a, b = tables.to_parquet_bytes(frame), tables.to_parquet_bytes(tables.tests_frame(crafted_results()))
    assert a == b
    back = pd.read_parquet(io.BytesIO(a))
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)


def verdict_json(cid, verdict, effect=0.05, lo=-0.01, hi=0.11, unit="log return", **extra):
    return {"type": "ClaimVerdict", "claim": {"id": cid, "title": f"title {cid}", "type": "Claim"},
            "verdict": verdict, "reason": "significant", "notes": ["a note"], "would_change": "more data",
            "evidence": {"type": "Evidence", "label": f"label {cid}", "effect": effect, "ci_low": lo, "ci_high": hi,
                         "pvalue": 0.03, "power": 0.9, "n": 120, "n_unit": "months", "expected_sign": 1,
                         "min_effect": 0.02, "effect_unit": unit, "horizon_months": 3, "method": "m",
                         "source": "results.x", "k": None, "size_ci": [0.04, 0.06], "secondary": [{"p": 1}], **extra}}


def test_verdicts_frame_flattens_evidence_and_keeps_new_fields():
    vs = [verdict_json("C3", "supported", design="granger"),
          {"claim": {"id": "C9", "title": "t9"}, "verdict": "not testable", "reason": "missing", "evidence": None}]
    frame = tables.verdicts_frame(vs)
    assert list(frame.columns) == list(tables.VERDICT_COLUMNS) + ["design"]  # a new scalar field is kept
    assert list(frame["claim"]) == ["C3", "C9"]
    c3 = frame.iloc[0]
    assert (c3["effect"], c3["ci_low"], c3["ci_high"], c3["pvalue"], c3["power"]) == (0.05, -0.01, 0.11, 0.03, 0.9)
    assert c3["verdict"] == "supported" and c3["effect_unit"] == "log return" and c3["design"] == "granger"
    assert math.isnan(frame.iloc[1]["effect"]) and frame.iloc[1]["verdict"] == "not testable"


def test_scorecard_keeps_claims_with_an_interval():
    vs = [verdict_json("C3", "supported"), verdict_json("C1", "partly supported", lo=None, hi=None)]
    score = tables.scorecard_frame(vs)
    assert list(score["claim"]) == ["C3"]
    assert list(score.iloc[0][["effect", "ci_low", "ci_high", "min_effect"]]) == [0.05, -0.01, 0.11, 0.02]
    assert tables.scorecard_frame([verdict_json("C1", "x", lo=None)]) is None


# --------------------------------------------------------------------------- figure tables


def bands(variables=("RUT", "BTC"), H=2, orth=True) -> IrfBands:
    rng = np.random.default_rng(1)
    arrays = {k: rng.normal(size=(H + 1, 2, 2)) for k in (
        "point", "lower95", "upper95", "lower90", "upper90",
        "cum_point", "cum_lower95", "cum_upper95", "cum_lower90", "cum_upper90")}
    return IrfBands(variables=variables, horizon=H, lags=1, reps=99, orth=orth, nobs=100,
                    method="m", **{k: tuple(map(tuple, map(lambda a: tuple(map(tuple, a)), v))) for k, v in arrays.items()})


@dataclass(frozen=True, slots=True)
class FakeSystem:
    name: str
    lags: int
    variables: tuple
    orth: IrfBands
    gen: IrfBands
    fevd: tuple = ()


@dataclass(frozen=True, slots=True)
class FakeVar:
    rut_crypto: object
    rut_crypto_p3: object
    credit: object
    liquidity: object
    c5: object


def test_irf_table_is_the_drawn_percent():
    orth, gen = bands(orth=True), bands(orth=False)
    var = FakeVar(FakeSystem("rut_crypto", 1, ("RUT", "BTC"), orth, gen), NotTestable("x"), NotTestable("x"),
                  NotTestable("x"), NotTestable("x"))
    out = tables.figure_tables({"var": var})
    assert set(out) == {"var_c3_irf", "var_fevd"}
    irf = out["var_c3_irf"]
    assert len(irf) == 2 * 3  # orth + gen, horizons 0..2, BTC only (no ETH in the system)
    o = irf[irf["irf"] == "orthogonalised"]
    np.testing.assert_allclose(o["point_pct"], 100 * orth.response("BTC", "RUT", "point"), rtol=0, atol=1e-12)
    np.testing.assert_allclose(o["cum_upper90_pct"], 100 * orth.response("BTC", "RUT", "cum_upper90"), atol=1e-12)
    g = irf[irf["irf"] == "generalised"]
    np.testing.assert_allclose(g["lower95_pct"], 100 * gen.response("BTC", "RUT", "lower95"), atol=1e-12)
    assert list(o["horizon"]) == [0, 1, 2] and set(irf["shock"]) == {"RUT"}


@dataclass(frozen=True, slots=True)
class FakeCredit:
    testable: bool
    spread_key: str
    beta_rut: object
    beta_gspc: object
    difference: object
    robustness_keys: tuple
    robustness: tuple


def test_credit_beta_table_and_absent_parts():
    b = ht("credit_beta_RUT_HYOAS", "C7", effect=-0.08)
    r = FakeCredit(True, "HYOAS", b, NotTestable("gone"), ht("diff", "C7", effect=-0.02), ("BAA10Y",),
                   (ht("rob", effect=-0.01),))
    frame = tables.figure_tables({"credit_beta": r, "events": NotTestable("x")})["credit_beta_betas"]
    assert list(frame["label"]) == ["RUT beta", "RUT − GSPC", "RUT − GSPC, robustness"]  # GSPC not testable
    np.testing.assert_allclose(frame["effect_pct"], [-8.0, -2.0, -1.0], atol=1e-12)
    np.testing.assert_allclose(frame["ci_low_pct"], [-18.0, -12.0, -11.0], atol=1e-12)
    assert tables.figure_tables({"credit_beta": FakeCredit(False, "", None, None, None, (), ())}) == {}


def test_export_files_are_deterministic_and_named():
    results = crafted_results()
    vs = [verdict_json("C3", "supported")]
    a, b = tables.export_files(results, vs), tables.export_files(crafted_results(), vs)
    assert a == b
    assert sorted(a) == ["figure_note_scorecard.csv", "tests.csv", "tests.parquet", "verdicts.csv", "verdicts.parquet"]
    assert a["tests.csv"].count(b"\n") == 1 + 8
    assert sorted(tables.export_files(results, vs, parquet=False)) == ["figure_note_scorecard.csv", "tests.csv",
                                                                        "verdicts.csv"]


def test_json_form_of_results_gives_the_same_csv_as_objects():
    # what reportgen.load does with results.json, and what the build writes, agree byte for byte
    results = crafted_results()
    assert tables.to_csv_bytes(tables.tests_frame(to_jsonable(results))) == tables.export_files(results)["tests.csv"]


def test_a_renamed_result_field_names_the_figure_table():
    with pytest.raises(tables.TableError, match=r"figure table leadlag_rolling: .*'rolling'.*FIGURE_TABLES"):
        tables.figure_tables({"leadlag": crafted_results()["alpha"]})


def _figure_keys(module_name: str) -> set[str]:
    """String keys the module's ``figures()`` puts into its result (``out["k"] = ...`` or ``{"k": ...}``)."""
    import ast
    import importlib
    import inspect

    source = inspect.getsource(importlib.import_module(module_name))
    tree = ast.parse(source)
    func = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "figures")
    keys: set[str] = set()
    for node in ast.walk(func):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) and isinstance(node.slice, ast.Constant):
            keys.add(node.slice.value)
        elif isinstance(node, ast.Dict):
            keys |= {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return keys


def test_every_figure_has_a_table():
    # a new figure needs its table in FIGURE_TABLES (reportgen/report/tables.py): "the tables behind every figure"
    from reportgen.report.context import FIGURE_MODULES

    missing = {f"{family}_{key}" for family, module in FIGURE_MODULES.items()
               for key in _figure_keys(module) if key not in tables.FIGURE_TABLES.get(family, {})}
    assert missing == set()
    assert _figure_keys("reportgen.report.figures.var") == {"c3_irf", "fevd", "c5_credit", "c5_peaks", "c6_liquidity"}


@dataclass(frozen=True, slots=True)
class FakeShift:
    months: tuple
    crypto: str
    control: str
    d: tuple
    post: tuple
    mean_pre: float
    mean_post: float


@dataclass(frozen=True, slots=True)
class FakeBreak:
    break_month: dt.date
    ci_low: dt.date
    ci_high: dt.date


@dataclass(frozen=True, slots=True)
class FakeRegimes:
    c8_shift: object
    c8_break: object
    realised_vol: tuple = ()
    regime_fits: tuple = ()
    break_scans: tuple = ()
    drawdowns: tuple = ()


def test_level_shift_table():
    months = (dt.date(2023, 11, 30), dt.date(2023, 12, 31), dt.date(2024, 1, 31))
    shift = FakeShift(months, "BTC", "RUT", (1.5, 1.25, 0.5), (False, False, True), 1.375, 0.5)
    brk = FakeBreak(dt.date(2023, 12, 31), dt.date(2023, 6, 30), dt.date(2024, 6, 30))
    out = tables.figure_tables({"regimes": FakeRegimes(shift, brk)})
    assert set(out) == {"regimes_level_shift"}
    frame = out["regimes_level_shift"]
    assert list(frame["month"]) == ["2023-11-30", "2023-12-31", "2024-01-31"]
    assert list(frame["log_variance_ratio"]) == [1.5, 1.25, 0.5]
    assert list(frame["regime_mean"]) == [1.375, 1.375, 0.5]
    assert set(frame["break_month"]) == {"2023-12-31"} and set(frame["break_ci_high"]) == {"2024-06-30"}
    assert tables.figure_tables({"regimes": FakeRegimes(NotTestable("no BTC"), brk)}) == {}

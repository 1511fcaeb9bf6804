"""Template rendering: minimal context, missing sections, escaping, 'what changed', determinism."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pytest

from reportgen.analysis.common import NotTestable
from reportgen.data.bundle import SeriesRecord, bundle_from_frames
from reportgen.report.changes import compare_with_previous
from reportgen.report.context import build_context
from reportgen.report.render import render_documents, render_html
from reportgen.serialize import dumps, to_jsonable
from reportgen.config import load_config
from reportgen.verdict import ClaimVerdict, Evidence, Verdict, claim_specs
from tests.dgp import daily_prices

HOSTILE = '<script>alert("x")</script>'


def small_bundle(symbol="^RUT", reason="stale: ends 2020-01-01"):
    rng = np.random.default_rng(0)
    rut = daily_prices(0.01 * rng.standard_normal(400), start="2020-01-01", freq="B")
    btc = daily_prices(0.03 * rng.standard_normal(560), start="2020-01-01", freq="D")
    b = bundle_from_frames({"RUT": rut, "BTC": btc}, {"RUT": "small_caps", "BTC": "crypto"})
    rec = SeriesRecord(key="RUT", symbol=symbol, source="csv", role="small_caps", first=dt.date(2020, 1, 1),
                       last=dt.date(2021, 7, 1), rows=400, sha256="ab" * 32, fetched_at="2026-11-21T08:00:00",
                       origin="/x/RUT.csv")
    return dataclasses.replace(b, records=(rec,), unavailable={"SOL": reason})


def verdicts(effect=0.05, p=0.01, verdict=Verdict.SUPPORTED, cfg=None):
    ev = Evidence(label="mean 3-month BTC log return after breakouts", effect=effect, ci_low=0.01, ci_high=0.09,
                  pvalue=p, power=0.85, n=12, min_effect=0.06, size=0.05, method="placebo test")
    return tuple(ClaimVerdict(c, verdict, "significant", ev) for c in claim_specs(cfg or load_config("config.toml")))


def render(cfg, bundle, results=None, vs=None, previous=None):
    context, document = build_context(cfg, bundle, results or {}, vs or verdicts(), "2026-11", previous)
    return render_documents(context, pdf=False)["report.html"].decode("utf-8"), document


def test_minimal_context_renders_every_chapter(config):
    html, _ = render(config, small_bundle())
    for anchor in ("bottom-line", "changes", "scorecard", "forecast", "verdicts", "appendix", "breakouts-ch",
                   "leadlag-ch", "credit-ch", "regimes-ch", "selfcheck-ch", "methodology", "all-tests", "details",
                   "provenance", "limitations"):
        assert f'id="{anchor}"' in html
    assert "Mean 3-month BTC log return after breakouts: +5.0%" in html
    assert "p = 0.010 (placebo test, the pre-declared primary test, judged alone at α = 5%)" in html
    assert "Effects above +9.0% are ruled out at 95%." in html
    assert "Power 85%. Size (self-check): 5.0%." in html  # the verdict table's short line shows the size too


def test_missing_and_not_testable_sections(config):
    results = {"events": NotTestable("missing series BTC: stale", ("BTC",))}
    html, _ = render(config, small_bundle(), results)
    assert "This analysis could not run: missing series BTC: stale" in html
    assert "The forecast case could not be drawn: the event study could not run (missing series BTC: stale)." in html
    assert "No earlier report was found" in html


def test_hostile_strings_are_escaped(config):
    cfg = dataclasses.replace(config, report=dataclasses.replace(config.report, title=HOSTILE))
    html, _ = render(cfg, small_bundle(symbol=HOSTILE, reason=HOSTILE))
    assert HOSTILE not in html and "<script>alert" not in html  # the page's own script is the only <script>
    assert html.count("<script>") == 1
    assert "&lt;script&gt;alert" in html


def test_what_changed_against_crafted_previous(config):
    bundle = small_bundle()
    _, doc = render(config, bundle)
    previous = json.loads(dumps(doc))
    previous["report_month"] = "2026-10"
    previous["data"]["series"][0]["last"] = "2021-06-01"
    previous["verdicts"][3]["verdict"] = "not supported"
    previous["verdicts"][3]["evidence"]["pvalue"] = 0.2
    changes = compare_with_previous(to_jsonable(doc), previous)
    kinds = {(c.kind, c.subject, c.field) for c in changes}
    assert ("data", "RUT", "last date") in kinds
    assert ("verdict", "C4", "verdict") in kinds
    assert ("statistic", "C4", "pvalue") in kinds
    assert len(changes) == 3
    html, _ = render(config, bundle, previous=previous)
    assert "Compared with the report of 2026-10" in html
    assert compare_with_previous(to_jsonable(doc), None) == ()


def test_same_inputs_same_bytes(config):
    a_html, a_doc = render(config, small_bundle())
    b_html, b_doc = render(config, small_bundle())
    assert a_html == b_html
    assert dumps(a_doc) == dumps(b_doc)


def test_template_typo_is_a_build_error(tmp_path):
    from reportgen.errors import BuildError
    from reportgen.report.render import make_environment

    (tmp_path / "t.html").write_text("{{ nope.attr }}")
    with pytest.raises(BuildError, match="template error"):
        render_html({}, make_environment(tmp_path), "t.html")


def test_figures_are_drawn_while_this_process_does_other_work():
    from reportgen.report import context as ctx_mod

    order = []
    figs, extra = ctx_mod.family_figures({}, (), meanwhile=lambda: order.append("meanwhile") or 7)
    assert figs == {"note": {}} and extra == 7 and order == ["meanwhile"]
    assert ctx_mod.DRAWING_ORDER[0] == "regimes"  # the longest job starts first

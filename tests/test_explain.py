"""``reportgen explain``: the rule path of a verdict from results.json, by the same function
that decided it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.errors import ReportgenError
from reportgen.serialize import dumps
from reportgen.verdict import Evidence, Verdict, decide
from reportgen.verdict.explain import explain_claim
from reportgen.verdict.rules import decide_trace

RULES = {"alpha": 0.05, "min_power": 0.8, "min_events": 5}


def doc(ev: Evidence, verdict: str, reason: str, rule="test", events_based=False):
    record = {"claim": {"id": "C4", "title": "A breakout is a signal", "rule": rule,
                        "primary": {"design": "placebo", "events_based": events_based}},
              "verdict": verdict, "reason": reason, "evidence": json.loads(dumps(ev)), "secondary": [], "notes": []}
    return {"config": {"rules": RULES}, "verdicts": [record]}


def test_trace_and_decide_agree_on_every_path():
    cases = [Evidence("x", 0.08, 0.01, 0.15, 0.01, 20, min_effect=0.06, size=0.05),
             Evidence("x", 0.01, -0.03, 0.05, 0.3, 20, min_effect=0.06, size=0.05),
             Evidence("x", 0.01, -0.3, 0.3, 0.3, 20, min_effect=0.06, size=0.05, power=0.2),
             Evidence("x", 0.08, 0.01, 0.15, 0.01, 20, min_effect=0.06, size=0.12)]
    for ev in cases:
        v, r, steps = decide_trace(ev, **RULES)
        assert (v, r) == decide(ev, **RULES) and steps[-1].answer in (True, False)


def test_explain_walks_the_rule_with_the_report_numbers():
    ev = Evidence("BTC excess return", 0.009, -0.345, 0.332, 0.466, 5, min_effect=0.06, size=0.043, power=0.08,
                  n_unit="events")
    x = explain_claim(doc(ev, "insufficient evidence", "null_underpowered", events_based=True), "C4")
    assert x.rule_verdict == Verdict.INSUFFICIENT.value == x.verdict and x.adjusted_by == ""
    questions = [(s.rule, s.question, s.answer) for s in x.steps]
    assert questions == [
        (1, "evidence or p-value missing", False), (2, "fewer events than the minimum", False),
        (3, "self-check size outside the band", False), (4, "p below alpha", False),
        (6, "95% interval excludes the minimum effect", False), (6, "power at the minimum at least the floor", False)]
    assert x.steps[4].values == (0.332, 0.06)


def test_explain_names_a_claim_level_adjustment():
    ev = Evidence("x", 0.08, 0.01, 0.15, 0.01, 20, min_effect=0.06, size=0.05)
    x = explain_claim(doc(ev, "partly supported", "mixed"), "C4")
    assert x.rule_verdict == "supported" and x.verdict == "partly supported" and "disagree" in x.adjusted_by


def test_explain_unknown_claim():
    ev = Evidence("x", 0.08, 0.01, 0.15, 0.01, 20)
    with pytest.raises(ReportgenError, match=r"no claim 'C44' in this report; claims: C4"):
        explain_claim(doc(ev, "supported", "significant"), "C44")


def test_explain_cli(tmp_path):
    (tmp_path / "output" / "2026-08").mkdir(parents=True)
    ev = Evidence("BTC excess return", 0.009, -0.345, 0.332, 0.466, 5, min_effect=0.06, size=0.043, power=0.08)
    (tmp_path / "output" / "2026-08" / "results.json").write_text(json.dumps(doc(ev, "insufficient evidence", "null_underpowered")))
    cfg = tmp_path / "config.toml"
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "config.toml").read_text()
    cfg.write_text(text.replace('output_dir = "output"', f'output_dir = "{tmp_path / "output"}"')
                   .replace('narrative = "narratives/', f'narrative = "{Path(__file__).resolve().parents[1]}/narratives/'))
    result = CliRunner().invoke(main, ["--config", str(cfg), "explain", "C4"])
    assert result.exit_code == 0, result.output
    assert "rule 6: 95% interval excludes the minimum effect? no  (+33.2%, +6.0%)" in result.output
    assert "power at the minimum: 8%" in result.output and "verdict: insufficient evidence" in result.output

"""'What changed': labels and units of the changes, and `reportgen diff` end to end on two
crafted results.json folders."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.report.changes import Change, compare_with_previous, format_value
from reportgen.serialize import dumps

ROOT = Path(__file__).resolve().parents[1]


def config_with_output(tmp_path: Path, output: Path) -> Path:
    """The project's config.toml with report.output_dir pointing at ``output``."""
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text, n = re.subn(r'(?m)^output_dir = "output"', f'output_dir = "{output.as_posix()}"', text)
    assert n == 1
    path = tmp_path / "other.toml"
    path.write_text(text, encoding="utf-8")
    return path


def evidence(effect, p, power, unit="log return"):
    return {"label": "x", "effect": effect, "ci_low": None, "ci_high": None, "pvalue": p, "power": power,
            "n": 100, "effect_unit": unit}


def document(month, rows=9835, last="2026-10-30", c4=("insufficient evidence", 0.0087, 0.964, 0.31),
             c7=("supported", -0.0224, 0.001, None)):
    return {
        "report_month": month,
        "data": {"series": [{"key": "RUT", "last": last, "rows": rows, "sha256": "a" * 64},
                            {"key": "BTC", "last": "2026-10-31", "rows": 4000, "sha256": "b" * 64}]},
        "verdicts": [
            {"claim": {"id": "C4"}, "verdict": c4[0], "evidence": evidence(*c4[1:])},
            {"claim": {"id": "C7"}, "verdict": c7[0], "evidence": evidence(*c7[1:], unit="beta")},
        ],
        "results": {},
    }


A = document("2026-10", rows=9816, last="2026-09-30", c4=("not supported", 0.05, 0.05, 0.5),
             c7=("supported", -0.030, 0.001, None))
B = document("2026-11")


def test_changes_have_labels_units_and_verdicts_first():
    changes = compare_with_previous(B, A)
    assert [(c.kind, c.subject, c.what) for c in changes] == [
        ("verdict", "C4", "verdict"),
        ("statistic", "C4", "effect"),
        ("statistic", "C4", "p-value of the primary test"),
        ("statistic", "C4", "power at the minimum effect"),
        ("statistic", "C7", "effect"),
        ("data", "RUT", "last date"),
        ("data", "RUT", "rows"),
    ]
    text = [(c.before_text, c.after_text) for c in changes]
    assert text == [("not supported", "insufficient evidence"), ("+5.0%", "+0.9%"), ("0.050", "0.964"),
                    ("50%", "31%"), ("−0.030", "−0.022"), ("2026-09-30", "2026-10-30"), ("9,816", "9,835")]
    assert changes[2].field == "pvalue"  # the machine name stays for results.json readers


def test_format_value_units():
    assert format_value(0.0004, "p") == "<0.001"
    assert format_value(-0.052, "signed_pct") == "−5.2%"
    assert format_value(0.8, "pct") == "80%"
    assert format_value(9816, "count") == "9,816"
    assert format_value(None, "p") == "–"
    assert format_value("abc", "text") == "abc"
    with pytest.raises(ValueError, match=r"unit must be one of \('text', 'date', 'count', 'signed_pct', 'pct', 'p', "
                                         r"'number'\), got 'percent'"):
        format_value(1.0, "percent")
    assert Change("data", "RUT", "rows", 1, 2).what == "rows"  # old-style change without a label


def write(root: Path, month: str, doc: dict) -> None:
    (root / month).mkdir(parents=True)
    (root / month / "results.json").write_text(dumps(doc), encoding="utf-8")


@pytest.fixture
def two_months(tmp_path):
    root = tmp_path / "reports"
    write(root, "2026-10", A)
    write(root, "2026-11", B)
    return tmp_path, config_with_output(tmp_path, root)


def test_diff_end_to_end(two_months):
    _, cfg = two_months
    res = CliRunner().invoke(main, ["--config", str(cfg), "diff", "2026-10", "2026-11"])
    assert res.exit_code == 0, res.output
    lines = [ln for ln in res.output.splitlines() if "│" in ln]
    cells = [[c.strip() for c in ln.split("│")[1:-1]] for ln in lines]
    assert cells[0] == ["verdict", "C4", "verdict", "not supported", "insufficient evidence"]
    assert ["statistic", "C4", "effect", "+5.0%", "+0.9%"] in cells
    assert ["statistic", "C4", "p-value of the primary test", "0.050", "0.964"] in cells
    assert ["data", "RUT", "rows", "9,816", "9,835"] in cells
    assert len(cells) == 7
    assert "pvalue" not in res.output and "9,816.0000" not in res.output


def test_diff_same_report_says_no_change(two_months):
    _, cfg = two_months
    res = CliRunner().invoke(main, ["--config", str(cfg), "diff", "2026-11", "2026-11"])
    assert res.exit_code == 0
    assert res.output.strip() == "2026-11 → 2026-11: no change in verdicts, key statistics or data coverage"


def test_diff_missing_month_is_one_line_listing_the_months(two_months):
    tmp_path, cfg = two_months
    res = CliRunner().invoke(main, ["--config", str(cfg), "diff", "2026-09", "2026-11"])
    assert res.exit_code == 2
    assert res.output.splitlines() == [
        f"error: no report for 2026-09 in {tmp_path / 'reports'} (months available: 2026-10, 2026-11)"]


def test_diff_without_config_uses_output_in_the_working_folder(tmp_path, monkeypatch):
    write(tmp_path / "output", "2026-10", A)
    b = copy.deepcopy(A)
    b["verdicts"][0]["verdict"] = "supported"
    write(tmp_path / "output", "2026-11", b)
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["diff", "2026-10", "2026-11"])
    assert res.exit_code == 0, res.output
    assert "not supported" in res.output and "│ supported" in res.output.replace("  ", " ")
    assert json.loads((tmp_path / "output" / "2026-11" / "results.json").read_text())["report_month"] == "2026-10"


def test_a_report_from_before_the_verdict_rewrite_is_compared_on_its_p():
    old = copy.deepcopy(A)
    old["verdicts"][0]["evidence"]["pvalue_adj"] = old["verdicts"][0]["evidence"].pop("pvalue")
    p = [c for c in compare_with_previous(B, old) if c.field == "pvalue"]
    assert [(c.before_text, c.after_text) for c in p] == [("0.050", "0.964")]

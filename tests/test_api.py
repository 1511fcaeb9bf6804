"""reportgen.load: a built report folder -> pandas objects (crafted folders, no build)."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

import reportgen
from reportgen.api import Report, ReportNotFoundError, available_months, load
from reportgen.report import tables
from reportgen.serialize import dumps
from tests.test_tables import FakeCredit, crafted_results, ht, verdict_json
from reportgen.analysis.common import NotTestable


def write_month(root, month, results, verdicts, changes=()):
    """A report folder as the build writes it: results.json plus the take-away files."""
    folder = root / month
    folder.mkdir(parents=True)
    doc = {"schema_version": 1, "report_month": month, "as_of": "2026-10-31", "reportgen_version": "0.1.0",
           "config": {"path": "config.toml", "sha256": "ab" * 32, "seed": 20260101},
           "software": {"python": "3.11.7"},
           "data": {"series": [{"key": "RUT", "symbol": "^RUT", "last": "2026-10-31", "rows": 9835,
                                "sha256": "cd" * 32}]},
           "overall": {"verdict": "not supported"}, "verdicts": list(verdicts), "changes": list(changes),
           "results": results}
    (folder / "results.json").write_text(dumps(doc), encoding="utf-8")
    for name, data in tables.export_files(results, verdicts).items():
        (folder / name).write_bytes(data)
    return folder


def results_with_figure():
    results = dict(crafted_results())
    results["credit_beta"] = FakeCredit(True, "HYOAS", ht("b_rut", "C7", effect=-0.08), ht("b_gspc", "C7", effect=-0.06),
                                        ht("diff", "C7", effect=-0.02), (), ())
    results["var"] = NotTestable("missing series HYOAS")
    return results


@pytest.fixture
def out(tmp_path):
    root = tmp_path / "output"
    results = results_with_figure()
    write_month(root, "2026-10", results, [verdict_json("C3", "insufficient evidence")])
    write_month(root, "2026-11", results, [verdict_json("C3", "supported"), verdict_json("C7", "supported", unit="beta")],
                changes=[{"type": "Change", "kind": "verdict", "subject": "C3", "field": "verdict",
                          "before": "insufficient evidence", "after": "supported", "label": "verdict", "unit": "text"}])
    (root / ".2026-12.building.x").mkdir()  # a temporary folder is not a month
    (root / "notes").mkdir()  # nor a folder without results.json
    return root


def test_load_returns_the_tables_of_the_folder(out):
    r = load("2026-11", output_dir=out)
    assert isinstance(r, Report) and r.month == "2026-11" and r.folder == out / "2026-11"
    assert list(r.verdicts["claim"]) == ["C3", "C7"] and list(r.verdicts["verdict"]) == ["supported", "supported"]
    assert r.verdicts.loc[0, "effect"] == 0.05 and r.verdicts.loc[1, "effect_unit"] == "beta"
    # tests: the same rows as tests.csv, dates parsed
    expected = tables.tests_frame(results_with_figure())
    assert list(r.tests["name"]) == list(expected["name"])
    assert len(r.tests) == 8 + 3
    assert r.tests["sample_start"].iloc[0] == pd.Timestamp("2014-10-31")
    on_disk = pd.read_csv(out / "2026-11" / "tests.csv", keep_default_na=False, na_values=[""])
    pd.testing.assert_series_equal(r.tests["pvalue_holm"], on_disk["pvalue_holm"], check_names=True)
    # figures: the numbers behind each figure, read back
    assert sorted(r.figures) == ["credit_beta_betas", "note_scorecard"]
    betas = r.figures["credit_beta_betas"]
    assert list(betas["label"]) == ["RUT beta", "GSPC beta", "RUT − GSPC"]
    assert list(betas["effect_pct"]) == pytest.approx([-8.0, -6.0, -2.0], abs=1e-12)
    assert list(r.changes.columns[:5]) == ["kind", "subject", "field", "before", "after"]
    assert r.changes.loc[0, "after"] == "supported"
    assert r.provenance["config"]["seed"] == 20260101 and "results" not in r.provenance
    assert list(r.series["key"]) == ["RUT"]
    assert r.results["report_month"] == "2026-11"


def test_report_is_read_only(out):
    r = load("2026-11", output_dir=out)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.month = "2026-12"
    with pytest.raises(TypeError):
        r.figures["x"] = pd.DataFrame()
    with pytest.raises(TypeError):
        r.results["verdicts"] = []


def test_load_by_path_and_from_package(out, monkeypatch):
    assert load(out / "2026-10").month == "2026-10"
    monkeypatch.chdir(out.parent)  # no config.toml here: ./output
    assert reportgen.load("2026-10").verdicts.loc[0, "verdict"] == "insufficient evidence"
    assert reportgen.load is load


def test_output_dir_from_the_config(out, tmp_path, config):
    from tests.test_diff import config_with_output

    cfg = config_with_output(tmp_path, out)
    assert load("2026-11", config=cfg).folder == out / "2026-11"


def test_missing_month_lists_the_months_there_are(out):
    assert available_months(out) == ("2026-10", "2026-11")
    msg = f"no report for 2026-09 in {out} (months available: 2026-10, 2026-11)"
    with pytest.raises(ReportNotFoundError, match=re.escape(msg)):
        load("2026-09", output_dir=out)
    with pytest.raises(ReportNotFoundError, match=r"\(months available: none\)"):
        load("2026-09", output_dir=out / "nowhere")
    assert ReportNotFoundError.exit_code == 2

"""End to end on the real snapshot: import, build, results.json numbers, fallbacks, --as-of.

The snapshot is found through REPORTGEN_SNAPSHOT (see conftest.py). One full build (with the
PDF) is shared by the module; the other builds skip the PDF to keep CI fast.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import shutil
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen import pipeline
from reportgen.cli import main
from reportgen.config import load_config
from reportgen.data.cache import current_folder
from reportgen.errors import BuildError, SourceError

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 21)


def make_config(tmp: Path, fast: bool = False) -> Path:
    """A copy of config.toml writing into ``tmp``; ``fast`` cuts resampling counts for the
    auxiliary builds (the main build keeps the real settings)."""
    text = (ROOT / "config.toml").read_text()
    text = text.replace('cache_dir = "cache"', f'cache_dir = "{tmp / "cache"}"')
    text = text.replace('output_dir = "output"', f'output_dir = "{tmp / "output"}"')
    if fast:
        text = text.replace("bootstrap_reps = 1999", "bootstrap_reps = 199")
        text = text.replace("placebo_draws = 10000", "placebo_draws = 999")
        text = text.replace("simulations = 1000", "simulations = 200")
    path = tmp / "config.toml"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def project(tmp_path_factory, snapshot_path):
    """A config in a temp folder with the snapshot imported through the CLI."""
    tmp = tmp_path_factory.mktemp("e2e")
    cfg_path = make_config(tmp)
    result = CliRunner().invoke(main, ["--config", str(cfg_path), "import", str(snapshot_path)])
    assert result.exit_code == 0, result.output
    return tmp, load_config(cfg_path)


@pytest.fixture(scope="module")
def built(project):
    """One full offline build through the CLI (HTML, PDF, results.json)."""
    tmp, cfg = project
    result = CliRunner().invoke(main, ["--config", cfg.path, "build", "--offline"])
    assert result.exit_code == 0, result.output
    folder = tmp / "output" / "2026-08"  # the snapshot ends 2026-09-25: August is its last complete month
    return folder, json.loads((folder / "results.json").read_text())


def pdf_pages(pdf: bytes) -> int:
    """Page objects in a PDF, plain or inside compressed object streams (no PDF library needed)."""
    page = re.compile(rb"/Type\s*/Page\b(?!s)")
    n = len(page.findall(pdf))
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            n += len(page.findall(zlib.decompress(m.group(1))))
        except zlib.error:
            continue
    return n


def test_build_writes_the_two_documents(built):
    folder, doc = built
    names = {p.name for p in folder.iterdir()}
    assert {"note.pdf", "appendix.pdf", "report.html", "results.json"} <= names
    assert "report.pdf" not in names
    note = (folder / "note.pdf").read_bytes()
    assert note[:5] == b"%PDF-" and (folder / "appendix.pdf").read_bytes()[:5] == b"%PDF-"
    assert 1 <= pdf_pages(note) <= 4  # the note: at most four pages
    assert [v["claim"]["id"] for v in doc["verdicts"]] == [f"C{i}" for i in range(1, 11)]
    allowed = {"supported", "partly supported", "not supported", "contradicted", "insufficient evidence", "not testable"}
    assert {v["verdict"] for v in doc["verdicts"]} <= allowed


def test_provenance_hashes_match_cache(built, project):
    tmp, _ = project
    _, doc = built
    import hashlib

    for s in doc["data"]["series"]:
        assert s["sha256"] == hashlib.sha256((current_folder(tmp / "cache") / f"{s['key']}.csv").read_bytes()).hexdigest()
    assert doc["as_of"] == "2026-09-25"
    assert set(doc["data"]["unavailable"]) == {"SOL", "IWM", "M2"}  # stale in this snapshot


def test_granger_f_equals_statsmodels(built, snapshot_bundle):
    """The report's classic Granger F (RUT -> BTC, monthly) equals statsmodels' own test."""
    from statsmodels.tsa.stattools import grangercausalitytests

    _, doc = built
    tests = _all_tests(doc["results"]["leadlag"])
    ret = snapshot_bundle.returns(["RUT", "BTC"], "monthly")
    for lag in (1, 2, 3):
        ours = [t for t in tests if t["method"].startswith("OLS F") and "RUT" in t["name"] and "BTC" in t["name"]
                and t["name"].index("RUT") < t["name"].index("BTC") and f"_l{lag}" in t["name"] and "_m_" in t["name"]]
        assert ours, f"no monthly OLS F test RUT->BTC lag {lag} in results.json"
        sm = grangercausalitytests(ret[["BTC", "RUT"]].to_numpy(), maxlag=[lag])
        f, p, *_ = sm[lag][0]["ssr_ftest"]
        assert ours[0]["stat"] == pytest.approx(f, abs=1e-8)
        assert ours[0]["pvalue"] == pytest.approx(p, abs=1e-8)


def _all_tests(node) -> list[dict]:
    """Every HypothesisTest dict anywhere in a results subtree."""
    found = []
    if isinstance(node, dict):
        if node.get("type") == "HypothesisTest":
            found.append(node)
        for v in node.values():
            found.extend(_all_tests(v))
    elif isinstance(node, list):
        for v in node:
            found.extend(_all_tests(v))
    return found


def test_every_test_states_its_null_and_sample(built):
    _, doc = built
    tests = _all_tests(doc["results"])
    assert len(tests) > 50
    for t in tests:
        assert t["null"] and t["nobs"] > 0 and t["sample_start"] <= t["sample_end"], t["name"]
        assert t["pvalue"] is None or 0.0 <= t["pvalue"] <= 1.0, t["name"]


def test_same_inputs_same_bytes(project, built):
    tmp, cfg = project
    folder, _ = built
    first_html = (folder / "report.html").read_bytes()
    first_json = (folder / "results.json").read_bytes()
    # the default narrative named explicitly gives the same report, byte for byte
    result = CliRunner().invoke(main, ["--config", cfg.path, "build", "--offline", "--no-pdf",
                                       "--narrative", str(ROOT / "narratives" / "russell-leads-crypto.toml")])
    assert result.exit_code == 0, result.output
    assert (folder / "report.html").read_bytes() == first_html
    assert (folder / "results.json").read_bytes() == first_json


def test_m2_narrative_builds_a_full_report(project):
    tmp, cfg = project
    cfg = fast_variant(cfg, tmp)
    result = CliRunner().invoke(main, ["--config", cfg.path, "build", "--offline", "--no-pdf",
                                       "--narrative", str(ROOT / "narratives" / "m2-leads-bitcoin.toml")])
    assert result.exit_code == 0, result.output
    folder = tmp / "output" / "m2-leads-bitcoin" / "2026-08"
    doc = json.loads((folder / "results.json").read_text())
    assert doc["narrative"]["name"] == "m2-leads-bitcoin" and [v["claim"]["id"] for v in doc["verdicts"]] == ["M1"]
    assert doc["verdicts"][0]["verdict"] in ("not supported", "insufficient evidence")
    html = (folder / "report.html").read_text()
    assert "Does US money supply (M2) lead bitcoin" in html and "M1" in html


def test_failed_refresh_falls_back_to_cache_with_a_note(project):
    tmp, cfg = project
    cfg = fast_variant(cfg, tmp)

    def offline_fetcher(series):
        raise SourceError(f"yfinance {series.symbol}: ConnectionError: no network")

    cfg2 = dataclasses.replace(cfg, report=dataclasses.replace(cfg.report, output_dir=str(tmp / "out-refresh")))
    out = pipeline.build(cfg2, today=TODAY, offline=False, fetcher=offline_fetcher, pdf=False)
    html = (out.folder / "report.html").read_text()
    assert "live refresh failed for RUT" in html and "cached data used" in html
    assert len(out.refresh_failures) == len(cfg.series)


def fast_variant(cfg, tmp: Path):
    """The project's config with the fast resampling counts (same cache)."""
    text = Path(cfg.path).read_text()
    path = tmp / "config-fast.toml"
    path.write_text(text.replace("bootstrap_reps = 1999", "bootstrap_reps = 199")
                    .replace("placebo_draws = 10000", "placebo_draws = 999")
                    .replace("simulations = 1000", "simulations = 200"))
    return load_config(path)


def test_as_of_truncates_everything(project):
    tmp, cfg = project
    cfg = fast_variant(cfg, tmp)
    cfg2 = dataclasses.replace(cfg, report=dataclasses.replace(cfg.report, output_dir=str(tmp / "out-asof")))
    out = pipeline.build(cfg2, today=TODAY, as_of=dt.date(2025, 6, 30), offline=True, pdf=False)
    assert out.folder.name == "2025-06-as-of-2025-06-30"  # a replay never lands in a month folder
    doc = json.loads((out.folder / "results.json").read_text())
    assert doc["as_of"] == "2025-06-30"
    for t in _all_tests(doc["results"]):
        assert t["sample_end"] <= "2025-06-30", t["name"]
    assert all(s["last"] <= "2025-06-30" for s in doc["data"]["series"])
    rut = next(s for s in doc["data"]["series"] if s["key"] == "RUT")
    lines = (current_folder(tmp / "cache") / "RUT.csv").read_text().splitlines()[1:]
    assert rut["rows"] == sum(line[:10] <= "2025-06-30" for line in lines)  # rows used, not rows cached


def test_failed_build_keeps_previous_report(project, monkeypatch):
    tmp, cfg = project
    cfg = fast_variant(cfg, tmp)
    cfg2 = dataclasses.replace(cfg, report=dataclasses.replace(cfg.report, output_dir=str(tmp / "out-fail")))
    good = pipeline.build(cfg2, today=TODAY, offline=True, pdf=False)
    before = {p.name: p.read_bytes() for p in good.folder.iterdir()}

    def broken(*a, **k):
        raise BuildError("PDF rendering failed: simulated")

    monkeypatch.setattr("reportgen.report.render.html_to_pdf", broken)
    with pytest.raises(BuildError):
        pipeline.build(cfg2, today=TODAY, offline=True, pdf=True)
    assert {p.name: p.read_bytes() for p in good.folder.iterdir()} == before
    # no temporary folder is left behind (.lock is the output folder's permanent lock file)
    assert not [p for p in good.folder.parent.iterdir() if p.name.startswith(".") and p.name != ".lock"]


def test_no_cache_gives_clear_message(tmp_path):
    cfg_path = make_config(tmp_path)
    result = CliRunner().invoke(main, ["--config", str(cfg_path), "build", "--offline"])
    assert result.exit_code == 5
    assert "reportgen import" in result.output
    assert "Traceback" not in result.output


def test_missing_optional_series_is_not_testable(project, snapshot_path, tmp_path):
    """Without the liquidity series, C6 becomes 'not testable' and the rest still builds."""
    partial = tmp_path / "snap"
    partial.mkdir()
    for f in snapshot_path.glob("*.csv"):
        if f.stem not in ("WALCL", "WTREGEN", "RRPONTSYD"):
            shutil.copy(f, partial / f.name)
    cfg_path = make_config(tmp_path, fast=True)
    runner = CliRunner()
    assert runner.invoke(main, ["--config", str(cfg_path), "import", str(partial)]).exit_code == 0
    result = runner.invoke(main, ["--config", str(cfg_path), "build", "--offline", "--no-pdf"])
    assert result.exit_code == 0, result.output
    doc = json.loads(next((tmp_path / "output").glob("*/results.json")).read_text())
    c6 = next(v for v in doc["verdicts"] if v["claim"]["id"] == "C6")
    assert c6["verdict"] == "not testable"
    assert any("WALCL" in n or "liquidity" in n for n in c6["notes"])


def test_appendix_in_parts_reads_the_same_as_in_one_piece(project, built):
    """The appendix rendered in parts on two cores and stitched (the default) has the same
    pages, text, footers and contents as the same report built in one process (n_jobs = 1)."""
    from pypdf import PdfReader

    tmp, cfg = project
    folder, _ = built
    one = dataclasses.replace(cfg, analysis=dataclasses.replace(cfg.analysis, n_jobs=1),
                              report=dataclasses.replace(cfg.report, output_dir=str(tmp / "out-one-process")))
    run_day = dt.datetime.now(dt.timezone.utc).date()  # the CLI build's run date (the provenance shows it)
    single = pipeline.build(one, today=run_day, offline=True, pdf=True).folder
    parts = PdfReader(folder / "appendix.pdf")
    whole = PdfReader(single / "appendix.pdf")
    texts = [p.extract_text() for p in parts.pages]
    assert texts == [p.extract_text() for p in whole.pages]
    n = len(texts)
    assert n > 40 and all(f"Page {i} of {n}" in t for i, t in enumerate(texts, 1))
    chapters = {item.title: parts.get_destination_page_number(item) + 1 for item in parts.outline[1]
                if not isinstance(item, list)}
    contents = {title: int(page) for title, page in re.findall(r"\n([A-Z][^\n.]+?) \.{3,}\s*(\d+)", texts[0])}
    matched = {t: p for t, p in contents.items() if t in chapters}
    assert len(matched) >= 8 and all(chapters[t] == p for t, p in matched.items())
    assert [p.extract_text() for p in PdfReader(single / "note.pdf").pages] == \
        [p.extract_text() for p in PdfReader(folder / "note.pdf").pages]

"""Issue 11, the build/output/config half: nothing lost and no traceback.

* the report folder swap: one atomic exchange on Linux; with the two-rename fallback a kill
  between the renames is recovered by the next run; two processes swapping the same folder
  hundreds of times raise nothing and leave one consistent folder;
* the output and cache folders are checked before any analysis: the filesystem root, the
  home folder, a file, EACCES / EROFS / ENOSPC give one line and a documented exit code;
* an unexpected exception is exit 1 with one line naming a log file holding the traceback;
* ``--as-of`` writes its own folder and ``--no-pdf`` keeps an existing PDF;
* short or early-ending data (BTC ending in 2020, RUT with 10 rows, ``--as-of 2014-10-31``)
  gives "not testable" with the reason and the build goes on (exit 0).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from reportgen import pipeline
from reportgen.cli import main
from reportgen.errors import ConfigError, InsufficientDataError
from reportgen.report import output
from reportgen.report.output import (
    OutputError,
    check_writable_dir,
    recover_locked,
    write_folder_atomically,
)
from tests.conftest import ROOT
from tests.test_cli import assert_clean_failure, make_folder, text

PYTHON = sys.executable


def config_text() -> str:
    """config.toml with its relative narrative path pointed at the project (copies live elsewhere)."""
    text_ = (ROOT / "config.toml").read_text(encoding="utf-8")
    return text_.replace('narrative = "narratives/', f'narrative = "{ROOT}/narratives/')


def dot_entries(folder: Path) -> list[str]:
    """Temporary or backup folders left beside the reports (the lock file aside)."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and p.name != ".lock")


def run_script(code: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-c", textwrap.dedent(code), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


# =========================================================================== the swap (item 10)


def test_swap_is_one_atomic_exchange_on_linux(tmp_path, monkeypatch):
    if output._renameat2 is None:  # pragma: no cover - not Linux/glibc
        pytest.skip("renameat2 not available here: the two-rename fallback is tested below")
    target = tmp_path / "2026-11"
    write_folder_atomically(target, {"a": b"old"})

    def no_rename(src, dst):
        raise AssertionError(f"two-rename fallback used: {src} -> {dst}")

    monkeypatch.setattr(output, "_rename", no_rename)
    write_folder_atomically(target, {"a": b"new"})
    assert (target / "a").read_bytes() == b"new"
    assert dot_entries(tmp_path) == []


KILL_BETWEEN_RENAMES = """
import os, sys
from pathlib import Path
from reportgen.report import output
output._exchange = lambda a, b: False          # force the two-rename fallback
calls = []
real = output._rename
def rename(src, dst):
    real(src, dst)
    calls.append(dst)
    if len(calls) == 1:                       # month -> .month.old done; now die
        os._exit(137)
output._rename = rename
output.write_folder_atomically(Path(sys.argv[1]), {"report.html": b"new", "results.json": b"{}"})
"""


def test_kill_between_the_two_renames_is_recovered_by_the_next_run(tmp_path):
    target = tmp_path / "2026-11"
    write_folder_atomically(target, {"report.html": b"old", "results.json": b"{\"old\": 1}"})
    done = run_script(KILL_BETWEEN_RENAMES, str(target))
    assert done.returncode == 137, done.stderr
    # the state the issue describes: no month folder, only .old and .building.*
    assert not target.exists()
    left = dot_entries(tmp_path)
    assert ".2026-11.old" in left and any(n.startswith(".2026-11.building.") for n in left), left
    # the next run recovers first: the old report is back, the temp folder is gone
    assert recover_locked(tmp_path) == (
        "restored 2026-11 from .2026-11.old",
        f"removed {next(n for n in left if '.building.' in n)}",
    )
    assert (target / "report.html").read_bytes() == b"old"
    assert dot_entries(tmp_path) == []
    write_folder_atomically(target, {"report.html": b"newer", "results.json": b"{}"})
    assert (target / "report.html").read_bytes() == b"newer"


def test_kill_while_writing_keeps_the_old_report(tmp_path):
    target = tmp_path / "2026-11"
    write_folder_atomically(target, {"report.html": b"old"})
    code = """
    import os, sys
    from pathlib import Path
    from reportgen.report import output
    def dying_fsync(fd):
        os._exit(137)
    output.os.fsync = dying_fsync
    output.write_folder_atomically(Path(sys.argv[1]), {"report.html": b"new"})
    """
    assert run_script(code, str(target)).returncode == 137
    assert (target / "report.html").read_bytes() == b"old"
    assert len(dot_entries(tmp_path)) == 1  # the dead build's temp folder
    write_folder_atomically(target, {"report.html": b"next"})
    assert (target / "report.html").read_bytes() == b"next"
    assert dot_entries(tmp_path) == []


def test_failure_between_the_renames_is_repaired_at_once(tmp_path, monkeypatch):
    target = tmp_path / "2026-11"
    write_folder_atomically(target, {"a": b"old"})
    monkeypatch.setattr(output, "_exchange", lambda a, b: False)
    calls = []
    real = output._rename

    def rename(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(output, "_rename", rename)
    with pytest.raises(OutputError, match=r"cannot write the report folder .*2026-11: no space left on the device \(ENOSPC\)"):
        write_folder_atomically(target, {"a": b"new"})
    assert (target / "a").read_bytes() == b"old"
    assert dot_entries(tmp_path) == []


SWAPPER = """
import sys
from pathlib import Path
from reportgen.report import output
if sys.argv[3] == "fallback":
    output._exchange = lambda a, b: False
target, n = Path(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    payload = f"{sys.argv[4]}-{i}".encode()
    output.write_folder_atomically(target, {"a": payload, "b": payload})
"""


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["exchange", "fallback"])
def test_two_processes_swapping_the_same_folder(tmp_path, mode):
    """Two builds swapping the same month 2 x 250 times: no uncaught error, one consistent
    folder at the end, nothing left behind; with the exchange the folder never vanishes."""
    target = tmp_path / "2026-11"
    write_folder_atomically(target, {"a": b"start", "b": b"start"})
    procs = [subprocess.Popen([PYTHON, "-c", SWAPPER, str(target), "250", mode, name], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in ("p", "q")]
    vanished = 0
    while any(p.poll() is None for p in procs):
        vanished += not target.is_dir()
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert "Traceback" not in err
    assert (target / "a").read_bytes() == (target / "b").read_bytes()
    assert (target / "a").read_bytes() in (b"p-249", b"q-249")
    assert dot_entries(tmp_path) == []
    if mode == "exchange":
        assert vanished == 0


def test_rebuild_keeps_files_it_did_not_produce(tmp_path):
    target = tmp_path / "2026-11"
    write_folder_atomically(target, {"report.html": b"1", "report.pdf": b"%PDF-1", "figure_old.csv": b"x"})
    (target / "my-notes.txt").write_text("mine")
    write_folder_atomically(target, {"report.html": b"2"}, keep=output.keep_policy(pdf_built=False))
    assert {p.name: p.read_bytes() for p in target.iterdir()} == {
        "report.html": b"2", "report.pdf": b"%PDF-1", "my-notes.txt": b"mine"}  # stale figure table dropped
    write_folder_atomically(target, {"report.html": b"3", "report.pdf": b"%PDF-3"}, keep=output.keep_policy(pdf_built=True))
    assert {p.name: p.read_bytes() for p in target.iterdir()} == {
        "report.html": b"3", "report.pdf": b"%PDF-3", "my-notes.txt": b"mine"}


def test_disk_full_while_writing_keeps_the_previous_report(tmp_path, monkeypatch):
    target = tmp_path / "2026-11"
    write_folder_atomically(target, {"report.html": b"good"})
    real_open = open

    def full(path, mode="r", *a, **k):
        if ".building." in str(path):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_open(path, mode, *a, **k)

    monkeypatch.setattr(output, "open", full, raising=False)
    with pytest.raises(OutputError, match=r"no space left on the device \(ENOSPC\)") as info:
        write_folder_atomically(target, {"report.html": b"new"})
    assert info.value.exit_code == 6
    assert (target / "report.html").read_bytes() == b"good"
    assert dot_entries(tmp_path) == []


def test_lock_held_elsewhere_is_a_clean_error(tmp_path):
    code = """
    import sys, time
    from reportgen.report.output import output_lock
    lock = output_lock(sys.argv[1]); lock.acquire(); print("locked", flush=True); time.sleep(30)
    """
    holder = subprocess.Popen([PYTHON, "-c", textwrap.dedent(code), str(tmp_path)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(OutputError, match=r"another reportgen build holds the lock .*\.lock for over 0\.2 s"):
            write_folder_atomically(tmp_path / "2026-11", {"a": b"1"}, timeout=0.2)
    finally:
        holder.kill()
        holder.wait()
    assert not (tmp_path / "2026-11").exists()


# =========================================================================== folders checked first (item 5)


@pytest.fixture
def project(tmp_path) -> Path:
    """A config copy in tmp_path/proj (relative cache/ and output/ resolve there)."""
    p = tmp_path / "proj" / "config.toml"
    p.parent.mkdir()
    p.write_text(config_text(), encoding="utf-8")
    return p


def set_key(config_path: Path, old: str, new: str) -> None:
    t = config_path.read_text(encoding="utf-8")
    assert old in t
    config_path.write_text(t.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def no_analysis(monkeypatch):
    """Fail loudly if a build gets as far as reading data or running an analysis."""

    def boom(*a, **k):
        raise AssertionError("the build went past its checks")

    monkeypatch.setattr(pipeline, "load_cached_bundle", boom)
    monkeypatch.setattr(pipeline, "run_analyses", boom)


def build(config_path: Path, *extra: str):
    return CliRunner().invoke(main, ["--config", str(config_path), "build", "--offline", "--no-pdf", *extra])


def test_output_dir_root_is_refused(project, no_analysis):
    set_key(project, 'output_dir = "output"', 'output_dir = "/"')
    assert_clean_failure(build(project), 2, "report.output_dir = '/' is the filesystem root; reports need a folder of their own",
                         'hint: set report.output_dir to a dedicated folder, e.g. "output"')


def test_output_dir_home_is_refused(project, no_analysis, tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    set_key(project, 'output_dir = "output"', f'output_dir = "{home}"')
    assert_clean_failure(build(project), 2, f"report.output_dir = '{home}' is the home folder itself")


def test_output_dir_that_is_a_file(project, no_analysis):
    (project.parent / "output").write_text("not a folder")
    assert_clean_failure(build(project), 2, "report.output_dir", "is a file, not a folder",
                         "hint: point report.output_dir at a folder")


@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.EACCES, "permission denied (EACCES)"), (errno.EROFS, "read-only file system (EROFS)"),
     (errno.ENOSPC, "no space left on the device (ENOSPC)")],
)
def test_unwritable_output_dir_fails_before_any_analysis(project, no_analysis, monkeypatch, code, words):
    def refuse(path, *a, **k):
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(output, "open", refuse, raising=False)
    started = time.perf_counter()
    result = build(project)
    assert_clean_failure(result, 6, f"cannot write to report.output_dir {project.parent / 'output'}: {words}",
                         "hint: fix the permissions or free space in the output folder")
    assert time.perf_counter() - started < 5


@pytest.mark.skipif(os.geteuid() == 0, reason="running as root: permission bits do not stop root (EACCES injected above)")
def test_read_only_output_dir_for_real(project, no_analysis):  # pragma: no cover - non-root only
    out = project.parent / "output"
    out.mkdir()
    out.chmod(0o500)
    try:
        assert_clean_failure(build(project), 6, "permission denied (EACCES)")
    finally:
        out.chmod(0o700)


def test_cache_dir_that_is_a_file(project, no_analysis):
    (project.parent / "cache").write_text("not a folder")
    assert_clean_failure(build(project), 7, "data.cache_dir", "is a file, not a folder")


def test_check_writable_dir_creates_and_probes(tmp_path):
    p = check_writable_dir(tmp_path / "a" / "b", "report.output_dir")
    assert p.is_dir() and list(p.iterdir()) == []
    with pytest.raises(ConfigError, match=r"report\.output_dir = '/' is the filesystem root"):
        check_writable_dir(Path("/"), "report.output_dir")


# =========================================================================== top-level catch-all


def test_unexpected_exception_is_one_line_and_a_log(project, monkeypatch, tmp_path):
    logs = tmp_path / "logs"
    monkeypatch.setenv("REPORTGEN_LOG_DIR", str(logs))

    def bug(*a, **k):
        raise ZeroDivisionError("simulated bug deep inside")

    monkeypatch.setattr(pipeline, "build", bug)
    result = CliRunner().invoke(main, ["--config", str(project), "build", "--offline"])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output and "ZeroDivisionError" not in result.output
    (log,) = logs.iterdir()
    assert result.output.strip().splitlines() == [f"error: internal error, please report; details in {log}"]
    body = log.read_text()
    assert "Traceback (most recent call last)" in body and "ZeroDivisionError: simulated bug deep inside" in body
    assert "reportgen 0." in body and "command:" in body


def test_log_falls_back_to_the_temp_folder(project, monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("REPORTGEN_LOG_DIR", str(blocker / "logs"))  # cannot be created
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)

    def bug(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "build", bug)
    result = CliRunner().invoke(main, ["--config", str(project), "build", "--offline"])
    assert result.exit_code == 1
    (log,) = (tmp_path / "tmp").iterdir()
    assert f"details in {log}" in text(result)


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    from reportgen import __version__

    assert result.output == f"reportgen {__version__}\n"


def test_config_hint_names_the_file_in_use(tmp_path):
    other = tmp_path / "other.toml"
    other.write_text(config_text().replace("n_jobs = 2", "n_jobs = 0"))
    result = CliRunner().invoke(main, ["--config", str(other), "build", "--offline"])
    assert_clean_failure(result, 2, "analysis.n_jobs must be in 1..64, got 0", f"hint: fix the key named above in {other}")


def test_definition_name_with_mathtext_is_a_config_error(project):
    set_key(project, 'name = "ath_after_dd20"', 'name = "$\\\\frac$"')
    result = build(project)
    assert_clean_failure(result, 2, "events.definitions[1].name must be 1 to 32 characters from A-Z a-z 0-9 _ -; got '$\\\\frac$'")


def test_huge_bootstrap_reps_is_refused_at_once(project):
    set_key(project, "bootstrap_reps = 1999", "bootstrap_reps = 1000000000")
    started = time.perf_counter()
    assert_clean_failure(build(project), 2, "analysis.bootstrap_reps must be in 99..100000, got 1000000000")
    assert time.perf_counter() - started < 5


# =========================================================================== folders of --as-of and --no-pdf (item 11)


@pytest.fixture
def small_project(project, tmp_path, monkeypatch):
    """The tiny two-series fixture imported, with the analyses' results reused between
    builds and a fake PDF (the folder logic is under test, not the statistics)."""
    assert CliRunner().invoke(main, ["--config", str(project), "import", str(make_folder(tmp_path / "in"))]).exit_code == 0
    memo: dict = {}
    real = pipeline.run_analyses

    def cached(bundle, cfg, progress=None):
        if bundle.as_of not in memo:
            memo[bundle.as_of] = real(bundle, cfg)
        return memo[bundle.as_of]

    monkeypatch.setattr(pipeline, "run_analyses", cached)
    import reportgen.report.render as render

    monkeypatch.setattr(render, "html_to_pdf", lambda html: b"%PDF-fake note")
    monkeypatch.setattr(render.PagedDocument, "pdf", lambda self, parallel, meanwhile=None: (
        b"%PDF-fake appendix", meanwhile() if meanwhile is not None else None))
    return project


@pytest.mark.slow
def test_as_of_and_no_pdf_never_touch_an_archived_report(small_project):
    out = small_project.parent / "output"
    runner = CliRunner()
    first = runner.invoke(main, ["--config", str(small_project), "build", "--offline"])
    assert first.exit_code == 0, first.output
    month = out / "2024-03"  # the fixture ends Friday 2024-03-29: March is complete
    archived = {p.name: p.read_bytes() for p in month.iterdir()}
    pdf_names = sorted(n for n in archived if n.endswith(".pdf"))
    assert pdf_names and all(archived[n].startswith(b"%PDF-fake") for n in pdf_names)

    replay = runner.invoke(main, ["--config", str(small_project), "build", "--offline", "--no-pdf", "--as-of", "2024-03-29"])
    assert replay.exit_code == 0, replay.output
    assert (out / "2024-03-as-of-2024-03-29" / "results.json").is_file()
    assert not list((out / "2024-03-as-of-2024-03-29").glob("*.pdf"))
    assert {p.name: p.read_bytes() for p in month.iterdir()} == archived  # untouched

    partial = runner.invoke(main, ["--config", str(small_project), "build", "--offline", "--no-pdf"])
    assert partial.exit_code == 0, partial.output
    assert {n: (month / n).read_bytes() for n in pdf_names} == {n: archived[n] for n in pdf_names}  # never deleted
    assert f"kept {', '.join(pdf_names)} in {month} from an earlier build (not rebuilt: --no-pdf)" in text(partial)
    doc = json.loads((month / "results.json").read_text())
    assert doc["report_month"] == "2024-03"
    assert doc["run_date"] == dt.datetime.now(dt.timezone.utc).date().isoformat()
    assert "Run date (UTC)" in (month / "report.html").read_text()
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["2024-03", "2024-03-as-of-2024-03-29"]


def test_as_of_in_future_is_checked_in_utc(project, no_analysis):
    tomorrow = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)).date()
    result = build(project, "--as-of", tomorrow.isoformat())
    assert_clean_failure(result, 1, f"--as-of {tomorrow} is in the future (today is", "UTC)")


# =========================================================================== short data is 'not testable' (item 4)


def test_rolling_granger_on_ten_rows_is_insufficient_data():
    from reportgen.analysis.granger import rolling_granger

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(10, 2)), columns=["RUT", "BTC"],
                         index=pd.date_range("2020-01-31", periods=10, freq="ME"))
    with pytest.raises(InsufficientDataError, match=r"^need 52 monthly observations for 48-observation windows; have 10$"):
        rolling_granger(frame, "RUT", "BTC", lags=3, window=48)


def test_var_lag_selection_on_short_data_is_insufficient_data():
    from reportgen.analysis.var import select_lags

    y = np.random.default_rng(1).normal(size=(12, 3))
    with pytest.raises(InsufficientDataError, match=r"^need \d+ observations to compare 0\.\.\d+ lags of a 3-variable VAR; have 12$"):
        select_lags(y)


def _cut(bundle, key: str, end: str | None = None, rows: int | None = None):
    close = dict(bundle.close)
    close[key] = close[key].loc[:end] if end else close[key].iloc[:rows]
    return dataclasses.replace(bundle, close=MappingProxyType(close))


@pytest.mark.slow
def test_btc_ending_in_2020_gives_episode_reasons(snapshot_bundle, config):
    cfg = dataclasses.replace(config, events=dataclasses.replace(config.events, placebo_draws=999))
    res = pipeline.run_family("events", _cut(snapshot_bundle, "BTC", end="2020-12-31"), cfg)
    assert type(res).__name__ == "EventResults"
    reasons = {r.note for ep in res.episodes for r in ep.returns if r.asset == "BTC" and r.note}
    assert "BTC data end 2020-12-31 is before the date" in reasons, reasons


@pytest.mark.slow
def test_rut_with_ten_rows_gives_not_testable_parts(snapshot_bundle, config):
    cfg = dataclasses.replace(config, analysis=dataclasses.replace(config.analysis, bootstrap_reps=99))
    res = pipeline.run_family("leadlag", _cut(snapshot_bundle, "RUT", rows=10), cfg)
    assert type(res).__name__ == "LeadLagResults"
    reasons = _not_testable_reasons(json.loads(_dumps(res)))
    assert "need 52 monthly observations for 48-observation windows; have 0" in reasons, reasons


def _dumps(obj) -> str:
    from reportgen.serialize import dumps

    return dumps(obj)


@pytest.mark.slow
def test_selfcheck_on_ten_rows_is_not_testable(snapshot_bundle, config):
    cfg = dataclasses.replace(config, selfcheck=dataclasses.replace(config.selfcheck, simulations=100),
                              analysis=dataclasses.replace(config.analysis, n_jobs=1))
    res = pipeline.run_family("selfcheck", _cut(snapshot_bundle, "RUT", rows=10), cfg, {"results": {}})
    reasons = _reasons(json.loads(_dumps(res)))
    assert len(reasons) >= 3 and all(r.startswith("need ") for r in reasons), reasons  # every design says why


def _reasons(node) -> list[str]:
    """Every 'reason' anywhere in a serialised result (NotTestable and its kin)."""
    found = []
    if isinstance(node, dict):
        if isinstance(node.get("reason"), str):
            found.append(node["reason"])
        for v in node.values():
            found += _reasons(v)
    elif isinstance(node, list):
        for v in node:
            found += _reasons(v)
    return found


# --------------------------------------------------------------------------- the same, end to end


def _fast_project(tmp_path: Path, snapshot: Path, edit=None) -> Path:
    folder = tmp_path / "snap"
    folder.mkdir()
    for f in snapshot.glob("*.csv"):
        shutil.copy(f, folder / f.name)
    if edit:
        edit(folder)
    text_ = (config_text().replace("bootstrap_reps = 1999", "bootstrap_reps = 99")
             .replace("placebo_draws = 10000", "placebo_draws = 999").replace("simulations = 1000", "simulations = 100"))
    cfg = tmp_path / "proj" / "config.toml"
    cfg.parent.mkdir()
    cfg.write_text(text_)
    result = CliRunner().invoke(main, ["--config", str(cfg), "import", str(folder)])
    assert result.exit_code == 0, result.output
    return cfg


def _cut_csv(name: str, end: str | None = None, rows: int | None = None):
    def edit(folder: Path) -> None:
        f = pd.read_csv(folder / name, dtype=str)
        f = f[f.date <= end] if end else f.iloc[-rows:]  # the last rows: a recent, short series
        f.to_csv(folder / name, index=False)

    return edit


def _not_testable_reasons(node) -> list[str]:
    found = []
    if isinstance(node, dict):
        if node.get("type") == "NotTestable":
            found.append(node["reason"])
        for v in node.values():
            found += _not_testable_reasons(v)
    elif isinstance(node, list):
        for v in node:
            found += _not_testable_reasons(v)
    return found


@pytest.mark.slow
@pytest.mark.parametrize(
    ("case", "edit", "extra", "folder", "expect"),
    [
        ("BTC ends 2020", _cut_csv("BTC-USD.csv", end="2020-12-31"), (), "2026-08", "BTC"),
        ("RUT 10 rows", _cut_csv("RUT.csv", rows=10), (), "2026-08", "need "),
        ("as-of 2014-10-31", None, ("--as-of", "2014-10-31"), "2014-10-as-of-2014-10-31", "need "),
        ("only RUT", lambda folder: [f.unlink() for f in folder.glob("*.csv") if f.stem != "RUT"], (), "2026-08",
         "missing series BTC"),
    ],
)
def test_short_data_builds_with_not_testable(tmp_path, snapshot_path, case, edit, extra, folder, expect):
    cfg = _fast_project(tmp_path, snapshot_path, edit)
    result = CliRunner().invoke(main, ["--config", str(cfg), "build", "--offline", "--no-pdf", *extra])
    assert result.exit_code == 0, (case, result.output)
    assert "Traceback" not in result.output and "internal error" not in result.output
    doc = json.loads((cfg.parent / "output" / folder / "results.json").read_text())
    reasons = _not_testable_reasons(doc["results"]) + [v["reason"] for v in doc["verdicts"] if v["verdict"] == "not testable"]
    assert any(expect in r for r in reasons), reasons
    assert any(v["verdict"] == "not testable" for v in doc["verdicts"])


# =========================================================================== the README's table


def test_readme_exit_codes_match_the_errors():
    """Every exit code an error class can produce is in the README table, and vice versa."""
    import re

    from reportgen import errors

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("### Exit codes"):]
    table = table[: table.index("\n\n", table.index("| code |"))]
    documented = {int(m) for m in re.findall(r"^\| (\d+) \|", table, flags=re.M)}
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.ReportgenError)]
    produced = {c.exit_code for c in classes} | {OutputError.exit_code}
    assert produced | {0, 130} == documented, (produced, documented)
    assert OutputError.exit_code == 6 and errors.CacheError.exit_code == 7 and errors.ConfigError.exit_code == 2


def test_build_passes_one_aware_utc_now_whatever_the_local_zone(project, monkeypatch):
    """East of UTC the local date runs ahead; the build must see the UTC clock (issue 11, 14)."""
    seen = {}

    def capture(cfg, **kwargs):
        seen.update(kwargs)
        raise KeyboardInterrupt  # stop here; the CLI reports it cleanly

    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14
    time.tzset()
    try:
        monkeypatch.setattr(pipeline, "build", capture)
        result = CliRunner().invoke(main, ["--config", str(project), "build", "--offline"])
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert result.exit_code == 130
    now = seen["now"]
    assert now.tzinfo is dt.timezone.utc and now.microsecond == 0
    assert abs((dt.datetime.now(dt.timezone.utc) - now).total_seconds()) < 60
    assert "today" not in seen


def test_c1_on_a_recent_short_rut_is_insufficient_data(config):
    from reportgen.analysis.common import NotTestable
    from reportgen.analysis.events import c1_facts

    rut = pd.Series(2650.0 + np.arange(10), index=pd.bdate_range("2026-01-02", periods=10))
    with pytest.raises(InsufficientDataError, match=r"^need RUT closes before 2026 to check C1 \(first close above 2,600 "
                                                    r"on 2026-01-02\); the data starts 2026-01-02$"):
        c1_facts(rut, config, NotTestable("no IWM"))


def test_lock_that_cannot_be_opened_is_a_clean_error(tmp_path, monkeypatch):
    def refuse(self, *a, **k):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / ".lock"))

    monkeypatch.setattr(output.FileLock, "acquire", refuse)
    with pytest.raises(OutputError, match=r"cannot take the lock .*\.lock: permission denied \(EACCES\)"):
        write_folder_atomically(tmp_path / "2026-11", {"a": b"1"})


@pytest.fixture
def tiny_tmpfs(tmp_path):
    """A 64 KiB tmpfs (root only; elsewhere the injected-ENOSPC test above covers the path)."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or 'not permitted'}); ENOSPC is injected above")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_real_full_disk_keeps_the_previous_report(tiny_tmpfs):
    target = tiny_tmpfs / "2026-11"
    write_folder_atomically(target, {"report.html": b"good"})
    with pytest.raises(OutputError, match=r"cannot write the report folder .*2026-11: no space left on the device \(ENOSPC\)"):
        write_folder_atomically(target, {"report.html": b"x" * 200_000})
    assert (target / "report.html").read_bytes() == b"good"
    assert dot_entries(tiny_tmpfs) == []
    write_folder_atomically(target, {"report.html": b"fits"})  # space was given back
    assert (target / "report.html").read_bytes() == b"fits"


def test_real_full_disk_fails_the_build_before_the_analysis(project, no_analysis, tiny_tmpfs):
    (tiny_tmpfs / "out").mkdir()
    fd = os.open(tiny_tmpfs / "filler", os.O_WRONLY | os.O_CREAT)
    try:  # fill the file system to the last block
        while os.write(fd, b"\0" * 1024):
            pass
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    set_key(project, 'output_dir = "output"', f'output_dir = "{tiny_tmpfs / "out"}"')
    result = build(project)
    assert result.exit_code in (6,), result.output
    assert "no space left on the device (ENOSPC)" in text(result)


def test_every_command_turns_unexpected_errors_into_one_line():
    """A new command without @clean_errors would print a traceback: fail here instead."""

    def wrapped(fn) -> bool:
        while fn is not None:
            if getattr(fn, "clean_errors", False) is True:
                return True
            fn = getattr(fn, "__wrapped__", None)
        return False

    assert [name for name, cmd in main.commands.items() if not wrapped(cmd.callback)] == []


def test_unexpected_error_in_import_is_one_line_and_a_log(project, monkeypatch, tmp_path):
    from reportgen.data import store

    monkeypatch.setenv("REPORTGEN_LOG_DIR", str(tmp_path / "logs"))

    def bug(*a, **k):
        raise KeyError("simulated")

    monkeypatch.setattr(store, "import_folder", bug)
    result = CliRunner().invoke(main, ["--config", str(project), "import", str(tmp_path)])
    assert result.exit_code == 1
    (log,) = (tmp_path / "logs").iterdir()
    assert result.output.strip() == f"error: internal error, please report; details in {log}"
    assert "KeyError: 'simulated'" in log.read_text()


def test_config_error_raised_after_loading_names_the_file_in_use(project, monkeypatch):
    def late(*a, **k):
        raise ConfigError("report.narrative names a claim twice")  # raised outside load_config

    monkeypatch.setattr(pipeline, "build", late)
    result = CliRunner().invoke(main, ["--config", str(project), "build", "--offline"])
    assert_clean_failure(result, 2, "report.narrative names a claim twice", f"hint: fix the key named above in {project}")

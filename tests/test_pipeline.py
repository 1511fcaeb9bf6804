"""The output folder swap: readable, atomic, locked, recoverable; folder names; the run's clock."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import stat

import pytest

from reportgen.pipeline import previous_results, report_month, utc_now
from tests.conftest import ROOT
from reportgen.report.output import report_folder_name, write_folder_atomically


def visible(folder):
    """Entries of ``folder`` other than the output lock file."""
    return sorted(p.name for p in folder.iterdir() if p.name != ".lock")


def test_new_folder_is_readable_by_others(tmp_path):
    target = tmp_path / "2026-11"
    write_folder_atomically(target, {"report.html": b"<html>"})
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o777 & ~umask
    assert (target / "report.html").read_bytes() == b"<html>"


def test_rebuild_replaces_its_files_and_keeps_the_others(tmp_path):
    target = tmp_path / "2026-11"
    write_folder_atomically(target, {"a": b"1", "report.pdf": b"%PDF-old"})
    write_folder_atomically(target, {"a": b"2"})  # e.g. a --no-pdf rebuild
    assert {p.name: p.read_bytes() for p in target.iterdir()} == {"a": b"2", "report.pdf": b"%PDF-old"}
    assert visible(tmp_path) == ["2026-11"]  # no temp or .old folders left


def test_rebuild_can_replace_the_folder_whole(tmp_path):
    target = tmp_path / "2026-11"
    write_folder_atomically(target, {"a": b"1", "old-only": b"x"})
    write_folder_atomically(target, {"a": b"2"}, keep_other_files=False)
    assert sorted(p.name for p in target.iterdir()) == ["a"]


def test_failure_mid_write_keeps_the_previous_report(tmp_path):
    target = tmp_path / "2026-11"
    write_folder_atomically(target, {"a": b"good"})


    with pytest.raises(TypeError):
        write_folder_atomically(target, {"a": b"new", "b": None})  # second file fails to write
    assert (target / "a").read_bytes() == b"good"
    assert visible(tmp_path) == ["2026-11"]


@pytest.mark.parametrize(
    ("as_of", "month"),
    [
        (dt.date(2026, 9, 25), "2026-08"),   # the snapshot: September still in progress
        (dt.date(2026, 9, 30), "2026-09"),   # last business day (Wednesday)
        (dt.date(2026, 10, 30), "2026-10"),  # Friday, the last business day of October
        (dt.date(2026, 10, 31), "2026-10"),  # Saturday (crypto)
        (dt.date(2026, 11, 1), "2026-10"),   # a cron run on the 1st/2nd labels the month just ended
        (dt.date(2026, 1, 2), "2025-12"),
        (dt.date(2025, 6, 30), "2025-06"),
    ],
)
def test_report_month_is_the_last_complete_month_of_the_data(as_of, month):
    assert report_month(as_of) == month
    assert report_folder_name(as_of) == month


def test_as_of_folder_is_its_own():
    assert report_folder_name(dt.date(2026, 3, 31), dt.date(2026, 3, 31)) == "2026-03-as-of-2026-03-31"
    assert report_folder_name(dt.date(2014, 10, 31), dt.date(2014, 10, 31)) == "2014-10-as-of-2014-10-31"
    assert report_folder_name(dt.date(2026, 3, 20), dt.date(2026, 3, 20)) == "2026-02-as-of-2026-03-20"


def test_previous_results(tmp_path):
    for month in ("2026-09", "2026-10", "2026-10-as-of-2026-10-31", "2026-11"):
        (tmp_path / month).mkdir()
        (tmp_path / month / "results.json").write_text(f'{{"report_month": "{month}"}}')
    assert previous_results(tmp_path, "2026-11") == {"report_month": "2026-10"}  # never an as-of replay
    assert previous_results(tmp_path, "2026-09") is None
    (tmp_path / "2026-10" / "results.json").write_bytes(b"\xff\xfe not json")
    assert previous_results(tmp_path, "2026-11") is None
    assert previous_results(tmp_path / "missing", "2026-11") is None


def test_utc_now_is_aware_utc():
    eastern = dt.timezone(dt.timedelta(hours=9))
    now = utc_now(dt.datetime(2026, 11, 2, 8, 30, 15, 999, tzinfo=eastern))
    assert now == dt.datetime(2026, 11, 1, 23, 30, 15, tzinfo=dt.timezone.utc)
    assert now.tzinfo is dt.timezone.utc
    assert utc_now(today=dt.date(2026, 11, 21)) == dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc)
    assert utc_now().tzinfo is dt.timezone.utc
    with pytest.raises(ValueError, match="now must be timezone-aware, got datetime.datetime\\(2026, 11, 2, 8, 30\\)"):
        utc_now(dt.datetime(2026, 11, 2, 8, 30))


def test_analyses_run_with_one_blas_thread_here_and_in_the_forked_process(config, monkeypatch):
    """Both processes of the analysis stage see one BLAS thread (pipeline.BLAS_THREADS), and the
    caller's setting is restored afterwards."""
    from threadpoolctl import threadpool_info

    from reportgen import pipeline
    from reportgen.analysis.common import NotTestable

    def blas_threads():
        return sorted({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})

    before = blas_threads()
    seen = {}

    def family(name, bundle, cfg, extra=None):
        seen[name] = blas_threads()
        return NotTestable(reason=f"{name} {blas_threads()}")

    monkeypatch.setattr(pipeline, "run_family", family)
    cfg = dataclasses.replace(config, analysis=dataclasses.replace(config.analysis, n_jobs=2))
    results = pipeline.run_analyses(None, cfg)
    assert results["regimes"].reason == "regimes [1]"  # computed in the forked process
    assert all(v == [1] for v in seen.values()) and "events" in seen
    assert blas_threads() == before


def test_scipys_own_blas_is_limited_too_even_when_first_loaded_by_a_family(tmp_path):
    """NumPy and SciPy ship separate OpenBLAS libraries; a build whose first SciPy import
    happens inside a family must still run SciPy's with one thread (two builds in one process
    once differed in the 7th digit of the GARCH fits because of this)."""
    import subprocess
    import sys

    probe = (
        "import sys, numpy\n"
        "assert 'scipy' not in sys.modules\n"
        "from reportgen import pipeline\n"
        "from reportgen.analysis.common import NotTestable\n"
        "from reportgen.config import load_config\n"
        "seen = []\n"
        "def family(name, bundle, cfg, extra=None):\n"
        "    import scipy.optimize\n"
        "    from threadpoolctl import threadpool_info\n"
        "    seen.append(sorted((i['filepath'].rsplit('/', 1)[-1], i['num_threads']) for i in threadpool_info()))\n"
        "    return NotTestable(reason='x')\n"
        "pipeline.run_family = family\n"
        f"cfg = load_config({str(ROOT / 'config.toml')!r})\n"
        "import dataclasses\n"
        "cfg = dataclasses.replace(cfg, analysis=dataclasses.replace(cfg.analysis, n_jobs=1))\n"
        "pipeline.run_analyses(None, cfg)\n"
        "libs = seen[0]\n"
        "assert len(libs) >= 2 and all(n == 1 for _, n in libs), libs\n"
        "print('ok', len(libs))\n"
    )
    env = {k: v for k, v in __import__("os").environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0] == "ok"

"""The output folder swap: readable, atomic, and a failure leaves the old report untouched."""

from __future__ import annotations

import datetime as dt
import os
import stat

import pytest

from reportgen.pipeline import previous_results, report_month, write_folder_atomically


def test_new_folder_is_readable_by_others(tmp_path):
    target = tmp_path / "2026-11"
    write_folder_atomically(target, {"report.html": b"<html>"})
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o777 & ~umask
    assert (target / "report.html").read_bytes() == b"<html>"


def test_rebuild_replaces_the_folder_whole(tmp_path):
    target = tmp_path / "2026-11"
    write_folder_atomically(target, {"a": b"1", "old-only": b"x"})
    write_folder_atomically(target, {"a": b"2"})
    assert sorted(p.name for p in target.iterdir()) == ["a"]
    assert [p.name for p in tmp_path.iterdir()] == ["2026-11"]  # no temp or .old folders left


def test_failure_mid_write_keeps_the_previous_report(tmp_path):
    target = tmp_path / "2026-11"
    write_folder_atomically(target, {"a": b"good"})


    with pytest.raises(TypeError):
        write_folder_atomically(target, {"a": b"new", "b": None})  # second file fails to write
    assert (target / "a").read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir()] == ["2026-11"]


def test_report_month_and_previous_results(tmp_path):
    assert report_month(None, dt.date(2026, 11, 21)) == "2026-11"
    assert report_month(dt.date(2026, 3, 31), dt.date(2026, 11, 21)) == "2026-03"
    for month in ("2026-09", "2026-10", "2026-11"):
        (tmp_path / month).mkdir()
        (tmp_path / month / "results.json").write_text(f'{{"report_month": "{month}"}}')
    assert previous_results(tmp_path, "2026-11") == {"report_month": "2026-10"}
    assert previous_results(tmp_path, "2026-09") is None

"""The CLI: help text everywhere, clean messages and documented exit codes (no tracebacks).

These tests stop before the analyses run; the end-to-end build is tested elsewhere.
"""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.data import store
from reportgen.data.sources import FetchedFrame
from reportgen.errors import SourceError
from tests.conftest import ROOT



@pytest.fixture
def config_path(tmp_path) -> Path:
    """A copy of config.toml in tmp_path: its relative cache/ and output/ resolve there."""
    p = tmp_path / "proj" / "config.toml"
    p.parent.mkdir()
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    p.write_text(text.replace('narrative = "narratives/', f'narrative = "{ROOT}/narratives/'), encoding="utf-8")
    return p


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def text(result) -> str:
    """Output with Rich's line wrapping undone."""
    return " ".join(result.output.split())


def assert_clean_failure(result, code: int, *fragments: str) -> None:
    out = text(result)
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "error: " in out, out
    for f in fragments:
        assert f in out, (f, out)


def make_folder(folder: Path, bad: str | None = None) -> Path:
    folder.mkdir(parents=True)
    days = pd.bdate_range("2024-01-02", "2024-03-29")
    for name in ("RUT.csv", "BTC-USD.csv"):
        closes = np.round(100 * np.exp(np.linspace(0, 0.1, len(days))), 4)
        pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "close": closes}).to_csv(folder / name, index=False)
    if bad:
        (folder / bad).write_text("date,close\n2024-01-02,100\n2024-01-02,101\n", encoding="utf-8")
    return folder


def cache_bytes(config_path: Path) -> dict[str, bytes]:
    """The current cache generation's files, by name (empty when there is no cache)."""
    from reportgen.data.cache import cache_files

    cache = config_path.parent / "cache"
    return dict(cache_files(cache)) if cache.exists() else {}


# --------------------------------------------------------------------------- help text


def help_problems(group: click.Group) -> list[str]:
    """Commands or options of ``group`` without help text."""
    problems = [] if (group.help or "").strip() else [f"{group.name}: no help"]
    for name, cmd in group.commands.items():
        if not (cmd.help or "").strip():
            problems.append(f"{name}: no help")
        for p in cmd.params:
            if isinstance(p, click.Option) and not (p.help or "").strip():
                problems.append(f"{name} {p.opts[0]}: no help")
    for p in group.params:
        if isinstance(p, click.Option) and not (p.help or "").strip():
            problems.append(f"{group.name} {p.opts[0]}: no help")
    return problems


def test_every_command_and_option_has_help():
    assert set(main.commands) >= {"fetch", "import", "build"}
    assert help_problems(main) == []


def test_help_checker_catches_a_command_without_help():
    @click.group(help="g")
    def g():
        pass

    @g.command()
    @click.option("--x")
    def bare():
        pass

    assert help_problems(g) == ["bare: no help", "bare --x: no help"]


@pytest.mark.parametrize("name", sorted(main.commands))
def test_command_help_runs(name):
    result = run(name, "--help")
    assert result.exit_code == 0, result.output
    first_words = " ".join(main.commands[name].help.split()[:3])
    assert first_words in text(result)


def test_main_help_lists_commands():
    result = run("--help")
    assert result.exit_code == 0
    for name in main.commands:
        assert name in result.output


# --------------------------------------------------------------------------- config errors


@pytest.mark.parametrize("command", [["build"], ["import", "x"], ["fetch"]])
def test_missing_config_file(tmp_path, command):
    result = run("--config", str(tmp_path / "missing.toml"), *command)
    assert_clean_failure(result, 2, "missing.toml not found", "hint: pass --config PATH")


def test_bad_config_value(config_path):
    config_path.write_text(config_path.read_text().replace("\nalpha = 0.05\nmin_effect", "\nalpha = 1.5\nmin_effect"))
    result = run("--config", str(config_path), "build", "--offline")
    assert_clean_failure(result, 2, "rules.alpha must be in (0, 0.5), got 1.5", "hint: fix the key")


# --------------------------------------------------------------------------- import


def test_import_good_folder(config_path, tmp_path):
    result = run("--config", str(config_path), "import", str(make_folder(tmp_path / "in")))
    assert result.exit_code == 0, result.output
    out = text(result)
    assert "RUT imported" in out and "GSPC skipped" in out
    assert set(cache_bytes(config_path)) == {"RUT.csv", "BTC.csv", "manifest.json"}


def test_import_missing_folder_exits_3(config_path, tmp_path):
    result = run("--config", str(config_path), "import", str(tmp_path / "nowhere"))
    assert_clean_failure(result, 3, "nowhere does not exist", "hint:")
    assert cache_bytes(config_path) == {}


def test_import_bad_csv_exits_3_and_leaves_cache(config_path, tmp_path):
    assert run("--config", str(config_path), "import", str(make_folder(tmp_path / "good"))).exit_code == 0
    before = cache_bytes(config_path)
    result = run("--config", str(config_path), "import", str(make_folder(tmp_path / "bad", bad="IWM.csv")))
    assert_clean_failure(result, 3, "IWM.csv: duplicate date 2024-01-02 (row 3)", "hint: fix the file named above")
    assert cache_bytes(config_path) == before
def test_error_text_is_not_rich_markup(config_path, tmp_path):
    folder = make_folder(tmp_path / "in")
    (folder / "RUT.csv").write_text("date,close\n[/x],1\n", encoding="utf-8")
    result = run("--config", str(config_path), "import", str(folder))
    assert_clean_failure(result, 3, "unparseable date '[/x]'")
def test_long_path_stays_on_one_line(tmp_path):
    missing = tmp_path / ("a" * 90) / "missing.toml"
    result = run("--config", str(missing), "build")
    assert str(missing) in result.output


def test_interrupt_is_clean(config_path, tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "import_folder", interrupted)
    result = run("--config", str(config_path), "import", str(tmp_path))
    assert result.exit_code == 130
    assert "interrupted; nothing was written" in result.output


# --------------------------------------------------------------------------- fetch (injected fetcher)


def test_fetch_all_sources_failing_exits_4(config_path, tmp_path, monkeypatch):
    run("--config", str(config_path), "import", str(make_folder(tmp_path / "in")))
    before = cache_bytes(config_path)

    def failing(cfg, today):
        return lambda s: (_ for _ in ()).throw(SourceError(f"{s.symbol}: offline"))

    monkeypatch.setattr(store, "default_fetcher", failing)
    result = run("--config", str(config_path), "fetch")
    assert_clean_failure(result, 4, "every live source failed (first: ^RUT: offline); the cache is unchanged",
                         "hint: check the network")
    assert cache_bytes(config_path) == before


def test_fetch_partial_failure_exits_0(config_path, tmp_path, monkeypatch):
    def some(cfg, today):
        def fetch(s):
            if s.key != "RUT":
                raise SourceError(f"{s.symbol}: offline")
            return FetchedFrame(pd.DataFrame({"date": ["2024-01-02", "2024-01-03"], "close": ["1", "1.1"]}), "fake")

        return fetch

    monkeypatch.setattr(store, "default_fetcher", some)
    result = run("--config", str(config_path), "fetch")
    assert result.exit_code == 0, result.output
    from reportgen.config import load_config

    n = len(load_config(config_path).series)
    assert f"{n - 1} of {n} series failed; their cached copies are kept" in text(result)
    assert "RUT.csv" in cache_bytes(config_path)


# --------------------------------------------------------------------------- build (stops before the analyses)


def test_build_as_of_in_future_is_rejected(config_path):
    result = run("--config", str(config_path), "build", "--as-of", "2999-01-01", "--offline")
    assert_clean_failure(result, 1, "--as-of 2999-01-01 is in the future", "hint: choose a date up to today")


def test_build_as_of_not_a_date_is_usage_error(config_path):
    result = run("--config", str(config_path), "build", "--as-of", "not-a-date")
    assert result.exit_code == 2
    assert "Invalid value for '--as-of': expected YYYY-MM-DD, got 'not-a-date'" in result.output
    assert "Traceback" not in result.output


def test_build_offline_without_cache_exits_5(config_path):
    result = run("--config", str(config_path), "build", "--offline", "--no-pdf")
    assert_clean_failure(result, 5, "cache is empty", "hint: run `reportgen import")


def test_build_as_of_before_sample_start_is_a_usage_error(config_path, tmp_path):
    run("--config", str(config_path), "import", str(make_folder(tmp_path / "in")))
    result = run("--config", str(config_path), "build", "--offline", "--no-pdf", "--as-of", "2010-01-01")
    assert_clean_failure(result, 2, "--as-of 2010-01-01 is before data.sample_start 2014-09-17",
                         "hint: choose an --as-of date after the sample start")

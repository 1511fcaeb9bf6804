"""Shared fixtures. The real snapshot is found through REPORTGEN_SNAPSHOT (default
../shared/data/market); where it is absent, e2e tests skip with a visible reason, except in
CI (CI=true, or REPORTGEN_REQUIRE_SNAPSHOT=1 as .ci/run sets) where a missing snapshot fails."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """No test may use the network: an accidental connection fails loudly."""

    def refuse(*args, **kwargs):
        raise RuntimeError("network access in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def snapshot_dir() -> Path:
    return Path(os.environ.get("REPORTGEN_SNAPSHOT", ROOT.parent / "shared" / "data" / "market"))


@pytest.fixture(scope="session")
def snapshot_path() -> Path:
    path = snapshot_dir()
    if not (path / "RUT.csv").is_file():
        msg = f"real snapshot not found at {path} (set REPORTGEN_SNAPSHOT)"
        if os.environ.get("REPORTGEN_REQUIRE_SNAPSHOT") == "1" or os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return path


@pytest.fixture(scope="session")
def config():
    from reportgen.config import load_config

    return load_config(ROOT / "config.toml")


@pytest.fixture(scope="session")
def snapshot_bundle(config, snapshot_path):
    from reportgen.data.assemble import bundle_from_folder

    return bundle_from_folder(config, snapshot_path)

"""Shared fixtures: a throwaway lake home per test and the paths of the shared sample data and cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from risk_assets.lib.home import PROJECT_ROOT, RiskHome

SHARED = Path(__import__("os").environ.get("RISK_SHARED_DIR", PROJECT_ROOT.parent / "shared"))
CASES = SHARED / "cases"
DATA = SHARED / "data"


@pytest.fixture
def risk_home(tmp_path, monkeypatch) -> RiskHome:
    """A fresh RISK_HOME under tmp_path, exported to the environment for the test's duration."""
    home = RiskHome(tmp_path / "risk_home").ensure()
    monkeypatch.setenv("RISK_HOME", str(home.root))
    return home


@pytest.fixture
def cases_dir() -> Path:
    if not CASES.is_dir():
        pytest.skip(f"bad-input cases not found at {CASES}")
    return CASES


@pytest.fixture
def data_dir() -> Path:
    if not DATA.is_dir():
        pytest.skip(f"sample data not found at {DATA}")
    return DATA


def unreadable(file_sha256, name: str):
    """`file_sha256` as it behaves when the file called `name` has no read permission (the tests may
    run as root, who reads anything, so the refusal is simulated)."""

    def sha256(path):
        if path.name == name:
            raise PermissionError(13, "Permission denied", str(path))
        return file_sha256(path)

    return sha256

"""The dbt project of the lake (dbt/ beside the package), and its manifest, built before any run.

Kept in its own module, apart from the @dbt_assets, so that `dagster-dbt project prepare-and-package
--file risk_assets/defs/transform/project.py` can load it without loading the assets.

Manifest policy (no prepare-at-run-time race, dagster #33993): the assets are built from
`dbt/target/manifest.json`. When it is missing or older than any file of the dbt project, the
process that loads the code location runs `dbt parse` once, under an exclusive file lock, into a
private target folder, and moves the manifest into place atomically. Runs launched from that
process (`dagster asset materialize`, `dagster dev`) find a fresh manifest and never parse; two
processes starting together parse once, the second waits on the lock and reuses the result.
`dbt parse` needs no database connection (3-4 s).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from dagster_dbt import DbtProject

from risk_assets.lib.home import DBT_DIR

MANIFEST = DBT_DIR / "target" / "manifest.json"
SOURCE_GLOBS = ("dbt_project.yml", "profiles.yml", "models/**/*", "macros/**/*")


def dbt_executable() -> str:
    """The dbt beside the running Python (an unactivated venv has no dbt on PATH), else PATH's.

    Raises:
        FileNotFoundError: no dbt executable is installed.
    """
    beside = Path(sys.executable).parent / "dbt"
    if beside.exists():
        return str(beside)
    found = shutil.which("dbt")
    if found is None:
        raise FileNotFoundError(f"no dbt executable beside {sys.executable} nor on PATH; install dbt-duckdb")
    return found


def manifest_is_stale() -> bool:
    """True when the manifest is missing or older than a file of the dbt project."""
    if not MANIFEST.exists():
        return True
    built = MANIFEST.stat().st_mtime
    return any(
        path.is_file() and path.stat().st_mtime > built for pattern in SOURCE_GLOBS for path in DBT_DIR.glob(pattern)
    )


def ensure_manifest() -> Path:
    """Build dbt/target/manifest.json with `dbt parse` when it is missing or stale; returns its path.

    Raises:
        RuntimeError: `dbt parse` failed (its output is in the message).
    """
    if not manifest_is_stale():
        return MANIFEST
    MANIFEST.parent.mkdir(parents=True, exist_ok=True)
    with open(MANIFEST.parent / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not manifest_is_stale():
            return MANIFEST
        with tempfile.TemporaryDirectory(dir=MANIFEST.parent, prefix=".parse-") as private:
            result = subprocess.run(
                [dbt_executable(), "parse", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
                 "--target-path", private, "--quiet"],
                cwd=DBT_DIR,
                capture_output=True,
                text=True,
                env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"},
            )
            if result.returncode != 0:
                raise RuntimeError(f"dbt parse failed in {DBT_DIR}:\n{result.stdout}{result.stderr}")
            os.replace(Path(private) / "manifest.json", MANIFEST)
    return MANIFEST


dbt_project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)
ensure_manifest()

"""Where the lake lives on disk: one home folder, chosen by the RISK_HOME environment variable.

Layout under the home (all created on demand by `RiskHome.ensure`):

    lake.duckdb          the DuckDB lake (schemas raw, staging, marts, ml, quality, monitoring)
    landing/loans/       loan tapes dropped here are ingested by raw_loans
    landing/news/        news files dropped here are ingested by raw_news
    artifacts/           trained models, one folder per model and version
    reports/             self-contained HTML reports
    dagster/             the Dagster instance, when DAGSTER_HOME is not set
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOME = ".risk_home"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_DIR = PROJECT_ROOT / "dbt"
"""The dbt project of the lake (dbt_project.yml, profiles.yml, models/) beside the package."""


@dataclass(frozen=True)
class RiskHome:
    """Paths of one lake home. `root` may be relative; it is resolved against the working directory."""

    root: Path

    @classmethod
    def from_env(cls) -> "RiskHome":
        """The home named by RISK_HOME, else `.risk_home/` under the working directory."""
        return cls(Path(os.environ.get("RISK_HOME", DEFAULT_HOME)).resolve())

    @property
    def lake_path(self) -> Path:
        return self.root / "lake.duckdb"

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def landing_loans(self) -> Path:
        return self.landing / "loans"

    @property
    def landing_news(self) -> Path:
        return self.landing / "news"

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def mappings(self) -> Path:
        """Declared column mappings for loan tapes (`*.json` and `loans/*.json`, see lib.ingest.mappings),
        and news settings (`news/*.json`, see lib.ingest.news_settings)."""
        return self.root / "mappings"

    @property
    def dbt_runs(self) -> Path:
        """dbt's working folder for this lake: a target folder per dbt step while it runs (kept when
        the step fails, for its dbt.log and compiled SQL) and the parse the next step reuses."""
        return self.root / "dbt"

    @property
    def dagster_home(self) -> Path:
        return Path(os.environ["DAGSTER_HOME"]) if os.environ.get("DAGSTER_HOME") else self.root / "dagster"

    def ensure(self) -> "RiskHome":
        """Create every folder of the layout; returns self."""
        for folder in (self.landing_loans, self.landing_news, self.mappings, self.artifacts, self.reports):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def sample_dir() -> Path | None:
    """The folder of sample data to seed landing from.

    RISK_SAMPLE_DIR when set (it must exist); else `../shared/data` beside the project when present;
    else None. The folder is expected to hold `loans/` and `news/` subfolders.

    Raises:
        FileNotFoundError: RISK_SAMPLE_DIR names a folder that does not exist.
    """
    configured = os.environ.get("RISK_SAMPLE_DIR")
    if configured:
        path = Path(configured).resolve()
        if not path.is_dir():
            raise FileNotFoundError(f"RISK_SAMPLE_DIR={configured!r}: no such folder")
        return path
    for candidate in (Path.cwd() / ".." / "shared" / "data", PROJECT_ROOT.parent / "shared" / "data"):
        if candidate.is_dir():
            return candidate.resolve()
    return None

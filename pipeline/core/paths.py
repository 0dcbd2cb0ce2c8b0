"""Where the project keeps things. One home for every path; each can be moved with an
environment variable so tests, deployments and several partnerships can use their own."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # pipeline/core/paths.py
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
# Published reference files kept with the project (Department for Education statistics).
REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"


def data_dir() -> Path:
    return Path(os.environ.get("PQA_DATA_DIR", PROJECT_ROOT / "data"))


def warehouse_path() -> Path:
    """The DuckDB file the pipeline writes (`PQA_WAREHOUSE`, default data/warehouse.duckdb)."""
    return Path(os.environ.get("PQA_WAREHOUSE", data_dir() / "warehouse.duckdb"))


def archive_dir() -> Path:
    """Accepted return files, kept unchanged and named by their content hash."""
    return Path(os.environ.get("PQA_ARCHIVE_DIR", data_dir() / "archive"))


def backups_dir() -> Path:
    """Dated copies of the review log, and what a restore replaced (`PQA_BACKUP_DIR`, default
    data/backups). Point it at another disk to survive losing the data folder's."""
    return Path(os.environ.get("PQA_BACKUP_DIR", data_dir() / "backups"))


def raw_dir() -> Path:
    return data_dir() / "raw"


def inbox_dir() -> Path:
    """Where returns can be dropped for the next refresh to load (`PQA_INBOX_DIR`)."""
    return Path(os.environ.get("PQA_INBOX_DIR", raw_dir() / "inbox"))


def marts_dir() -> Path:
    """The published Parquet marts the dashboard reads (`PQA_MARTS_DIR`, default data/marts)."""
    return Path(os.environ.get("PQA_MARTS_DIR", data_dir() / "marts"))


def logs_dir() -> Path:
    """Refresh logs, dbt's log and the log of unexpected errors."""
    return Path(os.environ.get("PQA_LOGS_DIR", data_dir() / "logs"))


def refresh_lock_path() -> Path:
    """Held by the running refresh (an operating-system lock), with when it started."""
    return data_dir() / "refresh.lock"


def last_refresh_path() -> Path:
    """The latest refresh's record, readable without opening the warehouse (`pqa status`,
    the dashboard)."""
    return logs_dir() / "last-refresh.json"


def refresh_started_path() -> Path:
    """The latest refresh's start, written before it does anything: a start with no matching
    last-refresh.json is a run that never finished (`pqa status`)."""
    return logs_dir() / "refresh-started.json"


def review_log_path() -> Path:
    """The review log of flagged questions and their responses (`PQA_REVIEW_LOG`)."""
    return Path(os.environ.get("PQA_REVIEW_LOG", data_dir() / "review_log.sqlite"))


def work_dir() -> Path:
    """Scratch space the pipeline rebuilds at will."""
    return data_dir() / "build"


def dbt_target_dir() -> Path:
    """dbt's compiled SQL and its parse cache (`PQA_DBT_TARGET`, default data/build/dbt-target).
    dbt reuses the parse of the last run only when it finds it here, so this must stay the same
    from one refresh to the next; the test suite points every test's refresh at one folder."""
    return Path(os.environ.get("PQA_DBT_TARGET", work_dir() / "dbt-target"))

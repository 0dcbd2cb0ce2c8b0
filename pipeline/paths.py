"""Where the project keeps things. One home for every path; each can be moved with an
environment variable so tests, deployments and several partnerships can use their own."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_ROOT / "dbt_project" / "seeds"


def data_dir() -> Path:
    return Path(os.environ.get("PQA_DATA_DIR", PROJECT_ROOT / "data"))


def warehouse_path() -> Path:
    """The DuckDB file the pipeline writes (`PQA_WAREHOUSE`, default data/warehouse.duckdb)."""
    return Path(os.environ.get("PQA_WAREHOUSE", data_dir() / "warehouse.duckdb"))


def archive_dir() -> Path:
    """Accepted return files, kept unchanged and named by their content hash."""
    return Path(os.environ.get("PQA_ARCHIVE_DIR", data_dir() / "archive"))


def raw_dir() -> Path:
    return data_dir() / "raw"

"""The DuckDB warehouse: raw tables of accepted returns with their provenance.

DuckDB lets one process at a time open the file for writing. A second load, or a load while a
refresh holds the file, waits a little for it and then refuses with a clear message: the
warehouse is never written by two processes at once.
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from pipeline import paths

DEFAULT_WAIT_SECONDS = 10.0

SCHEMA = """
create schema if not exists raw;
create sequence if not exists raw.submission_ids start 1;
create table if not exists raw.submissions (
    submission_id integer primary key default nextval('raw.submission_ids'),
    agency varchar not null,
    area_code varchar not null,
    period varchar not null,
    file_name varchar not null,
    file_hash varchar not null,      -- sha256 of the file as received
    file_format varchar not null,    -- csv or xlsx
    archived_as varchar not null,    -- path of the unchanged copy, relative to the archive
    loaded_at timestamptz not null,
    loaded_by varchar not null,
    supersedes integer,              -- the submission this one replaces, if any
    figure_count integer not null
);
create table if not exists raw.return_figures (
    submission_id integer not null,
    source_row integer not null,
    indicator_code varchar not null,
    value double not null,
    numerator double,
    denominator double,
    notes varchar
);
create table if not exists raw.validation_queries (
    submission_id integer not null,
    rule_code varchar not null,
    sheet varchar,
    source_row integer,
    source_column varchar,
    indicator_code varchar,
    message varchar not null
);
create schema if not exists ops;
create table if not exists ops.refresh_runs (   -- one row per `pqa refresh`
    run_id varchar primary key,
    started_at timestamptz not null,
    finished_at timestamptz,
    as_of_date date not null,
    outcome varchar not null,        -- running, succeeded, failed, interrupted, ...
    failed_step varchar,
    problems varchar,
    step_seconds varchar,            -- JSON: seconds per step
    mart_rows varchar,               -- JSON: rows per published mart
    checks_passed integer,
    checks_failed integer
);
"""

# The submission that counts for each agency, area and period is the latest one loaded.
CURRENT_FIGURES = """
select s.area_code, f.indicator_code, s.period, f.value
from raw.return_figures f
join raw.submissions s using (submission_id)
where s.submission_id not in (select supersedes from raw.submissions where supersedes is not null)
"""


class WarehouseBusy(Exception):
    """Another process has the warehouse open."""


def _wait_seconds() -> float:
    return float(os.environ.get("PQA_LOCK_WAIT_SECONDS", DEFAULT_WAIT_SECONDS))


@contextmanager
def connect(path: Path | None = None, wait_seconds: float | None = None
            ) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse for writing, waiting up to `wait_seconds` while another process holds
    it, and make sure the raw tables exist. The file is closed on leaving the block."""
    path = path or paths.warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + (_wait_seconds() if wait_seconds is None else wait_seconds)
    while True:
        try:
            con = duckdb.connect(str(path))
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"the warehouse {path} is in use by another process (a load or a refresh). "
                    "Nothing was changed; try again when it has finished.") from None
            time.sleep(0.2)
    try:
        con.execute(SCHEMA)
        yield con
    finally:
        con.close()


def current_values(con: duckdb.DuckDBPyConnection, area_codes: set[str]
                   ) -> dict[tuple[str, str, str], float]:
    """(area, indicator, period) -> value of the submissions that count, for the given areas."""
    if not area_codes:
        return {}
    rows = con.execute(
        f"select * from ({CURRENT_FIGURES}) where area_code in (select unnest(?))",
        [sorted(area_codes)],
    ).fetchall()
    return {(area, code, period): value for area, code, period, value in rows}


def loaded_file(con: duckdb.DuckDBPyConnection, file_hash: str) -> tuple | None:
    """When and as what an identical file was loaded before, if it was."""
    return con.execute(
        "select min(submission_id), max(submission_id), min(loaded_at), count(*) "
        "from raw.submissions where file_hash = ? having count(*) > 0", [file_hash],
    ).fetchone()


def current_submission(con: duckdb.DuckDBPyConnection, agency: str, area: str, period: str
                       ) -> int | None:
    row = con.execute(
        "select max(submission_id) from raw.submissions "
        "where agency = ? and area_code = ? and period = ?", [agency, area, period],
    ).fetchone()
    return row[0] if row else None

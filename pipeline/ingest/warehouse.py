"""The DuckDB warehouse: raw tables of accepted returns with their provenance.

DuckDB lets one process at a time open the file for writing. A second load, or a load while a
refresh holds the file, waits a little for it and then refuses with a clear message: the
warehouse is never written by two processes at once.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipeline.core import paths

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
-- Published statistics (`pqa benchmarks`): reference data, apart from the returns, each
-- figure kept with the file it came from (pipeline/ingest/published/).
create schema if not exists benchmarks;
create sequence if not exists benchmarks.file_ids start 1;
create table if not exists benchmarks.files (
    file_id integer primary key default nextval('benchmarks.file_ids'),
    kind varchar not null,           -- figures (a tidy statistics file) or neighbours
    dataset varchar not null,        -- the kind of file; a newer file of a dataset replaces it
    file_name varchar not null,
    file_hash varchar not null,      -- sha256 of the file as imported
    imported_at timestamptz not null,
    imported_by varchar not null,
    source_rows integer not null,    -- rows read (authorities, for a neighbour file)
    figure_count integer not null,   -- rows stored
    first_period varchar,
    last_period varchar,
    supersedes integer               -- the file of the same dataset this one replaces, if any
);
create table if not exists benchmarks.figures (   -- one row per published figure
    file_id integer not null,
    source_row integer not null,
    geographic_level varchar not null,   -- National, Regional or Local authority
    area_code varchar not null,          -- country_code, region_code or new_la_code
    area_name varchar,
    old_la_code varchar,
    region_code varchar,
    country_code varchar,
    time_period varchar not null,        -- as published: 2025, 202425
    time_identifier varchar not null,    -- as published: Reporting year, Academic year
    period_kind varchar not null,        -- financial_year, academic_year, calendar_year, ...
    year varchar not null,               -- like 2024-25
    financial_year varchar,              -- like 2024-25, only for financial years
    period_in_words varchar not null,    -- the year ending 31 March 2025 (financial year 2024-25)
    filters varchar not null,            -- 'name=value; name=value', sorted by name
    measure varchar not null,
    value double,                        -- null when the file gives a symbol instead
    symbol varchar,                      -- c, k, low, u, x, z, : or blank: why there is no value
    check ((value is null) <> (symbol is null))
);
create table if not exists benchmarks.neighbours (   -- statistical-neighbour models
    file_id integer not null,
    model varchar not null,              -- the model's year: 2021, 2025
    source_row integer not null,
    area_old_code varchar not null,      -- the authority's three-digit code
    area_name varchar,
    neighbour_rank integer not null,     -- 1 is the closest
    neighbour_old_code varchar not null,
    closeness varchar
);
-- The submission that counts for each agency, area and quarter: the latest loaded (ids only
-- grow; earlier ones stay as history). The one definition of it: `pqa load` reads this view,
-- and dbt reads it as a source (stg_returns__current_submissions). "If not exists", as for the
-- tables: opening a warehouse never rewrites it (a changed definition needs a migration).
create view if not exists raw.current_submissions as
select * from raw.submissions
qualify row_number() over (
    partition by agency, area_code, period order by submission_id desc
) = 1;
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

# The figures that count: those of each agency, area and quarter's current submission.
CURRENT_FIGURES = """
select s.area_code, f.indicator_code, s.period, f.value
from raw.return_figures f
join raw.current_submissions s using (submission_id)
"""


class WarehouseBusy(Exception):
    """Another process has the warehouse open."""


def _wait_seconds() -> float:
    return float(os.environ.get("PQA_LOCK_WAIT_SECONDS", DEFAULT_WAIT_SECONDS))


@contextmanager
def connect(
    path: Path | None = None, wait_seconds: float | None = None
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
                    "Nothing was changed; try again when it has finished."
                ) from None
            time.sleep(0.2)
    try:
        con.execute(SCHEMA)
        yield con
    finally:
        con.close()


@contextmanager
def connect_in_memory() -> Iterator[duckdb.DuckDBPyConnection]:
    """An empty warehouse in memory, with the raw tables, for checking a file against nothing."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(SCHEMA)
        yield con
    finally:
        con.close()


def current_values(
    con: duckdb.DuckDBPyConnection, area_codes: set[str]
) -> dict[tuple[str, str, str], float]:
    """(area, indicator, period) -> value of the submissions that count, for the given areas."""
    if not area_codes:
        return {}
    rows = con.execute(
        f"select * from ({CURRENT_FIGURES}) where area_code in (select unnest(?))",
        [sorted(area_codes)],
    ).fetchall()
    return {(area, code, period): value for area, code, period, value in rows}


def loaded_files(con: duckdb.DuckDBPyConnection, file_hashes: set[str]) -> dict[str, tuple]:
    """For files loaded before: hash -> (first and last submission id, when, submissions)."""
    if not file_hashes:
        return {}
    rows = con.execute(
        "select file_hash, min(submission_id), max(submission_id), min(loaded_at), count(*) "
        "from raw.submissions where file_hash in (select unnest(?)) group by file_hash",
        [sorted(file_hashes)],
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


def current_submissions(
    con: duckdb.DuckDBPyConnection, keys: set[tuple[str, str, str]]
) -> dict[tuple[str, str, str], int]:
    """(agency, area, period) -> the submission that counts now, for those that have one."""
    if not keys:
        return {}
    rows = con.execute(
        "select agency, area_code, period, submission_id from raw.current_submissions "
        "where agency || '|' || area_code || '|' || period in (select unnest(?))",
        [sorted("|".join(k) for k in keys)],
    ).fetchall()
    return {(agency, area, period): submission for agency, area, period, submission in rows}


def archived_files(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every archived file a committed load recorded (relative to the archive)."""
    return {
        row[0] for row in con.execute("select distinct archived_as from raw.submissions").fetchall()
    }

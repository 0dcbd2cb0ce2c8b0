"""Backups and restores, so that no response and no accepted return is ever lost.

- The review log (the executive group's responses) is copied with SQLite's backup API after
  every change and every refresh, into data/backups/review_log/ (`PQA_BACKUP_DIR`), one file
  per copy named by the UTC time it was taken, kept as RETENTION below says.
- The warehouse's returns need no copy of their own: the archive keeps every accepted file with
  its provenance (pipeline/ingest/archive.py), and `pqa restore warehouse` rebuilds the raw tables
  from it: the same submissions, ids, corrections, figures and queries.
- A restore never deletes: what it replaces is kept in data/backups/replaced/.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from pipeline.core import paths
from pipeline.ingest import archive

# How long review-log copies are kept: every copy for KEEP_EVERY_DAYS, then the last copy of
# each day until KEEP_DAILY_DAYS, and always the newest KEEP_AT_LEAST whatever their age.
KEEP_EVERY_DAYS = 7
KEEP_DAILY_DAYS = 90
KEEP_AT_LEAST = 10
REVIEW_LOG_TABLES = {"flags", "reviews", "review_history"}
# Tables a rebuild carries over from the old warehouse when it can still be read: published
# statistics (pipeline/benchmarks) and the refresh run log. dbt's schemas are rebuilt by a refresh.
CARRIED_TABLES = (
    "benchmarks.files",
    "benchmarks.figures",
    "benchmarks.neighbours",
    "ops.refresh_runs",
)


class RestoreError(Exception):
    """A restore that cannot be done; nothing was changed (the message says why)."""


def review_log_backups() -> Path:
    return paths.backups_dir() / "review_log"


def replaced_dir() -> Path:
    """What restores replaced, kept rather than deleted."""
    return paths.backups_dir() / "replaced"


def _stamp(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(2)}"


def _taken_at(path: Path) -> datetime:
    """The time in a backup's name (review_log-20261122T101500123456Z-ab12.sqlite)."""
    text = path.name.split("-")[1]
    return datetime.strptime(text, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)


# --- The review log -------------------------------------------------------------------------


def back_up_review_log(con: sqlite3.Connection, now: datetime | None = None) -> Path | None:
    """Copy the open review log, consistent at one moment, then prune old copies. A copy that
    cannot be written (a full disk) must not undo the change already saved: it is noted in
    the error log and None returned."""
    now = now or datetime.now(UTC)
    folder = review_log_backups()
    target = folder / f"review_log-{_stamp(now)}.sqlite"
    partial = target.with_name(target.name + ".partial")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(partial)) as copy:
            con.backup(copy)
            copy.execute("pragma journal_mode = delete")  # one self-contained file
        os.replace(partial, target)
        prune(folder, now)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        _note_failure(f"the review log could not be backed up to {folder}: {exc}")
        return None
    return target


def prune(folder: Path, now: datetime) -> list[Path]:
    """Delete the copies RETENTION no longer keeps; returns them."""
    copies = sorted(folder.glob("review_log-*.sqlite"), reverse=True)  # newest first
    kept_days: set[str] = set()
    removed = []
    for n, copy in enumerate(copies):
        taken = _taken_at(copy)
        age = now - taken
        day = f"{taken:%Y-%m-%d}"
        keep = (
            n < KEEP_AT_LEAST
            or age <= timedelta(days=KEEP_EVERY_DAYS)
            or (age <= timedelta(days=KEEP_DAILY_DAYS) and day not in kept_days)
        )
        kept_days.add(day)
        if not keep:
            for part in _sqlite_files(copy):
                part.unlink(missing_ok=True)
            removed.append(copy)
    return removed


@dataclass
class ReviewLogCopy:
    path: Path
    flags: int
    responses: int  # flags with an owner, response or impact recorded
    changes: int


def describe_review_log(path: Path) -> ReviewLogCopy:
    """What a review-log file holds, after checking it is whole; RestoreError if it is not a
    review log or is damaged."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
            if con.execute("pragma integrity_check").fetchone()[0] != "ok":
                raise RestoreError(f"{path} is damaged (SQLite's integrity check failed)")
            tables = {r[0] for r in con.execute("select name from sqlite_master")}
            if not tables >= REVIEW_LOG_TABLES:
                raise RestoreError(
                    f"{path} is not a review log (it has no "
                    f"{', '.join(sorted(REVIEW_LOG_TABLES - tables))} table)"
                )
            flags, responses = con.execute(
                "select count(*), count(*) filter (where coalesce(owner, response, impact) "
                "is not null) from reviews"
            ).fetchone()
            changes = con.execute("select count(*) from review_history").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise RestoreError(f"{path} cannot be read as a review log ({exc})") from None
    return ReviewLogCopy(path, flags, responses, changes)


def list_review_log_backups() -> list[Path]:
    """Newest first."""
    return sorted(review_log_backups().glob("review_log-*.sqlite"), reverse=True)


def restore_review_log(source: Path | None = None) -> tuple[ReviewLogCopy, Path | None]:
    """Put a copy back as the review log: `source`, or the newest backup. The log it replaces
    is kept in data/backups/replaced/ (returned), even when it is damaged."""

    if source is None:
        copies = list_review_log_backups()
        if not copies:
            raise RestoreError(f"there are no review-log backups in {review_log_backups()}")
        source = copies[0]
    if not source.is_file():
        raise RestoreError(f"there is no file at {source}")
    copy = describe_review_log(source)
    live = paths.review_log_path()
    kept = _keep_replaced_review_log(live)
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src:
        try:  # in place, so a dashboard reading the log meanwhile sees old or new, never half
            with closing(sqlite3.connect(live, timeout=30)) as target:
                src.backup(target)
        except sqlite3.DatabaseError:  # the live file is damaged beyond writing into: replace it
            for part in _sqlite_files(live):
                part.unlink(missing_ok=True)
            with closing(sqlite3.connect(live)) as target:
                src.backup(target)
    return copy, kept


def _keep_replaced_review_log(live: Path) -> Path | None:
    """Keep the log a restore is about to replace: a clean copy if SQLite can read it, else
    its files exactly as they are."""
    if not live.exists():
        return None
    folder = replaced_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"review_log-{_stamp(datetime.now(UTC))}.sqlite"
    try:
        with (
            closing(sqlite3.connect(f"file:{live}?mode=ro", uri=True)) as con,
            closing(sqlite3.connect(target)) as copy,
        ):
            con.execute("pragma quick_check").fetchone()
            con.backup(copy)
            copy.execute("pragma journal_mode = delete")
    except sqlite3.DatabaseError:
        target.unlink(missing_ok=True)
        for part in _sqlite_files(live):
            shutil.copy2(part, target.with_name(target.name + part.name[len(live.name) :]))
    return target


def _sqlite_files(path: Path) -> list[Path]:
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]


# --- The warehouse --------------------------------------------------------------------------


def write_missing_provenance(con: duckdb.DuckDBPyConnection) -> int:
    """Write the provenance of every submission the warehouse holds whose archived file has
    none yet (files archived before provenance was kept). Returns how many were written."""
    have = {p.archived_as for p in archive.provenance_records()}
    rows = con.execute(
        "select s.archived_as, s.file_hash, s.file_name, s.file_format, s.loaded_at, "
        "s.loaded_by, s.submission_id, s.agency, s.area_code, s.period, s.supersedes, "
        "s.figure_count from raw.submissions s order by s.submission_id"
    ).fetchall()
    records: dict[str, archive.Provenance] = {}
    for (
        archived_as,
        file_hash,
        name,
        fmt,
        at,
        by,
        sid,
        agency,
        area,
        period,
        supersedes,
        count,
    ) in rows:
        if archived_as in have:
            continue
        record = records.setdefault(
            archived_as,
            archive.Provenance(archived_as, file_hash, name, fmt, at.astimezone(UTC), by, []),
        )
        record.submissions.append(
            {
                "submission_id": sid,
                "agency": agency,
                "area_code": area,
                "period": period,
                "supersedes": supersedes,
                "figure_count": count,
                "figures": [
                    list(r)
                    for r in con.execute(
                        "select source_row, indicator_code, value, numerator, denominator, notes"
                        " from raw.return_figures where submission_id = ? order by rowid",
                        [sid],
                    ).fetchall()
                ],
                "queries": [
                    list(r)
                    for r in con.execute(
                        "select rule_code, sheet, source_row, source_column, indicator_code,"
                        " message from raw.validation_queries where submission_id = ?"
                        " order by rowid",
                        [sid],
                    ).fetchall()
                ],
            }
        )
    for record in records.values():
        archive.write_provenance(record)
    return len(records)


@dataclass
class WarehouseRestore:
    submissions: int
    files: int
    carried: list[str] = field(default_factory=list)  # tables kept from the old warehouse
    problems: list[str] = field(default_factory=list)  # archived files missing or changed
    replaced: Path | None = None


def restore_warehouse() -> WarehouseRestore:
    """Rebuild the warehouse's returns from the archive and its provenance into a new file,
    carry over published statistics and the run log if the old file can still be read, keep
    the old file in data/backups/replaced/, and put the new one in its place. A refresh then
    rebuilds the marts."""
    from pipeline.ingest import warehouse

    path = paths.warehouse_path()
    carried, sequences = {}, {"benchmarks.file_ids": 1}
    if path.exists():
        try:
            with warehouse.connect(path) as old:
                write_missing_provenance(old)
                carried = {
                    t: old.sql(f"select * from {t}").to_arrow_table() for t in CARRIED_TABLES
                }
                sequences["benchmarks.file_ids"] = old.execute(
                    "select coalesce(max(file_id), 0) + 1 from benchmarks.files"
                ).fetchone()[0]
        except warehouse.WarehouseBusy:
            raise
        except duckdb.Error:
            carried = {}  # damaged: the archive alone is what we have
    records = sorted(
        archive.provenance_records(), key=lambda r: min(s["submission_id"] for s in r.submissions)
    )
    if not records and not carried:
        raise RestoreError(
            f"the archive {paths.archive_dir()} holds no provenance to rebuild "
            "from; nothing was changed"
        )
    fresh = path.with_name(path.name + ".restoring")
    for part in (fresh, Path(f"{fresh}.wal")):
        part.unlink(missing_ok=True)
    result = _build(fresh, records, carried, sequences)
    result.replaced = _keep_replaced_warehouse(path)
    os.replace(fresh, path)
    return result


def _build(
    target: Path, records: list[archive.Provenance], carried: dict, sequences: dict[str, int]
) -> WarehouseRestore:
    from pipeline.ingest import load, warehouse

    submissions, figures, queries, problems = [], [], [], []
    for r in records:
        if archive.file_hash_of(r.archived_as) != r.file_hash:
            problems.append(
                f"the archived copy of {r.file_name} ({r.archived_as}) is missing "
                "or changed; its figures were restored from its provenance"
            )
        for s in r.submissions:
            submissions.append(
                (
                    s["submission_id"],
                    s["agency"],
                    s["area_code"],
                    s["period"],
                    r.file_name,
                    r.file_hash,
                    r.file_format,
                    r.archived_as,
                    r.loaded_at,
                    r.loaded_by,
                    s["supersedes"],
                    s["figure_count"],
                )
            )
            figures += [(s["submission_id"], *row) for row in s["figures"]]
            queries += [(s["submission_id"], *row) for row in s["queries"]]
    submissions.sort()
    next_id = max((row[0] for row in submissions), default=0) + 1
    with closing(duckdb.connect(str(target))) as con:
        # sequences first, so the schema's "if not exists" keeps them and new ids follow on
        con.execute(
            f"create schema raw; create schema benchmarks; "
            f"create sequence raw.submission_ids start {next_id}; "
            f"create sequence benchmarks.file_ids start "
            f"{sequences['benchmarks.file_ids']}"
        )
        con.execute(warehouse.SCHEMA)
        for table, rows, schema in (
            ("raw.submissions", submissions, load.SUBMISSION_COLUMNS),
            ("raw.return_figures", figures, load.FIGURE_COLUMNS),
            ("raw.validation_queries", queries, load.QUERY_COLUMNS),
        ):
            if rows:
                load.insert_rows(con, table, load.rows_table(rows, schema))
        for table, rows in carried.items():
            if rows.num_rows:
                load.insert_rows(con, table, rows)
        con.execute("checkpoint")
    return WarehouseRestore(len(submissions), len(records), sorted(carried), problems)


def _keep_replaced_warehouse(path: Path) -> Path | None:
    if not path.exists():
        return None
    folder = replaced_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"warehouse-{_stamp(datetime.now(UTC))}.duckdb"
    for part in (path, Path(f"{path}.wal")):
        if part.exists():
            shutil.move(part, target.with_name(target.name + part.name[len(path.name) :]))
    return target


def _note_failure(line: str) -> None:
    try:
        log = paths.logs_dir() / "pqa-errors.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"--- {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC {line}\n")
    except OSError:
        pass  # the disk is full: the change itself is saved, which is what matters

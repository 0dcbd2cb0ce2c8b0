"""`pqa refresh`: load the inbox, build the dbt project, check the marts with Great
Expectations, and publish them to data/marts/ all at once, or not at all.

Safety, in the order a run meets it:
- one refresh at a time: an OS lock on data/refresh.lock, released by the kernel however the
  process ends, so a killed run never leaves a lock that blocks the next one;
- the warehouse stays open in this process for the whole run, so no load slips in between
  two models (dbt's own connections share it) and it is released at the end;
- nothing is published unless every dbt model builds and every expectation passes; publishing is
  one folder exchange (pipeline/publish/marts.py);
- every run is recorded in ops.refresh_runs; a run that was killed is marked interrupted by the
  next one. Its start is also written to data/logs/refresh-started.json before anything else,
  so `pqa status` can tell a run that started and never finished (killed, out of memory or
  disk) without opening the warehouse;
- the inbox is taken file by file (pipeline/ingest/inbox.py): a bad file is refused, never stops the
  run; an unexpected failure of any step is recorded as this run's failure, with what the
  inbox step loaded, rather than escaping as "nothing was changed".
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from pipeline.core import paths
from pipeline.core.catalogue import load_catalogue
from pipeline.flags import review_log
from pipeline.flags.current import SERIES_COLUMNS, flags_table, periods_judged, raise_flags
from pipeline.ingest import inbox, warehouse
from pipeline.ingest.inbox import InboxFile
from pipeline.publish import marts as publish
from pipeline.quality import expectations as quality
from pipeline.transform import dbt as transform

SUCCEEDED = "succeeded"
PUBLISHED_WITH_REFUSED_RETURNS = "published; some inbox returns refused"
FAILED = "failed"


class RefreshRunning(Exception):
    """Another refresh holds the lock."""


class StepFailed(Exception):
    """A step found a problem that stops publishing (the message says what)."""


@dataclass
class RefreshReport:
    run_id: str
    started_at: datetime
    as_of: date
    finished_at: datetime | None = None
    outcome: str = "running"
    failed_step: str | None = None
    problems: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # worth knowing, not a failure
    unexpected: bool = False  # failed on an error the program did not foresee (see the log)
    step_seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    inbox: list[InboxFile] = field(default_factory=list)
    quality: quality.QualityReport | None = None
    coverage: dict = field(default_factory=dict)

    @property
    def published(self) -> bool:
        return self.outcome in (SUCCEEDED, PUBLISHED_WITH_REFUSED_RETURNS)

    @property
    def total_seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds() if self.finished_at else 0.0

    def as_record(self) -> dict:
        """What the run log and last-refresh.json keep of a run."""
        return {
            "run_id": self.run_id,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "as_of_date": self.as_of.isoformat(),
            "outcome": self.outcome,
            "failed_step": self.failed_step,
            "problems": self.problems,
            "notices": self.notices,
            "step_seconds": self.step_seconds,
            "rows": self.rows,
            "coverage": self.coverage,
            "inbox": [f.as_record() for f in self.inbox],
            "checks": self.quality.summary() if self.quality else None,
        }


@contextmanager
def refresh_lock(started_at: datetime) -> Iterator[None]:
    path = paths.refresh_lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as lock:
        if not _take(lock):
            lock.seek(0)
            holder = lock.read().strip() or "an unknown time"
            raise RefreshRunning(
                f"a refresh is already running (started at {holder}). "
                "Nothing was changed; this run stopped."
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"{started_at:%Y-%m-%d %H:%M:%S} UTC, process {os.getpid()}\n")
        lock.flush()
        yield


def _take(lock) -> bool:
    """The exclusive lock, tried for a second: `pqa status` may hold a shared one for an
    instant while it looks."""
    for _ in range(10):
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            time.sleep(0.1)
    return False


def refresh(today: date | None = None, loaded_by: str | None = None) -> RefreshReport:
    started_at = datetime.now(UTC)
    run_id = f"{started_at:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
    report = RefreshReport(run_id, started_at, today or date.today())
    with refresh_lock(started_at):
        _write_record(paths.refresh_started_path(), report)  # first, so a dead run is seen
        publish.clear_leftovers(paths.marts_dir())
        with warehouse.connect() as con:
            _record_start(con, report)
            try:
                _run_steps(con, report, loaded_by)
            except StepFailed as exc:
                report.outcome, report.problems = FAILED, report.problems + [str(exc)]
            except Exception as exc:  # recorded as this run's failure, with what it loaded
                report.outcome, report.unexpected = FAILED, True
                step = f" at the step '{report.failed_step}'" if report.failed_step else ""
                report.problems.append(
                    f"unexpected error{step}: {type(exc).__name__}: {exc} "
                    f"(details in {paths.logs_dir() / 'refresh.log'})"
                )
                _log(f"{run_id} unexpected error:\n{traceback.format_exc()}")
            finally:
                if report.outcome == "running":  # stopped by Ctrl-C or a signal
                    report.outcome = "interrupted"
                report.finished_at = datetime.now(UTC)
                _record_end(con, report)
                _write_record(paths.last_refresh_path(), report)
    return report


def _run_steps(con, report: RefreshReport, loaded_by: str | None) -> None:
    suites = quality.load_suites()
    with _step(report, "review log"):  # first, as a lost log fails the run: seconds, not minutes
        _check_review_log()
    with quality.Checker(suites) as checker:  # gets ready while the inbox and dbt run
        _build_check_publish(con, report, loaded_by, suites, checker)


def _build_check_publish(
    con, report: RefreshReport, loaded_by: str | None, suites: list[dict], checker
) -> None:
    with _step(report, "load inbox"):
        report.inbox = _take_inbox(report, loaded_by)
    with _step(report, "dbt build"):
        outcome = transform.build(report.as_of)
        if not outcome.success:
            report.problems += outcome.problems
            raise StepFailed(
                f"dbt build failed ({len(outcome.problems)} problem(s)); "
                "the published marts were left as they were"
            )
    with _step(report, "read marts"):
        tables = {
            name: publish.read_table(con, table)
            for name, (table, _) in publish.PUBLISHED_MARTS.items()
        }
        read = {table: tables[name] for name, (table, _) in publish.PUBLISHED_MARTS.items()}
        checker.check(  # checked while the flags are raised
            {
                table: read[table] if table in read else publish.read_table(con, table)
                for table in quality.tables_validated(suites)
                if table != publish.FLAGS
            }
        )
        report.coverage = _coverage(con)
    with _step(report, "flags"):
        return_status = tables["return_status"].to_pylist()
        raised = raise_flags(
            tables["indicator_quarterly"].select(SERIES_COLUMNS).to_pylist(),
            return_status,
            load_catalogue(),
            tables["reconciliation"].to_pylist(),
            tables["benchmarks"].to_pylist(),
        )
        judged = periods_judged(return_status)
        tables[publish.FLAGS] = flags_table(
            review_log.flags_with_reviews(raised, _stamp(report.started_at), judged)
        )
        checker.check({publish.FLAGS: tables[publish.FLAGS]})
    with _step(report, "expectations"):
        report.quality = checker.report()
        if not report.quality.success:
            report.problems += [
                f"{o.suite}: {o.description} ({o.unexpected_count} rows; for example {o.examples})"
                for o in report.quality.failed
            ]
            raise StepFailed(
                f"{len(report.quality.failed)} expectation(s) failed; the "
                "published marts were left as they were"
            )
    with _step(report, "publish"):
        import pyarrow as pa

        tables[publish.EXPECTATION_RESULTS] = pa.Table.from_pandas(
            report.quality.to_frame(), preserve_index=False
        )
        report.rows = {name: table.num_rows for name, table in tables.items()}
        target = paths.marts_dir()
        _check_review_log()  # again: the log may have gone while the run was building
        release = publish.release_folder(target, report.run_id)
        publish.write_release(release, tables, _manifest(report))
        # before the swap: published flags must always have their reviews (safe to repeat)
        review_log.record_flags(raised, report.run_id, _stamp(report.started_at), judged)
        kept = publish.swap_into_place(release, target)
    if kept:
        report.notices.append(
            f"{target} holds file(s) the refresh does not write: {', '.join(kept)}. They were "
            "kept, but that folder is for the published marts: keep your own files elsewhere"
        )
    refused = [f for f in report.inbox if f.outcome in (inbox.REFUSED, inbox.DELETED)]
    report.outcome = PUBLISHED_WITH_REFUSED_RETURNS if refused else SUCCEEDED


def _check_review_log() -> None:
    """A deleted or replaced review log must not republish every flag as open."""
    try:
        review_log.check_nothing_lost(paths.marts_dir() / f"{publish.FLAGS}.parquet")
    except review_log.ReviewLogLost as exc:
        raise StepFailed(str(exc)) from None


@contextmanager
def _step(report: RefreshReport, name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    except Exception:
        report.failed_step = name
        raise
    finally:
        report.step_seconds[name] = round(time.perf_counter() - start, 3)


def _take_inbox(report: RefreshReport, loaded_by: str | None) -> list[InboxFile]:
    """Take the inbox, and say in the run log, the problems and the notices what became of
    each file (a refused file is a problem even if a later step fails)."""
    handled = inbox.take(loaded_by, report.as_of)
    for f in handled:
        _log(
            f"{report.run_id} inbox {f.name}: {f.outcome}, {f.detail} ({f.where_in_words()})"
            + (f"\n{f.failure}" if f.failure else "")
        )
        if f.outcome in (inbox.REFUSED, inbox.DELETED):
            report.problems.append(
                f"inbox return {f.name} refused ({f.where_in_words()}): {f.detail}"
            )
        elif f.outcome == inbox.LEFT:
            report.notices.append(f"inbox file {f.name} left for the next refresh: {f.detail}")
    return handled


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _coverage(con) -> dict:
    """What the published data covers."""
    first, last, areas, agencies, submissions = con.sql(
        "select min(period), max(period), count(distinct area_code), count(distinct agency), "
        "count(*) from intermediate.int_submissions where is_current"
    ).fetchall()[0]
    latest = con.sql("select max(period) from marts.dim_periods where is_latest_ended").fetchall()[
        0
    ][0]
    return {
        "first_period": first,
        "last_period": last,
        "latest_ended_quarter": latest,
        "areas": areas,
        "agencies": agencies,
        "returns_counted": submissions,
    }


def _manifest(report: RefreshReport) -> dict:
    return {
        "run_id": report.run_id,
        "refreshed_at": report.started_at.isoformat(),
        "as_of_date": report.as_of.isoformat(),
        "coverage": report.coverage,
        "step_seconds": report.step_seconds,
        "validation": report.quality.summary(),
    }


RUN_LOG = """
insert into ops.refresh_runs (run_id, started_at, as_of_date, outcome)
values (?, ?, ?, 'running')
"""


def _record_start(con, report: RefreshReport) -> None:
    con.execute(
        "update ops.refresh_runs set outcome = 'interrupted' where outcome = 'running'"
    )  # we hold the lock: those runs were killed
    con.execute(RUN_LOG, [report.run_id, report.started_at, report.as_of])
    _log(f"{report.run_id} started (as of {report.as_of})")


def _record_end(con, report: RefreshReport) -> None:
    checks = report.quality
    con.execute(
        "update ops.refresh_runs set finished_at = ?, outcome = ?, failed_step = ?, "
        "problems = ?, step_seconds = ?, mart_rows = ?, checks_passed = ?, checks_failed = ? "
        "where run_id = ?",
        [
            report.finished_at,
            report.outcome,
            report.failed_step,
            "\n".join(report.problems),
            json.dumps(report.step_seconds),
            json.dumps(report.rows),
            checks.passed if checks else None,
            len(checks.failed) if checks else None,
            report.run_id,
        ],
    )
    _log(
        f"{report.run_id} {report.outcome} in {report.total_seconds:.1f} s "
        f"{json.dumps(report.step_seconds)}" + "".join(f"\n  {p}" for p in report.problems)
    )


def _write_record(path: Path, report: RefreshReport) -> None:
    """The run's record, replaced in one step (a reader never sees half of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(
        json.dumps(report.as_record(), indent=2, default=str) + "\n", encoding="utf-8"
    )
    os.replace(partial, path)


def _log(line: str) -> None:
    log = paths.logs_dir() / "refresh.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a", encoding="utf-8") as f:
        f.write(f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC {line}\n")

"""The review log: every flag ever raised, and what the executive group did with it.

It is a SQLite file of its own (data/review_log.sqlite, `PQA_REVIEW_LOG`), outside what a
refresh rebuilds and outside the warehouse a refresh holds, so the dashboard and the command
line can record responses at any time. Every change is one transaction and adds a row to the
history; nothing is ever deleted. Each review carries a version number: a change made on the
strength of an older version is refused (ReviewConflict), so two people editing the same flag
never silently overwrite each other. When another change holds the log for longer than
WAIT_SECONDS, the change is refused as ReviewLogBusy ("try again"), never half made.

After every change (and so after every refresh) the log is copied to data/backups/review_log/
(pipeline/publish/backup.py), and a refresh will not publish while flags already published are
missing from the log (deleted, replaced): that would show every question as open with no response.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from pipeline.core import paths
from pipeline.flags import STATUSES
from pipeline.flags.current import still_judged, with_reading
from pipeline.flags.engine import Flag
from pipeline.publish import backup

# Where a flag can go from each status (closing never deletes; a closed flag can be reopened).
NEXT_STATUSES = {
    "open": {"response requested", "answered", "closed"},
    "response requested": {"answered", "closed", "open"},
    "answered": {"closed", "response requested"},
    "closed": {"open"},
}
REFRESH = "pqa refresh"
# Set to "yes" to publish even though published flags are missing from the review log: only
# when no backup holds them and their responses are known to be lost (docs/keep.md).
ACCEPT_LOST_REVIEWS = "PQA_ACCEPT_LOST_REVIEWS"
NO_LONGER_INDICATED = "no longer indicated by the data"

SCHEMA = """
create table if not exists flags (
    flag_id text primary key,
    area_code text not null,
    indicator_code text,
    agency text not null,
    period text not null,
    rule text not null,
    severity text not null,
    direction text not null,
    question text not null,
    evidence text not null,
    first_raised_at text not null,
    first_raised_run text not null,
    last_indicated_run text not null,
    indicated integer not null,         -- 0 once the data no longer raises it
    no_longer_indicated_since text
);
create table if not exists reviews (
    flag_id text primary key references flags (flag_id),
    status text not null,
    owner text,
    response text,
    impact text,
    version integer not null,
    updated_at text not null,
    updated_by text not null
);
create table if not exists review_history (
    change_id integer primary key autoincrement,
    flag_id text not null references flags (flag_id),
    version integer not null,
    changed_at text not null,
    changed_by text not null,
    status text not null,
    owner text,
    response text,
    impact text,
    note text
);
"""


class ReviewError(Exception):
    """A change that cannot be made (unknown flag, unknown status, a move not allowed)."""


class ReviewConflict(ReviewError):
    """Someone else changed the flag since the version the change was based on."""


class ReviewLogBusy(Exception):
    """Someone else held the review log for longer than WAIT_SECONDS: nothing was changed."""


WAIT_SECONDS = 30.0  # how long a change waits for another one to finish before giving up
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6


class ReviewLogDamaged(ReviewError):
    """The review log's file cannot be read as a database: restore a copy."""


class ReviewLogLost(ReviewError):
    """Flags already published are missing from the review log."""


def log_path() -> Path:
    return paths.review_log_path()


@contextmanager
def connect() -> Iterator[sqlite3.Connection]:
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with closing(sqlite3.connect(path, timeout=WAIT_SECONDS, isolation_level=None)) as con:
            con.row_factory = sqlite3.Row
            con.execute("pragma journal_mode = wal")
            con.execute("pragma foreign_keys = on")
            con.executescript(SCHEMA)
            yield con
    except sqlite3.OperationalError as exc:
        if (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in (_SQLITE_BUSY, _SQLITE_LOCKED):
            raise ReviewLogBusy(
                f"the review log ({path.name}) is busy: someone else is recording a change or a "
                f"refresh is recording flags, and it did not finish within {WAIT_SECONDS:.0f} "
                "seconds. Nothing was changed; try again in a minute."
            ) from exc
        raise
    except sqlite3.DatabaseError as exc:  # not a database, or malformed: say how to get it back
        raise ReviewLogDamaged(
            f"the review log ({path}) is damaged and cannot be read ({exc}). Nothing was changed. "
            "Put back its latest copy with `pqa restore review-log` (`pqa restore list` shows "
            "the copies); the damaged file is kept."
        ) from exc


@contextmanager
def _transaction(con: sqlite3.Connection) -> Iterator[None]:
    con.execute("begin immediate")  # take the write lock now: no lost updates
    try:
        yield
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


@contextmanager
def _change(con: sqlite3.Connection) -> Iterator[None]:
    """A change to the log: one transaction, then a dated copy of the whole log."""
    with _transaction(con):
        yield
    backup.back_up_review_log(con)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def flags_with_reviews(current: list[Flag], raised_at: str, judged: set[str]) -> list[dict]:
    """What flags.parquet publishes: every flag the data raises now, and every flag raised
    before, each with its review (open if none yet). An earlier flag for a quarter judged
    again that the data no longer raises is marked so; one older than the quarters judged
    keeps what was last recorded."""
    with connect() as con:
        known = {
            r["flag_id"]: dict(r)
            for r in con.execute("select * from flags left join reviews using (flag_id)")
        }
    # a new flag reads as record_flags will record it, so the next refresh publishes the same
    new_review = {
        "status": "open",
        "version": 1,
        "updated_at": raised_at,
        "updated_by": REFRESH,
        "first_raised_at": raised_at,
    }
    rows = []
    for flag in current:
        before = known.pop(flag.flag_id, None) or new_review
        rows.append(
            {
                **_flag_columns(flag),
                "indicated": True,
                "first_raised_at": before["first_raised_at"],
                **_review_columns(before),
            }
        )
    for before in known.values():
        indicated = bool(before["indicated"]) and not still_judged(before, judged)
        rows.append(
            {
                **{k: before[k] for k in _FLAG_FIELDS},
                "indicated": indicated,
                "first_raised_at": before["first_raised_at"],
                **_review_columns(before),
            }
        )
    return with_reading(rows, judged)


_FLAG_FIELDS = (
    "flag_id",
    "area_code",
    "indicator_code",
    "agency",
    "period",
    "rule",
    "severity",
    "direction",
    "question",
    "evidence",
)


def _flag_columns(flag: Flag) -> dict:
    columns = asdict(flag)
    columns["evidence"] = json.dumps(flag.evidence, sort_keys=True, default=str)
    return columns


def _review_columns(row: dict) -> dict:
    return {
        "status": row["status"],
        "owner": row.get("owner"),
        "response": row.get("response"),
        "impact": row.get("impact"),
        "review_version": row["version"],
        "updated_at": row["updated_at"],
        "updated_by": row["updated_by"],
    }


def record_flags(current: list[Flag], run_id: str, raised_at: str, judged: set[str]) -> None:
    """When a refresh publishes: add new flags (open), refresh the wording of flags still
    raised, and mark those the data no longer raises (among the quarters it judged again);
    keep every review. Running it twice for the same refresh changes nothing more."""
    with connect() as con, _change(con):
        indicated = {
            r["flag_id"]
            for r in con.execute("select flag_id, rule, period from flags where indicated = 1")
            if still_judged(dict(r), judged)
        }
        for flag in current:
            _record_one(con, flag, run_id, raised_at)
        for flag_id in indicated - {f.flag_id for f in current}:
            con.execute(
                "update flags set indicated = 0, no_longer_indicated_since = ? where flag_id = ?",
                [raised_at, flag_id],
            )
            _note(con, flag_id, f"{NO_LONGER_INDICATED} (refresh {run_id})", raised_at)


def check_nothing_lost(published_flags: Path) -> None:
    """Before a refresh publishes: refuse (ReviewLogLost) if flags published now are missing
    from the log. Every published flag was recorded before it was published, so a missing one
    means the log was deleted or replaced, and publishing would drop its response."""
    if not published_flags.is_file() or os.environ.get(ACCEPT_LOST_REVIEWS) == "yes":
        return
    import pyarrow.parquet as pq

    published = pq.read_table(published_flags, columns=["flag_id", "review_version"])
    with connect() as con:
        known = {r[0] for r in con.execute("select flag_id from flags")}
    missing = [
        (f, v)
        for f, v in zip(published["flag_id"].to_pylist(), published["review_version"].to_pylist())
        if f not in known
    ]
    if missing:
        reviewed = sum(1 for _, version in missing if version > 1)
        raise ReviewLogLost(
            f"the review log {log_path()} is missing {len(missing)} of the "
            f"{published.num_rows} flags published now ({reviewed} of them with a recorded "
            "review): it has been deleted or replaced. Nothing was published, so no response "
            "is lost. Put the log back with `pqa restore review-log` (`pqa restore list` "
            "shows the backups), then refresh again. Only if no backup holds them, set "
            f"{ACCEPT_LOST_REVIEWS}=yes for one refresh to publish without them."
        )


def _record_one(con: sqlite3.Connection, flag: Flag, run_id: str, raised_at: str) -> None:
    columns = _flag_columns(flag)
    existing = con.execute(
        "select indicated from flags where flag_id = ?", [flag.flag_id]
    ).fetchone()
    if existing is None:
        con.execute(
            f"insert into flags ({', '.join(_FLAG_FIELDS)}, first_raised_at, first_raised_run, "
            f"last_indicated_run, indicated) values ({', '.join('?' * len(_FLAG_FIELDS))}, "
            "?, ?, ?, 1)",
            [columns[k] for k in _FLAG_FIELDS] + [raised_at, run_id, run_id],
        )
        con.execute(
            "insert into reviews (flag_id, status, version, updated_at, updated_by) "
            "values (?, 'open', 1, ?, ?)",
            [flag.flag_id, raised_at, REFRESH],
        )
        con.execute(
            "insert into review_history (flag_id, version, changed_at, changed_by, "
            "status, note) values (?, 1, ?, ?, 'open', ?)",
            [flag.flag_id, raised_at, REFRESH, f"raised by the data (refresh {run_id})"],
        )
        return
    con.execute(
        "update flags set severity = ?, direction = ?, question = ?, evidence = ?, "
        "last_indicated_run = ?, indicated = 1, no_longer_indicated_since = null "
        "where flag_id = ?",
        [flag.severity, flag.direction, flag.question, columns["evidence"], run_id, flag.flag_id],
    )
    if not existing[0]:
        _note(con, flag.flag_id, f"indicated by the data again (refresh {run_id})", raised_at)


def _note(con: sqlite3.Connection, flag_id: str, note: str, at: str) -> None:
    """A history row that records what the data did, leaving the review as it was."""
    review = con.execute("select * from reviews where flag_id = ?", [flag_id]).fetchone()
    con.execute(
        "insert into review_history (flag_id, version, changed_at, changed_by, status, "
        "owner, response, impact, note) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            flag_id,
            review["version"],
            at,
            REFRESH,
            review["status"],
            review["owner"],
            review["response"],
            review["impact"],
            note,
        ],
    )


def update(
    flag_id: str,
    by: str,
    *,
    expected_version: int | None = None,
    status: str | None = None,
    owner: str | None = None,
    response: str | None = None,
    impact: str | None = None,
    note: str | None = None,
) -> int:
    """Change a flag's review; returns the new version. Only the fields given change."""
    if status is not None and status not in STATUSES:
        raise ReviewError(f"'{status}' is not a status; use one of: {', '.join(STATUSES)}")
    with connect() as con, _change(con):
        review = con.execute("select * from reviews where flag_id = ?", [flag_id]).fetchone()
        if review is None:
            raise ReviewError(f"there is no flag {flag_id}; `pqa flags --all` lists them")
        if expected_version is not None and review["version"] != expected_version:
            raise ReviewConflict(
                f"flag {flag_id} was changed by {review['updated_by']} at "
                f"{review['updated_at']} (now version {review['version']}, you had version "
                f"{expected_version}); nothing was saved. Look at it again and redo your change."
            )
        if (
            status is not None
            and status != review["status"]
            and status not in NEXT_STATUSES[review["status"]]
        ):
            raise ReviewError(
                f"a flag that is {review['status']} cannot become {status}; it "
                f"can become: {', '.join(sorted(NEXT_STATUSES[review['status']]))}"
            )
        new = {
            "status": status if status is not None else review["status"],
            "owner": owner if owner is not None else review["owner"],
            "response": response if response is not None else review["response"],
            "impact": impact if impact is not None else review["impact"],
        }
        version, at = review["version"] + 1, _now()
        con.execute(
            "update reviews set status = ?, owner = ?, response = ?, impact = ?, "
            "version = ?, updated_at = ?, updated_by = ? where flag_id = ?",
            [new["status"], new["owner"], new["response"], new["impact"], version, at, by, flag_id],
        )
        con.execute(
            "insert into review_history (flag_id, version, changed_at, changed_by, "
            "status, owner, response, impact, note) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                flag_id,
                version,
                at,
                by,
                new["status"],
                new["owner"],
                new["response"],
                new["impact"],
                note,
            ],
        )
        return version


def flags(include_closed: bool = True) -> list[dict]:
    """Every recorded flag with its review, as dicts."""
    with connect() as con:
        rows = [dict(r) for r in con.execute("select * from flags join reviews using (flag_id)")]
    return [r for r in rows if include_closed or r["status"] != "closed"]


def reviews() -> list[dict]:
    """Every flag's review alone (no question or evidence): cheap enough to read on each page
    view, so a response recorded anywhere shows at once."""
    with connect() as con:
        return [
            dict(r)
            for r in con.execute(
                "select flag_id, status, owner, response, impact, version, updated_at, updated_by "
                "from reviews"
            )
        ]


def last_change() -> int:
    """A number that grows with every change to the log (for caching what is made from it)."""
    with connect() as con:
        return con.execute("select coalesce(max(change_id), 0) from review_history").fetchone()[0]


def history(flag_id: str) -> list[dict]:
    with connect() as con:
        return [
            dict(r)
            for r in con.execute(
                "select * from review_history where flag_id = ? order by change_id", [flag_id]
            )
        ]

"""The questions and matters log across meetings: what the PQA subgroup and the executive
group raised, at which meeting, the actions agreed (owner, due date), the response, the
impact (linked where possible to a later figure of an indicator) and escalation to the
partnership's risk register.

A matter is either one or several flagged questions grouped together, or typed by hand for
something that is not data (an inspection, attendance at a panel). The log lives in the
review log's SQLite file, in tables of its own, with the same guarantees: every change is one
transaction and a new version with who and when, kept in the history; nothing is deleted; a
change based on an older version is refused (MatterConflict); the file is copied after every
change; a refresh never touches these tables.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from pipeline.flags import review_log
from pipeline.publish import backup

GROUPS = ("PQA subgroup", "executive group")
MATTER_STATUSES = ("open", "action agreed", "answered", "closed")
# The fields of a matter a person may change; each change makes a new version.
EDITABLE = (
    "question",
    "status",
    "response",
    "action",
    "action_owner",
    "action_due",
    "impact",
    "impact_indicator_code",
    "impact_period",
    "escalated_to_risk_register",
)

SCHEMA = """
create table if not exists meetings (
    meeting_id integer primary key autoincrement,
    held_on text not null,
    group_name text not null,
    title text,
    recorded_at text not null,
    recorded_by text not null
);
create table if not exists matters (
    matter_id integer primary key autoincrement,
    meeting_id integer not null references meetings (meeting_id),
    flag_ids text not null,              -- JSON list: the flagged questions grouped here
    agency text,
    indicator_code text,
    question text not null,
    status text not null,
    response text,
    action text,
    action_owner text,
    action_due text,
    impact text,
    impact_indicator_code text,
    impact_period text,
    escalated_to_risk_register integer not null default 0,
    version integer not null,
    updated_at text not null,
    updated_by text not null
);
create table if not exists matter_history (
    change_id integer primary key autoincrement,
    matter_id integer not null references matters (matter_id),
    version integer not null,
    changed_at text not null,
    changed_by text not null,
    state text not null                  -- JSON: the whole matter as this version left it
);
"""


class MatterError(Exception):
    """A change that cannot be made (unknown meeting, flag or matter; a wrong value)."""


class MatterConflict(MatterError):
    """Someone else changed the matter since the version the change was based on."""


@contextmanager
def _connect() -> Iterator[sqlite3.Connection]:
    """The review log's file (its busy and damaged errors included), with these tables."""
    with review_log.connect() as con:
        con.executescript(SCHEMA)
        yield con


@contextmanager
def _change(con: sqlite3.Connection) -> Iterator[None]:
    con.execute("begin immediate")  # the write lock now: no lost updates
    try:
        yield
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    backup.back_up_review_log(con)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def add_meeting(held_on: date, group: str, by: str, title: str | None = None) -> int:
    if group not in GROUPS:
        raise MatterError(f"'{group}' is not a group; use one of: {', '.join(GROUPS)}")
    with _connect() as con, _change(con):
        cursor = con.execute(
            "insert into meetings (held_on, group_name, title, recorded_at, recorded_by) "
            "values (?, ?, ?, ?, ?)",
            [held_on.isoformat(), group, title, _now(), by],
        )
        return int(cursor.lastrowid)


def raise_matter(
    meeting_id: int,
    by: str,
    *,
    question: str | None = None,
    flag_ids: tuple[str, ...] = (),
    agency: str | None = None,
    indicator_code: str | None = None,
) -> int:
    """A matter raised at a meeting: flagged questions grouped into one (their questions are
    its text unless `question` words it afresh), or a matter typed by hand."""
    with _connect() as con, _change(con):
        if not con.execute("select 1 from meetings where meeting_id = ?", [meeting_id]).fetchone():
            raise MatterError(f"there is no meeting {meeting_id}")
        flags = []
        for flag_id in flag_ids:
            row = con.execute("select * from flags where flag_id = ?", [flag_id]).fetchone()
            if row is None:
                raise MatterError(f"there is no flagged question {flag_id}")
            flags.append(dict(row))
        text = (question or "").strip() or " ".join(f["question"] for f in flags)
        if not text:
            raise MatterError("a matter needs a question: type one, or choose flagged questions")
        agencies = {f["agency"] for f in flags}
        indicators = {f["indicator_code"] for f in flags}
        agency = agency or (agencies.pop() if len(agencies) == 1 else None)
        indicator_code = indicator_code or (indicators.pop() if len(indicators) == 1 else None)
        at = _now()
        cursor = con.execute(
            "insert into matters (meeting_id, flag_ids, agency, indicator_code, question, "
            "status, version, updated_at, updated_by) values (?, ?, ?, ?, ?, 'open', 1, ?, ?)",
            [meeting_id, json.dumps(list(flag_ids)), agency, indicator_code, text, at, by],
        )
        matter_id = int(cursor.lastrowid)
        _remember(con, matter_id, at, by)
        return matter_id


def update_matter(matter_id: int, by: str, expected_version: int, **changes) -> int:
    """Change a matter's fields; returns the new version. Refused when someone else changed
    it since `expected_version`."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise MatterError(f"cannot change {', '.join(sorted(unknown))}")
    if "status" in changes and changes["status"] not in MATTER_STATUSES:
        raise MatterError(
            f"'{changes['status']}' is not a status; use one of: {', '.join(MATTER_STATUSES)}"
        )
    if isinstance(changes.get("action_due"), date):
        changes["action_due"] = changes["action_due"].isoformat()
    if "escalated_to_risk_register" in changes:
        changes["escalated_to_risk_register"] = int(bool(changes["escalated_to_risk_register"]))
    with _connect() as con, _change(con):
        row = con.execute("select * from matters where matter_id = ?", [matter_id]).fetchone()
        if row is None:
            raise MatterError(f"there is no matter {matter_id}")
        if row["version"] != expected_version:
            raise MatterConflict(
                f"matter {matter_id} was changed by {row['updated_by']} at {row['updated_at']} "
                f"(now version {row['version']}, you had version {expected_version}); nothing "
                "was saved. Look at it again and redo your change."
            )
        version, at = row["version"] + 1, _now()
        assignments = ", ".join(f"{field} = ?" for field in changes)
        con.execute(
            f"update matters set {assignments}, version = ?, updated_at = ?, updated_by = ? "
            "where matter_id = ?",
            [*changes.values(), version, at, by, matter_id],
        )
        _remember(con, matter_id, at, by)
        return version


def _remember(con: sqlite3.Connection, matter_id: int, at: str, by: str) -> None:
    row = dict(con.execute("select * from matters where matter_id = ?", [matter_id]).fetchone())
    con.execute(
        "insert into matter_history (matter_id, version, changed_at, changed_by, state) "
        "values (?, ?, ?, ?, ?)",
        [matter_id, row["version"], at, by, json.dumps(row, sort_keys=True)],
    )


def meetings() -> list[dict]:
    with _connect() as con:
        return [dict(r) for r in con.execute("select * from meetings order by held_on, meeting_id")]


def matters() -> list[dict]:
    """Every matter with its meeting, oldest meeting first."""
    with _connect() as con:
        rows = con.execute(
            "select m.*, g.held_on, g.group_name from matters m join meetings g "
            "using (meeting_id) order by g.held_on, m.matter_id"
        )
        return [{**dict(r), "flag_ids": json.loads(r["flag_ids"])} for r in rows]


def history(matter_id: int) -> list[dict]:
    with _connect() as con:
        return [
            {**dict(r), "state": json.loads(r["state"])}
            for r in con.execute(
                "select * from matter_history where matter_id = ? order by change_id", [matter_id]
            )
        ]


def yearly_report_rows(
    start: date, end: date, figures: dict[tuple[str, str], str] | None = None
) -> list[dict]:
    """The yearly report's "Questions / matters raised | Response | Impact" rows for matters
    raised at meetings held from `start` to `end` (both included). `figures` (indicator,
    quarter) -> the figure as text links an impact to the later figure it names."""
    rows = []
    for m in matters():
        if not start.isoformat() <= m["held_on"] <= end.isoformat():
            continue
        raised = f"{m['question']} (raised at the {m['group_name']}, {m['held_on']})"
        key = (m["impact_indicator_code"], m["impact_period"])
        impact = impact_text(m)
        if figures and key in figures:
            impact += ("\n" if impact else "") + f"Later figure, {key[1]}: {figures[key]}"
        response = response_text(m)
        rows.append({"question": raised, "response": response, "impact": impact})
    return rows


def response_text(matter: dict) -> str:
    """The response with the action agreed, its owner and due date written in."""
    response = matter["response"] or ""
    if matter["action"]:
        due = f"due {matter['action_due']}" if matter["action_due"] else ""
        details = ", ".join(x for x in (matter["action_owner"], due) if x)
        action = f"Action: {matter['action']}" + (f" ({details})" if details else "")
        response = f"{response}\n{action}" if response else action
    return response


def impact_text(matter: dict) -> str:
    """The impact, and the escalation to the risk register when there was one."""
    impact = matter["impact"] or ""
    if matter["escalated_to_risk_register"]:
        impact += ("\n" if impact else "") + "Escalated to the partnership's risk register."
    return impact

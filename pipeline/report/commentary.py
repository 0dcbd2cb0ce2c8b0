"""Commentary added or corrected after a return came in (for the dashboard to call): an
agency's lead writes their own agency's narrative for a quarter, or a note about one of its
indicators; it replaces what the return's notes said for the same quarter and indicator in
the report.

Kept in the review log's file, in tables of its own, with its guarantees: every change is a new
version with who and when, kept whole in the history; nothing is deleted (an empty text is
refused: say what is right instead); a change based on an older version is refused; a lead can
only write for their own agency; the file is copied after every change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pandas as pd

from pipeline.core.periods import Quarter
from pipeline.flags import review_log
from pipeline.publish import backup

NARRATIVE = ""  # the indicator key of an agency's narrative for the whole return

SCHEMA = """
create table if not exists commentary (
    agency text not null,
    area_code text not null,
    period text not null,
    indicator_code text not null,        -- '' for the narrative of the whole return
    commentary text not null,
    version integer not null,
    updated_at text not null,
    updated_by text not null,
    primary key (agency, area_code, period, indicator_code)
);
create table if not exists commentary_history (
    change_id integer primary key autoincrement,
    agency text not null,
    area_code text not null,
    period text not null,
    indicator_code text not null,
    commentary text not null,
    version integer not null,
    changed_at text not null,
    changed_by text not null
);
"""


class CommentaryError(Exception):
    """A change that cannot be made (another agency's, empty, a stale version)."""


@contextmanager
def _connect() -> Iterator:
    with review_log.connect() as con:
        con.executescript(SCHEMA)
        yield con


def record(
    agency: str,
    area_code: str,
    period: str,
    text: str,
    by: str,
    by_agency: str,
    *,
    indicator_code: str | None = None,
    expected_version: int = 0,
) -> int:
    """Add (expected_version 0) or correct the commentary; returns its new version."""
    if by_agency != agency:
        raise CommentaryError(f"{by} writes for {by_agency}, not for {agency}")
    text = text.strip()
    if not text:
        raise CommentaryError("the commentary is empty: write what is right instead")
    period = Quarter.parse(period).label
    key = [agency, area_code, period, indicator_code or NARRATIVE]
    with _connect() as con:
        con.execute("begin immediate")
        try:
            row = con.execute(
                "select version, updated_by, updated_at from commentary where agency = ? and "
                "area_code = ? and period = ? and indicator_code = ?",
                key,
            ).fetchone()
            current = row["version"] if row else 0
            if current != expected_version:
                raise CommentaryError(
                    f"this commentary was changed by {row['updated_by']} at {row['updated_at']} "
                    f"(now version {current}, you had version {expected_version}); nothing was "
                    "saved. Look at it again and redo your change."
                )
            version, at = current + 1, datetime.now(UTC).isoformat(timespec="seconds")
            con.execute(
                "insert into commentary values (?, ?, ?, ?, ?, ?, ?, ?) on conflict do update "
                "set commentary = excluded.commentary, version = excluded.version, "
                "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                [*key, text, version, at, by],
            )
            con.execute(
                "insert into commentary_history (agency, area_code, period, indicator_code, "
                "commentary, version, changed_at, changed_by) values (?, ?, ?, ?, ?, ?, ?, ?)",
                [*key, text, version, at, by],
            )
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        backup.back_up_review_log(con)
    return version


def entries() -> pd.DataFrame:
    """The commentary recorded this way, shaped like the published agency_commentary mart."""
    with _connect() as con:
        rows = [dict(r) for r in con.execute("select * from commentary")]
    frame = pd.DataFrame(
        rows,
        columns=[
            "agency",
            "area_code",
            "period",
            "indicator_code",
            "commentary",
            "version",
            "updated_at",
            "updated_by",
        ],
    )
    frame["commentary_about"] = frame["indicator_code"].map(
        lambda c: "return" if c == NARRATIVE else "indicator"
    )
    frame["indicator_code"] = frame["indicator_code"].replace(NARRATIVE, None)
    return frame


def history() -> list[dict]:
    with _connect() as con:
        return [dict(r) for r in con.execute("select * from commentary_history order by change_id")]


def merged(published: pd.DataFrame, recorded: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """The published commentary with what leads recorded since: theirs replaces the return's
    notes for the same agency, area, quarter and indicator (or narrative). A narrative
    gathered from the return's notes is gathered again from the corrected notes, so the
    summary never keeps words a lead has corrected."""
    columns = ["agency", "area_code", "period", "commentary_about", "indicator_code", "commentary"]
    if recorded.empty:
        return published
    base = published[columns] if not published.empty else pd.DataFrame(columns=columns)
    base = base.assign(recorded=False)
    both = pd.concat([base, recorded[columns].assign(recorded=True)], ignore_index=True)
    both = both.assign(_key=both["indicator_code"].fillna(NARRATIVE)).drop_duplicates(
        ["agency", "area_code", "period", "commentary_about", "_key"], keep="last"
    )
    quarter = ["agency", "area_code", "period"]
    notes = both[both["commentary_about"] == "indicator"]
    corrected = set(map(tuple, notes.loc[notes["recorded"], quarter].values.tolist()))
    narratives = []
    for key, group in notes.groupby(quarter):
        if key not in corrected:
            continue
        lines = sorted(
            f"{labels.get(code, code)}: {text}"
            for code, text in zip(group["indicator_code"], group["commentary"])
        )
        narratives.append([*key, "return", None, "\n".join(lines), False, NARRATIVE])
    rebuilt = pd.DataFrame(narratives, columns=[*columns, "recorded", "_key"])
    gathered = (both["commentary_about"] == "return") & ~both["recorded"]
    stale = gathered & both[quarter].apply(tuple, axis=1).isin(corrected)
    kept_by_lead = both.loc[(both["commentary_about"] == "return") & both["recorded"], quarter]
    lead_wrote = set(map(tuple, kept_by_lead.values.tolist()))
    if not rebuilt.empty:
        rebuilt = rebuilt[~rebuilt[quarter].apply(tuple, axis=1).isin(lead_wrote)]
    both = pd.concat([both[~stale], rebuilt], ignore_index=True)
    return both.drop(columns=["_key", "recorded"]).sort_values(columns[:4]).reset_index(drop=True)

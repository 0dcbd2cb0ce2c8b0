"""Load returns: read and validate every file, then archive the accepted files (with their
provenance, pipeline/ingest/archive.py) and write their figures to the warehouse in one transaction.
One refused file means nothing is loaded, so a batch is never half in. One load at a time,
whether from another process or another thread of this one."""

from __future__ import annotations

import getpass
import hashlib
import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from pipeline.core import paths
from pipeline.core.catalogue import Catalogue, load_catalogue
from pipeline.core.periods import Quarter
from pipeline.ingest import archive, warehouse
from pipeline.ingest.returns import rules
from pipeline.ingest.returns.contract import MAX_FILE_BYTES
from pipeline.ingest.returns.findings import Finding, Location, queries
from pipeline.ingest.returns.reader import RawReturn, UnreadableReturn, read_return
from pipeline.ingest.returns.validate import ValidatedReturn, refused_file, validate

SUBMISSION_COLUMNS = pa.schema(
    [
        ("submission_id", pa.int32()),
        ("agency", pa.string()),
        ("area_code", pa.string()),
        ("period", pa.string()),
        ("file_name", pa.string()),
        ("file_hash", pa.string()),
        ("file_format", pa.string()),
        ("archived_as", pa.string()),
        ("loaded_at", pa.timestamp("us", tz="UTC")),
        ("loaded_by", pa.string()),
        ("supersedes", pa.int32()),
        ("figure_count", pa.int32()),
    ]
)
FIGURE_COLUMNS = pa.schema(
    [
        ("submission_id", pa.int32()),
        ("source_row", pa.int32()),
        ("indicator_code", pa.string()),
        ("value", pa.float64()),
        ("numerator", pa.float64()),
        ("denominator", pa.float64()),
        ("notes", pa.string()),
    ]
)
QUERY_COLUMNS = pa.schema(
    [
        ("submission_id", pa.int32()),
        ("rule_code", pa.string()),
        ("sheet", pa.string()),
        ("source_row", pa.int32()),
        ("source_column", pa.string()),
        ("indicator_code", pa.string()),
        ("message", pa.string()),
    ]
)


@dataclass
class LoadedSubmission:
    submission_id: int
    agency: str
    area_code: str
    period: str
    figure_count: int
    supersedes: int | None
    query_count: int


@dataclass
class FileOutcome:
    path: Path
    file_hash: str
    result: ValidatedReturn
    already_loaded: str | None = None  # what the warehouse says of an identical earlier file
    submissions: list[LoadedSubmission] = field(default_factory=list)


@dataclass
class LoadReport:
    outcomes: list[FileOutcome]
    committed: bool  # True when the figures are in the warehouse

    @property
    def refused(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if not o.result.accepted]


_ONE_LOAD_AT_A_TIME = threading.Lock()


def loaded_by_default() -> str:
    return os.environ.get("PQA_USER") or getpass.getuser()


def load_returns(
    files: list[Path],
    *,
    loaded_by: str | None = None,
    check_only: bool = False,
    today: date | None = None,
    catalogue: Catalogue | None = None,
) -> LoadReport:
    catalogue = catalogue or load_catalogue()
    today = today or date.today()
    # A file above the size limit is not read at all: the reader refuses it by its size.
    contents = {
        path: path.read_bytes()
        if path.is_file() and path.stat().st_size <= MAX_FILE_BYTES
        else None
        for path in files
    }
    # The warehouse's file lock keeps other processes out, not other threads of this one (two
    # dashboard sessions): without this lock both could supersede the same submission.
    # A check before anything is stored needs no warehouse: it is checked against an empty one
    # in memory, and no file is created (also 5 times quicker).
    nothing_stored = check_only and not paths.warehouse_path().exists()
    opened = warehouse.connect_in_memory() if nothing_stored else warehouse.connect()
    with _ONE_LOAD_AT_A_TIME, opened as con:
        if not check_only:
            archive.clear_unfinished(lambda: warehouse.archived_files(con))
        con.begin()  # "identical file" and "supersedes" are decided inside the transaction
        try:
            outcomes = _validate_all(con, files, contents, catalogue, today)
            if check_only or any(not o.result.accepted for o in outcomes):
                con.rollback()
                return LoadReport(outcomes, committed=False)
            notice = _insert(
                con,
                [o for o in outcomes if o.already_loaded is None],
                contents,
                datetime.now(UTC),
                loaded_by or loaded_by_default(),
            )
            con.commit()
        except BaseException:
            _undo(con)
            raise
        if notice:
            archive.finished(notice)
    return LoadReport(outcomes, committed=True)


def _undo(con) -> None:
    """After a failed load: roll back, then remove the files it archived, judged against what
    the warehouse records (never against what this load believes), so a commit that failed
    late cannot lose a recorded file. If that fails too, the next load clears them; the
    load's own error is the one to report."""
    try:
        con.rollback()
    except duckdb.Error:  # a commit that failed has already ended the transaction
        pass
    try:
        archive.clear_unfinished(lambda: warehouse.archived_files(con))
    except Exception:  # noqa: BLE001 - see above
        pass


def _validate_all(con, files, contents, catalogue, today) -> list[FileOutcome]:
    """Validate every file. Files are checked in period order so that each one's queries can
    compare with the quarter before, whether it is stored already or earlier in this batch."""
    seen_hashes: dict[str, Path] = {}
    raws: dict[Path, RawReturn | Finding] = {}
    for path in files:
        raws[path] = _read(path, contents[path])
    areas = {
        str(r.cells.get("area_code") or "").strip().upper()
        for raw in raws.values()
        if isinstance(raw, RawReturn)
        for r in raw.rows
    }
    history = warehouse.current_values(con, areas)
    earlier_files = warehouse.loaded_files(
        con, {hashlib.sha256(c or b"").hexdigest() for c in contents.values()}
    )
    outcomes: dict[Path, FileOutcome] = {}
    for path in sorted(files, key=lambda p: _earliest_period(raws[p])):
        raw, content = raws[path], contents[path]
        file_hash = hashlib.sha256(content or b"").hexdigest()
        if isinstance(raw, Finding):
            outcomes[path] = FileOutcome(path, file_hash, refused_file(path.name, raw))
            continue
        result = validate(raw, catalogue, today, history)
        outcome = FileOutcome(path, file_hash, result)
        earlier = earlier_files.get(file_hash)
        if earlier:
            first_id, last_id, loaded_at, count = earlier
            when = f"{loaded_at:%-d %B %Y at %H:%M}"
            ids = f"{first_id} to {last_id}" if last_id != first_id else f"{first_id}"
            outcome.already_loaded = f"identical to the file loaded on {when} as submission {ids}"
        elif file_hash in seen_hashes:
            outcome.already_loaded = f"identical to {seen_hashes[file_hash].name} in this batch"
        seen_hashes.setdefault(file_hash, path)
        if result.accepted and outcome.already_loaded is None:
            history.update(
                {(f.area_code, f.indicator_code, f.period): f.value for f in result.figures}
            )
        outcomes[path] = outcome
    return [outcomes[path] for path in files]


def _read(path: Path, content: bytes | None) -> RawReturn | Finding:
    if content is None and not path.is_file():
        return rules.unreadable(
            Location(path.name), f"there is no file at {path}. Check the name and folder."
        )
    try:
        return read_return(path, content)
    except UnreadableReturn as exc:
        return exc.finding


def _earliest_period(raw: RawReturn | Finding) -> tuple:
    if not isinstance(raw, RawReturn):
        return (0, 0)
    quarters = []
    for row in raw.rows:
        try:
            quarters.append(Quarter.parse(str(row.cells.get("period") or "")))
        except ValueError:
            continue
    first = min(quarters, default=Quarter(0, 0))
    return (first.start_year, first.number)


def _insert(
    con,
    outcomes: list[FileOutcome],
    contents: dict[Path, bytes | None],
    loaded_at: datetime,
    loaded_by: str,
) -> Path | None:
    """Archive each new file with its provenance, then write every new submission, its
    figures and its queries in three bulk inserts (one insert per file made large batches
    slow). A later file in the batch for the same agency, area and quarter supersedes an
    earlier one, as it would if loaded afterwards. On failure the files this load archived
    are removed again. Returns the archive's notice of this load, to clear on commit."""
    pending = [
        (o, area, period, figures)
        for o in outcomes
        for (area, period), figures in o.result.submissions().items()
    ]
    if not pending:
        return None
    current = warehouse.current_submissions(
        con, {(o.result.agency, area, period) for o, area, period, _ in pending}
    )
    ids = [
        r[0]
        for r in con.execute(
            "select nextval('raw.submission_ids') from range(?)", [len(pending)]
        ).fetchall()
    ]
    kept = {
        o.path: archive.Provenance(
            archive.archived_name(o.file_hash, o.path.suffix),
            o.file_hash,
            o.path.name,
            o.result.raw.file_format,
            loaded_at,
            loaded_by,
            [],
        )
        for o, _, _, _ in pending
    }
    submissions, figure_rows, query_rows = [], [], []
    for submission_id, (outcome, area, period, figures) in zip(ids, pending):
        result, record = outcome.result, kept[outcome.path]
        key = (result.agency, area, period)
        supersedes, current[key] = current.get(key), submission_id
        found = [q for q in queries(result.findings) if q.submission == (area, period)]
        submissions.append(
            (
                submission_id,
                result.agency,
                area,
                period,
                record.file_name,
                outcome.file_hash,
                record.file_format,
                record.archived_as,
                loaded_at,
                loaded_by,
                supersedes,
                len(figures),
            )
        )
        figures_here = [
            (f.source_row, f.indicator_code, f.value, f.numerator, f.denominator, f.notes)
            for f in figures
        ]
        queries_here = [
            (
                q.rule,
                q.location.sheet,
                q.location.row,
                q.location.column,
                q.indicator_code,
                q.message,
            )
            for q in found
        ]
        figure_rows += [(submission_id, *row) for row in figures_here]
        query_rows += [(submission_id, *row) for row in queries_here]
        record.submissions.append(
            {
                "submission_id": submission_id,
                "agency": result.agency,
                "area_code": area,
                "period": period,
                "supersedes": supersedes,
                "figure_count": len(figures),
                "figures": figures_here,
                "queries": queries_here,
            }
        )
        outcome.submissions.append(
            LoadedSubmission(
                submission_id, result.agency, area, period, len(figures), supersedes, len(found)
            )
        )
    notice = archive.announce([r.archived_as for r in kept.values()])
    for path, record in kept.items():
        archive.keep(record.archived_as, contents[path], record)
    insert_rows(con, "raw.submissions", rows_table(submissions, SUBMISSION_COLUMNS))
    insert_rows(con, "raw.return_figures", rows_table(figure_rows, FIGURE_COLUMNS))
    if query_rows:
        insert_rows(con, "raw.validation_queries", rows_table(query_rows, QUERY_COLUMNS))
    return notice


def rows_table(rows: list[tuple], schema: pa.Schema) -> pa.Table:
    return pa.table(
        [pa.array(column, type=field.type) for column, field in zip(zip(*rows), schema)],
        schema=schema,
    )


def insert_rows(con, table: str, rows) -> None:
    con.register("incoming_rows", rows)
    try:
        con.execute(f"insert into {table} by name select * from incoming_rows")
    finally:
        con.unregister("incoming_rows")

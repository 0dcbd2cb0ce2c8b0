"""Load returns: read and validate every file, then archive the accepted files and write their
figures to the warehouse in one transaction. One refused file means nothing is loaded, so a
batch is never half in."""
from __future__ import annotations

import getpass
import hashlib
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import pyarrow as pa

from pipeline import paths, warehouse
from pipeline.catalogue import Catalogue, load_catalogue
from pipeline.periods import Quarter
from pipeline.returns.contract import MAX_FILE_BYTES
from pipeline.returns.findings import Finding, Location, Severity, queries
from pipeline.returns.reader import RawReturn, UnreadableReturn, read_return
from pipeline.returns.validate import ValidatedReturn, refused_file, validate


SUBMISSION_COLUMNS = pa.schema([
    ("submission_id", pa.int32()), ("agency", pa.string()), ("area_code", pa.string()),
    ("period", pa.string()), ("file_name", pa.string()), ("file_hash", pa.string()),
    ("file_format", pa.string()), ("archived_as", pa.string()),
    ("loaded_at", pa.timestamp("us", tz="UTC")), ("loaded_by", pa.string()),
    ("supersedes", pa.int32()), ("figure_count", pa.int32())])
FIGURE_COLUMNS = pa.schema([
    ("submission_id", pa.int32()), ("source_row", pa.int32()), ("indicator_code", pa.string()),
    ("value", pa.float64()), ("numerator", pa.float64()), ("denominator", pa.float64()),
    ("notes", pa.string())])
QUERY_COLUMNS = pa.schema([
    ("submission_id", pa.int32()), ("rule_code", pa.string()), ("sheet", pa.string()),
    ("source_row", pa.int32()), ("source_column", pa.string()), ("indicator_code", pa.string()),
    ("message", pa.string())])


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


def loaded_by_default() -> str:
    return os.environ.get("PQA_USER") or getpass.getuser()


def load_returns(files: list[Path], *, loaded_by: str | None = None, check_only: bool = False,
                 today: date | None = None, catalogue: Catalogue | None = None) -> LoadReport:
    catalogue = catalogue or load_catalogue()
    today = today or date.today()
    # A file above the size limit is not read at all: the reader refuses it by its size.
    contents = {path: path.read_bytes() if path.is_file() and path.stat().st_size <=
                MAX_FILE_BYTES else None for path in files}
    with warehouse.connect() as con:
        outcomes = _validate_all(con, files, contents, catalogue, today)
        if check_only or any(not o.result.accepted for o in outcomes):
            return LoadReport(outcomes, committed=False)
        archived: list[Path] = []
        con.begin()
        try:
            new = [o for o in outcomes if o.already_loaded is None]
            archived_as = {o.path: _archive(o.path, contents[o.path], o.file_hash, archived)
                           for o in new}
            _insert(con, new, archived_as, datetime.now(timezone.utc),
                    loaded_by or loaded_by_default())
            con.commit()
        except BaseException:
            con.rollback()
            for path in archived:
                path.unlink(missing_ok=True)
            raise
    return LoadReport(outcomes, committed=True)


def _validate_all(con, files, contents, catalogue, today) -> list[FileOutcome]:
    """Validate every file. Files are checked in period order so that each one's queries can
    compare with the quarter before, whether it is stored already or earlier in this batch."""
    seen_hashes: dict[str, Path] = {}
    raws: dict[Path, RawReturn | Finding] = {}
    for path in files:
        raws[path] = _read(path, contents[path])
    areas = {str(r.cells.get("area_code") or "").strip().upper()
             for raw in raws.values() if isinstance(raw, RawReturn) for r in raw.rows}
    history = warehouse.current_values(con, areas)
    earlier_files = warehouse.loaded_files(con, {
        hashlib.sha256(c or b"").hexdigest() for c in contents.values()})
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
            history.update({(f.area_code, f.indicator_code, f.period): f.value
                            for f in result.figures})
        outcomes[path] = outcome
    return [outcomes[path] for path in files]


def _read(path: Path, content: bytes | None) -> RawReturn | Finding:
    if content is None and not path.is_file():
        return Finding(Severity.ERROR, "E01", Location(path.name),
                       f"there is no file at {path}. Check the name and folder.")
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


def _archive(path: Path, content: bytes, file_hash: str, created: list[Path]) -> str:
    """Keep the file exactly as received, named by its hash, so it can always be found again."""
    relative = Path(file_hash[:2]) / f"{file_hash}{path.suffix.lower()}"
    target = paths.archive_dir() / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".partial")
        temporary.write_bytes(content)
        os.replace(temporary, target)
        created.append(target)
    return relative.as_posix()


def _insert(con, outcomes: list[FileOutcome], archived_as: dict[Path, str],
            loaded_at: datetime, loaded_by: str) -> None:
    """Write every new submission, its figures and its queries in three bulk inserts (one
    insert per file made large batches slow). A later file in the batch for the same agency,
    area and quarter supersedes an earlier one, as it would if loaded afterwards."""
    pending = [(o, area, period, figures) for o in outcomes
               for (area, period), figures in o.result.submissions().items()]
    if not pending:
        return
    current = warehouse.current_submissions(con, {(o.result.agency, area, period)
                                                  for o, area, period, _ in pending})
    ids = [r[0] for r in con.execute("select nextval('raw.submission_ids') from range(?)",
                                     [len(pending)]).fetchall()]
    submissions, figure_rows, query_rows = [], [], []
    for submission_id, (outcome, area, period, figures) in zip(ids, pending):
        result = outcome.result
        key = (result.agency, area, period)
        supersedes, current[key] = current.get(key), submission_id
        found = [q for q in queries(result.findings) if q.submission == (area, period)]
        submissions.append((submission_id, result.agency, area, period, outcome.path.name,
                            outcome.file_hash, result.raw.file_format, archived_as[outcome.path],
                            loaded_at, loaded_by, supersedes, len(figures)))
        figure_rows += [(submission_id, f.source_row, f.indicator_code, f.value, f.numerator,
                         f.denominator, f.notes) for f in figures]
        query_rows += [(submission_id, q.rule, q.location.sheet, q.location.row,
                        q.location.column, q.indicator_code, q.message) for q in found]
        outcome.submissions.append(LoadedSubmission(
            submission_id, result.agency, area, period, len(figures), supersedes, len(found)))
    _insert_table(con, "raw.submissions", _columns(submissions, SUBMISSION_COLUMNS))
    _insert_table(con, "raw.return_figures", _columns(figure_rows, FIGURE_COLUMNS))
    if query_rows:
        _insert_table(con, "raw.validation_queries", _columns(query_rows, QUERY_COLUMNS))


def _columns(rows: list[tuple], schema: pa.Schema) -> pa.Table:
    return pa.table([pa.array(column, type=field.type) for column, field in
                     zip(zip(*rows), schema)], schema=schema)


def _insert_table(con, table: str, rows) -> None:
    con.register("incoming_rows", rows)
    try:
        con.execute(f"insert into {table} by name select * from incoming_rows")
    finally:
        con.unregister("incoming_rows")

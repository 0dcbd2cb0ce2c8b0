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

from pipeline import paths, warehouse
from pipeline.catalogue import Catalogue, load_catalogue
from pipeline.periods import Quarter
from pipeline.returns.findings import Finding, Location, Severity, queries
from pipeline.returns.reader import RawReturn, UnreadableReturn, read_return
from pipeline.returns.validate import ValidatedReturn, refused_file, validate


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
    contents = {path: path.read_bytes() if path.is_file() else None for path in files}
    with warehouse.connect() as con:
        outcomes = _validate_all(con, files, contents, catalogue, today)
        if check_only or any(not o.result.accepted for o in outcomes):
            return LoadReport(outcomes, committed=False)
        archived: list[Path] = []
        con.begin()
        try:
            loaded_at = datetime.now(timezone.utc)
            for outcome in outcomes:
                if outcome.already_loaded is None:
                    archived_as = _archive(outcome.path, contents[outcome.path],
                                           outcome.file_hash, archived)
                    _insert(con, outcome, archived_as, loaded_at, loaded_by or loaded_by_default())
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
    outcomes: dict[Path, FileOutcome] = {}
    for path in sorted(files, key=lambda p: _earliest_period(raws[p])):
        raw, content = raws[path], contents[path]
        file_hash = hashlib.sha256(content or b"").hexdigest()
        if isinstance(raw, Finding):
            outcomes[path] = FileOutcome(path, file_hash, refused_file(path.name, raw))
            continue
        result = validate(raw, catalogue, today, history)
        outcome = FileOutcome(path, file_hash, result)
        earlier = warehouse.loaded_file(con, file_hash)
        if earlier:
            first_id, last_id, loaded_at, count = earlier
            when = f"{loaded_at:%-d %B %Y at %H:%M}"
            ids = f"{first_id} to {last_id}" if last_id != first_id else f"{first_id}"
            outcome.already_loaded = f"identical to the file loaded on {when} as submission {ids}"
        elif file_hash in seen_hashes:
            outcome.already_loaded = f"identical to {seen_hashes[file_hash].name} in this batch"
        seen_hashes.setdefault(file_hash, path)
        if result.accepted and outcome.already_loaded is None:
            history = {**history, **{(f.area_code, f.indicator_code, f.period): f.value
                                     for f in result.figures}}
        outcomes[path] = outcome
    return [outcomes[path] for path in files]


def _read(path: Path, content: bytes | None) -> RawReturn | Finding:
    if content is None:
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


def _insert(con, outcome: FileOutcome, archived_as: str, loaded_at: datetime,
            loaded_by: str) -> None:
    import pyarrow as pa  # bulk insert: DuckDB's executemany is slow row by row

    result = outcome.result
    for (area, period), figures in result.submissions().items():
        supersedes = warehouse.current_submission(con, result.agency, area, period)
        found = [q for q in queries(result.findings) if q.submission == (area, period)]
        submission_id = con.execute(
            "insert into raw.submissions (agency, area_code, period, file_name, file_hash, "
            "file_format, archived_as, loaded_at, loaded_by, supersedes, figure_count) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning submission_id",
            [result.agency, area, period, outcome.path.name, outcome.file_hash,
             result.raw.file_format, archived_as, loaded_at, loaded_by, supersedes, len(figures)],
        ).fetchone()[0]
        figure_table = pa.table({
            "submission_id": [submission_id] * len(figures),
            "source_row": [f.source_row for f in figures],
            "indicator_code": [f.indicator_code for f in figures],
            "value": [f.value for f in figures],
            "numerator": pa.array([f.numerator for f in figures], pa.float64()),
            "denominator": pa.array([f.denominator for f in figures], pa.float64()),
            "notes": pa.array([f.notes for f in figures], pa.string()),
        })
        _insert_table(con, "raw.return_figures", figure_table)
        if found:
            query_table = pa.table({
                "submission_id": [submission_id] * len(found),
                "rule_code": [q.rule for q in found],
                "sheet": pa.array([q.location.sheet for q in found], pa.string()),
                "source_row": pa.array([q.location.row for q in found], pa.int32()),
                "source_column": pa.array([q.location.column for q in found], pa.string()),
                "indicator_code": pa.array([q.indicator_code for q in found], pa.string()),
                "message": [q.message for q in found],
            })
            _insert_table(con, "raw.validation_queries", query_table)
        outcome.submissions.append(LoadedSubmission(
            submission_id, result.agency, area, period, len(figures), supersedes, len(found)))


def _insert_table(con, table: str, rows) -> None:
    con.register("incoming_rows", rows)
    try:
        con.execute(f"insert into {table} by name select * from incoming_rows")
    finally:
        con.unregister("incoming_rows")

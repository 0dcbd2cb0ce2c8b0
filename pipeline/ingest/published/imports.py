"""`pqa benchmarks load` and `pqa benchmarks neighbours`: read and check every file, then store
them all in one transaction, or nothing.

- A file with any problem means nothing is imported; the warehouse is exactly as it was.
- An identical file (same bytes, whatever its name) changes nothing and says when it came.
- A newer file of the same dataset (or neighbour model) replaces the older one: the older stays
  in the warehouse as history (`supersedes`), the marts use the newer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from pipeline.ingest import warehouse
from pipeline.ingest.load import loaded_by_default
from pipeline.ingest.published.csvfile import BenchmarkFileError, Problem
from pipeline.ingest.published.mapping import MappingReport, dataset_name, map_measures
from pipeline.ingest.published.neighbours import NeighbourFile, model_from_name, read_neighbours
from pipeline.ingest.published.tidy import TidyFile, read_tidy
from pipeline.ingest.returns.findings import Location

FIGURES, NEIGHBOURS = "figures", "neighbours"


@dataclass
class FileImport:
    path: Path
    kind: str
    dataset: str | None = None
    read: TidyFile | NeighbourFile | None = None
    problems: list[Problem] = field(default_factory=list)
    already_imported: str | None = None  # what the warehouse says of an identical earlier file
    file_id: int | None = None
    supersedes: int | None = None
    mapping: MappingReport | None = None


@dataclass
class ImportReport:
    files: list[FileImport]
    committed: bool

    @property
    def refused(self) -> list[FileImport]:
        return [f for f in self.files if f.problems]


def import_figures(
    files: list[Path],
    *,
    imported_by: str | None = None,
    dataset: str | None = None,
    filter_columns: frozenset[str] = frozenset(),
    check_only: bool = False,
) -> ImportReport:
    """Import published statistics files in the tidy layout (only read and check them, with
    `check_only`)."""
    outcomes = []
    for path in files:
        outcome = FileImport(path, FIGURES, dataset or dataset_name(path.name))
        content = _content(outcome)
        if content is not None:
            try:
                outcome.read = read_tidy(
                    path.name, content, outcome.dataset, filter_columns=filter_columns
                )
            except BenchmarkFileError as exc:
                outcome.problems = exc.problems
        if outcome.read is not None:
            figures = outcome.read.figures
            pairs = figures.group_by(["measure", "filters"]).aggregate([]).to_pylist()
            outcome.mapping = map_measures(
                outcome.dataset,
                outcome.read.measures,
                {(p["measure"], p["filters"]) for p in pairs},
            )
        outcomes.append(outcome)
    return _store(outcomes, imported_by, check_only)


def import_neighbours(
    files: list[Path],
    *,
    imported_by: str | None = None,
    model: str | None = None,
    check_only: bool = False,
) -> ImportReport:
    """Import statistical-neighbour files; the model is the year in each file's name unless
    `model` is given."""
    outcomes = []
    for path in files:
        outcome = FileImport(path, NEIGHBOURS)
        year = model or model_from_name(path.name)
        content = _content(outcome)
        if year is None:
            outcome.problems.append(
                Problem(
                    Location(path.name),
                    "the file name does not say "
                    "which model it is (such as 2021 or 2025): give it "
                    "with --model YEAR.",
                )
            )
        elif content is not None:
            outcome.dataset = f"statistical_neighbours_{year}"
            try:
                outcome.read = read_neighbours(path.name, content, year)
            except BenchmarkFileError as exc:
                outcome.problems = exc.problems
        outcomes.append(outcome)
    return _store(outcomes, imported_by, check_only)


def _content(outcome: FileImport) -> bytes | None:
    try:
        return outcome.path.read_bytes()
    except OSError as exc:
        outcome.problems.append(
            Problem(
                Location(outcome.path.name),
                f"the file could not be opened ({exc.strerror}). Check the name and folder.",
            )
        )
        return None


def _store(outcomes: list[FileImport], imported_by: str | None, check_only: bool) -> ImportReport:
    if check_only or any(o.problems for o in outcomes):
        return ImportReport(outcomes, committed=False)
    with warehouse.connect() as con:
        seen: dict[str, Path] = {}
        for outcome in outcomes:
            file_hash = outcome.read.file_hash
            earlier = con.execute(
                "select file_id, imported_at from benchmarks.files where file_hash = ? "
                "order by file_id limit 1",
                [file_hash],
            ).fetchall()
            if earlier:
                file_id, imported_at = earlier[0]
                outcome.already_imported = (
                    f"identical to the file imported on "
                    f"{imported_at:%-d %B %Y at %H:%M} as file {file_id}"
                )
            elif file_hash in seen:
                outcome.already_imported = f"identical to {seen[file_hash].name} in this import"
            seen.setdefault(file_hash, outcome.path)
        con.begin()
        try:
            imported_at = datetime.now(UTC)
            for outcome in outcomes:
                if outcome.already_imported is None:
                    _insert(con, outcome, imported_at, imported_by or loaded_by_default())
            con.commit()
        except BaseException:
            con.rollback()
            raise
    return ImportReport(outcomes, committed=True)


def _insert(con, outcome: FileImport, imported_at: datetime, imported_by: str) -> None:
    read = outcome.read
    if outcome.kind == FIGURES:
        table, target = read.figures, "benchmarks.figures"
        periods, source_rows = (read.first_period, read.last_period), read.rows_read
    else:
        table = read.neighbours.append_column(
            "model", pa.array([read.model] * read.neighbours.num_rows, pa.string())
        )
        target, periods, source_rows = "benchmarks.neighbours", (None, None), read.areas
    current = con.execute(
        "select max(file_id) from benchmarks.files where kind = ? and dataset = ?",
        [outcome.kind, outcome.dataset],
    ).fetchall()[0][0]
    outcome.file_id = con.execute(
        "insert into benchmarks.files (kind, dataset, file_name, file_hash, imported_at, "
        "imported_by, source_rows, figure_count, first_period, last_period, supersedes) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning file_id",
        [
            outcome.kind,
            outcome.dataset,
            outcome.path.name,
            read.file_hash,
            imported_at,
            imported_by,
            source_rows,
            table.num_rows,
            *periods,
            current,
        ],
    ).fetchall()[0][0]
    outcome.supersedes = current
    table = table.append_column("file_id", pa.array([outcome.file_id] * table.num_rows, pa.int32()))
    con.register("incoming_benchmarks", table)
    try:
        con.execute(f"insert into {target} by name select * from incoming_benchmarks")
    finally:
        con.unregister("incoming_benchmarks")

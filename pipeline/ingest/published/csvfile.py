"""Reading a published CSV file into its header and rows, each row with the file line it starts
on. Reading never guesses: a file that is not UTF-8 text, is empty or has rows of the wrong
length is refused with the place and what to do."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from pipeline.ingest.returns.findings import Location


@dataclass(frozen=True)
class Problem:
    """Something that stops a published file being imported."""

    location: Location
    message: str

    def describe(self) -> str:
        return f"{self.location.describe()}: {self.message}"


class BenchmarkFileError(Exception):
    """A file that cannot be imported; `problems` says every reason found."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.describe() for p in problems))
        self.problems = problems


def refuse(
    file_name: str, message: str, row: int | None = None, column: str | None = None
) -> BenchmarkFileError:
    return BenchmarkFileError([Problem(Location(file_name, row=row, column=column), message)])


@dataclass
class CsvTable:
    header: list[str]
    rows: list[list[str]]  # each as long as the header
    lines: list[int]  # the file line each row starts on


def read_csv_table(file_name: str, content: bytes) -> CsvTable:
    """The header (names stripped; a byte-order mark is dropped) and the non-blank rows."""
    if content.startswith(b"PK\x03\x04") or b"\x00" in content[:4096]:
        raise refuse(
            file_name,
            "this is not a CSV text file (it looks like a workbook or another "
            "binary file). Download the CSV file from Explore Education Statistics.",
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise refuse(
            file_name,
            "the file is not UTF-8 text. Download it again as CSV, or save "
            "it as 'CSV UTF-8 (comma delimited)'.",
            row=content[: exc.start].count(b"\n") + 1,
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows, lines, ragged = [], [], []
    start = 1
    for record in reader:
        if any(cell.strip() for cell in record):
            if header is None:
                header = [cell.strip() for cell in record]
            elif len(record) == len(header):
                rows.append(record)
                lines.append(start)
            else:
                ragged.append(
                    Problem(
                        Location(file_name, row=start),
                        f"the row has {len(record)} cells where the header has "
                        f"{len(header)}. Download the file again.",
                    )
                )
        start = reader.line_num + 1
    if header is None:
        raise refuse(file_name, "the file is empty.")
    if ragged:
        raise BenchmarkFileError(ragged[:5])
    return CsvTable(header, rows, lines)

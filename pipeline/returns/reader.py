"""Read a return file (.csv or .xlsx) into rows of raw cells that remember where they came
from. Reading never judges the figures: that is validation's job. A file that cannot be read
at all raises UnreadableReturn with the finding that says why."""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.returns.contract import (
    FROM_HEADER, HEADER_FIELDS, RETURN_SHEET, normalise_header,
)
from pipeline.returns.findings import Finding, Location, Severity

HEADER_SEARCH_ROWS = 30  # the template's header area and table header sit near the top


class UnreadableReturn(Exception):
    def __init__(self, finding: Finding):
        super().__init__(finding.describe())
        self.finding = finding


@dataclass
class RawRow:
    number: int  # as the analyst sees it: the spreadsheet row, or the CSV line
    cells: dict[str, object]


@dataclass
class RawReturn:
    file_name: str
    file_format: str  # csv or xlsx
    sheet: str | None
    columns: list[str]  # normalised header names, in file order
    column_letters: dict[str, str]  # column name -> spreadsheet letter (Excel only)
    rows: list[RawRow]
    header: dict[str, tuple[object, Location]] = field(default_factory=dict)
    # Every cell in the file, for the scan for child-level data.
    all_cells: list[tuple[Location, object]] = field(default_factory=list)
    header_row: int | None = None  # the row holding the column headings

    def where(self, row: int | None = None, column: str | None = None) -> Location:
        """Where a cell is, as the analyst would find it. Area and period taken from the
        template's header area point at the header cell."""
        if column in self.header and column not in self.columns:
            return self.header[column][1]
        label = column
        if column and column in self.column_letters:
            label = f"{self.column_letters[column]} ({column})"
        return Location(self.file_name, self.sheet, row, label)


def _refuse(path: Path, rule: str, message: str) -> UnreadableReturn:
    return UnreadableReturn(Finding(Severity.ERROR, rule, Location(path.name), message))


def read_return(path: Path, content: bytes | None = None) -> RawReturn:
    """Read the file at `path` (or its `content`, when the caller has read it already)."""
    suffix = path.suffix.lower()
    if content is None:
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise _refuse(path, "E01", f"the file could not be opened ({exc.strerror}).") from None
    if not content.strip():
        raise _refuse(path, "E03", "the file is empty. Send the return with its figures filled in.")
    if suffix == ".csv":
        return _read_csv(path, content)
    if suffix == ".xlsx":
        return _read_xlsx(path, content)
    raise _refuse(
        path, "E01",
        f"'{suffix or 'no extension'}' files are not returns. Send an Excel workbook (.xlsx) made "
        "from the template, or a CSV file (.csv).",
    )


def _read_csv(path: Path, content: bytes) -> RawReturn:
    if content.startswith(b"PK\x03\x04") or b"\x00" in content[:4096]:
        raise _refuse(path, "E01", "this is not a CSV text file (it looks like a workbook or "
                      "another binary file). Save it as 'CSV UTF-8 (comma delimited)'.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise UnreadableReturn(Finding(
            Severity.ERROR, "E02", Location(path.name, row=line),
            "the file is not saved as UTF-8 text. In Excel use Save As > 'CSV UTF-8 (comma "
            "delimited)' and send it again.")) from None
    records = [r for r in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in r)]
    if not records:
        raise _refuse(path, "E03", "the file has no rows, only blank cells. Send the return "
                      "with its figures filled in.")
    lines = _line_numbers(text)
    header = [normalise_header(h) for h in records[0]]
    rows = [
        RawRow(lines[i], {name: (cells[j].strip() if j < len(cells) else "")
                          for j, name in enumerate(header) if name})
        for i, cells in enumerate(records[1:], start=1)
    ]
    all_cells = [
        (Location(path.name, None, lines[i], header[j] if j < len(header) else None), cell)
        for i, cells in enumerate(records) for j, cell in enumerate(cells)
    ]
    return RawReturn(path.name, "csv", None, [h for h in header if h], {}, rows, {}, all_cells,
                     header_row=lines[0])


def _line_numbers(text: str) -> list[int]:
    """The file line each non-blank CSV record starts on (quoted cells may span lines)."""
    numbers, reader = [], csv.reader(io.StringIO(text, newline=""))
    start = 1
    for record in reader:
        if any(c.strip() for c in record):
            numbers.append(start)
        start = reader.line_num + 1
    return numbers


def _read_xlsx(path: Path, content: bytes) -> RawReturn:
    import openpyxl  # imported here: reading CSV should not pay for it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise _refuse(path, "E01", "the file is not a readable Excel workbook (.xlsx). Open "
                      "it in Excel, save it as an .xlsx workbook and send it again.") from None
    try:
        sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)]
                  for ws in workbook.worksheets}
    finally:
        workbook.close()
    all_cells = [
        (Location(path.name, title, r + 1, _letter(c + 1)), value)
        for title, grid in sheets.items()
        for r, row in enumerate(grid) for c, value in enumerate(row) if value is not None
    ]
    title, grid, header_row = _find_table(path, sheets)
    header_cells = grid[header_row]
    columns = [normalise_header(h) for h in header_cells]
    letters = {name: _letter(i + 1) for i, name in enumerate(columns) if name}
    rows = []
    for offset, values in enumerate(grid[header_row + 1:], start=header_row + 2):
        cells = {name: values[i] if i < len(values) else None
                 for i, name in enumerate(columns) if name}
        if any(v not in (None, "") for v in cells.values()):
            rows.append(RawRow(offset, cells))
    raw = RawReturn(path.name, "xlsx", title, [c for c in columns if c], letters, rows,
                    _header_area(path.name, title, grid[:header_row]), all_cells,
                    header_row=header_row + 1)
    _fill_from_header(raw)
    return raw


def _find_table(path: Path, sheets: dict[str, list[list[object]]]) -> tuple[str, list, int]:
    """The sheet named 'Return' if there is one, else the first sheet with an indicator_code
    column header; and the row of that header."""
    order = sorted(sheets, key=lambda t: t != RETURN_SHEET)
    for title in order:
        for r, row in enumerate(sheets[title][:HEADER_SEARCH_ROWS]):
            if any(normalise_header(v) == "indicator_code" for v in row):
                return title, sheets[title], r
    if not any(any(v is not None for row in grid for v in row) for grid in sheets.values()):
        raise _refuse(path, "E03", "the workbook is empty. Fill in the template and send it again.")
    raise UnreadableReturn(Finding(
        Severity.ERROR, "E04", Location(path.name, order[0]),
        "no table with an 'indicator_code' column was found in the first "
        f"{HEADER_SEARCH_ROWS} rows. Start from the template made by 'pqa template AGENCY'."))


def _header_area(file_name: str, sheet: str, rows: list[list[object]]) -> dict:
    """Label in column A, value in column B, above the table (agency, area_code, period)."""
    found = {}
    for r, row in enumerate(rows):
        label = normalise_header(row[0]) if row else ""
        if label in HEADER_FIELDS:
            value = row[1] if len(row) > 1 else None
            found[label] = (value, Location(file_name, sheet, r + 1, f"B ({label})"))
    return found


def _fill_from_header(raw: RawReturn) -> None:
    """Give each table row the header area's area and period when the table has no such column."""
    for name in FROM_HEADER:
        if name in raw.columns or name not in raw.header:
            continue
        value, _ = raw.header[name]
        for row in raw.rows:
            row.cells[name] = value


def _letter(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters



"""Read a return file (.csv or .xlsx) into rows of raw cells that remember where they came
from. Reading never judges the figures: that is validation's job. A file that cannot be read
at all, or passes a limit of the return contract (size, rows, columns, cells), raises
UnreadableReturn with the finding that says why, as soon as the limit is passed. Every cell of
the file, wherever it is, is kept for the privacy rule; cells outside the template's areas are
findings of their own."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline.ingest.returns import rules
from pipeline.ingest.returns.contract import (
    FROM_HEADER,
    HEADER_AREA_COLUMNS,
    HEADER_FIELDS,
    LISTS_SHEET,
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_FILE_MB,
    MAX_LINES,
    MAX_ROWS,
    RETURN_SHEET,
    normalise_header,
)
from pipeline.ingest.returns.findings import Finding, Location
from pipeline.ingest.returns.workbook import Sheet, WorkbookRefused, letter, read_workbook

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
    # Findings met while reading (cells outside the table, repeated headings, formulas with
    # no saved result): validation reports them with its own.
    problems: list[Finding] = field(default_factory=list)
    # The template's hidden drop-down lists: validation checks they hold only codes.
    template_lists: list[tuple[Location, object]] = field(default_factory=list)

    def where(self, row: int | None = None, column: str | None = None) -> Location:
        """Where a cell is, as the analyst would find it. Area and period taken from the
        template's header area point at the header cell."""
        if column in self.header and column not in self.columns:
            return self.header[column][1]
        label = column
        if column and column in self.column_letters:
            label = f"{self.column_letters[column]} ({column})"
        return Location(self.file_name, self.sheet, row, label)


def _refuse(path: Path, rule: Callable[[Location, str], Finding], message: str) -> UnreadableReturn:
    """The file refused as a whole, by the rule's function (pipeline/ingest/returns/rules.py)."""
    return UnreadableReturn(rule(Location(path.name), message))


# Said by every refusal while reading: the sender should expect the other checks next time.
NOT_READ_FURTHER = (
    " Nothing else in the file was checked, because it was refused while being read: check it "
    "again once this is put right."
)


def read_return(path: Path, content: bytes | None = None) -> RawReturn:
    """Read the file at `path` (or its `content`, when the caller has read it already). A file
    refused while being read says that nothing else in it was checked."""
    try:
        return _read_return(path, content)
    except UnreadableReturn as exc:
        finding = exc.finding
        raise UnreadableReturn(
            replace(finding, message=finding.message + NOT_READ_FURTHER)
        ) from None


def _read_return(path: Path, content: bytes | None) -> RawReturn:
    suffix = path.suffix.lower()
    if content is None:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:  # refused without reading it
                raise _too_large(path, path.stat().st_size)
            content = path.read_bytes()
        except OSError as exc:
            raise _refuse(
                path, rules.unreadable, f"the file could not be opened ({exc.strerror})."
            ) from None
    if len(content) > MAX_FILE_BYTES:
        raise _too_large(path, len(content))
    if not content.strip():
        raise _refuse(
            path, rules.empty, "the file is empty. Send the return with its figures filled in."
        )
    if suffix == ".csv":
        return _read_csv(path, content)
    if suffix == ".xlsx":
        return _read_xlsx(path, content)
    raise _refuse(
        path,
        rules.unreadable,
        f"'{suffix or 'no extension'}' files are not returns. Send an Excel workbook (.xlsx) made "
        "from the template, or a CSV file (.csv).",
    )


def _too_large(path: Path, size: int) -> UnreadableReturn:
    return _refuse(
        path,
        rules.over_limit,
        f"the file is {size / 2**20:,.1f} MB; a return is at most "
        f"{MAX_FILE_MB} MB. Check it is the right file: a quarterly return of "
        "aggregate figures is a few kilobytes.",
    )


def _read_csv(path: Path, content: bytes) -> RawReturn:
    if content.startswith(b"PK\x03\x04") or b"\x00" in content[:4096]:
        raise _refuse(
            path,
            rules.unreadable,
            "this is not a CSV text file (it looks like a workbook or "
            "another binary file). Save it as 'CSV UTF-8 (comma delimited)'.",
        )
    if b"\x00" in content:
        line = content[: content.index(b"\x00")].count(b"\n") + 1
        raise UnreadableReturn(
            rules.unreadable(
                Location(path.name, row=line),
                "this line holds a NUL character, which no text file has: the file is damaged or "
                "not a CSV. Save it again as 'CSV UTF-8 (comma delimited)' and send it again.",
            )
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise UnreadableReturn(
            rules.not_utf8(
                Location(path.name, row=line),
                "the file is not saved as UTF-8 text. In Excel use Save As > 'CSV UTF-8 (comma "
                "delimited)' and send it again.",
            )
        ) from None
    records = _csv_records(path, text)
    if not records:
        raise _refuse(
            path,
            rules.empty,
            "the file has no rows, only blank cells. Send the return with its figures filled in.",
        )
    header_line, header_cells = records[0]
    header = [normalise_header(h) for h in header_cells]
    problems = _duplicate_headings(path.name, None, header_line, header, header)
    rows = []
    for line, cells in records[1:]:
        row: dict[str, object] = {}
        for j, cell in enumerate(cells):
            name = header[j] if j < len(header) else ""
            if name:
                row.setdefault(name, cell.strip())  # a repeated heading never wins (E26)
            elif cell.strip():
                problems.append(_outside(Location(path.name, None, line, f"{j + 1} (no heading)")))
        rows.append(RawRow(line, {name: row.get(name, "") for name in header if name}))
    all_cells = [
        (
            Location(
                path.name,
                None,
                line,
                header[j] if j < len(header) and header[j] else f"{j + 1} (no heading)",
            ),
            cell,
        )
        for line, cells in records
        for j, cell in enumerate(cells)
    ]
    return RawReturn(
        path.name,
        "csv",
        None,
        list(dict.fromkeys(h for h in header if h)),
        {},
        rows,
        {},
        all_cells,
        header_row=header_line,
        problems=problems,
    )


def _csv_records(path: Path, text: str) -> list[tuple[int, list[str]]]:
    """The non-blank records with the line each starts on (quoted cells may span lines),
    stopping at the first line past a limit of the return contract."""
    records, reader, start, cells_read = [], csv.reader(io.StringIO(text, newline="")), 1, 0
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if reader.line_num > MAX_LINES:
                raise _refuse_at(
                    path,
                    line,
                    f"the file has more than {MAX_LINES:,} lines, far "
                    "more than a quarterly return needs. Check it is the right "
                    "file, delete the blank lines and send it again.",
                )
            if not any(c.strip() for c in cells):
                continue
            cells_read += len(cells)
            if len(cells) > MAX_COLUMNS:
                raise _refuse_at(
                    path,
                    line,
                    f"this line has {len(cells):,} cells; a return "
                    f"has at most {MAX_COLUMNS}. Remove the extra columns and "
                    "send it again.",
                )
            if any(len(c) > MAX_CELL_CHARS for c in cells):
                raise _refuse_at(
                    path,
                    line,
                    f"a cell on this line holds more than "
                    f"{MAX_CELL_CHARS:,} characters. Write a shorter note: a return "
                    "holds figures and short notes only.",
                )
            if len(records) > MAX_ROWS or cells_read > MAX_CELLS:
                raise _refuse_at(
                    path,
                    line,
                    f"the file has more than {MAX_ROWS:,} rows, far "
                    "more than a quarterly return needs. Check it is the right "
                    "file, or split it and send the parts one by one.",
                )
            records.append((line, cells))
    except csv.Error:
        raise _refuse_at(
            path,
            start,
            "this line cannot be read as CSV (a cell is far too long "
            "or a quotation mark is not closed). Correct it and send it again.",
            rules.unreadable,
        ) from None
    return records


def _refuse_at(
    path: Path, line: int, message: str, rule: Callable[[Location, str], Finding] = rules.over_limit
) -> UnreadableReturn:
    return UnreadableReturn(rule(Location(path.name, row=line), message))


def _outside(location: Location) -> Finding:
    """A filled cell where a return has nothing: its content is never repeated (it may be
    about a child)."""
    return rules.outside_table(
        location,
        "this cell is outside the return's table "
        "(it has no column heading, or lies beyond the table or on another sheet). "
        "Delete it, or move a figure into the table, and send the return again.",
    )


def _duplicate_headings(
    file_name: str, sheet: str | None, row: int, header: list[str], labels: list[str]
) -> list[Finding]:
    seen: set[str] = set()
    found = []
    for name, label in zip(header, labels):
        if name and name in seen:
            found.append(
                rules.heading_twice(
                    Location(file_name, sheet, row, label),
                    f"the heading '{name}' appears twice. Keep one column "
                    f"'{name}' and delete or rename the other.",
                )
            )
        seen.add(name)
    return found


def _read_xlsx(path: Path, content: bytes) -> RawReturn:
    try:
        book = read_workbook(path.name, content)
    except WorkbookRefused as exc:
        raise UnreadableReturn(exc.rule(exc.location or Location(path.name), exc.message)) from None
    all_cells = [
        (Location(path.name, sheet.title, r, letter(c)), value)
        for sheet in book.sheets
        for (r, c), value in sorted(sheet.cells.items())
    ]
    all_cells += book.other_text
    sheet, header_row = _find_table(path, book.sheets)
    grid = _by_row(sheet.cells)
    header_cells = grid[header_row]
    columns = [normalise_header(header_cells.get(c)) for c in range(1, max(header_cells) + 1)]
    letters = {name: letter(i + 1) for i, name in reversed(list(enumerate(columns))) if name}
    problems = book.problems + _duplicate_headings(
        path.name,
        sheet.title,
        header_row,
        columns,
        [f"{letter(i + 1)} ({name})" for i, name in enumerate(columns)],
    )
    rows = []
    for number in sorted(r for r in grid if r > header_row):
        values = grid[number]
        cells: dict[str, object] = {}
        for c, name in enumerate(columns, start=1):
            if name:
                cells.setdefault(name, values.get(c))
        if any(v not in (None, "") for v in cells.values()):
            rows.append(RawRow(number, cells))
    problems += [
        _outside(Location(path.name, sheet.title, r, letter(c)))
        for (r, c) in sorted(sheet.cells)
        if not _in_template_area(r, c, header_row, columns)
    ]
    lists = []
    for other in book.sheets:
        if other is sheet or not other.cells:
            continue
        if other.title == LISTS_SHEET:
            lists += [
                (Location(path.name, other.title, r, letter(c)), value)
                for (r, c), value in sorted(other.cells.items())
            ]
        else:
            r, c = min(other.cells)
            problems.append(
                rules.outside_table(
                    Location(path.name, other.title, r, letter(c)),
                    f"this sheet holds {len(other.cells):,} filled cell(s), and a return has only "
                    f"its '{RETURN_SHEET}' sheet. Delete the sheet (or its cells) and send the "
                    "return again.",
                )
            )
    raw = RawReturn(
        path.name,
        "xlsx",
        sheet.title,
        list(dict.fromkeys(c for c in columns if c)),
        letters,
        rows,
        _header_area(path.name, sheet.title, grid, header_row),
        all_cells,
        header_row=header_row,
        problems=problems,
        template_lists=lists,
    )
    _fill_from_header(raw)
    return raw


def _by_row(cells: dict[tuple[int, int], object]) -> dict[int, dict[int, object]]:
    grid: dict[int, dict[int, object]] = {}
    for (r, c), value in cells.items():
        grid.setdefault(r, {})[c] = value
    return grid


def _in_template_area(row: int, column: int, header_row: int, columns: list[str]) -> bool:
    """The header area above the table (label, value, hint), or a column of the table that
    has a heading."""
    if row < header_row:
        return column <= HEADER_AREA_COLUMNS
    return column <= len(columns) and bool(columns[column - 1])


def _find_table(path: Path, sheets: list[Sheet]) -> tuple[Sheet, int]:
    """The sheet named 'Return' if there is one, else the first sheet with an indicator_code
    column header; and the row of that header."""
    order = sorted(sheets, key=lambda s: s.title != RETURN_SHEET)
    for sheet in order:
        for (r, _column), value in sorted(sheet.cells.items()):
            if r > HEADER_SEARCH_ROWS:
                break
            if normalise_header(value) == "indicator_code":
                return sheet, r
    if not any(sheet.cells for sheet in sheets):
        raise _refuse(
            path, rules.empty, "the workbook is empty. Fill in the template and send it again."
        )
    raise UnreadableReturn(
        rules.missing_column(
            Location(path.name, order[0].title),
            "no table with an 'indicator_code' column was found in the first "
            f"{HEADER_SEARCH_ROWS} rows. Start from the template made by 'pqa template AGENCY'.",
        )
    )


def _header_area(
    file_name: str, sheet: str, grid: dict[int, dict[int, object]], header_row: int
) -> dict:
    """Label in column A, value in column B, above the table (agency, area_code, period)."""
    found = {}
    for r in sorted(r for r in grid if r < header_row):
        label = normalise_header(grid[r].get(1))
        if label in HEADER_FIELDS:
            found[label] = (grid[r].get(2), Location(file_name, sheet, r, f"B ({label})"))
    return found


def _fill_from_header(raw: RawReturn) -> None:
    """Give each table row the header area's area and period when the table has no such column."""
    for name in FROM_HEADER:
        if name in raw.columns or name not in raw.header:
            continue
        value, _ = raw.header[name]
        for row in raw.rows:
            row.cells[name] = value

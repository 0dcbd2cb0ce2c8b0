"""Text written into the spreadsheets people open: always text, never a live formula.

Responses, owners and impact are typed by people, and spreadsheet programs run a cell that
starts with `=`, `+`, `-` or `@` (or a tab or carriage return before one) as a formula: a
response `=HYPERLINK("http://...","Click for the action plan")` would become a live link in
the yearly report. Every Excel workbook and CSV file the product writes for people goes
through this module:

* in Excel, every text cell is stored as a text cell (never a formula) and a formula-like one
  also carries Excel's "quote prefix" mark, so it shows exactly what was recorded and stays
  text even when someone edits it;
* in CSV, which has no cell types, a formula-like text gets a leading apostrophe, the mark
  spreadsheet programs read as "this is text"; rows end in CRLF (RFC 4180), so a field holding
  a carriage return is quoted and cannot start a row of its own.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

# What a spreadsheet program may take as the start of a formula (OWASP's list), and the
# full-width forms some programs also accept.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
TEXT_MARK = "'"


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet could read the text as a formula, even behind spaces or line
    breaks (some programs trim them before looking)."""
    return text.startswith(FORMULA_STARTS) or text.lstrip(" \n\r\t").startswith(FORMULA_STARTS)


def for_csv(value: Any) -> Any:
    """A value ready for a CSV cell: formula-like text marked as text, anything else as it is."""
    if isinstance(value, str) and looks_like_formula(value):
        return TEXT_MARK + value
    return value


def set_cell(cell: Cell, value: Any) -> None:
    """Put a value in an Excel cell; text always goes in as text."""
    value = _plain(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl makes any text starting with "=" a formula
        if looks_like_formula(value):
            cell.quotePrefix = True


def append_row(sheet: Worksheet, values: Iterable[Any]) -> None:
    """`sheet.append`, with every text written as text."""
    row = sheet.max_row + 1 if sheet.max_row > 1 or sheet.cell(1, 1).value is not None else 1
    for column, value in enumerate(values, start=1):
        set_cell(sheet.cell(row=row, column=column), value)


def frames_to_excel(sheets: dict[str, pd.DataFrame]) -> bytes:
    """A workbook of one sheet per table, a bold heading row then the rows, text as text."""
    book = Workbook()
    book.remove(book.active)
    for title, frame in sheets.items():
        sheet = book.create_sheet(title)
        append_row(sheet, [str(c) for c in frame.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in frame.itertuples(index=False, name=None):
            append_row(sheet, values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def frame_to_csv(frame: pd.DataFrame) -> bytes:
    """A table as UTF-8 CSV, formula-like text marked as text."""
    buffer = io.StringIO(newline="")
    # with "\n" alone, csv leaves a bare "\r" unquoted: Excel would start a new row there
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([for_csv(str(c)) for c in frame.columns])
    for values in frame.itertuples(index=False, name=None):
        writer.writerow([for_csv(v) for v in map(_plain, values)])
    return buffer.getvalue().encode("utf-8")


def _plain(value: Any) -> Any:
    """Python's own types for a cell: numpy numbers as numbers, missing values as empty."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar to int, float or bool
        if isinstance(value, float) and math.isnan(value):
            return None
    return value

"""The table the partnership puts in its yearly report: "Questions / matters raised |
Response | Impact", as Markdown and as an Excel workbook.

Responses and impact are typed by people, so both files carry them as plain text: in the
workbook never as a formula (pipeline/core/text_cells.py), in the Markdown never as HTML, a link or
an image (every character Markdown gives a meaning to is escaped)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from pipeline.core.text_cells import append_row
from pipeline.flags import review_log

HEADINGS = ("Questions / matters raised", "Response", "Impact")


def rows_for_report(financial_year: str | None = None, area: str | None = None) -> list[dict]:
    """Flags the executive group has taken up (any status but open), plus every flag the data
    still raises; in order of quarter. `financial_year` like 2024-25 keeps that year's only,
    `area` one area's."""
    chosen = [
        f
        for f in review_log.flags()
        if (f["status"] != "open" or f["indicated"])
        and (financial_year is None or f["period"].startswith(financial_year))
        and area in (None, f["area_code"])
    ]
    return sorted(chosen, key=lambda f: (f["period"], f["agency"], f["indicator_code"] or ""))


def write_markdown(rows: list[dict], path: Path) -> Path:
    lines = [f"| {' | '.join(HEADINGS)} |", "|---|---|---|"]
    for row in rows:
        cells = [row["question"], row["response"] or "", row["impact"] or ""]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_excel(rows: list[dict], path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "Questions raised"
    append_row(sheet, HEADINGS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(sheet, [row["question"], row["response"] or "", row["impact"] or ""])
    for column, width in zip("ABC", (70, 50, 40)):
        sheet.column_dimensions[column].width = width
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    book.save(path)
    return path


# Characters with a meaning in Markdown (links, images, emphasis, code, tables), written with a
# backslash so they show as themselves; &, < and > as HTML entities, so no tag gets through.
_MARKDOWN = {c: "\\" + c for c in "\\`*_[]()!|~#{}"}
_MARKDOWN.update({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "", "\n": "<br>"})


def _cell(text: str) -> str:
    """Recorded text as the text of one Markdown table cell: shown exactly as typed, line
    breaks as <br> (a table cell cannot hold one), never a tag, a link or an image."""
    return "".join(_MARKDOWN.get(c, c) for c in text)

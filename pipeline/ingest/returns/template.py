"""The Excel template for one agency's quarterly return: agency, area and period in a header
area, one row per indicator with its plain label and definition, and drop-down lists."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pipeline.core.catalogue import DEFAULT_AREA, Catalogue, Indicator
from pipeline.core.periods import PeriodError, Quarter, quarters_between
from pipeline.ingest.returns.contract import LISTS_SHEET, RETURN_SHEET

TABLE_HEADER_ROW = 7
HEADINGS = (
    "Indicator code",
    "Indicator",
    "Definition",
    "Value",
    "Numerator",
    "Denominator",
    "Notes",
)
WIDTHS = (40, 45, 80, 12, 12, 13, 40)
FIRST_LISTED_PERIOD = Quarter(2021, 1)


class TemplateError(ValueError):
    pass


def what_to_enter(indicator: Indicator) -> str:
    if indicator.kind == "count":
        return "Enter a whole number."
    if indicator.kind == "proportion":
        return "Enter the percentage (0 to 100) with its numerator and denominator."
    if indicator.kind == "rate_per_10k":
        return (
            "Enter the rate per 10,000 with its numerator and the population of children "
            "aged 0 to 17 as denominator."
        )
    return "Enter the average with the total (numerator) and the number of children (denominator)."


def write_template(
    catalogue: Catalogue,
    agency: str,
    area_code: str = DEFAULT_AREA,
    period: str | None = None,
    out: Path | None = None,
    today: date | None = None,
) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    if agency not in catalogue.agencies:
        raise TemplateError(
            f"'{agency}' is not an agency. Use one of: {', '.join(catalogue.agencies)}."
        )
    if area_code not in catalogue.areas:
        raise TemplateError(f"'{area_code}' is not a local authority code the product knows.")
    last_ended = Quarter.containing(today or date.today()).previous()
    try:
        quarter = Quarter.parse(period) if period else last_ended
    except PeriodError as exc:
        raise TemplateError(f"{exc}.") from None
    out = out or Path(f"{agency}_{area_code}_{quarter.label.replace(' ', '_')}.xlsx")

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = RETURN_SHEET
    bold = Font(bold=True)
    sheet["A1"] = f"Quarterly return: {catalogue.agencies[agency]}"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = (
        "Aggregate figures only: nothing about an individual child. Leave a row's "
        "value blank if you have no figure for it this quarter."
    )
    header = (
        ("Agency", agency, catalogue.agencies[agency]),
        ("Area code", area_code, catalogue.areas[area_code]),
        ("Period", quarter.label, "Financial-year quarter: Q1 is April to June"),
    )
    for row, (label, value, hint) in enumerate(header, start=3):
        sheet.cell(row, 1, label).font = bold
        sheet.cell(row, 2, value)
        sheet.cell(row, 3, hint)
    for column, (heading, width) in enumerate(zip(HEADINGS, WIDTHS), start=1):
        cell = sheet.cell(TABLE_HEADER_ROW, column, heading)
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        sheet.column_dimensions[cell.column_letter].width = width
    indicators = catalogue.for_agency(agency)
    for row, indicator in enumerate(indicators, start=TABLE_HEADER_ROW + 1):
        sheet.cell(row, 1, indicator.code)
        sheet.cell(row, 2, indicator.label)
        sheet.cell(row, 3, f"{indicator.definition} {what_to_enter(indicator)}")
        sheet.cell(row, 3).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = sheet.cell(TABLE_HEADER_ROW + 1, 1)

    lists = workbook.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    periods = [q.label for q in quarters_between(FIRST_LISTED_PERIOD, last_ended)]
    columns = ([i.code for i in indicators], periods, sorted(catalogue.areas))
    for column, values in enumerate(columns, start=1):
        for row, value in enumerate(values, start=1):
            lists.cell(row, column, value)
    last_row = TABLE_HEADER_ROW + len(indicators) + 20  # room for rows an agency adds
    _drop_down(
        sheet,
        DataValidation,
        f"{LISTS_SHEET}!$A$1:$A${len(indicators)}",
        f"A{TABLE_HEADER_ROW + 1}:A{last_row}",
    )
    _drop_down(sheet, DataValidation, f"{LISTS_SHEET}!$B$1:$B${len(periods)}", "B5")
    _drop_down(sheet, DataValidation, f"{LISTS_SHEET}!$C$1:$C${len(catalogue.areas)}", "B4")
    numbers = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        showErrorMessage=True,
        error="Enter a number of 0 or more.",
    )
    numbers.add(f"D{TABLE_HEADER_ROW + 1}:F{last_row}")
    sheet.add_data_validation(numbers)
    out.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(out)
    return out


def _drop_down(sheet, DataValidation, source: str, cells: str) -> None:
    validation = DataValidation(
        type="list",
        formula1=f"={source}",
        allow_blank=True,
        showErrorMessage=True,
        error="Choose a value from the list.",
    )
    validation.add(cells)
    sheet.add_data_validation(validation)

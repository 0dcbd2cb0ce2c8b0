"""One rule, one test, a rule code each.

For every code in the rule book (`RULES` in pipeline/ingest/returns/rules.py) there is at least one
case: a real file that breaks exactly that rule, and the closest correct variant of it. Each case
is checked three ways:

* the breaking file gives a finding with that code, the rule book's severity, at the right row
  and column, and no other finding (except the few a mistake cannot help causing, listed in
  `also`); an Error refuses the file, a Query lets it load;
* the finding's message is plain words that say what to do, and repeats no child-level value;
* the closest correct variant does not give that code and is accepted.

A last test fails when a rule is added to `RULES` without a case here.

Files go through the public API, `load_returns(..., check_only=True)`, as `pqa check` does.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName

from pipeline.core.catalogue import load_catalogue
from pipeline.core.paths import PROJECT_ROOT
from pipeline.ingest.load import load_returns
from pipeline.ingest.returns.contract import MAX_CELL_CHARS, MAX_CELLS, MAX_FILE_BYTES, MAX_ROWS
from pipeline.ingest.returns.findings import Location, Severity
from pipeline.ingest.returns.reader import NOT_READ_FURTHER
from pipeline.ingest.returns.rules import RULES
from pipeline.ingest.returns.template import write_template
from pipeline.ingest.returns.validate import NOT_CHECKED_FURTHER, ValidatedReturn
from tests.conftest import TIDY_HEADER, TODAY, good_housing_rows, write_csv

AREA = "E06000046"
Q2, Q3 = "2024-25 Q2", "2024-25 Q3"
FAMILIES, CHILDREN = "families_in_bed_and_breakfast", "children_in_bed_and_breakfast"
WITH_NOTES = [*TIDY_HEADER, "notes"]
WITH_AGENCY = [*TIDY_HEADER, "agency"]
RETURN = "Return"  # the template's sheet

Build = Callable[[Path], Path]  # writes a return file into a folder and gives its path


# --- Running a file through validation ---------------------------------------------------------


def check(path: Path) -> ValidatedReturn:
    """Validate one file as `pqa check` does: nothing is written to the warehouse."""
    return load_returns([path], check_only=True, today=TODAY).outcomes[0].result


def described(result: ValidatedReturn) -> str:
    return "\n".join(f.describe() for f in result.findings) or "no findings"


# --- Building return files ---------------------------------------------------------------------


def fig(
    code: str,
    value: object,
    numerator: object = "",
    denominator: object = "",
    period: str = Q3,
    area: str = AREA,
) -> list[object]:
    """One row of a tidy CSV return (TIDY_HEADER order)."""
    return [area, period, code, value, numerator, denominator]


def csv_of(
    rows: list[list[object]],
    header: list[str] = TIDY_HEADER,
    name: str = "return.csv",
    before: str = "",
) -> Build:
    """A CSV return; `before` is text written ahead of the header (e.g. a blank line)."""

    def build(folder: Path) -> Path:
        path = write_csv(folder / name, rows, header)
        if before:
            path.write_text(before + path.read_text(encoding="utf-8"), encoding="utf-8")
        return path

    return build


def bytes_of(content: bytes, name: str) -> Build:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content)
        return path

    return build


def no_file(name: str) -> Build:
    return lambda folder: folder / name


HOUSING_FIGURES = {FAMILIES: (41,), CHILDREN: (78,)}


def template(
    values: dict[str, tuple] = HOUSING_FIGURES,
    cells: dict[str, object] | None = None,
    agency: str = "housing",
    name: str = "return.xlsx",
) -> Build:
    """The Excel template for `agency`, with value/numerator/denominator (columns D, E, F) filled
    for the given indicators, then any other cells overwritten ({'B3': 'polis'})."""

    def build(folder: Path) -> Path:
        path = write_template(load_catalogue(), agency, AREA, Q3, folder / name, today=TODAY)
        workbook = openpyxl.load_workbook(path)
        sheet = workbook[RETURN]
        row_of = {sheet.cell(r, 1).value: r for r in range(8, sheet.max_row + 1)}
        for code, figures in values.items():
            for column, figure in zip("DEF", figures):
                sheet[f"{column}{row_of[code]}"] = figure
        for ref, value in (cells or {}).items():
            sheet[ref] = value
        workbook.save(path)
        return path

    return build


def edited(build: Build, edit: Callable[[openpyxl.Workbook], None]) -> Build:
    """A workbook changed through openpyxl, as Excel would save it."""

    def build_edited(folder: Path) -> Path:
        path = build(folder)
        workbook = openpyxl.load_workbook(path)
        edit(workbook)
        workbook.save(path)
        return path

    return build_edited


def zipped(build: Build, edit: Callable[[dict[str, bytes]], None]) -> Build:
    """A workbook whose parts (file name -> bytes inside the zip) are changed directly, as a
    hand-made or hostile file would be."""

    def build_zipped(folder: Path) -> Path:
        path = build(folder)
        with zipfile.ZipFile(path) as source:
            parts = {name: source.read(name) for name in source.namelist()}
        edit(parts)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
            for name, data in parts.items():
                target.writestr(name, data)
        return path

    return build_zipped


def add_part(name: str, data: bytes) -> Callable[[dict[str, bytes]], None]:
    return lambda parts: parts.__setitem__(name, data)


def in_sheet(
    old: bytes, new: bytes, part: str = "xl/worksheets/sheet1.xml"
) -> Callable[[dict[str, bytes]], None]:
    def edit(parts: dict[str, bytes]) -> None:
        assert old in parts[part]
        parts[part] = parts[part].replace(old, new, 1)

    return edit


def set_cells(sheet: str, cells: dict[str, object]) -> Callable[[openpyxl.Workbook], None]:
    def edit(workbook: openpyxl.Workbook) -> None:
        target = workbook[sheet] if sheet in workbook.sheetnames else workbook.create_sheet(sheet)
        for ref, value in cells.items():
            target[ref] = value

    return edit


def empty_workbook(name: str = "return.xlsx") -> Build:
    def build(folder: Path) -> Path:
        openpyxl.Workbook().save(folder / name)
        return folder / name

    return build


def _list_validation(workbook: openpyxl.Workbook, formula: str) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    validation = DataValidation(type="list", formula1=formula)
    validation.add("G8")
    workbook[RETURN].add_data_validation(validation)


def after_loading(earlier: Build, later: Build) -> Build:
    """Load an earlier quarter into the warehouse for real, then give the later file."""

    def build(folder: Path) -> Path:
        earlier_folder = folder / "earlier"
        earlier_folder.mkdir()
        report = load_returns([earlier(earlier_folder)], today=TODAY)
        assert report.committed, described(report.outcomes[0].result)
        return later(folder)

    return build


def housing_with(*rows: list[object], period: str = Q3, **kwargs) -> Build:
    """The two housing figures (so Q04 stays quiet) followed by `rows`."""
    return csv_of([*good_housing_rows(period), *rows], **kwargs)


# Children's social care figures that agree with each other.
REFERRALS = [
    fig("referrals", 3870),
    fig("rereferrals", 1610),
    fig("rereferral_pct", 41.6, 1610, 3870),
]
CP_PARTS = {
    "cp_category_neglect": 40,
    "cp_category_emotional": 30,
    "cp_category_sexual": 10,
    "cp_category_physical": 10,
    "cp_category_multiple": 10,
}


def cp_plans(total: int, **parts: int) -> list[list[object]]:
    return [fig("cp_plans", total)] + [fig(c, parts.get(c, v)) for c, v in CP_PARTS.items()]


# --- The cases ---------------------------------------------------------------------------------


class At(NamedTuple):
    """Where the finding must point: the spreadsheet row (or CSV line) and the column as the
    product labels it ('D (value)' in Excel). None where the rule has no row or column."""

    row: int | None
    column: str | None
    sheet: str | None = None


@dataclass(frozen=True)
class Case:
    code: str
    name: str
    bad: Build  # breaks exactly this rule
    good: Build  # the closest correct variant
    at: At
    also: frozenset[str] = frozenset()  # other codes the mistake cannot help causing
    secrets: tuple[str, ...] = ()  # child-level values no message may repeat

    def __str__(self) -> str:
        return f"{self.code}-{self.name}"


def case(code, name, bad, good, at, also=(), secrets=()) -> Case:
    return Case(code, name, bad, good, at, frozenset(also), tuple(secrets))


GOOD_CSV = housing_with()
GOOD_XLSX = template()
NHS_NUMBER = "943 476 5919"  # passes the modulus 11 check
POSTCODE = "PO30 1UD"

CASES = [
    # E01-E04: the file as a whole.
    case(
        "E01",
        "xlsx-that-is-not-a-zip",
        bytes_of(b"area_code,period\nnot a workbook\n", "return.xlsx"),
        GOOD_XLSX,
        At(None, None),
    ),
    case(
        "E01",
        "workbook-saved-as-csv",
        lambda f: GOOD_XLSX(f).rename(f / "return.csv"),
        GOOD_CSV,
        At(None, None),
    ),
    case(
        "E01",
        "wrong-extension",
        lambda f: GOOD_CSV(f).rename(f / "return.txt"),
        GOOD_CSV,
        At(None, None),
    ),
    case("E01", "no-such-file", no_file("missing.csv"), GOOD_CSV, At(None, None)),
    case(
        "E01",
        "nul-byte-after-the-first-lines",
        bytes_of(
            b"area_code,period,indicator_code,value,notes\n" + b" " * 5000 + b"\n"
            b"E06000046,2024-25 Q3,families_in_bed_and_breakfast,41,\n"
            b"E06000046,2024-25 Q3,children_in_bed_and_breakfast,78,a\x00b\n",
            "return.csv",
        ),
        bytes_of(
            b"area_code,period,indicator_code,value,notes\n" + b" " * 5000 + b"\n"
            b"E06000046,2024-25 Q3,families_in_bed_and_breakfast,41,\n"
            b"E06000046,2024-25 Q3,children_in_bed_and_breakfast,78,a b\n",
            "return.csv",
        ),
        At(4, None),
    ),
    case(
        "E02",
        "latin-1-csv",
        bytes_of(
            b"area_code,period,indicator_code,value,notes\n"
            b"E06000046,2024-25 Q3,families_in_bed_and_breakfast,41,\n"
            b"E06000046,2024-25 Q3,children_in_bed_and_breakfast,78,caf\xe9\n",
            "return.csv",
        ),
        bytes_of(
            "area_code,period,indicator_code,value,notes\n"
            "E06000046,2024-25 Q3,families_in_bed_and_breakfast,41,\n"
            "E06000046,2024-25 Q3,children_in_bed_and_breakfast,78,caf\u00e9\n".encode("utf-8"),
            "return.csv",
        ),
        At(3, None),
    ),
    case("E03", "empty-file", bytes_of(b"", "return.csv"), GOOD_CSV, At(None, None)),
    case("E03", "header-only", csv_of([]), GOOD_CSV, At(None, "value")),
    case(
        "E03",
        "byte-order-mark-only",
        bytes_of(b"\xef\xbb\xbf", "return.csv"),
        # What Excel's 'CSV UTF-8' writes: a byte-order mark, then the table.
        bytes_of(
            b"\xef\xbb\xbfarea_code,period,indicator_code,value\r\n"
            b"E06000046,2024-25 Q3,families_in_bed_and_breakfast,41\r\n"
            b"E06000046,2024-25 Q3,children_in_bed_and_breakfast,78\r\n",
            "return.csv",
        ),
        At(None, None),
    ),
    case(
        "E03",
        "only-empty-cells",
        bytes_of(b",,,\r\n,,,\r\n", "return.csv"),
        GOOD_CSV,
        At(None, None),
    ),
    case("E03", "empty-workbook", empty_workbook(), GOOD_XLSX, At(None, None)),
    case("E03", "template-with-no-values", template({}), GOOD_XLSX, At(None, "D (value)", RETURN)),
    case(
        "E04",
        "no-value-column",
        csv_of(
            [[AREA, Q3, FAMILIES], [AREA, Q3, CHILDREN]], ["area_code", "period", "indicator_code"]
        ),
        csv_of(
            [[AREA, Q3, FAMILIES, 41], [AREA, Q3, CHILDREN, 78]],
            ["area_code", "period", "indicator_code", "value"],
        ),
        At(1, None),
    ),
    case(
        "E04",
        "workbook-without-a-table",
        template(cells={"A7": "Code"}),
        GOOD_XLSX,
        At(None, None, RETURN),
    ),
    case(
        "E04",
        "template-without-period",
        template(cells={"A5": None}),
        GOOD_XLSX,
        At(7, None, RETURN),
    ),
    # E05-E06: columns and child-level data.
    case(
        "E05",
        "comments-column",
        csv_of([[*r, "checked"] for r in good_housing_rows()], [*TIDY_HEADER, "comments"]),
        csv_of([[*r, "checked"] for r in good_housing_rows()], WITH_NOTES),
        At(1, "comments"),
    ),
    case(
        "E05",
        "comments-column-after-a-blank-line",
        csv_of(
            [[*r, "checked"] for r in good_housing_rows()],
            [*TIDY_HEADER, "comments"],
            before="\r\n",
        ),
        csv_of([[*r, "checked"] for r in good_housing_rows()], WITH_NOTES, before="\r\n"),
        At(2, "comments"),
    ),
    case(
        "E05",
        "comments-column-in-template",
        template(cells={"H7": "Comments", "H8": "checked"}),
        template(cells={"G8": "checked"}),
        At(7, "H (comments)", RETURN),
    ),
    case(
        "E06",
        "date-of-birth-heading",
        csv_of([[*r, ""] for r in good_housing_rows()], [*TIDY_HEADER, "date_of_birth"]),
        GOOD_CSV,
        At(1, "date_of_birth"),
    ),
    case(
        "E06",
        "date-of-birth-heading-in-template",
        template(cells={"H7": "Date of birth"}),
        GOOD_XLSX,
        At(7, "H (date_of_birth)", RETURN),
    ),
    case(
        "E06",
        "nhs-number-in-notes",
        csv_of([[*fig(FAMILIES, 41), NHS_NUMBER], [*fig(CHILDREN, 78), ""]], WITH_NOTES),
        # The same digits with a wrong check digit are not an NHS number.
        csv_of([[*fig(FAMILIES, 41), "943 476 5918"], [*fig(CHILDREN, 78), ""]], WITH_NOTES),
        At(2, "notes"),
        secrets=(NHS_NUMBER, NHS_NUMBER.replace(" ", "")),
    ),
    case(
        "E06",
        "postcode-in-notes",
        csv_of(
            [[*fig(FAMILIES, 41), ""], [*fig(CHILDREN, 78), f"family at {POSTCODE}"]], WITH_NOTES
        ),
        csv_of(
            [[*fig(FAMILIES, 41), ""], [*fig(CHILDREN, 78), "families across PO30"]], WITH_NOTES
        ),
        At(3, "notes"),
        secrets=(POSTCODE, POSTCODE.replace(" ", "")),
    ),
    case(
        "E06",
        "date-cell-in-template",
        template(cells={"G8": datetime(2015, 3, 12)}),
        template(cells={"G8": "placed since March 2025"}),
        At(8, "G", RETURN),
        secrets=("2015-03-12", "12/03/2015", "12 March 2015"),
    ),
    case(
        "E06",
        "nhs-number-on-a-hidden-sheet",
        edited(
            GOOD_XLSX,
            lambda wb: (
                set_cells("Cases", {"B3": NHS_NUMBER})(wb),
                setattr(wb["Cases"], "sheet_state", "hidden"),
            ),
        ),
        edited(GOOD_XLSX, lambda wb: setattr(wb.create_sheet("Cases"), "sheet_state", "hidden")),
        At(3, "B", "Cases"),
        also={"E24"},
        secrets=(NHS_NUMBER, NHS_NUMBER.replace(" ", "")),
    ),
    case(
        "E06",
        "postcode-in-a-drop-down-list-of-the-sheet",
        edited(GOOD_XLSX, lambda wb: _list_validation(wb, f'"{POSTCODE},elsewhere"')),
        edited(GOOD_XLSX, lambda wb: _list_validation(wb, '"yes,no"')),
        At(None, None, RETURN),
        secrets=(POSTCODE,),
    ),
    # E07-E09: agency and indicators.
    case(
        "E07",
        "unknown-agency-column",
        csv_of([[*r, "polis"] for r in good_housing_rows()], WITH_AGENCY),
        csv_of([[*r, "housing"] for r in good_housing_rows()], WITH_AGENCY),
        At(2, "agency"),
    ),
    case(
        "E07",
        "unknown-agency-in-template",
        template(cells={"B3": "polis"}),
        GOOD_XLSX,
        At(3, "B (agency)", RETURN),
    ),
    case(
        "E08",
        "housing-figures-from-police",
        csv_of([[*r, "police"] for r in good_housing_rows()], WITH_AGENCY),
        csv_of([[*r, "housing"] for r in good_housing_rows()], WITH_AGENCY),
        At(2, "indicator_code"),
    ),
    case(
        "E08",
        "housing-template-from-police",
        template(cells={"B3": "police"}),
        GOOD_XLSX,
        At(8, "A (indicator_code)", RETURN),
    ),
    case(
        "E08",
        "two-agencies-mixed",
        housing_with(fig("domestic_abuse_incidents_child_present", 12)),
        GOOD_CSV,
        At(None, "indicator_code"),
    ),
    case(
        "E09",
        "unknown-indicator",
        csv_of([fig("families_in_b_and_b", 41), fig(CHILDREN, 78)]),
        GOOD_CSV,
        At(2, "indicator_code"),
    ),
    case(
        "E09",
        "blank-indicator",
        csv_of([fig("", 41), fig(CHILDREN, 78)]),
        GOOD_CSV,
        At(2, "indicator_code"),
    ),
    # E10-E14: area and period.
    case(
        "E10",
        "area-code-too-short",
        csv_of([fig(FAMILIES, 41, area="E0600004"), fig(CHILDREN, 78)]),
        GOOD_CSV,
        At(2, "area_code"),
    ),
    case(
        "E10",
        "area-code-in-template-header",
        template(cells={"B4": "E0600004"}),
        GOOD_XLSX,
        At(4, "B (area_code)", RETURN),
    ),
    case(
        "E11",
        "unknown-area",
        csv_of([fig(FAMILIES, 41, area="E06999999"), fig(CHILDREN, 78)]),
        GOOD_CSV,
        At(2, "area_code"),
    ),
    case(
        "E12", "slash-in-period", csv_of(good_housing_rows("2024/25 Q3")), GOOD_CSV, At(2, "period")
    ),
    case(
        "E12",
        "years-not-consecutive",
        csv_of(good_housing_rows("2024-26 Q3")),
        GOOD_CSV,
        At(2, "period"),
    ),
    case(
        "E12",
        "period-in-template-header",
        template(cells={"B5": "2024/25 Q3"}),
        GOOD_XLSX,
        At(5, "B (period)", RETURN),
    ),
    case(
        "E13",
        "future-period",
        csv_of(good_housing_rows("2027-28 Q1")),
        csv_of(good_housing_rows("2026-27 Q2")),
        At(2, "period"),
    ),
    case(
        "E14",
        "period-not-ended",
        csv_of(good_housing_rows("2026-27 Q3")),
        csv_of(good_housing_rows("2026-27 Q2")),
        At(2, "period"),
    ),
    # E15-E21: the figures.
    case(
        "E15",
        "words-for-a-value",
        csv_of([fig(FAMILIES, "forty one"), fig(CHILDREN, 78)]),
        GOOD_CSV,
        At(2, "value"),
    ),
    case(
        "E15",
        "blank-value-with-numerator",
        csv_of([*REFERRALS[:2], fig("rereferral_pct", "", 1610, 3870)]),
        csv_of(REFERRALS),
        At(4, "value"),
    ),
    case(
        "E15",
        "words-in-template",
        template({FAMILIES: ("forty one",), CHILDREN: (78,)}),
        GOOD_XLSX,
        At(8, "D (value)", RETURN),
    ),
    case(
        "E15",
        "underscore-in-a-number",
        csv_of([fig(FAMILIES, "1_041"), fig(CHILDREN, 78)]),
        csv_of([fig(FAMILIES, "1,041"), fig(CHILDREN, 78)]),
        At(2, "value"),
    ),
    case(
        "E15",
        "arabic-indic-digits",
        csv_of([fig(FAMILIES, "\u0664\u0661"), fig(CHILDREN, 78)]),
        GOOD_CSV,
        At(2, "value"),
    ),
    case(
        "E15",
        "full-width-digits",
        csv_of([fig(FAMILIES, "\uff14\uff11"), fig(CHILDREN, 78)]),
        GOOD_CSV,
        At(2, "value"),
    ),
    case(
        "E16",
        "minus-zero",
        csv_of([fig(FAMILIES, "-0"), fig(CHILDREN, 78)]),
        csv_of([fig(FAMILIES, "0"), fig(CHILDREN, 78)]),
        At(2, "value"),
    ),
    case(
        "E16",
        "negative-value",
        csv_of([fig(FAMILIES, -3), fig(CHILDREN, 78)]),
        csv_of([fig(FAMILIES, 3), fig(CHILDREN, 78)]),
        At(2, "value"),
    ),
    case(
        "E16",
        "negative-numerator",
        csv_of([*REFERRALS[:2], fig("rereferral_pct", 41.6, -1610, 3870)]),
        csv_of(REFERRALS),
        At(4, "numerator"),
    ),
    case(
        "E17",
        "half-a-family",
        csv_of([fig(FAMILIES, 41.5), fig(CHILDREN, 78)]),
        csv_of([fig(FAMILIES, "41.0"), fig(CHILDREN, 78)]),
        At(2, "value"),
    ),
    # A percentage above 100 cannot agree with a numerator not above its denominator, so E21
    # comes with it.
    case(
        "E18",
        "percentage-above-100",
        csv_of([*REFERRALS[:2], fig("rereferral_pct", 416, 1610, 3870)]),
        csv_of(REFERRALS),
        At(4, "value"),
        also={"E21"},
    ),
    case(
        "E19",
        "no-numerator",
        csv_of([*REFERRALS[:2], fig("rereferral_pct", 41.6, "", 3870)]),
        csv_of(REFERRALS),
        At(4, "numerator"),
    ),
    case(
        "E19",
        "no-denominator",
        csv_of([*REFERRALS[:2], fig("rereferral_pct", 41.6, 1610, "")]),
        csv_of(REFERRALS),
        At(4, "denominator"),
    ),
    case(
        "E20",
        "zero-denominator",
        csv_of([*REFERRALS[:2], fig("rereferral_pct", 41.6, 1610, 0)]),
        csv_of(REFERRALS),
        At(4, "denominator"),
    ),
    case(
        "E20",
        "numerator-above-denominator",
        csv_of([*REFERRALS[:2], fig("rereferral_pct", 41.6, 3870, 1610)]),
        csv_of(REFERRALS),
        At(4, "numerator"),
    ),
    case(
        "E21",
        "percentage-disagrees",
        csv_of([*REFERRALS[:2], fig("rereferral_pct", 45.0, 1610, 3870)]),
        csv_of(REFERRALS),
        At(4, "value"),
    ),
    case(
        "E21",
        "percentage-stored-as-fraction",
        csv_of([*REFERRALS[:2], fig("rereferral_pct", 0.416, 1610, 3870)]),
        csv_of(REFERRALS),
        At(4, "value"),
    ),
    case(
        "E21",
        "rate-per-10k-disagrees",
        csv_of([fig("children_in_care_rate_per_10k", 75, 200, 27000)]),
        csv_of([fig("children_in_care_rate_per_10k", 74.1, 200, 27000)]),
        At(2, "value"),
    ),
    # Attendance counts sessions: millions a quarter in a small authority.
    case(
        "E21",
        "attendance-sessions-in-millions",
        csv_of([fig("attendance_pct", 94.1, 2345678, 2500000)]),
        csv_of([fig("attendance_pct", 93.8, 2345678, 2500000)]),
        At(2, "value"),
    ),
    case(
        "E22",
        "same-figure-twice",
        housing_with(fig(FAMILIES, 41)),
        housing_with(fig(FAMILIES, 41, period=Q2)),
        At(4, "indicator_code"),
    ),
    # E23-E28: limits, what lies outside the table, and figures no return can hold.
    case(
        "E23",
        "file-over-the-size-limit",
        bytes_of(b"area_code,period,indicator_code,value\n" + b" " * MAX_FILE_BYTES, "return.csv"),
        bytes_of(
            b"area_code,period,indicator_code,value\n"
            + b" " * 1000
            + "".join(
                f"{AREA},{Q3},{c},{v}\n" for c, v in ((FAMILIES, 41), (CHILDREN, 78))
            ).encode(),
            "return.csv",
        ),
        At(None, None),
    ),
    case(
        "E23",
        "more-rows-than-a-return-has",
        csv_of(
            [
                fig(FAMILIES, 41, period=f"20{y:02}-{y + 1:02} Q{q}")
                for y in range(10, 20)
                for q in (1, 2, 3, 4)
            ]
            * (MAX_ROWS // 40 + 1)
        ),
        GOOD_CSV,
        At(MAX_ROWS + 2, None),
    ),
    case(
        "E23",
        "a-cell-of-a-book",
        csv_of(
            [[*fig(FAMILIES, 41), "x" * (MAX_CELL_CHARS + 1)], [*fig(CHILDREN, 78), ""]], WITH_NOTES
        ),
        csv_of([[*fig(FAMILIES, 41), "x" * MAX_CELL_CHARS], [*fig(CHILDREN, 78), ""]], WITH_NOTES),
        At(2, None),
    ),
    # A hidden sheet of empty cells, small once zipped: more cells than any return has.
    case(
        "E23",
        "hidden-sheet-of-many-cells",
        zipped(
            edited(GOOD_XLSX, set_cells("Spare", {"A1": None})),
            in_sheet(
                b"</sheetData>",
                b"".join(
                    b'<row r="%d"><c r="A%d"/></row>' % (r, r) for r in range(1, MAX_CELLS + 2)
                )
                + b"</sheetData>",
                "xl/worksheets/sheet3.xml",
            ),
        ),
        zipped(
            edited(GOOD_XLSX, set_cells("Spare", {"A1": None})),
            in_sheet(
                b"</sheetData>",
                b"".join(b'<row r="%d"><c r="A%d"/></row>' % (r, r) for r in range(1, 1001))
                + b"</sheetData>",
                "xl/worksheets/sheet3.xml",
            ),
        ),
        At(None, None),
    ),
    # A zip bomb: 30 MB of nothing in one part, a few kilobytes once compressed.
    case(
        "E23",
        "unzips-to-more-than-a-return-needs",
        zipped(GOOD_XLSX, in_sheet(b"<sheetData>", b"<sheetData>" + b" " * (30 * 2**20))),
        zipped(GOOD_XLSX, in_sheet(b"<sheetData>", b"<sheetData>" + b" " * (2**20))),
        At(None, None),
    ),
    case(
        "E24",
        "unnamed-csv-column-holding-names",
        csv_of([[*r, "Jayden Smith"] for r in good_housing_rows()], [*TIDY_HEADER, ""]),
        csv_of([[*r, ""] for r in good_housing_rows()], [*TIDY_HEADER, ""]),
        At(2, "7 (no heading)"),
        secrets=("Jayden", "Smith"),
    ),
    case(
        "E24",
        "csv-row-longer-than-the-header",
        bytes_of(
            f"area_code,period,indicator_code,value\n{AREA},{Q3},{FAMILIES},41,Jayden\n"
            f"{AREA},{Q3},{CHILDREN},78\n".encode(),
            "return.csv",
        ),
        bytes_of(
            f"area_code,period,indicator_code,value\n{AREA},{Q3},{FAMILIES},41,\n"
            f"{AREA},{Q3},{CHILDREN},78\n".encode(),
            "return.csv",
        ),
        At(2, "5 (no heading)"),
        secrets=("Jayden",),
    ),
    case(
        "E24",
        "name-beside-the-table-in-a-hidden-column",
        edited(
            template(cells={"H8": "Jayden Smith"}),
            lambda wb: setattr(wb[RETURN].column_dimensions["H"], "hidden", True),
        ),
        edited(
            template(cells={"G8": "checked"}),
            lambda wb: setattr(wb[RETURN].column_dimensions["H"], "hidden", True),
        ),
        At(8, "H", RETURN),
        secrets=("Jayden", "Smith"),
    ),
    case(
        "E24",
        "names-on-a-hidden-sheet",
        edited(
            GOOD_XLSX,
            lambda wb: (
                set_cells("Children", {"A1": "Jayden Smith"})(wb),
                setattr(wb["Children"], "sheet_state", "hidden"),
            ),
        ),
        edited(GOOD_XLSX, lambda wb: setattr(wb.create_sheet("Children"), "sheet_state", "hidden")),
        At(1, "A", "Children"),
        secrets=("Jayden", "Smith"),
    ),
    # Written beyond the sheet's declared size (A1:G9), where openpyxl's fast reader never looks.
    case(
        "E24",
        "cell-beyond-the-declared-dimension",
        zipped(
            GOOD_XLSX,
            in_sheet(
                b"</sheetData>",
                b'<row r="900"><c r="Z900" t="inlineStr">'
                b"<is><t>Jayden Smith</t></is></c></row></sheetData>",
            ),
        ),
        zipped(
            GOOD_XLSX,
            in_sheet(
                b"</sheetData>",
                b'<row r="900"><c r="Z900" t="inlineStr"><is><t></t></is></c></row></sheetData>',
            ),
        ),
        At(900, "Z", RETURN),
        secrets=("Jayden", "Smith"),
    ),
    case(
        "E24",
        "name-in-the-hidden-drop-down-lists",
        edited(GOOD_XLSX, set_cells("Lists", {"A1": "Jayden Smith"})),
        edited(GOOD_XLSX, set_cells("Lists", {"A1": FAMILIES})),
        At(1, "A", "Lists"),
        secrets=("Jayden", "Smith"),
    ),
    case(
        "E25",
        "macros-in-a-file-named-xlsx",
        zipped(GOOD_XLSX, add_part("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")),
        zipped(
            GOOD_XLSX,
            add_part(
                "docProps/custom.xml",
                b'<?xml version="1.0"?><Properties '
                b'xmlns="http://schemas.openxmlformats.org/officeDocument/'
                b'2006/custom-properties"/>',
            ),
        ),
        At(None, None),
    ),
    case(
        "E25",
        "comment-on-a-cell",
        edited(
            GOOD_XLSX,
            lambda wb: setattr(
                wb[RETURN]["D8"], "comment", Comment("Jayden Smith, aged 7", "analyst")
            ),
        ),
        edited(GOOD_XLSX, set_cells(RETURN, {"G8": "checked by the team"})),
        At(None, None),
        secrets=("Jayden", "Smith"),
    ),
    case(
        "E25",
        "text-in-the-page-header",
        edited(GOOD_XLSX, lambda wb: setattr(wb[RETURN].oddHeader.center, "text", "Jayden Smith")),
        edited(GOOD_XLSX, lambda wb: setattr(wb[RETURN].oddHeader.center, "text", "&P")),
        At(None, None, RETURN),
        secrets=("Jayden", "Smith"),
    ),
    case(
        "E25",
        "defined-name-holding-text",
        edited(
            GOOD_XLSX,
            lambda wb: wb.defined_names.add(DefinedName("child", attr_text='"Jayden Smith"')),
        ),
        edited(
            GOOD_XLSX,
            lambda wb: wb.defined_names.add(DefinedName("codes", attr_text="Lists!$A$1:$A$2")),
        ),
        At(None, None),
        secrets=("Jayden", "Smith"),
    ),
    case(
        "E26",
        "value-column-twice",
        csv_of([[*r, 99] for r in good_housing_rows()], [*TIDY_HEADER, "value"]),
        csv_of([[*r, "checked"] for r in good_housing_rows()], WITH_NOTES),
        At(1, "value"),
    ),
    case(
        "E26",
        "value-headings-that-differ-only-in-case-and-spaces",
        template(cells={"G7": "value "}),
        GOOD_XLSX,
        At(7, "G (value)", RETURN),
    ),
    case(
        "E27",
        "formula-with-no-saved-result",
        template({FAMILIES: ("=40+1",), CHILDREN: (78,)}),
        GOOD_XLSX,
        At(8, "D", RETURN),
    ),
    case(
        "E28",
        "count-above-the-areas-children",
        csv_of([fig(FAMILIES, 30000), fig(CHILDREN, 78)]),
        csv_of([fig(FAMILIES, 3000), fig(CHILDREN, 78)]),
        At(2, "value"),
    ),
    case(
        "E28",
        "value-of-1e308-in-a-workbook",
        template({FAMILIES: (1e308,), CHILDREN: (78,)}),
        template({FAMILIES: (41.0,), CHILDREN: (78,)}),
        At(8, "D (value)", RETURN),
    ),
    case(
        "E28",
        "denominator-of-a-billion",
        csv_of([fig("attendance_pct", 94.1, 1_000_000_000, 1_062_699_256)]),
        csv_of([fig("attendance_pct", 94.1, 100_000_000, 106_269_926)]),
        At(2, "numerator"),
    ),
    # Q01-Q05: queries, which load but are recorded.
    case(
        "Q01",
        "jump-within-the-file",
        csv_of([*good_housing_rows(Q2), *good_housing_rows(Q3, families=90)]),
        csv_of([*good_housing_rows(Q2), *good_housing_rows(Q3, families=45)]),
        At(4, "value"),
    ),
    case(
        "Q01",
        "jump-from-loaded-quarter",
        after_loading(
            csv_of(good_housing_rows(Q2), name="q2.csv"), csv_of(good_housing_rows(Q3, families=90))
        ),
        after_loading(
            csv_of(good_housing_rows(Q2), name="q2.csv"), csv_of(good_housing_rows(Q3, families=45))
        ),
        At(2, "value"),
    ),
    # Suspensions follow the school year: Q3 is compared with Q3 a year before, not with Q2.
    case(
        "Q01",
        "seasonal-jump-from-a-year-before",
        csv_of(
            [
                fig("suspensions", 100, period="2023-24 Q3"),
                fig("suspensions", 40, period=Q2),
                fig("suspensions", 300),
            ]
        ),
        csv_of(
            [
                fig("suspensions", 100, period="2023-24 Q3"),
                fig("suspensions", 40, period=Q2),
                fig("suspensions", 110),
            ]
        ),
        At(4, "value"),
        also={"Q04"},
    ),
    case(
        "Q02",
        "plan-categories-do-not-add-up",
        csv_of(cp_plans(100, cp_category_multiple=5)),
        csv_of(cp_plans(100)),
        At(2, "value"),
        also={"Q04"},
    ),
    case(
        "Q03",
        "numerator-differs-from-count",
        csv_of([REFERRALS[0], fig("rereferrals", 1600), REFERRALS[2]]),
        csv_of(REFERRALS),
        At(4, "numerator"),
        also={"Q04"},
    ),
    case(
        "Q04",
        "indicator-missing",
        csv_of(good_housing_rows()[:1]),
        GOOD_CSV,
        At(None, "indicator_code"),
    ),
    case(
        "Q04",
        "template-row-left-blank",
        template({FAMILIES: (41,)}),
        GOOD_XLSX,
        At(None, "A (indicator_code)", RETURN),
    ),
    case(
        "Q06",
        "children-in-care-during-the-year-below-the-last-day",
        csv_of([fig("children_in_care", 250), fig("children_in_care_at_period_end", 282)]),
        csv_of([fig("children_in_care", 330), fig("children_in_care_at_period_end", 282)]),
        At(2, "value"),
        also={"Q04"},
    ),
    case(
        "Q06",
        "open-to-social-care-below-children-on-a-plan",
        csv_of([fig("children_open_to_social_care", 150), fig("cp_plans", 208)]),
        csv_of([fig("children_open_to_social_care", 1364), fig("cp_plans", 208)]),
        At(2, "value"),
        also={"Q04"},
    ),
    case(
        "Q05",
        "year-to-date-falls-within-the-file",
        csv_of([fig("children_in_care", 500, period=Q2), fig("children_in_care", 450)]),
        csv_of([fig("children_in_care", 500, period=Q2), fig("children_in_care", 520)]),
        At(3, "value"),
        also={"Q04"},
    ),
    case(
        "Q05",
        "year-to-date-falls-from-loaded-quarter",
        after_loading(
            csv_of([fig("children_in_care", 500, period=Q2)], name="q2.csv"),
            csv_of([fig("children_in_care", 450)]),
        ),
        after_loading(
            csv_of([fig("children_in_care", 500, period=Q2)], name="q2.csv"),
            csv_of([fig("children_in_care", 520)]),
        ),
        At(2, "value"),
        also={"Q04"},
    ),
]


# --- Plain words -------------------------------------------------------------------------------

# A message says what to do when it tells the sender to do something.
ACTION = re.compile(
    r"\b(use|send|remove|delete|check|give|enter|write|fill|keep|leave|save|"
    r"add|start|open|clear|explain|correct|change)\b",
    re.IGNORECASE,
)
NOT_PLAIN = {
    "a Python value": re.compile(r"\b(None|nan|inf|True|False)\b"),
    "brackets of a Python list or dict": re.compile(r"[\[\]{}]"),
    "a programmer's name (CamelCase)": re.compile(r"\b[A-Z][a-z]+[A-Z]\w*|\b[a-z]+[A-Z]\w*"),
    "a number in scientific notation": re.compile(r"\d(\.\d+)?e[+-]?\d", re.IGNORECASE),
    "a traceback": re.compile(r"Traceback|Exception|Error\b"),
}


def plain_word_problems(message: str) -> list[str]:
    problems = [f"has {what}" for what, pattern in NOT_PLAIN.items() if pattern.search(message)]
    if not ACTION.search(message):
        problems.append("does not say what to do")
    if not message.rstrip().endswith("."):
        problems.append("is not a finished sentence")
    return problems


# --- The tests ---------------------------------------------------------------------------------


def expected_severity(code: str) -> Severity:
    return Severity.ERROR if code.startswith("E") else Severity.QUERY


@pytest.fixture(scope="module")
def checked_bad_file(tmp_path_factory) -> Callable[[Case], tuple[Path, ValidatedReturn]]:
    """Each breaking file is built and checked once, for the two tests that read its findings."""
    results: dict[int, tuple[Path, ValidatedReturn]] = {}

    def checked(case: Case) -> tuple[Path, ValidatedReturn]:
        if id(case) not in results:
            path = case.bad(tmp_path_factory.mktemp("bad"))
            results[id(case)] = (path, check(path))
        return results[id(case)]

    return checked


@pytest.mark.parametrize("case", CASES, ids=str)
def test_breaking_file_gives_the_finding(case: Case, checked_bad_file) -> None:
    """The file that breaks the rule gives that code, with the rule book's severity, pointing at
    the right cell, and nothing else; an Error refuses the file, a Query lets it load."""
    path, result = checked_bad_file(case)
    found = [f for f in result.findings if f.rule == case.code]
    assert found, f"no {case.code} for {path.name}:\n{described(result)}"
    assert {f.rule for f in result.findings} == {case.code} | case.also, described(result)
    assert RULES[case.code][0] is expected_severity(case.code)
    assert all(f.severity is expected_severity(case.code) for f in found), described(result)
    expected = Location(path.name, case.at.sheet, case.at.row, case.at.column)
    assert expected in [f.location for f in found], described(result)
    assert result.accepted is (expected_severity(case.code) is Severity.QUERY)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_message_is_plain_and_says_what_to_do(case: Case, checked_bad_file) -> None:
    """Every message for the rule is plain words that tell the sender what to do, and no
    finding repeats child-level data found in the file."""
    _, result = checked_bad_file(case)
    for finding in result.findings:
        if finding.rule == case.code:
            assert not plain_word_problems(finding.message), (
                f"{finding.rule} message {plain_word_problems(finding.message)}: "
                f"{finding.message!r}"
            )
        for secret in case.secrets:
            shown = f"{finding.message} {finding.location.describe()}".lower()
            assert secret.lower() not in shown, f"{finding.rule} repeats {secret!r}"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_closest_correct_file_passes(case: Case, tmp_path: Path) -> None:
    """The closest correct variant of the file does not give the code and is accepted."""
    result = check(case.good(tmp_path))
    assert case.code not in {f.rule for f in result.findings}, described(result)
    assert result.accepted, described(result)


def test_every_rule_has_a_test() -> None:
    """A rule added to the rule book without a case here fails this test; so does a case for a
    code the rule book does not have."""
    assert {c.code for c in CASES} == set(RULES)
    assert len({str(c) for c in CASES}) == len(CASES), "two cases share a name"


def test_rule_book_severities_follow_the_codes() -> None:
    """E codes block a load, Q codes load and are recorded."""
    assert {code: severity for code, (severity, _) in RULES.items()} == {
        code: expected_severity(code) for code in RULES
    }


def test_each_rule_is_raised_from_one_place():
    """A rule's code is given to a finding in one function only (pipeline/ingest/returns/
    rules.py for the rules reading a file can break, validate.py's checks for the rest): a
    second place would be a second, drifting version of the rule."""
    import ast
    import re
    from collections import defaultdict

    code = re.compile(r"^[EQ]\d\d$")
    places = defaultdict(set)
    for path in sorted((PROJECT_ROOT / "pipeline").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            for call in ast.walk(function):
                if isinstance(call, ast.Call):
                    for arg in call.args:
                        if isinstance(arg, ast.Constant) and code.match(str(arg.value)):
                            places[arg.value].add(f"{path.name}:{function.name}")
    assert {c: sorted(p) for c, p in places.items() if len(p) > 1} == {}
    assert set(places) == set(RULES)  # and every rule in the book is raised somewhere


# --- Every problem in one pass ------------------------------------------------------------------

RETURNS = Path(__file__).parent / "fixtures" / "returns"
# A housing return with seven errors of seven rules and two queries: an extra column, a child's
# name and date of birth in a note (row 11), the name again typed as an indicator code (row 6).
# Once, the extra column or the child's details hid every other error.
SEVEN_PROBLEMS = RETURNS / "seven_problems.csv"
SEVEN = {
    ("E05", 1, "comments"),  # a column outside the return
    ("E06", 11, "notes"),  # a child's date of birth
    ("E09", 6, "indicator_code"),  # a name typed as an indicator code
    ("E10", 7, "area_code"),  # not an area code
    ("E15", 8, "value"),  # "forty"
    ("E16", 9, "value"),  # -3
    ("E22", 10, "indicator_code"),  # row 2 again
}
CHILD = ("Jaden", "Smith", "14/02/2016", "2016-02-14")


def test_one_file_with_seven_problems_reports_all_seven(tmp_path: Path) -> None:
    path = tmp_path / SEVEN_PROBLEMS.name
    path.write_bytes(SEVEN_PROBLEMS.read_bytes())
    result = check(path)
    found = {(f.rule, f.location.row, f.location.column) for f in result.every_finding}
    assert {f for f in found if f[0].startswith("E")} == SEVEN, described(result)
    # The queries too, on the rows that have no error: both figures jumped from 2024-25 Q2.
    assert {f for f in found if f[0].startswith("Q")} == {("Q01", 3, "value"), ("Q01", 5, "value")}
    assert len(result.every_finding) == len(result.findings) == 9
    assert not result.accepted


def test_no_output_of_a_file_with_a_childs_details_repeats_them(
    tmp_path: Path, data_dir: Path, capsys, caplog
) -> None:
    """Not a message, a location, the command's output, a log line, the warehouse or the
    archive: a refused file with a child's details leaves no trace of them."""
    from pipeline.cli.main import main

    path = tmp_path / SEVEN_PROBLEMS.name
    path.write_bytes(SEVEN_PROBLEMS.read_bytes())
    caplog.set_level("DEBUG")
    result = check(path)
    assert main(["load", str(path)]) == 1
    printed = capsys.readouterr()
    said = "\n".join(f"{f.describe()} {f.indicator_code}" for f in result.every_finding)
    for words in (said, printed.out, printed.err, caplog.text):
        for secret in CHILD:
            assert secret not in words, secret
    assert "Error E06 at seven_problems.csv, row 11, column notes" in printed.out
    kept = [p for p in data_dir.rglob("*") if p.is_file()]
    assert "warehouse.duckdb" in {p.name for p in kept}  # the load opened it, and kept nothing
    for kept_file in kept:
        content = kept_file.read_bytes()
        assert not any(secret.encode() in content for secret in CHILD), kept_file
    assert not any(p.suffix == ".csv" for p in kept), kept  # the file itself is not kept


def test_in_a_file_with_a_childs_details_no_message_quotes_a_cell(tmp_path: Path) -> None:
    """A name beside a date of birth is not detected on its own: once a file seems to hold a
    child's details, a message that would quote a cell gives the rule instead."""
    rows = [
        fig(FAMILIES, "Jaden Smith"),  # would be quoted as "not a number"
        [AREA, Q3, CHILDREN, 78, "", "", "DOB 14/02/2016"],
    ]
    result = check(csv_of(rows, WITH_NOTES)(tmp_path))
    assert {f.rule for f in result.findings} == {"E06", "E15"}, described(result)
    for secret in CHILD:
        assert secret not in described(result)
    number = next(f for f in result.findings if f.rule == "E15")
    assert "'Each value, numerator and denominator is a number'" in number.message
    assert number.location == Location("return.csv", None, 2, "value")
    # Without the date of birth, the same cell is quoted, as it helps the sender.
    plain = check(csv_of([fig(FAMILIES, "forty")], WITH_NOTES, name="plain.csv")(tmp_path))
    assert "'forty' is not a number" in described(plain)


def test_a_missing_column_stops_only_the_figures_checks_and_says_so(tmp_path: Path) -> None:
    header = ["area_code", "period", "indicator_code", "notes", "extra"]
    rows = [[AREA, Q3, FAMILIES, "seen at PO30 1UD", "x"]]
    result = check(csv_of(rows, header)(tmp_path))
    assert {f.rule for f in result.findings} == {"E04", "E05", "E06"}, described(result)
    missing = next(f for f in result.findings if f.rule == "E04")
    assert missing.message.endswith(NOT_CHECKED_FURTHER)
    assert "PO30" not in described(result)


@pytest.mark.parametrize(
    "build",
    [
        bytes_of(b"\xff\xfearea_code\n", "return.csv"),  # E02
        bytes_of(b"", "return.csv"),  # E03
        lambda f: GOOD_CSV(f).rename(f / "return.txt"),  # E01
    ],
    ids=["E02", "E03", "E01"],
)
def test_a_file_that_cannot_be_read_says_nothing_else_was_checked(
    build: Build, tmp_path: Path
) -> None:
    (finding,) = check(build(tmp_path)).findings
    assert finding.message.endswith(NOT_READ_FURTHER)
    assert not plain_word_problems(finding.message)


def test_a_workbook_with_a_hidden_sheet_of_names_still_has_its_other_errors_reported(
    tmp_path: Path,
) -> None:
    """Once the hidden sheet hid every other error; now each is reported, and none quotes the
    name typed as a figure."""
    names_hidden = edited(
        template(values={FAMILIES: ("Jayden Smith",), CHILDREN: (-2,)}, cells={"B5": "2099-00 Q9"}),
        lambda wb: (
            set_cells("Children", {"A1": "Jayden Smith", "B1": "12/03/2015"})(wb),
            setattr(wb["Children"], "sheet_state", "hidden"),
        ),
    )
    result = check(names_hidden(tmp_path))
    found = {(f.rule, f.location.sheet, f.location.row) for f in result.findings}
    assert found == {
        ("E24", "Children", 1),  # the hidden sheet
        ("E06", "Children", 1),  # the date of birth on it
        ("E12", RETURN, 5),  # the period in the header area
        ("E15", RETURN, 8),  # the name typed as a figure
        ("E16", RETURN, 9),  # the negative figure
    }, described(result)
    for secret in ("Jayden", "Smith", "12/03/2015", "2099"):
        assert secret not in described(result), secret


def test_a_heading_twice_in_a_file_with_a_childs_details_still_says_the_figures_wait(
    tmp_path: Path,
) -> None:
    rows = [[AREA, Q3, FAMILIES, 41, 41, "born on 12/03/2015"]]
    result = check(csv_of(rows, [*TIDY_HEADER[:4], "value", "notes"])(tmp_path))
    assert {f.rule for f in result.findings} == {"E06", "E26"}, described(result)
    twice = next(f for f in result.findings if f.rule == "E26")
    assert twice.message.endswith(NOT_CHECKED_FURTHER)
    assert "12/03/2015" not in described(result)

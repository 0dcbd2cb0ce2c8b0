"""Validation of a return, in the style of the children's social care return validators: one
rule, one rule code, one test each. An Error (E..) blocks the load; a Query (Q..) loads and is
recorded for the data-quality page. Every message says where, what, and what to do."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from pipeline.core.catalogue import SCALE, Catalogue, Indicator
from pipeline.core.periods import PeriodError, Quarter
from pipeline.ingest.returns import privacy, rules
from pipeline.ingest.returns.contract import (
    KNOWN_COLUMNS,
    MAX_FIGURE,
    RATIO_COLUMNS,
    TIDY_REQUIRED,
)
from pipeline.ingest.returns.findings import Finding, Severity, capped, errors
from pipeline.ingest.returns.reader import RawReturn, RawRow

AREA_CODE = re.compile(r"^[EW]\d{8}$")
# What the contract calls a number: ASCII digits, one optional decimal point, commas only as
# thousands separators. Python's float() takes far more ('1_000', '١٢', full-width digits,
# 'inf', '1e308'), none of which a return needs.
NUMBER = re.compile(r"^-?(\d+(\.\d+)?|\.\d+|\d{1,3}(,\d{3})+(\.\d+)?)$", re.ASCII)

# (area_code, indicator_code, period label) -> value already held for that figure.
History = Mapping[tuple[str, str, str], float]

# Rules whose refusal means the file seems to hold, or may hide, information about individual
# children: E06 (what looks like a child's details), E24 (cells outside the return's table, such
# as a hidden sheet or column) and E25 (comments, pictures, macros and other parts that hold
# more than figures). Such a file is never kept, not even among refused files.
CHILD_LEVEL_RULES = frozenset({"E06", "E24", "E25"})
# Rules whose messages repeat what a cell holds (a typed code, area, period, figure or heading).
# In a file that seems to hold a child's details they give the rule book's words instead (a
# name typed beside a date of birth is not detected on its own): see _without_cell_content.
QUOTES_CELLS = frozenset(
    {"E05", "E07", "E09", "E10", "E11", "E12", "E15", "E16", "E17", "E18", "E20", "E21", "E26",
     "E28", "Q01", "Q02", "Q03", "Q05", "Q06"}
)  # fmt: skip


@dataclass(frozen=True)
class Figure:
    """One validated row of a return."""

    source_row: int
    area_code: str
    period: str
    indicator_code: str
    value: float
    numerator: float | None
    denominator: float | None
    notes: str | None


@dataclass
class ValidatedReturn:
    raw: RawReturn | None
    file_name: str
    agency: str | None
    figures: list[Figure] = field(default_factory=list)
    # What is listed: at most MAX_LISTED_FINDINGS, then one finding that counts the rest.
    findings: list[Finding] = field(default_factory=list)
    # Every finding, uncapped: what is counted and offered as a download.
    every_finding: list[Finding] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not errors(self.findings)

    def submissions(self) -> dict[tuple[str, str], list[Figure]]:
        """The figures grouped by (area, period): each group is one agency's submission."""
        groups: dict[tuple[str, str], list[Figure]] = defaultdict(list)
        for figure in self.figures:
            groups[(figure.area_code, figure.period)].append(figure)
        return dict(sorted(groups.items(), key=lambda kv: (kv[0][0], Quarter.parse(kv[0][1]))))


class _Checker:
    """Collects findings for one file; the rules below call `error` and `query`."""

    def __init__(self, raw: RawReturn):
        self.raw = raw
        self.findings: list[Finding] = []

    def _add(self, severity, rule, location, message, indicator=None, submission=None):
        self.findings.append(Finding(severity, rule, location, message, indicator, submission))

    def error(
        self,
        rule: str,
        row: int | None,
        column: str | None,
        message: str,
        indicator: str | None = None,
    ) -> None:
        self._add(Severity.ERROR, rule, self.raw.where(row, column), message, indicator)

    def query(
        self, rule: str, about: Figure | tuple[str, str], column: str | None, message: str
    ) -> None:
        """A query about one figure, or about a whole (area, period) submission."""
        if isinstance(about, Figure):
            self._add(
                Severity.QUERY,
                rule,
                self.raw.where(about.source_row, column),
                message,
                about.indicator_code,
                (about.area_code, about.period),
            )
        else:
            self._add(Severity.QUERY, rule, self.raw.where(None, column), message, None, about)


# Problems after which the rows cannot be read as the return's figures: the file could not be
# read (E01, E02) or was cut off at a limit (E23), or its columns are missing or ambiguous (E04,
# E26). Every other problem is reported together with all the rest, in one pass.
BLOCKING_RULES = frozenset({"E01", "E02", "E04", "E23", "E26"})
NOT_CHECKED_FURTHER = " The figures were not checked further until this is put right."


def validate(
    raw: RawReturn, catalogue: Catalogue, today: date, history: History | None = None
) -> ValidatedReturn:
    """Every problem the file has, in one pass: its structure, anything that looks like
    child-level data, then every row (those holding a child's details too) and the queries on
    the figures of rows with no error. Only a blocking problem (BLOCKING_RULES) stops the
    figures' checks, and says so."""
    check = _Checker(raw)
    check.findings += raw.problems
    _check_columns(check)
    _check_child_level_data(check)
    _check_template_lists(check, catalogue)
    blocked = any(f.rule in BLOCKING_RULES for f in errors(check.findings))
    agency, figures = None, []
    if not blocked:
        agency = _check_agency(check, catalogue)
        for row in raw.rows:
            figure = _check_row(check, row, catalogue, agency, today)
            if figure is not None:
                figures.append(figure)
        _check_duplicates(check, figures)
        if not any(_filled(row) for row in raw.rows):
            check.findings.append(
                rules.empty(
                    check.raw.where(None, "value"),
                    "the return has no figures: every value cell is "
                    "blank. Fill in the value column and send it again.",
                )
            )
        _run_queries(check, figures, catalogue, agency, history or {})
    findings = check.findings
    if any(f.rule in CHILD_LEVEL_RULES for f in findings):
        findings = [_without_cell_content(f) for f in findings]
    if blocked:
        findings = _said_stopped(findings)
    # The template's header cells are shared by every row: report each problem there once.
    every = list(dict.fromkeys(findings))
    return ValidatedReturn(raw, raw.file_name, agency, figures, capped(every), every)


def _said_stopped(findings: list[Finding]) -> list[Finding]:
    """A blocking finding says that the figures were not checked."""
    return [
        replace(f, message=f.message + NOT_CHECKED_FURTHER) if f.rule in BLOCKING_RULES else f
        for f in findings
    ]


def _without_cell_content(finding: Finding) -> Finding:
    """In a file that seems to hold a child's details, no message repeats what any cell holds:
    a finding whose message would quote a cell gives the rule book's words, with where it is."""
    if finding.rule not in QUOTES_CELLS:
        return finding
    text = rules.RULES[finding.rule][1]
    if finding.severity is Severity.ERROR:
        message = (
            f"this breaks the rule '{text}'. What the cell holds is not repeated here, "
            "because the file seems to hold a child's details: correct it as you remove them, "
            "and send the return again."
        )
        # An error's indicator code may be what was typed (E09), not a code of the catalogue.
        return replace(finding, message=message, indicator_code=None)
    message = (
        f"this is a query under the rule '{text}'. The figures are not repeated here, "
        "because the file seems to hold a child's details: check them as you remove those "
        "details."
    )
    return replace(finding, message=message)


# --- Structure of the file --------------------------------------------------------------------


def _check_columns(check: _Checker) -> None:
    raw = check.raw
    present = set(raw.columns) | set(raw.header)
    for column in TIDY_REQUIRED:
        if column not in present:
            check.findings.append(
                rules.missing_column(
                    raw.where(raw.header_row, None),
                    f"there is no '{column}' column. Add it: "
                    f"a return needs the columns {', '.join(TIDY_REQUIRED)} (see the "
                    "template).",
                )
            )
    for column in raw.columns:
        if column not in KNOWN_COLUMNS and not privacy.heading_looks_personal(column):
            check.error(
                "E05",
                raw.header_row,
                column,
                f"'{column}' is not a column of the return. Remove it: a return has only "
                f"the columns {', '.join(sorted(KNOWN_COLUMNS))}.",
            )


def _check_child_level_data(check: _Checker) -> None:
    for column in check.raw.columns:
        if privacy.heading_looks_personal(column):
            check.error(
                "E06",
                check.raw.header_row,
                column,
                "this column heading suggests "
                "information about individual children. Returns hold aggregate figures "
                "only: delete the column and any personal details, then send the return "
                "again.",
            )
    for location, value in check.raw.all_cells:
        looks_like = privacy.what_cell_looks_like(value)
        if looks_like:
            check.findings.append(
                Finding(
                    Severity.ERROR,
                    "E06",
                    location,
                    f"this cell looks like {looks_like}. Returns hold aggregate figures only: "
                    "remove any personal details and send the return again.",
                )
            )


def _check_template_lists(check: _Checker, catalogue: Catalogue) -> None:
    """The template's hidden 'Lists' sheet feeds its drop-downs: indicator codes, periods and
    area codes. Anything else there is outside the return (and hidden from the sender's eye)."""
    for location, value in check.raw.template_lists:
        text = str(value).strip()
        if text in catalogue.indicators or text in catalogue.areas or _is_period(text):
            continue
        check.findings.append(
            rules.outside_table(
                location,
                "this cell of the template's hidden drop-down "
                "lists holds something that is not an indicator code, period or area code. Start "
                "again from a fresh template (pqa template AGENCY) and send the return again.",
            )
        )


def _is_period(text: str) -> bool:
    try:
        Quarter.parse(text)
    except PeriodError:
        return False
    return True


def _check_agency(check: _Checker, catalogue: Catalogue) -> str | None:
    """The agency named in the header area or an agency column; otherwise the indicators'."""
    stated = []
    if "agency" in check.raw.header:
        value, location = check.raw.header["agency"]
        stated.append((str(value or "").strip(), location))
    if "agency" in check.raw.columns:
        for row in check.raw.rows:
            stated.append(
                (str(row.cells.get("agency") or "").strip(), check.raw.where(row.number, "agency"))
            )
    known = ", ".join(catalogue.agencies)
    agencies = set()
    for value, location in stated:
        if value not in catalogue.agencies:
            check.findings.append(
                Finding(
                    Severity.ERROR,
                    "E07",
                    location,
                    f"'{value}' is not an agency the partnership knows. Use one of: {known}.",
                )
            )
        else:
            agencies.add(value)
    if len(agencies) > 1:
        _not_one_agency(
            check,
            None,
            "agency",
            f"the file names several agencies "
            f"({', '.join(sorted(agencies))}). Send one file per agency.",
        )
    if agencies:
        return sorted(agencies)[0]
    inferred = {
        catalogue.indicators[code].agency
        for code in _codes(check.raw)
        if code in catalogue.indicators
    }
    if len(inferred) > 1:
        _not_one_agency(
            check,
            None,
            "indicator_code",
            "the file mixes indicators of several "
            f"agencies ({', '.join(sorted(inferred))}). Send one file per agency.",
        )
        return None
    return inferred.pop() if inferred else None


def _not_one_agency(
    check: _Checker, row: int | None, column: str, message: str, indicator: str | None = None
) -> None:
    """E08: a return is one agency's; the file names several, or holds another's indicator."""
    check.error("E08", row, column, message, indicator)


def _codes(raw: RawReturn) -> list[str]:
    return [str(r.cells.get("indicator_code") or "").strip() for r in raw.rows]


# --- One row ----------------------------------------------------------------------------------


def _check_row(
    check: _Checker, row: RawRow, catalogue: Catalogue, agency: str | None, today: date
) -> Figure | None:
    cells, n = row.cells, row.number
    code = str(cells.get("indicator_code") or "").strip()
    if not _filled(row):
        return None  # an indicator left blank in the template: not supplied this quarter
    indicator = _check_indicator(check, n, code, catalogue, agency)
    area = _check_area(check, n, cells.get("area_code"), catalogue)
    period = _check_period(check, n, cells.get("period"), today)
    value = _number(check, n, "value", cells.get("value"), code, required=True)
    numerator = _number(check, n, "numerator", cells.get("numerator"), code)
    denominator = _number(check, n, "denominator", cells.get("denominator"), code)
    if indicator is not None:
        blank = [c for c in RATIO_COLUMNS if _blank(cells.get(c))]
        _check_value_for_kind(check, n, indicator, value, numerator, denominator, blank)
        if not _possible(check, n, indicator, area, value, numerator, denominator, catalogue):
            return None
    if None in (indicator, area, period, value):
        return None
    notes = str(cells.get("notes") or "").strip() or None
    return Figure(n, area, period, code, value, numerator, denominator, notes)


def _filled(row: RawRow) -> bool:
    """A row with a value, numerator or denominator: a figure was supplied."""
    return not all(_blank(row.cells.get(c)) for c in ("value", *RATIO_COLUMNS))


def _blank(value: object) -> bool:
    return value is None or str(value).strip() == ""


def _check_indicator(check, n, code, catalogue, agency) -> Indicator | None:
    if code not in catalogue.indicators:
        what = f"'{code}' is not an indicator code" if code else "the indicator code is blank"
        check.error(
            "E09",
            n,
            "indicator_code",
            f"{what}. Use a code from the template's "
            "drop-down list or the catalogue (pqa indicators).",
            code or None,
        )
        return None
    indicator = catalogue.indicators[code]
    if agency and indicator.agency != agency:
        _not_one_agency(
            check,
            n,
            "indicator_code",
            f"'{code}' is sent by "
            f"{catalogue.agencies[indicator.agency].lower()}, not by "
            f"{catalogue.agencies[agency].lower()}. Remove the row, or send it in "
            f"that agency's return.",
            code,
        )
    return indicator


def _check_area(check, n, value, catalogue) -> str | None:
    text = str(value or "").strip().upper()
    if not AREA_CODE.match(text):
        check.error(
            "E10",
            n,
            "area_code",
            f"'{value or ''}' is not an area code. Use the "
            "local authority's nine-character ONS code, for example E06000046 for the "
            "Isle of Wight.",
        )
        return None
    if text not in catalogue.areas:
        check.error(
            "E11",
            n,
            "area_code",
            f"{text} is not a local authority the product knows. "
            "Check the code against the ONS list (dbt_project/seeds/areas.csv).",
        )
        return None
    return text


def _check_period(check, n, value, today: date) -> str | None:
    try:
        quarter = Quarter.parse(str(value or ""))
    except PeriodError as exc:
        check.error(
            "E12",
            n,
            "period",
            f"{exc}. Write the financial-year quarter, for example "
            "'2024-25 Q3' (Q1 is April to June).",
        )
        return None
    if quarter.start > today:
        check.error(
            "E13",
            n,
            "period",
            f"{quarter} has not started yet (it starts on "
            f"{quarter.start:%-d %B %Y}). Check the year.",
        )
        return None
    if quarter.end >= today:
        check.error(
            "E14",
            n,
            "period",
            f"{quarter} has not ended yet (it ends on "
            f"{quarter.end:%-d %B %Y}). Send the return after the quarter ends.",
        )
        return None
    return quarter.label


def _number(check, n, column, value, code, required=False) -> float | None:
    if _blank(value):
        if required:
            check.error(
                "E15",
                n,
                column,
                "the value is blank while other figures on the row are "
                "filled in. Give the value, or clear the whole row.",
                code or None,
            )
        return None
    if isinstance(value, bool):
        number = math.nan
    elif isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip()
        number = float(text.replace(",", "")) if NUMBER.match(text) else math.nan
    if not math.isfinite(number):
        check.error(
            "E15",
            n,
            column,
            f"'{value}' is not a number. Enter digits only, for "
            "example 42.6 (no words, symbols or % signs).",
            code or None,
        )
        return None
    if number < 0 or math.copysign(1, number) < 0 or str(value).strip().startswith("-"):
        check.error(
            "E16",
            n,
            column,
            f"{_show(number)} is negative. Figures in a return count "
            "children, events or weeks and cannot be below zero: correct the figure.",
            code or None,
        )
        return None
    return number


def _possible(
    check,
    n,
    indicator: Indicator,
    area: str | None,
    value,
    numerator,
    denominator,
    catalogue: Catalogue,
) -> bool:
    """Refuse figures no area can have: one absurd value (1e308) once stopped every later
    refresh. A count of children or events in a quarter stays below the area's children."""
    for column, number in (
        ("value", value),
        ("numerator", numerator),
        ("denominator", denominator),
    ):
        if number is not None and number >= MAX_FIGURE:
            check.error(
                "E28",
                n,
                column,
                "this figure is a billion or more, which no "
                "quarterly return holds. Check the cell and enter the figure itself.",
                indicator.code,
            )
            return False
    children = catalogue.children.get(area or "")
    if indicator.kind == "count" and value is not None and children and value > children:
        check.error(
            "E28",
            n,
            "value",
            f"{_show(value)} is more than the {_show(children)} "
            f"children living in {catalogue.areas.get(area, area)}, so it cannot be a "
            f"count of '{indicator.label}'. Check the figure and correct it.",
            indicator.code,
        )
        return False
    return True


def _check_value_for_kind(
    check, n, indicator: Indicator, value, numerator, denominator, blank: list[str]
) -> None:
    code = indicator.code
    if indicator.kind == "count":
        if value is not None and not float(value).is_integer():
            check.error(
                "E17",
                n,
                "value",
                f"{_show(value)} is not a whole number, and "
                f"'{indicator.label}' is a count: enter a whole number.",
                code,
            )
        return
    if indicator.kind == "proportion" and value is not None and value > 100:
        check.error(
            "E18",
            n,
            "value",
            f"{_show(value)} is above 100. Give the percentage between 0 and 100 (42.6 for 42.6%).",
            code,
        )
    if blank:
        check.error(
            "E19",
            n,
            blank[0],
            f"'{indicator.label}' needs its numerator and "
            f"denominator; {' and '.join(blank)} is blank. Fill it in.",
            code,
        )
        return
    if numerator is None or denominator is None:
        return  # not a usable number: reported already
    if denominator == 0:
        check.error(
            "E20",
            n,
            "denominator",
            "the denominator is 0, so there is no figure to "
            "give. Leave the whole row blank when nothing was counted.",
            code,
        )
        return
    if indicator.kind == "proportion" and numerator > denominator:
        check.error(
            "E20",
            n,
            "numerator",
            f"the numerator ({_show(numerator)}) is above the "
            f"denominator ({_show(denominator)}). Check which is which.",
            code,
        )
        return
    if value is not None:
        expected = SCALE[indicator.kind] * numerator / denominator
        if abs(value - expected) > _rounding_tolerance(value):
            check.error(
                "E21",
                n,
                "value",
                f"the value {_show(value)} does not agree with "
                f"{_show(numerator)} / {_show(denominator)}, which gives "
                f"{_show(expected, 1)}. Check all "
                "three figures (a cell formatted as a percentage stores 0.426 for 42.6%).",
                code,
            )


def _show(number: float, decimals: int = 2) -> str:
    """A figure as people write it: 2,345,678 or 46.4, never 2.34568e+06."""
    text = f"{number:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _rounding_tolerance(value: float) -> float:
    """Half a unit of the last decimal place given: 34 may be 33.5 to 34.5, 42.6 is 42.55-42.65."""
    text = repr(float(value)).rstrip("0").rstrip(".")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return min(0.5, 0.5 * 10**-decimals) + 1e-9


def _check_duplicates(check: _Checker, figures: list[Figure]) -> None:
    first_row: dict[tuple, int] = {}
    for figure in figures:
        key = (figure.area_code, figure.period, figure.indicator_code)
        if key in first_row:
            check.error(
                "E22",
                figure.source_row,
                "indicator_code",
                f"'{figure.indicator_code}' for {figure.area_code} {figure.period} is "
                f"already given on row {first_row[key]}. Keep one row and delete the "
                "other.",
                figure.indicator_code,
            )
        else:
            first_row[key] = figure.source_row


# --- Queries: loaded, but recorded for the data-quality page -----------------------------------


def _run_queries(check, figures, catalogue, agency, history: History) -> None:
    """The queries, also on a refused file (so its sender meets them in the same pass), about
    the rows with no error: a query about a figure in error would say the same again."""
    in_error = {
        f.location.row for f in errors(check.findings) if f.location.sheet == check.raw.sheet
    }
    figures = [f for f in figures if f.source_row not in in_error]
    by_key = {(f.area_code, f.period, f.indicator_code): f for f in figures}
    for rule in QUERY_RULES:
        rule(check, figures, by_key, catalogue, agency, history)


def _far_from_last_quarter(check, figures, by_key, catalogue, agency, history) -> None:
    for f in figures:
        indicator = catalogue.indicators[f.indicator_code]
        quarter = Quarter.parse(f.period)
        if indicator.measured == "ytd" and quarter.number == 1:
            continue  # a year-to-date count starts again each April
        # School terms make seasonal figures comparable only with the same quarter a year ago.
        compare_with = quarter.year_before() if indicator.seasonal else quarter.previous()
        previous_period, last = _value_in(compare_with, f, by_key, history)
        if last is None or not _far_apart(indicator, last, f.value):
            continue
        check.query(
            "Q01",
            f,
            "value",
            f"{indicator.label}: {_show(f.value)} in {f.period} against "
            f"{_show(last)} in {previous_period}. Please check the figure, and if it "
            "is right say what changed in the notes column.",
        )


def _value_in(quarter: Quarter, f: Figure, by_key, history: History) -> tuple[str, float | None]:
    """The same indicator's value in another quarter, from this file or else from what is
    stored."""
    previous_period = quarter.label
    previous = by_key.get((f.area_code, previous_period, f.indicator_code))
    if previous is not None:
        return previous_period, previous.value
    return previous_period, history.get((f.area_code, f.indicator_code, previous_period))


def _far_apart(indicator: Indicator, last: float, value: float) -> bool:
    change = abs(value - last)
    if indicator.kind == "proportion":
        return change >= 15  # percentage points
    minimum = 2 if indicator.kind == "duration" else 10
    return change >= minimum and change >= 0.5 * max(last, 1)


def _parts_against_total(check, figures, by_key, catalogue, agency, history) -> None:
    for f in figures:
        parts = catalogue.parts_of(f.indicator_code)
        found = [by_key.get((f.area_code, f.period, p.code)) for p in parts]
        if not parts or None in found:
            continue
        total = sum(p.value for p in found)
        if total != f.value:
            names = ", ".join(p.indicator_code for p in found)
            check.query(
                "Q02",
                f,
                "value",
                f"{catalogue.indicators[f.indicator_code].label}: {_show(f.value)} in "
                f"{f.period}, but its parts ({names}) add up to {_show(total)}. Please "
                "check the figures or explain the difference in the notes column.",
            )


def _ratio_against_counts(check, figures, by_key, catalogue, agency, history) -> None:
    """A proportion's numerator or denominator that names another indicator should equal it.
    One query per counted figure, listing every proportion that disagrees with it."""
    disagreements: dict[tuple, list[Figure]] = defaultdict(list)
    for f in figures:
        indicator = catalogue.indicators[f.indicator_code]
        for part, counted_code in (
            ("numerator", indicator.numerator_code),
            ("denominator", indicator.denominator_code),
        ):
            counted = by_key.get((f.area_code, f.period, counted_code))
            given = getattr(f, part)
            if counted is not None and given is not None and given != counted.value:
                disagreements[(counted, part, given)].append(f)
    for (counted, part, given), ratios in disagreements.items():
        codes = ", ".join(r.indicator_code for r in ratios)
        check.query(
            "Q03",
            ratios[0],
            part,
            f"the {part} of {codes} is {_show(given)} but {counted.indicator_code} is "
            f"{_show(counted.value)} (row {counted.source_row}) for {counted.period}. "
            "Please check which is right or explain the difference in the notes column.",
        )


def _indicators_missing(check, figures, by_key, catalogue, agency, history) -> None:
    if agency is None:
        return
    if errors(check.findings):
        return  # a row with an error may be the missing one: said once, where it is
    expected = [i.code for i in catalogue.for_agency(agency)]
    for area, period in sorted({(f.area_code, f.period) for f in figures}):
        missing = [c for c in expected if (area, period, c) not in by_key]
        if missing:
            check.query(
                "Q04",
                (area, period),
                "indicator_code",
                f"no figure for {len(missing)} indicator(s) in {area} {period}: "
                f"{', '.join(missing)}. Send them in a corrected return if they exist.",
            )


def _year_to_date_falls(check, figures, by_key, catalogue, agency, history) -> None:
    for f in figures:
        indicator = catalogue.indicators[f.indicator_code]
        quarter = Quarter.parse(f.period)
        if indicator.measured != "ytd" or quarter.number == 1:
            continue
        previous_period, last = _value_in(quarter.previous(), f, by_key, history)
        if last is not None and f.value < last:
            check.query(
                "Q05",
                f,
                "value",
                f"{indicator.label} counts children from 1 April, so it cannot fall "
                f"within a year, but it is {_show(f.value)} in {f.period} against "
                f"{_show(last)} in {previous_period}. Please check both quarters.",
            )


def _year_to_date_below_snapshot(check, figures, by_key, catalogue, agency, history) -> None:
    """Children counted on a quarter's last day were counted since 1 April too, so the
    year-to-date count cannot be below that day's count."""
    for f in figures:
        indicator = catalogue.indicators[f.indicator_code]
        snapshot = by_key.get((f.area_code, f.period, indicator.snapshot_code))
        if indicator.measured != "ytd" or snapshot is None or f.value >= snapshot.value:
            continue
        day = catalogue.indicators[snapshot.indicator_code].label.lower()
        check.query(
            "Q06",
            f,
            "value",
            f"{indicator.label} counts every child since 1 April, so it cannot be below "
            f"{day} ({_show(snapshot.value)}, row {snapshot.source_row}), but it is "
            f"{_show(f.value)} in {f.period}. Please check both figures.",
        )


QUERY_RULES: list[Callable] = [
    _far_from_last_quarter,
    _parts_against_total,
    _ratio_against_counts,
    _indicators_missing,
    _year_to_date_falls,
    _year_to_date_below_snapshot,
]


def refused_file(file_name: str, finding: Finding) -> ValidatedReturn:
    """The result for a file that could not be read at all."""
    return ValidatedReturn(None, file_name, None, [], [finding], [finding])

"""The rule book for a return, in the style of the children's social care return validators:
every rule's code, severity and what it checks (`RULES`, from which docs/returns.md's table is
generated), and the one function that raises each rule that reading a file can break (the rules
about columns, rows and figures are raised by their own checks in validate.py). Each rule is
raised from one place only: tests/test_validation_rules.py walks the source to keep it so."""

from __future__ import annotations

from pipeline.ingest.returns.contract import (
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_FILE_MB,
    MAX_ROWS,
)
from pipeline.ingest.returns.findings import Finding, Location, Severity

# The rule book: code -> (severity, what the rule checks). The README's table comes from here.
RULES: dict[str, tuple[Severity, str]] = {
    "E01": (Severity.ERROR, "The file is a readable Excel workbook (.xlsx) or CSV file"),
    "E02": (Severity.ERROR, "A CSV file is saved as UTF-8 text"),
    "E03": (Severity.ERROR, "The file is not empty: it has at least one figure"),
    "E04": (Severity.ERROR, "Every required column is there"),
    "E05": (Severity.ERROR, "No column outside the return contract"),
    "E06": (
        Severity.ERROR,
        "Nothing looks like child-level data: no column headed for names, "
        "dates of birth, addresses or ids; no NHS or pupil number, postcode "
        "or date in any cell (names in free text are not detected)",
    ),
    "E07": (Severity.ERROR, "The agency is one the partnership knows"),
    "E08": (Severity.ERROR, "Every indicator belongs to the agency sending the return"),
    "E09": (Severity.ERROR, "Every indicator code is in the catalogue"),
    "E10": (Severity.ERROR, "The area code is an ONS local authority code such as E06000046"),
    "E11": (Severity.ERROR, "The area code is a local authority the product knows"),
    "E12": (Severity.ERROR, "The period is written like '2024-25 Q3'"),
    "E13": (Severity.ERROR, "The period is not in the future"),
    "E14": (Severity.ERROR, "The period has ended"),
    "E15": (Severity.ERROR, "Each value, numerator and denominator is a number"),
    "E16": (Severity.ERROR, "No figure is negative"),
    "E17": (Severity.ERROR, "A count is a whole number"),
    "E18": (Severity.ERROR, "A proportion is between 0 and 100"),
    "E19": (
        Severity.ERROR,
        "Proportions, rates and durations give their numerator and denominator",
    ),
    "E20": (Severity.ERROR, "A numerator is not above its denominator, which is not zero"),
    "E21": (
        Severity.ERROR,
        "The value agrees with its numerator and denominator (to the precision given)",
    ),
    "E22": (Severity.ERROR, "One row per indicator, area and period"),
    "E23": (
        Severity.ERROR,
        f"The file is within a return's limits: at most {MAX_FILE_MB} MB, "
        f"{MAX_ROWS:,} rows, {MAX_COLUMNS} columns, {MAX_CELLS:,} cells "
        f"and {MAX_CELL_CHARS:,} characters a cell",
    ),
    "E24": (
        Severity.ERROR,
        "Nothing outside the return's table and header area (no other "
        "sheet, no cell without a column heading or beyond the table)",
    ),
    "E25": (
        Severity.ERROR,
        "A workbook holds cells only: no macros, comments, pictures, "
        "embedded files, page headers or footers, or named text",
    ),
    "E26": (Severity.ERROR, "Every column heading appears once"),
    "E27": (Severity.ERROR, "A formula cell has its result saved"),
    "E28": (
        Severity.ERROR,
        "A figure is possible for the area: a count is not above the "
        "area's children, and no figure reaches a billion",
    ),
    "Q01": (
        Severity.QUERY,
        "A value is not far from last quarter's (for figures that follow "
        "the school year, from the same quarter last year): a change of at "
        "least half and at least 10 (2 weeks for waits), or 15 percentage "
        "points",
    ),
    "Q02": (Severity.QUERY, "Parts add up to their total (plan categories against plans)"),
    "Q03": (
        Severity.QUERY,
        "A numerator or denominator equals the figure it counts (e.g. the "
        "re-referral rate's denominator against referrals)",
    ),
    "Q04": (Severity.QUERY, "Every indicator the agency reports has a figure"),
    "Q05": (Severity.QUERY, "A year-to-date count does not fall within the year"),
    "Q06": (
        Severity.QUERY,
        "A year-to-date count is not below the same day's count it includes (children in care "
        "during the year against those in care on the last day)",
    ),
}


def rules_markdown() -> str:
    """The rule book as the Markdown table docs/returns.md shows (`make docs` writes it there;
    a test fails when the two differ)."""
    lines = ["| code | kind | the rule |", "|---|---|---|"]
    lines += [f"| {code} | {severity.value} | {text} |" for code, (severity, text) in RULES.items()]
    return "\n".join(lines) + "\n"


def _raised(code: str, location: Location, message: str) -> Finding:
    return Finding(RULES[code][0], code, location, message)


def unreadable(location: Location, why: str) -> Finding:
    """E01: the file cannot be read as a return (not there, not a workbook or CSV, damaged)."""
    return _raised("E01", location, why)


def not_utf8(location: Location, why: str) -> Finding:
    """E02: a CSV file not saved as UTF-8 text."""
    return _raised("E02", location, why)


def empty(location: Location, why: str) -> Finding:
    """E03: the file holds no figure."""
    return _raised("E03", location, why)


def missing_column(location: Location, why: str) -> Finding:
    """E04: a required column (or the return's table itself) is not there."""
    return _raised("E04", location, why)


def over_limit(location: Location, why: str) -> Finding:
    """E23: the file passes one of a return's limits (size, rows, cells, parts, characters)."""
    return _raised("E23", location, why)


def outside_table(location: Location, why: str) -> Finding:
    """E24: something outside the return's table and header area; never repeats what it is."""
    return _raised("E24", location, why)


def not_cells_only(location: Location, why: str) -> Finding:
    """E25: a workbook part that is not cells (a macro, comment, picture, header text...)."""
    return _raised("E25", location, why)


def heading_twice(location: Location, why: str) -> Finding:
    """E26: a column heading that appears twice."""
    return _raised("E26", location, why)


def formula_without_result(location: Location, why: str) -> Finding:
    """E27: a formula cell with no saved result."""
    return _raised("E27", location, why)

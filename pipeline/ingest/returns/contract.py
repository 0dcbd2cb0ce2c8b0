"""The return contract: the columns a return has, in CSV and in the Excel template.

CSV: a tidy table, one row per area, period and indicator.
Excel: the agency, area and period in a header area above a table of one row per indicator
(the template made by `pqa template AGENCY`); a tidy table like the CSV form also reads.
"""

from __future__ import annotations

RETURN_SHEET = "Return"
LISTS_SHEET = "Lists"

# Tidy form (CSV, or an Excel sheet laid out the same way).
TIDY_REQUIRED = ("area_code", "period", "indicator_code", "value")
# Numerator and denominator are required on the rows of proportions, rates and durations.
RATIO_COLUMNS = ("numerator", "denominator")
OPTIONAL = ("agency", "numerator", "denominator", "notes", "indicator", "definition")

# The Excel template's header area: a label in column A, the value in column B.
HEADER_FIELDS = ("agency", "area_code", "period")
TEMPLATE_COLUMNS = (
    "indicator_code",
    "indicator",
    "definition",
    "value",
    "numerator",
    "denominator",
    "notes",
)

KNOWN_COLUMNS = frozenset(TIDY_REQUIRED + OPTIONAL)
# Columns a reader may fill from the Excel header area instead of the table.
FROM_HEADER = ("area_code", "period")


def normalise_header(text: object) -> str:
    """'Indicator code ' -> 'indicator_code', so headers match however they are typed."""
    return "_".join(str(text or "").strip().lower().replace("-", " ").split())


# --- Limits: what a quarterly return can never need, so reading stops early and cheaply ---------
# A return is one agency's figures: tens of indicators, a few quarters, one or a few areas.
# These limits are generous for that and small enough that any file is read in bounded time and
# memory. The dashboard's upload limit (server.maxUploadSize in .streamlit/config.toml) is the
# same 10 MB.
MAX_FILE_MB = 10
MAX_FILE_BYTES = MAX_FILE_MB * 1024 * 1024
MAX_ROWS = 10_000  # table rows (CSV lines) in one file
MAX_LINES = 100_000  # CSV lines, blank ones included
MAX_COLUMNS = 30  # fields on one CSV line
MAX_CELLS = 150_000  # cells read in one file, on every sheet, filled or not
MAX_CELL_CHARS = 2_000  # characters in one cell (a note is a sentence or two)
MAX_UNCOMPRESSED_BYTES = 25 * 1024 * 1024  # all of a workbook's parts once unzipped
MAX_PARTS = 100  # files inside a workbook's zip
# No figure in a return comes near this: not even a year of school sessions in the largest area.
MAX_FIGURE = 1_000_000_000
# At most this many findings are listed for one file; the rest are counted.
MAX_LISTED_FINDINGS = 100
# The template's header area: a label in column A, its value in B, a hint in C.
HEADER_AREA_COLUMNS = 3

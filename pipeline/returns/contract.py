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
TEMPLATE_COLUMNS = ("indicator_code", "indicator", "definition", "value", "numerator",
                    "denominator", "notes")

KNOWN_COLUMNS = frozenset(TIDY_REQUIRED + OPTIONAL)
# Columns a reader may fill from the Excel header area instead of the table.
FROM_HEADER = ("area_code", "period")


def normalise_header(text: object) -> str:
    """'Indicator code ' -> 'indicator_code', so headers match however they are typed."""
    return "_".join(str(text or "").strip().lower().replace("-", " ").split())

"""Returns hold aggregate figures only. This spots what looks like information about one child
(names, dates of birth, NHS numbers, pupil numbers, addresses) so the file can be refused.
Messages say what a cell looks like, never what it holds: the value is not repeated anywhere."""

from __future__ import annotations

import re
from datetime import date, datetime

# Column headings that only child-level data would have (after normalise_header).
PERSONAL_HEADINGS = re.compile(
    r"(^|_)(name|names|forename|surname|first_name|last_name|full_name|dob|date_of_birth|"
    r"birth_date|birthday|nhs|nhs_number|nhs_no|upn|pupil_number|unique_pupil_number|uln|"
    r"address|street|postcode|post_code|child_id|person_id|client_id|case_id|"
    r"mosaic_id|lcs_id)($|_)"
)
NHS_NUMBER = re.compile(r"(?<!\d)(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?!\d)")
UNIQUE_PUPIL_NUMBER = re.compile(r"\b[A-HJ-NP-TV-Z]\d{11}[0-9A-HJ-NP-TV-Z]\b")
# Postcode areas never start with Q, V or X, nor have I, J or Z second ("Q3 2nd" is not one).
POSTCODE = re.compile(r"\b[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE)
FULL_DATE = re.compile(r"\b(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2})\b")
BIRTH_WORDS = re.compile(r"\b(d\.?o\.?b|date of birth|born on)\b", re.IGNORECASE)


def heading_looks_personal(heading: str) -> bool:
    return bool(PERSONAL_HEADINGS.search(heading))


def _valid_nhs_number(digits: str) -> bool:
    """NHS numbers end in a modulus 11 check digit, which counts rarely satisfy by chance."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def what_cell_looks_like(value: object) -> str | None:
    """A short description of the child-level data a cell seems to hold, or None."""
    if isinstance(value, (datetime, date)):
        return "a date (returns hold no dates: write periods like '2024-25 Q3')"
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        text = str(int(value)) if float(value).is_integer() else ""
    else:
        text = str(value)
    if any(_valid_nhs_number("".join(m.groups())) for m in NHS_NUMBER.finditer(text)):
        return "an NHS number"
    if UNIQUE_PUPIL_NUMBER.search(text):
        return "a unique pupil number"
    if POSTCODE.search(text):
        return "a postcode"
    if BIRTH_WORDS.search(text):
        return "a date of birth"
    if FULL_DATE.search(text):
        return "a date, perhaps a date of birth (write 'February 2025', not a full date)"
    return None

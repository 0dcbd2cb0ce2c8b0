"""What a published time period means, mapped explicitly, never guessed.

Explore Education Statistics writes a period as `time_period` with a `time_identifier`:

| time_identifier | time_period | period_kind | year | read as |
|---|---|---|---|---|
| Reporting year | 2025 | financial_year | 2024-25 | the year ending 31 March 2025 |
| Financial year | 202425 | financial_year | 2024-25 | April 2024 to March 2025 |
| Academic year | 202425 | academic_year | 2024-25 | the school year September 2024 to July 2025 |
| Calendar year | 2024 | calendar_year | 2024 | January to December 2024 |
| Financial year Q1 .. Q4 | 202425 | financial_year_quarter | 2024-25 Q1 | as in the returns |

The children's social care statistics (children in need, child protection, children looked
after) use "Reporting year": their 2025 is the year ending 31 March 2025, the partnership's
financial year 2024-25. Only financial years are compared with the partnership's own figures;
an academic year is a different twelve months and is never given a financial year. Any other
identifier is kept as written, with the kind `other`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FINANCIAL_YEAR = "financial_year"
ACADEMIC_YEAR = "academic_year"
CALENDAR_YEAR = "calendar_year"
FINANCIAL_YEAR_QUARTER = "financial_year_quarter"
OTHER = "other"

_FOUR_DIGITS = re.compile(r"^\d{4}$")
_SIX_DIGITS = re.compile(r"^(\d{4})(\d{2})$")
_FINANCIAL_QUARTER = re.compile(r"^financial year q([1-4])$")


class PublishedPeriodError(ValueError):
    """A time period that does not fit its time identifier."""


@dataclass(frozen=True)
class PublishedPeriod:
    kind: str  # financial_year, academic_year, calendar_year, financial_year_quarter, other
    year: str  # like 2024-25 (or 2024 for a calendar year)
    financial_year: str | None  # like 2024-25, only when the period is a financial year
    in_words: str


def _two_years(time_period: str, identifier: str) -> tuple[int, str]:
    match = _SIX_DIGITS.match(time_period)
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise PublishedPeriodError(
            f"'{time_period}' is not a {identifier.lower()} like 202425 "
            "(two years that follow each other)"
        )
    start = int(match[1])
    return start, f"{start}-{match[2]}"


def _one_year(time_period: str, identifier: str) -> int:
    if not _FOUR_DIGITS.match(time_period):
        raise PublishedPeriodError(f"'{time_period}' is not a {identifier.lower()} like 2025")
    return int(time_period)


def published_period(time_period: str, time_identifier: str) -> PublishedPeriod:
    """The meaning of one published period; PublishedPeriodError when the two do not fit
    together."""
    time_period, identifier = time_period.strip(), time_identifier.strip()
    key = identifier.lower()
    if key == "reporting year":
        end = _one_year(time_period, identifier)
        year = f"{end - 1}-{end % 100:02d}"
        return PublishedPeriod(
            FINANCIAL_YEAR, year, year, f"the year ending 31 March {end} (financial year {year})"
        )
    if key == "financial year":
        start, year = _two_years(time_period, identifier)
        return PublishedPeriod(
            FINANCIAL_YEAR,
            year,
            year,
            f"financial year {year} (April {start} to March {start + 1})",
        )
    if key == "academic year":
        start, year = _two_years(time_period, identifier)
        return PublishedPeriod(
            ACADEMIC_YEAR,
            year,
            None,
            f"academic year {year} (September {start} to July {start + 1})",
        )
    if key == "calendar year":
        year = _one_year(time_period, identifier)
        return PublishedPeriod(CALENDAR_YEAR, str(year), None, f"calendar year {year}")
    quarter = _FINANCIAL_QUARTER.match(key)
    if quarter:
        _, year = _two_years(time_period, "financial year")
        return PublishedPeriod(
            FINANCIAL_YEAR_QUARTER, f"{year} Q{quarter[1]}", None, f"{year} Q{quarter[1]}"
        )
    if not time_period:
        raise PublishedPeriodError("the time period is blank")
    return PublishedPeriod(OTHER, time_period, None, f"{identifier} {time_period}")

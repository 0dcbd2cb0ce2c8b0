"""Financial-year quarters, written as partner agencies write them: `2024-25 Q3`.

Q1 is April to June, Q2 July to September, Q3 October to December, Q4 January to March.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

PERIOD_PATTERN = re.compile(r"^(\d{4})-(\d{2}) Q([1-4])$")


class PeriodError(ValueError):
    """A period that is not written as `YYYY-YY QN` with consecutive years."""


@dataclass(frozen=True, order=True)
class Quarter:
    start_year: int  # the calendar year the financial year starts in (2024 for 2024-25)
    number: int  # 1 to 4

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = PERIOD_PATTERN.match(text.strip())
        if not match:
            raise PeriodError(f"'{text}' is not a period like '2024-25 Q3'")
        start, end, number = int(match[1]), int(match[2]), int(match[3])
        if (start + 1) % 100 != end:
            raise PeriodError(f"'{text}' names two years that do not follow each other")
        return cls(start, number)

    @classmethod
    def containing(cls, day: date) -> Quarter:
        start_year = day.year if day.month >= 4 else day.year - 1
        return cls(start_year, (day.month - 4) % 12 // 3 + 1)

    @property
    def financial_year(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"

    @property
    def label(self) -> str:
        return f"{self.financial_year} Q{self.number}"

    @property
    def start(self) -> date:
        month = 4 + 3 * (self.number - 1)
        return date(self.start_year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> date:
        following = self.next().start
        return date.fromordinal(following.toordinal() - 1)

    def next(self) -> Quarter:
        if self.number == 4:
            return Quarter(self.start_year + 1, 1)
        return Quarter(self.start_year, self.number + 1)

    def previous(self) -> Quarter:
        if self.number == 1:
            return Quarter(self.start_year - 1, 4)
        return Quarter(self.start_year, self.number - 1)

    def year_before(self) -> Quarter:
        return Quarter(self.start_year - 1, self.number)

    def __str__(self) -> str:
        return self.label


def quarters_between(first: Quarter, last: Quarter) -> list[Quarter]:
    quarters, current = [], first
    while current <= last:
        quarters.append(current)
        current = current.next()
    return quarters

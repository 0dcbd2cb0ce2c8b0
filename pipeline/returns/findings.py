"""What validation finds. An Error blocks the load; a Query loads but is recorded for the
data-quality page. Every finding names the file, sheet, row and column, the rule and what to do."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    ERROR = "Error"
    QUERY = "Query"


@dataclass(frozen=True)
class Location:
    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def describe(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Finding:
    severity: Severity
    rule: str
    location: Location
    message: str
    indicator_code: str | None = None
    # The (area_code, period) submission a Query is about, so it is stored with that submission.
    submission: tuple[str, str] | None = None

    def describe(self) -> str:
        return f"{self.severity.value} {self.rule} at {self.location.describe()}: {self.message}"


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


def queries(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.QUERY]

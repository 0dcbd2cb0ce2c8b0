"""What validation finds. An Error blocks the load; a Query loads but is recorded for the
data-quality page. Every finding names the file, sheet, row and column, the rule and what to do."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import Enum

from pipeline.ingest.returns.contract import MAX_LISTED_FINDINGS


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


def capped(findings: list[Finding], limit: int = MAX_LISTED_FINDINGS) -> list[Finding]:
    """The first `limit` findings, and one more that counts the rest by rule: a broken file of
    a million rows must not print a million lines (Errors are kept ahead of Queries)."""
    if len(findings) <= limit:
        return findings
    ordered = errors(findings) + queries(findings)
    shown, rest = ordered[:limit], ordered[limit:]
    counts = Counter(f.rule for f in rest)
    by_rule = ", ".join(f"{count:,} {rule}" for rule, count in sorted(counts.items()))
    first = rest[0]
    return shown + [
        Finding(
            first.severity,
            first.rule,
            Location(first.location.file),
            f"... and {len(rest):,} more finding(s) like these ({by_rule}). Correct the ones "
            "listed, check the file again and the rest will be listed.",
        )
    ]

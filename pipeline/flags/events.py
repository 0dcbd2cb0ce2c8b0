"""Known events: dated changes to a service or to how it records its figures (a new front
door, a new recording system), kept in data/reference/events.csv. After an event the
indicators it affects start a new baseline (trial limits until there are enough quarters), and
questions about the quarter it happened in are worded around it.

The file has one row per event: date (YYYY-MM-DD), what happened (plain words, as it should
read after "since"), and the indicators affected (codes separated by spaces). The dashboard
reads and adds events through `read_events` and `add_event`; text is kept as typed (data, never
code)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipeline.core.paths import REFERENCE_DIR

EVENTS_FILE = REFERENCE_DIR / "events.csv"
COLUMNS = ("date", "what_happened", "indicators", "details")


@dataclass(frozen=True)
class Event:
    day: date
    what_happened: str
    indicators: tuple[str, ...]
    details: str = ""

    @property
    def period(self) -> str:
        """The quarter the event happened in, like '2024-25 Q4' (financial years from April)."""
        start = self.day.year if self.day.month >= 4 else self.day.year - 1
        quarter = (self.day.month - 4) % 12 // 3 + 1
        return f"{start}-{(start + 1) % 100:02d} Q{quarter}"

    @property
    def words(self) -> str:
        """'since the Island's own front door opened on 24 February 2025'."""
        return f"since {self.what_happened} on {self.day.day} {self.day:%B %Y}"


def read_events(path: Path = EVENTS_FILE) -> list[Event]:
    """Every event in the register, oldest first (none if there is no register)."""
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    events = [
        Event(
            date.fromisoformat(r["date"].strip()),
            r["what_happened"].strip(),
            _codes(r),
            (r.get("details") or "").strip(),
        )
        for r in rows
        if r.get("date", "").strip()
    ]
    return sorted(events, key=lambda e: e.day)


def add_event(
    day: date,
    what_happened: str,
    indicators: list[str],
    details: str = "",
    path: Path = EVENTS_FILE,
) -> Event:
    """Add an event to the register (creating it if needed); the next refresh re-bases."""
    words = " ".join(what_happened.split())
    if not words:
        raise ValueError("Say what happened, for example: the new front door opened.")
    if not indicators:
        raise ValueError("Name at least one indicator the event affects.")
    event = Event(day, words, tuple(indicators), " ".join(details.split()))
    new = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        if new:
            writer.writerow(COLUMNS)
        writer.writerow([day.isoformat(), words, " ".join(indicators), event.details])
    return event


def events_by_indicator(events: list[Event]) -> dict[str, tuple[Event, ...]]:
    found: dict[str, list[Event]] = {}
    for event in events:
        for code in event.indicators:
            found.setdefault(code, []).append(event)
    return {code: tuple(found_events) for code, found_events in found.items()}


def _codes(row: dict) -> tuple[str, ...]:
    return tuple((row.get("indicators") or "").split())

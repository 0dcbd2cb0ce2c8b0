"""One indicator's quarterly series for one area, as the quarterly mart holds it: every
quarter from the first figure to the last ended quarter, with None where a return is missing."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    period: str
    value: float | None
    numerator: float | None = None
    denominator: float | None = None

    @property
    def observed(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Series:
    area_code: str
    indicator_code: str
    points: tuple[Point, ...]

    def upto(self, k: int) -> Series:
        """The series as it stood when quarter k was the latest (no look-ahead)."""
        return Series(self.area_code, self.indicator_code, self.points[: k + 1])

    def upto_from(self, start: int) -> Series:
        """The series from quarter `start` on (the quarters since a known event)."""
        if start == 0:
            return self
        return Series(self.area_code, self.indicator_code, self.points[start:])

    @property
    def latest(self) -> Point:
        return self.points[-1]

    def value(self, back: int) -> float | None:
        """The value `back` quarters before the latest (0 is the latest)."""
        index = len(self.points) - 1 - back
        return self.points[index].value if index >= 0 else None

    def observed_before_latest(self) -> list[Point]:
        return [p for p in self.points[:-1] if p.observed]

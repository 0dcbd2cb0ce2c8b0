"""A labelled test set for the flag engine: synthetic quarterly series of realistic kinds and
sizes, clean or with a change of practical size injected at the end, made deterministically.

Kinds: counts averaging about 3, 30 and 4,000 a quarter (the largest with more variation than
chance alone, as real front-door counts have); percentages with denominators of 20 and 2,000
(the largest varying a little from quarter to quarter). Lengths: 8, 12, 20 and 40 quarters.
Changes: a step, a trend, a spike, a drop to zero, a missing quarter.

A change "of practical size" is one a partnership would want to hear about and that a single
quarter can show: four times the quarter-to-quarter spread of the series (its standard
deviation), and at least 5 events for counts. That is +/-7 events on a count of about 3, 22 on
30, 500 on 4,000 (12%); 41 percentage points with 20 children behind a percentage, 6 points
with 2,000. Smaller changes exist, but no rule can tell one quarter of them from chance
without raising false alarms on stable series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.core.catalogue import Indicator
from pipeline.flags.series import Point, Series

LENGTHS = (8, 12, 20, 40)
CHANGES = ("step", "trend", "spike", "drop to zero", "missing quarter")
SERIES_PER_CELL = 60


@dataclass(frozen=True)
class Kind:
    name: str
    indicator: Indicator
    mean: float  # counts: events a quarter; percentages: the percentage
    denominator: int | None = None

    def spread(self) -> float:
        """The quarter-to-quarter standard deviation of the clean series (see _draw)."""
        if self.denominator:
            p = self.mean / 100
            binomial = 100 * np.sqrt(p * (1 - p) / self.denominator)
            return float(np.hypot(binomial, 1.0 if self.denominator >= 1000 else 0.0))
        return float((2 if self.mean >= 1000 else 1) * np.sqrt(self.mean))

    def practical_change(self) -> float:
        """The size of change injected (added to the mean, or to the percentage)."""
        size = 4 * self.spread()
        return size if self.denominator else max(5.0, size)


def _indicator(code: str, kind: str, better: str) -> Indicator:
    return Indicator(code, code, "", "test", kind, "flow", "sum", better, "", "", "", "", False, "")


KINDS = (
    Kind("count about 3", _indicator("small", "count", "neutral"), 3),
    Kind("count about 30", _indicator("middle", "count", "neutral"), 30),
    Kind("count about 4,000", _indicator("large", "count", "neutral"), 4000),
    Kind("percentage of 20", _indicator("pct20", "proportion", "up"), 70, 20),
    Kind("percentage of 2,000", _indicator("pct2000", "proportion", "up"), 70, 2000),
)


@dataclass(frozen=True)
class Case:
    kind: Kind
    series: Series
    change: str | None  # None for a clean series
    change_start: int  # index of the first changed quarter


def _periods(n: int) -> list[str]:
    return [f"{2010 + q // 4}-{(2011 + q // 4) % 100:02d} Q{q % 4 + 1}" for q in range(n)]


def _draw(kind: Kind, means: np.ndarray, rng: np.random.Generator) -> list[Point]:
    if kind.denominator:
        wobble = 0.01 if kind.denominator >= 1000 else 0.0
        shares = np.clip(means / 100 + rng.normal(0, wobble, len(means)), 0, 1)
        numerators = rng.binomial(kind.denominator, shares)
        return [
            Point("", round(100 * x / kind.denominator, 1), float(x), float(kind.denominator))
            for x in numerators
        ]
    if kind.mean >= 1000:  # real large counts vary more than Poisson: about twice the spread
        values = np.round(rng.normal(means, 2 * np.sqrt(means)))
    else:
        values = rng.poisson(np.maximum(means, 0))
    return [Point("", float(v)) for v in values]


def make_case(kind: Kind, length: int, change: str | None, rng: np.random.Generator) -> Case:
    means = np.full(length, kind.mean, dtype=float)
    start = length
    if change:
        size = kind.practical_change() * (1 if rng.random() < 0.5 else -1)
        if kind.denominator is None and kind.mean < 1000 and size < 0:
            size = max(size, -kind.mean)  # a count cannot fall below zero
            if abs(size) < 5:  # a fall this small is not of practical size: rise instead
                size = -size
        start = length - int(rng.integers(1, 5)) if change in ("step", "trend") else length - 1
        if change == "step":
            means[start:] += size
        elif change == "trend":
            start = length - 6
            means[start:] += size * np.arange(1, 7) / 6
        elif change == "spike":
            means[-1] += size
    points = _draw(kind, means, rng)
    if change == "drop to zero":
        last = points[-1]
        points[-1] = Point("", 0.0, 0.0 if kind.denominator else None, last.denominator)
    elif change == "missing quarter":
        points[-1] = Point("", None)
    points = [
        Point(p, x.value, x.numerator, x.denominator) for p, x in zip(_periods(length), points)
    ]
    return Case(kind, Series("E00000000", kind.indicator.code, tuple(points)), change, start)


def labelled_cases(seed: int = 20261122) -> list[Case]:
    """Clean and changed cases for every kind and length (drops to zero only where zero is
    far outside the usual range, i.e. not for counts of about 3)."""
    rng = np.random.default_rng(seed)
    cases = []
    for kind in KINDS:
        for length in LENGTHS:
            for change in (None, *CHANGES):
                if change == "drop to zero" and kind.mean < 10:
                    continue
                cases += [make_case(kind, length, change, rng) for _ in range(SERIES_PER_CELL)]
    return cases


@dataclass
class Quality:
    detected: dict[tuple[str, str], list[bool]]  # (change, kind) -> detected, per case
    false_alarms: dict[str, list[str | None]]  # kind -> the rule that fired, per clean case

    def recall(self, change: str | None = None) -> float:
        found = [d for (c, _), ds in self.detected.items() if change in (None, c) for d in ds]
        return sum(found) / len(found)

    def false_alarms_per_100(self, severity: str | None = None) -> float:
        fired = [f for fs in self.false_alarms.values() for f in fs]
        hits = [f for f in fired if f and (severity is None or f[1] == severity)]
        return 100 * len(hits) / len(fired)


def measure(cases: list[Case]) -> Quality:
    """Clean series: does the engine raise a flag on the latest quarter (a false alarm)?
    Changed series: does it raise one on any quarter from the change to the latest?"""
    from collections import defaultdict

    from pipeline.flags.engine import judge, judge_history

    detected, false_alarms = defaultdict(list), defaultdict(list)
    for case in cases:
        every_quarter = {p.period for p in case.series.points}
        if case.change is None:
            main = judge(case.series, case.kind.indicator).main
            false_alarms[case.kind.name].append((main.rule, main.severity) if main else None)
        else:
            judged = judge_history(case.series, case.kind.indicator, every_quarter)
            detected[(case.change, case.kind.name)].append(
                any(j.main for j in judged[case.change_start :])
            )
    return Quality(dict(detected), dict(false_alarms))

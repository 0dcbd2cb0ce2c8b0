"""A labelled test set for the flag engine, measured the way a partnership meets its questions.

Every series has 22 quarters (2010-11 Q1 on), as the sample does; a refresh publishes the
questions of the last 12. The engine judges every quarter as the series stood then, and:
- false alarms are every question it publishes on an unchanged series over those 12 quarters,
  per 100 series (not just the latest quarter);
- recall is whether it asks about a change from the quarter the change began to the latest.

Kinds follow what real series do: small counts (about 3 and 8 a quarter), a count of about 30,
overdispersed counts (variance 2.5 times the mean), large counts with twice Poisson's spread,
autocorrelated snapshot counts (each quarter half the one before), a school-year seasonal count
(judged against its own quarter), and percentages with small (about 20) and large (2,000)
denominators.

Changes (sizes in standard deviations of the unchanged series): steps of 2, 3 and 4 starting
after the 12-quarter baseline, one-quarter spikes of 4, trends reaching 3 and 4 over six
quarters, and (reported apart) a drop to zero of a large count and a missing quarter.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from pipeline.core.catalogue import Indicator
from pipeline.flags.series import Point, Series

LENGTH, PUBLISHED = 22, 12
BASELINE = 12  # changes start after the engine's fixed baseline
# The recall mix (what counts in "recall"): kind of change and size in standard deviations.
MIX = (("step", 2), ("step", 3), ("step", 4), ("spike", 4), ("trend", 3), ("trend", 4))
DATA_CHANGES = (("drop to zero", 0), ("missing quarter", 0))
CLEAN_PER_KIND, CHANGED_PER_CELL = 300, 60


def _indicator(code: str, kind: str, measured: str = "flow", seasonal: bool = False) -> Indicator:
    return Indicator(
        code, code, "", "test", kind, measured, "sum", "neutral", "", "", "", "", seasonal, ""
    )


@dataclass(frozen=True)
class Kind:
    name: str
    indicator: Indicator
    mean: float  # counts: events a quarter; percentages: the percentage
    dispersion: float = 1.0  # variance as a multiple of the mean (counts)
    denominator: int | None = None
    autocorrelation: float = 0.0
    seasonal: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)

    def spread(self) -> float:
        """The quarter-to-quarter standard deviation of the unchanged series."""
        if self.denominator:
            p = self.mean / 100
            binomial = 100 * np.sqrt(p * (1 - p) / self.denominator)
            return float(np.hypot(binomial, 100 * self._wobble()))
        return float(np.sqrt(self.dispersion * self.mean))

    def _wobble(self) -> float:
        return 0.01 if self.denominator and self.denominator >= 1000 else 0.0


KINDS = (
    Kind("small count (3)", _indicator("small3", "count"), 3),
    Kind("small count (8)", _indicator("small8", "count"), 8),
    Kind("count (30)", _indicator("middle", "count"), 30),
    Kind("overdispersed (60)", _indicator("overdispersed", "count"), 60, dispersion=2.5),
    Kind("large count (4,000)", _indicator("large", "count"), 4000, dispersion=4.0),
    Kind(
        "snapshot (40)",
        _indicator("snapshot", "count", "snapshot"),
        40,
        dispersion=1.5,
        autocorrelation=0.5,
    ),
    Kind(
        "seasonal (school year)",
        _indicator("seasonal", "count", seasonal=True),
        50,
        seasonal=(1.2, 0.5, 1.3, 1.0),
    ),
    Kind("percentage of 20", _indicator("pct20", "proportion"), 70, denominator=20),
    Kind("percentage of 2,000", _indicator("pct2000", "proportion"), 70, denominator=2000),
)


@dataclass(frozen=True)
class Case:
    kind: Kind
    series: Series
    change: str | None  # None for an unchanged series
    size: float
    start: int  # index of the first changed quarter


def periods(n: int) -> list[str]:
    return [f"{2010 + q // 4}-{(2011 + q // 4) % 100:02d} Q{q % 4 + 1}" for q in range(n)]


def _draw(kind: Kind, shift: np.ndarray, rng: np.random.Generator) -> list[Point]:
    """One series: `shift` (in the kind's own units) added to its usual level each quarter."""
    n = len(shift)
    if kind.denominator:
        denominators = (
            rng.integers(12, 29, n) if kind.denominator < 100 else np.full(n, kind.denominator)
        )
        shares = np.clip((kind.mean + shift) / 100 + rng.normal(0, kind._wobble(), n), 0, 1)
        numerators = rng.binomial(denominators, shares)
        return [
            Point("", round(100 * x / d, 1), float(x), float(d))
            for x, d in zip(numerators, denominators)
        ]
    season = np.array([kind.seasonal[q % 4] for q in range(n)])
    means = np.maximum(kind.mean * season + shift, 0.0)
    if kind.autocorrelation:  # a snapshot: much of last quarter's caseload is still open
        noise, rho = np.zeros(n), kind.autocorrelation
        noise[0] = rng.normal()
        for t in range(1, n):
            noise[t] = rho * noise[t - 1] + np.sqrt(1 - rho**2) * rng.normal()
        values = np.round(means + noise * np.sqrt(kind.dispersion * kind.mean))
    elif kind.dispersion > 1:  # negative binomial with variance dispersion x mean
        r = means / (kind.dispersion - 1)
        values = rng.negative_binomial(np.maximum(r, 1e-9), 1 / kind.dispersion)
    else:
        values = rng.poisson(means)
    return [Point("", float(max(v, 0))) for v in values]


def make_case(kind: Kind, change: str | None, size: float, rng: np.random.Generator) -> Case:
    shift, start = np.zeros(LENGTH), LENGTH
    way = 1 if rng.random() < 0.5 else -1
    amount = way * size * kind.spread()
    if change == "step":
        start = int(rng.integers(BASELINE, LENGTH - 2))
        shift[start:] = amount
    elif change == "trend":
        start = int(rng.integers(BASELINE, LENGTH - 5))
        ramp = np.minimum(np.arange(1, LENGTH - start + 1) / 6, 1.0)
        shift[start:] = amount * ramp
    elif change == "spike":
        start = int(rng.integers(BASELINE, LENGTH))
        shift[start] = amount
    elif change in ("drop to zero", "missing quarter"):
        start = int(rng.integers(BASELINE, LENGTH))
    points = _draw(kind, shift, rng)
    if change == "drop to zero":
        old = points[start]
        points[start] = Point("", 0.0, 0.0 if kind.denominator else None, old.denominator)
    elif change == "missing quarter":
        points[start] = Point("", None)
    dated = tuple(
        Point(p, x.value, x.numerator, x.denominator) for p, x in zip(periods(LENGTH), points)
    )
    return Case(kind, Series("E00000000", kind.indicator.code, dated), change, size, start)


def labelled_cases(seed: int = 20261123, scale: float = 1.0) -> list[Case]:
    """Unchanged and changed cases for every kind (drops to zero only where zero is far
    outside the usual range: counts of 10 or more)."""
    rng = np.random.default_rng(seed)
    cases = []
    for kind in KINDS:
        cases += [make_case(kind, None, 0, rng) for _ in range(round(CLEAN_PER_KIND * scale))]
        for change, size in MIX + DATA_CHANGES:
            if change == "drop to zero" and (kind.mean < 10 or kind.denominator):
                continue
            per_cell = round(CHANGED_PER_CELL * scale)
            cases += [make_case(kind, change, size, rng) for _ in range(per_cell)]
    return cases


@dataclass
class Quality:
    detected: dict[tuple[str, float, str], list[bool]]  # (change, size, kind) -> found, per case
    false_alarms: dict[str, list[list[str]]]  # kind -> the rules published, per unchanged case

    def recall(self, kind: str | None = None, change: str | None = None) -> float:
        """Recall over the mix (or one kind of change, or one kind of series)."""
        found = [
            d
            for (c, size, k), ds in self.detected.items()
            if kind in (None, k) and (change == c or (change is None and (c, size) in MIX))
            for d in ds
        ]
        return sum(found) / len(found)

    def recall_of(self, change: str, size: float, kind: str | None = None) -> float:
        found = [
            d
            for (c, s, k), ds in self.detected.items()
            if (c, s) == (change, size) and kind in (None, k)
            for d in ds
        ]
        return sum(found) / len(found)

    def false_alarms_per_100(self, kind: str | None = None, rule: str | None = None) -> float:
        """Questions published on unchanged series over the window, per 100 series."""
        per_series = [
            [r for r in rules if rule in (None, r)]
            for k, cases in self.false_alarms.items()
            if kind in (None, k)
            for rules in cases
        ]
        return 100 * sum(len(r) for r in per_series) / len(per_series)


def measure(cases: list[Case]) -> Quality:
    """Run the engine over every quarter of every case, as a refresh does, and count."""
    from pipeline.flags.engine import flags_from_history, monitor

    detected, false_alarms = defaultdict(list), defaultdict(list)
    published = set(periods(LENGTH)[-PUBLISHED:])
    for case in cases:
        every_quarter = {p.period for p in case.series.points}
        judgements = monitor(case.series, case.kind.indicator, every_quarter)
        flags = flags_from_history(judgements, case.kind.indicator, "Test", published)
        if case.change is None:
            false_alarms[case.kind.name].append([f.rule for f in flags])
            continue
        start_period = case.series.points[case.start].period
        last = start_period if case.change != "step" and case.change != "trend" else "~"
        found = any(start_period <= f.period <= last for f in flags)
        detected[(case.change, case.size, case.kind.name)].append(found)
    return Quality(dict(detected), dict(false_alarms))

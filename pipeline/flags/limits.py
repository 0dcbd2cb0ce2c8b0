"""The usual range of a series, from a baseline of earlier quarters, and how far a quarter is
from it in standard deviations (a standardised residual, `z`).

Every figure is judged on a scale where chance variation is roughly the same size everywhere:
- `counts` (kind count): the square-root scale, 2 x sqrt(x + 3/8), where a Poisson count varies
  by about 1 whatever its size. The spread is the baseline's own variation on that scale, never
  below 1: counts that vary more than chance (overdispersed) get wider limits, smooth ones
  never narrower than chance.
- `angle` (percentages with numerators and denominators): the arcsine scale,
  asin(sqrt(share)), where a binomial share varies by 1 / (2 sqrt(denominator)); the
  baseline's quarter-to-quarter variation beyond that widens it (never narrows it).
- `level` (rates, durations, percentages without denominators): the figure itself, spread
  from the baseline's variation.

Seasonal indicators (school-year figures) are judged against their own quarter: the centre is
the baseline's mean for the same quarter of the year. The spread allows for the centre being
estimated from few quarters (sqrt(1 + 1/n)).

A baseline is the first 12 observed quarters since the series began or since the last known
event for the indicator (data/reference/events.csv); with fewer it is a trial baseline of every
earlier observed quarter since then.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from pipeline.flags.series import Point, Series

BASELINE_QUARTERS = 12
# Trial limits need this many earlier quarters (seasonal figures: two of each quarter).
MINIMUM_TRIAL_QUARTERS = 8
# Single-point limits: a quarter beyond this many standard deviations is a signal on its own.
# Set by simulation (perf/calibrate_flags.py) with the cumulative rule to keep false alarms
# at about 1.5 per 100 unchanged series over the 12 quarters a refresh publishes.
SIGNAL_Z = 3.75
TRIAL_Z = 4.5  # trial limits are estimated from fewer quarters: only big one-off changes
WARNING_Z = 2.0
# A count or percentage whose baseline varies no more than chance has a known spread (chance's
# own); one whose spread is estimated from 12 quarters is often underestimated by chance, so
# it needs SIGNAL_Z, while a known spread can afford the narrower CHANCE_Z (snapshots, whose
# quarters carry over, keep SIGNAL_Z). Set by simulation (perf/flag_quality.py): 80.1% recall
# and 2.00 false alarms per 100 unchanged series over the published window.
CHANCE_Z = 3.5


@dataclass(frozen=True)
class Baseline:
    points: tuple[Point, ...]
    fixed: bool
    since_event: str | None = None  # the event the baseline starts after, in words

    # Baselines key the caches of their limits (`_limits`), looked up for every quarter judged:
    # hashing twelve points each time cost more than the lookup saved, so the hash is kept.
    def __hash__(self) -> int:
        return self._hash

    @functools.cached_property
    def _hash(self) -> int:
        return hash((self.points, self.fixed, self.since_event))

    @property
    def first_period(self) -> str:
        return self.points[0].period

    @property
    def last_period(self) -> str:
        return self.points[-1].period

    @property
    def values(self) -> list[float]:
        return [p.value for p in self.points]

    @property
    def mean(self) -> float:
        return sum(self.values) / len(self.values)


def tail_of_z(z: float) -> float:
    """The upper tail probability beyond z (the normal distribution's survival function)."""
    return 0.5 * math.erfc(z / math.sqrt(2))


@functools.cache  # a handful of periods, looked up for every quarter judged
def quarter_of(period: str) -> int:
    """0 to 3 for 'YYYY-YY Q1' to 'Q4' (0 when the period has no quarter)."""
    return int(period[-1]) - 1 if period[-2:-1] == "Q" else 0


def _count_scale(value: float) -> float:
    return 2 * math.sqrt(max(value, 0.0) + 0.375)


def _from_count_scale(y: float) -> float:
    return max((max(y, 0.0) / 2) ** 2 - 0.375, 0.0)


def _angle(point: Point) -> float:
    share = (point.numerator + 0.375) / (point.denominator + 0.75)
    return math.asin(math.sqrt(min(max(share, 0.0), 1.0)))


@dataclass(frozen=True)
class Limits:
    method: str  # counts, angle or level
    centres: tuple[float, float, float, float]  # on the method's scale, by quarter of the year
    spread: float  # counts and level: one sd on the scale; angle: multiplier of binomial sd
    centre: float  # the baseline's mean in the figure's own units (for wording)
    seasonal: bool = False
    chance_only: bool = False  # the spread is chance's own: known, not estimated

    def _sd(self, point: Point) -> float:
        if self.method == "angle":
            return self.spread / (2 * math.sqrt(point.denominator + 0.5))
        return self.spread

    def _scaled(self, point: Point) -> float:
        if self.method == "counts":
            return _count_scale(point.value)
        if self.method == "angle":
            return _angle(point)
        return point.value

    def z(self, point: Point) -> float:
        """How far the point is from its quarter's centre, in standard deviations."""
        return (self._scaled(point) - self.centres[quarter_of(point.period)]) / self._sd(point)

    def expected(self, point: Point) -> float:
        """The centre for this point's quarter, in the figure's own units."""
        return self._unscaled(self.centres[quarter_of(point.period)])

    def _unscaled(self, y: float) -> float:
        if self.method == "counts":
            return _from_count_scale(y)
        if self.method == "angle":
            return 100 * math.sin(min(max(y, 0.0), math.pi / 2)) ** 2
        return y

    def bounds(self, point: Point, z: float = SIGNAL_Z) -> tuple[float, float]:
        """The usual range for this point (at `z` standard deviations), in its own units."""
        centre, spread = self.centres[quarter_of(point.period)], z * self._sd(point)
        lower, upper = self._unscaled(centre - spread), self._unscaled(centre + spread)
        if self.method == "level":
            lower = max(lower, 0.0)
        return lower, upper


def baseline_for(series: Series, start: int = 0, since_event: str | None = None) -> Baseline | None:
    """The baseline for judging the latest quarter: the first 12 observed quarters from
    `start` (an event's quarter, else the first) once there are 12, else every earlier observed
    quarter from `start` (a trial baseline); None if there are none."""
    earlier = []
    for point in series.points[start:-1]:
        if point.observed:
            earlier.append(point)
            if len(earlier) == BASELINE_QUARTERS:
                return Baseline(tuple(earlier), True, since_event)
    return Baseline(tuple(earlier), False, since_event) if earlier else None


def limits_for(
    kind: str, baseline: Baseline, latest: Point, seasonal: bool = False
) -> Limits | None:
    """The limits for the latest quarter, or None when a trial baseline is too short."""
    if len(baseline.points) < MINIMUM_TRIAL_QUARTERS:
        return None
    if kind == "count":
        method = "counts"
    elif kind == "proportion" and _has_denominator(latest):
        method = "angle"
    else:
        method = "level"
    return _limits(method, baseline, seasonal)


# A fixed baseline is the same for every later quarter of its series, so its limits are worked
# out once (the engine judges every quarter of every series: 465,000 at national scale).
@functools.lru_cache(maxsize=256)
def _limits(method: str, baseline: Baseline, seasonal: bool) -> Limits:
    points = baseline.points
    if method == "angle" and not all(_has_denominator(p) for p in points):
        method = "level"
    if seasonal and any(len(v) < 2 for v in _by_quarter(points, lambda p: 1.0).values()):
        seasonal = False  # too few of some quarter to know its own level
    values = [_scale(method, p) for p in points]
    centres = _centres(points, values, seasonal)
    residuals = [v - centres[quarter_of(p.period)] for p, v in zip(points, values)]
    if method == "angle":
        residuals = [r * 2 * math.sqrt(p.denominator + 0.5) for r, p in zip(residuals, points)]
    fitted = 4 if seasonal else 1
    freedom = max(len(residuals) - fitted, 1)
    sd = math.sqrt(sum(r * r for r in residuals) / freedom)
    # chance alone sets the least spread of a count or a percentage: a baseline that happened
    # to be smooth must not make ordinary chance look like a signal
    floor = 1.0 if method in ("counts", "angle") else _level_floor(baseline.values)
    chance_only = method in ("counts", "angle") and sd <= floor
    sd = max(sd, floor)
    # the centre is estimated too: a new quarter varies from it by sd x sqrt(1 + 1/n)
    per_centre = len(points) / 4 if seasonal else len(points)
    spread = sd * math.sqrt(1 + 1 / per_centre)
    return Limits(method, centres, spread, baseline.mean, seasonal, chance_only)


@functools.lru_cache(maxsize=256)  # one per baseline, as `_limits`
def short_term_phi(baseline: Baseline) -> float:
    """How much more than chance a percentage varies from one quarter to the next (Laney's
    sigma-z from moving ranges, never below 1): a slow drift in the baseline does not inflate
    it, so a fall that happened inside the baseline can still be seen year on year."""
    points = [p for p in baseline.points if _has_denominator(p)]
    if len(points) < 3:
        return 1.0
    angles = [_angle(p) for p in points]
    centre = sum(angles) / len(angles)
    scores = [(a - centre) * 2 * math.sqrt(p.denominator + 0.5) for a, p in zip(angles, points)]
    ranges = [abs(b - a) for a, b in zip(scores, scores[1:])]
    return max(1.0, sum(ranges) / len(ranges) / 1.128)


def _scale(method: str, point: Point) -> float:
    if method == "counts":
        return _count_scale(point.value)
    if method == "angle":
        return _angle(point)
    return point.value


def _by_quarter(points, value) -> dict[int, list[float]]:
    found: dict[int, list[float]] = {q: [] for q in range(4)}
    for p in points:
        found[quarter_of(p.period)].append(value(p))
    return found


def _centres(points, values: list[float], seasonal: bool) -> tuple[float, float, float, float]:
    if not seasonal:
        mean = sum(values) / len(values)
        return (mean, mean, mean, mean)
    grouped: dict[int, list[float]] = {q: [] for q in range(4)}
    for p, v in zip(points, values):
        grouped[quarter_of(p.period)].append(v)
    return tuple(sum(v) / len(v) for _, v in sorted(grouped.items()))


def _level_floor(values: list[float]) -> float:
    """A baseline that never moved would make any change a signal: allow at least 1% of its
    level (and never zero)."""
    return max(0.01 * abs(sum(values) / len(values)), 1e-9)


def _has_denominator(point: Point) -> bool:
    return bool(point.denominator) and point.numerator is not None


def usual_range(
    series: Series, kind: str, seasonal: bool = False
) -> tuple[Baseline, Limits] | None:
    """The baseline and limits the latest quarter is judged against (as the flag engine
    judges it, ignoring events), for charts that shade the usual range."""
    observed = tuple(p for p in series.points if p.observed)
    if not observed:
        return None
    judged = Series(series.area_code, series.indicator_code, observed)
    baseline = baseline_for(judged)
    limits = limits_for(kind, baseline, judged.latest, seasonal) if baseline else None
    return (baseline, limits) if limits else None

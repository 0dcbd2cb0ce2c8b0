"""The usual range of a series, from a baseline of earlier quarters.

Methods, chosen by the indicator's kind and size (docs/flags.md; NHS "Making Data Count"):
- `xmr`: mean +/- 2.66 x mean moving range (3 sigma) for counts averaging 10 or more,
  durations, rates and percentages without denominators. For counts, sigma is never taken
  below the Poisson square root of the mean: a baseline that happened to be smooth must not
  make ordinary chance look like a signal.
- `poisson`: exact Poisson tails for counts averaging under 10, where an XmR lower limit of 0
  could never flag a fall.
- `p_chart`: binomial limits around the pooled percentage, widened by Laney's sigma-z when the
  quarters vary more than chance allows (large denominators).
A baseline is the first 12 observed quarters, fixed once there are 12 and never re-based
automatically; with fewer it is a trial baseline of every earlier observed quarter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from scipy import special, stats

from pipeline.flags.series import Point, Series

BASELINE_QUARTERS = 12
# Trial limits need this many earlier quarters: XmR estimates its spread from the quarters
# themselves, so it needs more of them than the Poisson and binomial limits, whose spread
# follows from the mean. With fewer, only the exact change tests judge a quarter.
MINIMUM_TRIAL_QUARTERS = {"xmr": 8, "poisson": 6, "p_chart": 6}
SMALL_COUNT_MEAN = 10
SIGNAL_Z = 3.0  # 99.8% limits
WARNING_Z = 2.0


@dataclass(frozen=True)
class Baseline:
    points: tuple[Point, ...]
    fixed: bool

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


def _z_of_tail(p: float) -> float:
    """The z whose upper tail is p (0 for p of a half or more; 40 for a p too small to hold)."""
    if p >= 0.5:
        return 0.0
    return -NormalDist().inv_cdf(p) if p > 0 else 40.0


def tail_of_z(z: float) -> float:
    """The upper tail probability beyond z (the normal distribution's survival function)."""
    return 0.5 * math.erfc(z / math.sqrt(2))


def baseline_for(series: Series) -> Baseline | None:
    """The baseline for judging the latest quarter: the first 12 observed quarters once there
    are 12, else every earlier observed quarter (a trial baseline); None if there are none."""
    earlier = series.observed_before_latest()
    if len(earlier) >= BASELINE_QUARTERS:
        return Baseline(tuple(earlier[:BASELINE_QUARTERS]), fixed=True)
    return Baseline(tuple(earlier), fixed=False) if earlier else None


@dataclass(frozen=True)
class Limits:
    method: str
    centre: float
    sigma: float = 0.0  # xmr: one sigma; p_chart: sigma-z multiplier for binomial sigma

    def z(self, point: Point) -> float:
        """How far the point is from the centre, in sigmas (for Poisson, the equivalent z of
        its exact tail probability). scipy.special's functions, not scipy.stats', because this
        runs for every quarter of every series and they are many times faster."""
        if self.method == "poisson":
            high = special.pdtrc(point.value - 1, self.centre) if point.value > 0 else 1.0
            low = special.pdtr(point.value, self.centre)
            if high < low:
                return _z_of_tail(high)
            return -_z_of_tail(low)
        return (point.value - self.centre) / self._sigma(point)

    def bounds(self, point: Point, z: float = SIGNAL_Z) -> tuple[float, float]:
        """The usual range for this point (at `z` sigmas)."""
        if self.method == "poisson":
            tail = tail_of_z(z)
            return (
                float(stats.poisson.ppf(tail, self.centre)),
                float(stats.poisson.isf(tail, self.centre)),
            )
        spread = z * self._sigma(point)
        lower = max(self.centre - spread, 0.0)
        upper = self.centre + spread
        return (lower, min(upper, 100.0) if self.method == "p_chart" else upper)

    def _sigma(self, point: Point) -> float:
        if self.method == "p_chart":
            p = self.centre / 100
            return 100 * math.sqrt(p * (1 - p) / point.denominator) * self.sigma
        return self.sigma


def limits_for(kind: str, baseline: Baseline, latest: Point) -> Limits | None:
    """The limits for the latest quarter, or None when a trial baseline is too short."""
    limits = _limits(kind, baseline, latest)
    enough = baseline.fixed or len(baseline.points) >= MINIMUM_TRIAL_QUARTERS[limits.method]
    return limits if enough else None


def _limits(kind: str, baseline: Baseline, latest: Point) -> Limits:
    mean = baseline.mean
    if kind == "count" and mean < SMALL_COUNT_MEAN:
        return Limits("poisson", mean)
    if kind == "proportion" and _has_denominators(baseline.points + (latest,)):
        return _p_chart(baseline)
    sigma = _moving_range_sigma(baseline.values)
    if kind == "count":
        sigma = max(sigma, math.sqrt(mean))
    return Limits("xmr", mean, max(sigma, 1e-9))


def _has_denominators(points) -> bool:
    return all(p.denominator and p.numerator is not None for p in points)


def _moving_range_sigma(values: list[float]) -> float:
    ranges = [abs(b - a) for a, b in zip(values, values[1:])]
    return (sum(ranges) / len(ranges)) / 1.128 if ranges else 0.0


def _p_chart(baseline: Baseline) -> Limits:
    points = baseline.points
    p = sum(x.numerator for x in points) / sum(x.denominator for x in points)
    if p in (0.0, 1.0):
        return Limits("xmr", 100 * p, 1e-9)
    scores = [
        (x.numerator / x.denominator - p) / math.sqrt(p * (1 - p) / x.denominator) for x in points
    ]
    # Laney p': when quarters vary more than the binomial allows, widen by sigma-z (never
    # narrow: small denominators must keep the plain binomial limits)
    sigma_z = max(1.0, _moving_range_sigma(scores))
    return Limits("p_chart", 100 * p, sigma_z)


def usual_range(series: Series, kind: str) -> tuple[Baseline, Limits] | None:
    """The baseline and limits the latest quarter is judged against (as the flag engine
    judges it), for charts that shade the usual range."""
    observed = tuple(p for p in series.points if p.observed)
    if not observed:
        return None
    judged = Series(series.area_code, series.indicator_code, observed)
    baseline = baseline_for(judged)
    limits = limits_for(kind, baseline, judged.latest) if baseline else None
    return (baseline, limits) if limits else None

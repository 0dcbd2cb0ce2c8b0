"""The rules, each a small pure function judging the latest quarter of one series. A rule
returns a Detection (what fired, how strongly, which way, the test and its p-value, and the
facts the wording needs) or None. Thresholds are those of docs/flags.md, tested at and just
beyond each one (tests/test_flag_rules.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from scipy import special

from pipeline.flags.limits import SIGNAL_Z, Baseline, Limits, tail_of_z
from pipeline.flags.series import Series

SIGNAL, WATCH = "signal", "watch"
# The cumulative rule (a two-sided CUSUM): each quarter adds its standardised residual less
# CUSUM_SLACK; a sum above CUSUM_LIMIT is a sustained change. Both set by simulation
# (perf/calibrate_flags.py) to about 1.5 false alarms per 100 unchanged series over the 12
# quarters a refresh publishes, with the single-point limits.
CUSUM_SLACK = 1.0
CUSUM_LIMIT = 4.0
# Percentages, four quarters against the four before: beyond YEAR_Z (a chance of about 1 in
# 10,000 each quarter, as the tests over a window are far from independent) and 5 points.
YEAR_Z, MIN_YEAR_CHANGE = 3.9, 0.05
LARGE_COUNT = 10  # a count averaging this or more reported as 0 is a data question
TREND_LENGTH = 7  # rises or falls in a row
# Change tests: a signal below 1 in 500; "watch" below 1 in 100 (1 in 20, the usual starting
# point, raised 2 false alarms per 100 stable series in the test set).
SIGNAL_P, WATCH_P = 0.002, 0.01
MIN_CHANGE_EVENTS, MIN_CHANGE_RATIO = 5, 0.5
STALE_ABOVE = 20
FUNNEL_Z = 3.0  # 99.8% funnel limits against a benchmark
STALE_QUARTERS = 5


@dataclass(frozen=True)
class Detection:
    rule: str
    severity: str  # signal or watch
    change: str  # up or down
    test: str
    p_value: float | None = None
    facts: dict = field(default_factory=dict)


def _way(number: float) -> str:
    return "up" if number > 0 else "down"


def outside_limits(
    series: Series,
    baseline: Baseline,
    limits: Limits,
    threshold: float = SIGNAL_Z,
    z: float | None = None,
) -> Detection | None:
    """A single quarter beyond `threshold` standard deviations: a big one-off change. `z`: the
    latest quarter's, when the caller has already worked it out."""
    latest = series.latest
    z = limits.z(latest) if z is None else z
    if abs(z) <= threshold:
        return None
    lower, upper = limits.bounds(latest, threshold)
    if latest.value == 0 and z < 0 and limits.centre >= LARGE_COUNT and limits.method == "counts":
        return Detection(
            "fell_to_zero",
            SIGNAL,
            "down",
            "a normally large count reported as zero",
            facts={"centre": limits.centre},
        )
    return Detection(
        "outside_limits",
        SIGNAL,
        _way(z),
        f"beyond {threshold:g} standard deviations",
        2 * tail_of_z(abs(z)),
        {"lower": lower, "upper": upper, "z": z},
    )


def sustained_change(cusum: float, change: str, quarters: int) -> Detection | None:
    """The cumulative sum of standardised residuals (beyond half a standard deviation each
    quarter) has passed its limit: a sustained change, found whether it came at once or by
    degrees."""
    if cusum <= CUSUM_LIMIT:
        return None
    return Detection(
        "sustained_change",
        SIGNAL,
        change,
        f"cumulative sum above {CUSUM_LIMIT:g}",
        None,
        {"cusum": cusum, "quarters": quarters},
    )


def year_on_year(series: Series, phi: float) -> Detection | None:
    """A percentage over the latest four quarters against the four before (numerators and
    denominators pooled), on the arcsine scale, widened by the baseline's variation beyond
    chance (`phi`). Only changes of at least 5 percentage points count."""
    last8 = series.points[-8:]
    if len(last8) < 8 or not all(p.observed and p.denominator for p in last8):
        return None
    if any(p.numerator is None for p in last8):
        return None
    before, now = last8[:4], last8[4:]
    n0, n1 = sum(p.denominator for p in before), sum(p.denominator for p in now)
    p0, p1 = sum(p.numerator for p in before) / n0, sum(p.numerator for p in now) / n1
    if abs(p1 - p0) < MIN_YEAR_CHANGE:
        return None
    sd = phi * math.sqrt(1 / (4 * n0) + 1 / (4 * n1))
    z = (math.asin(math.sqrt(p1)) - math.asin(math.sqrt(p0))) / sd
    if abs(z) <= YEAR_Z:
        return None
    return Detection(
        "year_on_year",
        SIGNAL,
        _way(z),
        "four quarters against the four before",
        2 * tail_of_z(abs(z)),
        {
            "now": 100 * p1,
            "before": 100 * p0,
            "periods": (now[0].period, now[-1].period),
            "compared_periods": (before[0].period, before[-1].period),
        },
    )


def trend(series: Series) -> Detection | None:
    """Seven or more rises (or falls) in a row; a tie breaks the run."""
    steps = rises_in_a_row(series)
    if abs(steps) < TREND_LENGTH:
        return None
    return Detection(
        "trend", SIGNAL, _way(steps), "run of rises or falls", facts={"quarters": abs(steps)}
    )


def rises_in_a_row(series: Series) -> int:
    """Consecutive rises up to the latest quarter (negative for falls; 0 if flat or missing)."""
    points = series.points  # read backwards only as far as the run goes
    count, direction = 0, 0
    for k in range(len(points) - 1, 0, -1):
        before, after = points[k - 1].value, points[k].value
        if before is None or after is None or before == after:
            break
        step = 1 if after > before else -1
        if direction and step != direction:
            break
        direction, count = step, count + 1
    return direction * count


def change_from_last_year(series: Series) -> Detection | None:
    """A count against the same quarter last year: exact conditional Poisson test."""
    return _count_change(
        series.value(0),
        series.value(4),
        "change_from_last_year",
        {"compared_with": series.points[-5].period if len(series.points) > 4 else None},
    )


def _count_change(
    now: float | None, before: float | None, rule: str, facts: dict
) -> Detection | None:
    """Equal exposures, so given the total, `now` is binomial with p = 1/2 if nothing changed.
    Only changes of at least 5 events and 50% count: tiny changes are never questions."""
    if now is None or before is None:
        return None
    now, before = round(now), round(before)
    difference = now - before
    if abs(difference) < MIN_CHANGE_EVENTS or abs(difference) < MIN_CHANGE_RATIO * before:
        return None
    p_value = two_sided_half(now, now + before)
    if p_value >= WATCH_P:
        return None
    severity = SIGNAL if p_value < SIGNAL_P else WATCH
    return Detection(
        rule,
        severity,
        _way(difference),
        "exact conditional Poisson test",
        p_value,
        {**facts, "now": now, "before": before},
    )


def two_sided_half(k: int, n: int) -> float:
    """The exact two-sided binomial test of k successes in n with p = 1/2 (what
    scipy.stats.binomtest gives, as the distribution is symmetric: twice the smaller tail)."""
    lower = special.bdtr(k, n, 0.5)
    upper = 1.0 - special.bdtr(k - 1, n, 0.5) if k > 0 else 1.0
    return float(min(1.0, 2 * min(lower, upper)))


def stale_figure(series: Series) -> Detection | None:
    """A count above 20 the same five quarters running: is it up to date? (Two counts of
    about 30 match by chance one time in 20; three quarters running still raised 3 false
    alarms per 100 steady series of about 30 over the published window, four 0.1 per 100 on
    snapshot counts, whose quarters carry over; five none.)"""
    latest = series.latest.value
    if latest is None or latest <= STALE_ABOVE:
        return None
    earlier = series.points[-STALE_QUARTERS:-1]
    if len(earlier) < STALE_QUARTERS - 1 or any(p.value != latest for p in earlier):
        return None
    return Detection("stale_figure", "watch", "up", "same figure as the quarter before")


def missing_figure(series: Series, return_received: bool) -> Detection | None:
    """No figure for the quarter although the agency's return came in."""
    if (
        series.latest.observed
        or not return_received
        or not any(p.observed for p in series.points[:-1])
    ):
        return None
    return Detection("missing_figure", WATCH, "down", "figure missing from a return")


def below_benchmark(series: Series, expected: float | None, benchmark: str) -> Detection | None:
    """A count far below what a benchmark rate per 10,000 children would give: below the
    99.8% funnel limit of a Poisson count with that expectation."""
    value = series.latest.value
    if value is None or not expected:
        return None
    p_value = float(special.pdtr(value, expected))
    if p_value >= tail_of_z(FUNNEL_Z):
        return None
    return Detection(
        "below_benchmark",
        SIGNAL,
        "down",
        "Poisson funnel limit",
        p_value,
        {"expected": expected, "benchmark": benchmark},
    )

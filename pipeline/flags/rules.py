"""The rules, each a small pure function judging the latest quarter of one series. A rule
returns a Detection (what fired, how strongly, which way, the test and its p-value, and the
facts the wording needs) or None. Thresholds are those of docs/flags.md, tested at and just
beyond each one (tests/test_flag_rules.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from scipy import special

from pipeline.flags.limits import SIGNAL_Z, WARNING_Z, Baseline, Limits, tail_of_z
from pipeline.flags.series import Series

SIGNAL, WATCH = "signal", "watch"
# Quarters on one side of the mean for a shift: 8 (as the Western Electric rules and several
# NHS tools use); with 7, stable series raised 1.6 false alarms per 100 in the test set.
SHIFT_LENGTH = 8
TREND_LENGTH = 7  # rises or falls in a row
# Change tests: a signal below 1 in 500; "watch" below 1 in 100 (1 in 20, the usual starting
# point, raised 2 false alarms per 100 stable series in the test set).
SIGNAL_P, WATCH_P = 0.002, 0.01
MIN_CHANGE_EVENTS, MIN_CHANGE_RATIO = 5, 0.5
STALE_ABOVE = 20


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


def outside_limits(series: Series, baseline: Baseline, limits: Limits) -> Detection | None:
    latest = series.latest
    z = limits.z(latest)
    if abs(z) < SIGNAL_Z:
        return None
    lower, upper = limits.bounds(latest)
    return Detection(
        "outside_limits",
        SIGNAL,
        _way(z),
        f"{limits.method} limits",
        2 * tail_of_z(abs(z)),
        {"lower": lower, "upper": upper},
    )


def two_of_three(series: Series, baseline: Baseline, limits: Limits) -> Detection | None:
    """Two of the last three quarters beyond two sigma on the same side, the latest one of
    them (points beyond three sigma count too)."""
    last_three = series.points[-3:]
    if len(last_three) < 3 or not all(p.observed for p in last_three):
        return None
    scores = [limits.z(p) for p in last_three]
    side = 1 if scores[-1] > 0 else -1
    if side * scores[-1] < WARNING_Z or sum(side * s >= WARNING_Z for s in scores) < 2:
        return None
    return Detection("two_of_three", SIGNAL, _way(side), f"{limits.method} limits at 2 sigma")


def shift(series: Series, baseline: Baseline, limits: Limits) -> Detection | None:
    """Eight or more quarters in a row on the same side of a fixed baseline's mean. Not for
    small counts: their mean is not a median (a Poisson count with mean 1.3 is below it 6
    times in 10), so a run on one side would say nothing."""
    if not baseline.fixed or limits.method == "poisson":
        return None
    run = _run_length(series, lambda p: p.value > limits.centre, lambda p: p.value < limits.centre)
    if abs(run) < SHIFT_LENGTH:
        return None
    return Detection(
        "shift",
        SIGNAL,
        _way(run),
        "run on one side of the mean",
        facts={"quarters": abs(run), "mean": limits.centre},
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
    values = [p.value for p in series.points]
    count, direction = 0, 0
    for before, after in zip(reversed(values[:-1]), reversed(values)):
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


def change_over_two_quarters(series: Series) -> Detection | None:
    """The latest two quarters together against the two before them."""
    values = [series.value(back) for back in range(4)]
    if any(v is None for v in values):
        return None
    periods = [p.period for p in series.points[-4:]]
    return _count_change(
        values[0] + values[1],
        values[2] + values[3],
        "change_over_two_quarters",
        {"periods": periods[2:], "compared_periods": periods[:2]},
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
    """A count above 20 the same three quarters running: is it up to date? (The usual
    starting point is two quarters, but two counts of about 60 match by chance one time in 25, which
    would make this the noisiest rule; three match about one time in 600.)"""
    now, before, earlier = series.value(0), series.value(1), series.value(2)
    if now is None or not now == before == earlier or now <= STALE_ABOVE:
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
    if p_value >= tail_of_z(SIGNAL_Z):
        return None
    return Detection(
        "below_benchmark",
        SIGNAL,
        "down",
        "Poisson funnel limit",
        p_value,
        {"expected": expected, "benchmark": benchmark},
    )


def _run_length(series: Series, above, below) -> int:
    """Quarters in a row up to the latest on one side (positive above, negative below)."""
    count, side = 0, 0
    for point in reversed(series.points):
        if not point.observed:
            break
        here = 1 if above(point) else -1 if below(point) else 0
        if here == 0 or (side and here != side):
            break
        side, count = here, count + 1
    return side * count

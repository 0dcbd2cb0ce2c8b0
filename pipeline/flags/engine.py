"""The flag engine: judge every quarter of every series (as it stood then, no look-ahead),
keep the strongest finding per indicator, area and quarter (the others become its evidence),
and turn it into a flag with its question, direction and stable id.

A signal that simply continues (the same kind of rule, the same way, the quarter after a flag)
raises no new flag: one question per episode, not one per quarter.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
from dataclasses import dataclass, field

from pipeline.core.catalogue import Catalogue, Indicator
from pipeline.flags import rules, wording
from pipeline.flags.events import Event
from pipeline.flags.limits import (
    CHANCE_Z,
    SIGNAL_Z,
    TRIAL_Z,
    Baseline,
    Limits,
    baseline_for,
    limits_for,
    short_term_phi,
)
from pipeline.flags.rules import Detection
from pipeline.flags.series import Series

# Strongest first: when several rules fire, the first in this order words the question.
RULE_ORDER = [
    "fell_to_zero",
    "divergence",
    "outside_limits",
    "sustained_change",
    "year_on_year",
    "trend",
    "change_from_last_year",
    "below_benchmark",
    "missing_figure",
    "stale_figure",
]
PROCESS_RULES = {"outside_limits", "sustained_change", "year_on_year", "trend", "divergence"}
DATA_QUALITY_RULES = {
    "missing_figure",
    "stale_figure",
    "missing_return",
    "differs_from_published",
    "fell_to_zero",
}
HISTORY_QUARTERS = 12  # flags are raised for the last three years of ended quarters
# An episode of a signal ends when the series has been back in its usual range (within one
# standard deviation of its centre, or beyond it the other way) this many quarters running.
END_QUARTERS = 2
SNAPSHOT_CORRELATION = 0.5
BACK_Z = 1.0
# What judging an absurd series can raise (a value of 1e308 overflowed the statistics).
SERIES_FAILURES = (ArithmeticError, ValueError)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Flag:
    flag_id: str
    area_code: str
    indicator_code: str | None
    agency: str
    period: str
    rule: str
    severity: str
    direction: str  # concern, improvement or neutral
    question: str
    evidence: dict = field(compare=False)


@dataclass
class Judgement:
    """Everything that fired on one quarter of one series."""

    series: Series
    findings: list[Detection]
    baseline: Baseline | None = None
    limits: Limits | None = None
    z: float | None = None  # the quarter's standardised residual, when it has limits
    event: Event | None = None  # a known event in this quarter, that re-bases what follows

    @property
    def main(self) -> Detection | None:
        if not self.findings:
            return None
        return min(
            self.findings, key=lambda f: (f.severity != rules.SIGNAL, RULE_ORDER.index(f.rule))
        )


def flag_id(area: str, subject: str, period: str, rule: str) -> str:
    """Stable across refreshes: the same area, indicator (or agency), quarter and rule always
    give the same id, so a recorded response stays attached."""
    return hashlib.sha256(f"{area}|{subject}|{period}|{rule}".encode()).hexdigest()[:16]


def judge(
    series: Series,
    indicator: Indicator,
    return_received: bool = True,
    benchmark: tuple[float, str] | None = None,
    events: tuple[Event, ...] = (),
) -> Judgement:
    """Every rule on the latest quarter of `series` (as the series stood then)."""
    received = {p.period for p in series.points[:-1]}
    if return_received:
        received.add(series.latest.period)
    judged = monitor(series, indicator, received, events)[-1]
    if benchmark and judged.series.latest.observed and indicator.kind == "count":
        found = rules.below_benchmark(judged.series, *benchmark)
        if found:
            judged.findings.append(found)
    return judged


def monitor(
    series: Series,
    indicator: Indicator,
    received_periods: set[str],
    events: tuple[Event, ...] = (),
) -> list[Judgement]:
    """Judge every quarter in turn, as the series stood when it was the latest (no look-ahead).
    The cumulative sums run over the quarters after a fixed baseline; a known event starts a
    new baseline (trial limits until there are enough quarters again)."""
    judgements, upper, lower, start, event_at = [], 0.0, 0.0, 0, {}
    for event in events:
        index = next((k for k, p in enumerate(series.points) if p.period >= event.period), None)
        if index is not None:
            event_at[index] = event
    since: Event | None = None
    fixed: Baseline | None = None
    for k, point in enumerate(series.points):
        upto = series.upto(k)
        received = point.period in received_periods
        if k in event_at:  # judged against the usual range before the event, then re-based
            judged = _judge_one(upto, indicator, received, start, since, fixed)
            judged.event = event_at[k]
            for finding in judged.findings:
                finding.facts["event"] = event_at[k].words
            judgements.append(judged)
            start, since, upper, lower, fixed = k, event_at[k], 0.0, 0.0, None
            continue
        judged = _judge_one(upto, indicator, received, start, since, fixed)
        if judged.baseline is not None and judged.baseline.fixed:
            fixed = judged.baseline
        if judged.z is not None and judged.baseline.fixed:
            step = judged.z / _carried_over(indicator, judged.baseline, judged.limits)
            upper = max(0.0, upper + step - rules.CUSUM_SLACK)
            lower = max(0.0, lower - step - rules.CUSUM_SLACK)
            for total, change in ((upper, "up"), (lower, "down")):
                found = rules.sustained_change(total, change, k - start)
                if found:
                    judged.findings.append(found)
            # restart a side that signalled: a change that lasts signals again, which the
            # episode it belongs to absorbs (flags_from_history)
            upper = 0.0 if upper > rules.CUSUM_LIMIT else upper
            lower = 0.0 if lower > rules.CUSUM_LIMIT else lower
        judgements.append(judged)
    return judgements


def _carried_over(indicator: Indicator, baseline: Baseline, limits: Limits) -> float:
    """How much more a sum of quarters varies than independent quarters would: a snapshot
    (children on a plan on the last day) carries much of one quarter into the next, so its
    quarters are correlated. The baseline's lag-one correlation, taken as at least
    SNAPSHOT_CORRELATION for snapshots (12 quarters underestimate it) and ignored for flows."""
    if indicator.measured != "snapshot":
        return 1.0
    return _snapshot_carry_over(baseline, limits)


@functools.lru_cache(maxsize=256)  # the same for every quarter judged against one baseline
def _snapshot_carry_over(baseline: Baseline, limits: Limits) -> float:
    scores = [limits.z(p) for p in baseline.points]
    mean = sum(scores) / len(scores)
    centred = [s - mean for s in scores]
    variance = sum(c * c for c in centred) or 1.0
    rho = sum(a * b for a, b in zip(centred, centred[1:])) / variance
    rho = min(max(rho, SNAPSHOT_CORRELATION), 0.8)
    return math.sqrt((1 + rho) / (1 - rho))


def _judge_one(
    series: Series,
    indicator: Indicator,
    received: bool,
    start: int,
    since: Event | None,
    fixed: Baseline | None = None,
) -> Judgement:
    """`fixed`: the fixed baseline already found since `start`, which every later quarter
    shares (the first 12 observed quarters), so it is not looked for again."""
    if not series.latest.observed:
        found = rules.missing_figure(series, received)
        return Judgement(series, [found] if found else [])
    words = since.words if since else None
    baseline = None
    if indicator.measured != "ytd":
        baseline = fixed or baseline_for(series, start, words)
    limits = (
        limits_for(indicator.kind, baseline, series.latest, indicator.seasonal)
        if baseline
        else None
    )
    candidates, z = [], None
    if limits:
        z = limits.z(series.latest)
        # a snapshot's quarters carry over, so even a chance-sized spread is less certain
        known = limits.chance_only and indicator.measured != "snapshot"
        threshold = (CHANCE_Z if known else SIGNAL_Z) if baseline.fixed else TRIAL_Z
        candidates.append(rules.outside_limits(series, baseline, limits, threshold, z))
        candidates.append(rules.trend(series.upto_from(start)))
        if limits.method == "angle":
            candidates.append(rules.year_on_year(series.upto_from(start), short_term_phi(baseline)))
    elif indicator.kind == "count":  # no usable limits: only the same quarter last year
        candidates.append(rules.change_from_last_year(series.upto_from(start)))
    if indicator.kind == "count":
        candidates.append(rules.stale_figure(series))
    return Judgement(series, [c for c in candidates if c], baseline, limits, z)


def judge_history(
    series: Series,
    indicator: Indicator,
    received_periods: set[str],
    periods_to_flag: set[str] | None = None,
    events: tuple[Event, ...] = (),
) -> list[Judgement]:
    """Every quarter judged in turn (see monitor); `periods_to_flag` is kept for callers that
    name the quarters they will publish, and changes nothing: the cumulative sums need the
    whole series."""
    return monitor(series, indicator, received_periods, events)


def add_divergence(
    mine: list[Judgement], partner: list[Judgement], partner_indicator: Indicator
) -> None:
    """For a declared pair (e.g. open mental-health cases and waiting times): when both have a
    process signal in the same quarter and move in opposite directions, add a divergence
    finding to this series."""
    theirs = {j.series.latest.period: j for j in partner}
    for judgement in mine:
        other = theirs.get(judgement.series.latest.period)
        a, b = _process_signal(judgement), _process_signal(other) if other else None
        if a and b and a.change != b.change:
            judgement.findings.append(
                rules.Detection(
                    "divergence",
                    rules.SIGNAL,
                    a.change,
                    "signals in opposite directions",
                    facts={
                        "partner_label": partner_indicator.label,
                        "partner_change": b.change,
                        "partner_kind": partner_indicator.kind,
                        "partner_value": other.series.latest.value,
                    },
                )
            )


def _process_signal(judgement: Judgement | None) -> Detection | None:
    if judgement is None:
        return None
    found = [f for f in judgement.findings if f.rule in PROCESS_RULES - {"divergence"}]
    return found[0] if found else None


def direction(indicator: Indicator, finding: Detection) -> str:
    if finding.rule in DATA_QUALITY_RULES:
        return "concern"
    if indicator.better == "neutral":
        return "neutral"
    return "improvement" if (finding.change == "up") == (indicator.better == "up") else "concern"


def flags_from_history(
    judgements: list[Judgement], indicator: Indicator, agency_name: str, periods_to_flag: set[str]
) -> list[Flag]:
    """One question per episode. A process signal (limits, cumulative sum, trend, year on
    year, divergence) opens an episode in its direction; it ends when the series has been back
    in its usual range END_QUARTERS quarters running, after which a new change is a new
    question. A stronger signal than the one that opened an episode is a question of its own
    (a weak signal never swallows a strong one). Other findings raise one question per run of
    quarters in which the same rule fires the same way."""
    flags, episode, quiet, previous = [], None, 0, None
    for judgement in judgements:
        main = judgement.main
        period = judgement.series.latest.period
        if episode and _back_in_range(judgement, episode):
            quiet += 1
            if quiet >= END_QUARTERS:
                episode, quiet = None, 0
        else:
            quiet = 0
        if judgement.event:
            episode, quiet = None, 0  # a new baseline: what follows is judged afresh
        new = bool(main)
        if main and _family(main) == "process":
            same_way = episode and episode.change == main.change
            stronger = same_way and _strength(main) > _strength(episode)
            new = not same_way or stronger
            if new or not episode:
                episode, quiet = main, 0
        elif main:
            new = not (previous and previous.rule == main.rule and previous.change == main.change)
        previous = main
        if main and new and period in periods_to_flag:
            flags.append(_flag(judgement, main, indicator, agency_name))
    return flags


def _back_in_range(judgement: Judgement, episode: Detection) -> bool:
    """Whether this quarter is back in the usual range for the episode's direction (a missing
    figure is neither)."""
    if judgement.z is None:
        return False
    way = 1 if episode.change == "up" else -1
    return way * judgement.z < BACK_Z


def _family(finding: Detection) -> str:
    """Rules that say the same thing in different ways; divergence is a question of its own."""
    return "process" if finding.rule in PROCESS_RULES - {"divergence"} else finding.rule


def _strength(finding: Detection) -> int:
    return 1 if finding.severity == rules.SIGNAL else 0


def _flag(judgement: Judgement, main: Detection, indicator: Indicator, agency_name: str) -> Flag:
    series = judgement.series
    facts = dict(main.facts)
    evidence = _evidence(judgement, main)
    if judgement.limits:
        facts["centre"] = judgement.limits.centre
        facts["expected"] = judgement.limits.expected(series.latest)
        facts.setdefault("lower", evidence["limits"]["lower"])
        facts.setdefault("upper", evidence["limits"]["upper"])
        facts["baseline_from"] = judgement.baseline.first_period
        facts["baseline_to"] = judgement.baseline.last_period
        if judgement.baseline.since_event:
            facts["baseline_since"] = judgement.baseline.since_event
    way = direction(indicator, main)
    text = wording.question(indicator, agency_name, series, main, way, facts)
    period = series.latest.period
    return Flag(
        flag_id(series.area_code, indicator.code, period, main.rule),
        series.area_code,
        indicator.code,
        indicator.agency,
        period,
        main.rule,
        main.severity,
        way,
        text,
        evidence,
    )


def _evidence(judgement: Judgement, main: Detection) -> dict:
    series, baseline, limits = judgement.series, judgement.baseline, judgement.limits
    evidence = {
        "values": [[p.period, p.value] for p in series.points[-12:]],
        "rule": main.rule,
        "test": main.test,
        "p_value": main.p_value,
        "rules": [
            {
                "rule": f.rule,
                "severity": f.severity,
                "change": f.change,
                "test": f.test,
                "p_value": f.p_value,
            }
            for f in judgement.findings
        ],
        "baseline": None,
        "limits": None,
        "context": [c for c in (wording.record(series),) if c],
    }
    if baseline and limits:
        lower, upper = limits.bounds(series.latest) if series.latest.observed else (None, None)
        evidence["baseline"] = {
            "from": baseline.first_period,
            "to": baseline.last_period,
            "mean": round(baseline.mean, 3),
            "fixed": baseline.fixed,
            "quarters": len(baseline.points),
        }
        evidence["limits"] = {
            "method": limits.method,
            "centre": round(limits.centre, 3),
            "lower": _rounded(lower),
            "upper": _rounded(upper),
        }
    return evidence


def _rounded(number: float | None) -> float | None:
    return None if number is None else round(number, 3)


def flags_for_area(
    series_by_code: dict[str, Series],
    catalogue: Catalogue,
    received: dict[str, set[str]],
    periods_to_flag: set[str],
    events: dict[str, tuple[Event, ...]] | None = None,
) -> list[Flag]:
    """Every flag for one area: each series judged over its history (re-based after known
    events), pairs compared. A series the rules cannot judge is left without flags and
    logged: it never stops the others."""
    judged = {}
    for code, series in series_by_code.items():
        try:
            judged[code] = monitor(
                series,
                catalogue.indicators[code],
                received.get(catalogue.indicators[code].agency, set()),
                (events or {}).get(code, ()),
            )
        except SERIES_FAILURES as exc:
            _skipped(series, exc)
    for code, judgements in judged.items():
        indicator = catalogue.indicators[code]
        partner = indicator.pair_code
        if partner in judged and _words_the_pair(indicator, catalogue.indicators[partner]):
            add_divergence(judgements, judged[partner], catalogue.indicators[partner])
    flags = []
    for code, judgements in judged.items():
        indicator = catalogue.indicators[code]
        try:
            flags += flags_from_history(
                judgements, indicator, catalogue.agencies[indicator.agency], periods_to_flag
            )
        except SERIES_FAILURES as exc:
            _skipped(series_by_code[code], exc)
    return _one_question_per_share(flags, catalogue)


def _skipped(series: Series, exc: Exception) -> None:
    log.warning(
        "No flags for %s in %s: its figures could not be judged (%s). Check the "
        "figures loaded for it.",
        series.indicator_code,
        series.area_code,
        type(exc).__name__,
    )


def _one_question_per_share(flags: list[Flag], catalogue: Catalogue) -> list[Flag]:
    """A share and the count on top of it (plans for neglect, and neglect's share of plans)
    moving together in a quarter are one question: the share's."""
    shares = {
        (f.period, catalogue.indicators[f.indicator_code].numerator_code)
        for f in flags
        if catalogue.indicators[f.indicator_code].numerator_code
    }
    return [f for f in flags if (f.period, f.indicator_code) not in shares]


def _words_the_pair(indicator: Indicator, partner: Indicator) -> bool:
    """A divergence is raised once per pair: on the one with a better direction, else the
    first by code."""
    if (indicator.better == "neutral") != (partner.better == "neutral"):
        return indicator.better != "neutral"
    return indicator.code < partner.code

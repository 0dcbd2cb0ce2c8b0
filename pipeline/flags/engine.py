"""The flag engine: judge every quarter of every series (as it stood then, no look-ahead),
keep the strongest finding per indicator, area and quarter (the others become its evidence),
and turn it into a flag with its question, direction and stable id.

A signal that simply continues (the same kind of rule, the same way, the quarter after a flag)
raises no new flag: one question per episode, not one per quarter.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

from pipeline.core.catalogue import Catalogue, Indicator
from pipeline.flags import rules, wording
from pipeline.flags.limits import Baseline, Limits, baseline_for, limits_for
from pipeline.flags.rules import Detection
from pipeline.flags.series import Series

# Strongest first: when several rules fire, the first in this order words the question.
RULE_ORDER = [
    "divergence",
    "outside_limits",
    "shift",
    "trend",
    "two_of_three",
    "change_from_last_year",
    "change_over_two_quarters",
    "below_benchmark",
    "missing_figure",
    "stale_figure",
]
PROCESS_RULES = {"outside_limits", "shift", "trend", "two_of_three", "divergence"}
DATA_QUALITY_RULES = {"missing_figure", "stale_figure", "missing_return", "differs_from_published"}
HISTORY_QUARTERS = 12  # flags are raised for the last three years of ended quarters
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
) -> Judgement:
    """Every rule on the latest quarter of `series`."""
    if not series.latest.observed:
        found = rules.missing_figure(series, return_received)
        return Judgement(series, [found] if found else [])
    baseline = baseline_for(series) if indicator.measured != "ytd" else None
    limits = limits_for(indicator.kind, baseline, series.latest) if baseline else None
    candidates = []
    if limits:
        candidates.append(rules.outside_limits(series, baseline, limits))
        if baseline.fixed:  # trial limits: only the strongest rules
            candidates += [
                rules.two_of_three(series, baseline, limits),
                rules.shift(series, baseline, limits),
                rules.trend(series),
            ]
    if indicator.kind == "count":
        candidates += [rules.change_from_last_year(series), rules.stale_figure(series)]
        if not _same_quarter_only(indicator):
            candidates.append(rules.change_over_two_quarters(series))
        if benchmark:
            candidates.append(rules.below_benchmark(series, *benchmark))
    return Judgement(series, [c for c in candidates if c], baseline, limits)


def _same_quarter_only(indicator: Indicator) -> bool:
    """Seasonal figures, and year-to-date counts (which climb from April to March), are only
    compared with the same quarter last year; year-to-date counts get no limits either."""
    return indicator.seasonal or indicator.measured == "ytd"


def judge_history(
    series: Series,
    indicator: Indicator,
    received_periods: set[str],
    periods_to_flag: set[str] | None = None,
) -> list[Judgement]:
    """Judge each quarter in turn, as the series stood when it was the latest: every quarter,
    or those to flag and the one before them (to know whether a signal continues)."""
    wanted = [
        k
        for k, p in enumerate(series.points)
        if periods_to_flag is None or p.period in periods_to_flag
    ]
    start = max(0, wanted[0] - 1) if wanted else len(series.points)
    return [
        judge(series.upto(k), indicator, series.points[k].period in received_periods)
        for k in range(start, len(series.points))
    ]


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
    flags, previous = [], None
    for judgement in judgements:
        main = judgement.main
        continuing = (
            main
            and previous
            and main.change == previous.change
            and _family(main) == _family(previous)
        )
        previous = main
        period = judgement.series.latest.period
        if main and not continuing and period in periods_to_flag:
            flags.append(_flag(judgement, main, indicator, agency_name))
    return flags


def _family(finding: Detection) -> str:
    """Rules that say the same thing in different ways; divergence is a question of its own."""
    return "process" if finding.rule in PROCESS_RULES - {"divergence"} else finding.rule


def _flag(judgement: Judgement, main: Detection, indicator: Indicator, agency_name: str) -> Flag:
    series = judgement.series
    facts = dict(main.facts)
    evidence = _evidence(judgement, main)
    if judgement.limits:
        facts["centre"] = judgement.limits.centre
        facts.setdefault("lower", evidence["limits"]["lower"])
        facts.setdefault("upper", evidence["limits"]["upper"])
        facts["baseline_from"] = judgement.baseline.first_period
        facts["baseline_to"] = judgement.baseline.last_period
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
) -> list[Flag]:
    """Every flag for one area: each series judged over its history, pairs compared. A series
    the rules cannot judge is left without flags and logged: it never stops the others."""
    judged = {}
    for code, series in series_by_code.items():
        try:
            judged[code] = judge_history(
                series,
                catalogue.indicators[code],
                received.get(catalogue.indicators[code].agency, set()),
                periods_to_flag,
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

"""Questions in the partnership's own style: plain words, the number, the comparison, the
period, how strong the evidence is (saying so when numbers are small and it could be chance),
and the agency asked. No acronyms: labels come from the catalogue, which has none."""

from __future__ import annotations

import math

from pipeline.core.catalogue import Indicator
from pipeline.flags.rules import Detection, rises_in_a_row
from pipeline.flags.series import Series

SMALL_NUMBERS = 20  # a count below this in a quarter is "small numbers" in the wording
NUMBER_WORDS = {
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
    10: "ten",
}


def show(value: float, kind: str) -> str:
    if kind == "proportion":
        return f"{value:.1f}%"
    if kind == "rate_per_10k":
        return f"{value:.1f} per 10,000 children"
    if kind == "duration":
        return f"{value:.1f}"
    return f"{value:,.0f}"


def show_range(lower: float, upper: float, kind: str) -> str:
    if kind == "rate_per_10k":
        return f"{lower:.1f} to {upper:.1f} per 10,000 children"
    return f"{show(lower, kind)} to {show(upper, kind)}"


def ordinal(number: int) -> str:
    endings = {1: "st", 2: "nd", 3: "rd"}
    suffix = "th" if 10 <= number % 100 <= 20 else endings.get(number % 10, "th")
    return f"{number}{suffix}"


def when(indicator: Indicator, period: str) -> str:
    if indicator.measured == "snapshot":
        return f"at the end of {period}"
    if indicator.measured == "ytd":
        return f"so far this financial year at {period}"
    return f"in {period}"


def chance(p_value: float | None) -> str:
    """A p-value in words: '1 in 500' rather than 0.002."""
    if p_value is None:
        return ""
    if p_value < 0.001:
        return "less than 1 in 1,000"
    if p_value < 0.01:
        return f"about 1 in {round(1 / p_value / 10) * 10:,}"
    return f"about {round(p_value * 100)} in 100"


def strength(finding: Detection, small: bool) -> str:
    """How strong the evidence is, in words, and only as strong as the evidence says."""
    odds = chance(finding.p_value)
    if finding.rule == "sustained_change":
        return (
            "A change that lasts this long is rare by chance: fewer than 2 in 100 steady "
            "figures show one in three years."
        )
    if finding.severity == "signal" and finding.p_value is not None:
        if small:
            return (
                f"The numbers are small, but a change this size is unlikely to be chance ({odds})."
            )
        if finding.p_value < 0.001:
            return "This is very unlikely to be chance."
        return f"This is unlikely to be chance ({odds})."
    if finding.severity == "signal":
        return ""
    if small:
        return (
            f"The numbers are small, so this could be chance ({odds})."
            if odds
            else "The numbers are small, so this could be chance."
        )
    return f"This could be chance ({odds}), so it is one to watch." if odds else ""


def record(series: Series) -> str | None:
    """'the highest for three years' (or lowest) when the latest value is a record."""
    values = [p.value for p in series.points]
    latest = values[-1]
    if latest is None or len([v for v in values if v is not None]) < 8:
        return None
    for word, beats in (("highest", lambda v: v >= latest), ("lowest", lambda v: v <= latest)):
        earlier = [i for i, v in enumerate(values[:-1]) if v is not None and beats(v)]
        if not earlier:
            return f"the {word} since returns began in {series.points[0].period}"
        years = (len(values) - 1 - earlier[-1] - 1) // 4
        if years >= 2:
            return f"the {word} for {NUMBER_WORDS.get(years, str(years))} years"
    return None


def run_sentence(series: Series) -> str | None:
    steps = rises_in_a_row(series)
    if abs(steps) < 3:
        return None
    return f"It has {'risen' if steps > 0 else 'fallen'} for {abs(steps)} quarters in a row."


def question(
    indicator: Indicator,
    agency: str,
    series: Series,
    finding: Detection,
    direction: str,
    facts: dict,
) -> str:
    """The whole question for the main finding, with context and the agency asked."""
    run = run_sentence(series) if finding.rule not in ("trend", "fell_to_zero") else None
    small = _small_numbers(indicator, series) and finding.rule != "fell_to_zero"
    parts = [
        _first_sentence(indicator, series, finding, facts),
        run,
        strength(finding, small),
        _ask(indicator, finding, direction),
        f"({agency})",
    ]
    return " ".join(p for p in parts if p)


def unit(indicator: Indicator) -> str:
    """The unit a duration is counted in, from its code (durations have no other home)."""
    for word in ("weeks", "days", "months"):
        if indicator.code.endswith(word) or word in indicator.label.lower():
            return word
    return ""


def shown(value: float, indicator: Indicator) -> str:
    """A value with its unit: 41, 62.0%, 5.1 weeks, 111.8 per 10,000 children."""
    text = show(value, indicator.kind)
    extra = unit(indicator) if indicator.kind == "duration" else ""
    return f"{text} {extra}" if extra else text


def printed_range(lower: float, upper: float, value: float, indicator: Indicator) -> str:
    """The usual range as printed, so that a value above it is above the printed upper limit
    (and below, below the lower): limits are rounded towards the inside of the range, and a
    printed limit never equals the printed value."""
    step = 1.0 if indicator.kind == "count" else 0.1
    low = round(math.ceil(lower / step - 1e-9) * step, 6)
    high = round(math.floor(upper / step + 1e-9) * step, 6)
    shown_value = round(round(value / step) * step, 6)
    if value > upper and high >= shown_value:
        high = shown_value - step
    if value < lower and low <= shown_value:
        low = shown_value + step
    low = max(low, 0.0)
    if indicator.kind == "rate_per_10k":
        return f"{low:.1f} to {high:.1f} per 10,000 children"
    return f"{shown(low, indicator)} to {shown(high, indicator)}"


def _since(facts: dict) -> str:
    """'since 2021-22 Q1', or since the known event the usual range starts after."""
    return facts.get("baseline_since") or f"from {facts['baseline_from']} to {facts['baseline_to']}"


def _first_sentence(indicator: Indicator, series: Series, finding: Detection, facts: dict) -> str:
    latest, label = series.latest, indicator.label
    value = shown(latest.value, indicator) if latest.observed else None
    at = when(indicator, latest.period)
    best = record(series) if latest.observed else None
    record_words = f", {best}" if best else ""
    event = f", {facts['event']}" if facts.get("event") else ""
    rule = finding.rule
    if rule == "fell_to_zero":
        return (
            f"{label}: 0 {at}, where the usual figure is about "
            f"{shown(finding.facts['centre'], indicator)}."
        )
    if rule == "outside_limits":
        side = "above" if finding.change == "up" else "below"
        limits = printed_range(facts["lower"], facts["upper"], latest.value, indicator)
        return (
            f"{label}: {value} {at}{event}{record_words}, {side} the usual range "
            f"({limits}) seen {_since(facts)}."
        )
    if rule == "sustained_change":
        moved = "higher" if finding.change == "up" else "lower"
        return (
            f"{label}: {value} {at}{event}{record_words}; it has been {moved} than its usual "
            f"level of about {shown(facts['expected'], indicator)} (seen {_since(facts)}) "
            f"for several quarters."
        )
    if rule == "year_on_year":
        first, last = finding.facts["periods"]
        before_first, before_last = finding.facts["compared_periods"]
        caveat = (
            f" The earlier year was before {facts['event'][6:]}, so part of the change may "
            f"come from that."
            if facts.get("event")
            else ""
        )
        return (
            f"{label}: {finding.facts['now']:.1f}% over {first} to {last}{event}, against "
            f"{finding.facts['before']:.1f}% over {before_first} to {before_last}.{caveat}"
        )
    if rule == "trend":
        moved = "risen" if finding.change == "up" else "fallen"
        return (
            f"{label}: {value} {at}{record_words}; it has {moved} for "
            f"{finding.facts['quarters']} quarters in a row."
        )
    if rule == "change_from_last_year":
        return (
            f"{label}: {value} {at}{record_words}, against "
            f"{shown(finding.facts['before'], indicator)} in {finding.facts['compared_with']}, "
            f"the same quarter last year."
        )
    if rule == "divergence":
        partner = facts["partner_label"][0].lower() + facts["partner_label"][1:]
        return (
            f"{label}: {value} {at}, {_went(finding.change)} and away from its usual level, "
            f"while {partner} {'rose' if facts['partner_change'] == 'up' else 'fell'} to "
            f"{show(facts['partner_value'], facts['partner_kind'])}: the two are moving in "
            f"opposite directions."
        )
    if rule == "below_benchmark":
        return (
            f"{label}: {value} {at}, far below the {shown(finding.facts['expected'], indicator)} "
            f"that the {finding.facts['benchmark']} rate would give."
        )
    if rule == "stale_figure":
        return (
            f"{label}: {value} {at}, exactly the same as the three quarters before. Is the "
            f"figure up to date?"
        )
    if rule == "missing_figure":
        return (
            f"{label}: no figure for {latest.period}, although the return for the quarter "
            f"came in. Can it be supplied?"
        )
    raise ValueError(f"no wording for rule {rule}")


def _went(change: str) -> str:
    return "up" if change == "up" else "down"


def _small_numbers(indicator: Indicator, series: Series) -> bool:
    """Counts under 20 a quarter are small numbers: say that chance could explain them."""
    latest = series.latest
    return indicator.kind == "count" and latest.observed and latest.value < SMALL_NUMBERS


# A purposeful ending for each kind of signal that is a concern (or neutral).
ENDINGS = {
    "outside_limits": "What happened in this quarter, and is it expected to last?",
    "sustained_change": "What has changed, and what is being done about it?",
    "year_on_year": "What changed over the year, and what is being done about it?",
    "trend": "What is driving the steady change, and where is it expected to level off?",
    "divergence": "Why are the two moving apart, and what is being done?",
    "change_from_last_year": "What is behind the change on last year?",
    "below_benchmark": "Are all cases being identified and recorded?",
    "fell_to_zero": "Is this figure missing rather than zero?",
}
NEUTRAL_ENDINGS = {
    "outside_limits": "What happened in this quarter: has practice or recording changed?",
    "sustained_change": "What has changed in practice or recording?",
    "year_on_year": "What changed over the year in practice or recording?",
    "trend": "What is behind the steady change, and is it expected to continue?",
    "change_from_last_year": "What is behind this, and has recording or practice changed?",
}
IMPROVEMENT_NOTE = "Noted as an improvement: no response is needed."


def _ask(indicator: Indicator, finding: Detection, direction: str) -> str:
    if finding.rule in ("stale_figure", "missing_figure"):
        return ""
    if finding.rule == "fell_to_zero":
        return ENDINGS["fell_to_zero"]
    if direction == "improvement":
        return IMPROVEMENT_NOTE
    if direction == "neutral":
        return NEUTRAL_ENDINGS.get(finding.rule, ENDINGS.get(finding.rule, ""))
    return ENDINGS.get(finding.rule, "What is driving this, and what is being done?")


def missing_return_question(agency: str, period: str, due: str) -> str:
    return (
        f"The {agency.lower()} return for {period} has not come in; it was due on {due}. "
        f"When will it arrive? ({agency})"
    )


def differs_question(agency: str, row: dict) -> str:
    """A year's local figure against the Department for Education's published one, in the
    reconciliation mart's own sentence (fct_reconciliation.explanation, which the explorer and
    the report show too: one wording), which asks the agency to explain the difference."""
    return f"{row['explanation']} ({agency})"

"""Questions in the partnership's own style: plain words, the number, the comparison, the
period, how strong the evidence is (saying so when numbers are small and it could be chance),
and the agency asked. No acronyms: labels come from the catalogue, which has none."""

from __future__ import annotations

from pipeline.core.catalogue import Indicator
from pipeline.flags.rules import Detection, rises_in_a_row
from pipeline.flags.series import Series

SMALL_NUMBERS = 20  # a count below this in a quarter is "small numbers" in the wording
ASK = {
    "concern": "What is driving this, and what is being done?",
    "improvement": "What has helped, and can it be kept up?",
    "neutral": "What is behind this change?",
}
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
    odds = chance(finding.p_value)
    if finding.severity == "signal" and small:
        return "The numbers are small, but a change this size is unlikely to be chance" + (
            f" ({odds})." if odds else "."
        )
    if finding.severity == "signal":
        return "This is very unlikely to be chance."
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
            return f"the {word} since {series.points[0].period}"
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
    run = run_sentence(series) if finding.rule != "trend" else None
    parts = [
        _first_sentence(indicator, series, finding, facts),
        run,
        strength(finding, _small_numbers(indicator, series)),
        _ask(finding, direction),
        f"({agency})",
    ]
    return " ".join(p for p in parts if p)


def _first_sentence(indicator: Indicator, series: Series, finding: Detection, facts: dict) -> str:
    kind, latest, label = indicator.kind, series.latest, indicator.label
    value = show(latest.value, kind) if latest.observed else None
    at = when(indicator, latest.period)
    best = record(series) if latest.observed else None
    record_words = f", {best}" if best else ""
    rule = finding.rule
    if rule == "outside_limits":
        side = "above" if finding.change == "up" else "below"
        return (
            f"{label}: {value} {at}{record_words}, {side} the usual range "
            f"({show_range(facts['lower'], facts['upper'], kind)}) seen from "
            f"{facts['baseline_from']} to {facts['baseline_to']}."
        )
    if rule == "shift":
        side = "above" if finding.change == "up" else "below"
        return (
            f"{label}: {value} {at}{record_words}, the {ordinal(finding.facts['quarters'])} "
            f"quarter in a row {side} the average of {show(finding.facts['mean'], kind)} "
            f"from {facts['baseline_from']} to {facts['baseline_to']}."
        )
    if rule == "trend":
        moved = "risen" if finding.change == "up" else "fallen"
        return (
            f"{label}: {value} {at}{record_words}; it has {moved} for "
            f"{finding.facts['quarters']} quarters in a row."
        )
    if rule == "two_of_three":
        side = "above" if finding.change == "up" else "below"
        return (
            f"{label}: {value} {at}{record_words}; two of the last three quarters were "
            f"well {side} the usual level of {show(facts['centre'], kind)}."
        )
    if rule == "change_from_last_year":
        return (
            f"{label}: {value} {at}{record_words}, against "
            f"{show(finding.facts['before'], kind)} in {finding.facts['compared_with']}, "
            f"the same quarter last year."
        )
    if rule == "change_over_two_quarters":
        now, before = finding.facts["periods"], finding.facts["compared_periods"]
        return (
            f"{label}: {show(finding.facts['now'], kind)} in {now[0]} and {now[1]} "
            f"together, against {show(finding.facts['before'], kind)} in {before[0]} and "
            f"{before[1]}."
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
            f"{label}: {value} {at}, far below the {show(finding.facts['expected'], kind)} "
            f"that the {finding.facts['benchmark']} rate would give."
        )
    if rule == "stale_figure":
        return (
            f"{label}: {value} {at}, exactly the same as the quarter before. Is the figure "
            f"up to date?"
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


def _ask(finding: Detection, direction: str) -> str:
    if finding.rule in ("stale_figure", "missing_figure"):
        return ""
    if finding.rule.startswith("change") and direction == "neutral":
        return "What is behind this, and has recording or practice changed?"
    if finding.rule == "below_benchmark":
        return "Are all cases being identified and recorded?"
    return ASK[direction]


def missing_return_question(agency: str, period: str, due: str) -> str:
    return (
        f"The {agency.lower()} return for {period} has not come in; it was due on {due}. "
        f"When will it arrive? ({agency})"
    )


def differs_question(indicator: Indicator, agency: str, row: dict) -> str:
    """A year's local figure against the Department for Education's published one."""
    kind = indicator.kind
    difference = (
        f"{row['difference']:+,.0f}"
        if kind == "count"
        else f"{row['difference']:+.1f} percentage points"
        if kind == "proportion"
        else f"{row['difference']:+,.1f}"
    )
    share = f" ({row['difference_pct']:+.1f}%)" if row.get("difference_pct") is not None else ""
    return (
        f"{indicator.label}, {row['financial_year']}: the partnership's own figure is "
        f"{show(row['local_value'], kind)} but the Department for Education published "
        f"{show(row['published_value'], kind)}, a difference of {difference}{share}, more "
        f"than the {row['tolerance_in_words']} allowed. Can {agency.lower()} explain the "
        f"difference? ({agency})"
    )

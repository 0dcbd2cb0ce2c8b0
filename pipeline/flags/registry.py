"""Every flag rule's name, plain name and plain description in one place: docs/flags.md's
rule table is generated from it (docs/generate.py) and screens and exports read a rule's
words from it (`plain_name`, `description`), so a rule cannot be renamed in one place and
left behind in another. The thresholds in the descriptions are read from the rules' own
constants."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.flags import limits, rules


@dataclass(frozen=True)
class RuleInfo:
    rule: str  # the name in flags.parquet's `rule` column
    plain_name: str  # a few words for a screen
    fires_when: str  # what the rule finds, in plain words
    applies_to: str  # which series it judges
    data_question: bool = False  # asks whether a figure is right, not what happened


def _registry() -> tuple[RuleInfo, ...]:
    return (
        RuleInfo(
            "outside_limits",
            "outside the usual range",
            f"one quarter beyond {limits.SIGNAL_Z:g} standard deviations of a fixed baseline, "
            f"or {limits.CHANCE_Z:g} when the baseline varied no more than chance (a count or "
            "percentage whose spread is chance's own, so known rather than estimated; not "
            f"snapshots); {limits.TRIAL_Z:g} with trial limits: a big one-off change",
            "all but year-to-date counts",
        ),
        RuleInfo(
            "sustained_change",
            "a lasting change",
            f"the cumulative sum (two-sided) of standardised residuals less "
            f"{rules.CUSUM_SLACK:g} passes {rules.CUSUM_LIMIT:g}: a lasting change, found "
            "whether it came at once or by degrees. Snapshot counts, whose quarters carry "
            "over, have their residuals scaled down by their baseline's quarter-to-quarter "
            "correlation (taken as at least a half)",
            "fixed baselines",
        ),
        RuleInfo(
            "year_on_year",
            "a change over the year",
            "a percentage over the latest four quarters against the four before (numerators "
            f"and denominators pooled), beyond {rules.YEAR_Z:g} standard deviations (widened "
            "by the quarter-to-quarter variation beyond chance) and at least "
            f"{100 * rules.MIN_YEAR_CHANGE:g} points: a fall inside the baseline cannot hide",
            "percentages with denominators",
        ),
        RuleInfo(
            "trend",
            "a run of rises or falls",
            f"{rules.TREND_LENGTH} rises (or falls) in a row; a tie breaks the run",
            "series with limits",
        ),
        RuleInfo(
            "change_from_last_year",
            "a change on the same quarter last year",
            "a count against the same quarter last year (exact test: a signal below 1 in "
            f"{round(1 / rules.SIGNAL_P):,}, watch below 1 in {round(1 / rules.WATCH_P):,}; "
            f"changes of at least {rules.MIN_CHANGE_EVENTS} events and "
            f"{100 * rules.MIN_CHANGE_RATIO:g}%)",
            "counts without usable limits (year-to-date counts, short series)",
        ),
        RuleInfo(
            "fell_to_zero",
            "fell to zero",
            f"a count averaging {rules.LARGE_COUNT} or more reported as 0: is this figure "
            "missing rather than zero?",
            "counts",
            data_question=True,
        ),
        RuleInfo(
            "divergence",
            "a pair moving apart",
            "a declared pair (open mental-health cases and waiting times) both signal in "
            "opposite directions",
            "pairs",
        ),
        RuleInfo(
            "below_benchmark",
            "far below a benchmark",
            f"a count below the funnel limit ({rules.FUNNEL_Z:g} standard deviations) of what "
            "a benchmark rate per 10,000 children would give",
            "counts with a benchmark rate (tested, not yet fed)",
        ),
        RuleInfo(
            "missing_return",
            "a missing return",
            "an agency's return past its due date",
            "returns",
            data_question=True,
        ),
        RuleInfo(
            "missing_figure",
            "a missing figure",
            "an indicator missing from a return that came in",
            "data quality",
            data_question=True,
        ),
        RuleInfo(
            "stale_figure",
            "the same figure again",
            f"a count above {rules.STALE_ABOVE} the same {rules.STALE_QUARTERS} quarters "
            "running: is it up to date?",
            "data quality",
            data_question=True,
        ),
        RuleInfo(
            "benchmark_outlier",
            "far out among other authorities",
            "when a published year arrives, a priority indicator's rate or proportion is the "
            "highest or lowest in England, in the worst quarter of authorities, or the worst "
            "quarter beside its statistical neighbours: asked once per published year",
            "priority indicators with published statistics",
        ),
        RuleInfo(
            "differs_from_published",
            "differs from the published figure",
            "a complete financial year's local figure differs from the Department for "
            "Education's published one by more than the mapping's tolerance",
            "indicators with published figures",
            data_question=True,
        ),
    )


RULES: dict[str, RuleInfo] = {info.rule: info for info in _registry()}


def plain_name(rule: str) -> str:
    """A rule's few words for a screen; a rule no longer known (an old flag in the review
    log, e.g. 'shift') reads as its name with spaces."""
    info = RULES.get(rule)
    return info.plain_name if info else rule.replace("_", " ")


def description(rule: str) -> str:
    """What a rule finds, in plain words ('' for a rule no longer known)."""
    info = RULES.get(rule)
    return info.fires_when if info else ""


def rules_markdown() -> str:
    """docs/flags.md's rule table."""
    lines = ["| rule | fires when | for |", "|---|---|---|"]
    lines += [
        f"| {i.plain_name} (`{i.rule}`) | {i.fires_when} | {i.applies_to} |" for i in RULES.values()
    ]
    return "\n".join(lines) + "\n"

"""Each flag rule at and just beyond its threshold, small counts, polarity, seasonality,
wording and stable ids. Series are built by hand, so every expected figure can be checked."""

from __future__ import annotations

import pytest
from scipy import stats

from pipeline.core.catalogue import Indicator, load_catalogue
from pipeline.flags import rules
from pipeline.flags.engine import (
    direction,
    flag_id,
    flags_for_area,
    flags_from_history,
    judge,
    judge_history,
)
from pipeline.flags.limits import Baseline, limits_for
from pipeline.flags.series import Point, Series
from pipeline.flags.wording import chance, question


def periods(n: int, first_year: int = 2021) -> list[str]:
    return [
        f"{first_year + q // 4}-{(first_year + 1 + q // 4) % 100:02d} Q{q % 4 + 1}"
        for q in range(n)
    ]


def series(values, numerators=None, denominators=None, code="x") -> Series:
    numerators = numerators or [None] * len(values)
    denominators = denominators or [None] * len(values)
    return Series(
        "E06000046",
        code,
        tuple(
            Point(p, v, n, d)
            for p, v, n, d in zip(periods(len(values)), values, numerators, denominators)
        ),
    )


def indicator(
    kind="count", better="neutral", measured="flow", seasonal=False, code="x"
) -> Indicator:
    return Indicator(
        code,
        "Things counted",
        "",
        "housing",
        kind,
        measured,
        "sum",
        better,
        "",
        "",
        "",
        "",
        seasonal,
        "",
    )


def rule_names(judgement) -> set[str]:
    return {f.rule for f in judgement.findings}


# Twelve quarters alternating 100 and 104: mean 102, mean moving range 4, so XmR limits are
# 102 +/- 2.66 x 4 = 91.36 to 112.64 (average times, which have no Poisson floor).
STEADY = [100.0, 104.0] * 6


@pytest.mark.parametrize(
    "latest,flagged", [(112.6, False), (112.7, True), (91.4, False), (91.3, True)]
)
def test_outside_the_limits_at_and_beyond_them(latest, flagged):
    judged = judge(series(STEADY + [latest]), indicator("duration"))
    assert ("outside_limits" in rule_names(judged)) is flagged


def test_small_counts_use_exact_poisson_limits_and_two_to_four_is_nothing():
    judged = judge(series([2.0] * 12 + [4.0]), indicator())
    assert judged.limits.method == "poisson"
    assert judged.findings == []
    # with a mean of 2, 8 or more happens by chance about 1 time in 1,000: a signal
    assert "outside_limits" in rule_names(judge(series([2.0] * 12 + [8.0]), indicator()))
    # and a fall to zero from 2 can never be told from chance
    assert judge(series([2.0] * 12 + [0.0]), indicator()).findings == []


def test_large_counts_never_get_limits_narrower_than_chance():
    judged = judge(series([1000.0] * 12 + [1070.0]), indicator())
    assert judged.limits.method == "xmr" and judged.limits.sigma == pytest.approx(1000**0.5)
    assert "outside_limits" not in rule_names(judged)  # 70 is 2.2 times the square root of 1000
    assert "outside_limits" in rule_names(judge(series([1000.0] * 12 + [1100.0]), indicator()))


def test_percentages_with_denominators_use_binomial_limits():
    # 12 quarters of 40 out of 100 (40%): binomial sigma is 4.9 points, limits 25.3% to 54.7%
    judged_values = [40.0] * 12
    nums, dens = [40.0] * 13, [100.0] * 13
    inside = judge(
        series(judged_values + [54.0], nums[:12] + [54.0], dens), indicator("proportion")
    )
    outside = judge(
        series(judged_values + [56.0], nums[:12] + [56.0], dens), indicator("proportion")
    )
    assert inside.limits.method == "p_chart"
    assert "outside_limits" not in rule_names(inside)
    assert "outside_limits" in rule_names(outside)


@pytest.mark.parametrize("run,flagged", [(7, False), (8, True)])
def test_a_shift_needs_eight_quarters_on_one_side(run, flagged):
    values = STEADY + [101.0, 103.0] * 4  # back at the mean
    values = values[: len(values) - run] + [105.0, 106.0] * (run // 2) + [105.0] * (run % 2)
    judged = judge(series(values), indicator("duration"))
    assert ("shift" in rule_names(judged)) is flagged


@pytest.mark.parametrize("rises,flagged", [(6, False), (7, True)])
def test_a_trend_needs_seven_rises_in_a_row(rises, flagged):
    values = STEADY + [102.0 + 0.5 * i for i in range(rises + 1)]
    judged = judge(series(values), indicator("duration"))
    assert ("trend" in rule_names(judged)) is flagged


def test_a_tie_breaks_a_trend():
    values = STEADY + [102.0, 102.5, 103.0, 103.0, 103.5, 104.0, 104.5, 105.0]
    assert rules.rises_in_a_row(series(values)) == 4


def test_two_of_three_beyond_two_sigma_on_the_same_side():
    # sigma is 4 / 1.128 = 3.55, so two sigma above the mean is 109.1
    assert "two_of_three" in rule_names(
        judge(series(STEADY + [109.5, 101.0, 110.0]), indicator("duration"))
    )
    assert "two_of_three" not in rule_names(
        judge(series(STEADY + [109.5, 101.0, 108.5]), indicator("duration"))
    )
    assert "two_of_three" not in rule_names(
        judge(series(STEADY + [94.0, 101.0, 110.0]), indicator("duration"))
    )


@pytest.mark.parametrize(
    "now,before,expected",
    [
        (149, 100, None),  # 49 more is under half of 100: never a question
        (150, 100, "signal"),  # 50 more, and very unlikely by chance
        (9, 4, None),  # 5 more and more than double, but p = 0.27
        (4, 0, None),  # 4 events: under the minimum of 5
    ],
)
def test_change_against_the_same_quarter_last_year(now, before, expected):
    found = rules.change_from_last_year(series([float(before), 1.0, 1.0, 1.0, float(now)]))
    assert (found.severity if found else None) == expected


def test_change_severity_follows_the_exact_test():
    for now in range(15, 40):
        p_value = stats.binomtest(now, now + 10, 0.5).pvalue
        found = rules.change_from_last_year(series([10.0, 1.0, 1.0, 1.0, float(now)]))
        expected = (
            "signal" if p_value < rules.SIGNAL_P else "watch" if p_value < rules.WATCH_P else None
        )
        assert (found.severity if found else None) == expected, now


def test_the_last_two_quarters_against_the_two_before():
    # probation's story: 8 and 9 against 3 and 3, "about 3 in 100": not a flag on its own
    found = rules.change_over_two_quarters(series([3.0, 3.0, 8.0, 9.0]))
    assert found is None
    found = rules.change_over_two_quarters(series([3.0, 3.0, 10.0, 11.0]))
    assert found.severity == "watch" and found.facts["now"] == 21 and found.facts["before"] == 6


def test_seasonal_and_year_to_date_figures_compare_with_the_same_quarter_only():
    values = [30.0] * 12 + [30.0, 30.0, 60.0, 60.0]
    assert "change_over_two_quarters" in rule_names(judge(series(values), indicator()))
    seasonal = judge(series(values), indicator(seasonal=True))
    assert "change_over_two_quarters" not in rule_names(seasonal)
    year_to_date = judge(series(values), indicator(measured="ytd"))
    assert year_to_date.limits is None
    assert rule_names(year_to_date) == {"change_from_last_year"}


def test_trial_limits_use_only_the_strongest_rules():
    values = [100.0, 104.0] * 4 + [112.0, 112.5, 113.0, 113.5, 114.0, 114.5, 115.0]
    judged = judge(series(values[:9]), indicator("duration"))
    assert not judged.baseline.fixed
    # far beyond the trial limits: outside_limits only; shift and trend wait for 12 quarters
    judged = judge(series(values[:8] + [130.0]), indicator("duration"))
    assert rule_names(judged) == {"outside_limits"}


def test_stale_and_missing_figures():
    assert rules.stale_figure(series([40.0, 41.0, 41.0])) is None
    assert rules.stale_figure(series([41.0, 41.0, 41.0])).rule == "stale_figure"
    assert rules.stale_figure(series([20.0, 20.0, 20.0])) is None  # 20 or fewer
    gap = series([5.0, 6.0, None])
    assert rules.missing_figure(gap, return_received=True).rule == "missing_figure"
    assert rules.missing_figure(gap, return_received=False) is None


def test_below_a_benchmark_at_the_funnel_limit():
    # a benchmark rate that would give 20 here: 8 is within chance, 7 is not (p < 0.00135)
    assert rules.below_benchmark(series([8.0]), 20.0, "England") is None
    assert stats.poisson.cdf(7, 20) < stats.norm.sf(3)
    assert rules.below_benchmark(series([7.0]), 20.0, "England").rule == "below_benchmark"


@pytest.mark.parametrize(
    "better,change,expected",
    [
        ("up", "up", "improvement"),
        ("up", "down", "concern"),
        ("down", "up", "concern"),
        ("down", "down", "improvement"),
        ("neutral", "up", "neutral"),
        ("neutral", "down", "neutral"),
    ],
)
def test_polarity_decides_concern_or_improvement(better, change, expected):
    finding = rules.Detection("outside_limits", "signal", change, "test")
    assert direction(indicator(better=better), finding) == expected


def test_a_continuing_signal_raises_one_flag():
    values = STEADY + [130.0, 131.0, 132.0]
    judgements = judge_history(series(values), indicator("duration"), set())
    flags = flags_from_history(
        judgements, indicator("duration"), "Housing", {p for p in periods(len(values))}
    )
    assert [f.period for f in flags] == ["2024-25 Q1"]


def test_flag_ids_are_stable_and_distinct():
    assert flag_id("E06000046", "x", "2024-25 Q1", "trend") == flag_id(
        "E06000046", "x", "2024-25 Q1", "trend"
    )
    assert (
        len(
            {
                flag_id("E06000046", "x", "2024-25 Q1", rule)
                for rule in ("trend", "shift", "outside_limits")
            }
        )
        == 3
    )


def test_pairs_moving_apart_raise_one_divergence_question():
    catalogue = load_catalogue()
    open_cases = series([1400.0, 1410.0] * 6 + [1200.0], code="camhs_open_cases")
    waits = series([4.4, 4.5] * 6 + [6.5], code="camhs_wait_weeks")
    flags = flags_for_area(
        {"camhs_open_cases": open_cases, "camhs_wait_weeks": waits}, catalogue, {}, {"2024-25 Q1"}
    )
    by_code = {f.indicator_code: f for f in flags}
    assert by_code["camhs_wait_weeks"].rule == "divergence"
    assert by_code["camhs_open_cases"].rule == "outside_limits"
    assert "opposite directions" in by_code["camhs_wait_weeks"].question


def test_a_question_has_the_number_the_comparison_the_period_and_the_agency():
    families = load_catalogue().indicators["families_in_bed_and_breakfast"]
    values = [
        20.0,
        24.0,
        19.0,
        22.0,
        25.0,
        21.0,
        18.0,
        23.0,
        22.0,
        19.0,
        23.0,
        27.0,
        31.0,
        36.0,
        41.0,
    ]
    judged = judge(series(values, code=families.code), families)
    finding = judged.main
    facts = {
        **finding.facts,
        "lower": 8.0,
        "upper": 36.0,
        "centre": judged.limits.centre,
        "baseline_from": judged.baseline.first_period,
        "baseline_to": judged.baseline.last_period,
    }
    text = question(families, "Housing", judged.series, finding, "concern", facts)
    assert text.startswith(
        "Families with children living in bed and breakfast: 41 at the end "
        "of 2024-25 Q3, the highest since 2021-22 Q1"
    )
    assert "usual range (8 to 36) seen from 2021-22 Q1 to 2023-24 Q4" in text
    assert "It has risen for 5 quarters in a row." in text
    assert text.endswith("What is driving this, and what is being done? (Housing)")


def test_small_numbers_say_it_could_be_chance():
    probation = load_catalogue().indicators["probation_referrals_to_front_door"]
    finding = rules.change_over_two_quarters(series([3.0, 3.0, 10.0, 11.0]))
    text = question(probation, "Probation", series([3.0, 3.0, 10.0, 11.0]), finding, "neutral", {})
    assert "21 in 2021-22 Q3 and 2021-22 Q4 together, against 6" in text
    assert "The numbers are small, so this could be chance (about 1 in" in text
    assert "has recording or practice changed?" in text


@pytest.mark.parametrize(
    "p_value,words",
    [(0.035, "about 4 in 100"), (0.0071, "about 1 in 140"), (0.0004, "less than 1 in 1,000")],
)
def test_chance_in_words(p_value, words):
    assert chance(p_value) == words


def test_baseline_is_fixed_at_the_first_twelve_quarters():
    values = [10.0 + i for i in range(20)]
    judged = judge(series(values), indicator("duration"))
    assert judged.baseline.fixed and judged.baseline.first_period == "2021-22 Q1"
    assert judged.baseline.last_period == "2023-24 Q4"
    assert isinstance(judged.baseline, Baseline)
    assert limits_for("duration", judged.baseline, judged.series.latest).centre == 15.5


def test_a_year_outside_the_published_tolerance_asks_the_agency_to_explain():
    from pipeline.flags.current import raise_flags

    row = {
        "area_code": "E06000046",
        "indicator_code": "referrals",
        "financial_year": "2024-25",
        "local_value": 5229.0,
        "published_value": 4864.0,
        "difference": 365.0,
        "difference_pct": 7.5,
        "tolerance": 2.0,
        "tolerance_in": "percent",
        "tolerance_in_words": "2% of the published figure",
        "within_tolerance": False,
    }
    within = {**row, "financial_year": "2023-24", "within_tolerance": True}
    flags = raise_flags([], [], load_catalogue(), [row, within])
    assert [(f.period, f.rule, f.direction) for f in flags] == [
        ("2024-25", "differs_from_published", "concern")
    ]
    assert flags[0].question == (
        "Referrals to children's social care, 2024-25: the partnership's own figure is 5,229 but "
        "the Department for Education published 4,864, a difference of +365 (+7.5%), more than "
        "the 2% of the published figure allowed. Can children's social care explain the "
        "difference? (Children's social care)"
    )

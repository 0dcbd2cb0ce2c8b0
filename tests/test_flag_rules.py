"""Each flag rule at and just beyond its threshold, small counts, polarity, seasonality,
wording and stable ids. Series are built by hand, so every expected figure can be checked."""

from __future__ import annotations

import pytest
from scipy import stats

from pipeline.core.catalogue import Indicator, load_catalogue
from pipeline.flags import rules
from pipeline.flags.current import with_reading
from pipeline.flags.engine import (
    direction,
    flag_id,
    flags_for_area,
    flags_from_history,
    judge,
    judge_history,
)
from pipeline.flags.limits import SIGNAL_Z, TRIAL_Z, Baseline, limits_for
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


# Twelve quarters alternating 100 and 104 (average times, which have no floor from chance):
# mean 102, standard deviation 2 x sqrt(12 / 11), widened by sqrt(1 + 1/12) for an estimated
# centre.
STEADY = [100.0, 104.0] * 6
STEADY_SD = 2 * (12 / 11) ** 0.5 * (1 + 1 / 12) ** 0.5


def test_the_spread_is_the_baselines_own_widened_for_an_estimated_centre():
    judged = judge(series(STEADY + [102.0]), indicator("duration"))
    assert judged.limits.method == "level"
    assert judged.limits.spread == pytest.approx(STEADY_SD)
    assert judged.limits.bounds(judged.series.latest) == pytest.approx(
        (102 - SIGNAL_Z * STEADY_SD, 102 + SIGNAL_Z * STEADY_SD)
    )


@pytest.mark.parametrize("side", [1, -1])
def test_outside_the_limits_at_and_beyond_them(side):
    edge = 102 + side * SIGNAL_Z * STEADY_SD
    at = judge(series(STEADY + [edge - side * 1e-9]), indicator("duration"))
    beyond = judge(series(STEADY + [edge + side * 1e-6]), indicator("duration"))
    assert "outside_limits" not in rule_names(at)
    assert "outside_limits" in rule_names(beyond)


def test_small_counts_are_judged_on_the_square_root_scale_never_narrower_than_chance():
    judged = judge(series([2.0] * 12 + [4.0]), indicator())
    assert judged.limits.method == "counts" and judged.limits.spread >= 1.0
    assert judged.findings == []
    # with a mean of 2 (3.08 on the square-root scale, 2 x sqrt(2 + 3/8)), 10 is 3.2
    # standard deviations above it (within the limits) and 13 is 4.1 (beyond them)
    assert judge(series([2.0] * 12 + [10.0]), indicator()).findings == []
    assert "outside_limits" in rule_names(judge(series([2.0] * 12 + [13.0]), indicator()))
    # and a fall to zero from 2 can never be told from chance
    assert judge(series([2.0] * 12 + [0.0]), indicator()).findings == []


def test_overdispersed_counts_get_the_spread_of_their_own_baseline():
    poisson_like = [100.0, 104.0] * 6  # varies less than chance: chance's spread is kept
    overdispersed = [80.0, 120.0] * 6  # varies about four times more than chance
    smooth = judge(series(poisson_like + [150.0]), indicator())
    wide = judge(series(overdispersed + [150.0]), indicator())
    assert smooth.limits.spread == pytest.approx((1 + 1 / 12) ** 0.5)
    assert wide.limits.spread > 2 * smooth.limits.spread
    assert "outside_limits" in rule_names(smooth)
    assert "outside_limits" not in rule_names(wide)


def test_percentages_with_denominators_are_judged_on_the_binomial_scale():
    nums, dens = [40.0] * 12, [100.0] * 13
    judged = judge(series([40.0] * 12 + [41.0], nums + [41.0], dens), indicator("proportion"))
    assert judged.limits.method == "angle"
    lower, upper = judged.limits.bounds(judged.series.latest)
    # binomial: 40% of 100 varies by 4.9 points; the limits are roughly 3.75 times that
    assert 20 < lower < 23 and 58 < upper < 61
    above = judge(series([40.0] * 12 + [62.0], nums + [62.0], dens), indicator("proportion"))
    assert "outside_limits" in rule_names(above)


def test_seasonal_figures_are_judged_against_their_own_quarter():
    school_year = [60.0, 20.0, 65.0, 50.0] * 3  # summer quarters (Q2) are always low
    summer = series(school_year + [60.0, 21.0])
    seasonal = judge(summer, indicator(seasonal=True))
    assert seasonal.limits.seasonal and seasonal.findings == []
    assert seasonal.limits.expected(summer.latest) == pytest.approx(20.0, abs=0.5)
    # the same low summer is well below the average of all quarters when season is ignored
    assert abs(seasonal.z) < 0.5
    assert judge(series(school_year + [60.0, 20.0]), indicator()).z < -1.5
    # and a summer quarter as high as a term-time one is a signal only for the seasonal figure
    high_summer = series(school_year + [60.0, 55.0])
    assert "outside_limits" in rule_names(judge(high_summer, indicator(seasonal=True)))


@pytest.mark.parametrize("quarters,flagged", [(4, False), (5, True)])
def test_a_sustained_change_is_found_by_the_cumulative_sum(quarters, flagged):
    # two standard deviations above the usual level each quarter: each adds 2 - 1 = 1 to the
    # upper sum, which signals once it passes the limit
    step = 102 + 2 * STEADY_SD
    judgements = judge_history(series(STEADY + [step] * quarters), indicator("duration"), set())
    found = [j for j in judgements if "sustained_change" in rule_names(j)]
    assert bool(found) is flagged
    assert all("outside_limits" not in rule_names(j) for j in judgements)
    if flagged:  # the first quarter whose sum passes the limit
        assert len(found[0].series.points) - 12 == int(rules.CUSUM_LIMIT) + 1


@pytest.mark.parametrize("rises,flagged", [(6, False), (7, True)])
def test_a_trend_needs_seven_rises_in_a_row(rises, flagged):
    values = STEADY + [102.0 + 0.1 * i for i in range(rises + 1)]
    judged = judge(series(values), indicator("duration"))
    assert ("trend" in rule_names(judged)) is flagged


def test_a_tie_breaks_a_trend():
    values = STEADY + [102.0, 102.5, 103.0, 103.0, 103.5, 104.0, 104.5, 105.0]
    assert rules.rises_in_a_row(series(values)) == 4


def test_percentages_get_a_year_on_year_test_that_a_drift_in_the_baseline_cannot_hide():
    # health reviews on time: 94% for two years, then falling through the third year to 62%
    dens = [50.0] * 16
    shares = [0.94] * 8 + [0.90, 0.80, 0.70, 0.62, 0.62, 0.64, 0.63, 0.62]
    nums = [round(50 * p) for p in shares]
    values = [100 * n / 50 for n in nums]
    flagged = series(values, [float(n) for n in nums], dens)
    judgements = judge_history(flagged, indicator("proportion", better="up"), set())
    year = [j for j in judgements if "year_on_year" in rule_names(j)]
    assert year and year[0].series.latest.period == "2023-24 Q4"
    found = next(f for f in year[0].findings if f.rule == "year_on_year")
    assert found.facts["before"] > 90 and found.facts["now"] < 80
    # a change under 5 percentage points is never a question, however many children
    steady = series([70.0] * 8, [1400.0] * 4 + [1320.0] * 4, [2000.0] * 8)
    assert rules.year_on_year(steady, 1.0) is None


def test_year_to_date_figures_compare_with_the_same_quarter_only():
    values = [30.0] * 12 + [30.0, 30.0, 60.0, 60.0]
    year_to_date = judge(series(values), indicator(measured="ytd"))
    assert year_to_date.limits is None
    assert rule_names(year_to_date) == {"change_from_last_year"}


def test_trial_limits_use_only_big_one_off_changes():
    values = [100.0, 104.0] * 4
    judged = judge(series(values + [112.0]), indicator("duration"))
    assert not judged.baseline.fixed and judged.findings == []
    judged = judge(series(values + [130.0]), indicator("duration"))
    assert rule_names(judged) == {"outside_limits"}
    assert judged.main.test == f"beyond {TRIAL_Z:g} standard deviations"


def test_stale_and_missing_figures():
    assert rules.stale_figure(series([40.0, 41.0, 41.0, 41.0, 41.0])) is None
    assert rules.stale_figure(series([41.0, 41.0, 41.0, 41.0, 41.0])).rule == "stale_figure"
    assert rules.stale_figure(series([20.0, 20.0, 20.0, 20.0, 20.0])) is None  # 20 or fewer
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
    families = indicator(better="down")  # a count of events in each quarter
    values = [20.0, 24.0, 19.0, 22.0, 25.0, 21.0, 18.0, 23.0, 22.0, 19.0, 23.0, 27.0]
    values += [31.0, 36.0, 41.0]
    history = judge_history(series(values), families, set())
    flags = flags_from_history(history, families, "Housing", set(periods(len(values))))
    assert [(f.period, f.rule) for f in flags] == [("2024-25 Q3", "sustained_change")]
    text = flags[0].question
    assert text.startswith(
        "Things counted: 41 in 2024-25 Q3, the highest since returns began in 2021-22 Q1; "
        "it has been higher than its usual level of about 22 (seen from 2021-22 Q1 to 2023-24 Q4)"
    )
    assert "It has risen for 5 quarters in a row." in text
    assert "very unlikely to be chance" not in text  # no p-value says so
    assert text.endswith("What has changed, and what is being done about it? (Housing)")


def test_small_numbers_say_it_could_be_chance():
    probation = load_catalogue().indicators["probation_referrals_to_front_door"]
    few = series([1.0, 3.0, 3.0, 3.0, 11.0])
    finding = rules.change_from_last_year(few)
    text = question(probation, "Probation", few, finding, "neutral", {})
    assert "11 in 2022-23 Q1" in text and "against 1 in 2021-22 Q1" in text
    assert "The numbers are small, so this could be chance (about 1 in" in text
    assert text.endswith("has recording or practice changed? (Probation)")


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
        "explanation": "Referrals to children's social care, 2024-25: (the mart's sentence) ask "
        "children's social care to explain the difference.",
    }
    within = {**row, "financial_year": "2023-24", "within_tolerance": True}
    flags = raise_flags([], [], load_catalogue(), [row, within])
    assert [(f.period, f.rule, f.direction) for f in flags] == [
        ("2024-25", "differs_from_published", "concern")
    ]
    # in the reconciliation mart's own words (checked on the sample in test_benchmarks_marts)
    assert flags[0].question == (
        "Referrals to children's social care, 2024-25: (the mart's sentence) ask children's "
        "social care to explain the difference. (Children's social care)"
    )


def test_an_episode_ends_back_in_range_and_a_new_change_is_a_new_question():
    high = 102 + 5 * STEADY_SD
    values = STEADY + [high, high, 102.0, 102.0, high]
    history = judge_history(series(values), indicator("duration"), set())
    flags = flags_from_history(history, indicator("duration"), "Housing", set(periods(17)))
    # the second high quarter continues the first; two quarters back at the usual level end
    # the episode, so the last is a new question
    assert [f.period for f in flags] == ["2024-25 Q1", "2025-26 Q1"]
    one_quarter_back = STEADY + [high, high, 102.0, high]
    history = judge_history(series(one_quarter_back), indicator("duration"), set())
    flags = flags_from_history(history, indicator("duration"), "Housing", set(periods(16)))
    assert [f.period for f in flags] == ["2024-25 Q1"]


def test_a_weak_signal_never_swallows_a_strong_one():
    weak = rules.Detection("trend", "watch", "up", "test", None, {"quarters": 7})
    strong = rules.Detection("outside_limits", "signal", "up", "test", 0.0001, {})
    ours = indicator("duration")
    history = judge_history(series(STEADY + [103.0, 140.0]), ours, set())
    history[-2].findings, history[-1].findings = [weak], [strong]
    history[-1].findings[0].facts.update({"lower": 90.0, "upper": 110.0})
    flags = flags_from_history(history, ours, "Housing", set(periods(14)))
    assert [(f.period, f.rule) for f in flags] == [
        ("2024-25 Q1", "trend"),
        ("2024-25 Q2", "outside_limits"),
    ]


def test_a_known_event_re_bases_the_usual_range_and_words_the_question(tmp_path):
    from datetime import date

    from pipeline.flags.events import add_event, read_events

    register = tmp_path / "events.csv"
    event = add_event(
        date(2025, 2, 24),
        "the Island's own front door opened",
        ["x"],
        'Its own hub replaced the one shared with =HYPERLINK("x")',
        register,
    )
    assert read_events(register) == [event] and event.period == "2024-25 Q4"
    # 15 steady quarters, then the event quarter halves the figure and it stays there
    values = [100.0, 104.0] * 7 + [101.0, 50.0, 52.0, 49.0, 51.0, 50.0]
    history = judge_history(series(values), indicator("duration"), set(), events=(event,))
    flags = flags_from_history(
        history, indicator("duration"), "Children's social care", set(periods(len(values)))
    )
    assert [f.period for f in flags] == ["2024-25 Q4"]
    assert "since the Island's own front door opened on 24 February 2025" in flags[0].question
    after = history[-1]
    assert after.baseline.first_period == "2024-25 Q4" and not after.baseline.fixed
    # without the event the lower level would keep raising questions as a lasting change
    assert judge_history(series(values), indicator("duration"), set())[-1].z < -10


def test_a_normally_large_count_reported_as_zero_is_a_data_question():
    history = judge_history(series([400.0, 420.0] * 6 + [0.0]), indicator(better="down"), set())
    flags = flags_from_history(history, indicator(better="down"), "Police", set(periods(13)))
    assert flags[0].rule == "fell_to_zero" and flags[0].direction == "concern"
    assert flags[0].question.endswith("Is this figure missing rather than zero? (Police)")
    assert "improvement" not in flags[0].question and "small" not in flags[0].question


def test_improvements_are_noted_without_asking_for_a_response():
    ours = indicator("duration", better="up")
    history = judge_history(series(STEADY + [140.0]), ours, set())
    flags = flags_from_history(history, ours, "Health", set(periods(13)))
    assert flags[0].direction == "improvement"
    assert flags[0].question.endswith("Noted as an improvement: no response is needed. (Health)")


@pytest.mark.parametrize(
    "kind,lower,upper,value,printed",
    [
        ("count", 7.6, 35.9, 36.0, "8 to 35"),  # 35.9 rounded to 36 would equal the value
        ("count", 7.6, 35.2, 36.0, "8 to 35"),
        ("proportion", 86.47, 97.62, 97.64, "86.5% to 97.5%"),  # 97.6 would equal 97.6
    ],
)
def test_a_value_equal_to_the_printed_limit_is_never_above_it(kind, lower, upper, value, printed):
    from pipeline.flags.wording import printed_range

    assert printed_range(lower, upper, value, indicator(kind)) == printed


def test_durations_carry_their_unit():
    from pipeline.flags.wording import shown

    waits = load_catalogue().indicators["camhs_wait_weeks"]
    assert shown(5.1, waits) == "5.1 weeks"


def _row(period: str, rule: str = "outside_limits", direction: str = "concern", **review) -> dict:
    return {
        "area_code": "E06000046",
        "indicator_code": "referrals",
        "agency": "childrens_social_care",
        "period": period,
        "rule": rule,
        "direction": direction,
        "indicated": True,
        "status": "open",
        "response": None,
        "severity": "signal",
        "flag_id": f"{period} {rule}",
        **review,
    }


def test_every_question_says_what_it_asks_and_old_unanswered_ones_become_historic():
    judged = {f"2024-25 Q{q}" for q in range(1, 5)} | {"2025-26 Q1", "2025-26 Q2"}
    old, answered = _row("2024-25 Q1"), _row("2024-25 Q2", status="answered", response="Done")
    zero = {**_row("2025-26 Q2", rule="fell_to_zero"), "indicator_code": "contacts"}
    better = {**_row("2025-26 Q1", direction="improvement"), "indicator_code": "assessments"}
    year = {**_row("2023-24", rule="differs_from_published"), "indicator_code": "re_referrals"}
    read = {r["period"]: r for r in with_reading([old, answered, zero, better, year], judged)}
    assert read["2024-25 Q1"]["question_type"] == "concern" and read["2024-25 Q1"]["historic"]
    assert not read["2024-25 Q2"]["historic"]  # answered: still part of the record's work
    assert read["2025-26 Q2"]["question_type"] == "data question"
    assert read["2025-26 Q1"]["question_type"] == "improvement"
    assert not read["2025-26 Q1"]["historic"]  # in the latest four quarters
    assert read["2023-24"]["historic"]  # a whole year before them
    # a newer question about the same figure keeps the old one current
    newer = _row("2025-26 Q2")
    assert not with_reading([old, newer], judged)[0]["historic"]


def test_the_registry_names_and_describes_every_rule_the_engine_raises():
    from pipeline.flags import registry
    from pipeline.flags.engine import DATA_QUALITY_RULES, RULE_ORDER

    raised = set(RULE_ORDER) | DATA_QUALITY_RULES
    assert raised <= set(registry.RULES)
    assert {r for r, i in registry.RULES.items() if i.data_question} == DATA_QUALITY_RULES
    assert registry.plain_name("sustained_change") == "a lasting change"
    assert "cumulative sum" in registry.description("sustained_change")
    # a rule an older engine raised still reads as words, never as a code or "None"
    assert registry.plain_name("two_of_three") == "two of three"
    assert registry.description("two_of_three") == ""


def test_related_flags_in_a_quarter_are_one_story_whose_id_and_response_survive_regrouping():
    from pipeline.flags.current import importance
    from pipeline.flags.events import read_events
    from pipeline.flags.stories import families, with_stories

    family_of = families(load_catalogue(), read_events())
    # the front door: referrals and the share of contacts that became one, one story
    assert family_of["referrals"] == family_of["contacts_to_referral_pct"]
    assert family_of["camhs_open_cases"] == family_of["camhs_wait_weeks"]  # a declared pair
    assert family_of["children_in_bed_and_breakfast"] != family_of["referrals"]

    def flag(code: str, status: str = "open", response=None, question="?") -> dict:
        return {
            **_row("2024-25 Q2", status=status, response=response),
            "indicator_code": code,
            "flag_id": code,
            "severity": "signal",
            "question": question,
        }

    answered = flag("referrals", "answered", "The new front door counts differently.")
    first = with_stories([answered, flag("children_in_bed_and_breakfast")], family_of, importance)
    # a refresh later raises the share too, and words the referrals question anew
    reworded = {**answered, "question": "Referrals rose (worded anew)?"}
    later = with_stories([flag("contacts_to_referral_pct"), reworded], family_of, importance)
    story = {r["flag_id"]: r for r in first}["referrals"]["story_id"]
    members = [r for r in later if r["story_id"] == story]
    assert {r["flag_id"] for r in members} == {"referrals", "contacts_to_referral_pct"}
    leads = [r for r in members if r["story_lead"]]
    assert [r["response"] for r in leads] == ["The new front door counts differently."]
    assert len({r["story_id"] for r in first}) == 2  # unrelated figures stay apart

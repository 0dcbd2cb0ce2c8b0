"""Deterministic sample returns for the Isle of Wight (E06000046), 2021-22 Q1 to 2026-27 Q2.

The figures are made up, but they are built so that their financial-year roll-ups equal the
figures the partnership published in its 2024/25 yearly report (2022-23 to 2024-25; see
PUBLISHED below), and so that they carry the stories the partnership's documents tell:
families in bed and breakfast rising to a three-year high, mental-health waits rising while
open cases fall, private fostering at 0 and then 10, probation referrals nearly tripling, and
contacts and conversions falling after the Island's own front door opened on 24 February 2025.
Children in care at 31 March and plans started follow the Department for Education's
published figures for the Island. Children's social care, health and probation send Excel
workbooks made from the template; the other agencies send CSV files. One housing return is
sent twice: the first has a typing error that the corrected file replaces.
"""

from __future__ import annotations

import csv
import io
import random
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.catalogue import DEFAULT_AREA, SCALE, Catalogue, load_catalogue
from pipeline.core.periods import Quarter, quarters_between
from pipeline.ingest.returns.template import TABLE_HEADER_ROW

AREA = DEFAULT_AREA  # the sample is the Isle of Wight's
FIRST, LAST = Quarter(2021, 1), Quarter(2026, 2)
YEARS = ["2021-22", "2022-23", "2023-24", "2024-25", "2025-26", "2026-27"]
EXCEL_AGENCIES = {"childrens_social_care", "health", "probation"}
# Children aged 0 to 17 (ONS mid-year estimates); later years use the last estimate.
POPULATION = {
    "2021-22": 23636,
    "2022-23": 23564,
    "2023-24": 23477,
    "2024-25": 23351,
    "2025-26": 23351,
    "2026-27": 23351,
}

# The partnership's yearly report's published figures: 2022-23, 2023-24, 2024-25.
PUBLISHED = {
    "contacts": (16309, 17496, 17565),
    "contacts_to_referral_pct": (42.6, 41.4, 34.0),
    "referrals": (3870, 4378, 5229),
    "rereferral_pct": (41.6, 45.6, 46.4),
    "assessments_in_timescale_pct": (89.4, 95.0, 90.0),
    "early_help_closed_improved_pct": (61.0, 71.0, 74.3),
    "children_open_to_social_care": (1434, 1525, 1364),
    "cp_plans": (216, 184, 208),
    "cp_plans_unborn": (24, 14, 15),
    "cp_category_neglect_pct": (80.6, 66.3, 68.1),
    "cp_category_emotional_pct": (10.2, 26.1, 24.3),
    "cp_category_sexual_pct": (7.9, 6.5, 4.3),
    "cp_category_physical_pct": (1.4, 1.1, 3.3),
    "care_reviews_in_time_pct": (91.7, 97.4, 91.3),
    "care_health_reviews_in_time_pct": (92.0, 70.4, 81.4),
    "care_leavers_suitable_accommodation_pct": (79.3, 78.7, 77.2),
    "care_leavers_eet_pct": (75.7, 58.9, 52.7),
    "young_carers": (390, 444, 542),
    "youth_justice_children": (259, 315, 231),
}
PUBLISHED_YEARS = ("2022-23", "2023-24", "2024-25")


@dataclass(frozen=True)
class SampleFigure:
    value: float
    numerator: float | None = None
    denominator: float | None = None


Series = dict[Quarter, SampleFigure]
QUARTERS = quarters_between(FIRST, LAST)


def _published(code: str) -> dict[str, float]:
    return dict(zip(PUBLISHED_YEARS, PUBLISHED[code]))


def _population() -> dict[Quarter, int]:
    """Children aged 0 to 17 in each quarter: the denominator of every rate per 10,000."""
    return {q: POPULATION[q.financial_year] for q in QUARTERS}


def _year_quarters(year: str) -> list[Quarter]:
    return [q for q in QUARTERS if q.financial_year == year]


def split(total: int, weights: list[float]) -> list[int]:
    """Whole numbers in proportion to `weights` that add up to `total` exactly."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [int(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def numerator_for(percent: float, denominator: int) -> int | None:
    """A numerator that, over `denominator`, rounds to `percent` at one decimal place."""
    guess = round(percent * denominator / 100)
    for candidate in (guess, guess - 1, guess + 1):
        if 0 <= candidate <= denominator and round(100 * candidate / denominator, 1) == percent:
            return candidate
    return None


def denominator_near(percent: float, around: int) -> tuple[int, int]:
    """The first denominator from `around` up that can give exactly `percent`."""
    for denominator in range(around, around * 10):
        numerator = numerator_for(percent, denominator)
        if numerator is not None:
            return numerator, denominator
    raise ValueError(f"no whole numbers give {percent}%")


class Generator:
    def __init__(self, seed: int = 20250224):
        self.rng = random.Random(seed)
        self.series: dict[str, Series] = {}

    def jitter(self, spread: float) -> float:
        return 1 + self.rng.uniform(-spread, spread)

    # --- building blocks ------------------------------------------------------------------
    def flow(
        self,
        code: str,
        annual: dict[str, int],
        shape: dict[str, list[float]] | None = None,
        spread: float = 0.06,
    ) -> None:
        """A count of events whose quarters add up to each year's total."""
        series = {}
        for year, total in annual.items():
            quarters = _year_quarters(year)
            weights = (shape or {}).get(year, [1.0] * 4)[: len(quarters)]
            weights = [w * self.jitter(spread) for w in weights]
            if len(quarters) < 4:  # a year still in progress: quarters at the yearly pace
                total = round(total * sum(weights) / 4)
            for q, v in zip(quarters, split(total, weights)):
                series[q] = SampleFigure(v)
        self.series[code] = series

    def snapshot(self, code: str, values: list[float]) -> None:
        self.series[code] = {q: SampleFigure(v) for q, v in zip(QUARTERS, values)}

    def snapshot_around(self, code: str, year_end: dict[str, int], spread: float = 0.05) -> None:
        """A count on the last day of each quarter, with the year-end values given."""
        values = []
        for year in YEARS:
            end = year_end[year]
            for q in _year_quarters(year):
                values.append(end if q.number == 4 else round(end * self.jitter(spread)))
        self.snapshot(code, values)

    def ytd(self, code: str, year_end: dict[str, int]) -> None:
        """Distinct children so far this year: rises through the year to the Q4 figure."""
        series = {}
        for year, total in year_end.items():
            fractions = sorted(
                self.rng.uniform(lo, hi) for lo, hi in ((0.5, 0.58), (0.68, 0.76), (0.83, 0.9))
            )
            for q in _year_quarters(year):
                share = 1.0 if q.number == 4 else fractions[q.number - 1]
                series[q] = SampleFigure(round(total * share))
        self.series[code] = series

    def at_least(self, code: str, floor: dict[Quarter, int]) -> None:
        """Raise a year-to-date count to the same day's count where it is below (every child
        in care on the day was in care since 1 April), keeping it rising within the year."""
        series, so_far = {}, {}
        for q, f in sorted(self.series[code].items(), key=lambda item: item[0].label):
            value = max(f.value, floor.get(q, 0), so_far.get(q.financial_year, 0))
            series[q] = SampleFigure(value)
            so_far[q.financial_year] = value
        self.series[code] = series

    def ratio(
        self,
        code: str,
        numerators: dict[Quarter, int],
        denominators: dict[Quarter, int],
        scale: int = 100,
    ) -> None:
        self.series[code] = {
            q: SampleFigure(
                round(scale * numerators[q] / denominators[q], 1), numerators[q], denominators[q]
            )
            for q in denominators
        }

    def flow_proportion(
        self,
        code: str,
        percent: dict[str, float],
        denominators: dict[Quarter, int] | str,
        quarter_shape=None,
        spread: float = 0.03,
    ) -> None:
        """A percentage of events whose year, recomputed from summed numerators and
        denominators, is exactly `percent`; quarters vary around it. `denominators` may name
        the count indicator they come from, which then stays equal to them."""
        counted = denominators if isinstance(denominators, str) else None
        if counted:
            denominators = self.counts(counted)
        numerators, previous = {}, None
        for year, target in percent.items():
            quarters = _year_quarters(year)
            total_den = sum(denominators[q] for q in quarters)
            total_num = numerator_for(target, total_den)
            if total_num is None:  # a few more events in the last quarter make it exact
                total_num, total_den = denominator_near(target, total_den)
                denominators[quarters[-1]] += total_den - sum(denominators[q] for q in quarters)
            shape = (quarter_shape or {}).get(year, [1.0] * 4)
            drift = _drift(previous, target)
            previous = target
            weights = [
                denominators[q] * s * d * self.jitter(spread)
                for q, s, d in zip(quarters, shape, drift)
            ]
            parts = split(total_num, weights)
            for q, part in zip(quarters, parts):
                numerators[q] = min(part, denominators[q])
        self.ratio(code, numerators, denominators)
        if counted:
            self.series[counted] = {q: SampleFigure(d) for q, d in denominators.items()}

    def snapshot_proportion(
        self, code: str, year_end: dict[str, float], around: int, spread: float = 0.04
    ) -> None:
        """A percentage on the last day of each quarter; Q4 gives exactly the year's figure."""
        numerators, denominators, previous = {}, {}, None
        for year, target in year_end.items():
            start = target if previous is None else previous
            for q in _year_quarters(year):
                den = round(around * self.jitter(0.05))
                if q.number == 4:
                    num, den = denominator_near(target, den)
                else:  # moving from last year's end towards this year's
                    level = start + (target - start) * q.number / 4
                    num = min(den, round(den * level / 100 * self.jitter(spread)))
                numerators[q], denominators[q] = num, den
            previous = target
        self.ratio(code, numerators, denominators)

    def counts(self, code: str) -> dict[Quarter, int]:
        return {q: int(f.value) for q, f in self.series[code].items()}


def _drift(previous: float | None, target: float) -> list[float]:
    """Quarterly multipliers that move a year's percentage on from last year's level rather
    than jumping at 1 April; their mean is 1, so the year's figure is unchanged in expectation."""
    if previous is None:
        return [1.0] * 4
    step = (target - previous) / target
    return [1 + step * offset for offset in (-0.375, -0.125, 0.125, 0.375)]


def _extend(
    published: dict[str, float], before: float, after: float, latest: float | None = None
) -> dict[str, float]:
    """Published years plus invented ones either side (2021-22, 2025-26 and 2026-27)."""
    return {
        "2021-22": before,
        **published,
        "2025-26": after,
        "2026-27": after if latest is None else latest,
    }


def build_series(seed: int = 20250224) -> dict[str, Series]:
    g = Generator(seed)
    _front_door(g)
    _child_protection(g)
    _children_in_care(g)
    _education(g)
    _health(g)
    _housing(g)
    _police_probation_youth_justice(g)
    _conferences_with_information_only(g)  # last, so the series above keep their figures
    _partnership_priorities(g)
    return g.series


def _conferences_with_information_only(g: Generator) -> None:
    """Schools that sent a report but did not attend: fewer as attendance rose, out of the
    same conferences as attendance, and never more than those the school did not attend."""
    attended = g.series["cp_conferences_school_attended_pct"]
    share = {
        "2021-22": 14.8,
        "2022-23": 13.9,
        "2023-24": 10.6,
        "2024-25": 6.9,
        "2025-26": 4.1,
        "2026-27": 3.8,
    }
    denominators = {q: int(f.denominator) for q, f in attended.items()}
    numerators = {}
    for year, percent in share.items():
        quarters = _year_quarters(year)
        total = round(percent * sum(denominators[q] for q in quarters) / 100)
        weights = [denominators[q] * g.jitter(0.05) for q in quarters]
        for q, n in zip(quarters, split(total, weights)):
            numerators[q] = min(n, denominators[q] - int(attended[q].numerator))
    g.ratio("cp_conferences_school_sent_information_pct", numerators, denominators)


def _steady(level: float) -> dict[str, float]:
    """The same yearly figure in every year of the sample."""
    return dict.fromkeys(YEARS, level)


def _partnership_priorities(g: Generator) -> None:
    """The measures added for the business plans 2025-27 (the front door, early help,
    vulnerable learners, missing children, domestic abuse, allegations, health visiting,
    mental health referrals): made last, so the series above keep their figures, and steady
    at their 2024-25 level, since no document gives their history. Sizes follow the Island's:
    about 17,000 contacts and 4,400 referrals a year for 23,351 children."""
    contacts = g.counts("contacts")
    g.flow("contacts_no_further_action", _steady(6320), spread=0.04)
    g.flow("contacts_to_early_help", _steady(3160), spread=0.04)
    decided = {q: n for q, n in contacts.items()}
    g.flow_proportion(
        "contact_decisions_in_one_day_pct",
        _steady(90.2),
        decided,
        spread=0.02,
    )
    g.flow(
        "strategy_discussions",
        _steady(1330),
    )
    g.flow("section_47_enquiries", _steady(1012))
    conferences = {q: round(75 * g.jitter(0.15)) for q in QUARTERS}
    g.flow_proportion(
        "initial_conferences_in_15_days_pct",
        _steady(85.3),
        conferences,
        spread=0.05,
    )
    g.snapshot_around(
        "early_help_plans_open",
        {
            "2021-22": 930,
            "2022-23": 985,
            "2023-24": 1040,
            "2024-25": 1105,
            "2025-26": 1150,
            "2026-27": 1160,
        },
        0.04,
    )
    g.flow(
        "early_help_plans_started",
        _steady(1320),
    )
    g.flow("early_help_step_down", _steady(274))
    g.snapshot_around(
        "part_time_timetables",
        {
            "2021-22": 118,
            "2022-23": 131,
            "2023-24": 146,
            "2024-25": 139,
            "2025-26": 127,
            "2026-27": 124,
        },
        0.06,
    )
    g.flow("ehe_returned_to_school", _steady(97))
    home_educated = g.counts("ehe_children")
    g.series["ehe_known_to_social_care"] = {
        q: SampleFigure(round(n * 0.085 * g.jitter(0.08))) for q, n in home_educated.items()
    }
    # Distinct children so far this year: many go missing more than once, so a year's count
    # is reached early (about three in five by the end of June).
    missing = _steady(297)
    g.series["missing_children"] = {
        q: SampleFigure(round(missing[q.financial_year] * share * g.jitter(0.02)))
        if q.number < 4
        else SampleFigure(missing[q.financial_year])
        for q, share in ((q, (0.62, 0.78, 0.9, 1.0)[q.number - 1]) for q in QUARTERS)
    }
    episodes = g.counts("missing_child_episodes")
    g.flow_proportion(
        "return_interviews_offered_pct",
        _steady(96.0),
        dict(episodes),
        spread=0.01,
    )
    g.flow_proportion(
        "return_interviews_in_72_hours_pct",
        _steady(71.8),
        dict(episodes),
        spread=0.04,
    )
    g.flow(
        "marac_cases_with_children",
        _steady(334),
    )
    g.flow(
        "designated_officer_referrals",
        _steady(219),
    )
    births = {q: round(258 * g.jitter(0.06)) for q in QUARTERS}
    g.flow_proportion(
        "new_birth_visits_in_14_days_pct",
        _steady(90.4),
        births,
        spread=0.02,
    )
    g.flow("camhs_referrals", _steady(1518))
    closed = {q: round(330 * g.jitter(0.08)) for q in QUARTERS}
    g.flow_proportion(
        "camhs_closed_without_treatment_pct",
        _steady(24.1),
        closed,
        spread=0.06,
    )


def _front_door(g: Generator) -> None:
    # The Island's own front door opened on 24 February 2025: contacts and the share that
    # became referrals fell in 2024-25 Q4 and stayed lower.
    after_change = {"2024-25": [1.07, 1.06, 1.05, 0.82]}
    g.flow("contacts", _extend(_published("contacts"), 15420, 14680), after_change, spread=0.03)
    g.flow_proportion(
        "contacts_to_referral_pct",
        _extend(_published("contacts_to_referral_pct"), 43.1, 29.8),
        "contacts",
        {"2024-25": [1.1, 1.09, 1.06, 0.7]},
    )
    g.series["contacts_progressed_to_referral"] = {
        q: SampleFigure(f.numerator) for q, f in g.series["contacts_to_referral_pct"].items()
    }
    # 2021-22, before the yearly report's years, is the Department for Education's published
    # figure (table C1): 3,365 referrals, 39.0% re-referrals (1,312).
    g.flow("referrals", _extend(_published("referrals"), 3365, 4610))
    g.flow_proportion(
        "rereferral_pct", _extend(_published("rereferral_pct"), 39.0, 44.9), "referrals"
    )
    g.series["rereferrals"] = {
        q: SampleFigure(f.numerator) for q, f in g.series["rereferral_pct"].items()
    }
    # after the re-referral rate, which may add a few referrals to make its year exact
    g.ratio("referrals_rate_per_10k", g.counts("referrals"), _population(), SCALE["rate_per_10k"])
    g.flow(
        "assessments_completed",
        _extend({"2022-23": 3402, "2023-24": 3911, "2024-25": 4566}, 3288, 4120),
    )
    g.flow_proportion(
        "assessments_in_timescale_pct",
        _extend(_published("assessments_in_timescale_pct"), 86.7, 91.2),
        "assessments_completed",
    )
    g.flow(
        "early_help_plans_closed",
        _extend({"2022-23": 842, "2023-24": 903, "2024-25": 961}, 810, 990),
    )
    g.flow_proportion(
        "early_help_closed_improved_pct",
        _extend(_published("early_help_closed_improved_pct"), 58.4, 75.1),
        "early_help_plans_closed",
    )
    g.ytd(
        "children_open_to_social_care",
        _extend(_published("children_open_to_social_care"), 1398, 1320),
    )


# Main category of harm at each year end: (neglect, emotional, sexual, physical, multiple).
# In 2024-25 the published shares are of 210 plans while 208 plans are reported: the
# categories add up to 210, which the loader raises as a query, as it would for a real return.
CATEGORY_YEAR_END = {
    "2021-22": (158, 31, 14, 6, 0),
    "2022-23": (174, 22, 17, 3, 0),
    "2023-24": (122, 48, 12, 2, 0),
    "2024-25": (143, 51, 9, 7, 0),
    "2025-26": (139, 47, 10, 6, 0),
    "2026-27": (139, 47, 10, 6, 0),
}
CATEGORIES = ("neglect", "emotional", "sexual", "physical", "multiple")


def _child_protection(g: Generator) -> None:
    plans_year_end = _extend(_published("cp_plans"), 209, 202)
    g.snapshot_around("cp_plans", {y: int(v) for y, v in plans_year_end.items()}, 0.07)
    g.snapshot_around("cp_plans_unborn", _extend(_published("cp_plans_unborn"), 19, 13), 0.12)
    plans = g.counts("cp_plans")
    shares = {c: {} for c in CATEGORIES}
    for q, total in plans.items():
        year_end = CATEGORY_YEAR_END[q.financial_year]
        last_year_end = CATEGORY_YEAR_END.get(
            f"{q.start_year - 1}-{q.start_year % 100:02d}", year_end
        )
        if q.number == 4:
            parts = list(year_end)
        else:  # moving from last year's mix towards this year's
            t = q.number / 4
            weights = [
                max((1 - t) * a + t * b, 0.2) * g.jitter(0.1)
                for a, b in zip(last_year_end[:4], year_end[:4])
            ] + [0.3]
            parts = split(total, weights)
        for name, count in zip(CATEGORIES, parts):
            shares[name][q] = count
    denominators = {q: sum(shares[c][q] for c in CATEGORIES) for q in plans}
    for name in CATEGORIES:
        g.series[f"cp_category_{name}"] = {q: SampleFigure(v) for q, v in shares[name].items()}
        g.ratio(f"cp_category_{name}_pct", shares[name], denominators)
    # Plans started, and second or later plans, follow the published figures (DfE, table D3).
    g.flow(
        "cp_plans_started",
        {
            "2021-22": 236,
            "2022-23": 300,
            "2023-24": 233,
            "2024-25": 250,
            "2025-26": 241,
            "2026-27": 241,
        },
    )
    g.flow_proportion(
        "cp_second_or_subsequent_pct",
        {
            "2021-22": 25.8,
            "2022-23": 28.0,
            "2023-24": 19.3,
            "2024-25": 26.4,
            "2025-26": 23.7,
            "2026-27": 22.5,
        },
        "cp_plans_started",
        spread=0.15,
    )
    # after the share of second plans, which may add a few plans to make its year exact
    g.ratio(
        "cp_plans_started_rate_per_10k",
        g.counts("cp_plans_started"),
        _population(),
        SCALE["rate_per_10k"],
    )
    # Schools at child protection conferences: from about three in four to more than nine in ten.
    conferences = {q: round(58 * g.jitter(0.12)) for q in QUARTERS}
    g.flow_proportion(
        "cp_conferences_school_attended_pct",
        {
            "2021-22": 72.9,
            "2022-23": 74.0,
            "2023-24": 81.5,
            "2024-25": 88.2,
            "2025-26": 92.0,
            "2026-27": 92.4,
        },
        conferences,
        spread=0.05,
    )


def _children_in_care(g: Generator) -> None:
    # During the year: those in care on 31 March plus those who left during the year
    # (Department for Education, table CLA), except 2024-25, the yearly report's 367. The
    # report's 288 and 279 for the years before are counts on 31 March (dbt_project/seeds/
    # yearly_report.csv says which measure each year matches).
    g.ytd(
        "children_in_care",
        {
            "2021-22": 364,
            "2022-23": 367,
            "2023-24": 366,
            "2024-25": 367,
            "2025-26": 352,
            "2026-27": 352,
        },
    )
    # On 31 March: the Department for Education's published counts (table CLA).
    g.snapshot_around(
        "children_in_care_at_period_end",
        {
            "2021-22": 275,
            "2022-23": 289,
            "2023-24": 282,
            "2024-25": 258,
            "2025-26": 251,
            "2026-27": 249,
        },
        0.03,
    )
    in_care = g.counts("children_in_care_at_period_end")
    g.at_least("children_in_care", in_care)
    g.ratio(
        "children_in_care_rate_per_10k",
        in_care,
        _population(),
        SCALE["rate_per_10k"],
    )
    reviews = {q: round(205 * g.jitter(0.1)) for q in QUARTERS}
    g.flow_proportion(
        "care_reviews_in_time_pct",
        _extend(_published("care_reviews_in_time_pct"), 90.3, 94.0),
        reviews,
    )
    health_reviews = {q: round(72 * g.jitter(0.12)) for q in QUARTERS}
    g.flow_proportion(
        "care_health_reviews_in_time_pct",
        _extend(_published("care_health_reviews_in_time_pct"), 90.1, 85.6),
        health_reviews,
        spread=0.06,
    )
    g.snapshot_proportion(
        "care_leavers_suitable_accommodation_pct",
        _extend(_published("care_leavers_suitable_accommodation_pct"), 80.4, 79.0),
        around=150,
    )
    g.snapshot_proportion(
        "care_leavers_eet_pct", _extend(_published("care_leavers_eet_pct"), 73.2, 55.8), around=150
    )
    # Very low for the Island: none at all in 2023-24 Q3 and Q4, then 10 by 2024-25 Q4 after
    # the awareness work the yearly report describes.
    g.snapshot(
        "private_fostering_children",
        [3, 2, 2, 1, 2, 1, 1, 1, 1, 1, 0, 0, 0, 2, 4, 10, 9, 8, 8, 7, 7, 6],
    )
    g.ytd("young_carers", _extend(_published("young_carers"), 352, 575))


def _education(g: Generator) -> None:
    # 708 children electively home educated in mid-May 2025 (the yearly report).
    g.snapshot(
        "ehe_children",
        [
            512,
            528,
            546,
            561,
            574,
            590,
            604,
            619,
            632,
            645,
            659,
            671,
            680,
            689,
            694,
            701,
            708,
            714,
            722,
            731,
            736,
            744,
        ],
    )
    g.flow(
        "ehe_new_registrations",
        {y: n for y, n in zip(YEARS, (168, 181, 190, 199, 204, 204))},
        {y: [0.9, 1.25, 1.05, 0.8] for y in YEARS},
        spread=0.12,
    )
    sessions = {
        q: round((2_090_000 if q.number != 2 else 1_610_000) * g.jitter(0.02)) for q in QUARTERS
    }
    attendance_shape = {y: [1.003, 1.012, 0.993, 0.992] for y in YEARS}
    g.flow_proportion(
        "attendance_pct",
        dict(zip(YEARS, (92.4, 92.6, 92.9, 93.1, 93.3, 93.4))),
        sessions,
        attendance_shape,
        spread=0.002,
    )
    pupils = {q: round(16_132 * g.jitter(0.01)) for q in QUARTERS}
    g.flow_proportion(
        "persistent_absence_pct",
        dict(zip(YEARS, (24.8, 23.6, 21.9, 20.7, 19.8, 19.1))),
        dict(pupils),
        {y: [0.9, 0.75, 1.1, 1.2] for y in YEARS},
        spread=0.03,
    )
    g.flow_proportion(
        "severe_absence_pct",
        dict(zip(YEARS, (2.1, 2.3, 2.5, 2.6, 2.6, 2.5))),
        dict(pupils),
        {y: [0.95, 0.8, 1.1, 1.1] for y in YEARS},
        spread=0.05,
    )
    g.snapshot_around(
        "children_missing_education", dict(zip(YEARS, (31, 34, 29, 37, 33, 30))), 0.15
    )
    g.flow(
        "suspensions",
        dict(zip(YEARS, (2410, 2690, 2860, 3010, 2950, 2950))),
        {y: [1.05, 0.55, 1.2, 1.2] for y in YEARS},
        spread=0.08,
    )
    g.flow(
        "permanent_exclusions",
        dict(zip(YEARS, (28, 33, 36, 31, 29, 29))),
        {y: [1.0, 0.6, 1.2, 1.2] for y in YEARS},
        spread=0.25,
    )


def _health(g: Generator) -> None:
    # Open cases fell through 2024-25 Q1 and Q2 while waits rose steadily; after three
    # quarters at or below the national target of 4 weeks. Open cases rose again in January
    # 2025 and waits came down.
    g.snapshot(
        "camhs_open_cases",
        [
            1362,
            1388,
            1401,
            1412,
            1425,
            1433,
            1440,
            1452,
            1458,
            1449,
            1437,
            1421,
            1352,
            1268,
            1301,
            1334,
            1342,
            1355,
            1349,
            1361,
            1370,
            1366,
        ],
    )
    waits = [
        5.2,
        5.0,
        4.9,
        4.7,
        4.6,
        4.5,
        4.4,
        4.6,
        4.3,
        3.9,
        3.8,
        4.0,
        5.1,
        6.4,
        5.6,
        4.8,
        4.6,
        4.4,
        4.3,
        4.2,
        4.1,
        4.2,
    ]
    seen = {q: round(182 * g.jitter(0.1)) for q in QUARTERS}
    weeks = {q: round(w * seen[q]) for q, w in zip(QUARTERS, waits)}
    g.ratio("camhs_wait_weeks", weeks, seen, SCALE["duration"])


def _housing(g: Generator) -> None:
    # Rising for five quarters in a row to 41 at the end of 2024-25 Q3, the highest for three
    # years, and higher again at the year end.
    families = [
        20,
        24,
        19,
        22,
        25,
        21,
        18,
        23,
        22,
        19,
        23,
        27,
        31,
        36,
        41,
        44,
        39,
        35,
        33,
        30,
        28,
        27,
    ]
    g.snapshot("families_in_bed_and_breakfast", families)
    g.snapshot("children_in_bed_and_breakfast", [round(f * 1.9 * g.jitter(0.08)) for f in families])


def _police_probation_youth_justice(g: Generator) -> None:
    g.flow(
        "domestic_abuse_incidents_child_present",
        dict(zip(YEARS, (1402, 1461, 1498, 1533, 1510, 1510))),
        spread=0.08,
    )
    g.flow("missing_child_episodes", dict(zip(YEARS, (512, 488, 471, 455, 440, 440))), spread=0.12)
    g.snapshot_around(
        "children_at_risk_of_exploitation", dict(zip(YEARS, (41, 44, 47, 52, 49, 47))), 0.1
    )
    # Almost tripled in 2024-25 Q1 and Q2 against the two quarters before, once safeguarding
    # checks were made at the pre-sentence report stage.
    g.snapshot(
        "probation_referrals_to_front_door",
        [4, 3, 5, 3, 3, 4, 2, 3, 3, 4, 3, 3, 8, 9, 8, 10, 9, 11, 10, 9, 10, 12],
    )
    g.ytd("youth_justice_children", _extend(_published("youth_justice_children"), 248, 226))
    g.flow("first_time_entrants", dict(zip(YEARS, (46, 41, 44, 38, 35, 35))), spread=0.3)


# --- Writing the files --------------------------------------------------------------------


class SampleFolderInUse(Exception):
    """The folder holds files the generator did not write; nothing was written."""


def write_sample_returns(
    out: Path, catalogue: Catalogue | None = None, replace: bool = False
) -> list[Path]:
    """Write the sample returns into `out`. The generator deletes nothing, and writes only
    into a folder that holds nothing but its own files: a file of another name, or (unless
    `replace`) a file of a sample's name with other content, such as a real return named by
    `pqa template`, stops it before anything is written (SampleFolderInUse)."""
    catalogue = catalogue or load_catalogue()
    with tempfile.TemporaryDirectory() as scratch:
        made = _write_all(Path(scratch), catalogue)
        _check_folder(out, {p.name: p.read_bytes() for p in made}, replace)
        out.mkdir(parents=True, exist_ok=True)
        for path in made:
            shutil.copyfile(path, out / path.name)
    return [out / path.name for path in made]


def _check_folder(out: Path, made: dict[str, bytes], replace: bool) -> None:
    present = sorted(out.iterdir()) if out.is_dir() else []
    foreign = [p.name for p in present if p.name not in made]
    changed = [
        p.name
        for p in present
        if p.name in made and (not p.is_file() or p.read_bytes() != made[p.name])
    ]
    if foreign:
        raise SampleFolderInUse(
            f"{out} holds {foreign[0]}{_and_more(foreign)}, which the sample generator did not "
            "write. Nothing was written or deleted: choose an empty folder, or move those "
            "files away."
        )
    if changed and not replace:
        raise SampleFolderInUse(
            f"{out} holds {changed[0]}{_and_more(changed)} under a sample return's name but with "
            "other content (a real return made from `pqa template` is named the same way). "
            "Nothing was written: choose an empty folder, or give --replace to overwrite "
            "them with the sample."
        )


def _and_more(names: list[str]) -> str:
    return f" (and {len(names) - 1} more)" if len(names) > 1 else ""


# What an agency wrote beside a figure in its return (the notes column), for the stories in the
# sample, so the report and the dashboard show agency commentary as it arrives. Plain
# aggregate commentary: never about an individual child.
COMMENTARY = {
    ("childrens_social_care", Quarter(2024, 4), "contacts"): (
        "The Island's own multi-agency safeguarding hub replaced Hampshire's on 24 February "
        "2025; contacts are now screened on the Island and fewer become referrals."
    ),
    ("housing", Quarter(2024, 3), "children_in_bed_and_breakfast"): (
        "Temporary accommodation was full this quarter; larger families were placed in bed "
        "and breakfast while self-contained places were found."
    ),
    ("health", Quarter(2024, 2), "camhs_open_cases"): (
        "Open cases fell while waits rose: vacancies in the assessment team. Two posts are "
        "being recruited."
    ),
}


def _write_all(out: Path, catalogue: Catalogue) -> list[Path]:
    series = build_series()
    written = []
    for agency in catalogue.agencies:
        indicators = catalogue.for_agency(agency)
        for q in QUARTERS:
            figures = [(i.code, series[i.code][q]) for i in indicators]
            notes = {c: n for (a, at, c), n in COMMENTARY.items() if (a, at) == (agency, q)}
            stem = f"{agency}_{AREA}_{q.label.replace(' ', '_')}"
            if agency in EXCEL_AGENCIES:
                written.append(
                    _write_xlsx(out / f"{stem}.xlsx", catalogue, agency, q, figures, notes)
                )
            else:
                written.append(_write_csv(out / f"{stem}.csv", q, figures, notes))
    # the typing error's file takes the name of that quarter's housing return
    return list(dict.fromkeys(written + _write_typing_error(out, catalogue, series)))


def _write_csv(path: Path, q: Quarter, figures, notes: dict[str, str] | None = None) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = ["area_code", "period", "indicator_code", "value", "numerator", "denominator"]
    writer.writerow(header + (["notes"] if notes else []))
    for code, f in figures:
        row = [AREA, q.label, code, _text(f.value), _text(f.numerator), _text(f.denominator)]
        writer.writerow(row + ([notes.get(code, "")] if notes else []))
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _write_typing_error(out: Path, catalogue: Catalogue, series) -> list[Path]:
    """The housing return for 2024-25 Q2 was first sent with 63 families instead of 36 (the
    loader raises a query); the corrected file, loaded after it, supersedes it."""
    q = Quarter(2024, 2)
    figures = [(i.code, series[i.code][q]) for i in catalogue.for_agency("housing")]
    typo = [
        (c, SampleFigure(63) if c == "families_in_bed_and_breakfast" else f) for c, f in figures
    ]
    correct = out / f"housing_{AREA}_{q.label.replace(' ', '_')}.csv"
    return [
        _write_csv(correct.with_name(correct.stem + "_corrected.csv"), q, figures),
        _write_csv(correct, q, typo),
    ]


def _text(number: float | None) -> str:
    if number is None:
        return ""
    return str(int(number)) if float(number).is_integer() else str(number)


def _write_xlsx(
    path: Path, catalogue: Catalogue, agency: str, q: Quarter, figures, notes: dict[str, str]
) -> Path:
    import openpyxl

    from pipeline.ingest.returns.template import write_template

    buffer = io.BytesIO()
    template = write_template(catalogue, agency, AREA, q.label, path)
    workbook = openpyxl.load_workbook(template)
    sheet = workbook["Return"]
    rows = {sheet.cell(r, 1).value: r for r in range(TABLE_HEADER_ROW + 1, sheet.max_row + 1)}
    for code, f in figures:
        r = rows[code]
        sheet.cell(r, 4, f.value)
        sheet.cell(r, 5, f.numerator)
        sheet.cell(r, 6, f.denominator)
        if code in notes:
            sheet.cell(r, 7, notes[code])
    workbook.save(buffer)
    path.write_bytes(_reproducible(buffer.getvalue()))
    return path


def _reproducible(xlsx: bytes) -> bytes:
    """The same workbook bytes every time: fixed zip timestamps and document dates."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*",
                    rb"\g<1>2026-11-01T00:00:00Z",
                    data,
                )
            target.writestr(
                zipfile.ZipInfo(info.filename, (2026, 11, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED
            )
    return out.getvalue()

"""The flags a refresh raises, from the marts it is about to publish: every indicator series
per area (from indicator_quarterly), every missing return (from return_status) and every
year that differs from the published figure beyond tolerance (from reconciliation)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pyarrow as pa

from pipeline.core import two_cores
from pipeline.core.catalogue import Catalogue, load_catalogue
from pipeline.flags import wording
from pipeline.flags.benchmark_questions import RULE as BENCHMARK_RULE
from pipeline.flags.benchmark_questions import benchmark_questions
from pipeline.flags.engine import (
    DATA_QUALITY_RULES,
    HISTORY_QUARTERS,
    Flag,
    flag_id,
    flags_for_area,
)
from pipeline.flags.events import events_by_indicator, read_events
from pipeline.flags.series import Point, Series
from pipeline.flags.stories import families, with_stories

# Each area's series are judged on their own, so a region's or a nation's areas are shared
# between both cores (the order of the flags does not depend on it: they are sorted).
SHARED_FROM_AREAS = 2


def raise_flags(
    quarterly: list[dict],
    return_status: list[dict],
    catalogue: Catalogue,
    reconciliation: list[dict] = (),
    benchmarks: list[dict] = (),
) -> list[Flag]:
    """The marts' rows (dicts of column values) in; every flag the data raises out."""
    periods_to_flag = periods_judged(return_status)
    received = defaultdict(lambda: defaultdict(set))  # area -> agency -> periods
    for r in return_status:
        if r["status"] in ("received", "late"):
            received[r["area_code"]][r["agency"]].add(r["period"])
    events = events_by_indicator(read_events())
    series = _series(quarterly, catalogue)

    def flags_for(areas: list[str]) -> list[Flag]:
        return [
            flag
            for area in areas
            for flag in flags_for_area(
                series[area], catalogue, received[area], periods_to_flag, events
            )
        ]

    areas = sorted(series)
    if len(areas) >= SHARED_FROM_AREAS and two_cores.available():
        flags = sum(two_cores.share(flags_for, areas[::2], areas[1::2]), [])
    else:
        flags = flags_for(areas)
    flags += _missing_returns(return_status, catalogue, periods_to_flag)
    flags += _differs_from_published(reconciliation, catalogue)
    flags += benchmark_questions(benchmarks, catalogue, set(received))
    return sorted(flags, key=lambda flag: importance(vars(flag)))


def periods_judged(return_status: list[dict]) -> set[str]:
    """The quarters a refresh raises flags for: the last three years of ended quarters."""
    ended = sorted({r["period"] for r in return_status})
    return set(ended[-HISTORY_QUARTERS:])


def still_judged(flag: dict, judged: set[str]) -> bool:
    """Whether this refresh judged the flag's period again (years against published figures
    are judged every time); older flags keep what was last said of them."""
    return flag["rule"] in ("differs_from_published", BENCHMARK_RULE) or flag["period"] in judged


def importance(flag: dict) -> tuple:
    """Sort key, most important first: signals, then concerns, then the latest quarter."""
    order = {"concern": 0, "neutral": 1, "improvement": 2}
    return (
        flag["severity"] != "signal",
        order[flag["direction"]],
        _descending(flag["period"]),
        flag["agency"],
        flag["indicator_code"] or "",
        flag["flag_id"],
    )


LATEST_QUARTERS = 4  # a question about an older quarter can become historic


def question_type(flag: dict) -> str:
    """What the question asks for: a data question (is the figure right?), an improvement
    (listed, no response needed) or a concern (a response is needed; neutral questions too)."""
    if flag["rule"] in DATA_QUALITY_RULES:
        return "data question"
    return "improvement" if flag["direction"] == "improvement" else "concern"


def with_reading(
    rows: list[dict], judged: set[str], family_of: dict[str, str] | None = None
) -> list[dict]:
    """Add each row's story (pipeline/flags/stories.py), question type and whether it is
    historic: about a quarter before the latest four judged, still open with no response, and
    no newer question about the same figure (area and indicator, or agency for a missing
    return) in the latest four. Historic questions are kept and searchable but not counted as
    open."""
    if family_of is None:
        family_of = families(load_catalogue(), read_events())
    rows = with_stories(rows, family_of, importance)
    latest = sorted(q for q in judged if _is_quarter(q))[-LATEST_QUARTERS:]
    since = latest[0] if latest else ""
    recent = {_subject(r) for r in rows if r["indicated"] and not _before(r["period"], since)}
    return [
        {
            **r,
            "question_type": question_type(r),
            "historic": bool(since)
            and _before(r["period"], since)
            and r["status"] == "open"
            and not r.get("response")
            and _subject(r) not in recent,
        }
        for r in rows
    ]


def _is_quarter(period: str) -> bool:
    return period[-2:-1] == "Q"


def _before(period: str, since: str) -> bool:
    """Whether a quarter (or a whole financial year, as its last quarter) is before `since`."""
    return (period if _is_quarter(period) else f"{period} Q4") < since


def _subject(row: dict) -> tuple:
    return (row["area_code"], row["indicator_code"] or row["agency"])


def _descending(period: str) -> tuple:
    return tuple(-ord(c) for c in period)


# What the engine reads of indicator_quarterly: a refresh hands over only these columns (of 23),
# as building a dict per row is most of the cost of reading 465,000 rows at national scale.
SERIES_COLUMNS = ["area_code", "indicator_code", "period", "value", "numerator", "denominator"]


def _series(quarterly: list[dict], catalogue: Catalogue) -> dict[str, dict[str, Series]]:
    points = defaultdict(list)
    for r in sorted(quarterly, key=lambda r: (r["area_code"], r["indicator_code"], r["period"])):
        if r["indicator_code"] in catalogue.indicators:
            points[(r["area_code"], r["indicator_code"])].append(
                Point(r["period"], r["value"], r["numerator"], r["denominator"])
            )
    by_area = defaultdict(dict)
    for (area, code), series_points in points.items():
        by_area[area][code] = Series(area, code, tuple(series_points))
    return by_area


def _missing_returns(
    return_status: list[dict], catalogue: Catalogue, periods_to_flag: set[str]
) -> list[Flag]:
    flags = []
    for r in return_status:
        if r["status"] != "missing" or r["period"] not in periods_to_flag:
            continue
        agency = catalogue.agencies[r["agency"]]
        due = _day(r["return_due_date"])
        flags.append(
            Flag(
                flag_id(r["area_code"], r["agency"], r["period"], "missing_return"),
                r["area_code"],
                None,
                r["agency"],
                r["period"],
                "missing_return",
                "signal",
                "concern",
                wording.missing_return_question(agency, r["period"], due),
                {"rule": "missing_return", "due": due, "rules": [], "values": []},
            )
        )
    return flags


def _differs_from_published(reconciliation: list[dict], catalogue: Catalogue) -> list[Flag]:
    """A financial year's local figure further from the published one than the mapping's
    tolerance: the agency is asked to explain the difference."""
    flags = []
    for r in reconciliation:
        if r["within_tolerance"] is not False:
            continue
        indicator = catalogue.indicators[r["indicator_code"]]
        evidence = {
            "rule": "differs_from_published",
            "rules": [],
            "values": [],
            **{
                k: r[k]
                for k in (
                    "local_value",
                    "published_value",
                    "difference",
                    "difference_pct",
                    "tolerance",
                    "tolerance_in",
                )
            },
        }
        flags.append(
            Flag(
                flag_id(
                    r["area_code"], indicator.code, r["financial_year"], "differs_from_published"
                ),
                r["area_code"],
                indicator.code,
                indicator.agency,
                r["financial_year"],
                "differs_from_published",
                "signal",
                "concern",
                wording.differs_question(catalogue.agencies[indicator.agency], r),
                evidence,
            )
        )
    return flags


def _day(value) -> str:
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{day.day} {day:%B %Y}"


FLAGS_SCHEMA = pa.schema(
    [
        ("flag_id", pa.string()),
        ("area_code", pa.string()),
        ("indicator_code", pa.string()),
        ("agency", pa.string()),
        ("period", pa.string()),
        ("rule", pa.string()),
        ("severity", pa.string()),
        ("direction", pa.string()),
        ("question", pa.string()),
        ("evidence", pa.string()),
        ("indicated", pa.bool_()),
        ("first_raised_at", pa.string()),
        ("status", pa.string()),
        ("owner", pa.string()),
        ("response", pa.string()),
        ("impact", pa.string()),
        ("review_version", pa.int64()),
        ("updated_at", pa.string()),
        ("updated_by", pa.string()),
        ("question_type", pa.string()),
        ("story_id", pa.string()),
        ("story_lead", pa.bool_()),
        ("historic", pa.bool_()),
    ]
)


def flags_table(rows: list[dict]) -> pa.Table:
    """flags.parquet: flags the data raises now, most important first, then those it no
    longer raises."""
    rows = sorted(rows, key=lambda row: (not row["indicated"], *importance(row)))
    return pa.Table.from_pylist(rows, schema=FLAGS_SCHEMA)

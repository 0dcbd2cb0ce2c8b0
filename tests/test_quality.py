"""The Great Expectations step on its own, on small tables: the checks give the same report
whether they run in the refresh's process or in the process it starts before dbt, a failing
check comes with the rows that failed, and a checks process that died is never a skipped check."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from pipeline.quality.expectations import Checker, SuiteError, validate

SUITES = [
    {
        "name": "periods",
        "meta": {"validates": "marts.dim_periods"},
        "expectations": [
            {
                "type": "expect_column_values_to_not_be_null",
                "kwargs": {"column": "period"},
                "description": "Every row names its quarter.",
            },
            {
                "type": "expect_column_values_to_be_unique",
                "kwargs": {"column": "period"},
                "description": "No quarter twice.",
            },
        ],
    }
]
GOOD = {"marts.dim_periods": pd.DataFrame({"period": ["2024-25 Q1", "2024-25 Q2"]})}
TWICE = {"marts.dim_periods": pd.DataFrame({"period": ["2024-25 Q1", "2024-25 Q1", "2024-25 Q2"]})}


AREAS = {
    "name": "areas",
    "meta": {"validates": "marts.dim_areas"},
    "expectations": [
        {
            "type": "expect_column_values_to_match_regex",
            "kwargs": {"column": "area_code", "regex": "^E[0-9]{8}$"},
            "description": "Every area has a nine-character code.",
        }
    ],
}
AREA_CODES = {"marts.dim_areas": pd.DataFrame({"area_code": ["E06000046", "Isle of Wight"]})}


def _arrow(frames: dict[str, pd.DataFrame]) -> dict[str, pa.Table]:
    return {t: pa.Table.from_pandas(f, preserve_index=False) for t, f in frames.items()}


@pytest.mark.parametrize("frames", [GOOD, TWICE], ids=["passing", "failing"])
def test_the_checks_process_gives_the_same_report_as_checking_here(frames):
    """Two suites in one lot: the checks process shares them with a copy of itself."""
    suites, frames = [AREAS, *SUITES], {**AREA_CODES, **frames}
    with Checker(suites, in_process=False) as checker:
        checker.check(_arrow(frames))
        assert checker.report() == validate(frames, suites)


def test_tables_sent_in_lots_are_reported_in_the_suites_order():
    suites = [AREAS, *SUITES]
    with Checker(suites, in_process=False) as checker:
        checker.check(_arrow(TWICE))  # the second suite's table first, as the flags come last
        checker.check(_arrow(AREA_CODES))
        report = checker.report()
    assert report == validate({**TWICE, **AREA_CODES}, suites)
    assert [o.suite for o in report.outcomes] == ["areas", "periods", "periods"]
    assert [o.description for o in report.failed] == [
        "Every area has a nine-character code.",
        "No quarter twice.",
    ]


@pytest.mark.parametrize("in_process", [True, False], ids=["here", "own process"])
def test_a_suite_whose_table_never_came_is_an_error_not_a_pass(in_process):
    with Checker([AREAS, *SUITES], in_process=in_process) as checker:
        checker.check(_arrow(GOOD))
        with pytest.raises((SuiteError, RuntimeError), match="marts.dim_areas"):
            checker.report()


def test_a_failing_check_names_how_many_rows_and_which():
    report = validate(TWICE, SUITES)
    assert not report.success and report.passed == 1
    (failed,) = report.failed
    assert failed.description == "No quarter twice."
    assert failed.unexpected_count == 2 and "2024-25 Q1" in failed.examples


def test_a_checks_process_that_died_means_checking_here_not_skipping():
    with Checker(SUITES, in_process=False) as checker:
        checker._process.kill()
        checker._process.wait()
        checker.check(_arrow(TWICE))
        report = checker.report()
    assert [o.description for o in report.failed] == ["No quarter twice."]

"""The Great Expectations step on its own, on small tables: the checks give the same report
whether they run in the refresh's process or in the process it starts before dbt, a failing
check comes with the rows that failed, and a checks process that died is never a skipped check."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.quality.expectations import Checker, validate

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


@pytest.mark.parametrize("frames", [GOOD, TWICE], ids=["passing", "failing"])
def test_the_checks_process_gives_the_same_report_as_checking_here(frames):
    with Checker(in_process=False) as checker:
        assert checker.validate(frames, SUITES) == validate(frames, SUITES)


def test_a_failing_check_names_how_many_rows_and_which():
    report = validate(TWICE, SUITES)
    assert not report.success and report.passed == 1
    (failed,) = report.failed
    assert failed.description == "No quarter twice."
    assert failed.unexpected_count == 2 and "2024-25 Q1" in failed.examples


def test_a_checks_process_that_died_means_checking_here_not_skipping():
    with Checker(in_process=False) as checker:
        checker._process.kill()
        checker._process.wait()
        report = checker.validate(TWICE, SUITES)
    assert [o.description for o in report.failed] == ["No quarter twice."]

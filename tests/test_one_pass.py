"""A return with many problems gets them all in one pass, and what looks like a child's details
is never repeated: only a blocking problem (the rows cannot be read as the return's) stops the
figures' checks, and then the finding says so."""

from __future__ import annotations

from pipeline.core import paths
from pipeline.ingest.load import load_returns
from pipeline.ingest.returns.findings import errors, queries
from pipeline.ingest.returns.validate import NOT_CHECKED_FURTHER
from tests.conftest import EIGHT_PROBLEMS, POSTCODE, TODAY


def test_every_problem_is_found_in_one_pass_and_nothing_is_kept(tmp_path):
    path = tmp_path / "housing_E06000046_2024-25_Q3.csv"
    path.write_text(EIGHT_PROBLEMS)
    report = load_returns([path], today=TODAY)
    findings = report.outcomes[0].result.findings
    assert [(f.rule, f.location.row) for f in errors(findings)] == [
        ("E05", 1),  # a column outside the contract
        ("E06", 2),  # a postcode in the notes: that row is not checked further
        ("E16", 3),  # a negative count
        ("E09", 4),  # an unknown indicator code
        ("E10", 5),  # an area code one character short
        ("E12", 6),  # a period not written like 2024-25 Q3
        ("E17", 7),  # half a child
        ("E13", 8),  # a quarter in the future
    ]
    assert not queries(findings)
    for finding in findings:  # where and which rule, never what the cell holds
        assert POSTCODE not in finding.describe() and "moved from" not in finding.describe()
    assert not report.committed
    assert not paths.warehouse_path().exists() or _no_submissions()
    assert not any(paths.archive_dir().rglob("*.csv"))


def test_a_blocking_problem_says_the_figures_were_not_checked(tmp_path):
    path = tmp_path / "housing_E06000046_2024-25_Q3.csv"
    path.write_text(  # no value column: nothing in the rows can be read as a figure
        "area_code,period,indicator_code,notes\n"
        "E06000046,2024-25 Q3,families_in_bed_and_breakfast,\n"
        "E0600004,2024 Q3,not_a_code,\n"
    )
    findings = load_returns([path], check_only=True, today=TODAY).outcomes[0].result.findings
    assert [f.rule for f in findings] == ["E04"]
    assert findings[0].message.endswith(NOT_CHECKED_FURTHER)


def test_queries_come_with_errors_about_other_rows(tmp_path):
    """Figures that passed are still queried when other rows have errors ("1 error, 1 query")."""
    path = tmp_path / "housing_E06000046_2024-25_Q3.csv"
    path.write_text(
        "area_code,period,indicator_code,value\n"
        "E06000046,2024-25 Q2,families_in_bed_and_breakfast,10\n"
        "E06000046,2024-25 Q3,families_in_bed_and_breakfast,40\n"
        "E06000046,2024-25 Q3,children_in_bed_and_breakfast,-1\n"
    )
    findings = load_returns([path], check_only=True, today=TODAY).outcomes[0].result.findings
    assert [f.rule for f in errors(findings)] == ["E16"]
    assert [f.rule for f in queries(findings)] == ["Q01"]  # 10 to 40 in a quarter


def _no_submissions() -> bool:
    import duckdb

    with duckdb.connect(str(paths.warehouse_path()), read_only=True) as con:
        tables = {
            t for (t,) in con.sql("select table_name from information_schema.tables").fetchall()
        }
        if "submissions" not in tables:
            return True
        return con.sql("select count(*) from raw.submissions").fetchall()[0][0] == 0

"""Which return counts for an agency, area and quarter is defined once (the warehouse view
raw.current_submissions): the loader and the marts read the same one, before and after a
correction."""

from __future__ import annotations

import duckdb

from pipeline.ingest import warehouse
from pipeline.ingest.load import load_returns
from pipeline.publish.refresh import refresh
from tests.conftest import TODAY, good_housing_rows, write_csv


def _marts_current(folder) -> dict[tuple[str, str, str], int]:
    with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as con:
        rows = con.sql(
            "select agency, area_code, period, submission_id "
            "from intermediate.int_submissions where is_current"
        ).fetchall()
    return {(agency, area, period): submission for agency, area, period, submission in rows}


def _loader_current(folder, keys) -> dict[tuple[str, str, str], int]:
    with warehouse.connect(folder / "warehouse.duckdb") as con:
        return warehouse.current_submissions(con, set(keys))


def test_the_loader_and_the_marts_agree_which_return_counts(refreshed, tmp_path):
    before = _marts_current(refreshed)
    assert _loader_current(refreshed, before) == before

    rows = good_housing_rows(families=45)  # a correction of the housing return for 2024-25 Q3
    corrected = write_csv(tmp_path / "housing_E06000046_2024-25_Q3_corrected.csv", rows)
    assert load_returns([corrected], today=TODAY).committed
    assert refresh(today=TODAY).outcome == "succeeded"

    after = _marts_current(refreshed)
    changed = {key for key in after if after[key] != before.get(key)}
    assert len(changed) == 1  # the corrected quarter, now counting its latest return
    assert _loader_current(refreshed, after) == after
    with duckdb.connect(str(refreshed / "warehouse.duckdb"), read_only=True) as con:
        figures = con.sql(
            "select value from (" + warehouse.CURRENT_FIGURES + ") "
            "where indicator_code = 'families_in_bed_and_breakfast' and period = '2024-25 Q3'"
        ).fetchall()
    assert figures == [(45.0,)]

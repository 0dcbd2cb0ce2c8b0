"""Loading returns: provenance, the all-or-nothing transaction, identical files, corrections
that supersede, and two processes at once."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.core import paths
from pipeline.ingest import warehouse
from pipeline.ingest.load import load_returns
from pipeline.ingest.warehouse import WarehouseBusy
from tests.conftest import SAMPLE_DIR, TODAY, good_housing_rows, hold_warehouse, write_csv

TABLES = ("raw.submissions", "raw.return_figures", "raw.validation_queries")


def snapshot() -> dict[str, list[tuple]]:
    """Everything the warehouse and the archive hold, to compare before and after."""
    state = {
        "archive": {
            str(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in paths.archive_dir().rglob("*")
            if p.is_file()
        }
    }
    with warehouse.connect() as con:
        for table in TABLES:
            state[table] = con.execute(f"select * from {table} order by all").fetchall()
    return state


def current_value(code: str, period: str) -> float:
    with warehouse.connect() as con:
        return con.execute(
            f"select value from ({warehouse.CURRENT_FIGURES}) "
            "where indicator_code = ? and period = ?",
            [code, period],
        ).fetchone()[0]


def test_load_records_provenance_and_archives_the_file(tmp_path):
    path = write_csv(tmp_path / "housing_q3.csv", good_housing_rows())
    report = load_returns([path], today=TODAY)
    assert report.committed and not report.refused
    with warehouse.connect() as con:
        row = con.execute(
            "select agency, area_code, period, file_name, file_hash, loaded_by, "
            "supersedes, figure_count, archived_as from raw.submissions"
        ).fetchone()
    agency, area, period, name, file_hash, by, supersedes, count, archived_as = row
    assert (agency, area, period, name, by, supersedes, count) == (
        "housing",
        "E06000046",
        "2024-25 Q3",
        "housing_q3.csv",
        "test analyst",
        None,
        2,
    )
    assert file_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (paths.archive_dir() / archived_as).read_bytes() == path.read_bytes()
    assert current_value("families_in_bed_and_breakfast", "2024-25 Q3") == 41


def test_a_refused_file_leaves_the_warehouse_exactly_as_it_was(tmp_path):
    load_returns(
        [write_csv(tmp_path / "first.csv", good_housing_rows("2024-25 Q2", 36, 70))], today=TODAY
    )
    before = snapshot()
    good = write_csv(tmp_path / "good.csv", good_housing_rows())
    bad = write_csv(
        tmp_path / "bad.csv",
        [["E06000046", "2024-25 Q3", "families_in_bed_and_breakfast", -4, "", ""]],
    )
    report = load_returns([good, bad], today=TODAY)
    assert not report.committed
    assert [o.path.name for o in report.refused] == ["bad.csv"]
    assert snapshot() == before


def test_a_failure_while_writing_rolls_everything_back(tmp_path, monkeypatch):
    """If writing fails part-way (here: the disk 'fails' after the submissions are written,
    before their figures), the transaction is rolled back and the files archived by this load
    are removed."""
    from pipeline.ingest import load

    before = snapshot()
    calls = []
    insert = load.insert_rows

    def failing_insert(con, table, rows):
        calls.append(table)
        if len(calls) == 2:
            raise OSError("disk full")
        insert(con, table, rows)

    monkeypatch.setattr(load, "insert_rows", failing_insert)
    files = [write_csv(tmp_path / f"q{n}.csv", good_housing_rows(f"2024-25 Q{n}")) for n in (1, 2)]
    with pytest.raises(OSError):
        load_returns(files, today=TODAY)
    monkeypatch.setattr(load, "insert_rows", insert)  # not undo(): it would drop PQA_DATA_DIR
    assert snapshot() == before


def test_loading_an_identical_file_again_changes_nothing(tmp_path):
    path = write_csv(tmp_path / "housing.csv", good_housing_rows())
    load_returns([path], today=TODAY)
    before = snapshot()
    copy = tmp_path / "renamed copy.csv"
    copy.write_bytes(path.read_bytes())
    report = load_returns([copy], today=TODAY)
    assert report.committed and not report.refused
    assert "identical to the file loaded on" in report.outcomes[0].already_loaded
    assert report.outcomes[0].submissions == []
    assert snapshot() == before


def test_a_corrected_return_supersedes_and_the_earlier_one_stays(tmp_path):
    first = write_csv(tmp_path / "housing.csv", good_housing_rows(families=63))
    load_returns([first], today=TODAY)
    corrected = write_csv(tmp_path / "housing_corrected.csv", good_housing_rows(families=41))
    report = load_returns([corrected], today=TODAY, loaded_by="housing analyst")
    (submission,) = report.outcomes[0].submissions
    assert submission.supersedes == 1
    assert current_value("families_in_bed_and_breakfast", "2024-25 Q3") == 41
    with warehouse.connect() as con:
        history = con.execute(
            "select s.submission_id, s.loaded_by, s.supersedes, f.value from raw.submissions s "
            "join raw.return_figures f using (submission_id) "
            "where f.indicator_code = 'families_in_bed_and_breakfast' order by 1"
        ).fetchall()
    assert history == [(1, "test analyst", None, 63.0), (2, "housing analyst", 1, 41.0)]


def test_queries_are_stored_with_their_submission(tmp_path):
    rows = good_housing_rows("2024-25 Q2", 20, 40) + good_housing_rows("2024-25 Q3", 41, 78)
    load_returns([write_csv(tmp_path / "two_quarters.csv", rows)], today=TODAY)
    with warehouse.connect() as con:
        stored = con.execute(
            "select s.period, q.rule_code, q.source_row, q.source_column, q.indicator_code "
            "from raw.validation_queries q join raw.submissions s using (submission_id) "
            "order by all"
        ).fetchall()
    # Rows as the analyst sees them: line 1 is the header, 2024-25 Q3 is on lines 4 and 5.
    assert stored == [
        ("2024-25 Q3", "Q01", 4, "value", "families_in_bed_and_breakfast"),
        ("2024-25 Q3", "Q01", 5, "value", "children_in_bed_and_breakfast"),
    ]


def test_check_only_validates_without_loading(tmp_path):
    before = snapshot()
    report = load_returns(
        [write_csv(tmp_path / "h.csv", good_housing_rows())], check_only=True, today=TODAY
    )
    assert not report.committed and not report.refused
    assert snapshot() == before


def test_a_load_waits_for_another_process_then_goes_ahead(tmp_path):
    holder = hold_warehouse(1.0)
    releasing = Path(f"{paths.warehouse_path()}.releasing")
    assert not releasing.exists()  # the other process still holds the warehouse
    report = load_returns([write_csv(tmp_path / "h.csv", good_housing_rows())], today=TODAY)
    assert report.committed
    assert releasing.exists()  # so the load waited for it to let go, then went ahead
    holder.wait(timeout=10)


def test_a_load_refuses_clearly_when_the_warehouse_stays_busy(tmp_path, monkeypatch):
    monkeypatch.setenv("PQA_LOCK_WAIT_SECONDS", "0.5")
    holder = hold_warehouse(5.0)
    try:
        with pytest.raises(WarehouseBusy, match="in use by another process"):
            load_returns([write_csv(tmp_path / "h.csv", good_housing_rows())], today=TODAY)
    finally:
        holder.kill()
        holder.wait()
    assert snapshot()["raw.submissions"] == []


def test_two_loads_at_once_both_land_intact(tmp_path):
    """Two `pqa load` processes started together: one waits for the other; both land."""
    files = [write_csv(tmp_path / f"q{n}.csv", good_housing_rows(f"2024-25 Q{n}")) for n in (1, 2)]
    env = {**os.environ}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli.main", "load", str(f)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for f in files
    ]
    outputs = [p.communicate(timeout=60)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    with warehouse.connect() as con:
        assert con.execute("select count(*) from raw.return_figures").fetchone()[0] == 4
        assert con.execute("select count(distinct period) from raw.submissions").fetchone()[0] == 2


def test_the_warehouse_is_a_real_duckdb_file_readable_after_a_load(tmp_path):
    police = SAMPLE_DIR / "police_E06000046_2023-24_Q3.csv"
    load_returns([police], today=TODAY)
    figures = (
        len(police.read_text(encoding="utf-8").splitlines()) - 1
    )  # one a row, below the header
    with duckdb.connect(str(paths.warehouse_path()), read_only=True) as con:
        assert con.execute("select count(*) from raw.return_figures").fetchone()[0] == figures == 5

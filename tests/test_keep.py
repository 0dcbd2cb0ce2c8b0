"""Returns are never lost: the warehouse rebuilt from the archive is the warehouse that was
(corrections still current), a load killed part-way leaves nothing behind in the archive, and
two threads correcting the same return at once make a chain of corrections, not a fork."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

from pipeline.cli.main import main
from pipeline.core import paths
from pipeline.ingest import archive, warehouse
from pipeline.ingest.load import load_returns
from tests.conftest import SAMPLE_DIR, TODAY, good_housing_rows, write_csv

TABLES = ("raw.submissions", "raw.return_figures", "raw.validation_queries")


def raw_tables() -> dict[str, list[tuple]]:
    with warehouse.connect() as con:
        return {t: con.execute(f"select * from {t} order by all").fetchall() for t in TABLES}


def archive_state() -> dict[str, str]:
    return {
        p.relative_to(paths.archive_dir()).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in paths.archive_dir().rglob("*")
        if p.is_file()
    }


def current_families(period: str) -> float:
    with warehouse.connect() as con:
        return con.execute(
            f"select value from ({warehouse.CURRENT_FIGURES}) where "
            "indicator_code = 'families_in_bed_and_breakfast' and period = ?",
            [period],
        ).fetchone()[0]


# --- Provenance and the rebuild ---------------------------------------------------------------


def test_each_archived_file_has_its_provenance_beside_it(tmp_path):
    path = write_csv(tmp_path / "housing q3.csv", good_housing_rows())
    load_returns([path], today=TODAY, loaded_by="housing analyst")
    (record,) = archive.provenance_records()
    assert (record.file_name, record.loaded_by) == ("housing q3.csv", "housing analyst")
    assert archive.file_hash_of(record.archived_as) == record.file_hash
    (submission,) = record.submissions
    assert (
        submission["agency"],
        submission["area_code"],
        submission["period"],
        submission["supersedes"],
    ) == ("housing", "E06000046", "2024-25 Q3", None)


def test_a_rebuilt_warehouse_equals_the_original_with_the_typo_still_replaced(tmp_path, capsys):
    """The sample sends one housing return twice, a typing error (63) then the correction
    (36); a later correction replaces another quarter. Rebuilt from the archive alone, the
    same submissions, ids, figures and queries come back, and the corrections still count."""
    load_returns(sorted(SAMPLE_DIR.iterdir()), today=TODAY)
    load_returns(
        [write_csv(tmp_path / "q3 corrected.csv", good_housing_rows("2026-27 Q1", 50))],
        today=TODAY,
        loaded_by="housing analyst",
    )
    original = raw_tables()
    assert current_families("2024-25 Q2") == 36 and current_families("2026-27 Q1") == 50
    kept = archive_state()
    paths.warehouse_path().unlink()  # the warehouse is lost

    assert main(["restore", "warehouse"]) == 0
    out = capsys.readouterr().out
    assert f"{len(original['raw.submissions'])} submission(s)" in out
    assert raw_tables() == original
    assert current_families("2024-25 Q2") == 36 and current_families("2026-27 Q1") == 50
    assert archive_state() == kept  # a rebuild only reads the archive

    # the next load carries on from the ids the rebuild restored, superseding the right one
    report = load_returns(
        [write_csv(tmp_path / "again.csv", good_housing_rows("2026-27 Q1", 52))], today=TODAY
    )
    (submission,) = report.outcomes[0].submissions
    last = max(row[0] for row in original["raw.submissions"])
    assert submission.submission_id == last + 1 and submission.supersedes == last


def test_restoring_a_healthy_warehouse_changes_nothing_and_keeps_the_old_file(tmp_path):
    load_returns([write_csv(tmp_path / "h.csv", good_housing_rows())], today=TODAY)
    with warehouse.connect() as con:
        con.execute(
            "insert into ops.refresh_runs (run_id, started_at, as_of_date, outcome) "
            "values ('r1', now(), current_date, 'succeeded')"
        )
    original = raw_tables()
    old_bytes = paths.warehouse_path().read_bytes()
    assert main(["restore", "warehouse"]) == 0
    assert raw_tables() == original
    with warehouse.connect() as con:  # carried over from the old file
        assert con.execute("select run_id from ops.refresh_runs").fetchall() == [("r1",)]
    (replaced,) = (paths.backups_dir() / "replaced").glob("warehouse-*.duckdb")
    assert replaced.read_bytes() == old_bytes


def test_a_warehouse_from_before_provenance_is_backed_up_by_pqa_backup(tmp_path):
    """Files archived before provenance was kept: `pqa backup` writes theirs from the
    warehouse, so a rebuild still has them."""
    load_returns([write_csv(tmp_path / "h.csv", good_housing_rows())], today=TODAY)
    original = raw_tables()
    for record in paths.archive_dir().glob(f"??/*{archive.PROVENANCE_SUFFIX}"):
        record.unlink()
    assert main(["backup"]) == 0
    paths.warehouse_path().unlink()
    assert main(["restore", "warehouse"]) == 0
    assert raw_tables() == original


def test_a_restore_with_nothing_to_rebuild_from_is_refused(capsys):
    assert main(["restore", "warehouse"]) == 1
    err = capsys.readouterr().err
    assert "holds no provenance" in err and "Traceback" not in err
    assert not paths.warehouse_path().exists()


# --- A load killed part-way -------------------------------------------------------------------

KILLED_LOAD = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from pipeline.ingest import archive, load
    from tests.conftest import TODAY

    where = sys.argv[1]
    if where == "before commit":  # every file archived, nothing committed
        load.insert_rows = lambda *args: os.kill(os.getpid(), signal.SIGKILL)
    else:  # half-way through writing a file (as a full disk would leave it)
        whole = archive._write_atomically
        def torn(path, content):
            if archive.UNFINISHED in path.parts:  # the notice is written whole
                return whole(path, content)
            Path(str(path) + ".partial").write_bytes(content[: len(content) // 2])
            os.kill(os.getpid(), signal.SIGKILL)
        archive._write_atomically = torn
    load.load_returns([Path(p) for p in sys.argv[2:]], today=TODAY)
""")


@pytest.mark.parametrize("where", ["before commit", "while writing a file"])
def test_files_of_a_killed_load_are_cleared_by_the_next_load(tmp_path, where):
    committed = write_csv(tmp_path / "committed.csv", good_housing_rows("2024-25 Q1"))
    load_returns([committed], today=TODAY)
    kept = archive_state()
    files = [
        write_csv(tmp_path / f"q{n}.csv", good_housing_rows(f"2024-25 Q{n}", 40 + n))
        for n in (2, 3, 4)
    ]
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_LOAD, where, *map(str, files)],
        env={**os.environ, "PYTHONPATH": str(paths.PROJECT_ROOT)},
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL
    assert archive_state() != kept  # it left files behind
    before = raw_tables()

    # the harmless variant: a check-only load changes nothing, not even the leftovers
    load_returns([files[0]], today=TODAY, check_only=True)
    assert raw_tables() == before
    # the next load clears them, and only them: the committed file and its provenance stay
    nxt = write_csv(tmp_path / "next.csv", good_housing_rows("2024-25 Q4", 44))
    load_returns([nxt], today=TODAY)
    after = archive_state()
    new = set(after) - set(kept)
    assert {k: after[k] for k in kept} == kept
    digest = hashlib.sha256(nxt.read_bytes()).hexdigest()
    assert new == {
        archive.archived_name(digest, ".csv"),
        archive.archived_name(digest, ".csv") + archive.PROVENANCE_SUFFIX,
    }


def test_a_load_that_fails_late_keeps_files_the_warehouse_records(tmp_path):
    """Clearing judges by what the warehouse records, not by what the failing load wrote: a
    file archived by an earlier committed load and named again is never removed."""
    path = write_csv(tmp_path / "h.csv", good_housing_rows())
    load_returns([path], today=TODAY)
    kept = archive_state()
    (record,) = archive.provenance_records()
    notice = archive.announce([record.archived_as])  # as if a killed load had named it too
    load_returns([write_csv(tmp_path / "other.csv", good_housing_rows("2024-25 Q2"))], today=TODAY)
    assert not notice.exists()
    after = archive_state()
    assert {k: after[k] for k in kept} == kept


# --- Two threads of one process ---------------------------------------------------------------


def test_two_threads_correcting_the_same_return_make_a_chain_not_a_fork(tmp_path):
    """Two dashboard sessions confirm corrections of the same return at the same moment:
    each correction must supersede the one before, so exactly one submission counts."""
    load_returns([write_csv(tmp_path / "first.csv", good_housing_rows(families=60))], today=TODAY)
    for round_ in range(4):
        start = threading.Barrier(2)
        errors = []

        def correct(n: int, round_=round_, start=start, errors=errors) -> None:
            path = write_csv(
                tmp_path / f"correction {round_} {n}.csv",
                good_housing_rows(families=41 + 2 * round_ + n),
            )
            start.wait()
            try:
                load_returns([path], today=TODAY, loaded_by=f"session {n}")
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=correct, args=(n,)) for n in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
    with warehouse.connect() as con:
        chain = con.execute(
            "select submission_id, supersedes from raw.submissions order by submission_id"
        ).fetchall()
    assert chain == [(1, None)] + [(n, n - 1) for n in range(2, 10)]
    with warehouse.connect() as con:
        counted = con.execute(
            f"select count(*) from ({warehouse.CURRENT_FIGURES}) where "
            "indicator_code = 'families_in_bed_and_breakfast'"
        ).fetchone()[0]
    assert counted == 1


def test_two_threads_loading_the_same_file_load_it_once(tmp_path):
    path = write_csv(tmp_path / "h.csv", good_housing_rows())
    start = threading.Barrier(2)
    reports = []

    def load() -> None:
        start.wait()
        reports.append(load_returns([path], today=TODAY))

    threads = [threading.Thread(target=load) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(bool(r.outcomes[0].already_loaded) for r in reports) == [False, True]
    assert len(raw_tables()["raw.submissions"]) == 1
    assert len([p for p in archive_state() if not p.endswith(".json")]) == 1
    assert (
        json.loads(next(paths.archive_dir().glob("*/*.json")).read_text())["file_name"] == "h.csv"
    )

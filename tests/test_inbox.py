"""The inbox as the nightly refresh takes it (pipeline/ingest/inbox.py): each attack beside its
nearest harmless variant. A bad file is refused with its reasons and never stops the others; a file
still being written is left for the next refresh; nothing in loaded/ or refused/ is
overwritten; a file that seems to hold child-level data is not kept. Where nothing should be
loaded, the warehouse and the archive stay byte-identical."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from pipeline.core import paths
from pipeline.ingest import inbox
from pipeline.ingest.load import load_returns
from tests.conftest import TIDY_HEADER, TODAY, good_housing_rows, write_csv

IOW = "E06000046"


@pytest.fixture
def inbox_dir(data_dir) -> Path:
    folder = paths.inbox_dir()
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def warehouse_started(data_dir, tmp_path) -> Path:
    """A warehouse already holding one return, so 'unchanged' means something."""
    load_returns([write_csv(tmp_path / "first.csv", good_housing_rows("2024-25 Q1"))], today=TODAY)
    return data_dir


def take(settle: float = 0) -> dict[str, inbox.InboxFile]:
    return {f.name: f for f in inbox.take("test analyst", TODAY, settle=settle)}


def stored(data_dir: Path) -> dict[str, str]:
    """Every byte the load keeps: the warehouse and the archive, by file hash."""
    files = [paths.warehouse_path(), *sorted(paths.archive_dir().rglob("*"))]
    return {
        str(p.relative_to(data_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in files
        if p.is_file()
    }


def figures(period: str) -> list[tuple]:
    with duckdb.connect(str(paths.warehouse_path())) as con:
        return con.execute(
            "select f.indicator_code, f.value from raw.return_figures f join raw.submissions s "
            "using (submission_id) where s.period = ? order by 1, s.submission_id",
            [period],
        ).fetchall()


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def housing_with_notes(path: Path, period: str, note: str) -> Path:
    rows = [row + [note] for row in good_housing_rows(period)]
    return write_csv(path, rows, header=TIDY_HEADER + ["notes"])


# --- one bad file never stops the others -------------------------------------------------------


def test_a_file_the_reader_cannot_handle_is_refused_and_the_files_around_it_load(inbox_dir):
    housing_with_notes(inbox_dir / "a_housing.csv", "2024-25 Q2", "x" * 100)  # harmless
    housing_with_notes(inbox_dir / "b_huge_cell.csv", "2024-25 Q3", "x" * 140_000)  # attack
    write_csv(inbox_dir / "c_housing.csv", good_housing_rows("2024-25 Q4"))
    handled = take()
    assert {n: f.outcome for n, f in handled.items()} == {
        "a_housing.csv": "loaded",
        "b_huge_cell.csv": "refused",
        "c_housing.csv": "loaded",
    }
    assert files_in(inbox_dir / "loaded") == ["a_housing.csv", "c_housing.csv"]
    assert files_in(inbox_dir / "refused") == ["b_huge_cell.csv", "b_huge_cell.csv.errors.txt"]
    reasons = (inbox_dir / "refused" / "b_huge_cell.csv.errors.txt").read_text()
    assert reasons.startswith("Error ") and "b_huge_cell.csv" in reasons
    assert "Traceback" not in reasons and "xxxx" not in reasons
    assert "see refused/b_huge_cell.csv.errors.txt" in handled["b_huge_cell.csv"].detail
    assert "for housing, E06000046 2024-25 Q2 as submission" in handled["a_housing.csv"].detail
    assert [p.name for p in inbox_dir.iterdir() if p.is_file()] == []
    assert figures("2024-25 Q3") == []
    assert len(figures("2024-25 Q2")) == len(figures("2024-25 Q4")) == 2


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda p: p.mkdir(), "this is a folder, not a file"),
        (
            lambda p: p.symlink_to(p.parent / "nowhere.csv"),
            "this is a link to a file that is not there",
        ),
        (lambda p: os.mkfifo(p), "this is not an ordinary file"),  # reading it would wait for ever
    ],
)
def test_something_that_is_not_a_readable_file_is_refused_without_stopping(
    inbox_dir, warehouse_started, make, reason
):
    before = stored(warehouse_started)
    make(inbox_dir / "police.csv")
    handled = take()
    assert handled["police.csv"].outcome == "refused"
    assert stored(warehouse_started) == before
    assert os.path.lexists(inbox_dir / "refused" / "police.csv")
    reasons = (inbox_dir / "refused" / "police.csv.errors.txt").read_text()
    assert f"Error E01 at police.csv: {reason}" in reasons
    # the nearest harmless variant: a link to a real return is read like the return itself
    target = write_csv(inbox_dir.parent / "kept_elsewhere.csv", good_housing_rows("2024-25 Q2"))
    (inbox_dir / "housing.csv").symlink_to(target)
    assert take()["housing.csv"].outcome == "loaded"
    assert len(figures("2024-25 Q2")) == 2


def test_a_file_the_service_may_not_read_is_refused(inbox_dir, warehouse_started):
    before = stored(warehouse_started)
    locked = write_csv(inbox_dir / "housing.csv", good_housing_rows("2024-25 Q2"))
    locked.chmod(0)
    if os.access(locked, os.R_OK):
        pytest.skip("this user reads a file whatever its permissions (root)")
    assert take()["housing.csv"].outcome == "refused"
    assert stored(warehouse_started) == before
    assert (
        "could not read the file (Permission denied)"
        in (inbox_dir / "refused" / "housing.csv.errors.txt").read_text()
    )


# --- only finished files are taken -------------------------------------------------------------


def test_a_file_still_being_written_is_left_until_it_is_finished(inbox_dir, warehouse_started):
    """The torn file of the issue: '5' of a '51' written when the refresh looked."""
    before = stored(warehouse_started)
    path = inbox_dir / "housing.csv"
    whole = path.parent / "whole.tmp"
    write_csv(whole, good_housing_rows("2024-25 Q2", families=41, children=51))
    path.write_bytes(whole.read_bytes()[:-3])  # ends "...,5" so far
    handled = take(settle=3600)  # it changed just now: not settled
    assert handled["housing.csv"].outcome == "left"
    assert "may still be being written" in handled["housing.csv"].detail
    assert path.exists() and not (inbox_dir / "loaded").exists()
    assert stored(warehouse_started) == before
    # the nearest harmless variant: the finished file, once it has settled, loads whole
    path.write_bytes(whole.read_bytes())
    whole.unlink()
    assert take(settle=0)["housing.csv"].outcome == "loaded"
    assert ("children_in_bed_and_breakfast", 51.0) in figures("2024-25 Q2")


@pytest.mark.parametrize("name", ["housing.csv.part", "~$housing.xlsx"])
def test_a_part_file_or_an_excel_open_marker_is_never_taken(inbox_dir, warehouse_started, name):
    before = stored(warehouse_started)
    write_csv(inbox_dir / name, good_housing_rows("2024-25 Q2"))
    handled = take()
    assert handled[name].outcome == "left" and "not taken" in handled[name].detail
    assert stored(warehouse_started) == before and (inbox_dir / name).exists()
    # renamed to its final name (the copy finished), it is taken
    (inbox_dir / name).rename(inbox_dir / "housing.csv")
    assert take()["housing.csv"].outcome == "loaded"


def test_hidden_files_are_ignored(inbox_dir, warehouse_started):
    before = stored(warehouse_started)
    (inbox_dir / ".gitkeep").touch()
    write_csv(inbox_dir / ".housing.csv", good_housing_rows("2024-25 Q2"))
    assert take() == {}
    assert stored(warehouse_started) == before and files_in(inbox_dir) == [
        ".gitkeep",
        ".housing.csv",
    ]


# --- nothing is overwritten ---------------------------------------------------------------------


def test_a_second_refused_file_of_the_same_name_is_kept_beside_the_first(inbox_dir):
    first = write_csv(
        inbox_dir / "housing.csv",
        [[IOW, "2024-25 Q3", "families_in_bed_and_breakfast", -4, "", ""]],
    )
    first_bytes = first.read_bytes()
    take()
    second = write_csv(
        inbox_dir / "housing.csv",
        [[IOW, "2024-25 Q3", "families_in_bed_and_breakfast", "x", "", ""]],
    )
    second_bytes = second.read_bytes()
    handled = take()
    refused = inbox_dir / "refused"
    assert files_in(refused) == [
        "housing.2.csv",
        "housing.2.csv.errors.txt",
        "housing.csv",
        "housing.csv.errors.txt",
    ]
    assert (refused / "housing.csv").read_bytes() == first_bytes
    assert (refused / "housing.2.csv").read_bytes() == second_bytes
    assert "E16" in (refused / "housing.csv.errors.txt").read_text()
    assert "E15" in (refused / "housing.2.csv.errors.txt").read_text()
    assert handled["housing.csv"].where == refused / "housing.2.csv"


def test_a_second_loaded_file_of_the_same_name_is_kept_beside_the_first(inbox_dir):
    write_csv(inbox_dir / "housing.csv", good_housing_rows("2024-25 Q2"))
    first_bytes = (inbox_dir / "housing.csv").read_bytes()
    take()
    write_csv(inbox_dir / "housing.csv", good_housing_rows("2024-25 Q3"))
    second_bytes = (inbox_dir / "housing.csv").read_bytes()
    write_csv(inbox_dir / "probation.csv", good_housing_rows("2024-25 Q4"))  # harmless: no clash
    take()
    loaded = inbox_dir / "loaded"
    assert files_in(loaded) == ["housing.2.csv", "housing.csv", "probation.csv"]
    assert (loaded / "housing.csv").read_bytes() == first_bytes
    assert (loaded / "housing.2.csv").read_bytes() == second_bytes


# --- child-level data is not kept ---------------------------------------------------------------


def test_a_file_refused_as_child_level_data_is_deleted_and_its_reasons_kept(
    inbox_dir, warehouse_started
):
    before = stored(warehouse_started)
    rows = [row + ["Jaden Smith"] for row in good_housing_rows("2024-25 Q2")]
    write_csv(inbox_dir / "housing.csv", rows, header=TIDY_HEADER + ["child_name"])
    handled = take()
    assert handled["housing.csv"].outcome == "deleted"
    assert stored(warehouse_started) == before
    assert files_in(inbox_dir / "refused") == ["housing.csv.errors.txt"]
    assert not (inbox_dir / ".loading" / "housing.csv").exists()
    reasons = (inbox_dir / "refused" / "housing.csv.errors.txt").read_text()
    assert reasons.startswith("housing.csv was deleted, not kept") and "E06" in reasons
    assert "Jaden" not in reasons and "Jaden" not in handled["housing.csv"].detail
    # the nearest harmless variant: a note with no personal data loads
    housing_with_notes(inbox_dir / "housing.csv", "2024-25 Q2", "estimated")
    assert take()["housing.csv"].outcome == "loaded"


def test_a_file_with_cells_outside_its_table_is_deleted_too(inbox_dir, warehouse_started):
    """A cell past the table (here an unheaded column) may hold anything: the file is not kept."""
    before = stored(warehouse_started)
    rows = good_housing_rows("2024-25 Q2")
    rows[0] = rows[0] + ["Jaden Smith 12/03/2015"]
    write_csv(inbox_dir / "housing.csv", rows)
    handled = take()
    assert handled["housing.csv"].outcome == "deleted"
    assert stored(warehouse_started) == before
    assert files_in(inbox_dir / "refused") == ["housing.csv.errors.txt"]
    reasons = (inbox_dir / "refused" / "housing.csv.errors.txt").read_text()
    assert "E24" in reasons and "Jaden" not in reasons
    # the nearest harmless variant: the same rows within the table load
    write_csv(inbox_dir / "housing.csv", good_housing_rows("2024-25 Q2"))
    assert take()["housing.csv"].outcome == "loaded"


# --- a refresh killed half-way -------------------------------------------------------------------


def test_a_file_a_killed_refresh_left_half_taken_is_taken_once_by_the_next(
    inbox_dir, warehouse_started
):
    loading = inbox_dir / ".loading"
    loading.mkdir()
    # killed after moving it out of the inbox, before loading it
    write_csv(loading / "housing.csv", good_housing_rows("2024-25 Q2"))
    # killed after loading it, before filing it: it is loaded already
    committed = write_csv(inbox_dir.parent / "police.csv", good_housing_rows("2024-25 Q3"))
    load_returns([committed], today=TODAY)
    shutil.move(committed, loading / "police.csv")
    handled = take()
    assert handled["housing.csv"].outcome == handled["police.csv"].outcome == "loaded"
    assert "already loaded" in handled["police.csv"].detail
    assert files_in(loading) == [] and files_in(inbox_dir / "loaded") == [
        "housing.csv",
        "police.csv",
    ]
    assert len(figures("2024-25 Q2")) == len(figures("2024-25 Q3")) == 2

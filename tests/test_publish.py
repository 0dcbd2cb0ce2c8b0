"""Publishing swaps the whole marts folder in one step, and undoes a swap cut half-way."""

from __future__ import annotations

import pyarrow as pa
import pytest

from pipeline.publish import marts as publish


def release(tmp_path, run_id: str, rows: int):
    folder = publish.release_folder(tmp_path / "marts", run_id)
    table = pa.table({"n": list(range(rows))})
    publish.write_release(folder, {"indicator_quarterly": table}, {"run_id": run_id})
    return folder


def published_run(tmp_path) -> str:
    return publish.read_manifest(tmp_path / "marts")["run_id"]


@pytest.mark.parametrize("atomic_exchange", [True, False])
def test_a_new_release_replaces_the_whole_folder(tmp_path, monkeypatch, atomic_exchange):
    if not atomic_exchange:
        monkeypatch.setattr(publish, "_exchange", lambda a, b: False)
    publish.swap_into_place(release(tmp_path, "first", 3), tmp_path / "marts")
    (tmp_path / "marts" / ".gitkeep").touch()
    publish.swap_into_place(release(tmp_path, "second", 5), tmp_path / "marts")
    assert published_run(tmp_path) == "second"
    manifest = publish.read_manifest(tmp_path / "marts")
    assert manifest["marts"]["indicator_quarterly"]["rows"] == 5
    assert (tmp_path / "marts" / ".gitkeep").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["marts"]


def test_a_swap_cut_between_its_two_renames_is_undone(tmp_path):
    publish.swap_into_place(release(tmp_path, "first", 3), tmp_path / "marts")
    release(tmp_path, "unfinished", 4)  # a killed run's half-written folder
    (tmp_path / "marts").rename(tmp_path / ".marts-previous")  # killed after the first rename
    publish.clear_leftovers(tmp_path / "marts")
    assert published_run(tmp_path) == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["marts"]


@pytest.mark.parametrize("atomic_exchange", [True, False])
def test_a_stray_file_in_the_published_folder_is_kept_and_named(
    tmp_path, monkeypatch, atomic_exchange
):
    if not atomic_exchange:
        monkeypatch.setattr(publish, "_exchange", lambda a, b: False)
    marts = tmp_path / "marts"
    assert publish.swap_into_place(release(tmp_path, "first", 3), marts) == []
    notes = marts / "my notes.xlsx"
    notes.write_bytes(b"an analyst's own workbook")
    (marts / "drafts").mkdir()
    (marts / "drafts" / "q3.csv").write_text("kept too")
    (marts / ".gitkeep").touch()
    kept = publish.swap_into_place(release(tmp_path, "second", 5), marts)
    assert kept == ["drafts", "my notes.xlsx"]  # .gitkeep is kept without a word
    assert published_run(tmp_path) == "second"
    assert notes.read_bytes() == b"an analyst's own workbook"
    assert (marts / "drafts" / "q3.csv").read_text() == "kept too"
    assert (marts / ".gitkeep").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["marts"]
    # the nearest harmless variant: a file the refresh writes is replaced, not kept
    assert publish.read_manifest(marts)["marts"]["indicator_quarterly"]["rows"] == 5
    assert publish.swap_into_place(release(tmp_path, "third", 2), marts) == [
        "drafts",
        "my notes.xlsx",
    ]
    assert publish.read_manifest(marts)["marts"]["indicator_quarterly"]["rows"] == 2

"""Responses are never lost: the review log is copied on every change, old copies are pruned
as documented, a refresh refuses to publish over a log that lost published flags, and the
restore drill (back up, destroy, restore, refresh) brings back the same marts and responses."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pyarrow.parquet as pq

from pipeline.cli.main import main
from pipeline.core import paths
from pipeline.flags import review_log
from pipeline.publish import backup
from pipeline.publish.refresh import refresh
from tests.conftest import TODAY, published_flags

RESPONSE = "More evictions; a new temporary accommodation scheme opens in May."


def families_flag(folder) -> str:
    return next(
        f["flag_id"]
        for f in published_flags(folder)
        if f["indicator_code"] == "children_in_bed_and_breakfast"
    )


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def marts(folder) -> dict[str, str]:
    return {p.name: digest(p) for p in (folder / "marts").iterdir()}


def respond(flag_id: str) -> None:
    assert (
        main(
            [
                "flags",
                "update",
                flag_id,
                "--status",
                "response requested",
                "--owner",
                "Head of housing",
                "--response",
                RESPONSE,
                "--by",
                "chair",
            ]
        )
        == 0
    )


def test_every_change_to_the_review_log_is_backed_up(refreshed):
    flag_id = families_flag(refreshed)
    before = set(backup.list_review_log_backups())
    respond(flag_id)
    (new,) = set(backup.list_review_log_backups()) - before
    copy = backup.describe_review_log(new)
    assert copy.responses == 1 and copy.flags == len(review_log.flags())
    assert {p.name for p in new.parent.iterdir()} == {p.name for p in before | {new}}  # whole
    # the harmless variant: a change refused (an old version) saves nothing and copies nothing
    assert (
        main(
            [
                "flags",
                "update",
                flag_id,
                "--response",
                "other",
                "--expect-version",
                "1",
                "--by",
                "someone",
            ]
        )
        == 3
    )
    assert set(backup.list_review_log_backups()) == before | {new}


def test_old_copies_are_pruned_as_documented(data_dir):
    folder = backup.review_log_backups()
    folder.mkdir(parents=True)
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)

    def copy_at(age: timedelta) -> str:
        name = f"review_log-{now - age:%Y%m%dT%H%M%S%fZ}-0000.sqlite"
        (folder / name).write_bytes(b"")
        return name

    recent = [copy_at(timedelta(hours=h)) for h in range(0, 48, 4)]  # 2 days, 6 a day
    day_40 = [copy_at(timedelta(days=40, hours=h)) for h in (1, 2, 3)]  # 3 on one day
    old = copy_at(timedelta(days=120))
    removed = {p.name for p in backup.prune(folder, now)}
    assert removed == set(day_40[1:]) | {old}  # one a day after a week; none after 90 days
    assert {p.name for p in folder.iterdir()} == set(recent) | {day_40[0]}


def test_a_few_copies_are_kept_however_old(data_dir):
    folder = backup.review_log_backups()
    folder.mkdir(parents=True)
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    for n in range(backup.KEEP_AT_LEAST + 2):
        taken = now - timedelta(days=200 + n)
        (folder / f"review_log-{taken:%Y%m%dT%H%M%S%fZ}-0000.sqlite").write_bytes(b"")
    assert len(backup.prune(folder, now)) == 2
    assert len(list(folder.iterdir())) == backup.KEEP_AT_LEAST


def test_a_damaged_review_log_is_restored_and_kept(refreshed, capsys):
    flag_id = families_flag(refreshed)
    respond(flag_id)
    log = review_log.log_path()
    log.write_bytes(b"not a database " * 500)  # damaged
    # using it says what happened and how to get it back, never a traceback, and keeps the file
    assert main(["flags"]) == 1
    err = capsys.readouterr().err
    assert "is damaged" in err and "pqa restore review-log" in err and "Traceback" not in err
    assert log.read_bytes() == b"not a database " * 500
    assert main(["restore", "review-log"]) == 0
    out = capsys.readouterr().out
    assert "1 with a response, owner or impact" in out
    row = next(f for f in review_log.flags() if f["flag_id"] == flag_id)
    assert (row["owner"], row["response"]) == ("Head of housing", RESPONSE)
    (kept,) = (paths.backups_dir() / "replaced").iterdir()
    assert kept.read_bytes() == b"not a database " * 500  # the damaged file, as it was


def test_a_restore_from_a_file_that_is_not_a_review_log_changes_nothing(refreshed, capsys):
    respond(families_flag(refreshed))
    log = review_log.log_path()
    before = digest(log)
    garbage = refreshed / "not a log.sqlite"
    garbage.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    assert main(["restore", "review-log", "--from", str(garbage)]) == 1
    err = capsys.readouterr().err
    assert "not a log.sqlite" in err and "was not changed" in err and "Traceback" not in err
    assert digest(log) == before
    assert not (paths.backups_dir() / "replaced").exists()
    # the harmless variant: the newest backup is a review log, and restoring it loses nothing
    assert main(["restore", "review-log", "--from", str(backup.list_review_log_backups()[0])]) == 0
    assert review_log.flags() and any(f["response"] == RESPONSE for f in review_log.flags())


def test_the_restore_drill(refreshed, capsys):
    """Back up, lose the review log (a refresh then refuses to publish), lose the warehouse,
    restore both, refresh: the same marts, and the response comes back."""
    flag_id = families_flag(refreshed)
    respond(flag_id)
    history = review_log.history(flag_id)
    assert main(["backup"]) == 0
    published = marts(refreshed)

    review_log.log_path().unlink()  # the review log is lost
    report = refresh(today=TODAY)
    assert report.outcome == "failed" and report.failed_step == "review log"
    assert "dbt build" not in report.step_seconds  # refused before the long steps
    assert "pqa restore review-log" in report.problems[-1]
    assert marts(refreshed) == published  # nothing published: every response still shown

    paths.warehouse_path().unlink()  # and the warehouse too
    assert main(["restore", "warehouse"]) == 0
    assert main(["restore", "review-log"]) == 0
    capsys.readouterr()
    report = refresh(today=TODAY)
    assert report.outcome == "succeeded", report.problems
    assert review_log.history(flag_id) == history
    after = marts(refreshed)
    same = {"manifest.json", "flags.parquet"}  # the run's id and times; the new response
    assert {k: v for k, v in after.items() if k not in same} == {
        k: v for k, v in published.items() if k not in same
    }
    flags = {f["flag_id"]: f for f in published_flags(refreshed)}
    assert (flags[flag_id]["owner"], flags[flag_id]["response"]) == ("Head of housing", RESPONSE)
    assert len(flags) == len(pq.read_table(refreshed / "marts" / "flags.parquet"))

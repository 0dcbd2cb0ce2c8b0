"""Flags on the sample data (the seeds' stories), the review log (persistence across refreshes,
concurrent edits, nothing deleted, flags the data no longer raises) and the yearly-report
export, through the `pqa` command as the executive group uses it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb
from openpyxl import load_workbook

from pipeline.cli.main import main
from pipeline.flags import review_log
from pipeline.publish.refresh import refresh
from tests.conftest import TODAY, published_flags


def find(flags, code, period=None):
    found = [
        f
        for f in flags
        if f["indicator_code"] == code and (period is None or f["period"] == period)
    ]
    assert found, (code, period)
    return found[0]


def test_the_engine_finds_the_stories_in_the_sample(sample_refreshed):
    flags = published_flags(sample_refreshed)
    beds = find(flags, "children_in_bed_and_breakfast")
    assert beds["direction"] == "concern" and beds["severity"] == "signal"
    assert "the highest since returns began in 2021-22 Q1" in beds["question"]
    waits = find(flags, "camhs_wait_weeks", "2024-25 Q2")
    assert waits["rule"] == "divergence"
    assert "children open to children's mental health services fell" in waits["question"]
    fostering = find(flags, "private_fostering_children", "2024-25 Q4")
    assert "10 at the end of 2024-25 Q4" in fostering["question"]
    probation = find(flags, "probation_referrals_to_front_door")
    assert "(Probation)" in probation["question"]
    # the fall in health reviews happened inside the baseline: found year on year
    reviews = find(flags, "care_health_reviews_in_time_pct", "2023-24 Q4")
    assert "70.4%" in reviews["question"] and "92.0%" in reviews["question"]
    # the front door's conversion halved when the Island's own front door opened
    front_door = find(flags, "contacts_to_referral_pct", "2024-25 Q4")
    assert (
        "since the Island's own front door opened on 24 February 2025" in (front_door["question"])
    )
    latest_four = sorted({f["period"] for f in flags if " Q" in f["period"]})[-4:]
    assert len([f for f in flags if f["period"] in latest_four]) <= 12
    assert not [f for f in flags if f["direction"] == "improvement" and "?" in f["question"]]


def test_flags_are_published_most_important_first_with_evidence(sample_refreshed):
    flags = published_flags(sample_refreshed)
    severities = [f["severity"] for f in flags]
    assert severities == sorted(severities, key=lambda s: s != "signal")
    assert len({f["flag_id"] for f in flags}) == len(flags)
    evidence = json.loads(find(flags, "children_in_bed_and_breakfast")["evidence"])
    assert evidence["baseline"]["fixed"] and evidence["baseline"]["from"] == "2021-22 Q1"
    assert evidence["limits"]["method"] == "counts"
    assert evidence["values"][-1][0] == "2024-25 Q3"
    assert all(f["status"] == "open" and f["indicated"] for f in flags)
    # every question says what it asks for; improvements are listed, never asked about
    kinds = {f["question_type"] for f in flags}
    assert kinds <= {"concern", "improvement", "data question"} and "concern" in kinds
    assert find(flags, "children_in_bed_and_breakfast")["question_type"] == "concern"
    # the bed-and-breakfast question (2024-25 Q3) is long before the latest four quarters,
    # still open with no response: historic, kept but not counted as open
    assert find(flags, "children_in_bed_and_breakfast")["historic"]
    # one question per story: mental-health waiting times and open cases in 2024-25 Q2 (the
    # referrals count no longer fires there since 2021-22 took the published 3,365 referrals)
    story = [find(flags, c, "2024-25 Q2") for c in ("camhs_wait_weeks", "camhs_open_cases")]
    assert story[0]["story_id"] == story[1]["story_id"]
    assert [f["story_lead"] for f in story] == [True, False]
    # its rise in 2024-25 Q3 is asked once, on the rate per 10,000 children over the count
    assert find(flags, "referrals_rate_per_10k", "2024-25 Q3")["rule"] == "sustained_change"
    assert not [f for f in flags if f["indicator_code"] == "referrals"]
    leads = [f["story_id"] for f in flags if f["story_lead"]]
    assert len(leads) == len(set(leads)) == len({f["story_id"] for f in flags})
    # the sample's latest ended quarter is 2026-27 Q2: nothing from 2025-26 Q3 on is historic
    assert not [f for f in flags if f["historic"] and f["period"] >= "2025-26 Q3"]


def test_pqa_flags_lists_open_questions_with_their_agency(sample_refreshed, monkeypatch, capsys):
    monkeypatch.setenv("PQA_DATA_DIR", str(sample_refreshed))
    assert main(["flags", "--agency", "housing"]) == 0
    out = capsys.readouterr().out
    assert "Children living with their family in bed and breakfast" in out and "(Housing)" in out
    assert "(Health)" not in out


def test_a_response_survives_refreshes_and_closing_keeps_everything(refreshed, capsys):
    flag = find(published_flags(refreshed), "children_in_bed_and_breakfast")
    flag_id = flag["flag_id"]
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
                "--by",
                "chair",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "flags",
                "update",
                flag_id,
                "--status",
                "answered",
                "--response",
                "More evictions; a new temporary accommodation scheme opens in May.",
                "--by",
                "housing lead",
                "--expect-version",
                "2",
            ]
        )
        == 0
    )
    assert refresh(today=TODAY).outcome == "succeeded"
    after = find(published_flags(refreshed), "children_in_bed_and_breakfast")
    assert after["flag_id"] == flag_id and after["status"] == "answered"
    assert after["response"].startswith("More evictions")
    assert (
        main(
            [
                "flags",
                "update",
                flag_id,
                "--status",
                "closed",
                "--impact",
                "Families moved on within six weeks.",
                "--by",
                "chair",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["flags"]) == 0
    assert flag_id not in capsys.readouterr().out
    assert main(["flags", "--all"]) == 0
    assert flag_id in capsys.readouterr().out
    changes = review_log.history(flag_id)
    assert [c["status"] for c in changes] == ["open", "response requested", "answered", "closed"]
    assert [c["changed_by"] for c in changes] == ["pqa refresh", "chair", "housing lead", "chair"]


def test_a_change_based_on_an_old_version_is_refused(refreshed, capsys):
    flag_id = published_flags(refreshed)[0]["flag_id"]
    review_log.update(flag_id, "first person", expected_version=1, response="Our answer")
    code = main(
        [
            "flags",
            "update",
            flag_id,
            "--response",
            "A different answer",
            "--expect-version",
            "1",
            "--by",
            "second person",
        ]
    )
    assert code == 3
    assert "was changed by first person" in capsys.readouterr().err
    row = next(f for f in review_log.flags() if f["flag_id"] == flag_id)
    assert row["response"] == "Our answer" and row["version"] == 2


RECORD_TEN = """
import sys
from pipeline.flags import review_log
flag_id, person = sys.argv[1:]
for n in range(10):
    review_log.update(flag_id, person, note=f"{person} {n}", owner=person)
"""


def test_concurrent_edits_from_two_processes_lose_nothing(refreshed):
    flag_id = published_flags(refreshed)[0]["flag_id"]
    # Two separate Python processes, each recording ten changes to the same flag at once
    people = [
        subprocess.Popen(
            [sys.executable, "-c", RECORD_TEN, flag_id, person],
            env={**os.environ, "PQA_DATA_DIR": str(refreshed)},
            stderr=subprocess.PIPE,
            text=True,
        )
        for person in ("alice", "bob")
    ]
    for person in people:
        _, err = person.communicate(timeout=180)
        assert person.returncode == 0, err
    changes = review_log.history(flag_id)
    assert len(changes) == 21  # raised, then 10 each
    assert [c["version"] for c in changes] == list(range(1, 22))


def test_a_status_cannot_jump_back_and_unknown_flags_are_named(refreshed, capsys):
    flag_id = published_flags(refreshed)[0]["flag_id"]
    assert main(["flags", "update", flag_id, "--status", "closed"]) == 0
    assert main(["flags", "update", flag_id, "--status", "answered"]) == 2
    assert "cannot become answered; it can become: open" in capsys.readouterr().err
    assert main(["flags", "update", "nosuchflag", "--status", "closed"]) == 2
    assert "there is no flag nosuchflag" in capsys.readouterr().err


def test_a_corrected_figure_leaves_the_flag_marked_no_longer_indicated(refreshed):
    flag = find(published_flags(refreshed), "private_fostering_children", "2024-25 Q4")
    review_log.update(flag["flag_id"], "chair", status="response requested")
    with duckdb.connect(str(refreshed / "warehouse.duckdb")) as con:
        con.execute("""
            update raw.return_figures set value = 2 where indicator_code =
            'private_fostering_children' and submission_id in (select submission_id from
            raw.submissions where period = '2024-25 Q4')""")
    assert refresh(today=TODAY).outcome == "succeeded"
    after = next(f for f in published_flags(refreshed) if f["flag_id"] == flag["flag_id"])
    assert not after["indicated"] and after["status"] == "response requested"
    notes = [c["note"] for c in review_log.history(flag["flag_id"])]
    assert any(n and n.startswith("no longer indicated by the data") for n in notes)


def test_export_writes_the_yearly_report_table(refreshed, tmp_path, capsys):
    flag = find(published_flags(refreshed), "children_in_bed_and_breakfast")
    review_log.update(
        flag["flag_id"],
        "chair",
        status="answered",
        response="Evictions | rising",
        impact="Fewer families in B&B",
    )
    assert main(["flags", "export", "--year", "2024-25", "--out", str(tmp_path / "q")]) == 0
    markdown = (tmp_path / "q.md").read_text()
    assert markdown.startswith("| Questions / matters raised | Response | Impact |")
    assert "Evictions \\| rising" in markdown
    sheet = load_workbook(tmp_path / "q.xlsx").active
    rows = list(sheet.values)
    assert rows[0] == ("Questions / matters raised", "Response", "Impact")
    assert any(r[1] == "Evictions | rising" for r in rows)
    assert all(r[0].split(": ")[0] for r in rows[1:])
    assert "2025-26" not in markdown


def test_the_flags_command_works_while_a_refresh_holds_the_warehouse(refreshed):
    """The review log is not in the warehouse, so recording a response never waits."""
    flag_id = published_flags(refreshed)[0]["flag_id"]
    with duckdb.connect(str(refreshed / "warehouse.duckdb")):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pipeline.cli.main",
                "flags",
                "update",
                flag_id,
                "--owner",
                "someone",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr

"""The questions and matters log across meetings: typed matters, flagged questions grouped,
actions, versions, concurrent edits, the yearly report's table by date range, and survival
across a refresh."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.flags import review_log
from pipeline.flags.export import write_markdown
from pipeline.report import meetings


def test_a_typed_matter_with_an_action_and_escalation(data_dir):
    meeting = meetings.add_meeting(date(2026, 10, 14), "PQA subgroup", "chair")
    matter = meetings.raise_matter(
        meeting, "chair", question="Ofsted's inspection of the front door: what follows?"
    )
    version = meetings.update_matter(
        matter,
        "analyst",
        1,
        status="action agreed",
        action="Bring the action plan to the next meeting",
        action_owner="Head of service",
        action_due=date(2026, 12, 9),
        escalated_to_risk_register=True,
    )
    assert version == 2
    [found] = meetings.matters()
    assert found["group_name"] == "PQA subgroup" and found["held_on"] == "2026-10-14"
    assert found["status"] == "action agreed" and found["action_due"] == "2026-12-09"
    assert [h["version"] for h in meetings.history(matter)] == [1, 2]
    assert meetings.history(matter)[0]["state"]["status"] == "open"  # nothing overwritten
    [row] = meetings.yearly_report_rows(date(2026, 4, 1), date(2027, 3, 31))
    assert row["question"].startswith("Ofsted's inspection of the front door")
    assert (
        "Action: Bring the action plan to the next meeting (Head of service, due 2026-12-09)"
        in (row["response"])
    )
    assert "Escalated to the partnership's risk register." in row["impact"]


def test_wrong_groups_statuses_and_fields_are_refused(data_dir):
    with pytest.raises(meetings.MatterError, match="is not a group"):
        meetings.add_meeting(date(2026, 10, 14), "board", "chair")
    meeting = meetings.add_meeting(date(2026, 10, 14), "executive group", "chair")
    with pytest.raises(meetings.MatterError, match="needs a question"):
        meetings.raise_matter(meeting, "chair", question="  ")
    matter = meetings.raise_matter(meeting, "chair", question="Attendance at the panel")
    with pytest.raises(meetings.MatterError, match="not a status"):
        meetings.update_matter(matter, "chair", 1, status="done")
    with pytest.raises(meetings.MatterError, match="cannot change meeting_id"):
        meetings.update_matter(matter, "chair", 1, meeting_id=7)
    assert meetings.matters()[0]["version"] == 1


def test_flagged_questions_grouped_into_one_matter(refreshed):
    flags = [f for f in review_log.flags() if f["agency"] == "childrens_social_care"][:2]
    assert len(flags) == 2
    meeting = meetings.add_meeting(date(2026, 11, 30), "executive group", "chair")
    matter = meetings.raise_matter(meeting, "chair", flag_ids=tuple(f["flag_id"] for f in flags))
    [found] = meetings.matters()
    assert found["matter_id"] == matter
    assert found["flag_ids"] == [f["flag_id"] for f in flags]
    assert found["agency"] == "childrens_social_care"
    assert flags[0]["question"] in found["question"] and flags[1]["question"] in found["question"]
    with pytest.raises(meetings.MatterError, match="no flagged question"):
        meetings.raise_matter(meeting, "chair", flag_ids=("not-a-flag",))


def test_a_change_on_a_stale_version_is_refused(data_dir):
    meeting = meetings.add_meeting(date(2026, 10, 14), "PQA subgroup", "chair")
    matter = meetings.raise_matter(meeting, "chair", question="Attendance at the panel")
    meetings.update_matter(matter, "first", 1, response="Police attended every panel.")
    with pytest.raises(meetings.MatterConflict, match="was changed by first"):
        meetings.update_matter(matter, "second", 1, response="Something else")
    assert meetings.matters()[0]["response"] == "Police attended every panel."


def test_the_yearly_table_covers_the_dates_asked_and_keeps_typed_text_as_text(data_dir, tmp_path):
    for held_on, text in (
        (date(2026, 3, 31), "Before the year"),
        (date(2026, 4, 1), "First day of the year"),
        (date(2027, 3, 31), "Last day of the year"),
        (date(2027, 4, 1), "After the year"),
    ):
        meeting = meetings.add_meeting(held_on, "PQA subgroup", "chair")
        matter = meetings.raise_matter(meeting, "chair", question=text)
    meetings.update_matter(
        matter,
        "chair",
        1,
        impact="Fewer exclusions",
        impact_indicator_code="suspensions",
        impact_period="2026-27 Q2",
    )
    rows = meetings.yearly_report_rows(date(2026, 4, 1), date(2027, 3, 31))
    assert [r["question"].split(" (raised")[0] for r in rows] == [
        "First day of the year",
        "Last day of the year",
    ]
    linked = meetings.yearly_report_rows(
        date(2027, 4, 1), date(2027, 4, 1), {("suspensions", "2026-27 Q2"): "407"}
    )
    assert linked[0]["impact"] == "Fewer exclusions\nLater figure, 2026-27 Q2: 407"
    meeting = meetings.add_meeting(date(2026, 5, 1), "PQA subgroup", "chair")
    meetings.raise_matter(meeting, "chair", question="<img src=x onerror=alert(1)> [link](x)")
    table = write_markdown(
        meetings.yearly_report_rows(date(2026, 5, 1), date(2026, 5, 1)), tmp_path / "t.md"
    ).read_text()
    assert (
        "<img" not in table and "&lt;img src=x onerror=alert\\(1\\)&gt; \\[link\\]\\(x\\)" in table
    )


@pytest.mark.slow
def test_the_log_survives_a_refresh(refreshed):
    from pipeline.publish.refresh import refresh
    from tests.conftest import TODAY

    meeting = meetings.add_meeting(date(2026, 11, 30), "executive group", "chair")
    flag = review_log.flags()[0]
    matter = meetings.raise_matter(meeting, "chair", flag_ids=(flag["flag_id"],))
    meetings.update_matter(matter, "lead", 1, response="Explained by a new team.")
    before = meetings.matters()
    assert refresh(today=TODAY).outcome == "succeeded"
    assert meetings.matters() == before
    assert len(meetings.history(matter)) == 2


def test_pqa_report_matters_writes_the_yearly_table(data_dir, tmp_path, capsys):
    from pipeline.cli.main import main

    meeting = meetings.add_meeting(date(2026, 6, 10), "executive group", "chair")
    meetings.raise_matter(meeting, "chair", question="=cmd|' /C calc'!A0 attendance at panels")
    out = tmp_path / "out"
    assert main(["report", "--matters", "2026-04-01", "2027-03-31", "--out", str(out)]) == 0
    assert "1 matter(s) raised at meetings held from 2026-04-01 to 2027-03-31" in (
        capsys.readouterr().out
    )
    markdown = (out / "questions-and-matters-2026-04-01-to-2027-03-31.md").read_text()
    assert "executive group, 2026-06-10" in markdown
    from openpyxl import load_workbook

    sheet = load_workbook(out / "questions-and-matters-2026-04-01-to-2027-03-31.xlsx").active
    cell = sheet["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=cmd")  # text, never a formula

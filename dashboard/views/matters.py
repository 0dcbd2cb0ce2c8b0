"""The questions and matters log: the meetings of the PQA subgroup and the executive group, the
matters raised at each (typed by hand, or flagged questions grouped into one), the actions
agreed with owner and due date, status, response, impact and escalation to the risk register;
and the yearly report's "Questions / matters raised | Response | Impact" table for a date
range (pipeline/report/meetings.py keeps every version with who and when)."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import common, data
from pipeline.core.periods import Quarter
from pipeline.flags.export import write_excel, write_markdown
from pipeline.flags.review_log import ReviewLogBusy
from pipeline.report import meetings
from pipeline.report.content import later_figures

FIELDS = {  # what the change form shows, in the order of the clash table
    "question": "Question or matter",
    "status": "Status",
    "response": "Response",
    "action": "Action agreed",
    "action_owner": "Action owner",
    "action_due": "Action due",
    "impact": "Impact",
    "impact_indicator_code": "Impact judged by",
    "impact_period": "In the quarter",
    "escalated_to_risk_register": "Escalated to the risk register",
}
RECORDED = "matter recorded"  # the message of a change just saved, for the next run
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

who = common.require("pqa", "executive")
common.published_or_stop()
st.title("Questions and matters log")
st.write(
    "The meetings of the PQA (performance and quality assurance) subgroup and the executive "
    "group, what each raised, the actions agreed and what came of them. Nothing is deleted: "
    "every change is kept with who made it and when."
)
if RECORDED in st.session_state:
    st.success(st.session_state.pop(RECORDED))

indicators = data.indicators()
labels = dict(zip(indicators["indicator_code"], indicators["label"]))
agency_names = dict(zip(indicators["agency"], indicators["agency_name"]))


def busy(exc: Exception) -> None:
    st.warning(f"Busy, not saved: {exc} What you typed is still in the form: try again shortly.")


def meeting_name(meeting: dict) -> str:
    title = common.text(meeting["title"])
    held = date.fromisoformat(meeting["held_on"])
    return f"{held:%-d %B %Y}, {meeting['group_name']}" + (f": {title}" if title else "")


# --- meetings -------------------------------------------------------------------------------

st.header("Meetings")
with st.form("add meeting", clear_on_submit=True):
    left, middle, right = st.columns(3)
    held_on = left.date_input("Held on", date.today(), format="DD/MM/YYYY")
    group = middle.selectbox("Group", meetings.GROUPS)
    title = right.text_input("Title (optional)")
    if st.form_submit_button("Add the meeting"):
        try:
            meetings.add_meeting(held_on, group, who.name, common.text(title) or None)
            st.success(f"Added the {group} meeting of {held_on:%-d %B %Y}.")
        except meetings.MatterError as exc:
            st.error(f"Not saved: {exc}.")
        except ReviewLogBusy as exc:
            busy(exc)

held = meetings.meetings()
if not held:
    st.info("No meeting is recorded yet: add the first above.")
    st.stop()
common.table(
    pd.DataFrame(
        {
            "Held on": [m["held_on"] for m in held],
            "Group": [m["group_name"] for m in held],
            "Title": [common.text(m["title"]) for m in held],
            "Recorded by": [common.text(m["recorded_by"]) for m in held],
        }
    )
)

# --- raising a matter -----------------------------------------------------------------------

st.header("Raise a matter")
by_id = {m["meeting_id"]: m for m in held}
meeting_id = st.selectbox(
    "At the meeting",
    [m["meeting_id"] for m in reversed(held)],  # the latest first
    format_func=lambda i: meeting_name(by_id[i]),
)
flags = data.flags()
raised = (
    flags[flags["indicated"] & (flags["area_code"] == common.area())] if not flags.empty else flags
)
questions = dict(zip(raised["flag_id"], raised["question"])) if not raised.empty else {}
with st.form("raise matter", clear_on_submit=True):
    chosen = st.multiselect(
        "Flagged questions (choose several to group them into one matter)",
        list(questions),
        format_func=lambda f: f"{questions[f][:110]}",
    )
    typed = st.text_area(
        "The matter in your words (needed for a matter that is not about the data, such as an "
        "inspection or attendance at a panel; with flagged questions, it words them afresh)"
    )
    if st.form_submit_button("Raise the matter"):
        try:
            matter_id = meetings.raise_matter(
                meeting_id, who.name, question=common.text(typed) or None, flag_ids=tuple(chosen)
            )
            st.success(f"Raised as matter {matter_id}.")
        except meetings.MatterError as exc:
            st.error(f"Not saved: {exc}.")
        except ReviewLogBusy as exc:
            busy(exc)

# --- the log --------------------------------------------------------------------------------

st.header("Matters raised")
log = meetings.matters()
if not log:
    st.info("No matter is raised yet.")
else:
    common.table(
        pd.DataFrame(
            {
                "Matter": [m["matter_id"] for m in log],
                "Meeting": [
                    meeting_name(m | {"title": by_id[m["meeting_id"]]["title"]}) for m in log
                ],
                "Question or matter": [common.text(m["question"]) for m in log],
                "Agency": [agency_names.get(m["agency"], common.text(m["agency"])) for m in log],
                "Status": [m["status"] for m in log],
                "Response and action": [meetings.response_text(m) for m in log],
                "Impact": [meetings.impact_text(m) for m in log],
                "Flagged questions grouped": [len(m["flag_ids"]) for m in log],
            }
        )
    )


def in_words(field: str, value) -> str:
    if field == "escalated_to_risk_register":
        return "yes" if value else "no"
    if field == "impact_indicator_code":
        return labels.get(common.text(value), common.text(value))
    return common.text(value)


def change_form(matter: dict) -> None:
    """Change one matter. The version the form was first shown with goes with the change, so
    a change someone else saved meanwhile is never overwritten."""
    matter_id = matter["matter_id"]
    shown = f"matter shown {matter_id}"
    st.session_state.setdefault(shown, matter)
    base = st.session_state[shown]
    k = f"matter {matter_id}"
    with st.form(f"change {k}"):
        question = st.text_area("Question or matter", common.text(base["question"]), key=f"q {k}")
        left, right = st.columns(2)
        status = left.selectbox(
            "Status", meetings.MATTER_STATUSES,
            index=meetings.MATTER_STATUSES.index(base["status"]), key=f"s {k}",
        )  # fmt: skip
        escalated = right.checkbox(
            "Escalated to the partnership's risk register",
            bool(base["escalated_to_risk_register"]),
            key=f"e {k}",
        )
        response = st.text_area("Response", common.text(base["response"]), key=f"r {k}")
        action = st.text_input("Action agreed", common.text(base["action"]), key=f"a {k}")
        left, right = st.columns(2)
        owner = left.text_input("Action owner", common.text(base["action_owner"]), key=f"o {k}")
        due = right.date_input(
            "Action due",
            date.fromisoformat(base["action_due"]) if base["action_due"] else None,
            format="DD/MM/YYYY",
            key=f"d {k}",
        )
        impact = st.text_area("Impact", common.text(base["impact"]), key=f"i {k}")
        left, right = st.columns(2)
        codes = ["", *sorted(labels, key=labels.get)]
        code = left.selectbox(
            "Impact judged by the later figure of",
            codes,
            index=codes.index(base["impact_indicator_code"] or ""),
            format_func=lambda c: labels.get(c, "(no indicator)"),
            key=f"c {k}",
        )
        quarters = ["", *sorted(data.mart("periods")["period"], reverse=True)]
        quarter = right.selectbox(
            "In the quarter",
            quarters,
            index=quarters.index(base["impact_period"] or ""),
            format_func=lambda q: q or "(no quarter)",
            key=f"p {k}",
        )
        if not st.form_submit_button("Record"):
            return
    yours = {
        "question": common.text(question),
        "status": status,
        "response": common.text(response) or None,
        "action": common.text(action) or None,
        "action_owner": common.text(owner) or None,
        "action_due": due.isoformat() if due else None,
        "impact": common.text(impact) or None,
        "impact_indicator_code": code or None,
        "impact_period": quarter or None,
        "escalated_to_risk_register": escalated,
    }
    try:
        version = meetings.update_matter(matter_id, who.name, int(base["version"]), **yours)
        st.session_state[shown] = {**base, **yours, "version": version}
        # shown at the top of the page again, so the log above has the change in it
        st.session_state[RECORDED] = f"Recorded (version {version}) for matter {matter_id}."
        st.rerun()
    except meetings.MatterConflict:
        theirs = next(m for m in meetings.matters() if m["matter_id"] == matter_id)
        st.session_state[shown] = {**base, "version": theirs["version"]}  # next Record: on theirs
        common.show_clash(
            "matter",
            theirs,
            who.name,
            f"Their version (version {theirs['version']})",
            {
                label: (in_words(k, theirs.get(k)), in_words(k, yours.get(k)))
                for k, label in FIELDS.items()
            },
        )
    except meetings.MatterError as exc:
        st.error(f"Not saved: {exc}.")
    except ReviewLogBusy as exc:
        busy(exc)


if log:
    st.subheader("One matter")
    by_matter = {m["matter_id"]: m for m in log}
    picked = st.selectbox(
        "Look at one matter",
        list(reversed(by_matter)),
        format_func=lambda i: f"{i}: {common.text(by_matter[i]['question'])[:110]}",
    )
    change_form(by_matter[picked])
    st.markdown("**History**")
    common.table(
        pd.DataFrame(
            [
                {
                    "Version": h["version"],
                    "When (UTC)": common.when(h["changed_at"]),
                    "Who": common.text(h["changed_by"]),
                    "Status": common.text(h["state"]["status"]),
                }
                for h in meetings.history(picked)
            ]
        )
    )

# --- the yearly report's table --------------------------------------------------------------

st.header("The yearly report's table")
this_year = Quarter.containing(date.today())
start_of_year = Quarter(this_year.start_year, 1).start
left, right = st.columns(2)
start = left.date_input("Meetings held from", start_of_year, format="DD/MM/YYYY")
end = right.date_input("Meetings held up to", date.today(), format="DD/MM/YYYY")
if start > end:
    st.error("The first date is after the second: choose a range that runs forwards.")
    st.stop()
quarterly = data.mart("indicator_quarterly")
rows = meetings.yearly_report_rows(
    start, end, later_figures(quarterly[quarterly["area_code"] == common.area()])
)
st.caption(
    f"{len(rows)} matter(s) raised at meetings held from {start:%-d %B %Y} to {end:%-d %B %Y}."
)
if rows:
    common.table(
        pd.DataFrame(rows).rename(
            columns={
                "question": "Questions / matters raised",
                "response": "Response",
                "impact": "Impact",
            }
        )
    )
stem = f"questions-and-matters-{start}-to-{end}"
with tempfile.TemporaryDirectory() as folder:
    markdown = write_markdown(rows, Path(folder) / f"{stem}.md").read_bytes()
    excel = write_excel(rows, Path(folder) / f"{stem}.xlsx").read_bytes()
left, right = st.columns(2)
left.download_button(
    f"Download the table, {start} to {end} (Markdown)",
    markdown,
    file_name=f"{stem}.md",
    mime="text/markdown",
)
right.download_button(
    f"Download the table, {start} to {end} (Excel)", excel, file_name=f"{stem}.xlsx", mime=XLSX
)

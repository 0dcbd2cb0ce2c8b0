"""Agency commentary: what each agency said about a quarter (the notes of its return, as
published in the agency_commentary mart, with what its lead added or corrected since), and a
form for an agency's lead to add or correct their own agency's commentary
(pipeline/report/commentary.py keeps every version with who and when)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import common, data
from dashboard.access import AGENCY_LEAD, LOCAL_MODE
from pipeline.flags.review_log import ReviewLogBusy
from pipeline.report import commentary

WHOLE_RETURN = ""  # the choice meaning the agency's narrative for the whole return
RECORDED = "commentary recorded"  # the message of a change just saved, for the next run

who = common.require("analyst", "pqa", "executive", AGENCY_LEAD)
common.published_or_stop()
st.title("Agency commentary")
st.write(
    "What each agency said about its figures for a quarter: the notes in its return, and what "
    "its lead has added or corrected here since. The six-monthly report prints the same words."
)
if RECORDED in st.session_state:
    st.success(st.session_state.pop(RECORDED))

indicators = data.indicators()
agency_names = dict(zip(indicators["agency"], indicators["agency_name"]))
labels = dict(zip(indicators["indicator_code"], indicators["label"]))
periods = data.mart("periods")
quarters = list(
    periods[periods["has_ended"]].sort_values("period_index", ascending=False)["period"]
)
if not quarters:
    st.info("No quarter has ended in the published data yet.")
    st.stop()

# a lead signed in opens on their own agency; everyone may read every agency's commentary
agencies = sorted(agency_names, key=agency_names.get)
mine = who.agency if who.agency in agencies else None
left, right = st.columns(2)
agency = left.selectbox(
    "Agency",
    agencies,
    index=agencies.index(mine) if mine else 0,
    format_func=agency_names.get,
)
period = right.selectbox("Quarter", quarters, index=0)

recorded = commentary.entries()
current = commentary.merged(data.mart("agency_commentary"), recorded, labels)
if not current.empty:
    current = current[
        (current["agency"] == agency)
        & (current["area_code"] == common.area())
        & (current["period"] == period)
    ]


def about(code) -> str:
    code = common.text(code)
    return labels.get(code, code) if code else "The whole return"


def recorded_row(code: str, recorded: pd.DataFrame = recorded) -> dict | None:
    """The version a lead recorded for this agency, area, quarter and indicator, if any."""
    found = recorded[
        (recorded["agency"] == agency)
        & (recorded["area_code"] == common.area())
        & (recorded["period"] == period)
        & (recorded["indicator_code"].fillna(WHOLE_RETURN) == code)
    ]
    return None if found.empty else found.iloc[0].to_dict()


def corrected_notes() -> bool:
    """Whether a lead corrected a note about one of this quarter's indicators (the narrative
    gathered from the notes is then gathered again from the corrected ones)."""
    mine = recorded[
        (recorded["agency"] == agency)
        & (recorded["area_code"] == common.area())
        & (recorded["period"] == period)
    ]
    return bool(mine["indicator_code"].notna().any())


def changed_by(code: str) -> str:
    row = recorded_row(code)
    if row is None and code == WHOLE_RETURN and corrected_notes():
        return "gathered from the notes below, as corrected"
    if row is None:
        return "the return's notes"
    return (
        f"{common.text(row['updated_by'])}, {common.when(row['updated_at'])} "
        f"(version {int(row['version'])})"
    )


st.header(f"{agency_names[agency]}, {period}")
if current.empty:
    st.info(f"{agency_names[agency]} gave no commentary for {period}.")
else:
    ordered = current.assign(
        _order=current["commentary_about"].map({"return": 0, "indicator": 1})
    ).sort_values(["_order", "indicator_code"])
    common.table(
        pd.DataFrame(
            {
                "About": ordered["indicator_code"].map(about),
                "Commentary": ordered["commentary"].map(common.text),
                "From": ordered["indicator_code"].map(lambda c: changed_by(common.text(c))),
            }
        )
    )


def may_write() -> bool:
    """A lead writes for their own agency only; in local mode the one person has every role."""
    if not who.may(AGENCY_LEAD):
        return False
    return who.mode == LOCAL_MODE or who.agency == agency


def record_form() -> None:
    st.header("Add or correct commentary")
    if who.mode == LOCAL_MODE:
        st.caption("Local mode: you may write for any agency (you have every role).")
    codes = [WHOLE_RETURN, *sorted(indicators.index[indicators["agency"] == agency])]
    code = st.selectbox("About", codes, format_func=about)
    key = f"{agency} {common.area()} {period} {code}"
    shown = f"commentary shown {key}"
    if shown not in st.session_state:  # the version and words this form was first shown with
        row = recorded_row(code)
        published = current[current["indicator_code"].fillna(WHOLE_RETURN) == code]
        words = (
            row["commentary"]
            if row is not None
            else (published["commentary"].iloc[0] if len(published) else "")
        )
        version = int(row["version"]) if row is not None else 0
        st.session_state[shown] = (version, common.text(words))
    version, words = st.session_state[shown]
    with st.form(f"commentary {key}"):
        typed = st.text_area("Commentary", words, key=f"commentary text {key}", height=150)
        if not st.form_submit_button("Record"):
            return
    try:
        saved = commentary.record(
            agency,
            common.area(),
            period,
            typed,
            who.name,
            who.agency if who.mode != LOCAL_MODE else agency,
            indicator_code=code or None,
            expected_version=version,
        )
        st.session_state[shown] = (saved, common.text(typed))
        # shown at the top of the page again, so the table above has the new words in it
        st.session_state[RECORDED] = f"Recorded (version {saved}). The report uses it from now on."
        st.rerun()
    except commentary.CommentaryError as exc:
        theirs = recorded_row(code, commentary.entries())  # as it stands now
        if theirs is not None and int(theirs["version"]) != version:
            st.session_state[shown] = (int(theirs["version"]), words)  # next Record: on theirs
            common.show_clash(
                "commentary",
                theirs,
                who.name,
                f"Their version (version {int(theirs['version'])})",
                {"Commentary": (theirs["commentary"], typed)},
            )
        else:
            st.error(f"Not saved: {exc}.")
    except ReviewLogBusy as exc:
        st.warning(
            f"Busy, not saved: {exc} Your text is still in the form: press Record again in "
            "a minute."
        )


if may_write():
    record_form()
elif who.may(AGENCY_LEAD):
    st.caption(
        f"You may add or correct the commentary of {agency_names.get(who.agency, 'your agency')}"
        " only: choose it above."
    )

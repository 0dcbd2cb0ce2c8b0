"""The dashboard: `streamlit run dashboard/app.py` (`make run` serves it on port 8501).

Streamlit's settings (no error details on the page, upload size, address) are in
.streamlit/config.toml, read from the folder `streamlit run` starts in."""

from __future__ import annotations

import streamlit as st

from dashboard import data, style
from dashboard.access import LOCAL_MODE, PAGES, ROLE_NAMES, current_person
from pipeline.flags.review_log import ReviewLogBusy, ReviewLogDamaged

st.set_page_config(
    page_title="Safeguarding partnership indicators",
    layout="wide",
    initial_sidebar_state="auto",  # open on a wide screen, closed on a phone
)
style.apply()
person = current_person()
if person is None:
    st.stop()
st.session_state["person"] = person

allowed = [
    st.Page(f, title=t, url_path=address) for f, t, address, roles in PAGES if person.may(*roles)
]


def _first_page() -> None:
    """The root address opens the first page at its own address (the root page of
    st.navigation has no address of its own, so /overview would otherwise not be found)."""
    st.switch_page(allowed[0])


if not allowed:
    st.title("Safeguarding partnership indicators")
    st.warning(
        f"You are signed in as {person.name}, but no role has been given to you yet. "
        "Ask the partnership's analyst to add you to the roles file."
    )
    st.stop()

with st.sidebar:
    if person.mode == LOCAL_MODE:
        st.info(
            "Local mode: no sign-in is set up, so you have every role (load returns, view, "
            "record responses). Set up sign-in before sharing the dashboard."
        )
    else:
        st.caption(
            f"Signed in as {person.name} ("
            + ", ".join(ROLE_NAMES[r] for r in sorted(person.roles))
            + ")"
        )
        st.button("Sign out", on_click=st.logout)
    try:
        areas = data.areas_with_returns()
    except data.NothingPublished:
        areas = None
    codes = [] if areas is None else list(areas["area_code"])
    if codes:
        names = dict(zip(areas["area_code"], areas["area_name"]))
        before = st.session_state.get("area")
        st.session_state["area"] = st.selectbox(
            "Area",
            codes,
            index=codes.index(before) if before in codes else 0,
            format_func=names.get,
        )
    else:
        st.session_state["area"] = None

try:
    root = st.Page(_first_page, title="Start", url_path="start", default=True, visibility="hidden")
    st.navigation([root, *allowed]).run()
except ReviewLogBusy as exc:  # expected now and then: say so in words, not a traceback
    st.warning(f"Busy: {exc}")
except ReviewLogDamaged as exc:  # an operator restores a copy (docs/keep.md)
    st.error(f"The questions cannot be shown: {exc}")

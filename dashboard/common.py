"""What every page shares: the person and their roles, the chosen area, number formats and
the direction-of-travel words."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.access import Person
from pipeline.flags.wording import show


def person() -> Person:
    return st.session_state["person"]


def require(*roles: str) -> Person:
    """Stop the page for anyone without one of these roles (the navigation already hides it;
    this guards a page reached any other way)."""
    who = person()
    if not who.may(*roles):
        st.error("This page is not available to you.")
        st.stop()
    return who


def area() -> str:
    return st.session_state["area"]


def area_name() -> str:
    """The chosen area's name, as charts name its series."""
    areas = data.mart("areas")
    names = dict(zip(areas["area_code"], areas["area_name"])) if not areas.empty else {}
    return names.get(area(), "This area")


def published_or_stop() -> dict:
    try:
        return data.manifest()
    except data.NothingPublished as exc:
        st.info(str(exc))
        st.stop()


def text(value) -> str:
    """Text for a screen, a form or an export: nothing missing ever reads "nan" or "None"."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    words = str(value).strip()
    return "" if words in ("nan", "NaN", "None", "<NA>", "NaT") else words


def when(stamp) -> str:
    """A recorded time in words, e.g. "14:05 on 3 March 2026" (UTC)."""
    from datetime import datetime

    try:
        return f"{datetime.fromisoformat(str(stamp)):%H:%M on %-d %B %Y}"
    except ValueError:
        return text(stamp)


def figure(value, kind: str) -> str:
    return "no figure" if value is None or value != value else show(float(value), kind)


def travel(change, better: str) -> str:
    """Direction of travel in a word, following polarity (short: it must fit a tile)."""
    if change is None or change != change or change == 0:
        return "no change"
    if better == "neutral":
        return "neutral"  # neither direction is better in itself (the tile's help says so)
    return "better" if (change > 0) == (better == "up") else "worse"


def metric_colour(better: str) -> str:
    """st.metric's delta colour: green for better, red for worse, grey when neutral."""
    return {"up": "normal", "down": "inverse"}.get(better, "off")


def shown(frame):
    """A table as the screen shows it: a missing value is a blank cell (Streamlit would write
    "None"), and a number keeps one decimal place only where it has one."""
    if not isinstance(frame, pd.DataFrame):
        return frame
    numbers = frame.select_dtypes("float").columns
    return frame.style.format(
        {c: (lambda v: "" if v != v else f"{v:,.1f}".removesuffix(".0")) for c in numbers},
        na_rep="",
    )


def table(frame, **options) -> None:
    """A table as every page shows one: the full width, no row numbers, and missing values as
    blank cells (`shown`). `options` go to st.dataframe (column settings, height)."""
    st.dataframe(shown(frame), hide_index=True, width="stretch", **options)


def show_clash(what: str, theirs: dict, me: str, their_title: str, rows: dict) -> None:
    """A save refused because someone changed `what` after the form was shown: who and when,
    then their version beside yours (`rows`: field label -> (theirs, yours) in words). What
    was typed stays in the form (its widgets keep their values), so Record again saves it."""
    by = text(theirs["updated_by"]) or "someone"
    if by == me:
        by = f"{by} (you, in another window or tab)"
    st.error(
        f"Not saved: {by} changed this {what} at {when(theirs['updated_at'])} (UTC), after you "
        "opened it. Their version and yours are below. What you typed is still in the form: "
        "press Record again to save yours instead, or change it first."
    )
    for side, title, column in zip(st.columns(2), (their_title, "Yours"), (0, 1)):
        side.markdown(f"**{title}**")
        side.table(
            pd.DataFrame(
                {title: [text(pair[column]) or "(blank)" for pair in rows.values()]},
                index=list(rows),
            )
        )

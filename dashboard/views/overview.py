"""Overview: how current the data is, and each priority's indicators at a glance."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from dashboard import common, data
from pipeline.publish.status import published_nothing

common.require("analyst", "pqa", "executive")
manifest = common.published_or_stop()
st.title("Overview")

refreshed = datetime.fromisoformat(manifest["refreshed_at"])
latest = data.latest_period_with_data(common.area())
st.write(
    f"Data up to **{latest or 'no quarter yet'}**, refreshed at "
    f"{refreshed:%H:%M on %d %B %Y} (UTC)."
)
last = data.last_refresh()
if published_nothing(last, manifest):
    started = datetime.fromisoformat(last["started_at"])
    st.warning(
        f"The last refresh, at {started:%H:%M on %d %B %Y}, did not publish "
        f"({last['outcome']}): "
        + "; ".join(last.get("problems") or [])
        + " The figures shown are from the refresh before it."
    )
elif last and last["outcome"] == "succeeded":
    st.success(
        f"The last refresh succeeded; every check passed "
        f"({manifest['validation']['passed']} checks)."
    )
elif last:
    st.warning("The last refresh published, but: " + "; ".join(last.get("problems") or []))

flags = data.flags()
open_questions = (
    flags[
        (flags["status"] != "closed") & flags["indicated"] & (flags["area_code"] == common.area())
    ]
    if not flags.empty
    else flags
)
st.metric("Open questions for the executive group", len(open_questions))

indicators = data.indicators()
quarterly = data.mart("indicator_quarterly")
mine = quarterly[(quarterly["area_code"] == common.area()) & quarterly["value"].notna()]
latest_rows = (
    mine.sort_values("period").groupby("indicator_code").tail(1).set_index("indicator_code")
)

for priority, group in indicators.groupby("priority", sort=False):
    st.header(priority)
    shown = [code for code in group.index if code in latest_rows.index]
    if not shown:
        st.caption("No figures yet.")
        continue
    columns = st.columns(3)
    for n, code in enumerate(shown):
        meta, row = indicators.loc[code], latest_rows.loc[code]
        change = row["change_from_same_quarter_last_year"]
        columns[n % 3].metric(
            meta["label"],
            common.figure(row["value"], meta["kind"]),
            delta=None
            if change != change
            else f"{change:+,.{0 if meta['kind'] == 'count' else 1}f} on a year before, "
            f"{common.travel(change, meta['better'])}",
            delta_color=common.metric_colour(meta["better"]),
            border=True,
            help=f"{row['period']}. {meta['definition']} {meta['polarity_in_words'].capitalize()}.",
        )

"""Overview, the chair's first screen: this quarter in a paragraph written from the data, the
few questions waiting for an answer, open questions by agency and age, how complete the data
is, then every indicator's latest figure grouped by the partnership's priorities."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard import access, charts, common, data, summary, triage
from pipeline.core.text_cells import frame_to_csv
from pipeline.publish.status import published_nothing

common.require("analyst", "pqa", "executive")
manifest = common.published_or_stop()
st.title("Overview")

area = common.area()
refreshed = datetime.fromisoformat(manifest["refreshed_at"])
latest = data.latest_period_with_data(area)
figures = summary.latest_figures(area)
questions = summary.open_questions(area)
indicators = data.indicators()
names = dict(zip(indicators["agency"], indicators["agency_name"]))
status = data.mart("return_status")
returns = status[status["area_code"] == area].assign(agency_name=lambda d: d["agency"].map(names))

st.header("This quarter")
st.write(summary.this_quarter(figures, questions, returns))
st.caption(
    f"Data up to {latest or 'no quarter yet'}, refreshed at {refreshed:%H:%M on %-d %B %Y} (UTC)."
)
last = data.last_refresh()
if published_nothing(last, manifest):
    started = datetime.fromisoformat(last["started_at"])
    st.warning(
        f"The last refresh, at {started:%H:%M on %-d %B %Y}, did not publish "
        f"({last['outcome']}): "
        + "; ".join(last.get("problems") or [])
        + " The figures shown are from the refresh before it."
    )
elif last and last["outcome"] == "succeeded":
    st.caption(
        f"The last refresh succeeded; every check passed ({manifest['validation']['passed']} "
        "checks)."
    )
elif last:
    st.warning("The last refresh published, but: " + "; ".join(last.get("problems") or []))

current = questions[questions["group"] != triage.HISTORIC] if not questions.empty else questions
st.header(f"Questions waiting for an answer ({len(current)} about this year)")
if current.empty:
    st.write("No question about this year is waiting for an answer.")
else:
    benchmark = dict(zip(figures.get("indicator_code", []), figures.get("benchmark", [])))
    variation = dict(zip(figures.get("indicator_code", []), figures.get("variation", [])))
    top = current.head(5)
    common.table(
        pd.DataFrame(
            {
                "Question": top["question"].map(common.text),
                "Kind": top["group"],
                "Latest variation": top["indicator_code"]
                .map(variation)
                .map(charts.variation_named)
                .map(common.text),
                "Agency asked": top["agency_name"].map(common.text),
                "Compared with all authorities": top["indicator_code"]
                .map(benchmark)
                .map(common.text),
                "Quarter": top["period"],
            }
        )
    )
    if len(current) > len(top):
        if access.may_open(common.person(), "views/questions.py"):
            st.page_link(
                "views/questions.py", label=f"All {len(current)} questions on the questions page"
            )
        else:  # the analyst is not given the questions page: a link to it would fail
            st.caption(f"Showing the first {len(top)} of {len(current)} questions.")

left, right = st.columns(2)
with left:
    st.subheader("Open questions by agency and age")
    common.table(summary.by_agency_and_age(current, latest))
    st.caption(
        "Age is how long ago the quarter a question is about was; a question stays open "
        "until the executive group records an answer. Historic questions (about an older "
        "quarter, with no newer question about the figure) are not counted as open."
    )
with right:
    st.subheader("How complete the data is")
    due = returns[returns["period"] == latest] if latest else returns.iloc[0:0]
    with_figure = figures[figures["period"] == latest] if not figures.empty else figures
    st.markdown(
        f"- Returns for {latest or 'the latest quarter'}: "
        f"{(due['status'] == 'received').sum()} of {len(due)} in.\n"
        f"- Indicators with a figure for {latest or 'the latest quarter'}: "
        f"{len(with_figure)} of {len(indicators)}.\n"
        f"- Returns ever late or missing: "
        f"{returns['status'].isin(['late', 'missing']).sum()} of {len(returns)}."
    )

st.header("Every indicator, by priority")
st.caption(
    "The latest figure, its change on the same quarter a year before, and its variation: "
    "a special cause is a change bigger than usual variation explains (Making Data Count)."
)
if figures.empty:
    st.info("No figures yet.")
    st.stop()
for priority in indicators["priority"].unique():  # the catalogue's order: the partnership's
    group = figures[figures["priority"] == priority]
    if group.empty:
        continue
    st.subheader(priority)
    columns = st.columns(3)
    for n, row in enumerate(group.itertuples()):
        meta = indicators.loc[row.indicator_code]
        with columns[n % 3].container(border=True):
            st.markdown(f"**{meta['label']}**")  # the full name: it wraps, never cut off
            st.metric(
                meta["label"],
                common.figure(row.value, row.kind),
                delta=None
                if row.change != row.change
                else f"{row.change:+,.{0 if row.kind == 'count' else 1}f} on a year before, "
                f"{common.travel(row.change, row.better)}",
                delta_color=common.metric_colour(row.better),
                label_visibility="collapsed",
                help=f"{row.period}. {meta['definition']} "
                f"{meta['polarity_in_words'].capitalize()}.",
            )
            st.markdown(f"{row.period}. {charts.variation_badge(row.variation)}")

st.header("Summary table")
st.caption(
    "Every indicator in one table, in the Making Data Count style: the latest figure, its "
    "variation and its position among all authorities in the latest published statistics."
)
summary_table = pd.DataFrame(
    {
        "Priority": figures["priority"],
        "Indicator": figures["label"],
        "Quarter": figures["period"],
        "Latest": [common.figure(v, k) for v, k in zip(figures["value"], figures["kind"])],
        "Variation": figures["variation"].map(charts.variation_named),
        "Compared with all authorities": figures["benchmark"].map(common.text),
    }
)
common.table(summary_table)
st.download_button(
    "Download the summary table (CSV)",
    frame_to_csv(summary_table),
    file_name="summary-table.csv",
    mime="text/csv",
)

"""Returns and data quality, for analysts: which returns came in, the validation queries they
raised, and the checks of the last refresh."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, common, data
from pipeline.publish.status import published_nothing

common.require("analyst", "pqa")
manifest = common.published_or_stop()
st.title("Returns and data quality")

status = data.mart("return_status")
indicators = data.indicators()
names = dict(zip(indicators["agency"], indicators["agency_name"]))
mine = status[status["area_code"] == common.area()].assign(
    agency_name=lambda d: d["agency"].map(names)
)
if mine.empty:
    st.info("No returns have been loaded for this area yet.")
else:
    quarters = sorted(mine["period"].unique())
    every = st.checkbox(f"Every quarter since {quarters[0]}", value=False)
    recent = quarters if every else quarters[-8:]  # two years fit a phone's width
    st.altair_chart(charts.status_grid(mine[mine["period"].isin(recent)]), width="stretch")
    counts = mine["status"].value_counts()
    st.caption(
        "Grid of returns by agency and quarter: a tick for a return received, otherwise "
        "late, missing or awaited written in the cell. In every quarter: "
        + ", ".join(f"{n} {s}" for s, n in counts.items())
        + "."
    )
    needing = mine[mine["status"].isin(["missing", "late", "awaited"])]
    st.header("Returns missing, late or awaited")
    if needing.empty:
        st.write("Every return due has come in on time.")
    else:
        common.table(needing[["agency_name", "period", "status", "return_due_date"]])
    corrected = mine[mine["was_corrected"]]
    if not corrected.empty:
        st.write(
            "Corrected returns (a later file replaced an earlier one): "
            + ", ".join(f"{r.agency_name} {r.period}" for r in corrected.itertuples())
        )

st.header("Validation queries")
queries = data.mart("validation_queries")
queries = queries[queries["area_code"] == common.area()]
if queries.empty:
    st.write("No return that counts raised a query.")
else:
    common.table(
        queries.assign(agency=queries["agency"].map(names))[
            [
                "agency",
                "period",
                "file_name",
                "rule_code",
                "source_row",
                "source_column",
                "message",
            ]
        ].rename(
            columns={
                "agency": "Agency",
                "period": "Quarter",
                "file_name": "File",
                "rule_code": "Rule",
                "source_row": "Row",
                "source_column": "Column",
                "message": "Query",
            }
        )
    )

st.header("Checks before publishing")
results = data.mart("expectation_results")
st.write(
    f"The published data passed {manifest['validation']['passed']} checks, with "
    f"{manifest['validation']['failed']} failed, in the refresh {manifest['run_id']}."
)
last = data.last_refresh()
if published_nothing(last, manifest):
    st.error(
        f"The last refresh ({last['run_id']}) published nothing: "
        + "; ".join(last.get("problems") or [last["outcome"]])
    )
common.table(
    results[["suite", "description", "success", "unexpected_count", "examples"]].rename(
        columns={
            "suite": "Checks",
            "description": "What is checked",
            "success": "Passed",
            "unexpected_count": "Rows failing",
            "examples": "Examples",
        }
    )
)

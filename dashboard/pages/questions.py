"""Flagged questions for the executive group: the open questions, most important first, each
with its chart and evidence; the executive group records status, owner, response and impact
(kept in the review log with who and when)."""
from __future__ import annotations

import json

import streamlit as st

from dashboard import charts, common, data
from pipeline.flags import STATUSES
from pipeline.flags import review_log

who = common.require("pqa", "executive")
common.published_or_stop()
st.title("Flagged questions")

flags = data.flags()
if flags.empty:
    st.info("The data raises no questions at present.")
    st.stop()
indicators = data.indicators()
flags = flags.assign(
    priority=flags["indicator_code"].map(indicators["priority"]).fillna("Returns"),
    agency_name=flags["agency"].map(dict(zip(indicators["agency"], indicators["agency_name"]))))

left, middle, right = st.columns(3)
agencies = left.multiselect("Agency", sorted(flags["agency_name"].dropna().unique()))
priorities = middle.multiselect("Priority", sorted(flags["priority"].unique()))
statuses = right.multiselect("Status", STATUSES, default=list(STATUSES[:3]))
shown = flags[flags["area_code"] == common.area()]
if agencies:
    shown = shown[shown["agency_name"].isin(agencies)]
if priorities:
    shown = shown[shown["priority"].isin(priorities)]
if statuses:
    shown = shown[shown["status"].isin(statuses)]
current, past = shown[shown["indicated"]], shown[~shown["indicated"]]

st.subheader(f"{len(current)} question(s), most important first")
st.dataframe(current[["question", "agency_name", "severity", "direction", "status", "owner"]]
             .fillna("").rename(columns={"question": "Question", "agency_name": "Agency asked",
                              "severity": "Strength", "direction": "Direction",
                              "status": "Status", "owner": "Owner"}),
             hide_index=True, width="stretch")

if not current.empty:
    chosen = st.selectbox("Look at one question", list(current["flag_id"]),
                          format_func=lambda f: current.set_index("flag_id").loc[f, "question"]
                          [:120])
    flag = current.set_index("flag_id").loc[chosen]
    st.markdown(f"**{flag['question']}**")
    evidence = json.loads(flag["evidence"])
    if flag["indicator_code"]:
        meta = indicators.loc[flag["indicator_code"]]
        quarterly = data.mart("indicator_quarterly")
        series = quarterly[(quarterly["area_code"] == flag["area_code"])
                           & (quarterly["indicator_code"] == flag["indicator_code"])
                           ].sort_values("period")
        st.altair_chart(charts.quarterly_chart(series, meta["label"], meta["kind"],
                                               [flag["period"]]), width="stretch")
        st.caption(charts.describe(series, meta["label"], [flag["period"]],
                                   charts.usual_range_frame(series, meta["kind"])))
    with st.expander("Evidence"):
        st.write({k: evidence[k] for k in ("baseline", "limits", "test", "p_value", "context")
                  if evidence.get(k) not in (None, [], "")})
        st.dataframe([{"rule": r["rule"], "strength": r["severity"], "way": r["change"],
                       "test": r["test"], "p-value": r["p_value"]}
                      for r in evidence.get("rules", [])], hide_index=True)
    if who.may("executive"):
        with st.form(f"review-{chosen}"):
            status = st.selectbox("Status", STATUSES, index=STATUSES.index(flag["status"]))
            owner = st.text_input("Owner", flag["owner"] or "")
            response = st.text_area("Response", flag["response"] or "")
            impact = st.text_area("Impact", flag["impact"] or "")
            if st.form_submit_button("Record"):
                try:
                    review_log.update(chosen, who.name, expected_version=int(
                        flag["review_version"]), status=status, owner=owner or None,
                        response=response or None, impact=impact or None)
                    st.success("Recorded.")
                except review_log.ReviewConflict as exc:
                    st.error(f"Not saved: {exc}")
                except review_log.ReviewError as exc:
                    st.error(f"Not saved: {exc}")
    st.caption("History")
    st.dataframe([{"when": h["changed_at"], "who": h["changed_by"], "status": h["status"],
                   "note": h["note"] or ""} for h in review_log.history(chosen)],
                 hide_index=True, width="stretch")

if not past.empty:
    with st.expander(f"{len(past)} earlier question(s) the data no longer raises"):
        st.dataframe(past[["question", "status", "response", "impact"]], hide_index=True)

markdown, excel = data.report_table_files(common.area())
left, right = st.columns(2)
left.download_button("Download the yearly-report table (Markdown)", markdown,
                     file_name="questions-raised.md", mime="text/markdown")
right.download_button("Download the yearly-report table (Excel)", excel,
                      file_name="questions-raised.xlsx",
                      mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

"""Flagged questions for the executive group: the open questions, most important first, each
with its chart and evidence; the executive group records status, owner, response and impact
(kept in the review log with who and when)."""

from __future__ import annotations

import json

import streamlit as st

from dashboard import charts, common, data
from pipeline.flags import STATUSES, review_log

who = common.require("pqa", "executive")
common.published_or_stop()
st.title("Flagged questions")

RULE_NAMES = {
    "outside_limits": "outside the usual range",
    "shift": "a run on one side of the average",
    "trend": "a run of rises or falls",
    "two_of_three": "two of three quarters well away",
    "change_from_last_year": "a change on the same quarter last year",
    "change_over_two_quarters": "a change over two quarters",
    "divergence": "a pair moving apart",
    "below_benchmark": "far below a benchmark",
    "missing_figure": "a missing figure",
    "stale_figure": "the same figure again",
    "missing_return": "a missing return",
    "differs_from_published": "differs from published",
}
METHODS = {
    "xmr": "the baseline's own quarter-to-quarter variation",
    "poisson": "exact chances for small counts",
    "p_chart": "the chances for a percentage of its denominator",
}


def evidence_in_words(evidence: dict) -> dict:
    words = {}
    if evidence.get("baseline"):
        b = evidence["baseline"]
        words["Baseline"] = (
            f"{b['from']} to {b['to']} ({b['quarters']} quarters, "
            f"{'fixed' if b['fixed'] else 'a trial until there are 12'}), "
            f"average {b['mean']:,.1f}"
        )
    if evidence.get("limits") and evidence["limits"].get("lower") is not None:
        limits = evidence["limits"]
        words["Usual range"] = (
            f"{limits['lower']:,.1f} to {limits['upper']:,.1f}, from {METHODS[limits['method']]}"
        )
    if evidence.get("p_value") is not None:
        words["Chance of a change this size if nothing had changed"] = (
            f"{evidence['p_value']:.4f} ({evidence.get('test')})"
        )
    if evidence.get("context"):
        words["Context"] = "; ".join(evidence["context"])
    return words


def record_form(flag_id: str, flag) -> None:
    """Record status, owner, response and impact. The version the form was first shown with
    goes with the change, so a change someone else saved meanwhile is never overwritten."""
    shown = f"version shown {flag_id}"
    st.session_state.setdefault(shown, int(flag["review_version"]))
    with st.form(f"review-{flag_id}"):
        status = st.selectbox(
            "Status", STATUSES, index=STATUSES.index(flag["status"]), key=f"status {flag_id}"
        )
        owner = st.text_input("Owner", flag["owner"] or "", key=f"owner {flag_id}")
        response = st.text_area("Response", flag["response"] or "", key=f"response {flag_id}")
        impact = st.text_area("Impact", flag["impact"] or "", key=f"impact {flag_id}")
        if not st.form_submit_button("Record"):
            return
    try:
        version = review_log.update(
            flag_id,
            who.name,
            expected_version=st.session_state[shown],
            status=status,
            owner=owner,
            response=response,
            impact=impact,
        )
        st.session_state[shown] = version
        st.success("Recorded.")
    except review_log.ReviewConflict as exc:
        st.session_state[shown] = int(flag["review_version"])  # what the page shows now
        st.error(
            f"Not saved: {exc} The page now shows their change; your text is still in the form."
        )
    except review_log.ReviewError as exc:
        st.error(f"Not saved: {exc}")
    except review_log.ReviewLogBusy as exc:  # the form keeps what was typed (its widgets' keys)
        st.warning(
            f"Busy, not saved: {exc} Your text is still in the form: press Record "
            "again in a minute."
        )


flags = data.flags()
if flags.empty:
    st.info("The data raises no questions at present.")
    st.stop()
indicators = data.indicators()
flags = flags.assign(
    priority=flags["indicator_code"].map(indicators["priority"]).fillna("Returns"),
    agency_name=flags["agency"].map(dict(zip(indicators["agency"], indicators["agency_name"]))),
)

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
st.dataframe(
    current[["question", "agency_name", "severity", "direction", "status", "owner"]]
    .fillna("")
    .rename(
        columns={
            "question": "Question",
            "agency_name": "Agency asked",
            "severity": "Strength",
            "direction": "Direction",
            "status": "Status",
            "owner": "Owner",
        }
    ),
    hide_index=True,
    width="stretch",
)

if not current.empty:
    chosen = st.selectbox(
        "Look at one question",
        list(current["flag_id"]),
        format_func=lambda f: current.set_index("flag_id").loc[f, "question"][:120],
    )
    flag = current.set_index("flag_id").loc[chosen]
    st.markdown(f"**{flag['question']}**")
    evidence = json.loads(flag["evidence"])
    if flag["indicator_code"]:
        meta = indicators.loc[flag["indicator_code"]]
        quarterly = data.mart("indicator_quarterly")
        series = quarterly[
            (quarterly["area_code"] == flag["area_code"])
            & (quarterly["indicator_code"] == flag["indicator_code"])
        ].sort_values("period")
        st.altair_chart(
            charts.quarterly_chart(
                series,
                meta["label"],
                meta["kind"],
                [flag["period"]],
                area_name=common.area_name(),
                better=meta["better"],
                flag_directions={flag["period"]: flag["direction"]},
                code=flag["indicator_code"],
            ),
            width="stretch",
        )
        st.caption(
            charts.describe(
                series,
                meta["label"],
                [flag["period"]],
                charts.usual_range_frame(series, meta["kind"]),
            )
        )
    with st.expander("Evidence"):
        st.write(evidence_in_words(evidence))
        st.dataframe(
            [
                {
                    "What fired": RULE_NAMES.get(r["rule"], r["rule"]),
                    "Strength": r["severity"],
                    "Way": r["change"],
                    "Test": r["test"],
                    "Chance (p-value)": r["p_value"],
                }
                for r in evidence.get("rules", [])
            ],
            hide_index=True,
        )
    if who.may("executive"):
        record_form(chosen, flag)
    st.caption("History")
    st.dataframe(
        [
            {
                "when": h["changed_at"],
                "who": h["changed_by"],
                "status": h["status"],
                "note": h["note"] or "",
            }
            for h in review_log.history(chosen)
        ],
        hide_index=True,
        width="stretch",
    )

if not past.empty:
    with st.expander(f"{len(past)} earlier question(s) the data no longer raises"):
        st.dataframe(past[["question", "status", "response", "impact"]], hide_index=True)

markdown, excel = data.report_table_files(common.area())
left, right = st.columns(2)
left.download_button(
    "Download the yearly-report table (Markdown)",
    markdown,
    file_name="questions-raised.md",
    mime="text/markdown",
)
right.download_button(
    "Download the yearly-report table (Excel)",
    excel,
    file_name="questions-raised.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)

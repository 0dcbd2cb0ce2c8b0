"""Flagged questions for the executive group: the open questions, most important first, each
with its chart and evidence; the executive group records status, owner, response and impact
(kept in the review log with who and when)."""

from __future__ import annotations

import json

import streamlit as st

from dashboard import charts, common, data, triage
from pipeline.flags import STATUSES, registry, review_log

who = common.require("pqa", "executive")
common.published_or_stop()
st.title("Flagged questions")

FIELDS = ("status", "owner", "response", "impact")
METHODS = {  # how the flag engine measured the usual range (pipeline/flags/limits.py)
    "counts": "worked out from the chances for a count, or from how much it varied if more",
    "angle": "worked out from the chances for a percentage of its total, or how much it varied",
    "level": "worked out from how much it varied from quarter to quarter",
}


def one_in(p_value: float) -> str:
    """A chance in words: 0.0025 is "about 1 in 400"."""
    if p_value <= 0:
        return "less than 1 in a million"
    n = 1 / p_value
    if n < 2:
        return "more likely than not"
    rounded = float(f"{n:.1g}") if n >= 10 else round(n)
    return f"about 1 in {rounded:,.0f}"


def evidence_in_words(evidence: dict, kind: str = "") -> list[str]:
    """What the flag engine saw, as sentences: which rule, against which baseline, and how
    unlikely the change would be by chance. Never raw field names or bare numbers."""
    words = []
    for rule in evidence.get("rules") or [{"rule": evidence.get("rule")}]:
        name = registry.plain_name(rule.get("rule") or "") or "a rule of the flag engine"
        sentence = f"Raised because of {name}"
        if rule.get("change") in ("up", "down"):
            sentence += f" (the figure went {rule['change']})"
        if rule.get("p_value") is not None:
            sentence += (
                f": if nothing had really changed, a change this size would happen by chance "
                f"{one_in(float(rule['p_value']))} times"
            )
        words.append(sentence + ".")
    baseline = evidence.get("baseline") or {}
    if baseline.get("from"):
        words.append(
            f"It is compared with the quarters {baseline['from']} to {baseline['to']} "
            f"({baseline['quarters']} quarters), when the figure averaged "
            f"{baseline['mean']:,.1f}"
            + ("." if baseline.get("fixed") else "; this comparison is provisional until "
               "there are 12 quarters.")
        )  # fmt: skip
    limits = evidence.get("limits") or {}
    if limits.get("lower") is not None and limits.get("upper") is not None:
        words.append(
            f"In those quarters it usually ran between {limits['lower']:,.1f} and "
            f"{limits['upper']:,.1f} ({METHODS.get(limits.get('method'), 'the usual range')})."
        )
    for context in evidence.get("context") or []:
        words.append(common.text(context))
    return [w for w in words if w]


def record_form(flag_id: str, flag) -> None:
    """Record status, owner, response and impact. The version the form was first shown with
    goes with the change, so a change someone else saved meanwhile is never overwritten."""
    shown = f"version shown {flag_id}"
    st.session_state.setdefault(shown, int(flag["review_version"]))
    with st.form(f"review-{flag_id}"):
        status = st.selectbox(
            "Status", STATUSES, index=STATUSES.index(flag["status"]), key=f"status {flag_id}"
        )
        owner = st.text_input("Owner", common.text(flag["owner"]), key=f"owner {flag_id}")
        response = st.text_area(
            "Response", common.text(flag["response"]), key=f"response {flag_id}"
        )
        impact = st.text_area("Impact", common.text(flag["impact"]), key=f"impact {flag_id}")
        if not st.form_submit_button("Record"):
            return
    try:
        version = review_log.update(
            flag_id,
            who.name,
            expected_version=st.session_state[shown],
            status=status,
            owner=common.text(owner),
            response=common.text(response),
            impact=common.text(impact),
        )
        st.session_state[shown] = version
        st.success("Recorded.")
    except review_log.ReviewConflict:
        theirs = clash(flag_id)
        st.session_state[shown] = int(theirs["version"])  # the next Record is based on theirs
        yours = {"status": status, "owner": owner, "response": response, "impact": impact}
        common.show_clash(
            "question",
            theirs,
            who.name,
            "Their version",
            {k.capitalize(): (theirs[k], yours[k]) for k in FIELDS},
        )
    except review_log.ReviewError as exc:
        st.error(f"Not saved: {exc}")
    except review_log.ReviewLogBusy as exc:  # the form keeps what was typed (its widgets' keys)
        st.warning(
            f"Busy, not saved: {exc} Your text is still in the form: press Record "
            "again in a minute."
        )


def clash(flag_id: str) -> dict:
    """The review as it stands now in the log (someone else's change)."""
    return next(r for r in review_log.reviews() if r["flag_id"] == flag_id)


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
shown = triage.sort(  # one question for each story: its lead
    triage.questions(flags[flags["area_code"] == common.area()]),
    data.latest_period_with_data(common.area()),
)
if agencies:
    shown = shown[shown["agency_name"].isin(agencies)]
if priorities:
    shown = shown[shown["priority"].isin(priorities)]
if statuses:
    shown = shown[shown["status"].isin(statuses)]
raised, past = shown[shown["indicated"]], shown[~shown["indicated"]]
current = raised[raised["group"] != triage.HISTORIC]

for group in triage.GROUPS:
    listed = raised[raised["group"] == group]
    if group == triage.HISTORIC:
        with st.expander(f"{group} ({len(listed)})"):
            st.caption(triage.EXPLAINED[group])
            triage.table(listed)
        continue
    st.header(f"{group} ({len(listed)})")
    st.caption(triage.EXPLAINED[group])
    if listed.empty:
        st.write(f"No {group.lower()} at present.")
    else:
        triage.table(listed)

if not raised.empty:
    st.header("One question")
    chosen = st.selectbox(
        "Look at one question",
        list(raised["flag_id"]),
        format_func=lambda f: raised.set_index("flag_id").loc[f, "question"][:120],
    )
    flag = raised.set_index("flag_id").loc[chosen]
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
    st.subheader("Why it was raised")
    st.markdown("\n".join(f"- {line}" for line in evidence_in_words(evidence)))
    if who.may("executive"):
        record_form(chosen, flag)
    st.subheader("History")
    common.table(
        [
            {
                "When (UTC)": common.when(h["changed_at"]),
                "Who": common.text(h["changed_by"]),
                "Status": common.text(h["status"]),
                "Note": common.text(h["note"]),
            }
            for h in review_log.history(chosen)
        ]
    )

if not past.empty:
    with st.expander(f"{len(past)} earlier question(s) the data no longer raises"):
        common.table(
            past[["question", "status", "response", "impact"]]
            .map(common.text)
            .rename(columns=str.capitalize)
        )

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

"""The six-monthly report: choose the period and the version, build the Word document and the
HTML file from the published marts (pipeline/report/build.py, as `pqa report` does), and
download them. Building writes nothing that stays: the files are made in a temporary folder
and kept in this session only."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import streamlit as st

from dashboard import common, data
from pipeline.core.periods import PeriodError
from pipeline.flags.review_log import ReviewLogBusy
from pipeline.report import disclosure
from pipeline.report.build import build_report
from pipeline.report.content import ReportError
from pipeline.report.marts import NoMarts

VERSIONS = {"Partnership version": False, "Public version": True}
WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# what disclosure control did to a figure, in the words of the report's own note
HIDDEN_AS = {
    disclosure.SMALL: 'count(s) from 1 to {top} shown as "fewer than {least}"',
    disclosure.WITHHELD: "rate(s) or percentage(s) built on such a count withheld",
    disclosure.SECONDARY: "figure(s) hidden so that a total cannot reveal a small count",
}

common.require("pqa", "executive")
common.published_or_stop()
st.title("Six-monthly report")
st.write(
    "The partnership's six-monthly data report: a summary, each priority's indicators with "
    "their charts, three years side by side and the agencies' own commentary, the questions "
    "raised with their responses, and the definitions. Choose the last quarter of the six "
    "months and the version, then build it."
)


def ended_quarters() -> list[str]:
    """Quarters that have ended, latest first (a report is about an ended quarter)."""
    periods = data.mart("periods")
    ended = periods[periods["has_ended"]].sort_values("period_index", ascending=False)
    return list(ended["period"])


def withheld_in_words(hidden: dict) -> list[str]:
    least = disclosure.minimum()
    counts: dict[str, int] = {}
    for state in hidden.values():
        counts[state] = counts.get(state, 0) + 1
    return [
        f"{counts[state]} " + words.format(top=least - 1, least=least)
        for state, words in HIDDEN_AS.items()
        if counts.get(state)
    ]


def build(period: str, public: bool) -> dict:
    """The two files' names and contents, how long it took and what was withheld."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        files = build_report(period, Path(folder), public=public, area=common.area())
        built = {
            "word": (files.word.name, files.word.read_bytes()),
            "html": (files.html.name, files.html.read_bytes()),
        }
    report = files.report
    return {
        **built,
        "title": report.title,
        "version": report.version,
        "period": report.period,
        "seconds": time.perf_counter() - started,
        "withheld": withheld_in_words(report.hidden) if report.public else [],
        "note": report.disclosure_note,
    }


quarters = ended_quarters()
if not quarters:
    st.info("No quarter has ended in the published data yet, so there is no report to build.")
    st.stop()
left, right = st.columns(2)
period = left.selectbox("Last quarter of the six months", quarters, index=0)
version = right.radio("Version", list(VERSIONS), horizontal=True)
st.caption(
    "The partnership version shows every figure. The public version applies disclosure "
    f"control: counts from 1 to {disclosure.minimum() - 1} are shown as "
    f'"fewer than {disclosure.minimum()}", and figures that could reveal them are hidden.'
)

if st.button("Build the report", type="primary"):
    try:
        with st.spinner("Building the report (charts, tables and both files)..."):
            st.session_state["built report"] = build(period, VERSIONS[version])
    except (PeriodError, ReportError, NoMarts) as exc:
        st.error(f"The report could not be built: {exc}.")
    except ReviewLogBusy as exc:
        st.warning(f"Busy, the report was not built: {exc} Try again in a minute.")
    except ValueError as exc:  # a wrong disclosure setting (PQA_PUBLIC_MINIMUM)
        st.error(f"The report could not be built: {exc}.")

built = st.session_state.get("built report")
if built:
    st.header(f"{built['title']} ({built['version'].lower()})")
    st.success(
        f"Built the {built['version'].lower()} for the six months to {built['period']} in "
        f"{built['seconds']:.1f} seconds."
    )
    if built["note"]:
        if built["withheld"]:
            st.markdown(
                "What the public version withheld:\n"
                + "\n".join(f"- {line}" for line in built["withheld"])
            )
        else:
            st.markdown("The public version withheld nothing: no figure was small enough.")
        st.caption(built["note"])
    word_name, word = built["word"]
    html_name, html = built["html"]
    left, right = st.columns(2)
    left.download_button(
        f"Download the {built['version'].lower()} (Word)", word, file_name=word_name, mime=WORD
    )
    right.download_button(
        f"Download the {built['version'].lower()} (web page)",
        html,
        file_name=html_name,
        mime="text/html",
    )

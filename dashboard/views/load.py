"""Load a return, for analysts: get a template, upload a filled-in return, see the validation
report, and load it only on confirmation. A refused file changes nothing."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import common, data, refreshing
from pipeline.core.catalogue import DEFAULT_AREA, load_catalogue
from pipeline.core.text_cells import frame_to_csv
from pipeline.ingest.load import load_returns
from pipeline.ingest.returns.contract import MAX_FILE_BYTES, MAX_FILE_MB
from pipeline.ingest.returns.findings import Finding, errors, queries
from pipeline.ingest.returns.template import write_template
from pipeline.ingest.returns.validate import ValidatedReturn
from pipeline.ingest.warehouse import WarehouseBusy

who = common.require("analyst")
st.title("Load a return")
catalogue = load_catalogue()
refreshing.panel(who)

st.header("1. Get the template")
agency = st.selectbox("Agency", list(catalogue.agencies), format_func=catalogue.agencies.get)
with tempfile.TemporaryDirectory() as folder:
    template = write_template(
        catalogue, agency, common.area() or DEFAULT_AREA, None, Path(folder) / f"{agency}.xlsx"
    )
    st.download_button(
        "Download the Excel template",
        template.read_bytes(),
        file_name=template.name,
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )

st.header("2. Upload the filled-in return")
upload = st.file_uploader(
    f"A return (.xlsx or .csv, at most {MAX_FILE_MB} MB)", type=["xlsx", "csv"]
)
if upload is None:
    st.stop()
if upload.size > MAX_FILE_BYTES:  # refused before it is read or written anywhere
    st.error(
        f"{Path(upload.name).name} is {upload.size / 2**20:,.1f} MB; a return is at most "
        f"{MAX_FILE_MB} MB. Check it is the right file: nothing was loaded."
    )
    st.stop()


def report_findings(result: ValidatedReturn, name: str) -> None:
    """Every problem found, counted, listed and downloadable in full (the findings never
    repeat a child's details: they say where and which rule)."""
    every = result.every_finding
    if not every:
        st.write("No errors and no queries.")
        return
    st.write(
        f"**{counted(every)}.** An error stops the return loading; a query is loaded with the "
        "return for the agency to answer."
    )
    common.table(findings_table(result.findings))
    if len(result.findings) < len(every):
        st.caption(
            f"The first {len(result.findings) - 1} are listed; the download has all of them."
        )
    st.download_button(
        "Download the validation report (CSV)",
        frame_to_csv(findings_table(every)),  # typed text as text, never a formula
        file_name=f"{Path(name).stem}-validation.csv",
        mime="text/csv",
    )


def counted(findings: list[Finding]) -> str:
    """ "7 errors, 2 queries", "1 error, 0 queries"."""
    found_errors, found_queries = len(errors(findings)), len(queries(findings))
    return (
        f"{found_errors} error{'s' if found_errors != 1 else ''}, "
        f"{found_queries} quer{'ies' if found_queries != 1 else 'y'}"
    )


def findings_table(findings: list[Finding]) -> pd.DataFrame:
    """Errors first, then queries, each with its rule, where it is and what to do."""
    ordered = [*errors(findings), *queries(findings)]
    return pd.DataFrame(
        [
            {
                "Kind": f.severity.value,
                "Rule": f.rule,
                "Where": f.location.describe(),
                "What to do": common.text(f.message),
            }
            for f in ordered
        ],
        columns=["Kind", "Rule", "Where", "What to do"],
    )


def preview(submissions) -> None:
    """The figures about to be loaded beside the same indicator's figure the quarter before,
    so a slip (a wrong column, a figure ten times too big) is seen before confirming."""
    indicators = load_catalogue_labels()
    published = published_quarters()
    rows = []
    for (area, period), figures in submissions.items():
        before = previous_quarter(period)
        for f in figures:
            last = published.get((area, before, f.indicator_code))
            change = None if last is None else f.value - last
            rows.append(
                {
                    "Quarter": period,
                    "Indicator": indicators.get(f.indicator_code, f.indicator_code),
                    "This return": _number(f.value),
                    "Published for the quarter before": _number(last),
                    "Change": "" if change is None else f"{change:+,.1f}",
                }
            )
    frame = pd.DataFrame(rows)
    st.header("4. Check the figures")
    st.caption(
        "The figures in this return beside those published for the quarter before. A blank "
        "means no figure was published for it."
    )
    common.table(frame)


def _number(value) -> str:
    """A figure as text, blank when there is none (never "None" or "nan")."""
    return "" if value is None or value != value else f"{value:,.1f}".removesuffix(".0")


def load_catalogue_labels() -> dict[str, str]:
    return {code: i.label for code, i in catalogue.indicators.items()}


def published_quarters() -> dict[tuple[str, str, str], float]:
    try:
        quarterly = data.mart("indicator_quarterly")
    except data.NothingPublished:
        return {}
    shown = quarterly.dropna(subset=["value"])
    return {(r.area_code, r.period, r.indicator_code): float(r.value) for r in shown.itertuples()}


def previous_quarter(period: str) -> str:
    """ "2025-26 Q1" comes after "2024-25 Q4"."""
    year, quarter = int(period[:4]), int(period[-1])
    if quarter > 1:
        return f"{period[:7]} Q{quarter - 1}"
    return f"{year - 1}-{str(year)[-2:]} Q4"


def check_then_load(path: Path) -> None:
    """The validation report first; the load only when the analyst confirms."""
    try:
        checked = load_returns([path], check_only=True, loaded_by=who.name)
    except WarehouseBusy:
        st.warning(
            "The warehouse is busy (a refresh or another load is running). Try again "
            "in a minute; nothing was changed."
        )
        return
    outcome = checked.outcomes[0]
    st.header("3. Validation report")
    report_findings(outcome.result, path.name)
    if checked.refused:
        st.error(
            f"{path.name} is refused: nothing was loaded. Correct the errors above and "
            "upload it again."
        )
        return
    if outcome.already_loaded:
        st.info(f"This file was loaded before ({outcome.already_loaded}); there is nothing to do.")
        return
    submissions = outcome.result.submissions()
    figures = sum(len(f) for f in submissions.values())
    periods = ", ".join(sorted(period for _, period in submissions))
    preview(submissions)
    st.success(
        f"No errors: {figures} figure(s) for "
        f"{catalogue.agencies[outcome.result.agency]}, {periods}, are ready to load."
    )
    if not st.button("Load this return", type="primary"):
        return
    try:
        loaded = load_returns([path], loaded_by=who.name)
    except WarehouseBusy:
        st.warning("The warehouse is busy; nothing was changed. Try again in a minute.")
        return
    for submission in loaded.outcomes[0].submissions:
        replaced = (
            f", replacing submission {submission.supersedes}" if submission.supersedes else ""
        )
        st.success(
            f"Loaded {submission.figure_count} figure(s) as submission "
            f"{submission.submission_id}{replaced}. {refreshing.when_figures_appear()}"
        )


# The upload is written to a folder that is removed when this page has run: only an accepted
# return is kept (archived by the load).
with tempfile.TemporaryDirectory(prefix="pqa-upload-") as folder:
    uploaded = Path(folder) / Path(upload.name).name
    uploaded.write_bytes(upload.getvalue())
    try:
        check_then_load(uploaded)
    except Exception:  # the reader refuses bad files itself: this is a fault of ours
        logging.getLogger(__name__).exception("Checking an uploaded return failed")
        st.error(
            f"{uploaded.name} could not be checked because of a fault in the product, "
            "not in your file: nothing was loaded. Try again, and tell the operator if "
            "it happens again."
        )

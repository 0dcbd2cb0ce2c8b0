"""Load a return, for analysts: get a template, upload a filled-in return, see the validation
report, and load it only on confirmation. A refused file changes nothing."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import streamlit as st

from dashboard import common
from pipeline.core.catalogue import DEFAULT_AREA, load_catalogue
from pipeline.ingest.load import load_returns
from pipeline.ingest.returns.contract import MAX_FILE_BYTES, MAX_FILE_MB
from pipeline.ingest.returns.findings import errors, queries
from pipeline.ingest.returns.template import write_template
from pipeline.ingest.warehouse import WarehouseBusy

who = common.require("analyst")
st.title("Load a return")
catalogue = load_catalogue()

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


def report_findings(findings) -> None:
    for finding in errors(findings):
        st.error(finding.describe())
    for finding in queries(findings):
        st.warning(finding.describe())


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
    report_findings(outcome.result.findings)
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
            f"{submission.submission_id}{replaced}. They appear here after the next "
            "refresh."
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

"""Definitions of every indicator, and the acronyms partner agencies use, written out."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import common, data

common.require("analyst", "pqa", "executive")
common.published_or_stop()
st.title("Definitions and glossary")

st.header("Indicators")
indicators = data.indicators()
common.table(
    indicators[
        [
            "label",
            "definition",
            "agency_name",
            "priority",
            "kind_in_words",
            "measured_in_words",
            "polarity_in_words",
        ]
    ].rename(
        columns={
            "label": "Indicator",
            "definition": "Definition",
            "agency_name": "Sent by",
            "priority": "Priority",
            "kind_in_words": "Kind",
            "measured_in_words": "Counted",
            "polarity_in_words": "Which way is better",
        }
    )
)

st.header("Acronyms partner agencies use")
glossary = pd.read_csv(Path(__file__).resolve().parent.parent / "glossary.csv")
common.table(glossary.rename(columns={"acronym": "Acronym", "meaning": "In full"}))

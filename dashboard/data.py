"""What the dashboard reads: the published Parquet marts (cached until a refresh publishes a
new run), the last refresh's record, and the review log (read live, so a recorded response
shows at once)."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from pipeline.core import paths
from pipeline.flags import review_log
from pipeline.publish.marts import read_manifest


class NothingPublished(Exception):
    """No refresh has published marts yet."""


def manifest() -> dict:
    found = read_manifest(paths.marts_dir())
    if found is None:
        raise NothingPublished(
            f"No marts are published in {paths.marts_dir()} yet: run `pqa refresh` (or `make run`)."
        )
    return found


def run_id() -> str:
    return manifest()["run_id"]


@st.cache_data(show_spinner=False, max_entries=64)
def _read(name: str, run: str) -> pd.DataFrame:
    """One mart of one published run (the run id in the key: a new refresh, a new read)."""
    path = paths.marts_dir() / f"{name}.parquet"
    return pd.read_parquet(path) if path.exists() else pd.DataFrame()


def mart(name: str) -> pd.DataFrame:
    return _read(name, run_id())


def last_refresh() -> dict | None:
    try:
        return json.loads(paths.last_refresh_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def indicators() -> pd.DataFrame:
    return mart("indicators").set_index("indicator_code", drop=False)


def flags() -> pd.DataFrame:
    """The published flags with their reviews as they stand now in the review log."""
    published = mart("flags")
    live = pd.DataFrame(review_log.reviews())
    if published.empty or live.empty:
        return published
    live = live.rename(columns={"version": "review_version"}).set_index("flag_id")
    merged = published.set_index("flag_id")
    merged.update(live)  # a flag the log does not know keeps the review it was published with
    return merged.reset_index()


def report_table_files(area: str) -> tuple[bytes, bytes]:
    """The yearly-report table of one area's questions, as Markdown and Excel."""
    # keyed by the log's path too: two data folders (or a restored log) can share a run and a
    # change number, and must never share a table
    return _report_table_files(area, run_id(), str(review_log.log_path()), review_log.last_change())


@st.cache_data(show_spinner=False, max_entries=16)
def _report_table_files(area: str, run: str, log: str, last_change: int) -> tuple[bytes, bytes]:
    """Made again only when a refresh publishes or someone records a change."""
    import tempfile
    from pathlib import Path

    from pipeline.flags.export import rows_for_report, write_excel, write_markdown

    rows = rows_for_report(area=area)
    with tempfile.TemporaryDirectory() as folder:
        return (
            write_markdown(rows, Path(folder) / "questions.md").read_bytes(),
            write_excel(rows, Path(folder) / "questions.xlsx").read_bytes(),
        )


def areas_with_returns() -> pd.DataFrame:
    areas = mart("areas")
    return areas[areas["has_returns"]]


def latest_period_with_data(area: str | None) -> str | None:
    quarterly = mart("indicator_quarterly")
    with_values = quarterly[quarterly["value"].notna() & (quarterly["area_code"] == area)]
    return None if with_values.empty else str(with_values["period"].max())


def review_log_change() -> int:
    """Grows with every recorded response (for caching what is made from the questions)."""
    return review_log.last_change()

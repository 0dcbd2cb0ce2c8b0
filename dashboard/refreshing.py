"""When loaded figures appear, and a refresh an analyst can start from the dashboard and watch.

A loaded return shows on the other pages after the next refresh: the nightly one (02:30, see
docs/operations.md) or one started here. The refresh runs as `pqa refresh` in its own
process, so it is the same refresh as the command line's, holds the same lock, and goes on
even if the page is closed; the page shows how long it has run against how long the last one
took, and its outcome when it ends."""

from __future__ import annotations

import subprocess
import sys
import time

import streamlit as st

from dashboard import common, data
from dashboard.access import Person
from pipeline.core.paths import PROJECT_ROOT

NIGHTLY = "02:30"  # deploy/pqa-refresh.timer and deploy/pqa-refresh.cron
RUNNING = "refresh process"


def when_figures_appear() -> str:
    last = data.last_refresh()
    took = f" (the last took {_seconds(last)} s)" if last and _seconds(last) else ""
    return (
        f"They appear on the other pages after the next refresh: the nightly one at "
        f"{NIGHTLY}, or one an analyst starts on the Load a return page{took}."
    )


def _seconds(record: dict) -> int:
    return round(sum((record.get("step_seconds") or {}).values()))


@st.fragment(run_every=2)
def _progress() -> None:
    """How the refresh started from this page is going, every two seconds until it ends."""
    started = st.session_state.get(RUNNING)
    if started is None:
        return
    process, at = started
    elapsed = time.monotonic() - at
    if process.poll() is None:
        last = data.last_refresh()
        expected = _seconds(last) if last else 0
        share = min(elapsed / expected, 0.95) if expected else 0.5
        st.progress(
            share,
            text=f"Refreshing: {elapsed:,.0f} s so far"
            + (f", the last refresh took {expected} s." if expected else "."),
        )
        return
    del st.session_state[RUNNING]
    last = data.last_refresh() or {}
    if last.get("outcome") == "succeeded":
        st.success(
            f"The refresh finished in {elapsed:,.0f} s and published the figures: the other "
            "pages show them now."
        )
    else:
        problems = "; ".join(common.text(p) for p in last.get("problems") or [])
        st.error(
            f"The refresh ended without publishing ({common.text(last.get('outcome'))}): "
            f"{problems or 'see the refresh log'}. The figures shown are unchanged."
        )


def panel(who: Person) -> None:
    """The latest refresh, and for an analyst a button to start one and watch it."""
    st.header("When loaded figures appear")
    last = data.last_refresh()
    if last:
        finished = common.when(last.get("finished_at") or last.get("started_at"))
        st.write(
            f"The last refresh ended at {finished} (UTC): "
            f"{common.text(last.get('outcome'))}. {when_figures_appear()}"
        )
    else:
        st.write(when_figures_appear())
    if not who.may("analyst"):
        return
    if st.button("Start a refresh now", disabled=RUNNING in st.session_state):
        process = subprocess.Popen(  # the same command as the nightly run
            [sys.executable, "-m", "pipeline.cli.main", "refresh", "--by", who.name],
            cwd=PROJECT_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        st.session_state[RUNNING] = (process, time.monotonic())
    _progress()

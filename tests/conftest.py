"""Shared test set-up: every test gets its own data folder (warehouse, archive, logs), so
nothing touches the project's data/ and tests never see each other's loads."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from dashboard.access import PAGES
from pipeline.core import paths
from pipeline.core.catalogue import load_catalogue
from pipeline.core.paths import PROJECT_ROOT

SAMPLE_DIR = PROJECT_ROOT / "data" / "raw" / "sample"
# The Department for Education's published statistics kept in the project, and test extracts.
REFERENCE = PROJECT_ROOT / "data" / "reference" / "dfe"
FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "dfe"
REFERRALS = REFERENCE / "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
CHILDREN_IN_CARE = REFERENCE / "cla_number_and_rate_per_10k_children.csv"
NEIGHBOURS_2021 = REFERENCE / "neighbours" / "New_Statistical_Neighbour_Groupings_April_2021.csv"
NEIGHBOURS_2025 = REFERENCE / "neighbours" / "sn_model_2025_wide.csv"
IOW = "E06000046"
# Every page of the dashboard: its address -> its heading, as the navigation defines them.
DASHBOARD_PAGES = {address: title for _, title, address, _ in PAGES}
# A fixed "today" for validation, so tests do not change meaning as time passes.
TODAY = date(2026, 11, 22)
TIDY_HEADER = ["area_code", "period", "indicator_code", "value", "numerator", "denominator"]


# What `make test-fast` leaves out: tests that refresh (dbt and Great Expectations take seconds
# each time), and those that start a real server, browser or identity provider.
SLOW_FIXTURES = {"sample_refreshed", "refreshed"}
SLOW_MODULES = {
    "test_refresh",
    "test_dashboard_browser",
    "test_sign_in",
    "test_benchmarks_marts",
    "test_flag_quality",
}


def pytest_collection_modifyitems(items):
    for item in items:
        if (
            SLOW_FIXTURES & set(item.fixturenames)
            or item.module.__name__.split(".")[-1] in SLOW_MODULES
        ):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def dbt_target(tmp_path_factory) -> Path:
    """One dbt target folder for the whole suite, so dbt parses the project once and reuses
    that parse in every later refresh (a parse costs seconds; the suite refreshes often)."""
    return tmp_path_factory.mktemp("dbt-target")


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch, dbt_target) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("PQA_DATA_DIR", str(folder))
    monkeypatch.setenv("PQA_DBT_TARGET", str(dbt_target))
    monkeypatch.setenv("PQA_USER", "test analyst")
    monkeypatch.delenv("PQA_WAREHOUSE", raising=False)
    for setting in ("PQA_ARCHIVE_DIR", "PQA_INBOX_DIR", "PQA_MARTS_DIR", "PQA_LOGS_DIR"):
        monkeypatch.delenv(setting, raising=False)
    return folder


@pytest.fixture
def catalogue():
    return load_catalogue()


# A return with eight problems, one of them a postcode in a note (tests/test_one_pass.py and the
# Load page): every one is found in one pass, and the postcode is never repeated.
POSTCODE = "PO30 1AB"
_EIGHT_PROBLEMS_HEADER = (
    "area_code,period,indicator_code,value,numerator,denominator,notes,favourite_colour"
)
EIGHT_PROBLEMS = f"""{_EIGHT_PROBLEMS_HEADER}
E06000046,2024-25 Q3,families_in_bed_and_breakfast,41,,,moved from {POSTCODE},blue
E06000046,2024-25 Q3,children_in_bed_and_breakfast,-3,,,,
E06000046,2024-25 Q3,famlies_in_b_and_b,5,,,,
E0600004,2024-25 Q3,families_in_bed_and_breakfast,7,,,,
E06000046,2024 Q3,families_in_bed_and_breakfast,7,,,,
E06000046,2024-25 Q3,children_in_bed_and_breakfast,12.5,,,,
E06000046,2030-31 Q3,children_in_bed_and_breakfast,12,,,,
"""


def write_csv(path: Path, rows: list[list[object]], header: list[str] = TIDY_HEADER) -> Path:
    """A CSV return; rows are lists in the order of `header`."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def published_flags(folder: Path) -> list[dict]:
    """The flags a refresh published in this data folder."""
    import pyarrow.parquet as pq

    return pq.read_table(folder / "marts" / "flags.parquet").to_pylist()


def good_housing_rows(period: str = "2024-25 Q3", families: int = 41, children: int = 78):
    return [
        ["E06000046", period, "families_in_bed_and_breakfast", families, "", ""],
        ["E06000046", period, "children_in_bed_and_breakfast", children, "", ""],
    ]


@pytest.fixture(scope="session")
def sample_refreshed(tmp_path_factory, dbt_target, worker_id) -> Path:
    """A data folder with every sample return loaded and one refresh published (shared by the
    tests that only read it; tests that change it copy it with `refreshed`). Made once per run:
    the first test process to need it makes it while the others wait for it."""
    import fcntl

    from pipeline.ingest.load import load_returns
    from pipeline.publish.refresh import refresh

    run = tmp_path_factory.getbasetemp()
    run = run if worker_id == "master" else run.parent  # the folder every process of a run shares
    folder, made = run / "sample-refreshed" / "data", run / "sample-refreshed" / "made"
    with open(run / "sample-refreshed.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not made.exists():
            shutil.rmtree(folder.parent, ignore_errors=True)  # what a failed attempt left
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("PQA_DATA_DIR", str(folder))
                mp.setenv("PQA_DBT_TARGET", str(dbt_target))
                mp.setenv("PQA_USER", "test analyst")
                load_returns(sorted(SAMPLE_DIR.iterdir()), today=TODAY)
                report = refresh(today=TODAY)
            assert report.outcome == "succeeded", report.problems
            made.touch()
    return folder


@pytest.fixture
def refreshed(sample_refreshed, data_dir) -> Path:
    """This test's own copy of the refreshed data folder."""
    return copy_of(sample_refreshed, data_dir)


def copy_of(folder: Path, to: Path) -> Path:
    """A copy of a shared data folder. Another test process may be drawing a report's charts
    in it meanwhile: a chart is drawn under a name ending ".partial" and renamed when whole,
    so those are left out."""
    shutil.copytree(folder, to, ignore=shutil.ignore_patterns("*.partial"))
    return to


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """What each download button of a page offers, by file name: Streamlit keeps the bytes in
    its media store only while the script runs, so they are noted as they are stored."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    offered: dict[str, bytes] = {}
    store = MemoryMediaFileStorage.load_and_get_id

    def noted(self, data, mimetype, kind, filename=None):
        if filename and isinstance(data, bytes):
            offered[filename] = data
        return store(self, data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", noted)
    return offered


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (it cannot download its own browser here), one
    for each test module that asks for it."""
    import os

    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "Debian's chromium is missing: `make test` installs it"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking"],
        )  # fmt: skip
        yield launched
        launched.close()


HOLD_WAREHOUSE = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
    open(sys.argv[1] + ".releasing", "w").close()  # written before letting go, never after
    con.close()
""")


def hold_warehouse(seconds: float) -> subprocess.Popen:
    """Another process (as a refresh would) holding the warehouse open for writing."""
    paths.warehouse_path().parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD_WAREHOUSE, str(paths.warehouse_path()), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "holding"
    return process

"""The real dashboard in a real browser: `streamlit run` on a free local port, driven by
Playwright with Debian's Chromium. Visits every page, checks a chart and a table rendered with
real numbers, uploads a return, records a response, and saves a screenshot of each page in
test-artifacts/."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect, sync_playwright

from pipeline.core.paths import PROJECT_ROOT
from pipeline.flags import review_log
from tests.conftest import SAMPLE_DIR
from tests.served import dashboard

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
PAGES = [
    "Overview",
    "Indicator explorer",
    "Flagged questions",
    "Returns and data quality",
    "Load a return",
    "Definitions and glossary",
]


@pytest.fixture
def server(refreshed):
    with dashboard(refreshed) as url:
        yield url


@pytest.fixture
def page():
    assert os.path.exists(CHROMIUM), "Debian's chromium is missing: `make test` installs it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
            ],
        )
        yield browser.new_page(viewport={"width": 1400, "height": 1000})
        browser.close()


def go(page, url: str, title: str) -> None:
    page.get_by_role("link", name=title).first.click() if title != "Overview" else page.goto(url)
    expect(page.get_by_role("heading", name=title, exact=True).first).to_be_visible(timeout=30_000)
    page.wait_for_timeout(800)  # let charts draw
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{title.lower().replace(' ', '-')}.png"), full_page=True)


def test_every_page_in_a_real_browser(server, page, tmp_path):
    go(page, server, "Overview")
    expect(page.get_by_text("Local mode").first).to_be_visible()
    expect(page.get_by_text("Data up to").first).to_contain_text("2026-27 Q2")

    go(page, server, "Indicator explorer")
    chart = page.locator(".vega-embed").first
    expect(chart).to_be_visible(timeout=30_000)
    expect(chart.locator("canvas, svg").first).to_be_visible()
    table = page.locator("[data-testid='stDataFrame']").first
    expect(table).to_be_visible()

    go(page, server, "Flagged questions")
    page.get_by_role("textbox", name="Owner").fill("Head of housing")
    page.get_by_role("textbox", name="Response", exact=True).fill("Recorded in a real browser.")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_text("Recorded.").first).to_be_visible(timeout=30_000)
    answered = [f for f in review_log.flags() if f["response"] == "Recorded in a real browser."]
    assert len(answered) == 1 and answered[0]["owner"] == "Head of housing"

    go(page, server, "Returns and data quality")
    expect(page.get_by_text("Every return due has come in on time.")).to_be_visible()

    go(page, server, "Load a return")
    portsmouth = tmp_path / "housing_portsmouth.csv"
    portsmouth.write_bytes(
        (SAMPLE_DIR / "housing_E06000046_2024-25_Q3.csv")
        .read_bytes()
        .replace(b"E06000046", b"E06000044")
    )
    page.locator("input[type='file']").set_input_files(str(portsmouth))
    expect(page.get_by_text("are ready to load")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Load this return").click()
    expect(page.get_by_text("Loaded 2 figure(s) as submission")).to_be_visible(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "load-a-return-loaded.png"), full_page=True)

    go(page, server, "Definitions and glossary")
    expect(page.locator("[data-testid='stDataFrame']").first).to_be_visible()

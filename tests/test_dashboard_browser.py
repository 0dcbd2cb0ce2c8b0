"""The real dashboard in a real browser: `streamlit run` on a free local port (one server for
the whole module), driven by Playwright with Debian's Chromium. Every page is read at a desktop
width (1440 px) and a phone width (390 px), in one browser tab per width as a person moves
through the dashboard: the first page opened by its address, the others through the menu
(opening the app again for each page cost three times as long). Each page must:

- draw every chart (visible marks of non-zero size), each with a title, a name for screen
  readers other than "Vega visualization", and a legend when it shows more than one series;
- never show "nan" or "None" as text;
- pass axe-core (vendored in tests/vendor, so no network) with no serious or critical problem.

A screenshot of every page at both widths is kept in test-artifacts/. The journeys (upload a
return, record a response) run once on the same server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from pipeline.core.paths import PROJECT_ROOT
from pipeline.flags import review_log
from tests.conftest import DASHBOARD_PAGES, SAMPLE_DIR, copy_of
from tests.served import dashboard

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
AXE = PROJECT_ROOT / "tests" / "vendor" / "axe.min.js"
PAGES = DASHBOARD_PAGES  # address on the dashboard -> its heading
WIDTHS = {"desktop": 1440, "phone": 390}
EMPTY_WORDS = re.compile(r"\b(nan|NaN|None)\b")

# What each drawn chart is made of, read from the SVG Vega draws: the marks with their sizes,
# the title, the legend and the name a screen reader announces.
CHARTS_JS = """() => [...document.querySelectorAll('.vega-embed')].map(embed => {
  const svg = embed.querySelector('svg');
  if (!svg) return {svg: false};
  const inLegend = el => el.closest('.role-legend') !== null;
  const marks = [...svg.querySelectorAll('.role-mark')].filter(g => !inLegend(g)
      && !g.closest('.role-axis') && !g.closest('.role-title')
      && !(g.getAttribute('class') || '').includes('role-frame'));
  const shapes = marks.flatMap(g => [...g.querySelectorAll('path')]
      .map(p => { const box = p.getBBox();
                  return {kind: (g.getAttribute('class') || '').split(' ')[0],
                          width: box.width, height: box.height,
                          stroke: p.getAttribute('stroke'), fill: p.getAttribute('fill')}; }));
  return {
    svg: true,
    name: embed.getAttribute('aria-label') || svg.getAttribute('aria-label') || '',
    height: svg.getBoundingClientRect().height,
    titles: [...svg.querySelectorAll('.role-title-text')].map(t => t.textContent.trim())
        .filter(Boolean),
    legends: [...svg.querySelectorAll('.role-legend-label text')].map(t => t.textContent.trim()),
    shapes,
  };
})"""

# Whether the menu (Streamlit's sidebar) is open: on a phone it starts shut.
MENU_OPEN = (
    "() => document.querySelector('[data-testid=stSidebar]').getBoundingClientRect().right > 0"
)
MENU_SHUT = (
    "() => document.querySelector('[data-testid=stSidebar]').getBoundingClientRect().right <= 0"
)


@pytest.fixture(scope="module")
def data_folder(sample_refreshed, tmp_path_factory):
    """The module's own copy of the refreshed sample (its journeys change it)."""
    folder = tmp_path_factory.mktemp("browser") / "data"
    return copy_of(sample_refreshed, folder)


@pytest.fixture(scope="module")
def server(data_folder):
    with dashboard(data_folder) as url:
        yield url


@pytest.fixture
def reading(data_folder, monkeypatch):
    """This process reads the served data folder, to check what the browser recorded."""
    monkeypatch.setenv("PQA_DATA_DIR", str(data_folder))


def open_page(browser, url: str, address: str, width: int):
    page = browser.new_page(viewport={"width": width, "height": 1000})
    page.goto(f"{url}/{address}")
    expect(page.get_by_role("heading", name=PAGES[address], exact=True).first).to_be_visible(
        timeout=30_000
    )
    settle(page)
    return page


@pytest.fixture(scope="module")
def tabs(browser):
    """One tab per width, kept from page to page (width -> tab)."""
    opened = {}
    yield opened
    for tab in opened.values():
        tab.close()


def move_to(tabs: dict, browser, url: str, address: str, width: int):
    """The page at `address` in the tab for `width`: the first by its address, later ones
    through the menu (on a phone, opened first). A tab a failed check left is closed, so the
    next page starts afresh."""
    if width not in tabs:
        tabs[width] = open_page(browser, url, address, width)
        return tabs[width]
    page = tabs[width]
    if page.evaluate(MENU_SHUT):
        page.get_by_test_id("stExpandSidebarButton").click()
    page.locator(f"[data-testid=stSidebarNav] a[href$='/{address}']").click()
    expect(page.get_by_role("heading", name=PAGES[address], exact=True).first).to_be_visible(
        timeout=30_000
    )
    settle(page)
    return page


def screenshot(page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main area, so the window is made as tall
    as the page for the picture (a full-page screenshot alone would stop at the window). The
    window is given back its size afterwards; whatever is read next waits for the redraw."""
    ARTIFACTS.mkdir(exist_ok=True)
    size = page.viewport_size
    tall = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], "
        "[data-testid=stAppViewContainer], body')].map(e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": size["width"], "height": min(tall + 40, 12_000)})
    settle(page)  # charts redraw at the new size
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(size)


def drawn_charts(page) -> list[dict]:
    return page.evaluate(CHARTS_JS)


# What the page looks like now: when this stops changing, Streamlit has finished the page.
SNAPSHOT_JS = """() => [document.querySelectorAll('[data-testid=stElementContainer]').length,
  document.querySelectorAll('.vega-embed svg').length,
  document.querySelectorAll('.vega-embed').length,
  document.querySelectorAll('[data-stale=true], [data-testid=stSkeleton]').length,
  document.querySelector('[data-testid=stStatusWidget]') ? 1 : 0].join(' ')"""


def settle(page, quiet_ms: int = 750, limit_ms: int = 60_000) -> None:
    """Wait until the script has finished and every chart has drawn: nothing running, no
    placeholder or stale element, every chart an SVG, and no change for `quiet_ms`."""
    waited, last, same_for = 0, None, 0
    while waited < limit_ms:
        now = page.evaluate(SNAPSHOT_JS)
        _, drawn, charts, pending, running = (int(n) for n in now.split())
        same_for = same_for + 250 if now == last else 0
        if same_for >= quiet_ms and drawn == charts and not pending and not running:
            return
        last = now
        page.wait_for_timeout(250)
        waited += 250
    raise AssertionError(f"the page did not settle: {last}")


def chart_problems(charts: list[dict]) -> list[str]:
    """What makes each measured chart unreadable without its caption."""
    problems = []
    for n, chart in enumerate(charts, start=1):
        if not chart["svg"]:
            problems.append(f"chart {n} is not drawn as SVG (its marks cannot be checked)")
            continue
        # a title on several lines reads as one text with the spaces between lines gone
        name = "".join(chart["name"].split())
        named = [t for t in chart["titles"] if name.startswith("".join(t.split()))]
        title = (named or chart["titles"] or [f"chart {n}"])[0]
        if not chart["titles"]:
            problems.append(f"{title} has no title")
        drawn = [s for s in chart["shapes"] if s["width"] > 0.5 or s["height"] > 0.5]
        if not drawn:
            problems.append(f"{title} draws no marks")
        bars = [s for s in chart["shapes"] if s["kind"] == "mark-rect"]
        if bars and not any(s["width"] > 0.5 and s["height"] > 0.5 for s in bars):
            problems.append(f"{title}: every bar is 0 px")
        if chart["height"] < 150:
            problems.append(f"{title} is {chart['height']:.0f} px tall")
        if not name or chart["name"] == "Vega visualization":
            problems.append(f"{title} is announced as {chart['name']!r}, not by its title")
        elif chart["titles"] and not named:
            problems.append(f"{title} is announced as {chart['name']!r}")
        if len(series_colours(chart["shapes"])) > 1 and not chart["legends"]:
            problems.append(f"{title} shows several series but no legend")
    return problems


def series_colours(shapes: list[dict]) -> set[str]:
    """The colours of the lines and bars: more than one means more than one series."""
    lines = {s["stroke"] for s in shapes if s["kind"] == "mark-line" and s["stroke"]}
    bars = {s["fill"] for s in shapes if s["kind"] == "mark-rect" and s["fill"]}
    return lines | bars


def serious_accessibility_problems(page) -> list[str]:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.help + ' (' + v.nodes.length + ', e.g. '"
        " + v.nodes[0].target.join(' ') + ': ' + v.nodes[0].failureSummary + ')')"
    )
    return list(found)


@pytest.mark.parametrize("size", WIDTHS)
@pytest.mark.parametrize("address", PAGES)
def test_every_page_reads_at_every_width(server, browser, tabs, address, size):
    page = move_to(tabs, browser, server, address, WIDTHS[size])
    try:
        assert chart_problems(drawn_charts(page)) == []
        # tables are drawn on a canvas; their cells' text is in the grid kept for screen readers
        cells = page.evaluate(
            "() => [...document.querySelectorAll('[data-testid=stDataFrame] [role=gridcell]')]"
            ".map(c => c.textContent).join(' | ')"
        )
        text = page.locator("body").inner_text() + "\n" + cells
        assert EMPTY_WORDS.findall(text) == [], [
            text[max(0, m.start() - 60) : m.end() + 20] for m in EMPTY_WORDS.finditer(text)
        ]
        problems = serious_accessibility_problems(page)
        assert problems == [], "\n".join(problems)
        if size == "phone":  # nothing wider than the screen: no sideways scrolling
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= WIDTHS[size] + 1
        screenshot(page, f"{address}-{size}")
    except Exception:
        tabs.pop(WIDTHS[size]).close()
        raise


def test_a_chart_that_draws_nothing_is_caught(server, browser):
    """The chart check fails on what it must fail on, measured on real charts then spoiled:
    every bar 0 px tall, the name "Vega visualization", no title, no legend."""
    page = open_page(browser, server, "explorer", 1440)
    try:
        measured = drawn_charts(page)
    finally:
        page.close()
    assert chart_problems(measured) == []
    bars = next(c for c in measured if any(s["kind"] == "mark-rect" for s in c["shapes"]))
    spoiled = {**bars, "name": "Vega visualization",
               "shapes": [{**s, "height": 0} for s in bars["shapes"]]}  # fmt: skip
    problems = " ".join(chart_problems([spoiled]))
    assert "every bar is 0 px" in problems and "Vega visualization" in problems
    lines = next(c for c in measured if len(series_colours(c["shapes"])) > 1)
    assert "no legend" in " ".join(chart_problems([{**lines, "legends": []}]))
    assert "has no title" in " ".join(chart_problems([{**lines, "titles": []}]))


def test_a_response_is_recorded_and_a_return_loaded(server, browser, reading, tmp_path):
    page = open_page(browser, server, "questions", 1440)
    page.get_by_role("textbox", name="Owner").fill("Head of housing")
    page.get_by_role("textbox", name="Response", exact=True).fill("Recorded in a real browser.")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_text("Recorded.").first).to_be_visible(timeout=30_000)
    answered = [f for f in review_log.flags() if f["response"] == "Recorded in a real browser."]
    assert len(answered) == 1 and answered[0]["owner"] == "Head of housing"
    page.close()

    page = open_page(browser, server, "load", 1440)
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
    screenshot(page, "load-a-return-loaded")
    page.close()


def test_the_phone_menu_closes_after_a_tap(server, browser):
    """On a phone the menu starts closed and opens over the page; choosing a page closes it
    again, so the page chosen can be read."""
    page = open_page(browser, server, "overview", 390)
    try:
        assert page.evaluate(MENU_SHUT)
        page.get_by_test_id("stExpandSidebarButton").click()
        page.wait_for_function(MENU_OPEN, timeout=10_000)
        page.get_by_test_id("stSidebar").get_by_role(
            "link", name="Definitions and glossary"
        ).click()
        expect(page.get_by_role("heading", name="Definitions and glossary")).to_be_visible(
            timeout=30_000
        )
        page.wait_for_function(MENU_SHUT, timeout=10_000)
    finally:
        page.close()


def test_focus_is_always_visible(server, browser):
    """Moving through the page with the keyboard, whatever has focus has an outline."""
    page = open_page(browser, server, "questions", 1440)
    try:
        seen = []
        for _ in range(8):
            page.keyboard.press("Tab")
            seen.append(
                page.evaluate(
                    "() => { const e = document.activeElement, s = getComputedStyle(e); "
                    "return [e.tagName + ' ' + (e.getAttribute('aria-label') || e.textContent)"
                    ".slice(0, 40), s.outlineStyle, parseFloat(s.outlineWidth)]; }"
                )
            )
        hidden = [name for name, style, width in seen if style == "none" or width < 2]
        assert hidden == [], seen
    finally:
        page.close()

"""The dashboard as people meet it: how long its pages take in a real browser, and whether the
server's memory stays flat as sessions come and go.

Serves the real dashboard (`streamlit run`) on the sample data, loaded and refreshed as
`make run` does, then opens SESSIONS browser sessions one after another in Debian's Chromium.
Each session opens the first screen (a first visit) and moves to one other page, in turn (a
move between pages); it then closes, as a person closing the tab. After each session the
server's resident memory is read from /proc.

Prints the median and slowest first visit and move between pages, and the server's memory
after 10 sessions and after the last. Exits 1 when the memory after the last session is more
than 20% above its level after the first 10. Run with `make perf-dashboard` (about 10 minutes
for 200 sessions; `SESSIONS=40 make perf-dashboard` for a quick look). Not part of `make test`.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.served import dashboard  # noqa: E402 - the one way the tests serve it too

BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
SESSIONS = int(os.environ.get("SESSIONS", "200"))
SETTLED = 10  # sessions after which the server has filled its caches
ALLOWED_GROWTH = 0.20
AS_OF = "2026-11-22"


def prepare(data: Path) -> None:
    """Load the sample returns and the published statistics and refresh, as `make run` does."""
    env = {**os.environ, "PQA_DATA_DIR": str(data)}
    samples = sorted(str(p) for p in (ROOT / "data" / "raw" / "sample").iterdir())
    published = sorted(str(p) for p in (ROOT / "data" / "reference" / "dfe").glob("*.csv"))
    for command in (
        ["load", *samples],
        ["benchmarks", "load", *published],
        ["benchmarks", "neighbours"],
        ["refresh", "--as-of", AS_OF],
    ):
        subprocess.run([BIN / "pqa", *command], env=env, check=True, capture_output=True)


def server_memory_mb(port: int) -> float:
    """Resident memory of the streamlit process serving on `port`."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
            status = (proc / "status").read_text()
        except OSError:
            continue
        if b"streamlit" in b" ".join(command) and str(port).encode() in command:
            rss = next(line for line in status.splitlines() if line.startswith("VmRSS"))
            return int(rss.split()[1]) / 1024
    raise RuntimeError(f"no dashboard process serving on port {port}")


# Every chart on the page has been drawn (Vega draws each into an SVG or a canvas).
CHARTS_DRAWN = """() => [...document.querySelectorAll('.vega-embed')]
    .every(embed => embed.querySelector('svg, canvas'))"""


def ready(page) -> None:
    """Wait until the page can be read: its title shows, its script has finished running
    (Streamlit shows a "Running" status until then) and every chart has been drawn."""
    page.locator("h1").first.wait_for(state="visible", timeout=60_000)
    page.locator("[data-testid='stStatusWidget']").first.wait_for(state="detached", timeout=60_000)
    page.wait_for_function(CHARTS_DRAWN, timeout=60_000)


def main() -> int:
    from playwright.sync_api import sync_playwright

    from tests.served import free_port

    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        prepare(data)
        port = free_port()
        with dashboard(data, port) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            first_visits, moves, memory = [], [], []
            for session in range(SESSIONS):
                context = browser.new_context(viewport={"width": 1440, "height": 1000})
                page = context.new_page()
                started = time.perf_counter()
                page.goto(url)
                ready(page)
                first_visits.append(time.perf_counter() - started)
                links = page.locator("[data-testid='stSidebarNav'] a")
                target = links.nth(1 + session % max(1, links.count() - 1))
                name = target.inner_text().strip()
                started = time.perf_counter()
                target.click()
                page.get_by_role("heading", name=name, exact=True).first.wait_for(
                    state="visible", timeout=60_000
                )
                ready(page)
                moves.append((name, time.perf_counter() - started))
                context.close()
                memory.append(server_memory_mb(port))
                if (session + 1) % 20 == 0:
                    print(f"  {session + 1:4d} sessions: server {memory[-1]:7.1f} MB", flush=True)
            browser.close()
    return report(first_visits, moves, memory)


def report(first_visits: list[float], moves: list[tuple[str, float]], memory: list[float]) -> int:
    settled, last = memory[min(SETTLED, len(memory)) - 1], memory[-1]
    growth = last / settled - 1
    seconds = [s for _, s in moves]
    print(f"Dashboard on the sample data, {len(memory)} browser sessions:")
    print(f"  first visit (first screen)  median {statistics.median(first_visits):5.2f} s, "
          f"slowest {max(first_visits):5.2f} s")  # fmt: skip
    print(f"  move between pages          median {statistics.median(seconds):5.2f} s, "
          f"slowest {max(seconds):5.2f} s")  # fmt: skip
    for name in dict.fromkeys(n for n, _ in moves):
        to_it = [s for n, s in moves if n == name]
        print(f"    to {name:<32} median {statistics.median(to_it):5.2f} s")
    print(f"  server memory after {SETTLED} sessions {settled:7.1f} MB; after {len(memory)}: "
          f"{last:7.1f} MB ({growth:+.0%}; allowed {ALLOWED_GROWTH:+.0%})")  # fmt: skip
    return 1 if growth > ALLOWED_GROWTH else 0


if __name__ == "__main__":
    sys.exit(main())

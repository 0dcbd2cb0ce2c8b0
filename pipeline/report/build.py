"""`pqa report`: the six-monthly data report of one period, as a Word document and a
self-contained HTML file, from the published marts.

The same marts (and review log) give the same document: everything is ordered by its key and
nothing depends on the clock except the "made on" line and the Word file's creation time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipeline.core.catalogue import DEFAULT_AREA
from pipeline.report.charts import quarterly_chart
from pipeline.report.content import Report, build_content
from pipeline.report.html import write_html
from pipeline.report.marts import read_marts
from pipeline.report.word import write_word


@dataclass(frozen=True)
class ReportFiles:
    word: Path
    html: Path
    report: Report


def file_stem(period: str, public: bool) -> str:
    """Like pqa-report-2026-27-Q2-public: the version is in the name of every file."""
    version = "public" if public else "partnership"
    return f"pqa-report-{period.replace(' ', '-')}-{version}"


def build_report(
    period: str,
    out: Path,
    public: bool = False,
    area: str = DEFAULT_AREA,
    marts_folder: Path | None = None,
    created: datetime | None = None,
) -> ReportFiles:
    """Write the report of `period` (like 2026-27 Q2, the last quarter of the six months)
    into `out`; returns the paths of the Word and HTML files (the dashboard calls this too)."""
    created = created or datetime.now(UTC).replace(microsecond=0)
    report = build_content(read_marts(marts_folder), period, public, area)
    blocks = [b for s in report.sections for b in s.blocks]
    # vl-convert renders outside Python's lock: a few threads halve the wait on two cores
    with ThreadPoolExecutor(max_workers=4) as pool:
        pngs = pool.map(
            lambda b: quarterly_chart(b.chart_points, b.chart_title, b.chart_axis), blocks
        )
        for block, png in zip(blocks, pngs):
            block.chart_png = png
    out.mkdir(parents=True, exist_ok=True)
    stem = file_stem(report.period, public)
    word = write_word(report, out / f"{stem}.docx", created)
    html = write_html(report, out / f"{stem}.html", created)
    return ReportFiles(word, html, report)

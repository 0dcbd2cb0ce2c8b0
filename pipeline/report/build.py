"""`pqa report`: the six-monthly data report of one period, as a Word document and a
self-contained HTML file, from the published marts.

The same marts (and review log) give the same document: everything is ordered by its key and
nothing depends on the clock except the "made on" line and the Word file's creation time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipeline.core.catalogue import DEFAULT_AREA
from pipeline.report.charts import Painters
from pipeline.report.content import Report, build_content
from pipeline.report.html import write_html
from pipeline.report.marts import read_marts
from pipeline.report.word import compose_word, save_word


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
    with Painters() as painters:  # they start while the content is worked out
        report = build_content(read_marts(marts_folder), period, public, area)
        blocks = [b for s in report.sections for b in s.blocks]
        painters.ask([(b.chart_points, b.chart_title, b.chart_axis) for b in blocks])
        document, chart_places = compose_word(report, created)  # while the charts are drawn
        pngs = painters.collect()
    for block, png in zip(blocks, pngs):
        block.chart_png = png
    out.mkdir(parents=True, exist_ok=True)
    stem = file_stem(report.period, public)
    word = save_word(document, chart_places, pngs, out / f"{stem}.docx")
    html = write_html(report, out / f"{stem}.html", created)
    return ReportFiles(word, html, report)

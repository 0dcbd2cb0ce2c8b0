"""The report as one self-contained HTML file: styles inline, charts embedded as PNG data, no
script and nothing fetched. Every text is escaped, so a response typed as `<script>` shows as
those characters and runs nothing."""

from __future__ import annotations

import base64
from datetime import datetime
from html import escape
from pathlib import Path

from pipeline.report.content import Report, Table

STYLE = """
body { font-family: Arial, Helvetica, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.8rem; } h2 { border-bottom: 2px solid #1f5a96; padding-bottom: .2rem; }
table { border-collapse: collapse; margin: .6rem 0 1rem; }
th, td { border: 1px solid #9a9a9a; padding: .25rem .5rem; text-align: left;
         vertical-align: top; }
th { background: #e8eef5; }
td.figure { text-align: right; white-space: nowrap; }
.note { background: #fff4d6; padding: .5rem .8rem; border-left: 4px solid #b58100; }
.summary { page-break-after: always; }
img { max-width: 100%; }
.alt { font-style: italic; color: #4a4a4a; font-size: .9rem; }
.commentary { border-left: 4px solid #5a8f29; padding-left: .8rem; }
"""


def e(text: str) -> str:
    """Typed text as HTML text: escaped first, then its line breaks kept."""
    return escape(text).replace("\n", "<br>")


def write_html(report: Report, path: Path, created: datetime) -> Path:
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(report.title)} ({e(report.version)})</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{e(report.title)}</h1>",
        f"<p>{e(report.area_name)}. Quarter ending the period: {e(report.period)}. "
        f"<strong>{e(report.version)}</strong>.</p>",
        f'<p class="created">Made on {created:%d %B %Y at %H:%M} UTC.</p>',
    ]
    if report.disclosure_note:
        out.append(f'<p class="note">{e(report.disclosure_note)}</p>')
    out.append('<section class="summary"><h2>Summary</h2>')
    for heading, lines in (
        ("What changed", report.summary_changes),
        ("Questions raised", report.summary_questions),
        ("Returns late or missing", report.summary_returns),
    ):
        out.append(f"<h3>{e(heading)}</h3><ul>")
        out.extend(f"<li>{e(line)}</li>" for line in lines)
        out.append("</ul>")
    if report.narratives:
        out.append("<h3>What the agencies say</h3>")
        for agency, lines in report.narratives.items():
            out.append(f'<div class="commentary"><h4>{e(agency)}</h4>')
            out.extend(f"<p>{e(line)}</p>" for line in lines)
            out.append("</div>")
    out.append("</section>")
    for part in report.sections:
        out.append(f'<section class="priority"><h2>{e(part.priority)}</h2>')
        for block in part.blocks:
            data = base64.b64encode(block.chart_png).decode("ascii")
            out.append(f'<article id="{e(block.code)}"><h3>{e(block.label)}</h3>')
            out.append(f"<p>From {e(block.agency_name)}.</p>")
            out.append(
                f'<img src="data:image/png;base64,{data}" alt="{e(block.chart_alt)}">'
                f'<p class="alt">{e(block.chart_alt)}</p>'
            )
            out.append(_table(block.table, figures=True))
            out.extend(f"<p>{e(line)}</p>" for line in block.change_words)
            if block.benchmark_words:
                out.append(f"<p>{e(block.benchmark_words)}</p>")
            if block.commentary:
                out.append(
                    '<div class="commentary"><p><strong>The agency\'s commentary</strong></p>'
                )
                out.extend(f"<p>{e(line)}</p>" for line in block.commentary)
                out.append("</div>")
            out.append("</article>")
        out.append("</section>")
    out.append('<section id="questions"><h2>Questions raised, responses and impact</h2>')
    if not report.questions:
        out.append("<p>No questions were raised about these six months.</p>")
    for agency, table in report.questions.items():
        out.append(f"<h3>{e(agency)}</h3>{_table(table)}")
    out.append("</section>")
    out.append('<section id="definitions"><h2>Appendix: definitions</h2>')
    out.append(_table(report.definitions))
    out.append("</section></body></html>")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def _table(table: Table, figures: bool = False) -> str:
    head = "".join(f'<th scope="col">{e(c)}</th>' for c in table.columns)
    rows = []
    for values in table.rows:
        first, rest = values[0], values[1:]
        cls = ' class="figure"' if figures else ""
        cells = f'<th scope="row">{e(first)}</th>' if figures else f"<td>{e(first)}</td>"
        cells += "".join(f"<td{cls}>{e(v)}</td>" for v in rest)
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"

"""The report as a Word document (python-docx): partnerships edit and circulate Word."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Cm, Pt

from pipeline.report.content import Report, Table


def save_word(doc, chart_places: list, pngs: list[bytes], path: Path) -> Path:
    """Put each chart in its place and write the file."""
    for place, png in zip(chart_places, pngs, strict=True):
        place.add_run().add_picture(io.BytesIO(png), width=Cm(16))
    doc.save(path)
    return path


def compose_word(report: Report, created: datetime) -> tuple:
    """The document with an empty paragraph where each chart goes (in the blocks' order), so it
    can be written while the charts are drawn."""
    chart_places = []
    doc = Document()
    doc.core_properties.title = report.title
    doc.core_properties.author = "pqa report"
    doc.core_properties.created = created
    doc.core_properties.modified = created
    doc.core_properties.revision = 1
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.left_margin = section.right_margin = Cm(2)
    doc.styles["Normal"].font.name = "Arial"
    doc.styles["Normal"].font.size = Pt(10)

    doc.add_heading(report.title, level=0)
    doc.add_paragraph(
        f"{report.area_name}. Quarter ending the period: {report.period}. {report.version}."
    )
    if report.disclosure_note:
        doc.add_paragraph(report.disclosure_note)
    doc.add_heading("Summary", level=1)
    for heading, lines in (
        ("What changed", report.summary_changes),
        ("Questions raised", report.summary_questions),
        ("Returns late or missing", report.summary_returns),
    ):
        doc.add_heading(heading, level=2)
        for line in lines:
            doc.add_paragraph(line, style="List Bullet")
    if report.narratives:
        doc.add_heading("What the agencies say", level=2)
        for agency, lines in report.narratives.items():
            doc.add_paragraph(agency).runs[0].bold = True
            for line in lines:
                doc.add_paragraph(line)
    doc.add_page_break()

    for part in report.sections:
        doc.add_heading(part.priority, level=1)
        for block in part.blocks:
            doc.add_heading(block.label, level=2)
            doc.add_paragraph(f"From {block.agency_name}.")
            chart_places.append(doc.add_paragraph())
            doc.add_paragraph(block.chart_alt).runs[0].italic = True
            _table(doc, block.table)
            for line in block.change_words:
                doc.add_paragraph(line)
            if block.benchmark_words:
                doc.add_paragraph(block.benchmark_words)
            if block.commentary:
                doc.add_paragraph("The agency's commentary:").runs[0].bold = True
                for line in block.commentary:
                    doc.add_paragraph(line)

    doc.add_page_break()
    doc.add_heading("Questions raised, responses and impact", level=1)
    if not report.questions:
        doc.add_paragraph("No questions were raised about these six months.")
    for agency, table in report.questions.items():
        doc.add_heading(agency, level=2)
        _table(doc, table)

    doc.add_page_break()
    doc.add_heading("Appendix: definitions", level=1)
    _table(doc, report.definitions)
    return doc, chart_places


def _table(doc, table: Table) -> None:
    grid = doc.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, table.columns):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for values in table.rows:
        for cell, text in zip(grid.add_row().cells, values):
            cell.text = text  # typed text goes in as text: Word runs no part of it

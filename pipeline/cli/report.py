"""`pqa report`: the six-monthly data report as a Word document and an HTML file."""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

from pipeline.cli.exits import EXIT_REFUSED, EXIT_USAGE
from pipeline.core.periods import PeriodError


def add_commands(commands) -> None:
    report = commands.add_parser(
        "report",
        help="write the six-monthly data report (Word and HTML) from the published marts",
    )
    report.add_argument(
        "--period",
        help='the last quarter of the six months, like "2026-27 Q2"',
    )
    report.add_argument(
        "--matters",
        nargs=2,
        type=date.fromisoformat,
        metavar=("FROM", "TO"),
        help="instead, write the yearly report's 'Questions / matters raised | Response | "
        "Impact' table (Markdown and Excel) for meetings held FROM to TO (YYYY-MM-DD)",
    )
    report.add_argument(
        "--public",
        action="store_true",
        help="the public version: small counts shown as 'fewer than 5' and every figure that "
        "could reveal one hidden (the partnership version is not changed)",
    )
    report.add_argument(
        "--out", type=Path, default=Path("reports"), help="folder to write (default reports/)"
    )
    report.set_defaults(run=run)


def run(args) -> int:
    if args.matters:
        return _matters(args)
    if not args.period:
        print('Say which report: --period "2026-27 Q2", or --matters FROM TO.', file=sys.stderr)
        return EXIT_USAGE
    started = time.perf_counter()  # the figure reported includes loading the libraries
    from pipeline.report.build import build_report
    from pipeline.report.content import ReportError
    from pipeline.report.marts import NoMarts

    try:
        files = build_report(args.period, args.out, public=args.public)
    except (PeriodError, ReportError, NoMarts) as exc:
        print(f"No report: {exc}.", file=sys.stderr)
        return EXIT_REFUSED
    report = files.report
    print(f"{report.title}, {report.version.lower()}, in {time.perf_counter() - started:.1f} s:")
    print(f"  {files.word}")
    print(f"  {files.html}")
    if report.public:
        print(f"  {len(report.hidden)} figure(s) hidden or withheld by disclosure control.")
    return 0


def _matters(args) -> int:
    from pipeline.flags.export import write_excel, write_markdown
    from pipeline.report import meetings
    from pipeline.report.content import later_figures
    from pipeline.report.marts import NoMarts, read_marts

    start, end = args.matters
    try:
        figures = later_figures(read_marts(live_reviews=False).quarterly)
    except NoMarts:
        figures = {}  # the table still says what was raised; only the later figures are absent
    rows = meetings.yearly_report_rows(start, end, figures)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"questions-and-matters-{start}-to-{end}"
    written = [
        write_markdown(rows, args.out / f"{stem}.md"),
        write_excel(rows, args.out / f"{stem}.xlsx"),
    ]
    print(f"{len(rows)} matter(s) raised at meetings held from {start} to {end}:")
    for path in written:
        print(f"  {path}")
    return 0

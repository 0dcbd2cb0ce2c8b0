"""`pqa report`: the six-monthly data report as a Word document and an HTML file."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from pipeline.cli.exits import EXIT_REFUSED
from pipeline.core.periods import PeriodError


def add_parser(commands) -> None:
    report = commands.add_parser(
        "report",
        help="write the six-monthly data report (Word and HTML) from the published marts",
    )
    report.add_argument(
        "--period",
        required=True,
        help='the last quarter of the six months, like "2026-27 Q2"',
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
    from pipeline.report.build import build_report
    from pipeline.report.content import ReportError
    from pipeline.report.marts import NoMarts

    started = time.perf_counter()
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

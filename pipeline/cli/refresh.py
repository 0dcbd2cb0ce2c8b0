"""`pqa refresh` and `pqa status`: build, check and publish the marts, and what the command line
prints of a run."""

from __future__ import annotations

import sys
from datetime import date
from typing import TYPE_CHECKING

from pipeline.cli.exits import EXIT_BUSY, EXIT_REFUSED, EXIT_UNEXPECTED
from pipeline.core import paths

if TYPE_CHECKING:  # importing the refresh would bring dbt's and the flags' imports to `status`
    from pipeline.publish.refresh import RefreshReport


def add_commands(commands) -> None:
    refresh = commands.add_parser(
        "refresh",
        help="load the inbox, build and check the marts, "
        "and publish them to data/marts/ if every check passes",
    )
    refresh.add_argument(
        "--as-of",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="treat this day as today: which quarters have ended and which "
        "returns are due (default: today)",
    )
    refresh.add_argument(
        "--by", help="who loads the inbox returns (default: $PQA_USER or your login name)"
    )
    refresh.set_defaults(run=_refresh)

    status = commands.add_parser(
        "status",
        help="when the last refresh ran, what it covers, and which returns are missing or late",
    )
    status.set_defaults(run=_status)


def _refresh(args) -> int:
    from pipeline.publish.refresh import RefreshRunning, refresh

    try:
        report = refresh(today=args.as_of, loaded_by=args.by)
    except RefreshRunning as exc:
        print(f"Busy: {exc}", file=sys.stderr)
        return EXIT_BUSY
    print_refresh_report(report)
    if report.unexpected:
        return EXIT_UNEXPECTED
    return 0 if report.outcome == "succeeded" else EXIT_REFUSED


def _status(args) -> int:
    from pipeline.publish.status import print_status

    return print_status()


def print_refresh_report(report: RefreshReport) -> None:
    from pipeline.publish.status import describe_coverage

    print(
        f"Refresh {report.run_id} (as of {report.as_of}): {report.outcome} in "
        f"{report.total_seconds:.1f} s"
    )
    for step, seconds in report.step_seconds.items():
        print(f"  {step:<14}{seconds:6.1f} s{_step_detail(report, step)}")
    for inbox_file in report.inbox:
        print(
            f"  inbox: {inbox_file.name}: {inbox_file.outcome}, {inbox_file.detail} "
            f"({inbox_file.where_in_words()})"
        )
    if report.published:
        print(f"Published to {paths.marts_dir()}:")
        for name, rows in report.rows.items():
            print(f"  {name + '.parquet':<32}{rows:>8,} rows")
        print(describe_coverage(report.coverage))
    else:
        print(f"Nothing was published: the marts in {paths.marts_dir()} were left as they were.")
    if report.problems:
        print("Problems:")
        for problem in report.problems:
            print(f"  {problem}")
    for notice in report.notices:
        print(f"Note: {notice}")
    print(
        f"Run log: {paths.logs_dir() / 'refresh.log'}; dbt's log: "
        f"{paths.logs_dir() / 'dbt' / 'dbt.log'}"
    )


def _step_detail(report: RefreshReport, step: str) -> str:
    if step == "expectations" and report.quality:
        return f"   {report.quality.passed} passed, {len(report.quality.failed)} failed"
    if step == "load inbox":
        return f"   {len(report.inbox)} file(s) in the inbox"
    return ""

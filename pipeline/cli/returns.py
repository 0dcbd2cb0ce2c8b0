"""`pqa template`, `pqa load`, `pqa indicators` and `pqa submissions`: a return's way in,
and what the command line prints of it: plain words, every finding with its place in the file
and what to do."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.cli.exits import EXIT_REFUSED, EXIT_USAGE
from pipeline.core import paths
from pipeline.core.catalogue import DEFAULT_AREA

if TYPE_CHECKING:  # the loader brings DuckDB and pyarrow, which most commands never need
    from pipeline.ingest.load import FileOutcome, LoadReport


def add_commands(commands) -> None:
    template = commands.add_parser(
        "template", help="write an Excel template for one agency's quarterly return"
    )
    template.add_argument("agency", help="agency code, for example childrens_social_care")
    template.add_argument(
        "--area",
        default=DEFAULT_AREA,
        help="ONS area code filled in (default E06000046, Isle of Wight)",
    )
    template.add_argument(
        "--period",
        help="period filled in, like '2025-26 Q2' (default: the last quarter that has ended)",
    )
    template.add_argument(
        "--out",
        type=Path,
        help="file to write (default: AGENCY_AREA_PERIOD.xlsx in the current folder)",
    )
    template.set_defaults(run=_template)

    load = commands.add_parser("load", help="validate and load returns (.xlsx or .csv)")
    load.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="return files, or folders whose .csv and .xlsx files are all loaded",
    )
    load.add_argument(
        "--check", action="store_true", help="validate only: report what would load, change nothing"
    )
    load.add_argument("--by", help="who is loading (default: $PQA_USER or your login name)")
    load.set_defaults(run=_load)

    indicators = commands.add_parser("indicators", help="list the indicator catalogue")
    indicators.add_argument("--agency", help="only this agency's indicators")
    indicators.set_defaults(run=_indicators)

    submissions = commands.add_parser(
        "submissions", help="list loaded submissions, with the ones corrections replaced"
    )
    submissions.add_argument("--agency")
    submissions.add_argument("--period")
    submissions.set_defaults(run=_submissions)


def _template(args) -> int:
    from pipeline.core.catalogue import load_catalogue
    from pipeline.ingest.returns.template import TemplateError, write_template

    try:
        out = write_template(load_catalogue(), args.agency, args.area, args.period, args.out)
    except TemplateError as exc:
        print(f"Cannot write the template: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(
        f"Wrote {out}: fill in the value column (and numerator and denominator for "
        "percentages, rates and waiting times), then load it with: pqa load " + str(out)
    )
    return 0


def _load(args) -> int:
    from pipeline.ingest.load import load_returns

    files = [
        p
        for path in args.files
        for p in (
            sorted(f for f in path.iterdir() if f.suffix.lower() in (".csv", ".xlsx"))
            if path.is_dir()
            else [path]
        )
    ]
    report = load_returns(files, loaded_by=args.by, check_only=args.check)
    print_load_report(report, check_only=args.check)
    return EXIT_REFUSED if report.refused else 0


def _indicators(args) -> int:
    from pipeline.core.catalogue import load_catalogue

    catalogue = load_catalogue()
    for indicator in catalogue.indicators.values():
        if args.agency in (None, indicator.agency):
            print(f"{indicator.code:42} {indicator.kind:13} {indicator.label}")
    return 0


def _submissions(args) -> int:

    print_submissions(agency=args.agency, period=args.period)
    return 0


def print_load_report(report: LoadReport, check_only: bool = False) -> None:
    for outcome in report.outcomes:
        _print_outcome(outcome, report.committed)
    refused = report.refused
    if refused:
        print(
            f"\nNothing was loaded: {len(refused)} of {len(report.outcomes)} file(s) refused. "
            "Correct the errors above and load the file(s) again."
        )
    elif check_only:
        print(
            f"\nChecked {len(report.outcomes)} file(s): no errors; nothing was loaded "
            "(--check). Load them without --check when ready."
        )
    else:
        figures = sum(s.figure_count for o in report.outcomes for s in o.submissions)
        new_files = sum(1 for o in report.outcomes if o.already_loaded is None)
        if new_files == 0:
            print(f"\nNothing new: all {len(report.outcomes)} file(s) were loaded before.")
        else:
            print(
                f"\nLoaded {figures} figure(s) from {new_files} file(s) into "
                f"{paths.warehouse_path()}."
            )


def _print_outcome(outcome: FileOutcome, committed: bool) -> None:
    from pipeline.ingest.returns.findings import errors, queries

    result = outcome.result
    found_errors, found_queries = errors(result.findings), queries(result.findings)
    name = outcome.path.name
    if found_errors:
        print(f"{name}: refused, {len(found_errors)} error(s)")
        for finding in found_errors:
            print(f"  {finding.describe()}")
        return
    if outcome.already_loaded:
        print(f"{name}: already loaded ({outcome.already_loaded}); nothing to do")
        return
    if committed:
        for s in outcome.submissions:
            replaced = f", replaces submission {s.supersedes}" if s.supersedes else ""
            print(
                f"{name}: loaded {s.figure_count} figure(s) for {s.agency}, {s.area_code} "
                f"{s.period} as submission {s.submission_id}{replaced}"
            )
    else:
        for (area, period), figures in result.submissions().items():
            print(
                f"{name}: would load {len(figures)} figure(s) for {result.agency}, {area} {period}"
            )
    for finding in found_queries:
        print(f"  {finding.describe()}")


def print_submissions(agency: str | None = None, period: str | None = None) -> None:
    from pipeline.ingest import warehouse

    with warehouse.connect() as con:
        rows = con.execute(
            """
            select s.submission_id, s.agency, s.area_code, s.period, s.file_name,
                   strftime(s.loaded_at, '%Y-%m-%d %H:%M'), s.loaded_by, s.figure_count,
                   later.submission_id as replaced_by
            from raw.submissions s
            left join raw.submissions later on later.supersedes = s.submission_id
            where (? is null or s.agency = ?) and (? is null or s.period = ?)
            order by s.agency, s.area_code, s.period, s.submission_id
            """,
            [agency, agency, period, period],
        ).fetchall()
    if not rows:
        print("No submissions loaded yet.")
        return
    for sid, ag, area, per, file_name, at, by, count, replaced_by in rows:
        state = f"replaced by {replaced_by}" if replaced_by else "current"
        print(
            f"{sid:>5}  {ag:22} {area} {per}  {count:>3} figures  {at} by {by:12} "
            f"{state:16} {file_name}"
        )

"""The `pqa` command. Exit code 0 only on success; no traceback reaches the user (details of an
unexpected failure go to data/logs/pqa-errors.log)."""

from __future__ import annotations

import argparse
import sys
import traceback
from datetime import date, datetime
from pathlib import Path

from pipeline.cli import report as report_command
from pipeline.cli.exits import EXIT_BUSY, EXIT_REFUSED, EXIT_UNEXPECTED, EXIT_USAGE
from pipeline.core import paths
from pipeline.core.catalogue import DEFAULT_AREA
from pipeline.flags import STATUSES


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_USAGE
    from pipeline.ingest.warehouse import WarehouseBusy

    try:
        return args.run(args)
    except WarehouseBusy as exc:
        print(f"Busy: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except KeyboardInterrupt:
        print("Stopped; nothing was changed.", file=sys.stderr)
        return EXIT_UNEXPECTED
    except BrokenPipeError:  # the reader went away (`pqa flags | head`): nothing to say
        sys.stderr.close()
        return 0
    except Exception as exc:  # the last line of defence: a message, never a traceback
        # imported only now: the review log brings the flag engine (1.6 s), which most
        # commands never need
        from pipeline.flags.review_log import ReviewLogDamaged

        if isinstance(exc, ReviewLogDamaged):
            print(f"Cannot go on: {exc}", file=sys.stderr)
            return EXIT_REFUSED
        where = _log_unexpected(argv)
        print(
            f"Something went wrong: {type(exc).__name__}: {exc}. Nothing was changed. {where}",
            file=sys.stderr,
        )
        return EXIT_UNEXPECTED


def _log_unexpected(argv: list[str] | None) -> str:
    """Write the traceback of the error being handled to data/logs/pqa-errors.log, and say
    where it is; when even that cannot be written (a full disk), say so in the same line."""
    log = paths.logs_dir() / "pqa-errors.log"
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a", encoding="utf-8") as f:
            command = " ".join(argv or sys.argv[1:])
            f.write(f"--- {datetime.now():%Y-%m-%d %H:%M:%S} pqa {command}\n")
            f.write(traceback.format_exc())
    except OSError as failed:  # the message must still be one plain line
        return (
            f"The details could not be written to {log} either "
            f"({failed.strerror or type(failed).__name__}): check the disk has space."
        )
    return f"Details are in {log}."


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pqa",
        description="Quarterly returns, indicator marts and flagged questions for a "
        "safeguarding children partnership.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

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

    _flags_parser(commands)
    _benchmarks_parser(commands)
    _backup_parsers(commands)
    report_command.add_parser(commands)

    synth = commands.add_parser(
        "synth",
        help="write synthetic returns for N areas and Q quarters, to measure the product at scale",
    )
    synth.add_argument(
        "--areas",
        type=int,
        default=4,
        help="how many areas, the Isle of Wight "
        "first (default 4; 153 is every English local authority)",
    )
    synth.add_argument(
        "--quarters", type=int, default=22, help="how many quarters, ending 2026-27 Q2 (default 22)"
    )
    synth.add_argument("--out", type=Path, required=True, help="folder to write")
    synth.set_defaults(run=_synth)

    sample = commands.add_parser("sample", help="write the sample returns for the Isle of Wight")
    sample.add_argument(
        "--out",
        type=Path,
        default=paths.raw_dir() / "sample",
        help="folder to write (default data/raw/sample); it must be empty or "
        "hold only sample returns",
    )
    sample.add_argument(
        "--replace",
        action="store_true",
        help="overwrite files named like "
        "sample returns whose content differs (never anything else)",
    )
    sample.set_defaults(run=_sample)
    return parser


def _benchmarks_parser(commands) -> None:
    benchmarks = commands.add_parser(
        "benchmarks",
        help="import published statistics (England, "
        "regions, local authorities) and statistical neighbours",
    )
    benchmarks.set_defaults(run=lambda args: benchmarks.print_help() or EXIT_USAGE)
    actions = benchmarks.add_subparsers(title="actions", metavar="ACTION")
    load = actions.add_parser(
        "load", help="import Explore Education Statistics CSV files in the tidy layout"
    )
    load.add_argument("files", nargs="+", type=Path, metavar="FILE")
    load.add_argument(
        "--dataset",
        help="the kind of file, when its name does not say "
        "(default: the file name without its years)",
    )
    load.add_argument(
        "--filter",
        action="append",
        metavar="COLUMN",
        help="read this column as a filter even though it holds numbers (may be repeated)",
    )
    load.add_argument("--by", help="who is importing (default: $PQA_USER or your login name)")
    load.add_argument("--check", action="store_true", help="read and check only; import nothing")
    load.set_defaults(run=lambda args: _benchmarks("run_load", args))
    neighbours = actions.add_parser(
        "neighbours",
        help="import statistical-neighbour models "
        "(default: the 2021 and 2025 models in "
        "data/reference/dfe/neighbours/)",
    )
    neighbours.add_argument("files", nargs="*", type=Path, metavar="FILE")
    neighbours.add_argument("--model", help="the model's year, when the file name does not say")
    neighbours.add_argument("--by", help="who is importing (default: $PQA_USER or your login name)")
    neighbours.add_argument(
        "--check", action="store_true", help="read and check only; import nothing"
    )
    neighbours.set_defaults(run=lambda args: _benchmarks("run_neighbours", args))
    listing = actions.add_parser("list", help="list imported files, current and replaced")
    listing.set_defaults(run=lambda args: _benchmarks("run_list", args))


def _benchmarks(action: str, args) -> int:
    from pipeline.cli import benchmarks as commands

    return getattr(commands, action)(args)


def _flags_parser(commands) -> None:
    flags = commands.add_parser(
        "flags",
        help="flagged questions for the executive group: list, "
        "show, record responses, export the yearly-report table",
    )
    flags.add_argument(
        "--all", action="store_true", help="closed flags and flags the data no longer raises too"
    )
    flags.add_argument("--agency", help="only this agency's flags")
    flags.add_argument("--status", choices=STATUSES, help="only flags with this status")
    flags.set_defaults(run=_flags_list)
    actions = flags.add_subparsers(title="actions", metavar="ACTION")

    show = actions.add_parser("show", help="one flag: question, evidence and history")
    show.add_argument("flag_id")
    show.set_defaults(run=_flags_show)

    update = actions.add_parser("update", help="record status, owner, response or impact")
    update.add_argument("flag_id")
    update.add_argument("--status", choices=STATUSES)
    update.add_argument("--owner", help="who answers for the agency")
    update.add_argument("--response", help="the agency's response")
    update.add_argument("--impact", help="what changed as a result")
    update.add_argument("--note", help="a note kept in the history")
    update.add_argument("--by", help="who is recording (default: $PQA_USER or your login name)")
    update.add_argument(
        "--expect-version",
        type=int,
        metavar="N",
        help="refuse the change if the flag is no longer at version N (someone else changed it)",
    )
    update.set_defaults(run=_flags_update)

    export = actions.add_parser(
        "export",
        help="write the 'Questions / matters raised | "
        "Response | Impact' table as Markdown and Excel",
    )
    export.add_argument("--year", help="only this financial year, like 2024-25")
    export.add_argument(
        "--out",
        type=Path,
        default=Path("questions-raised"),
        help="file name without extension (default questions-raised)",
    )
    export.set_defaults(run=_flags_export)


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
    from pipeline.cli.output import print_load_report
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
    from pipeline.cli.output import print_submissions

    print_submissions(agency=args.agency, period=args.period)
    return 0


def _refresh(args) -> int:
    from pipeline.cli.output import print_refresh_report
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


def _flags_list(args) -> int:
    from pipeline.cli.output import print_flags

    return print_flags(show_all=args.all, agency=args.agency, status=args.status)


def _flags_show(args) -> int:
    from pipeline.cli.output import print_flag

    return print_flag(args.flag_id)


def _flags_update(args) -> int:
    from pipeline.flags.review_log import ReviewConflict, ReviewError, ReviewLogBusy, update
    from pipeline.ingest.load import loaded_by_default

    changes = {k: getattr(args, k) for k in ("status", "owner", "response", "impact")}
    if all(v is None for v in changes.values()):
        print("Nothing to record: give --status, --owner, --response or --impact.", file=sys.stderr)
        return EXIT_USAGE
    try:
        version = update(
            args.flag_id,
            args.by or loaded_by_default(),
            expected_version=args.expect_version,
            note=args.note,
            **changes,
        )
    except ReviewConflict as exc:
        print(f"Not saved: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except ReviewLogBusy as exc:
        print(f"Busy, not saved: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except ReviewError as exc:
        print(f"Not saved: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"Recorded: flag {args.flag_id} is now at version {version}.")
    return 0


def _flags_export(args) -> int:
    from pipeline.flags.export import rows_for_report, write_excel, write_markdown
    from pipeline.flags.review_log import ReviewLogBusy

    try:
        rows = rows_for_report(args.year)
        markdown = write_markdown(rows, args.out.with_suffix(".md"))
        excel = write_excel(rows, args.out.with_suffix(".xlsx"))
    except ReviewLogBusy as exc:
        print(f"Busy: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except OSError as exc:  # a folder that is not there, a file open in Excel, a full disk
        print(
            f"Cannot write the table to {exc.filename or args.out}: {exc.strerror or exc}. "
            "Give --out a file name in a folder you can write to (and close the file if it "
            "is open in Excel).",
            file=sys.stderr,
        )
        return EXIT_USAGE
    print(f"Wrote {len(rows)} question(s) to {markdown} and {excel}.")
    return 0


def _synth(args) -> int:
    from pipeline.devdata.synth import write_synthetic_returns

    if not 1 <= args.areas <= 153 or args.quarters < 1:
        print("Give --areas from 1 to 153 and --quarters of 1 or more.", file=sys.stderr)
        return EXIT_USAGE
    written = write_synthetic_returns(args.out, args.areas, args.quarters)
    print(
        f"Wrote {len(written):,} synthetic returns ({args.areas} area(s), {args.quarters} "
        f"quarter(s)) to {args.out}"
    )
    return 0


def _sample(args) -> int:
    from pipeline.devdata.sample_returns import SampleFolderInUse, write_sample_returns

    try:
        written = write_sample_returns(args.out, replace=args.replace)
    except SampleFolderInUse as exc:
        print(f"Not written: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"Wrote {len(written)} sample returns to {args.out}")
    return 0


def _backup_parsers(commands) -> None:
    backup = commands.add_parser(
        "backup",
        help="back up the review log now and keep every "
        "loaded return's provenance in the archive (both also happen "
        "by themselves on every change)",
    )
    backup.set_defaults(run=_backup)
    restore = commands.add_parser(
        "restore",
        help="put back the review log from a backup, or rebuild the warehouse from the archive",
    )
    restore.set_defaults(run=lambda args: restore.print_help() or EXIT_USAGE)
    actions = restore.add_subparsers(title="actions", metavar="WHAT")
    listing = actions.add_parser("list", help="list the review-log backups, newest first")
    listing.set_defaults(run=_restore_list)
    log = actions.add_parser(
        "review-log",
        help="put back the newest review-log backup (or --from FILE); the log it replaces is kept",
    )
    log.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="FILE",
        help="the backup to put back (default: the newest)",
    )
    log.set_defaults(run=_restore_review_log)
    warehouse = actions.add_parser(
        "warehouse",
        help="rebuild the warehouse's returns from "
        "data/archive/ and their provenance; the old file is kept",
    )
    warehouse.set_defaults(run=_restore_warehouse)


def _backup(args) -> int:
    from pipeline.flags import review_log
    from pipeline.ingest import warehouse
    from pipeline.publish import backup

    with review_log.connect() as con:
        copy = backup.back_up_review_log(con)
    if copy is None:
        print(
            f"Not backed up: the review log could not be copied to "
            f"{backup.review_log_backups()}; see {paths.logs_dir() / 'pqa-errors.log'}.",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    with warehouse.connect() as con:
        written = backup.write_missing_provenance(con)
    print(f"Backed up the review log to {copy}.")
    print(
        f"Every loaded return's provenance is in {paths.archive_dir()}"
        + (f" ({written} file(s) written now)." if written else ".")
    )
    return 0


def _restore_list(args) -> int:
    from pipeline.publish import backup

    copies = backup.list_review_log_backups()
    if not copies:
        print(f"No review-log backups in {backup.review_log_backups()}.")
        return 0
    for path in copies:
        try:
            held = backup.describe_review_log(path)
            detail = f"{held.flags} flags, {held.responses} with a response, owner or impact"
        except backup.RestoreError as exc:
            detail = f"unusable: {exc}"
        print(f"{path.name}  {detail}")
    return 0


def _restore_review_log(args) -> int:
    from pipeline.flags import review_log
    from pipeline.publish import backup

    try:
        copy, kept = backup.restore_review_log(args.source)
    except backup.RestoreError as exc:
        print(f"Not restored: {exc}. The review log was not changed.", file=sys.stderr)
        return EXIT_REFUSED
    print(
        f"Restored the review log {review_log.log_path()} from {copy.path.name}: "
        f"{copy.flags} flags, {copy.responses} with a response, owner or impact."
    )
    if kept:
        print(f"The log it replaced is kept as {kept}.")
    return 0


def _restore_warehouse(args) -> int:
    from pipeline.publish import backup

    try:
        done = backup.restore_warehouse()
    except backup.RestoreError as exc:
        print(f"Not restored: {exc}.", file=sys.stderr)
        return EXIT_REFUSED
    print(
        f"Rebuilt {paths.warehouse_path()} from {done.files} archived file(s): "
        f"{done.submissions} submission(s) with their corrections, figures and queries."
    )
    if done.carried:
        print(f"Kept from the old warehouse: {', '.join(done.carried)}.")
    else:
        print(
            "There was no old warehouse that could be read: import published statistics "
            "again if you had any (pqa benchmarks load, pqa benchmarks neighbours)."
        )
    if done.replaced:
        print(f"The old warehouse is kept as {done.replaced}.")
    for problem in done.problems:
        print(f"  Note: {problem}")
    print("Run `pqa refresh` to rebuild and publish the marts.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`pqa backup` and `pqa restore`: copies of the review log, and the warehouse rebuilt from the
archive."""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.cli.exits import EXIT_REFUSED, EXIT_USAGE
from pipeline.core import paths


def add_commands(commands) -> None:
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

"""The `pqa` command. Exit code 0 only on success; no traceback reaches the user (details of an
unexpected failure go to data/logs/pqa-errors.log)."""

from __future__ import annotations

import argparse
import sys
import traceback
from datetime import datetime

from pipeline.cli import benchmarks, flags, keep, refresh, report, returns, sample_data
from pipeline.cli.exits import EXIT_BUSY, EXIT_REFUSED, EXIT_UNEXPECTED, EXIT_USAGE
from pipeline.core import paths

# Each command group's parser, handlers and printing live together in its own module.
COMMAND_GROUPS = [returns, refresh, flags, report, benchmarks, keep, sample_data]


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
    for group in COMMAND_GROUPS:  # in the order `pqa --help` lists them
        group.add_commands(commands)
    return parser


if __name__ == "__main__":
    sys.exit(main())

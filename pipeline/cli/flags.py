"""`pqa flags`: the flagged questions for the executive group, listed, shown, answered and
exported as the yearly report's table."""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.cli.exits import EXIT_BUSY, EXIT_USAGE
from pipeline.flags import STATUSES


def add_commands(commands) -> None:
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


def _flags_list(args) -> int:
    return print_flags(show_all=args.all, agency=args.agency, status=args.status)


def _flags_show(args) -> int:
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


def print_flags(
    show_all: bool = False, agency: str | None = None, status: str | None = None
) -> int:
    """The open flags (or all), most important first, as the executive group reads them."""
    from pipeline.flags.current import importance
    from pipeline.flags.review_log import flags

    rows = [
        f
        for f in flags(include_closed=show_all)
        if (show_all or f["indicated"] or f["status"] != "open")
        and agency in (None, f["agency"])
        and status in (None, f["status"])
    ]
    if not rows:
        print(
            "No flags to show."
            + (
                ""
                if show_all
                else " (`pqa flags --all` shows closed ones and those the data no longer raises.)"
            )
        )
        return 0
    for row in sorted(rows, key=lambda r: (not r["indicated"], *importance(r))):
        still = "" if row["indicated"] else "; no longer indicated by the data"
        print(f"{row['flag_id']}  {row['severity']}, {row['direction']}, {row['status']}{still}")
        print(f"  {row['question']}")
        if row["response"]:
            print(f"  Response ({row['owner'] or 'no owner recorded'}): {row['response']}")
    print(f"\n{len(rows)} flag(s). `pqa flags show ID` gives the evidence and history.")
    return 0


def print_flag(flag_id: str) -> int:
    import json

    from pipeline.flags.review_log import flags, history

    found = [f for f in flags() if f["flag_id"] == flag_id]
    if not found:
        print(f"There is no flag {flag_id}; `pqa flags --all` lists them.")
        return 2
    flag = found[0]
    evidence = json.loads(flag["evidence"])
    print(f"{flag['question']}\n")
    print(
        f"Flag {flag_id}: {flag['severity']}, {flag['direction']}, for {flag['area_code']} "
        f"{flag['period']}, rule {flag['rule']}"
        + ("" if flag["indicated"] else "; no longer indicated by the data")
    )
    print(f"Status: {flag['status']} (version {flag['version']}); owner: {flag['owner'] or '-'}")
    print(f"Response: {flag['response'] or '-'}\nImpact: {flag['impact'] or '-'}")
    print("Evidence:")
    for key in ("baseline", "limits", "test", "p_value", "context"):
        if evidence.get(key) not in (None, [], ""):
            print(f"  {key}: {evidence[key]}")
    for found_rule in evidence.get("rules", []):
        print(
            f"  rule {found_rule['rule']}: {found_rule['severity']}, {found_rule['change']}, "
            f"{found_rule['test']}, p = {found_rule['p_value']}"
        )
    if evidence.get("values"):
        print("  values: " + ", ".join(f"{p} {v}" for p, v in evidence["values"]))
    print("History:")
    for change in history(flag_id):
        print(
            f"  {change['changed_at']} {change['changed_by']}: {change['status']}"
            + (f"; {change['note']}" if change["note"] else "")
        )
    return 0

"""What the command line prints about loads and submissions: plain words, every finding with
its place in the file and what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.core import paths
from pipeline.ingest import warehouse
from pipeline.ingest.load import FileOutcome, LoadReport

if TYPE_CHECKING:  # importing the refresh would bring dbt's and the flags' imports to `status`
    from pipeline.publish.refresh import RefreshReport
from pipeline.ingest.returns.findings import errors, queries
from pipeline.publish.status import describe_coverage


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


def print_refresh_report(report: RefreshReport) -> None:
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

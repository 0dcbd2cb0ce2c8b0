"""`pqa status`: when the last refresh ran and how it went, what the published marts cover,
and which returns are missing or late. It reads the files a refresh leaves (last-refresh.json,
the manifest and return_status.parquet), never the warehouse, so it answers even while a
refresh or a load holds the warehouse.

A refresh writes refresh-started.json before anything else and last-refresh.json at its end;
a start with no matching end, while no refresh holds the lock, is a run that died (killed, out
of memory or disk): status says so and exits 1, so monitoring by exit code notices."""

from __future__ import annotations

import fcntl
import json
from datetime import datetime

import pyarrow.parquet as pq

from pipeline.core import paths
from pipeline.publish import marts as publish

RECENT_QUARTERS = 4  # returns listed for this many latest ended quarters


def describe_coverage(c: dict) -> str:
    """What published data covers, in a sentence (from the manifest's coverage)."""
    if not c.get("returns_counted"):
        return (
            "No returns have been loaded yet: the marts hold only the catalogue and the "
            f"areas. Load returns with `pqa load` or drop them in {paths.inbox_dir()}."
        )
    return (
        f"The data runs from {c['first_period']} to {c['last_period']} "
        f"({c['returns_counted']} returns from {c['agencies']} agencies for {c['areas']} "
        f"area(s)); the latest ended quarter is {c['latest_ended_quarter']}."
    )


def print_status() -> int:
    """Print the status; exit code 0 when the last refresh succeeded, 1 otherwise (also when
    the latest refresh started and never finished)."""
    running, started, last = _look()
    if running:
        print(f"A refresh is running now (started at {running}).")
    died = never_finished(started, last, running)
    if died:
        print(
            f"The last refresh, started {_when(died['started_at'])} (run {died['run_id']}), "
            "never finished: it was stopped (killed, or out of memory or disk space) before "
            f"it could record its end. See {paths.logs_dir() / 'refresh.log'}, then run "
            "`pqa refresh` again."
        )
    if last is None:
        print(
            "No refresh has finished yet: run `pqa refresh`."
            if started
            else "No refresh has run yet: run `pqa refresh`."
        )
    else:
        _print_last_run(last)
    manifest = publish.read_manifest(paths.marts_dir())
    if manifest is None:
        print(f"No marts are published in {paths.marts_dir()}.")
        return 1
    _print_published(manifest, last)
    _print_returns()
    return 0 if last and last["outcome"] == "succeeded" and not died else 1


def never_finished(started: dict | None, last: dict | None, running: str | None) -> dict | None:
    """The start record of a refresh that began after the last finished one and is not
    running now: it died before recording its end."""
    if running or not started or (last and last.get("run_id") == started.get("run_id")):
        return None
    if last and last.get("started_at", "") > started.get("started_at", ""):
        return None  # written by a run older than the last finished one
    return started


def published_nothing(last: dict | None, manifest: dict) -> bool:
    """Whether the latest refresh ran after the published one and did not publish (not just
    a record older than the marts, as after a run stopped between publishing and logging)."""
    return (
        bool(last)
        and last["run_id"] != manifest["run_id"]
        and last["started_at"] > manifest["refreshed_at"]
    )


def refresh_running_since() -> str | None:
    """The start of the refresh holding the lock, or None when none runs."""
    return _look()[0]


def _look() -> tuple[str | None, dict | None, dict | None]:
    """Whether a refresh runs (its start, from the lock), and the start and end records, read
    while holding a shared lock so that no refresh starts between the two looks."""
    path = paths.refresh_lock_path()
    if not path.exists():
        return None, _read_json(paths.refresh_started_path()), _read_json(paths.last_refresh_path())
    with open(path, encoding="utf-8") as lock:  # read-only: anyone may ask
        try:  # a shared lock is refused only while a refresh holds its exclusive one
            fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            running = lock.read().strip() or "an unknown time"
            return (
                running,
                _read_json(paths.refresh_started_path()),
                _read_json(paths.last_refresh_path()),
            )
        try:
            return (
                None,
                _read_json(paths.refresh_started_path()),
                _read_json(paths.last_refresh_path()),
            )
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _print_last_run(last: dict) -> None:
    when = _when(last["started_at"])
    seconds = ""
    if last.get("finished_at"):
        took = _parse(last["finished_at"]) - _parse(last["started_at"])
        seconds = f" in {took.total_seconds():.1f} s"
    print(f"Last refresh: {when} (run {last['run_id']}): {last['outcome']}{seconds}.")
    if last.get("failed_step"):
        print(f"  It stopped at the step '{last['failed_step']}'.")
    for problem in last.get("problems") or []:
        print(f"  {problem}")
    for notice in last.get("notices") or []:
        print(f"  Note: {notice}")


def _print_published(manifest: dict, last: dict | None) -> None:
    print(
        f"Published marts in {paths.marts_dir()}: run {manifest['run_id']}, refreshed "
        f"{_when(manifest['refreshed_at'])}."
    )
    if published_nothing(last, manifest):
        print("  These are from an earlier run than the last refresh, which published nothing.")
    print(f"  {describe_coverage(manifest.get('coverage', {}))}")
    checks = manifest.get("validation", {})
    print(f"  Checks: {checks.get('passed')} passed, {checks.get('failed')} failed.")


def _print_returns() -> None:
    path = paths.marts_dir() / "return_status.parquet"
    rows = pq.read_table(path).to_pylist() if path.exists() else []
    periods = sorted({r["period"] for r in rows})[-RECENT_QUARTERS:]
    recent = [r for r in rows if r["period"] in periods and r["status"] != "received"]
    if not periods:
        return
    print(f"Returns for {periods[0]} to {periods[-1]}:")
    if not recent:
        print("  every return has come in on time.")
    for r in sorted(recent, key=lambda r: (r["period"], r["agency"])):
        due = r["return_due_date"]
        print(
            f"  {r['status']:<8} {r['agency']} for {r['area_code']}, {r['period']} "
            f"(due {due:%d %B %Y})"
        )
    missing = sum(r["status"] == "missing" for r in rows if r["period"] not in periods)
    if missing:
        print(f"  and {missing} missing from earlier quarters (see return_status.parquet).")


def _read_json(path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _when(text: str) -> str:
    return f"{_parse(text):%d %B %Y at %H:%M} UTC"

"""Runs `dbt build` on the project in dbt_project/, in-process (cheaper than a subprocess: no
second Python start-up, and dbt is imported only here).

dbt parses the whole project (2-3 s) unless it can reuse its last parse (partial parsing), which
it does only when the profile it connects with is unchanged. The profile holds the warehouse's
path, so dbt runs from the warehouse's folder and is given only the file's name: moving the data
folder (as every test does) then costs no new parse."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipeline.core import paths

FAILED_STATUSES = {"error", "fail", "runtime error"}


@dataclass
class DbtOutcome:
    success: bool
    nodes_run: int = 0
    problems: list[str] = field(default_factory=list)


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Set environment variables for dbt (its profile reads PQA_WAREHOUSE) and put them back."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def _working_directory(folder: Path) -> Iterator[None]:
    """Run dbt from the warehouse's folder (see the module's docstring) and come back."""
    saved = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(saved)


def dbt_arguments(command: str, as_of: date) -> list[str]:
    """The arguments `pqa refresh` gives dbt; the benchmark reuses them to time dbt alone."""
    project = str(paths.DBT_PROJECT_DIR)
    return [
        command,
        "--project-dir",
        project,
        "--profiles-dir",
        project,
        "--target-path",
        str(paths.dbt_target_dir().resolve()),
        "--log-path",
        str((paths.logs_dir() / "dbt").resolve()),
        "--vars",
        json.dumps({"as_of_date": as_of.isoformat()}),
        # dbt's own progress goes to data/logs/dbt/dbt.log; the refresh prints a summary
        # (its results come back in memory: writing manifest.json and run_results.json too
        # would cost about 0.5 s a run; `write_manifest` writes them when they are wanted)
        "--no-write-json",
        "--log-level",
        "none",
        "--log-level-file",
        "info",
    ]


# What the refresh leaves to the test suite: dbt's data tests and unit tests. Each test is a
# node, and dbt spends about as long on a node's bookkeeping as DuckDB on its query, so the
# 99 data tests doubled the build. The marts' invariants they guard (keys unique and present,
# values in range) are checked on every refresh by the Great Expectations suites, which run on
# what is published; the data tests guard the models' logic on the sample, in `make test`.
REFRESH_SKIPS = ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]


def build(as_of: date) -> DbtOutcome:
    """Load the seeds and build every model (no tests: see REFRESH_SKIPS)."""
    return _invoke(dbt_arguments("build", as_of) + REFRESH_SKIPS)


def run_dbt_tests(as_of: date) -> DbtOutcome:
    """Run every dbt test, data tests and unit tests, against a built warehouse."""
    return _invoke(dbt_arguments("test", as_of))


def write_manifest(as_of: date) -> DbtOutcome:
    """Parse the project and write manifest.json to the target folder, for tools that read
    the compiled project (the performance scripts); a refresh has no need of it."""
    arguments = dbt_arguments("parse", as_of)
    arguments[arguments.index("--no-write-json")] = "--write-json"
    return _invoke(arguments)


def _invoke(arguments: list[str]) -> DbtOutcome:
    from dbt.cli.main import dbtRunner

    warehouse = paths.warehouse_path().resolve()
    with (
        _environment(PQA_WAREHOUSE=warehouse.name, DBT_SEND_ANONYMOUS_USAGE_STATS="false"),
        _working_directory(warehouse.parent),
    ):
        result = dbtRunner().invoke(arguments)
    if result.exception is not None:
        return DbtOutcome(False, problems=[f"dbt could not run: {result.exception}"])
    node_results = list(getattr(result.result, "results", []) or [])
    problems = [_describe(r) for r in node_results if str(r.status) in FAILED_STATUSES]
    if not result.success and not problems:
        problems = ["dbt reported a failure; see data/logs/dbt/dbt.log"]
    return DbtOutcome(result.success and not problems, len(node_results), problems)


def _describe(node_result) -> str:
    node = node_result.node
    kind = getattr(node, "resource_type", "node")
    message = (node_result.message or "").strip().splitlines()
    return f"{kind} {node.name}: {message[0] if message else node_result.status}"

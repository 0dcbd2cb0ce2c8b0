"""Great Expectations suites (expectations/*.json) run on the marts before anything is published.

Each suite file names the table it validates in its meta (`validates`: a mart, or a check view
dbt builds for checks across rows). Great Expectations cannot validate DuckDB through
SQLAlchemy, so the tables are read from DuckDB into pandas DataFrames and validated there.
Great Expectations takes about 3 s to import, so it is imported only here, only by a refresh,
and a refresh imports it in a process of its own while dbt runs (`Checker`).
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from pipeline.core import paths


class SuiteError(Exception):
    """A suite file that cannot be read."""


@dataclass(frozen=True)
class CheckOutcome:
    suite: str
    validates: str
    expectation: str
    column: str
    description: str
    success: bool
    unexpected_count: int
    examples: str  # a few of the values that failed, or the error that stopped the check


@dataclass
class QualityReport:
    outcomes: list[CheckOutcome]

    @property
    def passed(self) -> int:
        return sum(o.success for o in self.outcomes)

    @property
    def failed(self) -> list[CheckOutcome]:
        return [o for o in self.outcomes if not o.success]

    @property
    def success(self) -> bool:
        return not self.failed

    def to_frame(self) -> pd.DataFrame:
        columns = list(CheckOutcome.__dataclass_fields__)
        return pd.DataFrame([asdict(o) for o in self.outcomes], columns=columns)

    def summary(self) -> dict:
        suites = {}
        for o in self.outcomes:
            entry = suites.setdefault(
                o.suite, {"validates": o.validates, "passed": 0, "failed": 0, "failures": []}
            )
            entry["passed" if o.success else "failed"] += 1
            if not o.success:
                entry["failures"].append(
                    f"{o.description} ({o.unexpected_count} rows; for example {o.examples})"
                )
        return {
            "success": self.success,
            "passed": self.passed,
            "failed": len(self.failed),
            "suites": suites,
        }


def load_suites(folder: Path | None = None) -> list[dict]:
    folder = folder or paths.EXPECTATIONS_DIR
    suites = []
    for path in sorted(folder.glob("*.json")):
        try:
            suite = json.loads(path.read_text(encoding="utf-8"))
            suite["meta"]["validates"]
        except (ValueError, KeyError, TypeError) as exc:
            raise SuiteError(f"{path} is not a suite with meta.validates: {exc}") from None
        suites.append(suite)
    return suites


def tables_validated(suites: list[dict]) -> list[str]:
    return sorted({s["meta"]["validates"] for s in suites})


def validate(frames: dict[str, pd.DataFrame], suites: list[dict]) -> QualityReport:
    """Run every suite on the DataFrame of the table it names.

    Each suite is run first for a yes or no per check, which costs about half as much as asking
    for details; only a suite with a failing check is run again for the rows that failed."""
    gx = _import_great_expectations()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = _no_progress_bars()
    source = context.data_sources.add_pandas("marts")
    outcomes = []
    for suite_json in suites:
        table = suite_json["meta"]["validates"]
        suite = gx.ExpectationSuite(
            name=suite_json["name"], expectations=suite_json["expectations"]
        )
        asset = source.add_dataframe_asset(suite.name)
        batch = asset.add_batch_definition_whole_dataframe("whole table").get_batch(
            batch_parameters={"dataframe": frames[table]}
        )
        result = batch.validate(suite, result_format="BOOLEAN_ONLY")
        if not result.success:
            result = batch.validate(suite, result_format="SUMMARY")
        outcomes += [_outcome(suite.name, table, r) for r in result.results]
    return QualityReport(outcomes)


def _import_great_expectations():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no calls home
    import great_expectations as gx

    # Great Expectations sets some of its loggers to INFO when imported; only warnings matter
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("great_expectations"):
            logging.getLogger(name).setLevel(logging.WARNING)
    return gx


def _no_progress_bars():
    from great_expectations.data_context.types.base import ProgressBarsConfig

    return ProgressBarsConfig(globally=False)


class Checker:
    """Great Expectations in a process of its own, started before dbt runs, so that importing
    it (3 to 4 s, more than the checks themselves) happens on the machine's other core while
    dbt builds rather than after. The tables are sent to it pickled, its report comes back the
    same way. If the process is not there when needed, the checks run in this process: slower,
    never skipped. It ends when this process closes its end, however this process ends."""

    def __init__(self, in_process: bool | None = None) -> None:
        """`in_process`: check here rather than in a process of its own; by default, when this
        process has imported Great Expectations already (a long-lived one, such as the tests)."""
        self._process = None
        if in_process or (in_process is None and "great_expectations" in sys.modules):
            return
        log = paths.logs_dir() / "checks.log"  # what Great Expectations says on its way
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as errors:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "pipeline.quality.expectations"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                cwd=paths.PROJECT_ROOT,
            )

    def validate(self, frames: dict[str, pd.DataFrame], suites: list[dict]) -> QualityReport:
        if self._process is None:
            return validate(frames, suites)
        try:
            pickle.dump((frames, suites), self._process.stdin)
            self._process.stdin.close()
            answer = pickle.load(self._process.stdout)
        except (OSError, EOFError, pickle.UnpicklingError):
            return validate(frames, suites)
        finally:
            self.close()
        if isinstance(answer, Exception):
            raise answer
        return answer

    def close(self) -> None:
        if self._process is None:
            return
        for stream in (self._process.stdin, self._process.stdout):
            try:
                stream.close()
            except OSError:  # a process that died leaves a broken pipe: nothing to keep
                pass
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> Checker:
        return self

    def __exit__(self, *_) -> None:
        if self._process is not None and self._process.returncode is None:
            self.close()


def _serve() -> None:
    """The checks process: import Great Expectations at once, then validate what arrives."""
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # anything printed must not mix with it
    _import_great_expectations()
    _no_progress_bars()
    try:
        frames, suites = pickle.load(sys.stdin.buffer)
    except EOFError:  # the refresh stopped before the checks (dbt failed, or it was killed)
        return
    try:
        answer = validate(frames, suites)
    except Exception as exc:  # the refresh reports it as the step's failure
        answer = RuntimeError(f"{type(exc).__name__}: {exc}")
    pickle.dump(answer, answers)
    answers.close()


def _outcome(suite: str, table: str, result) -> CheckOutcome:
    config = result.expectation_config
    kwargs = config.kwargs
    column = kwargs.get("column") or ", ".join(
        kwargs.get("column_list")
        or [kwargs.get(k) for k in ("column_A", "column_B") if kwargs.get(k)]
    )
    details = result.result or {}
    error = _error_message(result.exception_info or {})
    if error:
        examples = f"the check could not run: {error}"
    else:
        examples = ", ".join(str(v) for v in (details.get("partial_unexpected_list") or [])[:5])
    return CheckOutcome(
        suite=suite,
        validates=table,
        expectation=config.type,
        column=column or "",
        description=config.description or config.type,
        success=bool(result.success),
        unexpected_count=int(details.get("unexpected_count") or 0),
        examples=examples,
    )


def _error_message(info: dict) -> str | None:
    """Great Expectations reports an error either directly or per metric it tried to compute."""
    candidates = [info] + [v for v in info.values() if isinstance(v, dict)]
    for candidate in candidates:
        if candidate.get("raised_exception"):
            return candidate.get("exception_message") or "unknown error"
    return None


if __name__ == "__main__":  # by its module name, so the report unpickles in the refresh
    from pipeline.quality import expectations

    expectations._serve()

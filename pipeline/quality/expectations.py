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
import pyarrow as pa

from pipeline.core import paths, two_cores


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
    """Run every suite on the DataFrame of the table it names."""
    checks = _Checks(suites)
    checks.check(frames)
    return checks.report()


class _Checks:
    """One Great Expectations context for a run's suites, checking each table as it arrives
    (the refresh sends the marts while it raises the flags, then the flags) and reporting in
    the suites' order however the tables came.

    Each suite is run first for a yes or no per check, which costs about half as much as asking
    for details; only a suite with a failing check is run again for the rows that failed.

    `split`: check a lot of tables on both cores, half the suites in a copy of this process
    (pipeline/core/two_cores.py). Only the checks process does, as it holds nothing but the
    library and the tables."""

    def __init__(self, suites: list[dict], split: bool = False) -> None:
        self._gx = _import_great_expectations()
        context = self._gx.get_context(mode="ephemeral")
        context.variables.progress_bars = _no_progress_bars()
        # one asset and one way to batch it, given each table in turn: every asset or batch
        # definition added is a change to the context's configuration, which it saves
        asset = context.data_sources.add_pandas("marts").add_dataframe_asset("mart")
        self._batches = asset.add_batch_definition_whole_dataframe("whole table")
        self._suites = suites
        self._split = split
        self._outcomes: dict[int, list[CheckOutcome]] = {}

    def check(self, frames: dict[str, pd.DataFrame]) -> None:
        due = [i for i, s in enumerate(self._suites) if s["meta"]["validates"] in frames]
        if self._split and len(due) > 1 and two_cores.available():
            here, there = two_cores.share(
                lambda lot: self._check_these(lot, frames), *_halves(due, self._suites, frames)
            )
            self._outcomes.update(here | there)
        else:
            self._outcomes.update(self._check_these(due, frames))

    def report(self) -> QualityReport:
        unchecked = [
            s["meta"]["validates"] for i, s in enumerate(self._suites) if i not in self._outcomes
        ]
        if unchecked:
            raise SuiteError(f"no table was given for these suites: {', '.join(unchecked)}")
        return QualityReport([o for i in sorted(self._outcomes) for o in self._outcomes[i]])

    def _check_these(
        self, indexes: list[int], frames: dict[str, pd.DataFrame]
    ) -> dict[int, list[CheckOutcome]]:
        return {i: self._check_one(self._suites[i], frames) for i in indexes}

    def _check_one(self, suite_json: dict, frames: dict[str, pd.DataFrame]) -> list[CheckOutcome]:
        table = suite_json["meta"]["validates"]
        suite = self._gx.ExpectationSuite(
            name=suite_json["name"], expectations=suite_json["expectations"]
        )
        batch = self._batches.get_batch(batch_parameters={"dataframe": frames[table]})
        result = batch.validate(suite, result_format="BOOLEAN_ONLY")
        if not result.success:
            result = batch.validate(suite, result_format="SUMMARY")
        return [_outcome(suite.name, table, r) for r in result.results]


def _halves(
    indexes: list[int], suites: list[dict], frames: dict[str, pd.DataFrame]
) -> tuple[list[int], list[int]]:
    """Two lots of suites of about equal cost. A suite costs about a hundredth of a second per
    check, plus a little per row checked (measured on the sample and at national scale)."""

    def cost(i: int) -> float:
        return len(suites[i]["expectations"]) + len(frames[suites[i]["meta"]["validates"]]) / 20_000

    lots: tuple[list[int], list[int]] = ([], [])
    totals = [0.0, 0.0]
    for i in sorted(indexes, key=cost, reverse=True):
        lighter = totals.index(min(totals))
        lots[lighter].append(i)
        totals[lighter] += cost(i)
    return lots


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
    dbt builds rather than after. Tables are sent to it (as Arrow, pickled) as soon as they are
    ready, and it checks them while the refresh goes on: the marts while the flags are raised,
    then the flags. Its report comes back pickled. If the process is not there when needed,
    the checks run in this process on everything sent: slower, never skipped. It ends when this
    process closes its end, however this process ends."""

    def __init__(self, suites: list[dict], in_process: bool | None = None) -> None:
        """`in_process`: check here rather than in a process of its own; by default, when this
        process has imported Great Expectations already (a long-lived one, such as the tests)."""
        self._suites = suites
        self._sent: dict[str, pa.Table] = {}
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
        self._send(suites)

    def check(self, tables: dict[str, pa.Table]) -> None:
        """Hand tables over to be checked; the checks process starts on them at once."""
        self._sent.update(tables)
        self._send(tables)

    def report(self) -> QualityReport:
        """Every suite's outcome, once every table it names has been sent."""
        answer = None
        if self._process is not None:
            try:
                self._process.stdin.close()
                answer = pickle.load(self._process.stdout)
            except (OSError, EOFError, pickle.UnpicklingError, ValueError):
                answer = None  # the process died: check here
            finally:
                self.close()
        if answer is None:
            frames = {table: data.to_pandas() for table, data in self._sent.items()}
            return validate(frames, self._suites)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def _send(self, message) -> None:
        if self._process is None:
            return
        try:
            pickle.dump(message, self._process.stdin)
            self._process.stdin.flush()
        except (OSError, ValueError):  # it died; report() will check here instead
            pass

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
        self._process = None

    def __enter__(self) -> Checker:
        return self

    def __exit__(self, *_) -> None:
        self.close()


def _serve() -> None:
    """The checks process: import Great Expectations at once and set up the suites' context,
    then check each lot of tables as it arrives, and answer when the refresh's end closes."""
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # anything printed must not mix with it
    incoming = sys.stdin.buffer
    try:
        checks = _Checks(pickle.load(incoming), split=True)
        received = False
        while True:
            try:
                tables = pickle.load(incoming)
            except EOFError:
                break
            received = True
            checks.check({table: data.to_pandas() for table, data in tables.items()})
        if not received:  # the refresh stopped before the checks (dbt failed, or was killed)
            return
        answer = checks.report()
    except EOFError:  # it stopped before sending the suites
        return
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

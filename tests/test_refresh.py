"""`pqa refresh` on the sample returns: the published marts hold the right figures, and the
refresh is safe (one at a time, all or nothing, killed runs harmless, idempotent, logged)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from pipeline.cli.main import main
from pipeline.core import paths
from pipeline.devdata.sample_returns import PUBLISHED, PUBLISHED_YEARS
from pipeline.publish.refresh import RefreshRunning, refresh, refresh_lock
from tests.conftest import SAMPLE_DIR, TIDY_HEADER, TODAY, write_csv

IOW = "E06000046"


def mart(folder: Path, name: str) -> list[dict]:
    return pq.read_table(folder / "marts" / f"{name}.parquet").to_pylist()


def published_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "marts").iterdir())}


def run_log(folder: Path) -> list[tuple]:
    with duckdb.connect(str(folder / "warehouse.duckdb")) as con:
        return con.sql(
            "select run_id, outcome, failed_step from ops.refresh_runs order by started_at"
        ).fetchall()


# --- what the marts hold ---------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(PUBLISHED))
def test_annual_mart_shows_the_yearly_report_figures(sample_refreshed, code):
    rows = {
        (r["indicator_code"], r["financial_year"]): r
        for r in mart(sample_refreshed, "indicator_annual")
        if r["area_code"] == IOW
    }
    for year, published in zip(PUBLISHED_YEARS, PUBLISHED[code]):
        row = rows[(code, year)]
        assert row["value"] == pytest.approx(published), (code, year)
        assert row["is_complete"]


def test_quarterly_changes_compare_with_the_right_quarters(sample_refreshed):
    rows = [
        r
        for r in mart(sample_refreshed, "indicator_quarterly")
        if r["indicator_code"] == "referrals"
    ]
    by_period = {r["period"]: r for r in rows}
    q4 = by_period["2024-25 Q4"]
    last_year, previous = by_period["2023-24 Q4"]["value"], by_period["2024-25 Q3"]["value"]
    assert q4["same_quarter_last_year_value"] == last_year
    assert q4["change_from_same_quarter_last_year"] == q4["value"] - last_year
    assert q4["change_from_same_quarter_last_year_pct"] == round(
        100 * (q4["value"] - last_year) / last_year, 1
    )
    assert q4["previous_quarter_value"] == previous
    year = [by_period[f"2024-25 Q{n}"]["value"] for n in range(1, 5)]
    assert q4["rolling_four_quarter_value"] == sum(year) == PUBLISHED["referrals"][-1]
    first = by_period["2021-22 Q1"]
    assert first["previous_quarter_value"] is None and first["change_from_previous_quarter"] is None


def test_rates_use_the_ons_population_and_say_when_it_is_carried_forward(sample_refreshed):
    rows = {
        r["period"]: r
        for r in mart(sample_refreshed, "indicator_quarterly")
        if r["indicator_code"] == "children_in_care_rate_per_10k"
    }
    year_end = rows["2024-25 Q4"]
    assert year_end["children_0_17"] == 23351 and not year_end["population_carried_forward"]
    assert year_end["rate_per_10k"] == round(year_end["numerator"] * 10_000 / 23351, 1)
    later = rows["2026-27 Q1"]
    assert later["population_mid_year"] == 2024 and later["population_carried_forward"]


def test_a_corrected_return_counts_and_is_marked(sample_refreshed):
    corrected = (SAMPLE_DIR / "housing_E06000046_2024-25_Q2_corrected.csv").read_text()
    families = next(
        line for line in corrected.splitlines() if "families_in_bed_and_breakfast" in line
    ).split(",")[3]
    value = next(
        r["value"]
        for r in mart(sample_refreshed, "indicator_quarterly")
        if r["indicator_code"] == "families_in_bed_and_breakfast" and r["period"] == "2024-25 Q2"
    )
    assert value == float(families)
    status = next(
        r
        for r in mart(sample_refreshed, "return_status")
        if r["agency"] == "housing" and r["period"] == "2024-25 Q2"
    )
    assert status["status"] == "received" and status["was_corrected"]
    assert status["file_name"] == "housing_E06000046_2024-25_Q2_corrected.csv"


def test_return_status_covers_every_agency_and_ended_quarter(sample_refreshed):
    rows = mart(sample_refreshed, "return_status")
    assert len(rows) == 7 * 22  # seven agencies, 2021-22 Q1 to 2026-27 Q2
    assert {r["status"] for r in rows} == {"received"}
    queried = [r for r in rows if r["validation_queries"]]
    assert any("Q02" in r["validation_query_messages"] for r in queried)


def test_manifest_lists_each_file_with_rows_hash_and_checks(sample_refreshed):
    manifest = json.loads((sample_refreshed / "marts" / "manifest.json").read_text())
    assert {
        "indicator_quarterly",
        "indicator_annual",
        "indicators",
        "periods",
        "areas",
        "return_status",
        "validation_queries",
        "flags",
        "expectation_results",
    } <= set(manifest["marts"])
    for name, entry in manifest["marts"].items():
        table = pq.read_table(sample_refreshed / "marts" / entry["file"])
        assert table.num_rows == entry["rows"], name
    for name in ("indicator_quarterly", "indicator_annual", "return_status", "flags"):
        assert manifest["marts"][name]["rows"] > 0, name
    for name in ("benchmarks", "reconciliation", "statistical_neighbours"):
        assert manifest["marts"][name]["rows"] == 0, name  # no published statistics imported
    assert manifest["validation"]["success"] and manifest["validation"]["failed"] == 0
    assert len(manifest["validation"]["suites"]) == len(list(paths.EXPECTATIONS_DIR.glob("*.json")))
    assert manifest["coverage"]["latest_ended_quarter"] == "2026-27 Q2"
    results = mart(sample_refreshed, "expectation_results")
    assert all(r["success"] for r in results) and len(results) == manifest["validation"]["passed"]


def test_the_run_is_logged_and_the_warehouse_released(sample_refreshed):
    assert [outcome for _, outcome, _ in run_log(sample_refreshed)] == ["succeeded"]
    # another process can open the warehouse for writing straight away
    opened = subprocess.run(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; duckdb.connect(sys.argv[1]).close()",
            str(sample_refreshed / "warehouse.duckdb"),
        ],
        capture_output=True,
        text=True,
    )
    assert opened.returncode == 0, opened.stderr


def test_dbt_data_and_unit_tests_pass_on_the_sample(refreshed):
    from pipeline.transform.dbt import run_dbt_tests

    outcome = run_dbt_tests(TODAY)
    assert outcome.success, outcome.problems
    assert outcome.nodes_run >= 100  # 99 data tests and the unit tests


# --- safety ----------------------------------------------------------------------------------


def test_refreshing_the_same_data_again_gives_identical_marts(refreshed, sample_refreshed):
    # a lock file left by a killed run (no process holds it) does not block
    (refreshed / "refresh.lock").write_text("2026-11-01 02:00:00 UTC, process 999999\n")
    # someone's own file in the published folder is kept, and named
    (refreshed / "marts" / "my notes.xlsx").write_bytes(b"an analyst's notes")
    report = refresh(today=TODAY)
    assert report.outcome == "succeeded"
    assert (refreshed / "marts" / "my notes.xlsx").read_bytes() == b"an analyst's notes"
    assert report.notices == [
        (
            f"{refreshed / 'marts'} holds file(s) the refresh does not "
            "write: my notes.xlsx. They were kept, but that folder is for "
            "the published marts: keep your own files elsewhere"
        )
    ]
    before = json.loads((sample_refreshed / "marts" / "manifest.json").read_text())
    after = json.loads((refreshed / "marts" / "manifest.json").read_text())
    assert after["run_id"] != before["run_id"]
    assert {n: m["sha256"] for n, m in after["marts"].items()} == {
        n: m["sha256"] for n, m in before["marts"].items()
    }


def test_a_failing_expectation_publishes_nothing(refreshed, capsys):
    before = published_bytes(refreshed)
    with duckdb.connect(str(refreshed / "warehouse.duckdb")) as con:
        # shares of child protection plans by category that add up to far more than 100%
        con.execute(
            "update raw.return_figures set value = 95 "
            "where indicator_code = 'cp_category_neglect_pct'"
        )
        # and one figure counted twice: no model fails, the marts' keys do
        con.execute("insert into raw.return_figures select * from raw.return_figures limit 1")
    code = main(["refresh", "--as-of", TODAY.isoformat()])
    out = capsys.readouterr().out
    assert code == 1
    assert "failed" in out and "Nothing was published" in out
    assert "add up to between 99% and 101%" in out
    assert "No two rows for the same area, indicator and quarter" in out
    assert published_bytes(refreshed) == before
    assert run_log(refreshed)[-1][1:] == ("failed", "expectations")
    main(["status"])
    status = capsys.readouterr().out
    assert "failed" in status and "from an earlier run" in status


def test_a_model_that_cannot_build_publishes_nothing(refreshed):
    before = published_bytes(refreshed)
    with duckdb.connect(str(refreshed / "warehouse.duckdb")) as con:
        con.execute("alter table raw.return_figures rename column value to amount")
    report = refresh(today=TODAY)
    assert report.outcome == "failed" and report.failed_step == "dbt build"
    assert any("stg_returns__figures" in p for p in report.problems), report.problems
    assert published_bytes(refreshed) == before


def test_a_second_refresh_is_refused_while_one_holds_the_lock(refreshed):
    from datetime import datetime

    with refresh_lock(datetime(2026, 11, 22, 2, 0, tzinfo=UTC)):
        with pytest.raises(RefreshRunning, match=r"already running \(started at 2026-11-22"):
            refresh(today=TODAY)


def _pqa(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli.main", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_refresh_killed_while_dbt_runs_leaves_the_old_marts(refreshed, capsys):
    shutil.rmtree(refreshed / "logs")
    before = published_bytes(refreshed)
    dbt_log = refreshed / "logs" / "dbt" / "dbt.log"
    first = _pqa("refresh", "--as-of", TODAY.isoformat())
    _wait_for(lambda: dbt_log.exists() and "START sql table model" in dbt_log.read_text())

    second = _pqa("refresh", "--as-of", TODAY.isoformat())
    _, err = second.communicate(timeout=60)
    assert second.returncode == 3 and "a refresh is already running (started at" in err
    assert first.poll() is None  # the second stopped at once: it did not wait for the first
    main(["status"])  # a running refresh is not taken for a dead one
    status = capsys.readouterr().out
    assert "A refresh is running now" in status and "never finished" not in status

    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    assert published_bytes(refreshed) == before
    # the killed run started and never finished: status says so and exits 1 (for monitoring)
    assert main(["status"]) == 1
    status = capsys.readouterr().out
    assert "never finished: it was stopped (killed, or out of memory or disk space)" in status
    assert "Traceback" not in status

    report = refresh(today=TODAY)
    assert report.outcome == "succeeded"
    assert [outcome for _, outcome, _ in run_log(refreshed)][-2:] == ["interrupted", "succeeded"]
    assert not list(refreshed.glob(".marts-*"))
    # the nearest harmless variant: a run that finished
    assert main(["status"]) == 0
    assert "never finished" not in capsys.readouterr().out


def test_the_inbox_is_loaded_and_a_bad_return_set_aside(refreshed, capsys, monkeypatch):
    monkeypatch.setenv("PQA_INBOX_SETTLE_SECONDS", "0")  # the files are finished
    inbox = refreshed / "raw" / "inbox"
    inbox.mkdir(parents=True)
    # files the reader cannot handle: a 140 KB cell, a folder named like a return
    write_csv(
        inbox / "children_social_care_huge.csv",
        [[IOW, "2026-27 Q3", "referrals", 5, "", "", "x" * 140_000]],
        header=TIDY_HEADER + ["notes"],
    )
    (inbox / "probation_2026-27_Q3.csv").mkdir()
    write_csv(
        inbox / "police_2026-27_Q3.csv",
        [
            [IOW, "2026-27 Q3", "domestic_abuse_incidents_child_present", 120, "", ""],
            [IOW, "2026-27 Q3", "missing_child_episodes", 50, "", ""],
            [IOW, "2026-27 Q3", "children_at_risk_of_exploitation", 30, "", ""],
        ],
    )
    write_csv(
        inbox / "housing_bad.csv",
        [[IOW, "2026-27 Q3", "families_in_bed_and_breakfast", -4, "", ""]],
    )
    code = main(["refresh", "--as-of", "2027-02-15"])
    out = capsys.readouterr().out
    assert code == 1 and "published; some inbox returns refused" in out
    assert "Traceback" not in out
    assert (inbox / "loaded" / "police_2026-27_Q3.csv").exists()
    for name in ("housing_bad.csv", "children_social_care_huge.csv", "probation_2026-27_Q3.csv"):
        assert os.path.lexists(inbox / "refused" / name), name
        assert "Error E" in (inbox / "refused" / f"{name}.errors.txt").read_text()
        assert f"inbox return {name} refused (moved to refused/{name})" in out
    assert files_in_inbox(inbox) == []
    # messages and the run record say exactly what was loaded
    assert (
        "inbox: police_2026-27_Q3.csv: loaded, loaded 3 figure(s) for police, E06000046 "
        "2026-27 Q3 as submission"
    ) in out
    record = json.loads((refreshed / "logs" / "last-refresh.json").read_text())
    assert {f["file"]: f["outcome"] for f in record["inbox"]} == {
        "police_2026-27_Q3.csv": "loaded",
        "housing_bad.csv": "refused",
        "children_social_care_huge.csv": "refused",
        "probation_2026-27_Q3.csv": "refused",
    }
    log = (refreshed / "logs" / "refresh.log").read_text()
    assert "inbox police_2026-27_Q3.csv: loaded, loaded 3 figure(s)" in log

    status = {(r["agency"], r["period"]): r["status"] for r in mart(refreshed, "return_status")}
    assert status[("police", "2026-27 Q3")] == "received"
    assert status[("housing", "2026-27 Q3")] == "missing"  # due 30 January 2027
    main(["status"])
    out = capsys.readouterr().out
    assert "missing  housing for E06000046, 2026-27 Q3 (due 30 January 2027)" in out
    assert "police for E06000046, 2026-27 Q3" not in out


def files_in_inbox(inbox: Path) -> list[str]:
    return sorted(p.name for p in inbox.iterdir() if p.name not in ("loaded", "refused"))


def test_status_before_any_refresh_says_so(capsys):
    assert main(["status"]) == 1
    assert "No refresh has run yet" in capsys.readouterr().out

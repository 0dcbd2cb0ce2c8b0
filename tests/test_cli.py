"""The `pqa` command as an analyst uses it: the template, loading, plain messages and exit
codes, and never a traceback."""

from __future__ import annotations

import subprocess
import sys

import openpyxl

from pipeline.cli.main import main
from pipeline.core.catalogue import load_catalogue
from tests.conftest import good_housing_rows, write_csv


def pqa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_template_has_header_area_rows_definitions_and_drop_downs(tmp_path):
    out = tmp_path / "csc.xlsx"
    result = pqa("template", "childrens_social_care", "--period", "2025-26 Q2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    sheet = openpyxl.load_workbook(out)["Return"]
    header = {sheet.cell(r, 1).value: sheet.cell(r, 2).value for r in range(3, 6)}
    assert header == {
        "Agency": "childrens_social_care",
        "Area code": "E06000046",
        "Period": "2025-26 Q2",
    }
    rows = {
        sheet.cell(r, 1).value: (sheet.cell(r, 2).value, sheet.cell(r, 3).value)
        for r in range(8, sheet.max_row + 1)
    }
    assert rows["rereferral_pct"][0] == "Re-referral rate"
    assert "12 months" in rows["rereferral_pct"][1]
    # every children's social care indicator in the catalogue, one row each
    assert len(rows) == len(load_catalogue().for_agency("childrens_social_care"))
    lists = [dv for dv in sheet.data_validations.dataValidation if dv.type == "list"]
    last_row = 7 + len(rows) + 20  # below the table heading: every indicator and 20 spare rows
    assert {str(dv.sqref) for dv in lists} >= {f"A8:A{last_row}", "B5", "B4"}


def test_a_filled_in_template_loads(tmp_path):
    out = tmp_path / "housing.xlsx"
    assert main(["template", "housing", "--period", "2024-25 Q3", "--out", str(out)]) == 0
    workbook = openpyxl.load_workbook(out)
    sheet = workbook["Return"]
    sheet["D8"], sheet["D9"] = 41, 78
    workbook.save(out)
    result = pqa("load", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "loaded 2 figure(s) for housing, E06000046 2024-25 Q3 as submission 1" in result.stdout


def test_unknown_agency_for_a_template_is_a_clear_usage_error():
    result = pqa("template", "fire_service")
    assert result.returncode == 2
    assert "'fire_service' is not an agency" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_refused_file_names_file_row_column_rule_and_what_to_do(tmp_path):
    bad = write_csv(
        tmp_path / "housing.csv",
        [["E06000046", "2024-25 Q3", "families_in_bed_and_breakfast", "forty", "", ""]],
    )
    result = pqa("load", str(bad))
    assert result.returncode == 1
    assert (
        "Error E15 at housing.csv, row 2, column value: 'forty' is not a number. Enter digits only"
    ) in result.stdout
    assert "Nothing was loaded: 1 of 1 file(s) refused" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_loading_prints_what_was_loaded_and_then_that_nothing_is_new(tmp_path):
    good = write_csv(tmp_path / "housing.csv", good_housing_rows())
    first = pqa("load", str(good))
    assert first.returncode == 0
    assert "housing.csv: loaded 2 figure(s) for housing, E06000046 2024-25 Q3" in first.stdout
    again = pqa("load", str(good))
    assert again.returncode == 0
    assert "already loaded (identical to the file loaded on" in again.stdout
    assert "Nothing new: all 1 file(s) were loaded before." in again.stdout


def test_a_missing_file_is_refused_with_its_name(tmp_path):
    result = pqa("load", str(tmp_path / "nowhere.csv"))
    assert result.returncode == 1
    assert "Error E01 at nowhere.csv: there is no file at" in result.stdout


def test_submissions_lists_current_and_replaced(tmp_path):
    pqa("load", str(write_csv(tmp_path / "a.csv", good_housing_rows(families=63))))
    pqa("load", str(write_csv(tmp_path / "b.csv", good_housing_rows(families=41))))
    listing = pqa("submissions").stdout
    assert "replaced by 2" in listing and "current" in listing


def test_when_even_the_error_log_cannot_be_written_one_plain_line_is_printed(tmp_path):
    import os

    broken = tmp_path / "warehouse.duckdb"
    broken.write_text("not a warehouse")  # every command that opens it fails unexpectedly
    blocked = tmp_path / "full"
    blocked.write_text("")  # a file where the logs folder should be: nothing can be written
    env = {**os.environ, "PQA_WAREHOUSE": str(broken)}
    # the nearest harmless variant: the details go to the error log
    logged = subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", "submissions"],
        env={**env, "PQA_LOGS_DIR": str(tmp_path / "logs")},
        capture_output=True,
        text=True,
    )
    assert logged.returncode == 4
    assert f"Details are in {tmp_path / 'logs' / 'pqa-errors.log'}." in logged.stderr
    assert "Traceback" in (tmp_path / "logs" / "pqa-errors.log").read_text()
    unlogged = subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", "submissions"],
        env={**env, "PQA_LOGS_DIR": str(blocked / "logs")},
        capture_output=True,
        text=True,
    )
    assert unlogged.returncode == 4
    assert "Traceback" not in unlogged.stdout + unlogged.stderr
    assert len(unlogged.stderr.strip().splitlines()) == 1
    assert unlogged.stderr.startswith("Something went wrong: ")
    assert (
        f"The details could not be written to {blocked / 'logs' / 'pqa-errors.log'} "
        "either (Not a directory): check the disk has space."
    ) in unlogged.stderr

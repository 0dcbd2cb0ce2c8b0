"""Importing published statistics (`pqa benchmarks`): the tidy reader, symbols, periods, the
mapping, neighbour models, bad files that change nothing, and versions of a file."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from pipeline.cli.main import main
from pipeline.ingest import warehouse
from pipeline.ingest.published.csvfile import BenchmarkFileError
from pipeline.ingest.published.imports import import_figures, import_neighbours
from pipeline.ingest.published.mapping import dataset_name
from pipeline.ingest.published.neighbours import model_from_name
from pipeline.ingest.published.symbols import MEANINGS
from pipeline.ingest.published.tidy import read_tidy
from pipeline.ingest.published.years import PublishedPeriodError, published_period
from tests.conftest import (
    CHILDREN_IN_CARE,
    FIXTURES,
    IOW,
    NEIGHBOURS_2021,
    NEIGHBOURS_2025,
    REFERRALS,
    hold_warehouse,
)

GEOGRAPHY = [
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "region_code",
    "region_name",
    "old_la_code",
    "new_la_code",
    "la_name",
]
ENGLAND = ["2025", "Reporting year", "National", "E92000001", "England", "", "", "", "", ""]
SOUTH_EAST = [
    "2025",
    "Reporting year",
    "Regional",
    "E92000001",
    "England",
    "E12000008",
    "South East",
    "",
    "",
    "",
]


def island(year: str = "2025") -> list[str]:
    return [
        year,
        "Reporting year",
        "Local authority",
        "E92000001",
        "England",
        "E12000008",
        "South East",
        "921",
        IOW,
        "Isle of Wight",
    ]


def tidy_csv(
    path: Path,
    rows: list[list[str]],
    measures: list[str] = ("referral_count",),
    filters: list[str] = ("category",),
    header: list[str] | None = None,
    bom: bool = False,
) -> Path:
    """A small file in the tidy layout: geography, then filters, then measures."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header or GEOGRAPHY + list(filters) + list(measures))
    writer.writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8"))
    return path


def stored(sql: str, params: list | None = None) -> list[tuple]:
    with warehouse.connect() as con:
        return con.execute(sql, params or []).fetchall()


def counts() -> tuple:
    return stored(
        "select (select count(*) from benchmarks.files), "
        "(select count(*) from benchmarks.figures), "
        "(select count(*) from benchmarks.neighbours)"
    )[0]


# --- symbols: no figure, with the reason, never zero -----------------------------------------


@pytest.mark.parametrize("symbol", ["c", "k", "u", "x", "z", "low", ":", "C", "LOW"])
def test_every_symbol_is_kept_as_no_figure_with_its_reason(tmp_path, symbol):
    path = tidy_csv(
        tmp_path / "c1_referrals_2025.csv",
        [
            ENGLAND + ["Referrals", "632830"],
            SOUTH_EAST + ["Referrals", " 0 "],
            island() + ["Referrals", symbol],
        ],
    )
    report = import_figures([path])
    assert report.committed and not report.refused
    rows = stored("select area_code, value, symbol from benchmarks.figures order by source_row")
    assert rows == [
        ("E92000001", 632830.0, None),
        ("E12000008", 0.0, None),
        (IOW, None, symbol.lower()),
    ]
    assert MEANINGS[symbol.lower()]  # every symbol has its meaning in plain words


def test_a_blank_cell_is_no_figure_too_and_unknown_text_is_refused(tmp_path):
    blank = read_tidy(
        "a.csv",
        tidy_csv(
            tmp_path / "a.csv", [ENGLAND + ["Referrals", "1"], island() + ["Referrals", ""]]
        ).read_bytes(),
        "a",
    )
    assert blank.figures.column("symbol").to_pylist() == [None, "blank"]
    assert blank.figures.column("value").to_pylist() == [1.0, None]
    with pytest.raises(
        BenchmarkFileError,
        match=r"'n/a' is neither a number nor a known "
        r"symbol .* import with --filter referral_count",
    ):
        read_tidy(
            "b.csv",
            tidy_csv(
                tmp_path / "b.csv",
                [
                    ENGLAND + ["Referrals", "1"],
                    SOUTH_EAST + ["Referrals", "2"],
                    island() + ["Referrals", "n/a"],
                ],
            ).read_bytes(),
            "b",
        )


# --- layout ----------------------------------------------------------------------------------


def test_either_column_order_and_a_byte_order_mark_read_the_same(tmp_path):
    rows = [ENGLAND + ["Referrals", "632830", "22.6"], island() + ["Referrals", "4864", "46.7"]]
    measures = ["referral_count", "rereferral_percent"]
    plain = tidy_csv(tmp_path / "plain.csv", rows, measures)
    swapped_header = GEOGRAPHY[:8] + ["la_name", "new_la_code"] + ["category"] + measures
    swapped_rows = [r[:8] + [r[9], r[8]] + r[10:] for r in rows]
    swapped = tidy_csv(tmp_path / "swapped.csv", swapped_rows, header=swapped_header, bom=True)
    assert swapped.read_bytes().startswith(b"\xef\xbb\xbf")
    first = read_tidy("plain.csv", plain.read_bytes(), "d")
    second = read_tidy("swapped.csv", swapped.read_bytes(), "d")
    assert first.figures.equals(second.figures)
    island_rows = [r for r in second.figures.to_pylist() if r["area_code"] == IOW]
    assert [
        (r["area_name"], r["old_la_code"], r["region_code"], r["measure"], r["value"])
        for r in island_rows
    ] == [
        ("Isle of Wight", "921", "E12000008", "referral_count", 4864.0),
        ("Isle of Wight", "921", "E12000008", "rereferral_percent", 46.7),
    ]


def test_the_real_files_in_both_column_orders_import_with_their_figures():
    # the children looked after file has la_name before new_la_code and a byte-order mark;
    # the referrals file has them the other way round and none
    assert CHILDREN_IN_CARE.read_bytes().startswith(b"\xef\xbb\xbf")
    assert not REFERRALS.read_bytes().startswith(b"\xef\xbb\xbf")
    report = import_figures([REFERRALS, CHILDREN_IN_CARE])
    assert report.committed
    figures = dict(
        ((measure, filters), value)
        for measure, filters, value in stored(
            "select measure, filters, value from benchmarks.figures "
            "where area_code = ? and time_period = '2025'",
            [IOW],
        )
    )
    assert figures[("referral_count", "category=Referrals and Re-referrals")] == 4864
    assert figures[("rereferral_percent", "category=Referrals and Re-referrals")] == 46.7
    looked_after = "population_type=Children looked after on 31 March each year"
    assert figures[("children_count", looked_after)] == 258
    assert figures[("rate_per_10000", looked_after)] == 110
    assert stored(
        "select distinct financial_year, period_in_words from benchmarks.figures "
        "where time_period = '2025'"
    ) == [("2024-25", "the year ending 31 March 2025 (financial year 2024-25)")]


def test_rows_at_other_geographic_levels_are_left_out_and_counted(tmp_path):
    constituency = [
        "2025",
        "Reporting year",
        "Parliamentary constituency",
        "E92000001",
        "England",
        "",
        "",
        "",
        "",
        "",
    ]
    read = read_tidy(
        "p.csv",
        tidy_csv(
            tmp_path / "p.csv", [ENGLAND + ["Referrals", "5"], constituency + ["Referrals", "1"]]
        ).read_bytes(),
        "p",
    )
    assert read.rows_read == 1 and read.skipped_levels == {"Parliamentary constituency": 1}


def test_a_numeric_filter_is_read_as_a_filter_when_asked(tmp_path):
    rows = [ENGLAND + ["17", "10"], ENGLAND + ["18", "12"]]
    path = tidy_csv(tmp_path / "ages.csv", rows, measures=["count"], filters=["age"])
    with pytest.raises(BenchmarkFileError, match="same period, area and filters"):
        read_tidy(path.name, path.read_bytes(), "ages")  # age looks like a second measure
    read = read_tidy(path.name, path.read_bytes(), "ages", filter_columns=frozenset({"age"}))
    assert read.filters == ["age"] and read.measures == ["count"]
    assert read.figures.column("filters").to_pylist() == ["age=17", "age=18"]


# --- periods ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "time_period, identifier, kind, year, financial_year",
    [
        ("2025", "Reporting year", "financial_year", "2024-25", "2024-25"),
        ("2013", "Reporting year", "financial_year", "2012-13", "2012-13"),
        ("2000", "Reporting year", "financial_year", "1999-00", "1999-00"),
        ("202425", "Financial year", "financial_year", "2024-25", "2024-25"),
        ("202425", "Academic year", "academic_year", "2024-25", None),
        ("201920", "Academic year", "academic_year", "2019-20", None),
        ("2024", "Calendar year", "calendar_year", "2024", None),
        ("202425", "Financial year Q3", "financial_year_quarter", "2024-25 Q3", None),
        ("2024", "Spring term", "other", "2024", None),
    ],
)
def test_published_periods_are_mapped_explicitly(
    time_period, identifier, kind, year, financial_year
):
    period = published_period(time_period, identifier)
    assert (period.kind, period.year, period.financial_year) == (kind, year, financial_year)


def test_period_words_say_what_the_published_year_is():
    assert (
        published_period("2025", "Reporting year").in_words
        == "the year ending 31 March 2025 (financial year 2024-25)"
    )
    assert (
        published_period("202425", "Academic year").in_words
        == "academic year 2024-25 (September 2024 to July 2025)"
    )


@pytest.mark.parametrize(
    "time_period, identifier",
    [
        ("202425", "Reporting year"),
        ("2025", "Academic year"),
        ("202426", "Academic year"),
        ("2025", "Financial year"),
        ("25", "Calendar year"),
        ("", "Spring term"),
    ],
)
def test_a_period_that_does_not_fit_its_identifier_is_an_error(time_period, identifier):
    with pytest.raises(PublishedPeriodError):
        published_period(time_period, identifier)


def test_the_absence_file_keeps_academic_years_apart_from_financial_years():
    report = import_figures([FIXTURES / "absence_la.csv"])
    assert report.committed
    assert stored(
        "select distinct time_period, period_kind, year, financial_year "
        "from benchmarks.figures order by 1"
    ) == [
        ("202324", "academic_year", "2023-24", None),
        ("202425", "academic_year", "2024-25", None),
    ]
    # la_name comes before new_la_code in this file
    assert stored(
        "select distinct area_name from benchmarks.figures where area_code = ?", [IOW]
    ) == [("Isle of Wight",)]


def test_dataset_and_model_names_come_from_the_file_name():
    assert dataset_name(REFERRALS.name) == "c1_children_in_need_referrals_and_rereferrals"
    assert (
        dataset_name("cla_number_and_rate_per_10k_children.csv")
        == "cla_number_and_rate_per_10k_children"
    )
    assert dataset_name("absence_la_202425.csv") == "absence_la"
    assert model_from_name(NEIGHBOURS_2021.name) == "2021"
    assert model_from_name(NEIGHBOURS_2025.name) == "2025"
    assert model_from_name("neighbours.csv") is None


# --- bad files change nothing ----------------------------------------------------------------


def bad_files(folder: Path) -> dict[str, tuple[Path, str]]:
    return {
        "wrong layout": (
            tidy_csv(
                folder / "return.csv",
                [[IOW, "2024-25 Q3", "referrals", "5"]],
                header=["area_code", "period", "indicator_code", "value"],
            ),
            "not in the Explore Education Statistics tidy layout.*pqa load",
        ),
        "missing geography columns": (
            tidy_csv(
                folder / "no_codes.csv",
                [island()[:7] + ["Referrals", "1"]],
                header=GEOGRAPHY[:7] + ["category", "referral_count"],
            ),
            "local authority rows but no column old_la_code, new_la_code, la_name",
        ),
        "unknown area code": (
            tidy_csv(
                folder / "unknown.csv", [island()[:8] + ["E06999999", "Nowhere", "Referrals", "1"]]
            ),
            "area code this product does not know: E06999999",
        ),
        "duplicate rows": (
            tidy_csv(
                folder / "twice.csv", [island() + ["Referrals", "1"], island() + ["Referrals", "2"]]
            ),
            r"same period, area and filters as an earlier row \(row 3 repeats "
            r"row 2\)",
        ),
        "period unlike its identifier": (
            tidy_csv(folder / "period.csv", [["202425"] + island()[1:] + ["Referrals", "1"]]),
            "'202425' is not a reporting year like 2025",
        ),
        "ragged row": (
            tidy_csv(folder / "ragged.csv", [island() + ["Referrals"]]),
            "row 2: the row has 11 cells where the header has 12",
        ),
        "neighbour file": (NEIGHBOURS_2025, "pqa benchmarks neighbours FILE"),
        "not UTF-8": (
            _write(folder / "latin.csv", "time_period,la_name\n2025,Ynys Môn\n".encode("latin-1")),
            "not UTF-8 text",
        ),
        "empty": (_write(folder / "empty.csv", b"\n\n"), "the file is empty"),
        "no measures": (
            tidy_csv(folder / "words.csv", [island() + ["Referrals", "some"]]),
            "no column holds figures",
        ),
    }


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    "case",
    [
        "wrong layout",
        "missing geography columns",
        "unknown area code",
        "duplicate rows",
        "period unlike its identifier",
        "ragged row",
        "neighbour file",
        "not UTF-8",
        "empty",
        "no measures",
    ],
)
def test_a_bad_file_is_refused_with_a_clear_error_and_nothing_changes(tmp_path, case, capsys):
    assert import_figures([REFERRALS]).committed
    before = counts()
    bad, message = bad_files(tmp_path)[case]
    code = main(["benchmarks", "load", str(CHILDREN_IN_CARE), str(bad)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{bad.name}: refused" in out
    assert re.search(message, out), out
    assert "Nothing was imported" in out
    assert counts() == before  # the good file in the same command was not imported either


# --- versions --------------------------------------------------------------------------------


def test_an_identical_file_is_a_no_op_and_a_newer_edition_replaces_the_older(tmp_path, capsys):
    first = import_figures([REFERRALS], imported_by="analyst one")
    assert first.files[0].file_id == 1 and first.files[0].supersedes is None
    before = counts()
    renamed = tmp_path / "c1_copy.csv"
    renamed.write_bytes(REFERRALS.read_bytes())
    assert main(["benchmarks", "load", str(REFERRALS), str(renamed)]) == 0
    out = capsys.readouterr().out
    assert "already imported (identical to the file imported on" in out
    assert "Nothing new" in out and counts() == before

    newer = tmp_path / "c1_children_in_need_referrals_and_rereferrals_2013_to_2026.csv"
    newer.write_bytes(REFERRALS.read_bytes().replace(b",4864,", b",4870,"))
    second = import_figures([newer], imported_by="analyst two")
    assert second.files[0].supersedes == 1
    files = stored(
        "select file_id, dataset, file_name, length(file_hash), imported_by, "
        "supersedes, imported_at is not null from benchmarks.files order by file_id"
    )
    assert files == [
        (
            1,
            "c1_children_in_need_referrals_and_rereferrals",
            REFERRALS.name,
            64,
            "analyst one",
            None,
            True,
        ),
        (
            2,
            "c1_children_in_need_referrals_and_rereferrals",
            newer.name,
            64,
            "analyst two",
            1,
            True,
        ),
    ]
    # both versions are kept; the figures say which file they came from
    assert stored(
        "select file_id, value from benchmarks.figures where area_code = ? and "
        "time_period = '2025' and measure = 'referral_count' order by file_id",
        [IOW],
    ) == [(1, 4864.0), (2, 4870.0)]


def test_the_load_command_lists_mapped_and_unmapped_measures_and_symbols(capsys):
    assert main(["benchmarks", "load", str(REFERRALS)]) == 0
    out = capsys.readouterr().out
    assert "21,320 figures from 2,132 rows (2012-13 to 2024-25)" in out
    assert "mapped: referral_count -> referrals" in out
    assert "mapped: rereferral_percent -> rereferral_pct" in out
    assert "kept but not mapped to an indicator (7): no_further_action_count" in out
    assert "c withheld to protect confidentiality (a small number) (296)" in out
    # unmapped measures are stored all the same
    assert (
        stored("select count(*) from benchmarks.figures where measure = 'no_further_action_count'")[
            0
        ][0]
        == 2132
    )


def test_check_only_reads_and_imports_nothing(capsys):
    assert main(["benchmarks", "load", "--check", str(REFERRALS)]) == 0
    assert "nothing was imported (--check)" in capsys.readouterr().out
    assert counts() == (0, 0, 0)


# --- statistical neighbours ------------------------------------------------------------------


def test_both_neighbour_models_import_with_their_order_and_closeness(capsys):
    assert main(["benchmarks", "neighbours"]) == 0  # the project's copies of both models
    out = capsys.readouterr().out
    assert "the 2021 statistical-neighbour model, 156 authorities" in out
    assert "the 2025 statistical-neighbour model, 153 authorities" in out
    island_2025 = stored(
        "select neighbour_old_code, closeness from benchmarks.neighbours "
        "where model = '2025' and area_old_code = '921' order by neighbour_rank"
    )
    assert [code for code, _ in island_2025] == [
        "357",
        "908",
        "926",
        "880",
        "879",
        "350",
        "929",
        "372",
        "354",
        "351",
    ]
    assert island_2025[0][1] == "Very close" and island_2025[2][1] == "Close"
    island_2021 = stored(
        "select neighbour_old_code from benchmarks.neighbours "
        "where model = '2021' and area_old_code = '921' order by neighbour_rank"
    )
    assert [code for (code,) in island_2021] == [
        "880",
        "926",
        "845",
        "908",
        "925",
        "879",
        "882",
        "839",
        "935",
        "830",
    ]
    # the 2021 file's groups for authorities reorganised since ("Old SNs") are kept too
    assert (
        stored(
            "select count(*) from benchmarks.neighbours where model = '2021' "
            "and area_old_code = '928'"
        )[0][0]
        == 10
    )
    assert main(["benchmarks", "neighbours"]) == 0
    assert "Nothing new" in capsys.readouterr().out


def test_a_neighbour_file_needs_its_model_and_known_codes(tmp_path, capsys):
    unnamed = tmp_path / "neighbours.csv"
    unnamed.write_bytes(NEIGHBOURS_2025.read_bytes())
    assert main(["benchmarks", "neighbours", str(unnamed)]) == 1
    assert "give it with --model YEAR" in capsys.readouterr().out
    assert import_neighbours([unnamed], model="2025").committed

    broken = tmp_path / "sn_model_2026.csv"
    broken.write_bytes(NEIGHBOURS_2025.read_bytes().replace(b"\n921,", b"\n999,"))
    report = import_neighbours([broken])
    assert not report.committed
    assert (
        "'999' is not the old code of a local authority" in report.refused[0].problems[0].describe()
    )
    assert counts()[2] == 1530  # only the first import


# --- the command line ------------------------------------------------------------------------


def test_benchmarks_without_an_action_is_a_usage_error(capsys):
    assert main(["benchmarks"]) == 2
    assert "load" in capsys.readouterr().out
    assert main(["benchmarks", "load", "--dataset", "c1", str(REFERRALS), str(REFERRALS)]) == 2
    assert "one file at a time" in capsys.readouterr().err
    assert counts() == (0, 0, 0)


def test_neighbours_without_files_anywhere_is_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("pipeline.core.paths.REFERENCE_DIR", tmp_path)
    assert main(["benchmarks", "neighbours"]) == 2
    assert "name the files to import" in capsys.readouterr().err


def test_a_renamed_file_can_say_its_dataset(tmp_path, capsys):
    renamed = tmp_path / "download.csv"
    renamed.write_bytes(REFERRALS.read_bytes())
    assert (
        main(
            [
                "benchmarks",
                "load",
                "--dataset",
                "c1_children_in_need_referrals_and_rereferrals",
                str(renamed),
            ]
        )
        == 0
    )
    assert "mapped: referral_count -> referrals" in capsys.readouterr().out
    assert stored("select dataset, file_name from benchmarks.files") == [
        ("c1_children_in_need_referrals_and_rereferrals", "download.csv")
    ]


def test_a_busy_warehouse_is_refused_with_exit_code_3(monkeypatch, capsys):
    monkeypatch.setenv("PQA_LOCK_WAIT_SECONDS", "0.3")
    holder = hold_warehouse(5.0)
    try:
        assert main(["benchmarks", "load", str(REFERRALS)]) == 3
    finally:
        holder.kill()
        holder.wait()
    assert "in use by another process" in capsys.readouterr().err


def test_the_list_shows_current_and_replaced_files(tmp_path, capsys):
    import_figures([REFERRALS])
    newer = tmp_path / REFERRALS.name
    newer.write_bytes(REFERRALS.read_bytes() + b"\n")
    import_figures([newer])
    assert main(["benchmarks", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("replaced by file 2") and lines[1].endswith("current")

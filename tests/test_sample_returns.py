"""The sample returns shipped in data/raw/sample load cleanly, come from the generator, and
their financial-year roll-ups equal the figures the partnership published."""

from __future__ import annotations

import hashlib

import duckdb
import pytest

from pipeline.core import paths
from pipeline.devdata.sample_returns import PUBLISHED, PUBLISHED_YEARS, write_sample_returns
from pipeline.ingest.load import load_returns
from tests.conftest import SAMPLE_DIR, TODAY

# Financial-year figures made the way the catalogue says (the marts do the same in dbt).
ANNUAL = """
with current as (
    select s.area_code, s.period, f.*
    from raw.return_figures f join raw.submissions s using (submission_id)
    where s.submission_id not in (select supersedes from raw.submissions
                                  where supersedes is not null)
), catalogue as (select * from read_csv(?, all_varchar = true))
select c.indicator_code, left(c.period, 7) as financial_year,
       case k.annual
           when 'sum' then sum(c.value)
           when 'ratio_of_sums' then
               round(case k.kind when 'proportion' then 100 else 1 end
                     * sum(c.numerator) / sum(c.denominator), 1)
           when 'rate_of_sum' then
               round(10000 * sum(c.numerator) / max(c.denominator), 1)
           else max(c.value) filter (where right(c.period, 2) = 'Q4')
       end as value
from current c join catalogue k on k.code = c.indicator_code
group by c.indicator_code, financial_year, k.annual, k.kind
"""


@pytest.fixture(scope="module")
def loaded_sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PQA_DATA_DIR", str(folder))
        report = load_returns(sorted(SAMPLE_DIR.iterdir()), today=TODAY)
        warehouse = paths.warehouse_path()
    return report, warehouse


def test_every_sample_return_loads_without_errors(loaded_sample):
    report, _ = loaded_sample
    assert report.committed and not report.refused
    agencies = {s.agency for o in report.outcomes for s in o.submissions}
    assert agencies == {
        "childrens_social_care",
        "education",
        "health",
        "housing",
        "police",
        "probation",
        "youth_justice",
    }
    periods = {s.period for o in report.outcomes for s in o.submissions}
    assert min(periods) == "2021-22 Q1" and max(periods) == "2026-27 Q2" and len(periods) == 22


def test_sample_comes_in_both_formats(loaded_sample):
    suffixes = {p.suffix for p in SAMPLE_DIR.iterdir()}
    assert suffixes == {".csv", ".xlsx"}


@pytest.mark.parametrize("code", sorted(PUBLISHED))
def test_annual_roll_up_equals_published_figure(loaded_sample, code):
    _, warehouse = loaded_sample
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = dict(
            con.execute(
                f"select financial_year, value from ({ANNUAL}) where indicator_code = ?",
                [str(paths.SEEDS_DIR / "indicators.csv"), code],
            ).fetchall()
        )
    for year, published in zip(PUBLISHED_YEARS, PUBLISHED[code]):
        assert rows[year] == pytest.approx(published), (code, year)


def current_series(warehouse, code: str) -> dict[str, float]:
    """period -> value of one indicator as loaded, corrected returns taking the place of the
    ones they replace."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return dict(
            con.execute(
                "select s.period, f.value from raw.return_figures f join raw.submissions s "
                "using (submission_id) where f.indicator_code = ? and s.submission_id not in "
                "(select supersedes from raw.submissions where supersedes is not null)",
                [code],
            ).fetchall()
        )


def test_the_sample_raises_no_query_about_a_year_to_date_count(loaded_sample):
    report, warehouse = loaded_sample
    codes = {f.rule for o in report.outcomes for f in o.result.findings}
    assert not codes & {"Q05", "Q06"}
    during = current_series(warehouse, "children_in_care")
    last_day = current_series(warehouse, "children_in_care_at_period_end")
    assert during.keys() == last_day.keys()
    assert all(during[p] >= last_day[p] for p in during)
    # the yearly report's 367 in 2024-25 counts the year; 289 and 282 are on 31 March
    assert during["2024-25 Q4"] == 367
    assert (last_day["2022-23 Q4"], last_day["2023-24 Q4"]) == (289, 282)


def test_years_the_department_published_use_its_figure(loaded_sample):
    _, warehouse = loaded_sample
    referrals = current_series(warehouse, "referrals")
    assert sum(v for p, v in referrals.items() if p.startswith("2021-22")) == 3365


def test_stories_from_the_yearly_report(loaded_sample):
    _, warehouse = loaded_sample
    with duckdb.connect(str(warehouse), read_only=True) as con:

        def series(code):
            return dict(
                con.execute(
                    "select s.period, f.value from raw.return_figures f join raw.submissions s "
                    "using (submission_id) where f.indicator_code = ? and s.submission_id not in "
                    "(select supersedes from raw.submissions where supersedes is not null)",
                    [code],
                ).fetchall()
            )

        fostering = series("private_fostering_children")
        assert fostering["2023-24 Q3"] == fostering["2023-24 Q4"] == 0
        assert fostering["2024-25 Q4"] == 10
        probation = series("probation_referrals_to_front_door")
        before = probation["2023-24 Q3"] + probation["2023-24 Q4"]
        after = probation["2024-25 Q1"] + probation["2024-25 Q2"]
        assert 2.5 <= after / before <= 3.2
        families = series("families_in_bed_and_breakfast")
        rising = [
            "2023-24 Q2",
            "2023-24 Q3",
            "2023-24 Q4",
            "2024-25 Q1",
            "2024-25 Q2",
            "2024-25 Q3",
        ]
        assert all(families[a] < families[b] for a, b in zip(rising, rising[1:]))
        assert families["2024-25 Q2"] == 36  # the corrected return replaced the typing error
        assert families["2024-25 Q3"] > max(v for p, v in families.items() if p < "2024-25 Q3")
        waits, open_cases = series("camhs_wait_weeks"), series("camhs_open_cases")
        assert waits["2024-25 Q2"] > waits["2024-25 Q1"] > waits["2023-24 Q4"]
        assert open_cases["2024-25 Q2"] < open_cases["2024-25 Q1"] < open_cases["2023-24 Q4"]
        contacts = series("contacts")
        assert contacts["2024-25 Q4"] < 0.9 * contacts["2024-25 Q3"]
        assert series("ehe_children")["2025-26 Q1"] == 708


def test_generator_reproduces_the_shipped_files(tmp_path):
    write_sample_returns(tmp_path)
    shipped = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in SAMPLE_DIR.iterdir()}
    made = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp_path.iterdir()}
    assert made == shipped


def folder_state(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_the_generator_refuses_a_folder_holding_a_real_return(tmp_path, capsys):
    """`pqa template` names a real return exactly as the sample names its own: the generator
    must neither delete nor overwrite it."""
    from pipeline.cli.main import main

    folder = tmp_path / "returns"
    folder.mkdir()
    assert (
        main(
            [
                "template",
                "childrens_social_care",
                "--period",
                "2024-25 Q2",
                "--out",
                str(folder / "childrens_social_care_E06000046_2024-25_Q2.xlsx"),
            ]
        )
        == 0
    )
    (folder / "notes for the analyst.txt").write_text("keep me", encoding="utf-8")
    before = folder_state(folder)
    capsys.readouterr()
    assert main(["sample", "--out", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "did not write" in err and "notes for the analyst.txt" in err
    assert "Traceback" not in err
    assert folder_state(folder) == before

    (folder / "notes for the analyst.txt").unlink()  # now only the real return is left
    before = folder_state(folder)
    assert main(["sample", "--out", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "childrens_social_care_E06000046_2024-25_Q2.xlsx" in err and "--replace" in err
    assert folder_state(folder) == before


def test_the_generator_rewrites_its_own_folder_and_fills_an_empty_one(tmp_path, capsys):
    from pipeline.cli.main import main

    folder = tmp_path / "sample"
    assert main(["sample", "--out", str(folder)]) == 0  # a new folder
    first = folder_state(folder)
    assert len(first) == len(list(SAMPLE_DIR.iterdir()))
    assert main(["sample", "--out", str(folder)]) == 0  # again: its own files, unchanged
    assert folder_state(folder) == first
    name = "police_E06000046_2023-24_Q3.csv"
    (folder / name).write_text("an older sample\n", encoding="utf-8")
    assert main(["sample", "--out", str(folder), "--replace"]) == 0
    assert folder_state(folder) == first

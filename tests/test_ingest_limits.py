"""Bounded work and nothing kept from a refused file, through `pqa load` as an operator runs it.

Each attack from issue 11 stands beside its nearest harmless variant: the attack is refused
with its rule code, file and place named and no traceback, and the warehouse and archive are
byte-identical afterwards; the harmless variant loads. The heavy files are checked in a child
process whose peak memory is measured, and one absurd series cannot stop the flag step for the
others.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.core import paths
from pipeline.core.catalogue import load_catalogue
from pipeline.core.paths import PROJECT_ROOT
from pipeline.core.periods import Quarter
from pipeline.flags.engine import flags_for_area
from pipeline.flags.series import Point, Series
from pipeline.ingest.load import load_returns
from pipeline.ingest.returns.contract import MAX_FILE_BYTES, MAX_LISTED_FINDINGS
from pipeline.ingest.returns.template import write_template
from tests.conftest import TODAY, good_housing_rows, write_csv

AREA, Q2, Q3 = "E06000046", "2024-25 Q2", "2024-25 Q3"
FAMILIES, CHILDREN = "families_in_bed_and_breakfast", "children_in_bed_and_breakfast"
# Peak memory allowed for checking any one file in a fresh process (the imports and the
# warehouse take about 100 MB); before the limits, the worst files took gigabytes.
MEMORY_CEILING_MB = 200


def housing_template(folder: Path, name: str = "return.xlsx", families: object = 41) -> Path:
    import openpyxl

    path = write_template(load_catalogue(), "housing", AREA, Q3, folder / name, today=TODAY)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Return"]
    rows = {sheet.cell(r, 1).value: r for r in range(8, sheet.max_row + 1)}
    sheet[f"D{rows[FAMILIES]}"], sheet[f"D{rows[CHILDREN]}"] = families, 78
    workbook.save(path)
    return path


def rezip(path: Path, edit: Callable[[dict[str, bytes]], None]) -> Path:
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    edit(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def replace_in(part: str, old: bytes, new: bytes) -> Callable[[dict[str, bytes]], None]:
    def edit(parts: dict[str, bytes]) -> None:
        assert old in parts[part]
        parts[part] = parts[part].replace(old, new, 1)

    return edit


def declares_whole_sheet(folder: Path) -> Path:
    """The template declaring A1:XFD1048576: openpyxl's fast reader built every empty cell."""
    path = housing_template(folder)
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    declared = sheet[sheet.index(b"<dimension") :].split(b"/>", 1)[0] + b"/>"
    return rezip(
        path, replace_in("xl/worksheets/sheet1.xml", declared, b'<dimension ref="A1:XFD1048576"/>')
    )


def million_row_hidden_sheet(folder: Path) -> Path:
    """A hidden sheet of a million rows of names: a few MB zipped."""
    import openpyxl

    path = housing_template(folder)
    workbook = openpyxl.load_workbook(path)
    workbook.create_sheet("Spare").sheet_state = "hidden"
    workbook["Spare"]["A1"] = "x"
    workbook.save(path)
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Jayden Smith</t></is></c></row>' % (r, r)
        for r in range(1, 1_000_001)
    )
    return rezip(
        path, replace_in("xl/worksheets/sheet3.xml", b"</sheetData>", rows + b"</sheetData>")
    )


# --- Refused and nothing kept; the nearest harmless variant loads ------------------------------


def pqa(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def stored_bytes() -> dict[str, str]:
    """A hash of every file the warehouse and archive hold."""
    folder = paths.archive_dir().parent
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "logs" not in p.parts
    }


def hidden_sheet_of_names(
    folder: Path, name: str = "cases.xlsx", who: str = "Jayden Smith"
) -> Path:
    import openpyxl

    path = housing_template(folder, name)
    workbook = openpyxl.load_workbook(path)
    workbook.create_sheet("Cases").sheet_state = "hidden"
    if who:
        workbook["Cases"]["A1"] = who
    workbook.save(path)
    return path


ATTACKS = {
    # name: (attack, nearest harmless variant, rule, where the message must point)
    "hidden-sheet-of-names": (
        lambda f: hidden_sheet_of_names(f),
        lambda f: hidden_sheet_of_names(f, who=""),
        "E24",
        "sheet 'Cases', row 1, column A",
    ),
    "macro-in-xlsx": (
        lambda f: rezip(housing_template(f), lambda p: p.__setitem__("xl/vbaProject.bin", b"m")),
        lambda f: housing_template(f),
        "E25",
        "return.xlsx",
    ),
    "name-past-the-declared-size": (
        lambda f: rezip(
            housing_template(f),
            replace_in(
                "xl/worksheets/sheet1.xml",
                b"</sheetData>",
                b'<row r="5000"><c r="AA5000" t="inlineStr"><is><t>Jayden Smith</t></is></c></row>'
                b"</sheetData>",
            ),
        ),
        lambda f: declares_whole_sheet(f),
        "E24",
        "row 5000, column AA",
    ),
    "unnamed-csv-column": (
        lambda f: write_csv(
            f / "return.csv",
            [[*r, "Jayden Smith"] for r in good_housing_rows()],
            ["area_code", "period", "indicator_code", "value", "numerator", "denominator", ""],
        ),
        lambda f: write_csv(f / "return.csv", good_housing_rows()),
        "E24",
        "row 2, column 7 (no heading)",
    ),
    "count-of-1e308": (
        lambda f: housing_template(f, families=1e308),
        lambda f: housing_template(f, families=41),
        "E28",
        "row 8, column D (value)",
    ),
    "file-over-the-limit": (
        lambda f: _padded_csv(f, MAX_FILE_BYTES + 1),
        lambda f: _padded_csv(f, MAX_FILE_BYTES - 1),
        "E23",
        "return.csv",
    ),
}


def _padded_csv(folder: Path, size: int) -> Path:
    """The good housing return, padded with lines of spaces to exactly `size` bytes."""
    text = "area_code,period,indicator_code,value\n" + "".join(
        f"{AREA},{Q3},{code},{value}\n" for code, value in ((FAMILIES, 41), (CHILDREN, 78))
    )
    padding = size - len(text)
    path = folder / "return.csv"
    path.write_bytes(
        text.encode() + (b" " * 999 + b"\n") * (padding // 1000) + b" " * (padding % 1000)
    )
    return path


@pytest.mark.parametrize("name", ATTACKS)
def test_an_attack_is_refused_and_nothing_is_kept(name: str, tmp_path: Path) -> None:
    attack, harmless, rule, where = ATTACKS[name]
    first = write_csv(tmp_path / "q2.csv", good_housing_rows(Q2, 36, 70))
    assert load_returns([first], today=TODAY).committed
    before = stored_bytes()
    (tmp_path / "bad").mkdir()
    bad = attack(tmp_path / "bad")
    run = pqa("load", str(bad))
    shown = run.stdout + run.stderr
    assert run.returncode != 0, shown
    assert f"{rule} at {bad.name}" in shown and where in shown, shown
    assert "Traceback" not in shown and "Jayden" not in shown, shown
    assert stored_bytes() == before
    (tmp_path / "good").mkdir()
    good = harmless(tmp_path / "good")
    report = load_returns([good], today=TODAY)
    assert report.committed, [f.describe() for f in report.outcomes[0].result.findings]
    # the good file is archived, with its provenance beside it
    assert len(stored_bytes()) == len(before) + 2


# --- Bounded time and memory for the worst files -----------------------------------------------

CHECK_IN_A_CHILD = textwrap.dedent("""
    import json, sys
    from datetime import date
    from pathlib import Path
    from pipeline.ingest.load import load_returns
    result = load_returns([Path(sys.argv[1])], check_only=True,
                          today=date(2026, 11, 22)).outcomes[0].result
    # This process's own high-water mark (ru_maxrss would carry the parent's over exec).
    status = Path("/proc/self/status").read_text()
    peak_mb = int(status.split("VmHWM:")[1].split()[0]) / 1024
    print(json.dumps([result.accepted, len(result.findings),
                      sorted({f.rule for f in result.findings}), round(peak_mb)]))
""")


def check_in_a_child(path: Path) -> tuple[bool, int, list[str], int]:
    """Check one file in a fresh process: accepted, findings, rule codes, peak memory (MB)."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    run = subprocess.run(
        [sys.executable, "-c", CHECK_IN_A_CHILD, str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    accepted, count, rules, peak = json.loads(run.stdout.strip().splitlines()[-1])
    print(f"{path.name}: {path.stat().st_size:,} bytes, peak {peak} MB")  # shown with -s
    return accepted, count, rules, peak


def test_a_workbook_declaring_the_whole_sheet_is_read_as_what_it_holds(tmp_path: Path) -> None:
    """7.7 KB declaring A1:XFD1048576 once took gigabytes; its cells are what count."""
    accepted, _, rules, peak = check_in_a_child(declares_whole_sheet(tmp_path))
    assert accepted and rules == [], rules
    assert peak < MEMORY_CEILING_MB, f"{peak} MB"


def test_a_million_row_hidden_sheet_is_refused_at_the_cell_limit(tmp_path: Path) -> None:
    path = million_row_hidden_sheet(tmp_path)
    accepted, count, rules, peak = check_in_a_child(path)
    assert not accepted and rules == ["E23"] and count == 1
    assert peak < MEMORY_CEILING_MB, f"{peak} MB"


def test_a_huge_csv_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "return.csv"
    with open(path, "wb") as f:
        f.write(b"area_code,period,indicator_code,value\n")
        f.truncate(200 * 2**20)  # 200 MB (sparse: cheap to make)
    accepted, count, rules, peak = check_in_a_child(path)
    assert not accepted and rules == ["E23"] and count == 1
    # Refused by its size, without being read.
    assert peak < MEMORY_CEILING_MB, f"{peak} MB"


def test_a_file_of_many_errors_lists_a_hundred_and_counts_the_rest(tmp_path: Path) -> None:
    rows = [[AREA, Q3, "no_such_indicator", n, "", ""] for n in range(9_000)]
    path = write_csv(tmp_path / "return.csv", rows)
    result = load_returns([path], check_only=True, today=TODAY).outcomes[0].result
    assert len(result.findings) == MAX_LISTED_FINDINGS + 1
    assert "... and 8,900 more finding(s) like these (8,900 E09)" in result.findings[-1].message
    few = write_csv(tmp_path / "few.csv", rows[:MAX_LISTED_FINDINGS])
    result = load_returns([few], check_only=True, today=TODAY).outcomes[0].result
    assert len(result.findings) == MAX_LISTED_FINDINGS
    assert not any("more finding" in f.message for f in result.findings)


# --- One absurd series never stops the flag step -----------------------------------------------


def quarters(values: list[float]) -> tuple[Point, ...]:
    q, points = Quarter(2021, 1), []
    for value in values:
        points.append(Point(q.label, value))
        q = q.next()
    return tuple(points)


def test_one_absurd_series_leaves_every_other_series_flagged() -> None:
    catalogue = load_catalogue()
    steady_then_jump = [40.0 + (i % 3) for i in range(15)] + [120.0]
    children = Series(AREA, CHILDREN, quarters(steady_then_jump))
    periods = {p.period for p in children.points}
    alone = flags_for_area({CHILDREN: children}, catalogue, {"housing": periods}, periods)
    assert alone, "the jump should raise a flag"
    for absurd in (1e308, 45.0):  # the attack, and its nearest harmless variant
        families = Series(AREA, FAMILIES, quarters([40.0 + (i % 3) for i in range(15)] + [absurd]))
        both = flags_for_area(
            {FAMILIES: families, CHILDREN: children}, catalogue, {"housing": periods}, periods
        )
        assert [f for f in both if f.indicator_code == CHILDREN] == alone


# --- The dashboard's upload --------------------------------------------------------------------


def test_the_dashboard_refuses_an_upload_over_the_limit_unread(tmp_path: Path) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard" / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("views/load.py").run()
    for size, expected in (
        (MAX_FILE_BYTES + 1, "a return is at most 10 MB"),
        (MAX_FILE_BYTES - 1, "are ready to load"),
    ):
        content = _padded_csv(tmp_path, size).read_bytes()
        at.file_uploader[0].set_value(("return.csv", content, "text/csv")).run()
        assert not at.exception, [e.value for e in at.exception]
        shown = " ".join(e.value for e in [*at.error, *at.success])
        assert expected in shown, shown
        assert "Traceback" not in shown
    assert not paths.archive_dir().exists() or not any(paths.archive_dir().rglob("*.csv"))

"""Publishing the marts: Parquet files and a manifest, put into data/marts/ all at once.

A refresh writes a complete new folder beside data/marts/ and then exchanges the two folders
in one step (Linux `renameat2` with RENAME_EXCHANGE), so a reader of data/marts/ sees either
every old file or every new one, and a refresh killed at any moment leaves the old marts as
they were. Leftovers of a killed refresh are cleared by the next one.

Anything else found in the published folder (someone's notes, a copied spreadsheet) is kept:
it is linked into the new folder before the exchange, so it is never deleted with the old
marts, and the refresh names it so it can be moved somewhere better.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

# Published file name -> (warehouse table, order that makes the file the same on every run).
PUBLISHED_MARTS = {
    "indicator_quarterly": ("marts.fct_indicator_quarterly", "area_code, indicator_code, period"),
    "indicator_annual": ("marts.fct_indicator_annual", "area_code, indicator_code, financial_year"),
    "indicators": ("marts.dim_indicators", "indicator_code"),
    "periods": ("marts.dim_periods", "period_index"),
    "areas": ("marts.dim_areas", "area_code"),
    "return_status": ("marts.fct_return_status", "agency, area_code, period"),
    "validation_queries": (
        "marts.fct_validation_queries",
        "agency, area_code, period, source_row, rule_code",
    ),
    # The agencies' own words from the returns' notes column (pqa report, the dashboard).
    "agency_commentary": (
        "marts.fct_agency_commentary",
        "agency, area_code, period, commentary_about, indicator_code",
    ),
    # Published statistics (pqa benchmarks): empty until some are imported.
    "benchmarks": (
        "marts.fct_indicator_benchmarks",
        "indicator_code, area_code, period_kind, year, neighbour_model",
    ),
    "reconciliation": ("marts.fct_reconciliation", "area_code, indicator_code, financial_year"),
    "yearly_report": ("marts.fct_report_reconciliation", "area_code, report_row, financial_year"),
    "benchmark_neighbours": (
        "marts.fct_indicator_benchmark_neighbours",
        "indicator_code, area_code, period_kind, year, neighbour_model, neighbour_rank",
    ),
    "statistical_neighbours": (
        "marts.dim_statistical_neighbours",
        "neighbour_model, area_old_code, neighbour_rank",
    ),
}
# Computed in Python by the flag engine (pipeline/flags), not by dbt.
FLAGS = "flags"
# The Great Expectations results of the run that published the marts, for the dashboard.
EXPECTATION_RESULTS = "expectation_results"
MANIFEST = "manifest.json"


def read_table(con, table: str) -> pa.Table:
    """A warehouse table in a fixed row order (a published mart's, or every column's)."""
    order = next((o for t, o in PUBLISHED_MARTS.values() if t == table), "all")
    return con.sql(f"select * from {table} order by {order}").to_arrow_table()


def write_release(folder: Path, tables: dict[str, pa.Table], manifest: dict) -> dict[str, dict]:
    """Write each table as NAME.parquet and the manifest (with each file's rows and hash) into
    a new folder, flushed to disk before it can be swapped in."""
    folder.mkdir(parents=True)
    files = {}
    for name, table in tables.items():
        path = folder / f"{name}.parquet"
        pq.write_table(table, path)
        files[name] = {
            "file": path.name,
            "rows": table.num_rows,
            "sha256": _sha256(path),
            "columns": table.column_names,
        }
    manifest = {**manifest, "marts": files}
    (folder / MANIFEST).write_text(
        json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8"
    )
    for path in folder.iterdir():
        _flush(path)
    _flush(folder)
    return files


def swap_into_place(release: Path, target: Path) -> list[str]:
    """Make `release` the published folder `target` in one step; the old one is removed.
    Returns the names of the files found in `target` that a refresh does not write, which
    are kept (.gitkeep, which keeps the empty folder in a clone of the project, is kept too)."""
    kept = _keep_strays(target, release)
    if not target.exists():
        os.rename(release, target)
    elif _exchange(release, target):
        shutil.rmtree(release)  # now holds the old marts
    else:  # no atomic exchange on this system: two renames, undone by clear_leftovers if cut
        previous = _previous(target)
        os.rename(target, previous)
        os.rename(release, target)
        shutil.rmtree(previous)
    _flush(target.parent)
    return [name for name in kept if name != ".gitkeep"]


def _keep_strays(target: Path, release: Path) -> list[str]:
    """Put into the release every entry of the published folder that the release does not
    have, as hard links (no copy, same filesystem) where possible."""
    if not target.is_dir():
        return []
    kept = []
    for entry in sorted(target.iterdir()):
        copy = release / entry.name
        if os.path.lexists(copy):  # a file the refresh writes: replaced, as it should be
            continue
        if entry.is_symlink():
            os.symlink(os.readlink(entry), copy)
        elif entry.is_dir():
            shutil.copytree(entry, copy, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(entry, copy)
        kept.append(entry.name)
    return kept


def _link_or_copy(source: Path | str, copy: Path | str) -> None:
    try:
        os.link(source, copy)
    except OSError:  # another filesystem, or links not allowed: a copy will do
        shutil.copy2(source, copy)


def release_folder(target: Path, run_id: str) -> Path:
    return target.parent / f".{target.name}-{run_id}"


def clear_leftovers(target: Path) -> None:
    """Remove folders a killed refresh left beside `target`, restoring the published folder
    if a refresh was cut between the two renames of the fallback swap."""
    previous = _previous(target)
    if not target.exists() and previous.exists():
        os.rename(previous, target)
    for leftover in target.parent.glob(f".{target.name}-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def read_manifest(target: Path) -> dict | None:
    try:
        return json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _previous(target: Path) -> Path:
    return target.parent / f".{target.name}-previous"


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths; False where the system cannot."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    at_current_folder, rename_exchange = -100, 2
    if (
        renameat2(
            at_current_folder, os.fsencode(a), at_current_folder, os.fsencode(b), rename_exchange
        )
        == 0
    ):
        return True
    error = ctypes.get_errno()
    if error in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(error, os.strerror(error), str(b))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _flush(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

"""`pqa benchmarks ...`: its parser, its handlers and what it prints: plain words, every problem
with its file, row and column, and for each imported file what it held and which of its
measures are mapped to indicators."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.cli.exits import EXIT_REFUSED, EXIT_USAGE
from pipeline.core import paths

if TYPE_CHECKING:  # the importers bring DuckDB and pyarrow, which most commands never need
    from pipeline.ingest.published.imports import FileImport, ImportReport


def add_commands(commands) -> None:
    benchmarks = commands.add_parser(
        "benchmarks",
        help="import published statistics (England, "
        "regions, local authorities) and statistical neighbours",
    )
    benchmarks.set_defaults(run=lambda args: benchmarks.print_help() or EXIT_USAGE)
    actions = benchmarks.add_subparsers(title="actions", metavar="ACTION")
    load = actions.add_parser(
        "load", help="import Explore Education Statistics CSV files in the tidy layout"
    )
    load.add_argument("files", nargs="+", type=Path, metavar="FILE")
    load.add_argument(
        "--dataset",
        help="the kind of file, when its name does not say "
        "(default: the file name without its years)",
    )
    load.add_argument(
        "--filter",
        action="append",
        metavar="COLUMN",
        help="read this column as a filter even though it holds numbers (may be repeated)",
    )
    load.add_argument("--by", help="who is importing (default: $PQA_USER or your login name)")
    load.add_argument("--check", action="store_true", help="read and check only; import nothing")
    load.set_defaults(run=run_load)
    neighbours = actions.add_parser(
        "neighbours",
        help="import statistical-neighbour models "
        "(default: the 2021 and 2025 models in "
        "data/reference/dfe/neighbours/)",
    )
    neighbours.add_argument("files", nargs="*", type=Path, metavar="FILE")
    neighbours.add_argument("--model", help="the model's year, when the file name does not say")
    neighbours.add_argument("--by", help="who is importing (default: $PQA_USER or your login name)")
    neighbours.add_argument(
        "--check", action="store_true", help="read and check only; import nothing"
    )
    neighbours.set_defaults(run=run_neighbours)
    listing = actions.add_parser("list", help="list imported files, current and replaced")
    listing.set_defaults(run=run_list)


def neighbour_files() -> list[Path]:
    """The neighbour models kept in the project (data/reference/dfe/neighbours/)."""
    return sorted((paths.REFERENCE_DIR / "dfe" / "neighbours").glob("*.csv"))


def run_load(args) -> int:
    from pipeline.ingest.published.imports import import_figures

    if args.dataset and len(args.files) > 1:
        print(
            "--dataset applies to one file at a time: import the others in another command.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    report = import_figures(
        args.files,
        imported_by=args.by,
        dataset=args.dataset,
        filter_columns=frozenset(args.filter or ()),
        check_only=args.check,
    )
    return _print_report(report, args.check)


def run_neighbours(args) -> int:
    from pipeline.ingest.published.imports import import_neighbours

    files = args.files or neighbour_files()
    if not files:
        print(
            "No neighbour files were given, and there are none in "
            f"{paths.REFERENCE_DIR / 'dfe' / 'neighbours'}: name the files to import.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    report = import_neighbours(files, imported_by=args.by, model=args.model, check_only=args.check)
    return _print_report(report, args.check)


def run_list(args) -> int:
    from pipeline.ingest import warehouse
    from pipeline.ingest.published.imports import NEIGHBOURS

    with warehouse.connect() as con:
        rows = con.execute(
            """
            select f.file_id, f.kind, f.dataset, f.file_name, f.imported_at, f.imported_by,
                   f.figure_count, f.first_period, f.last_period,
                   (select min(n.file_id) from benchmarks.files n where n.supersedes = f.file_id)
            from benchmarks.files f order by f.kind, f.dataset, f.file_id
            """
        ).fetchall()
    if not rows:
        print(
            "No published statistics have been imported yet: use 'pqa benchmarks load FILE' "
            "and 'pqa benchmarks neighbours'."
        )
        return 0
    for file_id, kind, dataset, name, at, by, count, first, last, replaced_by in rows:
        state = f"replaced by file {replaced_by}" if replaced_by else "current"
        covers = f", {first} to {last}" if first else ""
        unit = "neighbour pairs" if kind == NEIGHBOURS else "figures"
        print(
            f"{file_id:>4}  {dataset}: {name}, {count:,} {unit}{covers}; imported "
            f"{at:%-d %B %Y at %H:%M} by {by}; {state}"
        )
    return 0


def _print_report(report: ImportReport, check_only: bool) -> int:
    for outcome in report.files:
        _print_file(outcome, report.committed)
    if report.refused:
        print(
            f"\nNothing was imported: {len(report.refused)} of {len(report.files)} file(s) "
            "refused. Correct the problems above and import the file(s) again."
        )
        return EXIT_REFUSED
    if check_only:
        print(
            f"\nChecked {len(report.files)} file(s): no problems; nothing was imported (--check)."
        )
        return 0
    new = [o for o in report.files if o.already_imported is None]
    if not new:
        print(f"\nNothing new: all {len(report.files)} file(s) were imported before.")
    else:
        print(
            f"\nImported {len(new)} file(s) into {paths.warehouse_path()}; the marts show "
            "them after the next 'pqa refresh'."
        )
    return 0


def _print_file(outcome: FileImport, committed: bool) -> None:
    from pipeline.ingest.published.imports import NEIGHBOURS
    from pipeline.ingest.published.symbols import MEANINGS

    name = outcome.path.name
    if outcome.problems:
        print(f"{name}: refused, {len(outcome.problems)} problem(s)")
        for problem in outcome.problems:
            print(f"  {problem.describe()}")
        return
    if outcome.already_imported:
        print(f"{name}: already imported ({outcome.already_imported}); nothing to do")
        return
    read = outcome.read
    replaced = f", replaces file {outcome.supersedes}" if outcome.supersedes else ""
    stored = f"imported as file {outcome.file_id}{replaced}" if committed else "not imported"
    if outcome.kind == NEIGHBOURS:
        print(
            f"{name}: the {read.model} statistical-neighbour model, {read.areas} authorities "
            f"with their neighbours: {stored}"
        )
        return
    print(
        f"{name}: {read.figures.num_rows:,} figures from {read.rows_read:,} rows "
        f"({read.first_period} to {read.last_period}), dataset '{outcome.dataset}': {stored}"
    )
    kinds = ", ".join(
        f"{kind.replace('_', ' ')} ({count:,} rows)"
        for kind, count in read.period_kinds.most_common()
    )
    print(f"  periods: {kinds}")
    if read.skipped_levels:
        left = ", ".join(f"{level} ({count:,})" for level, count in read.skipped_levels.items())
        print(f"  left out, rows at levels the product does not compare: {left}")
    if read.symbols:
        print(
            "  no figure, with the reason kept: "
            + "; ".join(
                f"{symbol} {MEANINGS[symbol]} ({count:,})"
                for symbol, count in read.symbols.most_common()
            )
        )
    mapping = outcome.mapping
    for measure, codes in mapping.mapped.items():
        print(f"  mapped: {measure} -> {', '.join(codes)}")
    if mapping.unmapped:
        print(
            f"  kept but not mapped to an indicator ({len(mapping.unmapped)}): "
            f"{', '.join(mapping.unmapped)}"
        )
    for row in mapping.unmatched:
        print(
            f"  Warning: the mapping row for {row.measure} -> {row.indicator_code} (filters "
            f"'{row.filters}') matches no figure in this file; check "
            "dbt_project/seeds/benchmark_measures.csv."
        )

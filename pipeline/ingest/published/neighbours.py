"""The reader for the Department for Education's statistical-neighbour files: for each local
authority (by its old three-digit code), its ten closest authorities in order, each with how
close it is. Two layouts are read, found by their column names:

- 2021 model (`New_Statistical_Neighbour_Groupings_April_2021.csv`): `LA num`, `LA Name`, ...,
  then `SN1, SNP, SN2, SNP, ...`; below the table, under "Old SNs:", the groups of authorities
  that have since been reorganised.
- 2025 model (`sn_model_2025_wide.csv`): `old_la_code`, `la_name`, ..., then
  `SN_1, SN_1P, SN_2, SN_2P, ...`.

Each neighbour column is followed by its closeness column. Rows without a three-digit code in
the first column (blank lines, headings) are left out.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from pipeline.ingest.published.csvfile import BenchmarkFileError, Problem, read_csv_table, refuse
from pipeline.ingest.published.mapping import read_seed
from pipeline.ingest.returns.findings import Location

AREA_COLUMNS = ("old_la_code", "LA num")
NAME_COLUMNS = ("la_name", "LA Name")
NEIGHBOUR_COLUMN = re.compile(r"^SN_?(\d{1,2})$")
OLD_CODE = re.compile(r"^\d{3}$")
MODEL = re.compile(r"(?<!\d)(20\d\d)(?!\d)")

NEIGHBOUR_SCHEMA = pa.schema(
    [
        ("source_row", pa.int32()),
        ("area_old_code", pa.string()),
        ("area_name", pa.string()),
        ("neighbour_rank", pa.int32()),
        ("neighbour_old_code", pa.string()),
        ("closeness", pa.string()),
    ]
)


@dataclass
class NeighbourFile:
    file_name: str
    file_hash: str
    model: str  # the year of the model, like 2025
    areas: int
    neighbours: pa.Table


def model_from_name(file_name: str) -> str | None:
    """The model year written in the file name ('..._April_2021.csv' -> '2021'), if one is."""
    years = MODEL.findall(Path(file_name).stem)
    return years[0] if len(set(years)) == 1 else None


def known_old_codes() -> set[str]:
    return {r["old_la_code"] for r in read_seed("areas.csv") + read_seed("former_areas.csv")}


def closeness_in_words(text: str) -> str:
    """'Very Close', 'Close ' -> 'Very close', 'Close'."""
    text = " ".join(text.split())
    return text[:1].upper() + text[1:].lower()


def read_neighbours(file_name: str, content: bytes, model: str) -> NeighbourFile:
    table = read_csv_table(file_name, content)
    header = table.header
    area_column = next((header.index(c) for c in AREA_COLUMNS if c in header), None)
    name_column = next((header.index(c) for c in NAME_COLUMNS if c in header), None)
    pairs = [
        (int(m[1]), j)
        for j, name in enumerate(header)
        if (m := NEIGHBOUR_COLUMN.match(name)) and j + 1 < len(header)
    ]
    if area_column is None or not pairs:
        raise refuse(
            file_name,
            "the file is not a statistical-neighbour file: it needs a column "
            f"{' or '.join(AREA_COLUMNS)} and neighbour columns SN1 (or SN_1) onwards, "
            "each followed by its closeness. For published figures use 'pqa benchmarks "
            "load FILE'.",
        )
    known = known_old_codes()
    columns: dict[str, list] = {name: [] for name in NEIGHBOUR_SCHEMA.names}
    problems, seen = [], Counter()
    for row, line in zip(table.rows, table.lines):
        area = row[area_column].strip()
        if not OLD_CODE.match(area):
            continue  # blank lines and headings such as "Old SNs:"
        seen[area] += 1
        if area not in known:
            problems.append(
                Problem(
                    Location(file_name, row=line, column=header[area_column]),
                    f"'{area}' is not the old code of a local authority this "
                    "product knows (seeds/areas.csv, seeds/former_areas.csv).",
                )
            )
        for rank, j in pairs:
            neighbour = row[j].strip()
            if not neighbour:
                continue
            if neighbour not in known:
                problems.append(
                    Problem(
                        Location(file_name, row=line, column=header[j]),
                        f"neighbour '{neighbour}' is not the old code of a local "
                        "authority this product knows.",
                    )
                )
            columns["source_row"].append(line)
            columns["area_old_code"].append(area)
            columns["area_name"].append(row[name_column].strip() if name_column is not None else "")
            columns["neighbour_rank"].append(rank)
            columns["neighbour_old_code"].append(neighbour)
            columns["closeness"].append(closeness_in_words(row[j + 1]) or None)
    repeated = sorted(code for code, count in seen.items() if count > 1)
    if repeated:
        problems.append(
            Problem(
                Location(file_name),
                "more than one row for the authority "
                f"{', '.join(repeated)}: it is not clear which group counts.",
            )
        )
    if not seen:
        problems.append(Problem(Location(file_name), "no row has an authority's three-digit code."))
    if problems:
        raise BenchmarkFileError(problems[:10])
    return NeighbourFile(
        file_name,
        hashlib.sha256(content).hexdigest(),
        model,
        len(seen),
        pa.table(columns, schema=NEIGHBOUR_SCHEMA),
    )

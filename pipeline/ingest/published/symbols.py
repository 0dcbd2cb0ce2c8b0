"""Suppression and special symbols in published statistics. A cell holding one of them has no
figure, and the symbol says why: it is kept as the reason, never read as zero. The symbols and
their meanings are `dbt_project/seeds/benchmark_symbols.csv`, which the marts join too."""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.ingest.published.mapping import read_seed

BLANK = "blank"  # an empty cell: no figure, and no symbol to say why
# The symbol (in lower case) -> what it means, in plain words.
MEANINGS = {row["symbol"]: row["meaning"] for row in read_seed("benchmark_symbols.csv")}
SYMBOLS = {symbol: meaning for symbol, meaning in MEANINGS.items() if symbol != BLANK}
NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


@lru_cache(maxsize=1 << 16)  # published files repeat the same cells many times
def parse_cell(text: str) -> tuple[float | None, str | None]:
    """(value, None) for a number; (None, symbol) for a symbol or a blank cell; (None, None)
    when the cell is neither a number nor a symbol this product knows."""
    text = text.strip()
    if not text:
        return None, BLANK
    if NUMBER.match(text):
        return float(text), None
    symbol = text.lower()
    return (None, symbol) if symbol in SYMBOLS else (None, None)

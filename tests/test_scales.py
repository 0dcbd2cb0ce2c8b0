"""A ratio's scale (per 100, per 10,000, as it is) is written twice, as it must be: in Python
(catalogue.SCALE, for validating a return's ratios and the sample) and in the dbt macro that
makes ratios in the marts (dbt_project/macros/ratios.sql). This pins the two together."""

from __future__ import annotations

import re

from pipeline.core import paths
from pipeline.core.catalogue import SCALE, load_catalogue


def _macro_scales() -> tuple[dict[str, int], int]:
    macro = (paths.DBT_PROJECT_DIR / "macros" / "ratios.sql").read_text()
    body = macro.split("macro scaled_ratio", 1)[1].split("endmacro", 1)[0]
    explicit = {kind: int(n) for kind, n in re.findall(r"when '(\w+)' then (\d+)", body)}
    (otherwise,) = re.findall(r"else (\d+) end", body)
    return explicit, int(otherwise)


def test_the_macro_scales_every_kind_as_the_catalogue_does():
    explicit, otherwise = _macro_scales()
    assert explicit, "the macro names no kinds: has its form changed?"
    assert set(explicit) <= set(SCALE)
    kinds = {indicator.kind for indicator in load_catalogue().indicators.values()} | set(SCALE)
    for kind in kinds & set(SCALE):
        assert explicit.get(kind, otherwise) == SCALE[kind], kind

"""The documents stay true to the code: generated tables equal their source, every link and
cited file exists, the README stays short, and no file cites design notes outside the
repository."""

from __future__ import annotations

import re
import runpy
import subprocess

import pyarrow.parquet as pq
import pytest

from pipeline.core.paths import PROJECT_ROOT

DOCS = PROJECT_ROOT / "docs"
generate = runpy.run_path(str(DOCS / "generate.py"))


@pytest.mark.parametrize("document", sorted(generate["TABLES"]))
def test_generated_tables_equal_their_source(document):
    on_disk = (DOCS / document).read_text(encoding="utf-8")
    assert on_disk == generate["render"](document), f"docs/{document} drifted: run `make docs`"


def _tracked(*patterns: str) -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", *patterns], cwd=PROJECT_ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    return [name for name in listed if (PROJECT_ROOT / name).exists()]


def test_every_link_in_the_documents_leads_to_a_file_of_the_repository():
    broken = []
    for name in ["README.md", "CONTRIBUTING.md", "CHANGELOG.md", *_tracked("docs/*.md")]:
        document = PROJECT_ROOT / name
        prose = re.sub(r"```.*?```|``.*?``|`[^`]*`", "", document.read_text(), flags=re.S)
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", prose):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            if not (document.parent / target).exists():
                broken.append(f"{name} -> {target}")
    assert not broken


def test_the_readme_is_short_and_opens_with_the_two_commands():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode()) <= 12 * 1024
    opening = readme.split("\n\n")[1]
    assert "make run" in opening and "make test" in opening


def test_nothing_cites_design_notes_outside_the_repository():
    outside = re.compile(r"\.\./shared|\b(DESIGN|FLAGS|INDICATORS|STYLE)\.md\b")
    citing = [
        name
        for name in _tracked("*.py", "*.md", "*.sql", "*.yml", "*.toml", "Makefile")
        if name != "tests/test_docs.py"
        and outside.search((PROJECT_ROOT / name).read_text(encoding="utf-8"))
    ]
    assert not citing


def _marts_table() -> dict[str, str]:
    text = (DOCS / "marts.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| [^|]+ \| (.+) \|$", text, re.M)
    return dict(rows)


def test_every_published_mart_and_column_is_documented(sample_refreshed):
    documented = _marts_table()
    marts = sorted((sample_refreshed / "marts").glob("*.parquet"))
    assert marts
    missing = []
    for mart in marts:
        row = documented.get(mart.stem)
        if row is None:
            missing.append(f"{mart.stem}: no row")
            continue
        named = set(re.findall(r"`(\w+)`", row))
        prefixes = {n for n in named if n.endswith("_")}
        for column in pq.read_schema(mart).names:
            if column not in named and not any(column.startswith(p) for p in prefixes):
                missing.append(f"{mart.stem}.{column}")
    assert not missing, "columns not in docs/marts.md: " + ", ".join(missing)

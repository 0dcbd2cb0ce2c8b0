"""Write the documents' generated tables from their one home in the code, so they cannot drift:
`make docs`. Each table sits between `<!-- generated: NAME -->` and `<!-- end generated -->`;
tests/test_docs.py fails when a document and its source differ."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

DOCS = Path(__file__).resolve().parent


def _rules() -> str:
    from pipeline.ingest.returns.rules import rules_markdown

    return rules_markdown()


def _flag_rules() -> str:
    from pipeline.flags.registry import rules_markdown

    return rules_markdown()


# document -> generated table name -> what writes it
TABLES: dict[str, dict[str, Callable[[], str]]] = {
    "returns.md": {"validation rules": _rules},
    "flags.md": {"flag rules": _flag_rules},
}


def _block(name: str) -> re.Pattern:
    return re.compile(
        rf"(<!-- generated: {re.escape(name)} -->\n)(.*?)(<!-- end generated -->)", re.S
    )


def render(document: str) -> str:
    """The document as it should read, with every generated table written afresh."""
    text = (DOCS / document).read_text(encoding="utf-8")
    for name, make in TABLES[document].items():
        pattern = _block(name)
        if not pattern.search(text):
            raise SystemExit(f"docs/{document} has no '<!-- generated: {name} -->' block")
        table = make()
        text = pattern.sub(lambda m, table=table: m.group(1) + table + m.group(3), text)
    return text


def main() -> int:
    for document in TABLES:
        (DOCS / document).write_text(render(document), encoding="utf-8")
        print(f"docs/{document}: generated tables written")
    return 0


if __name__ == "__main__":
    sys.exit(main())

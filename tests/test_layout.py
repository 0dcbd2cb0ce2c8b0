"""The house's layout holds: `pipeline/` reads as the flow of stages, no module imports itself
back round a cycle, the dashboard never reaches into the command line, and test modules never
import each other."""

from __future__ import annotations

import ast

from pipeline.core.paths import PROJECT_ROOT

STAGES = {"core", "ingest", "transform", "quality", "flags", "publish", "report", "cli", "devdata"}


def _modules() -> dict[str, set[str]]:
    """Every module of pipeline/ and dashboard/ with the project modules it imports (anywhere
    in it, lazily or not)."""
    graph = {}
    for top in ("pipeline", "dashboard"):
        for path in sorted((PROJECT_ROOT / top).rglob("*.py")):
            parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            imported = set()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    imported.add(node.module)
                    imported |= {f"{node.module}.{a.name}" for a in node.names}
                elif isinstance(node, ast.Import):
                    imported |= {a.name for a in node.names}
            graph[name] = imported
    return {
        name: {i for i in imported if i in graph and i != name} for name, imported in graph.items()
    }


def test_pipeline_lists_its_stages():
    folders = {
        p.name
        for p in (PROJECT_ROOT / "pipeline").iterdir()
        if p.is_dir() and p.name != "__pycache__"
    }
    modules = {p.name for p in (PROJECT_ROOT / "pipeline").glob("*.py")}
    assert folders == STAGES and modules == {"__init__.py"}


def test_no_module_imports_itself_back_round_a_cycle():
    graph = _modules()
    cycles = []

    def visit(name: str, path: list[str]) -> None:
        for nxt in graph[name]:
            if nxt in path:
                cycles.append(" -> ".join(path[path.index(nxt) :] + [nxt]))
            elif nxt not in done:
                visit(nxt, path + [nxt])
        done.add(name)

    done: set[str] = set()
    for name in graph:
        if name not in done:
            visit(name, [name])
    assert not cycles


def test_the_dashboard_and_the_stages_never_import_the_command_line_or_the_development_data():
    graph = _modules()
    reaching = sorted(
        f"{name} -> {imported}"
        for name, imports in graph.items()
        if not name.startswith(("pipeline.cli", "pipeline.devdata"))
        for imported in imports
        if imported.startswith(("pipeline.cli", "pipeline.devdata"))
    )
    assert not reaching


def test_test_modules_share_helpers_through_conftest_never_each_other():
    """A test module importing another runs the other's module-level set-up and ties the two
    together; shared helpers live in conftest.py, served.py and flag_test_set.py."""
    offenders = []
    for path in sorted((PROJECT_ROOT / "tests").glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tests.test_"):
                offenders.append(f"{path.name} imports {node.module}")
    assert not offenders, offenders

"""The shape of the code holds: imports run one way (app -> handlers -> runtime -> ui -> bot -> models),
no module imports itself round a cycle, and no module outgrows being read in one sitting."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["app", "handlers", "runtime", "ui", "bot", "models"]  # each may import only those after it
MAX_LINES = 400


def modules() -> dict[str, Path]:
    found = {"app": ROOT / "app.py"}
    for package in LAYERS[1:]:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(path: Path, name: str) -> set[str]:
    """Every module of ours this one imports, wherever in the file (functions too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:  # relative: resolved against this module's package
                package = name.split(".")[: -node.level] if not path.name == "__init__.py" else name.split(".")
                base = ".".join([*package, node.module])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {module for module in found if module.split(".")[0] in LAYERS}


GRAPH = {name: {i for i in imports(path, name) if i in modules()} for name, path in modules().items()}


def layer(module: str) -> int:
    return LAYERS.index(module.split(".")[0])


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_run_one_way(module):
    upward = sorted(i for i in GRAPH[module] if layer(i) < layer(module))
    assert upward == [], f"{module} imports a layer above it: {upward}"


def test_no_import_cycles():
    state: dict[str, str] = {}
    cycles = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for imported in sorted(GRAPH[module]):
            if imported == module or imported.startswith(module + "."):  # a package importing its own parts
                continue
            if state.get(imported) == "open":
                cycles.append(path[path.index(imported):] + [imported] if imported in path else [module, imported])
            elif imported not in state:
                visit(imported, [*path, imported])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_module_outgrows_a_sitting(module):
    lines = len(modules()[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines"


def test_the_rules_know_nothing_of_slack():
    """bot/ is the rules in product words: it imports neither Slack's SDK nor Bolt."""
    for name, path in modules().items():
        if name.split(".")[0] == "bot":
            tree = ast.parse(path.read_text(encoding="utf-8"))
            imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
            imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
            assert not any(m.split(".")[0] in ("slack_sdk", "slack_bolt") for m in imported), name

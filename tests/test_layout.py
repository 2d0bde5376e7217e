"""The package's layout holds: no import circle (function-level imports included), no private
name imported from another module, every sub-package says what stage it is."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import grimp

PACKAGE = Path(__file__).resolve().parents[1] / "reports"


def _modules() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if "migrations" not in p.parts]


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that import each other, directly or not."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_no_import_circles() -> None:
    g = grimp.build_graph("reports", include_external_packages=False, cache_dir=None)
    modules = {m for m in g.modules if ".migrations" not in m}
    edges: dict[str, set[str]] = {}
    for m in modules:
        # a package's __init__ re-exporting its own modules is not a circle of the code
        edges[m] = {d for d in g.find_modules_directly_imported_by(m) if d in modules and d != m}
        edges[m] = {d for d in edges[m] if not m.startswith(d + ".")}
    assert _strongly_connected(edges) == []


def test_no_private_name_imported_from_another_module() -> None:
    found = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("reports"):
                found += [
                    f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {node.module}.{a.name}"
                    for a in node.names
                    if a.name.startswith("_")
                ]
    assert found == []


def test_every_sub_package_names_its_stage() -> None:
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        module = importlib.import_module(f"reports.{init.parent.name}")
        first = (module.__doc__ or "").strip().split("\n")[0]
        assert first.endswith("."), f"{init}: its docstring's first line says what stage this is"


def test_few_modules_at_the_top() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "program.py"]

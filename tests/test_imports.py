"""No import cycle in the package, function-level (lazy) imports included.

Every module is parsed with ``ast``; each ``import`` or ``from ... import`` of a judgekit module,
wherever it sits (module level, inside a function, under ``if TYPE_CHECKING``), is an edge. Importing
``a.b.c`` also runs the ``__init__`` of ``a.b``, so that package is an edge too, except from
modules inside it (their package is already being imported when they run).
"""

from __future__ import annotations

import ast
from pathlib import Path

import judgekit

ROOT = Path(judgekit.__file__).resolve().parent


def _modules() -> dict[str, Path]:
    mods = {}
    for path in ROOT.rglob("*.py"):
        parts = ["judgekit", *path.relative_to(ROOT).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


def _resolve(name: str, mods: dict[str, Path]) -> str | None:
    while name:
        if name in mods:
            return name
        name = name.rpartition(".")[0]
    return None


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(2, len(parts))]  # judgekit itself imports nothing


def import_graph() -> dict[str, set[str]]:
    """Module -> the judgekit modules (and packages) importing it executes."""
    mods = _modules()
    graph: dict[str, set[str]] = {}
    for mod, path in mods.items():
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                names = [f"{module}.{a.name}" if f"{module}.{a.name}" in mods else module for a in node.names]
            else:
                continue
            for name in names:
                if name == "judgekit" or name.startswith("judgekit."):
                    target = _resolve(name, mods)
                    if target:
                        targets.add(target)
                        targets.update(_ancestors(target))
        own = {mod, *_ancestors(mod), package}
        graph[mod] = {t for t in targets if t not in own and t != "judgekit"}
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    comps: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(comp)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [_cycle_in(set(c), graph) for c in comps]


def _cycle_in(comp: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A concrete cycle through the component, for the error message."""
    start = min(comp)
    path, seen = [start], {start}
    while True:
        nxt = sorted(w for w in graph[path[-1]] if w in comp)
        back = [w for w in nxt if w in seen]
        if back:
            return [*path[path.index(back[0]):], back[0]]
        path.append(nxt[0])
        seen.add(nxt[0])


def test_the_scanner_sees_lazy_imports_and_package_inits():
    graph = import_graph()
    assert "judgekit.plan.trials" in graph["judgekit.api"] or "judgekit.plan" in graph["judgekit.api"]
    # a function-level import in the CLI is an edge
    assert "judgekit.api" in graph["judgekit.cli"]
    # importing judgekit.report.queries runs judgekit/report/__init__.py
    assert "judgekit.report" in graph["judgekit.card"]
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_import_cycles():
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)

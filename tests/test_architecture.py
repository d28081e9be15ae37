"""The rooms' doors: the import contracts written in pyproject.toml
([tool.hark.contracts]) checked over hark's import graph, read from the
source with ast.

Every import counts, at module level or inside a function (a lazy import
still ties two modules together); only imports under ``if TYPE_CHECKING:``
are left out, since they never run. A package's own ``__init__`` running
before its submodules is not counted as an import by the submodule.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Graph:
    """Module name -> the names it imports (hark modules and external top-level names)."""

    modules: dict[str, Path] = field(default_factory=dict)
    imports: dict[str, dict[str, int]] = field(default_factory=dict)  # name -> {imported: line}

    def internal(self, name: str) -> list[str]:
        return [m for m in self.imports.get(name, {}) if m in self.modules]


def _module_name(path: Path, folder: Path, package: str) -> str:
    parts = list(path.relative_to(folder).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([package, *parts])


def _type_checking_lines(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else test.attr if isinstance(test, ast.Attribute) else ""
            if name == "TYPE_CHECKING":
                for child in node.body:
                    for sub in ast.walk(child):
                        if hasattr(sub, "lineno"):
                            skip.add(sub.lineno)
    return skip


def build_graph(packages: dict[str, Path]) -> Graph:
    """packages: import name -> source folder (e.g. {"hark.store": ROOT / "store"})."""
    g = Graph()
    for package, folder in packages.items():
        for path in sorted(folder.rglob("*.py")):
            g.modules[_module_name(path, folder, package)] = path
    for name, path in g.modules.items():
        is_package = path.name == "__init__.py"
        here = name if is_package else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        skip = _type_checking_lines(tree)
        found: dict[str, int] = {}
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in skip:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base_parts = here.split(".")
                    base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                    base = ".".join(base_parts + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                # `from pkg import sub` imports the submodule when there is one
                subs = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in g.modules]
                targets = subs if len(subs) == len(node.names) else [base, *subs]
            for t in targets:
                found.setdefault(_resolve(t, g.modules), node.lineno)
        found.pop(name, None)
        g.imports[name] = found
    return g


def _resolve(target: str, modules: dict[str, Path]) -> str:
    """The longest known module a dotted name falls in, or its top-level name if external."""
    parts = target.split(".")
    for i in range(len(parts), 0, -1):
        cand = ".".join(parts[:i])
        if cand in modules:
            return cand
    return parts[0]


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def forbidden_paths(g: Graph, source: str, forbidden: list[str]) -> list[list[str]]:
    """Each way (a chain of imports) a module under `source` reaches a forbidden name."""
    bad: list[list[str]] = []
    for start in sorted(m for m in g.modules if _within(m, source)):
        seen = {start: [start]}
        todo = [start]
        while todo:
            m = todo.pop()
            for t in g.imports.get(m, {}):
                if any(_within(t, f) for f in forbidden):
                    bad.append([*seen[m], t])
                elif t in g.modules and t not in seen:
                    seen[t] = [*seen[m], t]
                    todo.append(t)
    return bad


def cycles(g: Graph, prefix: str) -> list[list[str]]:
    """Strongly connected groups of more than one module under `prefix` (Tarjan)."""
    nodes = sorted(m for m in g.modules if _within(m, prefix))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on.add(v)
        for w in g.internal(v):
            if not _within(w, prefix):
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for n in nodes:
        if n not in index:
            visit(n)
    return out


def _contracts() -> dict:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return data["tool"]["hark"]["contracts"]


def _hark_graph() -> Graph:
    folders = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-dir"]
    return build_graph({name: ROOT / folder for name, folder in folders.items()})


@pytest.fixture(scope="module")
def graph() -> Graph:
    return _hark_graph()


def test_the_contracts_are_written_down():
    c = _contracts()
    assert {f["source"] for f in c["forbidden"]} >= {"hark.store", "hark.tui.cli", "hark.tui.player"}
    assert set(c["acyclic"]) >= {"hark.store", "hark.tui"}


@pytest.mark.parametrize("rule", _contracts()["forbidden"], ids=lambda r: r["source"])
def test_forbidden_imports(graph, rule):
    assert any(_within(m, rule["source"]) for m in graph.modules), f"no module under {rule['source']}"
    bad = forbidden_paths(graph, rule["source"], rule["modules"])
    assert not bad, "\n".join(" -> ".join(p) for p in bad[:10])


@pytest.mark.parametrize("prefix", _contracts()["acyclic"])
def test_no_import_circles(graph, prefix):
    found = cycles(graph, prefix)
    assert not found, "import circles: " + "; ".join(" <-> ".join(c) for c in found)


def test_no_module_is_too_long(graph):
    limit = _contracts()["max_lines"]
    long = {n: len(p.read_text(encoding="utf-8").splitlines()) for n, p in graph.modules.items()}
    assert not {n: k for n, k in long.items() if k > limit}


# The checker itself, on a made-up package: each rule must be able to fail.


def _toy(tmp_path: Path, files: dict[str, str]) -> Graph:
    for rel, text in files.items():
        p = tmp_path / "toy" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return build_graph({"toy": tmp_path / "toy"})


def test_checker_finds_a_lazy_circle_and_an_indirect_forbidden_import(tmp_path):
    g = _toy(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from . import b\n",
            "b.py": "def f():\n    from .a import x\n",  # lazy, still a circle
            "c.py": "from toy.d import y\n",
            "d.py": "import textual.app\n",
            "e.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import textual\n",
        },
    )
    assert cycles(g, "toy") == [["toy.a", "toy.b"]]
    assert forbidden_paths(g, "toy.c", ["textual"]) == [["toy.c", "toy.d", "textual"]]
    assert forbidden_paths(g, "toy.e", ["textual"]) == []  # TYPE_CHECKING imports never run


def test_checker_resolves_relative_imports_of_parent_packages(tmp_path):
    g = _toy(
        tmp_path,
        {
            "__init__.py": "",
            "store/__init__.py": "",
            "store/x.py": "from ..ui import w\n",
            "ui/__init__.py": "",
            "ui/w.py": "from ..store.x import z\n",
        },
    )
    assert g.imports["toy.store.x"] == {"toy.ui.w": 1}
    assert cycles(g, "toy") == [["toy.store.x", "toy.ui.w"]]
    assert forbidden_paths(g, "toy.store", ["toy.ui"]) == [["toy.store.x", "toy.ui.w"]]

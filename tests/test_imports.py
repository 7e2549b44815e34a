"""No import circle among the project's modules (agents/, model/, experiments/, hydra_plugins/).

Every ``.py`` file is parsed, and every import counts, wherever it stands: at module level,
inside a function (a deferred import is still a dependency) and under ``if TYPE_CHECKING:``
(a circle there is a circle in the design, even if Python never runs it).

``from pkg import name`` is an import of the submodule ``pkg.name`` when that is a module of
the project, and of ``pkg`` (its ``__init__``) otherwise; relative imports are resolved from
the importing module. Importing a submodule is not counted as importing its parent
packages' ``__init__`` files: Python runs them, but a package's ``__init__`` importing its
own submodules is how packages work, not a circle.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from model.data import PROJECT_ROOT

PACKAGES = ("agents", "model", "experiments", "hydra_plugins")


@dataclass(frozen=True)
class Import:
    """One import statement's dependency of ``source`` on ``target``, at ``where`` (file:line)."""

    source: str
    target: str
    where: str


def module_names(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    """Every module under the packages, by dotted name (``pkg/__init__.py`` is ``pkg``)."""
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _base(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The module a ``from ... import`` statement imports from, relative imports resolved."""
    if node.level == 0:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, node.module] if node.module else package)


def imports(root: Path, packages: tuple[str, ...] = PACKAGES) -> list[Import]:
    """Every dependency of a project module on another, one per imported project module."""
    modules = module_names(root, packages)
    found = []
    for module, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _base(module, path, node)
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names
                ]
            else:
                continue
            where = f"{path.relative_to(root)}:{node.lineno}"
            found += [Import(module, t, where) for t in dict.fromkeys(targets) if t in modules and t != module]
    return found


def cycles(edges: list[Import]) -> list[list[str]]:
    """The import circles: strongly connected components of more than one module (Tarjan), sorted."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.source, set()).add(edge.target)
        graph.setdefault(edge.target, set())
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []

    def connect(node: str) -> None:
        index[node] = lowlink[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                connect(successor)
                lowlink[node] = min(lowlink[node], lowlink[successor])
            elif successor in on_stack:
                lowlink[node] = min(lowlink[node], index[successor])
        if lowlink[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(components)


def report(edges: list[Import], circles: list[list[str]]) -> str:
    """Each circle with the imports that close it (file:line)."""
    lines = []
    for members in circles:
        lines.append("import circle: " + ", ".join(members))
        lines += [
            f"    {e.source} -> {e.target}  ({e.where})" for e in edges if e.source in members and e.target in members
        ]
    return "\n".join(lines)


def test_no_import_circles():
    edges = imports(PROJECT_ROOT)
    circles = cycles(edges)
    assert not circles, "\n" + report(edges, circles)


def test_the_checker_sees_the_project():
    edges = imports(PROJECT_ROOT)
    assert {e.source.split(".")[0] for e in edges} >= {"agents", "model", "experiments"}
    assert len({e.source for e in edges}) > 20, "the project's modules import each other: few found, is it parsing?"


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_the_checker_finds_a_circle_only_through_type_checking(tmp_path):
    root = _tree(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.a import A\n",  # a package importing its submodule: no circle
            "pkg/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.b import B\nclass A: ...\n",
            "pkg/b.py": "from . import a\nB = 1\n",
            "pkg/c.py": "def f():\n    import pkg.sub.d\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/d.py": "from ..c import f\n",
        },
    )
    edges = imports(root, ("pkg",))
    assert {(e.source, e.target) for e in edges} == {
        ("pkg", "pkg.a"),
        ("pkg.a", "pkg.b"),
        ("pkg.b", "pkg.a"),
        ("pkg.c", "pkg.sub.d"),
        ("pkg.sub.d", "pkg.c"),
    }
    assert cycles(edges) == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.sub.d"]]
    assert "pkg.a -> pkg.b  (pkg/a.py:3)" in report(edges, cycles(edges))


def test_the_checker_counts_from_pkg_import_name_as_the_package(tmp_path):
    root = _tree(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.a import A\nB = 2\n",
            "pkg/a.py": "from pkg import B\nA = 1\n",  # B is not a module: this imports pkg's __init__
        },
    )
    assert cycles(imports(root, ("pkg",))) == [["pkg", "pkg.a"]]

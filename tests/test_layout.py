"""The house by concern (issue 30): no import circle between modules, in the server
package or in the frontend, and no source file over 400 lines. Every import counts: one
inside a function (the same dependency, taken later), one under ``if TYPE_CHECKING:`` and
a TypeScript ``import type`` (a circle of types is still two modules that each need the
other to be read)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "jupyter_blocks"
SRC = REPO / "src"
MAX_LINES = 400


def python_modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        if "labextension" in path.parts:
            continue
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    return [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]


def python_graph() -> dict[str, set[str]]:
    modules = python_modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    origin = ".".join(base + ([node.module] if node.module else []))
                else:
                    origin = node.module or ""
                # ``from . import x`` takes module x when there is one, else a name of
                # the package (``from . import __version__`` is the version module).
                targets = [
                    f"{origin}.{alias.name}" if f"{origin}.{alias.name}" in modules else origin
                    for alias in node.names
                ]
                if origin == "jupyter_blocks" and all(a.name == "__version__" for a in node.names):
                    targets = ["jupyter_blocks._version"]
            for target in targets:
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def typescript_graph() -> dict[str, set[str]]:
    files = {p.relative_to(SRC).with_suffix("").as_posix(): p for p in SRC.rglob("*.ts")}
    files = {k: v for k, v in files.items() if "__tests__" not in k}
    graph: dict[str, set[str]] = {name: set() for name in files}
    pattern = re.compile(r"""^\s*(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]""", re.M)
    for name, path in files.items():
        for target in pattern.findall(path.read_text(encoding="utf-8")):
            resolved = (Path(name).parent / target).as_posix()
            resolved = str(Path(resolved)).replace("\\", "/")
            parts: list[str] = []
            for part in resolved.split("/"):
                if part == "..":
                    parts.pop()
                elif part != ".":
                    parts.append(part)
            resolved = "/".join(parts)
            for candidate in (resolved, f"{resolved}/index"):
                if candidate in files:
                    graph[name].add(candidate)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def strong(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                strong(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            strong(node)
    return found


def test_no_import_circle_in_the_server_package():
    assert cycles(python_graph()) == []


def test_no_import_circle_in_the_frontend():
    assert cycles(typescript_graph()) == []


def test_the_graphs_see_real_imports():
    # The checks above mean something only if the graphs hold the imports they should.
    assert "jupyter_blocks.store.base" in python_graph()["jupyter_blocks.store.sqlite"]
    assert any(python_graph()[name] for name in python_graph())
    assert sum(len(targets) for targets in typescript_graph().values()) > 10


def _sources() -> list[Path]:
    python = [p for p in PACKAGE.rglob("*.py") if "labextension" not in p.parts]
    typescript = [p for p in SRC.rglob("*.ts") if "__tests__" not in p.parts]
    return sorted(python + typescript + list((REPO / "style").rglob("*.css")))


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_source_file_over_400_lines(path: Path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES

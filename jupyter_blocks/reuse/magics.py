"""IPython's own syntax, as the names it reads and binds: ``!`` lines and magics, seen
in the code IPython's transformations write (``get_ipython().system(...)``,
``get_ipython().run_line_magic(name, line)``, ``...run_cell_magic(name, line, body)``)."""

from __future__ import annotations

import ast
import re
import shlex

# Magics whose argument (or cell body) is Python run in the user namespace.
PYTHON_MAGICS = frozenset({"time", "timeit", "prun", "capture"})
# Magics that bind names no one can list statically.
UNKNOWN_MAGICS = frozenset({"run", "store"})
_SHELL_VAR = re.compile(r"(?<!\$)\$([A-Za-z_][A-Za-z0-9_]*)")
_SHELL_EXPR = re.compile(r"(?<!\{)\{([^{}]+)\}(?!\})")


def ipython_call(node: ast.Call) -> tuple[str, list[str]] | None:
    """``(method, string arguments)`` for a call ``get_ipython().method("...", ...)``."""
    method = _ipython_method(node)
    if method is None:
        return None
    texts = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return (method, texts) if len(texts) == len(node.args) else None


def expanded_names(text: str) -> list[ast.AST]:
    """Trees of what IPython expands in a shell command or a magic's line: ``$name``
    and ``{expr}``."""
    trees: list[ast.AST] = [ast.Name(name, ast.Load()) for name in _SHELL_VAR.findall(text)]
    for expr in _SHELL_EXPR.findall(text):
        try:
            trees.append(ast.parse(expr.strip(), mode="eval"))
        except SyntaxError:
            continue
    return trees


def capture_target(line: str) -> str | None:
    """The name ``%%capture [options] name`` binds."""
    words = [w for w in _split(line) if not w.startswith("-")]
    return words[0] if words else None


def python_body(line: str, body: str | None) -> list[ast.stmt]:
    """The statements a Python magic runs (its cell body, or its line without options)."""
    try:
        return ast.parse(body if body is not None else _strip_options(line)).body
    except SyntaxError:
        return []


def _ipython_method(node: ast.Call) -> str | None:
    """``m`` for a call ``get_ipython().m(...)``, as IPython's transformations write."""
    func = node.func
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Call)
        and isinstance(func.value.func, ast.Name)
        and func.value.func.id == "get_ipython"
    ):
        return func.attr
    return None


def _split(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError:
        return line.split()


def _strip_options(line: str) -> str:
    """A line magic's statement without its leading options (``%timeit -n 10 f()``)."""
    rest = line.lstrip()
    while rest.startswith("-"):
        option, _, rest = rest.partition(" ")
        if option in ("-n", "-r", "-p", "-s", "-T", "-D", "-l") and rest:
            _, _, rest = rest.lstrip().partition(" ")
        rest = rest.lstrip()
    return rest

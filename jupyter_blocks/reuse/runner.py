"""Running a recipe's cells in a fresh namespace, as a notebook would run them.

- The namespace is a new module's (``__name__ == "__main__"``), never the caller's: the
  overrides are bound first, and again after each upstream cell (the override wins).
- Each cell's code is the source after IPython's transformations, compiled with the
  file name ``<path cell N>`` (registered with ``linecache``, so tracebacks show the
  cell's lines) and run with ``exec``. Magics and ``!`` lines run through the caller's
  IPython; while such a cell runs, IPython's user namespace *is* the fresh namespace,
  so ``%time x = f()`` binds ``x`` there and not in the caller's globals.
- As in IPython, the target's last statement, when it is an expression not followed by
  ``;``, is its value.
- Output is captured: upstream cells' output is dropped, the target's is kept, in the
  order it came (stdout, stderr, displays), to be shown with the result.
- matplotlib, when loaded: the caller's open figures are set aside while the cells run
  (so ``plt.gca()`` never draws on them) and put back after; as with JupyterLab's
  inline backend, figures a cell leaves open are closed at its end, and the target's
  are displayed first. Settings the cells change (``rcParams``) are restored.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import linecache
import sys
import tokenize
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .closure import Cell
from .deps import CellDeps
from .errors import CellFailed, UseError


@dataclass
class Output:
    """One thing a cell printed or displayed, in order."""

    kind: str  # "stream", "display" or "clear"
    name: str = ""  # "stdout" or "stderr" for a stream
    text: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    transient: dict[str, Any] | None = None
    update: bool = False


@dataclass
class Outcome:
    namespace: dict[str, Any]
    value: Any
    outputs: list[Output]


def cell_filename(path: str, cell: Cell) -> str:
    return f"<{path} cell {cell.number}>"


def run(
    name: str,
    path: str,
    steps: list[Cell],
    deps: Mapping[int, CellDeps],
    overrides: Mapping[str, Any],
    shell: Any,
) -> Outcome:
    """Run ``steps`` (the target last, ``name`` its reference) in a fresh namespace; a
    cell that raises stops the run with CellFailed naming it."""
    __tracebackhide__ = True  # IPython leaves our frames out of tracebacks
    for step in steps:
        if deps[step.index].ipython and shell is None:
            raise UseError(
                f"{path} cell {step.number} uses IPython syntax (a magic or a ! line): "
                "call use() from IPython or a Jupyter kernel."
            )
    module = types.ModuleType("__main__")
    namespace = module.__dict__
    namespace["__builtins__"] = builtins
    if shell is not None:
        namespace["get_ipython"] = shell.get_ipython
    namespace.update(overrides)
    kept: list[Output] = []
    value = None
    with _figures_set_aside():
        for step in steps[:-1]:
            try:
                _run_cell(path, step, deps[step.index], module, shell, [], target=False)
            except CellFailed as failure:
                failure.args = (f"{failure} use({name!r}) runs this cell first.",)
                raise
            namespace.update(overrides)
        target = steps[-1]
        value = _run_cell(path, target, deps[target.index], module, shell, kept, target=True)
    return Outcome(namespace, value, kept)


def _run_cell(
    path: str,
    cell: Cell,
    deps: CellDeps,
    module: types.ModuleType,
    shell: Any,
    outputs: list[Output],
    target: bool,
) -> Any:
    __tracebackhide__ = True
    filename = cell_filename(path, cell)
    try:
        body, last = _compile(deps, filename, keep_value=target)
    except SyntaxError as error:
        hint = " (top-level await cannot run in use())" if "await" in str(error.msg) else ""
        raise CellFailed(
            f"{path} cell {cell.number}{_id(cell)} does not compile: {error.msg}{hint}."
        ) from None
    namespace = module.__dict__
    ipython = shell if deps.ipython else None
    try:
        with _captured(outputs, shell), _user_namespace(ipython, module):
            exec(body, namespace)  # noqa: S102 - running the notebook's code is the point
            value = eval(last, namespace) if last is not None else None  # noqa: S307
            _end_of_cell_figures(display=target)
    except Exception as error:
        raise _failure(path, cell, error) from _without_our_frame(error)
    return value


def _compile(deps: CellDeps, filename: str, keep_value: bool) -> tuple[types.CodeType, Any]:
    code = deps.code  # the source after IPython's transformations, done once
    tree = ast.parse(code)
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    last = None
    final = tree.body[-1] if tree.body else None
    if keep_value and isinstance(final, ast.Expr) and not _ends_with_semicolon(code):
        tree.body.pop()
        last = ast.Expression(final.value)
    body = compile(tree, filename, "exec", dont_inherit=True)
    value = compile(last, filename, "eval", dont_inherit=True) if last is not None else None
    return body, value


def _ends_with_semicolon(code: str) -> bool:
    """IPython's rule: a cell whose last token is ``;`` shows no value."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):
        return False
    ignored = (tokenize.ENDMARKER, tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)
    for token in reversed(tokens):
        if token.type in ignored:
            continue
        return token.type == tokenize.OP and token.string == ";"
    return False


def _id(cell: Cell) -> str:
    return f" ({cell.id})" if cell.id else ""


def _failure(path: str, cell: Cell, error: Exception) -> CellFailed:
    message = f"{path} cell {cell.number}{_id(cell)} raised {type(error).__name__}: {error}"
    if isinstance(error, NameError) and getattr(error, "name", None):
        message += (
            f". No cell above it that use() ran defines {error.name}: pass it, as "
            f"use(..., {error.name}=...), or define it in a cell above"
        )
    return CellFailed(message + ".")


def _without_our_frame(error: Exception) -> Exception:
    """The exception with its traceback starting in the cell's code (the first frame is
    our ``exec`` line)."""
    tb = error.__traceback__
    if tb is not None and tb.tb_frame.f_code is _run_cell.__code__ and tb.tb_next is not None:
        return error.with_traceback(tb.tb_next)
    return error


# -- output ------------------------------------------------------------------------------
class _Stream(io.TextIOBase):
    """A stdout or stderr that records what is written, in order with displays."""

    encoding = "utf-8"

    def __init__(self, outputs: list[Output], name: str) -> None:
        self.outputs = outputs
        self.name = name

    def write(self, text: str) -> int:
        previous = self.outputs[-1] if self.outputs else None
        if previous is not None and previous.kind == "stream" and previous.name == self.name:
            previous.text += text
        else:
            self.outputs.append(Output("stream", name=self.name, text=text))
        return len(text)

    def isatty(self) -> bool:
        return False


_publisher_class: Any = None


def _publisher(outputs: list[Output], shell: Any) -> Any:
    """An IPython display publisher that records instead of sending."""
    global _publisher_class
    if _publisher_class is None:
        from IPython.core.displaypub import DisplayPublisher

        class RecordingPublisher(DisplayPublisher):
            outputs: list[Output]

            def publish(
                self,
                data: dict[str, Any],
                metadata: dict[str, Any] | None = None,
                source: Any = None,
                *,
                transient: dict[str, Any] | None = None,
                update: bool = False,
                **kwargs: Any,
            ) -> None:
                self.outputs.append(
                    Output(
                        "display",
                        data=dict(data),
                        metadata=dict(metadata or {}),
                        transient=transient,
                        update=update,
                    )
                )

            def clear_output(self, wait: bool = False) -> None:
                self.outputs.append(Output("clear", text="wait" if wait else ""))

        _publisher_class = RecordingPublisher
    publisher = _publisher_class(shell=shell)
    publisher.outputs = outputs
    return publisher


@contextlib.contextmanager
def _captured(outputs: list[Output], shell: Any) -> Iterator[None]:
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Stream(outputs, "stdout"), _Stream(outputs, "stderr")
    saved_publisher = None
    if shell is not None:
        saved_publisher = shell.display_pub
        shell.display_pub = _publisher(outputs, shell)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
        if shell is not None:
            shell.display_pub = saved_publisher


@contextlib.contextmanager
def _user_namespace(shell: Any, module: types.ModuleType) -> Iterator[None]:
    """While a cell with magics runs, IPython's user namespace is the fresh one (magics
    such as ``%time`` and ``!`` read and write it)."""
    if shell is None:
        yield
        return
    saved = shell.user_module, shell.user_ns
    shell.user_module, shell.user_ns = module, module.__dict__
    try:
        yield
    finally:
        shell.user_module, shell.user_ns = saved


# -- matplotlib ----------------------------------------------------------------------------
def _figure_manager_registry() -> Any:
    """matplotlib's registry of open figures, when pyplot is in use (never imported here)."""
    if "matplotlib.pyplot" not in sys.modules:
        return None
    from matplotlib._pylab_helpers import Gcf

    return Gcf


@contextlib.contextmanager
def _figures_set_aside() -> Iterator[None]:
    registry = _figure_manager_registry()
    saved = dict(registry.figs) if registry is not None else {}
    if registry is not None:
        registry.figs.clear()
    settings: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    if "matplotlib" in sys.modules:
        import matplotlib

        settings = matplotlib.rc_context()
    try:
        with settings:
            yield
    finally:
        registry = _figure_manager_registry()
        if registry is not None:
            # Figures the cells left open (a window backend) stay open, after the
            # caller's; one that took the number of a caller's figure is closed.
            left = dict(registry.figs)
            registry.figs.clear()
            registry.figs.update(saved)
            for num, manager in left.items():
                if num in saved:
                    manager.destroy()
                else:
                    registry.figs[num] = manager


def _end_of_cell_figures(display: bool) -> None:
    """What JupyterLab's inline backend does at the end of a cell: show the figures the
    cell left open (only the target's are kept), then close them."""
    registry = _figure_manager_registry()
    if registry is None or not registry.figs:
        return
    import matplotlib

    if "inline" not in matplotlib.get_backend():
        return  # a window or widget backend shows figures itself
    managers = list(registry.figs.values())
    if display:
        from IPython.display import display as show

        for manager in managers:
            show(manager.canvas.figure)
    for manager in managers:
        registry.destroy(manager)

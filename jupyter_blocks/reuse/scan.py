"""The one pass over a cell's tree behind ``deps.analyze`` (the model is described
there): Python's scoping rules, top-level statements in execution order."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .magics import (
    PYTHON_MAGICS,
    UNKNOWN_MAGICS,
    capture_target,
    expanded_names,
    ipython_call,
    python_body,
)


@dataclass
class _Scope:
    kind: str  # "function", "class" or "comprehension"
    locals: set[str] = field(default_factory=set)
    declared_global: set[str] = field(default_factory=set)


_LEAVES = (ast.expr_context, ast.Constant, ast.operator, ast.cmpop, ast.unaryop, ast.boolop)
_DISPATCH: dict[type, Any] = {}


class Scan(ast.NodeVisitor):
    """One pass over a cell's tree, in execution order at the top level.

    With ``defines_only``, expressions are not visited: only what statements bind is
    found (``defines``, ``unknown``), at a fraction of the cost. It is exact for code
    without a walrus (``:=``, which binds from inside an expression) and without
    IPython's calls; the caller checks that.
    """

    def __init__(self, defines_only: bool = False) -> None:
        self.defines_only = defines_only
        self.scopes: list[_Scope] = []
        self.bound: set[str] = set()  # bound so far at the top level
        self.defines: set[str] = set()
        self.imports: set[str] = set()
        self.rebound: set[str] = set()  # bound by something other than an import
        self.uses: set[str] = set()
        self.deferred: set[str] = set()
        self.unknown = False
        self.future_annotations = False

    # -- dispatch (NodeVisitor's, cached per node type: this runs for every node) ----
    def visit(self, node: ast.AST) -> None:
        if isinstance(node, _LEAVES) or (self.defines_only and isinstance(node, ast.expr)):
            return
        kind = type(node)
        method = _DISPATCH.get(kind)
        if method is None:
            method = _DISPATCH[kind] = getattr(Scan, f"visit_{kind.__name__}", Scan.generic_visit)
        method(self, node)

    def generic_visit(self, node: ast.AST) -> None:
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    # -- names ---------------------------------------------------------------------
    def load(self, name: str) -> None:
        in_function = False
        innermost = True
        for scope in reversed(self.scopes):
            # A class body's names are invisible to the functions and comprehensions
            # inside it (Python's rule).
            if scope.kind == "class" and not innermost:
                innermost = False
                continue
            innermost = False
            if scope.kind == "function":
                in_function = True
            if name in scope.declared_global:
                break
            if name in scope.locals:
                return
        if in_function:
            self.deferred.add(name)
        elif name not in self.bound:
            self.uses.add(name)

    def bind(self, name: str, *, imported: bool = False) -> None:
        """``name`` bound in the current scope (a top-level binding defines it)."""
        for scope in reversed(self.scopes):
            if scope.kind == "comprehension":
                continue  # only a walrus binds from inside one: in the enclosing scope
            if scope.kind == "function":
                if name in scope.declared_global:
                    self._define(name, imported)
                return
            if scope.kind == "class":
                scope.locals.add(name)
                return
        self.bound.add(name)
        self._define(name, imported)

    def _define(self, name: str, imported: bool) -> None:
        self.defines.add(name)
        (self.imports if imported else self.rebound).add(name)

    def store(self, target: ast.expr) -> None:
        """Bind what an assignment target names; an attribute or item store changes
        the object of its root name (a use and a definition of that name)."""
        if isinstance(target, ast.Name):
            self.bind(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.store(element)
        elif isinstance(target, ast.Starred):
            self.store(target.value)
        elif isinstance(target, (ast.Attribute, ast.Subscript)):
            self.visit(target)  # loads the root and the subscript
            root = _root_name(target)
            if root is not None:
                self.bind(root)

    # -- statements in execution order ------------------------------------------------
    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.store(target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self.load(node.target.id)
        self.store(node.target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if not self.future_annotations and not self.scopes:
            self.visit(node.annotation)
        if node.value is not None:
            self.visit(node.value)
            self.store(node.target)
        elif not isinstance(node.target, ast.Name):
            self.visit(node.target)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self.bind(node.target.id)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.load(target.id)
            self.store(target)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self.store(node.target)
        self._body(node.body, node.orelse)

    visit_AsyncFor = visit_For

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self.store(item.optional_vars)
        self._body(node.body)

    visit_AsyncWith = visit_With

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.bind(node.name)
        self._body(node.body)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.bind(alias.asname or alias.name.split(".")[0], imported=True)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "__future__":
            self.future_annotations |= any(a.name == "annotations" for a in node.names)
            return
        for alias in node.names:
            if alias.name == "*":
                self.unknown = True
            else:
                self.bind(alias.asname or alias.name, imported=True)

    def visit_Global(self, node: ast.Global) -> None:
        if self.scopes:
            self.scopes[-1].declared_global.update(node.names)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.load(node.id)
        else:
            self.bind(node.id)

    # match statements (3.10+): captures bind, class patterns and values are read
    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.pattern is not None:
            self.visit(node.pattern)
        if node.name:
            self.bind(node.name)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.bind(node.name)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        for key in node.keys:
            self.visit(key)
        for pattern in node.patterns:
            self.visit(pattern)
        if node.rest:
            self.bind(node.rest)

    # -- new scopes -----------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._evaluated_at_def(node.decorator_list, node.args, node.returns)
        self.bind(node.name)
        self._function(node.args, node.body)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._evaluated_at_def([], node.args, None, annotations=False)
        self._function(node.args, [node.body])

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self.visit(expr)
        self.scopes.append(_Scope("class"))
        self._body(node.body)
        self.scopes.pop()
        self.bind(node.name)

    def visit_ListComp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> None:
        self._comprehension(node.generators, [node.elt])

    visit_SetComp = visit_ListComp
    visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node.generators, [node.key, node.value])

    def _comprehension(self, generators: list[ast.comprehension], parts: list[ast.expr]) -> None:
        # The first iterable is evaluated outside the comprehension's scope.
        self.visit(generators[0].iter)
        scope = _Scope("comprehension")
        self.scopes.append(scope)
        for number, generator in enumerate(generators):
            if number:
                self.visit(generator.iter)
            scope.locals.update(_target_names(generator.target))
            for condition in generator.ifs:
                self.visit(condition)
        for part in parts:
            self.visit(part)
        self.scopes.pop()

    def _evaluated_at_def(
        self,
        decorators: list[ast.expr],
        args: ast.arguments,
        returns: ast.expr | None,
        annotations: bool = True,
    ) -> None:
        for expr in [*decorators, *args.defaults, *(d for d in args.kw_defaults if d)]:
            self.visit(expr)
        if annotations and not self.future_annotations:
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            for arg in every:
                if arg is not None and arg.annotation is not None:
                    self.visit(arg.annotation)
            if returns is not None:
                self.visit(returns)

    def _function(self, args: ast.arguments, body: list[ast.stmt] | list[ast.expr]) -> None:
        scope = _Scope("function")
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
        scope.locals.update(arg.arg for arg in every if arg is not None)
        local, declared, nonlocal_ = _function_locals(body)
        scope.locals.update(local - declared - nonlocal_)
        scope.declared_global.update(declared)
        self.scopes.append(scope)
        for node in body:
            self.visit(node)
        self.scopes.pop()

    def _body(self, *blocks: Iterable[ast.stmt]) -> None:
        for block in blocks:
            for statement in block:
                self.visit(statement)

    # -- IPython's calls --------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        call = ipython_call(node)
        if call is None:
            return
        method, texts = call
        if method in ("system", "getoutput") and texts:
            self._expanded(texts[0])
        elif method == "run_line_magic" and len(texts) == 2:
            self._magic(texts[0], texts[1], None)
        elif method == "run_cell_magic" and len(texts) == 3:
            self._magic(texts[0], texts[1], texts[2])

    def _magic(self, name: str, line: str, body: str | None) -> None:
        if name in UNKNOWN_MAGICS:
            self.unknown = True
        if name not in PYTHON_MAGICS:
            self._expanded(line)
            return
        if name == "capture" and body is not None:
            target = capture_target(line)
            if target:
                self.bind(target)
        self._body(python_body(line, body))

    def _expanded(self, text: str) -> None:
        for tree in expanded_names(text):
            self.visit(tree)


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _target_names(target: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def _function_locals(body: Iterable[ast.AST]) -> tuple[set[str], set[str], set[str]]:
    """Names a function body binds (its locals, decided for the whole body as Python
    does), the names it declares ``global`` and those it declares ``nonlocal``; nested
    scopes are not entered."""
    local: set[str] = set()
    declared: set[str] = set()
    nonlocal_: set[str] = set()
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            local.add(node.name)
            stack.extend(getattr(node, "decorator_list", []))
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Global):
            declared.update(node.names)
            continue
        if isinstance(node, ast.Nonlocal):
            nonlocal_.update(node.names)
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            local.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            local.update((a.asname or a.name.split(".")[0]) for a in node.names if a.name != "*")
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            local.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            local.add(node.rest)
        elif isinstance(node, ast.comprehension):
            # Its targets belong to the comprehension; a walrus inside still binds here.
            stack.extend([node.iter, *node.ifs])
            continue
        stack.extend(ast.iter_child_nodes(node))
    return local, declared, nonlocal_

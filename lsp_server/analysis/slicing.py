"""The module slice a function needs: what the kernel runs, and nothing else.

Eligible top-level statements are imports, ``def``s, classes whose bodies only
define things, literal constant assignments (numbers, containers, arithmetic
on them, ``math.*``/``np.array``-style constructors of literals) and
``try: import ... except ImportError: ...``. Never top-level calls, loops,
``with`` blocks or the ``if __name__ == "__main__":`` block. A function's
slice is the transitive closure, by name, of the eligible statements it uses,
kept in file order, so editing an unrelated function keeps its hash.
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass, field

from .model import Span
from .parse import Source, statement_span

# constructors that only build an array from literals (safe and deterministic)
_CONSTRUCTORS = {
    "array", "asarray", "linspace", "arange", "zeros", "ones", "eye", "full", "diag",
    "identity", "float64", "float32", "int64", "sqrt", "exp", "log", "radians", "deg2rad",
}  # fmt: skip
_CLASS_FIELD_CALLS = {"field", "dataclasses.field"}


@dataclass
class _Stmt:
    node: ast.stmt
    span: Span
    text: str
    binds: set[str]
    uses: set[str]
    always: bool = False  # `from __future__` imports


@dataclass
class ModuleSlicer:
    src: Source
    stmts: list[_Stmt] = field(default_factory=list)
    binders: dict[str, list[int]] = field(default_factory=dict)
    skipped: list[tuple[Span, str]] = field(default_factory=list)
    _index: dict[int, int] = field(default_factory=dict)
    _always: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, src: Source, body: list[ast.stmt]) -> ModuleSlicer:
        self = cls(src)
        for node in body:
            try:
                why = _ineligible(node)
                span = statement_span(src, node)
                if why:
                    self.skipped.append((span, why))
                    continue
                stmt = _Stmt(node, span, src.segment(span), _binds(node), _uses(node))
                stmt.always = isinstance(node, ast.ImportFrom) and node.module == "__future__"
            except (RecursionError, MemoryError):
                continue
            for name in stmt.binds:
                self.binders.setdefault(name, []).append(len(self.stmts))
            self._index[id(node)] = len(self.stmts)
            if stmt.always:
                self._always.append(len(self.stmts))
            self.stmts.append(stmt)
        return self

    def index_of(self, node: ast.stmt) -> int | None:
        return self._index.get(id(node))

    def slice_for(
        self, node: ast.stmt, extra: tuple[str, ...] = ()
    ) -> tuple[str, int, str, tuple[int, ...]]:
        """(slice source, 0-based line of ``node`` in it, sha256 of slice + name, the
        0-based document line of each slice line)."""
        start = self.index_of(node)
        chosen = set(self._always)
        todo = [start] if start is not None else []
        names = list(extra)
        while todo or names:
            if names:
                for i in self.binders.get(names.pop(), ()):
                    if i not in chosen:
                        todo.append(i)
                continue
            i = todo.pop()
            if i in chosen:
                continue
            chosen.add(i)
            names.extend(self.stmts[i].uses)
        parts: list[str] = []
        lines: list[int] = []
        node_line = 0
        for i in sorted(chosen):
            if i == start:
                node_line = len(lines)
            stmt = self.stmts[i]
            parts.append(stmt.text)
            lines.extend(range(stmt.span.line, stmt.span.line + stmt.text.count("\n") + 1))
        text = "\n".join(parts) + "\n"
        name = getattr(node, "name", "")
        digest = hashlib.sha256((text + "\0" + name).encode("utf-8", "surrogatepass")).hexdigest()
        return text, node_line, digest, tuple(lines)


def _ineligible(node: ast.stmt) -> str | None:
    """Why a top-level statement stays out of the slice (None: it goes in)."""
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    if isinstance(node, ast.ClassDef):
        return None if _class_body_ok(node.body) else "class body runs code"
    if isinstance(node, ast.Assign):
        if all(_simple_target(t) for t in node.targets) and is_constant_expr(node.value):
            return None
        return "not a literal constant"
    if isinstance(node, ast.AnnAssign):
        if node.value is not None and _simple_target(node.target) and is_constant_expr(node.value):
            return None
        return "not a literal constant"
    if isinstance(node, ast.Try) and _import_guard(node):
        return None
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return "docstring"
    return "top-level code is never run"


def _simple_target(t: ast.expr) -> bool:
    if isinstance(t, ast.Name):
        return True
    return isinstance(t, (ast.Tuple, ast.List)) and all(isinstance(e, ast.Name) for e in t.elts)


def is_constant_expr(node: ast.expr) -> bool:
    """Literals, names, attributes, arithmetic and whitelisted constructors only."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            if not _constructor(sub.func):
                return False
        elif not isinstance(
            sub,
            (
                ast.Constant, ast.Tuple, ast.List, ast.Set, ast.Dict, ast.UnaryOp, ast.BinOp,
                ast.Name, ast.Attribute, ast.Subscript, ast.Slice, ast.Load, ast.operator,
                ast.unaryop, ast.keyword, ast.Starred,
            ),
        ):  # fmt: skip
            return False
    return True


def _constructor(func: ast.expr) -> bool:
    if isinstance(func, ast.Attribute) and func.attr in _CONSTRUCTORS:
        base = func.value
        return isinstance(base, ast.Name) and base.id in {"np", "numpy", "math"}
    return False


def _class_body_ok(body: list[ast.stmt]) -> bool:
    for s in body:
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Pass)):
            continue
        if isinstance(s, ast.ClassDef) and _class_body_ok(s.body):
            continue
        if isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant):
            continue
        value = s.value if isinstance(s, (ast.Assign, ast.AnnAssign)) else None
        if isinstance(s, ast.AnnAssign) and value is None:
            continue
        if value is not None and (is_constant_expr(value) or _field_call(value)):
            continue
        return False
    return True


def _field_call(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and ast.unparse(node.func) in _CLASS_FIELD_CALLS


def _import_guard(node: ast.Try) -> bool:
    blocks = [node.body, node.orelse, node.finalbody] + [h.body for h in node.handlers]
    for block in blocks:
        for s in block:
            if isinstance(s, (ast.Import, ast.ImportFrom, ast.Pass)):
                continue
            if isinstance(s, ast.Assign) and is_constant_expr(s.value):
                continue
            return False
    return True


def _binds(node: ast.stmt) -> set[str]:
    out: set[str] = set()
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    for sub in ast.walk(node):
        if isinstance(sub, ast.alias):
            out.add(sub.asname or sub.name.split(".")[0])
        elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            out.add(sub.id)
    return out


def _uses(node: ast.stmt) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}

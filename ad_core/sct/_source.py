"""Find a function's source: its AST node, its file and lines, and what its names mean.

The whole file is parsed (once per file version) and the ``def`` or ``lambda``
whose code object is the function's is picked out of it, so that line numbers
are the file's own (what an editor shows) and a lambda in the middle of a
multi-line expression is found as well as a top-level ``def``.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import linecache
import types
from dataclasses import dataclass, field
from typing import Any

from ._errors import SourceTransformError

_MISSING = object()


@dataclass
class FunctionSource:
    """A live function and the AST of its definition, with file line numbers."""

    fn: types.FunctionType
    node: ast.FunctionDef | ast.Lambda
    file: str
    lines: list[str]  # the file's lines (for the ``# line N: ...`` comments)
    closure: dict[str, Any] = field(default_factory=dict)  # free variable -> cell

    @property
    def name(self) -> str:
        return "lambda" if isinstance(self.node, ast.Lambda) else self.node.name

    @property
    def globals(self) -> dict:
        return self.fn.__globals__

    def text(self, line: int, limit: int = 88) -> str:
        """The source line ``line`` (1-based, in the file), stripped and shortened."""
        if not 1 <= line <= len(self.lines):
            return ""
        s = self.lines[line - 1].strip()
        return s if len(s) <= limit else s[: limit - 1] + "…"

    def lookup(self, name: str) -> Any:
        """What a free (non-local) name refers to now: closure, module global or builtin;
        ``_MISSING`` when it is not defined."""
        cell = self.closure.get(name)
        if cell is not None:
            try:
                return cell.cell_contents
            except ValueError:  # an empty cell: not assigned yet
                return _MISSING
        if name in self.fn.__globals__:
            return self.fn.__globals__[name]
        return getattr(builtins, name, _MISSING)


def missing(value: Any) -> bool:
    return value is _MISSING


def function_source(fn: Any) -> FunctionSource:
    """The source of ``fn`` (a ``def`` or a ``lambda``), or SourceTransformError."""
    if isinstance(fn, (types.MethodType,)):
        raise SourceTransformError(
            f"{fn.__qualname__} is a bound method: pass the function and the instance "
            "as an argument (source transformation reads plain functions)", construct="method")
    if not isinstance(fn, types.FunctionType):
        raise SourceTransformError(
            f"{_describe(fn)} is not a Python function with source code; ad.sct transforms "
            "functions written in Python (use ad.grad for other callables)", construct="callable")
    code = fn.__code__
    file = code.co_filename
    lines = linecache.getlines(file, fn.__globals__)
    if not lines:
        raise SourceTransformError(
            f"the source of {fn.__qualname__} is not available (defined in {file}); "
            "source transformation needs the code of a def or lambda in a file",
            line=code.co_firstlineno, construct="source", file=file)
    tree = _parse(file, lines)
    node = _find(tree, fn, file)
    if code.co_flags & (inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR):
        y = next((n for n in ast.walk(node) if isinstance(n, (ast.Yield, ast.YieldFrom,
                                                               ast.Await))), node)
        raise SourceTransformError(f"{fn.__qualname__} is a generator (yield): not supported "
                                   "by source transformation", line=y.lineno, construct="yield",
                                   file=file)
    closure = dict(zip(code.co_freevars, fn.__closure__ or ()))
    return FunctionSource(fn, node, file, lines, closure)


def _describe(fn: Any) -> str:
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    mod = getattr(fn, "__module__", None)
    if name:
        return f"{mod}.{name}" if mod and mod != "builtins" else name
    return f"a {type(fn).__name__}"


_TREES: dict[str, tuple[int, ast.Module]] = {}


def _parse(file: str, lines: list[str]) -> ast.Module:
    text = "".join(lines)
    key = hash(text)
    hit = _TREES.get(file)
    if hit is not None and hit[0] == key:
        return hit[1]
    try:
        tree = ast.parse(text, filename=file)
    except SyntaxError:
        # A file that no longer parses (edited since import): try the dedented block alone.
        tree = None
    if tree is None:
        raise SourceTransformError(f"{file} does not parse any more (edited since the function "
                                   "was defined?)", construct="source", file=file)
    _TREES[file] = (key, tree)
    return tree


def _first_line(node: ast.AST) -> int:
    decos = getattr(node, "decorator_list", None) or []
    return min([node.lineno] + [d.lineno for d in decos])


def _find(tree: ast.Module, fn: types.FunctionType, file: str):
    code = fn.__code__
    first = code.co_firstlineno
    if code.co_name == "<lambda>":
        cands = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and n.lineno == first]
        node = _pick_lambda(cands, code)
    else:
        cands = [n for n in ast.walk(tree)
                 if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                 and n.name == code.co_name and _first_line(n) == first]
        node = cands[0] if len(cands) == 1 else None
    if node is None:
        raise SourceTransformError(
            f"could not find the definition of {fn.__qualname__} at line {first} of {file} "
            "(has the file changed since it was imported?)", line=first, construct="source",
            file=file)
    if isinstance(node, ast.AsyncFunctionDef):
        raise SourceTransformError("async def is not supported", line=node.lineno,
                                   construct="async def", file=file)
    return node


def _pick_lambda(cands: list[ast.Lambda], code: types.CodeType) -> ast.Lambda | None:
    if len(cands) == 1:
        return cands[0]
    argnames = code.co_varnames[: code.co_argcount]
    cands = [c for c in cands if tuple(a.arg for a in c.args.args) == argnames]
    if len(cands) <= 1:
        return cands[0] if cands else None
    # Several lambdas with the same parameters on one line: the innermost one whose
    # source span holds every position of the code object (Python >= 3.11).
    positions = getattr(code, "co_positions", None)
    if positions is None:
        return None
    # (RESUME and RETURN carry a synthetic span (col 0, 0): only real source spans count.)
    pos = [(ln, col) for ln, _, col, end in positions()
           if ln is not None and col is not None and end is not None and end > col]
    inside = [c for c in cands
              if all((c.lineno, c.col_offset) <= p <= (c.end_lineno, c.end_col_offset)
                     for p in pos)]
    if not inside:
        return None
    return min(inside, key=lambda c: (c.end_lineno - c.lineno, c.end_col_offset - c.col_offset))


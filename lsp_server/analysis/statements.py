"""The assignments in a function's body, and the names each binds: where an inlay hint
shows a variable's value and adjoint at the point.

Only the function's own statements (not those of a nested def, lambda or class: they
run in frames of their own), and only plain names (``x = …``, ``a, b = …``, ``x += …``,
``x: float = …``): a subscript or an attribute is a write into something else.

    >>> from lsp_server.analysis import analyze
    >>> fn = analyze("def f(x):\\n    y = x * 2  # double\\n    a, b = y, x\\n    return a\\n"
    ...              ).function("f")
    >>> [(a.line, a.names, a.end_col) for a in assignments(fn)]
    [(1, ('y',), 23), (2, ('a', 'b'), 15)]
"""

from __future__ import annotations

import ast
import weakref
from dataclasses import dataclass

from .model import FunctionInfo
from .parse import split_lines

_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_cache: weakref.WeakKeyDictionary[FunctionInfo, tuple[Assignment, ...]] = (
    weakref.WeakKeyDictionary())


@dataclass(frozen=True)
class Assignment:
    """A statement binding ``names``: document lines ``line`` to ``end_line``; ``end_col``
    is the end of its last line (code points, a trailing comment included): the hint
    goes after everything written there."""

    line: int
    end_line: int
    end_col: int
    names: tuple[str, ...]


def assignments(fn: FunctionInfo) -> tuple[Assignment, ...]:
    """The assignments of ``fn``'s body in source order (computed once per function)."""
    found = _cache.get(fn)
    if found is None:
        found = _cache[fn] = _find(fn)
    return found


def _find(fn: FunctionInfo) -> tuple[Assignment, ...]:
    source = fn.source
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ()
    lines = split_lines(source)
    defs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if not defs:
        return ()
    out: list[Assignment] = []
    todo: list[ast.AST] = list(defs[0].body)
    while todo:
        node = todo.pop()
        if isinstance(node, _NESTED):
            continue
        names = _bound(node) if isinstance(node, ast.stmt) else ()
        if names:
            last = (node.end_lineno or node.lineno) - 1
            out.append(Assignment(node.lineno - 1 + fn.span.line, last + fn.span.line,
                                  len(lines[last].rstrip()), names))
        todo.extend(ast.iter_child_nodes(node))
    out.sort(key=lambda a: a.line)
    return tuple(out)


def _bound(node: ast.stmt) -> tuple[str, ...]:
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AugAssign) or (isinstance(node, ast.AnnAssign) and node.value):
        targets = [node.target]
    else:
        return ()
    names: list[str] = []
    for t in targets:
        for e in (t.elts if isinstance(t, (ast.Tuple, ast.List)) else [t]):
            if isinstance(e, ast.Name) and e.id not in names:
                names.append(e.id)
    return tuple(names)

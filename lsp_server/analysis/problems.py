"""Static findings: constructs that clearly break differentiation.

What we flag, and why only these:

- ``float-call``: ``float(v)`` where ``v`` is computed from a parameter.
  ``ad_core`` raises a TypeError (a traced value cannot become a plain float).
- ``inplace-write``: ``a[i] = v`` where ``a`` is a parameter-derived array, or
  an array made with ``np.zeros``/``np.empty``/... that receives a traced value.
  Writing into a NumPy buffer cannot be recorded.
- ``real-math``: math functions reached around the kernel's shim, i.e.
  ``cmath.sin(x)`` or ``something.math.sin(x)`` on a parameter-derived value.
  The kernel maps ``import math`` *and* ``from math import sin`` (every import
  written in the analysed file) to ``ad_core.math``, so plain ``math.sin(x)``
  works in AD Lens and is not flagged; what a helper module imported from
  elsewhere does with the real ``math`` cannot be seen statically.
"""

from __future__ import annotations

import ast

from .model import Problem
from .parse import Source

_ARRAY_MAKERS = {
    "zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like",
    "array", "asarray", "copy",
}  # fmt: skip


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _targets(node: ast.stmt) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        return [node.target]
    if isinstance(node, (ast.For, ast.AsyncFor)):
        return [node.target]
    return []


def _value(node: ast.stmt) -> ast.AST | None:
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        return node.value
    if isinstance(node, (ast.For, ast.AsyncFor)):
        return node.iter
    return None


def find_problems(src: Source, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[Problem]:
    params = {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
    if fn.args.vararg:
        params.add(fn.args.vararg.arg)
    derived = set(params)
    buffers: set[str] = set()  # locals made by np.zeros & co.
    stmts = [n for n in ast.walk(fn) if isinstance(n, ast.stmt) and n is not fn]
    for _ in range(2):  # twice, so values flowing around a loop are seen
        for s in stmts:
            value = _value(s)
            if value is None:
                continue
            flows = bool(_names(value) & derived)
            for t in _targets(s):
                if isinstance(t, ast.Name):
                    if flows:
                        derived.add(t.id)
                    if (
                        isinstance(value, ast.Call)
                        and isinstance(value.func, ast.Attribute)
                        and value.func.attr in _ARRAY_MAKERS
                    ):
                        buffers.add(t.id)
                elif isinstance(t, (ast.Tuple, ast.List)) and flows:
                    derived.update(_names(t))
    out: list[Problem] = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            func = node.func
            args_derived = any(_names(a) & derived for a in node.args)
            if isinstance(func, ast.Name) and func.id == "float" and args_derived:
                arg = ast.unparse(node.args[0])
                out.append(
                    Problem(
                        src.span(node),
                        "float-call",
                        f"float({_short(arg)}) turns a value computed from the parameters into a "
                        "plain number: ad_core raises TypeError here. Drop float() (use it only "
                        "on constants).",
                    )
                )
            elif isinstance(func, ast.Attribute) and args_derived and _real_math(func):
                out.append(
                    Problem(
                        src.span(node),
                        "real-math",
                        f"{ast.unparse(func)} bypasses ad_core.math and cannot see traced "
                        f"values: use math.{func.attr} (import math) or np.{func.attr}.",
                    )
                )
        elif isinstance(node, (ast.Assign, ast.AugAssign)):
            value_derived = bool(_names(node.value) & derived)
            for t in _targets(node):
                if not isinstance(t, ast.Subscript):
                    continue
                base = t.value
                while isinstance(base, ast.Subscript):
                    base = base.value
                if not isinstance(base, ast.Name):
                    continue
                if base.id in derived or (base.id in buffers and value_derived):
                    out.append(
                        Problem(
                            src.span(t),
                            "inplace-write",
                            f"in-place write into {_short(ast.unparse(t))}: a write into an "
                            "array holding traced values may not be differentiable; build the "
                            "result with np.where, np.stack or np.concatenate instead.",
                        )
                    )
    out.sort(key=lambda p: (p.span.line, p.span.col))
    return out


def _real_math(func: ast.Attribute) -> bool:
    base = func.value
    if isinstance(base, ast.Name) and base.id == "cmath":
        return True
    return isinstance(base, ast.Attribute) and base.attr == "math"


def _short(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"

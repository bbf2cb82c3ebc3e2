"""Primitive applications counted from the AST, for the static cost estimate.

Rules (an estimate: nothing runs):
- each operator and each call that resolves to the table counts its primitives
  (``x * y`` -> mul, ``np.sin(x)`` -> sin, ``x @ A`` -> matmul, ``a[i]`` -> getitem,
  ``x.sum()`` / ``np.sum(x)`` -> sum: array functions named like a primitive);
- ``for`` over ``range(N)`` (N known from the source) or a literal tuple
  multiplies its body by the iteration count; other loops count once;
- ``if``/``else`` and ``a if c else b`` count the larger branch, per primitive;
- unknown calls, nested functions and lambdas count nothing;
- each parameter is one input; the outputs are the elements of a tuple returned
  by every ``return`` (else one).
"""

from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass
from typing import Any

import sympy as sp

from . import _names
from ._translate import _BINOPS, Scope, Translator, Untranslatable, _Poisoned, scope_of_module


@dataclass(frozen=True)
class StaticCount:
    """What a function costs, read from its AST (nothing runs); see ``static_count``."""

    ops: dict[str, int]  # primitive applications per primitive name
    n_inputs: int  # parameters (each counted as one scalar: shapes are unknown)
    n_outputs: int
    notes: tuple[str, ...] = ()  # where the count is a guess (loops of unknown length)


def count(tree: ast.Module, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> StaticCount:
    scope = scope_of_module(tree)
    local_names = {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
    local_names |= {n.id for n in ast.walk(fn)
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    counter = _Counter(scope, dict.fromkeys(local_names))
    total = Counter()
    for s in fn.body:
        total += counter.node(s)
    returns = [n for n in ast.walk(fn) if isinstance(n, ast.Return) and n.value is not None]
    n_outputs = 1
    if returns and all(isinstance(r.value, ast.Tuple) for r in returns):
        n_outputs = max(len(r.value.elts) for r in returns)
    return StaticCount(dict(sorted(total.items())), len(fn.args.posonlyargs) + len(fn.args.args),
                       n_outputs, tuple(counter.notes))


def _max(a: Counter, b: Counter) -> Counter:
    return Counter({k: max(a.get(k, 0), b.get(k, 0)) for k in set(a) | set(b)})


class _Counter:
    def __init__(self, scope: Scope, env: dict[str, Any]) -> None:
        self.tr = Translator(scope, {})
        self.env = env
        self.notes: list[str] = []

    def node(self, n: ast.AST) -> Counter:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return Counter()
        if isinstance(n, (ast.If, ast.IfExp)):
            c = self.node(n.test)
            body = n.body if isinstance(n.body, list) else [n.body]
            orelse = n.orelse if isinstance(n.orelse, list) else [n.orelse]
            return c + _max(self.nodes(body), self.nodes(orelse))
        if isinstance(n, (ast.For, ast.AsyncFor)):
            trips = self._trips(n.iter)
            if trips is None:
                self.notes.append(f"line {n.lineno}: loop of unknown length counted once")
            return self.node(n.iter) + _times(self.nodes(n.body), trips or 1) \
                + self.nodes(n.orelse)
        if isinstance(n, ast.While):
            self.notes.append(f"line {n.lineno}: while loop counted once")
        c = Counter()
        own = self._own(n)
        if own:
            c.update(own)
        for child in ast.iter_child_nodes(n):
            c += self.node(child)
        return c

    def nodes(self, ns: list[ast.AST]) -> Counter:
        c = Counter()
        for n in ns:
            c += self.node(n)
        return c

    def _own(self, n: ast.AST) -> list[str]:
        if isinstance(n, (ast.BinOp, ast.AugAssign)):
            if isinstance(n.op, ast.MatMult):
                return ["matmul"]
            prim = _BINOPS.get(type(n.op))
            return [prim] if prim else []
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            return ["neg"]
        if isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Load):
            return ["getitem"]
        if isinstance(n, ast.Attribute) and n.attr == "T" and isinstance(n.ctx, ast.Load):
            return ["transpose"]
        if isinstance(n, ast.Call):
            r = self.tr.resolve(n.func, self.env)
            if isinstance(r, _names.Callee):
                return list(r.prims) * max(1, len(n.args) - 1) if r.prims in (
                    ("maximum",), ("minimum",)) else list(r.prims)
            if isinstance(n.func, ast.Attribute):  # np.sum(x), x.sum(), np.linalg.det(a)
                prim = _names.prim_name_for_attr(n.func.attr)
                return [prim] if prim else []
        return []

    def _trips(self, it: ast.expr) -> int | None:
        if isinstance(it, (ast.Tuple, ast.List)):
            return len(it.elts)
        if (isinstance(it, ast.Call) and isinstance(it.func, ast.Name)
                and it.func.id == "range" and 1 <= len(it.args) <= 3 and not it.keywords):
            try:
                bounds = [self.tr.expr(a, {}) for a in it.args]
            except (Untranslatable, _Poisoned, TypeError, ValueError):
                return None
            if all(isinstance(b, sp.Integer) for b in bounds):
                return len(range(*(int(b) for b in bounds)))
        return None  # unknown bound: one trip (documented)


def _times(c: Counter, k: int) -> Counter:
    return Counter({name: n * k for name, n in c.items()})

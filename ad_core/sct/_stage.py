"""Evaluate one normal-form expression on symbolic values (or, to learn a type, on samples).

The user's expression is applied as Python applies it (operators, NumPy
calls, methods), to ``Sym``/``Ph`` stand-ins instead of values; NumPy's
protocols route it to the table through ad_core's dispatch, where the
``StageTrace`` records it. Only operations the table can know are applied:
NumPy, ``math`` (as ``ad_core.math``), ad_core, and a few safe built-ins. A
call to anything else raises ``Unsupported`` rather than run unknown code
while transforming.
"""

from __future__ import annotations

import ast
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from ._source import missing
from ._table import (
    Abs,
    Ph,
    StageTrace,
    Sym,
    TupleItem,
    Unsupported,
    ValueRead,
    abstract,
    binop,
    stage_callable,
    unaryop,
)

Lookup = Callable[[str], Any]


def evaluate(node: ast.expr, env: dict[str, Any], lookup: Lookup) -> Any:
    """The value of ``node`` with local names from ``env`` and other names from ``lookup``."""
    return _Eval(env, lookup).run(node)


class _Eval:
    def __init__(self, env: dict[str, Any], lookup: Lookup) -> None:
        self.env = env
        self.lookup = lookup

    def run(self, n: ast.expr) -> Any:
        m = getattr(self, "e_" + type(n).__name__, None)
        if m is None:
            raise Unsupported(f"{type(n).__name__} in a derivative")
        return m(n)

    def e_Name(self, n: ast.Name) -> Any:
        if n.id in self.env:
            return self.env[n.id]
        v = self.lookup(n.id)
        if missing(v):
            raise Unsupported(f"name {n.id!r} is not defined")
        return v

    def e_Constant(self, n: ast.Constant) -> Any:
        return n.value

    def e_BinOp(self, n: ast.BinOp) -> Any:
        return binop(type(n.op).__name__)(self.run(n.left), self.run(n.right))

    def e_UnaryOp(self, n: ast.UnaryOp) -> Any:
        if isinstance(n.op, ast.Not):
            return not self.run(n.operand)
        return unaryop(type(n.op).__name__)(self.run(n.operand))

    def e_Attribute(self, n: ast.Attribute) -> Any:
        base = self.run(n.value)
        if isinstance(base, Ph):
            raise ValueRead(f"{base.name}.{n.attr}")
        return getattr(base, n.attr)

    def e_Subscript(self, n: ast.Subscript) -> Any:
        base = self.run(n.value)
        idx = self.index(n.slice)
        if isinstance(base, Sym) and base.abs.kind == "tuple":
            # An item of a tuple a generated function returned (not an array read).
            if not isinstance(idx, int) or not -len(base.abs.elts) <= idx < len(base.abs.elts):
                raise Unsupported("indexing a tuple with anything but a constant")
            el = base.abs.elts[idx]
            return base._trace.record(TupleItem(idx % len(base.abs.elts)), (base,), {}, el)
        return base[idx]

    def index(self, s: ast.expr) -> Any:
        if isinstance(s, ast.Tuple):
            return tuple(self.index(x) for x in s.elts)
        if isinstance(s, ast.Slice):
            return slice(*(None if p is None else self.run(p) for p in (s.lower, s.upper, s.step)))
        if isinstance(s, ast.List):
            return np.asarray([self.run(x) for x in s.elts])
        return self.run(s)

    def e_Tuple(self, n: ast.Tuple) -> Any:
        return tuple(self.run(x) for x in n.elts)

    def e_List(self, n: ast.List) -> Any:
        return [self.run(x) for x in n.elts]

    def e_Compare(self, n: ast.Compare) -> Any:
        raise ValueRead("a comparison")

    def e_Call(self, n: ast.Call) -> Any:
        args = [self.run(a) for a in n.args]
        kwargs = {k.arg: self.run(k.value) for k in n.keywords}
        if isinstance(n.func, ast.Attribute):
            base = self.run(n.func.value)
            if isinstance(base, types.ModuleType):
                f = getattr(base, n.func.attr)
            elif isinstance(base, (Sym, np.ndarray)) or isinstance(base, (float, int)):
                return getattr(base, n.func.attr)(*args, **kwargs)  # a method of a value
            elif isinstance(base, Ph):
                raise ValueRead(f"{base.name}.{n.func.attr}(...)")
            else:
                raise Unsupported(f"{ast.unparse(n.func)}(...) on a {type(base).__name__}")
        else:
            f = self.run(n.func)
        g = stage_callable(f)
        if g is None:
            raise Unsupported(f"{_name(f)} is not a NumPy, math or ad_core function: source "
                              "transformation does not know its derivative")
        return g(*args, **kwargs)


def _name(f: Any) -> str:
    mod = getattr(f, "__module__", None)
    name = getattr(f, "__qualname__", None) or getattr(f, "__name__", None) or repr(f)
    return f"{mod}.{name}" if mod and mod != "builtins" else name


def leaf(trace: StageTrace, name: str, a: Abs, plain: bool = False) -> Any:
    """The stand-in for a local variable of abstract value ``a``; ``plain``: it never
    carries a derivative (so an unknown value is data: an index, a flag...)."""
    if a.kind == "tuple":
        return tuple(leaf(trace, f"{name}[{i}]", e, plain) for i, e in enumerate(a.elts))
    if a.kind in ("module", "function") and a.value is not None:
        return a.value
    if plain and a.kind == "unknown":
        return Ph(name, a, trace)
    return trace.leaf(name, a)


# ---------------------------------------------------------------- samples, for types only


def sample(a: Abs, which: int) -> Any:
    """A concrete value of abstract value ``a`` (two different ones, ``which`` 0 or 1)."""
    rng = np.random.default_rng(17 + which)
    if a.kind == "float":
        return 0.75 + which
    if a.kind == "int":
        return 2 + which
    if a.kind == "bool":
        return bool(which)
    if a.kind == "none":
        return None
    if a.kind in ("module", "function"):
        return a.value
    if a.kind == "array" and a.shape is not None:
        if a.dtype == "b":
            return rng.random(a.shape) > 0.5
        if a.dtype in ("i", "u"):
            return rng.integers(0, 2, a.shape)
        return rng.standard_normal(a.shape)
    if a.kind == "tuple":
        return tuple(sample(e, which) for e in a.elts)
    raise ValueRead("no sample of an unknown value")


def probe(node: ast.expr, env_abs: dict[str, Abs], lookup: Lookup) -> Abs:
    """The abstract value of ``node`` learnt by evaluating it on two different samples.
    Shapes that differ between the two (or any length of a 1-D result computed from
    data) are unknown; only NumPy/math/ad_core calls run."""
    results = []
    for which in (0, 1):
        env = {}
        for k, a in env_abs.items():
            try:
                env[k] = sample(a, which)
            except ValueRead:
                env[k] = _Poison(k)
        with np.errstate(all="ignore"):
            results.append(_SampleEval(env, lookup).run(node))
    a, b = (abstract(r) for r in results)
    if a == b:
        return a
    if a.kind == b.kind == "array" and a.dtype == b.dtype:
        return Abs("array", None, a.dtype)
    return Abs("unknown")


def traced_probe(node: ast.expr, env_abs: dict[str, Abs], lookup: Lookup) -> bool | None:
    """Whether ``node`` gives a value that carries a derivative: evaluated by ad_core's
    forward mode on samples of the float operands, the answer is whether a traced value
    comes out (that depends on which functions run, not on the samples). None: unknown."""
    from .._core import Tracer
    from ..forward import Dual, ForwardTrace

    trace = ForwardTrace()
    env = {}
    try:
        for k, a in env_abs.items():
            v = sample(a, 0)
            if a.kind == "float" or (a.kind == "array" and a.dtype == "f"):
                v = Dual(trace, v, np.zeros(np.shape(v)) if np.ndim(v) else 0.0)
            env[k] = v
        with np.errstate(all="ignore"):
            out = _SampleEval(env, lookup).run(node)
    except Exception:  # noqa: BLE001 - could not tell
        return None

    def traced(x) -> bool:
        if isinstance(x, (tuple, list)):
            return any(traced(v) for v in x)
        return isinstance(x, Tracer)

    return traced(out)


class _Poison:
    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, item):
        raise ValueRead(self.name)


class _SampleEval(_Eval):
    def e_Compare(self, n: ast.Compare) -> Any:
        left = self.run(n.left)
        out = True
        for op, c in zip(n.ops, n.comparators):
            right = self.run(c)
            r = _CMP[type(op).__name__](left, right)
            out = r if out is True else np.logical_and(out, r)
            left = right
        return out

    def e_BoolOp(self, n: ast.BoolOp) -> Any:
        vals = [self.run(v) for v in n.values]
        return vals[-1]

    def e_IfExp(self, n: ast.IfExp) -> Any:
        raise ValueRead("a conditional expression")

    def e_Call(self, n: ast.Call) -> Any:
        args = [self.run(a) for a in n.args]
        kwargs = {k.arg: self.run(k.value) for k in n.keywords}
        if isinstance(n.func, ast.Attribute):
            base = self.run(n.func.value)
            if not isinstance(base, types.ModuleType):
                if isinstance(base, (np.ndarray, np.generic, float, int, tuple, list)):
                    return getattr(base, n.func.attr)(*args, **kwargs)
                raise ValueRead("a method of an unknown value")
            f = getattr(base, n.func.attr)
        else:
            f = self.run(n.func)
        if stage_callable(f) is None:
            raise ValueRead(f"{_name(f)}(...) is not run while transforming")
        if f is np.where:
            return np.where(*args, **kwargs)
        return f(*args, **kwargs)


_CMP = {"Lt": lambda a, b: a < b, "LtE": lambda a, b: a <= b, "Gt": lambda a, b: a > b,
        "GtE": lambda a, b: a >= b, "Eq": lambda a, b: a == b, "NotEq": lambda a, b: a != b,
        "Is": lambda a, b: a is b, "IsNot": lambda a, b: a is not b,
        "In": lambda a, b: a in b, "NotIn": lambda a, b: a not in b}

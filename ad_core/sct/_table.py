"""The one module of ad.sct that reads the primitive table.

Derivative code is not written here. It is *staged*: the table's own rules
(``Primitive.partials``, ``.vjp``, ``.jvp`` and ``unbroadcast``) are called on
symbolic values, ``Sym``, tracers of a ``StageTrace`` that record every
primitive applied to them instead of computing it. The recording is a small
graph whose nodes print as NumPy or ``math`` code, so ``sin``'s partial
``cos(x)`` becomes ``np.cos(x)`` in the generated source, and the code stays
what the table says.

The same recording lowers the user's own operations to primitives: staging
``np.mean(x, axis=1)`` on a ``Sym`` goes through NumPy's dispatch protocols
exactly as operator overloading does (``_dispatch``), so there is one mapping
from NumPy to the table.

A ``Sym`` knows its shape but not its values. A rule that reads values (ties
in ``max``, the sign in ``abs``, the zero tests of ``x ** y``) raises
``ValueRead`` while being staged; the generated code then calls that rule of
the table at run time instead (``abs_partial0(t, x)``): still the table's
rule, with the values it needs.

Coupling: ``PRIMITIVES`` (name -> Primitive with ``impl``, ``scalar``,
``partials``, ``vjp``, ``jvp``), ``unbroadcast`` and ``zmul``
from ``ad_core.primitives``, and ``Trace``/``Tracer``/``raw`` from ``_core``.
"""

from __future__ import annotations

import math
import operator
import types
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import math as admath
from .._core import Trace, Tracer
from ..primitives import PRIMITIVES, Primitive
from ..primitives import ops as _ops

unbroadcast = _ops.unbroadcast


class ValueRead(Exception):
    """A rule (or a lowering) needed the values of a symbolic operand."""


class ShapeUnknown(ValueRead):
    """A rule needed a shape the transformer does not know before run time."""


class Unsupported(Exception):
    """The operation itself cannot be differentiated (the message says why)."""


# ---------------------------------------------------------------- abstract values


@dataclass(frozen=True)
class Abs:
    """What the transformer knows of a value before the code runs.

    kind: "float" (a real scalar: Python float or NumPy float64), "array",
    "int", "bool", "tuple", "none", "module", "function", "object" (anything
    else: a list, a string...), "unknown". ``shape`` (arrays; None if
    unknown), ``dtype`` (arrays: a dtype kind letter), ``elts`` (tuples),
    ``value`` (modules and functions: the object itself).
    """

    kind: str
    shape: tuple | None = None
    dtype: str | None = None
    elts: tuple = ()
    value: Any = None

    @property
    def differentiable(self) -> bool:
        return self.kind == "float" or (self.kind == "array" and self.dtype in ("f", None)) \
            or self.kind == "unknown"

    @property
    def is_scalar(self) -> bool:
        return self.kind == "float"

    @property
    def known_shape(self) -> tuple | None:
        if self.kind == "float":
            return ()
        if self.kind == "array":
            return self.shape
        return None

    def describe(self) -> str:
        if self.kind == "array":
            dt = {"f": "float", "i": "int", "u": "int", "b": "bool"}.get(self.dtype or "", "")
            return f"ndarray{self.shape if self.shape is not None else '(?)'} {dt}".strip()
        if self.kind == "tuple":
            return "tuple(" + ", ".join(e.describe() for e in self.elts) + ")"
        if self.kind in ("module", "function"):
            return getattr(self.value, "__name__", self.kind)
        return self.kind


UNKNOWN = Abs("unknown")
FLOAT = Abs("float")
INT = Abs("int")
BOOL = Abs("bool")
NONE = Abs("none")


def abstract(value: Any, trust_shape: bool = True) -> Abs:
    """The abstract value of a concrete one."""
    if value is None:
        return NONE
    if isinstance(value, (bool, np.bool_)):
        return BOOL
    if isinstance(value, (int, np.integer)):
        return INT
    if isinstance(value, (float, np.floating)):
        return FLOAT
    if isinstance(value, np.ndarray):
        shape = value.shape if trust_shape or value.ndim == 0 else None
        return Abs("array", shape, value.dtype.kind)
    if isinstance(value, tuple):
        return Abs("tuple", elts=tuple(abstract(v, trust_shape) for v in value))
    if isinstance(value, types.ModuleType):
        return Abs("module", value=value)
    if callable(value):
        return Abs("function", value=value)
    if isinstance(value, Sym):
        return value.abs
    return Abs("object")


def join(a: Abs | None, b: Abs | None) -> Abs:
    """The least abstract value both ``a`` and ``b`` fit (None is 'not yet seen')."""
    if a is None:
        return b
    if b is None or a == b:
        return a
    kinds = {a.kind, b.kind}
    if kinds == {"float", "int"}:
        return FLOAT
    if kinds == {"int", "bool"}:
        return INT
    if a.kind == b.kind == "array" and a.dtype == b.dtype:
        return Abs("array", a.shape if a.shape == b.shape else None, a.dtype)
    if a.kind == b.kind == "tuple" and len(a.elts) == len(b.elts):
        return Abs("tuple", elts=tuple(join(x, y) for x, y in zip(a.elts, b.elts)))
    return UNKNOWN


# ---------------------------------------------------------------- symbolic values


class _Opaque:
    """The primal under a Sym: a shape without values. Reading values raises."""

    __slots__ = ("_shape", "dtype")

    def __init__(self, shape: tuple | None, dtype) -> None:
        self._shape = shape
        self.dtype = dtype

    @property
    def shape(self) -> tuple:
        if self._shape is None:
            raise ShapeUnknown("shape not known before run time")
        return self._shape

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def _read(self, *a, **k):
        raise ValueRead("a rule read the values of an operand")

    __array__ = __bool__ = __float__ = __int__ = __index__ = __complex__ = _read
    __trunc__ = __floor__ = __ceil__ = __round__ = __format__ = _read
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _read
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _read
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __neg__ = __abs__ = _read
    __getitem__ = __iter__ = __len__ = _read
    __hash__ = object.__hash__
    # No __array_function__: np.shape / np.ndim read .shape; anything that needs the
    # values converts with __array__, which raises.


@dataclass(eq=False)
class Node:
    """One recorded application: a primitive, a run-time rule of the table, or a call to a
    generated function (``op`` is a Primitive or a ``Ref``)."""

    op: Any
    args: tuple
    params: dict
    out: Sym | None = None


class Sym(Tracer):
    """A symbolic value: a leaf (a name in the generated code) or a recorded node."""

    __slots__ = ("_trace", "primal", "node", "name", "abs", "hint", "const")

    def __init__(self, trace: StageTrace, a: Abs, node: Node | None = None,
                 name: str | None = None) -> None:
        self._trace = trace
        self.abs = a
        dtype = np.dtype(np.float64) if a.kind in ("float", "unknown") else \
            np.dtype({"f": np.float64, "i": np.int64, "u": np.uint64, "b": np.bool_}.get(
                a.dtype or "f", np.float64))
        self.primal = _Opaque(a.known_shape, dtype)
        self.node = node
        self.name = name
        self.hint = None  # a name to give it if the printer has to name it
        self.const = None  # a number, for a literal (the seed 1.0 of a scalar output)

    def __repr__(self) -> str:
        return f"Sym({self.name or self.node.op!r}, {self.abs.describe()})"


class Ph:
    """A placeholder for a value that carries no derivative but is not a float (an int
    index, a bool mask, a list...): printed as its name, its value unread."""

    __slots__ = ("name", "abs", "trace")

    def __init__(self, name: str, a: Abs, trace: StageTrace | None = None) -> None:
        self.name = name
        self.abs = a
        self.trace = trace

    @property
    def shape(self):
        if self.abs.kind in ("int", "bool"):
            return ()
        if self.abs.kind == "array" and self.abs.shape is not None:
            return self.abs.shape
        raise ShapeUnknown(self.name)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def _read(self, *a, **k):
        raise ValueRead(f"the value of {self.name}")

    __array__ = __bool__ = __float__ = __int__ = __index__ = __len__ = __iter__ = _read
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _read
    __hash__ = object.__hash__

    def __array_ufunc__(self, ufunc, method, *inputs, **kw):
        # A rule applied a primitive to this value and a constant (1 / k for a loop
        # counter k): record it, as the primitive whose evaluation this ufunc is.
        prim = _UFUNC_PRIMS.get(ufunc)
        if self.trace is None or method != "__call__" or kw or prim is None:
            raise ValueRead(f"NumPy on the value of {self.name}")
        return self.trace.record(prim, inputs, {}, _abstract_eval(prim, inputs, {}))

    def __repr__(self) -> str:
        return f"Ph({self.name})"


@dataclass(frozen=True)
class Ref:
    """Something of the table the generated code calls at run time: a primitive itself
    (``part`` None), or one of its rules (``part`` in partials / vjp / jvp)."""

    prim: str
    part: str | None = None
    index: int = 0

    @property
    def value(self) -> Any:
        p = PRIMITIVES[self.prim]
        if self.part is None:
            return p
        return getattr(p, self.part)[self.index]

    @property
    def alias(self) -> str:
        base = self.prim.rstrip("_")
        if self.part is None:
            return base
        suffix = {"partials": "partial", "vjp": "vjp", "jvp": "jvp"}[self.part]
        return f"{base}_{suffix}{self.index}"


@dataclass(frozen=True)
class Runtime:
    """A helper of ``ad_core.sct.runtime`` the generated code calls."""

    name: str


class StageTrace(Trace):
    """Records primitive applications on Syms (see the module docstring)."""

    __slots__ = ("nodes", "memo")

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[Node] = []
        self.memo: dict = {}  # the same operation on the same operands: one node (CSE)

    def leaf(self, name: str, a: Abs) -> Sym | Ph:
        if a.kind in ("float", "unknown") or (a.kind == "array" and a.dtype == "f"):
            return Sym(self, a, name=name)
        return Ph(name, a, self)

    def process(self, prim: Primitive, args, params):
        simple = _simplify(self, prim, args, params)
        if simple is not None:
            return simple
        a = _abstract_eval(prim, args, params)
        return self.record(prim, args, params, a)

    def record(self, op, args, params, a: Abs) -> Sym:
        key = _memo_key(op, args, params)
        if key is not None and key in self.memo:
            return self.memo[key]
        node = Node(op, tuple(args), dict(params))
        s = Sym(self, a, node=node)
        node.out = s
        self.nodes.append(node)
        if key is not None:
            self.memo[key] = s
        return s

    def process_custom_jvp(self, fn, args):
        raise Unsupported(f"{getattr(fn, '__name__', 'a function')} has a custom_jvp rule: "
                          "custom rules are not supported by source transformation yet "
                          "(use ad.grad)")

    process_custom_vjp = process_custom_jvp


def _memo_key(op, args, params):
    """A key for common-subexpression sharing, or None when an operand is not hashable."""
    def k(x):
        if isinstance(x, (Sym, Ph)):
            return ("s", id(x))
        if isinstance(x, (tuple, list)):
            return ("t", tuple(k(v) for v in x))
        if isinstance(x, slice):
            return ("sl", k(x.start), k(x.stop), k(x.step))
        if x is None or isinstance(x, (bool, int, float, str)) or x is Ellipsis:
            return ("c", type(x).__name__, x)
        raise TypeError
    try:
        return (id(op) if not _hashable(op) else op, tuple(k(a) for a in args),
                tuple((n, k(v)) for n, v in sorted(params.items())))
    except TypeError:
        return None


def const_value(x):
    """The number ``x`` stands for, if it is a literal (a Python number or a literal Sym)."""
    if type(x) in (float, int):
        return x
    if isinstance(x, Sym) and x.const is not None:
        return x.const
    return None


def literal(trace: StageTrace, value: float) -> Sym:
    """A Sym that prints as the number itself."""
    s = Sym(trace, FLOAT, name=repr(float(value)) if value >= 0 else f"({float(value)!r})")
    s.const = float(value)
    return s


_FOLD = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "neg": operator.neg}


def _simplify(trace: StageTrace, prim: Primitive, args, params):
    """x * 1 -> x, x + 0 -> x, -(-x) -> x, 2.0 * 3.0 -> 6.0: what a person would not write."""
    name = prim.name
    consts = [const_value(a) for a in args]
    if name in _FOLD and all(c is not None for c in consts) and any(
            isinstance(a, Sym) for a in args):
        return literal(trace, float(_FOLD[name](*consts)))
    if name == "mul" and len(args) == 2:
        x, y = args
        for a, b in ((x, y), (y, x)):
            cb = const_value(b)
            if cb == 1.0 and isinstance(a, Sym) and _no_broadcast(a, b):
                return a
            if cb == -1.0 and isinstance(a, Sym) and _no_broadcast(a, b):
                return PRIMITIVES["neg"](a)
    if name in ("add", "sub") and len(args) == 2:
        x, y = args
        if const_value(y) == 0.0 and isinstance(x, Sym) and _no_broadcast(x, y):
            return x
        if name == "add" and const_value(x) == 0.0 and isinstance(y, Sym) and \
                _no_broadcast(y, x):
            return y
    if name == "neg" and _is_prim(args[0], "neg"):
        return args[0].node.args[0]
    if name == "mul" and len(args) == 2:
        x, y = args
        for a, b in ((x, y), (y, x)):
            if _is_prim(b, "reciprocal") and isinstance(a, Sym):
                return PRIMITIVES["div"](a, b.node.args[0])  # g * (1 / y) -> g / y
        for a, b in ((x, y), (y, x)):
            if _is_prim(b, "neg") and type(a) in (float, int):
                return PRIMITIVES["mul"](-a, b.node.args[0])  # 2 * -u -> -2 * u
        for a, b in ((x, y), (y, x)):
            # g * (u / v) where g / v is already computed (the other partial of a division):
            # (g / v) * u, one operation less.
            if isinstance(a, Sym) and _is_prim(b, "div") and not b.abs.kind == "tuple":
                u, v = b.node.args
                key = _memo_key(PRIMITIVES["div"], (a, v), {})
                if key is not None and key in trace.memo and _same_shape(a, b) and \
                        trace.memo[key] is not b and isinstance(u, Sym):
                    m = trace.memo[key]  # recorded as it is: no further rewriting
                    return trace.record(prim, (m, u), {}, _abstract_eval(prim, (m, u), {}))
        if _is_prim(y, "neg") and isinstance(x, Sym):
            return PRIMITIVES["neg"](PRIMITIVES["mul"](x, y.node.args[0]))
        if _is_prim(x, "neg") and isinstance(y, Sym):
            return PRIMITIVES["neg"](PRIMITIVES["mul"](x.node.args[0], y))
    if name == "add" and len(args) == 2 and args[0] is args[1] and isinstance(args[0], Sym):
        return PRIMITIVES["mul"](2.0, args[0])  # a + a: the same node twice
    if name == "add" and len(args) == 2 and all(isinstance(a, Sym) for a in args):
        x, y = args
        if _is_prim(x, "neg") and _is_prim(y, "neg"):  # -a + -b -> -(a + b)
            return PRIMITIVES["neg"](PRIMITIVES["add"](x.node.args[0], y.node.args[0]))
        if _is_prim(y, "neg") and _same_shape(x, y.node.args[0]):  # a + -b -> a - b
            return PRIMITIVES["sub"](x, y.node.args[0])
        if _is_prim(x, "neg") and _same_shape(y, x.node.args[0]):  # -a + b -> b - a
            return PRIMITIVES["sub"](y, x.node.args[0])
    if prim.partials is not None and len(args) == 2 and not params:
        x, y = args
        for i, (a, b) in enumerate(((x, y), (y, x))):
            # broadcast_to(g, s) (from a reduction's VJP) times an operand of shape s: the
            # product broadcasts by itself (np.broadcast_to costs microseconds per call).
            if _is_prim(a, "broadcast_to") and _shape(b) == tuple(a.node.params["shape"]):
                new = (a.node.args[0], b) if i == 0 else (b, a.node.args[0])
                return prim(*new)
        if name == "mul":
            for a, b in ((x, y), (y, x)):
                ca = const_value(a)
                if ca is not None:  # a number, or a literal (a scalar: no broadcasting)
                    if _is_prim(b, "broadcast_to") and const_value(b.node.args[0]) is not None:
                        # c * broadcast_to(k, s) -> broadcast_to(c * k, s)
                        return PRIMITIVES["broadcast_to"](
                            literal(trace, ca * const_value(b.node.args[0])), **b.node.params)
                    if _is_prim(b, "mul") and not isinstance(b.node.args[0], Sym) and \
                            const_value(b.node.args[0]) is not None:
                        # c1 * (c2 * y) -> (c1 * c2) * y
                        return PRIMITIVES["mul"](ca * const_value(b.node.args[0]),
                                                 b.node.args[1])
    return None


def _same_shape(a, b) -> bool:
    sa, sb = _shape(a), _shape(b)
    return sa is not None and sa == sb


def _shape(x):
    if isinstance(x, Sym):
        return x.abs.known_shape
    if type(x) in (float, int):
        return ()
    return None


def _is_prim(x, name: str) -> bool:
    return isinstance(x, Sym) and x.node is not None and isinstance(x.node.op, Primitive) \
        and x.node.op.name == name


def _no_broadcast(a: Sym, const) -> bool:
    """Dropping the constant leaves the shape as it was: it is a scalar."""
    return type(const) in (float, int) or (isinstance(const, Sym) and const.abs.kind == "float")


def _dummy(x):
    """A concrete stand-in with the right shape, to learn an output's shape and dtype."""
    if isinstance(x, Sym):
        a = x.abs
        if a.kind == "float":
            return 1.0
        if a.kind == "array" and a.shape is not None:
            return np.ones(a.shape, dtype={"f": float, "i": int, "b": bool}.get(a.dtype, float))
        raise ShapeUnknown("shape not known before run time")
    if isinstance(x, Ph):
        a = x.abs
        if a.kind == "int":
            return 0
        if a.kind == "bool":
            return True
        if a.kind == "array" and a.shape is not None and a.dtype in ("i", "u"):
            return np.zeros(a.shape, dtype=int)
        if a.kind == "array" and a.shape is not None and a.dtype == "b":
            raise ShapeUnknown("a boolean mask: the result's shape depends on its values")
        raise ShapeUnknown(x.name)
    if isinstance(x, tuple):
        return tuple(_dummy(v) for v in x)
    if isinstance(x, list):
        return [_dummy(v) for v in x]
    if isinstance(x, slice):
        for part in (x.start, x.stop, x.step):
            if isinstance(part, (Ph, Sym)):
                raise ShapeUnknown("a slice bound known only at run time")
        return x
    if isinstance(x, dict):
        return {k: _dummy(v) for k, v in x.items()}
    return x


def _abstract_eval(prim: Primitive, args, params) -> Abs:
    """The output's abstract value: ``impl`` run on stand-ins of the operands' shapes."""
    try:
        dargs = [_dummy(a) for a in args]
        dparams = {k: _dummy(v) for k, v in params.items()}
    except ShapeUnknown:
        return UNKNOWN
    try:
        with np.errstate(all="ignore"):
            out = prim.impl(*dargs, **dparams)
    except ValueRead:
        raise
    except Exception:  # noqa: BLE001 - shapes that do not fit: known only at run time
        return UNKNOWN
    a = abstract(out)
    if a.kind == "int" or a.kind == "bool":
        return a
    if a.kind == "array" and a.dtype != "f":
        # e.g. an integer array times an integer: the user's own ints, no derivative
        return a
    return a



# ---------------------------------------------------------------- staging user operations

_OPERATORS = {
    "Add": operator.add, "Sub": operator.sub, "Mult": operator.mul, "Div": operator.truediv,
    "Pow": operator.pow, "MatMult": operator.matmul, "Mod": operator.mod,
    "FloorDiv": operator.floordiv,
}
_UNARY = {"USub": operator.neg, "UAdd": operator.pos, "Invert": operator.invert}

#: Built-ins a staged expression may call (the rest are a user's or a library's objects
#: whose behaviour on symbolic values is unknown).
_SAFE_BUILTINS = {abs, len, float, int, bool, range, round, sum, pow, max, min, divmod,
                  isinstance, tuple, list}


def stage_callable(f: Any) -> Any:
    """What to call, in a staged expression, for the function ``f`` of the user's code; None
    if it is not an operation the table can know (a library object of unknown kind)."""
    if f is np.where:
        return _where
    mod = getattr(f, "__module__", None) or ""
    if isinstance(f, np.ufunc):
        return f
    root = mod.split(".")[0]
    if f in _SAFE_BUILTINS if _hashable(f) else False:
        return f
    if root == "math" or (isinstance(f, types.BuiltinFunctionType) and getattr(
            math, getattr(f, "__name__", ""), None) is f):
        return getattr(admath, f.__name__, None)  # the real math on symbols: ad_core.math
    if root in ("numpy", "ad_core"):
        return f
    return None


def _hashable(f) -> bool:
    try:
        hash(f)
        return True
    except TypeError:
        return False


def _where(cond, x=None, y=None):
    # np.where's condition is data: bind the table's where primitive directly, so that the
    # condition stays a name instead of being read as values (NumPy's dispatch reads it).
    if x is None and y is None:
        raise ValueRead("np.where(condition) gives indices: known at run time")
    return PRIMITIVES["where"](cond, x, y)


def binop(op_name: str):
    return _OPERATORS[op_name]


def unaryop(op_name: str):
    return _UNARY[op_name]


# ---------------------------------------------------------------- rules


def partial(prim: Primitive, i: int, ans, args, params):
    """∂out/∂args[i] of an elementwise primitive, staged (or a run-time rule call)."""
    rule = prim.partials[i]
    if rule is None:
        raise Unsupported(f"{prim.name} is not differentiable with respect to its argument {i}")
    trace = _trace_of(ans, *args)
    try:
        with np.errstate(all="ignore"):
            return rule(ans, *args, **params)
    except ValueRead:
        return trace.record(Ref(prim.name, "partials", i), (ans, *args), params,
                            _partial_abs(ans, args[i]))


def _partial_abs(ans, x) -> Abs:
    a = ans.abs if isinstance(ans, Sym) else abstract(ans)
    b = x.abs if isinstance(x, (Sym, Ph)) else abstract(x)
    if a.kind == "float" and b.kind in ("float", "int", "bool"):
        return FLOAT
    return UNKNOWN


def _trace_of(*xs) -> StageTrace:
    for x in xs:
        if isinstance(x, Sym):
            return x._trace
    raise AssertionError("no symbolic value among the operands")


def vjp(prim: Primitive, i: int, g, ans, args, params, careful: bool = False):
    """The cotangent of ``args[i]`` for cotangent ``g`` of ``ans = prim(*args)``, staged.
    ``careful``: 0 · inf counts as 0 (the table's ``zmul``, at run time)."""
    trace = _trace_of(ans, g, *args)
    if prim.partials is not None:
        d = partial(prim, i, ans, args, params)
        c = PRIMITIVES["mul"](g, d)
        if careful and const_value(d) is None:
            c = trace.record(Runtime("rt.zmul"), (g, d), {}, _arg_abs(c))
        return unbroadcast_staged(trace, c, args[i])
    rules = prim.vjp
    rule = rules[i] if i < len(rules) else None
    if rule is None:
        raise Unsupported(f"{prim.name} is not differentiable with respect to its argument {i}")
    try:
        with np.errstate(all="ignore"):
            out = rule(g, ans, *args, **params)
    except ValueRead:
        out = trace.record(Ref(prim.name, "vjp", i), (g, ans, *args), params,
                           _arg_abs(args[i]))
    return out


def jvp(prim: Primitive, i: int, t, ans, args, params, careful: bool = False):
    """The contribution of tangent ``t`` of ``args[i]`` to the tangent of ``ans``, staged."""
    trace = _trace_of(ans, t, *args)
    if prim.partials is not None:
        d = partial(prim, i, ans, args, params)
        c = PRIMITIVES["mul"](t, d)
        if careful and const_value(d) is None:
            c = trace.record(Runtime("rt.zmul"), (t, d), {}, _arg_abs(c))
        return c
    rules = prim.jvp
    rule = rules[i] if i < len(rules) else None
    if rule is None:
        raise Unsupported(f"{prim.name} is not differentiable with respect to its argument {i}")
    try:
        with np.errstate(all="ignore"):
            return rule(t, ans, *args, **params)
    except ValueRead:
        return trace.record(Ref(prim.name, "jvp", i), (t, ans, *args), params,
                            ans.abs if isinstance(ans, Sym) else UNKNOWN)


def _arg_abs(x) -> Abs:
    if isinstance(x, (Sym, Ph)):
        return x.abs
    return abstract(x)


def unbroadcast_staged(trace: StageTrace, c, like):
    """``unbroadcast`` of the table on symbols; a run-time call when shapes are unknown."""
    try:
        return unbroadcast(c, like)
    except ValueRead:
        return trace.record(Runtime("rt.unbroadcast"), (c, like), {}, _arg_abs(like))


def broadcast_tangent(trace: StageTrace, t, ans):
    """A tangent shaped like its value (forward mode: only a broadcast operand moved)."""
    ta = _arg_abs(t)
    aa = _arg_abs(ans)
    if ta.known_shape is not None and aa.known_shape is not None:
        if ta.known_shape == aa.known_shape or (aa.kind == "float" and ta.kind == "float"):
            return t
        return PRIMITIVES["broadcast_to"](t, shape=aa.known_shape)
    return trace.record(Runtime("rt.broadcast_like"), (t, ans), {}, aa)


def table_primitive(name: str) -> Primitive:
    return PRIMITIVES[name]


# ---------------------------------------------------------------- spelling primitives as code

@dataclass(frozen=True)
class TupleItem:
    """``x[i]`` of a tuple (the adjoint of one output of a generated call)."""

    index: int


@dataclass(frozen=True)
class MakeTuple:
    """``(a, b)``: several adjoints handed to a generated function at once."""


@dataclass(frozen=True)
class Generated:
    """A call to another generated function (``g_vjp``, ``g_jvp``) or the user's own
    function (``g``) for the value."""

    name: str


# Python operator precedences (higher binds tighter).
P_ADD, P_MUL, P_UNARY, P_POW, P_ATOM = 10, 11, 12, 13, 16

_INFIX = {"add": ("+", P_ADD, np.add), "sub": ("-", P_ADD, np.subtract),
          "mul": ("*", P_MUL, np.multiply), "div": ("/", P_MUL, np.true_divide),
          "matmul": ("@", P_MUL, np.matmul), "mod": ("%", P_MUL, np.remainder),
          "pow": ("**", P_POW, np.power)}


def _math_name(fn) -> str | None:
    """The name of ``fn`` in :mod:`math` (or builtins abs/max/min), if it is that."""
    name = getattr(fn, "__name__", None)
    if name and getattr(math, name, None) is fn:
        return f"math.{name}"
    if fn is abs:
        return "abs"
    return None


def _ufunc_name(fn) -> str | None:
    if isinstance(fn, np.ufunc) and getattr(np, fn.__name__, None) is fn:
        return f"np.{fn.__name__}"
    return None


def spell(node: Node, arg, param, scalar: bool, careful: bool):
    """(text, precedence) of a recorded node; ``arg(x, prec)`` prints an operand at least
    that tight, ``param(v)`` a parameter value. None: call the primitive by its alias."""
    op = node.op
    args = node.args
    params = node.params
    if isinstance(op, TupleItem):
        return f"{arg(args[0], P_ATOM)}[{op.index}]", P_ATOM
    if isinstance(op, MakeTuple):
        inner = ", ".join(arg(a, 0) for a in args)
        return f"({inner},)" if len(args) == 1 else f"({inner})", P_ATOM
    if not isinstance(op, Primitive) or not _SPELLED.get(op.name, False):
        return None
    name = op.name
    if name in _INFIX and not params and len(args) == 2:
        sym, prec, _ = _INFIX[name]
        if name == "pow":  # right-associative
            return f"{arg(args[0], prec + 1)} ** {arg(args[1], P_UNARY)}", prec
        return f"{arg(args[0], prec)} {sym} {arg(args[1], prec + 1)}", prec
    if name == "neg":
        return f"-{arg(args[0], P_UNARY)}", P_UNARY
    if name == "reciprocal":
        return f"1.0 / {arg(args[0], P_MUL + 1)}", P_MUL
    if name == "square":
        a = args[0]
        if (isinstance(a, (Sym, Ph)) and getattr(a, "name", None)):
            t = arg(a, P_MUL + 1)
            return f"{t} * {t}", P_MUL
        return f"{arg(a, P_POW + 1)} ** 2", P_POW
    if op.partials is not None and not params:
        fn = None
        if scalar and not careful and op.scalar is not None:
            fn = _math_name(op.scalar)
        fn = fn or _ufunc_name(op.impl)
        if fn is None:
            return None
        return f"{fn}({', '.join(arg(a, 0) for a in args)})", P_ATOM
    if name in ("sum", "max", "min", "prod"):
        x = arg(args[0], 0)
        extra = _axis_kw(params, param)
        return f"np.{name}({x}{extra})", P_ATOM
    if name == "reshape":
        return f"np.reshape({arg(args[0], 0)}, {param(params['shape'])})", P_ATOM
    if name == "broadcast_to":
        return f"np.broadcast_to({arg(args[0], 0)}, {param(params['shape'])})", P_ATOM
    if name == "transpose":
        axes = tuple(params["axes"])
        if axes == tuple(reversed(range(len(axes)))):
            return f"{arg(args[0], P_ATOM)}.T", P_ATOM
        return f"np.transpose({arg(args[0], 0)}, {param(axes)})", P_ATOM
    if name == "getitem":
        return f"{arg(args[0], P_ATOM)}[{index_text(params['idx'], arg)}]", P_ATOM
    if name == "where":
        return f"np.where({', '.join(arg(a, 0) for a in args)})", P_ATOM
    if name == "concatenate":
        return (f"np.concatenate([{', '.join(arg(a, 0) for a in args)}], "
                f"axis={param(params['axis'])})"), P_ATOM
    if name == "cumsum":
        return f"np.cumsum({arg(args[0], 0)}, axis={param(params['axis'])})", P_ATOM
    if name == "einsum":
        ops = ", ".join(arg(a, 0) for a in args)
        return f"np.einsum({params['subscripts']!r}, {ops})", P_ATOM
    return None


def _axis_kw(params: dict, param) -> str:
    out = ""
    axis = params.get("axis")
    if axis is not None:
        ax = axis[0] if isinstance(axis, tuple) and len(axis) == 1 else axis
        out += f", axis={param(ax)}"
    if params.get("keepdims"):
        out += ", keepdims=True"
    return out


def index_text(idx, arg) -> str:
    items = idx if isinstance(idx, tuple) else (idx,)
    parts = []
    for i in items:
        if isinstance(i, slice):
            a = "" if i.start is None else arg(i.start, 0)
            b = "" if i.stop is None else arg(i.stop, 0)
            s = f"{a}:{b}"
            if i.step is not None:
                s += f":{arg(i.step, 0)}"
            parts.append(s)
        elif i is Ellipsis:
            parts.append("...")
        elif i is None:
            parts.append("None")
        else:
            parts.append(arg(i, 0))
    if isinstance(idx, tuple) and len(idx) == 1:
        return parts[0] + ","
    return ", ".join(parts) if parts else "()"


def _check_spellings() -> dict[str, bool]:
    """Spell a primitive as NumPy only where that computes what its ``impl`` does (checked
    here, on sample values); the rest are called through the table at run time."""
    ok: dict[str, bool] = {}
    rng = np.random.default_rng(0)
    a = rng.uniform(0.2, 0.9, (2, 3))
    b = rng.uniform(0.2, 0.9, (2, 3))
    for name, (_, _, ref) in _INFIX.items():
        p = PRIMITIVES.get(name)
        ok[name] = p is not None and _same(p, ref, (a, b) if name != "matmul" else (a, b.T))
    for name, ref in (("neg", np.negative), ("reciprocal", np.reciprocal),
                      ("square", np.square)):
        p = PRIMITIVES.get(name)
        ok[name] = p is not None and _same(p, ref, (a,))
    for name, p in PRIMITIVES.items():
        if name in ok or p.partials is None:
            continue
        ufunc = _ufunc_name(p.impl)
        if ufunc is not None:
            n = p.impl.nin
            # The scalar spelling is ``prim.scalar`` itself (math.sin...), named by identity.
            ok[name] = _same(p, p.impl, (a, b)[:n])
    checks = {
        "sum": lambda x: np.sum(x, axis=1, keepdims=True),
        "max": lambda x: np.max(x, axis=0), "min": lambda x: np.min(x, axis=1),
        "prod": lambda x: np.prod(x, axis=1),
    }
    for name, ref in checks.items():
        p = PRIMITIVES.get(name)
        kw = {"sum": dict(axis=(1,), keepdims=True), "max": dict(axis=(0,), keepdims=False),
              "min": dict(axis=(1,), keepdims=False), "prod": dict(axis=(1,), keepdims=False)}
        ok[name] = p is not None and np.array_equal(p.impl(a, **kw[name]), ref(a))
    structural = {
        "reshape": (dict(shape=(3, 2)), lambda x: np.reshape(x, (3, 2))),
        "broadcast_to": (dict(shape=(4, 2, 3)), lambda x: np.broadcast_to(x, (4, 2, 3))),
        "transpose": (dict(axes=(1, 0)), lambda x: np.transpose(x, (1, 0))),
        "getitem": (dict(idx=(slice(None), 1)), lambda x: x[:, 1]),
        "cumsum": (dict(axis=1), lambda x: np.cumsum(x, axis=1)),
    }
    for name, (kw, ref) in structural.items():
        p = PRIMITIVES.get(name)
        ok[name] = p is not None and np.array_equal(p.impl(a, **kw), ref(a))
    p = PRIMITIVES.get("where")
    ok["where"] = p is not None and np.array_equal(p.impl(a > 0.5, a, b), np.where(a > 0.5, a, b))
    p = PRIMITIVES.get("concatenate")
    ok["concatenate"] = p is not None and np.array_equal(p.impl(a, b, axis=0),
                                                        np.concatenate([a, b], axis=0))
    p = PRIMITIVES.get("einsum")
    ok["einsum"] = p is not None and np.array_equal(p.impl(a, b, subscripts="ij,ij->i"),
                                                   np.einsum("ij,ij->i", a, b))
    return ok


def _same(p: Primitive, ref, args) -> bool:
    try:
        with np.errstate(all="ignore"):
            return bool(np.allclose(p.impl(*args), ref(*args), equal_nan=True, rtol=0, atol=0))
    except Exception:  # noqa: BLE001 - a primitive that does not take these: do not spell it
        return False


_SPELLED = _check_spellings()
_UFUNC_PRIMS = {p.impl: p for p in PRIMITIVES.values()
                if isinstance(p.impl, np.ufunc) and p.partials is not None and p.name != "abs"}

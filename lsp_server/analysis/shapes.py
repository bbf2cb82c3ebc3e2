"""What each parameter must be for the body to run: read from how the body uses it.

The synthetic point (the SPEC's last rule) is built from these, and so is the static
cost estimate's count of inputs. Nothing runs; every rule reads the AST:

- ``x[0]``, ``x[1]`` -> a vector of length 2 (the largest constant index + 1);
  ``x[1:-1]``, ``x[2:]`` -> a vector long enough for every slice to be non-empty;
- ``a, b = p`` -> a vector of length 2; ``n, m = p.shape`` or ``p[:, k]`` -> 2-D;
- ``A @ w``, ``np.dot(A, w)`` with ``A`` a module constant (or ``self.A`` set to a
  literal array in a method) -> ``w`` fits ``A``; a matrix operation
  (``np.linalg.*``, ``p @ q`` of two parameters, ``np.trace``) -> 2-D;
- ``len(p)``, ``for v in p``, ``enumerate(p)``, ``zip(p, q)``, ``sum(p)``, ``p.shape``,
  ``p.sum()``, ``np.sum(p)`` -> an array; ``x[0]`` beside such a use is only a minimum
  (the length stays 3, which code dividing by ``N - 1`` needs);
- guards: ``if p.ndim != 2 or p.shape[1] != 4: raise`` -> an n x 4 matrix;
  ``p.reshape(self.n)``, ``x[2 * self.n:]`` (with ``self.n`` an int the constructor sets)
  -> that many values, three parts of ``self.n``; ``n = int(np.sqrt(len(p)))`` -> a
  perfect-square length; ``p.reshape(-1, 2)``, ``len(p) // 2`` -> an even one;
- a value computed from parameters (``e = y - y_true``) that is indexed, written into
  (also by a function it is passed to), iterated, reduced along an axis or used as an
  array (``e.shape``, ``e.reshape``) -> the first of its parameters that can be an array
  becomes one (the rest broadcast); not when it also mixes in a module value or an array
  made from nothing (``np.linspace``), which may be the array;
- ``float(p)``, ``math.exp(p)``, ``if p < 0:`` -> a number, whatever other methods or the
  docstring say;
- ``range(n)``, ``np.zeros(n)``, ``int`` annotations, counts named
  ``n``/``m``/``k``/``n_*``/``num_*`` -> an int, 3 (held, never differentiated); an index
  ``x[i]`` and nothing else -> 1, inside what it indexes;
- ``if flag:`` and nothing else -> a bool; ``p == "mean"`` -> that string;
  ``p is None`` with a ``None`` default -> None (passed through);
- ``p(...)`` (a callable), ``p["key"]`` (a mapping), ``p.attr`` of no array ->
  something no literal can be: the point cannot be made up, and the card says which
  parameter needs a value.
"""

from __future__ import annotations

import ast
import builtins
import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

_BUILTINS = set(dir(builtins))
ShapeKind = Literal["scalar", "int", "array", "bool", "str", "none", "mapping", "object"]

DEFAULT_LENGTH = 3
DEFAULT_MATRIX = (3, 2)  # samples x features: a non-square default shows transposition bugs

# calls whose result is the same value as an array: `x = np.asarray(x)` keeps x's shape
_SAME_VALUE = {
    "asarray", "array", "asanyarray", "ascontiguousarray", "asfarray", "copy", "float64",
    "atleast_1d", "array_api_compat", "xp_promote", "squeeze", "real", "abs",
}  # fmt: skip
# attributes and methods of an ndarray: they say the parameter is an array
_ARRAY_ATTRS = {
    "shape", "T", "sum", "mean", "dot", "reshape", "size", "ndim", "ravel", "transpose",
    "flatten", "prod", "std", "var", "max", "min", "cumsum", "argmax", "argmin", "copy",
    "astype", "dtype", "item", "tolist", "all", "any", "clip", "conj", "real", "imag",
    "squeeze", "nonzero", "flat", "take", "repeat", "swapaxes",
}  # fmt: skip
# np.<name>(p, ...) says p is an array
_ARRAY_FUNCS = {
    "flatnonzero", "nonzero", "sum", "mean", "prod", "max", "min", "dot", "outer", "inner",
    "matmul", "norm", "std", "var", "cumsum", "cumprod", "einsum", "tensordot", "argmax",
    "argmin", "diff", "stack",
    "vstack", "hstack", "concatenate", "sort", "argsort", "count_nonzero", "nansum", "amax",
    "amin", "median", "average", "roll", "flip", "atleast_2d", "shape", "size", "ndim",
    "zeros_like", "ones_like", "empty_like", "full_like", "nanmean", "ptp", "trapz",
    "trapezoid", "logsumexp", "column_stack", "ravel",
}  # fmt: skip
_REDUCTIONS = {"sum", "mean", "prod", "max", "min", "norm", "std", "var", "nansum", "amax",
               "amin", "median", "average", "logsumexp"}
# functions whose first argument is a (square) matrix
_MATRIX_FUNCS = {"inv", "det", "slogdet", "cholesky", "eig", "eigh", "eigvals", "eigvalsh",
                 "solve", "trace", "matrix_power", "expm", "logm", "lstsq", "pinv", "qr"}
# functions whose integer argument is a size
_SIZE_FUNCS = {"range", "zeros", "ones", "empty", "eye", "identity", "arange", "full",
               "linspace"}
# ndarray attributes a float (or a traced scalar) lacks: on a value computed from the
# parameters, they say one of those parameters is an array (``e = y - y_true; e.shape``)
_NEEDS_ARRAY_ATTRS = {
    "shape", "T", "reshape", "ndim", "size", "ravel", "flatten", "transpose", "flat",
    "swapaxes", "nonzero", "take", "repeat", "cumsum", "argmax", "argmin", "sum", "mean",
    "prod", "std", "var", "max", "min", "all", "any",
}  # fmt: skip
# elementwise functions and the *_like constructors: the result has its argument's shape
_SHAPE_KEEPING = _SAME_VALUE | {
    "exp", "log", "log1p", "expm1", "log10", "log2", "sqrt", "sin", "cos", "tan", "arcsin",
    "arccos", "arctan", "arctan2", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh",
    "power", "square", "absolute", "fabs", "sign", "where", "clip", "maximum", "minimum",
    "floor", "ceil", "negative", "reciprocal", "exp2", "hypot", "erf", "erfc", "expit",
    "logit", "gammaln", "zeros_like", "ones_like", "empty_like", "full_like", "isfinite",
    "isnan", "logical_and", "logical_or", "logical_not",
}  # fmt: skip
# calls that make an array out of nothing the parameters hold (np.linspace(0, 1, 5)): a
# value mixed with one of them may be that array, not a parameter's
_ARRAY_MAKERS = _SIZE_FUNCS | {
    "rand", "randn", "random", "normal", "uniform", "standard_normal", "loadtxt",
    "genfromtxt", "load", "meshgrid", "logspace", "geomspace", "indices", "diag", "tri",
}  # fmt: skip
# builtins that iterate over their arguments: which of them (zip: all; map: all but f)
_ITERATING: dict[str, slice] = {
    "enumerate": slice(0, 1), "zip": slice(None), "reversed": slice(0, 1),
    "sorted": slice(0, 1), "list": slice(0, 1), "tuple": slice(0, 1), "iter": slice(0, 1),
    "map": slice(1, None), "filter": slice(1, 2), "sum": slice(0, 1), "any": slice(0, 1),
    "all": slice(0, 1),
}  # fmt: skip
# what a parameter cannot be made an array for a value computed from it: a count, flag,
# string, None, a number the body needs as such (float(p)), a function, mapping or object
_NO_ARRAY = {"int", "str", "flag", "none", "number", "callable", "mapping", "object"}
# math functions need a number: math.exp(p) says p is a scalar
_SCALAR_MODULES = {"math", "cmath"}
_INT_NAMES = {"n", "m", "N", "M", "ndim", "dim", "dims", "degree", "nx", "ny", "ne", "nt",
              "deg", "idx", "index", "axis", "seed", "size", "count", "nterms", "niter"}
_INT_PREFIXES = ("n_", "num_", "n_samples", "number_of_")


@dataclass
class Shape:
    """What a parameter must be. ``dims`` for arrays; ``value`` for an int, bool, str
    or None; ``why`` is the use that decided it ("x[1]", "x, y = p", "range(n)")."""

    kind: ShapeKind = "scalar"
    dims: tuple[int, ...] = ()
    value: Any = None
    why: str = ""
    exact: bool = False  # dims said by the body (x[0], x[1]; x, y = p), not defaults
    strict: bool = False  # ... and no other length would do (x, y = p; len(x) != self.n)


@dataclass
class _Evidence:
    ndim: int = 0  # at least this many dimensions
    exact_ndim: int | None = None
    lengths: list[int] = field(default_factory=list)  # per axis: at least this long
    exact0: int | None = None  # axis 0 has exactly this length (unpacking)
    only_int_index: bool = True  # every index seen was a constant int on axis 0
    fixed: tuple[int, ...] | None = None  # the whole shape, from a constant it meets
    kinds: set[str] = field(default_factory=set)
    strings: list[str] = field(default_factory=list)
    why: list[str] = field(default_factory=list)
    numeric_use: bool = False  # used in arithmetic, a call, an index...
    generic: bool = False  # len(p), for v in p, p.sum(): the body reads any length
    exact_axes: dict[int, int] = field(default_factory=dict)  # p.shape[1] != 2 -> {1: 2}
    multiple: int = 1  # the length is a multiple of this (p.reshape(-1, 2))
    size: int | None = None  # exactly this many values (x.reshape((2, 3)))
    square_length: bool = False  # the length is a perfect square (n = int(np.sqrt(len(p))))

    def axis(self, k: int, n: int) -> None:
        while len(self.lengths) <= k:
            self.lengths.append(0)
        self.lengths[k] = max(self.lengths[k], n)
        self.ndim = max(self.ndim, k + 1)

    def say(self, why: str) -> None:
        if why not in self.why:
            self.why.append(why)


def literal_shape(node: ast.expr) -> tuple[int, ...] | None:
    """The shape of ``np.array([[...]])`` / a nested list literal, when it is one."""
    if isinstance(node, ast.Call) and node.args and _tail(node.func) in (
        "array", "asarray", "matrix"
    ):
        node = node.args[0]
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        return None
    return _nested_shape(value)


def _nested_shape(value: Any) -> tuple[int, ...] | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return ()
    if isinstance(value, (list, tuple)) and value:
        inner = [_nested_shape(v) for v in value]
        if inner[0] is None or any(s != inner[0] for s in inner):
            return None
        return (len(value), *inner[0])
    return None


def _tail(func: ast.expr) -> str:
    """``np.linalg.inv`` -> ``inv``; ``f`` -> ``f``."""
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _const_int(node: ast.expr) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) \
            and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        v = _const_int(node.operand)
        return -v if v is not None else None
    return None


def _slice_min_length(lo: int | None, hi: int | None) -> int:
    """The shortest length for which ``a[lo:hi]`` is not empty."""
    if lo is None:
        lo = 0
    need = lo + 1 if lo >= 0 else -lo
    if hi is not None and hi < 0:
        need = max(need, (lo if lo >= 0 else 0) + 1 - hi)
    elif hi is not None and hi > 0:
        need = max(need, min(hi, lo + 1) if lo >= 0 else 1)
    return max(need, 1)


class _Reader(ast.NodeVisitor):
    def __init__(self, params: list[str], constants: dict[str, tuple[int, ...]],
                 local_names: set[str] | None = None) -> None:
        self.calls: list[tuple[str, int | str, str]] = []  # (callee, position or name, param)
        self.products: list[tuple[str, str]] = []  # p @ q of two parameters
        self.derived: dict[str, set[str]] = {}  # local -> parameters it is computed from
        self.ev = {p: _Evidence() for p in params}
        self.alias: dict[str, str] = {p: p for p in params}
        self.constants = constants  # "A" or "self.A" -> shape
        self.params = params
        self.local_names = local_names or set()  # every name the body assigns
        self.opaque: set[str] = set()  # locals that may hold an array of their own
        # a value computed from these parameters must be an array of >= ndim dimensions
        self.needs: list[tuple[set[str], int, str]] = []
        self.pending_calls: list[tuple[str, int | str, set[str]]] = []

    # -- names ---------------------------------------------------------------------
    def param_of(self, node: ast.AST) -> str | None:
        while isinstance(node, ast.Call) and node.args and _tail(node.func) in _SAME_VALUE:
            node = node.args[0]
        if isinstance(node, ast.Name):
            return self.alias.get(node.id)
        return None

    def const_shape(self, node: ast.AST) -> tuple[int, ...] | None:
        if isinstance(node, ast.Name) and node.id not in self.alias:
            return self.constants.get(node.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "self":
            return self.constants.get(f"self.{node.attr}")
        if isinstance(node, ast.Attribute) and node.attr == "T":
            inner = self.const_shape(node.value)
            return tuple(reversed(inner)) if inner is not None else None
        return None

    def array(self, p: str, why: str, ndim: int = 1) -> None:
        ev = self.ev[p]
        ev.kinds.add("array")
        ev.ndim = max(ev.ndim, ndim)
        ev.numeric_use = True
        ev.say(why)

    def scalar(self, p: str, why: str) -> None:
        """The body needs a number here (``float(p)``, ``math.exp(p)``, ``if p < 0:``)."""
        self.ev[p].kinds.add("number")
        self.ev[p].say(why)

    # -- values computed from parameters -------------------------------------------
    def is_opaque(self, node: ast.AST) -> bool:
        """Whether an expression mixes in a value that may be an array of its own (a module
        constant, ``np.linspace(...)``, a local made from one): then an array use of the
        expression says nothing about which parameter is the array."""
        receivers = {id(n.value) for n in ast.walk(node) if isinstance(n, ast.Attribute)}
        callees = {id(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)}
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and _tail(sub.func) in _ARRAY_MAKERS:
                return True
            if isinstance(sub, ast.Call) and _tail(sub.func) in ("array", "asarray") \
                    and sub.args and isinstance(sub.args[0], (ast.List, ast.Tuple)):
                return True
            if isinstance(sub, ast.Attribute) and id(sub) not in callees \
                    and isinstance(sub.value, ast.Name) and sub.value.id == "self" \
                    and self.constants.get(f"self.{sub.attr}"):
                return True
            if not isinstance(sub, ast.Name) or id(sub) in receivers or id(sub) in callees:
                continue
            if sub.id in self.opaque:
                return True
            if sub.id not in self.alias and sub.id not in self.local_names \
                    and sub.id not in _BUILTINS:
                return True  # a module-level value: its shape is not known here
        return False

    def need_array(self, node: ast.expr, why: str, ndim: int = 1) -> None:
        """A value computed from parameters is used as an array (indexed, ``.shape``,
        ``.reshape``, iterated, reduced along an axis): one of those parameters is one."""
        p = self.param_of(node)
        if p is not None:
            if not self.ev[p].kinds & {"int", "str", "flag", "none"}:
                self.array(p, why, ndim)
            return
        if isinstance(node, ast.Name) and node.id not in self.derived:
            return  # a local of unknown origin (r = helper(x)): it says nothing
        if self.is_opaque(node):
            return
        ps = self.derived_from(node)
        if ps:
            self.needs.append((ps, ndim, why))

    def settle(self) -> None:
        """Each value that must be an array: when none of the parameters it is computed
        from is one already, the first that can be (not a count, flag, string or a number
        the body needs as such) becomes one. One is enough: arithmetic broadcasts."""
        for ps, ndim, why in self.needs:
            ordered = [p for p in self.params if p in ps]
            arrays = [p for p in ordered if "array" in self.ev[p].kinds]
            if len(arrays) == 1:
                ev = self.ev[arrays[0]]
                ev.ndim = max(ev.ndim, ndim)
            if arrays:
                continue
            free = [p for p in ordered if not self.ev[p].kinds & _NO_ARRAY]
            if free:
                self.array(free[0], why, ndim)
                self.ev[free[0]].generic = True
        for callee, where, ps in self.pending_calls:
            ordered = [p for p in self.params if p in ps]
            if any("array" in self.ev[p].kinds for p in ordered):
                continue
            free = [p for p in ordered if not self.ev[p].kinds & _NO_ARRAY]
            if free:  # result = a * f(x); g(result): x takes the shape g needs
                self.calls.append((callee, where, free[0]))

    # -- statements ----------------------------------------------------------------
    def derived_from(self, node: ast.AST) -> set[str]:
        """Parameters an expression is computed from (directly, or through locals)."""
        out: set[str] = set()
        stack = [node]
        while stack:
            sub = stack.pop()
            if isinstance(sub, ast.Name):
                if sub.id in self.alias:
                    out.add(self.alias[sub.id])
                out |= self.derived.get(sub.id, set())
            elif isinstance(sub, ast.Attribute):
                if sub.attr in ("T", "real", "imag"):  # client.items is not made from client
                    stack.append(sub.value)
            elif isinstance(sub, ast.Call):
                if self.follows(sub):
                    stack.extend(sub.args)
                    if isinstance(sub.func, ast.Attribute) and sub.func.attr in _ARRAY_ATTRS:
                        stack.append(sub.func.value)  # x.reshape(...), x.copy()
            elif not isinstance(sub, (ast.Await, ast.Lambda)):
                stack.extend(ast.iter_child_nodes(sub))
        return out

    def follows(self, call: ast.Call) -> bool:
        """Whether a call's result is taken as made from its arguments: NumPy-style module
        functions, elementwise builtins, the class's own methods and array methods. What an
        unknown function of the arguments returns (``await lenses(client)``) is not."""
        func = call.func
        if isinstance(func, ast.Name):
            return func.id in _SHAPE_KEEPING or func.id in ("pow", "abs", "round")
        root = func
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name):
            return False
        if root.id == "self":
            return True
        if root.id in self.alias or root.id in self.derived:
            return func.attr in _ARRAY_ATTRS  # type: ignore[union-attr]
        return root.id not in self.local_names  # np.exp(x), special.expit(x)

    def store_into(self, target: ast.expr) -> None:
        """``der[ii] = …`` with ``der`` computed from ``mu``: an element of a value made
        from ``mu`` is written, so that value is an array, and so is ``mu``."""
        while isinstance(target, ast.Subscript):
            target = target.value
        if isinstance(target, ast.Name) and target.id not in self.alias:
            self.need_array(target, f"{target.id}[…] = …")

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Subscript):
            self.store_into(node.target)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        value = node.value
        for t in node.targets:
            if isinstance(t, ast.Subscript):
                self.store_into(t)
            elif isinstance(t, ast.Name):
                self.track(t.id, value)
        src = self.param_of(value)
        for t in node.targets:
            if isinstance(t, ast.Name):
                if src is not None:
                    self.alias[t.id] = src  # x = np.asarray(x): the same value
                elif t.id in self.alias and self.alias[t.id] != t.id:
                    del self.alias[t.id]
            elif isinstance(t, (ast.Tuple, ast.List)):
                self.unpack(t, value)
        self.visit(value)
        for t in node.targets:
            if not isinstance(t, ast.Name):
                self.visit(t)

    def track(self, name: str, value: ast.expr) -> None:
        """What a local is computed from: arithmetic and elementwise functions keep their
        operands' shape; any other call's result (``n = len(x)``) is not followed."""
        opaque = self.is_opaque(value)
        made: set[str] | None = None
        if not opaque and not isinstance(value, ast.Call):
            made = self.derived_from(value)
        elif not opaque and _tail(value.func) in _SHAPE_KEEPING and value.args:
            made = set().union(*(self.derived_from(a) for a in value.args))
        self.opaque.discard(name)
        self.derived.pop(name, None)
        if opaque:
            self.opaque.add(name)
        elif made is not None:
            self.derived[name] = made
        self.lengths(name, value)

    def lengths(self, name: str, value: ast.expr) -> None:
        """``n = int(np.sqrt(len(x)))``: x's length is a perfect square (x is reshaped to
        n x n); ``n = len(x) // 2``: a multiple of 2."""
        for sub in ast.walk(value):
            if isinstance(sub, ast.Call) and _tail(sub.func) in ("sqrt", "isqrt") \
                    and sub.args:
                p = self.length_of(sub.args[0])
                if p is not None:
                    self.array(p, f"{name} = {_short(ast.unparse(value))}")
                    self.ev[p].square_length = True
            elif isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Pow) \
                    and isinstance(sub.right, ast.Constant) and sub.right.value == 0.5:
                p = self.length_of(sub.left)
                if p is not None:
                    self.array(p, f"{name} = {_short(ast.unparse(value))}")
                    self.ev[p].square_length = True
            elif isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.FloorDiv):
                p, k = self.length_of(sub.left), _const_int(sub.right)
                if p is not None and k is not None and k > 1:
                    self.array(p, f"{name} = {_short(ast.unparse(value))}")
                    self.ev[p].multiple = _lcm(self.ev[p].multiple, k)

    def unpack(self, target: ast.Tuple | ast.List, value: ast.expr) -> None:
        n = len(target.elts)
        starred = any(isinstance(e, ast.Starred) for e in target.elts)
        text = f"{ast.unparse(target)} = {ast.unparse(value)}"
        if isinstance(value, ast.Attribute) and value.attr == "shape":
            p = self.param_of(value.value)
            if p is not None:
                self.array(p, text, n)
                ev = self.ev[p]
                if not starred:
                    ev.exact_ndim = n
                return
        p = self.param_of(value)
        if p is not None:
            self.array(p, text)
            ev = self.ev[p]
            if starred:
                ev.axis(0, n - 1)
            else:
                ev.exact0 = n
                ev.axis(0, n)

    def visit_For(self, node: ast.For) -> None:
        self.iterated(node.iter)
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self.iterated(node.iter)
        self.generic_visit(node)

    def iterated(self, node: ast.expr) -> None:
        """``for c in coeffs`` (and ``enumerate(coeffs)``, ``zip(a, b)``: see visit_Call):
        what is iterated over is a sequence, of any length."""
        p = self.param_of(node)
        text = f"for … in {_short(ast.unparse(node))}"
        if p is not None:
            self.array(p, text)
            self.ev[p].generic = True
        elif isinstance(node, ast.Name):
            self.need_array(node, text)

    def visit_If(self, node: ast.If) -> None:
        self.test(node.test)
        self.generic_visit(node)

    def visit_IfExp(self, node: ast.IfExp) -> None:
        self.test(node.test)
        self.generic_visit(node)

    def visit_While(self, node: ast.While) -> None:
        self.test(node.test)
        self.generic_visit(node)

    def test(self, node: ast.expr) -> None:
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            node = node.operand
        if isinstance(node, ast.Name) and node.id in self.ev:
            self.ev[node.id].kinds.add("flag")
        elif isinstance(node, ast.BoolOp):
            for v in node.values:
                self.test(v)
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and not isinstance(
                node.ops[0], (ast.Is, ast.IsNot, ast.In, ast.NotIn)):
            # if x < 0: (an array's truth is ambiguous) x is a number
            a, b = node.left, node.comparators[0]
            for side, other in ((a, b), (b, a)):
                if isinstance(side, ast.Name) and side.id in self.alias and _number(other):
                    self.scalar(self.alias[side.id], f"if {_short(ast.unparse(node))}:")

    # -- expressions ---------------------------------------------------------------
    def length_of(self, node: ast.expr) -> str | None:
        """``len(p)`` or ``p.shape[0]``: the parameter whose length it is."""
        if isinstance(node, ast.Call) and _tail(node.func) == "int" and node.args:
            return self.length_of(node.args[0])
        if isinstance(node, ast.Call) and _tail(node.func) == "len" and node.args:
            return self.param_of(node.args[0])
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) \
                and node.value.attr == "shape" and _const_int(node.slice) == 0:
            return self.param_of(node.value.value)
        if isinstance(node, ast.Attribute) and node.attr == "size":
            return self.param_of(node.value)
        return None

    def ndim_of(self, node: ast.expr) -> str | None:
        """``len(p.shape)`` or ``p.ndim``: the parameter whose number of dimensions it is."""
        if isinstance(node, ast.Call) and _tail(node.func) == "len" and node.args \
                and isinstance(node.args[0], ast.Attribute) and node.args[0].attr == "shape":
            return self.param_of(node.args[0].value)
        if isinstance(node, ast.Attribute) and node.attr == "ndim":
            return self.param_of(node.value)
        if isinstance(node, ast.Call) and _tail(node.func) == "ndim" and node.args:
            return self.param_of(node.args[0])
        return None

    def axis_length_of(self, node: ast.expr) -> tuple[str, int] | None:
        """``p.shape[k]`` (k > 0): the parameter and the axis."""
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) \
                and node.value.attr == "shape":
            k, p = _const_int(node.slice), self.param_of(node.value.value)
            if k is not None and k > 0 and p is not None:
                return p, k
        return None

    def int_value(self, node: ast.expr | None) -> int | None:
        """A constant int, an int attribute the constructor sets (``self.n``), or
        ``+ - * //`` of those."""
        if node is None:
            return None
        k = _const_int(node)
        if k is not None:
            return k
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "self":
            v = self.constants.get(f"int:self.{node.attr}")
            return v[0] if v else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult,
                                                                ast.FloorDiv)):
            a, b = self.int_value(node.left), self.int_value(node.right)
            if a is None or b is None or (isinstance(node.op, ast.FloorDiv) and b == 0):
                return None
            if isinstance(node.op, ast.Add):
                return a + b
            if isinstance(node.op, ast.Sub):
                return a - b
            return a * b if isinstance(node.op, ast.Mult) else a // b
        return None

    def part_width(self, node: ast.expr) -> int | None:
        """``x[2 * self.n:]`` next to ``x[:self.n]``: a vector packed in parts of a counted
        width; the last part is as wide as the others (``self.n``)."""
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            for count, width in ((node.left, node.right), (node.right, node.left)):
                if _const_int(count) is not None and _const_int(width) is None:
                    return self.int_value(width)
            return None
        if _const_int(node) is None:
            return self.int_value(node)
        return None

    def visit_Compare(self, node: ast.Compare) -> None:
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            for a, b in ((node.left, node.comparators[0]), (node.comparators[0], node.left)):
                p, n = self.length_of(a), self.int_value(b)
                text = _short(ast.unparse(node))
                if p is not None and n is not None and n > 0 \
                        and not (isinstance(a, ast.Attribute) and a.attr == "size"):
                    self.array(p, text)
                    self.ev[p].exact0 = n
                    self.ev[p].axis(0, n)
                q = self.ndim_of(a)
                if q is not None and n is not None and n > 0:  # if x.ndim != 2: raise
                    self.array(q, text, n)
                    self.ev[q].exact_ndim = n
                axis = self.axis_length_of(a)
                if axis is not None and n is not None and n > 0:  # if x.shape[1] != 2
                    self.array(axis[0], text, axis[1] + 1)
                    self.ev[axis[0]].exact_axes[axis[1]] = n
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=False):
            for a, b in ((left, right), (right, left)):
                p = a.id if isinstance(a, ast.Name) and a.id in self.ev else None
                if p is None:
                    continue
                if isinstance(op, (ast.Is, ast.IsNot)) and isinstance(b, ast.Constant) \
                        and b.value is None:
                    self.ev[p].kinds.add("none")
                elif isinstance(b, ast.Constant) and isinstance(b.value, str):
                    self.ev[p].kinds.add("str")
                    self.ev[p].strings.append(b.value)
                elif isinstance(op, (ast.In, ast.NotIn)) and isinstance(b, (ast.Tuple,
                                                                             ast.List, ast.Set)):
                    strs = [e.value for e in b.elts
                            if isinstance(e, ast.Constant) and isinstance(e.value, str)]
                    if strs:
                        self.ev[p].kinds.add("str")
                        self.ev[p].strings.extend(strs)
            left = right
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        p = self.param_of(node.value)
        index = node.slice
        if p is not None:
            ev = self.ev[p]
            text = ast.unparse(node)
            if isinstance(index, ast.Constant) and isinstance(index.value, str):
                ev.kinds.add("mapping")
                ev.strings.append(index.value)
                ev.say(text)
            else:
                self.array(p, text)
                self.index(ev, index)
        elif isinstance(node.value, ast.Name) and not (
                isinstance(index, ast.Constant) and isinstance(index.value, str)):
            # xx = x / x_break; xx[i]: the value indexed is an array, so is x
            self.need_array(node.value, _short(ast.unparse(node)), _index_ndim(index))
        axis = self.axis_length_of(node)
        if axis is not None:  # X.shape[1]: X has two dimensions at least
            self.array(axis[0], ast.unparse(node), axis[1] + 1)
        # a parameter used as an index is an int (or a mask)
        parts = index.elts if isinstance(index, ast.Tuple) else [index]
        for part in parts:
            if isinstance(part, ast.Name) and part.id in self.ev and p != part.id:
                self.ev[part.id].kinds.update(("int", "index"))
                self.ev[part.id].say(ast.unparse(node))
        self.generic_visit(node)

    def index(self, ev: _Evidence, index: ast.expr) -> None:
        parts = index.elts if isinstance(index, ast.Tuple) else [index]
        parts = [q for q in parts if not (isinstance(q, ast.Constant) and q.value is None)]
        if len(parts) > 1:
            ev.only_int_index = False
        for axis, part in enumerate(parts):
            if isinstance(part, ast.Constant) and part.value is Ellipsis:
                ev.only_int_index = False
                break
            k = _const_int(part)
            if k is not None:
                ev.axis(axis, k + 1 if k >= 0 else -k)
            elif isinstance(part, ast.Slice):
                ev.only_int_index = False
                lo = self.int_value(part.lower) if part.lower is not None else 0
                hi = self.int_value(part.upper)
                need = _slice_min_length(lo, hi)
                width = self.part_width(part.lower) if part.lower is not None \
                    and part.upper is None else None
                if width and lo is not None and lo > 0:
                    need = max(need, lo + width)
                ev.axis(axis, need)
            else:
                ev.only_int_index = False
                ev.axis(axis, 1)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        p = self.param_of(node.value)
        text = f"{_short(ast.unparse(node.value))}.{node.attr}"
        if p is not None and node.attr in _ARRAY_ATTRS:
            # X.T: a transpose is written for matrices
            self.array(p, text, 2 if node.attr == "T" else 1)
            if node.attr in ("shape", "size", "sum", "mean", "prod", "ravel", "flatten"):
                self.ev[p].generic = True
        elif p is None and node.attr in _NEEDS_ARRAY_ATTRS:
            self.need_array(node.value, text)  # y = c * np.exp(-t); y.reshape(...)
        self.generic_visit(node)

    def reshape(self, p: str, args: list[ast.expr]) -> None:
        """``p.reshape((2, 3))``: p holds 6 values; ``p.reshape(-1, 2)``: a multiple of 2."""
        if len(args) == 1 and isinstance(args[0], (ast.Tuple, ast.List)):
            args = list(args[0].elts)
        dims = [self.int_value(a) for a in args]
        if not dims or any(d is None for d in dims):
            return
        size = 1
        for d in dims:
            if d > 0:  # type: ignore[operator]
                size *= d  # type: ignore[operator]
        if size > 1 and -1 in dims:
            self.ev[p].multiple = _lcm(self.ev[p].multiple, size)
        elif size > 1:  # x.reshape(self.n): exactly that many values
            self.ev[p].size = size

    def visit_BinOp(self, node: ast.BinOp) -> None:
        for side in (node.left, node.right):
            p = self.param_of(side)
            if p is not None:
                self.ev[p].numeric_use = True
        if isinstance(node.op, ast.MatMult):
            self.matmul(node.left, node.right, ast.unparse(node))
        self.generic_visit(node)

    def matmul(self, left: ast.expr, right: ast.expr, text: str) -> None:
        lp, rp = self.param_of(left), self.param_of(right)
        ls, rs = self.const_shape(left), self.const_shape(right)
        if rp is not None and ls is not None and len(ls) >= 1:
            self.array(rp, text)
            self.ev[rp].fixed = (ls[-1],)
        if lp is not None and rs is not None and len(rs) >= 1:
            self.array(lp, text)
            self.ev[lp].fixed = (rs[0],)
        if lp is not None and lp == rp:
            self.array(lp, text)
        elif lp is not None and rp is not None:
            self.array(lp, text, 2)
            self.array(rp, text)
            self.products.append((lp, rp))

    def visit_Call(self, node: ast.Call) -> None:
        name = _tail(node.func)
        args = node.args
        first = self.param_of(args[0]) if args else None
        text = _short(ast.unparse(node))
        if isinstance(node.func, ast.Name) and node.func.id in self.ev:
            self.ev[node.func.id].kinds.add("callable")
            self.ev[node.func.id].say(text)
        if isinstance(node.func, ast.Attribute) and name not in _ARRAY_ATTRS:
            owner = self.param_of(node.func.value)
            if owner is not None:
                self.ev[owner].kinds.add("object")
                self.ev[owner].say(text)
        callee = ast.unparse(node.func) if isinstance(node.func, (ast.Name, ast.Attribute)) \
            else ""
        for i, a in enumerate(args):
            if isinstance(a, ast.Starred):  # g(z, *params): params fills g's *args
                q = self.param_of(a.value)
                if q is not None and callee:
                    self.calls.append((callee, "*", q))
                continue
            q = self.param_of(a)
            if q is not None and callee:
                self.calls.append((callee, i, q))
            elif callee and isinstance(a, ast.Name) and a.id in self.derived \
                    and a.id not in self.opaque and self.derived[a.id]:
                self.pending_calls.append((callee, i, self.derived[a.id]))
        for kw in node.keywords:
            q = self.param_of(kw.value) if kw.arg else None
            if q is not None and callee:
                self.calls.append((callee, kw.arg, q))  # type: ignore[arg-type]
        builtin = isinstance(node.func, ast.Name) and node.func.id not in self.alias
        if builtin and (name in _ITERATING or (name in ("max", "min") and len(args) == 1)):
            # enumerate(coeffs), zip(a, b), sum(p), max(p): what is iterated is a sequence
            for a in args[_ITERATING.get(name, slice(0, 1))]:
                self.iterated(a)
        if name in ("len",) and first is not None:
            self.array(first, text)
            self.ev[first].generic = True
        elif name == "int" and isinstance(node.func, ast.Name) and first is not None:
            self.ev[first].kinds.add("int")
            self.ev[first].say(text)
        elif name == "float" and builtin and first is not None:
            self.scalar(first, text)
        elif isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                and node.func.value.id in _SCALAR_MODULES:
            for a in args:  # math.exp(p): a number, not an array
                q = self.param_of(a)
                if q is not None:
                    self.scalar(q, text)
        elif name == "reshape" and isinstance(node.func, ast.Attribute) \
                and self.param_of(node.func.value) is not None:
            self.reshape(self.param_of(node.func.value), args)  # type: ignore[arg-type]
        elif name in _SIZE_FUNCS and args:
            for a in args[:3] if name in ("range", "arange") else args[:1]:
                q = a.id if isinstance(a, ast.Name) and a.id in self.ev else None
                if q is not None:
                    self.ev[q].kinds.update(("int", "size"))
                    self.ev[q].say(text)
        elif name in ("dot", "matmul") and isinstance(node.func, ast.Attribute) \
                and len(args) >= 2:
            self.matmul(args[0], args[1], text)
        elif name == "dot" and isinstance(node.func, ast.Attribute) and len(args) == 1:
            self.matmul(node.func.value, args[0], text)  # X.dot(w) is X @ w
        elif name in _MATRIX_FUNCS and first is not None:
            self.array(first, text, 2)
            self.ev[first].kinds.add("square")
        elif name in _ARRAY_FUNCS and isinstance(node.func, ast.Attribute):
            for a in args:
                q = self.param_of(a)
                if q is not None:
                    self.array(q, text)
                    self.ev[q].generic = True
            if args and name in _REDUCTIONS and first is None:
                # np.sum(x ** 2): what is reduced is an array, so is the one name it is
                # made of (np.sum(c / (x - i)) may reduce the constant i instead)
                names = {sub.id for sub in ast.walk(args[0]) if isinstance(sub, ast.Name)}
                names -= {"np", "numpy", "math", "xp"}
                if len(names) == 1:
                    q = self.alias.get(names.pop())
                    if q is not None and not self.ev[q].kinds & {"int", "str", "flag"}:
                        self.array(q, text)
            axis = next((k.value for k in node.keywords if k.arg == "axis"), None)
            if axis is None and len(args) >= 2 and name in ("sum", "mean", "prod", "max",
                                                             "min", "std", "var"):
                axis = args[1]
            k = _const_int(axis) if isinstance(axis, ast.expr) else None
            if args and k is not None:  # np.linalg.norm(e, axis=0): e has an axis 0
                self.need_array(args[0], text, k + 1 if k >= 0 else -k)
        if isinstance(node.func, ast.Attribute) and name in _REDUCTIONS | {"cumsum", "argmax",
                                                                          "argmin"}:
            axis = next((kw.value for kw in node.keywords if kw.arg == "axis"), None)
            k = _const_int(axis) if axis is not None else None
            if k is not None and not (isinstance(node.func.value, ast.Name)
                                      and node.func.value.id in ("np", "numpy", "xp")):
                self.need_array(node.func.value, text, k + 1 if k >= 0 else -k)
        for a in args:
            q = self.param_of(a)
            if q is not None:
                self.ev[q].numeric_use = True
        self.generic_visit(node)


def _number(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
        and not isinstance(node.value, bool)


def _lcm(a: int, b: int) -> int:
    return a * b // math.gcd(a, b)


def _index_ndim(index: ast.expr) -> int:
    """How many axes ``a[index]`` reads at least: ``a[i]`` 1, ``a[1:-1, 1:-1]`` 2."""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    return max(1, sum(1 for q in parts if not (isinstance(q, ast.Constant)
                                              and q.value in (None, Ellipsis))))


def _short(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


_DOC_TYPE = re.compile(r"^\s*(\w+)\s*:\s*(.+?)\s*$")


def doc_types(doc: str | None) -> dict[str, str]:
    """``name : array_like`` lines of a numpydoc "Parameters" section -> what the
    body's use does not say: "array", "int", "bool", "str" or "scalar"."""
    out: dict[str, str] = {}
    for line in (doc or "").splitlines():
        m = _DOC_TYPE.match(line)
        if not m:
            continue
        kind = m.group(2).lower()
        if re.match(r"(array[_ -]?like|(np\.|numpy\.)?ndarray|array\b|1d array|"
                    r"sequence of float|list of float)", kind):
            out.setdefault(m.group(1), "array")
        elif re.match(r"int\b", kind):
            out.setdefault(m.group(1), "int")
        elif re.match(r"bool\b", kind):
            out.setdefault(m.group(1), "bool")
        elif re.match(r"str\b", kind):
            out.setdefault(m.group(1), "str")
        elif re.match(r"float\b", kind):
            out.setdefault(m.group(1), "scalar")
    return out


def infer(
    fn: ast.FunctionDef | ast.AsyncFunctionDef,
    constants: dict[str, tuple[int, ...]] | None = None,
    skip_first: bool = False,
    calls: list[tuple[str, int | str, str]] | None = None,
    documented: dict[str, str] | None = None,
) -> dict[str, Shape]:
    """What each parameter must be, from how ``fn``'s body uses it (see the module
    docstring). ``constants``: shapes of module constants (``"A"``) and of literal
    attributes set in the class (``"self.A"``). ``skip_first``: a method's ``self``."""
    a = fn.args
    args = a.posonlyargs + a.args + a.kwonlyargs
    if skip_first and args:
        args = args[1:]
    names = [x.arg for x in args]
    if a.vararg:
        names.append(a.vararg.arg)
    if a.kwarg:
        names.append(a.kwarg.arg)
    local_names = {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs}  # self too
    for n in ast.walk(fn):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            local_names.add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            local_names.add(n.name)
        elif isinstance(n, ast.Lambda):
            local_names.update(x.arg for x in n.args.args)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            local_names.update((x.asname or x.name).split(".")[0] for x in n.names)
    reader = _Reader(names, constants or {}, local_names)
    for stmt in fn.body:
        reader.visit(stmt)
    reader.settle()
    positional = a.posonlyargs + a.args
    defaults = dict(zip([x.arg for x in positional[len(positional) - len(a.defaults):]],
                        a.defaults, strict=False))
    defaults.update({x.arg: d for x, d in zip(a.kwonlyargs, a.kw_defaults, strict=False) if d})
    out: dict[str, Shape] = {}
    for i, arg in enumerate(args):
        ev = reader.ev[arg.arg]
        none_default = isinstance(defaults.get(arg.arg), ast.Constant) \
            and defaults[arg.arg].value is None  # type: ignore[union-attr]
        if "none" in ev.kinds and i == 0 and not none_default:
            ev.kinds.discard("none")  # the main argument is not made None
        out[arg.arg] = _decide(arg.arg, ev, arg.annotation)
        said = (documented or {}).get(arg.arg)
        if said and out[arg.arg].kind == "scalar" and not out[arg.arg].why:
            if said == "array":
                out[arg.arg] = Shape("array", (DEFAULT_LENGTH,), why=f"{arg.arg} : array_like")
            elif said in ("int", "bool", "str"):
                out[arg.arg] = Shape(said, value={"int": 3, "bool": True, "str": "a"}[said],
                                     why=f"{arg.arg} : {said}")  # type: ignore[arg-type]
    if a.vararg:
        ev = reader.ev[a.vararg.arg]
        # sum(args), for v in args: any number of values would do, so none is made up
        # (the card says *args got none); a, b = args or args[1] says how many
        if ev.lengths or ev.exact0 is not None:
            ev.generic = False  # args[0]: one value is passed, len(args) is not a vector's
            out[a.vararg.arg] = _decide(a.vararg.arg, ev, None)
        elif not ev.generic:
            out[a.vararg.arg] = _decide(a.vararg.arg, ev, None)
        else:
            out[a.vararg.arg] = Shape(why=ev.why[0] if ev.why else "")
    if a.kwarg:
        out[a.kwarg.arg] = _decide(a.kwarg.arg, reader.ev[a.kwarg.arg], None)
    _pair_alike(out)
    for lp, rp in reader.products:  # p @ q: p's columns fit q
        left, right = out.get(lp), out.get(rp)
        if left and right and left.kind == right.kind == "array" and len(left.dims) == 2 \
                and right.dims:
            left.dims = (left.dims[0], right.dims[0])
    if calls is not None:
        calls.extend(reader.calls)
    return out


_ALIKE = ({"a", "b"}, {"1", "2"}, {"0", "1"})


def _pair_alike(out: dict[str, Shape]) -> None:
    """Parameters named as a pair (``ya``/``yb``, ``x1``/``x2``) are the same kind of
    value: two arrays of the same number of dimensions get the larger of each length."""
    names = [n for n, s in out.items() if s.kind == "array" and len(n) > 1]
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if a[:-1] != b[:-1] or {a[-1], b[-1]} not in _ALIKE:
                continue
            sa, sb = out[a], out[b]
            if len(sa.dims) != len(sb.dims) or sa.strict or sb.strict:
                continue
            dims = tuple(max(x, y) for x, y in zip(sa.dims, sb.dims, strict=True))
            sa.dims = sb.dims = dims


def _decide(name: str, ev: _Evidence, annotation: ast.expr | None) -> Shape:
    why = ", ".join(ev.why[:2])
    ann = ast.unparse(annotation) if annotation is not None else ""
    if "none" in ev.kinds:
        return Shape("none", value=None, why=f"{name} is None")
    if ann == "int" or ("int" in ev.kinds and "array" not in ev.kinds):
        # an index only (X[mask, :]) stays inside the arrays it indexes; a count is 3
        value = 1 if "index" in ev.kinds and "size" not in ev.kinds else 3
        return Shape("int", value=value, why=why or ann)
    if ann == "bool":
        return Shape("bool", value=True, why=ann)
    if ann == "str" or ("str" in ev.kinds and "array" not in ev.kinds
                        and "mapping" not in ev.kinds):
        value = ev.strings[0] if ev.strings else "a"
        return Shape("str", value=value, why=why or ann)
    if ev.kinds == {"mapping"}:  # p["a"], p["b"]: a dict of numbers
        return Shape("mapping", value={k: round(0.5 + 0.1 * i, 10)
                                       for i, k in enumerate(dict.fromkeys(ev.strings))},
                     why=why)
    if ev.kinds & {"callable", "mapping"} or ("object" in ev.kinds and "array" not in ev.kinds):
        return Shape("object", why=why)
    if "flag" in ev.kinds and not ev.numeric_use and "array" not in ev.kinds:
        return Shape("bool", value=True, why=f"if {name}:")
    if "array" in ev.kinds or (ann and "array" in ann.lower()):
        strict = ev.exact0 is not None or ev.fixed is not None or _sized(ev)
        exact = strict or (ev.only_int_index and bool(ev.lengths) and ev.ndim == 1
                           and not ev.generic)
        return Shape("array", _dims(ev), why=why or ann, exact=exact, strict=strict)
    if _int_named(name):
        return Shape("int", value=3, why=f"a count named {name}")
    return Shape("scalar", why=why)


def _int_named(name: str) -> bool:
    return name in _INT_NAMES or name.startswith(_INT_PREFIXES)


def _sized(ev: _Evidence) -> bool:
    """``x.reshape(self.n)`` of a vector: its length is that size."""
    return ev.size is not None and ev.exact0 is None and ev.ndim <= 1 \
        and ev.exact_ndim in (None, 1) and ev.size >= max(ev.lengths or [0])


def _fitting_length(at_least: int, multiple: int, square: bool) -> int:
    """The shortest length from ``at_least`` that is a multiple of ``multiple`` and, if
    asked, a perfect square (``x.reshape((n, n))`` with ``n = int(np.sqrt(len(x)))``)."""
    for n in range(at_least, at_least + 10_000):
        if n % multiple == 0 and (not square or math.isqrt(n) ** 2 == n):
            return n
    return at_least


def _dims(ev: _Evidence) -> tuple[int, ...]:
    if ev.fixed is not None and ev.exact_ndim in (None, len(ev.fixed)):
        return ev.fixed
    if _sized(ev):
        return (ev.size,)  # type: ignore[return-value]
    ndim = ev.exact_ndim or max(ev.ndim, 1)
    if "square" in ev.kinds:
        ndim = max(ndim, 2)
    lengths = list(ev.lengths) + [0] * (ndim - len(ev.lengths))
    dims = []
    for axis in range(ndim):
        need = lengths[axis] if axis < len(lengths) else 0
        if axis == 0 and ev.exact0 is not None:
            dims.append(max(ev.exact0, need))
            continue
        if axis in ev.exact_axes:  # if X.shape[1] != 2: raise
            dims.append(ev.exact_axes[axis])
            continue
        if axis == 0 and ev.only_int_index and need and ndim == 1 and not ev.generic:
            dims.append(need)  # x[0], x[1]: exactly what is indexed
            continue
        # x[0] with len(x) too: x[0] is only a minimum, and code that reads any length
        # often divides by N - 1, so the default length (3) is kept
        default = DEFAULT_LENGTH if ndim == 1 else (DEFAULT_MATRIX[axis] if axis < 2 else 2)
        length = max(default, need)
        if axis == 0 and ndim == 1:
            length = _fitting_length(length, ev.multiple, ev.square_length)
        dims.append(length)
    if "square" in ev.kinds and ndim == 2:
        side = max(dims)
        dims = [side, side]
    return tuple(dims)

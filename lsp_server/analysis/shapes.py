"""What each parameter must be for the body to run: read from how the body uses it.

The synthetic point (the SPEC's last rule) is built from these, and so is the static
cost estimate's count of inputs. Nothing runs; every rule reads the AST:

- ``x[0]``, ``x[1]`` -> a vector of length 2 (the largest constant index + 1);
  ``x[1:-1]``, ``x[2:]`` -> a vector long enough for every slice to be non-empty;
- ``a, b = p`` -> a vector of length 2; ``n, m = p.shape`` or ``p[:, k]`` -> 2-D;
- ``A @ w``, ``np.dot(A, w)`` with ``A`` a module constant (or ``self.A`` set to a
  literal array in a method) -> ``w`` fits ``A``; a matrix operation
  (``np.linalg.*``, ``p @ q`` of two parameters, ``np.trace``) -> 2-D;
- ``len(p)``, ``for v in p``, ``p.shape``, ``p.sum()``, ``np.sum(p)`` -> an array;
- ``range(n)``, ``np.zeros(n)``, an index ``x[n]``, ``int`` annotations, counts named
  ``n``/``m``/``k``/``n_*``/``num_*`` -> an int (held, never differentiated);
- ``if flag:`` and nothing else -> a bool; ``p == "mean"`` -> that string;
  ``p is None`` with a ``None`` default -> None (passed through);
- ``p(...)`` (a callable), ``p["key"]`` (a mapping), ``p.attr`` of no array ->
  something no literal can be: the point cannot be made up, and the card says which
  parameter needs a value.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any, Literal

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


def _slice_min_length(s: ast.Slice) -> int:
    """The shortest length for which ``a[lo:hi]`` is not empty."""
    lo = _const_int(s.lower) if s.lower is not None else 0
    hi = _const_int(s.upper) if s.upper is not None else None
    if lo is None:
        lo = 0
    need = lo + 1 if lo >= 0 else -lo
    if hi is not None and hi < 0:
        need = max(need, (lo if lo >= 0 else 0) + 1 - hi)
    elif hi is not None and hi > 0:
        need = max(need, min(hi, lo + 1) if lo >= 0 else 1)
    return max(need, 1)


class _Reader(ast.NodeVisitor):
    def __init__(self, params: list[str], constants: dict[str, tuple[int, ...]]) -> None:
        self.calls: list[tuple[str, int | str, str]] = []  # (callee, position or name, param)
        self.products: list[tuple[str, str]] = []  # p @ q of two parameters
        self.derived: dict[str, set[str]] = {}  # local -> parameters it is computed from
        self.ev = {p: _Evidence() for p in params}
        self.alias: dict[str, str] = {p: p for p in params}
        self.constants = constants  # "A" or "self.A" -> shape

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

    # -- statements ----------------------------------------------------------------
    def derived_from(self, node: ast.AST) -> set[str]:
        """Parameters an expression is computed from (directly, or through locals)."""
        out: set[str] = set()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name):
                if sub.id in self.alias:
                    out.add(self.alias[sub.id])
                out |= self.derived.get(sub.id, set())
        return out

    def store_into(self, target: ast.expr) -> None:
        """``der[ii] = …`` with ``der`` computed from ``mu``: an element of a value made
        from ``mu`` is written, so that value is an array, and so is ``mu``."""
        while isinstance(target, ast.Subscript):
            target = target.value
        if isinstance(target, ast.Name) and target.id not in self.alias:
            for p in self.derived.get(target.id, set()):
                if not self.ev[p].kinds & {"int", "str", "flag", "none"}:
                    self.array(p, f"{target.id}[…] = …")

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Subscript):
            self.store_into(node.target)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        value = node.value
        for t in node.targets:
            if isinstance(t, ast.Subscript):
                self.store_into(t)
            elif isinstance(t, ast.Name) and not isinstance(value, ast.Call):
                self.derived[t.id] = self.derived_from(value)
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
        p = self.param_of(node.iter)
        if p is not None:
            self.array(p, f"for … in {ast.unparse(node.iter)}")
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        p = self.param_of(node.iter)
        if p is not None:
            self.array(p, f"for … in {ast.unparse(node.iter)}")
        self.generic_visit(node)

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

    # -- expressions ---------------------------------------------------------------
    def length_of(self, node: ast.expr) -> str | None:
        """``len(p)`` or ``p.shape[0]``: the parameter whose length it is."""
        if isinstance(node, ast.Call) and _tail(node.func) == "len" and node.args:
            return self.param_of(node.args[0])
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) \
                and node.value.attr == "shape" and _const_int(node.slice) == 0:
            return self.param_of(node.value.value)
        return None

    def int_value(self, node: ast.expr) -> int | None:
        k = _const_int(node)
        if k is not None:
            return k
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "self":
            v = self.constants.get(f"int:self.{node.attr}")
            return v[0] if v else None
        return None

    def visit_Compare(self, node: ast.Compare) -> None:
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            for a, b in ((node.left, node.comparators[0]), (node.comparators[0], node.left)):
                p, n = self.length_of(a), self.int_value(b)
                if p is not None and n is not None and n > 0:
                    self.array(p, _short(ast.unparse(node)))
                    self.ev[p].exact0 = n
                    self.ev[p].axis(0, n)
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
        # a parameter used as an index is an int (or a mask)
        parts = index.elts if isinstance(index, ast.Tuple) else [index]
        for part in parts:
            if isinstance(part, ast.Name) and part.id in self.ev and p != part.id:
                self.ev[part.id].kinds.add("int")
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
                ev.axis(axis, _slice_min_length(part))
            else:
                ev.only_int_index = False
                ev.axis(axis, 1)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        p = self.param_of(node.value)
        if p is not None and node.attr in _ARRAY_ATTRS:
            # X.T: a transpose is written for matrices
            self.array(p, f"{ast.unparse(node.value)}.{node.attr}", 2 if node.attr == "T" else 1)
        self.generic_visit(node)

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
        for kw in node.keywords:
            q = self.param_of(kw.value) if kw.arg else None
            if q is not None and callee:
                self.calls.append((callee, kw.arg, q))  # type: ignore[arg-type]
        if name in ("len",) and first is not None:
            self.array(first, text)
        elif name == "int" and isinstance(node.func, ast.Name) and first is not None:
            self.ev[first].kinds.add("int")
            self.ev[first].say(text)
        elif name in _SIZE_FUNCS and args:
            for a in args[:3] if name in ("range", "arange") else args[:1]:
                q = a.id if isinstance(a, ast.Name) and a.id in self.ev else None
                if q is not None:
                    self.ev[q].kinds.add("int")
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
            if first is not None and k is not None:
                self.array(first, text, k + 1 if k >= 0 else -k)
        for a in args:
            q = self.param_of(a)
            if q is not None:
                self.ev[q].numeric_use = True
        self.generic_visit(node)


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
    reader = _Reader(names, constants or {})
    for stmt in fn.body:
        reader.visit(stmt)
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
        out[a.vararg.arg] = _decide(a.vararg.arg, reader.ev[a.vararg.arg], None)
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
        return Shape("int", value=3, why=why or ann)
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
        strict = ev.exact0 is not None or ev.fixed is not None
        exact = strict or (ev.only_int_index and bool(ev.lengths) and ev.ndim == 1)
        return Shape("array", _dims(ev), why=why or ann, exact=exact, strict=strict)
    if _int_named(name):
        return Shape("int", value=3, why=f"a count named {name}")
    return Shape("scalar", why=why)


def _int_named(name: str) -> bool:
    return name in _INT_NAMES or name.startswith(_INT_PREFIXES)


def _dims(ev: _Evidence) -> tuple[int, ...]:
    if ev.fixed is not None and ev.exact_ndim in (None, len(ev.fixed)):
        return ev.fixed
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
        if axis == 0 and ev.only_int_index and need and ndim == 1:
            dims.append(need)  # x[0], x[1]: exactly what is indexed
            continue
        default = DEFAULT_LENGTH if ndim == 1 else (DEFAULT_MATRIX[axis] if axis < 2 else 2)
        dims.append(max(default, need))
    if "square" in ev.kinds and ndim == 2:
        side = max(dims)
        dims = [side, side]
    return tuple(dims)

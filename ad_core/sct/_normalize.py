"""Python AST -> the normal form of ``_ir`` (one operation per statement).

Only expressions that can carry a derivative (they read a value that depends
on a differentiated argument) are taken apart; everything else (shapes,
counters, conditions, strings, comprehensions over plain data) stays as the
user wrote it, one opaque statement. Constructs that cannot be differentiated
correctly here raise :class:`SourceTransformError` with their line.
"""

from __future__ import annotations

import ast
import copy
import math
import types
from typing import Any

import numpy as np

from . import _ir as ir
from ._errors import SourceTransformError
from ._source import FunctionSource, missing

# Calls whose result carries no derivative whatever their arguments (shapes, counts,
# indices, truth values): their operands need not be taken apart.
_NONDIFF_BUILTINS = {len, range, int, bool, isinstance, type, str, repr, id, hash, callable,
                     print, round, hasattr, getattr, issubclass, format, ord, chr}
_NONDIFF_NUMPY = {np.shape, np.ndim, np.size, np.argmax, np.argmin, np.argsort, np.sign,
                  np.floor, np.ceil, np.rint, np.trunc, np.isnan, np.isinf, np.isfinite,
                  np.isclose, np.allclose, np.any, np.all, np.nonzero, np.count_nonzero,
                  np.zeros_like, np.ones_like, np.empty_like, np.array_equal, np.searchsorted,
                  np.digitize, np.result_type, np.floor_divide, math.floor, math.ceil,
                  math.isnan, math.isinf, math.isfinite, math.isclose, math.trunc}
_NONDIFF_ATTRS = {"shape", "ndim", "size", "dtype", "itemsize", "nbytes"}
# (not ``item``: of a real one-element value it is the identity, derivative 1, not a constant;
# the tape refuses it, and AD Lens's kernel keeps its derivative)
_NONDIFF_METHODS = {"argmax", "argmin", "argsort", "any", "all", "nonzero"}

_UNSUPPORTED_STMT = {
    ast.Try: "try", ast.With: "with", ast.AsyncWith: "async with", ast.Global: "global",
    ast.Nonlocal: "nonlocal", ast.FunctionDef: "an inner def", ast.AsyncFunctionDef:
    "an inner async def", ast.ClassDef: "an inner class", ast.Delete: "del",
    ast.Import: "import inside the function", ast.ImportFrom: "import inside the function",
    ast.AsyncFor: "async for",
}
if hasattr(ast, "TryStar"):
    _UNSUPPORTED_STMT[ast.TryStar] = "try"
if hasattr(ast, "Match"):
    _UNSUPPORTED_STMT[ast.Match] = "match"

_UNSUPPORTED_EXPR = {
    ast.Lambda: "an inner lambda", ast.ListComp: "a list comprehension",
    ast.SetComp: "a set comprehension", ast.DictComp: "a dict comprehension",
    ast.GeneratorExp: "a generator expression", ast.Yield: "yield", ast.YieldFrom: "yield from",
    ast.Await: "await", ast.NamedExpr: "an assignment expression (:=)", ast.Dict: "a dict",
    ast.Set: "a set", ast.Starred: "*unpacking",
}


class NameGen:
    """Fresh names that clash with nothing the user's code (or the output) uses."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)
        self.counters: dict[str, int] = {}

    def fresh(self, base: str, numbered: bool = True) -> str:
        if not numbered and base not in self.taken:
            self.taken.add(base)
            return base
        k = self.counters.get(base, 0)
        while True:
            k += 1
            name = f"{base}{k}"
            if name not in self.taken:
                self.counters[base] = k
                self.taken.add(name)
                return name

    def snapshot(self):
        return set(self.taken), dict(self.counters)

    def restore(self, snap) -> None:
        self.taken, self.counters = set(snap[0]), dict(snap[1])

    def like(self, name: str) -> str:
        """``name`` itself if free, else ``name_2``, ``name_3``..."""
        if name not in self.taken:
            self.taken.add(name)
            return name
        k = 2
        while f"{name}_{k}" in self.taken:
            k += 1
        self.taken.add(f"{name}_{k}")
        return f"{name}_{k}"


def identifiers(node: ast.AST) -> set[str]:
    out = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            out.add(n.id)
        elif isinstance(n, ast.arg):
            out.add(n.arg)
        elif isinstance(n, ast.Attribute):
            out.add(n.attr)
    return out


def local_names(node: ast.FunctionDef | ast.Lambda) -> set[str]:
    """Parameters and every name the body assigns (Python's rule for locals)."""
    a = node.args
    out = {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs}
    if a.vararg:
        out.add(a.vararg.arg)
    if a.kwarg:
        out.add(a.kwarg.arg)
    body = node.body if isinstance(node, ast.FunctionDef) else [node.body]
    for stmt in body:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                out.add(n.id)
    return out


def table_item(e: ast.Subscript, src: FunctionSource, locals_: set[str]
               ) -> tuple[Any, Any, Any] | None:
    """``TABLE[key]`` when both are fixed before the code runs: a global or closure dict,
    list or tuple whose values are all callable (`fixed_table`), and a constant key or a
    global or closure name holding a str or an int: ``(table, key, item)``, else None.
    (The generated code depends on all three: `Program` checks them before reusing it.)"""
    if not isinstance(e.value, ast.Name) or e.value.id in locals_:
        return None
    table = src.lookup(e.value.id)
    if missing(table) or not fixed_table(table):
        return None
    key = e.slice
    if isinstance(key, ast.Constant):
        k = key.value
    elif isinstance(key, ast.Name) and key.id not in locals_:
        k = src.lookup(key.id)
    else:
        return None
    if isinstance(k, bool) or not isinstance(k, (str, int)):
        return None
    try:
        return table, k, table[k]
    except (KeyError, IndexError, TypeError):
        return None


def fixed_table(v: Any) -> bool:
    """A dict, list or tuple of functions (a dispatch table such as ``{"relu": relu,
    "tanh": np.tanh}``): what a call ``TABLE[key](x)`` may go through."""
    if isinstance(v, dict):
        items = list(v.values())
    elif isinstance(v, (list, tuple)):
        items = list(v)
    else:
        return False
    return bool(items) and len(items) <= 10_000 and all(callable(x) for x in items)


def _err(msg: str, node: ast.AST, src: FunctionSource, construct: str | None = None):
    return SourceTransformError(msg, line=getattr(node, "lineno", None), construct=construct,
                                file=src.file)


class Normalizer:
    def __init__(self, src: FunctionSource, varied_params: set[str]) -> None:
        self.src = src
        node = src.node
        self.node = node
        self.locals = local_names(node)
        self.names = NameGen(identifiers(node) | set(src.fn.__code__.co_names))
        self.varied = self._varied_fixpoint(set(varied_params))
        self.early_return = False
        self.result: str | None = None
        self.flag: str | None = None

    # ------------------------------------------------------------ variedness

    def _body(self) -> list[ast.stmt]:
        if isinstance(self.node, ast.Lambda):
            return [ast.Return(value=self.node.body, lineno=self.node.lineno,
                               col_offset=self.node.col_offset)]
        return self.node.body

    def _varied_fixpoint(self, varied: set[str]) -> set[str]:
        """Names that may hold a value depending on a differentiated argument (a
        flow-insensitive over-approximation on the raw AST: only used to leave
        expressions that certainly carry no derivative as the user wrote them)."""
        stmts = [n for s in self._body() for n in ast.walk(s)]
        changed = True
        while changed:
            changed = False
            for n in stmts:
                pairs: list[tuple[ast.AST, ast.AST]] = []
                if isinstance(n, ast.For) and isinstance(n.iter, ast.Call) and \
                        isinstance(n.target, (ast.Tuple, ast.List)) and n.target.elts and \
                        self.static_callee(n.iter.func) is enumerate:
                    # for i, v in enumerate(x): the index i is an integer.
                    pairs = [(t, n.iter) for t in n.target.elts[1:]]
                elif isinstance(n, ast.Assign):
                    pairs = [(t, n.value) for t in n.targets]
                elif isinstance(n, (ast.AugAssign, ast.AnnAssign)) and n.value is not None:
                    pairs = [(n.target, n.value)]
                elif isinstance(n, ast.For):
                    pairs = [(n.target, n.iter)]
                for t, v in pairs:
                    if self.carries(v, varied):
                        for name in ast.walk(t):
                            if isinstance(name, ast.Name) and name.id not in varied:
                                varied.add(name.id)
                                changed = True
        return varied

    def carries(self, e: ast.AST, varied: set[str] | None = None) -> bool:
        varied = self.varied if varied is None else varied
        if isinstance(e, ast.Name):
            return e.id in varied
        if isinstance(e, (ast.Constant, ast.Compare, ast.JoinedStr)):
            return False
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Not):
            return False
        if isinstance(e, ast.Attribute):
            return e.attr not in _NONDIFF_ATTRS and self.carries(e.value, varied)
        if isinstance(e, ast.Subscript):
            return self.carries(e.value, varied)
        if isinstance(e, ast.Call):
            f = self.static_callee(e.func)
            if f is not None and _is_nondiff(f):
                return False
            if isinstance(e.func, ast.Attribute) and e.func.attr in _NONDIFF_METHODS:
                return False
            parts = list(e.args) + [k.value for k in e.keywords]
            if isinstance(e.func, ast.Attribute) and f is None:
                parts.append(e.func.value)
            return any(self.carries(p, varied) for p in parts)
        return any(self.carries(c, varied) for c in ast.iter_child_nodes(e))

    # ------------------------------------------------------------ names

    def static_callee(self, func: ast.expr) -> Any:
        """The object a call's function expression names, when that is fixed: a global or
        closure name, an attribute chain on a module (``np.linalg.norm``), or an item of a
        global or closure table of functions under a key fixed the same way
        (``ACTIVATIONS["relu"]``, ``OPS[name]`` with ``name`` a global or closure string).
        None for a method of a local value or anything computed."""
        if isinstance(func, ast.Subscript):
            return self.table_item(func)
        chain = []
        e = func
        while isinstance(e, ast.Attribute):
            chain.append(e.attr)
            e = e.value
        if not isinstance(e, ast.Name) or e.id in self.locals:
            return None
        obj = self.src.lookup(e.id)
        if missing(obj):
            return None
        for attr in reversed(chain):
            if not isinstance(obj, types.ModuleType) and chain:
                # Only module attributes are fixed; x.method on a global object is not.
                return None
            obj = getattr(obj, attr, None)
            if obj is None:
                return None
        return obj

    def table_item(self, e: ast.Subscript) -> Any:
        found = table_item(e, self.src, self.locals)
        return found[2] if found is not None else None

    def _is_module_attr(self, e: ast.expr) -> bool:
        """``np.pi``, ``np.newaxis``, ``math.e``: a constant read from a module."""
        if not isinstance(e, ast.Attribute):
            return False
        base = e.value
        while isinstance(base, ast.Attribute):
            base = base.value
        if not isinstance(base, ast.Name) or base.id in self.locals:
            return False
        obj = self.src.lookup(base.id)
        return isinstance(obj, types.ModuleType)

    def fresh(self, base: str = "t") -> str:
        name = self.names.fresh(base)
        self.locals.add(name)
        return name

    def like(self, base: str) -> str:
        name = self.names.like(base)
        self.locals.add(name)
        return name

    # ------------------------------------------------------------ function

    def function(self) -> ir.Function:
        node = self.node
        a = node.args
        if a.vararg or a.kwarg:
            which = f"*{a.vararg.arg}" if a.vararg else f"**{a.kwarg.arg}"
            raise _err(f"{which} in the signature is not supported: name the parameters",
                       node, self.src, "*args")
        params = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
        body_ast = self._body()
        if isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                # Decorators change what the name means at run time: the source is not
                # the function that runs.
                raise _err("a decorated function: source transformation reads the "
                           "undecorated body; pass the inner function", deco, self.src,
                           "decorator")
            if body_ast and isinstance(body_ast[0], ast.Expr) and isinstance(
                    body_ast[0].value, ast.Constant) and isinstance(body_ast[0].value.value, str):
                body_ast = body_ast[1:]  # the docstring
        returns = [n for s in body_ast for n in ast.walk(s) if isinstance(n, ast.Return)]
        last = body_ast[-1] if body_ast else None
        self.early_return = any(r is not last for r in returns)
        body: list = []
        if self.early_return:
            self.result = self.like("out")
            self.flag = self.like("returned")
            body.append(ir.Assign(self.result, ast.Constant(None), node.lineno, ir.OPAQUE))
            body.append(ir.Assign(self.flag, ast.Constant(False), node.lineno, ir.OPAQUE))
        stmts, _ = self.block(body_ast, in_loop=False)
        body += stmts
        if self.result is None:  # no return at all: the function returns None
            self.result = self.like("out")
            body.append(ir.Assign(self.result, ast.Constant(None), node.lineno, ir.OPAQUE))
        result = ast.Name(self.result, ast.Load())
        name = "lambda" if isinstance(node, ast.Lambda) else node.name
        return ir.Function(name, params, a, body, result, node.lineno,
                           names=set(self.names.taken), locals=set(self.locals),
                           varied=set(self.varied))

    # ------------------------------------------------------------ statements

    def block(self, stmts: list[ast.stmt], in_loop: bool) -> tuple[list, bool]:
        """(normal form, may return). Statements after a ``return`` are dead; after one
        that may return, the rest runs under ``if not returned``."""
        out: list = []
        any_may = False
        for i, s in enumerate(stmts):
            if isinstance(s, ast.Return):
                out += self.ret(s, in_loop)
                return out, True
            part, may = self.stmt(s, in_loop)
            any_may = any_may or may
            out += part
            rest = stmts[i + 1:]
            if may and rest:
                if in_loop:
                    # A return inside a nested loop broke out of it: break this one too.
                    if isinstance(s, (ast.For, ast.While)):
                        out.append(ir.If(ast.Name(self.flag, ast.Load()), [ir.Break(s.lineno)],
                                         [], s.lineno))
                    tail, _ = self.block(rest, in_loop)
                    out += tail
                    return out, True
                go = self.fresh("t")
                out.append(ir.Assign(go, ast.UnaryOp(ast.Not(), ast.Name(self.flag, ast.Load())),
                                     s.lineno, ir.OPAQUE))
                tail, _ = self.block(rest, in_loop)
                out.append(ir.If(ast.Name(go, ast.Load()), tail, [], s.lineno))
                return out, True
            if may and in_loop and isinstance(s, (ast.For, ast.While)):
                out.append(ir.If(ast.Name(self.flag, ast.Load()), [ir.Break(s.lineno)], [],
                                 s.lineno))
        return out, any_may

    def ret(self, s: ast.Return, in_loop: bool) -> list:
        out: list = []
        value = s.value if s.value is not None else ast.Constant(None)
        if not self.early_return:
            if isinstance(value, ast.Name) and value.id in self.locals:
                self.result = value.id
            else:
                self.result = self.like("out")
                self.expr(value, out, s.lineno, target=self.result)
            return out
        self.expr(value, out, s.lineno, target=self.result)
        out.append(ir.Assign(self.flag, ast.Constant(True), s.lineno, ir.OPAQUE))
        if in_loop:
            out.append(ir.Break(s.lineno))
        return out

    def stmt(self, s: ast.stmt, in_loop: bool) -> tuple[list, bool]:
        line = s.lineno
        for kind, what in _UNSUPPORTED_STMT.items():
            if isinstance(s, kind):
                raise _err(f"{what} is not supported by source transformation", s, self.src,
                           what)
        self._check_exprs(s)
        out: list = []
        if isinstance(s, ast.Assign):
            self.assign(s.targets, s.value, out, line)
        elif isinstance(s, ast.AnnAssign):
            if s.value is not None:
                self.assign([s.target], s.value, out, line)
        elif isinstance(s, ast.AugAssign):
            t = s.target
            if not isinstance(t, ast.Name):
                raise self._target_error(t)
            value = ast.BinOp(ast.Name(t.id, ast.Load()), s.op, s.value)
            ast.copy_location(value, s)
            self.assign([ast.Name(t.id, ast.Store())], value, out, line)
            for x in reversed(out):
                if isinstance(x, ir.Assign) and x.target == t.id:
                    x.aug = True  # the analysis checks that rebinding is what += does
                    break
        elif isinstance(s, ast.If):
            return self.if_(s, in_loop)
        elif isinstance(s, ast.For):
            return self.for_(s, in_loop)
        elif isinstance(s, ast.While):
            return self.while_(s, in_loop)
        elif isinstance(s, ast.Break):
            out.append(ir.Break(line))
        elif isinstance(s, ast.Continue):
            out.append(ir.Continue(line))
        elif isinstance(s, ast.Pass):
            pass
        elif isinstance(s, (ast.Raise, ast.Assert)):
            out.append(ir.Effect(s, line))
        elif isinstance(s, ast.Expr):
            self.expr_stmt(s, out)
        else:
            raise _err(f"{type(s).__name__} is not supported by source transformation", s,
                       self.src, type(s).__name__)
        return out, False

    def _check_exprs(self, s: ast.stmt) -> None:
        """Reject expressions that cannot be taken apart where they carry a derivative;
        the same constructs over plain data are left alone."""
        for child in ast.walk(s):
            for kind, what in _UNSUPPORTED_EXPR.items():
                if isinstance(child, kind) and kind in (ast.Yield, ast.YieldFrom, ast.Await,
                                                        ast.NamedExpr):
                    raise _err(f"{what} is not supported by source transformation", child,
                               self.src, what)

    def _target_error(self, t: ast.expr) -> SourceTransformError:
        if isinstance(t, ast.Subscript):
            return _err("in-place assignment into an array (x[i] = ...) is not supported by "
                        "source transformation: build a new array (np.where, np.concatenate, "
                        "np.stack)", t, self.src, "subscript assignment")
        if isinstance(t, ast.Attribute):
            return _err("attribute assignment (obj.attr = ...) is not supported by source "
                        "transformation", t, self.src, "attribute assignment")
        if isinstance(t, ast.Starred):
            return _err("starred assignment (a, *b = ...) is not supported by source "
                        "transformation", t, self.src, "starred assignment")
        return _err(f"assignment to {type(t).__name__} is not supported", t, self.src,
                    "assignment")

    def expr_stmt(self, s: ast.Expr, out: list) -> None:
        v = s.value
        if isinstance(v, ast.Constant):
            return  # a bare string or number: no effect
        if isinstance(v, ast.Call):
            f = self.static_callee(v.func)
            if f is print:
                out.append(ir.Effect(s, s.lineno, rerun=False))
                return
            if isinstance(v.func, ast.Attribute) and f is None:
                what = ast.unparse(v.func)
                raise _err(f"a call whose result is discarded ({what}(...)) may change a value "
                           "in place, which source transformation does not follow; assign "
                           "the result instead", s, self.src, f"{what}(...)")
            if f is not None and not self.carries(v) and not (
                    isinstance(f, types.FunctionType) and _is_user_function(f)):
                out.append(ir.Effect(s, s.lineno, rerun=False))
                return
        raise _err(f"an expression statement ({ast.unparse(v)[:40]}) whose value is discarded "
                   "is not supported", s, self.src, "expression statement")

    def assign(self, tgts: list[ast.expr], value: ast.expr, out: list, line: int) -> None:
        for t in tgts:
            if not isinstance(t, (ast.Name, ast.Tuple, ast.List)):
                raise self._target_error(t)
            if isinstance(t, (ast.Tuple, ast.List)):
                for e in t.elts:
                    if not isinstance(e, ast.Name):
                        raise self._target_error(e) if not isinstance(e, (ast.Tuple, ast.List))\
                            else _err("nested tuple unpacking is not supported: unpack in two "
                                      "steps", e, self.src, "nested unpacking")
        if len(tgts) == 1 and isinstance(tgts[0], ast.Name):
            self.expr(value, out, line, target=tgts[0].id)
            return
        if len(tgts) == 1 and isinstance(value, (ast.Tuple, ast.List)) and \
                len(value.elts) == len(tgts[0].elts) and not any(
                    isinstance(e, ast.Starred) for e in value.elts):
            # a, b = b, a: evaluate every right-hand side before assigning any name.
            atoms = [self.expr(e, out, line) for e in value.elts]
            names = [e.id for e in tgts[0].elts]
            held = []
            for a in atoms:
                if isinstance(a, ast.Name) and a.id in names:
                    tmp = self.fresh("t")
                    out.append(ir.Assign(tmp, a, line, ir.COPY))
                    a = ast.Name(tmp, ast.Load())
                held.append(a)
            for n, a in zip(names, held):
                out.append(ir.Assign(n, a, line, ir.COPY if self._atom_carries(a)
                                     else ir.OPAQUE))
            return
        src = self.expr(value, out, line)
        if not isinstance(src, ast.Name):
            tmp = self.fresh("t")
            out.append(ir.Assign(tmp, src, line, ir.OPAQUE))
            src = ast.Name(tmp, ast.Load())
        for t in tgts:
            if isinstance(t, ast.Name):
                out.append(ir.Assign(t.id, src, line, ir.COPY if self._atom_carries(src)
                                     else ir.OPAQUE))
            else:
                out.append(ir.Unpack([e.id for e in t.elts], src, line))

    def _atom_carries(self, a: ast.expr) -> bool:
        # A copy of a local may carry a derivative: whether it does is the analysis's call
        # (temporaries made here are not in the syntactic set).
        return isinstance(a, ast.Name) and (a.id in self.varied or a.id in self.locals)

    # ------------------------------------------------------------ control flow

    def test_atom(self, test: ast.expr, out: list, line: int, body: list) -> ast.expr:
        """The condition as an atom; a copy when the branch reassigns its name, so that
        the backward sweep reads the decision that was taken."""
        a = self.expr(test, out, line)
        if isinstance(a, ast.Name) and a.id in ir.assigned(body):
            tmp = self.fresh("t")
            out.append(ir.Assign(tmp, a, line, ir.OPAQUE))
            a = ast.Name(tmp, ast.Load())
        return a

    def if_(self, s: ast.If, in_loop: bool) -> tuple[list, bool]:
        out: list = []
        body, m1 = self.block(s.body, in_loop)
        orelse, m2 = self.block(s.orelse, in_loop)
        test = self.test_atom(s.test, out, s.lineno, body + orelse)
        out.append(ir.If(test, body, orelse, s.lineno))
        return out, m1 or m2

    def while_(self, s: ast.While, in_loop: bool) -> tuple[list, bool]:
        if s.orelse:
            raise _err("while ... else is not supported by source transformation", s,
                       self.src, "while-else")
        cond: list = []
        test = self.expr(s.test, cond, s.lineno)
        body, may = self.block(s.body, True)
        return [ir.While(cond, test, body, s.lineno)], may

    def for_(self, s: ast.For, in_loop: bool) -> tuple[list, bool]:
        if s.orelse:
            raise _err("for ... else is not supported by source transformation", s, self.src,
                       "for-else")
        line = s.lineno
        for n in ast.walk(s.target):
            if not isinstance(n, (ast.Name, ast.Tuple, ast.List, ast.Store)):
                raise self._target_error(n)
        body, may = self.block(s.body, True)
        out: list = []
        if not self.carries(s.iter):
            # Plain data (range(n), a list of settings...): the loop header as written.
            self._check_plain(s.iter)
            out.append(ir.For(s.target, s.iter, body, line))
            return out, may
        # Values that carry a derivative: iterate an index, read the elements as statements.
        k = None
        t = s.target
        if isinstance(s.iter, ast.Call) and self.static_callee(s.iter.func) is enumerate and \
                len(s.iter.args) == 1 and not s.iter.keywords and \
                isinstance(t, (ast.Tuple, ast.List)) and len(t.elts) == 2 and \
                isinstance(t.elts[0], ast.Name):
            k = t.elts[0].id  # for i, v in enumerate(x): i is the index itself
        k = k or self.fresh("k")
        n_expr, reads = self.iteration(s.iter, k, out, line)
        prefix: list = []
        self.bind_target(s.target, reads, prefix, line)
        rng = ast.Call(ast.Name("range", ast.Load()), [n_expr], [])
        out.append(ir.For(ast.Name(k, ast.Store()), rng, prefix + body, line, indexed=True))
        return out, may

    def iteration(self, it: ast.expr, k: str, out: list, line: int):
        """(length expression, element structure) of an iterable that carries a derivative.
        The structure is an ast expression of the k-th element, or a list of them for
        ``zip``/``enumerate``."""
        kk = ast.Name(k, ast.Load())
        if isinstance(it, ast.Call):
            f = self.static_callee(it.func)
            if f is enumerate:
                start = None
                if len(it.args) == 2:
                    start = it.args[1]
                for kw in it.keywords:
                    if kw.arg == "start":
                        start = kw.value
                n, elem = self.iteration(it.args[0], k, out, line)
                idx = kk if start is None else ast.BinOp(kk, ast.Add(),
                                                         self.expr(start, out, line))
                return n, [idx, elem]
            if f is zip:
                parts = [self.iteration(a, k, out, line) for a in it.args]
                n = ast.Call(ast.Name("min", ast.Load()), [p[0] for p in parts], []) \
                    if len(parts) > 1 else parts[0][0]
                return n, [p[1] for p in parts]
            if f is reversed and len(it.args) == 1:
                n, elem = self.iteration(it.args[0], k, out, line)
                if not isinstance(elem, ast.Subscript):
                    raise _err("reversed() of this iterable is not supported", it, self.src,
                               "reversed")
                rev = ast.BinOp(ast.BinOp(n, ast.Sub(), ast.Constant(1)), ast.Sub(), kk)
                return n, ast.Subscript(elem.value, rev, ast.Load())
        seq = self.expr(it, out, line)
        if not isinstance(seq, ast.Name):
            tmp = self.fresh("t")
            out.append(ir.Assign(tmp, seq, line, ir.OPAQUE))
            seq = ast.Name(tmp, ast.Load())
        n = ast.Call(ast.Name("len", ast.Load()), [seq], [])
        return n, ast.Subscript(seq, kk, ast.Load())

    def bind_target(self, target: ast.expr, elem, out: list, line: int) -> None:
        if isinstance(target, ast.Name):
            if isinstance(elem, ast.Name) and elem.id == target.id:
                return  # the index itself
            if isinstance(elem, list):
                atoms = [self._element(e, out, line) for e in elem]
                out.append(ir.Assign(target.id, ast.Tuple(atoms, ast.Load()), line, ir.PACK))
            else:
                self._element(elem, out, line, target=target.id)
            return
        names = target.elts
        if isinstance(elem, list):
            if len(elem) != len(names):
                raise _err("the loop target does not match the iterable's structure", target,
                           self.src, "for target")
            for t, e in zip(names, elem):
                self.bind_target(t, e, out, line)
            return
        tmp = self._element(elem, out, line)
        if any(not isinstance(t, ast.Name) for t in names):
            raise _err("nested unpacking in a loop target over arrays is not supported", target,
                       self.src, "nested unpacking")
        out.append(ir.Unpack([t.id for t in names], tmp, line))

    def _element(self, e: ast.expr, out: list, line: int, target: str | None = None):
        if isinstance(e, ast.Name) and target is None:
            return e
        if isinstance(e, ast.Subscript) and not self.is_atom(e.slice):
            j = self.fresh("j")  # reversed(): the index counts down, in plain integers
            out.append(ir.Assign(j, e.slice, line, ir.OPAQUE))
            e = ast.Subscript(e.value, ast.Name(j, ast.Load()), ast.Load())
        kind = ir.OP if self.carries(e) else ir.OPAQUE
        if isinstance(e, ast.BinOp):  # an enumerate index k + start: plain integers
            kind = ir.OPAQUE
        t = target or self.fresh("t")
        out.append(ir.Assign(t, e, line, kind))
        return ast.Name(t, ast.Load())

    # ------------------------------------------------------------ expressions

    def is_atom(self, e: ast.expr) -> bool:
        if isinstance(e, (ast.Name, ast.Constant)):
            return True
        if isinstance(e, (ast.Tuple, ast.List)) and all(_literal(x) for x in e.elts):
            return True  # axis=(0, 2), axes=([0], [1]): constants, read while transforming
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, (ast.USub, ast.UAdd)) and \
                isinstance(e.operand, ast.Constant):
            return True
        return self._is_module_attr(e)

    def expr(self, e: ast.expr, out: list, line: int, target: str | None = None) -> ast.expr:
        """Emit statements computing ``e`` into ``out``; return an atom for it (or, with
        ``target``, assign it to that name and return the name)."""
        if self.is_atom(e):
            if target is None:
                return e
            kind = ir.COPY if self._atom_carries(e) else ir.OPAQUE
            out.append(ir.Assign(target, e, line, kind))
            return ast.Name(target, ast.Load())
        if not self.carries(e):
            self._check_plain(e)
            t = target or self.fresh("t")
            out.append(ir.Assign(t, e, line, ir.OPAQUE))
            return ast.Name(t, ast.Load())
        value, kind, callee = self.operation(e, out, line)
        if kind is None:  # lowered into statements that already assigned an atom
            if target is None:
                return value
            out.append(ir.Assign(target, value, line, ir.COPY))
            return ast.Name(target, ast.Load())
        t = target or self.fresh("t")
        if kind != ir.COMPARE:
            self.varied.add(t)
        out.append(ir.Assign(t, value, line, kind, callee))
        return ast.Name(t, ast.Load())

    def _check_plain(self, e: ast.expr) -> None:
        for n in ast.walk(e):
            if isinstance(n, (ast.Yield, ast.YieldFrom, ast.Await, ast.NamedExpr)):
                raise _err(f"{_UNSUPPORTED_EXPR[type(n)]} is not supported", n, self.src,
                           _UNSUPPORTED_EXPR[type(n)])

    def operation(self, e: ast.expr, out: list, line: int):
        """(value, kind, callee) for an expression that carries a derivative: its operands
        become atoms. kind None: already lowered, value is an atom."""
        for kind, what in _UNSUPPORTED_EXPR.items():
            if isinstance(e, kind):
                raise _err(f"{what} over values that carry a derivative is not supported by "
                           "source transformation; write a loop", e, self.src, what)
        if isinstance(e, ast.BinOp):
            a = self.expr(e.left, out, line)
            b = self.expr(e.right, out, line)
            return ast.BinOp(a, e.op, b), ir.OP, None
        if isinstance(e, ast.UnaryOp):
            a = self.expr(e.operand, out, line)
            return ast.UnaryOp(e.op, a), ir.OP, None
        if isinstance(e, ast.Compare):
            a = self.expr(e.left, out, line)
            rest = [self.expr(c, out, line) for c in e.comparators]
            return ast.Compare(a, e.ops, rest), ir.COMPARE, None
        if isinstance(e, ast.IfExp):
            return self.ifexp(e, out, line), None, None
        if isinstance(e, ast.BoolOp):
            return self.boolop(e, out, line), None, None
        if isinstance(e, ast.Attribute):
            a = self.expr(e.value, out, line)
            return ast.Attribute(a, e.attr, ast.Load()), ir.OP, None
        if isinstance(e, ast.Subscript):
            a = self.expr(e.value, out, line)
            return ast.Subscript(a, self.index(e.slice, out, line), ast.Load()), ir.OP, None
        if isinstance(e, (ast.Tuple, ast.List)):
            atoms = [self.expr(x, out, line) for x in e.elts]
            return ast.Tuple(atoms, ast.Load()), ir.PACK, None
        if isinstance(e, ast.Call):
            return self.call(e, out, line)
        raise _err(f"{type(e).__name__} is not supported by source transformation", e, self.src,
                   type(e).__name__)

    def index(self, s: ast.expr, out: list, line: int) -> ast.expr:
        if isinstance(s, ast.Tuple):
            return ast.Tuple([self.index(x, out, line) for x in s.elts], ast.Load())
        if isinstance(s, ast.Slice):
            parts = [None if p is None else self.expr(p, out, line)
                     for p in (s.lower, s.upper, s.step)]
            return ast.Slice(*parts)
        if isinstance(s, ast.List) and all(isinstance(x, ast.Constant) for x in s.elts):
            return s
        if self.carries(s):
            raise _err("an index computed from values that carry a derivative", s, self.src,
                       "traced index")
        return self.expr(s, out, line)

    def args(self, args: list[ast.expr], out: list, line: int) -> list[ast.expr]:
        res = []
        for a in args:
            if isinstance(a, ast.Starred):
                raise _err("*args in a call is not supported by source transformation", a,
                           self.src, "*args")
            if isinstance(a, (ast.List, ast.Tuple)) and self.carries(a):
                # np.stack([a, b]): a list of atoms stays an argument, not a value.
                res.append(type(a)([self.expr(x, out, line) for x in a.elts], ast.Load()))
            else:
                res.append(self.expr(a, out, line))
        return res

    def call(self, e: ast.Call, out: list, line: int):
        f = self.static_callee(e.func)
        if any(k.arg is None for k in e.keywords):
            raise _err("**kwargs in a call is not supported by source transformation", e,
                       self.src, "**kwargs")
        if f is max or f is min:
            return self.minmax(e, f, out, line), None, None
        if f is sum and len(e.args) in (1, 2) and not e.keywords and isinstance(
                e.args[0], (ast.GeneratorExp, ast.ListComp)) and len(e.args[0].generators) == 1:
            return self.sum_loop(e, out, line), None, None
        if f is sum and len(e.args) == 1 and isinstance(e.args[0], (ast.List, ast.Tuple)):
            acc: ast.expr = ast.Constant(0)
            for x in e.args[0].elts:
                acc = ast.BinOp(acc, ast.Add(), x)
            return self.expr(acc, out, line), None, None
        args = self.args(e.args, out, line)
        kws = [ast.keyword(k.arg, self.args([k.value], out, line)[0]) for k in e.keywords]
        if isinstance(f, types.FunctionType) and _is_user_function(f):
            return ast.Call(e.func, args, kws), ir.CALL, f
        if f is None:
            if isinstance(e.func, ast.Attribute) and e.func.attr == "tolist" \
                    and self.carries(e.func.value):
                # a list of the elements: the transformer has no list values to give
                # adjoints to (staged, its derivative came out silently zero)
                raise _err(".tolist() of a value that depends on the input is not "
                           "supported by source transformation", e, self.src, ".tolist()")
            if isinstance(e.func, ast.Attribute):
                recv = self.expr(e.func.value, out, line)
                func = ast.Attribute(recv, e.func.attr, ast.Load())
                return ast.Call(func, args, kws), ir.OP, None
            name = ast.unparse(e.func)
            raise _err(f"a call through {name!r}, whose function is not known before the "
                       "code runs (a parameter or a local variable), is not supported by "
                       "source transformation", e, self.src, "indirect call")
        return ast.Call(e.func, args, kws), ir.OP, None

    def sum_loop(self, e: ast.Call, out: list, line: int) -> ast.expr:
        """``sum(expr for v in it if c)``: a loop adding into a fresh accumulator (the
        comprehension's names renamed, as they are private to it in Python)."""
        comp = e.args[0]
        gen = comp.generators[0]
        if gen.is_async:
            raise _err("async comprehension", comp, self.src, "async comprehension")
        rename = {}
        for n in ast.walk(gen.target):
            if isinstance(n, ast.Name):
                rename[n.id] = self.fresh(n.id + "_")
        carries = self.carries(gen.iter)
        if carries:
            self.varied |= set(rename.values())

        class Rename(ast.NodeTransformer):
            def visit_Name(self, n):
                if n.id in rename:
                    return ast.copy_location(ast.Name(rename[n.id], n.ctx), n)
                return n

        def fix(node):
            return Rename().visit(copy.deepcopy(node))

        acc = self.fresh("t")
        self.varied.add(acc)
        start = e.args[1] if len(e.args) == 2 else ast.Constant(0)
        self.expr(start, out, line, target=acc)
        body: ast.stmt = ast.Assign([ast.Name(acc, ast.Store())],
                                    ast.BinOp(ast.Name(acc, ast.Load()), ast.Add(), fix(comp.elt)),
                                    lineno=line, col_offset=0)
        for cond in reversed(gen.ifs):
            body = ast.If(fix(cond), [body], [], lineno=line, col_offset=0)
        loop = ast.For(fix(gen.target), gen.iter, [body], [], lineno=line, col_offset=0)
        stmts, _ = self.for_(loop, in_loop=True)
        out += stmts
        return ast.Name(acc, ast.Load())

    def minmax(self, e: ast.Call, f, out: list, line: int) -> ast.expr:
        """Built-in max(a, b, ...) returns the first of the largest: a chain of choices."""
        if len(e.args) < 2 or e.keywords:
            raise _err(f"{f.__name__}() of an iterable that carries a derivative: use "
                       f"np.{f.__name__}(...) or {f.__name__}(a, b)", e, self.src,
                       f"{f.__name__}()")
        best = self.expr(e.args[0], out, line)
        for other in e.args[1:]:
            o = self.expr(other, out, line)
            cmp = ast.Gt() if f is max else ast.Lt()
            t = self.fresh("t")
            c = self.fresh("t")
            out.append(ir.Assign(c, ast.Compare(o, [cmp], [best]), line, ir.COMPARE))
            out.append(ir.If(ast.Name(c, ast.Load()),
                             [ir.Assign(t, o, line, self._copy_kind(o))],
                             [ir.Assign(t, best, line, self._copy_kind(best))], line))
            self.varied.add(t)
            best = ast.Name(t, ast.Load())
        return best

    def _copy_kind(self, a: ast.expr) -> str:
        return ir.COPY if self._atom_carries(a) else ir.OPAQUE

    def ifexp(self, e: ast.IfExp, out: list, line: int) -> ast.expr:
        t = self.fresh("t")
        self.varied.add(t)
        body: list = []
        self.expr(e.body, body, line, target=t)
        orelse: list = []
        self.expr(e.orelse, orelse, line, target=t)
        test = self.expr(e.test, out, line)
        out.append(ir.If(test, body, orelse, line))
        return ast.Name(t, ast.Load())

    def boolop(self, e: ast.BoolOp, out: list, line: int) -> ast.expr:
        t = self.fresh("t")
        self.varied.add(t)
        self.expr(e.values[0], out, line, target=t)
        for v in e.values[1:]:
            rest: list = []
            self.expr(v, rest, line, target=t)
            test = ast.Name(t, ast.Load())
            if isinstance(e.op, ast.Or):
                nt = self.fresh("t")
                out.append(ir.Assign(nt, ast.UnaryOp(ast.Not(), test), line, ir.OPAQUE))
                test = ast.Name(nt, ast.Load())
            out.append(ir.If(test, rest, [], line))
        return ast.Name(t, ast.Load())


def _literal(e: ast.expr) -> bool:
    if isinstance(e, ast.Constant):
        return True
    if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.USub):
        return isinstance(e.operand, ast.Constant)
    if isinstance(e, (ast.Tuple, ast.List)):
        return all(_literal(x) for x in e.elts)
    return False


def _is_nondiff(f: Any) -> bool:
    try:
        return f in _NONDIFF_BUILTINS or f in _NONDIFF_NUMPY
    except TypeError:  # unhashable
        return False


_LIBRARY_ROOTS = ("numpy", "math", "ad_core", "scipy", "builtins", "torch", "jax")


def _is_user_function(f: types.FunctionType) -> bool:
    """A function to transform with its caller (not a library function: NumPy's
    Python-level functions, ad_core.math... are operations the table knows)."""
    mod = getattr(f, "__module__", None) or ""
    return mod.split(".")[0] not in _LIBRARY_ROOTS


def normalize(src: FunctionSource, varied_params: set[str]) -> ir.Function:
    """The normal form of ``src`` for the given differentiated parameters."""
    return Normalizer(src, varied_params).function()


"""AST -> SymPy, by abstract interpretation of one function body. Never runs it.

The body is walked statement by statement with an environment (name -> SymPy
value). Parameters are real symbols; locals hold expressions.

- ``if`` without ``return`` inside: both branches run on copies of the
  environment, and names that differ are merged into ``Piecewise``.
- ``if`` with a ``return`` inside: each branch runs *with the rest of the body
  appended* (continuation style), and the two return values become one
  ``Piecewise``. Conditions that are constant (a loop index) pick one branch.
- ``for i in range(N)`` (N, start, step: integers known from the source) and
  ``for v in (a, b, c)``: unrolled into the statement stream, at most
  :data:`UNROLL_LIMIT` iterations per function in total.
- Float literals become exact rationals of the decimal the user wrote
  (``0.1`` -> 1/10): derivatives print as ``x/10``, not ``0.1*x`` or
  ``1.0*x``; evaluating ``1/10`` in Python gives the float ``0.1`` back.

What cannot be translated is recorded as ``(line, reason)`` and the names the
statement would have set are *poisoned*: using them later is no new error
(one cause, one message), and the function's value is unknown.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from . import _names

UNROLL_LIMIT = 1024
"""Loop iterations unrolled per function, all loops together."""

_MAX_CONSTANT_BITS = 100_000  # 2**10**9 would take minutes in one C call: refuse it


class Untranslatable(Exception):
    def __init__(self, node: ast.AST | None, reason: str) -> None:
        super().__init__(reason)
        self.line = getattr(node, "lineno", None)
        self.reason = reason


class _Poisoned(Exception):
    """A value depends on something already reported: no second message."""


@dataclass(frozen=True)
class _Bad:
    """An environment entry that cannot be used: poisoned, or maybe unbound."""

    why: str | None  # None: poisoned (already reported)


_POISON = _Bad(None)
_NO_RETURN = object()


class _Sum:
    """A sum being accumulated (``s += term`` in an unrolled loop).

    Adding one term to a SymPy ``Add`` re-flattens all of it, so a loop of n
    additions costs O(n^2) term operations (seconds for n = 1000). The terms
    are kept in a list and added once, n-ary, when the value is used as a
    number: the same ``Add`` the table's ``add`` counterpart builds, in one step.
    """

    __slots__ = ("terms", "_expr")
    THRESHOLD = 16  # an Add with this many terms starts accumulating lazily

    def __init__(self, terms: tuple[sp.Expr, ...]) -> None:
        self.terms = terms
        self._expr: sp.Expr | None = None

    def expr(self) -> sp.Expr:
        if self._expr is None:
            self._expr = sp.Add(*self.terms)
        return self._expr


def _value(v: Any) -> Any:
    return v.expr() if isinstance(v, _Sum) else v


@dataclass(frozen=True)
class _Bind:
    """A loop variable taking its next value (unrolled loops)."""

    name: str
    value: sp.Basic


# ----------------------------------------------------------------------------- scope


@dataclass
class Scope:
    """What the module around the function tells us: imports, constants, defs."""

    modules: dict[str, str] = field(default_factory=lambda: {
        "np": "numpy", "numpy": "numpy", "math": "math"})
    from_imports: dict[str, tuple[str, str]] = field(default_factory=dict)
    constants: dict[str, sp.Basic] = field(default_factory=dict)
    defs: set[str] = field(default_factory=set)
    binds_math: bool = False  # the source itself imports `math` (generated code may use it)

    def add_import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for a in node.names:
                mod = _module_kind(a.name)
                if a.asname:
                    if mod:
                        self.modules[a.asname] = mod
                    if a.asname == "math" and mod == "math":
                        self.binds_math = True
                else:
                    head = a.name.split(".")[0]
                    kind = _module_kind(head)
                    self.modules[head] = kind or head
                    if head == "math":
                        self.binds_math = True
            return
        src = _module_kind(node.module or "")
        for a in node.names:
            bound = a.asname or a.name
            if src in ("numpy", "math"):
                self.from_imports[bound] = (src, a.name)
                continue
            # `from ad_core import math`
            sub = _module_kind(f"{node.module}.{a.name}")
            if sub:
                self.modules[bound] = sub
                if bound == "math":
                    self.binds_math = True


def _module_kind(dotted: str) -> str | None:
    if dotted == "numpy":
        return "numpy"
    if dotted in ("math", "ad_core.math"):
        return "math"
    if dotted == "ad_core":
        return "ad_core"
    return None


def scope_of_module(tree: ast.Module) -> Scope:
    """Imports, literal constants and defs at the top level of a module."""
    scope = Scope()
    assigned: dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            scope.add_import(node)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            scope.defs.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        assigned[n.id] = assigned.get(n.id, 0) + 1
    # Constants: assigned once, to a value computed from literals (and other constants).
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        elif isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        else:
            continue
        if len(targets) != 1 or not isinstance(targets[0], ast.Name):
            continue
        name = targets[0].id
        if assigned.get(name) != 1:
            continue
        try:
            v = _value(Translator(scope, {}).expr(value, {}))
        except (Untranslatable, _Poisoned, TypeError, ValueError, RecursionError):
            continue
        if isinstance(v, sp.Expr) and not v.free_symbols:
            scope.constants[name] = v
    return scope


# ----------------------------------------------------------------------------- translator


class Translator:
    """Translates expressions and statements of one function (see module doc)."""

    def __init__(self, scope: Scope, params: dict[str, sp.Symbol],
                 unroll_limit: int = UNROLL_LIMIT) -> None:
        self.scope = scope
        self.params = params
        self.unroll_limit = unroll_limit
        self.unrolled = 0
        self.errors: list[tuple[int, str]] = []
        self._seen: set[tuple[int, str]] = set()
        self.value_unknown = False  # an untranslatable statement may have changed the result

    # -- errors

    def report(self, line: int | None, reason: str) -> None:
        key = (line or 1, reason)
        if key not in self._seen:
            self._seen.add(key)
            self.errors.append(key)

    # -- functions

    def function(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> sp.Basic | None:
        env: dict[str, Any] = dict(self.params)
        kind, value = self.run(list(fn.body), env)
        if kind == "fall" or value is _NO_RETURN:
            self.report(fn.lineno, f"`{fn.name}` can reach its end without a `return`")
            return None
        if value is _POISON or self.value_unknown:
            return None
        return value

    # -- statements

    def run(self, items: list[Any], env: dict[str, Any]) -> tuple[str, Any]:
        """Run ``items``; ``("fall", env)`` at their end, ``("ret", value)`` on return."""
        i = 0
        while i < len(items):
            s = items[i]
            i += 1
            if isinstance(s, _Bind):
                env[s.name] = s.value
                continue
            if isinstance(s, ast.Return):
                return "ret", self._return_value(s, env)
            if isinstance(s, ast.If):
                out = self._if(s, items[i:], env)
                if out is None:
                    continue
                if out[0] == "restart":
                    items, i = out[1], 0
                    continue
                return out
            if isinstance(s, (ast.For, ast.AsyncFor)):
                unrolled = self._for(s, env)
                if unrolled is not None:
                    items, i = unrolled + items[i:], 0
                continue
            self._simple(s, env)
        return "fall", env

    def _return_value(self, s: ast.Return, env: dict[str, Any]) -> Any:
        if s.value is None:
            self.report(s.lineno, "`return` without a value")
            return _POISON
        try:
            v = _value(self.expr(s.value, env))
        except Untranslatable as e:
            self.report(e.line or s.lineno, e.reason)
            return _POISON
        except _Poisoned:
            return _POISON
        if isinstance(v, tuple):
            self.report(s.lineno, "returns a tuple: the symbolic path differentiates "
                                  "scalar-valued functions")
            return _POISON
        if not isinstance(v, sp.Expr):
            self.report(s.lineno, "returns a comparison, not a number")
            return _POISON
        return v

    def _if(self, s: ast.If, rest: list[Any], env: dict[str, Any]) -> tuple[str, Any] | None:
        has_return = _contains_return(s)
        try:
            cond = self.cond(s.test, env)
        except (Untranslatable, _Poisoned) as e:
            if isinstance(e, Untranslatable):
                self.report(e.line or s.lineno, e.reason)
            self._poison_stores(s, env)
            # Still read the branches, for their own errors.
            self.run(list(s.body), dict(env))
            self.run(list(s.orelse), dict(env))
            if has_return:
                self.value_unknown = True
            return None
        if cond is sp.true or cond is sp.false:
            # Known at translation time (a loop index): only one branch exists.
            return "restart", list(s.body if cond is sp.true else s.orelse) + rest
        if has_return:
            t = self.run(list(s.body) + rest, dict(env))
            e = self.run(list(s.orelse) + rest, dict(env))
            tv = _NO_RETURN if t[0] == "fall" else t[1]
            ev = _NO_RETURN if e[0] == "fall" else e[1]
            if tv is _POISON or ev is _POISON:
                return "ret", _POISON
            if tv is _NO_RETURN or ev is _NO_RETURN:
                return "ret", _NO_RETURN
            return "ret", _piecewise(cond, tv, ev)
        _, env_t = self.run(list(s.body), dict(env))
        _, env_e = self.run(list(s.orelse), dict(env))
        for name in set(env_t) | set(env_e):
            a, b = env_t.get(name, _UNBOUND), env_e.get(name, _UNBOUND)
            env[name] = _merge(name, cond, a, b)
        return None

    def _for(self, s: ast.For | ast.AsyncFor, env: dict[str, Any]) -> list[Any] | None:
        try:
            if isinstance(s, ast.AsyncFor):
                raise Untranslatable(s, "`async for` is not translated")
            if not isinstance(s.target, ast.Name):
                raise Untranslatable(s, "a `for` loop target must be a single name")
            for n in ast.walk(s):
                if isinstance(n, (ast.Break, ast.Continue)):
                    raise Untranslatable(n, f"`{type(n).__name__.lower()}` in a loop is not "
                                            "translated (only straight unrolling)")
            values = self._iteration_values(s.iter, env)
            if self.unrolled + len(values) > self.unroll_limit:
                raise Untranslatable(s, f"loop of {len(values)} iterations: over the unroll "
                                        f"limit of {self.unroll_limit} iterations per function")
            self.unrolled += len(values)
        except (Untranslatable, _Poisoned) as e:
            if isinstance(e, Untranslatable):
                self.report(e.line or s.lineno, e.reason)
            self._poison_stores(s, env)
            if _contains_return(s):
                self.value_unknown = True
            return None
        items: list[Any] = []
        for v in values:
            items.append(_Bind(s.target.id, v))
            items.extend(s.body)
        items.extend(s.orelse)  # no `break` here, so `else` always runs
        return items

    def _iteration_values(self, node: ast.expr, env: dict[str, Any]) -> list[sp.Basic]:
        if isinstance(node, (ast.Tuple, ast.List)):
            return [self.num(self.expr(e, env), e) for e in node.elts]
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "range" and "range" not in env and not node.keywords
                and 1 <= len(node.args) <= 3):
            bounds = []
            for a in node.args:
                v = self.expr(a, env)
                if not (isinstance(v, sp.Integer)):
                    raise Untranslatable(node, "range() bounds must be integers known from "
                                               "the source (literals or module constants), "
                                               f"not `{ast.unparse(a)}`")
                bounds.append(int(v))
            r = range(*bounds)
            if len(r) > self.unroll_limit:
                raise Untranslatable(node, f"loop of {len(r)} iterations: over the unroll limit "
                                           f"of {self.unroll_limit} iterations per function")
            return [sp.Integer(k) for k in r]
        raise Untranslatable(node, "only `for` loops over `range(N)` with a known N, or over "
                                   "a literal tuple, are unrolled")

    def _simple(self, s: ast.stmt, env: dict[str, Any]) -> None:
        try:
            self._statement(s, env)
        except Untranslatable as e:
            self.report(e.line or s.lineno, e.reason)
            self._poison_stores(s, env)
        except _Poisoned:
            self._poison_stores(s, env)

    def _statement(self, s: ast.stmt, env: dict[str, Any]) -> None:
        if isinstance(s, ast.Assign):
            value = self.expr(s.value, env)
            for t in s.targets:
                self._assign(t, value, env)
        elif isinstance(s, ast.AnnAssign):
            if s.value is not None:
                self._assign(s.target, self.expr(s.value, env), env)
        elif isinstance(s, ast.AugAssign):
            if not isinstance(s.target, ast.Name):
                raise Untranslatable(s, "augmented assignment into an element or attribute "
                                        "(an in-place write) is not translated")
            old = self._name(s.target, env)
            env[s.target.id] = self._binop(s.op, old, self.expr(s.value, env), s)
        elif isinstance(s, ast.Expr):
            if isinstance(s.value, ast.Constant):
                return  # a docstring or `...`
            raise Untranslatable(s, f"statement `{_short(s)}` is not translated "
                                    "(only assignments, if, for and return)")
        elif isinstance(s, (ast.Pass, ast.Assert, ast.Global, ast.Nonlocal)):
            return  # none of them changes the value (an assert only stops the run)
        elif isinstance(s, (ast.Import, ast.ImportFrom)):
            self.scope.add_import(s)
        else:
            raise Untranslatable(s, _stmt_reason(s))

    def _assign(self, target: ast.expr, value: Any, env: dict[str, Any]) -> None:
        if isinstance(target, ast.Name):
            env[target.id] = value
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            if not all(isinstance(t, ast.Name) for t in target.elts):
                raise Untranslatable(target, "unpacking into anything but plain names is "
                                             "not translated")
            if not isinstance(value, tuple) or len(value) != len(target.elts):
                raise Untranslatable(target, "tuple unpacking needs a tuple of the same "
                                             "length written in the source")
            for t, v in zip(target.elts, value):
                env[t.id] = v  # type: ignore[attr-defined]
            return
        if isinstance(target, ast.Subscript):
            raise Untranslatable(target, "assignment into an element (an in-place write) "
                                         "is not translated")
        raise Untranslatable(target, f"assignment to `{ast.unparse(target)}` is not translated")

    def _poison_stores(self, s: ast.AST, env: dict[str, Any]) -> None:
        for n in ast.walk(s):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                env[n.id] = _POISON

    # -- expressions

    def cond(self, node: ast.expr, env: dict[str, Any]) -> sp.Basic:
        return _truth(self.expr(node, env), node)

    def num(self, v: Any, node: ast.AST) -> sp.Expr:
        if isinstance(v, sp.Expr):
            return v
        if isinstance(v, _Sum):
            return v.expr()
        if isinstance(v, tuple):
            raise Untranslatable(node, "a tuple used as a number (arrays and tuples are not "
                                       "translated)")
        if isinstance(v, sp.logic.boolalg.Boolean):
            # Python's bool-as-number: x * (x > 0)
            return sp.Piecewise((sp.Integer(1), v), (sp.Integer(0), True))
        raise Untranslatable(node, f"`{_short(node)}` is not a number")

    def expr(self, node: ast.expr, env: dict[str, Any]) -> Any:
        method = getattr(self, "_e_" + type(node).__name__, None)
        if method is None:
            raise Untranslatable(node, _expr_reason(node))
        return method(node, env)

    def _e_Constant(self, node: ast.Constant, env: dict[str, Any]) -> Any:
        v = node.value
        if isinstance(v, bool):
            return sp.true if v else sp.false
        if isinstance(v, int):
            return sp.Integer(v)
        if isinstance(v, float):
            if not math.isfinite(v):
                raise Untranslatable(node, "a non-finite float literal is not translated")
            return sp.Rational(repr(v))
        raise Untranslatable(node, f"the literal `{_short(node)}` is not a real number")

    def _e_Name(self, node: ast.Name, env: dict[str, Any]) -> Any:
        return self._name(node, env)

    def _name(self, node: ast.Name, env: dict[str, Any]) -> Any:
        name = node.id
        if name in env:
            v = env[name]
            if isinstance(v, _Bad):
                if v.why is None:
                    raise _Poisoned
                raise Untranslatable(node, v.why)
            return v
        if name in self.scope.constants:
            return self.scope.constants[name]
        imported = self.scope.from_imports.get(name)
        if imported is not None:
            c = _names.lookup_constant(*imported)
            if c is not None:
                return c
        if name in ("True", "False"):
            return sp.true if name == "True" else sp.false
        raise Untranslatable(node, f"`{name}` is not a parameter, a local or a module "
                                   "constant known from the source")

    def _e_Attribute(self, node: ast.Attribute, env: dict[str, Any]) -> Any:
        dotted = _dotted(node)
        if dotted is not None and dotted[0] not in env:
            module, attr = self._module_attr(dotted)
            if module is not None:
                c = _names.lookup_constant(module, attr)
                if c is not None:
                    return c
                raise Untranslatable(node, f"`{'.'.join(dotted)}` is not a known constant")
        raise Untranslatable(node, f"attribute access `{_short(node)}` is not translated "
                                   "(only module functions and constants)")

    def _module_attr(self, dotted: list[str]) -> tuple[str | None, str]:
        """(``numpy``/``math``, attr) for ``np.sin``, ``ad_core.math.sin``, ``ad.math.pi``."""
        kind = self.scope.modules.get(dotted[0])
        rest = dotted[1:]
        if kind == "ad_core" and rest and rest[0] == "math":
            kind, rest = "math", rest[1:]
        if kind in ("numpy", "math") and len(rest) == 1:
            return kind, rest[0]
        return None, ".".join(rest)

    def _e_BinOp(self, node: ast.BinOp, env: dict[str, Any]) -> Any:
        return self._binop(node.op, self.expr(node.left, env), self.expr(node.right, env), node)

    def _binop(self, op: ast.operator, a: Any, b: Any, node: ast.AST) -> Any:
        prim = _BINOPS.get(type(op))
        if prim is None:
            raise Untranslatable(node, _OP_REASONS.get(type(op), "this operator is not "
                                                                 "translated"))
        if prim in ("add", "sub") and (
                isinstance(a, _Sum) or (isinstance(a, sp.Add) and len(a.args) >= _Sum.THRESHOLD)):
            b = self.num(b, node)
            terms = a.terms if isinstance(a, _Sum) else a.args
            return _Sum((*terms, b if prim == "add" else _names.PRIMITIVES["neg"].sympy(b)))
        a, b = self.num(a, node), self.num(b, node)
        if prim == "pow" and a.is_Number and b.is_Number:
            _check_constant_power(a, b, node)
        return _names.PRIMITIVES[prim].sympy(a, b)

    def _e_UnaryOp(self, node: ast.UnaryOp, env: dict[str, Any]) -> Any:
        v = self.expr(node.operand, env)
        if isinstance(node.op, ast.USub):
            return _names.PRIMITIVES["neg"].sympy(self.num(v, node))
        if isinstance(node.op, ast.UAdd):
            return self.num(v, node)
        if isinstance(node.op, ast.Not):
            return sp.Not(_truth(v, node))
        raise Untranslatable(node, "bitwise `~` is not translated")

    def _e_BoolOp(self, node: ast.BoolOp, env: dict[str, Any]) -> Any:
        vals = [_truth(self.expr(v, env), v) for v in node.values]
        # Only as conditions: Python's `a or b` on numbers returns an operand.
        return sp.And(*vals) if isinstance(node.op, ast.And) else sp.Or(*vals)

    def _e_Compare(self, node: ast.Compare, env: dict[str, Any]) -> Any:
        left = self.expr(node.left, env)
        parts = []
        for op, comp in zip(node.ops, node.comparators):
            right = self.expr(comp, env)
            rel = _COMPARE.get(type(op))
            if rel is None:
                raise Untranslatable(node, f"comparison `{_short(node)}` is not translated "
                                           "(only < <= > >= == !=)")
            try:
                parts.append(rel(self.num(left, node), self.num(right, node)))
            except TypeError as e:
                raise Untranslatable(node, f"comparison `{_short(node)}`: {e}") from None
            left = right
        return sp.And(*parts)

    def _e_IfExp(self, node: ast.IfExp, env: dict[str, Any]) -> Any:
        c = self.cond(node.test, env)
        if c is sp.true:
            return self.expr(node.body, env)
        if c is sp.false:
            return self.expr(node.orelse, env)
        a = self.num(self.expr(node.body, env), node.body)
        b = self.num(self.expr(node.orelse, env), node.orelse)
        return _piecewise(c, a, b)

    def _e_Tuple(self, node: ast.Tuple, env: dict[str, Any]) -> Any:
        # Values only for unpacking (`a, b = b, a`) and iteration; `num` refuses them.
        return tuple(self.expr(e, env) for e in node.elts)

    def _e_Call(self, node: ast.Call, env: dict[str, Any]) -> Any:
        callee = self.callee(node.func, env)
        if node.keywords:
            raise Untranslatable(node, f"keyword arguments to `{callee.label}` are not "
                                       "translated")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise Untranslatable(node, "`*args` in a call is not translated")
        lo, hi = callee.nargs
        if not lo <= len(node.args) <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            raise Untranslatable(node, f"`{callee.label}` takes {want} argument(s) here, "
                                       f"not {len(node.args)}")
        if callee.prims == ("where",):
            c, a, b = node.args
            return callee.build(self.cond(c, env), self.num(self.expr(a, env), a),
                                self.num(self.expr(b, env), b))
        args = [self.num(self.expr(a, env), a) for a in node.args]
        try:
            return callee.build(*args)
        except (TypeError, ValueError) as e:
            raise Untranslatable(node, f"`{callee.label}`: {e}") from None

    def callee(self, func: ast.expr, env: dict[str, Any]) -> _names.Callee:
        """Resolve the function of a call, or raise with the reason."""
        r = self.resolve(func, env)
        if isinstance(r, str):
            raise Untranslatable(func, r)
        return r

    def resolve(self, func: ast.expr, env: dict[str, Any]) -> _names.Callee | str:
        if isinstance(func, ast.Name):
            name = func.id
            if name in env:
                return f"`{name}` is a local value, not a function"
            if name in self.scope.from_imports:
                module, attr = self.scope.from_imports[name]
                return _names.lookup(module, attr, name)
            if name in self.scope.defs:
                return (f"calls `{name}`, defined in this module: the symbolic path does not "
                        "follow calls into other functions")
            if name in ("abs", "pow", "max", "min"):
                return _names.lookup("builtins", name, name)
            # A bare name with no import in sight: a function's own source (from
            # `from_function`) does not show the module's `from math import sin`.
            for module in ("math", "numpy"):
                known = _names.MATH_FUNCS if module == "math" else _names.NUMPY_FUNCS
                if name in known:
                    return _names.lookup(module, name, name)
            if name in ("float", "int", "round", "len", "sum", "print", "open"):
                return f"`{name}()` is not translated (no derivative in the symbolic path)"
            return f"calls `{name}`, a function the symbolic path does not know"
        dotted = _dotted(func) if isinstance(func, ast.Attribute) else None
        if dotted is not None and dotted[0] not in env:
            module, attr = self._module_attr(dotted)
            if module is not None:
                return _names.lookup(module, attr, ".".join(dotted))
            return f"calls `{'.'.join(dotted)}`, a function the symbolic path does not know"
        if isinstance(func, ast.Attribute):
            return f"method call `{_short(func)}()` is not translated (arrays are not supported)"
        return f"call of `{_short(func)}` is not translated"


# ----------------------------------------------------------------------------- helpers


_UNBOUND = _Bad("")  # placeholder while merging; never stored as such


def _merge(name: str, cond: sp.Basic, a: Any, b: Any) -> Any:
    if a is b:
        return a
    a, b = _value(a), _value(b)
    if a is _POISON or b is _POISON:
        return _POISON
    if isinstance(a, _Bad) or isinstance(b, _Bad):
        return _Bad(f"`{name}` may be unbound here (it is assigned in only one branch)")
    if isinstance(a, tuple) or isinstance(b, tuple):
        return _Bad(f"`{name}` holds a tuple that depends on a condition: not translated")
    if isinstance(a, sp.Expr) and isinstance(b, sp.Expr):
        return _piecewise(cond, a, b)
    return sp.ITE(cond, _truth(a, None), _truth(b, None))


def _piecewise(cond: sp.Basic, a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """``a if cond else b``; an ``else`` that is itself a Piecewise joins the chain
    (if/elif/elif... stays one flat Piecewise, not a nest)."""
    if isinstance(b, sp.Piecewise):
        return sp.Piecewise((a, cond), *b.args)
    return sp.Piecewise((a, cond), (b, True))


def _truth(v: Any, node: ast.AST | None) -> sp.Basic:
    v = _value(v)
    if isinstance(v, sp.logic.boolalg.Boolean):
        return v
    if isinstance(v, sp.Expr):
        return sp.Ne(v, 0)  # Python truthiness of a number
    raise Untranslatable(node, "a tuple used as a condition is not translated")


def _check_constant_power(a: sp.Expr, b: sp.Expr, node: ast.AST) -> None:
    if not (b.is_Integer and a.is_Rational):
        return
    bits = abs(int(b)) * max(int(a.p).bit_length(), int(a.q).bit_length())
    if bits > _MAX_CONSTANT_BITS:
        raise Untranslatable(node, f"the constant `{_short(node)}` is too large to compute")


def _contains_return(s: ast.AST) -> bool:
    return any(isinstance(n, ast.Return) for n in ast.walk(s))


def _dotted(node: ast.expr) -> list[str] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def _short(node: ast.AST, limit: int = 40) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # noqa: BLE001 - only for a message
        return type(node).__name__
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_BINOPS: dict[type, str] = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div",
                            ast.Pow: "pow", ast.Mod: "mod"}

_OP_REASONS: dict[type, str] = {
    ast.FloorDiv: "floor division `//` is piecewise constant: not translated",
    ast.MatMult: "matrix product `@`: arrays are not translated (scalar code only)",
}

_COMPARE: dict[type, Any] = {ast.Lt: sp.Lt, ast.LtE: sp.Le, ast.Gt: sp.Gt, ast.GtE: sp.Ge,
                             ast.Eq: sp.Eq, ast.NotEq: sp.Ne}

_STMT_REASONS: dict[str, str] = {
    "While": "`while` loops are not translated (only `for` over a known range)",
    "With": "`with` blocks are not translated",
    "AsyncWith": "`async with` blocks are not translated",
    "Try": "`try` blocks are not translated",
    "TryStar": "`try` blocks are not translated",
    "Raise": "`raise` is not translated",
    "FunctionDef": "nested function definitions are not translated",
    "AsyncFunctionDef": "nested function definitions are not translated",
    "ClassDef": "class definitions are not translated",
    "Delete": "`del` is not translated",
    "Match": "`match` is not translated",
}

_EXPR_REASONS: dict[str, str] = {
    "Subscript": "indexing `{}`: arrays and sequences are not translated (scalar code only)",
    "List": "list `{}`: arrays and sequences are not translated (scalar code only)",
    "Set": "set `{}` is not translated",
    "Dict": "dict `{}` is not translated",
    "ListComp": "comprehension `{}` is not translated",
    "SetComp": "comprehension `{}` is not translated",
    "DictComp": "comprehension `{}` is not translated",
    "GeneratorExp": "generator expression `{}` is not translated",
    "Lambda": "lambda `{}` inside the function is not translated",
    "NamedExpr": "assignment expression `{}` is not translated",
    "Await": "`await` is not translated",
    "Yield": "`yield` is not translated",
    "YieldFrom": "`yield from` is not translated",
    "JoinedStr": "f-string `{}` is not a number",
    "Starred": "starred expression `{}` is not translated",
    "Slice": "slice `{}` is not translated",
}


def _stmt_reason(s: ast.stmt) -> str:
    return _STMT_REASONS.get(type(s).__name__, f"statement `{_short(s)}` is not translated")


def _expr_reason(node: ast.expr) -> str:
    template = _EXPR_REASONS.get(type(node).__name__, "expression `{}` is not translated")
    return template.format(_short(node))

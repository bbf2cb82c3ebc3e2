"""One source line's statements, staged together: the values, their versions, their names.

A line such as ``s = (s * y + x) / (1.0 + s * s)`` is five statements in
normal form. They are staged as one graph, so that its adjoint (or tangent)
prints as a few expressions rather than one per temporary.

A variable assigned in the block has *versions*: the value it held when the
block began (printed as the name it was saved under, ``s_old``), and the value
after each assignment (the last one printed as ``s`` itself). Rules that read
the old value print ``s_old``; rules that read the result print ``s``.
"""

from __future__ import annotations

import ast
import types
from dataclasses import dataclass
from typing import Any

from . import _ir as ir
from ._stage import evaluate, leaf
from ._table import (
    UNKNOWN,
    Abs,
    Ph,
    StageTrace,
    Sym,
    TupleItem,
    Unsupported,
    ValueRead,
    abstract,
)


@dataclass(frozen=True)
class CallOp:
    """The value of a call to another user function (computed by the forward sweep)."""

    info: Any  # the callee's FunctionInfo
    nargs: int


@dataclass(frozen=True)
class Dynamic:
    """An operation whose derivative could not be staged before run time."""

    expr: ast.expr
    names: tuple  # the local names it reads, in order


class Block:
    def __init__(self, stmts: list, analysis, names_of, save_name, lookup, error) -> None:
        """``names_of(v)`` -> the print name of v's value at block entry when v is not
        assigned in the block; ``save_name(stmt, v)`` -> the name v was saved under before
        ``stmt`` (or None); ``lookup`` stages a global name; ``error`` builds the error."""
        self.stmts = stmts
        self.analysis = analysis
        self.trace = StageTrace()
        self.save_name = save_name
        self.lookup = lookup
        self.error = error
        self.env: dict[str, Any] = {}  # name -> current staged value
        self.entry: dict[str, Any] = {}  # name -> staged value at block entry
        self.defined: list[str] = []  # names assigned in the block, in order
        self.finals: dict[str, Any] = {}
        self.names_of = names_of
        first = stmts[0]
        self.env_abs = analysis.env.get(id(first), {})
        self._stage()

    # -- values at entry
    def value(self, name: str) -> Any:
        if name in self.env:
            return self.env[name]
        a = self.env_abs.get(name)
        if a is None:
            return None
        v = leaf(self.trace, self._entry_name(name), a, name in self.analysis.plain)
        self.env[name] = v
        self.entry[name] = v
        return v

    def _entry_name(self, name: str) -> str:
        for s in self.stmts:
            if name in ir.targets(s):
                saved = self.save_name(s, name)
                if saved is None:  # read before its first assignment: Python's NameError
                    raise self.error(f"{name!r} is used before it is assigned", s)
                return saved
        return self.names_of(name)

    def _local(self, node: ast.expr) -> dict:
        out = {}
        for n in ast.walk(node):
            if isinstance(n, ast.Name):
                v = self.value(n.id)
                if v is not None:
                    out[n.id] = v
        return out

    # -- staging
    def _stage(self) -> None:
        defs = {}
        for s in self.stmts:
            for t in ir.targets(s):
                defs.setdefault(t, []).append(s)
        self.last_def = {t: ss[-1] for t, ss in defs.items()}
        for s in self.stmts:
            if isinstance(s, ir.Assign):
                v = self._assign(s)
                self._bind(s, s.target, v)
            elif isinstance(s, ir.Unpack):
                src = self._atom(s.source)
                n = len(s.targets)
                for i, t in enumerate(s.targets):
                    self._bind(s, t, self._item(src, i, n, s))

    def _atom(self, a: ast.expr) -> Any:
        return evaluate(a, self._local(a), self.lookup)

    def _assign(self, s: ir.Assign) -> Any:
        a = self.analysis
        if s.kind in (ir.COPY,):
            return self._atom(s.value)
        if s.kind == ir.PACK:
            return tuple(self._atom(e) for e in s.value.elts)
        out_abs = a.out.get((id(s), s.target), UNKNOWN)
        if s.kind in (ir.OPAQUE, ir.COMPARE) or id(s) in a.nondiff:
            return _Fresh(out_abs)
        if s.kind == ir.CALL:
            info = a.calls[id(s)]
            args = [self._atom(x) for x in s.value.args]
            kw = {k.arg: self._atom(k.value) for k in s.value.keywords}
            return self.trace.record(CallOp(info, len(args)), tuple(args), kw, out_abs)
        if id(s) in a.dynamic:
            return self._dynamic(s, out_abs)
        try:
            return evaluate(s.value, self._local(s.value), self.lookup)
        except ValueRead:
            return self._dynamic(s, out_abs)
        except (Unsupported, TypeError, NotImplementedError) as e:
            raise self.error(str(e).splitlines()[0], s) from None

    def _dynamic(self, s: ir.Assign, out_abs: Abs) -> Any:
        # Modules and functions stay names the lambda reads from where it is written.
        names = tuple(sorted({n.id for n in ast.walk(s.value) if isinstance(n, ast.Name)
                              and self.value(n.id) is not None and not isinstance(
                                  self.value(n.id), (types.ModuleType, types.FunctionType))}))
        args = tuple(self.value(n) for n in names)
        return self.trace.record(Dynamic(s.value, names), args, {}, out_abs)

    def _item(self, src: Any, i: int, n: int, s) -> Any:
        if isinstance(src, tuple):
            if len(src) != n:
                raise self.error(f"unpacking {len(src)} values into {n} names", s)
            return src[i]
        if isinstance(src, Sym) and src.abs.kind == "tuple":
            el = src.abs.elts[i] if i < len(src.abs.elts) else UNKNOWN
            return self.trace.record(TupleItem(i), (src,), {}, el)
        if isinstance(src, Sym):
            try:
                return src[i]
            except ValueRead:
                return _Fresh(UNKNOWN)
        return _Fresh(self.analysis.out.get((id(s), s.targets[i]), UNKNOWN))

    def _bind(self, s, target: str, v: Any) -> None:
        last = self.last_def[target] is s
        name = target if last else self._next_save(s, target)
        if isinstance(v, _Fresh):
            v = leaf(self.trace, name, v.abs, target in self.analysis.plain)
        elif isinstance(v, Sym) and v.name is None:
            v.name = name
        elif isinstance(v, tuple):
            pass
        elif not isinstance(v, (Sym, Ph)):
            v = leaf(self.trace, name, abstract(v))
        self.env[target] = v
        if target not in self.defined:
            self.defined.append(target)
        if last:
            self.finals[target] = v

    def _next_save(self, s, target: str) -> str:
        seen = False
        for t in self.stmts:
            if seen and target in ir.targets(t):
                name = self.save_name(t, target)
                if name is None:
                    raise AssertionError(f"no save of {target} before line {t.line}")
                return name
            if t is s:
                seen = True
        raise AssertionError("not a later definition")

    def restores(self) -> list[tuple[str, str]]:
        """(variable, saved name) to restore after the backward block, in order."""
        out = []
        for t in self.defined:
            for s in self.stmts:
                if t in ir.targets(s):
                    saved = self.save_name(s, t)
                    if saved is not None:
                        out.append((t, saved))
                    break
        return out


class _Fresh:
    """A value only known by its type (an opaque statement's result)."""

    def __init__(self, a: Abs) -> None:
        self.abs = a


"""Print staged values as Python statements, and the lines of a generated function.

A block's staged graph is printed the way a person would write it: a value
used once is written inline, a value used twice gets a name (the adjoint of a
variable is named after it, ``t4_bar``), parentheses only where Python needs
them. ``Lines`` carry, for every generated line, the line of the user's file it
comes from: that is the map an editor uses to link the two.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ._normalize import NameGen
from ._table import (
    P_ADD,
    P_ATOM,
    P_UNARY,
    Generated,
    Ph,
    Primitive,
    Ref,
    Runtime,
    Sym,
    index_text,
    spell,
)

# Longest line the printer aims for (the code is indented below ``def``, loops and ifs;
# the project's ruff limit is 100).
WIDTH = 84

# ---------------------------------------------------------------- generated lines


@dataclass
class Line:
    indent: int
    text: str
    origin: int | None = None  # line in the user's file
    kind: str = "code"  # "code" | "header" (a ``# line N:`` comment)


@dataclass
class Lines:
    items: list[Line] = field(default_factory=list)

    def add(self, text: str, origin: int | None = None, indent: int = 0,
            kind: str = "code") -> None:
        self.items.append(Line(indent, text, origin, kind))

    def extend(self, other: Lines, indent: int = 0) -> None:
        for ln in other.items:
            self.items.append(Line(ln.indent + indent, ln.text, ln.origin, ln.kind))

    def __bool__(self) -> bool:
        return any(ln.kind == "code" for ln in self.items)

    def code_lines(self) -> int:
        return sum(1 for ln in self.items if ln.kind == "code")


# ---------------------------------------------------------------- outputs of a block


@dataclass
class Assign:
    """``name = value``."""

    name: str
    value: object


@dataclass
class Accumulate:
    """``name += a + b`` (scalars, owned buffers) or ``name = name + a + b``."""

    name: str
    terms: list
    inplace: bool


@dataclass
class Scatter:
    """``name[idx] += value``: the transpose of reading ``x[idx]``, into an owned buffer."""

    name: str
    idx: object
    value: object


@dataclass
class Buffer:
    """An adjoint kept in an array of its own, updated in place: ``init`` (a zeros or a
    copy, or None when it already is one), then ``terms`` added and ``scatters``
    (``(idx, value, fancy)``) added at their indices."""

    name: str
    init: str | None
    terms: list
    scatters: list


# ---------------------------------------------------------------- printer


class Printer:
    def __init__(self, names: NameGen, refs: dict, careful: bool = False) -> None:
        self.names = names
        self.refs = refs  # Ref | Runtime | Generated -> alias used in the code
        self.careful = careful
        self.bound: dict[int, str] = {}  # id(Sym) -> name given in this block
        self.used: set[str] = set()  # every name the printed code reads

    # -- aliases for run-time calls
    def alias(self, key) -> str:
        if isinstance(key, Generated):
            return key.name
        if isinstance(key, Runtime):
            self.refs.setdefault(key, key.name)
            return key.name
        if key not in self.refs:
            base = key.alias if isinstance(key, Ref) else key.name
            self.refs[key] = self.names.like(base)
        return self.refs[key]

    # -- values
    def value(self, x, prec: int = 0) -> str:
        text, p = self._text(x)
        return f"({text})" if p < prec else text

    def _text(self, x) -> tuple[str, int]:
        if isinstance(x, Sym):
            if x.name is not None:
                if x.const is None:
                    self.used.add(x.name)
                    return x.name, P_ATOM
                return _literal(x.const)
            b = self.bound.get(id(x))
            if b is not None:
                return b, P_ATOM
            return self._node(x)
        if isinstance(x, Ph):
            self.used.add(x.name)
            return x.name, P_ATOM
        if isinstance(x, tuple):
            inner = ", ".join(self.value(v) for v in x)
            return (f"({inner},)" if len(x) == 1 else f"({inner})"), P_ATOM
        return _literal(x)

    def _node(self, s: Sym) -> tuple[str, int]:
        node = s.node
        if hasattr(node.op, "code"):
            return node.op.code(self, node)
        scalar = all(getattr(a, "abs", None) is not None and a.abs.is_scalar or
                     isinstance(a, (float, int)) for a in node.args)
        spelled = spell(node, self.value, self.param, scalar, self.careful)
        if spelled is not None:
            return spelled
        op = node.op
        fn = self.alias(Ref(op.name) if isinstance(op, Primitive) else op)
        parts = [self.value(a) for a in node.args]
        parts += [f"{k}={self.param(v)}" for k, v in node.params.items()]
        return f"{fn}({', '.join(parts)})", P_ATOM

    def param(self, v) -> str:
        if isinstance(v, (Sym, Ph)):
            return self.value(v)
        if isinstance(v, tuple):
            inner = ", ".join(self.param(i) for i in v)
            return f"({inner},)" if len(v) == 1 else f"({inner})"
        if isinstance(v, slice):
            parts = [v.start, v.stop] + ([v.step] if v.step is not None else [])
            return f"slice({', '.join(self.param(p) for p in parts)})"
        if v is Ellipsis:
            return "..."
        return _literal(v)[0]

    # -- a block
    def statements(self, outputs: list, order: list[Sym], width: int = WIDTH) -> list[str]:
        """The statements computing ``outputs``; ``order`` lists the block's Syms in the
        order they were recorded (shared values are computed in that order). A value used
        twice gets a name; so does part of a line that would be longer than ``width``."""
        uses: dict[int, int] = {}
        seen: set[int] = set()
        roots = []
        for o in outputs:
            roots += _output_values(o)
        stack = list(roots)
        while stack:
            x = stack.pop()
            for s in _syms_in(x):
                uses[id(s)] = uses.get(id(s), 0) + 1
                if id(s) in seen or s.name is not None:
                    continue
                seen.add(id(s))
                stack.extend(s.node.args)
                stack.extend(s.node.params.values())
        inner = [s for s in order if id(s) in seen and s.name is None]
        named = {id(s) for s in inner if (uses.get(id(s), 0) >= 2 or
                                          isinstance(s.node.op, Generated)) and not _trivial(s)}
        names: dict[int, str] = {}
        for _ in range(40):
            self.bound = {}
            lines = []
            for s in inner:
                if id(s) in named:
                    text = self.value(s)
                    if id(s) not in names:
                        names[id(s)] = self.names.like(s.hint) if s.hint else \
                            self.names.fresh("t")
                    self.bound[id(s)] = names[id(s)]
                    lines.append(f"{names[id(s)]} = {text}")
            lines += self._outputs(outputs)
            long = [ln for ln in lines if len(ln) > width]
            if not long:
                break
            worst = max(long, key=len)
            best = None
            root_ids = {id(o.value) for o in outputs if isinstance(o, Assign)}
            for s in inner:
                if id(s) in named or _trivial(s) or id(s) in root_ids:
                    continue
                text = self.value(s)
                if 12 <= len(text) < len(worst) - 8 and text in worst and (
                        best is None or len(text) > best[0]):
                    best = (len(text), s)
            if best is None:
                break
            named.add(id(best[1]))
        return lines

    def _outputs(self, outputs: list) -> list[str]:
        # An output that reads an adjoint another output of this block assigns must see the
        # old value: assign those together (tuple assignment) when they depend on each other.
        assigned = {o.name for o in outputs if isinstance(o, (Assign, Accumulate, Buffer))}
        reads = {}
        for o in outputs:
            names = set()
            for v in _output_values(o):
                names |= _leaf_names(v)
            if isinstance(o, (Accumulate, Buffer)):
                names.discard(o.name)
            reads[id(o)] = names & assigned
        ordered = _order(outputs, reads)
        if ordered is None:
            targets = []
            values = []
            rest = []
            for o in outputs:
                if isinstance(o, (Scatter, Buffer)):
                    rest.append(o)
                    continue
                targets.append(o.name)
                values.append(self._rhs(o))
            lines = [f"{', '.join(targets)} = {', '.join(values)}"] if targets else []
            return lines + [ln for o in rest for ln in self._one(o)]
        return [ln for o in ordered for ln in self._one(o)]

    def _rhs(self, o) -> str:
        if isinstance(o, Assign):
            return self.value(o.value)
        return f"{o.name} + {self._sum(o.terms)}"

    def _sum(self, terms: list, prec: int = P_ADD + 1) -> str:
        if len(terms) == 1:
            return self.value(terms[0], prec)
        text = " + ".join(self.value(t, P_ADD + 1) if i else self.value(t, P_ADD)
                          for i, t in enumerate(terms))
        return text if prec <= P_ADD else f"({text})"

    def _one(self, o) -> list[str]:
        if isinstance(o, Assign):
            text = self.value(o.value)
            return [] if text == o.name else [f"{o.name} = {text}"]
        if isinstance(o, Scatter):
            return [f"{o.name}[{index_text(o.idx, self.value)}] += {self.value(o.value)}"]
        if isinstance(o, Buffer):
            out = [f"{o.name} = {o.init}"] if o.init else []
            if o.terms:
                out.append(f"{o.name} += {self._sum(o.terms, 0)}")
            for idx, value, fancy in o.scatters:
                if fancy:
                    out.append(f"np.add.at({o.name}, {self.param(idx)}, {self.value(value)})")
                elif _is_neg(value):  # x_bar[i] -= v rather than += -v: one pass less
                    out.append(f"{o.name}[{index_text(idx, self.value)}] -= "
                               f"{self.value(value.node.args[0])}")
                else:
                    out.append(f"{o.name}[{index_text(idx, self.value)}] += "
                               f"{self.value(value)}")
            return out
        if o.inplace:
            if len(o.terms) == 1 and _is_neg(o.terms[0]):
                return [f"{o.name} -= {self.value(o.terms[0].node.args[0], P_ADD + 1)}"]
            return [f"{o.name} += {self._sum(o.terms, 0)}"]
        return [f"{o.name} = {o.name} + {self._sum(o.terms)}"]


def _is_neg(x) -> bool:
    return isinstance(x, Sym) and x.name is None and x.node is not None and \
        getattr(x.node.op, "name", None) == "neg" and len(x.node.args) == 1


def _trivial(s: Sym) -> bool:
    """Not worth a name: a negated name."""
    node = s.node
    return getattr(node.op, "name", None) == "neg" and isinstance(node.args[0], (Sym, Ph)) \
        and getattr(node.args[0], "name", None) is not None


def _output_values(o) -> list:
    if isinstance(o, Assign):
        return [o.value]
    if isinstance(o, Accumulate):
        return list(o.terms)
    if isinstance(o, Buffer):
        return list(o.terms) + [x for i, v, _ in o.scatters for x in (i, v)]
    return [o.value, o.idx]


def _syms_in(x):
    if isinstance(x, Sym):
        yield x
    elif isinstance(x, (tuple, list)):
        for v in x:
            yield from _syms_in(v)
    elif isinstance(x, slice):
        for v in (x.start, x.stop, x.step):
            yield from _syms_in(v)
    elif isinstance(x, dict):
        for v in x.values():
            yield from _syms_in(v)


def _leaf_names(x) -> set[str]:
    out = set()
    stack = [x]
    seen = set()
    while stack:
        v = stack.pop()
        for s in _syms_in(v):
            if id(s) in seen:
                continue
            seen.add(id(s))
            if s.name is not None:
                out.add(s.name)
            else:
                stack.extend(s.node.args)
                stack.extend(s.node.params.values())
    return out


def _order(outputs: list, reads: dict) -> list | None:
    """Outputs ordered so that none is assigned before another reads its old value; None
    if they read each other in a cycle."""
    pending = list(outputs)
    done: list = []
    while pending:
        for o in pending:
            name = getattr(o, "name", None)
            blockers = [p for p in pending if p is not o and name in reads.get(id(p), set())
                        and not isinstance(o, Scatter)]
            if not blockers:
                done.append(o)
                pending.remove(o)
                break
        else:
            return None
    return done


def _literal(v) -> tuple[str, int]:
    if isinstance(v, bool) or v is None:
        return repr(v), P_ATOM
    if isinstance(v, (int, np.integer)):
        return (repr(int(v)), P_ATOM) if v >= 0 else (repr(int(v)), P_UNARY)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isnan(f):
            return "np.nan", P_ATOM
        if math.isinf(f):
            return ("np.inf", P_ATOM) if f > 0 else ("-np.inf", P_UNARY)
        return repr(f), (P_ATOM if f >= 0 else P_UNARY)
    if isinstance(v, tuple):
        inner = ", ".join(_literal(x)[0] for x in v)
        return (f"({inner},)" if len(v) == 1 else f"({inner})"), P_ATOM
    if isinstance(v, list):
        return "[" + ", ".join(_literal(x)[0] for x in v) + "]", P_ATOM
    if isinstance(v, np.ndarray):
        if v.size > 64:
            raise ValueError("a large constant array in generated code")
        dt = "" if v.dtype.kind == "f" else f", dtype=np.{v.dtype.name}"
        if v.dtype.kind == "b":
            dt = ", dtype=bool"
        return f"np.array({v.tolist()!r}{dt})", P_ATOM
    if isinstance(v, str):
        return repr(v), P_ATOM
    if v is Ellipsis:
        return "...", P_ATOM
    if isinstance(v, slice):
        return f"slice({v.start!r}, {v.stop!r}, {v.step!r})", P_ATOM
    if isinstance(v, np.dtype):
        return f"np.dtype({v.name!r})", P_ATOM
    raise ValueError(f"cannot write {type(v).__name__} as code")


__all__ = ["Accumulate", "Assign", "Buffer", "Line", "Lines", "Printer", "Scatter"]

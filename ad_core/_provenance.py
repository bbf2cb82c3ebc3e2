"""Where a NaN or an infinity comes from, and the ``np.where`` trap: read off a recorded
tape (``ad.trace``), never on the gradient's hot path.

- Forward sweep: the first row whose *value* is NaN or ±inf while its operands are all
  finite is where the value became non-finite (``log`` at 0, ``0 / 0``).
- Backward sweep: the first operation whose VJP turns a finite cotangent into a
  non-finite one (``sqrt`` at 0: a finite adjoint times sqrt'(0) = inf) is where an
  adjoint became non-finite.

Only sources that reach what the user sees are reported: the output's value (forward),
an input's adjoint (backward); each says the lines it passes through on the way.

The where trap: ``np.where(c, a, b)`` (also ``maximum``/``minimum``) differentiates both
branches, and the one not taken gets a zero cotangent; where that branch's derivative
is infinite, 0 · inf is NaN. PyTorch and JAX compute that product as IEEE arithmetic
says; ad_core counts 0 · inf as 0 ("zero wins", `primitives/chain.py`). The trap is found by running
the backward sweep both ways, with ad_core's masking and without any (as they compute):
where an input's adjoint is NaN only without, the zero cotangent that met the infinite
derivative is traced back to the ``where`` that produced it.

The sweep here is a plain copy of reverse mode's loop (`reverse.ReverseTrace._sweep`)
that watches each cotangent it computes; it reads the same rules from the table, so it
cannot disagree with ``ad.grad`` except in what it is told to mask.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .primitives import ops
from .primitives.chain import cotangent_term
from .primitives.ops import unbroadcast

# Primitives that pick one of their operands per element: the where trap lives there.
SELECTS = ("where", "maximum", "minimum")
_INFIX = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "matmul": "@"}
# At most this many sources of each kind are reported (the first ones, in sweep order).
MAX_SOURCES = 3


@dataclass
class NonFinite:
    """Where a value (``sweep="forward"``) or an adjoint (``"backward"``) first became NaN
    or ±inf at the point, and what it reached.

    ``what`` says it without line numbers ("adjoint of sqrt(r) is inf at r = 0.0");
    ``line`` is the line of ``f`` (in its file) of the operation; ``reaches`` is what the
    user sees of it (``["f"]``: the output's value; input names: their adjoints) and
    ``through`` the other lines it passes on the way there."""

    sweep: str
    row: int  # the row (Row.index) of the operation
    op: str
    expr: str  # "sqrt(r)"
    kind: str  # "nan" | "inf" | "-inf"
    what: str
    line: int | None
    operands: list[tuple[str, Any]] = field(default_factory=list)  # at the first bad element
    element: tuple[int, ...] | None = None
    target: str | None = None  # backward: the operand whose adjoint it is
    reaches: list[str] = field(default_factory=list)
    through: list[int] = field(default_factory=list)
    fname: str = "f"

    @property
    def message(self) -> str:
        """``adjoint of sqrt(r) is inf at r = 0.0 (line 12); it reaches ∂f/∂x through
        line 14``."""
        where = f" (line {self.line})" if self.line is not None else ""
        via = f" through {_lines(self.through)}" if self.through else ""
        return f"{self.what}{where}; it reaches {self.reached}{via}"

    @property
    def reached(self) -> str:
        if self.sweep == "forward":
            return f"{self.fname}'s value"
        return ", ".join(f"∂{self.fname}/∂{n}" for n in self.reaches)


@dataclass
class WhereTrap:
    """A ``where`` (``maximum``, ``minimum``) whose branch not taken has an infinite or
    undefined derivative at the point: PyTorch and JAX give NaN in ``inputs``' adjoints
    there, ad_core does not."""

    row: int  # the where row (Row.index)
    op: str
    line: int | None
    branch: str  # "sqrt(x)": the operation in the branch not taken
    branch_line: int | None
    kind: str  # its derivative there: "inf" | "-inf" | "nan"
    operands: list[tuple[str, Any]]
    inputs: list[str]  # the inputs whose adjoints PyTorch and JAX would give as NaN
    what: str
    fname: str = "f"

    @property
    def message(self) -> str:
        where = f" (line {self.line})" if self.line is not None else ""
        return f"{self.what}{where}"


def _lines(lines: Sequence[int]) -> str:
    return ("line " if len(lines) == 1 else "lines ") + ", ".join(map(str, lines))


# -- finiteness ------------------------------------------------------------------------------


def _numeric(v: Any) -> bool:
    if isinstance(v, (bool, np.bool_)):
        return False
    if isinstance(v, (float, int, np.floating, np.integer, np.complexfloating, complex)):
        return True
    return isinstance(v, np.ndarray) and v.dtype.kind in "fciu"


def bad(v: Any) -> bool:
    """Has a NaN or an infinity."""
    if type(v) is float:
        return not math.isfinite(v)
    if not _numeric(v):
        return False
    with np.errstate(all="ignore"):
        return not bool(np.all(np.isfinite(v)))


def _kind(v: Any) -> str:
    """"nan", "inf" or "-inf": the first non-finite element."""
    x = complex(v).real if isinstance(v, (complex, np.complexfloating)) else v
    a = np.asarray(x)
    with np.errstate(all="ignore"):
        flat = a.ravel()
        nonfinite = flat[~np.isfinite(flat)] if flat.size else flat
    if not nonfinite.size:
        return "nan"
    e = nonfinite[0]
    if isinstance(e, (complex, np.complexfloating)):
        e = e.real if not math.isfinite(e.real) else e.imag
    if np.isnan(e):
        return "nan"
    return "inf" if e > 0 else "-inf"


def _first_bad(v: Any) -> tuple[int, ...] | None:
    """Index of the first non-finite element of an array (None for a scalar)."""
    a = np.asarray(v)
    if a.ndim == 0:
        return None
    with np.errstate(all="ignore"):
        flat = np.flatnonzero(~np.isfinite(a))
    if not flat.size:
        return None
    return tuple(int(i) for i in np.unravel_index(int(flat[0]), a.shape))


def _fmt(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (float, int, np.floating, np.integer)):
        return format(float(v), ".6g")
    if isinstance(v, np.ndarray):
        if v.size == 1:
            return _fmt(v.reshape(()).item())
        return f"an array of shape {v.shape}"
    return type(v).__name__


# -- the graph -------------------------------------------------------------------------------


class Graph:
    """The tape's nodes with names for the rows and their operands, and children lists."""

    def __init__(self, nodes: list, meta: dict[int, tuple], lines: list[int | None],
                 names: dict[int, str], values: list[Any], fname: str) -> None:
        self.nodes = nodes
        self.meta = meta
        self.lines = lines
        self.names = names
        self.values = values
        self.fname = fname
        self.children: list[list[int]] = [[] for _ in nodes]
        for i, node in enumerate(nodes):
            if node is not None:
                for _, j in node[4]:
                    self.children[j].append(i)

    def op(self, i: int) -> str:
        m = self.meta.get(i)
        return m[0] if m is not None else ("input" if self.nodes[i] is None else "?")

    def name(self, i: int, depth: int = 1) -> str:
        """A row as the user knows it: the variable bound to it, else the expression that
        made it when that is short (``log(p)``), else its place in the list (``v3``)."""
        if i in self.names:
            return self.names[i]
        if depth > 0 and self.nodes[i] is not None:
            text = self.expr(i, depth - 1)
            if len(text) <= 24:
                return text
        return f"v{i + 1}"

    def refs(self, i: int, depth: int = 1) -> list[str]:
        """The operands of row i as the user knows them (see `name`), or constants."""
        m = self.meta.get(i)
        refs = list(m[1]) if m is not None else []
        out = []
        for r in refs:
            if r.startswith("v") and r[1:].isdigit():
                out.append(self.name(int(r[1:]) - 1, depth))
            else:
                out.append(r)
        return out

    def expr(self, i: int, depth: int = 1) -> str:
        """``sqrt(r)``, ``x / y``: the operation of row i with its operands' names."""
        op, args = self.op(i), self.refs(i, depth)
        if op == "input":
            return self.name(i)
        if op in _INFIX and len(args) == 2:
            return f"{_paren(args[0])} {_INFIX[op]} {_paren(args[1])}"
        if op == "neg" and len(args) == 1:
            return f"-{_paren(args[0])}"
        return f"{op}({', '.join(args)})"

    def operands(self, i: int, element: tuple[int, ...] | None, shape: tuple[int, ...] | None
                 ) -> list[tuple[str, Any]]:
        """(name, value) of row i's traced operands, at ``element`` of the output's
        ``shape`` for an elementwise operation (operands broadcast to it)."""
        node = self.nodes[i]
        if node is None:
            return []
        primals, parents = node[2], node[4]
        refs = self.refs(i)
        out = []
        for pos, _ in parents:
            name = refs[pos] if pos < len(refs) else f"arg{pos}"
            v = primals[pos]
            if element is not None and shape is not None and isinstance(v, np.ndarray | float):
                try:
                    v = np.broadcast_to(v, shape)[element].item()
                    name = f"{_paren(name)}[{', '.join(map(str, element))}]" if np.ndim(
                        primals[pos]) else name
                except (ValueError, IndexError):
                    pass
            out.append((name, v))
        return out

    def up(self, start: int, keep: Callable[[int], bool]) -> set[int]:
        """Rows reachable from `start` towards the inputs, through rows where `keep`."""
        seen = {start}
        todo = [start]
        while todo:
            node = self.nodes[todo.pop()]
            for _, j in node[4] if node is not None else ():
                if j not in seen and keep(j):
                    seen.add(j)
                    todo.append(j)
        return seen

    def down(self, start: int, keep: Callable[[int], bool]) -> set[int]:
        """Rows reachable from `start` towards the output, through rows where `keep`."""
        seen = {start}
        todo = [start]
        while todo:
            for j in self.children[todo.pop()]:
                if j not in seen and keep(j):
                    seen.add(j)
                    todo.append(j)
        return seen

    def line_list(self, rows: set[int], but: int | None) -> list[int]:
        """The lines of `rows` other than `but` (inputs are not lines of the body)."""
        return sorted({ln for k in rows if self.nodes[k] is not None
                       and (ln := self.lines[k]) is not None and ln != but})


def _paren(text: str) -> str:
    return f"({text})" if " " in text else text


def _said(operands: list[tuple[str, Any]]) -> str:
    return ", ".join(f"{_paren(n)} = {_fmt(v)}" for n, v in operands)


# -- forward ---------------------------------------------------------------------------------


def forward_sources(g: Graph, output: int | None) -> list[NonFinite]:
    """Rows whose value became NaN or ±inf from finite operands, that reach the output."""
    if output is None or not bad(g.values[output]):
        return []
    broken = [bad(v) for v in g.values]
    path_up = g.up(output, lambda j: broken[j])
    out: list[NonFinite] = []
    for i in sorted(path_up):
        node = g.nodes[i]
        operands_bad = node is not None and any(bad(node[2][pos]) for pos, _ in node[4])
        if node is not None and operands_bad:
            continue
        if node is not None and any(bad(p) for p in node[2] if _numeric(p)):
            continue  # a constant operand already non-finite: not born here
        value = g.values[i]
        element = _first_bad(value)
        shape = np.shape(value) if element is not None else None
        operands = g.operands(i, element, shape)
        kind = _kind(value)
        if node is None:
            what = f"the input {g.name(i)} is {kind}"
        else:
            at = f" at {_said(operands)}" if operands else ""
            what = f"value of {g.expr(i)} is {kind}{at}"
        path = g.down(i, lambda j: broken[j]) & path_up
        out.append(NonFinite("forward", i + 1, g.op(i), g.expr(i), kind, what, g.lines[i],
                             operands, element, None, [g.fname],
                             g.line_list(path, g.lines[i]), g.fname))
        if len(out) >= MAX_SOURCES:
            break
    return out


# -- backward --------------------------------------------------------------------------------


@dataclass
class _Event:
    """A finite cotangent into row i turned non-finite on its way to operand j."""

    i: int
    pos: int
    j: int
    kind: str
    element: tuple[int, ...] | None  # in `shape`
    shape: tuple[int, ...] | None  # the elementwise product's shape (None: not elementwise)
    zero: bool  # the cotangent there was exactly 0 (0 · inf: the where trap)
    slope: str = ""  # the local derivative there when it is not finite: "inf", "nan"
    # an infinite cotangent times a zero partial (inf · 0): a maximum passing an infinite
    # adjoint back to the operand it did not pick
    blocked: bool = False


def sweep(nodes: list, out_idx: int, seed: Any, ieee: bool) -> tuple[list, list[_Event]]:
    """Adjoints of every row (as reverse mode computes them; ``ieee``: with no masking of
    0 · inf, as PyTorch and JAX compute them) and where a finite cotangent turned
    non-finite."""
    adj: list[Any] = [None] * (out_idx + 1)
    adj[out_idx] = seed
    events: list[_Event] = []
    # The rules of matmul, einsum... apply zero-wins themselves unless told not to: the
    # IEEE sweep tells them (as reverse mode's own first, unchecked sweep does).
    lazy = ops.ZERO_CHECK.lazy
    ops.ZERO_CHECK.lazy = ieee
    try:
        _sweep_into(nodes, out_idx, adj, events, ieee)
    finally:
        ops.ZERO_CHECK.lazy = lazy
    return adj, events


def _sweep_into(nodes: list, out_idx: int, adj: list, events: list[_Event], ieee: bool) -> None:
    with np.errstate(all="ignore"):
        for i in range(out_idx, -1, -1):
            gi = adj[i]
            node = nodes[i]
            if gi is None or node is None:
                continue
            prim, ans, primals, params, parents = node
            finite = not bad(gi)
            select = ieee and not finite and prim is not None and prim.name in SELECTS
            if prim is None:  # custom_vjp: one call gives every cotangent
                cts = ans(gi)
                for pos, j in parents:
                    c = cts[pos]
                    if c is not None:
                        _add(adj, j, c)
                        if finite and bad(c):
                            events.append(_Event(i, pos, j, _kind(c), _first_bad(c), None, False))
                continue
            partials = prim.partials
            for pos, j in parents:
                if partials is not None:
                    d = partials[pos](ans, *primals, **(params or {}))
                    product = gi * d
                    c = unbroadcast(product, primals[pos]) if ieee else \
                        cotangent_term(gi, d, primals[pos], mask=True)
                    if select and bad(c):
                        _blocked(events, i, pos, j, gi, d, product)
                    if finite and bad(c):
                        element = _first_bad(product)
                        zero = bool(np.asarray(gi if np.ndim(gi) == 0 or element is None else
                                               np.broadcast_to(gi, np.shape(product))[element])
                                    == 0)
                        shape = np.shape(product)
                        local = np.broadcast_to(d, shape)[element] if element is not None else d
                        events.append(_Event(i, pos, j, _kind(product), element,
                                             shape if element is not None else None, zero,
                                             _kind(local) if bad(local) else ""))
                else:
                    rule = prim.vjp[pos]
                    c = rule(gi, ans, *primals, **(params or {}))
                    if finite and bad(c):
                        events.append(_Event(i, pos, j, _kind(c), _first_bad(c), None, False))
                _add(adj, j, c)


def _blocked(events: list[_Event], i: int, pos: int, j: int, g: Any, d: Any, product: Any
             ) -> None:
    """A NaN where an infinite cotangent met a zero partial of a select (inf · 0)."""
    with np.errstate(all="ignore"):
        where = np.isnan(product) & (np.asarray(d) == 0) & ~np.isfinite(g)
    if not np.any(where):
        return
    shape = np.shape(product)
    flat = np.flatnonzero(where)
    element = tuple(int(k) for k in np.unravel_index(int(flat[0]), shape)) if shape else None
    events.append(_Event(i, pos, j, "nan", element, shape if element is not None else None,
                         False, "", True))


def _add(adj: list, j: int, c: Any) -> None:
    a = adj[j]
    adj[j] = c if a is None else a + c


def backward_sources(g: Graph, inputs: Sequence[int], adj: list, events: list[_Event]
                     ) -> list[NonFinite]:
    """Events whose non-finite adjoint reaches an input's adjoint."""
    broken = [k < len(adj) and adj[k] is not None and bad(adj[k]) for k in range(len(g.nodes))]
    bad_inputs = [k for k in inputs if broken[k]]
    if not bad_inputs:
        return []
    out: list[NonFinite] = []
    seen: set[tuple[int, int]] = set()
    for e in events:
        if (e.i, e.j) in seen:
            continue
        seen.add((e.i, e.j))
        up = g.up(e.j, lambda k: broken[k])
        reached = [k for k in bad_inputs if k in up]
        if not reached:
            continue
        path: set[int] = set()
        for k in reached:
            path |= g.down(k, lambda r: broken[r]) & up
        operands = g.operands(e.i, e.element, e.shape)
        target = g.refs(e.i)[e.pos] if e.pos < len(g.refs(e.i)) else g.name(e.j)
        what = f"adjoint of {g.expr(e.i)} is {e.kind}"
        if operands:
            what += f" at {_said(operands)}"
        out.append(NonFinite("backward", e.i + 1, g.op(e.i), g.expr(e.i), e.kind, what,
                             g.lines[e.i], operands, e.element, target,
                             [g.name(k) for k in reached], g.line_list(path, g.lines[e.i]),
                             g.fname))
        if len(out) >= MAX_SOURCES:
            break
    return out


# -- the where trap -------------------------------------------------------------------------


def where_traps(g: Graph, inputs: Sequence[int], masked: list, ieee: list,
                ieee_events: list[_Event]) -> list[WhereTrap]:
    """Selects whose branch not taken makes an input's adjoint NaN without masking (as
    PyTorch and JAX compute) while ad_core's is finite."""
    def nan(adj: list, k: int) -> bool:
        return k < len(adj) and adj[k] is not None and bad(adj[k])

    trapped = [k for k in inputs if nan(ieee, k) and not nan(masked, k)]
    if not trapped:
        return []
    traps: dict[int, WhereTrap] = {}
    for e in ieee_events:
        if e.blocked:
            if e.i not in traps and (trap := _blocked_trap(g, e, trapped, ieee_events)):
                traps[e.i] = trap
            continue
        if not (e.zero and e.slope):
            continue
        select = next((w for w in sorted(g.down(e.i, lambda r: True) - {e.i})
                       if g.op(w) in SELECTS), None)
        if select is None or select in traps:
            continue
        up = g.up(e.i, lambda r: True)
        inputs_hit = [g.name(k) for k in trapped if k in up]
        if not inputs_hit:
            continue
        operands = g.operands(e.i, e.element, e.shape)
        at = f" at {_said(operands)}" if operands else ""
        sel = g.op(select)
        who = "np.where does not take" if sel == "where" else f"the {sel} does not pick"
        grads = ", ".join(f"∂{g.fname}/∂{n}" for n in inputs_hit)
        what = (f"{who} {g.expr(e.i)}{at}, but its derivative there is {e.slope}: "
                f"PyTorch and JAX give NaN here (in {grads}); ad_core masks it")
        traps[select] = WhereTrap(select + 1, sel, g.lines[select], g.expr(e.i), g.lines[e.i],
                                  e.slope, operands, inputs_hit, what, g.fname)
        if len(traps) >= MAX_SOURCES:
            break
    return list(traps.values())


def _blocked_trap(g: Graph, e: _Event, trapped: list[int], events: list[_Event]
                  ) -> WhereTrap | None:
    """A maximum (minimum) that received an infinite adjoint and passes it, times 0, to the
    operand it did not pick: ``np.sqrt(np.maximum(x, 0))`` at x < 0."""
    up = g.up(e.j, lambda r: True)
    inputs_hit = [g.name(k) for k in trapped if k in up]
    if not inputs_hit:
        return None
    # where the infinite adjoint came from: a source below the select, in sweep order
    source = next((s for s in events if not s.blocked and not s.zero
                   and e.i in g.up(s.j, lambda r: True)), None)
    operands = g.operands(e.i, e.element, e.shape)
    at = f" at {_said(operands)}" if operands else ""
    refs = g.refs(e.i)
    skipped = refs[e.pos] if e.pos < len(refs) else g.name(e.j)
    sel = g.op(e.i)
    via = f" (from {g.expr(source.i)})" if source is not None else ""
    grads = ", ".join(f"∂{g.fname}/∂{n}" for n in inputs_hit)
    what = (f"the {sel} does not pick {skipped}{at}, but the adjoint it passes back is "
            f"inf{via}, times 0: PyTorch and JAX give NaN here (in {grads}); ad_core masks it")
    return WhereTrap(e.i + 1, sel, g.lines[e.i], g.expr(e.i),
                     g.lines[source.i] if source is not None else None, "inf", operands,
                     inputs_hit, what, g.fname)

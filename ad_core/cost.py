"""``ad.cost``: what a full Jacobian costs by forward and by reverse mode.

The model reads one evaluation's Wengert list (:func:`ad_core.trace`): its
operations and their flop counts from the primitive table.

Arithmetic (published constants, /work notes §5):

- forward mode: one pass per input scalar (``forward_passes = n_inputs``),
  each evaluating f and its tangent: ``forward_flops = n_inputs·C_FWD·flops``
  with C_FWD = 3 (a JVP costs about 3× f, JAX autodiff cookbook).
- reverse mode: one recording pass, then one backward sweep per output scalar
  (``reverse_passes = n_outputs``): ``reverse_flops = flops +
  n_outputs·C_REV·flops`` with C_REV = 3 (a VJP costs about 3× f, JAX
  cookbook; the cheap-gradient principle bounds f + ∇f by 3–5× f: Baur &
  Strassen 1983, Griewank & Walther 2008), plus the tape, ``tape_bytes``,
  which grows with the number of operations (Griewank & Walther 2000).

Time (what the recommendation follows): in a Python-level AD engine the
arithmetic is often the small part; every primitive application costs
microseconds of interpreter overhead (autograd#157, pytorch#41383: ~7 µs/op),
and every sweep has a fixed cost of its own. ``ad.jacfwd`` carries all n
tangents through one batched forward sweep and ``ad.jacrev`` all m cotangents
through one batched backward sweep (a few sweeps when memory asks for it:
``forward_sweeps``/``reverse_sweeps``, from the largest value of the trace and
``ad_core.forward.BATCH_ELEMENTS``), so the overheads are paid per sweep and
only the arithmetic grows with the number of directions:

    forward_time = S_fwd · (P_FWD + [n_inputs > 1]·B_FWD + ops·O_FWD + flops·F_FWD)
                   + (n_inputs - 1) · flops·G_FWD
    reverse_time = (P_REC + ops·O_REC + flops·F_REC)
                   + S_rev · (P_REV + [n_outputs > 1]·B_REV + ops·O_REV + flops·F_REV)
                   + (n_outputs - 1) · flops·G_REV

(``B``: what a batched sweep costs more than a plain one, its one-hot seeds and the
assembly of the Jacobian; ``G``: one more direction's flops inside a batched sweep;
with one direction each formula is one plain pass). The constants are fitted by
``benchmarks/jacobian_sweep.py --calibrate`` against ``ad.jacfwd``/``ad.jacrev``
on this engine (see ``CALIBRATION``), on functions and shapes the sweep does
not time. Their absolute values belong to the machine that ran the fit; their
ratios are what decide the recommendation, ``"forward"`` or ``"reverse"``.
``forward_passes``/``reverse_passes`` stay the textbook counts (n_inputs and
n_outputs directions, SPEC §1); ``batched`` says the directions share sweeps.

``static_estimate(source, name)`` gives the same fields from the AST alone,
without running anything (untrusted workspaces), marked ``is_estimate=True``;
it reads the one static counter, ``ad.symbolic.static_count``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .forward import chunk_rows
from .primitives import PRIMITIVES, onehot
from .wengert import Trace, trace

__all__ = ["CALIBRATION", "Estimate", "estimate", "static_estimate"]

C_FWD = 3.0  # JVP ≈ 3× the flops of f (JAX autodiff cookbook, autodiff_cookbook.md:394)
C_REV = 3.0  # VJP ≈ 3× the flops of f (same, :464); f itself is evaluated once

# Time constants in seconds, fitted by benchmarks/jacobian_sweep.py --calibrate
# (P: per sweep, B: more per batched sweep, O: per primitive application, F: per flop,
# G: per unit of ``direction_work`` of each further direction in a batched sweep).
CALIBRATION: dict[str, Any] = {
    "P_FWD": 1.75e-05, "B_FWD": 2.56e-05, "O_FWD": 6.69e-06, "F_FWD": 1.07e-09,
    "G_FWD": 7.17e-10,
    "P_REC": 7.36e-06, "O_REC": 3.13e-06, "F_REC": 1.01e-10,
    "P_REV": 2.48e-05, "B_REV": 1.95e-05, "O_REV": 3.5e-06, "F_REV": 5e-10,
    "G_REV": 9.09e-10,
    "machine": "x86_64, Python 3.11.7, NumPy 2.4.6, batched jacfwd/jacrev of branch i17 "
               "(CPU time, 2 shared cores under load)",
}

# A static estimate knows no shapes: each parameter counts as one scalar.
_STATIC_NODE_BYTES = 400  # containers of one tape node, measured with sys.getsizeof


@dataclass
class Estimate:
    """Predicted cost of the full Jacobian by forward and by reverse mode.

        >>> e = estimate(lambda x: np.sum(np.sin(x)), np.ones(100)); e.recommended
        'reverse'
    """

    n_inputs: int
    n_outputs: int
    ops: int
    flops: int
    forward_passes: int
    reverse_passes: int
    forward_flops: float
    reverse_flops: float
    tape_bytes: int
    forward_time: float
    reverse_time: float
    recommended: str
    is_estimate: bool = False
    notes: list[str] = field(default_factory=list)
    # Sweeps ad.jacfwd / ad.jacrev run: the directions travel as a batch, chunked by
    # memory (1 sweep unless an intermediate times the batch exceeds BATCH_ELEMENTS).
    forward_sweeps: int = 1
    reverse_sweeps: int = 1

    @property
    def batched(self) -> bool:
        """True when a mode carries more than one direction through one sweep."""
        return self.forward_passes > self.forward_sweeps or \
            self.reverse_passes > self.reverse_sweeps

    @property
    def speedup(self) -> float:
        """How many times faster the recommended mode is predicted to be."""
        slow, fast = sorted((self.forward_time, self.reverse_time), reverse=True)
        return slow / fast if fast > 0 else float("inf")

    def summary(self) -> str:
        """One line for a hover or a code lens.

            >>> estimate(lambda x: np.sum(x * x), np.ones(10)).summary().startswith(
            ...     "forward: 10 passes batched in 1 sweep")
            True
        """
        mark = "≈ " if self.is_estimate else ""
        return (f"forward: {_passes(self.forward_passes, self.forward_sweeps)} {mark}"
                f"{_fmt_time(self.forward_time)} · reverse: "
                f"{_passes(self.reverse_passes, self.reverse_sweeps)} {mark}"
                f"{_fmt_time(self.reverse_time)} + tape {_fmt_bytes(self.tape_bytes)} "
                f"→ {self.recommended}")


def _passes(n: int, sweeps: int) -> str:
    """``1 pass``, ``10 passes batched in 1 sweep``, ``5000 passes batched in 2 sweeps``."""
    if n <= 1:
        return f"{n} pass{'es' * (n != 1)}"
    return f"{n} passes batched in {sweeps} sweep{'s' * (sweeps != 1)}"


def estimate(f: Callable, *args: Any) -> Estimate:
    """Cost of ``f``'s Jacobian at ``args`` by forward vs reverse mode (runs ``f`` once).

        >>> estimate(lambda x: np.sin(x) * 2.0, 1.0).recommended in ("forward", "reverse")
        True
    """
    t = trace(f, *args)
    tape = t._tape
    # The batch sizes jacfwd/jacrev pick: by the largest traced value (constants such as
    # A in A @ x never carry a batch) and the largest input.
    largest = max([tape.largest(len(tape.nodes) - 1) if tape.nodes else 1] +
                  [int(np.size(a)) for a in args if _is_numeric(a)])
    wf, wr = direction_work(t)
    return _from_counts(t.n_inputs, t.n_outputs, t.ops, t.flops, _tape_bytes(t), largest,
                        wf, wr)


def static_estimate(source: str, name: str, sizes: dict[str, int] | None = None) -> Estimate:
    """The same estimate from the source alone (nothing runs); ``is_estimate`` is True.

        >>> static_estimate("def f(x, y):\\n    return x * y + 1\\n", "f").ops
        2
        >>> static_estimate("def f(x):\\n    return x @ x\\n", "f", {"x": 100}).n_inputs
        100

    The operations are those of ``ad.symbolic.static_count`` (the one static
    counter: operators and calls with a table entry, ``for`` loops over
    ``range(N)`` times their trip count, the costlier branch of an ``if``). Inputs:
    ``sizes`` gives the number of scalars each differentiated parameter holds (the
    shapes a caller inferred; parameters left out are not differentiated); without
    it each parameter counts as one scalar. Raises ``ValueError`` when the source has
    no function ``name``.
    """
    from .symbolic import static_count  # SymPy: imported only by those who ask

    counts = static_count(source, name)
    ops = sum(counts.ops.values())
    flops = sum(n * _int_flops(p) for p, n in counts.ops.items())
    n_in = counts.n_inputs if sizes is None else sum(max(int(n), 0) for n in sizes.values())
    largest = max([1] + [max(int(n), 0) for n in (sizes or {}).values()])
    e = _from_counts(n_in, counts.n_outputs, ops, flops, ops * _STATIC_NODE_BYTES, largest)
    e.is_estimate = True
    shapes = ("static: each parameter counted as one scalar, shapes unknown" if sizes is None
              else "static: inputs counted from the shapes of the evaluation point")
    e.notes = [shapes, *counts.notes]
    return e


# ---------------------------------------------------------------- the model


def _from_counts(n_in: int, n_out: int, ops: int, flops: int, tape_bytes: int,
                 largest: int = 1, work_fwd: float | None = None,
                 work_rev: float | None = None) -> Estimate:
    # Without a trace (static estimate) every operation's flops grow with the batch.
    work_fwd = flops if work_fwd is None else work_fwd
    work_rev = flops if work_rev is None else work_rev
    c = CALIBRATION
    s_fwd, s_rev = sweeps(n_in, largest), sweeps(n_out, largest)
    fwd_time = (s_fwd * (c["P_FWD"] + (n_in > 1) * c["B_FWD"] + ops * c["O_FWD"]
                         + flops * c["F_FWD"])
                + max(n_in - 1, 0) * work_fwd * c["G_FWD"])
    rev_time = (c["P_REC"] + ops * c["O_REC"] + flops * c["F_REC"]
                + s_rev * (c["P_REV"] + (n_out > 1) * c["B_REV"] + ops * c["O_REV"]
                           + flops * c["F_REV"])
                + max(n_out - 1, 0) * work_rev * c["G_REV"])
    if n_in == 0 or n_out == 0:
        rev_time = 0.0 if n_out == 0 else rev_time
        fwd_time = 0.0 if n_in == 0 else fwd_time
    rec = "forward" if fwd_time < rev_time else "reverse"
    return Estimate(
        n_inputs=n_in, n_outputs=n_out, ops=ops, flops=flops,
        forward_passes=n_in, reverse_passes=n_out,
        forward_flops=float(n_in * C_FWD * flops),
        reverse_flops=float(flops + n_out * C_REV * flops),
        tape_bytes=int(tape_bytes), forward_time=fwd_time, reverse_time=rev_time,
        recommended=rec, forward_sweeps=s_fwd, reverse_sweeps=s_rev)


def direction_work(t: Trace) -> tuple[int, int]:
    """What one more direction costs in a batched forward and a batched backward sweep of
    ``t`` (elements touched, or flops for a product), following ``jacfwd``/``jacrev``'s
    own bookkeeping: their seeds are one-hot (:mod:`ad_core.primitives.onehot`) and stay
    so through elementwise operations of the same shape, which then cost nothing per
    direction; ``A @ x`` on a one-hot batch is rows of ``A`` (the output's size per
    direction); everything else works on the written-out batch (an elementwise chain
    rule: one product per element; another primitive: its flops)."""
    nodes, rows = t._tape.nodes, t.rows

    def size(v) -> int:
        return int(np.size(v))

    def dense_cost(prim, ans, x, k: int) -> int:
        return size(x) if prim.partials is not None else max(rows[k].flops, size(x), 1)

    # forward: is each node's tangent batch still one-hot?
    sparse = [False] * len(nodes)
    work_f = 0
    for k, node in enumerate(nodes):
        if node is None:
            sparse[k] = k < len(rows) and rows[k].op == "input"
            continue
        prim, ans, primals, _, parents = node
        if prim is None:  # custom_jvp/vjp: one direction at a time, written out
            work_f += max(size(ans), 1)
            continue
        one_hot = True
        for pos, j in parents:
            if prim.partials is not None and sparse[j] and \
                    np.shape(primals[pos]) == np.shape(ans):
                continue
            one_hot = False
            work_f += size(ans) if sparse[j] and prim in onehot.JVP else \
                dense_cost(prim, ans, ans, k)
        sparse[k] = one_hot
    # reverse: the seed is one-hot over the outputs' elements
    state: dict[int, bool] = {i: True for _, i in t.outputs if i is not None}
    work_r = 0
    for k in range(len(nodes) - 1, -1, -1):
        node = nodes[k]
        if k not in state or node is None:
            continue
        prim, ans, primals, _, parents = node
        for pos, j in parents:
            x = primals[pos] if prim is not None else None
            if prim is None:
                one_hot, cost = False, max(size(ans), 1)
            elif prim.partials is not None and state[k] and np.shape(x) == np.shape(ans):
                one_hot, cost = True, 0
            elif state[k] and prim in onehot.VJP:
                one_hot, cost = False, size(x)
            else:
                one_hot, cost = False, dense_cost(prim, ans, x, k)
            work_r += cost
            state[j] = one_hot and state.get(j, True)
    return work_f, work_r


def sweeps(directions: int, largest: int) -> int:
    """Batched sweeps for ``directions`` tangents (or cotangents) when the largest value
    they go with has ``largest`` elements: ``jacfwd``/``jacrev``'s own chunking."""
    if directions <= 1:
        return 1 if directions == 1 else 0
    return -(-directions // chunk_rows(directions, largest))


def _is_numeric(a: Any) -> bool:
    return isinstance(a, (int, float, complex, np.ndarray, np.number)) and \
        not isinstance(a, bool)


def _tape_bytes(t: Trace) -> int:
    """Bytes the tape keeps alive: node containers plus every value it references once."""
    seen: set[int] = set()
    total = 0

    def value(v) -> int:
        if id(v) in seen:
            return 0
        seen.add(id(v))
        if isinstance(v, np.ndarray):
            return v.nbytes + sys.getsizeof(np.empty(0))
        return sys.getsizeof(v)

    for node in t._tape.nodes:
        if node is None:
            continue
        _, ans, primals, params, parents = node
        total += sys.getsizeof(node) + sys.getsizeof(primals) + sys.getsizeof(parents)
        total += sum(sys.getsizeof(p) for p in parents)
        if params:
            total += sys.getsizeof(params)
        if callable(ans):  # custom_vjp: the closure holds the residuals
            continue
        total += value(ans) + sum(value(p) for p in primals)
    return total


def _int_flops(prim: str) -> int:
    p = PRIMITIVES.get(prim)
    # Callable flop formulas need shapes; without them an op counts as one element.
    return p.flops if p is not None and isinstance(p.flops, int) else 1


def _fmt_time(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"


def _fmt_bytes(b: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if b < 1024 or unit == "GB":
            return f"{b:.0f} {unit}" if unit == "B" else f"{b:.1f} {unit}"
        b /= 1024
    return f"{b} B"

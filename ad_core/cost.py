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
and every pass has a fixed cost of its own. So the predicted times are

    forward_time = n_inputs · (P_FWD + ops·O_FWD + flops·F_FWD)
    reverse_time = (P_REC + ops·O_REC + flops·F_REC)
                   + n_outputs · (P_REV + ops·O_REV + flops·F_REV)

with constants fitted by ``benchmarks/jacobian_sweep.py --calibrate`` against
``ad.jacfwd``/``ad.jacrev`` on this engine (see ``CALIBRATION``). Their
absolute values belong to the machine that ran the fit; their ratios are what
decide the recommendation, ``"forward"`` or ``"reverse"``.

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

from .primitives import PRIMITIVES
from .wengert import Trace, trace

__all__ = ["CALIBRATION", "Estimate", "estimate", "static_estimate"]

C_FWD = 3.0  # JVP ≈ 3× the flops of f (JAX autodiff cookbook, autodiff_cookbook.md:394)
C_REV = 3.0  # VJP ≈ 3× the flops of f (same, :464); f itself is evaluated once

# Time constants in seconds, fitted by benchmarks/jacobian_sweep.py --calibrate
# (P: per pass, O: per primitive application, F: per flop).
CALIBRATION: dict[str, Any] = {
    "P_FWD": 1.28e-05, "O_FWD": 4.06e-06, "F_FWD": 1.02e-10,
    "P_REC": 4.04e-06, "O_REC": 2.21e-06, "F_REC": 6.03e-11,
    "P_REV": 7.01e-06, "O_REV": 2.09e-06, "F_REV": 4.40e-11,
    "machine": "x86_64, Python 3.11.7, NumPy 2.4.6, engine of commit ddbf051 (CPU time)",
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

    @property
    def speedup(self) -> float:
        """How many times faster the recommended mode is predicted to be."""
        slow, fast = sorted((self.forward_time, self.reverse_time), reverse=True)
        return slow / fast if fast > 0 else float("inf")

    def summary(self) -> str:
        """One line for a hover or a code lens."""
        mark = "≈ " if self.is_estimate else ""
        return (f"forward: {self.forward_passes} pass{'es' * (self.forward_passes != 1)} "
                f"{mark}{_fmt_time(self.forward_time)} · reverse: {self.reverse_passes} "
                f"pass{'es' * (self.reverse_passes != 1)} {mark}"
                f"{_fmt_time(self.reverse_time)} + tape {_fmt_bytes(self.tape_bytes)} "
                f"→ {self.recommended}")


def estimate(f: Callable, *args: Any) -> Estimate:
    """Cost of ``f``'s Jacobian at ``args`` by forward vs reverse mode (runs ``f`` once).

        >>> estimate(lambda x: np.sin(x) * 2.0, 1.0).recommended in ("forward", "reverse")
        True
    """
    t = trace(f, *args)
    return _from_counts(t.n_inputs, t.n_outputs, t.ops, t.flops, _tape_bytes(t))


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
    e = _from_counts(n_in, counts.n_outputs, ops, flops, ops * _STATIC_NODE_BYTES)
    e.is_estimate = True
    shapes = ("static: each parameter counted as one scalar, shapes unknown" if sizes is None
              else "static: inputs counted from the shapes of the evaluation point")
    e.notes = [shapes, *counts.notes]
    return e


# ---------------------------------------------------------------- the model


def _from_counts(n_in: int, n_out: int, ops: int, flops: int, tape_bytes: int) -> Estimate:
    c = CALIBRATION
    fwd_time = n_in * (c["P_FWD"] + ops * c["O_FWD"] + flops * c["F_FWD"])
    rev_time = (c["P_REC"] + ops * c["O_REC"] + flops * c["F_REC"]
                + n_out * (c["P_REV"] + ops * c["O_REV"] + flops * c["F_REV"]))
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
        recommended=rec)


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

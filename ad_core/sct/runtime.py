"""The few helpers generated code calls (``rt.seed``, ``rt.zeros_like``...).

Generated source imports this module as ``rt``. Everything that is a
derivative rule comes from the primitive table; these only shape values
(zeros like a variable, a seed of 1 for a scalar output) or, for an operation
that could not be staged before run time, compute its VJP or JVP when it runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..primitives import ops as _ops

unbroadcast = _ops.unbroadcast
zmul = _ops.zmul  # a · b with 0 · inf = 0, the table's convention (careful variant only)


def is_array(x, shape: tuple, kind: str = "f") -> bool:
    """``x`` is an ndarray of this shape (and float64, or of dtype kind ``kind``)."""
    if type(x) is not np.ndarray or x.shape != shape:
        return False
    return x.dtype == np.float64 if kind == "f" else x.dtype.kind == kind


def seed(out):
    """The cotangent 1 of a scalar output (shape ``()`` or size 1); TypeError otherwise."""
    if isinstance(out, (bool, np.bool_)) or out is None or isinstance(out, (str, tuple, list)):
        raise TypeError(f"grad requires a scalar output, but the function returned "
                        f"{'None' if out is None else type(out).__name__}")
    shape = np.shape(out)
    if math.prod(shape) != 1:
        raise TypeError(f"grad requires a scalar output, but the function returned shape "
                        f"{shape}; use ad.jacrev (or ad.jacfwd) for the Jacobian, or ad.vjp "
                        "for a vector-Jacobian product")
    return 1.0 if shape == () else np.ones(shape)


def zeros_like(x):
    """A zero adjoint (or tangent) shaped like ``x``: 0.0 for a scalar."""
    if isinstance(x, tuple):
        return tuple(zeros_like(v) for v in x)
    if isinstance(x, np.ndarray):
        return np.zeros(x.shape)
    if isinstance(x, (float, int, np.number)):
        return 0.0
    return np.zeros(np.shape(x))


def broadcast_like(t, ans):
    """A tangent shaped like its value (only a broadcast operand had a tangent)."""
    s = np.shape(ans)
    return t if np.shape(t) == s else np.broadcast_to(t, s)


def op_vjp(fn: Callable, g, args: tuple, wrt: tuple):
    """Cotangents of ``args[i]`` (i in ``wrt``) for one operation ``fn(*args)`` whose rules
    need values known only at run time: applied by the table through ``ad.vjp``."""
    from .. import api

    def restricted(*xs):
        full = list(args)
        for i, x in zip(wrt, xs):
            full[i] = x
        return fn(*full)

    if isinstance(g, tuple):
        return _tuple_vjp(restricted, g, [args[i] for i in wrt])
    _, back = api.vjp(restricted, *[args[i] for i in wrt])
    return back(g)


def _tuple_vjp(fn: Callable, gs: tuple, primals: list):
    """The VJP of a function with several outputs: the gradient of <gs, fn(x)>."""
    from .. import api

    def dot(*xs):
        total = 0.0
        for gi, oi in zip(gs, fn(*xs)):
            if not isinstance(oi, (int, bool, np.integer)):
                total = total + (gi * oi).sum() if np.ndim(oi) else total + gi * oi
        return total

    _, back = api.vjp(dot, *primals)
    return back(1.0)


def op_jvp(fn: Callable, args: tuple, tangents: dict):
    """The tangent of ``fn(*args)`` for tangents of some of its arguments (``{i: t}``)."""
    from .. import api

    wrt = tuple(sorted(tangents))

    def restricted(*xs):
        full = list(args)
        for i, x in zip(wrt, xs):
            full[i] = x
        return fn(*full)

    return api.jvp(restricted, tuple(args[i] for i in wrt), tuple(tangents[i] for i in wrt))[1]

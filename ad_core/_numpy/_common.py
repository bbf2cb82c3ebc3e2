"""Helpers shared by the NumPy handlers: axes, dtypes, refusals, ``out=``."""

from __future__ import annotations

import math

import numpy as np

from .._core import Tracer, shape_of

NOVALUE = np._NoValue  # NumPy's "argument not given" marker


def given(v) -> bool:
    return v is not NOVALUE


def ndim(x) -> int:
    return len(shape_of(x))


def unsupported(name: str) -> NotImplementedError:
    return NotImplementedError(f"{name} has no derivative rule in ad_core")


def refuse(fname: str, kw: str, value, why: str = "") -> NotImplementedError:
    """A keyword argument (or a value of one) ad_core does not differentiate."""
    why = f": {why}" if why else ""
    return NotImplementedError(f"{fname}({kw}={value!r}) is not supported by ad_core{why}")


def axes(axis, nd: int, fname: str = "numpy") -> tuple[int, ...] | None:
    """``axis`` as a sorted tuple of non-negative ints (None stays None)."""
    if axis is None:
        return None
    items = axis if isinstance(axis, (tuple, list)) else (axis,)
    out = []
    for a in items:
        a = int(a)
        if not -max(nd, 1) <= a < max(nd, 1):
            raise np.exceptions.AxisError(a, nd)
        out.append(a % max(nd, 1))
    if len(set(out)) != len(out):
        raise ValueError("duplicate value in 'axis'")
    return tuple(sorted(out))


def one_axis(axis, nd: int) -> int:
    a = int(axis)
    if not -nd <= a < nd:
        raise np.exceptions.AxisError(a, nd)
    return a % nd


def count(shape: tuple, ax: tuple[int, ...] | None) -> int:
    if ax is None:
        return math.prod(shape)
    return math.prod(shape[i] for i in ax)


_FLOAT64 = np.dtype(np.float64)


def check_dtype(fname: str, dtype) -> None:
    """ad_core computes in float64: dtype=None / float64 is honoured; anything else
    would change the values (float32 rounding, integer truncation) and is refused."""
    if dtype is None or dtype is NOVALUE:
        return
    try:
        d = np.dtype(dtype)
    except TypeError:
        raise refuse(fname, "dtype", dtype) from None
    if d != _FLOAT64:
        raise refuse(fname, "dtype", dtype, "traced values are float64; cast the result's "
                     "plain value (y.value.astype(...)) if you need another type")


def operand(x):
    """A tracer or a float ndarray / float (lists and ints converted)."""
    if isinstance(x, (Tracer, np.ndarray)):
        return x
    if isinstance(x, (float, int, np.floating, np.integer)) and not isinstance(x, bool):
        return float(x)
    if isinstance(x, (list, tuple)) and any(_has_tracer(v) for v in x):
        from . import creation

        return creation.array_of(x)
    return np.asarray(x, dtype=float)


def _has_tracer(v) -> bool:
    if isinstance(v, Tracer):
        return True
    if isinstance(v, (list, tuple)):
        return any(_has_tracer(e) for e in v)
    return False


def has_tracer(v) -> bool:
    """Whether ``v`` (possibly a nested list or tuple) holds a traced value."""
    return _has_tracer(v)

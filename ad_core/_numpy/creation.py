"""Creating arrays from traced values: linspace and its kin, the ``*_like``
functions, meshgrid, and ``np.array`` of traced values.

``np.zeros_like(x)`` of a traced ``x`` is a traced array (zero derivative), so
that ``a = np.zeros_like(x); a[i] = f(x[i])`` is an in-place write ad_core
follows, where a plain array would silently drop the derivative in ``float()``.

``np.array([...])`` / ``np.asarray`` are not dispatched by NumPy (NEP 18 leaves
array creation out; NEP 35's ``like=`` is the only hook): ``array_of`` does
what they would, and ``array_constructors()`` installs it in place of NumPy's
for the span of a ``with`` block (the kernel's hook; see docs/ad_core.md).
"""

from __future__ import annotations

import contextlib
import operator

import numpy as np

from .._core import Tracer, raw, shape_of
from ..primitives import ops
from ._common import check_dtype, has_tracer, ndim, one_axis, operand, refuse
from .indexing import Codes
from .inplace import set_at

# ---------------------------------------------------------------- ranges


def np_linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
                device=None):
    check_dtype("numpy.linspace", dtype)
    if device not in (None, "cpu"):
        raise refuse("numpy.linspace", "device", device)
    num = operator.index(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    start, stop = operand(start), operand(stop)
    div = (num - 1) if endpoint else num
    delta = ops.sub(stop, start)
    y = np.arange(0, num, dtype=float).reshape((-1,) + (1,) * ndim(delta))
    # NumPy's own sequence of operations (numpy/_core/function_base.py): same values.
    if div > 0:
        step = ops.div(delta, float(div))
        if np.any(raw(step) == 0):
            y = ops.mul(y / div, delta)
        else:
            y = ops.mul(y, step)
    else:
        step = np.nan
        y = ops.mul(y, delta)
    y = ops.add(y, start)
    if endpoint and num > 1:
        y = set_at(y, -1, stop)
    if axis != 0:
        n = ndim(y)
        ax = one_axis(axis, n)
        perm = list(range(1, n))
        perm.insert(ax, 0)
        y = ops.transpose(y, axes=tuple(perm))
    return (y, step) if retstep else y


def np_logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    check_dtype("numpy.logspace", dtype)
    y = np_linspace(start, stop, num=num, endpoint=endpoint, axis=axis)
    b = operand(base)
    if ndim(b):
        s = list(shape_of(b))
        s.insert(one_axis(axis, ndim(y)), 1)
        b = ops.reshape(b, shape=tuple(s))
    return ops.power(b, y)


def np_geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    check_dtype("numpy.geomspace", dtype)
    start, stop = operand(start), operand(stop)
    if np.any(raw(start) == 0) or np.any(raw(stop) == 0):
        raise ValueError("Geometric sequence cannot include zero")
    sign = np.sign(raw(start))
    start, stop = ops.div(start, sign), ops.div(stop, sign)
    r = np_logspace(ops.log10(start), ops.log10(stop), num=num, endpoint=endpoint, base=10.0)
    if num > 0:
        r = set_at(r, 0, start)
        if num > 1 and endpoint:
            r = set_at(r, -1, stop)
    r = ops.mul(sign, r)
    if axis != 0:
        n = ndim(r)
        perm = list(range(1, n))
        perm.insert(one_axis(axis, n), 0)
        r = ops.transpose(r, axes=tuple(perm))
    return r


# ---------------------------------------------------------------- *_like


def _traced_constant(like, value: float, shape):
    """An array of ``value`` on ``like``'s trace (its derivative is zero), so that in-place
    writes into it are followed."""
    if isinstance(like, Tracer) and (shape is None or tuple(np.atleast_1d(shape)) ==
                                     shape_of(like) or shape == shape_of(like)):
        s = shape_of(like)
        return ops.where(np.zeros(s, dtype=bool), like, np.full(s, value))
    s = shape_of(like) if shape is None else shape
    return np.full(s, value)


def _like(fname, value):
    def handler(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
        if dtype is not None and np.dtype(dtype) != np.float64:
            return getattr(np, fname)(raw(a), dtype=dtype, order=order, subok=subok,
                                      shape=shape)
        return _traced_constant(a, value, shape)
    handler.__name__ = f"np_{fname}"
    return handler


np_zeros_like = _like("zeros_like", 0.0)
np_ones_like = _like("ones_like", 1.0)


def np_empty_like(prototype, /, dtype=None, order="K", subok=True, shape=None, *,
                  device=None):
    return _like("empty_like", 0.0)(prototype, dtype, order, subok, shape)


def np_full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None, *,
                 device=None):
    if dtype is not None and np.dtype(dtype) != np.float64:
        if isinstance(fill_value, Tracer):
            raise refuse("numpy.full_like", "dtype", dtype, "a traced fill_value is float64")
        return np.full_like(raw(a), fill_value, dtype=dtype, order=order, subok=subok,
                            shape=shape)
    s = shape_of(a) if shape is None else ((int(shape),) if np.ndim(shape) == 0
                                           else tuple(shape))
    if isinstance(fill_value, Tracer) or has_tracer(fill_value):
        f = operand(fill_value)
        return ops.broadcast_to(f, shape=s) if shape_of(f) != s else \
            ops.reshape(f, shape=s)
    if isinstance(a, Tracer) and s == shape_of(a):
        fv = np.broadcast_to(np.asarray(fill_value, dtype=float), s)
        return ops.where(np.zeros(s, dtype=bool), a, fv.copy())
    return np.full(s, fill_value, dtype=float)


def np_meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    c = Codes([operand(x) for x in xi])
    grids = np.meshgrid(*c.codes, copy=True, sparse=sparse, indexing=indexing)
    return tuple(c.gather(g) for g in grids)


# ---------------------------------------------------------------- np.array of traced values


def array_of(obj, dtype=None):
    """What ``np.array(obj)`` would give, for ``obj`` holding traced values: a traced
    array (nested lists and tuples are stacked; all leaves must have one shape)."""
    if dtype is not None:
        check_dtype("numpy.array", dtype)
    if isinstance(obj, Tracer):
        return ops.reshape(obj, shape=shape_of(obj))  # a new handle, as np.array copies
    if isinstance(obj, (list, tuple)):
        if not has_tracer(obj):
            return np.array(obj, dtype=float)
        items = [array_of(e) for e in obj]
        s = shape_of(items[0])
        for it in items[1:]:
            if shape_of(it) != s:
                raise ValueError("setting an array element with a sequence. The requested "
                                 "array has an inhomogeneous shape")
        return ops.concatenate(*[ops.reshape(it, shape=(1,) + s) for it in items], axis=0)
    return np.asarray(obj, dtype=float)


def _constructor(fname):
    npfn = getattr(np, fname)

    def handler(a, dtype=None, *args, like=None, **kwargs):
        if has_tracer(a):
            if args or any(k not in ("copy", "order", "ndmin", "subok") for k in kwargs):
                raise refuse(f"numpy.{fname}", "...", args or kwargs)
            r = array_of(a, dtype)
            ndmin = kwargs.get("ndmin", 0)
            if ndmin and ndim(r) < ndmin:
                r = ops.reshape(r, shape=(1,) * (ndmin - ndim(r)) + shape_of(r))
            return r
        return npfn(a, dtype, *args, **kwargs)

    handler.__name__ = f"np_{fname}"
    return handler


_CONSTRUCTORS = ("array", "asarray", "asanyarray", "ascontiguousarray")
# Reductions that NumPy's dispatch cannot see a traced value in when it comes inside a
# plain list (`np.sum([f(y) for y in x])`): NEP 18 looks only at the list itself.
_LIST_TAKERS = ("sum", "prod", "mean", "average", "max", "min", "amax", "amin", "std",
                "var", "cumsum", "cumprod", "nansum", "nanmean", "dot", "inner", "outer")
# What array_constructors() swaps on the module (the kernel swaps the names a file
# imported from numpy, `from numpy import sum`, by this list too).
PATCHED = (*_CONSTRUCTORS, "isscalar", *_LIST_TAKERS)


def _isscalar(npfn):
    def isscalar(element):
        # a traced 0-d value stands for a number (x[0] of a traced vector, a float input):
        # code such as pycma's `x = [x] if isscalar(x[0]) else x` must take the same branch
        # as on plain values, where x[0] is a NumPy scalar
        if isinstance(element, Tracer):
            return not shape_of(element)
        return npfn(element)

    return isscalar


def _list_taker(npfn):
    def taker(*args, **kwargs):
        if any(isinstance(a, (list, tuple)) and has_tracer(a) for a in args):
            args = tuple(array_of(a) if isinstance(a, (list, tuple)) and has_tracer(a)
                         else a for a in args)
        return npfn(*args, **kwargs)

    taker.__name__ = npfn.__name__
    taker.__doc__ = npfn.__doc__
    return taker


@contextlib.contextmanager
def array_constructors():
    """Inside the block, ``np.array`` / ``np.asarray`` / ``np.asanyarray`` /
    ``np.ascontiguousarray`` (as looked up on the ``numpy`` module) accept traced
    values, ``np.isscalar`` says True for a traced 0-d value, and ``np.sum`` & co. take
    plain lists of traced values (`_LIST_TAKERS`). It patches the module for the whole
    process: meant for a process that runs one user function at a time (the kernel),
    not for library code."""
    saved = {n: getattr(np, n) for n in PATCHED}
    try:
        for n in _CONSTRUCTORS:
            setattr(np, n, _constructor(n))
        np.isscalar = _isscalar(saved["isscalar"])
        for n in _LIST_TAKERS:
            setattr(np, n, _list_taker(saved[n]))
        yield
    finally:
        for n, f in saved.items():
            setattr(np, n, f)


FUNCTIONS = {
    np.linspace: np_linspace, np.logspace: np_logspace, np.geomspace: np_geomspace,
    np.zeros_like: np_zeros_like, np.ones_like: np_ones_like, np.empty_like: np_empty_like,
    np.full_like: np_full_like, np.meshgrid: np_meshgrid,
}
for _n in _CONSTRUCTORS:  # reached only through NEP 35's like=
    FUNCTIONS[getattr(np, _n)] = _constructor(_n)

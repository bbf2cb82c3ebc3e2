"""Plain NumPy code on traced values: operators, NEP 13 and NEP 18.

``np.sin(x)`` on a tracer reaches ``Tracer.__array_ufunc__``; ``np.sum(x)``
reaches ``Tracer.__array_function__``. Both look the function up here and
call its handler: a primitive of the table, or a composite of primitives
(the handlers for NumPy functions live in ``ad_core/_numpy/``, by family).
Functions with a derivative of zero wherever they have one (comparisons,
``floor``, ``argmax``...) run on the primal values. Anything else is an error
that names the function: nothing is differentiated silently wrong.

This module is the single registration point:

- ``UFUNCS`` ({ufunc: primitive}), ``COMPOSITE_UFUNCS`` ({ufunc: function of
  the inputs}) and ``PRIMAL_UFUNCS`` (a set) for ufuncs;
- ``FAMILIES``: the modules of ``ad_core/_numpy/`` whose ``FUNCTIONS`` tables
  ({numpy function: handler}) are merged into ``FUNCTIONS`` (each function in
  exactly one family). A new family is one more module in that tuple;
- SciPy's ufuncs (``_numpy/scipy_special.py``): ad_core never imports SciPy, so
  they join ``UFUNCS`` the first time one reaches a tracer; any other ufunc
  without an entry is an error that names its real module;
- ``PRIMAL_FUNCTIONS``: functions run on the primal values;
- ``METHODS``: the array methods and operators installed on ``Tracer``.
"""

from __future__ import annotations

import math

import numpy as np

from ._core import Tracer, raw, shape_of, user_site
from ._numpy import (
    complex_values,
    creation,
    fft,
    indexing,
    inplace,
    linalg,
    products,
    reductions,
    scipy_special,
    shapes,
)
from ._numpy._common import check_dtype, operand, refuse
from .primitives import ops
from .primitives.complex import is_complex

# ---------------------------------------------------------------- helpers


def _axis(axis, ndim: int):
    if axis is None:
        return None
    if isinstance(axis, (tuple, list)):
        return tuple(sorted(int(a) % max(ndim, 1) for a in axis))
    return (int(axis) % max(ndim, 1),)


def _ndim(x) -> int:
    return len(shape_of(x))


def unsupported(name: str):
    return NotImplementedError(f"{name} has no derivative rule in ad_core")


# ---------------------------------------------------------------- ufuncs


def _power(x, y):
    # x**2 is the most common power: square has a cheaper, non-singular rule.
    if type(y) in (int, float) and y == 2:
        return ops.square(x)
    return ops.power(x, y)


def _fmax(x, y):
    """maximum that ignores NaN, as NumPy's fmax (maximum propagates it)."""
    m = ops.maximum(x, y)
    rx, ry = np.isnan(raw(x)), np.isnan(raw(y))
    if not (np.any(rx) or np.any(ry)):
        return m
    return ops.where(rx, y, ops.where(ry, x, m))


def _fmin(x, y):
    m = ops.minimum(x, y)
    rx, ry = np.isnan(raw(x)), np.isnan(raw(y))
    if not (np.any(rx) or np.any(ry)):
        return m
    return ops.where(rx, y, ops.where(ry, x, m))


def _fresh(x):
    """A new handle on the same value (NumPy returns a new array: a later in-place write
    into one must not show in the other)."""
    if isinstance(x, Tracer) and type(raw(x)) is np.ndarray:
        return ops.reshape(x, shape=shape_of(x))
    return x


def _fmod(x, y):
    # x - trunc(x / y) * y: derivative 1 in x, -trunc(x / y) in y (trunc is piecewise constant)
    q = np.trunc(np.true_divide(raw(x), raw(y)))
    r = ops.sub(x, ops.mul(q, y))
    want = np.fmod(raw(x), raw(y))  # NumPy's exact value; the derivative is the composite's
    return ops.add(r, want - raw(r)) if np.any(want != raw(r)) else r


def _copysign(x, y):
    flip = np.signbit(raw(x)) != np.signbit(raw(y))
    return ops.where(flip, ops.neg(x), x)


def _ldexp(x, i):
    if isinstance(i, Tracer):
        raise TypeError(f"numpy.ldexp: the exponent must be a plain integer (at {user_site()})")
    return ops.mul(x, np.ldexp(1.0, i))


def _modf(x):
    whole = np.trunc(raw(x))
    return ops.sub(x, whole), whole


def _frexp(x):
    m, e = np.frexp(raw(x))
    return ops.mul(x, np.ldexp(1.0, -e)), e


def _divmod(x, y):
    return np.floor_divide(raw(x), raw(y)), ops.mod(x, y)


def _nextafter(x, y):
    rx = raw(x)
    return ops.add(x, np.nextafter(rx, raw(y)) - rx)


def _vecdot(x, y, axis=-1):
    return ops.sum_(ops.mul(x, y), axis=(int(axis) % max(len(np.broadcast_shapes(
        shape_of(x), shape_of(y))), 1),), keepdims=False)


def _matvec(a, v):
    r = ops.matmul(a, ops.reshape(v, shape=shape_of(v) + (1,)))
    return ops.reshape(r, shape=shape_of(r)[:-1])


def _vecmat(v, a):
    r = ops.matmul(ops.reshape(v, shape=shape_of(v)[:-1] + (1, shape_of(v)[-1])), a)
    return ops.reshape(r, shape=shape_of(r)[:-2] + shape_of(r)[-1:])


UFUNCS = {
    np.add: ops.add, np.subtract: ops.sub, np.multiply: ops.mul,
    np.true_divide: ops.div, np.power: ops.power, np.float_power: ops.power,
    np.negative: ops.neg, np.absolute: ops.absolute,
    np.sin: ops.sin, np.cos: ops.cos, np.tan: ops.tan,
    np.arcsin: ops.arcsin, np.arccos: ops.arccos, np.arctan: ops.arctan,
    np.sinh: ops.sinh, np.cosh: ops.cosh, np.tanh: ops.tanh,
    np.arcsinh: ops.arcsinh, np.arccosh: ops.arccosh, np.arctanh: ops.arctanh,
    np.exp: ops.exp, np.expm1: ops.expm1, np.exp2: ops.exp2,
    np.log: ops.log, np.log1p: ops.log1p, np.log2: ops.log2, np.log10: ops.log10,
    np.sqrt: ops.sqrt, np.cbrt: ops.cbrt, np.square: ops.square,
    np.reciprocal: ops.reciprocal,
    np.maximum: ops.maximum, np.minimum: ops.minimum,
    np.arctan2: ops.arctan2, np.hypot: ops.hypot, np.logaddexp: ops.logaddexp,
    np.remainder: ops.mod, np.matmul: ops.matmul,
}

COMPOSITE_UFUNCS = {
    np.fabs: ops.absolute,
    np.positive: _fresh,
    np.conjugate: complex_values.np_conj, np.sign: complex_values.np_sign,
    np.deg2rad: lambda x: ops.mul(x, math.pi / 180.0),
    np.radians: lambda x: ops.mul(x, math.pi / 180.0),
    np.rad2deg: lambda x: ops.mul(x, 180.0 / math.pi),
    np.degrees: lambda x: ops.mul(x, 180.0 / math.pi),
    np.logaddexp2: lambda x, y: ops.div(ops.logaddexp(ops.mul(x, ops.LN2), ops.mul(y, ops.LN2)),
                                        ops.LN2),
    np.fmax: _fmax, np.fmin: _fmin, np.fmod: _fmod, np.copysign: _copysign,
    np.ldexp: _ldexp, np.modf: _modf, np.frexp: _frexp, np.divmod: _divmod,
    np.nextafter: _nextafter,
}
for _name, _fn in (("vecdot", _vecdot), ("matvec", _matvec), ("vecmat", _vecmat)):
    if hasattr(np, _name):  # NumPy >= 2.0 / 2.2
        COMPOSITE_UFUNCS[getattr(np, _name)] = _fn

# Derivative zero (or undefined) everywhere it exists: computed on primal values.
PRIMAL_UFUNCS = {
    np.floor, np.ceil, np.trunc, np.rint, np.floor_divide, np.signbit,
    np.isnan, np.isinf, np.isfinite, np.greater, np.greater_equal, np.less, np.less_equal,
    np.equal, np.not_equal, np.logical_and, np.logical_or, np.logical_not, np.logical_xor,
    np.heaviside, np.spacing,
}

# Keyword arguments of a ufunc call that choose how NumPy computes, not what: honoured
# by computing the same values (order, casting and subok only shape memory and errors).
_UFUNC_LAYOUT = ("casting", "order", "subok")


def _has_complex_loop(ufunc) -> bool:
    """Whether NumPy computes ``ufunc`` on complex values (fabs, deg2rad, ldexp do not: a
    composite of complex-safe primitives must not accept what NumPy refuses)."""
    return any(c in t.split("->")[0] for t in ufunc.types for c in "FDG")


def _ufunc_call(name: str, ufunc, inputs, kwargs):
    if kwargs:
        # NumPy judges the keywords first (a bad signature, dtype or axes raises there,
        # as without tracers); a ufunc with no derivative is then NumPy's answer itself.
        checked = ufunc(*[raw(x) for x in inputs], **kwargs)
        if ufunc in PRIMAL_UFUNCS:
            return checked
    check_dtype(name, kwargs.pop("dtype", None))
    if kwargs.pop("signature", None) is not None:
        raise refuse(name, "signature", "...", "traced values use the float64 loop")
    axis = kwargs.pop("axis", None)
    if axis is not None and not (hasattr(np, "vecdot") and ufunc is np.vecdot):
        raise refuse(name, "axis", axis)
    for k in ("axes", "keepdims"):
        v = kwargs.pop(k, None)
        if v is not None and v is not False:
            raise refuse(name, k, v)
    for k in _UFUNC_LAYOUT:
        kwargs.pop(k, None)
    if kwargs:
        raise TypeError(f"{name}() got unexpected keyword argument(s) {sorted(kwargs)}")
    if ufunc is np.power and len(inputs) == 2:
        return _power(*inputs)
    prim = UFUNCS.get(ufunc)
    if prim is not None:
        return prim(*inputs)
    comp = COMPOSITE_UFUNCS.get(ufunc)
    if comp is not None:
        if any(is_complex(x) for x in inputs) and not _has_complex_loop(ufunc):
            ufunc(*[raw(x) for x in inputs])  # NumPy refuses complex values: its error
        return comp(*inputs) if axis is None else comp(*inputs, axis=axis)
    if ufunc in PRIMAL_UFUNCS:
        return ufunc(*[raw(x) for x in inputs])
    # SciPy's ufuncs register on first sight; anything else is an error naming its module.
    return scipy_special.missing_ufunc(ufunc, "__call__", inputs, UFUNCS)


def _out_value(out):
    o = out[0] if isinstance(out, tuple) else out
    return o


def array_ufunc(self, ufunc, method, *inputs, **kwargs):
    if not kwargs and method == "__call__":  # the common call: np.sin(x), np.add(x, y)
        prim = UFUNCS.get(ufunc)
        if prim is not None and ufunc is not np.power:
            return prim(*inputs)
    name = scipy_special.ufunc_name(ufunc)
    out = kwargs.pop("out", None)
    if isinstance(out, tuple) and all(o is None for o in out):
        out = None
    if method == "__call__":
        where = kwargs.pop("where", True)
        compute = lambda: _ufunc_call(name, ufunc, inputs, dict(kwargs))  # noqa: E731
        if where is not True:
            if out is None:
                raise refuse(name, "where", "...", "without out=, NumPy leaves the elements "
                             "where the mask is False uninitialized; pass out= or use np.where")
            mask = np.asarray(raw(where), dtype=bool)
            prev = _out_value(out)
            full = compute
            compute = lambda: ops.where(mask, full(), prev)  # noqa: E731
        if out is not None:
            o = _out_value(out)
            if ufunc.nout != 1:
                raise refuse(name, "out", "...", "ufuncs with several outputs")
            if type(o) is np.ndarray:
                if not any(isinstance(x, Tracer) for x in inputs):
                    return inplace.store(name, out, compute())
                return inplace.plain_inplace(name, ufunc, inputs, o, compute)
        return inplace.store(name, out, compute())
    if method == "reduce":
        red = _REDUCE.get(ufunc)
        if red is None:
            raise unsupported(f"{name}.reduce")
        kw = dict(kwargs)
        kw.setdefault("axis", 0)
        return red(inputs[0], out=out, **kw)
    if method == "accumulate":
        acc = _ACCUMULATE.get(ufunc)
        if acc is None:
            raise unsupported(f"{name}.accumulate")
        kw = dict(kwargs)
        kw.setdefault("axis", 0)
        return acc(inputs[0], out=out, **kw)
    if method == "outer" and len(inputs) == 2:
        a, b = operand(inputs[0]), operand(inputs[1])
        a = ops.reshape(a, shape=shape_of(a) + (1,) * len(shape_of(b)))
        return array_ufunc(self, ufunc, "__call__", a, b, out=out, **kwargs)
    if method == "at" and ufunc in (np.add, np.subtract) and len(inputs) == 3:
        a, idx, b = inputs
        if not isinstance(a, Tracer):
            raise TypeError(f"{name}.at at {user_site()} writes traced values into a plain "
                            "NumPy array, where their derivative is lost: make the array "
                            "traced first (np.zeros_like(x) of a traced x)")
        sub_shape = np.broadcast_to(np.empty((), np.int8), shape_of(a))[idx].shape
        b = operand(b)
        b = ops.broadcast_to(b, shape=sub_shape) if shape_of(b) != sub_shape else b
        placed = ops.untake(b, idx=idx, shape=shape_of(a))
        inplace.assign(a, (ops.add if ufunc is np.add else ops.sub)(a, placed))
        return None
    # SciPy's ufuncs register on first sight; anything else is an error naming its module.
    return scipy_special.missing_ufunc(ufunc, method, inputs, UFUNCS)


_REDUCE = {np.add: reductions.np_sum, np.multiply: reductions.np_prod,
           np.maximum: reductions.np_max, np.minimum: reductions.np_min}
_ACCUMULATE = {np.add: reductions.np_cumsum, np.multiply: reductions.np_cumprod}


# ---------------------------------------------------------------- functions


def np_clip(a, a_min=np._NoValue, a_max=np._NoValue, out=None, *, min=np._NoValue,  # noqa: A002
            max=np._NoValue, **kwargs):  # noqa: A002
    if min is not np._NoValue:
        if a_min is not np._NoValue:
            raise ValueError("Passed more than one argument for the same parameter: 'a_min' "
                             "and 'min'")
        a_min = min
    if max is not np._NoValue:
        if a_max is not np._NoValue:
            raise ValueError("Passed more than one argument for the same parameter: 'a_max' "
                             "and 'max'")
        a_max = max
    if a_min is np._NoValue and a_max is np._NoValue:
        raise ValueError("One of max or min must be given")
    where = kwargs.pop("where", True)
    check_dtype("numpy.clip", kwargs.pop("dtype", None))
    for k in _UFUNC_LAYOUT:
        kwargs.pop(k, None)
    if kwargs:
        raise TypeError(f"clip() got unexpected keyword argument(s) {sorted(kwargs)}")
    x = operand(a)
    r = x
    if a_min is not None and a_min is not np._NoValue:
        r = ops.maximum(r, a_min)
    if a_max is not None and a_max is not np._NoValue:
        r = ops.minimum(r, a_max)
    if r is x:
        r = _fresh(x)
    if where is not True:
        if out is None:
            raise refuse("numpy.clip", "where", "...", "without out=, NumPy leaves the "
                         "elements where the mask is False uninitialized")
        r = ops.where(np.asarray(raw(where), dtype=bool), r, _out_value(out))
    return inplace.store("numpy.clip", out, r)


def np_nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    v = operand(x)
    rv = raw(v)
    big = np.finfo(np.float64).max
    r = ops.where(np.isnan(rv), nan, v)
    r = ops.where(np.isposinf(rv), big if posinf is None else posinf, r)
    r = ops.where(np.isneginf(rv), -big if neginf is None else neginf, r)
    if not copy and isinstance(x, Tracer):
        inplace.assign(x, r)
        return x
    return r


def np_bincount(x, /, weights=None, minlength=0):
    if isinstance(x, Tracer):
        raise TypeError(f"numpy.bincount of traced values at {user_site()}: bins are indices "
                        "and have no derivative; pass x.value")
    if weights is None or not isinstance(weights, Tracer):
        return np.bincount(x, weights=raw(weights) if weights is not None else None,
                           minlength=minlength)
    idx = np.asarray(x)
    n = int(max(minlength, (idx.max() + 1) if idx.size else 0))
    w = operand(weights)
    if shape_of(w) != idx.shape:
        raise ValueError("The weights and list don't have the same length.")
    return ops.untake(w, idx=idx, shape=(n,))


def _on_primals(fn):
    """Derivative zero wherever defined: run on the plain values (an ``out=`` that is a
    traced array takes the result as a constant)."""
    def run(*args, **kwargs):
        out = kwargs.get("out")
        if isinstance(out, Tracer):
            kwargs = dict(kwargs)
            kwargs["out"] = np.array(raw(out), dtype=float)  # NumPy checks shape and casting
            r = fn(*[raw(a) for a in args], **{k: raw(v) for k, v in kwargs.items()})
            return inplace.store(f"numpy.{fn.__name__}", out, np.asarray(r, dtype=float))
        return fn(*[raw(a) for a in args], **{k: raw(v) for k, v in kwargs.items()})
    run.__name__ = f"primal_{getattr(fn, '__name__', 'fn')}"
    return run


FAMILIES = (reductions, shapes, indexing, products, creation, linalg, fft, complex_values)

FUNCTIONS = {}
for _family in FAMILIES:
    FUNCTIONS.update(_family.FUNCTIONS)
FUNCTIONS.update({
    np.clip: np_clip, np.nan_to_num: np_nan_to_num, np.bincount: np_bincount,
    np.sinc: lambda x: ops.sinc(operand(x)),
    np.real_if_close: lambda a, tol=100: _fresh(a),
})

# Derivative zero wherever it exists (or no derivative: indices, booleans, shapes).
PRIMAL_FUNCTIONS = (
    np.shape, np.ndim, np.size, np.isclose, np.allclose, np.array_equal, np.array_equiv,
    np.argmax, np.argmin, np.nanargmax, np.nanargmin, np.argsort, np.argpartition,
    np.nonzero, np.count_nonzero, np.any, np.all, np.round, np.around, np.fix,
    np.isreal, np.iscomplex, np.isrealobj, np.iscomplexobj, np.isposinf, np.isneginf,
    np.result_type, np.searchsorted, np.digitize, np.argwhere, np.flatnonzero, np.isin,
    np.lexsort, np.shares_memory, np.may_share_memory, np.array_repr, np.array_str,
    np.array2string, np.tril_indices_from, np.triu_indices_from, np.diag_indices_from,
    np.min_scalar_type,
)
for _f in PRIMAL_FUNCTIONS:
    FUNCTIONS[_f] = _on_primals(_f)


def array_function(self, func, types, args, kwargs):
    handler = FUNCTIONS.get(func)
    if handler is None:
        mod = getattr(func, "__module__", "numpy") or "numpy"
        raise unsupported(f"{mod}.{func.__name__}")
    return handler(*args, **kwargs)


# ---------------------------------------------------------------- Tracer methods


def _astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
    d = np.dtype(dtype)
    if is_complex(self):
        if d.kind == "c" and d.itemsize == 16:
            return _fresh(self) if copy else self
        if d.kind != "c":
            raise TypeError(f"astype({d.name}) of a complex traced value drops its imaginary "
                            f"part (at {user_site()}); write x.real (or np.abs(x)) instead")
    elif d.kind == "f" and d.itemsize == 8:
        return _fresh(self) if copy else self
    elif d.kind == "c" and d.itemsize == 16:
        return ops.add(self, 0j)
    raise TypeError(f"astype({np.dtype(dtype).name}) of a traced value drops its derivative "
                    f"(at {user_site()}); use `x.value.astype(...)` for the plain value")


def _method_reshape(self, *shape, order="C", copy=None):
    if len(shape) == 1:
        shape = shape[0]
    return shapes.np_reshape(self, shape, order=order, copy=copy)


def _method_transpose(self, *axes):
    if len(axes) == 1 and (axes[0] is None or not isinstance(axes[0], (int, np.integer))):
        axes = axes[0]
    return shapes.np_transpose(self, axes if axes else None)


def _method_sort(self, axis=-1, kind=None, order=None, *, stable=None):
    inplace.assign(self, indexing.np_sort(self, axis, kind, order, stable=stable))


def _method_partition(self, kth, axis=-1, kind="introselect", order=None):
    inplace.assign(self, indexing.np_partition(self, kth, axis, kind, order))


def _method_dot(self, b, out=None):
    return products.np_dot(self, b, out=out)


_NO_PARAMS: dict = {}  # shared by operator calls; never mutated


def _bin(prim):
    # self is a tracer: skip Primitive.__call__'s search unless other may be more inner.
    def op(self, other):
        if isinstance(other, Tracer) and other._trace.level > self._trace.level:
            return other._trace.process(prim, (self, other), _NO_PARAMS)
        return self._trace.process(prim, (self, other), _NO_PARAMS)
    op.__name__ = prim.name
    return op


def _rbin(prim):
    def op(self, other):
        if isinstance(other, Tracer) and other._trace.level > self._trace.level:
            return other._trace.process(prim, (other, self), _NO_PARAMS)
        return self._trace.process(prim, (other, self), _NO_PARAMS)
    op.__name__ = "r" + prim.name
    return op


def _un(prim):
    return lambda self: prim(self)


def _floordiv(a, b):
    return np.floor_divide(raw(a), raw(b))


def _primal_method(name):
    run = _on_primals(getattr(np, name))

    def method(self, *a, **k):
        return run(self, *a, **k)
    method.__name__ = name
    return method


def _method_var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=np._NoValue, *,
                where=np._NoValue, mean=np._NoValue):
    # ndarray.var has no correction= (np.var has): mirror the method, not the function
    return reductions.np_var(self, axis, dtype, out, ddof, keepdims, where=where, mean=mean)


def _method_std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=np._NoValue, *,
                where=np._NoValue, mean=np._NoValue):
    return reductions.np_std(self, axis, dtype, out, ddof, keepdims, where=where, mean=mean)


def _tolist(self):
    # NumPy's tolist gives plain floats, which would drop the derivative: nested lists of
    # traced scalars keep it (x.tolist()[i] is x[i]); a traced 0-d value stays itself
    if not shape_of(self):
        return self
    return [_tolist(indexing.getitem(self, i)) for i in range(shape_of(self)[0])]


METHODS = {
    "__add__": _bin(ops.add), "__radd__": _rbin(ops.add),
    "__sub__": _bin(ops.sub), "__rsub__": _rbin(ops.sub),
    "__mul__": _bin(ops.mul), "__rmul__": _rbin(ops.mul),
    "__truediv__": _bin(ops.div), "__rtruediv__": _rbin(ops.div),
    "__pow__": lambda self, other, mod=None: _power(self, other), "__rpow__": _rbin(ops.power),
    "__matmul__": _bin(ops.matmul), "__rmatmul__": _rbin(ops.matmul),
    "__mod__": _bin(ops.mod), "__rmod__": _rbin(ops.mod),
    "__floordiv__": _floordiv, "__rfloordiv__": lambda s, o: _floordiv(o, s),
    "__neg__": _un(ops.neg), "__pos__": _fresh, "__abs__": _un(ops.absolute),
    "__iadd__": inplace.inplace_operator(ops.add),
    "__isub__": inplace.inplace_operator(ops.sub),
    "__imul__": inplace.inplace_operator(ops.mul),
    "__itruediv__": inplace.inplace_operator(ops.div),
    "__ipow__": inplace.inplace_operator(_power),
    "__imatmul__": inplace.inplace_operator(ops.matmul),
    "__imod__": inplace.inplace_operator(ops.mod),
    "__getitem__": indexing.getitem,
    "__setitem__": inplace.setitem,
    "__array_ufunc__": array_ufunc, "__array_function__": array_function,
    "sum": reductions.np_sum, "mean": reductions.np_mean, "prod": reductions.np_prod,
    "max": reductions.np_max, "min": reductions.np_min, "var": _method_var,
    "std": _method_std, "cumsum": reductions.np_cumsum,
    "cumprod": reductions.np_cumprod,
    "dot": _method_dot, "reshape": _method_reshape, "transpose": _method_transpose,
    "ravel": shapes.np_ravel, "flatten": lambda self, order="C": _fresh(
        shapes.np_ravel(self, order)),
    "squeeze": shapes.np_squeeze, "swapaxes": shapes.np_swapaxes,
    "diagonal": shapes.np_diagonal, "trace": shapes.np_trace, "repeat": shapes.np_repeat,
    "take": indexing.np_take, "compress": lambda self, condition, axis=None, out=None:
        indexing.np_compress(condition, self, axis, out),
    "clip": np_clip, "astype": _astype, "copy": lambda self, order="C": _fresh(self),
    "conj": complex_values.np_conj, "conjugate": complex_values.np_conj,
    "sort": _method_sort, "partition": _method_partition, "fill": indexing.method_fill,
    "put": indexing.np_put,
    "argmax": _primal_method("argmax"), "argmin": _primal_method("argmin"),
    "argsort": _primal_method("argsort"), "argpartition": _primal_method("argpartition"),
    "nonzero": _primal_method("nonzero"), "round": _primal_method("round"),
    "searchsorted": _primal_method("searchsorted"),
    "any": _primal_method("any"), "all": _primal_method("all"),
    "tolist": _tolist,
}

for _name, _fn in METHODS.items():
    setattr(Tracer, _name, _fn)
Tracer.T = property(lambda self: shapes.np_transpose(self))
Tracer.mT = property(lambda self: shapes.np_swapaxes(self, -1, -2))
Tracer.real = property(complex_values.np_real)
Tracer.imag = property(complex_values.np_imag)

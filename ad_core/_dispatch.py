"""Plain NumPy code on traced values: operators, NEP 13 and NEP 18.

``np.sin(x)`` on a tracer reaches ``Tracer.__array_ufunc__``; ``np.sum(x)``
reaches ``Tracer.__array_function__``. Both look the function up here and
bind the matching primitive, or a composite of primitives. Functions with a
derivative of zero wherever they have one (comparisons, ``floor``,
``argmax``...) run on the primal values. Anything else is an error that names
the function: nothing is differentiated silently wrong.
"""

from __future__ import annotations

import math

import numpy as np

from . import _dispatch_families
from ._core import Tracer, raw, shape_of
from .primitives import ops

# ---------------------------------------------------------------- helpers


def _axis(axis, ndim: int):
    if axis is None:
        return None
    if isinstance(axis, (tuple, list)):
        return tuple(sorted(int(a) % max(ndim, 1) for a in axis))
    return (int(axis) % max(ndim, 1),)


def _no_out(name: str, out) -> None:
    if out is not None:
        raise TypeError(f"numpy.{name}(..., out=...) writes in place, which cannot be "
                        "differentiated: use the returned value instead")


def _ndim(x) -> int:
    return len(shape_of(x))


def unsupported(name: str):
    return NotImplementedError(f"{name} has no derivative rule in ad_core")


# ---------------------------------------------------------------- reductions


def np_sum(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
    _no_out("sum", out)
    return ops.sum_(a, axis=_axis(axis, _ndim(a)), keepdims=bool(keepdims))


def _count(a, axis) -> int:
    s = shape_of(a)
    if axis is None:
        return math.prod(s)
    return math.prod(s[i] for i in axis)


def np_mean(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
    _no_out("mean", out)
    ax = _axis(axis, _ndim(a))
    return ops.div(ops.sum_(a, axis=ax, keepdims=bool(keepdims)), float(_count(a, ax)))


def np_var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):
    _no_out("var", out)
    ax = _axis(axis, _ndim(a))
    m = ops.div(ops.sum_(a, axis=ax, keepdims=True), float(_count(a, ax)))
    d = ops.square(ops.sub(a, m))
    return ops.div(ops.sum_(d, axis=ax, keepdims=bool(keepdims)), float(_count(a, ax) - ddof))


def np_std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):
    return ops.sqrt(np_var(a, axis=axis, out=out, ddof=ddof, keepdims=keepdims))


def np_prod(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
    _no_out("prod", out)
    return ops.prod(a, axis=_axis(axis, _ndim(a)), keepdims=bool(keepdims))


def np_max(a, axis=None, out=None, keepdims=False, **kw):
    _no_out("max", out)
    return ops.max_(a, axis=_axis(axis, _ndim(a)), keepdims=bool(keepdims))


def np_min(a, axis=None, out=None, keepdims=False, **kw):
    _no_out("min", out)
    return ops.min_(a, axis=_axis(axis, _ndim(a)), keepdims=bool(keepdims))


def np_cumsum(a, axis=None, dtype=None, out=None):
    _no_out("cumsum", out)
    if axis is None:
        a, axis = np_ravel(a), 0
    return ops.cumsum(a, axis=int(axis) % _ndim(a))


# ---------------------------------------------------------------- shape


def _shape_arg(shape, size: int):
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    shape = tuple(int(s) for s in shape)
    if shape.count(-1) == 1:
        known = math.prod(s for s in shape if s != -1)
        shape = tuple(size // max(known, 1) if s == -1 else s for s in shape)
    return shape


def np_reshape(a, *args, shape=None, newshape=None, order="C", **kw):
    if order != "C":
        raise NotImplementedError(f"numpy.reshape with order={order!r} in ad_core")
    if shape is None:
        shape = newshape if newshape is not None else (args[0] if len(args) == 1 else args)
    size = math.prod(shape_of(a))
    return ops.reshape(a, shape=_shape_arg(shape, size))


def np_ravel(a, order="C"):
    return np_reshape(a, (-1,), order=order)


def np_transpose(a, axes=None):
    n = _ndim(a)
    axes = tuple(reversed(range(n))) if axes is None else tuple(int(i) % n for i in axes)
    return ops.transpose(a, axes=axes)


def np_swapaxes(a, axis1, axis2):
    n = _ndim(a)
    axes = list(range(n))
    i, j = int(axis1) % n, int(axis2) % n
    axes[i], axes[j] = axes[j], axes[i]
    return ops.transpose(a, axes=tuple(axes))


def np_moveaxis(a, source, destination):
    n = _ndim(a)
    src = [int(source) % n] if np.ndim(source) == 0 else [int(s) % n for s in source]
    dst = [int(destination) % n] if np.ndim(destination) == 0 else [int(d) % n
                                                                     for d in destination]
    order = [i for i in range(n) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return ops.transpose(a, axes=tuple(order))


def np_expand_dims(a, axis):
    s = list(shape_of(a))
    axes = [axis] if np.ndim(axis) == 0 else list(axis)
    n = len(s) + len(axes)
    for ax in sorted(int(x) % n for x in axes):
        s.insert(ax, 1)
    return ops.reshape(a, shape=tuple(s))


def np_squeeze(a, axis=None):
    s = shape_of(a)
    if axis is None:
        new = tuple(n for n in s if n != 1)
    else:
        axes = {int(x) % len(s) for x in ([axis] if np.ndim(axis) == 0 else axis)}
        for ax in axes:
            if s[ax] != 1:
                raise ValueError("cannot select an axis to squeeze out which has size not "
                                 "equal to one")
        new = tuple(n for i, n in enumerate(s) if i not in axes)
    return ops.reshape(a, shape=new)


def np_broadcast_to(array, shape, subok=False):
    return ops.broadcast_to(array, shape=_shape_arg(shape, 0))


def _as_operand(x):
    return x if isinstance(x, (Tracer, np.ndarray)) else np.asarray(x, dtype=float) \
        if not isinstance(x, (float, int)) else np.asarray(float(x))


def np_concatenate(arrays, axis=0, out=None, **kw):
    _no_out("concatenate", out)
    xs = [_as_operand(x) for x in arrays]
    if axis is None:
        xs = [np_ravel(x) for x in xs]
        axis = 0
    return ops.concatenate(*xs, axis=int(axis) % _ndim(xs[0]))


def np_stack(arrays, axis=0, out=None, **kw):
    _no_out("stack", out)
    xs = [_as_operand(x) for x in arrays]
    n = _ndim(xs[0]) + 1
    ax = int(axis) % n
    return ops.concatenate(*[np_expand_dims(x, ax) for x in xs], axis=ax)


def np_hstack(tup, **kw):
    xs = [_as_operand(x) for x in tup]
    xs = [np_reshape(x, (1,)) if _ndim(x) == 0 else x for x in xs]
    return np_concatenate(xs, axis=0 if _ndim(xs[0]) == 1 else 1)


def np_vstack(tup, **kw):
    xs = [_as_operand(x) for x in tup]
    xs = [np_reshape(x, (1, -1)) if _ndim(x) <= 1 else x for x in xs]
    return np_concatenate(xs, axis=0)


def np_atleast_1d(*arys):
    out = [np_reshape(a, (1,)) if _ndim(a) == 0 else a for a in arys]
    return out[0] if len(out) == 1 else out


def np_diff(a, n=1, axis=-1, **kw):
    for _ in range(n):
        nd = _ndim(a)
        ax = int(axis) % nd
        hi = [slice(None)] * nd
        lo = [slice(None)] * nd
        hi[ax] = slice(1, None)
        lo[ax] = slice(None, -1)
        a = ops.sub(ops.getitem(a, idx=tuple(hi)), ops.getitem(a, idx=tuple(lo)))
    return a


def np_flip(m, axis=None):
    nd = _ndim(m)
    axes = range(nd) if axis is None else [int(a) % nd for a in np.atleast_1d(axis)]
    idx = [slice(None)] * nd
    for a in axes:
        idx[a] = slice(None, None, -1)
    return ops.getitem(m, idx=tuple(idx))


def np_sort(a, axis=-1, **kw):
    r = raw(a)
    if axis is None:
        a, r, axis = np_ravel(a), np.ravel(r), 0
    order = np.argsort(r, axis=axis, kind="stable")
    idx = list(np.indices(r.shape, sparse=True))
    idx[int(axis) % r.ndim] = order
    return ops.getitem(a, idx=tuple(idx))


def np_where(condition, x=None, y=None):
    if x is None and y is None:
        return np.where(raw(condition))
    return ops.where(np.asarray(raw(condition), dtype=bool), x, y)


def np_clip(a, a_min=None, a_max=None, out=None, **kw):
    _no_out("clip", out)
    a_min = kw.pop("min", a_min)
    a_max = kw.pop("max", a_max)
    if a_min is not None:
        a = ops.maximum(a, a_min)
    if a_max is not None:
        a = ops.minimum(a, a_max)
    return a


def np_copy(a, **kw):
    return a


# ---------------------------------------------------------------- products


def np_dot(a, b, out=None):
    _no_out("dot", out)
    na, nb = _ndim(a), _ndim(b)
    if na == 0 or nb == 0:
        return ops.mul(a, b)
    if na <= 2 and nb <= 2:
        return ops.matmul(a, b)
    return np_tensordot(a, b, axes=([na - 1], [nb - 2]))


def np_vdot(a, b):
    return ops.sum_(ops.mul(np_ravel(a), np_ravel(b)), axis=None, keepdims=False)


def np_inner(a, b):
    na, nb = _ndim(a), _ndim(b)
    if na == 0 or nb == 0:
        return ops.mul(a, b)
    return np_tensordot(a, b, axes=([na - 1], [nb - 1]))


def np_outer(a, b, out=None):
    _no_out("outer", out)
    return ops.mul(np_reshape(a, (-1, 1)), np_reshape(b, (1, -1)))


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def np_tensordot(a, b, axes=2):
    na, nb = _ndim(a), _ndim(b)
    if isinstance(axes, (int, np.integer)):
        ax_a = list(range(na - int(axes), na))
        ax_b = list(range(int(axes)))
    else:
        ax_a, ax_b = axes
        ax_a = [int(ax_a) % na] if np.ndim(ax_a) == 0 else [int(i) % na for i in ax_a]
        ax_b = [int(ax_b) % nb] if np.ndim(ax_b) == 0 else [int(i) % nb for i in ax_b]
    if na + nb > len(_LETTERS):
        raise NotImplementedError("numpy.tensordot with more than 52 axes in ad_core")
    sa = list(_LETTERS[:na])
    sb = list(_LETTERS[na:na + nb])
    for i, j in zip(ax_a, ax_b):
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in ax_a] + [c for j, c in enumerate(sb)
                                                              if j not in ax_b]
    return ops.einsum(a, b, subscripts="".join(sa) + "," + "".join(sb) + "->" + "".join(out))


def np_einsum(subscripts, *operands, out=None, optimize=False, **kw):
    _no_out("einsum", out)
    if not isinstance(subscripts, str):
        raise NotImplementedError("numpy.einsum in sublist form has no derivative rule in "
                                  "ad_core; use a subscripts string")
    ops._einsum_parse(subscripts, len(operands))  # fail early with a named error
    return ops.einsum(*operands, subscripts=subscripts)


def np_trace(a, offset=0, axis1=0, axis2=1, **kw):
    if _ndim(a) != 2 or offset != 0:
        raise NotImplementedError("numpy.trace beyond 2-D, offset 0 in ad_core")
    n = min(shape_of(a))
    i = np.arange(n)
    return ops.sum_(ops.getitem(a, idx=(i, i)), axis=None, keepdims=False)


def np_diagonal(a, offset=0, axis1=0, axis2=1):
    if _ndim(a) != 2 or offset != 0:
        raise NotImplementedError("numpy.diagonal beyond 2-D, offset 0 in ad_core")
    i = np.arange(min(shape_of(a)))
    return ops.getitem(a, idx=(i, i))


def np_diag(v, k=0):
    if k != 0:
        raise NotImplementedError("numpy.diag with k != 0 in ad_core")
    if _ndim(v) == 2:
        return np_diagonal(v)
    n = shape_of(v)[0]
    return ops.mul(np.eye(n), np_reshape(v, (1, n)))


# ---------------------------------------------------------------- tables


def _on_primals(fn):
    """Derivative zero wherever defined: run on the plain values."""
    def run(*args, **kwargs):
        return fn(*[raw(a) for a in args], **{k: raw(v) for k, v in kwargs.items()})
    return run


UFUNCS = {
    np.add: ops.add, np.subtract: ops.sub, np.multiply: ops.mul,
    np.true_divide: ops.div, np.power: ops.power, np.float_power: ops.power,
    np.negative: ops.neg, np.absolute: ops.absolute, np.fabs: ops.absolute,
    np.sin: ops.sin, np.cos: ops.cos, np.tan: ops.tan,
    np.arcsin: ops.arcsin, np.arccos: ops.arccos, np.arctan: ops.arctan,
    np.sinh: ops.sinh, np.cosh: ops.cosh, np.tanh: ops.tanh,
    np.arcsinh: ops.arcsinh, np.arccosh: ops.arccosh, np.arctanh: ops.arctanh,
    np.exp: ops.exp, np.expm1: ops.expm1, np.exp2: ops.exp2,
    np.log: ops.log, np.log1p: ops.log1p, np.log2: ops.log2, np.log10: ops.log10,
    np.sqrt: ops.sqrt, np.cbrt: ops.cbrt, np.square: ops.square,
    np.reciprocal: ops.reciprocal,
    np.maximum: ops.maximum, np.minimum: ops.minimum,
    np.fmax: ops.maximum, np.fmin: ops.minimum,
    np.arctan2: ops.arctan2, np.hypot: ops.hypot, np.logaddexp: ops.logaddexp,
    np.remainder: ops.mod, np.matmul: ops.matmul,
}

_COMPOSITE_UFUNCS = {
    np.positive: lambda x: x,
    np.deg2rad: lambda x: ops.mul(x, math.pi / 180.0),
    np.radians: lambda x: ops.mul(x, math.pi / 180.0),
    np.rad2deg: lambda x: ops.mul(x, 180.0 / math.pi),
    np.degrees: lambda x: ops.mul(x, 180.0 / math.pi),
    np.logaddexp2: lambda x, y: ops.div(ops.logaddexp(ops.mul(x, ops.LN2), ops.mul(y, ops.LN2)),
                                        ops.LN2),
    np.conjugate: lambda x: x,
}

# Derivative zero (or undefined) everywhere it exists: computed on primal values.
_PRIMAL_UFUNCS = {
    np.sign, np.floor, np.ceil, np.trunc, np.rint, np.floor_divide, np.signbit,
    np.isnan, np.isinf, np.isfinite, np.greater, np.greater_equal, np.less, np.less_equal,
    np.equal, np.not_equal, np.logical_and, np.logical_or, np.logical_not, np.logical_xor,
    np.heaviside, np.spacing,
}

_REDUCE = {np.add: np_sum, np.multiply: np_prod, np.maximum: np_max, np.minimum: np_min}


def array_ufunc(self, ufunc, method, *inputs, **kwargs):
    out = kwargs.pop("out", None)
    if out is not None:
        raise TypeError(f"numpy.{ufunc.__name__}(..., out=...) writes in place, which cannot "
                        "be differentiated: use the returned value instead")
    if kwargs.get("where", True) is not True:
        raise NotImplementedError(f"numpy.{ufunc.__name__}(..., where=...) in ad_core: use "
                                  "np.where on the result")
    if method == "__call__":
        if ufunc is np.power and len(inputs) == 2:
            return _power(*inputs)
        prim = UFUNCS.get(ufunc)
        if prim is not None:
            return prim(*inputs)
        comp = _COMPOSITE_UFUNCS.get(ufunc)
        if comp is not None:
            return comp(*inputs)
        if ufunc in _PRIMAL_UFUNCS:
            return ufunc(*[raw(x) for x in inputs])
    elif method == "reduce" and ufunc in _REDUCE:
        axis = kwargs.get("axis", 0)
        return _REDUCE[ufunc](inputs[0], axis=axis, keepdims=kwargs.get("keepdims", False))
    # SciPy's ufuncs register on first sight; anything else is an error naming its module.
    return _dispatch_families.missing_ufunc(ufunc, method, inputs, UFUNCS)


FUNCTIONS = {
    np.sum: np_sum, np.mean: np_mean, np.var: np_var, np.std: np_std, np.prod: np_prod,
    np.max: np_max, np.amax: np_max, np.min: np_min, np.amin: np_min, np.cumsum: np_cumsum,
    np.reshape: np_reshape, np.ravel: np_ravel, np.transpose: np_transpose,
    np.swapaxes: np_swapaxes, np.moveaxis: np_moveaxis, np.expand_dims: np_expand_dims,
    np.squeeze: np_squeeze, np.broadcast_to: np_broadcast_to,
    np.concatenate: np_concatenate, np.stack: np_stack, np.hstack: np_hstack,
    np.vstack: np_vstack, np.atleast_1d: np_atleast_1d, np.diff: np_diff, np.flip: np_flip,
    np.sort: np_sort, np.where: np_where, np.clip: np_clip, np.copy: np_copy,
    np.dot: np_dot, np.vdot: np_vdot, np.inner: np_inner, np.outer: np_outer,
    np.tensordot: np_tensordot, np.einsum: np_einsum, np.trace: np_trace,
    np.diagonal: np_diagonal, np.diag: np_diag,
    np.abs: lambda x, **kw: ops.absolute(x),
}

for _f in (np.shape, np.ndim, np.size, np.zeros_like, np.ones_like, np.empty_like,
           np.full_like, np.isclose, np.allclose, np.array_equal, np.argmax, np.argmin,
           np.argsort, np.nonzero, np.count_nonzero, np.any, np.all, np.round, np.around,
           np.sign, np.floor, np.ceil, np.isnan, np.isinf, np.isfinite, np.result_type,
           np.searchsorted, np.digitize, np.unique, np.argwhere, np.flatnonzero):
    FUNCTIONS[_f] = _on_primals(_f)


def array_function(self, func, types, args, kwargs):
    handler = FUNCTIONS.get(func)
    if handler is None:
        mod = getattr(func, "__module__", "numpy") or "numpy"
        raise unsupported(f"{mod}.{func.__name__}")
    return handler(*args, **kwargs)


# ---------------------------------------------------------------- Tracer methods


def _getitem(self, idx):
    if isinstance(idx, Tracer):
        raise TypeError("indexing with a traced value: indices must be plain integers or arrays")
    if isinstance(idx, tuple):
        idx = tuple(raw(i) for i in idx)
    elif isinstance(idx, list):
        idx = np.asarray(idx)
    return ops.getitem(self, idx=idx)


def _astype(self, dtype, *a, **kw):
    if np.dtype(dtype).kind == "f":
        return self
    raise TypeError(f"astype({np.dtype(dtype).name}) of a traced value drops its derivative; "
                    "use `x.value.astype(...)` for the plain value")


def _method_reshape(self, *shape, order="C"):
    if len(shape) == 1:
        shape = shape[0]
    return np_reshape(self, shape, order=order)


def _method_transpose(self, *axes):
    if len(axes) == 1 and (axes[0] is None or not isinstance(axes[0], (int, np.integer))):
        axes = axes[0]
    return np_transpose(self, axes if axes else None)


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


def _power(x, y):
    # x**2 is the most common power: square has a cheaper, non-singular rule.
    if type(y) in (int, float) and y == 2:
        return ops.square(x)
    return ops.power(x, y)


def _floordiv(a, b):
    return np.floor_divide(raw(a), raw(b))


_METHODS = {
    "__add__": _bin(ops.add), "__radd__": _rbin(ops.add),
    "__sub__": _bin(ops.sub), "__rsub__": _rbin(ops.sub),
    "__mul__": _bin(ops.mul), "__rmul__": _rbin(ops.mul),
    "__truediv__": _bin(ops.div), "__rtruediv__": _rbin(ops.div),
    "__pow__": lambda self, other, mod=None: _power(self, other), "__rpow__": _rbin(ops.power),
    "__matmul__": _bin(ops.matmul), "__rmatmul__": _rbin(ops.matmul),
    "__mod__": _bin(ops.mod), "__rmod__": _rbin(ops.mod),
    "__floordiv__": _floordiv, "__rfloordiv__": lambda s, o: _floordiv(o, s),
    "__neg__": _un(ops.neg), "__pos__": lambda self: self, "__abs__": _un(ops.absolute),
    "__getitem__": _getitem,
    "__array_ufunc__": array_ufunc, "__array_function__": array_function,
    "sum": np_sum, "mean": np_mean, "prod": np_prod, "max": np_max, "min": np_min,
    "var": np_var, "std": np_std, "cumsum": np_cumsum,
    "dot": np_dot, "reshape": _method_reshape, "transpose": _method_transpose,
    "ravel": np_ravel, "flatten": np_ravel, "squeeze": np_squeeze, "swapaxes": np_swapaxes,
    "clip": np_clip, "astype": _astype, "copy": np_copy, "conj": lambda self: self,
    "argmax": lambda self, *a, **k: np.argmax(raw(self), *a, **k),
    "argmin": lambda self, *a, **k: np.argmin(raw(self), *a, **k),
    "any": lambda self, *a, **k: np.any(raw(self), *a, **k),
    "all": lambda self, *a, **k: np.all(raw(self), *a, **k),
    "tolist": lambda self: raw(self).tolist() if hasattr(raw(self), "tolist") else raw(self),
}

for _name, _fn in _METHODS.items():
    setattr(Tracer, _name, _fn)
Tracer.T = property(lambda self: np_transpose(self))
Tracer.real = property(lambda self: self)

# numpy.linalg, numpy.fft, scipy.special and complex numbers: their own modules.
_dispatch_families.register(UFUNCS, FUNCTIONS, _COMPOSITE_UFUNCS)

"""Reductions: sum, mean, var, std, prod, max, min, ptp, the running sums and
products, the nan* family, average, median and quantiles.

``where=`` masks become a ``where`` primitive (the masked elements get a zero
derivative, and an inf or NaN there cannot leak into the result); ``initial=``
is one more operand; ``out=`` is an in-place write (``inplace.store``).
"""

from __future__ import annotations

import math

import numpy as np

from .._core import Tracer, raw, shape_of
from ..primitives import ops
from ..primitives.complex import imag, is_complex, real
from ._common import NOVALUE, axes, check_dtype, given, ndim, one_axis, operand, refuse
from .indexing import gather_along
from .inplace import store


def _masked(x, where, fill: float):
    """x with the elements outside ``where`` replaced by ``fill`` (and their derivative 0)."""
    if not given(where) or where is True:
        return x, None
    m = np.broadcast_to(np.asarray(raw(where), dtype=bool), shape_of(x))
    return ops.where(m, x, fill), m


def _keep(keepdims) -> bool:
    return bool(keepdims) if given(keepdims) else False


def np_sum(a, axis=None, dtype=None, out=None, keepdims=NOVALUE, initial=NOVALUE,
           where=NOVALUE):
    if dtype is None and out is None and initial is NOVALUE and where is NOVALUE and \
            isinstance(a, Tracer):  # the common call, without the keyword machinery
        return ops.sum_(a, axis=axes(axis, len(shape_of(a))), keepdims=_keep(keepdims))
    check_dtype("numpy.sum", dtype)
    x = operand(a)
    x, _ = _masked(x, where, 0.0)
    r = ops.sum_(x, axis=axes(axis, ndim(x)), keepdims=_keep(keepdims))
    if given(initial) and initial is not None:
        r = ops.add(r, initial)
    return store("numpy.sum", out, r)


def _count(x, ax, mask, keepdims):
    """Elements per slice: a Python float, or an array when a mask makes counts differ."""
    if mask is None:
        s = shape_of(x)
        return float(math.prod(s) if ax is None else math.prod(s[i] for i in ax))
    return np.sum(mask, axis=ax, keepdims=keepdims).astype(float)


def np_mean(a, axis=None, dtype=None, out=None, keepdims=NOVALUE, *, where=NOVALUE):
    if dtype is None and out is None and where is NOVALUE and isinstance(a, Tracer):
        ax = axes(axis, len(shape_of(a)))
        return ops.div(ops.sum_(a, axis=ax, keepdims=_keep(keepdims)),
                       _count(a, ax, None, False))
    check_dtype("numpy.mean", dtype)
    x = operand(a)
    ax = axes(axis, ndim(x))
    x, m = _masked(x, where, 0.0)
    kd = _keep(keepdims)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = ops.div(ops.sum_(x, axis=ax, keepdims=kd), _count(x, ax, m, kd))
    return store("numpy.mean", out, r)


def _ddof(fname, ddof, correction) -> float:
    if given(correction):
        if ddof != 0:
            raise ValueError("ddof and correction can't be provided simultaneously.")
        return float(correction)
    return float(ddof)


def np_var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=NOVALUE, *, where=NOVALUE,
           mean=NOVALUE, correction=NOVALUE, _fname="numpy.var"):
    check_dtype(_fname, dtype)
    x = operand(a)
    ax = axes(axis, ndim(x))
    dd = _ddof(_fname, ddof, correction)
    xm, m = _masked(x, where, 0.0)
    n = _count(x, ax, m, True)
    if given(mean):
        mu = operand(mean)
    else:
        mu = ops.div(ops.sum_(xm, axis=ax, keepdims=True), n)
    d = ops.sub(x, mu)
    # NumPy's var of complex values is the mean of |x - mean|², a real number.
    d = ops.add(ops.square(real(d)), ops.square(imag(d))) if is_complex(d) else ops.square(d)
    if m is not None:
        d = ops.where(m, d, 0.0)
    kd = _keep(keepdims)
    denom = _count(x, ax, m, kd)
    denom = np.maximum(denom - dd, 0.0) if isinstance(denom, np.ndarray) else max(denom - dd, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = ops.div(ops.sum_(d, axis=ax, keepdims=kd), denom)
    return store(_fname, out, r)


def np_std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=NOVALUE, *, where=NOVALUE,
           mean=NOVALUE, correction=NOVALUE):
    v = np_var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims, where=where,
               mean=mean, correction=correction, _fname="numpy.std")
    return store("numpy.std", out, ops.sqrt(v))


def np_prod(a, axis=None, dtype=None, out=None, keepdims=NOVALUE, initial=NOVALUE,
            where=NOVALUE):
    check_dtype("numpy.prod", dtype)
    x = operand(a)
    x, _ = _masked(x, where, 1.0)
    r = ops.prod(x, axis=axes(axis, ndim(x)), keepdims=_keep(keepdims))
    if given(initial) and initial is not None:
        r = ops.mul(r, initial)
    return store("numpy.prod", out, r)


def _extreme(fname, prim, pair, fill, a, axis, out, keepdims, initial, where):
    x = operand(a)
    if given(where) and where is not True and not given(initial):
        raise ValueError(f"reduction operation '{pair.name}' does not have an identity, "
                         "so to use a where mask one has to specify 'initial'")
    x, _ = _masked(x, where, fill)
    ax = axes(axis, ndim(x))
    kd = _keep(keepdims)
    if given(initial) and initial is not None and 0 in shape_of(x):
        # NumPy's empty reduction with an identity: initial everywhere
        r = ops.add(ops.sum_(x, axis=ax, keepdims=kd), initial)
    else:
        r = prim(x, axis=ax, keepdims=kd)
        if given(initial) and initial is not None:
            r = pair(r, initial)
    return store(fname, out, r)


def np_max(a, axis=None, out=None, keepdims=NOVALUE, initial=NOVALUE, where=NOVALUE):
    return _extreme("numpy.max", ops.max_, ops.maximum, -np.inf, a, axis, out, keepdims,
                    initial, where)


def np_min(a, axis=None, out=None, keepdims=NOVALUE, initial=NOVALUE, where=NOVALUE):
    return _extreme("numpy.min", ops.min_, ops.minimum, np.inf, a, axis, out, keepdims,
                    initial, where)



def np_ptp(a, axis=None, out=None, keepdims=NOVALUE):
    x = operand(a)
    ax = axes(axis, ndim(x))
    kd = _keep(keepdims)
    return store("numpy.ptp", out, ops.sub(ops.max_(x, axis=ax, keepdims=kd),
                                           ops.min_(x, axis=ax, keepdims=kd)))


# ---------------------------------------------------------------- running sums and products


def _running(fname, prim, a, axis, dtype, out, include_initial=False, identity=0.0,
             need_axis=False):
    check_dtype(fname, dtype)
    x = operand(a)
    if axis is None:
        if need_axis and ndim(x) > 1:
            raise ValueError(f"{fname}: axis must be specified for arrays of more than one "
                             "dimension")
        x = ops.reshape(x, shape=(int(np.prod(shape_of(x), dtype=np.int64)),))
        axis = 0
    ax = one_axis(axis, ndim(x))
    r = prim(x, axis=ax)
    if include_initial:
        s = list(shape_of(r))
        s[ax] = 1
        r = ops.concatenate(np.full(tuple(s), identity), r, axis=ax)
    return store(fname, out, r)


def np_cumsum(a, axis=None, dtype=None, out=None):
    return _running("numpy.cumsum", ops.cumsum, a, axis, dtype, out)


def np_cumprod(a, axis=None, dtype=None, out=None):
    return _running("numpy.cumprod", ops.cumprod, a, axis, dtype, out)


def np_cumulative_sum(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
    return _running("numpy.cumulative_sum", ops.cumsum, x, axis, dtype, out,
                    bool(include_initial), 0.0, need_axis=True)


def np_cumulative_prod(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
    return _running("numpy.cumulative_prod", ops.cumprod, x, axis, dtype, out,
                    bool(include_initial), 1.0, need_axis=True)


# ---------------------------------------------------------------- nan*


def _not_nan(a, where):
    x = operand(a)
    ok = ~np.isnan(raw(x))
    if given(where) and where is not True:
        ok = ok & np.broadcast_to(np.asarray(raw(where), dtype=bool), shape_of(x))
    return x, ok


def np_nansum(a, axis=None, dtype=None, out=None, keepdims=NOVALUE, initial=NOVALUE,
              where=NOVALUE):
    x, ok = _not_nan(a, where)
    return np_sum(x, axis=axis, dtype=dtype, out=out, keepdims=keepdims, initial=initial,
                  where=ok)


def np_nanprod(a, axis=None, dtype=None, out=None, keepdims=NOVALUE, initial=NOVALUE,
               where=NOVALUE):
    x, ok = _not_nan(a, where)
    return np_prod(x, axis=axis, dtype=dtype, out=out, keepdims=keepdims, initial=initial,
                   where=ok)


def np_nanmean(a, axis=None, dtype=None, out=None, keepdims=NOVALUE, *, where=NOVALUE):
    x, ok = _not_nan(a, where)
    return np_mean(x, axis=axis, dtype=dtype, out=out, keepdims=keepdims, where=ok)


def np_nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=NOVALUE, *,
              where=NOVALUE, mean=NOVALUE, correction=NOVALUE):
    x, ok = _not_nan(a, where)
    return np_var(x, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims, where=ok,
                  mean=mean, correction=correction, _fname="numpy.nanvar")


def np_nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=NOVALUE, *,
              where=NOVALUE, mean=NOVALUE, correction=NOVALUE):
    x, ok = _not_nan(a, where)
    v = np_var(x, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims, where=ok,
               mean=mean, correction=correction, _fname="numpy.nanstd")
    return store("numpy.nanstd", out, ops.sqrt(v))


def _nan_extreme(fname, prim, pair, fill, a, axis, out, keepdims, initial, where):
    if given(where) and where is not True and not given(initial):
        raise ValueError(f"reduction operation 'f{pair.name[:3]}' does not have an identity, "
                         "so to use a where mask one has to specify 'initial'")
    x, ok = _not_nan(a, where)
    ax = axes(axis, ndim(x))
    kd = _keep(keepdims)
    xm = ops.where(ok, x, fill)
    if 0 in shape_of(x) and not (given(initial) and initial is not None):
        raise ValueError(f"zero-size array to reduction operation {pair.name} which has "
                         "no identity")
    r = prim(xm, axis=ax, keepdims=kd)
    if given(initial) and initial is not None:
        r = pair(r, initial)
    else:
        empty = ~np.any(ok, axis=ax, keepdims=kd)
        if np.any(empty):  # all-NaN slices give NaN, as NumPy's (with its warning)
            import warnings

            warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=3)
            r = ops.where(empty, np.nan, r)
    return store(fname, out, r)


def np_nanmax(a, axis=None, out=None, keepdims=NOVALUE, initial=NOVALUE, where=NOVALUE):
    return _nan_extreme("numpy.nanmax", ops.max_, ops.maximum, -np.inf, a, axis, out,
                        keepdims, initial, where)


def np_nanmin(a, axis=None, out=None, keepdims=NOVALUE, initial=NOVALUE, where=NOVALUE):
    return _nan_extreme("numpy.nanmin", ops.min_, ops.minimum, np.inf, a, axis, out,
                        keepdims, initial, where)


def _nan_running(fname, prim, identity, a, axis, dtype, out):
    x = operand(a)
    x = ops.where(~np.isnan(raw(x)), x, identity)
    return _running(fname, prim, x, axis, dtype, out)


def np_nancumsum(a, axis=None, dtype=None, out=None):
    return _nan_running("numpy.nancumsum", ops.cumsum, 0.0, a, axis, dtype, out)


def np_nancumprod(a, axis=None, dtype=None, out=None):
    return _nan_running("numpy.nancumprod", ops.cumprod, 1.0, a, axis, dtype, out)


# ---------------------------------------------------------------- average, median, quantiles


def np_average(a, axis=None, weights=None, returned=False, *, keepdims=NOVALUE):
    x = operand(a)
    kd = _keep(keepdims)
    if weights is None:
        r = np_mean(x, axis=axis, keepdims=keepdims)
        n = np.sum(np.ones(shape_of(x)), axis=axes(axis, ndim(x)), keepdims=kd)
        wsum = float(n) if np.ndim(n) == 0 else np.broadcast_to(n, shape_of(r)).copy()
        return (r, wsum) if returned else r
    w = operand(weights)
    if shape_of(w) != shape_of(x):
        if axis is None:
            raise TypeError("Axis must be specified when shapes of a and weights differ.")
        if ndim(w) != 1:
            raise TypeError("1D weights expected when shapes of a and weights differ.")
        ax = one_axis(axis, ndim(x))
        s = [1] * ndim(x)
        s[ax] = shape_of(w)[0]
        w = ops.reshape(w, shape=tuple(s))
        w = ops.broadcast_to(w, shape=shape_of(x))
    ax = axes(axis, ndim(x))
    wsum = ops.sum_(w, axis=ax, keepdims=kd)
    if np.any(raw(wsum) == 0.0):
        raise ZeroDivisionError("Weights sum to zero, can't be normalized")
    r = ops.div(ops.sum_(ops.mul(x, w), axis=ax, keepdims=kd), wsum)
    if returned:
        return r, ops.broadcast_to(wsum, shape=shape_of(r)) if shape_of(wsum) != shape_of(r) \
            else wsum
    return r


def _sorted_along(x, ax):
    order = np.argsort(raw(x), axis=ax, kind="stable")
    return gather_along(x, order, ax)


def _lerp(lo, hi, t):
    """NumPy's _lerp: lo + (hi - lo) t, from the nearer end for t >= 1/2."""
    diff = ops.sub(hi, lo)
    t = np.asarray(t, dtype=float)
    a = ops.add(lo, ops.mul(diff, t))
    b = ops.sub(hi, ops.mul(diff, 1.0 - t))
    return ops.where(t >= 0.5, b, a)


def _quantile(fname, a, q, axis, out, overwrite_input, method, keepdims, weights, scale):
    if method != "linear":
        raise refuse(fname, "method", method, "only the default 'linear' is differentiated")
    if weights is not None:
        raise refuse(fname, "weights", "...", "weighted quantiles have no rule")
    x = operand(a)
    if is_complex(x):
        raise TypeError(f"{fname} of complex values: NumPy requires real numbers")
    qv = np.asarray(raw(q), dtype=float) / scale
    if np.any((qv < 0) | (qv > 1)):
        raise ValueError("Quantiles must be in the range [0, 100]" if scale == 100 else
                         "Quantiles must be in the range [0, 1]")
    if axis is None:
        x = ops.reshape(x, shape=(int(np.prod(shape_of(x), dtype=np.int64)),))
        ax = 0
    else:
        axs = axes(axis, ndim(x))
        if len(axs) != 1:
            keep = [i for i in range(ndim(x)) if i not in axs]
            x = ops.transpose(x, axes=tuple(keep) + axs)
            s = shape_of(x)
            x = ops.reshape(x, shape=s[:len(keep)] + (int(np.prod(s[len(keep):])),))
            ax = len(keep)
        else:
            ax = axs[0]
    xs = _sorted_along(x, ax)
    n = shape_of(xs)[ax]
    virt = qv * (n - 1)
    lo_i = np.floor(virt).astype(int)
    hi_i = np.minimum(lo_i + 1, n - 1)
    t = virt - lo_i
    rs = []
    for li, hi, tt in zip(np.ravel(lo_i), np.ravel(hi_i), np.ravel(t)):
        idx = [slice(None)] * ndim(xs)
        idx[ax] = int(li)
        lo_v = ops.getitem(xs, idx=tuple(idx))
        idx[ax] = int(hi)
        hi_v = ops.getitem(xs, idx=tuple(idx))
        rs.append(_lerp(lo_v, hi_v, tt))
    r = rs[0] if np.ndim(qv) == 0 else ops.reshape(
        ops.concatenate(*[ops.reshape(v, shape=(1,) + shape_of(v)) for v in rs], axis=0),
        shape=np.shape(qv) + shape_of(rs[0]))
    if keepdims:
        s = list(shape_of(operand(a)))
        for i in (range(len(s)) if axis is None else axes(axis, len(s))):
            s[i] = 1
        r = ops.reshape(r, shape=np.shape(qv) + tuple(s))
    return store(fname, out, r)


def np_quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False, *, weights=None):
    return _quantile("numpy.quantile", a, q, axis, out, overwrite_input, method, keepdims,
                     weights, 1.0)


def np_percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False, *, weights=None):
    return _quantile("numpy.percentile", a, q, axis, out, overwrite_input, method, keepdims,
                     weights, 100.0)


def np_median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    x = operand(a)
    if axis is None:
        x = ops.reshape(x, shape=(int(np.prod(shape_of(x), dtype=np.int64)),))
        ax = 0
    else:
        ax = one_axis(axis, ndim(x)) if np.ndim(axis) == 0 else None
        if ax is None:
            return _quantile("numpy.median", a, 0.5, axis, out, overwrite_input, "linear",
                             keepdims, None, 1.0)
    xs = _sorted_along(x, ax)
    n = shape_of(xs)[ax]
    if n == 0:
        raise refuse("numpy.median", "a", "an empty array")
    idx = [slice(None)] * ndim(xs)
    idx[ax] = slice((n - 1) // 2, n // 2 + 1)
    mid = ops.getitem(xs, idx=tuple(idx))
    r = ops.div(ops.sum_(mid, axis=(ax,), keepdims=False), float(shape_of(mid)[ax]))
    if np.any(np.isnan(raw(x))):  # NumPy: a NaN anywhere in the slice gives NaN
        r = ops.where(np.any(np.isnan(raw(x)), axis=ax), np.nan, r)
    if keepdims:
        s = list(shape_of(operand(a)))
        for i in (range(len(s)) if axis is None else (one_axis(axis, len(s)),)):
            s[i] = 1
        r = ops.reshape(r, shape=tuple(s))
    return store("numpy.median", out, r)


FUNCTIONS = {
    np.sum: np_sum, np.mean: np_mean, np.var: np_var, np.std: np_std, np.prod: np_prod,
    np.max: np_max, np.amax: np_max, np.min: np_min, np.amin: np_min, np.ptp: np_ptp,
    np.cumsum: np_cumsum, np.cumprod: np_cumprod,
    np.nansum: np_nansum, np.nanprod: np_nanprod, np.nanmean: np_nanmean,
    np.nanvar: np_nanvar, np.nanstd: np_nanstd, np.nanmax: np_nanmax, np.nanmin: np_nanmin,
    np.nancumsum: np_nancumsum, np.nancumprod: np_nancumprod,
    np.average: np_average, np.median: np_median, np.quantile: np_quantile,
    np.percentile: np_percentile,
}
for _name, _fn in (("cumulative_sum", np_cumulative_sum), ("cumulative_prod",
                                                           np_cumulative_prod)):
    if hasattr(np, _name):  # NumPy >= 2.1
        FUNCTIONS[getattr(np, _name)] = _fn

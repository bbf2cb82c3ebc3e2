"""Entries added on top of the core set (``ops.py``): ``cumprod`` and ``sinc``.

Most of the NumPy surface needs no entry of its own: ``roll``, ``repeat``,
``tile``, ``sort``, ``take``, ``pad``, ``tril``... are exactly a ``getitem``,
an ``untake`` or a ``where`` of the core set (``ad_core/_numpy`` writes them so),
and so inherit both modes, every order and batching. An entry is here when no
such composite is exact: a running product with zeros in it, ``sinc`` at 0.
"""

from __future__ import annotations

import math

import numpy as np

from .._core import raw, shape_of
from .ops import (
    add,
    cos,
    cumsum,
    div,
    getitem,
    mul,
    near_zero,
    reshape,
    sp,
    square,
    sub,
    sum_,
    transpose,
    where,
    zmul,
)
from .table import defprim

# ---------------------------------------------------------------- cumprod


def _to_last(v, axis: int, off: int):
    """``v`` with axis ``axis + off`` moved last (``off`` = 1 for a batch axis in front)."""
    n = len(shape_of(v))
    a = axis + off
    if a == n - 1:
        return v
    perm = tuple(i for i in range(n) if i != a) + (a,)
    return transpose(v, axes=perm)


def _from_last(v, axis: int, off: int):
    n = len(shape_of(v))
    a = axis + off
    if a == n - 1:
        return v
    perm = list(range(n - 1))
    perm.insert(a, n - 1)
    return transpose(v, axes=tuple(perm))


def _flip_last(v):
    idx = (Ellipsis, slice(None, None, -1))
    return getitem(v, idx=idx)


def _exclusive_running(x, axis: int):
    """M[..., j, k] = ∏_{i ≤ k, i ≠ j} x_i for j ≤ k, else 0: ∂cumprod(x)_k/∂x_j exactly,
    zeros included (n × n per slice; used only when x has a zero)."""
    xl = _to_last(x, axis, 0)
    n = shape_of(xl)[-1]
    rows = where(np.eye(n, dtype=bool), 1.0, reshape(xl, shape=shape_of(xl)[:-1] + (1, n)))
    C = cumprod(rows, axis=len(shape_of(rows)) - 1)
    return where(np.triu(np.ones((n, n), dtype=bool)), C, 0.0)


def _cumprod_jvp(t, ans, x, axis, off=0):
    if not np.any(near_zero(raw(x))):
        return zmul(ans, cumsum(div(t, x), axis=axis + off))
    M = _exclusive_running(x, axis)
    tl = _to_last(t, axis, off)
    s = shape_of(tl)
    out = sum_(zmul(M, reshape(tl, shape=s + (1,))), axis=(len(s) - 1,), keepdims=False)
    return _from_last(out, axis, off)


def _cumprod_vjp(g, ans, x, axis):
    if not np.any(near_zero(raw(x))):
        gl = _to_last(zmul(g, ans), axis, 0)
        rev = _flip_last(cumsum(_flip_last(gl), axis=len(shape_of(gl)) - 1))
        return div(_from_last(rev, axis, 0), x)
    M = _exclusive_running(x, axis)
    gl = _to_last(g, axis, 0)
    s = shape_of(gl)
    out = sum_(zmul(M, reshape(gl, shape=s[:-1] + (1, s[-1]))), axis=(len(s),),
               keepdims=False)
    return _from_last(out, axis, 0)


cumprod = defprim(
    "cumprod", lambda x, axis: np.cumprod(x, axis=axis),
    jvp=(_cumprod_jvp,), vjp=(_cumprod_vjp,),
    flops=lambda ans, x, axis: int(np.size(raw(x))),
    doc="running product along an axis; exact where elements are zero")

# ---------------------------------------------------------------- sinc

# sinc'(x) = Σ_{k≥1} c_k x^(2k-1) near 0, c_k = (-1)^k π^(2k) 2k / (2k+1)!: exact to every
# order at 0, where the closed form (cos(πx) - sinc(x)) / x is 0/0.
_SINC_SERIES = tuple((-1) ** k * math.pi ** (2 * k) * 2 * k / math.factorial(2 * k + 1)
                     for k in range(1, 13))
_SINC_NEAR = 0.25  # the series' 12 terms are exact to rounding for |x| < 1/4


def _sinc_series_prime(x):
    x2 = square(x)
    acc = _SINC_SERIES[-1]
    for c in reversed(_SINC_SERIES[:-1]):
        acc = add(mul(acc, x2), c)
    return mul(acc, x)


def _sinc_prime(ans, x):
    rx = raw(x)
    near = np.abs(rx) < _SINC_NEAR
    if not np.any(near):
        return div(sub(cos(mul(math.pi, x)), ans), x)
    if np.ndim(rx) == 0:
        return _sinc_series_prime(x)
    far_x = where(near, 1.0, x)  # the double where: no 0/0 in the branch not taken
    far = div(sub(cos(mul(math.pi, far_x)), sinc(far_x)), far_x)
    return where(near, _sinc_series_prime(where(near, x, 0.0)), far)


def _sinc_scalar(x):
    # NumPy's own formula (numpy/lib/_function_base_impl.py), for identical values.
    y = math.pi * (x if x != 0 else 1.0e-20)
    return math.sin(y) / y


sinc = defprim("sinc", np.sinc, scalar=_sinc_scalar, partials=(_sinc_prime,),
               sympy=lambda x: sp.sinc(sp.pi.resolve() * x), flops=20)

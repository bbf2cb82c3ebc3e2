"""The seed of a batched Jacobian sweep, kept sparse for as long as it can be.

``jacfwd`` starts its batched sweep from the identity (row b of the tangent batch is
the b-th unit vector of the input) and ``jacrev`` from the identity over the output.
Written out, that batch is an n × n matrix, and the first linear operation on it (``A @
x``) multiplies by it: n times the work of the function, for nothing. A :class:`OneHot`
is that batch as what it is: row b holds ``d`` at flat position ``b + shift`` and zeros
elsewhere (``shift`` places a chunk of rows, or one argument's rows among several).

It stays one-hot through elementwise operations of the same shape (the chain rule only
scales ``d``), sums of such terms, and the products below, where a row is a scaled row
of the other factor (O(n·m) instead of O(n·n·m)). Everything else receives the dense
batch (:meth:`OneHot.dense`): correct everywhere, cheaper where it lasts. Its implicit
zeros are exact zeros, so a zero times an infinite partial is 0, the convention of
``chain.py`` (``0 · inf = 0``).
"""

from __future__ import annotations

import math

import numpy as np

from .._core import Tracer, raw, shape_of
from . import ops
from .chain import tangent_term


class OneHot:
    """B scaled unit vectors: ``T[b].flat[j] = d.flat[j]`` if ``j == b + shift``, else 0."""

    __slots__ = ("d", "shift", "B")
    __array_ufunc__ = None  # never turned into an object array by a NumPy operator

    def __init__(self, d, shift: int, B: int) -> None:
        self.d = d
        self.shift = shift
        self.B = B

    @property
    def shape(self) -> tuple:
        return (self.B,) + shape_of(self.d)

    def rows(self) -> tuple[int, int]:
        """The rows ``lo:hi`` whose unit vector falls inside ``d``."""
        n = math.prod(shape_of(self.d))
        return max(0, -self.shift), max(0, min(self.B, n - self.shift))

    def scaled(self, factor) -> OneHot:
        """The batch times an elementwise factor of ``d``'s shape (the chain rule)."""
        return OneHot(tangent_term(self.d, factor), self.shift, self.B)

    def plus(self, other) -> OneHot | None:
        """The sum with another one-hot batch on the same rows, else None."""
        if type(other) is OneHot and other.shift == self.shift and other.B == self.B:
            return OneHot(self.d + other.d, self.shift, self.B)
        return None

    def values(self):
        """The (B,) nonzero values, row by row (0 for rows outside ``d``)."""
        lo, hi = self.rows()
        flat = _flat(self.d)
        part = _take(flat, lo + self.shift, hi + self.shift)
        return _pad_rows(part, lo, hi, self.B, ())

    def dense(self):
        """The batch written out: shape ``(B,) + d.shape``."""
        d = self.d
        s = shape_of(d)
        n = int(np.prod(s, dtype=np.int64))
        lo, hi = self.rows()
        r = np.arange(lo, hi)
        if not isinstance(d, Tracer):
            out = np.zeros((self.B, n), dtype=np.result_type(d, np.float64))
            out[r, r + self.shift] = np.ravel(d)[lo + self.shift:hi + self.shift]
            return out.reshape((self.B,) + s)
        vals = _take(ops.reshape(d, shape=(n,)), lo + self.shift, hi + self.shift)
        out = ops.untake(vals, idx=(r, r + self.shift), shape=(self.B, n))
        return ops.reshape(out, shape=(self.B,) + s)


def dense(t):
    """``t`` as an array (or tracer) with its batch axis: a OneHot written out."""
    return t.dense() if type(t) is OneHot else t


def add(a, b):
    """Sum of two batched (co)tangents, either of them possibly one-hot."""
    if type(a) is OneHot:
        s = a.plus(b)
        if s is not None:
            return s
        a = a.dense()
    if type(b) is OneHot:
        b = b.dense()
    return a + b


def _flat(v):
    if isinstance(v, Tracer):
        return ops.reshape(v, shape=(int(np.prod(shape_of(v), dtype=np.int64)),))
    return np.ravel(v)


def _take(flat, start: int, stop: int):
    if isinstance(flat, Tracer):
        return ops.getitem(flat, idx=slice(start, stop))
    return flat[start:stop]


def _pad_rows(part, lo: int, hi: int, B: int, tail: tuple):
    """Rows ``lo:hi`` of a (B,) + tail batch, zero elsewhere."""
    if lo == 0 and hi == B:
        return part
    if isinstance(part, Tracer):
        return ops.untake(part, idx=slice(lo, hi), shape=(B,) + tail)
    out = np.zeros((B,) + tail, dtype=np.result_type(part, np.float64))
    out[lo:hi] = part
    return out


def _scaled_rows(oh: OneHot, M):
    """(B, k): row b is ``d[b + shift] · M[b + shift]`` (``M`` a matrix, rows indexed like
    ``d``'s elements); the product of the one-hot batch with a matrix, without it."""
    lo, hi = oh.rows()
    a, b = lo + oh.shift, hi + oh.shift
    d = oh.d
    if isinstance(d, Tracer) or isinstance(M, Tracer):
        rows = ops.getitem(M, idx=slice(a, b))
        dv = ops.reshape(_take(_flat(d), a, b), shape=(b - a, 1))
        part = ops.zmul(dv, rows)
    else:
        dv = np.ravel(d)[a:b, None]
        part = ops.zero_wins(dv, M[a:b], dv * M[a:b])
    return _pad_rows(part, lo, hi, oh.B, (shape_of(M)[1],))


def _T(M):
    return ops.transpose(M, axes=(1, 0)) if isinstance(M, Tracer) else M.T


def _vector_and_matrix(v, M) -> bool:
    return len(shape_of(v)) == 1 and len(shape_of(M)) == 2


# Forward mode: rule(t, ans, *primals, **params) -> the dense contribution, or None when
# the shortcut does not apply (the caller then writes the batch out).


def _jvp_matmul_a(t, ans, a, b):  # x @ M, x the vector: row r of M, scaled
    return _scaled_rows(t, b) if _vector_and_matrix(a, b) else None


def _jvp_matmul_b(t, ans, a, b):  # M @ x: column r of M, scaled
    return _scaled_rows(t, _T(a)) if _vector_and_matrix(b, a) else None


def _jvp_sum(t, ans, x, axis=None, keepdims=False):
    if keepdims or (axis is not None and len(axis) != len(shape_of(x))):
        return None
    return t.values()


JVP: dict = {ops.matmul: (_jvp_matmul_a, _jvp_matmul_b), ops.sum_: (_jvp_sum,)}


# Reverse mode: rule(g, ans, *primals, **params), g one-hot over the output's elements.


def _vjp_matmul_a(g, ans, a, b):  # out = x @ M: the cotangent of x is M[:, r], scaled
    return _scaled_rows(g, _T(b)) if _vector_and_matrix(a, b) else None


def _vjp_matmul_b(g, ans, a, b):  # out = M @ x: the cotangent of x is M[r, :], scaled
    return _scaled_rows(g, a) if _vector_and_matrix(b, a) else None


VJP: dict = {ops.matmul: (_vjp_matmul_a, _vjp_matmul_b)}


def has_nan(t) -> bool:
    """Whether a (batched, possibly one-hot) adjoint holds a NaN: one reduction."""
    v = raw(t.d) if type(t) is OneHot else raw(t)
    if type(v) is np.ndarray:
        return v.size > 0 and v.dtype.kind in "fc" and bool(np.isnan(np.add.reduce(v, axis=None)))
    return v != v

"""``numpy.linalg`` on traced values: each function binds the primitives of
``primitives/linalg.py`` with NumPy's own keyword arguments and result types.

Every keyword NumPy accepts is either honoured or rejected by name. Decompositions with
several outputs return NumPy's named tuples (``EighResult``, ``SVDResult``...), each field
its own primitive. ``norm`` follows NumPy's own code path for every ``ord``/``axis``.
"""

from __future__ import annotations

import collections
import math

import numpy as np

from .._core import raw, shape_of
from ..primitives import linalg as la
from ..primitives import ops
from .inplace import store


def _ndim(x) -> int:
    return len(shape_of(x))


def _is_complex(x) -> bool:
    return np.iscomplexobj(raw(x))


def _result_type(name: str, fields: str):
    """NumPy's named tuple for a result (NumPy >= 2), else one with the same fields."""
    for mod in ("_linalg", "linalg"):
        cls = getattr(getattr(np.linalg, mod, None), name, None)
        if cls is not None:
            return cls
    return collections.namedtuple(name, fields)


EighResult = _result_type("EighResult", "eigenvalues eigenvectors")
EigResult = _result_type("EigResult", "eigenvalues eigenvectors")
SVDResult = _result_type("SVDResult", "U S Vh")
QRResult = _result_type("QRResult", "Q R")
SlogdetResult = _result_type("SlogdetResult", "sign logabsdet")


def _cat(parts, axis):
    return ops.concatenate(*parts, axis=axis % _ndim(parts[0]))


# ---------------------------------------------------------------- simple functions


def np_det(a):
    return la.det(a)


def np_slogdet(a):
    if _is_complex(a):
        d = la.det(a)  # the sign of a complex determinant is det / |det|: it has a derivative
        return SlogdetResult(ops.div(d, ops.absolute(d)), la.logabsdet(a))
    return SlogdetResult(np.linalg.slogdet(raw(a))[0], la.logabsdet(a))


def np_inv(a):
    return la.inv(a)


def np_solve(a, b):
    return la.solve(a, b)


def np_cholesky(a, /, *, upper=False):
    return la.cholesky(a, upper=bool(upper))


def np_matrix_power(a, n):
    # NumPy's own sequence of products, so the value is NumPy's to the last bit.
    n = int(n)
    if n == 0:
        s = shape_of(a)
        return np.broadcast_to(np.eye(s[-1]), s).copy()
    if n < 0:
        a, n = la.inv(a), -n
    if n <= 3:
        return a if n == 1 else ops.matmul(a, a) if n == 2 else ops.matmul(ops.matmul(a, a), a)
    z = result = None
    while n > 0:
        z = a if z is None else ops.matmul(z, z)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else ops.matmul(result, z)
    return result


def np_multi_dot(arrays, *, out=None):
    return store("numpy.linalg.multi_dot", out, _multi_dot(list(arrays)))


def _multi_dot(arrays):
    n = len(arrays)
    if n < 2:
        raise ValueError("Expecting at least two arrays.")
    if n == 2:
        return ops.matmul(arrays[0], arrays[1])
    first, last = _ndim(arrays[0]), _ndim(arrays[-1])
    if first == 1:
        arrays[0] = ops.reshape(arrays[0], shape=(1,) + shape_of(arrays[0]))
    if last == 1:
        arrays[-1] = ops.reshape(arrays[-1], shape=shape_of(arrays[-1]) + (1,))
    shapes = [shape_of(x) for x in arrays]
    if n == 3:  # NumPy's choice of parenthesization (_multi_dot_three)
        (a0, a1b0), (b1c0, c1) = shapes[0], shapes[2]
        if a0 * b1c0 * (a1b0 + c1) < a1b0 * c1 * (a0 + b1c0):
            result = ops.matmul(ops.matmul(arrays[0], arrays[1]), arrays[2])
        else:
            result = ops.matmul(arrays[0], ops.matmul(arrays[1], arrays[2]))
    else:
        result = _chain(arrays, _chain_order(shapes), 0, n - 1)
    if first == 1 and last == 1:
        return ops.reshape(result, shape=())
    if first == 1 or last == 1:
        return ops.reshape(result, shape=(math.prod(shape_of(result)),))
    return result


def _chain_order(shapes):
    """The optimal parenthesization of a matrix chain (Cormen et al., as NumPy does)."""
    n = len(shapes)
    p = [s[0] for s in shapes] + [shapes[-1][1]]
    m = np.zeros((n, n), dtype=np.double)
    s = np.empty((n, n), dtype=np.intp)
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            m[i, j] = np.inf
            for k in range(i, j):
                q = m[i, k] + m[k + 1, j] + p[i] * p[k + 1] * p[j + 1]
                if q < m[i, j]:
                    m[i, j] = q
                    s[i, j] = k
    return s


def _chain(arrays, order, i, j):
    if i == j:
        return arrays[i]
    return ops.matmul(_chain(arrays, order, i, order[i, j]),
                      _chain(arrays, order, order[i, j] + 1, j))


def np_matrix_transpose(x, /):
    return la._mT(x)


# ---------------------------------------------------------------- decompositions


def np_eigh(a, UPLO="L"):
    UPLO = _uplo(UPLO)
    return EighResult(la.eigh_w(a, UPLO=UPLO), la.eigh_v(a, UPLO=UPLO))


def np_eigvalsh(a, UPLO="L"):
    return la.eigh_w(a, UPLO=_uplo(UPLO), values_only=True)


def _uplo(UPLO) -> str:
    u = str(UPLO).upper()
    if u not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    return u


def np_eig(a):
    return EigResult(la.eig_w(a), la.eig_v(a))


def np_eigvals(a):
    return la.eig_w(a, values_only=True)


def np_svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    if hermitian:
        return _svd_hermitian(a, compute_uv)
    if not compute_uv:
        return la.svd_s(a, compute_uv=False)
    fm = bool(full_matrices)
    m, n = shape_of(a)[-2:]
    U = la.svd_u(a, full_matrices=fm)
    Vh = la.svd_vh(a, full_matrices=fm)
    if fm and m > n:
        U = _cat([U, la.svd_u_rest(a)], -1)
    if fm and n > m:
        Vh = _cat([Vh, la.svd_vh_rest(a)], -2)
    return SVDResult(U, la.svd_s(a, full_matrices=fm), Vh)


def _take_last(x, order):
    """x[..., order] per matrix of the stack (NumPy's take_along_axis on the last axis)."""
    idx = np.indices(order.shape, sparse=True)
    return ops.getitem(x, idx=tuple(idx[:-1]) + (order,))


def _svd_hermitian(a, compute_uv):
    """NumPy's own algorithm for hermitian=True: eigh, then |w| sorted descending."""
    if not compute_uv:
        w = la.eigh_w(a, values_only=True)
        s = ops.absolute(w)
        order = np.argsort(raw(s), axis=-1)[..., ::-1]
        return _take_last(s, order)
    w, u = la.eigh_w(a), la.eigh_v(a)
    sgn = np.sign(raw(w))
    s = ops.absolute(w)
    order = np.argsort(raw(s), axis=-1)[..., ::-1]
    sgn = np.take_along_axis(sgn, order, axis=-1)
    s = _take_last(s, order)
    idx = np.indices(shape_of(u), sparse=True)
    cols = tuple(idx[:-1]) + (np.expand_dims(order, -2),)
    u = ops.getitem(u, idx=cols)
    vt = la._mT(ops.mul(u, np.expand_dims(sgn, -2)))
    return SVDResult(u, s, vt)


def np_svdvals(x, /):
    return la.svd_s(x, compute_uv=False)


def np_qr(a, mode="reduced"):
    m, n = shape_of(a)[-2:]
    if mode == "reduced":
        return QRResult(la.qr_q(a), la.qr_r(a))
    if mode == "r":
        return la.qr_r(a)
    if mode == "complete":
        Q, R = la.qr_q(a, complete=True), la.qr_r(a, complete=True)
        if m > n:
            Q = _cat([Q, la.qr_q_rest(a)], -1)
            R = _cat([R, np.zeros(shape_of(a)[:-2] + (m - n, n))], -2)
        return QRResult(Q, R)
    raise NotImplementedError(f"numpy.linalg.qr with mode={mode!r} has no derivative rule in "
                              "ad_core (use 'reduced', 'complete' or 'r')")


_NO_VALUE = object()


def np_pinv(a, rcond=None, hermitian=False, *, rtol=_NO_VALUE):
    # NumPy's defaults: rcond = 1e-15 unless rtol is given (rtol=None: max(m, n) * eps).
    if rcond is None:
        if rtol is _NO_VALUE:
            rcond = 1e-15
        elif rtol is None:
            rcond = max(shape_of(a)[-2:]) * np.finfo(float).eps
        else:
            rcond = rtol
    elif rtol is not _NO_VALUE:
        raise ValueError("`rtol` and `rcond` can't be both set.")
    if np.ndim(rcond) != 0:
        raise NotImplementedError("numpy.linalg.pinv with an array rcond in ad_core")
    return la.pinv(a, rcond=float(rcond), hermitian=bool(hermitian))


def np_lstsq(a, b, rcond=None):
    if _ndim(a) != 2:
        raise np.linalg.LinAlgError(f"{_ndim(a)}-dimensional array given. Array must be "
                                    "two-dimensional")
    _, res0, rank, _ = np.linalg.lstsq(raw(a), raw(b), rcond=rcond)
    x = la.lstsq_x(a, b, rcond=rcond)
    if np.size(res0):
        r = ops.sub(b, ops.matmul(a, x))
        r2 = ops.square(ops.absolute(r)) if _is_complex(r) else ops.square(r)
        residuals = ops.sum_(r2, axis=(0,), keepdims=_ndim(b) == 1)
    else:
        residuals = res0
    return x, residuals, rank, la.svd_s(a, compute_uv=False)


# ---------------------------------------------------------------- norms


def _vector_norm(x, ord, ax, keepdims):
    kd = bool(keepdims)
    if ord == math.inf:
        return ops.max_(ops.absolute(x), axis=ax, keepdims=kd)
    if ord == -math.inf:
        return ops.min_(ops.absolute(x), axis=ax, keepdims=kd)
    if ord == 0:  # a count of nonzero entries: derivative zero
        return np.linalg.norm(raw(x), ord=0, axis=ax[0], keepdims=kd)
    if ord == 1:
        return ops.sum_(ops.absolute(x), axis=ax, keepdims=kd)
    if ord is None or ord == 2:
        return la.norm(x, axis=ax, keepdims=kd)
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    p = float(ord)
    return ops.power(ops.sum_(ops.power(ops.absolute(x), p), axis=ax, keepdims=kd), 1.0 / p)


def _svd_norm(x, row, col, reduce):
    nd = _ndim(x)
    rest = [i for i in range(nd) if i not in (row, col)]
    xm = ops.transpose(x, axes=tuple(rest) + (row, col))
    s = la.svd_s(xm, compute_uv=False)
    return reduce(s, axis=(_ndim(s) - 1,), keepdims=False)


def np_norm(x, ord=None, axis=None, keepdims=False):
    nd = _ndim(x)
    matrix_2 = ord in (2, -2, "nuc") and (
        (axis is None and nd == 2) or (isinstance(axis, tuple) and len(axis) == 2))
    if _is_complex(x):
        if matrix_2:
            raise NotImplementedError(f"numpy.linalg.norm(ord={ord!r}) of a complex matrix has "
                                      "no derivative rule in ad_core")
        x = ops.absolute(x)  # every other norm of x is that norm of |x|
    if axis is None:
        if ord is None or (ord in ("f", "fro") and nd == 2) or (ord == 2 and nd == 1):
            return la.norm(x, axis=None, keepdims=bool(keepdims))
        axis = tuple(range(nd))
    elif not isinstance(axis, tuple):
        axis = (int(axis),)
    if len(axis) == 1:
        return _vector_norm(x, ord, (int(axis[0]) % nd,), keepdims)
    if len(axis) != 2:
        raise ValueError("Improper number of dimensions to norm.")
    row, col = int(axis[0]) % nd, int(axis[1]) % nd
    if row == col:
        raise ValueError("Duplicate axes given.")
    if ord == 2:
        ret = _svd_norm(x, row, col, ops.max_)
    elif ord == -2:
        ret = _svd_norm(x, row, col, ops.min_)
    elif ord == "nuc":
        ret = _svd_norm(x, row, col, ops.sum_)
    elif ord in (1, -1):
        c = col - 1 if col > row else col
        red = ops.max_ if ord == 1 else ops.min_
        ret = red(ops.sum_(ops.absolute(x), axis=(row,), keepdims=False), axis=(c,),
                  keepdims=False)
    elif ord in (math.inf, -math.inf):
        r = row - 1 if row > col else row
        red = ops.max_ if ord > 0 else ops.min_
        ret = red(ops.sum_(ops.absolute(x), axis=(col,), keepdims=False), axis=(r,),
                  keepdims=False)
    elif ord in (None, "fro", "f"):
        ret = la.norm(x, axis=tuple(sorted((row, col))), keepdims=False)
    else:
        raise ValueError("Invalid norm order for matrices.")
    if keepdims:
        s = list(shape_of(x))
        s[row] = s[col] = 1
        ret = ops.reshape(ret, shape=tuple(s))
    return ret


def np_vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    nd = _ndim(x)
    if axis is None:
        r = _vector_norm(ops.reshape(x, shape=(math.prod(shape_of(x)),)), ord, (0,), False)
        return ops.reshape(r, shape=(1,) * nd) if keepdims else r
    axes = (int(axis) % nd,) if np.ndim(axis) == 0 else tuple(int(a) % nd for a in axis)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes, keepdims)
    rest = [i for i in range(nd) if i not in axes]
    s = shape_of(x)
    flat = ops.reshape(ops.transpose(x, axes=tuple(rest) + axes),
                       shape=tuple(s[i] for i in rest) + (math.prod(s[i] for i in axes),))
    r = _vector_norm(flat, ord, (len(rest),), False)
    if keepdims:
        r = ops.reshape(r, shape=tuple(1 if i in axes else s[i] for i in range(nd)))
    return r


def np_matrix_norm(x, /, *, keepdims=False, ord="fro"):
    nd = _ndim(x)
    return np_norm(x, ord=ord, axis=(nd - 2, nd - 1), keepdims=keepdims)


def np_cond(x, p=None):
    if p is None or p in (2, -2):
        s = la.svd_s(x, compute_uv=False)
        k = shape_of(s)[-1]
        first = ops.getitem(s, idx=(Ellipsis, 0))
        last = ops.getitem(s, idx=(Ellipsis, k - 1))
        return ops.div(last, first) if p == -2 else ops.div(first, last)
    nd = _ndim(x)
    ax = (nd - 2, nd - 1)
    return ops.mul(np_norm(x, p, axis=ax), np_norm(la.inv(x), p, axis=ax))


def _on_primals(fn):
    def run(*args, **kwargs):
        return fn(*[raw(a) for a in args], **{k: raw(v) for k, v in kwargs.items()})
    return run


FUNCTIONS = {
    np.linalg.det: np_det, np.linalg.slogdet: np_slogdet, np.linalg.inv: np_inv,
    np.linalg.solve: np_solve, np.linalg.cholesky: np_cholesky,
    np.linalg.matrix_power: np_matrix_power, np.linalg.multi_dot: np_multi_dot,
    np.linalg.eigh: np_eigh, np.linalg.eigvalsh: np_eigvalsh,
    np.linalg.eig: np_eig, np.linalg.eigvals: np_eigvals,
    np.linalg.svd: np_svd, np.linalg.qr: np_qr, np.linalg.pinv: np_pinv,
    np.linalg.lstsq: np_lstsq, np.linalg.norm: np_norm, np.linalg.cond: np_cond,
    np.linalg.matrix_rank: _on_primals(np.linalg.matrix_rank),
}
for _name, _fn in (("svdvals", np_svdvals), ("vector_norm", np_vector_norm),
                   ("matrix_norm", np_matrix_norm), ("matrix_transpose", np_matrix_transpose)):
    if hasattr(np.linalg, _name):  # NumPy >= 2
        FUNCTIONS[getattr(np.linalg, _name)] = _fn


def _real_matrices(name: str, fn):
    def run(*args, **kwargs):
        if any(_is_complex(a) for a in args):
            raise NotImplementedError(f"numpy.linalg.{name} of a complex matrix has no "
                                      "derivative rule in ad_core")
        return fn(*args, **kwargs)
    return run


# Decompositions whose rules are written for real matrices (det, inv, solve, slogdet and
# norm take complex values: primitives/complex.py).
for _name in ("cholesky", "eigh", "eigvalsh", "eig", "eigvals", "svd", "svdvals", "qr",
              "pinv", "lstsq", "cond"):
    if hasattr(np.linalg, _name):
        _f = getattr(np.linalg, _name)
        FUNCTIONS[_f] = _real_matrices(_name, FUNCTIONS[_f])

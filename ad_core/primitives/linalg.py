"""Linear algebra primitives: ``numpy.linalg``, one ``defprim`` per differentiable output.

A decomposition with several outputs is several primitives (``eigh_w`` and ``eigh_v``,
``svd_s``/``svd_u``/``svd_vh``, ``qr_q``/``qr_r``, ``eig_w``/``eig_v``): each output's
derivative rule then runs only when that output is used, so ``w, v = eigh(A)`` followed by
``sum(w)`` never evaluates the eigenvector rule, which has no value at repeated eigenvalues.
The factorization itself runs once: the outputs share a small cache keyed by the matrix's
bytes (``_factor``).

Rules follow JAX (``jax/_src/lax/linalg.py``) and autograd (``autograd/numpy/linalg.py``),
written with primitives so they differentiate again, on the last two axes with broadcasting
over the leading ones: a JVP rule handles a tangent with an extra leading batch axis as it
is, so it doubles as the batching rule (registered at the end of this module).

What NumPy reads is what is differentiated: ``eigh`` and ``cholesky`` read one triangle of
their input, so the derivative with respect to the other triangle is zero and the read
triangle's off-diagonal entries count twice (a symmetric perturbation moves both).

Degenerate points (docs/ad_core.md, "Linear algebra"): where eigenvalues (``eigh``, ``eig``)
or singular values (``svd``) repeat, their vectors are any orthonormal basis of the repeated
space and jump under perturbations: they have no derivative. Reverse mode raises
``ValueError`` when the function uses them (a nonzero cotangent) and is exact otherwise (for
functions of the values, and of the vectors of values that do not repeat); forward mode
gives NaN tangents for those vectors, since it cannot know whether they will be used.
"""

from __future__ import annotations

import numpy as np

from .._core import raw, shape_of
from .ops import (
    _expand_like,
    _safe_ratio,
    _zmatmul,
    add,
    concatenate,
    getitem,
    matmul,
    mul,
    neg,
    reciprocal,
    reshape,
    square,
    sub,
    sum_,
    transpose,
    unbroadcast,
    where,
    zmul,
)
from .table import defprim

_EPS = np.finfo(float).eps

# ---------------------------------------------------------------- shape helpers


def _nd(x) -> int:
    return len(shape_of(x))


def _mT(x):
    """Swap the last two axes (a batch of matrices transposed)."""
    n = _nd(x)
    axes = list(range(n))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return transpose(x, axes=tuple(axes))


def _col(v):
    """(..., n) -> (..., n, 1)."""
    return reshape(v, shape=shape_of(v) + (1,))


def _uncol(v):
    """(..., n, 1) -> (..., n)."""
    return reshape(v, shape=shape_of(v)[:-1])


def _row(v):
    """(..., n) -> (..., 1, n)."""
    s = shape_of(v)
    return reshape(v, shape=s[:-1] + (1, s[-1]))


def _diag_embed(v):
    """(..., n) -> (..., n, n) with v on the diagonal."""
    return zmul(_row(v), np.eye(shape_of(v)[-1]))


def _diag_part(M):
    """(..., n, n) -> (..., n), the diagonal."""
    n = _nd(M)
    return sum_(zmul(M, np.eye(shape_of(M)[-1])), axis=(n - 1,), keepdims=False)


def _sum_last2(M):
    n = _nd(M)
    return sum_(M, axis=(n - 2, n - 1), keepdims=False)


def _expand2(v):
    """(...) -> (..., 1, 1): a value per matrix, broadcast against the matrix."""
    return reshape(v, shape=shape_of(v) + (1, 1))


def _tri_masks(n: int, upper: bool):
    """The triangle NumPy reads (with its diagonal) and the same triangle without it."""
    tri = np.triu(np.ones((n, n))) if upper else np.tril(np.ones((n, n)))
    return tri, tri - np.eye(n)


def _from_triangle(t, upper: bool):
    """The symmetric matrix NumPy actually factors, built from the triangle it reads."""
    tri, strict = _tri_masks(shape_of(t)[-1], upper)
    return add(zmul(t, tri), _mT(zmul(t, strict)))


def _to_triangle(G, upper: bool):
    """Transpose of ``_from_triangle``: a gradient with respect to that symmetric matrix,
    as a gradient with respect to the input (zero on the triangle NumPy never reads)."""
    tri, strict = _tri_masks(shape_of(G)[-1], upper)
    return add(zmul(G, tri), zmul(_mT(G), strict))


def _solve_right(M, A):
    """M @ inv(A), as a solve: (A^T \\ M^T)^T."""
    return _mT(solve(_mT(A), _mT(M)))


def _inv_of(A, what: str):
    try:
        return inv(A)
    except np.linalg.LinAlgError:
        raise np.linalg.LinAlgError(
            f"numpy.linalg.{what}: the derivative does not exist at a singular matrix") from None


# ---------------------------------------------------------------- factorization cache

_CACHE: dict = {}
_CACHE_SIZE = 8


def _factor(kind: str, fn, A, *extra):
    """``fn(A)``, computed once per distinct matrix: the outputs of one decomposition are
    separate primitives and their rules ask for each other (eigh_w's rule needs V)."""
    A = np.asarray(A)
    key = (kind, extra, A.shape, A.dtype.str)
    data = A.tobytes()
    hit = _CACHE.get(key)
    if hit is not None and hit[0] == data:
        return hit[1]
    out = fn(A)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.clear()
    _CACHE[key] = (data, out)
    return out


def _real_only(A, name: str) -> None:
    if np.iscomplexobj(A):
        raise NotImplementedError(f"numpy.linalg.{name} of a complex matrix has no derivative "
                                  "rule in ad_core")


# ---------------------------------------------------------------- degenerate spectra


def _degenerate_pairs(vals) -> np.ndarray:
    """Boolean (..., n, n): off-diagonal pairs (i, j) whose values are equal to rounding."""
    v = np.asarray(raw(vals))
    n = v.shape[-1]
    scale = max(float(np.max(np.abs(v), initial=0.0)), np.finfo(float).tiny)
    gap = np.abs(v[..., None, :] - v[..., :, None])
    return (gap <= 32 * n * _EPS * scale) & ~np.eye(n, dtype=bool)


def _inverse_gaps(d, degenerate, fill):
    """F_ij = 1 / d_ij off the diagonal, 0 on it, ``fill`` where the pair is degenerate.
    ``d`` is differentiable (higher orders differentiate F too); the masks are constants."""
    n = shape_of(d)[-1]
    ok = ~(degenerate | np.eye(n, dtype=bool))
    F = where(ok, reciprocal(where(ok, d, 1.0)), 0.0)
    if fill != 0.0 and degenerate.any():
        F = where(degenerate, fill, F)
    return F


def _check_repeated_unused(gbar, degenerate, what: str) -> None:
    """Reverse mode at repeated values: the vectors of a repeated eigen-/singular value are
    any orthonormal basis of their space and jump under perturbations, so f must not use
    them (their cotangent must be zero). Functions of the values, and of the vectors of
    the values that do not repeat, stay differentiable."""
    if not degenerate.any():
        return
    repeated = np.any(degenerate, axis=-2)  # (..., k): columns whose value repeats
    if np.any((np.abs(np.asarray(raw(gbar))) * repeated[..., None, :]) > 0):
        raise ValueError(
            f"numpy.linalg.{what}: the derivative does not exist here: values repeat, so their "
            "vectors are any orthonormal basis of a repeated space and jump under any "
            "perturbation; this function uses them (functions of the values alone, and of the "
            "vectors of values that do not repeat, are differentiable)")


# ---------------------------------------------------------------- det, slogdet, inv, solve


def _det_cofactor(A, ans):
    """∂det(A)/∂A: det(A) · inv(A)ᵀ, or the cofactor matrix (exact, by minors) when a
    matrix of the stack is singular."""
    if not np.any(np.asarray(raw(ans)) == 0):
        return mul(_expand2(ans), _mT(inv(A)))
    s = shape_of(A)
    n = s[-1]
    if n == 1:
        return np.ones(s)
    cells = []
    for r in range(n):
        for c in range(n):
            keep_r = np.array([k for k in range(n) if k != r])
            keep_c = np.array([k for k in range(n) if k != c])
            minor = getitem(A, idx=(Ellipsis, keep_r[:, None], keep_c[None, :]))
            cells.append(reshape(mul((-1.0) ** (r + c), det(minor)), shape=s[:-2] + (1,)))
    return reshape(concatenate(*cells, axis=len(s) - 2), shape=s)


det = defprim(
    "det", np.linalg.det,
    jvp=(lambda t, ans, A: _sum_last2(zmul(t, _det_cofactor(A, ans))),),
    vjp=(lambda g, ans, A: zmul(_expand2(g), _det_cofactor(A, ans)),),
    flops=lambda ans, A: 2 * shape_of(A)[-1] ** 3 // 3 + 1,
    doc="determinant; at a singular matrix the gradient is the cofactor matrix (exact)")


def _logabsdet_impl(A):
    return np.linalg.slogdet(A)[1]


def _real_part(v, A):
    """log|det A| is real: for complex A its JVP (and the cotangent it gets) is a real part
    (primitives/complex.py: autograd's convention)."""
    if not np.iscomplexobj(raw(A)):
        return v
    from .complex import is_complex, real

    return real(v) if is_complex(v) else v


logabsdet = defprim(
    "logabsdet", _logabsdet_impl,
    jvp=(lambda t, ans, A: _real_part(_sum_last2(zmul(t, _mT(_inv_of(A, "slogdet")))), A),),
    vjp=(lambda g, ans, A: zmul(_expand2(_real_part(g, A)), _mT(_inv_of(A, "slogdet"))),),
    flops=lambda ans, A: 2 * shape_of(A)[-1] ** 3 // 3 + 1,
    doc="log|det A| (the second output of slogdet); the sign is piecewise constant")

inv = defprim(
    "inv", np.linalg.inv,
    jvp=(lambda t, ans, A: neg(_zmatmul(_zmatmul(ans, t), ans)),),
    vjp=(lambda g, ans, A: neg(_zmatmul(_zmatmul(_mT(ans), g), _mT(ans))),),
    flops=lambda ans, A: 2 * shape_of(A)[-1] ** 3)


def _solve_col(A, v, b):
    """solve(A, v) where ``v`` has b's layout: a vector right-hand side (b.ndim == 1, NumPy
    2's rule) is solved as a column, so a tangent with a leading batch axis stays a stack
    of vectors and is never read as a matrix."""
    if _nd(b) == 1:
        return _uncol(solve(A, _col(v)))
    return solve(A, v)


def _solve_jvp_A(t, ans, A, b):
    if _nd(b) == 1:
        return neg(_uncol(solve(A, _zmatmul(t, _col(ans)))))
    return neg(solve(A, _zmatmul(t, ans)))


def _solve_vjp_A(g, ans, A, b):
    gb = _solve_col(_mT(A), g, b)
    if _nd(b) == 1:
        return unbroadcast(neg(zmul(_col(gb), _row(ans))), A)
    return unbroadcast(neg(_zmatmul(gb, _mT(ans))), A)


solve = defprim(
    "solve", np.linalg.solve,
    jvp=(_solve_jvp_A, lambda t, ans, A, b: _solve_col(A, t, b)),
    vjp=(_solve_vjp_A, lambda g, ans, A, b: unbroadcast(_solve_col(_mT(A), g, b), b)),
    flops=lambda ans, A, b: 2 * shape_of(A)[-1] ** 3 // 3 + 2 * shape_of(A)[-1] ** 2)


# ---------------------------------------------------------------- cholesky


def _cholesky_impl(A, upper=False):
    _real_only(A, "cholesky")
    return np.linalg.cholesky(A, upper=True) if upper else np.linalg.cholesky(A)


def _phi(X):
    """The lower triangle with the diagonal halved."""
    n = shape_of(X)[-1]
    return zmul(X, np.tril(np.ones((n, n))) - 0.5 * np.eye(n))


def _cholesky_jvp(t, ans, A, upper=False):
    # For upper=True NumPy returns U = chol(Aᵀ)ᵀ read from the upper triangle.
    L = _mT(ans) if upper else ans
    S = _from_triangle(t, upper)
    X = _mT(solve(L, _mT(solve(L, S))))  # L⁻¹ S L⁻ᵀ (S symmetric)
    dL = matmul(L, _phi(X))
    return _mT(dL) if upper else dL


def _cholesky_vjp(g, ans, A, upper=False):
    L = _mT(ans) if upper else ans
    Lbar = _mT(g) if upper else g
    P = _phi(matmul(_mT(L), Lbar))
    S = _mT(solve(_mT(L), _mT(solve(_mT(L), P))))  # L⁻ᵀ P L⁻¹
    G = mul(0.5, add(S, _mT(S)))
    return _to_triangle(G, upper)


cholesky = defprim(
    "cholesky", _cholesky_impl, jvp=(_cholesky_jvp,), vjp=(_cholesky_vjp,),
    flops=lambda ans, A, upper=False: shape_of(A)[-1] ** 3 // 3 + 1,
    doc="Cholesky factor of the matrix NumPy reads (one triangle)")


# ---------------------------------------------------------------- eigh


def _eigh(A, UPLO):
    _real_only(A, "eigh")
    return _factor("eigh", lambda a: np.linalg.eigh(a, UPLO=UPLO), A, UPLO)


def _eigh_w_impl(A, UPLO="L", values_only=False):
    if values_only:
        _real_only(A, "eigvalsh")
        return np.linalg.eigvalsh(A, UPLO=UPLO)
    return _eigh(A, UPLO)[0].copy()


def _eigh_v_impl(A, UPLO="L"):
    return _eigh(A, UPLO)[1].copy()


def _eigh_w_jvp(t, ans, A, UPLO="L", values_only=False):
    V = eigh_v(A, UPLO=UPLO)
    VSV = zmul(V, _zmatmul(_from_triangle(t, UPLO == "U"), V))
    return sum_(VSV, axis=(_nd(VSV) - 2,), keepdims=False)  # diag(Vᵀ S V)


def _eigh_w_vjp(g, ans, A, UPLO="L", values_only=False):
    V = eigh_v(A, UPLO=UPLO)
    G = _zmatmul(zmul(V, _row(g)), _mT(V))  # V diag(g) Vᵀ
    return _to_triangle(G, UPLO == "U")


def _eigh_F(A, UPLO, fill):
    w = eigh_w(A, UPLO=UPLO)
    degenerate = _degenerate_pairs(w)
    return _inverse_gaps(sub(_row(w), _col(w)), degenerate, fill), degenerate


def _eigh_v_jvp(t, ans, A, UPLO="L"):
    F, _ = _eigh_F(A, UPLO, np.nan)
    X = _zmatmul(_mT(ans), _zmatmul(_from_triangle(t, UPLO == "U"), ans))
    return _zmatmul(ans, mul(F, X))


def _eigh_v_vjp(g, ans, A, UPLO="L"):
    F, degenerate = _eigh_F(A, UPLO, 0.0)
    _check_repeated_unused(g, degenerate, "eigh")
    Xbar = _zmatmul(_mT(ans), g)
    G = _zmatmul(ans, _zmatmul(mul(F, Xbar), _mT(ans)))
    return _to_triangle(G, UPLO == "U")


def _eigh_kink(ans, A, UPLO="L", **kw):
    return _degenerate_pairs(np.linalg.eigvalsh(A, UPLO=UPLO)).any()


def _cubic(ans, A, *a, **kw):
    return 9 * shape_of(A)[-1] ** 3


eigh_w = defprim("eigh_w", _eigh_w_impl, jvp=(_eigh_w_jvp,), vjp=(_eigh_w_vjp,), flops=_cubic,
                 doc="eigenvalues of a symmetric matrix (first output of eigh)")
eigh_v = defprim("eigh_v", _eigh_v_impl, jvp=(_eigh_v_jvp,), vjp=(_eigh_v_vjp,), flops=_cubic,
                 doc="eigenvectors of a symmetric matrix (second output of eigh)",
                 kink=(_eigh_kink, "eigh with repeated eigenvalues: their eigenvectors have "
                                   "no derivative (reverse mode raises, forward mode gives NaN)"))


# ---------------------------------------------------------------- eig (real spectra)


def _eig(A):
    _real_only(A, "eig")

    def run(a):
        w, v = np.linalg.eig(a)
        if np.iscomplexobj(w) or np.iscomplexobj(v):
            raise NotImplementedError(
                "numpy.linalg.eig with complex eigenvalues has no derivative rule in ad_core "
                "(real eigenvalues only; for a symmetric matrix use numpy.linalg.eigh)")
        return w, v
    return _factor("eig", run, A)


def _eig_w_impl(A, values_only=False):
    if values_only:
        _real_only(A, "eigvals")
        w = np.linalg.eigvals(A)
        if np.iscomplexobj(w):
            raise NotImplementedError("numpy.linalg.eigvals with complex eigenvalues has no "
                                      "derivative rule in ad_core (real eigenvalues only)")
        return w
    return _eig(A)[0].copy()


def _eig_v_impl(A):
    return _eig(A)[1].copy()


def _eig_w_jvp(t, ans, A, values_only=False):
    V = eig_v(A)
    return _diag_part(solve(V, _zmatmul(t, V)))  # diag(V⁻¹ dA V)


def _eig_w_vjp(g, ans, A, values_only=False):
    V = eig_v(A)
    # V⁻ᵀ diag(g) Vᵀ as a product (a solve would spread an infinite g_k to every entry)
    return _zmatmul(zmul(_mT(inv(V)), _row(g)), _mT(V))


def _eig_F(A, fill):
    w = eig_w(A)
    degenerate = _degenerate_pairs(w)
    return _inverse_gaps(sub(_row(w), _col(w)), degenerate, fill), degenerate


def _eig_v_jvp(t, ans, A):
    F, _ = _eig_F(A, np.nan)
    U = _zmatmul(ans, mul(F, solve(ans, _zmatmul(t, ans))))
    n = _nd(U)
    # NumPy's eigenvectors have unit norm: remove the component along each v_i.
    along = sum_(zmul(ans, U), axis=(n - 2,), keepdims=True)
    return sub(U, zmul(ans, along))


def _eig_v_vjp(g, ans, A):
    F, degenerate = _eig_F(A, 0.0)
    n = _nd(g)
    c = sum_(zmul(ans, g), axis=(n - 2,), keepdims=True)
    Ubar = sub(g, zmul(ans, c))
    _check_repeated_unused(g, degenerate, "eig")
    Y = _zmatmul(_mT(ans), Ubar)
    return solve(_mT(ans), _zmatmul(mul(F, Y), _mT(ans)))  # V⁻ᵀ (F∘Y) Vᵀ


def _eig_kink(ans, A):
    return _degenerate_pairs(np.linalg.eigvals(A)).any()


eig_w = defprim("eig_w", _eig_w_impl, jvp=(_eig_w_jvp,), vjp=(_eig_w_vjp,), flops=_cubic,
                doc="eigenvalues of a general matrix (real spectra)")
eig_v = defprim("eig_v", _eig_v_impl, jvp=(_eig_v_jvp,), vjp=(_eig_v_vjp,), flops=_cubic,
                doc="unit eigenvectors of a general matrix (real spectra)",
                kink=(_eig_kink, "eig with repeated eigenvalues: their eigenvectors have no "
                                 "derivative (reverse mode raises, forward mode gives NaN)"))


# ---------------------------------------------------------------- svd
# Reduced quantities throughout: U (m, k), s (k,), V (n, k), k = min(m, n). With
# full_matrices=True NumPy's U (or Vh) also has columns (rows) spanning the complement,
# any orthonormal basis of it: those are ``svd_u_rest`` / ``svd_vh_rest``, no derivative.


def _svd(A, full):
    _real_only(A, "svd")
    return _factor("svd", lambda a: np.linalg.svd(a, full_matrices=full), A, full)


def _k(A) -> int:
    s = shape_of(A)
    return min(s[-2], s[-1])


def _svd_s_impl(A, full_matrices=False, compute_uv=True):
    if not compute_uv:
        _real_only(A, "svd")
        return np.linalg.svd(A, compute_uv=False)
    return _svd(A, full_matrices)[1].copy()


def _svd_u_impl(A, full_matrices=False):
    return _svd(A, full_matrices)[0][..., :, :_k(A)].copy()


def _svd_vh_impl(A, full_matrices=False):
    return _svd(A, full_matrices)[2][..., :_k(A), :].copy()


def _usv(A, full_matrices):
    return (svd_u(A, full_matrices=full_matrices), svd_s(A, full_matrices=full_matrices),
            _mT(svd_vh(A, full_matrices=full_matrices)))


def _svd_s_jvp(t, ans, A, full_matrices=False, compute_uv=True):
    U, _, V = _usv(A, full_matrices)
    return sum_(zmul(U, _zmatmul(t, V)), axis=(_nd(t) - 2,), keepdims=False)  # diag(Uᵀ dA V)


def _svd_s_vjp(g, ans, A, full_matrices=False, compute_uv=True):
    U, _, V = _usv(A, full_matrices)
    return _zmatmul(zmul(U, _row(g)), _mT(V))  # U diag(g) Vᵀ


def _svd_F(s, fill):
    degenerate = _degenerate_pairs(s)
    s2 = square(s)
    return _inverse_gaps(sub(_row(s2), _col(s2)), degenerate, fill), degenerate


def _inv_s(s, fill):
    """1 / s, with ``fill`` where s == 0 (the complement term has no derivative there)."""
    zero = np.asarray(raw(s)) == 0
    if not zero.any():
        return reciprocal(s)
    r = where(zero, 0.0, reciprocal(where(zero, 1.0, s)))
    return where(zero, fill, r) if fill != 0.0 else r


def _check_zero_s(s, rest, what: str) -> None:
    """The complement term (I - U Uᵀ) Ubar / s has no value where s == 0 and it is needed."""
    zero = np.asarray(raw(s)) == 0
    if zero.any() and np.any(np.abs(np.asarray(raw(rest))) * zero[..., None, :] > 0):
        raise ValueError(f"numpy.linalg.svd: the derivative of {what} does not exist at a "
                         "zero singular value of a non-square matrix")


def _svd_u_jvp(t, ans, A, full_matrices=False):
    U, s, V = _usv(A, full_matrices)
    F, _ = _svd_F(s, np.nan)
    dAV = _zmatmul(t, V)
    dS = _zmatmul(_mT(U), dAV)
    dU = _zmatmul(U, mul(F, add(zmul(dS, _row(s)), zmul(_col(s), _mT(dS)))))
    m = shape_of(A)[-2]
    if m > _k(A):
        dU = add(dU, mul(sub(dAV, _zmatmul(U, _zmatmul(_mT(U), dAV))), _row(_inv_s(s, np.nan))))
    return dU


def _svd_u_vjp(g, ans, A, full_matrices=False):
    U, s, V = _usv(A, full_matrices)
    F, degenerate = _svd_F(s, 0.0)
    _check_repeated_unused(g, degenerate, "svd")
    X = _zmatmul(_mT(U), g)
    K = mul(F, X)
    Abar = _zmatmul(U, _zmatmul(zmul(add(K, _mT(K)), _row(s)), _mT(V)))
    if shape_of(A)[-2] > _k(A):
        rest = sub(g, _zmatmul(U, X))  # (I - U Uᵀ) Ubar
        _check_zero_s(s, rest, "U")
        Abar = add(Abar, _zmatmul(zmul(rest, _row(_inv_s(s, 0.0))), _mT(V)))
    return Abar


def _svd_vh_jvp(t, ans, A, full_matrices=False):
    U, s, V = _usv(A, full_matrices)
    F, _ = _svd_F(s, np.nan)
    dAtU = _zmatmul(_mT(t), U)
    dS = _zmatmul(_mT(dAtU), V)  # Uᵀ dA V
    dV = _zmatmul(V, mul(F, add(zmul(_col(s), dS), zmul(_mT(dS), _row(s)))))
    if shape_of(A)[-1] > _k(A):
        dV = add(dV, mul(sub(dAtU, _zmatmul(V, _zmatmul(_mT(V), dAtU))), _row(_inv_s(s, np.nan))))
    return _mT(dV)


def _svd_vh_vjp(g, ans, A, full_matrices=False):
    U, s, V = _usv(A, full_matrices)
    F, degenerate = _svd_F(s, 0.0)
    Vbar = _mT(g)
    _check_repeated_unused(Vbar, degenerate, "svd")
    X = _zmatmul(_mT(V), Vbar)
    K = mul(F, X)
    Abar = _zmatmul(U, _zmatmul(zmul(_col(s), add(K, _mT(K))), _mT(V)))
    if shape_of(A)[-1] > _k(A):
        rest = sub(Vbar, _zmatmul(V, X))  # (I - V Vᵀ) Vbar
        _check_zero_s(s, rest, "Vh")
        Abar = add(Abar, _zmatmul(zmul(U, _row(_inv_s(s, 0.0))), _mT(rest)))
    return Abar


def _svd_kink(ans, A, full_matrices=False):
    return _degenerate_pairs(np.linalg.svd(A, compute_uv=False)).any()


_SVD_NOTE = ("svd with repeated singular values: their singular vectors have no derivative "
             "(reverse mode raises, forward mode gives NaN)")

svd_s = defprim("svd_s", _svd_s_impl, jvp=(_svd_s_jvp,), vjp=(_svd_s_vjp,), flops=_cubic,
                doc="singular values")
svd_u = defprim("svd_u", _svd_u_impl, jvp=(_svd_u_jvp,), vjp=(_svd_u_vjp,), flops=_cubic,
                doc="left singular vectors (the first min(m, n) columns of U)",
                kink=(_svd_kink, _SVD_NOTE))
svd_vh = defprim("svd_vh", _svd_vh_impl, jvp=(_svd_vh_jvp,), vjp=(_svd_vh_vjp,), flops=_cubic,
                 doc="right singular vectors (the first min(m, n) rows of Vh)",
                 kink=(_svd_kink, _SVD_NOTE))


def _no_derivative(name: str, impl, why: str):
    """An output with no derivative (any orthonormal completion): NaN tangents in forward
    mode; in reverse mode a zero cotangent passes and anything else raises."""
    def jvp(t, ans, A, **params):
        batch = shape_of(t)[:_nd(t) - _nd(A)]  # a leading batch axis (batching rule)
        return np.full(batch + shape_of(ans), np.nan)

    def vjp(g, ans, A, **params):
        if np.any(np.asarray(raw(g)) != 0):
            raise ValueError(f"{why}: it has no derivative")
        return np.zeros(shape_of(A))
    return defprim(name, impl, jvp=(jvp,), vjp=(vjp,), flops=_cubic, doc=why)


svd_u_rest = _no_derivative(
    "svd_u_rest", lambda A: _svd(A, True)[0][..., :, _k(A):].copy(),
    "numpy.linalg.svd(full_matrices=True): the last m - n columns of U span the complement of "
    "the range, any orthonormal basis of it; pass full_matrices=False")
svd_vh_rest = _no_derivative(
    "svd_vh_rest", lambda A: _svd(A, True)[2][..., _k(A):, :].copy(),
    "numpy.linalg.svd(full_matrices=True): the last n - m rows of Vh span the null space, any "
    "orthonormal basis of it; pass full_matrices=False")


# ---------------------------------------------------------------- qr


def _qr(A, complete):
    _real_only(A, "qr")
    return _factor("qr", lambda a: np.linalg.qr(a, mode="complete" if complete else "reduced"),
                   A, complete)


def _qr_q_impl(A, complete=False):
    return _qr(A, complete)[0][..., :, :_k(A)].copy()


def _qr_r_impl(A, complete=False):
    return _qr(A, complete)[1][..., :_k(A), :].copy()


def _split_cols(x, m):
    """(x[..., :, :m], x[..., :, m:])."""
    return (getitem(x, idx=(Ellipsis, slice(None), slice(0, m))),
            getitem(x, idx=(Ellipsis, slice(None), slice(m, None))))


def _qr_square_jvp(dA, Q, R):
    """dQ, dR of A = QR with m >= n (R square, invertible)."""
    C = _solve_right(dA, R)
    M = _zmatmul(_mT(Q), C)
    lower = zmul(M, np.tril(np.ones(shape_of(M)[-2:]), -1))
    do = sub(lower, _mT(lower))  # skew-symmetric
    return add(_zmatmul(Q, sub(do, M)), C), _zmatmul(sub(M, do), R)


def _qr_jvp(t, A, complete):
    Q, R = qr_q(A, complete=complete), qr_r(A, complete=complete)
    m, n = shape_of(A)[-2:]
    if m >= n:
        return _qr_square_jvp(t, Q, R)
    t1, t2 = _split_cols(t, m)
    R1, _ = _split_cols(R, m)
    _, A2 = _split_cols(A, m)
    dQ, dR1 = _qr_square_jvp(t1, Q, R1)
    dR2 = add(_zmatmul(_mT(dQ), A2), _zmatmul(_mT(Q), t2))
    return dQ, concatenate(dR1, dR2, axis=_nd(dR1) - 1)


def _qr_square_vjp(Qbar, Rbar, Q, R):
    Z = None
    if Qbar is not None:
        Z = _zmatmul(_mT(Q), Qbar)
    if Rbar is not None:
        RRt = _zmatmul(Rbar, _mT(R))
        Z = neg(RRt) if Z is None else sub(Z, RRt)
    strict = np.tril(np.ones(shape_of(Z)[-2:]), -1)
    Cbar = _zmatmul(Q, sub(zmul(sub(Z, _mT(Z)), strict), Z))
    if Qbar is not None:
        Cbar = add(Cbar, Qbar)
    return _solve_right(Cbar, _mT(R))  # Cbar R⁻ᵀ


def _qr_vjp(Qbar, Rbar, A, complete):
    Q, R = qr_q(A, complete=complete), qr_r(A, complete=complete)
    m, n = shape_of(A)[-2:]
    if m >= n:
        return _qr_square_vjp(Qbar, Rbar, Q, R)
    R1, _ = _split_cols(R, m)
    _, A2 = _split_cols(A, m)
    if Rbar is None:
        return concatenate(_qr_square_vjp(Qbar, None, Q, R1),
                           np.zeros(shape_of(A2)), axis=_nd(A) - 1)
    Rbar1, Rbar2 = _split_cols(Rbar, m)
    Qtot = _zmatmul(A2, _mT(Rbar2))
    if Qbar is not None:
        Qtot = add(Qtot, Qbar)
    A1bar = _qr_square_vjp(Qtot, Rbar1, Q, R1)
    return concatenate(A1bar, _zmatmul(Q, Rbar2), axis=_nd(A1bar) - 1)


def _qr_kink(ans, A, complete=False):
    r = np.linalg.qr(A, mode="r")
    d = np.abs(np.diagonal(r, axis1=-2, axis2=-1))
    return np.any(d <= 32 * _EPS * max(float(np.max(d, initial=0.0)), np.finfo(float).tiny))


_QR_NOTE = "qr of a rank-deficient matrix: no derivative (R has a zero on its diagonal)"

qr_q = defprim("qr_q", _qr_q_impl,
               jvp=(lambda t, ans, A, complete=False: _qr_jvp(t, A, complete)[0],),
               vjp=(lambda g, ans, A, complete=False: _qr_vjp(g, None, A, complete),),
               flops=_cubic, doc="Q of the QR decomposition (the first min(m, n) columns)",
               kink=(_qr_kink, _QR_NOTE))
qr_r = defprim("qr_r", _qr_r_impl,
               jvp=(lambda t, ans, A, complete=False: _qr_jvp(t, A, complete)[1],),
               vjp=(lambda g, ans, A, complete=False: _qr_vjp(None, g, A, complete),),
               flops=_cubic, doc="R of the QR decomposition (the first min(m, n) rows)",
               kink=(_qr_kink, _QR_NOTE))
qr_q_rest = _no_derivative(
    "qr_q_rest", lambda A: _qr(A, True)[0][..., :, _k(A):].copy(),
    "numpy.linalg.qr(mode='complete'): the last m - n columns of Q span the complement of the "
    "range, any orthonormal basis of it; use mode='reduced'")


# ---------------------------------------------------------------- pinv, lstsq


def _pinv_impl(A, rcond=None, hermitian=False):
    _real_only(A, "pinv")
    if rcond is None:
        return np.linalg.pinv(A, hermitian=hermitian)
    return np.linalg.pinv(A, rcond=rcond, hermitian=hermitian)


def _eye_minus(X):
    """I - X for a stack of square matrices."""
    return sub(np.eye(shape_of(X)[-1]), X)


def _pinv_dot(t, P, A):
    """The derivative of pinv at constant rank (Golub & Pereyra):
    dP = -P dA P + P Pᵀ dAᵀ (I - A P) + (I - P A) dAᵀ Pᵀ P."""
    tT = _mT(t)
    return add(add(neg(matmul(P, matmul(t, P))),
                   matmul(matmul(P, _mT(P)), matmul(tT, _eye_minus(matmul(A, P))))),
               matmul(_eye_minus(matmul(P, A)), matmul(tT, matmul(_mT(P), P))))


def _pinv_bar(G, P, A):
    """Transpose of ``_pinv_dot``: the cotangent of A for a cotangent G of pinv(A)."""
    GT = _mT(G)
    return add(add(neg(matmul(_mT(P), matmul(G, _mT(P)))),
                   matmul(_eye_minus(matmul(A, P)), matmul(GT, matmul(P, _mT(P))))),
               matmul(matmul(_mT(P), P), matmul(GT, _eye_minus(matmul(P, A)))))


def _pinv_jvp(t, ans, A, rcond=None, hermitian=False):
    if hermitian:
        return _pinv_dot(_from_triangle(t, False), ans, _from_triangle(A, False))
    return _pinv_dot(t, ans, A)


def _pinv_vjp(g, ans, A, rcond=None, hermitian=False):
    if hermitian:
        return _to_triangle(_pinv_bar(g, ans, _from_triangle(A, False)), False)
    return _pinv_bar(g, ans, A)


def _rank_deficient(ans, A, rcond=None, hermitian=False, **kw):
    s = np.linalg.svd(A, compute_uv=False)
    cut = (1e-15 if rcond is None else rcond) * np.max(s, axis=-1, keepdims=True)
    return np.any(s <= cut)


pinv = defprim(
    "pinv", _pinv_impl, jvp=(_pinv_jvp,), vjp=(_pinv_vjp,), flops=_cubic,
    doc="Moore-Penrose pseudo-inverse; derivative at constant rank",
    kink=(_rank_deficient, "pinv of a rank-deficient matrix: pinv is not continuous there; AD "
                           "gives the derivative along perturbations that keep the rank"))


def _lstsq_cut(a, rcond):
    m, n = shape_of(a)[-2:]
    return _EPS * max(m, n) if rcond is None or rcond < 0 else rcond


def _lstsq_impl(a, b, rcond=None):
    _real_only(a, "lstsq")
    return np.linalg.lstsq(a, b, rcond=rcond)[0]


def _as_cols(v, b):
    return _col(v) if _nd(b) == 1 else v


def _from_cols(v, b):
    return _uncol(v) if _nd(b) == 1 else v


def _lstsq_jvp_a(t, ans, a, b, rcond=None):
    P = pinv(a, rcond=_lstsq_cut(a, rcond))
    x = _as_cols(ans, b)
    r = sub(_as_cols(b, b), _zmatmul(a, x))
    tT = _mT(t)
    dx = add(add(neg(_zmatmul(P, _zmatmul(t, x))), _zmatmul(_zmatmul(P, _mT(P)), _zmatmul(tT, r))),
             _zmatmul(_eye_minus(_zmatmul(P, a)), _zmatmul(tT, _zmatmul(_mT(P), x))))
    return _from_cols(dx, b)


def _lstsq_jvp_b(t, ans, a, b, rcond=None):
    P = pinv(a, rcond=_lstsq_cut(a, rcond))
    return _from_cols(_zmatmul(P, _as_cols(t, b)), b)


def _lstsq_vjp_a(g, ans, a, b, rcond=None):
    P = pinv(a, rcond=_lstsq_cut(a, rcond))
    G = _zmatmul(_as_cols(g, b), _mT(_as_cols(b, b)))  # x = P b: the cotangent of P is g bᵀ
    return _pinv_bar(G, P, a)


def _lstsq_vjp_b(g, ans, a, b, rcond=None):
    P = pinv(a, rcond=_lstsq_cut(a, rcond))
    return _from_cols(_zmatmul(_mT(P), _as_cols(g, b)), b)


lstsq_x = defprim(
    "lstsq", _lstsq_impl, jvp=(_lstsq_jvp_a, _lstsq_jvp_b), vjp=(_lstsq_vjp_a, _lstsq_vjp_b),
    flops=lambda ans, a, b, rcond=None: 2 * _k(a) ** 2 * max(shape_of(a)[-2:]) + 1,
    doc="the least-squares solution (first output of lstsq); derivative at constant rank",
    kink=(lambda ans, a, b, rcond=None: _rank_deficient(ans, a, _lstsq_cut(a, rcond)),
          "lstsq with a rank-deficient matrix: AD gives the derivative at constant rank"))


# ---------------------------------------------------------------- the 2-norm


def _norm_impl(x, axis=None, keepdims=False):
    # NumPy's own arithmetic (a dot product over everything, else a sum of squares).
    if axis is None:
        flat = np.ravel(x)
        r = np.sqrt(flat.dot(flat))
        return np.reshape(r, (1,) * np.ndim(x)) if keepdims else r
    return np.sqrt(np.add.reduce(x * x, axis=axis, keepdims=keepdims))


def _norm_vjp(g, ans, x, axis=None, keepdims=False):
    ge = _expand_like(g, x, axis, keepdims)
    ae = _expand_like(ans, x, axis, keepdims)
    return _safe_ratio(zmul(ge, x), ae)


def _norm_jvp(t, ans, x, axis=None, keepdims=False):
    return _safe_ratio(sum_(zmul(x, t), axis=axis, keepdims=keepdims), ans)


def _norm_batched(t, ans, x, axis=None, keepdims=False):
    axes = tuple(range(1, _nd(t))) if axis is None else tuple(a + 1 for a in axis)
    return _safe_ratio(sum_(zmul(x, t), axis=axes, keepdims=keepdims), ans)


norm = defprim("norm", _norm_impl, jvp=(_norm_jvp,), vjp=(_norm_vjp,),
               flops=lambda ans, x, axis=None, keepdims=False: 2 * int(np.size(raw(x))) + 4,
               doc="2-norm / Frobenius norm; gradient 0 at the origin",
               kink=(lambda ans, x, axis=None, keepdims=False: ans == 0,
                     "norm at the origin: no derivative; AD uses 0"))


# ---------------------------------------------------------------- batching
# Every JVP rule above works on the last two axes and broadcasts over the leading ones,
# so it is its own batching rule (a tangent with a leading batch axis is a bigger stack).


def _pad_batched(t, x, stack_out: int, core: int):
    """A batched tangent of an operand with fewer stack axes than the output (solve(A, b)
    with A a stack and b one vector): put 1s between the batch axis and its axes."""
    k = stack_out - (_nd(x) - core)
    if k > 0:
        s = shape_of(t)
        t = reshape(t, shape=s[:1] + (1,) * k + s[1:])
    return t


def _solve_batched(i):
    def rule(t, ans, A, b):
        core_b = 1 if _nd(b) == 1 else 2
        stack = _nd(ans) - core_b
        t = _pad_batched(t, A if i == 0 else b, stack, 2 if i == 0 else core_b)
        return solve.jvp[i](t, ans, A, b)
    return rule


# The primitives of this family (tests check each one).
FAMILY = (det, logabsdet, inv, solve, cholesky, eigh_w, eigh_v, eig_w, eig_v, svd_s, svd_u,
          svd_vh, svd_u_rest, svd_vh_rest, qr_q, qr_r, qr_q_rest, pinv, lstsq_x, norm)


"""numpy.linalg: every function, forward and reverse, first and second order, against finite
differences; the values NumPy returns; and the conventions at degenerate points."""

from __future__ import annotations

import math

import numpy as np
import pytest
from adcheck_helpers import fd_jacobian
from family_check import check_modes, value_under_reverse_mode
from family_inputs import LINALG as INPUTS
from family_inputs import NO_DERIVATIVE, SIGN_FREE, real_spectrum, spd, sym, well
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ad_core as ad
from ad_core import PRIMITIVES

SETTINGS = dict(deadline=None, max_examples=6, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- each primitive
# (its points: family_inputs.py, shared with the systematic check's registry)


def test_every_linalg_primitive_has_an_input_generator():
    from ad_core.primitives import linalg

    ours = {p.name for p in linalg.FAMILY}
    assert ours == set(INPUTS) | set(NO_DERIVATIVE)


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_each_primitive_in_every_mode_to_second_order(name):
    args = INPUTS[name](np.random.default_rng(7))
    prim = PRIMITIVES[name]
    f = (lambda *a: prim(*a) ** 2) if name in SIGN_FREE else prim
    check_modes(f, args, what=name)  # eigen/singular vectors squared: their sign is LAPACK's


# ---------------------------------------------------------------- the NumPy surface

rng0 = np.random.default_rng(0)
A3, S3, P3 = well(rng0, 3), sym(rng0, 3), spd(rng0, 3)
TALL, WIDE = rng0.normal(size=(4, 3)), rng0.normal(size=(3, 4))
STACK = well(rng0, 2, batch=(2,))


def sq(f):
    """Eigen- and singular vectors have LAPACK's sign: compare sign-free functions of them."""
    return lambda *a: f(*a) ** 2


CASES = [
    ("det-stack", np.linalg.det, (STACK,)),
    ("slogdet", lambda a: np.linalg.slogdet(a).logabsdet, (A3,)),
    ("slogdet-negative-det", lambda a: np.linalg.slogdet(a)[1], (A3 @ np.diag([1, 1, -1.0]),)),
    ("inv-stack", np.linalg.inv, (STACK,)),
    ("solve-matrix", np.linalg.solve, (A3, rng0.normal(size=(3, 2)))),
    ("solve-stack-vector", np.linalg.solve, (STACK, rng0.normal(size=2))),
    ("cholesky-stack", np.linalg.cholesky, (spd(rng0, 2, (2,)),)),
    ("cholesky-upper", lambda a: np.linalg.cholesky(a, upper=True), (P3,)),
    ("eigh-values", lambda a: np.linalg.eigh(a).eigenvalues, (S3,)),
    ("eigh-vectors-upper", sq(lambda a: np.linalg.eigh(a, UPLO="U")[1]), (S3,)),
    ("eigh-stack", sq(lambda a: np.linalg.eigh(a)[1]), (sym(rng0, 2, (2,)),)),
    ("eigvalsh", np.linalg.eigvalsh, (S3,)),
    ("eig", lambda a: np.linalg.eig(a)[0] + np.sum(np.linalg.eig(a)[1] ** 2, axis=0),
     (real_spectrum(rng0, 3),)),
    ("eigvals", np.linalg.eigvals, (real_spectrum(rng0, 3),)),
    ("svd-square", lambda a: np.sum(np.linalg.svd(a)[0] ** 2 * np.arange(9.0).reshape(3, 3))
     * np.linalg.svd(a)[1] + np.linalg.svd(a)[2][0] ** 2, (A3,)),
    ("svd-tall-reduced", sq(lambda a: np.linalg.svd(a, full_matrices=False).U), (TALL,)),
    ("svd-wide-reduced", sq(lambda a: np.linalg.svd(a, full_matrices=False).Vh), (WIDE,)),
    ("svd-values", lambda a: np.linalg.svd(a, compute_uv=False), (WIDE,)),
    ("svd-hermitian", lambda a: np.linalg.svd(a, hermitian=True)[1], (S3,)),
    ("svd-full-sliced", lambda a: np.linalg.svd(a)[0][:, :3] ** 2, (TALL,)),
    ("svdvals", lambda a: np.linalg.svdvals(a), (TALL,)),
    ("qr-tall", lambda a: np.linalg.qr(a).Q * 2.0 + np.sum(np.linalg.qr(a).R), (TALL,)),
    ("qr-wide", lambda a: np.sum(np.linalg.qr(a)[0]) * np.linalg.qr(a)[1], (WIDE,)),
    ("qr-r", lambda a: np.linalg.qr(a, mode="r"), (TALL,)),
    ("qr-complete-square-part", lambda a: np.linalg.qr(a, mode="complete")[1], (TALL,)),
    ("pinv-wide", np.linalg.pinv, (WIDE,)),
    ("pinv-hermitian", lambda a: np.linalg.pinv(a, hermitian=True), (S3,)),
    ("pinv-rtol", lambda a: np.linalg.pinv(a, rtol=1e-8), (TALL,)),
    ("lstsq-matrix", lambda a, b: np.linalg.lstsq(a, b)[0], (TALL, rng0.normal(size=(4, 2)))),
    ("lstsq-residuals", lambda a, b: np.linalg.lstsq(a, b)[1], (TALL, rng0.normal(size=4))),
    ("lstsq-singular-values", lambda a, b: np.linalg.lstsq(a, b)[3], (TALL, np.ones(4))),
    ("matrix_power", lambda a: np.linalg.matrix_power(a, 3), (A3,)),
    ("matrix_power-negative", lambda a: np.linalg.matrix_power(a, -2), (A3,)),
    ("multi_dot", lambda a, b: np.linalg.multi_dot([a, b, a]), (A3, A3)),
    ("cond", np.linalg.cond, (A3,)),
    ("cond-fro", lambda a: np.linalg.cond(a, "fro"), (A3,)),
]
NORMS = [(o, None) for o in (None, 1, 2, math.inf, -math.inf, 3, 0.5, -1.5)]
MATRIX_NORMS = [None, "fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf]
for _o, _ in NORMS:
    CASES.append((f"norm-vector-{_o}", lambda x, o=_o: np.linalg.norm(x, ord=o),
                  (np.array([0.7, -1.3, 2.1]),)))
for _o in MATRIX_NORMS:
    CASES.append((f"norm-matrix-{_o}", lambda x, o=_o: np.linalg.norm(x, ord=o), (TALL,)))
CASES += [
    ("norm-axes-keepdims", lambda x: np.linalg.norm(x, ord=1, axis=(2, 0), keepdims=True),
     (rng0.normal(size=(3, 2, 4)),)),
    ("norm-nuc-axes", lambda x: np.linalg.norm(x, ord="nuc", axis=(0, 2)),
     (rng0.normal(size=(3, 2, 4)),)),
    ("vector_norm", lambda x: np.linalg.vector_norm(x, axis=(0, 1), ord=3, keepdims=True),
     (rng0.normal(size=(2, 3, 2)),)),
    ("matrix_norm", lambda x: np.linalg.matrix_norm(x, ord="nuc"), (STACK,)),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_numpy_linalg_in_every_mode_to_second_order(case):
    # Every primitive's rules meet all four second-order mode pairs above; here each keyword
    # variant meets the batched hessian and reverse-over-reverse.
    name, f, args = case
    check_modes(f, args, what=name, pairs=("hessian", "jacrev(jacrev)"))


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_traced_values_equal_numpys(case):
    _, f, args = case
    traced, plain = value_under_reverse_mode(f, args), f(*args)
    if case[0].startswith("lstsq-"):  # residuals, singular values: LAPACK's gelsd computes
        np.testing.assert_allclose(traced, plain, rtol=1e-13)  # them its own way
    else:
        np.testing.assert_array_equal(traced, plain)


def test_decompositions_return_numpys_named_results():
    x = np.random.default_rng(3).normal(size=(3, 3))
    s = x + x.T

    def check(a):
        w, v = np.linalg.eigh(a)
        r = np.linalg.eigh(a)
        assert type(r).__name__ == "EighResult" and r.eigenvalues is not None
        assert type(np.linalg.svd(a)).__name__ == "SVDResult"
        assert type(np.linalg.qr(a)).__name__ == "QRResult"
        assert type(np.linalg.slogdet(a)).__name__ == "SlogdetResult"
        x_, res, rank, sv = np.linalg.lstsq(a, np.ones(3))
        assert rank == 3 and np.shape(sv) == (3,) and np.shape(res) == (0,)
        return np.sum(w)

    ad.grad(check)(s)


# ---------------------------------------------------------------- shapes drawn by hypothesis


@settings(**SETTINGS)
@given(m=st.integers(1, 4), n=st.integers(1, 4), batch=st.sampled_from([(), (2,)]),
       seed=st.integers(0, 2 ** 16))
def test_svd_qr_pinv_over_shapes_and_stacks(m, n, batch, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=batch + (m, n))
    check_modes(lambda x: np.linalg.svd(x, compute_uv=False), (a,), order=1, what="svd")
    check_modes(lambda x: np.linalg.svd(x, full_matrices=False)[0] ** 2, (a,), order=1,
                what="svd U")
    check_modes(lambda x: np.linalg.qr(x)[1], (a,), order=1, what="qr R")
    check_modes(np.linalg.pinv, (a,), order=1, what="pinv")


@settings(**SETTINGS)
@given(n=st.integers(1, 4), batch=st.sampled_from([(), (2,), (2, 1)]),
       seed=st.integers(0, 2 ** 16))
def test_square_functions_over_sizes_and_stacks(n, batch, seed):
    rng = np.random.default_rng(seed)
    a, s, p = well(rng, n, batch), sym(rng, n, batch), spd(rng, n, batch)
    check_modes(np.linalg.det, (a,), order=1, what="det")
    check_modes(np.linalg.inv, (a,), order=1, what="inv")
    check_modes(np.linalg.cholesky, (p,), order=1, what="cholesky")
    check_modes(lambda x: np.linalg.eigh(x)[0], (s,), order=1, what="eigh")
    check_modes(np.linalg.solve, (a, rng.normal(size=batch + (n, 2))), order=1, what="solve")


# ---------------------------------------------------------------- what NumPy reads


def test_eigh_and_cholesky_read_one_triangle_as_numpy_does():
    # A non-symmetric input: NumPy factors the symmetric matrix built from its lower (or
    # upper) triangle, so the other triangle has derivative zero. Finite differences agree.
    a = np.random.default_rng(5).normal(size=(3, 3)) + 4.0 * np.eye(3)
    for f in (lambda x: np.linalg.eigvalsh(x), lambda x: np.linalg.eigvalsh(x, UPLO="U"),
              lambda x: np.linalg.cholesky(x), lambda x: np.linalg.cholesky(x, upper=True)):
        J = ad.jacrev(f)(a).reshape(-1, 9)
        np.testing.assert_allclose(J, fd_jacobian(f, (a,)), atol=1e-7)
    g = ad.grad(lambda x: np.sum(np.linalg.eigvalsh(x)))(a)
    np.testing.assert_allclose(g, np.eye(3), atol=1e-12)  # trace: the diagonal only


# ---------------------------------------------------------------- degenerate points


def test_functions_of_repeated_eigenvalues_are_differentiable():
    eye = np.eye(3)
    g = ad.grad(lambda a: np.sum(np.linalg.eigh(a)[0] ** 2))(eye)
    np.testing.assert_allclose(g, 2.0 * eye, atol=1e-12)
    # Second order: the eigenvector rule takes part and is NaN at repeated eigenvalues.
    assert np.isnan(ad.hessian(lambda a: np.sum(np.linalg.eigh(a)[0] ** 2))(eye)).any()


def test_eigenvectors_of_repeated_eigenvalues_raise_in_reverse_and_are_nan_forward():
    q = np.linalg.qr(np.random.default_rng(1).normal(size=(3, 3)))[0]
    a = q @ np.diag([1.0, 2.0, 2.0]) @ q.T
    used = lambda x: np.sum(np.linalg.eigh(x)[1][:, 1] ** 2 * np.arange(3.0))
    with pytest.raises(ValueError, match=r"numpy\.linalg\.eigh.*repeat"):
        ad.grad(used)(a)
    assert np.isnan(ad.jacfwd(used)(a)).all()
    # The vector of the eigenvalue that does not repeat keeps its derivative (sign-free use).
    simple = lambda x: np.outer(np.linalg.eigh(x)[1][:, 0], np.linalg.eigh(x)[1][:, 0])
    for jac in (ad.jacrev(simple), ad.jacfwd(simple)):
        np.testing.assert_allclose(jac(a).reshape(9, 9), fd_jacobian(simple, (a,)), atol=1e-7)


def test_singular_vectors_of_repeated_singular_values_raise_in_reverse():
    a = np.diag([2.0, 2.0, 1.0])
    with pytest.raises(ValueError, match=r"numpy\.linalg\.svd"):
        ad.grad(lambda x: np.sum(np.linalg.svd(x)[0][:, 0] ** 2 * np.arange(3.0)))(a)
    g = ad.grad(lambda x: np.sum(np.linalg.svd(x)[1]))(a)  # nuclear norm: fine
    np.testing.assert_allclose(g, np.eye(3), atol=1e-12)


def test_svd_full_matrices_complement_has_no_derivative():
    a = np.random.default_rng(2).normal(size=(4, 2))
    with pytest.raises(ValueError, match="full_matrices=False"):
        ad.grad(lambda x: np.sum(np.linalg.svd(x)[0] ** 2 * np.arange(16.0).reshape(4, 4)))(a)
    assert np.isnan(ad.jacfwd(lambda x: np.linalg.svd(x)[0][:, 3])(a)).all()
    with pytest.raises(ValueError, match="mode='reduced'"):
        ad.grad(lambda x: np.sum(np.linalg.qr(x, mode="complete")[0][:, 3]))(a)


def test_det_of_a_singular_matrix_is_the_cofactor_matrix_at_every_order():
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    check_modes(np.linalg.det, (a,), what="det singular")
    stack = np.stack([a, np.eye(3)])
    check_modes(np.linalg.det, (stack,), order=1, what="det singular stack")


def test_pinv_of_a_rank_deficient_matrix_follows_rank_preserving_perturbations():
    rng = np.random.default_rng(4)
    u, _, vt = np.linalg.svd(rng.normal(size=(4, 3)), full_matrices=False)
    a = u @ np.diag([3.0, 1.0, 0.0]) @ vt
    d = u[:, :2] @ rng.normal(size=(2, 2)) @ vt[:2]  # stays in the rank-2 set
    _, t = ad.jvp(np.linalg.pinv, (a,), (d,))
    h = 1e-6
    fd = (np.linalg.pinv(a + h * d) - np.linalg.pinv(a - h * d)) / (2 * h)
    np.testing.assert_allclose(t, fd, atol=1e-6)
    assert [r.kink for r in ad.trace(np.linalg.pinv, a).rows if r.kink]


def test_complex_spectra_and_complex_matrices_are_loud():
    rot = np.array([[0.0, -1.0], [1.0, 0.0]])
    with pytest.raises(NotImplementedError, match=r"numpy\.linalg\.eig with complex"):
        ad.grad(lambda a: np.sum(np.linalg.eig(a)[0].real))(rot)


def test_unsupported_linalg_functions_name_themselves():
    with pytest.raises(NotImplementedError, match=r"numpy\.linalg\.tensorinv"):
        ad.grad(lambda a: np.sum(np.linalg.tensorinv(a, ind=1)))(np.eye(3))
    with pytest.raises(NotImplementedError, match=r"numpy\.linalg\.qr with mode='raw'"):
        ad.grad(lambda a: np.sum(np.linalg.qr(a, mode="raw")[0]))(np.eye(3))

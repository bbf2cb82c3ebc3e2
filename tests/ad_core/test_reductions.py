"""Reductions: axis / keepdims / negative axes, exact prod with zeros, even tie splitting."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from adcheck_helpers import assert_close, fd_hessian, fd_jacobian

import ad_core as ad

X = np.array([[0.3, -1.2, 0.7, 1.9],
              [1.1, 0.4, -0.6, 2.3],
              [-0.8, 1.6, 0.9, -1.4]]).reshape(3, 4)
X3 = np.arange(1.0, 25.0).reshape(2, 3, 4) / 7.0 - 1.3

REDUCTIONS = {"sum": np.sum, "mean": np.mean, "prod": np.prod, "max": np.max, "min": np.min}
AXES = [None, 0, 1, 2, -1, -2, -3, (0, 2), (-1, 0), (0, 1, 2)]


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_jacobian_matches_finite_differences_for_every_axis(name, axis, keepdims):
    red = REDUCTIONS[name]
    f = lambda x: red(x, axis=axis, keepdims=keepdims)
    out = f(X3)
    J = fd_jacobian(f, (X3,))
    for jac in (ad.jacfwd, ad.jacrev):
        Jad = jac(f)(X3)
        assert np.shape(Jad) == np.shape(out) + X3.shape
        assert_close(np.reshape(Jad, (np.size(out), -1)), J, 1e-6, 1e-7, f"{name} {jac.__name__}")


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reduction_output_shape_and_value_match_numpy(name):
    red = REDUCTIONS[name]
    for axis, keepdims in itertools.product(AXES, (False, True)):
        want = red(X3, axis=axis, keepdims=keepdims)
        out, f_vjp = ad.vjp(lambda x, a=axis, k=keepdims: red(x, axis=a, keepdims=k), X3)
        np.testing.assert_allclose(out, want, rtol=1e-15)
        assert np.shape(out) == np.shape(want)
        assert f_vjp(np.ones(np.shape(want)))[0].shape == X3.shape


@pytest.mark.parametrize("method", ["sum", "mean", "prod", "max", "min"])
def test_array_method_reductions_take_axis_and_keepdims(method):
    f = lambda x: getattr(x, method)(axis=-1, keepdims=True)
    J = fd_jacobian(f, (X,))
    assert_close(ad.jacrev(f)(X).reshape(3, -1), J, 1e-6, 1e-7, method)


def test_second_order_of_reductions_with_axis_matches_finite_differences():
    w = np.array([[0.5, -1.0, 2.0, 1.5]])
    f = lambda x: np.sum(w * np.prod(x, axis=0, keepdims=True) * np.max(x, axis=0)
                         + np.mean(x, axis=-1)[:, None] ** 2)
    H = fd_hessian(f, (X,))
    assert_close(ad.hessian(f)(X).reshape(12, 12), H, 1e-4, 1e-5, "hessian")
    assert_close(ad.jacrev(ad.jacrev(f))(X).reshape(12, 12), H, 1e-4, 1e-5, "rev-rev")


# ---------------------------------------------------------------- prod with zeros


def _others(x):
    """d prod / d x_i = the product of the other elements, by definition."""
    return np.array([np.prod(np.delete(x, i)) for i in range(x.size)])


def _hess(x):
    n = x.size
    H = np.zeros((n, n))
    for i, j in itertools.product(range(n), range(n)):
        if i != j:
            H[i, j] = np.prod(np.delete(x, [i, j]))
    return H


def test_prod_gradient_with_one_zero_is_exact_not_nan():
    x = np.array([0.0, 2.0, 3.0])
    for g in (ad.grad(np.prod)(x), ad.jacfwd(np.prod)(x)):
        np.testing.assert_array_equal(g, [6.0, 0.0, 0.0])


@pytest.mark.parametrize("x", [[0.0, 2.0, 3.0], [2.0, 0.0, 0.0], [0.0, 0.0, 0.0],
                               [0.0, -1.5, 0.0, 2.0], [0.0, 0.0, 0.0, 2.0], [1.0, 2.0, -3.0],
                               [0.0, 0.0, 0.0, 0.0, 5.0]], ids=str)
def test_prod_gradient_and_hessian_are_exact_with_any_number_of_zeros(x):
    x = np.array(x)
    np.testing.assert_array_equal(ad.grad(np.prod)(x), _others(x))
    np.testing.assert_array_equal(ad.jacfwd(np.prod)(x), _others(x))
    for name, H in [("hessian", ad.hessian(np.prod)(x)),
                    ("jacrev(jacrev)", ad.jacrev(ad.jacrev(np.prod))(x)),
                    ("jacfwd(jacfwd)", ad.jacfwd(ad.jacfwd(np.prod))(x))]:
        np.testing.assert_array_equal(H, _hess(x), err_msg=name)


def test_prod_third_derivative_with_three_zeros_is_exact():
    # d³/dx0 dx1 dx2 of x0·x1·x2·x3 = x3, even where x0 = x1 = x2 = 0.
    x = np.array([0.0, 0.0, 0.0, 2.0])
    T = ad.jacfwd(ad.hessian(np.prod))(x)
    assert T[0, 1, 2] == 2.0 and T[2, 0, 1] == 2.0 and T[0, 1, 3] == 0.0
    assert T[0, 0, 1] == 0.0


def test_prod_with_zeros_along_an_axis_is_exact_per_slice():
    A = np.array([[0.0, 2.0, 3.0], [4.0, 0.0, 0.0], [1.0, 2.0, 3.0]])
    G = ad.grad(lambda a: np.sum(np.prod(a, axis=1) * np.array([1.0, 2.0, 3.0])))(A)
    want = np.stack([_others(r) * w for r, w in zip(A, [1.0, 2.0, 3.0])])
    np.testing.assert_array_equal(G, want)
    Gt = ad.grad(lambda a: np.sum(np.prod(a, axis=0)))(A.T.copy())
    np.testing.assert_array_equal(Gt, np.stack([_others(r) for r in A]).T)


# ---------------------------------------------------------------- ties


def test_max_ties_split_the_gradient_evenly():
    x = np.array([1.0, 3.0, 3.0])
    for g in (ad.grad(np.max)(x), ad.jacfwd(np.max)(x), ad.grad(lambda v: v.max())(x)):
        np.testing.assert_array_equal(g, [0.0, 0.5, 0.5])
    np.testing.assert_array_equal(ad.grad(np.max)(np.full(4, 2.0)), [0.25] * 4)


def test_min_ties_split_the_gradient_evenly():
    x = np.array([-2.0, 5.0, -2.0, -2.0])
    np.testing.assert_allclose(ad.grad(np.min)(x), [1 / 3, 0.0, 1 / 3, 1 / 3], rtol=1e-15)


def test_max_ties_split_per_slice_along_an_axis():
    A = np.array([[1.0, 1.0], [0.0, 2.0]])
    G = ad.grad(lambda a: np.sum(np.max(a, axis=1, keepdims=True)))(A)
    np.testing.assert_array_equal(G, [[0.5, 0.5], [0.0, 1.0]])
    G = ad.grad(lambda a: np.sum(np.min(a, axis=0)))(A)
    np.testing.assert_array_equal(G, [[0.0, 1.0], [1.0, 0.0]])


def test_maximum_and_minimum_ties_split_evenly():
    assert ad.grad(np.maximum, argnums=(0, 1))(1.0, 1.0) == (0.5, 0.5)
    assert ad.grad(np.minimum, argnums=(0, 1))(-2.0, -2.0) == (0.5, 0.5)
    g = ad.grad(lambda x: np.sum(np.maximum(x, 0.0)))(np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(g, [0.0, 0.5, 1.0])


def test_mean_divides_by_the_reduced_count_only():
    g = ad.grad(lambda x: np.sum(np.mean(x, axis=(0, 2))))(X3)
    np.testing.assert_allclose(g, np.full(X3.shape, 1.0 / 8.0), rtol=1e-15)

"""Issue 13's examples, each in both modes: NumPy's value and the right derivative.
Also: every transform names the user's parameter; outputs that carry input values
have real derivatives (never a silent zero)."""

from __future__ import annotations

import numpy as np
import pytest

import ad_core as ad

X = np.array([1.0, 2.0, 3.0])
MASK = np.array([True, False, True])


def both_modes(f, x):
    """(value, gradient by reverse mode, gradient by forward mode) of a scalar f."""
    v, g = ad.value_and_grad(f)(x)
    return v, g, ad.jacfwd(f)(x)


def test_sum_honours_where():
    v, gr, gf = both_modes(lambda x: np.sum(x, where=MASK), X)
    assert v == np.sum(X, where=MASK) == 4.0
    np.testing.assert_array_equal(gr, [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(gf, [1.0, 0.0, 1.0])


def test_max_honours_initial():
    v, gr, gf = both_modes(lambda x: np.max(x, initial=10.0), X)
    assert v == np.max(X, initial=10.0) == 10.0
    np.testing.assert_array_equal(gr, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(gf, [0.0, 0.0, 0.0])


def test_diff_honours_prepend():
    J = np.array([[1.0, 0.0, 0.0], [-1.0, 1.0, 0.0], [0.0, -1.0, 1.0]])
    np.testing.assert_array_equal(ad.jacrev(lambda x: np.diff(x, prepend=0.0))(X), J)
    np.testing.assert_array_equal(ad.jacfwd(lambda x: np.diff(x, prepend=0.0))(X), J)
    np.testing.assert_array_equal(np.diff(X, prepend=0.0), ad.jvp(
        lambda x: np.diff(x, prepend=0.0), (X,), (X,))[0])


def test_unique_has_its_real_derivative():
    v, gr, gf = both_modes(lambda x: np.sum(np.unique(x)), X)
    assert v == 6.0
    np.testing.assert_array_equal(gr, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(gf, [1.0, 1.0, 1.0])


def test_unique_shares_the_derivative_of_a_repeated_value_evenly():
    x = np.array([2.0, 1.0, 2.0, 3.0, 2.0])
    f = lambda x: np.unique(x) * np.array([1.0, 10.0, 100.0])  # noqa: E731
    np.testing.assert_array_equal(ad.jvp(f, (x,), (x,))[0], np.unique(x) * [1, 10, 100])
    J = ad.jacrev(f)(x)
    np.testing.assert_allclose(J[1], [10 / 3, 0.0, 10 / 3, 0.0, 10 / 3])
    np.testing.assert_allclose(ad.jacfwd(f)(x), J)


@pytest.mark.parametrize("transform", [ad.grad, lambda f: ad.jacfwd(f)])
def test_std_of_constant_data_is_zero_in_both_modes(transform):
    x = np.array([[1.0, 2.0, 3.0]])
    g = transform(lambda x: np.sum(np.std(x, axis=0)))(x)
    np.testing.assert_array_equal(g, np.zeros((1, 3)))


def test_std_of_constant_data_second_order_agrees_between_modes():
    x = np.array([2.0, 2.0, 2.0])
    f = lambda x: np.std(x)  # noqa: E731
    H1 = ad.hessian(f)(x)
    H2 = ad.jacrev(ad.jacrev(f))(x)
    H3 = ad.jacfwd(ad.jacfwd(f))(x)
    np.testing.assert_array_equal(H1, H2)
    np.testing.assert_array_equal(H2, H3)


TRANSFORMS = {
    "grad": lambda f: ad.grad(f), "value_and_grad": lambda f: ad.value_and_grad(f),
    "jacfwd": lambda f: ad.jacfwd(f), "jacrev": lambda f: ad.jacrev(f),
    "hessian": lambda f: ad.hessian(f), "derivative": lambda f: ad.derivative(f),
    "jvp": lambda f: (lambda x: ad.jvp(f, (x,), (x,))),
    "vjp": lambda f: (lambda x: ad.vjp(f, x)),
}


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_every_transform_names_the_users_parameter(name):
    with pytest.raises(TypeError) as e:
        TRANSFORMS[name](lambda alpha: 2 * alpha)("abc")
    assert "'alpha'" in str(e.value), str(e.value)


@pytest.mark.parametrize("f", [
    lambda x: np.sort(x)[::-1] * np.arange(1.0, 4.0),
    lambda x: np.take(x, [2, 0, 2]) * np.arange(1.0, 4.0),
    lambda x: np.partition(x, 1) * np.arange(1.0, 4.0),
    lambda x: np.take_along_axis(x, np.array([2, 1, 1]), axis=0) * np.arange(1.0, 4.0),
    lambda x: np.unique(x) * np.arange(1.0, 4.0),
    lambda x: np.roll(x, 1) * np.arange(1.0, 4.0),
    lambda x: np.sort(x[::-1], kind="heapsort") * np.arange(1.0, 4.0),
])
def test_outputs_carrying_input_values_have_nonzero_derivatives(f):
    x = np.array([3.0, 1.0, 2.0])
    J = ad.jacrev(f)(x)
    assert np.count_nonzero(J) >= 3
    np.testing.assert_array_equal(J, ad.jacfwd(f)(x))
    # each output row picks one input: a permutation / selection matrix times the weights
    assert set(np.unique(J)) <= {0.0, 1.0, 2.0, 3.0, 4.0}


def _fd_grad(f, x, h=1e-6):
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(x.size)])


@pytest.mark.parametrize("transform", [ad.grad, lambda f: ad.jacfwd(f)], ids=["rev", "fwd"])
def test_tolist_keeps_the_derivative(transform):
    # mystic's Rosenbrock reads its input through x.tolist(): plain floats there would
    # give a silently zero gradient
    def rosen(x):
        v = x.tolist()
        return sum(100.0 * (v[i + 1] - v[i] ** 2) ** 2 + (1 - v[i]) ** 2
                   for i in range(len(v) - 1))

    x = np.array([0.3, -1.2, 0.8, 1.1])
    expected = _fd_grad(rosen, x)
    assert np.allclose(transform(rosen)(x), expected, rtol=1e-6, atol=1e-6)
    assert isinstance(rosen(x), float)  # the plain function is untouched


def test_tolist_of_a_matrix_and_of_a_scalar_second_order():
    def f(x):
        rows = x.reshape(2, 2).tolist()
        return rows[1][0] ** 3 + x.sum().tolist() * rows[0][1]

    x = np.array([0.5, -1.0, 2.0, 0.25])
    h_rev = ad.hessian(f)(x)
    h_fwd = ad.jacfwd(ad.jacfwd(f))(x)
    fd = np.array([_fd_grad(lambda y, i=i: ad.grad(f)(y)[i], x) for i in range(4)])
    assert np.allclose(h_rev, h_fwd) and np.allclose(h_rev, fd, atol=1e-5)
    assert h_rev[2, 2] == pytest.approx(6 * x[2])

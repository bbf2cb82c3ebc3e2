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

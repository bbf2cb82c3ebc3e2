"""Loud failures, and the conventions at points where no derivative exists (never raise)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import ad_core as ad

# ---------------------------------------------------------------- unsupported functions


@pytest.mark.parametrize("fn, name", [
    (lambda x: np.gradient(x), "numpy.gradient"),
    (lambda x: np.i0(x), "numpy.i0"),
    (lambda x: np.histogram(x)[1], "numpy.histogram"),
    (lambda x: np.unwrap(x), "numpy.unwrap"),
    (lambda x: np.maximum.accumulate(x), "numpy.maximum.accumulate"),
    (lambda x: np.linalg.tensorinv(x[:, None] * x[None, :], ind=1), "numpy.linalg.tensorinv"),
])
def test_unsupported_numpy_function_raises_naming_itself(fn, name):
    for transform in (ad.grad(lambda x: np.sum(fn(x))), ad.jacfwd(fn)):
        with pytest.raises((TypeError, NotImplementedError)) as e:
            transform(np.array([0.5, 1.0, 1.5]))
        assert name in str(e.value)


def test_unsupported_message_is_exactly_the_documented_one():
    with pytest.raises(NotImplementedError, match=r"^numpy\.gradient has no derivative rule "
                                                  r"in ad_core$"):
        ad.grad(lambda x: np.sum(np.gradient(x)))(np.ones(4))


# ---------------------------------------------------------------- what to write instead


def test_float_of_traced_value_says_what_to_write_instead():
    with pytest.raises(TypeError) as e:
        ad.grad(lambda x: float(x) * 2.0)(1.0)
    msg = str(e.value)
    assert "float()" in msg and "ad_core.math" in msg and ".value" in msg


def test_real_math_module_on_traced_value_says_use_numpy_or_ad_core_math():
    for transform in (ad.grad, ad.derivative):
        with pytest.raises(TypeError) as e:
            transform(lambda x: math.sin(x))(1.0)
        assert "ad_core.math" in str(e.value) and "math" in str(e.value)


def test_in_place_assignment_into_traced_array_is_followed_in_both_modes():
    def f(x):
        x[0] = 1.0
        return np.sum(x * x)

    x = np.array([3.0, 2.0, 5.0])
    for transform in (ad.grad, ad.jacfwd):
        np.testing.assert_array_equal(transform(f)(x), [0.0, 4.0, 10.0])


def test_assigning_a_traced_value_into_a_plain_array_names_the_fix_in_the_error_chain():
    # NumPy sees a tracer as a sequence (it has __getitem__), so `a[i] = x` surfaces as
    # NumPy's ValueError "setting an array element with a sequence", raised *from* the
    # engine's TypeError: the message with the fix must be in that chain.
    def f(x):
        a = np.zeros(3)
        a[1] = x
        return np.sum(a)

    with pytest.raises((TypeError, ValueError)) as e:
        ad.grad(f)(1.0)
    chain, err = [], e.value
    while err is not None:
        chain.append(err)
        err = err.__cause__ or err.__context__
    msgs = [str(c) for c in chain if isinstance(c, TypeError)]
    assert msgs and "np.stack" in msgs[0] and "a[i] = x" in msgs[0]


def test_augmented_assignment_on_traced_array_element_is_followed():
    def f(x):
        x[1] += x[0]
        return np.sum(x * x)

    x = np.array([3.0, 2.0, 5.0])   # x becomes [3, 5, 5]: d/dx0 = 6 + 10, d/dx1 = 10
    for transform in (ad.grad, ad.jacfwd):
        np.testing.assert_array_equal(transform(f)(x), [16.0, 10.0, 10.0])


def test_out_argument_is_refused_as_an_in_place_write():
    with pytest.raises(TypeError, match="out="):
        ad.grad(lambda x: np.sum(np.sin(x, out=np.empty(2))))(np.ones(2))


def test_array_of_traced_values_says_use_stack():
    with pytest.raises(TypeError, match="np.stack"):
        ad.grad(lambda x: np.sum(np.array([x, 2.0 * x])))(1.0)


def test_item_of_traced_value_is_a_type_error():
    with pytest.raises(TypeError, match="item"):
        ad.grad(lambda x: np.sum(x).item())(np.ones(2))


def test_indexing_with_a_traced_value_is_a_type_error():
    with pytest.raises(TypeError, match="indices"):
        ad.grad(lambda x, i: x[i], argnums=(0, 1))(np.ones(3), 1.0)


# ---------------------------------------------------------------- conventions (never raise)


def _quiet(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn()


def test_abs_derivative_at_zero_is_zero_in_both_modes():
    assert ad.grad(abs)(0.0) == 0.0
    assert ad.grad(np.abs)(0.0) == 0.0
    assert ad.derivative(abs)(0.0) == 0.0
    np.testing.assert_array_equal(ad.grad(lambda x: np.sum(np.abs(x)))(np.zeros(2)), [0, 0])
    assert ad.grad(ad.math.fabs)(0.0) == 0.0


def test_sqrt_derivative_at_zero_is_inf_in_both_modes():
    assert _quiet(lambda: ad.grad(np.sqrt)(0.0)) == math.inf
    assert _quiet(lambda: ad.derivative(np.sqrt)(0.0)) == math.inf
    assert _quiet(lambda: ad.grad(ad.math.sqrt)(0.0)) == math.inf
    g = _quiet(lambda: ad.grad(lambda x: np.sum(np.sqrt(x)))(np.array([0.0, 4.0])))
    np.testing.assert_array_equal(g, [math.inf, 0.25])


def test_norm_gradient_at_the_origin_is_zero():
    np.testing.assert_array_equal(ad.grad(np.linalg.norm)(np.zeros(3)), np.zeros(3))
    np.testing.assert_array_equal(ad.jacfwd(np.linalg.norm)(np.zeros(3)), np.zeros(3))
    G = ad.grad(lambda a: np.sum(np.linalg.norm(a, axis=1)))(np.array([[3.0, 4.0], [0, 0]]))
    np.testing.assert_allclose(G, [[0.6, 0.8], [0.0, 0.0]], rtol=1e-15)


def test_hypot_gradient_at_the_origin_is_zero():
    assert ad.grad(np.hypot, argnums=(0, 1))(0.0, 0.0) == (0.0, 0.0)


def test_sign_and_floor_have_derivative_zero():
    assert ad.grad(lambda x: np.sign(x) * 3.0 + np.floor(x))(0.0) == 0.0
    assert ad.derivative(lambda x: np.floor(x))(2.5) == 0.0
    assert ad.grad(lambda x: x // 2.0)(3.0) == 0.0


def test_power_at_zero_base_follows_the_limits():
    assert ad.grad(lambda x: x ** 0)(0.0) == 0.0
    assert ad.grad(lambda x: x ** 2)(0.0) == 0.0
    assert ad.hessian(lambda x: x ** 2)(0.0) == 2.0
    assert ad.grad(lambda x: x ** 1)(0.0) == 1.0
    assert ad.grad(lambda y: 0.0 ** y)(2.0) == 0.0
    # a traced exponent: d/dx x**y at (0, 0) is the convention 0, not 0 * inf
    assert _quiet(lambda: ad.grad(lambda x, y: x ** y, argnums=(0, 1))(0.0, 0.0)) == (0.0, 0.0)


def test_mixed_second_derivative_of_power_at_zero_exponent_is_one_over_x():
    H = ad.hessian(lambda x, y: x ** y, argnums=(0, 1))(2.0, 0.0)
    assert H[0][1] == 0.5 and H[1][0] == 0.5
    H = ad.hessian(lambda x, y: np.sum(x ** y), argnums=(0, 1))(np.array([2.0, 4.0]), np.zeros(2))
    np.testing.assert_array_equal(H[0][1], np.diag([0.5, 0.25]))


# ---------------------------------------------------------------- np.where and NaN


BRANCHES = {
    "sqrt": (lambda x: np.where(x > 0, np.sqrt(x), 0.0), [-1.0, 0.0]),
    "log": (lambda x: np.where(x > 0, np.log(x), 0.0), [-1.0, 0.0]),
    "reciprocal": (lambda x: np.where(x != 0, 1.0 / x, 0.0), [0.0]),
    "arcsin": (lambda x: np.where(np.abs(x) < 1, np.arcsin(x), 0.0), [2.0, 1.0]),
    "pow": (lambda x: np.where(x > 0, x ** 0.5, 0.0), [0.0, -1.0]),
}


@pytest.mark.parametrize("name", sorted(BRANCHES))
def test_where_does_not_leak_nan_from_the_branch_not_taken_scalar(name):
    f, points = BRANCHES[name]
    for x in points:
        for transform in (ad.grad(f), ad.derivative(f), ad.grad(ad.grad(f)),
                          ad.derivative(ad.derivative(f))):
            assert _quiet(lambda t=transform, x=x: t(x)) == 0.0, x


@pytest.mark.parametrize("name", sorted(BRANCHES))
def test_where_does_not_leak_nan_from_the_branch_not_taken_array(name):
    f, points = BRANCHES[name]
    x = np.array(points + [0.25])
    g = _quiet(lambda: ad.grad(lambda v: np.sum(f(v)))(x))
    J = _quiet(lambda: ad.jacfwd(f)(x))
    assert np.all(np.isfinite(g)) and np.all(g[:-1] == 0.0)
    assert np.all(np.isfinite(J)) and np.all(np.diag(J)[:-1] == 0.0)
    np.testing.assert_allclose(g[-1], J[-1, -1], rtol=1e-12)


def test_where_does_not_leak_nan_for_a_zero_d_array_argument():
    f = BRANCHES["sqrt"][0]
    assert _quiet(lambda: ad.grad(f)(np.array(-1.0))) == 0.0


@pytest.mark.parametrize("shape", [(), (2,)])
def test_where_does_not_leak_nan_into_the_hessian(shape):
    f = BRANCHES["sqrt"][0]
    x = np.full(shape, -1.0) if shape else -1.0
    H = _quiet(lambda: ad.hessian(lambda v: np.sum(f(v)))(x))
    assert np.all(np.asarray(H) == 0.0)


def test_where_does_not_leak_nan_from_an_overflowing_branch_array():
    f = lambda x: np.where(x > 100, x, np.exp(x) * np.exp(x))
    g = _quiet(lambda: ad.grad(lambda v: np.sum(f(v)))(np.array([1000.0, 1.0])))
    np.testing.assert_allclose(g, [1.0, 2 * np.exp(2.0)], rtol=1e-14)


@pytest.mark.parametrize("name", ["overflow", "xlogx"])
def test_where_does_not_leak_nan_into_second_order_for_non_singular_rules(name):
    f, x = {"overflow": (lambda x: np.where(x > 100, x, np.exp(x) * np.exp(x)), 1000.0),
            "xlogx": (lambda x: np.where(x > 0, x * np.log(x), 0.0), 0.0)}[name]
    assert _quiet(lambda: ad.hessian(f)(x)) == 0.0
    assert _quiet(lambda: ad.grad(ad.grad(f))(x)) == 0.0


def test_jacfwd_off_diagonal_of_sqrt_at_zero_is_zero_like_jacrev():
    x = np.array([0.0, 1.0])
    Jr = _quiet(lambda: ad.jacrev(np.sqrt)(x))
    Jf = _quiet(lambda: ad.jacfwd(np.sqrt)(x))
    np.testing.assert_array_equal(Jr, [[np.inf, 0.0], [0.0, 0.5]])
    np.testing.assert_array_equal(Jf, Jr)

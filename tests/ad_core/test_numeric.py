"""ad.numeric: accuracy per method against exact derivatives, types, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ad_core as ad
from ad_core import numeric

# Smooth functions with exact derivatives: (f, f', points).
SMOOTH = [
    (np.sin, np.cos, [0.3, 1.5, -2.0, 10.0]),
    (np.exp, np.exp, [-1.0, 0.0, 2.0]),
    (lambda x: x ** 3 - 2 * x, lambda x: 3 * x ** 2 - 2, [0.5, -3.0, 100.0]),
    (lambda x: np.log(1 + x * x), lambda x: 2 * x / (1 + x * x), [0.2, 3.0]),
    (lambda x: np.tanh(x) / (2 + np.cos(x)),
     lambda x: ((1 - np.tanh(x) ** 2) * (2 + np.cos(x)) + np.tanh(x) * np.sin(x))
     / (2 + np.cos(x)) ** 2, [0.7, -1.1]),
]

# Relative tolerances that reflect each method's order: first-order differences
# keep ~half the digits, central ~2/3, Richardson and complex step nearly all.
RTOL = {"forward": 1e-6, "backward": 1e-6, "central": 1e-9, "richardson": 1e-11,
        "complex": 1e-14}


@pytest.mark.parametrize("method", list(RTOL))
@pytest.mark.parametrize("f,df,points", SMOOTH)
def test_each_method_reaches_its_order_of_accuracy_on_smooth_functions(method, f, df, points):
    for x in points:
        got = numeric.gradient(f, x, method=method)
        exact = float(df(x))
        assert isinstance(got, float)
        assert abs(got - exact) <= RTOL[method] * max(1.0, abs(exact)), (method, x, got, exact)


def test_first_order_methods_are_visibly_less_accurate_than_central():
    f, x = np.exp, 1.0
    errs = {m: abs(numeric.gradient(f, x, method=m) - math.e) for m in RTOL}
    assert errs["central"] < errs["forward"] / 10
    assert errs["richardson"] < errs["central"]


def test_forward_difference_error_is_first_order_in_the_step():
    # Large steps, where truncation dominates: halving h halves the error.
    e1 = abs(numeric.gradient(np.exp, 0.0, method="forward", step=1e-2) - 1.0)
    e2 = abs(numeric.gradient(np.exp, 0.0, method="forward", step=5e-3) - 1.0)
    assert 1.8 < e1 / e2 < 2.2


def test_central_difference_error_is_second_order_in_the_step():
    e1 = abs(numeric.gradient(np.exp, 0.0, method="central", step=1e-2) - 1.0)
    e2 = abs(numeric.gradient(np.exp, 0.0, method="central", step=5e-3) - 1.0)
    assert 3.6 < e1 / e2 < 4.4


def test_richardson_error_estimate_bounds_the_actual_error():
    for f, df, points in SMOOTH:
        for x in points:
            g, err = numeric.richardson(f, x)
            assert abs(g - float(df(x))) <= err
            assert err < 1e-8


def test_richardson_error_estimate_has_the_gradients_structure():
    w = np.array([[0.1, 0.2], [0.3, 0.4]])
    (g, gy), (e, ey) = numeric.richardson(lambda w, y: np.sum(np.sin(w)) * y, w, 2.0,
                                          argnums=(0, 1))
    assert g.shape == e.shape == (2, 2)
    assert isinstance(gy, float) and isinstance(ey, float)
    np.testing.assert_allclose(g, 2 * np.cos(w), rtol=1e-11)


@pytest.mark.parametrize("method", list(RTOL))
def test_array_argument_gives_array_of_same_shape(method):
    w = np.array([[0.5, -1.0, 2.0], [0.1, 0.2, 0.3]])
    g = numeric.gradient(lambda w: np.sum(w ** 3), w, method=method)
    assert isinstance(g, np.ndarray) and g.shape == w.shape
    np.testing.assert_allclose(g, 3 * w ** 2, rtol=RTOL[method] * 10, atol=RTOL[method] * 10)


def test_tuple_argnums_gives_a_tuple_and_other_args_pass_through_untouched():
    def f(x, n, y):
        assert isinstance(n, int)  # not perturbed, not promoted
        return sum(x ** k for k in range(n)) * y
    gx, gy = numeric.gradient(f, 2.0, 3, 5.0, argnums=(0, 2))
    assert gx == pytest.approx(5.0 * (1 + 2 * 2.0))
    assert gy == pytest.approx(1 + 2.0 + 4.0)


def test_int_argument_is_promoted_and_gives_a_float():
    g = numeric.gradient(lambda x: x * x, 3)
    assert isinstance(g, float) and g == pytest.approx(6.0)
    g = numeric.gradient(lambda w: np.sum(w * w), np.array([1, 2]))
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, [2.0, 4.0])


def test_matches_ad_grad_return_types():
    args = (1.5, np.array([1.0, 2.0]))
    f = lambda x, w: x * np.sum(w ** 2)
    for argnums in (0, 1, (0, 1), (1,)):
        a = ad.grad(f, argnums)(*args)
        n = numeric.gradient(f, *args, argnums=argnums)
        assert type(a) is type(n)
        for u, v in zip(a if isinstance(a, tuple) else (a,), n if isinstance(n, tuple) else (n,)):
            assert np.shape(u) == np.shape(v)
            np.testing.assert_allclose(u, v, rtol=1e-8)


def test_bad_argument_type_is_a_type_error_naming_the_parameter():
    def f(x, label):
        return x
    with pytest.raises(TypeError, match="'label'"):
        numeric.gradient(f, 1.0, "a", argnums=1)
    with pytest.raises(TypeError, match="np.array"):
        numeric.gradient(lambda v: v[0], [1.0, 2.0])


def test_unknown_method_and_bad_step_are_value_errors():
    with pytest.raises(ValueError, match="richardson"):
        numeric.gradient(np.sin, 1.0, method="five-point")
    with pytest.raises(ValueError, match="positive"):
        numeric.gradient(np.sin, 1.0, step=0.0)


def test_non_scalar_output_is_a_type_error_pointing_to_the_jacobian():
    with pytest.raises(TypeError, match="jacfwd"):
        numeric.gradient(lambda x: x * np.ones(3), 1.0)


def test_explicit_step_is_used_as_an_absolute_step():
    # f(x) = x² at 1 with h = 0.5: forward difference is 2 + h exactly.
    assert numeric.gradient(lambda x: x * x, 1.0, method="forward", step=0.5) == 2.5
    assert numeric.gradient(lambda x: x * x, 1.0, method="backward", step=0.5) == 1.5


def test_default_steps_follow_the_documented_rules():
    eps = np.finfo(float).eps
    assert numeric.default_step("forward", 0.1) == pytest.approx(eps ** 0.5)
    assert numeric.default_step("central", 100.0) == pytest.approx(100 * eps ** (1 / 3))
    assert numeric.default_step("complex", 5.0) == 1e-20
    assert numeric.default_step("richardson", -4.0) == pytest.approx(4 * eps ** (1 / 7))


def test_complex_step_refuses_a_function_that_drops_the_imaginary_part():
    with pytest.raises(TypeError, match="complex-analytic"):
        numeric.gradient(lambda x: abs(x) * 2, 1.0, method="complex")
    with pytest.raises(TypeError, match="complex-analytic"):
        numeric.gradient(lambda w: np.sum(np.abs(w)), np.ones(2), method="complex")


def test_complex_step_refuses_a_function_that_rejects_complex_input():
    with pytest.raises(TypeError, match="does not accept complex input"):
        numeric.gradient(lambda x: math.sin(x), 1.0, method="complex")
    with pytest.raises(TypeError, match="does not accept complex input"):
        numeric.gradient(lambda x: x if x > 0 else -x, 1.0, method="complex")


def test_complex_step_is_exact_where_differences_cancel_badly():
    # d/dx exp(x)/sqrt(sin³x + cos³x) at 1.5 (Squire & Trapp's example).
    f = lambda x: np.exp(x) / np.sqrt(np.sin(x) ** 3 + np.cos(x) ** 3)
    exact = ad.grad(f)(1.5)
    assert numeric.gradient(f, 1.5, method="complex") == pytest.approx(exact, rel=1e-14)

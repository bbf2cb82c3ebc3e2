"""Nested transforms and perturbation confusion (each transform has its own level)."""

from __future__ import annotations

import numpy as np
import pytest

import ad_core as ad

D = ad.derivative


def test_perturbation_confusion_canonical_example_is_one():
    assert D(lambda x: x * D(lambda y: x + y)(1.0))(2.0) == 1.0


@pytest.mark.parametrize("outer, inner", [(ad.derivative, ad.derivative), (ad.grad, ad.grad),
                                          (ad.grad, ad.derivative), (ad.derivative, ad.grad)])
def test_perturbation_confusion_every_mode_pair(outer, inner):
    assert outer(lambda x: x * inner(lambda y: x + y)(1.0))(2.0) == 1.0
    # x · D(y -> x·y) = x², derivative 2x = 8 at 4
    assert outer(lambda x: x * inner(lambda y: x * y)(3.0))(4.0) == 8.0
    # f(x) = x · D(y -> x)(0) = 0
    assert outer(lambda x: x * inner(lambda y: x)(0.0))(4.0) == 0.0


def test_nested_at_the_same_point_value():
    # D(x -> D(y -> x*y)(x))(x) = D(x -> x) = 1 (inner y is a fresh perturbation)
    assert D(lambda x: D(lambda y: x * y)(x))(5.0) == 1.0
    assert ad.grad(lambda x: ad.grad(lambda y: x * y)(x))(5.0) == 1.0


def test_grad_of_grad_and_third_order():
    f = lambda x: x ** 4
    assert ad.grad(ad.grad(f))(2.0) == 48.0
    assert ad.grad(ad.grad(ad.grad(f)))(2.0) == 48.0
    assert D(D(D(D(f))))(2.0) == 24.0
    assert D(ad.grad(D(ad.grad(np.sin))))(0.3) == pytest.approx(np.sin(0.3), rel=1e-14)


def test_jacfwd_of_jacrev_is_the_hessian():
    f = lambda x: np.sum(np.sin(x) * x[::-1])
    x = np.array([0.1, 0.7, -0.4])
    H = ad.hessian(f)(x)
    for other in (ad.jacfwd(ad.jacrev(f))(x), ad.jacrev(ad.jacrev(f))(x),
                  ad.jacfwd(ad.jacfwd(f))(x), ad.jacrev(ad.jacfwd(f))(x)):
        np.testing.assert_allclose(other, H, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(H, H.T, rtol=1e-13)


def test_grad_inside_the_differentiated_function():
    def f(x):
        inner = ad.grad(lambda y: y * y * x)(x)  # 2·x·x
        return inner * x  # 2x³

    assert ad.grad(f)(3.0) == 54.0
    assert D(f)(3.0) == 54.0


def test_closure_over_an_outer_traced_value():
    def outer(a):
        g = lambda b: a * np.sin(b)
        return ad.grad(g)(0.0) + a ** 2  # a·cos(0) + a²

    assert ad.grad(outer)(3.0) == 7.0
    assert D(outer)(3.0) == 7.0


def test_closure_over_outer_value_in_inner_jacobian():
    def outer(a):
        J = ad.jacfwd(lambda v: a * v ** 2)(np.array([1.0, 2.0]))
        return np.sum(J)  # a·(2 + 4)

    assert ad.grad(outer)(1.5) == 6.0


def test_inner_transform_returns_traced_values_to_outer():
    d = ad.grad(lambda x: ad.value_and_grad(lambda y: y ** 3 * x)(x)[0])(2.0)  # x⁴ -> 4x³
    assert d == 32.0
    out = ad.grad(lambda x: ad.jvp(lambda y: x * y, (x,), (1.0,))[1])(3.0)  # d/dx x = 1
    assert out == 1.0


def test_outer_value_captured_but_unused_by_inner_has_zero_inner_derivative():
    assert D(lambda x: D(lambda y: x ** 2)(1.0))(3.0) == 0.0


def test_mutated_captured_variable_is_seen_as_it_is_at_call_time():
    # ForwardDiff#443: a closure reads a variable rebound between calls
    def f(x):
        box = {"v": x}
        g = lambda y: box["v"] * y
        first = D(g)(1.0)  # x
        box["v"] = x * x
        second = D(g)(1.0)  # x²
        return first + second

    assert D(f)(3.0) == 7.0
    assert ad.grad(f)(3.0) == 7.0


def test_deep_nesting_ten_levels():
    f = np.exp
    for _ in range(10):
        f = D(f)
    assert f(0.5) == pytest.approx(np.exp(0.5), rel=1e-12)

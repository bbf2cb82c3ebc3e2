"""custom_jvp drives forward mode, custom_vjp drives reverse mode; the other mode
differentiates the body. Second order goes through the rules."""

from __future__ import annotations

import numpy as np
import pytest

import ad_core as ad

calls = {"jvp": 0, "fwd": 0, "bwd": 0}


@ad.custom_jvp
def softplus(x):
    return np.log1p(np.exp(x))


@softplus.defjvp
def softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    calls["jvp"] += 1
    # A deliberately different (wrong by a factor 2) rule shows which path ran.
    return softplus(x), 2.0 * t / (1.0 + np.exp(-x))


@ad.custom_vjp
def cube(x):
    return x * x * x


def cube_fwd(x):
    calls["fwd"] += 1
    return x * x * x, x


def cube_bwd(x, g):
    calls["bwd"] += 1
    return (10.0 * g * x * x,)  # deliberately 10/3 times the true rule


cube.defvjp(cube_fwd, cube_bwd)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def test_custom_jvp_rule_drives_forward_mode():
    before = calls["jvp"]
    assert ad.derivative(softplus)(0.3) == pytest.approx(2.0 * sigmoid(0.3), rel=1e-14)
    np.testing.assert_allclose(ad.jacfwd(softplus)(np.array([0.3, -1.0])),
                               np.diag(2.0 * sigmoid(np.array([0.3, -1.0]))), rtol=1e-14)
    assert calls["jvp"] > before


def test_reverse_mode_through_custom_jvp_differentiates_the_body():
    before = calls["jvp"]
    assert ad.grad(softplus)(0.3) == pytest.approx(sigmoid(0.3), rel=1e-14)
    assert calls["jvp"] == before


def test_custom_vjp_rule_drives_reverse_mode():
    before = calls["bwd"]
    assert ad.grad(cube)(2.0) == 40.0
    np.testing.assert_array_equal(ad.jacrev(cube)(np.array([1.0, 2.0])), np.diag([10.0, 40.0]))
    assert calls["bwd"] > before


def test_forward_mode_through_custom_vjp_differentiates_the_body():
    before = calls["fwd"], calls["bwd"]
    assert ad.derivative(cube)(2.0) == 12.0
    assert (calls["fwd"], calls["bwd"]) == before


def test_plain_calls_run_the_body():
    assert softplus(0.0) == pytest.approx(np.log(2.0))
    assert cube(2.0) == 8.0


def test_custom_functions_compose_with_other_operations():
    f = lambda x: np.sin(cube(x)) + softplus(x) * x
    x = 0.7
    want_rev = np.cos(x ** 3) * 10.0 * x ** 2 + softplus(x) + x * sigmoid(x)
    want_fwd = np.cos(x ** 3) * 3.0 * x ** 2 + softplus(x) + x * 2.0 * sigmoid(x)
    assert ad.grad(f)(x) == pytest.approx(want_rev, rel=1e-13)
    assert ad.derivative(f)(x) == pytest.approx(want_fwd, rel=1e-13)


def test_second_order_through_custom_jvp_rule():
    # d/dx of the rule's tangent 2·sigmoid(x): forward over forward uses the rule twice
    s = sigmoid(0.3)
    assert ad.derivative(ad.derivative(softplus))(0.3) == pytest.approx(2.0 * s * (1 - s),
                                                                         rel=1e-13)
    # hessian = jacfwd(jacrev): the inner reverse pass differentiates the body (sigmoid),
    # the outer forward pass then meets softplus only through the body's primitives.
    assert ad.hessian(softplus)(0.3) == pytest.approx(s * (1 - s), rel=1e-13)


def test_second_order_through_custom_vjp_rule():
    # grad of the rule's cotangent 10·x²: reverse over reverse differentiates the rule
    assert ad.grad(ad.grad(cube))(2.0) == 40.0
    # forward over reverse: the inner reverse pass uses the rule, the outer jvp runs it
    assert ad.hessian(cube)(2.0) == 40.0


def test_custom_vjp_with_two_arguments_and_residuals():
    @ad.custom_vjp
    def mul_add(x, y):
        return x * y + y

    # Cotangents must have the shapes of the arguments (y is a scalar: sum over x's shape).
    mul_add.defvjp(lambda x, y: (x * y + y, (x, y)),
                   lambda res, g: (g * res[1], np.sum(g * (res[0] + 1.0))))
    assert ad.grad(mul_add, argnums=(0, 1))(2.0, 3.0) == (3.0, 3.0)
    gx, gy = ad.grad(lambda x, y: np.sum(mul_add(x, y)), argnums=(0, 1))(np.ones(2), 2.0)
    np.testing.assert_array_equal(gx, [2.0, 2.0])
    assert gy == 4.0


def test_custom_jvp_with_two_arguments_gets_both_tangents():
    @ad.custom_jvp
    def f(x, y):
        return x * y

    @f.defjvp
    def f_jvp(primals, tangents):
        (x, y), (tx, ty) = primals, tangents
        return x * y, tx * y + x * ty

    assert ad.jvp(f, (2.0, 3.0), (1.0, 1.0))[1] == 5.0
    assert ad.jacfwd(f, argnums=(0, 1))(2.0, 3.0) == (3.0, 2.0)


def test_custom_vjp_backward_must_return_one_cotangent_per_argument():
    @ad.custom_vjp
    def f(x, y):
        return x * y

    f.defvjp(lambda x, y: (x * y, None), lambda res, g: (g,))
    with pytest.raises(TypeError, match="2 cotangents"):
        ad.grad(f)(1.0, 2.0)


def test_custom_jvp_without_rule_is_a_clear_error():
    @ad.custom_jvp
    def f(x):
        return x

    with pytest.raises(TypeError, match="defjvp"):
        ad.derivative(f)(1.0)


def test_custom_rule_inside_nested_transforms_has_no_perturbation_confusion():
    # x · D(y -> softplus'(rule) at x·y)...: inner uses the rule for y only
    got = ad.derivative(lambda x: x * ad.derivative(lambda y: softplus(x * y))(1.0))(0.5)
    # inner: 2·sigmoid(x·y)·x at y=1 -> h(x) = 2 x² sigmoid(x); h'(x) = 4x s + 2x² s(1-s)
    s = sigmoid(0.5)
    assert got == pytest.approx(4 * 0.5 * s + 2 * 0.25 * s * (1 - s), rel=1e-13)

"""ad.check_grad: right and deliberately wrong gradients, messages, bad grad_fn returns."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ad_core as ad


def f(x, y):
    return x ** 2 * y + np.sin(y)


def f_grad(x, y):
    return 2 * x * y, x ** 2 + np.cos(y)


def test_ad_gradient_passes_against_finite_differences():
    r = ad.check_grad(f, 1.5, 2.0, argnums=(0, 1))
    assert r.ok and bool(r)
    assert r.reference == "finite differences"
    assert r.max_abs_err < 1e-8 and r.max_rel_err < 1e-8
    assert r.message.startswith("✓ matches ∇f")
    assert r.analytic == pytest.approx(f_grad(1.5, 2.0))
    assert r.numeric == pytest.approx(f_grad(1.5, 2.0))


def test_right_hand_written_gradient_passes_against_ad():
    r = ad.check_grad(f, 1.5, 2.0, argnums=(0, 1), grad_fn=f_grad)
    assert r.ok
    assert r.reference == "AD"
    assert r.mismatches == []
    assert r.ad == pytest.approx(f_grad(1.5, 2.0))


def test_wrong_component_is_named_with_both_values():
    def bad(x, y):
        return 2 * x * y, x ** 2 + np.cos(y) + 2.0  # ∂f/∂y off by 2
    r = ad.check_grad(f, 1.5, 2.0, argnums=(0, 1), grad_fn=bad)
    assert not r.ok
    assert r.worst == (1, ())
    assert r.mismatches == [(1, ())]
    dy = 1.5 ** 2 + math.cos(2.0)
    assert r.message.startswith(f"∂f/∂y off by 2.0 at y=2.0: hand-written {dy + 2:.6g}, "
                                f"AD {dy:.6g}")
    assert "finite differences" in r.message
    assert r.max_abs_err == pytest.approx(2.0)
    assert r.max_rel_err == pytest.approx(2.0 / abs(dy))


def test_wrong_array_component_is_named_by_index():
    def loss(w):
        return np.sum(w ** 3)
    w = np.array([0.1, 0.2, 0.3])
    r = ad.check_grad(loss, w, grad_fn=lambda w: 3 * w ** 2 + np.array([0.0, 0.0, 0.5]))
    assert not r.ok
    assert r.worst == (0, (2,))
    assert r.message == ("∂loss/∂w[2] off by 0.5 at w[2]=0.3: hand-written 0.77, AD 0.27 "
                         "(finite differences 0.27)")


def test_matrix_component_and_several_mismatches_are_reported():
    W = np.arange(6.0).reshape(2, 3) / 10
    wrong = lambda W: 2 * W + np.array([[0, 0, 0], [0, 1.0, 0.1]])
    r = ad.check_grad(lambda W: np.sum(W * W), W, grad_fn=wrong)
    assert r.worst == (0, (1, 1))
    assert sorted(r.mismatches) == [(0, (1, 1)), (0, (1, 2))]
    assert "∂<lambda>/∂W[1, 1] off by 1.0" in r.message
    assert "1 more component" in r.message


def test_small_error_within_tolerance_passes_and_outside_fails():
    g = lambda x: 3 * x ** 2
    assert ad.check_grad(lambda x: x ** 3, 2.0, grad_fn=lambda x: g(x) * (1 + 1e-7)).ok
    assert not ad.check_grad(lambda x: x ** 3, 2.0, grad_fn=lambda x: g(x) * (1 + 1e-3)).ok
    assert ad.check_grad(lambda x: x ** 3, 2.0, grad_fn=lambda x: g(x) * (1 + 1e-3),
                         rtol=1e-2).ok


def test_wrong_sign_is_caught():
    r = ad.check_grad(np.cos, 1.0, grad_fn=lambda x: np.sin(x))
    assert not r.ok and r.worst == (0, ())
    assert "∂cos/∂" in r.message


@pytest.mark.parametrize("ret,needle", [
    (lambda x, y: 2 * x * y, "expects a tuple of 2 gradients (for x, y)"),
    (lambda x, y: (2 * x * y,), "returned 1 gradient, but argnums=(0, 1) expects 2"),
    (lambda x, y: (2 * x * y, None), "gradient for y is a NoneType"),
    (lambda x, y: (2 * x * y, "1.0"), "gradient for y is a str"),
    (lambda x, y: (2 * x * y, np.ones(2)), "gradient for y has shape (2,), but y is a scalar"),
    (lambda x, y: 1 / 0, "raised ZeroDivisionError"),
])
def test_bad_grad_fn_returns_fail_with_a_clear_message_never_raise(ret, needle):
    r = ad.check_grad(f, 1.5, 2.0, argnums=(0, 1), grad_fn=ret)
    assert not r.ok and r.outcome == "unverified" and "hand" in r.failures
    assert needle in r.message
    assert r.max_abs_err == float("inf")


def test_tuple_for_a_single_argnum_is_explained():
    r = ad.check_grad(f, 1.5, 2.0, grad_fn=f_grad)
    assert not r.ok
    assert "expects one gradient, for x" in r.message and "argnums=(0, 1)" in r.message


def test_array_shape_mismatch_is_explained():
    r = ad.check_grad(lambda w: np.sum(w ** 2), np.ones(3), grad_fn=lambda w: np.ones((3, 1)))
    assert not r.ok and "has shape (3, 1), but w has shape (3,)" in r.message


def test_a_list_for_an_array_argument_is_accepted():
    r = ad.check_grad(lambda w: np.sum(w ** 2), np.array([1.0, 2.0]),
                      grad_fn=lambda w: [2 * w[0], 2 * w[1]])
    assert r.ok, r.message


def test_when_ad_cannot_run_finite_differences_inform_but_verify_nothing():
    def g(x):
        y = x + 1.0
        return math.sin(y)  # the real math module: AD refuses it
    r = ad.check_grad(g, 1.0, grad_fn=lambda x: math.cos(x + 1.0))
    assert not r.ok and r.outcome == "unverified" and r.reference == "finite differences"
    assert r.failures["ad"].line == g.__code__.co_firstlineno + 2  # the `math.sin` line
    assert "AD could not differentiate g (line" in r.message
    assert "agrees with finite differences" in r.message
    r = ad.check_grad(g, 1.0, grad_fn=lambda x: -math.cos(x + 1.0))
    assert r.outcome == "unverified" and "differs from finite differences" in r.message
    assert r.mismatches == [(0, ())]  # the numbers are still there to show
    r = ad.check_grad(g, 1.0)
    assert r.outcome == "unverified" and "AD could not differentiate g" in r.message


def test_a_correct_one_argument_gradient_agrees_with_both_references():
    r = ad.check_grad(lambda x: x ** 3, 2.0, grad_fn=lambda x: 3 * x ** 2)
    assert r.ok and r.outcome == "verified" and r.failures == {}
    (c,) = r.components()
    assert (c.name, c.hand, c.ad) == ("x", 12.0, 12.0) and c.fd == pytest.approx(12.0)
    assert (c.hand_ad, c.hand_fd, c.ad_fd) == (True, True, True)


def test_components_carry_three_numbers_and_the_pairs_that_agree():
    def bad(x, y):
        return 2 * x * y, x ** 2 + np.cos(y) + 2.0
    r = ad.check_grad(f, 1.5, 2.0, argnums=(0, 1), grad_fn=bad)
    cx, cy = r.components()
    assert r.outcome == "wrong"
    assert (cx.hand_ad, cx.hand_fd, cx.ad_fd) == (True, True, True)
    assert (cy.name, cy.hand_ad, cy.hand_fd, cy.ad_fd) == ("y", False, False, True)
    assert cy.hand - cy.ad == pytest.approx(2.0)
    w = np.array([0.1, 0.2, 0.3])
    r = ad.check_grad(lambda w: np.sum(w ** 2), w, grad_fn=lambda w: 2 * w)
    assert [c.name for c in r.components()] == ["w[0]", "w[1]", "w[2]"]
    assert len(r.components(limit=2)) == 2


def test_a_failing_hand_written_gradient_or_finite_differences_is_unverified_not_wrong():
    def boom(x):
        raise ValueError("no")
    r = ad.check_grad(lambda x: x ** 2, 1.0, grad_fn=boom)
    assert r.outcome == "unverified" and "boom raised ValueError: no" in r.message
    assert r.failures["hand"].line == boom.__code__.co_firstlineno + 1

    def edgy(x):  # fine at the point, undefined a step to the left
        if x < 1.0:
            raise ValueError("outside the domain")
        return x * x
    r = ad.check_grad(edgy, 1.0)
    assert r.outcome == "unverified" and "fd" in r.failures
    assert "finite differences could not evaluate edgy" in r.message
    r = ad.check_grad(edgy, 1.0, grad_fn=lambda x: 2 * x)
    assert r.outcome == "verified" and r.reference == "AD"  # AD is the reference anyway


def test_bad_argument_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match="'y'"):
        ad.check_grad(f, 1.0, None, argnums=(0, 1))


def test_ad_against_finite_differences_that_do_not_reproduce_is_unverified_not_wrong():
    # pycma's elli: a noise term that a nonzero actuator_noise switches on. At 0 the
    # function is deterministic, but the finite-difference steps draw random numbers.
    rng = np.random.default_rng(0)

    def elli(x, noise):
        if noise:
            x = x + noise * rng.normal(size=x.shape)
        return np.sum(x ** 2)

    r = ad.check_grad(elli, np.array([0.5, 1.0]), 0.0, argnums=(0, 1))
    assert r.outcome == "unverified" and not r.ok
    assert r.message.startswith("∂elli/∂noise cannot be checked at noise=0.0: finite "
                                "differences are not reproducible there (")
    assert "elli gives different values for the same input near this point" in r.message


def test_a_wrong_ad_rule_stays_wrong_after_the_second_finite_difference_run():
    @ad.custom_vjp
    def cube(x):
        return x ** 3

    # wrong on purpose: 3x² is right
    cube.defvjp(lambda x: (x ** 3, x), lambda x, g: (g * 2.0 * x ** 2,))
    r = ad.check_grad(lambda x: cube(x), 1.5)
    assert r.outcome == "wrong"
    assert "AD 4.5" in r.message and "finite differences 6.75" in r.message


def test_reproducible_but_inaccurate_finite_differences_condemn_nothing():
    # a jump (SciPy's Gear benchmark: floor at an integer point): central differences give
    # jump / 2h, again and again; AD's 0 is not wrong, and nothing measures the derivative
    r = ad.check_grad(lambda x: np.floor(x[0]) * x[1] + x[1], np.array([1.0, 2.0]))
    assert r.outcome == "unverified", r.message
    assert r.message.startswith("∂<lambda>/∂x[0] cannot be checked at x[0]=1.0: finite "
                                "differences are not accurate there (central ")
    assert "AD 0.0" in r.message and "jumps, oscillates or is too large" in r.message

    # a small derivative of a large value (SciPy's Meyer: sums of squares near 1e9):
    # central differences lose digits to rounding; the extrapolated ones agree with AD
    def meyer_like(x):
        return 1e10 + 3.0 * x ** 2

    first = ad.numeric.gradient(meyer_like, 0.7)
    assert abs(first - 4.2) > 1e-5 * 4.2  # the plain differences are off
    r = ad.check_grad(meyer_like, 0.7)
    assert r.outcome != "wrong", r.message


def test_extrapolated_differences_still_confirm_a_wrong_rule():
    @ad.custom_vjp
    def cube(x):
        return x ** 3

    cube.defvjp(lambda x: (x ** 3, x), lambda x, g: (g * 2.0 * x ** 2,))  # 3x² is right
    r = ad.check_grad(lambda x: 1e3 * np.sum(cube(x)), np.array([1.5, 0.5]))
    assert r.outcome == "wrong", r.message
    assert "AD 4500.0, finite differences 6750.0; 1 more component(s) off" in r.message


def test_a_confirming_finite_difference_run_that_fails_is_said_not_called_noise():
    calls = {"n": 0}

    @ad.custom_vjp
    def cube(x):
        return x ** 3

    cube.defvjp(lambda x: (x ** 3, x), lambda x, g: (g * 2.0 * x ** 2,))  # wrong on purpose

    def f(x):
        if not isinstance(x, float):  # traced: AD's run
            return cube(x)
        calls["n"] += 1
        if calls["n"] > 2:  # the first central difference takes two calls
            raise RuntimeError("the data file went away")
        return x ** 3

    r = ad.check_grad(f, 1.5)
    assert r.outcome == "unverified" and "✗" not in r.message
    assert "running them again to confirm failed" in r.message
    assert "RuntimeError: the data file went away" in r.failures["fd"].message

"""Define-by-run: Python if / for / while / recursion; comparisons read primal values."""

from __future__ import annotations

import numpy as np
import pytest

import ad_core as ad

MODES = {
    "grad": lambda f: ad.grad(f),
    "derivative": lambda f: ad.derivative(f),
    "jacrev": lambda f: ad.jacrev(f),
    "jacfwd": lambda f: ad.jacfwd(f),
}


def piecewise(x):
    if x > 1.0:
        return x ** 3
    elif x < -1.0:
        return -x
    return np.sin(x)


@pytest.mark.parametrize("mode", sorted(MODES))
def test_if_takes_the_branch_of_the_primal_value(mode):
    d = MODES[mode](piecewise)
    assert d(2.0) == 12.0
    assert d(-3.0) == -1.0
    assert d(0.5) == pytest.approx(np.cos(0.5), rel=1e-15)


@pytest.mark.parametrize("mode", sorted(MODES))
def test_for_loop_with_data_dependent_accumulation(mode):
    def f(x):
        acc = 0.0
        for k in range(1, 5):
            acc = acc + x ** k / k
        return acc

    assert MODES[mode](f)(0.5) == pytest.approx(1 + 0.5 + 0.25 + 0.125, rel=1e-15)


@pytest.mark.parametrize("mode", sorted(MODES))
def test_while_loop_whose_trip_count_depends_on_the_value(mode):
    def f(x):
        while x < 10.0:  # doubles until >= 10: x * 2**n, n from the primal
            x = x * 2.0
        return x

    assert MODES[mode](f)(1.5) == 8.0  # 1.5 -> 12 after three doublings
    assert MODES[mode](f)(3.0) == 4.0


@pytest.mark.parametrize("mode", sorted(MODES))
def test_recursion(mode):
    def power(x, n):
        return 1.0 if n == 0 else x * power(x, n - 1)

    assert MODES[mode](lambda x: power(x, 5))(2.0) == 80.0


def test_newton_iterations_differentiate_through_the_loop():
    def sqrt_newton(a):
        x = a
        for _ in range(30):
            x = 0.5 * (x + a / x)
        return x

    assert ad.grad(sqrt_newton)(4.0) == pytest.approx(0.25, rel=1e-12)
    assert ad.hessian(sqrt_newton)(4.0) == pytest.approx(-1 / 32, rel=1e-10)


def test_comparisons_on_traced_values_return_plain_bools():
    seen = []

    def f(x, y):
        seen.append((x < y, x <= y, x > y, x >= y, x == y, x != y, bool(x)))
        return x * y

    ad.grad(f, argnums=(0, 1))(1.0, 2.0)
    ad.derivative(lambda x: f(x, 1.0))(1.0)
    assert seen[0] == (True, True, False, False, False, True, True)
    assert seen[1] == (False, True, False, True, True, False, True)
    assert all(type(v) is bool for v in seen[0])


def test_array_comparisons_give_plain_boolean_arrays_for_masks_and_any_all():
    def f(x):
        m = x > 0
        assert isinstance(m, np.ndarray) and m.dtype == bool
        if (x > 10).any() or not (x > -10).all():
            return -np.sum(x)
        return np.sum(np.where(m, x, 0.0) ** 2)

    np.testing.assert_array_equal(ad.grad(f)(np.array([-1.0, 2.0])), [0.0, 4.0])


def test_int_of_traced_value_is_allowed_for_indexing_and_loops():
    def f(x):
        n = int(x)
        return x * n

    assert ad.grad(f)(3.7) == 3.0


def test_python_builtins_max_min_sum_work_through_comparisons():
    assert ad.grad(lambda x, y: max(x, y), argnums=(0, 1))(1.0, 2.0) == (0.0, 1.0)
    assert ad.grad(lambda x, y: min(x, y) * 3.0, argnums=(0, 1))(1.0, 2.0) == (3.0, 0.0)
    g = ad.grad(lambda v: sum(v) + max(v))(np.array([1.0, 5.0, 2.0]))
    np.testing.assert_array_equal(g, [1.0, 2.0, 1.0])


def test_early_return_and_fan_out_reuse():
    def f(a):
        b = a + a
        c = b + b
        return c

    assert ad.grad(f)(1.0) == 4.0
    assert ad.derivative(f)(1.0) == 4.0

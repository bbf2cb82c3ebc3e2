"""The cache: one transform per argument signature; rebuilt when a module name the code
read is rebound; guards that refuse other types; nesting inside ad's transforms."""

from __future__ import annotations

import numpy as np
import pytest
import sct_corpus as C

import ad_core as ad


def test_the_same_signature_reuses_the_compiled_code_and_a_new_one_adds_an_entry():
    g = ad.sct.grad(C.rosenbrock)
    g(np.ones(4))
    g(np.full(4, 2.0))
    assert len(g.sct_cache) == 1
    g(np.ones(5))
    g(1.0 * np.arange(12).reshape(3, 4)[0])
    assert len(g.sct_cache) == 2  # shape (4,) twice, (5,) once


def test_rebinding_a_module_name_the_code_read_rebuilds_it(monkeypatch):
    g = ad.sct.grad(C.loop_over_array)
    x = np.array([1.0, 2.0])
    assert np.allclose(g(x), 2 * C.SCALE * x)
    monkeypatch.setattr(C, "SCALE", 4.0)
    assert np.allclose(g(x), 2 * 4.0 * x)


def test_rebinding_a_called_function_rebuilds_the_code(monkeypatch):
    g = ad.sct.grad(C.calls_array)
    x = np.array([0.5, 1.0])
    before = g(x)

    def cube_sum(v):
        return np.sum(v * v * v)

    monkeypatch.setattr(C, "square_sum", cube_sum)
    after = g(x)
    np.testing.assert_allclose(after, ad.grad(C.calls_array)(x))
    assert not np.allclose(before, after)


def test_np_float64_and_int_arguments_are_floats():
    g = ad.sct.grad(C.chain)
    assert type(g(np.float64(0.7))) is float
    assert g(np.float64(0.7)) == pytest.approx(g(0.7))
    assert g(1) == pytest.approx(g(1.0))


def test_a_zero_dimensional_array_gets_a_zero_dimensional_gradient():
    x = np.array(0.7)
    g = ad.sct.grad(C.chain)(x)
    r = ad.grad(C.chain)(x)
    assert type(g) is type(r) and np.shape(g) == np.shape(r)
    assert float(g) == pytest.approx(float(r))


def test_keyword_arguments_pass_through_and_specialise():
    g = ad.sct.grad(C.scalar_loop, argnums=(0, 1))
    a = g(0.7, 0.9, iters=10)
    b = g(0.7, 0.9, iters=20)
    assert a == pytest.approx(ad.grad(C.scalar_loop, argnums=(0, 1))(0.7, 0.9, iters=10))
    assert b == pytest.approx(ad.grad(C.scalar_loop, argnums=(0, 1))(0.7, 0.9, iters=20))


def test_negative_argnums_count_from_the_end():
    g = ad.sct.grad(C.energy, argnums=-1)(1.2, 0.5)
    assert g == pytest.approx(ad.grad(C.energy, argnums=1)(1.2, 0.5))


def test_a_gradient_of_an_input_the_output_does_not_use_is_zero_of_its_shape():
    def f(x, y):
        return np.sum(x * 2.0)

    gx, gy = ad.sct.grad(f, argnums=(0, 1))(np.ones(3), np.ones((2, 2)))
    np.testing.assert_array_equal(gy, np.zeros((2, 2)))
    np.testing.assert_array_equal(gx, np.full(3, 2.0))


def test_forward_mode_inside_reverse_mode_over_the_generated_code():
    # ad.jacfwd runs the generated gradient on traced values: the Hessian.
    x = np.array([0.3, -0.8, 1.1, 0.5])
    H = ad.jacfwd(ad.sct.grad(C.rosenbrock))(x)
    np.testing.assert_allclose(H, ad.hessian(C.rosenbrock)(x), rtol=1e-10)


def test_the_generated_gradient_is_idempotent():
    g = ad.sct.grad(C.mlp, argnums=(0, 1, 2, 3))
    rng = np.random.default_rng(1)
    args = (rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((4, 2)),
            rng.standard_normal(2), rng.standard_normal((5, 3)), np.arange(5),
            rng.integers(0, 2, 5))
    first = g(*args)
    second = g(*args)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
        assert a is not b

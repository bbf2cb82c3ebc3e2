"""The PyTorch-style object API: x = ad.Variable(2.0); y = f(x); y.backward(); x.grad."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest

import ad_core as ad


def test_backward_fills_grad_of_a_scalar_variable_as_a_float():
    x = ad.Variable(2.0)
    y = x * x + 3 * x
    y.backward()
    assert x.grad == 7.0 and type(x.grad) is float


def test_grad_is_none_before_backward_and_data_is_the_plain_value():
    x = ad.Variable(1.5)
    assert x.grad is None
    assert x.data == 1.5 and type(x.data) is float


def test_two_backward_calls_accumulate_like_torch():
    x = ad.Variable(2.0)
    y = x * x
    y.backward()
    y.backward()
    assert x.grad == 8.0
    x.zero_grad()
    assert x.grad is None
    (x * 5.0).backward()
    assert x.grad == 5.0


def test_grad_accumulates_across_different_outputs():
    x = ad.Variable(3.0)
    (x * x).backward()
    np.sin(x).backward()
    assert x.grad == pytest.approx(6.0 + np.cos(3.0), rel=1e-15)


def test_array_variable_gradient_has_its_shape():
    w = ad.Variable(np.array([[1.0, 2.0], [3.0, 4.0]]))
    loss = np.sum(w ** 2) + np.sum(w @ np.array([1.0, -1.0]))
    loss.backward()
    assert type(w.grad) is np.ndarray and w.grad.shape == (2, 2)
    np.testing.assert_array_equal(w.grad, 2 * w.data + np.array([[1.0, -1.0], [1.0, -1.0]]))


def test_several_variables_get_their_own_gradients():
    a, b = ad.Variable(2.0), ad.Variable(np.array([1.0, 2.0, 3.0]))
    out = np.sum(a * b) * a
    out.backward()
    assert a.grad == 2 * 2.0 * 6.0
    np.testing.assert_array_equal(b.grad, [4.0, 4.0, 4.0])


def test_variable_not_used_by_the_output_keeps_grad_none():
    a, b = ad.Variable(2.0), ad.Variable(5.0)
    (a * a).backward()
    assert a.grad == 4.0 and b.grad is None


def test_backward_of_non_scalar_needs_a_gradient_argument():
    v = ad.Variable(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="gradient"):
        (v * v).backward()
    (v * v).backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(v.grad, [2.0, 40.0])


def test_backward_through_control_flow_and_intermediate_values():
    x = ad.Variable(0.5)
    y = x
    for _ in range(3):
        y = y * y if y < 1.0 else y
    y.backward()  # x**8
    assert x.grad == pytest.approx(8 * 0.5 ** 7, rel=1e-15)


def test_ints_are_promoted_and_bad_values_are_type_errors():
    x = ad.Variable(3)
    assert type(x.data) is float
    (x * x).backward()
    assert x.grad == 6.0
    for bad in ("a", None, [1.0], True):
        with pytest.raises(TypeError):
            ad.Variable(bad)


def test_variable_agrees_with_grad():
    f = lambda w: np.sum(np.tanh(w @ np.array([0.5, -0.2])) ** 2)
    w0 = np.array([[0.1, 0.2], [0.3, -0.4]])
    w = ad.Variable(w0)
    f(w).backward()
    np.testing.assert_allclose(w.grad, ad.grad(f)(w0), rtol=1e-14)


def test_training_loop_memory_does_not_grow_with_the_number_of_steps():
    w = ad.Variable(np.ones(3))

    def step():
        loss = np.sum(w * w)
        loss.backward()

    for _ in range(200):
        step()
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for _ in range(2000):
            step()
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert after - before < 100_000


def test_a_value_from_before_backward_cannot_silently_mix_with_a_fresh_graph():
    w = ad.Variable(2.0)
    y = w * w
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y * w  # y's graph was freed: treating y as a constant would be silently wrong


def test_retain_graph_keeps_extending_the_same_graph():
    w = ad.Variable(2.0)
    y = w * w
    y.backward(retain_graph=True)
    z = y * w  # w**3
    z.backward()
    assert w.grad == 4.0 + 12.0

"""Scale: a reverse pass over 10^6 recorded scalar operations; idempotent backward."""

from __future__ import annotations

import gc
import sys
import tracemalloc

import numpy as np

import ad_core as ad

N_OPS = 1_000_000


def chain(x):
    # 10^6 recorded operations, each depending on the previous one: graph depth 10^6.
    y = x
    for i in range(N_OPS // 2):
        y = y * 1.0000001
        y = y + 1e-9 * i
    return y


def test_reverse_mode_over_a_million_scalar_operations_completes_and_is_idempotent():
    assert sys.getrecursionlimit() < N_OPS  # recursion on depth would fail here
    out, f_vjp = ad.vjp(chain, 1.0)
    first = f_vjp(1.0)[0]
    second = f_vjp(1.0)[0]
    assert type(first) is float
    assert first == second  # the backward pass can run twice, same answer
    # d/dx of the chain is exactly 1.0000001 ** (N/2) (the additions are constants)
    assert abs(first - 1.0000001 ** (N_OPS // 2)) < 1e-9
    assert abs(out - np.float64(chain(1.0))) < 1e-9


def test_tape_memory_is_linear_and_released_with_the_result():
    gc.collect()
    tracemalloc.start()
    try:
        small = _peak(lambda: ad.grad(_chain_n(1_000))(1.0))
        big = _peak(lambda: ad.grad(_chain_n(10_000))(1.0))
        base, _ = tracemalloc.get_traced_memory()
        ad.grad(_chain_n(10_000))(1.0)
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert big < 20 * small  # 10x the operations: about 10x the memory, not quadratic
    assert big / 10_000 < 2_000  # bytes per recorded scalar operation
    assert after - base < 1_000_000  # nothing of the tape survives the call


def _chain_n(n):
    def f(x):
        y = x
        for _ in range(n):
            y = y * 1.000001
        return y
    return f


def _peak(fn):
    tracemalloc.reset_peak()
    start, _ = tracemalloc.get_traced_memory()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    return peak - start


def test_deep_array_graph_has_no_recursion_limit():
    x = np.linspace(0.1, 0.2, 3)

    def f(v):
        for _ in range(5_000):
            v = np.sin(v) * 0.5 + v * 0.5
        return np.sum(v)

    g1 = ad.grad(f)(x)
    g2 = ad.grad(f)(x)
    np.testing.assert_array_equal(g1, g2)
    assert np.all(np.isfinite(g1)) and np.all(g1 > 0)


def test_jacrev_runs_the_backward_pass_once_per_output_and_agrees_with_jacfwd():
    def f(v):
        for _ in range(50):
            v = np.tanh(v @ np.array([[0.9, 0.2], [-0.3, 1.1]]))
        return v

    x = np.array([0.3, -0.2])
    np.testing.assert_allclose(ad.jacrev(f)(x), ad.jacfwd(f)(x), rtol=1e-12, atol=1e-15)


def test_fan_out_node_reused_many_times_accumulates_exactly():
    def f(a):
        total = 0.0
        for _ in range(1000):
            total = total + a
        return total

    assert ad.grad(f)(1.0) == 1000.0
    assert ad.grad(lambda a: (a + a) + (a + a))(1.0) == 4.0

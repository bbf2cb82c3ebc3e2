"""ad.cost: fields of the estimate, the recommendation, the static estimate."""

from __future__ import annotations

import numpy as np
import pytest

import ad_core as ad


def test_fields_of_a_gradient_like_function():
    e = ad.cost.estimate(lambda x: np.sum(np.sin(x)), np.ones(50))
    assert e.n_inputs == 50 and e.n_outputs == 1
    assert e.forward_passes == 50 and e.reverse_passes == 1
    assert e.ops == 2
    assert e.flops == ad.PRIMITIVES["sin"].flops * 50 + 50  # sin + sum, from the table
    assert e.forward_flops == pytest.approx(50 * ad.cost.C_FWD * e.flops)
    assert e.reverse_flops == pytest.approx(e.flops + ad.cost.C_REV * e.flops)
    assert e.tape_bytes > 2 * 50 * 8  # at least the two arrays it keeps
    assert e.is_estimate is False


def test_n_inputs_counts_scalars_in_all_arguments():
    e = ad.cost.estimate(lambda w, b, x: np.sum(w * x) + b, np.ones((2, 3)), 1.0, np.ones(3))
    assert e.n_inputs == 6 + 1 + 3


def test_n_outputs_counts_scalars_in_all_outputs():
    e = ad.cost.estimate(lambda x: (x * np.ones(3), x * 2.0), 1.0)
    assert e.n_outputs == 4 and e.reverse_passes == 4


def test_many_inputs_one_output_recommends_reverse():
    e = ad.cost.estimate(lambda x: np.sum(np.tanh(x) ** 2), np.ones(100))
    assert e.recommended == "reverse"
    assert e.reverse_time < e.forward_time


def test_one_input_many_outputs_recommends_forward():
    e = ad.cost.estimate(lambda x: np.tanh(x * np.arange(100.0)), 0.5)
    assert e.recommended == "forward"
    assert e.forward_time < e.reverse_time
    assert e.speedup > 1.5


@pytest.mark.parametrize("n,m,mode", [(1, 100, "forward"), (2, 50, "forward"),
                                      (50, 2, "reverse"), (100, 1, "reverse")])
def test_the_sweep_extremes_are_recommended_as_measured_in_the_benchmark(n, m, mode):
    # benchmarks/jacobian_sweep.py measures these (ratios > 10x on the calibration machine).
    A = np.random.default_rng(0).standard_normal((m, n))
    assert ad.cost.estimate(lambda x: np.tanh(A @ x), np.ones(n)).recommended == mode


def test_tape_grows_with_the_number_of_operations():
    def chain(k):
        def g(x):
            for _ in range(k):
                x = np.sin(x)
            return x
        return g
    small = ad.cost.estimate(chain(5), np.ones(100)).tape_bytes
    big = ad.cost.estimate(chain(50), np.ones(100)).tape_bytes
    assert big > 8 * small


def test_summary_names_both_modes_and_the_recommendation():
    s = ad.cost.estimate(lambda x: np.sum(x * x), np.ones(10)).summary()
    assert "forward: 10 passes" in s and "reverse: 1 pass" in s and s.endswith("→ reverse")


SOURCE = '''
import numpy as np

def f(x, y):
    z = 0.0
    for i in range(10):
        z = z + np.sin(x) * y
    return z

def g(a, b, c):
    if a > 0:
        r = a * b
    else:
        r = np.exp(a) / c
    return r, -r

def h(x):
    open("/tmp/adlens_static_estimate_ran", "w").write("ran")
    return x * 2
'''


def test_static_estimate_is_marked_and_counts_loop_trips():
    e = ad.cost.static_estimate(SOURCE, "f")
    assert e.is_estimate is True
    assert e.n_inputs == 2 and e.n_outputs == 1
    assert e.ops == 30  # (sin, mul, add) x 10
    assert e.recommended in ("forward", "reverse")
    assert any("shapes unknown" in n for n in e.notes)
    assert "≈" in e.summary()


def test_static_estimate_counts_the_costlier_branch_and_tuple_outputs():
    e = ad.cost.static_estimate(SOURCE, "g")
    assert e.n_inputs == 3 and e.n_outputs == 2
    # exp, div (the costlier branch), neg; ad.symbolic.static_ops takes the larger
    # count per primitive over the branches, so it adds the other branch's mul: 4.
    assert e.ops in (3, 4)


def test_static_estimate_never_runs_the_code(tmp_path):
    import os
    marker = "/tmp/adlens_static_estimate_ran"
    if os.path.exists(marker):
        os.remove(marker)
    e = ad.cost.static_estimate(SOURCE, "h")
    assert e.ops == 1
    assert not os.path.exists(marker)


def test_static_estimate_reads_the_one_static_counter():
    counts = ad.symbolic.static_count(SOURCE, "f")
    e = ad.cost.static_estimate(SOURCE, "f")
    assert e.ops == sum(counts.ops.values()) == 30
    assert e.flops == 10 * (ad.PRIMITIVES["sin"].flops + 2)
    assert (e.n_inputs, e.n_outputs) == (counts.n_inputs, counts.n_outputs)


def test_static_estimate_of_a_missing_function_is_a_value_error():
    with pytest.raises(ValueError, match="nope"):
        ad.cost.static_estimate(SOURCE, "nope")

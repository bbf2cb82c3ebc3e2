"""ad.cost: fields of the estimate, the recommendation, the static estimate."""

from __future__ import annotations

import json
from pathlib import Path

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


RECORDED = json.loads((Path(__file__).parent / "data" / "jacobian_sweep_recorded.json")
                      .read_text())


def _sweep_fn(n, m):
    A = np.random.default_rng(3).standard_normal((m, n)) / np.sqrt(n)
    return (lambda x: np.tanh(A @ x)), np.random.default_rng(4).standard_normal(n)


@pytest.mark.parametrize("run", RECORDED["runs"], ids=lambda r: r["run"])
def test_recommendation_matches_the_recorded_faster_mode_where_it_is_decisive(monkeypatch,
                                                                               run):
    # Recorded sweeps of benchmarks/jacobian_sweep.py (ad_core's batched jacfwd/jacrev on
    # tanh(A @ x), n, m in {1, 10, 100, 1000}) and the calibration of that time, fitted on
    # other functions and shapes: the recommendation logic must pick the measured faster
    # mode wherever the two differ by more than 1.5x (SPEC §1). No timing happens here.
    monkeypatch.setattr(ad.cost, "CALIBRATION", RECORDED["calibration"])
    decisive = 0
    for n, m, t_fwd, t_rev in run["cells"]:
        if max(t_fwd, t_rev) / min(t_fwd, t_rev) <= 1.5:
            continue
        decisive += 1
        faster = "forward" if t_fwd < t_rev else "reverse"
        assert ad.cost.estimate(*_sweep_fn(n, m)).recommended == faster, (n, m)
    assert decisive >= 3


def test_the_recorded_calibration_is_the_one_in_use():
    # A re-calibration must record a sweep measured with it (the test above).
    assert RECORDED["calibration"] == ad.cost.CALIBRATION


@pytest.mark.parametrize("n,m,mode", [(1, 100, "forward"), (1, 10, "forward"),
                                      (100, 1, "reverse")])
def test_one_direction_against_a_batch_is_one_plain_sweep(n, m, mode):
    # A single direction runs the plain sweep, no batch: cheaper than any batched one.
    e = ad.cost.estimate(*_sweep_fn(n, m))
    assert e.recommended == mode
    assert (e.forward_sweeps, e.reverse_sweeps) == (1, 1)


def test_batched_modes_pay_their_overhead_once_per_sweep():
    # 1000 tangents in one batched sweep: nowhere near 1000 times one pass.
    one = ad.cost.estimate(*_sweep_fn(1, 1))
    many = ad.cost.estimate(*_sweep_fn(1000, 1))
    assert many.forward_passes == 1000 and many.forward_sweeps == 1 and many.batched
    assert many.forward_time < 100 * one.forward_time
    assert not one.batched


def test_direction_work_follows_the_one_hot_seeds():
    # tanh(A @ x), A (m, n): forward, the one-hot tangents of x become rows of A (m per
    # direction), then tanh's chain rule multiplies the m outputs; reverse, the one-hot
    # cotangents stay one-hot through tanh and A @ x turns them into rows of A (n each).
    n, m = 7, 5
    t = ad.trace(*_sweep_fn(n, m))
    assert ad.cost.direction_work(t) == (2 * m, n)
    # elementwise all the way: the batch stays one-hot, no work grows with it
    assert ad.cost.direction_work(ad.trace(lambda x: np.sin(x) * 2.0, np.ones(9))) == (0, 0)


def _count_sweeps(monkeypatch):
    from ad_core import forward, reverse

    counts = {"forward": 0, "reverse": 0}

    class Counting(forward.BatchedForwardTrace):
        def __init__(self, *a, **k):
            counts["forward"] += 1
            super().__init__(*a, **k)

    backward = reverse.ReverseTrace.backward

    def counting_backward(self, *a, batch=0, **k):
        counts["reverse"] += batch > 0
        return backward(self, *a, batch=batch, **k)

    monkeypatch.setattr(forward, "BatchedForwardTrace", Counting)
    monkeypatch.setattr(reverse.ReverseTrace, "backward", counting_backward)
    return counts


def test_sweeps_are_the_ones_jacfwd_and_jacrev_run(monkeypatch):
    from ad_core import forward

    monkeypatch.setattr(forward, "BATCH_ELEMENTS", 500)  # 10 rows of 50 per sweep
    counts = _count_sweeps(monkeypatch)
    f, x = _sweep_fn(50, 20)
    e = ad.cost.estimate(f, x)
    ad.jacfwd(f)(x)
    ad.jacrev(f)(x)
    assert (e.forward_sweeps, e.reverse_sweeps) == (counts["forward"], counts["reverse"])
    assert (e.forward_sweeps, e.reverse_sweeps) == (5, 2)
    assert "forward: 50 passes batched in 5 sweeps" in e.summary()


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
    assert "forward: 10 passes batched in 1 sweep" in s and "reverse: 1 pass " in s
    assert s.endswith("→ reverse")


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

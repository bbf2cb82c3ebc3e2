"""Batched Jacobians: ``jacfwd`` carries all n tangents through one forward sweep and
``jacrev`` all m cotangents through one backward sweep (primitives/batching.py,
primitives/onehot.py). Their results equal the unbatched ones (one ``jvp`` per input
element, one ``vjp`` per output element) and finite differences, for every primitive of
the table and every NumPy function of the registry, in both modes, with argnums tuples,
complex values, chunked batches and nested transforms, and no sweep ever falls back to
applying a rule once per batch element (``batch_fallbacks`` stays empty) except for
hand-written custom rules, where it says so.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from adcheck_helpers import blocks_to_matrix, fd_hessian, fd_jacobian, nested_to_matrix
from check_registry import FUNCTION_CHECKS, PRIMITIVE_CHECKS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ad_core as ad
from ad_core import PRIMITIVES, forward
from ad_core.forward import batch_fallbacks
from ad_core.primitives import batching, onehot

pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

LONG = os.environ.get("ADLENS_FUZZ_LONG", "") not in ("", "0")
SETTINGS = dict(max_examples=100 if LONG else 2, deadline=None, derandomize=not LONG,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large])


def test_every_primitive_with_a_vjp_has_a_batched_vjp_or_is_elementwise():
    # Elementwise primitives need none (their partials broadcast over the batch axis, and
    # ops.unbroadcast_batched keeps it); every other one needs a rule, or jacrev applies
    # its VJP once per output element at that node.
    missing = sorted(n for n, p in PRIMITIVES.items() if p.partials is None and p.vjp
                     and p not in batching.VJP_RULES and p not in batching.VJP_VARIADIC)
    assert not missing, f"add a batched VJP (ad_core/primitives/batching.py) for {missing}"


def test_batched_vjp_rules_cover_each_argument_that_has_a_vjp():
    for p, rules in batching.VJP_RULES.items():
        for i, r in enumerate(p.vjp):
            assert (r is None) == (i >= len(rules) or rules[i] is None), (p.name, i)


# ---------------------------------------------------------------- the unbatched reference


def _shape(x) -> tuple:
    return np.shape(x)


def _per_column(f, args, nums):
    """Jacobian blocks by one ``jvp`` per input element (the unbatched forward path)."""
    out = np.asarray(ad.jvp(f, args, tuple(_zero(a) for a in args))[0])
    blocks = []
    for k in nums:
        s = _shape(args[k])
        J = np.zeros(out.shape + s, dtype=np.result_type(out, args[k], float))
        for e in np.ndindex(s):
            t = [_zero(a) for a in args]
            basis = np.zeros(s)
            basis[e] = 1.0
            t[k] = float(basis) if s == () else basis
            J[(Ellipsis,) + e] = ad.jvp(f, args, tuple(t))[1]
        blocks.append(J)
    return blocks


def _per_row(f, args, nums):
    """Jacobian blocks by one ``vjp`` per output element (the unbatched reverse path)."""
    out, f_vjp = ad.vjp(f, *args)
    out = np.asarray(out)
    blocks = [np.zeros(out.shape + _shape(args[k]), dtype=np.result_type(out, args[k], float))
              for k in nums]
    def pull(ct):
        return f_vjp(float(ct) if out.shape == () and not np.iscomplexobj(ct) else
                     complex(ct) if out.shape == () else ct)

    for e in np.ndindex(out.shape):
        ct = np.zeros(out.shape, dtype=out.dtype)
        ct[e] = 1.0
        cts = pull(ct)
        # A complex output of a real input: the vjp gives Re; seeding -i gives Im.
        im = pull(-1j * ct) if np.iscomplexobj(out) else None
        for J, k in zip(blocks, nums):
            J[e] = cts[k]
            if im is not None and not np.iscomplexobj(args[k]):
                J[e] = J[e] + 1j * np.asarray(im[k])
    return blocks


def _zero(a):
    if np.ndim(a) == 0:
        return 0j if np.iscomplexobj(a) else 0.0
    return np.zeros_like(np.asarray(a))


def _close(got, want, what, rtol=1e-10):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    scale = max(1.0, float(np.nanmax(np.abs(want), initial=0.0)))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-12 * scale, equal_nan=True,
                               err_msg=what)


def _one_output(f):
    """f with a tuple (list) of outputs as one flat output."""
    def g(*a):
        y = f(*a)
        if isinstance(y, (tuple, list)):
            return np.concatenate([np.reshape(p, (-1,)) for p in y])
        return y
    return g


def check_batched(f, args, what="f", modes=("jacfwd", "jacrev")):
    """Both batched modes equal the per-column / per-row Jacobians, with no fallback."""
    f = _one_output(f)
    args = tuple(args)
    nums = tuple(range(len(args)))
    batch_fallbacks.clear()
    got = {m: getattr(ad, m)(f, nums)(*args) for m in modes}
    assert not batch_fallbacks, f"{what}: a batched sweep fell back: {dict(batch_fallbacks)}"
    if "jacfwd" in modes:
        for k, want in zip(nums, _per_column(f, args, nums)):
            _close(got["jacfwd"][k], want, f"{what}: jacfwd block {k}")
    if "jacrev" in modes:
        for k, want in zip(nums, _per_row(f, args, nums)):
            _close(got["jacrev"][k], want, f"{what}: jacrev block {k}")
    return got


# ---------------------------------------------------------------- every primitive, every function


@pytest.mark.parametrize("name", sorted(PRIMITIVE_CHECKS))
@settings(**SETTINGS)
@given(data=st.data())
def test_batched_jacobians_of_every_primitive_equal_the_unbatched_ones(name, data):
    f, args = PRIMITIVE_CHECKS[name].draw(data)
    if PRIMITIVE_CHECKS[name].order == 0:
        # No derivative: NaN tangents in forward mode, a refusal in reverse mode, batched
        # or not.
        check_batched(f, args, name, modes=("jacfwd",))
        with pytest.raises(ValueError, match="no derivative"):
            ad.jacrev(f, tuple(range(len(args))))(*args)
        return
    check_batched(f, args, name)


@pytest.mark.parametrize("name", sorted(FUNCTION_CHECKS))
@settings(**SETTINGS)
@given(data=st.data())
def test_batched_jacobians_of_every_numpy_function_equal_the_unbatched_ones(name, data):
    f, args = FUNCTION_CHECKS[name].draw(data)
    check_batched(f, args, name)


# ---------------------------------------------------------------- shapes, argnums, chunks

rng = np.random.default_rng(7)
A = rng.normal(size=(6, 4))
X = rng.normal(size=4)


def tanh_layer(x):
    return np.tanh(A @ x)


def test_tanh_layer_matches_the_hand_jacobian_and_finite_differences():
    J = (1.0 - np.tanh(A @ X) ** 2)[:, None] * A
    for mode in (ad.jacfwd, ad.jacrev):
        np.testing.assert_allclose(mode(tanh_layer)(X), J, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(ad.jacrev(tanh_layer)(X), fd_jacobian(tanh_layer, (X,)),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", [
    lambda w, b, x: np.tanh(w @ x + b),
    lambda w, b, x: (w * b).sum(axis=0) * x,
    lambda w, b, x: x @ w.T * b,
], ids=["layer", "reduce", "xw"])
def test_argnums_tuples_with_scalars_vectors_and_matrices(f):
    w, b, x = rng.normal(size=(3, 4)), 0.7, rng.normal(size=4)
    got = check_batched(f, (w, b, x), "argnums")
    J = fd_jacobian(f, (w, b, x))
    out = np.asarray(f(w, b, x))
    shapes = [np.shape(w), (), np.shape(x)]
    for mode in ("jacfwd", "jacrev"):
        np.testing.assert_allclose(blocks_to_matrix(got[mode], out.size, shapes), J,
                                   rtol=1e-6, atol=1e-8)
    # One argnum at a time gives the same blocks as all together.
    for k in range(3):
        np.testing.assert_allclose(ad.jacfwd(f, k)(w, b, x), got["jacfwd"][k], rtol=1e-14)
        np.testing.assert_allclose(ad.jacrev(f, k)(w, b, x), got["jacrev"][k], rtol=1e-14)


def test_tuple_outputs_and_outputs_independent_of_the_input():
    f = lambda x: (np.sin(x) * 2.0, np.ones(3), np.sum(x))  # noqa: E731
    for mode in (ad.jacfwd, ad.jacrev):
        J1, J2, J3 = mode(f)(X)
        np.testing.assert_allclose(J1, np.diag(2.0 * np.cos(X)), rtol=1e-15)
        np.testing.assert_array_equal(J2, np.zeros((3, 4)))
        np.testing.assert_allclose(J3, np.ones(4))


@pytest.mark.parametrize("budget", [1, 7, 30])
def test_chunked_sweeps_equal_one_sweep(monkeypatch, budget):
    f = lambda w, x: np.tanh(w @ x) * np.sum(x ** 2)  # noqa: E731
    w, x = rng.normal(size=(5, 4)), rng.normal(size=4)
    whole = check_batched(f, (w, x), "one sweep")
    monkeypatch.setattr(forward, "BATCH_ELEMENTS", budget)
    chunked = check_batched(f, (w, x), f"budget {budget}")
    for mode in ("jacfwd", "jacrev"):
        for a, b in zip(chunked[mode], whole[mode]):
            np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-15)


def test_batch_rows_shrink_to_keep_every_batched_array_within_the_budget(monkeypatch):
    # x has 20 elements but f builds a 20 x 20 intermediate: the first sweep meets it,
    # stops, and the sweeps restart with fewer rows.
    budget = 1000
    monkeypatch.setattr(forward, "BATCH_ELEMENTS", budget)
    seen = []
    real_init = forward.BatchedForwardTrace.__init__

    def spy(self, batch, budget=None):
        seen.append(batch)
        real_init(self, batch, budget)

    monkeypatch.setattr(forward.BatchedForwardTrace, "__init__", spy)
    x = rng.normal(size=20)

    def f(x):
        try:  # user code catching Exception must not swallow the restart
            outer = np.outer(x, x)
        except Exception:  # noqa: BLE001
            raise AssertionError("the restart was caught as an Exception") from None
        return np.sum(np.sin(outer), axis=0)

    J = ad.jacfwd(f)(x)
    assert seen[0] == 20 and all(b * 400 <= budget for b in seen[1:]), seen
    np.testing.assert_allclose(J, fd_jacobian(f, (x,)), rtol=1e-6, atol=1e-8)
    assert forward.chunk_rows(20, 400) == 2


def test_jacrev_sizes_its_batch_from_the_largest_recorded_value(monkeypatch):
    monkeypatch.setattr(forward, "BATCH_ELEMENTS", 100)
    x = rng.normal(size=5)
    f = lambda x: np.sum(np.sin(np.outer(x, x)), axis=1)  # noqa: E731 - 25 elements inside
    np.testing.assert_allclose(ad.jacrev(f)(x), fd_jacobian(f, (x,)), rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------- the one-hot seed


def test_one_hot_batch_written_out_is_the_identity_block():
    d = np.arange(1.0, 7.0).reshape(2, 3)
    for shift, B in [(0, 6), (2, 3), (-2, 4), (5, 3), (-4, 4)]:
        want = np.zeros((B, 6))
        for b in range(B):
            if 0 <= b + shift < 6:
                want[b, b + shift] = d.flat[b + shift]
        oh = onehot.OneHot(d, shift, B)
        np.testing.assert_array_equal(oh.dense(), want.reshape((B, 2, 3)))
        np.testing.assert_array_equal(oh.values(), want.sum(axis=1))


def test_one_hot_shortcuts_give_the_dense_products(monkeypatch):
    calls = []
    real = onehot._scaled_rows

    def spy(oh, M):
        calls.append(np.shape(M))
        return real(oh, M)

    monkeypatch.setattr(onehot, "_scaled_rows", spy)
    B = rng.normal(size=(4, 5))
    for f in (tanh_layer, lambda x: np.exp(x) @ B, lambda x: np.sum(np.sin(x) * x)):
        check_batched(f, (X,), "one-hot")
    assert calls, "the one-hot products never ran"


def test_zero_times_infinity_counts_as_zero_in_batched_sweeps():
    # sqrt'(0) = inf meets the zero (co)tangent of the branch where did not take.
    x = np.array([0.0, 1.0, 4.0])
    f = lambda x: np.where(x > 0, np.sqrt(x), 0.0) * 2.0  # noqa: E731
    got = check_batched(f, (x,), "where/sqrt")
    assert np.all(np.isfinite(got["jacrev"][0])) and np.all(np.isfinite(got["jacfwd"][0]))
    np.testing.assert_allclose(got["jacrev"][0], np.diag([0.0, 1.0, 0.5]))


# ---------------------------------------------------------------- nesting


def vector_fn(x):
    return np.stack([np.sin(x[0]) * x[1], x[1] ** 3 - x[2], np.exp(x[0] * x[2]), x @ x])


@pytest.mark.parametrize("outer,inner", [("jacfwd", "jacrev"), ("jacrev", "jacfwd"),
                                         ("jacrev", "jacrev"), ("jacfwd", "jacfwd")])
def test_nested_jacobians_of_a_vector_function(outer, inner):
    x = np.array([0.3, -0.8, 0.5])
    batch_fallbacks.clear()
    T = getattr(ad, outer)(getattr(ad, inner)(vector_fn))(x)
    assert not batch_fallbacks, dict(batch_fallbacks)
    assert T.shape == (4, 3, 3)
    w = np.array([0.7, -1.1, 0.4, 1.3])
    s = lambda x: float(w @ vector_fn(x))  # noqa: E731
    np.testing.assert_allclose(np.tensordot(w, T, axes=1), fd_hessian(s, (x,)),
                               rtol=2e-4, atol=1e-4)


def test_hessian_with_argnums_tuple_matches_finite_differences():
    w, x = rng.normal(size=(3, 2)), rng.normal(size=2)
    s = lambda w, x: np.sum(np.tanh(w @ x) ** 2) + np.sum(w * w) * x[0]  # noqa: E731
    batch_fallbacks.clear()
    H = ad.hessian(s, (0, 1))(w, x)
    assert not batch_fallbacks
    np.testing.assert_allclose(nested_to_matrix(H, [w.shape, x.shape]), fd_hessian(s, (w, x)),
                               rtol=2e-4, atol=1e-4)


# ---------------------------------------------------------------- complex values


def test_holomorphic_jacobians_of_complex_inputs():
    z = np.array([0.3 + 0.4j, -0.5 + 0.1j, 0.2 - 0.7j])
    M = rng.normal(size=(2, 3)) + 1j * rng.normal(size=(2, 3))
    f = lambda z: np.exp(M @ z) * z[0]  # noqa: E731
    got = check_batched(f, (z,), "holomorphic")
    J = got["jacfwd"][0]
    # f'(z) along e_k, by a complex finite difference.
    h = 1e-7
    fd = np.stack([(f(z + h * e) - f(z - h * e)) / (2 * h) for e in np.eye(3)], axis=-1)
    np.testing.assert_allclose(J, fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got["jacrev"][0], J, rtol=1e-12)


def test_complex_output_of_a_real_input_in_both_modes():
    x = np.array([0.3, -0.7, 1.1])
    f = lambda x: np.fft.fft(x * x) * (1.0 + 2.0j)  # noqa: E731
    got = check_batched(f, (x,), "fft")
    np.testing.assert_allclose(got["jacrev"][0], got["jacfwd"][0], rtol=1e-12, atol=1e-14)
    assert np.iscomplexobj(got["jacrev"][0])


# ---------------------------------------------------------------- custom rules


@ad.custom_jvp
def soft(x):
    return np.log1p(np.exp(x))


@soft.defjvp
def _soft_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return soft(x), t / (1.0 + np.exp(-x))


@ad.custom_vjp
def clip_grad(x):
    return x * 1.0


clip_grad.defvjp(lambda x: (x * 1.0, None), lambda res, g: (np.clip(g, -0.5, 0.5),))


def test_custom_rules_are_applied_once_per_batch_element_and_say_so():
    x = np.array([0.2, -1.0, 3.0])
    batch_fallbacks.clear()
    J = ad.jacfwd(lambda x: soft(x) * 2.0)(x)
    np.testing.assert_allclose(J, np.diag(2.0 / (1.0 + np.exp(-x))), rtol=1e-14)
    assert batch_fallbacks["custom_jvp soft"] == 1
    batch_fallbacks.clear()
    J = ad.jacrev(lambda x: clip_grad(x) * 3.0)(x)
    np.testing.assert_allclose(J, np.diag([0.5] * 3))  # the rule clips 3.0 to 0.5
    assert batch_fallbacks["custom_vjp"] == 1


def test_jvp_and_vjp_are_unbatched_and_unchanged():
    out, t = ad.jvp(tanh_layer, (X,), (np.ones(4),))
    np.testing.assert_allclose(t, ((1.0 - np.tanh(A @ X) ** 2)[:, None] * A) @ np.ones(4))
    out, f_vjp = ad.vjp(tanh_layer, X)
    (g,) = f_vjp(np.ones(6))
    assert g.shape == (4,)
    np.testing.assert_allclose(g, np.ones(6) @ ((1.0 - np.tanh(A @ X) ** 2)[:, None] * A))


def test_empty_inputs_and_outputs():
    for mode in (ad.jacfwd, ad.jacrev):
        assert mode(lambda x: x * 2.0)(np.zeros(0)).shape == (0, 0)
        assert mode(lambda x: np.sum(x) * np.zeros(0))(np.ones(3)).shape == (0, 3)
        assert mode(lambda x: x[:0] * 2.0)(np.ones(3)).shape == (0, 3)
    assert math.isclose(ad.jacfwd(lambda x: x * x)(3.0), 6.0)

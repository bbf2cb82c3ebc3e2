"""Each construct of SPEC §1 (ad.sct): value, type and shape against ad.grad and finite
differences, in reverse and forward mode, and the generated source run on its own."""

from __future__ import annotations

import numpy as np
import pytest
import sct_corpus as C

import ad_core as ad


def _rng(seed):
    return np.random.default_rng(seed)


def _m(*shape, seed=0):
    return _rng(seed).standard_normal(shape)


# name, arguments, argnums
CASES = [
    ("energy", (1.2, 0.5), (0, 1)),
    ("chain", (0.7,), 0),
    ("augmented", (0.7, 1.3), (0, 1)),
    ("tuples", (0.7, 1.3), (0, 1)),
    ("overwrite", (0.3,), 0),
    ("piecewise", (2.0,), 0),
    ("piecewise", (-3.0,), 0),
    ("piecewise", (0.5,), 0),
    ("branch_reassign", (0.7,), 0),
    ("branch_reassign", (0.2,), 0),
    ("cond_expr", (0.3,), 0),
    ("cond_expr", (-2.0,), 0),
    ("bool_ops", (0.5, 1.5), (0, 1)),
    ("bool_ops", (1.5, -0.5), (0, 1)),
    ("builtin_minmax", (0.3, 0.9), (0, 1)),
    ("series", (0.5,), 0),
    ("scalar_loop", (0.7, 0.9), (0, 1)),
    ("doubling", (1.5,), 0),
    ("newton_sqrt", (2.0,), 0),
    ("jumps", (0.7,), 0),
    ("nested", (1.2,), 0),
    ("loop_over_array", (_m(4),), 0),
    ("enumerate_zip", (_m(4, seed=1), _m(4, seed=2)), (0, 1)),
    ("reversed_loop", (_m(5),), 0),
    ("sum_generator", (_m(4),), 0),
    ("indexed_loop", (_m(5),), 0),
    ("rows_loop", (_m(3, 4), _m(4, seed=3)), (0, 1)),
    ("first_big", (np.array([0.1, 0.2, 0.9, 0.3]),), 0),
    ("first_big", (np.array([0.1, 0.2, 0.3]),), 0),
    ("early_returns", (0.5,), 0),
    ("early_returns", (-3.0,), 0),
    ("early_returns", (1.9,), 0),
    ("uses_helper", (1.5,), 0),
    ("calls_array", (_m(4),), 0),
    ("power", (1.3, 5), 0),
    ("fib_like", (0.9, 5), 0),
    ("rosenbrock", (_m(6),), 0),
    ("logreg", (_m(3), _m(8, 3, seed=4), np.sign(_m(8, seed=5))), 0),
    ("mlp", (_m(3, 5), _m(5, seed=1), _m(5, 2, seed=2), _m(2, seed=3), _m(7, 3, seed=4),
             np.arange(7), _rng(6).integers(0, 2, 7)), (0, 1, 2, 3)),
    ("broadcasting", (_m(2, 3), _m(3, seed=1)), (0, 1)),
    ("broadcasting", (_m(2, 1), _m(1, 3, seed=1)), (0, 1)),
    ("reductions", (_m(3, 4),), 0),
    ("where_sqrt", (np.array([-1.0, 0.5, 2.0, 3.0]),), 0),
    ("matrix_ops", (_m(4, 3), _m(3, seed=1)), (0, 1)),
    ("slicing", (_m(3, 4),), 0),
    ("stack_concat", (_m(3), _m(3, seed=1)), (0, 1)),
    ("global_data", (_m(3),), 0),
    ("table_calls", (_m(4),), 0),
    ("aug_array", (_m(3),), 0),
]
IDS = [f"{c[0]}-{i}" for i, c in enumerate(CASES)]


def _tuple(g):
    return g if isinstance(g, tuple) else (g,)


def _same(a, b, rtol=1e-9, atol=1e-12):
    assert type(a) is type(b), (type(a), type(b))
    assert np.shape(a) == np.shape(b)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name, args, nums", CASES, ids=IDS)
def test_gradient_value_type_and_shape_match_ad_grad_and_finite_differences(name, args, nums):
    f = getattr(C, name)
    value, g = ad.sct.value_and_grad(f, argnums=nums)(*args)
    ref_value, ref = ad.value_and_grad(f, argnums=nums)(*args)
    assert value == pytest.approx(ref_value, rel=1e-12)
    assert isinstance(g, tuple) == isinstance(nums, tuple)
    fd = ad.numeric.gradient(f, *args, argnums=nums, method="central")
    for a, b, n, k in zip(_tuple(g), _tuple(ref), _tuple(fd), _tuple(nums)):
        _same(a, b)
        np.testing.assert_allclose(a, n, rtol=1e-5, atol=1e-6)
        assert np.shape(a) == np.shape(args[k])


@pytest.mark.parametrize("name, args, nums", CASES, ids=IDS)
def test_generated_source_alone_gives_the_same_gradient(name, args, nums):
    f = getattr(C, name)
    expected = ad.sct.grad(f, argnums=nums)(*args)
    for like in (args, None):  # the specialised code, and the generic one
        if like is None and name == "augmented":
            # x += y with x of unknown type may change the caller's array in place.
            with pytest.raises(ad.sct.SourceTransformError, match="like="):
                ad.sct.source(f, argnums=nums)
            continue
        src = ad.sct.source(f, argnums=nums, like=like)
        ns = dict(vars(C))  # the module the function lives in (for its helpers and data)
        exec(compile(src, f"<{name}_grad>", "exec"), ns)
        got = ns[f"{f.__name__}_grad"](*args)
        for a, b in zip(_tuple(got), _tuple(expected)):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


SCALAR = [c for c in CASES if all(np.ndim(a) == 0 for a in c[1]) and c[2] == 0]


@pytest.mark.parametrize("name, args, nums", SCALAR, ids=[c[0] for c in SCALAR])
def test_forward_mode_derivative_matches_ad_derivative(name, args, nums):
    f = getattr(C, name)
    d = ad.sct.derivative(f)(*args)
    assert type(d) is float
    assert d == pytest.approx(ad.derivative(f)(*args), rel=1e-10, abs=1e-12)
    src = ad.sct.source(f, mode="forward", like=args)
    ns = dict(vars(C))
    exec(src, ns)
    value, tangent = ns[f"{f.__name__}_jvp"](*args, **{f"{f.__code__.co_varnames[0]}_dot": 1.0})
    assert tangent == pytest.approx(d, rel=1e-12, abs=1e-14)
    assert value == pytest.approx(f(*args), rel=1e-12)


def test_forward_mode_source_for_arrays_gives_a_directional_derivative():
    x = _m(6)
    t = _m(6, seed=9)
    src = ad.sct.source(C.rosenbrock, mode="forward", like=(x,))
    ns = {}
    exec(src, ns)
    _, tangent = ns["rosenbrock_jvp"](x, x_dot=t)
    assert tangent == pytest.approx(float(ad.grad(C.rosenbrock)(x) @ t), rel=1e-12)


def test_self_contained_source_runs_in_an_empty_namespace():
    src = ad.sct.source(C.rosenbrock)
    ns = {}
    exec(src, ns)
    x = _m(7)
    np.testing.assert_allclose(ns["rosenbrock_grad"](x), ad.grad(C.rosenbrock)(x), rtol=1e-12)


def test_zero_cotangent_times_infinite_partial_counts_as_zero_like_ad_grad():
    # np.where's untaken branch: sqrt'(0) = inf times a zero cotangent (SPEC: no NaN leak).
    x = np.array([-1.0, 0.0, 2.0, 3.0])
    g = ad.sct.grad(C.where_sqrt)(x)
    np.testing.assert_array_equal(np.isnan(g), [False, False, False, False])
    _same(g, ad.grad(C.where_sqrt)(x))


def test_python_float_division_by_zero_in_a_rule_gives_inf_like_ad_grad():
    def f(x):
        return np.sqrt(x) + x

    # sqrt'(0) = inf (SPEC convention); Python floats would raise ZeroDivisionError.
    assert ad.sct.grad(f)(0.0) == ad.grad(f)(0.0) == float("inf")


def test_integer_loop_counters_stay_integers():
    x = _m(4)
    assert ad.sct.grad(_int_counter)(x, 3) == pytest.approx(ad.grad(_int_counter)(x, 3))


def _int_counter(x, n):
    s = 0.0
    for i in range(n):
        assert type(i) is int
        j = i + 1
        assert type(j) is int
        s = s + x[j] * i
    return s


def test_a_call_through_a_table_follows_the_table_and_the_key():
    """``ACTIVATIONS[ACTIVATION](x)``: the generated code depends on the table, the key and
    the item; rebinding any of them (or changing the table in place) transforms again,
    never reusing a derivative of the function that was there before."""
    x = _m(4, seed=7)
    g = ad.sct.grad(C.table_calls)
    np.testing.assert_allclose(g(x), ad.grad(C.table_calls)(x), rtol=1e-12)
    saved = (C.ACTIVATION, dict(C.ACTIVATIONS))
    try:
        C.ACTIVATION = "tanh"
        np.testing.assert_allclose(g(x), ad.grad(C.table_calls)(x), rtol=1e-12)
        C.ACTIVATIONS["tanh"] = np.sin  # in place
        np.testing.assert_allclose(g(x), ad.grad(C.table_calls)(x), rtol=1e-12)
    finally:
        C.ACTIVATION = saved[0]
        C.ACTIVATIONS.clear()
        C.ACTIVATIONS.update(saved[1])

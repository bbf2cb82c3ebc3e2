"""The systematic check (autograd's / JAX's ``check_grads``): every primitive of the
table, and the NumPy functions SPEC §1 lists, against finite differences in random
directions, forward and reverse, to order 2, at points hypothesis draws (shapes
with broadcasting in every direction, keyword arguments). Plus: ``hessian``'s
batched sweep agrees with the unbatched one and never falls back.

``make test`` runs a few examples per entry; ``make fuzz`` (ADLENS_FUZZ_LONG=1)
runs many more.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from check_registry import FUNCTION_CHECKS, PRIMITIVE_CHECKS, SPEC_BREADTH
from gradcheck import check_grads
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ad_core as ad
from ad_core import PRIMITIVES
from ad_core.forward import batch_fallbacks
from ad_core.primitives import batching

pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),  # domain edges
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # 2-d np.cross

LONG = os.environ.get("ADLENS_FUZZ_LONG", "") not in ("", "0")
SETTINGS = dict(max_examples=200 if LONG else 4, deadline=None, derandomize=not LONG,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large])


def test_every_primitive_of_the_table_has_a_registry_entry():
    missing = sorted(set(PRIMITIVES) - set(PRIMITIVE_CHECKS))
    assert not missing, f"add an entry to tests/ad_core/check_registry.py for: {missing}"
    stale = sorted(set(PRIMITIVE_CHECKS) - set(PRIMITIVES))
    assert not stale, f"registry entries for primitives that no longer exist: {stale}"


def test_every_non_elementwise_primitive_has_a_batching_rule():
    # Elementwise primitives broadcast over the batch axis as they are; every other one
    # needs a rule, or hessian falls back to one sweep per input element.
    missing = sorted(n for n, p in PRIMITIVES.items() if p.partials is None
                     and p not in batching.RULES and p not in batching.VARIADIC)
    assert not missing, f"add a batching rule (ad_core/primitives/batching.py) for {missing}"


@pytest.mark.parametrize("name", sorted(PRIMITIVE_CHECKS))
@settings(**SETTINGS)
@given(data=st.data())
def test_primitive_matches_finite_differences_both_modes_to_order_2(name, data):
    check = PRIMITIVE_CHECKS[name]
    f, args = check.draw(data)
    if check.order == 0:
        _has_no_derivative(f, args, name)
        return
    check_grads(f, args, order=check.order, rtol=check.rtol, path=name)


def _has_no_derivative(f, args, name):
    """A primitive whose value is one valid choice among many (an orthonormal completion):
    NumPy's value, a NaN tangent in forward mode, and reverse mode refuses a cotangent."""
    t = tuple(np.ones_like(a) for a in args)
    out, t_out = ad.jvp(f, args, t)
    np.testing.assert_array_equal(out, f(*args))
    assert np.all(np.isnan(t_out)), f"{name}: a tangent that is not NaN: {t_out}"
    with pytest.raises(ValueError, match="no derivative"):
        ad.vjp(f, *args)[1](np.ones(np.shape(out)))


@pytest.mark.parametrize("name", sorted(PRIMITIVE_CHECKS))
@settings(**{**SETTINGS, "max_examples": 100 if LONG else 2})
@given(data=st.data())
def test_hessian_batched_sweep_matches_unbatched_and_never_falls_back(name, data):
    f, args = PRIMITIVE_CHECKS[name].draw(data)
    if PRIMITIVE_CHECKS[name].order == 0:  # no derivative: hessian says so
        with pytest.raises(ValueError, match="no derivative"):
            ad.hessian(lambda *a: np.sum(f(*a)), tuple(range(len(args))))(*args)
        return
    out = np.asarray(ad.jvp(f, args, tuple(np.zeros_like(np.asarray(a)) if np.ndim(a)
                                           else 0.0 for a in args))[0])
    w = np.random.default_rng(3).uniform(0.5, 1.5, size=out.shape)

    def s(*a):
        return np.sum(w * f(*a))

    nums = tuple(range(len(args)))
    batch_fallbacks.clear()
    H = ad.hessian(s, nums)(*args)
    assert not batch_fallbacks, f"{name}: hessian fell back: {dict(batch_fallbacks)}"
    ref = ad.jacfwd(ad.jacrev(s, nums), nums)(*args)
    for i in nums:
        for j in nums:
            np.testing.assert_allclose(np.asarray(H[i][j], dtype=float),
                                       np.asarray(ref[i][j], dtype=float),
                                       rtol=1e-9, atol=1e-9, err_msg=f"{name}: H[{i}][{j}]")


def test_every_function_of_the_spec_breadth_list_has_a_check():
    missing = [n for n in SPEC_BREADTH.split() if f"numpy.{n}" not in FUNCTION_CHECKS]
    assert not missing, missing


@pytest.mark.parametrize("name", sorted(FUNCTION_CHECKS))
@settings(**SETTINGS)
@given(data=st.data())
def test_numpy_function_matches_finite_differences_both_modes_to_order_2(name, data):
    check = FUNCTION_CHECKS[name]
    f, args = check.draw(data)
    check_grads(f, args, order=check.order, rtol=check.rtol, path=name)

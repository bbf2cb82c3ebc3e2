"""ad_core.math: a drop-in for math that also accepts traced values."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ad_core as ad
from ad_core import math as admath

PUBLIC = sorted(n for n in dir(math) if not n.startswith("_"))

# One plain call per callable of math (arguments valid for it).
CALLS = {
    "acos": (0.3,), "acosh": (1.5,), "asin": (0.3,), "asinh": (0.3,), "atan": (0.3,),
    "atan2": (0.3, -0.7), "atanh": (0.3,), "cbrt": (-8.0,), "ceil": (2.3,), "comb": (5, 2),
    "copysign": (2.0, -0.0), "cos": (0.3,), "cosh": (0.3,), "degrees": (1.0,),
    "dist": ((0.0, 0.0), (3.0, 4.0)), "erf": (0.3,), "erfc": (0.3,), "exp": (0.3,),
    "exp2": (3.5,), "expm1": (1e-10,), "fabs": (-2.0,), "factorial": (5,), "floor": (-2.5,),
    "fmod": (-7.0, 3.0), "frexp": (12.0,), "fsum": ([0.1] * 10,), "gamma": (4.5,),
    "gcd": (12, 18), "hypot": (3.0, 4.0, 12.0), "isclose": (1.0, 1.0 + 1e-12),
    "isfinite": (1.0,), "isinf": (math.inf,), "isnan": (math.nan,), "isqrt": (17,),
    "lcm": (4, 6), "ldexp": (0.75, 4), "lgamma": (4.5,), "log": (8.0, 2.0),
    "log10": (1000.0,), "log1p": (1e-10,), "log2": (8.0,), "modf": (-2.5,),
    "nextafter": (1.0, 2.0), "perm": (5, 2), "pow": (2.0, 0.5), "prod": ([1.5, 2.0, 3.0],),
    "radians": (180.0,), "remainder": (7.0, 4.0), "sin": (0.3,), "sinh": (0.3,),
    "sqrt": (2.0,), "sumprod": ([1.0, 2.0], [3.0, 4.0]), "tan": (0.3,), "tanh": (0.3,),
    "trunc": (-2.7,), "ulp": (1.0,),
}


def test_ad_core_math_has_every_name_of_math():
    missing = [n for n in PUBLIC if not hasattr(admath, n)]
    assert missing == []


@pytest.mark.parametrize("name", ["e", "pi", "tau", "inf", "nan"])
def test_constants_are_the_same_objects_as_math(name):
    a, b = getattr(admath, name), getattr(math, name)
    assert a == b or (math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize("name", [n for n in PUBLIC if callable(getattr(math, n))])
def test_plain_calls_behave_exactly_like_math(name):
    args = CALLS.get(name)
    assert args is not None, f"add a plain call for math.{name} to CALLS"
    want = getattr(math, name)(*args)
    got = getattr(admath, name)(*args)
    assert type(got) is type(want)
    assert got == want or (isinstance(want, float) and math.isnan(want) and math.isnan(got))


@pytest.mark.parametrize("name, args", [("sqrt", (-1.0,)), ("log", (0.0,)), ("acos", (2.0,)),
                                        ("factorial", (-1,)), ("exp", (1000.0,))])
def test_plain_calls_raise_the_same_exceptions_as_math(name, args):
    with pytest.raises(Exception) as want:
        getattr(math, name)(*args)
    with pytest.raises(type(want.value)):
        getattr(admath, name)(*args)


def test_floor_ceil_trunc_act_on_the_primal_and_have_derivative_zero():
    def f(x):
        return admath.floor(x) * x + admath.ceil(x) + admath.trunc(x)

    assert ad.grad(f)(2.5) == 2.0  # floor(2.5) · dx/dx
    assert ad.derivative(f)(2.5) == 2.0
    seen = []
    ad.grad(lambda x: seen.append(admath.floor(x)) or x)(2.5)
    assert seen == [2] and type(seen[0]) is int


def test_isclose_and_predicates_act_on_primal_values():
    def f(x):
        if admath.isclose(x, 1.0) and admath.isfinite(x) and not admath.isnan(x):
            return x * x
        return -x

    assert ad.grad(f)(1.0) == 2.0
    assert ad.grad(f)(3.0) == -1.0


@pytest.mark.parametrize("name, f, x, want", [
    ("erfc", admath.erfc, 0.5, -2.0 / math.sqrt(math.pi) * math.exp(-0.25)),
    ("ldexp", lambda x: admath.ldexp(x, 3), 0.7, 8.0),
    ("remainder", lambda x: admath.remainder(x, 1.5), 2.0, 1.0),
    ("fmod", lambda x: admath.fmod(x, 1.5), 2.0, 1.0),
    ("modf", lambda x: admath.modf(x)[0], -2.5, 1.0),
    ("frexp", lambda x: admath.frexp(x)[0], 12.0, 1.0 / 16.0),
    ("nextafter", lambda x: admath.nextafter(x, 2.0), 1.0, 1.0),
    ("copysign", lambda x: admath.copysign(x, -1.0), 2.0, -1.0),
    ("fsum", lambda x: admath.fsum([x, x, 1.0]), 2.0, 2.0),
    ("prod", lambda x: admath.prod([x, x, 3.0]), 2.0, 12.0),
    ("dist", lambda x: admath.dist((x, 0.0), (0.0, 4.0)), 3.0, 0.6),
    ("hypot", lambda x: admath.hypot(x, 4.0), 3.0, 0.6),
    ("log-base", lambda x: admath.log(x, 2.0), 2.0, 1.0 / (2.0 * math.log(2.0))),
    ("pow", lambda x: admath.pow(x, 3.0), 2.0, 12.0),
    ("degrees", admath.degrees, 1.0, 180.0 / math.pi),
])
def test_differentiable_names_have_their_true_derivative_not_a_silent_zero(name, f, x, want):
    assert ad.grad(f)(x) == pytest.approx(want, rel=1e-12)
    assert ad.derivative(f)(x) == pytest.approx(want, rel=1e-12)


def test_traced_values_of_differentiable_names_equal_the_math_values():
    for name, f, x in [("erfc", admath.erfc, 3.0), ("remainder", lambda v: admath.remainder(v, 4.0),
                                                     7.0),
                       ("ldexp", lambda v: admath.ldexp(v, -3), 0.3),
                       ("nextafter", lambda v: admath.nextafter(v, 0.0), 1.0)]:
        value, _ = ad.value_and_grad(f)(x)
        plain = f(x)
        assert value == plain, name


def test_int_returning_parts_stay_ints_on_traced_values():
    seen = []

    def f(x):
        m, e = admath.frexp(x)
        seen.append(e)
        return m

    ad.grad(f)(12.0)
    assert seen == [4] and type(seen[0]) is int


def test_gamma_and_lgamma_differentiate_on_traced_values():
    psi = 2.0 - 0.5772156649015329 - 2.0 * math.log(2.0)  # digamma(1.5), in closed form
    assert ad.grad(admath.lgamma)(1.5) == pytest.approx(psi, rel=1e-14)
    assert ad.derivative(admath.gamma)(1.5) == pytest.approx(math.gamma(1.5) * psi, rel=1e-14)


def test_real_math_is_untouched_by_importing_ad_core():
    assert math.sin is not admath.sin
    with pytest.raises(TypeError):
        ad.grad(math.sin)(1.0)


def test_ad_core_math_works_inside_numpy_code_on_array_elements():
    f = lambda x: sum(admath.sin(v) * admath.exp(v) for v in x)
    x = np.array([0.1, 0.2])
    np.testing.assert_allclose(ad.grad(f)(x), np.exp(x) * (np.sin(x) + np.cos(x)), rtol=1e-14)

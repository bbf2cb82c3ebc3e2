"""scipy.special and math.gamma / math.lgamma: every rule in every mode to second order,
against finite differences and SymPy; SciPy's ufuncs reached through NEP 13; its Python
functions through ad_core.special; SciPy optional; errors that name the real module.

(The table-wide SymPy check in test_primitives.py covers these primitives as well.)
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
from family_check import check_modes, value_under_reverse_mode
from family_inputs import SPECIAL as INPUTS

import ad_core as ad
from ad_core import PRIMITIVES, special
from ad_core.primitives.special import FAMILY, _polygamma_np

ss = pytest.importorskip("scipy.special")

def test_every_special_primitive_has_an_input_generator():
    assert {p.name for p in FAMILY} == set(INPUTS)


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_each_primitive_in_every_mode_to_second_order(name):
    check_modes(PRIMITIVES[name], INPUTS[name](np.random.default_rng(3)), what=name)


# ---------------------------------------------------------------- SciPy's ufuncs (NEP 13)

UFUNC_CASES = [
    ("expit", lambda x: ss.expit(x), (np.array([-3.0, 0.2, 4.0]),)),
    ("logit", lambda x: ss.logit(x), (np.array([0.1, 0.5, 0.8]),)),
    ("erf", lambda x: ss.erf(x), (np.array([-1.0, 0.2, 1.5]),)),
    ("erfc", lambda x: ss.erfc(x), (np.array([-1.0, 0.2, 1.5]),)),
    ("erfinv", lambda x: ss.erfinv(x), (np.array([-0.7, 0.1, 0.6]),)),
    ("erfcinv", lambda x: ss.erfcinv(x), (np.array([0.3, 1.0, 1.6]),)),
    ("gammaln", lambda x: ss.gammaln(x), (np.array([0.4, 2.5, -0.5]),)),
    ("digamma", lambda x: ss.digamma(x), (np.array([0.4, 2.5, -0.5]),)),
    ("psi", lambda x: ss.psi(x), (np.array([0.7, 3.0]),)),
    ("gamma", lambda x: ss.gamma(x), (np.array([0.4, 2.5, -0.5]),)),
    ("loggamma", lambda x: ss.loggamma(x), (np.array([0.4, 2.5]),)),
    ("xlogy", lambda x, y: ss.xlogy(x, y), (np.array([0.5, -1.0, 2.0]), np.array([0.3, 2.0, 1.5]))),
    ("xlogy-broadcast", lambda x, y: ss.xlogy(x, y), (np.array([0.5, 2.0]), 1.7)),
    ("xlog1py", lambda x, y: ss.xlog1py(x, y), (np.array([0.5, -1.0]), np.array([-0.3, 2.0]))),
    ("betaln", lambda a, b: ss.betaln(a, b), (np.array([0.5, 3.0]), np.array([1.5, 0.7]))),
    ("ndtr", lambda x: ss.ndtr(x), (np.array([-2.0, 0.1, 1.3]),)),
    ("log_ndtr", lambda x: ss.log_ndtr(x), (np.array([-30.0, -2.0, 0.1, 1.3]),)),
    ("ndtri", lambda x: ss.ndtri(x), (np.array([0.02, 0.5, 0.9]),)),
    ("gammainc", lambda x: ss.gammainc(2.5, x), (np.array([0.3, 1.0, 4.0]),)),
    ("gammaincc", lambda x: ss.gammaincc(np.array([0.5, 1.0, 3.0]), x ** 2),
     (np.array([0.4, 1.1, 2.0]),)),
    ("log1p", lambda x: ss.log1p(x), (np.array([-0.5, 0.1, 3.0]),)),
    ("expm1", lambda x: ss.expm1(x), (np.array([-0.5, 1e-9, 3.0]),)),
    ("composite", lambda x: np.sum(ss.expit(x) * ss.gammaln(x ** 2 + 1.0)),
     (np.array([0.3, -1.2]),)),
]


@pytest.mark.parametrize("case", UFUNC_CASES, ids=[c[0] for c in UFUNC_CASES])
def test_scipy_ufuncs_in_every_mode_to_second_order(case):
    name, f, args = case
    check_modes(f, args, what=name, pairs=("hessian", "jacrev(jacrev)"))


@pytest.mark.parametrize("case", UFUNC_CASES, ids=[c[0] for c in UFUNC_CASES])
def test_scipy_ufunc_values_on_traced_arrays_are_scipys(case):
    _, f, args = case
    np.testing.assert_array_equal(value_under_reverse_mode(f, args), f(*args))


def test_scipy_ufuncs_on_traced_scalars():
    assert ad.derivative(ss.expit)(0.0) == pytest.approx(0.25, rel=1e-15)
    assert ad.grad(ss.gammaln)(3.0) == pytest.approx(1.5 - np.euler_gamma, rel=1e-14)
    assert isinstance(ad.grad(ss.erfinv)(0.2), float)


def test_the_polygamma_chain_matches_scipy_at_every_order():
    # d/dx polygamma(n, x) = polygamma(n + 1, x): the rule of each order is the next one.
    for n in range(4):
        f = lambda v, n=n: special.polygamma(n, v)
        for v in (0.4, 2.5, -1.5):
            want = float(ss.polygamma(n + 1, v))
            assert ad.derivative(f)(v) == pytest.approx(want, rel=1e-12)
            assert ad.grad(f)(v) == pytest.approx(want, rel=1e-12)
    x = np.array([-2.5, -0.3, 0.4, 3.7, 20.0])
    np.testing.assert_allclose(np.diagonal(ad.jacrev(ss.gammaln)(x)), ss.psi(x), rtol=1e-13)
    np.testing.assert_allclose(np.diagonal(ad.jacfwd(ss.psi)(x)), ss.polygamma(1, x),
                               rtol=1e-13)


def test_numpy_polygamma_without_scipy_matches_scipy():
    x = np.array([-7.3, -3.7, -0.5, 0.1, 0.7, 1.0, 2.5, 7.3, 15.9, 16.1, 100.0, 1e5])
    for n in range(5):
        np.testing.assert_allclose(_polygamma_np(n, x), ss.polygamma(n, x), rtol=1e-12)
    with np.errstate(all="ignore"):
        assert np.isneginf(_polygamma_np(0, np.array([0.0])))[0]
        assert np.isnan(_polygamma_np(0, np.array([-1.0])))[0]


# ---------------------------------------------------------------- math.gamma / math.lgamma


@pytest.mark.parametrize("x", [0.3, 1.5, 4.2, -0.5, -2.3])
def test_math_gamma_and_lgamma_on_traced_values_at_every_order(x):
    lg, g = ad.math.lgamma, ad.math.gamma
    assert ad.grad(lg)(x) == pytest.approx(float(ss.psi(x)), rel=1e-13)
    assert ad.derivative(lg)(x) == pytest.approx(float(ss.psi(x)), rel=1e-13)
    for k, f in ((1, ad.derivative(ad.derivative(lg))), (1, ad.grad(ad.grad(lg))),
                 (2, ad.derivative(ad.grad(ad.derivative(lg))))):
        assert f(x) == pytest.approx(float(ss.polygamma(k, x)), rel=1e-11)
    psi = float(ss.psi(x))
    assert ad.grad(g)(x) == pytest.approx(math.gamma(x) * psi, rel=1e-13)
    want = math.gamma(x) * (psi ** 2 + float(ss.polygamma(1, x)))
    assert ad.hessian(g)(x) == pytest.approx(want, rel=1e-12)
    assert ad.math.lgamma(x) == math.lgamma(x)


def test_math_gamma_and_lgamma_agree_with_sympy():
    t = sp.Symbol("t")
    for f, expr in ((ad.math.lgamma, sp.loggamma(t)), (ad.math.gamma, sp.gamma(t))):
        for k in (1, 2, 3):
            d = f
            for i in range(k):
                d = ad.derivative(d) if i % 2 == 0 else ad.grad(d)
            want = float(sp.N(sp.diff(expr, t, k).subs(t, 1.7), 30))
            assert d(1.7) == pytest.approx(want, rel=1e-11)


# ---------------------------------------------------------------- Python-level functions


def test_scipy_python_functions_on_traced_values_name_themselves_and_the_drop_in():
    x = np.array([0.2, 1.0, -0.4])
    for fn, name in ((lambda v: ss.logsumexp(v), "logsumexp"),
                     (lambda v: ss.softmax(v), "softmax"),
                     (lambda v: ss.log_softmax(v), "log_softmax"),
                     (lambda v: ss.polygamma(1, v), "polygamma")):
        pattern = rf"scipy\.special\.{name} .*ad_core\.special\.{name}"
        with pytest.raises(TypeError, match=pattern):
            ad.grad(lambda v, fn=fn: np.sum(fn(v)))(x)


@pytest.mark.parametrize("mode", [ad.grad, ad.jacfwd])
def test_incomplete_gamma_refuses_a_traced_shape_parameter(mode):
    # the derivative in a has no closed form: refused by name, in both modes, never 0
    for f in (ss.gammainc, ss.gammaincc):
        with pytest.raises(NotImplementedError, match=rf"^scipy\.special\.{f.__name__}\(a, x\) "
                           "has a derivative rule in x only"):
            mode(lambda a, f=f: f(a, 1.5))(2.0)


def test_an_unruled_scipy_ufunc_names_scipy_not_numpy():
    with pytest.raises(NotImplementedError, match=r"^scipy\.special\.i0 has no derivative rule"):
        ad.grad(lambda v: np.sum(ss.i0(v)))(np.ones(2))
    with pytest.raises(NotImplementedError, match=r"^scipy\.special\.xlogy\.accumulate has no"):
        ad.grad(lambda v: np.sum(ss.xlogy.accumulate(v)))(np.ones(2))
    with pytest.raises(NotImplementedError, match=r"^scipy\.special\.xlogy\.reduce has no"):
        ad.grad(lambda v: ss.xlogy.reduce(v))(np.ones(2))


def test_a_scipy_ufunc_outer_is_its_call_on_broadcast_operands():
    x, y = np.array([0.5, 2.0]), np.array([1.5, 3.0, 0.25])
    val, (gx, gy) = ad.value_and_grad(lambda a, b: np.sum(ss.xlogy.outer(a, b)), (0, 1))(x, y)
    assert np.isclose(val, np.sum(ss.xlogy.outer(x, y)))
    np.testing.assert_allclose(gx, np.sum(np.log(y)) * np.ones(2))
    np.testing.assert_allclose(gy, np.sum(x) / y)


DROP_INS = [
    ("logsumexp", lambda x: special.logsumexp(x), (np.array([0.3, -1.0, 2.0]),)),
    ("logsumexp-axis-keepdims", lambda x: special.logsumexp(x, axis=1, keepdims=True),
     (np.array([[0.3, -1.0, 2.0], [1.0, 5.0, -2.0]]),)),
    ("logsumexp-b", lambda x, b: special.logsumexp(x, b=b, axis=0),
     (np.array([[0.3, -1.0], [2.0, 0.5]]), np.array([[1.0, 2.0], [0.5, 3.0]]))),
    ("logsumexp-sign", lambda x: special.logsumexp(x, b=np.array([1.0, -3.0]),
                                                   return_sign=True)[0],
     (np.array([0.3, 0.9]),)),
    ("logsumexp-shifted", lambda x: special.logsumexp(x), (np.array([10.0, 11.0]),)),
    ("softmax", lambda x: special.softmax(x), (np.array([0.3, -1.0, 2.0]),)),
    ("softmax-axis", lambda x: special.softmax(x, axis=0), (np.array([[0.3, -1.0], [2.0, 4.0]]),)),
    ("log_softmax", lambda x: special.log_softmax(x, axis=-1),
     (np.array([[0.3, -1.0], [2.0, 4.0]]),)),
    ("polygamma", lambda x: special.polygamma(2, x), (np.array([0.5, 3.0]),)),
    ("polygamma-0", lambda x: special.polygamma(0, x), (np.array([0.5, 3.0]),)),
    ("psi", lambda x: special.psi(x), (np.array([0.5, 3.0]),)),
]


@pytest.mark.parametrize("case", DROP_INS, ids=[c[0] for c in DROP_INS])
def test_drop_ins_in_every_mode_to_second_order_and_scipys_value(case):
    name, f, args = case
    check_modes(f, args, what=name, pairs=("hessian", "jacrev(jacrev)"))
    # On plain values a drop-in is SciPy's own function.
    np.testing.assert_allclose(value_under_reverse_mode(f, args), f(*args), rtol=1e-14)


def test_drop_ins_on_plain_values_are_scipy_itself():
    x = np.array([[0.3, -1.0, 2.0], [1.0, 5.0, -2.0]])
    np.testing.assert_array_equal(special.logsumexp(x, axis=1), ss.logsumexp(x, axis=1))
    np.testing.assert_array_equal(special.softmax(x), ss.softmax(x))
    np.testing.assert_array_equal(special.gammaln(x), ss.gammaln(x))
    np.testing.assert_array_equal(special.polygamma(2, x), ss.polygamma(2, x))


def test_logsumexp_gradient_is_the_softmax_even_far_out():
    x = np.array([1000.0, 1001.0, -1e300])
    np.testing.assert_allclose(ad.grad(special.logsumexp)(x), ss.softmax(x), rtol=1e-14)


# ---------------------------------------------------------------- SciPy stays optional

NO_SCIPY = r"""
import sys
sys.modules["scipy"] = None  # any import of SciPy now fails
import math, numpy as np, ad_core as ad
from ad_core import special
assert "scipy.special" not in sys.modules
out = {
    "lgamma3": ad.derivative(ad.derivative(ad.derivative(ad.math.lgamma)))(1.7),
    "gamma1": ad.grad(ad.math.gamma)(-0.5),
    "lse": ad.grad(special.logsumexp)(np.array([0.1, 0.7])).tolist(),
    "expit": float(ad.grad(special.expit)(0.3)),
    "betaln": ad.grad(special.betaln, (0, 1))(0.7, 2.0),
    "pg": float(special.polygamma(3, 2.5)),
}
print(repr(out))
"""


def test_ad_core_and_its_special_functions_work_without_scipy():
    r = subprocess.run([sys.executable, "-c", NO_SCIPY], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    out = eval(r.stdout)  # noqa: S307 - our own subprocess's repr of floats and lists
    assert out["lgamma3"] == pytest.approx(float(ss.polygamma(2, 1.7)), rel=1e-12)
    assert out["gamma1"] == pytest.approx(math.gamma(-0.5) * float(ss.psi(-0.5)), rel=1e-12)
    np.testing.assert_allclose(out["lse"], ss.softmax([0.1, 0.7]), rtol=1e-14)
    assert out["expit"] == pytest.approx(float(ss.expit(0.3) * (1 - ss.expit(0.3))), rel=1e-14)
    want = (ss.psi(0.7) - ss.psi(2.7), ss.psi(2.0) - ss.psi(2.7))
    np.testing.assert_allclose(out["betaln"], want, rtol=1e-12)
    assert out["pg"] == pytest.approx(float(ss.polygamma(3, 2.5)), rel=1e-12)


def test_other_scipy_functions_are_named_and_user_code_under_scipy_is_not_blamed():
    sl = pytest.importorskip("scipy.linalg")
    opt = pytest.importorskip("scipy.optimize")
    with pytest.raises(TypeError, match=r"^scipy\.linalg\.expm has no derivative rule"):
        ad.grad(lambda a: np.sum(sl.expm(a)))(np.eye(2))

    def objective(x):  # user code, called by SciPy, that builds np.array([...]) of tracers
        ad.grad(lambda v: np.sum(np.array([v, v])))(x)
        return x

    with pytest.raises(TypeError, match=r"^a traced value cannot become a plain NumPy array"):
        opt.brentq(objective, -1.0, 1.0)

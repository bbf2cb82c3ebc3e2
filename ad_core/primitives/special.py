"""Special functions: the ``scipy.special`` ufuncs real code calls, and the digamma and
polygamma rules that make ``math.gamma`` / ``math.lgamma`` differentiable to any order.

Every primitive here is elementwise and declares its partial derivatives, written with
primitives (``polygamma(x, n=n + 1)`` is the derivative of ``polygamma(x, n=n)``), so every
order comes free. SciPy is optional: each value is SciPy's own when ``scipy.special`` is
already imported (then its ufuncs can reach these primitives at all), and otherwise a NumPy
implementation below (``gamma``, ``lgamma``, digamma and polygamma, to ~1e-14 relative).
"""

from __future__ import annotations

import math
import sys

import numpy as np

from .._core import raw
from .ops import (
    _erf_impl,
    _float_or_array,
    add,
    div,
    exp,
    log,
    log1p,
    mul,
    reciprocal,
    square,
    sub,
    where,
)
from .ops import sp as _sp
from .table import defprim


def _scipy():
    """``scipy.special`` if the program imported it (never imports it: that costs 0.5 s)."""
    return sys.modules.get("scipy.special")


def _via_scipy(name: str, fallback):
    def impl(*args):
        s = _scipy()
        if s is not None:
            return getattr(s, name)(*args)
        with np.errstate(all="ignore"):
            return fallback(*args)
    impl.__name__ = name
    return impl


def _scalar_of(impl):
    return lambda *args: float(impl(*args))


# ---------------------------------------------------------------- NumPy implementations


def _lgamma(x):
    return _float_or_array(np.vectorize(_safe(math.lgamma, math.inf), otypes=[float])(x))


def _gamma(x):
    return _float_or_array(np.vectorize(_safe(math.gamma, math.nan), otypes=[float])(x))


def _safe(fn, at_pole):
    def f(v):
        try:
            return fn(v)
        except ValueError:  # a pole: 0, -1, -2, ...
            return at_pole if fn is math.lgamma or v == 0 else math.nan
        except OverflowError:
            return math.inf
    return f


# Bernoulli numbers B_2k, k = 1..8, for the asymptotic series.
_B2K = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)
_SHIFT = 16.0  # recur up to x >= 16, where the series is accurate to rounding


def _polygamma_np(n: int, x):
    """ψ⁽ⁿ⁾(x) for an integer n >= 0: reflection below 1/2, recurrence up to x >= 16, then
    the asymptotic series (Abramowitz & Stegun 6.3.18, 6.4.11)."""
    x = np.asarray(x, dtype=float)
    refl = x < 0.5
    xs = np.where(refl, 1.0 - x, x)
    acc = np.zeros_like(xs)
    sign = -1.0 if n == 0 else (-1.0) ** (n + 1) * math.factorial(n)
    low = xs < _SHIFT
    while np.any(low):  # ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x + 1) + (-1)ⁿ⁺¹ n! / xⁿ⁺¹
        acc = np.where(low, acc + sign / xs ** (n + 1), acc)
        xs = np.where(low, xs + 1.0, xs)
        low = xs < _SHIFT
    if n == 0:
        series = np.log(xs) - 0.5 / xs
        for k, b in enumerate(_B2K, start=1):
            series = series - b / (2 * k * xs ** (2 * k))
    else:
        series = math.factorial(n - 1) / xs ** n + math.factorial(n) / (2 * xs ** (n + 1))
        for k, b in enumerate(_B2K, start=1):
            series = series + b * math.factorial(2 * k + n - 1) / (
                math.factorial(2 * k) * xs ** (2 * k + n))
        series = (-1.0) ** (n + 1) * series
    out = series + acc
    if np.any(refl):
        # ψ⁽ⁿ⁾(x) = (-1)ⁿ ψ⁽ⁿ⁾(1 - x) - π dⁿ/dxⁿ cot(πx)
        cot_n = _cot_derivative(n, x)
        out = np.where(refl, (-1.0) ** n * out - math.pi * cot_n, out)
        pole = refl & (x == np.floor(x))
        out = np.where(pole, np.inf if n % 2 == 1 else (np.nan if n else -np.inf), out)
        if n == 0:
            out = np.where(pole & (x < 0), np.nan, out)
    return out


def _cot_derivative(n: int, x):
    """dⁿ/dxⁿ cot(πx) = πⁿ Pₙ(cot πx), P₀(c) = c, Pₖ₊₁(c) = -(1 + c²) Pₖ'(c)."""
    coeffs = np.array([0.0, 1.0])  # P₀(c) = c, lowest degree first
    for _ in range(n):
        d = np.polynomial.polynomial.polyder(coeffs)
        coeffs = -np.polynomial.polynomial.polymul([1.0, 0.0, 1.0], d)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = 1.0 / np.tan(math.pi * x)
        return math.pi ** n * np.polynomial.polynomial.polyval(c, coeffs)


def _digamma_impl(x):
    s = _scipy()
    if s is not None:
        return s.psi(x)
    with np.errstate(all="ignore"):
        return _float_or_array(_polygamma_np(0, x))


def _polygamma_impl(x, n=1):
    s = _scipy()
    if s is not None:
        return _float_or_array(s.polygamma(n, x))
    with np.errstate(all="ignore"):
        return _float_or_array(_polygamma_np(int(n), x))


def _expit(x):
    return np.where(x >= 0, 1.0 / (1.0 + np.exp(-np.abs(x))),
                    np.exp(-np.abs(x)) / (1.0 + np.exp(-np.abs(x))))


def _xlogy(x, y):
    return np.where(x == 0, 0.0, x * np.log(y))


def _xlog1py(x, y):
    return np.where(x == 0, 0.0, x * np.log1p(y))


def _betaln(a, b):
    return _lgamma(a) + _lgamma(b) - _lgamma(np.add(a, b))


def _needs_scipy(name):
    def impl(*args):
        s = _scipy()
        if s is None:
            import scipy.special as s  # only reachable from SciPy's own ufunc or ad_core.special
        return getattr(s, name)(*args)
    impl.__name__ = name
    return impl


# ---------------------------------------------------------------- partials (as primitives)


def _safe_div_x(x, y):
    """x / y, and 0 where x == y == 0: there the function is 0 for every y (xlogy(0, y) = 0),
    and only there is x / y undefined, so elsewhere it stays differentiable in x."""
    both = (np.asarray(raw(x)) == 0) & (np.asarray(raw(y)) == 0)
    if not np.any(both):
        return div(x, y)
    return where(both, 0.0, div(x, where(both, 1.0, y)))


SQRT_PI_2 = math.sqrt(math.pi) / 2.0

digamma = defprim(
    "digamma", _digamma_impl, scalar=_scalar_of(_digamma_impl),
    partials=(lambda ans, x: polygamma(x, n=1),), sympy=_sp.digamma, flops=40,
    doc="ψ(x) = d/dx log Γ(x) (scipy.special.psi / digamma)")

polygamma = defprim(
    "polygamma", _polygamma_impl,
    partials=(lambda ans, x, n=1: polygamma(x, n=n + 1),),
    sympy=lambda x, n=1: _sp.polygamma(n, x), flops=60,
    doc="ψ⁽ⁿ⁾(x), the n-th derivative of digamma (n a parameter, not differentiated)")

gammaln = defprim(
    "gammaln", _via_scipy("gammaln", _lgamma), scalar=math.lgamma,
    partials=(lambda ans, x: digamma(x),), sympy=_sp.loggamma, flops=40,
    doc="log |Γ(x)| (scipy.special.gammaln, math.lgamma)")

gamma = defprim(
    "gamma", _via_scipy("gamma", _gamma), scalar=math.gamma,
    partials=(lambda ans, x: mul(ans, digamma(x)),), sympy=_sp.gamma, flops=40,
    doc="Γ(x) (scipy.special.gamma, math.gamma)")

loggamma = defprim(
    "loggamma", _needs_scipy("loggamma"),
    partials=(lambda ans, x: digamma(x),), sympy=_sp.loggamma, flops=40,
    doc="scipy.special.loggamma on real input (NaN for x < 0, as SciPy)")

expit = defprim(
    "expit", _via_scipy("expit", _expit), scalar=_scalar_of(_via_scipy("expit", _expit)),
    partials=(lambda ans, x: mul(ans, sub(1.0, ans)),),
    sympy=lambda x: 1 / (1 + _sp.exp(-x)), flops=10, doc="the logistic sigmoid")

logit = defprim(
    "logit", _via_scipy("logit", lambda x: np.log(x / (1.0 - x))),
    partials=(lambda ans, x: reciprocal(mul(x, sub(1.0, x))),),
    sympy=lambda x: _sp.log(x / (1 - x)), flops=10, doc="log(x / (1 - x))")

erfinv = defprim(
    "erfinv", _needs_scipy("erfinv"),
    partials=(lambda ans, x: mul(SQRT_PI_2, exp(square(ans))),),
    sympy=_sp.erfinv, flops=30, doc="the inverse of erf")

erfcinv = defprim(
    "erfcinv", _needs_scipy("erfcinv"),
    partials=(lambda ans, x: mul(-SQRT_PI_2, exp(square(ans))),),
    sympy=lambda x: _sp.erfinv(1 - x), flops=30,  # SymPy cannot evaluate its own erfcinv
    doc="the inverse of erfc")

xlogy = defprim(
    "xlogy", _via_scipy("xlogy", _xlogy),
    partials=(lambda ans, x, y: log(y), lambda ans, x, y: _safe_div_x(x, y)),
    sympy=lambda x, y: x * _sp.log(y), flops=10,
    doc="x · log(y), 0 where x == 0")

xlog1py = defprim(
    "xlog1py", _via_scipy("xlog1py", _xlog1py),
    partials=(lambda ans, x, y: log1p(y), lambda ans, x, y: _safe_div_x(x, add(y, 1.0))),
    sympy=lambda x, y: x * _sp.log(1 + y), flops=10,
    doc="x · log(1 + y), 0 where x == 0")

betaln = defprim(
    "betaln", _via_scipy("betaln", _betaln),
    partials=(lambda ans, a, b: sub(digamma(a), digamma(add(a, b))),
              lambda ans, a, b: sub(digamma(b), digamma(add(a, b)))),
    sympy=lambda a, b: _sp.loggamma(a) + _sp.loggamma(b) - _sp.loggamma(a + b), flops=120,
    doc="log |B(a, b)|")

# The normal distribution's CDF family (statsmodels' and GPy's probit links call these).
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_erfc_values = _erf_impl("erfc")


def _ndtr(x):
    return 0.5 * _erfc_values(-np.asarray(x, dtype=float) / math.sqrt(2.0))


def _log_ndtr(x):
    return np.log(_ndtr(x))  # SciPy's own (asymptotic for x << 0) when SciPy is loaded


def _normal_pdf(x):
    return mul(INV_SQRT_2PI, exp(mul(-0.5, square(x))))


ndtr = defprim(
    "ndtr", _via_scipy("ndtr", _ndtr),
    partials=(lambda ans, x: _normal_pdf(x),),
    sympy=lambda x: (1 + _sp.erf(x / _sp.sqrt(2))) / 2, flops=20,
    doc="Φ(x), the standard normal CDF (scipy.special.ndtr)")

log_ndtr = defprim(
    "log_ndtr", _via_scipy("log_ndtr", _log_ndtr),
    # φ(x) / Φ(x) as exp(log φ(x) − log Φ(x)): finite where Φ(x) underflows (x ≪ 0)
    partials=(lambda ans, x: mul(INV_SQRT_2PI, exp(sub(mul(-0.5, square(x)), ans))),),
    sympy=lambda x: _sp.log((1 + _sp.erf(x / _sp.sqrt(2))) / 2), flops=30,
    doc="log Φ(x) (scipy.special.log_ndtr)")

ndtri = defprim(
    "ndtri", _needs_scipy("ndtri"),
    partials=(lambda ans, p: reciprocal(_normal_pdf(ans)),),
    sympy=lambda p: _sp.sqrt(2) * _sp.erfinv(2 * p - 1), flops=30,
    doc="Φ⁻¹(p), the inverse of ndtr (scipy.special.ndtri)")


# The regularized incomplete gamma functions P(a, x) and Q(a, x) = 1 - P(a, x) (the chi² and
# gamma distributions' CDFs). Their derivative in ``a`` has no closed form: ``a`` is a
# parameter, as polygamma's order, and a traced ``a`` is refused where SciPy's ufunc is
# dispatched (``ad_core/_numpy/scipy_special.py``).
def _incomplete_gamma(name: str):
    def impl(x, a=1.0):
        s = _scipy()
        if s is None:
            import scipy.special as s  # only reachable from SciPy's own ufunc
        return getattr(s, name)(a, x)
    impl.__name__ = name
    return impl


def _gamma_density(x, a):
    """x^(a-1) e^(-x) / Γ(a): dP(a, x)/dx (``xlogy``: finite at x = 0 when a = 1)."""
    return exp(sub(sub(xlogy(np.subtract(a, 1.0), x), x), _via_scipy("gammaln", _lgamma)(a)))


gammainc = defprim(
    "gammainc", _incomplete_gamma("gammainc"),
    partials=(lambda ans, x, a=1.0: _gamma_density(x, a),),
    sympy=lambda x, a=1: _sp.lowergamma(a, x) / _sp.gamma(a), flops=60,
    doc="P(a, x), the regularized lower incomplete gamma function (scipy.special.gammainc; "
        "a is a parameter, not differentiated)")

gammaincc = defprim(
    "gammaincc", _incomplete_gamma("gammaincc"),
    partials=(lambda ans, x, a=1.0: mul(-1.0, _gamma_density(x, a)),),
    sympy=lambda x, a=1: _sp.uppergamma(a, x) / _sp.gamma(a), flops=60,
    doc="Q(a, x) = 1 - P(a, x) (scipy.special.gammaincc; a is a parameter, not "
        "differentiated)")

# The primitives of this family (tests check each one).
FAMILY = (digamma, polygamma, gammaln, gamma, loggamma, expit, logit, erfinv, erfcinv, xlogy,
          xlog1py, betaln, ndtr, log_ndtr, ndtri, gammainc, gammaincc)

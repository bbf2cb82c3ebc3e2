"""The table itself: one ``defprim`` per primitive.

Read a rule as math: ``partials=(lambda ans, x: cos(x),)`` says d sin(x)/dx =
cos(x). Rules call primitives (``cos``, ``mul``, ``where``...), never NumPy
directly on values that may be traced, so they differentiate again.

Conventions at non-differentiable points (see docs/ad_core.md):
abs'(0) = 0; sqrt'(0) = inf; ties in max / min / maximum / minimum split the
gradient evenly; norm'(0) = 0 (the minimum-norm subgradient); clip is
minimum(maximum(x, lo), hi) and follows the tie rule at its bounds.
"""

from __future__ import annotations

import math
import operator
import sys
import threading

import numpy as np

from .._core import Tracer, raw, shape_of
from .table import ByIndex, defprim


class _LazySympy:
    """``sp.sin`` & co. without importing SymPy until a counterpart is called:
    SymPy costs a second at import, and only the symbolic path needs it."""

    def __getattr__(self, name: str):
        return _SympyFunction(name)


class _SympyFunction:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def resolve(self):
        """The SymPy function itself (imports SymPy)."""
        import sympy

        return getattr(sympy, self.name)

    def __call__(self, *args):
        return self.resolve()(*args)

    def __repr__(self) -> str:
        return f"sympy.{self.name}"


sp = _LazySympy()

LN2 = math.log(2.0)
LN10 = math.log(10.0)


def _float_or_array(v):
    """Python float (complex) for a 0-d result, else an array (keeps scalar paths scalar)."""
    if np.ndim(v) == 0:
        return complex(v) if np.iscomplexobj(v) else float(v)
    return v


def _spow(x, y):
    r = x ** y
    if type(r) is complex:
        raise ValueError("complex power")
    return r


def _sdiv(x, y):
    return x / y


def _scbrt(x):
    return math.copysign(abs(x) ** (1.0 / 3.0), x)


# ---------------------------------------------------------------- arithmetic

neg = defprim("neg", np.negative, scalar=operator.neg,
              partials=(lambda ans, x: -1.0,),
              sympy=lambda x: -x, flops=1)

add = defprim("add", np.add, scalar=operator.add,
              partials=(lambda ans, x, y: 1.0, lambda ans, x, y: 1.0),
              sympy=lambda x, y: x + y, flops=1)

sub = defprim("sub", np.subtract, scalar=operator.sub,
              partials=(lambda ans, x, y: 1.0, lambda ans, x, y: -1.0),
              sympy=lambda x, y: x - y, flops=1)

mul = defprim("mul", np.multiply, scalar=operator.mul,
              partials=(lambda ans, x, y: y, lambda ans, x, y: x),
              sympy=lambda x, y: x * y, flops=1)

div = defprim("div", np.true_divide, scalar=_sdiv,
              partials=(lambda ans, x, y: reciprocal(y),
                        lambda ans, x, y: neg(div(ans, y))),
              sympy=lambda x, y: x / y, flops=4)


def _pow_dx(ans, x, y):
    ry = raw(y)
    if np.ndim(ry) == 0:
        if not isinstance(y, Tracer):  # a constant exponent: shortcuts are exact
            if ry == 0:
                return 0.0  # d/dx x**0 = 0, also at x = 0
            if ry == 1:
                return 1.0
            if ry == 2:
                return mul(2.0, x)  # the common x**2, without a call to pow
    # A traced exponent: y * x**(y-1) must stay differentiable in y (d²/dxdy x**y = 1/x
    # at y = 0), so the x**0 shortcut is taken only where it is 0 * inf (x = 0 = y).
    rx = raw(x)
    at_zero = (ry == 0) & (rx == 0)
    if not np.any(at_zero):
        return mul(y, power(x, sub(y, 1)))
    if np.ndim(at_zero) == 0:
        return 0.0
    return where(at_zero, 0.0, mul(y, power(where(at_zero, 1.0, x), sub(y, 1))))


def _pow_dy(ans, x, y):
    rx = raw(x)
    if np.ndim(rx) == 0:
        if rx == 0:
            return 0.0  # d/dy 0**y = 0 for y > 0; avoids 0 * log(0)
        return mul(ans, log(x))
    return where(rx == 0, 0.0, mul(ans, log(where(rx == 0, 1.0, x))))


def _pow_kink(ans, x, y):
    x, y = np.asarray(x), np.asarray(y)
    return (x == 0) & (y != 0) & ((y < 1) | (np.mod(y, 1) != 0))


power = defprim("pow", np.power, scalar=_spow,
                partials=(_pow_dx, _pow_dy),
                sympy=lambda x, y: x ** y, flops=10,
               kink=(_pow_kink, "x ** y at x = 0 with y < 1 or fractional: no finite derivative"))


def _tie_share(x, y):
    """∂max(x, y)/∂x: 1 where x wins, 1/2 on ties, 0 where y wins (constant)."""
    rx, ry = raw(x), raw(y)
    if type(rx) is float and type(ry) is float:
        return 1.0 if rx > ry else (0.5 if rx == ry else 0.0)
    return (np.greater(rx, ry) + 0.5 * np.equal(rx, ry)).astype(float)


maximum = defprim("maximum", np.maximum, scalar=max,
                  partials=(lambda ans, x, y: _tie_share(x, y),
                            lambda ans, x, y: _tie_share(y, x)),
                  sympy=lambda x, y: sp.Max(x, y), flops=1,
               kink=(lambda ans, x, y: x == y,
                     "maximum of equal values: AD splits the gradient evenly"))

minimum = defprim("minimum", np.minimum, scalar=min,
                  partials=(lambda ans, x, y: _tie_share(y, x),
                            lambda ans, x, y: _tie_share(x, y)),
                  sympy=lambda x, y: sp.Min(x, y), flops=1,
               kink=(lambda ans, x, y: x == y,
                     "minimum of equal values: AD splits the gradient evenly"))

arctan2 = defprim("arctan2", np.arctan2, scalar=math.atan2,
                  partials=(lambda ans, y, x: div(x, add(square(x), square(y))),
                            lambda ans, y, x: neg(div(y, add(square(x), square(y))))),
                  sympy=lambda y, x: sp.atan2(y, x), flops=20)


def _safe_ratio(num, ans):
    """num / ans, with 0 where ans == 0 (hypot and norm at the origin)."""
    ra = raw(ans)
    if np.ndim(ra) == 0:
        return zmul(0.0, num) if ra == 0 else div(num, ans)
    return where(ra == 0, 0.0, div(num, where(ra == 0, 1.0, ans)))


hypot = defprim("hypot", np.hypot, scalar=math.hypot,
                partials=(lambda ans, x, y: _safe_ratio(x, ans),
                          lambda ans, x, y: _safe_ratio(y, ans)),
                sympy=lambda x, y: sp.sqrt(x ** 2 + y ** 2), flops=6,
               kink=(lambda ans, x, y: ans == 0, "hypot at the origin: no derivative; AD uses 0"))

logaddexp = defprim("logaddexp", np.logaddexp,
                    partials=(lambda ans, x, y: exp(sub(x, ans)),
                              lambda ans, x, y: exp(sub(y, ans))),
                    sympy=lambda x, y: sp.log(sp.exp(x) + sp.exp(y)), flops=20)

mod = defprim("mod", np.remainder,
              partials=(lambda ans, x, y: 1.0,
                        lambda ans, x, y: _float_or_array(-np.floor_divide(raw(x), raw(y)))),
              sympy=lambda x, y: sp.Mod(x, y), flops=4)

# ---------------------------------------------------------------- unary functions

absolute = defprim("abs", np.absolute, scalar=abs,
                   partials=(lambda ans, x: _float_or_array(np.sign(raw(x))),),
                   sympy=sp.Abs, flops=1,
               kink=(lambda ans, x: x == 0, "abs at 0: no derivative; AD uses 0"))

sin = defprim("sin", np.sin, scalar=math.sin,
              partials=(lambda ans, x: cos(x),), sympy=sp.sin, flops=10)
cos = defprim("cos", np.cos, scalar=math.cos,
              partials=(lambda ans, x: neg(sin(x)),), sympy=sp.cos, flops=10)
tan = defprim("tan", np.tan, scalar=math.tan,
              partials=(lambda ans, x: add(1.0, square(ans)),), sympy=sp.tan, flops=12)
arcsin = defprim("arcsin", np.arcsin, scalar=math.asin,
                 partials=(lambda ans, x: reciprocal(sqrt(sub(1.0, square(x)))),),
                 sympy=sp.asin, flops=15,
               kink=(lambda ans, x: abs(x) == 1, "arcsin at ±1: the derivative is infinite"))
arccos = defprim("arccos", np.arccos, scalar=math.acos,
                 partials=(lambda ans, x: neg(reciprocal(sqrt(sub(1.0, square(x))))),),
                 sympy=sp.acos, flops=15,
               kink=(lambda ans, x: abs(x) == 1, "arccos at ±1: the derivative is infinite"))
arctan = defprim("arctan", np.arctan, scalar=math.atan,
                 partials=(lambda ans, x: reciprocal(add(1.0, square(x))),),
                 sympy=sp.atan, flops=15)
sinh = defprim("sinh", np.sinh, scalar=math.sinh,
               partials=(lambda ans, x: cosh(x),), sympy=sp.sinh, flops=12)
cosh = defprim("cosh", np.cosh, scalar=math.cosh,
               partials=(lambda ans, x: sinh(x),), sympy=sp.cosh, flops=12)
tanh = defprim("tanh", np.tanh, scalar=math.tanh,
               partials=(lambda ans, x: sub(1.0, square(ans)),), sympy=sp.tanh, flops=12)
arcsinh = defprim("arcsinh", np.arcsinh, scalar=math.asinh,
                  partials=(lambda ans, x: reciprocal(sqrt(add(square(x), 1.0))),),
                  sympy=sp.asinh, flops=15)
arccosh = defprim("arccosh", np.arccosh, scalar=math.acosh,
                  partials=(lambda ans, x: reciprocal(sqrt(sub(square(x), 1.0))),),
                  sympy=sp.acosh, flops=15)
arctanh = defprim("arctanh", np.arctanh, scalar=math.atanh,
                  partials=(lambda ans, x: reciprocal(sub(1.0, square(x))),),
                  sympy=sp.atanh, flops=15)
exp = defprim("exp", np.exp, scalar=math.exp,
              partials=(lambda ans, x: ans,), sympy=sp.exp, flops=8)
expm1 = defprim("expm1", np.expm1, scalar=math.expm1,
                partials=(lambda ans, x: add(ans, 1.0),),
                sympy=lambda x: sp.exp(x) - 1, flops=8)
exp2 = defprim("exp2", np.exp2, scalar=lambda x: 2.0 ** x,
               partials=(lambda ans, x: mul(ans, LN2),),
               sympy=lambda x: 2 ** x, flops=8)
log = defprim("log", np.log, scalar=math.log,
              partials=(lambda ans, x: reciprocal(x),), sympy=sp.log, flops=8)
log1p = defprim("log1p", np.log1p, scalar=math.log1p,
                partials=(lambda ans, x: reciprocal(add(x, 1.0)),),
                sympy=lambda x: sp.log(1 + x), flops=8)
log2 = defprim("log2", np.log2, scalar=math.log2,
               partials=(lambda ans, x: reciprocal(mul(x, LN2)),),
               sympy=lambda x: sp.log(x, 2), flops=8)
log10 = defprim("log10", np.log10, scalar=math.log10,
                partials=(lambda ans, x: reciprocal(mul(x, LN10)),),
                sympy=lambda x: sp.log(x, 10), flops=8)
sqrt = defprim("sqrt", np.sqrt, scalar=math.sqrt,
               partials=(lambda ans, x: div(0.5, ans),), sympy=sp.sqrt, flops=4,
               kink=(lambda ans, x: x == 0, "sqrt at 0: the derivative is infinite; AD gives inf"))
cbrt = defprim("cbrt", np.cbrt, scalar=_scbrt,
               partials=(lambda ans, x: div(1.0 / 3.0, square(ans)),),
               sympy=lambda x: sp.Piecewise((-(-x) ** sp.Rational(1, 3), x < 0),
                                            (x ** sp.Rational(1, 3), True)), flops=6,
               kink=(lambda ans, x: x == 0, "cbrt at 0: the derivative is infinite; AD gives inf"))
square = defprim("square", np.square, scalar=lambda x: x * x,
                 partials=(lambda ans, x: mul(2.0, x),),
                 sympy=lambda x: x ** 2, flops=1)
reciprocal = defprim("reciprocal", lambda x: np.true_divide(1.0, x), scalar=lambda x: 1.0 / x,
                     partials=(lambda ans, x: neg(square(ans)),),
                     sympy=lambda x: 1 / x, flops=4)
def _erf_impl(fn):
    # SciPy's ufunc when the program loaded SciPy (its value, vectorized), else math's.
    vec = np.vectorize(getattr(math, fn), otypes=[float])

    def impl(x):
        s = sys.modules.get("scipy.special")
        return getattr(s, fn)(x) if s is not None else vec(x)
    return impl


erf = defprim("erf", _erf_impl("erf"), scalar=math.erf,
              partials=(lambda ans, x: mul(2.0 / math.sqrt(math.pi), exp(neg(square(x)))),),
              sympy=sp.erf, flops=20)
erfc = defprim("erfc", _erf_impl("erfc"), scalar=math.erfc,
               partials=(lambda ans, x: mul(-2.0 / math.sqrt(math.pi), exp(neg(square(x)))),),
               sympy=sp.erfc, flops=20)


# ---------------------------------------------------------------- sinc

# sinc'(x) = Σ_{k≥1} c_k x^(2k-1) near 0, c_k = (-1)^k π^(2k) 2k / (2k+1)!: exact to every
# order at 0, where the closed form (cos(πx) - sinc(x)) / x is 0/0.
_SINC_SERIES = tuple((-1) ** k * math.pi ** (2 * k) * 2 * k / math.factorial(2 * k + 1)
                     for k in range(1, 13))
_SINC_NEAR = 0.25  # the series' 12 terms are exact to rounding for |x| < 1/4


def _sinc_series_prime(x):
    x2 = square(x)
    acc = _SINC_SERIES[-1]
    for c in reversed(_SINC_SERIES[:-1]):
        acc = add(mul(acc, x2), c)
    return mul(acc, x)


def _sinc_prime(ans, x):
    rx = raw(x)
    near = np.abs(rx) < _SINC_NEAR
    if not np.any(near):
        return div(sub(cos(mul(math.pi, x)), ans), x)
    if np.ndim(rx) == 0:
        return _sinc_series_prime(x)
    far_x = where(near, 1.0, x)  # the double where: no 0/0 in the branch not taken
    far = div(sub(cos(mul(math.pi, far_x)), sinc(far_x)), far_x)
    return where(near, _sinc_series_prime(where(near, x, 0.0)), far)


def _sinc_scalar(x):
    # NumPy's own formula (numpy/lib/_function_base_impl.py), for identical values.
    y = math.pi * (x if x != 0 else 1.0e-20)
    return math.sin(y) / y


sinc = defprim("sinc", np.sinc, scalar=_sinc_scalar, partials=(_sinc_prime,),
               sympy=lambda x: sp.sinc(sp.pi.resolve() * x), flops=20)


# ---------------------------------------------------------------- selection


def _where_impl(c, x, y):
    # A Python float for a 0-d result: the scalar cotangent path then masks 0 * inf in the
    # branch not taken (a 0-d array would come back as an unmasked NumPy scalar).
    return _float_or_array(np.where(c, x, y))


def _where_t(t, ans, c, x, y, which):
    zero = 0.0
    picked = where(c, t, zero) if which else where(c, zero, t)
    return picked


where = defprim(
    "where", _where_impl,
    jvp=(None,
         lambda t, ans, c, x, y: _where_t(t, ans, c, x, y, True),
         lambda t, ans, c, x, y: _where_t(t, ans, c, x, y, False)),
    vjp=(None,
         lambda g, ans, c, x, y: unbroadcast(where(c, g, 0.0), x),
         lambda g, ans, c, x, y: unbroadcast(where(c, 0.0, g), y)),
    sympy=lambda c, x, y: sp.Piecewise((x, c), (y, True)), flops=1)


# ---------------------------------------------------------------- zero wins


class _ZeroCheck(threading.local):
    """``lazy``: set by reverse mode's first sweep, which looks for 0 · inf only if a NaN
    reaches an input (then it sweeps again, checking): plain-array products skip it.
    Per thread, so that a transform in another thread keeps checking."""

    lazy = False


ZERO_CHECK = _ZeroCheck()


def zero_wins(a, b, c):
    """``c = a · b`` with 0 wherever ``a`` or ``b`` is exactly 0 and ``c`` is NaN (0 · inf,
    0 · nan): the convention that makes forward and reverse mode agree where one factor
    of the chain rule is infinite and its neighbour zero (see ``chain.py``). A NaN with
    no zero factor stays. Costs one reduction, and more only when ``c`` holds a NaN."""
    t = type(c)
    if t is np.ndarray:
        if ZERO_CHECK.lazy:
            return c
        # One reduction, no allocation: a NaN anywhere makes the sum NaN.
        if c.dtype.kind in "fc" and c.size:
            s = _add_reduce(c, axis=None)
            if s != s:
                bad = np.isnan(c) & ((np.asarray(raw(a)) == 0) | (np.asarray(raw(b)) == 0))
                if bad.any():
                    c = np.where(bad, 0.0, c)
    elif t is float or t is np.float64 or t is complex:
        if c != c and (raw(a) == 0 or raw(b) == 0):
            return 0.0
    elif isinstance(c, Tracer):
        # Higher order: judge by the plain values and zero every level at once.
        rc = raw(c)
        if np.any(np.isnan(rc)):
            bad = np.isnan(rc) & ((np.asarray(raw(a)) == 0) | (np.asarray(raw(b)) == 0))
            if np.any(bad):
                if np.ndim(rc) == 0:
                    return 0.0
                c = where(bad, 0.0, c)
    return c


def zmul(a, b):
    """a · b for a (co)tangent and a local factor, with 0 · inf = 0."""
    return zero_wins(a, b, mul(a, b))


_SIGNS = ((np.inf, True), (-np.inf, True), (1.0, False), (-1.0, False))




def multilinear_zero_wins(F, operands, r):
    """``r = F(*operands)`` for a multilinear ``F`` (matmul, einsum), recomputed so that a
    term with an exactly zero factor counts as 0 even when another factor is ±inf (IEEE
    gives NaN). Terms with an infinite factor and no zero factor give ±inf (NaN if both
    signs meet), as IEEE would. Runs only when ``r`` holds a NaN and an operand an inf."""
    if ZERO_CHECK.lazy and type(r) is np.ndarray:
        return r
    rr = raw(r)
    s = _add_reduce(np.ravel(rr), axis=None)  # one reduction: a NaN anywhere makes it NaN
    if s == s:
        return r
    raws = [np.asarray(raw(o)) for o in operands]
    if any(v.dtype.kind == "c" for v in raws) or not any(np.isinf(v).any() for v in raws):
        return r  # (complex operands: no sign categories; their 0 · inf stays NaN)
    raws = [v.astype(float) for v in raws]
    finite = [where(np.isinf(v), 0.0, o) if np.isinf(v).any() else o
              for v, o in zip(raws, operands)]
    base = F(*finite)
    # Count, per output element, the infinite terms of each sign: F of 0/1 indicator
    # operands, one evaluation per assignment of categories (+inf, -inf, +x, -x).
    pos = neg = 0.0
    k = len(raws)
    for combo in np.ndindex(*(4,) * k):
        cats = [_SIGNS[c] for c in combo]
        if not any(inf for _, inf in cats):
            continue
        ind = []
        for v, (sign, inf) in zip(raws, cats):
            if inf:
                ind.append((v == sign).astype(float))
            else:
                ind.append((np.isfinite(v) & (np.sign(v) == sign)).astype(float))
        n = np.asarray(F(*ind), dtype=float)
        if sum(sign < 0 for sign, _ in cats) % 2 == 0:
            pos = pos + n
        else:
            neg = neg + n
    pos, neg = np.asarray(pos) > 0, np.asarray(neg) > 0
    fix = np.where(pos & neg, np.nan, np.where(pos, np.inf, -np.inf))
    return where(pos | neg, fix, base)


# ---------------------------------------------------------------- reductions


def _keep(g, x, axis, keepdims):
    """Reshape a reduced cotangent so it broadcasts against ``x``."""
    if keepdims or axis is None:
        return g
    shape = list(shape_of(x))
    for a in axis:
        shape[a] = 1
    return reshape(g, shape=tuple(shape))


def _expand_like(g, x, axis, keepdims):
    xs = shape_of(x)
    if axis is None and not keepdims:
        return broadcast_to(g, shape=xs)
    return broadcast_to(_keep(g, x, axis, keepdims), shape=xs)


def _reduce_flops(ans, x, axis=None, keepdims=False):
    return int(np.size(raw(x)))


# ufunc.reduce directly: np.sum & co. add microseconds of Python wrapping per call.
_add_reduce = np.add.reduce
_mul_reduce = np.multiply.reduce
_max_reduce = np.maximum.reduce
_min_reduce = np.minimum.reduce

sum_ = defprim(
    "sum", lambda x, axis=None, keepdims=False: _add_reduce(x, axis=axis, keepdims=keepdims),
    jvp=(lambda t, ans, x, axis=None, keepdims=False: sum_(t, axis=axis, keepdims=keepdims),),
    vjp=(lambda g, ans, x, axis=None, keepdims=False: _expand_like(g, x, axis, keepdims),),
    sympy=None, flops=_reduce_flops)


# Below these sizes (absolute, or relative to the largest element) the ratio form
# prod / x_i loses its digits at second order (its terms grow like prod / x_i² and
# cancel): such elements take the exact path, which never divides by them.
TINY = 1e-8
SMALL_RATIO = 1e-8


def near_zero(rx):
    """The elements a product's rules treat as zero (exact path, no division by them)."""
    a = np.abs(rx)
    return (a < TINY) | (a < SMALL_RATIO * np.max(a, initial=0.0))


def _prod_others(x, ans, axis):
    """∂prod/∂x_i = the product of the other elements, exactly (no ans / x at zeros) and
    as differentiable terms, so that higher orders stay exact. Elements that are zero, or
    tiny next to the largest, form the "zero" class; in a slice with z of them:

    - x_i not in it: (other non-zero-class elements) · (product of the zero class);
    - x_i in it: (non-zero-class product) · (the rest of the zero class): 1 for z = 1,
      the other member for z = 2, an exclusive product for z >= 3 (n × n, only then).
    """
    zero = near_zero(raw(x))
    if not np.any(zero):
        return div(prod(x, axis=axis, keepdims=True), x)
    nzero = np.sum(zero, axis=axis, keepdims=True)
    nz = where(zero, 1.0, x)
    zs = where(zero, x, 1.0)
    p_nz = prod(nz, axis=axis, keepdims=True)
    at_nonzero = mul(div(p_nz, nz), prod(zs, axis=axis, keepdims=True))
    other_zeros = 1.0
    if np.any(nzero == 2):
        other_zeros = where(nzero == 2, _other_of_pair(x, zero, axis), other_zeros)
    if np.any(nzero >= 3):
        other_zeros = where(nzero >= 3, _exclusive_prod(zs, axis), other_zeros)
    return where(zero, mul(p_nz, other_zeros), at_nonzero)


def _other_of_pair(x, zero, axis):
    """In slices whose zero class has two members, each member's partner (a gather)."""
    shape = shape_of(x)
    red = tuple(range(len(shape))) if axis is None else tuple(axis)
    keep = [i for i in range(len(shape)) if i not in red]
    perm = tuple(keep + list(red))
    kshape = tuple(shape[i] for i in keep)
    n = int(np.prod([shape[i] for i in red], dtype=np.int64))
    Z = np.transpose(zero, perm).reshape(kshape + (n,))
    src = np.broadcast_to(np.arange(n), Z.shape).copy()
    rows = np.argwhere(Z.sum(axis=-1) == 2)
    for r in map(tuple, rows):
        p, q = np.flatnonzero(Z[r])
        src[r + (p,)], src[r + (q,)] = q, p
    X = reshape(transpose(x, axes=perm), shape=kshape + (n,))
    grid = np.indices(Z.shape, sparse=True)
    G = getitem(X, idx=tuple(grid[:-1]) + (src,))
    G = reshape(G, shape=tuple(shape[i] for i in perm))
    return transpose(G, axes=tuple(int(i) for i in np.argsort(perm)))


def _exclusive_prod(v, axis):
    """E_i = product over the reduced axes of v_j, j != i: the running product before i
    times the running product after i (two cumprods, no division)."""
    shape = shape_of(v)
    red = tuple(range(len(shape))) if axis is None else tuple(axis)
    keep = [i for i in range(len(shape)) if i not in red]
    perm = tuple(keep + list(red))
    kshape = tuple(shape[i] for i in keep)
    n = int(np.prod([shape[i] for i in red], dtype=np.int64))
    flat = reshape(transpose(v, axes=perm), shape=kshape + (n,))
    last = len(kshape)
    ones = np.ones(kshape + (1,))
    before = concatenate(ones, getitem(cumprod(flat, axis=last),
                                       idx=(Ellipsis, slice(None, -1))), axis=last)
    rev = (Ellipsis, slice(None, None, -1))
    after = getitem(concatenate(ones, getitem(cumprod(getitem(flat, idx=rev), axis=last),
                                              idx=(Ellipsis, slice(None, -1))), axis=last),
                    idx=rev)
    E = reshape(mul(before, after), shape=tuple(shape[i] for i in perm))
    return transpose(E, axes=tuple(int(i) for i in np.argsort(perm)))


prod = defprim(
    "prod", lambda x, axis=None, keepdims=False: _mul_reduce(x, axis=axis, keepdims=keepdims),
    jvp=(lambda t, ans, x, axis=None, keepdims=False:
         sum_(zmul(t, _prod_others(x, ans, axis)), axis=axis, keepdims=keepdims),),
    vjp=(lambda g, ans, x, axis=None, keepdims=False:
         zmul(_expand_like(g, x, axis, keepdims), _prod_others(x, ans, axis)),),
    sympy=None, flops=_reduce_flops)


def _extreme_share(x, ans, axis, keepdims):
    """Where x attains the max (min): 1/count, ties split evenly (constant)."""
    rx = raw(x)
    ra = raw(ans)
    if not keepdims and axis is not None:
        shape = list(rx.shape)
        for a in axis:
            shape[a] = 1
        ra = np.reshape(ra, shape)
    hit = (rx == ra).astype(float)
    return hit / np.sum(hit, axis=axis, keepdims=True)


def _has_tie(ans, x, axis=None, keepdims=False):
    share = _extreme_share(x, ans, axis, keepdims)
    return (share > 0) & (share < 1)


def _extreme_rules():
    return dict(
        jvp=(lambda t, ans, x, axis=None, keepdims=False:
             sum_(zmul(t, _extreme_share(x, ans, axis, keepdims)), axis=axis, keepdims=keepdims),),
        vjp=(lambda g, ans, x, axis=None, keepdims=False:
             zmul(_expand_like(g, x, axis, keepdims), _extreme_share(x, ans, axis, keepdims)),),
        flops=_reduce_flops)


max_ = defprim("max", lambda x, axis=None, keepdims=False: _max_reduce(x, axis=axis,
                                                                     keepdims=keepdims),
               sympy=None, **_extreme_rules(),
               kink=(_has_tie, "max with a tie: AD splits the gradient evenly among the maxima"))
min_ = defprim("min", lambda x, axis=None, keepdims=False: _min_reduce(x, axis=axis,
                                                                     keepdims=keepdims),
               sympy=None, **_extreme_rules(),
               kink=(_has_tie, "min with a tie: AD splits the gradient evenly among the minima"))


def _flip(x, axis):
    idx = [slice(None)] * len(shape_of(x))
    idx[axis] = slice(None, None, -1)
    return getitem(x, idx=tuple(idx))


cumsum = defprim(
    "cumsum", lambda x, axis: np.cumsum(x, axis=axis),
    jvp=(lambda t, ans, x, axis: cumsum(t, axis=axis),),
    vjp=(lambda g, ans, x, axis: _flip(cumsum(_flip(g, axis), axis=axis), axis),),
    flops=lambda ans, x, axis: int(np.size(raw(x))))


# ---------------------------------------------------------------- running product


def _to_last(v, axis: int, off: int):
    """``v`` with axis ``axis + off`` moved last (``off`` = 1 for a batch axis in front)."""
    n = len(shape_of(v))
    a = axis + off
    if a == n - 1:
        return v
    perm = tuple(i for i in range(n) if i != a) + (a,)
    return transpose(v, axes=perm)


def _from_last(v, axis: int, off: int):
    n = len(shape_of(v))
    a = axis + off
    if a == n - 1:
        return v
    perm = list(range(n - 1))
    perm.insert(a, n - 1)
    return transpose(v, axes=tuple(perm))


def _flip_last(v):
    idx = (Ellipsis, slice(None, None, -1))
    return getitem(v, idx=idx)


def _exclusive_running(x, axis: int):
    """M[..., j, k] = ∏_{i ≤ k, i ≠ j} x_i for j ≤ k, else 0: ∂cumprod(x)_k/∂x_j exactly,
    zeros included (n × n per slice; used only when x has a zero)."""
    xl = _to_last(x, axis, 0)
    n = shape_of(xl)[-1]
    rows = where(np.eye(n, dtype=bool), 1.0, reshape(xl, shape=shape_of(xl)[:-1] + (1, n)))
    C = cumprod(rows, axis=len(shape_of(rows)) - 1)
    return where(np.triu(np.ones((n, n), dtype=bool)), C, 0.0)


def _cumprod_jvp(t, ans, x, axis, off=0):
    if not np.any(near_zero(raw(x))):
        return zmul(ans, cumsum(div(t, x), axis=axis + off))
    M = _exclusive_running(x, axis)
    tl = _to_last(t, axis, off)
    s = shape_of(tl)
    out = sum_(zmul(M, reshape(tl, shape=s + (1,))), axis=(len(s) - 1,), keepdims=False)
    return _from_last(out, axis, off)


def _cumprod_vjp(g, ans, x, axis):
    if not np.any(near_zero(raw(x))):
        gl = _to_last(zmul(g, ans), axis, 0)
        rev = _flip_last(cumsum(_flip_last(gl), axis=len(shape_of(gl)) - 1))
        return div(_from_last(rev, axis, 0), x)
    M = _exclusive_running(x, axis)
    gl = _to_last(g, axis, 0)
    s = shape_of(gl)
    out = sum_(zmul(M, reshape(gl, shape=s[:-1] + (1, s[-1]))), axis=(len(s),),
               keepdims=False)
    return _from_last(out, axis, 0)


cumprod = defprim(
    "cumprod", lambda x, axis: np.cumprod(x, axis=axis),
    jvp=(_cumprod_jvp,), vjp=(_cumprod_vjp,),
    flops=lambda ans, x, axis: int(np.size(raw(x))),
    doc="running product along an axis; exact where elements are zero")

# ---------------------------------------------------------------- shape


reshape = defprim(
    "reshape", lambda x, shape: np.reshape(x, shape),
    jvp=(lambda t, ans, x, shape: reshape(t, shape=shape),),
    vjp=(lambda g, ans, x, shape: reshape(g, shape=shape_of(x)),),
    flops=0)

transpose = defprim(
    "transpose", lambda x, axes: np.transpose(x, axes),
    jvp=(lambda t, ans, x, axes: transpose(t, axes=axes),),
    vjp=(lambda g, ans, x, axes: transpose(g, axes=tuple(int(i) for i in np.argsort(axes))),),
    flops=0)

def _broadcast_impl(x, shape):
    if type(x) is float or (type(x) is np.ndarray and x.ndim == 0 and x.dtype == np.float64):
        # A read-only zero-stride view, built without np.broadcast_to's Python overhead.
        v = np.ndarray(shape, np.float64, np.array(x, dtype=np.float64), 0, (0,) * len(shape))
        v.flags.writeable = False
        return v
    return np.broadcast_to(x, shape)


broadcast_to = defprim(
    "broadcast_to", _broadcast_impl,
    jvp=(lambda t, ans, x, shape: broadcast_to(t, shape=shape),),
    vjp=(lambda g, ans, x, shape: unbroadcast(g, x),),
    flops=0)


def unbroadcast(c, like):
    """Sum ``c`` down to the shape of ``like`` (undo NumPy broadcasting)."""
    if type(c) is float and type(like) is float:
        return c
    target = shape_of(like)
    cs = shape_of(c)
    if cs == target:
        return c
    extra = len(cs) - len(target)
    if extra > 0:
        c = sum_(c, axis=tuple(range(extra)), keepdims=False)
    axes = tuple(i for i, n in enumerate(target) if n == 1 and shape_of(c)[i] != 1)
    if axes:
        c = sum_(c, axis=axes, keepdims=True)
    if shape_of(c) != target:
        # e.g. a cotangent of shape () for an input of shape (1,)
        if math.prod(shape_of(c)) == math.prod(target):
            c = reshape(c, shape=target)
        else:
            c = broadcast_to(c, shape=target)
    return c


def unbroadcast_batched(c, like):
    """``unbroadcast`` for a batch of cotangents: sum ``c`` of shape ``(B,) + s`` down to
    ``(B,) + shape(like)``, leaving the leading batch axis alone (batched jacrev)."""
    target = shape_of(like)
    cs = shape_of(c)
    if cs[1:] == target:
        return c
    B = cs[0]
    extra = len(cs) - 1 - len(target)
    if extra > 0:
        c = sum_(c, axis=tuple(range(1, 1 + extra)), keepdims=False)
    axes = tuple(i + 1 for i, n in enumerate(target) if n == 1 and shape_of(c)[i + 1] != 1)
    if axes:
        c = sum_(c, axis=axes, keepdims=True)
    if shape_of(c) != (B,) + target:
        if math.prod(shape_of(c)) == B * math.prod(target):
            c = reshape(c, shape=(B,) + target)
        else:
            c = broadcast_to(c, shape=(B,) + target)
    return c


def _is_basic_index(idx) -> bool:
    items = idx if isinstance(idx, tuple) else (idx,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis
               for i in items)


def _untake_impl(g, idx, shape):
    z = np.zeros(shape, dtype=np.result_type(g, np.float64))
    if _is_basic_index(idx):
        z[idx] = g
    else:
        np.add.at(z, idx, g)
    return z


def _scatter_add(buf, g, ans, x, idx):
    if _is_basic_index(idx):
        buf[idx] += g
    else:
        np.add.at(buf, idx, g)


getitem = defprim(
    "getitem", lambda x, idx: x[idx],
    jvp=(lambda t, ans, x, idx: getitem(t, idx=idx),),
    vjp=(lambda g, ans, x, idx: untake(g, idx=idx, shape=shape_of(x)),),
    accumulate=(_scatter_add,),
    flops=0)

untake = defprim(
    "untake", _untake_impl,
    jvp=(lambda t, ans, g, idx, shape: untake(t, idx=idx, shape=shape),),
    vjp=(lambda c, ans, g, idx, shape: getitem(c, idx=idx),),
    flops=0, doc="the transpose of getitem: scatter-add into zeros (repeated indices add up)")


def _concat_jvp(t, ans, *xs, i, axis):
    parts = [t if j == i else np.zeros(shape_of(x)) for j, x in enumerate(xs)]
    return concatenate(*parts, axis=axis)


def _concat_vjp(g, ans, *xs, i, axis):
    start = sum(shape_of(x)[axis] for x in xs[:i])
    stop = start + shape_of(xs[i])[axis]
    idx = [slice(None)] * len(shape_of(ans))
    idx[axis] = slice(start, stop)
    return getitem(g, idx=tuple(idx))


concatenate = defprim(
    "concatenate", lambda *xs, axis: np.concatenate(xs, axis=axis),
    jvp=ByIndex(_concat_jvp), vjp=ByIndex(_concat_vjp), flops=0)


# ---------------------------------------------------------------- linear algebra


def _mT(x):
    n = len(shape_of(x))
    axes = list(range(n))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return transpose(x, axes=tuple(axes))


def _zmatmul(u, v):
    """matmul in a rule: a (co)tangent times a factor, with 0 · inf = 0 per term."""
    return multilinear_zero_wins(matmul, (u, v), matmul(u, v))


def _matmul_vjp_a(g, ans, a, b):
    sa, sb = shape_of(a), shape_of(b)
    if len(sa) == 1 and len(sb) == 1:
        return zmul(g, b)
    if len(sb) == 1:  # (..., n, k) @ (k,) -> (..., n)
        return unbroadcast(zmul(reshape(g, shape=shape_of(g) + (1,)), b), a)
    if len(sa) == 1:  # (k,) @ (..., k, m) -> (..., m)
        r = _zmatmul(b, reshape(g, shape=shape_of(g) + (1,)))
        return unbroadcast(reshape(r, shape=shape_of(r)[:-1]), a)
    return unbroadcast(_zmatmul(g, _mT(b)), a)


def _matmul_vjp_b(g, ans, a, b):
    sa, sb = shape_of(a), shape_of(b)
    if len(sa) == 1 and len(sb) == 1:
        return zmul(g, a)
    if len(sa) == 1:  # (k,) @ (..., k, m): outer(a, g)
        return unbroadcast(zmul(reshape(a, shape=(sa[0], 1)),
                                reshape(g, shape=shape_of(g)[:-1] + (1, shape_of(g)[-1]))), b)
    if len(sb) == 1 and len(sa) == 2:  # (n, k) @ (k,): a^T g = g @ a
        return _zmatmul(g, a)
    if len(sb) == 1:  # (..., n, k) @ (k,): a^T g
        r = _zmatmul(_mT(a), reshape(g, shape=shape_of(g) + (1,)))
        return unbroadcast(reshape(r, shape=shape_of(r)[:-1]), b)
    return unbroadcast(_zmatmul(_mT(a), g), b)


def _matmul_flops(ans, a, b):
    k = shape_of(a)[-1]
    return 2 * k * max(1, int(np.size(raw(ans))))


matmul = defprim(
    "matmul", np.matmul,
    jvp=(lambda t, ans, a, b: _zmatmul(t, b), lambda t, ans, a, b: _zmatmul(a, t)),
    vjp=(_matmul_vjp_a, _matmul_vjp_b),
    sympy=lambda a, b: a * b, flops=_matmul_flops)


def _einsum_parse(subscripts: str, n: int) -> tuple[list[str], str]:
    """Operand and output subscripts of an explicit-letter spec (``_dispatch`` writes
    ``...`` and the sublist form out as letters before binding)."""
    s = subscripts.replace(" ", "")
    if "." in s:
        raise ValueError(f"einsum primitive: {subscripts!r} still has '...'")
    if "->" in s:
        ins, out = s.split("->")
    else:
        ins = s
        letters = ins.replace(",", "")
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    parts = ins.split(",")
    if len(parts) != n:
        raise ValueError(f"einsum: {len(parts)} subscripts for {n} operands")
    return parts, out


def _zeinsum(*xs, subscripts):
    """einsum in a rule: one operand is a (co)tangent; 0 · inf = 0 per term."""
    F = lambda *ops: einsum(*ops, subscripts=subscripts)
    return multilinear_zero_wins(F, xs, F(*xs))


def _einsum_jvp(t, ans, *xs, i, subscripts):
    ops = list(xs)
    ops[i] = t
    return _zeinsum(*ops, subscripts=subscripts)


def _einsum_vjp(g, ans, *xs, i, subscripts):
    parts, out = _einsum_parse(subscripts, len(xs))
    target = parts[i]
    others = [p for j, p in enumerate(parts) if j != i]
    avail = set(out).union(*others) if others else set(out)
    letters = "".join(dict.fromkeys(target))  # once each, in order: 'iij' -> 'ij'
    kept = "".join(c for c in letters if c in avail)
    spec = ",".join([out] + others) + "->" + kept
    r = _zeinsum(g, *[x for j, x in enumerate(xs) if j != i], subscripts=spec)
    size = {c: n for c, n in zip(target, shape_of(xs[i]))}
    if kept != letters:  # indices summed inside operand i alone: broadcast back
        shape = tuple(size[c] if c in avail else 1 for c in letters)
        r = broadcast_to(reshape(r, shape=shape), shape=tuple(size[c] for c in letters))
    if letters != target:  # a repeated index ('ii'): the cotangent lives on a diagonal
        grid = np.indices([size[c] for c in letters], sparse=True)
        idx = tuple(grid[letters.index(c)] for c in target)
        r = untake(r, idx=idx, shape=shape_of(xs[i]))
    return r


def _einsum_flops(ans, *xs, subscripts):
    parts, out = _einsum_parse(subscripts, len(xs))
    sizes = {}
    for p, x in zip(parts, xs):
        for c, n in zip(p, shape_of(x)):
            sizes[c] = n
    return 2 * int(np.prod([sizes[c] for c in sizes], dtype=np.int64))


einsum = defprim(
    "einsum", lambda *xs, subscripts: np.einsum(subscripts, *xs),
    jvp=ByIndex(_einsum_jvp), vjp=ByIndex(_einsum_vjp), flops=_einsum_flops)

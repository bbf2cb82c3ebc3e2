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

import numpy as np

from .._core import Tracer, raw, shape_of
from .table import ByIndex, defprim, unbroadcast


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
        return 0.0 * num if ra == 0 else div(num, ans)
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


def _prod_others(x, ans, axis):
    """∂prod/∂x_i = the product of the other elements, exactly (no ans / x at zeros) and
    as differentiable terms, so that higher orders stay exact. In a slice with z zeros:

    - x_i nonzero: (nonzero others) · (product of the zeros), the latter 1 when z = 0;
    - x_i zero: (nonzero elements) · (the other zeros): 1 for z = 1, the other zero for
      z = 2 (sum of the zeros minus x_i), an exclusive product for z >= 3 (n × n, only then).
    """
    rx = raw(x)
    zero = rx == 0
    if not np.any(zero):
        return div(prod(x, axis=axis, keepdims=True), x)
    nzero = np.sum(zero, axis=axis, keepdims=True)
    nz = where(zero, 1.0, x)
    zs = where(zero, x, 1.0)
    p_nz = prod(nz, axis=axis, keepdims=True)
    at_nonzero = mul(div(p_nz, nz), prod(zs, axis=axis, keepdims=True))
    other_zeros = where(nzero == 1, 1.0,
                        sub(sum_(where(zero, x, 0.0), axis=axis, keepdims=True), x))
    if np.any(nzero >= 3):
        other_zeros = where(nzero >= 3, _exclusive_prod(zs, axis), other_zeros)
    return where(zero, mul(p_nz, other_zeros), at_nonzero)


def _exclusive_prod(v, axis):
    """E_i = product over the reduced axes of v_j, j != i (an n × n mask per slice)."""
    shape = shape_of(v)
    red = tuple(range(len(shape))) if axis is None else tuple(axis)
    keep = [i for i in range(len(shape)) if i not in red]
    perm = tuple(keep + list(red))
    kshape = tuple(shape[i] for i in keep)
    n = int(np.prod([shape[i] for i in red], dtype=np.int64))
    flat = reshape(transpose(v, axes=perm), shape=kshape + (1, n))
    rows = where(np.eye(n, dtype=bool), 1.0, flat)  # row i: v with v_i replaced by 1
    E = prod(rows, axis=(len(kshape) + 1,), keepdims=False)
    E = reshape(E, shape=tuple(shape[i] for i in perm))
    return transpose(E, axes=tuple(int(i) for i in np.argsort(perm)))


prod = defprim(
    "prod", lambda x, axis=None, keepdims=False: _mul_reduce(x, axis=axis, keepdims=keepdims),
    jvp=(lambda t, ans, x, axis=None, keepdims=False:
         sum_(mul(t, _prod_others(x, ans, axis)), axis=axis, keepdims=keepdims),),
    vjp=(lambda g, ans, x, axis=None, keepdims=False:
         mul(_expand_like(g, x, axis, keepdims), _prod_others(x, ans, axis)),),
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
             sum_(mul(t, _extreme_share(x, ans, axis, keepdims)), axis=axis, keepdims=keepdims),),
        vjp=(lambda g, ans, x, axis=None, keepdims=False:
             mul(_expand_like(g, x, axis, keepdims), _extreme_share(x, ans, axis, keepdims)),),
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
    if type(x) is float or (type(x) is np.ndarray and x.ndim == 0):
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


def _matmul_vjp_a(g, ans, a, b):
    sa, sb = shape_of(a), shape_of(b)
    if len(sa) == 1 and len(sb) == 1:
        return mul(g, b)
    if len(sb) == 1:  # (..., n, k) @ (k,) -> (..., n)
        return unbroadcast(mul(reshape(g, shape=shape_of(g) + (1,)), b), a)
    if len(sa) == 1:  # (k,) @ (..., k, m) -> (..., m)
        r = matmul(b, reshape(g, shape=shape_of(g) + (1,)))
        return unbroadcast(reshape(r, shape=shape_of(r)[:-1]), a)
    return unbroadcast(matmul(g, _mT(b)), a)


def _matmul_vjp_b(g, ans, a, b):
    sa, sb = shape_of(a), shape_of(b)
    if len(sa) == 1 and len(sb) == 1:
        return mul(g, a)
    if len(sa) == 1:  # (k,) @ (..., k, m): outer(a, g)
        return unbroadcast(mul(reshape(a, shape=(sa[0], 1)),
                               reshape(g, shape=shape_of(g)[:-1] + (1, shape_of(g)[-1]))), b)
    if len(sb) == 1 and len(sa) == 2:  # (n, k) @ (k,): a^T g = g @ a
        return matmul(g, a)
    if len(sb) == 1:  # (..., n, k) @ (k,): a^T g
        r = matmul(_mT(a), reshape(g, shape=shape_of(g) + (1,)))
        return unbroadcast(reshape(r, shape=shape_of(r)[:-1]), b)
    return unbroadcast(matmul(_mT(a), g), b)


def _matmul_flops(ans, a, b):
    k = shape_of(a)[-1]
    return 2 * k * max(1, int(np.size(raw(ans))))


matmul = defprim(
    "matmul", np.matmul,
    jvp=(lambda t, ans, a, b: matmul(t, b), lambda t, ans, a, b: matmul(a, t)),
    vjp=(_matmul_vjp_a, _matmul_vjp_b),
    sympy=lambda a, b: a * b, flops=_matmul_flops)


def _einsum_parse(subscripts: str, n: int) -> tuple[list[str], str]:
    s = subscripts.replace(" ", "")
    if "." in s:
        raise NotImplementedError("numpy.einsum with '...' has no derivative rule in ad_core; "
                                  "write the indices out")
    if "->" in s:
        ins, out = s.split("->")
    else:
        ins = s
        letters = ins.replace(",", "")
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    parts = ins.split(",")
    if len(parts) != n:
        raise ValueError(f"einsum: {len(parts)} subscripts for {n} operands")
    for p in parts:
        if len(set(p)) != len(p):
            raise NotImplementedError(
                f"numpy.einsum with a repeated index in one operand ({p!r}) has no derivative "
                "rule in ad_core")
    return parts, out


def _einsum_jvp(t, ans, *xs, i, subscripts):
    ops = list(xs)
    ops[i] = t
    return einsum(*ops, subscripts=subscripts)


def _einsum_vjp(g, ans, *xs, i, subscripts):
    parts, out = _einsum_parse(subscripts, len(xs))
    target = parts[i]
    others = [p for j, p in enumerate(parts) if j != i]
    avail = set(out).union(*others) if others else set(out)
    kept = "".join(c for c in target if c in avail)
    spec = ",".join([out] + others) + "->" + kept
    r = einsum(g, *[x for j, x in enumerate(xs) if j != i], subscripts=spec)
    if kept != target:  # indices summed inside operand i alone: broadcast back
        xs_shape = shape_of(xs[i])
        shape = tuple(xs_shape[k] if c in avail else 1 for k, c in enumerate(target))
        r = broadcast_to(reshape(r, shape=shape), shape=xs_shape)
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

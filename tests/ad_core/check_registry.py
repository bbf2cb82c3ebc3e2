"""The systematic check's registry: for every primitive of the table, and for the
NumPy functions SPEC §1 lists, how to draw a point (shapes by hypothesis,
broadcasting in every direction, keyword arguments) where the function is
smooth, so that finite differences are a fair oracle.

One entry per primitive: ``test_check_grads.py`` fails when a primitive of the
table has no entry here. A new primitive joins with one ``prim(...)`` line (or a
``Check`` with its own ``draw``); a NumPy function with one ``fn(...)`` line.

An entry's ``draw(data)`` returns ``(f, args)``: a function of float / float-array
arguments and the point.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import family_inputs
import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ad_core import PRIMITIVES

P = PRIMITIVES


@dataclass(frozen=True)
class Dom:
    """Where an argument's elements are drawn: [lo, hi], at least ``margin`` away from
    each value in ``avoid`` (kinks, poles), optionally with exact zeros mixed in."""

    lo: float = -2.0
    hi: float = 2.0
    avoid: tuple = ()
    margin: float = 0.05
    zeros: bool = False

    def elements(self):
        e = st.floats(self.lo, self.hi, allow_nan=False, allow_infinity=False)
        if self.avoid:
            avoid, margin = self.avoid, self.margin
            e = e.filter(lambda v: all(abs(v - k) > margin for k in avoid))
        if self.zeros:
            e = st.one_of(st.just(0.0), e)
        return e

    def draw(self, data, shape, label="x", unique=False):
        if shape == ():
            return data.draw(self.elements(), label=label)
        return data.draw(hnp.arrays(np.float64, shape, elements=self.elements(),
                                    unique=unique), label=label)


ANY = Dom()
POS = Dom(0.2, 3.0)
UNIT = Dom(-0.9, 0.9)


@dataclass(frozen=True)
class Check:
    name: str                      # the primitive (or NumPy function) exercised
    draw: Callable                 # data -> (f, args)
    order: int = 2                 # 0: the primitive has no derivative (NaN / raises)
    rtol: float = 1e-5


SHAPES = hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3)


def _shape(data, shapes=SHAPES):
    return data.draw(shapes, label="shape")


def _two_shapes(data):
    s = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                    min_side=1, max_side=3), label="shapes")
    return s.input_shapes


def gap(x, axis=None, min_gap=1e-2) -> bool:
    x = np.asarray(x)
    if x.size < 2:
        return True
    s = np.sort(np.ravel(x)) if axis is None else np.sort(x, axis=axis)
    d = np.diff(s, axis=-1 if axis is None else axis)
    return d.size == 0 or np.min(d) > min_gap


def apart(x, y, margin=0.05) -> bool:
    return bool(np.all(np.abs(np.asarray(x) - np.asarray(y)) > margin))


def frac_ok(q, margin=0.05) -> bool:
    f = np.asarray(q) - np.floor(q)
    return bool(np.all((f > margin) & (f < 1 - margin)))


def sq(op):
    """op(x) · op(x): a linear operation made nonlinear, so that order 2 goes through it."""
    def f(*a):
        y = op(*a)
        return y * y
    return f


# ---------------------------------------------------------------- elementwise


def unary(name, dom=ANY):
    def draw(data):
        return P[name], (dom.draw(data, _shape(data)),)
    return Check(name, draw)


def binary(name, dx=ANY, dy=ANY, ok=None):
    def draw(data):
        sx, sy = _two_shapes(data)
        x, y = dx.draw(data, sx, "x"), dy.draw(data, sy, "y")
        if ok is not None:
            assume(ok(x, y))
        return P[name], (x, y)
    return Check(name, draw)


ELEMENTWISE = [
    unary("neg"), unary("abs", Dom(avoid=(0.0,))),
    unary("sin", Dom(-3, 3)), unary("cos", Dom(-3, 3)), unary("tan", Dom(-1.2, 1.2)),
    unary("arcsin", UNIT), unary("arccos", UNIT), unary("arctan", Dom(-3, 3)),
    unary("sinh"), unary("cosh"), unary("tanh"), unary("arcsinh"),
    unary("arccosh", Dom(1.2, 4.0)), unary("arctanh", Dom(-0.8, 0.8)),
    unary("exp"), unary("expm1"), unary("exp2"),
    unary("log", POS), unary("log1p", Dom(-0.7, 3.0)), unary("log2", POS), unary("log10", POS),
    unary("sqrt", Dom(0.1, 4.0)), unary("cbrt", Dom(-4.0, 4.0, avoid=(0.0,), margin=0.2)),
    unary("square"), unary("reciprocal", Dom(-3.0, 3.0, avoid=(0.0,), margin=0.3)),
    unary("erf"), unary("erfc"), unary("sinc", Dom(-2.0, 2.0, zeros=True)),
    binary("add"), binary("sub"), binary("mul"), binary("div", ANY, Dom(0.3, 3.0)),
    binary("pow", POS, Dom(-2.0, 3.0)),
    binary("maximum", ok=apart), binary("minimum", ok=apart),
    binary("arctan2", ANY, Dom(0.3, 2.0)),
    binary("hypot", ok=lambda x, y: bool(np.all(np.hypot(x, y) > 0.3))),
    binary("logaddexp"),
    binary("mod", Dom(-3, 3), Dom(0.5, 2.0), ok=lambda x, y: frac_ok(np.asarray(x) /
                                                                         np.asarray(y))),
]


# ---------------------------------------------------------------- structural


def _axes_param(data, nd):
    """A reduction's axis (None, one, or several; normalized) and keepdims."""
    choice = data.draw(st.sampled_from(["none", "one", "many"]), label="axis kind")
    if choice == "none" or nd == 0:
        ax = None
    elif choice == "one":
        ax = (data.draw(st.integers(0, nd - 1), label="axis"),)
    else:
        ax = tuple(sorted(data.draw(st.sets(st.integers(0, nd - 1), min_size=1),
                                    label="axes")))
    return ax, data.draw(st.booleans(), label="keepdims")


def _reduction(name, ok=None, dom=ANY):
    def draw(data):
        shape = _shape(data, hnp.array_shapes(min_dims=0, max_dims=3, max_side=3))
        ax, kd = _axes_param(data, len(shape))
        x = dom.draw(data, shape)
        if ok is not None:
            assume(ok(x, ax))
        return (lambda x: P[name](x, axis=ax, keepdims=kd)), (x,)
    return Check(name, draw)


def _no_ties(x, ax) -> bool:
    """No near-ties among the elements a max / min over ``ax`` compares."""
    x = np.asarray(x)
    if ax is None or x.ndim == 0:
        return gap(x)
    k = len(ax)
    X = np.moveaxis(x, list(ax), list(range(k)))
    return gap(X.reshape((int(np.prod(X.shape[:k])), -1)), axis=0)


def _running(name, dom=ANY):
    def draw(data):
        shape = _shape(data, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
        ax = data.draw(st.integers(0, len(shape) - 1), label="axis")
        return (lambda x: P[name](x, axis=ax)), (dom.draw(data, shape),)
    return Check(name, draw)


def _reshape(data):
    shape = _shape(data, hnp.array_shapes(min_dims=0, max_dims=3, max_side=3))
    n = math.prod(shape)
    target = data.draw(st.sampled_from([(n,), tuple(reversed(shape)), (1,) + shape,
                                        shape + (1,)]), label="target")
    return sq(lambda x: P["reshape"](x, shape=target)), (ANY.draw(data, shape),)


def _transpose(data):
    shape = _shape(data, hnp.array_shapes(min_dims=0, max_dims=3, max_side=3))
    perm = tuple(data.draw(st.permutations(range(len(shape))), label="axes"))
    return sq(lambda x: P["transpose"](x, axes=perm)), (ANY.draw(data, shape),)


def _broadcast_to(data):
    shape = _shape(data)
    full = data.draw(hnp.broadcastable_shapes(shape, min_dims=len(shape), max_dims=3,
                                              max_side=3), label="from")
    # a shape that ``shape`` broadcasts to: size-1 axes grow, leading axes appear
    target = tuple(max(a, b) for a, b in zip((1,) * (len(full) - len(shape)) + shape,
                                              full))
    return sq(lambda x: P["broadcast_to"](x, shape=target)), (ANY.draw(data, shape),)


def _index(data, shape):
    """A NumPy index for an array of ``shape``: basic, fancy (with repeats) or a mask."""
    kind = data.draw(st.sampled_from(["basic", "fancy", "mask"]), label="index kind")
    if kind == "basic":
        return data.draw(hnp.basic_indices(shape, min_dims=0, allow_newaxis=True,
                                           allow_ellipsis=True), label="index")
    if kind == "fancy":
        return data.draw(hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(
            min_dims=1, max_dims=2, max_side=4)), label="index")
    return data.draw(hnp.arrays(np.bool_, shape), label="mask")


def _getitem(data):
    shape = _shape(data, hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
    idx = _index(data, shape)
    return sq(lambda x: P["getitem"](x, idx=idx)), (ANY.draw(data, shape),)


def _untake(data):
    shape = _shape(data, hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
    idx = _index(data, shape)
    sub = np.empty(shape)[idx].shape
    return sq(lambda g: P["untake"](g, idx=idx, shape=shape)), (ANY.draw(data, sub, "g"),)


def _concatenate(data):
    shape = _shape(data, hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
    ax = data.draw(st.integers(0, len(shape) - 1), label="axis")
    k = data.draw(st.integers(1, 3), label="operands")
    shapes = []
    for i in range(k):
        s = list(shape)
        s[ax] = data.draw(st.integers(1, 3), label=f"size{i}")
        shapes.append(tuple(s))
    args = tuple(ANY.draw(data, s, f"x{i}") for i, s in enumerate(shapes))
    return sq(lambda *xs: P["concatenate"](*xs, axis=ax)), args


def _where(data):
    sc, sx, sy = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3,
                                                             max_side=3)).input_shapes
    c = data.draw(hnp.arrays(np.bool_, sc), label="c")
    return (lambda x, y: P["where"](c, x * x, np.sin(y))), (ANY.draw(data, sx, "x"),
                                                            ANY.draw(data, sy, "y"))


def _matmul(data):
    n, k, m = (data.draw(st.integers(1, 3), label=v) for v in "nkm")
    kind = data.draw(st.sampled_from(["mm", "mv", "vm", "vv", "batched", "broadcast"]))
    sa, sb = {"mm": ((n, k), (k, m)), "mv": ((n, k), (k,)), "vm": ((k,), (k, m)),
              "vv": ((k,), (k,)), "batched": ((2, n, k), (2, k, m)),
              "broadcast": ((2, 1, n, k), (3, k, m))}[kind]
    return (lambda a, b: P["matmul"](a, b)), (ANY.draw(data, sa, "a"), ANY.draw(data, sb, "b"))


_EINSUM = [("ij,jk->ik", [(2, 3), (3, 2)]), ("i,i->", [(3,), (3,)]), ("ij->j", [(2, 3)]),
           ("ii->i", [(3, 3)]), ("ii->", [(3, 3)]), ("iij->j", [(2, 2, 3)]),
           ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]), ("ij,k->ik", [(2, 3), (2,)]),
           ("ij,ij,j->i", [(2, 3), (2, 3), (3,)]), ("ij->ji", [(2, 3)])]


def _einsum(data):
    spec, shapes = data.draw(st.sampled_from(_EINSUM), label="spec")
    args = tuple(ANY.draw(data, s, f"x{i}") for i, s in enumerate(shapes))
    return sq(lambda *xs: P["einsum"](*xs, subscripts=spec)), args


I3 = 2.0 * np.eye(3)
SMALL = Dom(-0.5, 0.5)


def _det(data):
    return (lambda a: P["det"](a + I3)), (SMALL.draw(data, (3, 3)),)


def _inv(data):
    return (lambda a: P["inv"](a + I3)), (SMALL.draw(data, (3, 3)),)


def _solve(data):
    sb = data.draw(st.sampled_from([(3,), (3, 2)]), label="b shape")
    return (lambda a, b: P["solve"](a + I3, b)), (SMALL.draw(data, (3, 3)),
                                                 ANY.draw(data, sb, "b"))


def _norm(data):
    shape = _shape(data, hnp.array_shapes(min_dims=1, max_dims=2, max_side=3))
    ax, kd = _axes_param(data, len(shape))
    if ax is not None and len(ax) > 1:
        ax = None
    x = ANY.draw(data, shape)
    assume(np.min(np.sqrt(np.sum(np.square(x), axis=ax))) > 0.3)
    return (lambda x: P["norm"](x, axis=ax, keepdims=kd)), (x,)


STRUCTURAL = [
    Check("where", _where),
    _reduction("sum"), _reduction("prod"),
    _reduction("max", ok=lambda x, ax: _no_ties(x, ax)),
    _reduction("min", ok=lambda x, ax: _no_ties(x, ax)),
    _running("cumsum"), _running("cumprod", Dom(zeros=True)),
    Check("reshape", _reshape), Check("transpose", _transpose),
    Check("broadcast_to", _broadcast_to), Check("getitem", _getitem),
    Check("untake", _untake), Check("concatenate", _concatenate),
    Check("matmul", _matmul), Check("einsum", _einsum),
    Check("det", _det), Check("inv", _inv), Check("solve", _solve), Check("norm", _norm),
]

# ---------------------------------------------------------------- linalg, fft, special, complex
# Their points come from family_inputs.py (a NumPy Generator per hypothesis example, so the
# family tests and this registry share one generator per primitive). Complex arguments
# enter as (real part, imaginary part) and complex outputs leave as their real and
# imaginary parts: the check stays real on both ends while every complex rule is exercised
# in between, in both modes and at order 2.


def _parts(y):
    """A complex value as its real and imaginary parts, side by side (traced or plain)."""
    if not np.iscomplexobj(np.asarray(getattr(y, "value", y))):
        return y
    return np.concatenate([np.reshape(np.real(y), (-1,)), np.reshape(np.imag(y), (-1,))])


def real_form(fn, args):
    """``(f, real_args)``: f of the real and imaginary parts of ``args``, returning real parts."""
    cplx = [np.iscomplexobj(a) for a in args]
    flat = []
    for a, c in zip(args, cplx):
        flat += [np.real(a), np.imag(a)] if c else [a]

    def f(*xs):
        it = iter(xs)
        rebuilt = [next(it) + 1j * next(it) if c else next(it) for c in cplx]
        return _parts(fn(*rebuilt))
    return f, tuple(flat)


def from_inputs(name, inputs, sign_free=False, no_derivative=False):
    """A registry entry for primitive ``name`` from its generator in family_inputs.py."""
    def draw(data):
        seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
        args = inputs(np.random.default_rng(seed))
        prim = P[name]
        return real_form((lambda *a: prim(*a) ** 2) if sign_free else prim, args)
    return Check(name, draw, order=0 if no_derivative else 2)


_DRAWN = {c.name for c in STRUCTURAL}  # det, inv, solve, norm: hypothesis-drawn above
FAMILIES = (
    [from_inputs(n, g, sign_free=n in family_inputs.SIGN_FREE)
     for n, g in family_inputs.LINALG.items() if n not in _DRAWN]
    + [from_inputs(n, g, no_derivative=True) for n, g in family_inputs.NO_DERIVATIVE.items()]
    + [from_inputs(n, g) for inputs in (family_inputs.FFT, family_inputs.SPECIAL,
                                        family_inputs.COMPLEX) for n, g in inputs.items()]
)
PRIMITIVE_CHECKS = {c.name: c for c in ELEMENTWISE + STRUCTURAL + FAMILIES}


# ---------------------------------------------------------------- NumPy functions
#
# The SPEC §1 breadth list and the functions whose output carries input values,
# called the way user code calls them (through NumPy, with keyword arguments).


def _int(data, lo, hi, label):
    return data.draw(st.integers(lo, hi), label=label)


def _arr(data, min_dims=1, max_dims=2, max_side=4, dom=ANY, label="x", unique=False):
    shape = data.draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1,
                                       max_side=max_side), label=f"{label} shape")
    return dom.draw(data, shape, label, unique=unique)


def _axis(data, x, none=True):
    nd = np.ndim(x)
    choices = list(range(-nd, nd)) + ([None] if none else [])
    return data.draw(st.sampled_from(choices), label="axis")


def _cumsum(data):
    x = _arr(data, max_dims=3)
    ax = _axis(data, x)
    return sq(lambda x: np.cumsum(x, axis=ax)), (x,)


def _cumprod(data):
    x = _arr(data, max_dims=3, dom=Dom(zeros=True))
    ax = _axis(data, x)
    return (lambda x: np.cumprod(x, axis=ax)), (x,)


def _diff(data):
    x = _arr(data, max_dims=2, max_side=5)
    ax = _axis(data, x, none=False)
    n = _int(data, 1, 2, "n")
    extras = {}
    if data.draw(st.booleans(), label="prepend"):
        extras["prepend"] = 0.5
    s = list(np.shape(x))
    s[ax] = 2
    appended = ANY.draw(data, tuple(s), "append") if data.draw(st.booleans()) else None
    assume(np.shape(x)[ax] + len(extras) + (2 if appended is not None else 0) > n)

    def f(x, *app):
        kw = dict(extras)
        if app:
            kw["append"] = app[0]
        return sq(lambda x: np.diff(x, n=n, axis=ax, **kw))(x)
    return f, (x,) + ((appended,) if appended is not None else ())


def _sort(data):
    x = _arr(data, max_dims=2, unique=True)
    ax = _axis(data, x)
    assume(gap(x))
    kind = data.draw(st.sampled_from([None, "stable", "heapsort"]), label="kind")
    w = np.arange(1.0, 1.0 + np.size(x)).reshape(np.shape(np.sort(x, axis=ax)))
    return (lambda x: np.sort(x, axis=ax, kind=kind) ** 2 * w), (x,)


def _roll(data):
    x = _arr(data, max_dims=2)
    ax = _axis(data, x)
    shift = _int(data, -5, 5, "shift")
    return sq(lambda x: np.roll(x, shift, axis=ax)), (x,)


def _repeat(data):
    x = _arr(data, max_dims=2)
    ax = _axis(data, x)
    reps = _int(data, 1, 3, "repeats")
    return sq(lambda x: np.repeat(x, reps, axis=ax)), (x,)


def _tile(data):
    x = _arr(data, max_dims=2, max_side=3)
    reps = data.draw(st.sampled_from([2, (2, 1), (1, 2, 2)]), label="reps")
    return sq(lambda x: np.tile(x, reps)), (x,)


def _pad(data):
    x = _arr(data, max_dims=2, max_side=3)
    mode = data.draw(st.sampled_from(["constant", "edge", "reflect", "symmetric", "wrap"]),
                     label="mode")
    width = data.draw(st.sampled_from([1, (1, 2), ((1, 0),) * np.ndim(x)]), label="width")
    if mode == "constant":
        c = ANY.draw(data, (), "constant")
        return sq(lambda x, c: np.pad(x, width, constant_values=c)), (x, c)
    return sq(lambda x: np.pad(x, width, mode=mode)), (x,)


def _tri(name):
    def draw(data):
        x = _arr(data, min_dims=2, max_dims=3, max_side=3)
        k = _int(data, -2, 2, "k")
        return sq(lambda x: getattr(np, name)(x, k=k)), (x,)
    return draw


def _diag(data):
    x = _arr(data, min_dims=1, max_dims=2, max_side=4)
    k = _int(data, -2, 2, "k")
    if np.ndim(x) == 2:
        assume(-np.shape(x)[0] < k < np.shape(x)[1])
    return sq(lambda x: np.diag(x, k)), (x,)


def _diagonal(data):
    x = _arr(data, min_dims=2, max_dims=3, max_side=3)
    a1, a2 = data.draw(st.permutations(range(np.ndim(x))), label="axes")[:2]
    off = _int(data, -2, 2, "offset")
    assume(-np.shape(x)[a1] < off < np.shape(x)[a2])
    return sq(lambda x: np.diagonal(x, off, a1, a2)), (x,)


def _trace(data):
    x = _arr(data, min_dims=2, max_dims=3, max_side=3)
    off = _int(data, -1, 1, "offset")
    return (lambda x: np.trace(x * x, offset=off)), (x,)


def _kron(data):
    a = _arr(data, max_dims=2, max_side=3, label="a")
    b = _arr(data, max_dims=2, max_side=3, label="b")
    return (lambda a, b: np.kron(a, b)), (a, b)


def _cross(data):
    na, nb = (data.draw(st.sampled_from([3, 3, 2]), label=v) for v in ("na", "nb"))
    lead = data.draw(st.sampled_from([(), (2,), (1,)]), label="lead")
    a, b = ANY.draw(data, lead + (na,), "a"), ANY.draw(data, (2,) + (nb,), "b")
    return (lambda a, b: np.cross(a, b)), (a, b)


def _split(name):
    def draw(data):
        x = _arr(data, min_dims=2 if name in ("vsplit", "hsplit") else 1, max_dims=2,
                 max_side=4)
        if name == "array_split":
            k = _int(data, 1, 3, "sections")
            return (lambda x: tuple(p * p for p in np.array_split(x, k, axis=0))), (x,)
        ax = 0 if name in ("split", "vsplit") else (1 if np.ndim(x) > 1 else 0)
        n = np.shape(x)[ax]
        k = data.draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0]))
        fn = getattr(np, name)
        return (lambda x: tuple(p * p for p in fn(x, k))), (x,)
    return draw


def _append(data):
    x = _arr(data, min_dims=2, max_dims=2, max_side=3, label="x")
    ax = data.draw(st.sampled_from([0, 1, None]), label="axis")
    s = list(np.shape(x))
    if ax is not None:
        s[ax] = 2
    v = ANY.draw(data, tuple(s), "values")
    return sq(lambda x, v: np.append(x, v, axis=ax)), (x, v)


def _linspace(data):
    start, stop = ANY.draw(data, (), "start"), ANY.draw(data, (2,), "stop")
    num = _int(data, 1, 6, "num")
    endpoint = data.draw(st.booleans(), label="endpoint")
    ax = data.draw(st.sampled_from([0, -1]), label="axis")
    return (lambda a, b: np.linspace(a, b, num, endpoint=endpoint, axis=ax) ** 2), (start,
                                                                                   stop)


def _select(data):
    x = _arr(data, max_dims=2, label="x")
    y = ANY.draw(data, np.shape(x), "y")
    c1 = data.draw(hnp.arrays(np.bool_, np.shape(x)), label="c1")
    c2 = data.draw(hnp.arrays(np.bool_, np.shape(x)), label="c2")
    return (lambda x, y: np.select([c1, c2], [x * y, np.sin(x)], default=y)), (x, y)


def _with_nans(data, x):
    """Some NaNs, never a whole slice of them."""
    m = data.draw(hnp.arrays(np.bool_, np.shape(x)), label="nan mask")
    if np.ndim(x):
        m = m.copy()
        m.reshape(-1, np.shape(x)[-1])[:, 0] = False
        if np.ndim(x) > 1:
            m[0, ...] = False
    x = np.array(x, dtype=float)
    x[m] = np.nan
    return x


def _nan(name):
    def draw(data):
        x = _with_nans(data, _arr(data, max_dims=2, unique=True))
        ax = data.draw(st.sampled_from([None, 0, -1]), label="axis")
        if name in ("nanmax", "nanmin"):
            assume(_no_ties(np.nan_to_num(x, nan=-100.0 + np.arange(np.size(x)).reshape(
                np.shape(x))), None if ax is None else (ax % np.ndim(x),)))
        fn = getattr(np, name)
        kd = data.draw(st.booleans(), label="keepdims")
        return (lambda x: fn(x * x, axis=ax, keepdims=kd)), (x,)
    return draw


def _take(data):
    x = _arr(data, max_dims=2)
    ax = data.draw(st.sampled_from([None] + list(range(np.ndim(x)))), label="axis")
    n = np.size(x) if ax is None else np.shape(x)[ax]
    mode = data.draw(st.sampled_from(["raise", "wrap", "clip"]), label="mode")
    hi = n - 1 if mode == "raise" else n + 3
    idx = data.draw(hnp.arrays(np.int64, (4,), elements=st.integers(-n if mode != "clip" else
                                                                    0, hi)), label="idx")
    return sq(lambda x: np.take(x, idx, axis=ax, mode=mode)), (x,)


def _take_along_axis(data):
    x = _arr(data, min_dims=2, max_dims=2)
    ax = _axis(data, x, none=False)
    s = list(np.shape(x))
    s[ax] = 3
    idx = data.draw(hnp.arrays(np.int64, tuple(s), elements=st.integers(
        0, np.shape(x)[ax] - 1)), label="idx")
    return sq(lambda x: np.take_along_axis(x, idx, axis=ax)), (x,)


_EINSUM_FORMS = [
    ("...ij,...jk->...ik", [(2, 2, 3), (3, 2)]), ("...i,...i", [(2, 3), (3,)]),
    ("i...->...", [(3, 2)]), ("ii->i", [(3, 3)]), ("ij,jj->i", [(2, 3), (3, 3)]),
    ("ij,ij->", [(1, 3), (2, 3)]), ("sublist", [(2, 3), (3,)]), ("bii->b", [(2, 2, 2)]),
]


def _einsum_numpy(data):
    spec, shapes = data.draw(st.sampled_from(_EINSUM_FORMS), label="spec")
    args = tuple(ANY.draw(data, s, f"x{i}") for i, s in enumerate(shapes))
    if spec == "sublist":
        return sq(lambda a, b: np.einsum(a, [0, 1], b, [1], [0])), args
    opt = data.draw(st.sampled_from([False, True, "greedy"]), label="optimize")
    return sq(lambda *xs: np.einsum(spec, *xs, optimize=opt)), args


def _unique(data):
    # Distinct values: at a repeated value the number of outputs jumps under any
    # perturbation (no finite differences there); test_numpy_surface.py pins that case.
    x = _arr(data, max_dims=2, max_side=4, dom=Dom(-2, 2))
    assume(gap(x))
    return (lambda x: np.unique(x) ** 2), (x,)


def _partition(data):
    x = _arr(data, max_dims=2, unique=True)
    assume(gap(x))
    ax = _axis(data, x, none=False)
    kth = _int(data, 0, np.shape(x)[ax] - 1, "kth")
    return (lambda x: np.partition(x, kth, axis=ax) ** 2), (x,)


def _std(name):
    def draw(data):
        x = _arr(data, max_dims=2, max_side=4)
        ax = data.draw(st.sampled_from([None, 0, -1]), label="axis")
        ddof = _int(data, 0, 1, "ddof")
        n = np.size(x) if ax is None else np.shape(x)[ax]
        assume(n > ddof + 1)
        use_where = data.draw(st.booleans(), label="where")
        kw = {"ddof": ddof, "axis": ax}
        if use_where:
            kw["where"] = np.ones(np.shape(x), dtype=bool)
        if name == "std":
            assume(np.min(np.std(x, axis=ax, ddof=ddof)) > 0.1)
        fn = getattr(np, name)
        return (lambda x: fn(x, **kw)), (x,)
    return draw


def _masked_reduction(name):
    def draw(data):
        x = _arr(data, max_dims=2, max_side=4, unique=True)
        assume(gap(x * x))
        m = data.draw(hnp.arrays(np.bool_, np.shape(x)), label="where")
        fn = getattr(np, name)
        kw = {"where": m}
        if name in ("max", "min"):
            kw["initial"] = data.draw(st.sampled_from([-3.0, 3.0]), label="initial")
        elif name in ("sum", "prod"):
            kw["initial"] = 0.5
        else:
            assume(m.any())
        return (lambda x: fn(x * x, **kw)), (x,)
    return draw


def _quantile(data):
    x = _arr(data, max_dims=2, unique=True)
    assume(gap(x))
    q = data.draw(st.sampled_from([0.5, 0.25, (0.1, 0.9)]), label="q")
    ax = data.draw(st.sampled_from([None, 0]), label="axis")
    return (lambda x: np.quantile(x, q, axis=ax)), (x,)


def _median(data):
    x = _arr(data, max_dims=2, unique=True)
    assume(gap(x))
    ax = data.draw(st.sampled_from([None, 0, -1]), label="axis")
    return (lambda x: np.median(x * x, axis=ax)), (x,)


def _interp(data):
    x = Dom(-0.5, 3.5).draw(data, (4,), "x")
    xp = np.array([0.0, 1.0, 2.0, 3.0])
    assume(all(abs(v - k) > 0.05 for v in x for k in xp))
    fp = ANY.draw(data, (4,), "fp")
    return (lambda x, fp: np.interp(x, xp, fp)), (x, fp)


def _convolve(data):
    a = _arr(data, max_dims=1, max_side=5, label="a")
    v = _arr(data, max_dims=1, max_side=3, label="v")
    mode = data.draw(st.sampled_from(["full", "same", "valid"]), label="mode")
    return (lambda a, v: np.convolve(a, v, mode=mode)), (a, v)


def _cov(data):
    x = _arr(data, min_dims=2, max_dims=2, max_side=4)
    assume(np.shape(x)[1] > 2)
    return (lambda x: np.cov(x)), (x,)


def _average(data):
    x = _arr(data, min_dims=2, max_dims=2, max_side=3)
    w = Dom(0.5, 2.0).draw(data, np.shape(x), "w")
    return (lambda x, w: np.average(x, axis=0, weights=w)), (x, w)


def _inplace(data):
    x = _arr(data, min_dims=1, max_dims=2, max_side=4)

    def f(x):
        y = x * 1.0
        y[0] = np.sin(y[0]) * 2.0       # a row write (a view of y)
        y[..., -1:] += x[..., :1] ** 2  # an augmented write through a slice
        z = y.T                         # a view; a write into it shows in y
        z[0] = z[0] * 3.0
        return y * x
    return f, (x,)


FUNCTION_CHECKS_LIST = [
    Check("numpy.cumsum", _cumsum), Check("numpy.cumprod", _cumprod),
    Check("numpy.diff", _diff), Check("numpy.sort", _sort), Check("numpy.roll", _roll),
    Check("numpy.repeat", _repeat), Check("numpy.tile", _tile), Check("numpy.pad", _pad),
    Check("numpy.tril", _tri("tril")), Check("numpy.triu", _tri("triu")),
    Check("numpy.diag", _diag), Check("numpy.diagonal", _diagonal),
    Check("numpy.trace", _trace), Check("numpy.kron", _kron), Check("numpy.cross", _cross),
    Check("numpy.split", _split("split")), Check("numpy.array_split", _split("array_split")),
    Check("numpy.vsplit", _split("vsplit")), Check("numpy.hsplit", _split("hsplit")),
    Check("numpy.append", _append), Check("numpy.linspace", _linspace),
    Check("numpy.sinc", lambda data: (np.sinc, (_arr(data, dom=Dom(-2, 2, zeros=True)),))),
    Check("numpy.select", _select),
    Check("numpy.nansum", _nan("nansum")), Check("numpy.nanmean", _nan("nanmean")),
    Check("numpy.nanmax", _nan("nanmax")), Check("numpy.nanmin", _nan("nanmin")),
    Check("numpy.take", _take), Check("numpy.take_along_axis", _take_along_axis),
    Check("numpy.einsum", _einsum_numpy), Check("numpy.unique", _unique),
    Check("numpy.partition", _partition), Check("numpy.std", _std("std")),
    Check("numpy.var", _std("var")), Check("numpy.sum(where, initial)",
                                           _masked_reduction("sum")),
    Check("numpy.max(where, initial)", _masked_reduction("max")),
    Check("numpy.mean(where)", _masked_reduction("mean")),
    Check("numpy.prod(where, initial)", _masked_reduction("prod")),
    Check("numpy.quantile", _quantile), Check("numpy.median", _median),
    Check("numpy.interp", _interp), Check("numpy.convolve", _convolve),
    Check("numpy.cov", _cov), Check("numpy.average", _average),
    Check("in-place writes and views", _inplace),
]
FUNCTION_CHECKS = {c.name: c for c in FUNCTION_CHECKS_LIST}

# SPEC §1's breadth list (outside linalg / fft / special): each must have a check.
SPEC_BREADTH = ("cumsum cumprod diff sort roll repeat tile pad tril triu diag diagonal trace "
                "kron cross split array_split vsplit hsplit append linspace sinc select "
                "nansum nanmean nanmax nanmin take take_along_axis einsum unique partition")

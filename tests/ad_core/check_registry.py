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
    order: int = 2
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

PRIMITIVE_CHECKS = {c.name: c for c in ELEMENTWISE + STRUCTURAL}

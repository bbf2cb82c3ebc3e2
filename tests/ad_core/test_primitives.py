"""Every primitive of SPEC §1, forward and reverse, first and second order.

One table of cases drives three property-based tests (hypothesis draws the
point inside each case's domain, away from kinks):

- first order: ``jacfwd``, ``jacrev``, ``jvp`` and ``vjp`` (random directions)
  against central finite differences on plain NumPy;
- second order: ``hessian`` (forward over reverse), ``jacfwd(jacfwd)``,
  ``jacrev(jacrev)`` and ``jacrev(jacfwd)`` of a random weighting of the
  outputs, against a four-point finite-difference Hessian;
- SymPy: every scalar elementwise primitive of the table, differentiated once
  and twice by ``sympy.diff`` of its ``.sympy`` counterpart.
"""

from __future__ import annotations

import functools
import math as pymath
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
import sympy as sp
from adcheck_helpers import (
    assert_close,
    blocks_to_matrix,
    fd_hessian,
    fd_jacobian,
    nested_to_matrix,
)
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ad_core as ad
from ad_core import PRIMITIVES
from ad_core import math as admath

SETTINGS = dict(deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


# ---------------------------------------------------------------- the case table


@dataclass(frozen=True)
class Arg:
    shape: tuple = ()
    lo: float = -2.0
    hi: float = 2.0
    avoid: tuple = ()  # kinks: keep every element at least `margin` away
    margin: float = 0.05

    def strategy(self):
        # Exactly 0 or at least 1e-3 in magnitude: the finite-difference steps (1e-6 and
        # 2e-4, relative to max(1, |x|)) must not straddle values far smaller than them.
        elems = st.floats(self.lo, self.hi, allow_nan=False, allow_infinity=False).filter(
            lambda v: v == 0.0 or abs(v) >= 1e-3)
        if self.avoid:
            avoid, margin = self.avoid, self.margin
            elems = elems.filter(lambda v: all(abs(v - k) > margin for k in avoid))
        if self.shape == ():
            return elems
        return hnp.arrays(np.float64, self.shape, elements=elems, fill=st.nothing())


@dataclass(frozen=True)
class Case:
    id: str
    f: Callable
    args: tuple = (Arg(),)
    ok: Callable | None = None  # a point filter (ties, branch cuts)
    tags: frozenset = field(default_factory=frozenset)

    def draw(self, data):
        args = tuple(data.draw(a.strategy(), label=f"arg{k}") for k, a in enumerate(self.args))
        if self.ok is not None:
            assume(self.ok(*args))
        return args


def S(shape=(), lo=-2.0, hi=2.0, **kw):
    return Arg(tuple(shape), lo, hi, **kw)


V3 = S((3,))
M23 = S((2, 3))
M32 = S((3, 2))
SMALL_M = S((3, 3), -0.5, 0.5)  # used as A + 2I: diagonally dominant, well conditioned
I3 = 2.0 * np.eye(3)
POS = S((), 0.2, 5.0)
POS3 = S((3,), 0.2, 5.0)


def gap(x, axis=None, min_gap=1e-2):
    """No near-ties among the values compared by max / min along ``axis``."""
    x = np.asarray(x)
    s = np.sort(np.ravel(x)) if axis is None else np.sort(x, axis=axis)
    d = np.diff(s, axis=-1 if axis is None else axis)
    return d.size == 0 or np.min(d) > min_gap


def apart(x, y, margin=0.05):
    return np.all(np.abs(np.asarray(x) - np.asarray(y)) > margin)


def frac_ok(q, margin=0.05):
    f = np.asarray(q) - np.floor(q)
    return np.all((f > margin) & (f < 1 - margin))


def sq(op):
    """op(x) * op(x): a linear op made nonlinear so that its second order is exercised."""
    return lambda *a: op(*a) * op(*a)


CASES: list[Case] = [
    # -- operators
    Case("add", lambda x, y: x + y, (M23, V3)),
    Case("add-scalar-left", lambda x, y: x + y, (S(), M23)),
    Case("sub", lambda x, y: x - y, (V3, M23)),
    Case("mul", lambda x, y: x * y, (M23, S((2, 1)))),
    Case("truediv", lambda x, y: x / y, (V3, S((3,), 0.3, 3.0))),
    Case("truediv-scalar", lambda x, y: x / y, (S(), S((), -3.0, -0.3))),
    Case("floordiv", lambda x, y: x // y, (S((), -3, 3), S((), 0.5, 2.0)),
         ok=lambda x, y: frac_ok(x / y)),
    Case("pow-op", lambda x, y: x ** y, (POS3, S((3,), -2.0, 3.0))),
    Case("pow-int-exponent", lambda x: x ** 3, (V3,)),
    Case("pow-float-exponent-neg-base", lambda x: x ** 2.0, (S((), -3, 3),)),
    Case("rpow", lambda y: 2.0 ** y, (V3,)),
    Case("matmul-op", lambda a, b: a @ b, (M23, M32)),
    Case("matmul-op-vec", lambda a, v: a @ v, (M23, V3)),
    Case("neg", lambda x: -x, (V3,)),
    Case("builtin-abs", lambda x: abs(x), (S((3,), avoid=(0.0,)),)),
    Case("mod-op", lambda x, y: x % y, (S((), -3, 3), S((), 0.5, 2.0)),
         ok=lambda x, y: frac_ok(x / y)),
    # -- numpy elementwise
    Case("sin", np.sin, (S((3,), -3, 3),)),
    Case("cos", np.cos, (S((3,), -3, 3),)),
    Case("tan", np.tan, (S((3,), -1.2, 1.2),)),
    Case("arcsin", np.arcsin, (S((3,), -0.9, 0.9),)),
    Case("arccos", np.arccos, (S((3,), -0.9, 0.9),)),
    Case("arctan", np.arctan, (S((3,), -3, 3),)),
    Case("arctan2", np.arctan2, (V3, S((3,), 0.3, 2.0))),
    Case("arctan2-left-half", np.arctan2, (S((), 0.3, 2.0), S((), -2.0, -0.3))),
    Case("sinh", np.sinh, (V3,)),
    Case("cosh", np.cosh, (V3,)),
    Case("tanh", np.tanh, (V3,)),
    Case("arcsinh", np.arcsinh, (V3,)),
    Case("arccosh", np.arccosh, (S((3,), 1.2, 4.0),)),
    Case("arctanh", np.arctanh, (S((3,), -0.8, 0.8),)),
    Case("exp", np.exp, (V3,)),
    Case("expm1", np.expm1, (V3,)),
    Case("exp2", np.exp2, (V3,)),
    Case("log", np.log, (POS3,)),
    Case("log1p", np.log1p, (S((3,), -0.7, 4.0),)),
    Case("log2", np.log2, (POS3,)),
    Case("log10", np.log10, (POS3,)),
    Case("sqrt", np.sqrt, (S((3,), 0.1, 4.0),)),
    Case("cbrt", np.cbrt, (S((3,), -4.0, 4.0, avoid=(0.0,), margin=0.2),)),
    Case("square", np.square, (V3,)),
    Case("reciprocal", np.reciprocal, (S((3,), -3.0, 3.0, avoid=(0.0,), margin=0.3),)),
    Case("power", np.power, (POS3, S((3,), -2.0, 3.0))),
    Case("power-broadcast", np.power, (S((2, 1), 0.3, 3.0), S((3,), -2.0, 3.0))),
    Case("abs", np.abs, (S((3,), avoid=(0.0,)),)),
    Case("absolute", np.absolute, (S((3,), avoid=(0.0,)),)),
    Case("sign", lambda x: np.sign(x) * x, (S((3,), avoid=(0.0,)),)),
    Case("maximum", np.maximum, (V3, V3), ok=apart),
    Case("minimum", np.minimum, (M23, V3), ok=lambda x, y: apart(x, y)),
    Case("clip-const", lambda x: np.clip(x, -0.5, 0.5), (S((3,), avoid=(-0.5, 0.5)),)),
    Case("clip-traced-bounds", lambda x, lo, hi: np.clip(x, lo, hi),
         (V3, S((), -1.0, -0.2), S((), 0.2, 1.0)),
         ok=lambda x, lo, hi: apart(x, lo) and apart(x, hi)),
    Case("where", lambda x, y: np.where(x > 0, x ** 2, np.sin(y)),
         (S((3,), avoid=(0.0,)), V3)),
    Case("where-broadcast", lambda x, y: np.where(np.array([True, False, True]), x, y),
         (S((2, 1)), V3)),
    Case("logaddexp", np.logaddexp, (V3, V3)),
    Case("hypot", np.hypot, (V3, V3), ok=lambda x, y: np.all(np.hypot(x, y) > 0.3)),
    # -- reductions
    Case("sum", np.sum, (M23,)),
    Case("sum-axis0", lambda x: np.sum(x, axis=0), (M23,)),
    Case("sum-axis-1-keepdims", lambda x: np.sum(x, axis=-1, keepdims=True), (M23,)),
    Case("sum-axes", lambda x: np.sum(x, axis=(0, 2)), (S((2, 3, 2)),)),
    Case("mean", np.mean, (M23,)),
    Case("mean-axis1", lambda x: np.mean(x, axis=1), (M23,)),
    Case("mean-axis0-keepdims", lambda x: np.mean(x, axis=0, keepdims=True), (M23,)),
    Case("prod", np.prod, (M23,)),
    Case("prod-axis1", lambda x: np.prod(x, axis=1), (M23,)),
    Case("prod-axis-2-keepdims", lambda x: np.prod(x, axis=-2, keepdims=True), (M23,)),
    Case("max", np.max, (M23,), ok=lambda x: gap(x)),
    Case("max-axis0", lambda x: np.max(x, axis=0), (M23,), ok=lambda x: gap(x, 0)),
    Case("max-axis1-keepdims", lambda x: np.max(x, axis=1, keepdims=True), (M23,),
         ok=lambda x: gap(x, 1)),
    Case("min", np.min, (M23,), ok=lambda x: gap(x)),
    Case("min-axis-1", lambda x: np.min(x, axis=-1), (M23,), ok=lambda x: gap(x, 1)),
    Case("min-axis0-keepdims", lambda x: np.min(x, axis=0, keepdims=True), (M23,),
         ok=lambda x: gap(x, 0)),
    # -- products
    Case("dot-vec", np.dot, (V3, V3)),
    Case("dot-mat-vec", np.dot, (M23, V3)),
    Case("dot-mat-mat", np.dot, (M23, M32)),
    Case("dot-scalar", np.dot, (S(), V3)),
    Case("matmul", np.matmul, (M23, M32)),
    Case("matmul-vec-mat", np.matmul, (S((2,)), M23)),
    Case("matmul-batched", np.matmul, (S((2, 2, 3)), M32)),
    Case("outer", np.outer, (V3, S((2,)))),
    Case("inner-vec", np.inner, (V3, V3)),
    Case("inner-mat", np.inner, (M23, M23)),
    Case("tensordot-2", lambda a, b: np.tensordot(a, b), (M23, M23)),
    Case("tensordot-1", lambda a, b: np.tensordot(a, b, axes=1), (M23, V3)),
    Case("tensordot-pairs", lambda a, b: np.tensordot(a, b, axes=([0], [1])), (M23, M32)),
    Case("einsum-matmul", lambda a, b: np.einsum("ij,jk->ik", a, b), (M23, M32)),
    Case("einsum-dot", lambda a, b: np.einsum("i,i->", a, b), (V3, V3)),
    Case("einsum-implicit", lambda a, b: np.einsum("ij,jk", a, b), (M23, M32)),
    Case("einsum-batch", lambda a, b: np.einsum("bij,bjk->bik", a, b),
         (S((2, 2, 3)), S((2, 3, 1)))),
    Case("einsum-one-operand", lambda a: np.einsum("ij->j", a) ** 2, (M23,)),
    Case("einsum-sum-inside", lambda a, b: np.einsum("ij,k->ik", a, b), (M23, S((2,)))),
    # -- shape ops (squared, so that second order goes through them)
    Case("reshape", sq(lambda x: np.reshape(x, (3, 2))), (M23,)),
    Case("reshape-minus-one", sq(lambda x: np.reshape(x, (-1,))), (M23,)),
    Case("ravel", sq(np.ravel), (M23,)),
    Case("transpose", sq(np.transpose), (M23,)),
    Case("transpose-axes", sq(lambda x: np.transpose(x, (1, 2, 0))), (S((2, 3, 2)),)),
    Case("T", lambda x: x.T * np.arange(1.0, 3.0) * x.T, (M23,)),
    Case("swapaxes", sq(lambda x: np.swapaxes(x, 0, -1)), (S((2, 1, 3)),)),
    Case("expand_dims", sq(lambda x: np.expand_dims(x, 1)), (V3,)),
    Case("squeeze", sq(np.squeeze), (S((1, 3, 1)),)),
    Case("squeeze-axis", sq(lambda x: np.squeeze(x, axis=0)), (S((1, 3, 1)),)),
    Case("concatenate", lambda x, y: np.concatenate([x, y, x * y]), (V3, V3)),
    Case("concatenate-axis1", lambda x, y: np.concatenate([x, y ** 2], axis=1),
         (M23, S((2, 1)))),
    Case("concatenate-with-constant", lambda x: np.concatenate([x, np.ones(2)]) ** 2, (V3,)),
    Case("stack", lambda x, y: np.stack([x, y * x]), (V3, V3)),
    Case("stack-axis-1", lambda x, y: np.stack([x, y * x], axis=-1), (M23, M23)),
    Case("broadcast_to", sq(lambda x: np.broadcast_to(x, (2, 3))), (V3,)),
    Case("broadcast_to-size1", sq(lambda x: np.broadcast_to(x, (2, 3))), (S((2, 1)),)),
    # -- indexing (read)
    Case("index-int", sq(lambda x: x[1]), (V3,)),
    Case("index-negative", sq(lambda x: x[-1]), (V3,)),
    Case("index-slice", sq(lambda x: x[1:]), (V3,)),
    Case("index-reverse", lambda x: x[::-1] * x, (V3,)),
    Case("index-2d", sq(lambda x: x[0, 1:]), (M23,)),
    Case("index-column", sq(lambda x: x[:, 1]), (M23,)),
    Case("index-newaxis-ellipsis", sq(lambda x: x[None, ..., 1]), (M23,)),
    Case("fancy-repeated", sq(lambda x: x[[0, 2, 0, 0]]), (V3,)),
    Case("fancy-2d-index-array", sq(lambda x: x[np.array([[0, 1], [2, 2]])]), (V3,)),
    Case("fancy-pairs", sq(lambda x: x[[0, 1, 1], [2, 0, 0]]), (M23,)),
    Case("fancy-columns", sq(lambda x: x[:, [2, 0, 2]]), (M23,)),
    Case("bool-mask", sq(lambda x: x[np.array([True, False, True])]), (V3,)),
    # -- linear algebra
    Case("norm", np.linalg.norm, (V3,), ok=lambda x: np.linalg.norm(x) > 0.3),
    Case("norm-fro", np.linalg.norm, (M23,), ok=lambda x: np.linalg.norm(x) > 0.3),
    Case("norm-axis0", lambda x: np.linalg.norm(x, axis=0), (M23,),
         ok=lambda x: np.min(np.linalg.norm(x, axis=0)) > 0.3),
    Case("norm-axis1-keepdims", lambda x: np.linalg.norm(x, axis=1, keepdims=True), (M23,),
         ok=lambda x: np.min(np.linalg.norm(x, axis=1)) > 0.3),
    Case("det", lambda a: np.linalg.det(a + I3), (SMALL_M,)),
    Case("inv", lambda a: np.linalg.inv(a + I3), (SMALL_M,)),
    Case("solve-vec", lambda a, b: np.linalg.solve(a + I3, b), (SMALL_M, V3)),
    Case("solve-mat", lambda a, b: np.linalg.solve(a + I3, b), (SMALL_M, M32)),
    # -- array methods, len() and iteration
    Case("method-sum", lambda x: x.sum() * x, (M23,)),
    Case("method-sum-axis", lambda x: x.sum(axis=0) ** 2, (M23,)),
    Case("method-mean", lambda x: x.mean(axis=1) ** 2 + x.mean(), (M23,)),
    Case("method-dot", lambda x, y: x.dot(y) ** 2, (M23, V3)),
    Case("method-reshape-args", sq(lambda x: x.reshape(3, 2)), (M23,)),
    Case("method-reshape-tuple", sq(lambda x: x.reshape((6,))), (M23,)),
    Case("method-T", sq(lambda x: x.T), (M23,)),
    Case("method-transpose", sq(lambda x: x.transpose()), (M23,)),
    Case("method-transpose-axes", sq(lambda x: x.transpose(1, 0)), (M23,)),
    Case("method-ravel", sq(lambda x: x.ravel()), (M23,)),
    Case("len-and-iteration", lambda x: sum(v * v * len(x) for v in x), (V3,)),
    Case("iterate-rows", lambda x: sum(np.sin(r) * i for i, r in enumerate(x)), (M23,)),
    # -- ad_core.math (scalars)
    Case("math.sin", admath.sin),
    Case("math.cos", admath.cos),
    Case("math.tan", admath.tan, (S((), -1.2, 1.2),)),
    Case("math.asin", admath.asin, (S((), -0.9, 0.9),)),
    Case("math.acos", admath.acos, (S((), -0.9, 0.9),)),
    Case("math.atan", admath.atan),
    Case("math.atan2", admath.atan2, (S(), S((), 0.3, 2.0))),
    Case("math.sinh", admath.sinh),
    Case("math.cosh", admath.cosh),
    Case("math.tanh", admath.tanh),
    Case("math.asinh", admath.asinh),
    Case("math.acosh", admath.acosh, (S((), 1.2, 4.0),)),
    Case("math.atanh", admath.atanh, (S((), -0.8, 0.8),)),
    Case("math.exp", admath.exp),
    Case("math.expm1", admath.expm1),
    Case("math.exp2", admath.exp2),
    Case("math.log", admath.log, (POS,)),
    Case("math.log-base", admath.log, (POS, S((), 1.5, 5.0))),
    Case("math.log1p", admath.log1p, (S((), -0.7, 4.0),)),
    Case("math.log2", admath.log2, (POS,)),
    Case("math.log10", admath.log10, (POS,)),
    Case("math.sqrt", admath.sqrt, (S((), 0.1, 4.0),)),
    Case("math.cbrt", admath.cbrt, (S((), -4.0, 4.0, avoid=(0.0,), margin=0.2),)),
    Case("math.pow", admath.pow, (POS, S((), -2.0, 3.0))),
    Case("math.fabs", admath.fabs, (S(avoid=(0.0,)),)),
    Case("math.hypot", admath.hypot, (S(), S(), S()), ok=lambda *a: pymath.hypot(*a) > 0.3),
    Case("math.dist", lambda x, y: admath.dist((x, 1.0), (0.5, y)), (S(), S()),
         ok=lambda x, y: pymath.hypot(x - 0.5, 1.0 - y) > 0.3),
    Case("math.degrees", admath.degrees),
    Case("math.radians", admath.radians),
    Case("math.copysign", lambda x, y: admath.copysign(x, y), (S(avoid=(0.0,)), S(avoid=(0.0,)))),
    Case("math.fmod", admath.fmod, (S((), -3, 3), S((), 0.5, 2.0)),
         ok=lambda x, y: frac_ok(abs(x / y))),
    Case("math.remainder", admath.remainder, (S((), -3, 3), S((), 0.5, 2.0)),
         ok=lambda x, y: frac_ok(x / y + 0.5)),
    Case("math.fsum", lambda x, y: admath.fsum([x, x * y, 1.0]), (S(), S())),
    Case("math.prod", lambda x, y: admath.prod([x, y, 3.0]), (S(), S())),
    Case("math.erf", admath.erf),
    Case("math.erfc", admath.erfc),
    Case("math.ldexp", lambda x: admath.ldexp(x, 3) * x),
    Case("math.modf", lambda x: admath.modf(x)[0] * x + admath.modf(x)[1],
         (S((), -3, 3),), ok=lambda x: frac_ok(x)),
    Case("math.frexp", lambda x: admath.frexp(x)[0] * x, (S((), 0.1, 5.0),),
         ok=lambda x: frac_ok(pymath.log2(x))),
    Case("math.nextafter", lambda x: admath.nextafter(x, 10.0) * x),
    Case("math.floor", lambda x: admath.floor(x) * x, (S((), -3, 3),), ok=frac_ok),
]


def _ids(cases):
    ids = [c.id for c in cases]
    assert len(set(ids)) == len(ids), "duplicate case ids"
    return ids


def _all(args):
    return tuple(range(len(args)))


def _shapes(args):
    return [np.shape(a) for a in args]


# ---------------------------------------------------------------- first order


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
@settings(max_examples=8, **SETTINGS)
@given(data=st.data())
def test_first_order_forward_and_reverse_match_finite_differences(case, data):
    args = case.draw(data)
    out = np.asarray(case.f(*args), dtype=float)
    J = fd_jacobian(case.f, args)
    shapes = _shapes(args)
    argnums = _all(args)

    Jf = blocks_to_matrix(ad.jacfwd(case.f, argnums)(*args), out.size, shapes)
    assert_close(Jf, J, 1e-5, 1e-6, f"{case.id}: jacfwd")
    Jr = blocks_to_matrix(ad.jacrev(case.f, argnums)(*args), out.size, shapes)
    assert_close(Jr, J, 1e-5, 1e-6, f"{case.id}: jacrev")

    # jvp with every argument perturbed at once; vjp with a random cotangent.
    rng = np.random.default_rng(0)
    tangents = tuple(float(rng.normal()) if s == () else rng.normal(size=s) for s in shapes)
    primal_out, t_out = ad.jvp(case.f, args, tangents)
    t_flat = np.concatenate([np.ravel(t) for t in tangents])
    assert_close(primal_out, out, 1e-12, 1e-12, f"{case.id}: jvp primal")
    assert_close(np.ravel(t_out), J @ t_flat, 1e-5, 1e-6, f"{case.id}: jvp")
    ct = float(rng.normal()) if out.shape == () else rng.normal(size=out.shape)
    _, f_vjp = ad.vjp(case.f, *args)
    cts = f_vjp(ct)
    assert_close(np.concatenate([np.ravel(c) for c in cts]), np.ravel(ct) @ J, 1e-5, 1e-6,
                 f"{case.id}: vjp")


# ---------------------------------------------------------------- second order

SECOND_ORDER = [
    ("hessian", lambda s, n: ad.hessian(s, n)),
    ("jacfwd(jacfwd)", lambda s, n: ad.jacfwd(ad.jacfwd(s, n), n)),
    ("jacrev(jacrev)", lambda s, n: ad.jacrev(ad.jacrev(s, n), n)),
    ("jacrev(jacfwd)", lambda s, n: ad.jacrev(ad.jacfwd(s, n), n)),
]


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
@settings(max_examples=3, **SETTINGS)
@given(data=st.data())
def test_second_order_all_mode_pairs_match_finite_differences(case, data):
    args = case.draw(data)
    out_shape = np.shape(case.f(*args))
    w = np.random.default_rng(1).uniform(0.5, 1.5, size=out_shape)

    def s(*a):
        return np.sum(w * case.f(*a))

    H = fd_hessian(s, args)
    shapes = _shapes(args)
    argnums = _all(args)
    for name, make in SECOND_ORDER:
        Had = nested_to_matrix(make(s, argnums)(*args), shapes)
        assert_close(Had, H, 2e-4, 1e-4, f"{case.id}: {name}")


# ---------------------------------------------------------------- SymPy

# Scalar elementwise primitives of the table: name -> domain of each argument.
ELEMENTWISE = {
    "neg": (S(),), "abs": (S(avoid=(0.0,)),),
    "sin": (S((), -3, 3),), "cos": (S((), -3, 3),), "tan": (S((), -1.2, 1.2),),
    "arcsin": (S((), -0.9, 0.9),), "arccos": (S((), -0.9, 0.9),), "arctan": (S(),),
    "sinh": (S(),), "cosh": (S(),), "tanh": (S(),),
    "arcsinh": (S(),), "arccosh": (S((), 1.2, 4.0),), "arctanh": (S((), -0.8, 0.8),),
    "exp": (S(),), "expm1": (S(),), "exp2": (S(),),
    "log": (POS,), "log1p": (S((), -0.7, 4.0),), "log2": (POS,), "log10": (POS,),
    "sqrt": (S((), 0.1, 4.0),),
    "cbrt": (S((), 0.2, 4.0),),  # SymPy's cbrt is the principal (complex) root for x < 0
    "square": (S(),), "reciprocal": (S((), 0.3, 3.0),), "erf": (S(),), "erfc": (S(),),
    "sinc": (S(avoid=(0.0,)),),  # SymPy's sin(πx)/(πx) is 0/0 at 0 (ad_core's rule is not)
    "add": (S(), S()), "sub": (S(), S()), "mul": (S(), S()), "div": (S(), S((), 0.3, 3.0)),
    "pow": (POS, S((), -2.0, 3.0)),
    "maximum": (S(), S()), "minimum": (S(), S()),
    "arctan2": (S(), S((), 0.3, 2.0)), "hypot": (S(avoid=(0.0,)), S(avoid=(0.0,))),
    "logaddexp": (S(), S()),
    "mod": (S((), -3, 3), S((), 0.5, 2.0)),
    # scipy.special and math.gamma / lgamma (ad_core/primitives/special.py)
    "digamma": (S((), 0.3, 5.0),), "polygamma": (S((), 0.3, 5.0),),
    "gammaln": (S((), 0.3, 5.0),), "gamma": (S((), 0.3, 4.0),), "loggamma": (S((), 0.3, 5.0),),
    "expit": (S(),), "logit": (S((), 0.1, 0.9),), "erfinv": (S((), -0.8, 0.8),),
    "erfcinv": (S((), 0.2, 1.8),), "xlogy": (S(), POS), "xlog1py": (S(), S((), -0.7, 3.0)),
    "betaln": (POS, POS),
    "ndtr": (S(),), "log_ndtr": (S((), -6.0, 3.0),), "ndtri": (S((), 0.05, 0.95),),
    "gammainc": (S((), 0.2, 4.0),), "gammaincc": (S((), 0.2, 4.0),),
}
_SYM_OK = {
    "maximum": lambda x, y: apart(x, y), "minimum": lambda x, y: apart(x, y),
    "mod": lambda x, y: frac_ok(x / y),
}


def test_sympy_table_covers_every_scalar_elementwise_primitive():
    with_sympy = {n for n, p in PRIMITIVES.items() if p.sympy is not None and p.partials}
    assert with_sympy <= set(ELEMENTWISE), sorted(with_sympy - set(ELEMENTWISE))
    assert set(ELEMENTWISE) <= set(PRIMITIVES)


def _sym_eval(expr, syms, vals) -> float:
    return float(sp.N(expr.subs(dict(zip(syms, vals))), 30))


def _no_floor_derivative(e):
    # SymPy cannot differentiate Mod, and leaves d floor(u)/du unevaluated: it is 0
    # wherever it exists (the test keeps away from the jumps).
    return e.replace(lambda t: isinstance(t, sp.Derivative) and t.has(sp.floor),
                     lambda t: sp.S.Zero).doit()


@functools.cache
def _sym_derivatives(name: str, n: int):
    syms = sp.symbols(f"x0:{n}", real=True)
    expr = PRIMITIVES[name].sympy(*syms)
    if expr.has(sp.Mod):
        expr = expr.rewrite(sp.floor)
    first = [_no_floor_derivative(sp.diff(expr, v)) for v in syms]
    second = [[_no_floor_derivative(sp.diff(d, b)) for b in syms] for d in first]
    return syms, first, second


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
@settings(max_examples=6, **SETTINGS)
@given(data=st.data())
def test_first_and_second_derivatives_match_sympy_diff_of_the_table_counterpart(name, data):
    prim = PRIMITIVES[name]
    specs = ELEMENTWISE[name]
    args = tuple(data.draw(a.strategy()) for a in specs)
    if name in _SYM_OK:
        assume(_SYM_OK[name](*args))
    n = len(args)
    argnums = tuple(range(n))
    syms, first, second = _sym_derivatives(name, n)
    grad_sym = [_sym_eval(d, syms, args) for d in first]
    hess_sym = [[_sym_eval(d, syms, args) for d in row] for row in second]

    g_rev = ad.grad(prim, argnums)(*args)
    assert_close(g_rev, grad_sym, 1e-9, 1e-12, f"{name}: grad vs sympy")
    g_fwd = ad.jacfwd(prim, argnums)(*args)
    assert_close(g_fwd, grad_sym, 1e-9, 1e-12, f"{name}: jacfwd vs sympy")
    for k in range(n):
        tangents = tuple(1.0 if j == k else 0.0 for j in range(n))
        _, t = ad.jvp(prim, args, tangents)
        assert_close(t, grad_sym[k], 1e-9, 1e-12, f"{name}: jvp d/dx{k} vs sympy")
        assert isinstance(t, float)

    for label, H in [("hessian", ad.hessian(prim, argnums)(*args)),
                     ("grad(grad)", tuple(ad.jacrev(ad.grad(prim, argnums), argnums)(*args))),
                     ("jacfwd(jacfwd)", ad.jacfwd(ad.jacfwd(prim, argnums), argnums)(*args))]:
        assert_close(np.array(H, dtype=float).reshape(n, n), hess_sym, 1e-8, 1e-10,
                     f"{name}: {label} vs sympy")
    if n == 1:
        d2 = ad.derivative(ad.derivative(prim))(args[0])
        assert_close(d2, hess_sym[0][0], 1e-8, 1e-10, f"{name}: derivative(derivative)")
        g2 = ad.grad(ad.grad(prim))(args[0])
        assert_close(g2, hess_sym[0][0], 1e-8, 1e-10, f"{name}: grad(grad)")

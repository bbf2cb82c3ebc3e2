"""The primitive table: every differentiable operation, declared once.

A :class:`Primitive` holds everything the four front ends need:

- ``impl``: evaluation on plain values (NumPy), and ``scalar``: a fast path
  for Python floats (usually from :mod:`math`);
- ``jvp``: one rule per argument, ``rule(t, ans, *args, **params)``, giving
  that argument's contribution to the output tangent (forward mode);
- ``vjp``: one rule per argument, ``rule(g, ans, *args, **params)``, giving the
  cotangent of that argument (reverse mode);
- ``sympy``: the SymPy counterpart (symbolic path), or None;
- ``flops``: cost per output element (an int) or ``f(ans, *args, **params)``
  (cost model).

Elementwise primitives declare *partial derivatives* instead
(``partials[i](ans, *args)`` = ∂out/∂arg_i); their JVP (``t * d``) and VJP
(``unbroadcast(g * d)``) both follow from them, so the two modes cannot drift.

Every rule is written with primitives (calling a :class:`Primitive` binds it),
so rules are differentiable themselves and higher orders come free.
``None`` marks an argument that has no derivative (a mask, a shape).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._core import Tracer, raw, shape_of

PRIMITIVES: dict[str, Primitive] = {}

ARITH_ERRORS = _ARITH_ERRORS = (ZeroDivisionError, OverflowError, ValueError)


class Primitive:
    __slots__ = ("name", "impl", "scalar", "partials", "jvp", "vjp", "sympy", "flops", "doc",
                 "nondiff", "accumulate", "kink")

    def __init__(
        self,
        name: str,
        impl: Callable,
        *,
        scalar: Callable | None = None,
        partials: Sequence[Callable | None] | None = None,
        jvp: Sequence[Callable | None] | None = None,
        vjp: Sequence[Callable | None] | None = None,
        sympy: Callable | None = None,
        flops: int | Callable = 1,
        accumulate: Sequence[Callable | None] | None = None,
        kink: tuple[Callable, str] | None = None,
        doc: str = "",
    ) -> None:
        self.name = name
        self.impl = impl
        self.scalar = scalar
        self.partials = tuple(partials) if partials is not None else None
        if self.partials is not None:
            jvp = tuple(_ew_jvp(d) if d is not None else None for d in self.partials)
            vjp = tuple(_ew_vjp(d, i) if d is not None else None
                        for i, d in enumerate(self.partials))
        self.jvp = _rules(jvp)
        self.vjp = _rules(vjp)
        self.nondiff = frozenset(i for i, r in enumerate(self.vjp) if r is None) \
            if isinstance(self.vjp, tuple) else frozenset()
        # Optional in-place form of a VJP rule, ``acc(buf, g, ans, *args, **params)`` adds
        # the cotangent into ``buf``; reverse mode uses it for plain (first-order) arrays.
        self.accumulate = tuple(accumulate) if accumulate is not None else None
        # (predicate on plain values, convention): where the primitive has no derivative
        # (abs at 0, a tie in max...) and what AD returns there. Read by ad.trace, so the
        # editor can point at the line; the gradient's hot path never evaluates it.
        self.kink = kink
        self.sympy = sympy
        self.flops = flops
        self.doc = doc

    def __call__(self, *args, **params):
        # _core.top_tracer, inlined: this is the hot path of every traced operation.
        top = None
        level = 0
        for a in args:
            if isinstance(a, Tracer):
                lv = a._trace.level
                if lv > level:
                    top, level = a, lv
        if top is not None:
            return top._trace.process(self, args, params)
        scalar = self.scalar
        if scalar is not None and not params:
            for a in args:
                t = type(a)
                if t is not float and t is not int:
                    break
            else:
                try:
                    return scalar(*args)
                except _ARITH_ERRORS:
                    # math raises where IEEE gives inf/nan: fall back to NumPy's answer.
                    with np.errstate(all="ignore"):
                        return float(self.impl(*args))
        return self.impl(*args, **params)

    def kink_at(self, ans, *args, **params) -> str | None:
        """The convention note if this application hit a non-differentiable point."""
        if self.kink is None:
            return None
        test, note = self.kink
        try:
            return note if bool(np.any(test(ans, *args, **params))) else None
        except Exception:  # shapes the predicate cannot read: say nothing
            return None

    def cost(self, ans, *args, **params) -> int:
        f = self.flops
        if callable(f):
            return int(f(ans, *args, **params))
        return int(f) * int(getattr(ans, "size", 1))

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


class ByIndex:
    """Rules of a variadic primitive (``concatenate``): ``rules[i]`` is
    ``rule(x, ans, *args, i=i, **params)``."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable) -> None:
        self.fn = fn

    def __getitem__(self, i: int) -> Callable:
        fn = self.fn
        return lambda x, ans, *args, **params: fn(x, ans, *args, i=i, **params)

    def __len__(self) -> int:
        return 1 << 30


def _rules(rules):
    if rules is None:
        return ()
    if isinstance(rules, ByIndex):
        return rules
    return tuple(rules)


def defprim(name: str, impl: Callable, **kw: Any) -> Primitive:
    """Declare a primitive (one entry of the table) and return it."""
    if name in PRIMITIVES:
        raise ValueError(f"primitive {name!r} declared twice")
    p = Primitive(name, impl, **kw)
    PRIMITIVES[name] = p
    return p


# --------------------------------------------------------------------------
# Elementwise rules from partial derivatives
# --------------------------------------------------------------------------

def _ew_jvp(d: Callable) -> Callable:
    def jvp(t, ans, *args, **params):
        return tangent_term(t, d(ans, *args, **params))
    return jvp


def _ew_vjp(d: Callable, i: int) -> Callable:
    def vjp(g, ans, *args, **params):
        return cotangent_term(g, d(ans, *args, **params), args[i])
    return vjp


def tangent_term(t, d):
    """t · d, skipping the multiply for the constant partials ±1; 0 · inf counts as 0."""
    if type(d) is float:
        if d == 1.0:
            return t
        if d == -1.0:
            return -t
    return mask_zero_cotangent(t, t * d)


def cotangent_term(g, d, x, mask: bool = True):
    """g · d summed down to the shape of ``x``; 0 · inf counts as 0 (for plain arrays
    only when ``mask``: reverse mode masks in a second pass, if NaN reached an input)."""
    if type(d) is float:
        if type(g) is float and type(x) is float:
            c = g * d
            if c != c and g == 0.0:
                return 0.0
            return c
        if d == 1.0:
            return unbroadcast(g, x)
        if d == -1.0:
            return unbroadcast(-g, x)
    c = g * d
    if mask or type(c) is not np.ndarray:
        c = mask_zero_cotangent(g, c)
    return unbroadcast(c, x)


def mask_zero_cotangent(g, c):
    """Where the incoming (co)tangent is exactly zero the product is zero, even when the
    local derivative is inf or nan. This is what keeps ``np.where`` from leaking NaN out
    of the branch it did not take (sqrt'(0) = inf, exp overflow, 0 · log 0...), in both
    modes and at every order."""
    t = type(c)
    if t is np.ndarray:
        # One reduction, no allocation: a NaN anywhere makes the sum NaN.
        if c.dtype.kind == "f" and c.size:
            s = _add_reduce(c, axis=None)
            if s != s:
                bad = np.isnan(c) & (np.asarray(g) == 0)
                if bad.any():
                    c = np.where(bad, 0.0, c)
    elif t is float or t is np.float64:
        if c != c and g == 0:
            return 0.0
    elif isinstance(c, Tracer):
        # Higher order: judge by the plain values and zero every level at once.
        rc = raw(c)
        if np.any(np.isnan(rc)):
            bad = np.isnan(rc) & (np.asarray(raw(g)) == 0)
            if np.any(bad):
                if np.ndim(rc) == 0:
                    return 0.0
                c = _ops().where(bad, 0.0, c)
    return c


_add_reduce = np.add.reduce


def unbroadcast(c, like):
    """Sum ``c`` down to the shape of ``like`` (undo NumPy broadcasting)."""
    if type(c) is float and type(like) is float:
        return c
    target = shape_of(like)
    cs = shape_of(c)
    if cs == target:
        return c
    ops = _ops()
    extra = len(cs) - len(target)
    if extra > 0:
        c = ops.sum_(c, axis=tuple(range(extra)), keepdims=False)
    axes = tuple(i for i, n in enumerate(target) if n == 1 and shape_of(c)[i] != 1)
    if axes:
        c = ops.sum_(c, axis=axes, keepdims=True)
    if shape_of(c) != target:
        # e.g. a cotangent of shape () for an input of shape (1,)
        if math.prod(shape_of(c)) == math.prod(target):
            c = ops.reshape(c, shape=target)
        else:
            c = ops.broadcast_to(c, shape=target)
    return c


_OPS = None


def _ops():
    global _OPS
    if _OPS is None:
        from . import ops  # the table's entries, which import this module

        _OPS = ops
    return _OPS

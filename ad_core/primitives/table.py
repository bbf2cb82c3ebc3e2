"""The primitive table: every differentiable operation, declared once.

A :class:`Primitive` holds everything the four front ends need:

- ``impl``: evaluation on plain values (NumPy), and ``scalar``: a fast path
  for Python floats (usually from :mod:`math`);
- ``partials`` (elementwise primitives): ``partials[i](ans, *args)`` =
  ∂out/∂arg_i. Forward mode multiplies a tangent by it (``t · d``), reverse
  mode a cotangent (``unbroadcast(g · d)``, see ``chain.py``): both modes read
  the same partials, so they cannot drift;
- ``jvp`` (other primitives): one rule per argument, ``rule(t, ans, *args,
  **params)``, that argument's contribution to the output tangent;
- ``vjp``: one rule per argument, ``rule(g, ans, *args, **params)``, the
  cotangent of that argument;
- ``sympy``: the SymPy counterpart (symbolic path), or None;
- ``flops``: cost per output element (an int) or ``f(ans, *args, **params)``
  (cost model).

Every rule is written with primitives (calling a :class:`Primitive` binds it),
so rules are differentiable themselves and higher orders come free.
``None`` marks an argument that has no derivative (a mask, a shape).

This module only declares and stores: it imports no primitive. The entries
are in ``ops.py`` and its sibling modules; ``batching.py`` says how each
non-elementwise entry takes a batch of tangents.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._core import Tracer

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
        if partials is not None and (jvp is not None or vjp is not None):
            raise ValueError(f"primitive {name!r}: give partials or jvp/vjp rules, not both")
        self.name = name
        self.impl = impl
        self.scalar = scalar
        self.partials = tuple(partials) if partials is not None else None
        self.jvp = _rules(jvp)
        self.vjp = _rules(vjp)
        # Arguments with no derivative (a condition, an index): reverse mode refuses to
        # record a traced value there rather than drop its derivative.
        rules = self.partials if self.partials is not None else self.vjp
        self.nondiff = frozenset(i for i, r in enumerate(rules) if r is None) \
            if isinstance(rules, tuple) else frozenset()
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

"""The interpreter stack, in a dozen lines (after JAX's Autodidax).

Every transform call (``grad``, ``jvp``, ...) creates a *trace* with a fresh,
strictly increasing ``level``. The values it follows are *tracers* that point
at their trace. Applying a primitive (calling it) finds the argument whose
trace has the highest level and lets that trace process the call: it unwraps
*its own* tracers to their primals, re-applies the primitive on those primals
(which may still be tracers of outer, lower-level transforms) and wraps the
result with its derivative information. Tracers of other traces are
constants to it. That is why nested transforms never confuse their
perturbations: a trace only ever differentiates with respect to its own
inputs, whatever else flows through the computation.

With no tracer among the arguments, the primitive is just evaluated.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

_levels = itertools.count(1)


def new_level() -> int:
    """A level higher than every trace created before: inner transforms win."""
    return next(_levels)


class Trace:
    """Base of forward and reverse traces."""

    __slots__ = ("level", "__weakref__")

    def __init__(self) -> None:
        self.level = new_level()

    def process(self, prim, args, params):  # pragma: no cover - abstract
        raise NotImplementedError

    def process_custom_jvp(self, fn, args):  # pragma: no cover - abstract
        raise NotImplementedError

    def process_custom_vjp(self, fn, args):  # pragma: no cover - abstract
        raise NotImplementedError


def top_tracer(args) -> Any:
    """The tracer of the innermost (highest-level) trace among ``args``, or None."""
    top = None
    level = 0
    for a in args:
        if isinstance(a, Tracer):
            lv = a._trace.level
            if lv > level:
                top, level = a, lv
    return top


def raw(x):
    """The plain value under any number of tracer levels."""
    while isinstance(x, Tracer):
        x = x.primal
    return x


def shape_of(x) -> tuple:
    t = type(x)
    if t is float or t is int:
        return ()
    if t is np.ndarray:
        return x.shape
    if isinstance(x, Tracer):
        return shape_of(raw(x))
    return np.shape(x)


class Tracer:
    """A value followed by a trace. Operators, NumPy protocols and array
    methods all route through the primitive table (see ``_dispatch``)."""

    __slots__ = ()
    __array_priority__ = 1000

    # -- what a value is (read from the innermost primal) -------------------
    @property
    def shape(self) -> tuple:
        return shape_of(self)

    @property
    def ndim(self) -> int:
        return len(shape_of(self))

    @property
    def size(self) -> int:
        return int(np.prod(shape_of(self), dtype=np.int64))

    @property
    def dtype(self):
        return np.result_type(raw(self))

    @property
    def value(self):
        """The plain value (all levels unwrapped)."""
        return raw(self)

    def __len__(self) -> int:
        s = shape_of(self)
        if not s:
            raise TypeError("len() of a traced scalar")
        return s[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    # -- comparisons act on primal values (define-by-run control flow) -----
    def __lt__(self, other):
        return raw(self) < raw(other)

    def __le__(self, other):
        return raw(self) <= raw(other)

    def __gt__(self, other):
        return raw(self) > raw(other)

    def __ge__(self, other):
        return raw(self) >= raw(other)

    def __eq__(self, other):
        return raw(self) == raw(other)

    def __ne__(self, other):
        return raw(self) != raw(other)

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        return bool(raw(self))

    def __int__(self) -> int:
        # Integer conversion has derivative zero almost everywhere: allowed.
        return int(raw(self))

    def __float__(self):
        raise TypeError(
            "float() of a traced value would drop its derivative. If this came from the "
            "built-in `math` module, use `numpy` (np.sin) or `ad_core.math` instead; if you "
            "assigned into a NumPy array (a[i] = x), build the array with np.stack / "
            "np.concatenate / np.where instead; to read the number itself use `x.value`."
        )

    def __complex__(self):
        raise TypeError("complex() of a traced value would drop its derivative; keep it traced "
                        "(x + 0j), or use `x.value` to read the number")

    def item(self):
        raise TypeError(
            ".item() of a traced value would drop its derivative; keep it as an array "
            "(x[()] or x.reshape(())), or use `x.value` to read the number"
        )

    def __setitem__(self, key, value):
        raise TypeError(
            "in-place assignment into a traced array (x[i] = v) is not supported: build a new "
            "array instead, e.g. np.where(mask, v, x), np.concatenate([x[:i], [v], x[i+1:]]) "
            "or np.stack([...])"
        )

    def __array__(self, dtype=None, copy=None):
        from ._dispatch_special import foreign_caller_message  # the error path only

        raise TypeError(foreign_caller_message() or (
            "a traced value cannot become a plain NumPy array (np.array/np.asarray of traced "
            "values drops their derivatives): use np.stack([...]) or np.concatenate to build "
            "arrays from traced values"))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({raw(self)!r})"

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
import os
import sys
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


_HERE = os.path.dirname(os.path.abspath(__file__))
_NUMPY = os.path.dirname(os.path.abspath(np.__file__))


def user_site() -> str:
    """Where the user's code is: "line N of FILE" for the innermost frame outside
    ad_core and NumPy (what an error about an in-place write or a conversion names)."""
    f = sys._getframe(1)
    while f is not None:
        path = os.path.abspath(f.f_code.co_filename)
        if not (path.startswith(_HERE) or path.startswith(_NUMPY)):
            return f"line {f.f_lineno} of {f.f_code.co_filename}"
        f = f.f_back
    return "an unknown line"


def in_place_level_error(target, new) -> TypeError:
    """An in-place write whose new value belongs to another trace than the array written."""
    if isinstance(new, Tracer) and new._trace.level > target._trace.level:
        why = ("the value written is traced by an inner transform (a derivative taken inside "
               "the one that traced the array): the array cannot hold it")
    else:
        why = "the new value does not belong to the array's trace"
    return TypeError(f"in-place write into a traced array at {user_site()}: {why}; build a "
                     "new array instead (y = np.where(mask, v, x), np.concatenate, np.stack)")


class Tracer:
    """A value followed by a trace. Operators, NumPy protocols and array
    methods all route through the primitive table (see ``_dispatch``).

    A tracer is a handle on a value: an in-place write (``x[i] = v``, ``x += v``,
    ``out=x``) points the handle at a new value of the same trace (``become``), so
    every name bound to this object sees the write, as with a NumPy array. Tracers
    made by a view operation (a slice, ``reshape``, ``.T``...) record their base in
    ``_view``, and the base is weakly linked to them: a write into one is carried to
    the others, as NumPy's shared memory would (``ad_core/_numpy/inplace.py``). The
    slot stays unset on the hot path.
    """

    __slots__ = ("_view", "__weakref__")
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
            f"float() of a traced value, at {user_site()}, would drop its derivative. If this "
            "came from the built-in `math` module, use `numpy` (np.sin) or `ad_core.math` "
            "instead. If you assigned into a plain NumPy array (a[i] = x), NumPy stores a "
            "float there: start from a traced array instead (a = np.zeros_like(x) of a "
            "traced x is one; then a[i] = v is an in-place write ad_core follows), or build "
            "the array with np.stack / np.concatenate / np.where. To read the number itself "
            "use `x.value`."
        )

    def __complex__(self):
        raise TypeError("complex() of a traced value would drop its derivative; keep it traced "
                        "(x + 0j), or use `x.value` to read the number")

    def item(self):
        raise TypeError(
            ".item() of a traced value would drop its derivative; keep it as an array "
            "(x[()] or x.reshape(())), or use `x.value` to read the number"
        )

    def become(self, new) -> None:  # pragma: no cover - each trace's tracer defines it
        """Point this handle at ``new`` (a value of the same trace): an in-place write."""
        raise NotImplementedError

    def __array__(self, dtype=None, copy=None):
        from ._numpy.scipy_special import foreign_caller_message  # the error path only

        raise TypeError(foreign_caller_message() or (
            f"a traced value cannot become a plain NumPy array, at {user_site()}: "
            "np.array / np.asarray (and a plain array's methods such as .dot) take no "
            "derivatives, and NumPy gives ad_core no way to step in there. Build arrays from "
            "traced values with np.stack([...]) / np.concatenate, call np.dot(a, x) rather "
            "than a.dot(x), and leave np.asarray out on traced inputs"))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({raw(self)!r})"

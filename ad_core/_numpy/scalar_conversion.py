"""``float(x)`` and ``x.item()`` of a traced value, as AD Lens's kernel rewrites them.

Real objective functions end in ``return float(np.sum(...))`` (an optimizer wants a
Python number back) or read ``loss.item()``. On a real number both are the identity, so
the honest traced result is the value itself, as a 0-d traced value. The library cannot
return that: Python requires ``__float__`` to return a float, so ``ad_core`` refuses
``float(traced)`` with a TypeError that says what to write instead (SPEC §1). The kernel
can: it compiles the user's code with every ``float(e)`` written
``__adlens_float__(float, e)`` and every ``e.item()`` written ``__adlens_item__(e)``
(``lsp_server/kernel/rewrite.py``), and these two functions are those builtins. The
name ``float`` itself is passed, as the user's scope resolves it, so a file that binds
its own ``float`` keeps it. Only a real traced value of one element takes the traced
path; everything else (strings, plain numbers, arrays, objects with ``__float__``, a
complex or many-element traced value, which then fails as before) goes to the call the
user wrote. ``int()`` is left alone: it truncates, and its derivative is zero where
it has one (``Tracer.__int__`` already allows it).
"""

from __future__ import annotations

import builtins
import math

from .._core import Tracer, shape_of
from ..primitives import ops
from ..primitives.complex import is_complex

_FLOAT = builtins.float  # the built-in, whatever a user's module binds to ``float``


def _one_real_element(v) -> bool:
    return isinstance(v, Tracer) and math.prod(shape_of(v)) == 1 and not is_complex(v)


def float_keeping_derivative(convert, v):
    """``convert(v)``, where the user wrote ``float(v)`` and ``convert`` is what their
    scope calls ``float``: the built-in on a real traced value of one element gives that
    value as a new 0-d traced value (a new one: a later in-place write into ``v`` must not
    reach it, as it would not reach a float); any other call is the user's own."""
    if convert is _FLOAT and _one_real_element(v):
        return ops.reshape(v, shape=())
    return convert(v)


def item_keeping_derivative(v):
    """``v.item()``: a real traced value of one element gives it as a new 0-d traced
    value (what ``float_keeping_derivative`` gives); anything else calls its own
    ``item``."""
    if _one_real_element(v):
        return ops.reshape(v, shape=())
    return v.item()

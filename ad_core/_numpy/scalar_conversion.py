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
its own ``float`` keeps it. Only a real traced value takes the traced path, and only
where the same call on its plain value succeeds (that call is made first, so a traced
value converts exactly when NumPy converts the array it stands for: NumPy 2.4 converts
a 0-d array with ``float()`` and any one-element array with ``.item()``, and raises its
own TypeError otherwise). Everything else (strings, plain numbers, arrays, objects with
``__float__``, a complex traced value, which the library then refuses as before) goes to
the call the user wrote. ``int()`` is left alone: it truncates, and its derivative is
zero where it has one (``Tracer.__int__`` already allows it).
"""

from __future__ import annotations

import builtins

import numpy as np

from .._core import Tracer, raw
from ..primitives import ops
from ..primitives.complex import is_complex

_FLOAT = builtins.float  # the built-in, whatever a user's module binds to ``float``


def _real_tracer(v) -> bool:
    return isinstance(v, Tracer) and not is_complex(v)


def float_keeping_derivative(convert, v):
    """``convert(v)``, where the user wrote ``float(v)`` and ``convert`` is what their
    scope calls ``float``: the built-in on a real traced value that NumPy would convert
    gives that value as a new 0-d traced value (a new one: a later in-place write into
    ``v`` must not reach it, as it would not reach a float); any other call is the
    user's own."""
    if convert is _FLOAT and _real_tracer(v):
        _FLOAT(raw(v))  # NumPy's own verdict (and error) on the plain value
        return ops.reshape(v, shape=())
    return convert(v)


def item_keeping_derivative(v):
    """``v.item()``: a real traced value that NumPy would convert gives it as a new 0-d
    traced value (what ``float_keeping_derivative`` gives); anything else calls its own
    ``item``."""
    if _real_tracer(v):
        np.asarray(raw(v)).item()  # NumPy's own verdict (and error) on the plain value
        return ops.reshape(v, shape=())
    return v.item()

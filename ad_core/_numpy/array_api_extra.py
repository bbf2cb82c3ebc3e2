"""array-api-extra's ``at(x)[idx].set(y)`` (and ``.add``, ``.multiply``...) on traced
values, for the kernel.

SciPy's own functions update arrays the array API's way: ``d = xpx.at(d)[0].set(y)``
(``scipy.optimize.rosen_hess`` builds its Hessian so; ``xpx`` is SciPy's vendored
``scipy._lib.array_api_extra``, or the ``array_api_extra`` package). On a NumPy array
``at`` writes ``d[0] = y`` in place and returns ``d``, so a traced ``y`` meets NumPy's
own ``__setitem__`` on a plain ``xp.zeros(n)``, which takes no derivative ("setting an
array element with a sequence"), and no NumPy protocol lets ad_core step in.

``at_updates()`` swaps ``at._op`` for the span of a ``with`` block: for a plain float
(or complex) NumPy array and a traced value, or for a traced array (which
array-api-extra, not knowing it, calls read-only and refuses), it returns the updated
array as a new traced one (``set_at``: the write ad_core follows, exact in both modes
and at every order).
That is ``at``'s own contract with ``copy=None`` (the default): "the array may be
modified in place", the caller uses the returned array, and the input must not be used
again. ``copy=False`` (must be written in place) writes into a traced array in place
and leaves a plain one to array-api-extra, which refuses a traced value; every other
case goes to array-api-extra, unchanged. Like ``array_constructors()``, the swap is for
a process that runs one user function at a time (the kernel), never for library code;
it never imports either module, it patches only what the program loaded.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

import numpy as np

from .._core import Tracer
from ..primitives.complex import is_complex
from ._common import has_tracer
from .inplace import set_at

# where `at` lives: SciPy's vendored copy and the package itself
MODULES = ("scipy._lib.array_api_extra._lib._at", "array_api_extra._lib._at")


def _traced_op(original: Callable, undef: type) -> Callable:
    def _op(self, at_op, in_place_op, out_of_place_op, y, /, copy=None, xp=None):
        x, idx = self._x, self._idx
        if isinstance(idx, undef):
            pass
        elif isinstance(x, Tracer):
            # array-api-extra takes a traced array for a read-only one (it is no NumPy
            # array) and refuses it; ad_core writes into it as NumPy would
            new = y if in_place_op is None else out_of_place_op(x[idx], y)
            if copy is False:  # must be written in place: ad_core follows that too
                x[idx] = new
                return x
            return set_at(x, idx, new)
        elif (copy is not False and type(x) is np.ndarray and has_tracer(y)
              and (x.dtype == np.complex128 or x.dtype == np.float64 and not is_complex(y))):
            new = y if in_place_op is None else out_of_place_op(x[idx], y)
            return set_at(x, idx, new)
        return original(self, at_op, in_place_op, out_of_place_op, y, copy=copy, xp=xp)

    _op.__wrapped__ = original  # type: ignore[attr-defined]
    return _op


@contextlib.contextmanager
def at_updates() -> Iterator[None]:
    """Inside the block, array-api-extra's ``at(x)[idx].set(y)`` & co. of a plain NumPy
    array and a traced ``y`` return a traced array (see the module docstring)."""
    patched: list[tuple[type, Callable]] = []
    try:
        for name in MODULES:
            mod = sys.modules.get(name)
            at = getattr(mod, "at", None)
            undef = getattr(mod, "Undef", None)
            if not isinstance(at, type) or not isinstance(undef, type) \
                    or "_op" not in vars(at) or hasattr(vars(at)["_op"], "__wrapped__"):
                continue  # not loaded, not the `at` this was written for, or swapped already
            original = vars(at)["_op"]
            at._op = _traced_op(original, undef)
            patched.append((at, original))
        yield
    finally:
        for at, original in patched:
            at._op = original

"""Complex values on traced values: ``np.real``, ``np.imag``, ``np.angle``, ``np.conj``,
complex ``np.sign``, and ``x.real`` / ``x.imag`` / ``x.conj()`` (installed on ``Tracer`` by
``_dispatch``); ``abs`` reaches ``cabs`` through ``primitives/complex.py``.

On real values each behaves as NumPy's does on real arrays: ``x.real`` is a view of
``x``, ``x.imag`` a constant zero, ``np.conj(x)`` a new array equal to ``x``, ``np.sign``
piecewise constant. The convention for complex values (autograd's) is in
``primitives/complex.py`` and docs/ad_core.md.
"""

from __future__ import annotations

import math

import numpy as np

from .._core import raw
from ..primitives import ops
from ..primitives.complex import conj, imag, is_complex, real
from . import shapes


def np_real(val):
    return real(val) if is_complex(val) else shapes.np_real(val)


def np_imag(val):
    return imag(val) if is_complex(val) else shapes.np_imag(val)


def np_conj(x):
    return conj(x) if is_complex(x) else shapes.np_copy(x)


def np_angle(z, deg=False):
    a = ops.arctan2(np_imag(z), np_real(z))
    return ops.mul(a, 180.0 / math.pi) if deg else a


def np_sign(x):
    if not is_complex(x):
        return np.sign(raw(x))  # piecewise constant: derivative zero
    return ops._safe_ratio(x, ops.absolute(x))  # z / |z|, 0 at 0 (as NumPy)


def refuse_complex(fname: str, *args) -> None:
    """For handlers whose code is right for real numbers only (``var``: NumPy takes |x|²)."""
    if any(is_complex(a) for a in args):
        raise NotImplementedError(f"{fname} of complex values has no derivative rule in "
                                  "ad_core")


FUNCTIONS = {np.real: np_real, np.imag: np_imag, np.angle: np_angle}

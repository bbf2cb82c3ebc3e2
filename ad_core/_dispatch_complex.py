"""Complex values on traced values: ``np.real``, ``np.imag``, ``np.conj``, ``np.angle``,
``x.real`` / ``x.imag`` / ``x.conj()``, ``abs`` (through ``cabs``), and guards on NumPy
functions whose code is only right for real numbers (``var``, ``std``, ``vdot``).

The convention (autograd's) is in ``primitives/complex.py`` and docs/ad_core.md.
"""

from __future__ import annotations

import math

import numpy as np

from ._core import Tracer, raw
from .primitives import ops
from .primitives.complex import conj, imag, is_complex, real


def np_real(val):
    return real(val) if is_complex(val) else val


def np_imag(val):
    if is_complex(val):
        return imag(val)
    r = raw(val)
    return 0.0 if np.ndim(r) == 0 else np.zeros(np.shape(r))  # a constant: derivative zero


def np_conj(x):
    return conj(x) if is_complex(x) else x


def np_angle(z, deg=False):
    a = ops.arctan2(np_imag(z), np_real(z))
    return ops.mul(a, 180.0 / math.pi) if deg else a


def np_sign(x):
    if not is_complex(x):
        return np.sign(raw(x))  # piecewise constant: derivative zero
    return ops._safe_ratio(x, ops.absolute(x))  # z / |z|, 0 at 0 (as NumPy)


def _real_only(name: str, fn):
    def run(*args, **kwargs):
        if any(is_complex(a) for a in args):
            raise NotImplementedError(f"numpy.{name} of complex values has no derivative "
                                      "rule in ad_core")
        return fn(*args, **kwargs)
    return run


def _vdot(fn):
    def run(a, b):
        return fn(np_conj(a), b)  # NumPy's vdot conjugates its first argument
    return run


def _astype(old):
    def astype(self, dtype, *a, **kw):
        kind = np.dtype(dtype).kind
        if kind == "c":
            return self if is_complex(self) else ops.add(self, 0j)
        if is_complex(self):
            raise TypeError(f"astype({np.dtype(dtype).name}) of a complex traced value drops "
                            "its imaginary part; write x.real (or np.abs(x)) instead")
        return old(self, dtype, *a, **kw)
    return astype


def register(functions: dict, composite_ufuncs: dict) -> None:
    functions.update({
        np.real: np_real, np.imag: np_imag, np.angle: np_angle,
        np.iscomplexobj: lambda x: is_complex(x), np.isrealobj: lambda x: not is_complex(x),
        np.iscomplex: lambda x: np.iscomplex(raw(x)), np.isreal: lambda x: np.isreal(raw(x)),
    })
    for f in (np.var, np.std):
        functions[f] = _real_only(f.__name__, functions[f])
    functions[np.vdot] = _vdot(functions[np.vdot])
    composite_ufuncs[np.conjugate] = np_conj
    composite_ufuncs[np.sign] = np_sign
    Tracer.real = property(np_real)
    Tracer.imag = property(np_imag)
    Tracer.conj = Tracer.conjugate = np_conj
    Tracer.astype = _astype(Tracer.astype)

"""``numpy.fft`` on traced values, built as NumPy builds it: every n-dimensional transform
is the 1-D primitives of ``primitives/fft.py`` applied one axis at a time in NumPy's order,
``hfft``/``ihfft`` are ``irfft``/``rfft`` of the conjugate with the norm swapped, and the
shifts are index permutations. So the values are NumPy's, and the derivatives follow."""

from __future__ import annotations

import numpy as np

from .._core import shape_of
from ..primitives import fft as F
from ..primitives import ops
from ..primitives.complex import conj, is_complex
from ._common import refuse
from .inplace import store

_SWAP = {None: "forward", "backward": "forward", "ortho": "ortho", "forward": "backward"}


def _ignored_out(name: str, out) -> None:
    """NumPy's hfft, ifft2 and irfft2 accept ``out=`` and leave it untouched (they return a
    new array): ad_core cannot both write it and match NumPy, so it refuses by name."""
    if out is not None:
        raise refuse(f"numpy.fft.{name}", "out", "...", "NumPy ignores it (the result is a "
                     "new array and out is left untouched); use the returned value")


def _check(norm) -> None:
    if norm not in _SWAP:
        raise ValueError(f'Invalid norm value {norm}; should be "backward", "ortho" or '
                         '"forward".')


def _axis(a, axis) -> int:
    nd = len(shape_of(a))
    axis = int(axis)
    if not -nd <= axis < nd:
        raise np.exceptions.AxisError(axis, nd)
    return axis % nd - nd  # negative: see primitives/fft.py


def _n(a, n, axis: int, inverse_real: bool = False) -> int:
    if n is None:
        return (shape_of(a)[axis] - 1) * 2 if inverse_real else shape_of(a)[axis]
    n = int(n)
    if n < 1:
        raise ValueError(f"Invalid number of FFT data points ({n}) specified.")
    return n


def _one(prim, name: str, inverse_real: bool = False):
    def transform(a, n=None, axis=-1, norm=None, out=None):
        _check(norm)
        ax = _axis(a, axis)
        return store(f"numpy.fft.{name}", out,
                     prim(a, n=_n(a, n, ax, inverse_real), axis=ax, norm=norm))
    transform.__name__ = name
    return transform


np_fft = _one(F.fft, "fft")
np_ifft = _one(F.ifft, "ifft")
np_irfft = _one(F.irfft, "irfft", inverse_real=True)


def np_rfft(a, n=None, axis=-1, norm=None, out=None):
    if is_complex(a):
        raise TypeError("numpy.fft.rfft of complex input: use numpy.fft.fft")
    _check(norm)
    ax = _axis(a, axis)
    return store("numpy.fft.rfft", out, F.rfft(a, n=_n(a, n, ax), axis=ax, norm=norm))


def np_hfft(a, n=None, axis=-1, norm=None, out=None):
    _ignored_out("hfft", out)
    _check(norm)
    ax = _axis(a, axis)
    a = conj(a) if is_complex(a) else a
    return store("numpy.fft.hfft", out,
                 F.irfft(a, n=_n(a, n, ax, inverse_real=True), axis=ax, norm=_SWAP[norm]))


def np_ihfft(a, n=None, axis=-1, norm=None, out=None):
    _check(norm)
    ax = _axis(a, axis)
    return store("numpy.fft.ihfft", out,
                 conj(np_rfft(a, n=_n(a, n, ax), axis=ax, norm=_SWAP[norm])))


def _cook(a, s, axes, invreal: bool = False):
    """NumPy's ``_cook_nd_args``: the sizes and axes of an n-dimensional transform."""
    shape = shape_of(a)
    shapeless = s is None
    if s is None:
        s = list(shape) if axes is None else [shape[i] for i in axes]
    s = list(s)
    if axes is None:
        axes = list(range(-len(s), 0))
    axes = list(axes)
    if len(s) != len(axes):
        raise ValueError("Shape and axes have different lengths.")
    if invreal and shapeless:
        s[-1] = (shape[axes[-1]] - 1) * 2
    s = [shape[ax] if n is None or n == -1 else n for n, ax in zip(s, axes)]
    return s, axes


def _nd(one, name: str, default_axes=None):
    def transform(a, s=None, axes=default_axes, norm=None, out=None):
        _check(norm)
        s, axes = _cook(a, s, axes)
        for ii in reversed(range(len(axes))):
            a = one(a, n=s[ii], axis=axes[ii], norm=norm)
        return store(f"numpy.fft.{name}", out, a)
    transform.__name__ = name
    return transform


np_fftn = _nd(np_fft, "fftn")
np_ifftn = _nd(np_ifft, "ifftn")
np_fft2 = _nd(np_fft, "fft2", (-2, -1))
_ifft2 = _nd(np_ifft, "ifft2", (-2, -1))


def np_ifft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    _ignored_out("ifft2", out)
    return _ifft2(a, s, axes, norm)


def np_rfftn(a, s=None, axes=None, norm=None, out=None):
    _check(norm)
    s, axes = _cook(a, s, axes)
    a = np_rfft(a, s[-1], axes[-1], norm)
    for ii in range(len(axes) - 2, -1, -1):
        a = np_fft(a, s[ii], axes[ii], norm)
    return store("numpy.fft.rfftn", out, a)


def np_irfftn(a, s=None, axes=None, norm=None, out=None):
    _check(norm)
    s, axes = _cook(a, s, axes, invreal=True)
    for ii in range(len(axes) - 1):
        a = np_ifft(a, s[ii], axes[ii], norm)
    return store("numpy.fft.irfftn", out, np_irfft(a, s[-1], axes[-1], norm))


def np_rfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return np_rfftn(a, s, axes, norm, out)


def np_irfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    _ignored_out("irfft2", out)
    return np_irfftn(a, s, axes, norm, out)


def _shift(a, axes, sign: int):
    nd = len(shape_of(a))
    if axes is None:
        axes = range(nd)
    elif np.ndim(axes) == 0:
        axes = (axes,)
    for ax in axes:
        ax = int(ax) % nd
        n = shape_of(a)[ax]
        order = np.roll(np.arange(n), sign * (n // 2))
        a = ops.getitem(a, idx=(slice(None),) * ax + (order,))
    return a


def np_fftshift(x, axes=None):
    return _shift(x, axes, 1)


def np_ifftshift(x, axes=None):
    return _shift(x, axes, -1)


FUNCTIONS = {
    np.fft.fft: np_fft, np.fft.ifft: np_ifft, np.fft.rfft: np_rfft, np.fft.irfft: np_irfft,
    np.fft.hfft: np_hfft, np.fft.ihfft: np_ihfft,
    np.fft.fftn: np_fftn, np.fft.ifftn: np_ifftn, np.fft.fft2: np_fft2, np.fft.ifft2: np_ifft2,
    np.fft.rfftn: np_rfftn, np.fft.irfftn: np_irfftn, np.fft.rfft2: np_rfft2,
    np.fft.irfft2: np_irfft2, np.fft.fftshift: np_fftshift, np.fft.ifftshift: np_ifftshift,
}

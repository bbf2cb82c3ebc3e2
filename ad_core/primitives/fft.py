"""The discrete Fourier transform: ``fft``, ``ifft``, ``rfft``, ``irfft`` along one axis.

Every transform in ``numpy.fft`` is one of these four applied along one axis at a time, as
NumPy itself computes them (``fftn``, ``rfftn``, ``hfft``... are built in
``_numpy/fft.py``). Each is linear, so its JVP is itself; its VJP is its transpose under
autograd's complex convention (``primitives/complex.py``: transposes, never conjugate
transposes):

- ``fft``/``ifft``: the DFT matrix is symmetric under every ``norm``, so the VJP is the same
  transform of the cotangent, trimmed or zero-padded back to the input's length when ``n``
  changed it;
- ``rfft`` (real input): the first n//2 + 1 rows of the DFT: the cotangent zero-padded to n,
  transformed, real part;
- ``irfft`` (real output): ``c_k = s · w_k · conj(rfft(g)_k)``, with w_k = 1 for the zero
  (and, for even n, the Nyquist) frequency and 2 otherwise, and s the inverse's scale
  (1/n, 1/√n or 1 for norm "backward", "ortho", "forward"): irfft reads x_k and its mirror
  image conj(x_k) as one.

``axis`` is kept negative, so a tangent with a leading batch axis is transformed along the
same axis: each JVP rule is its own batching rule.
"""

from __future__ import annotations

import math

import numpy as np

from .._core import shape_of
from .ops import concatenate, getitem, mul
from .table import defprim


def _nd(x) -> int:
    return len(shape_of(x))


def _len(x, axis: int) -> int:
    return shape_of(x)[axis]


def _resize(x, axis: int, size: int):
    """``x`` trimmed or zero-padded to ``size`` along ``axis`` (the transpose of the
    trimming/padding a transform applies to its input when ``n`` differs from it)."""
    have = _len(x, axis)
    if have == size:
        return x
    if have > size:
        return getitem(x, idx=(Ellipsis, slice(0, size)) + (slice(None),) * (-axis - 1))
    s = list(shape_of(x))
    s[axis] = size - have
    return concatenate(x, np.zeros(tuple(s)), axis=axis % _nd(x))


def _flops(ans, x, n=None, axis=-1, norm=None):
    return int(5 * np.size(ans) * max(1.0, math.log2(max(shape_of(ans)[axis], 2))))


# Every transform's parameters: n (None: the input's length; for irfft 2 (m - 1)), a
# negative axis, and NumPy's norm. The dispatch always passes all three.


def _fft_impl(x, n=None, axis=-1, norm=None):
    return np.fft.fft(x, n=n, axis=axis, norm=norm)


def _ifft_impl(x, n=None, axis=-1, norm=None):
    return np.fft.ifft(x, n=n, axis=axis, norm=norm)


def _rfft_impl(x, n=None, axis=-1, norm=None):
    return np.fft.rfft(x, n=n, axis=axis, norm=norm)


def _irfft_impl(x, n=None, axis=-1, norm=None):
    return np.fft.irfft(x, n=n, axis=axis, norm=norm)


# Linear: the JVP is the transform itself. fft and ifft are symmetric matrices (every norm),
# so their VJP is the same transform, then back to the input's length.


def _fft_jvp(t, ans, x, n=None, axis=-1, norm=None):
    return fft(t, n=n, axis=axis, norm=norm)


def _fft_vjp(g, ans, x, n=None, axis=-1, norm=None):
    return _resize(fft(g, axis=axis, norm=norm), axis, _len(x, axis))


def _ifft_jvp(t, ans, x, n=None, axis=-1, norm=None):
    return ifft(t, n=n, axis=axis, norm=norm)


def _ifft_vjp(g, ans, x, n=None, axis=-1, norm=None):
    return _resize(ifft(g, axis=axis, norm=norm), axis, _len(x, axis))


fft = defprim("fft", _fft_impl, jvp=(_fft_jvp,), vjp=(_fft_vjp,), flops=_flops,
              doc="the discrete Fourier transform along one axis")
ifft = defprim("ifft", _ifft_impl, jvp=(_ifft_jvp,), vjp=(_ifft_vjp,), flops=_flops,
               doc="the inverse discrete Fourier transform along one axis")


def _rfft_jvp(t, ans, x, n=None, axis=-1, norm=None):
    return rfft(t, n=n, axis=axis, norm=norm)


def _rfft_vjp(g, ans, x, n=None, axis=-1, norm=None):
    from .complex import real

    n = _len(x, axis) if n is None else n
    full = fft(_resize(g, axis, n), n=n, axis=axis, norm=norm)
    return real(_resize(full, axis, _len(x, axis)))


rfft = defprim(
    "rfft", _rfft_impl, jvp=(_rfft_jvp,),
    vjp=(_rfft_vjp,), flops=_flops,
    doc="the discrete Fourier transform of real input (non-negative frequencies)")

_INVERSE_SCALE = {None: lambda n: 1.0 / n, "backward": lambda n: 1.0 / n,
                  "ortho": lambda n: 1.0 / math.sqrt(n), "forward": lambda n: 1.0}


def _irfft_jvp(t, ans, x, n=None, axis=-1, norm=None):
    return irfft(t, n=n, axis=axis, norm=norm)


def _irfft_vjp(g, ans, x, n=None, axis=-1, norm=None):
    from .complex import conj

    n = 2 * (_len(x, axis) - 1) if n is None else n
    m = n // 2 + 1
    w = np.full(m, 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    w = w.reshape((m,) + (1,) * (-axis - 1)) * _INVERSE_SCALE[norm](n)
    c = mul(conj(rfft(g, n=n, axis=axis, norm="backward")), w)
    return _resize(c, axis, _len(x, axis))


irfft = defprim(
    "irfft", _irfft_impl, jvp=(_irfft_jvp,),
    vjp=(_irfft_vjp,), flops=_flops,
    doc="the inverse of rfft: a real signal from its non-negative frequencies")

# The primitives of this family (tests check each one).
FAMILY = (fft, ifft, rfft, irfft)


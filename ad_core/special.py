"""A drop-in for ``scipy.special`` that also accepts traced values (as ``ad_core.math`` is
for ``math``).

SciPy's *ufuncs* need no drop-in: ``scipy.special.expit(x)`` on a traced ``x`` dispatches to
ad_core by itself (NEP 13). SciPy's *Python functions* (``logsumexp``, ``softmax``,
``log_softmax``, ``polygamma``) call ``np.asarray`` on their input first, which no NumPy
protocol intercepts: on traced values, call them from here instead.

    >>> from ad_core import special
    >>> ad.grad(lambda x: special.logsumexp(x))(np.zeros(2))
    array([0.5, 0.5])

On plain values every function here is SciPy's own (when SciPy is installed; otherwise
ad_core's NumPy implementation). SciPy is never required.
"""

from __future__ import annotations

import sys

import numpy as np

from ._core import Tracer, raw, shape_of
from .primitives import ops
from .primitives import special as _sf

__all__ = ["betaln", "digamma", "erf", "erfc", "erfcinv", "erfinv", "expit", "gamma", "gammaln",
           "log_softmax", "loggamma", "logit", "logsumexp", "polygamma", "psi", "softmax",
           "xlog1py", "xlogy"]


def _traced(*args) -> bool:
    return any(isinstance(a, Tracer) for a in args)


def _scipy():
    """SciPy's module when it is installed (imported on first use of a plain value)."""
    if "scipy.special" in sys.modules:
        return sys.modules["scipy.special"]
    try:
        import scipy.special
    except ImportError:
        return None
    return scipy.special


def _ufunc(name: str, prim):
    def fn(*args, **kwargs):
        if _traced(*args):
            if kwargs:
                raise TypeError(f"ad_core.special.{name}: keyword arguments "
                                f"({', '.join(kwargs)}) on traced values are not supported")
            return prim(*args)
        s = _scipy()
        return getattr(s, name)(*args, **kwargs) if s is not None else prim(*args)
    fn.__name__ = name
    fn.__doc__ = f"scipy.special.{name}, also on traced values."
    return fn


expit = _ufunc("expit", _sf.expit)
logit = _ufunc("logit", _sf.logit)
erf = _ufunc("erf", ops.erf)
erfc = _ufunc("erfc", ops.erfc)
erfinv = _ufunc("erfinv", _sf.erfinv)
erfcinv = _ufunc("erfcinv", _sf.erfcinv)
gammaln = _ufunc("gammaln", _sf.gammaln)
gamma = _ufunc("gamma", _sf.gamma)
loggamma = _ufunc("loggamma", _sf.loggamma)
digamma = _ufunc("digamma", _sf.digamma)
psi = _ufunc("psi", _sf.digamma)
xlogy = _ufunc("xlogy", _sf.xlogy)
xlog1py = _ufunc("xlog1py", _sf.xlog1py)
betaln = _ufunc("betaln", _sf.betaln)


def polygamma(n, x):
    """scipy.special.polygamma(n, x), also on traced ``x`` (``n``: an integer order)."""
    if isinstance(n, Tracer):
        raise TypeError("polygamma: the order n is an integer and has no derivative")
    if not _traced(x):
        s = _scipy()
        return s.polygamma(n, x) if s is not None else _sf.polygamma(x, n=int(n))
    if np.ndim(n) != 0 or int(n) != n or n < 0:
        raise NotImplementedError("ad_core.special.polygamma on traced values takes one "
                                  "integer order n >= 0")
    return _sf.digamma(x) if int(n) == 0 else _sf.polygamma(x, n=int(n))


def _axes(axis, ndim: int) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    if np.ndim(axis) == 0:
        return (int(axis) % max(ndim, 1),)
    return tuple(sorted(int(a) % max(ndim, 1) for a in axis))


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """scipy.special.logsumexp, also on traced values.

    The maximum is subtracted as a constant (it cancels exactly, so the derivative is the
    softmax however large the inputs)."""
    if not _traced(a, b):
        s = _scipy()
        if s is not None:
            return s.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=return_sign)
    nd = len(shape_of(a))
    ax = _axes(axis, nd)
    with np.errstate(invalid="ignore"):
        m = np.max(np.asarray(raw(a), dtype=float), axis=ax, keepdims=True) if nd else \
            np.asarray(raw(a), dtype=float)
    m = np.where(np.isfinite(m), m, 0.0)
    e = ops.exp(ops.sub(a, m))
    if b is not None:
        e = ops.mul(b, e)
    s = ops.sum_(e, axis=ax, keepdims=True) if nd else e
    sign = None
    if return_sign:
        sign = np.sign(raw(s))
        s = ops.absolute(s)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = ops.add(ops.log(s), m)
    if not keepdims:
        keep = tuple(n for i, n in enumerate(shape_of(out)) if i not in ax)
        out = ops.reshape(out, shape=keep)
        if sign is not None:
            sign = np.reshape(sign, keep)
    if shape_of(out) == () and not isinstance(out, Tracer):
        out = float(out)
    return (out, sign) if return_sign else out


def softmax(x, axis=None):
    """scipy.special.softmax, also on traced values."""
    if not _traced(x) and _scipy() is not None:
        return _scipy().softmax(x, axis=axis)
    return ops.exp(ops.sub(x, logsumexp(x, axis=axis, keepdims=True)))


def log_softmax(x, axis=None):
    """scipy.special.log_softmax, also on traced values."""
    if not _traced(x) and _scipy() is not None:
        return _scipy().log_softmax(x, axis=axis)
    return ops.sub(x, logsumexp(x, axis=axis, keepdims=True))

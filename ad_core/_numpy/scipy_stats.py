"""``scipy.stats.norm`` and ``scipy.stats.cauchy`` on traced values, for the kernel.

SciPy's distribution methods (``norm.logpdf``, ``norm.cdf``, ``cauchy.ppf``...) convert
their input with ``np.asarray`` first, which no NumPy protocol intercepts, so a traced
value cannot pass through them (ad_core says so and names the method). Real code calls
them often (statsmodels' probit and cauchy links, PINTS' log-densities), so the kernel
swaps these methods, for the duration of one piece, for the same formulas written with
primitives (``ndtr``, ``log_ndtr``, ``ndtri``, ``arctan``...). With no traced argument
the original method runs. Only ``loc`` and ``scale`` are taken (positionally or by
name, as SciPy does); anything else goes to SciPy, which refuses the traced value.

Like ``array_constructors()``, ``distribution_methods()`` patches the objects for the
whole process: meant for a process that runs one user function at a time (the kernel),
never for library code.
"""

from __future__ import annotations

import contextlib
import math
import sys
from collections.abc import Callable, Iterator

import numpy as np

from .._core import raw
from ._common import has_tracer

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def _special():
    import scipy.special  # loaded already: scipy.stats imports it

    return scipy.special


def _norm(method: str) -> Callable | None:
    s = _special()
    return {
        "pdf": lambda z, scale: np.exp(-0.5 * z * z - _HALF_LOG_2PI) / scale,
        "logpdf": lambda z, scale: -0.5 * z * z - _HALF_LOG_2PI - np.log(scale),
        "cdf": lambda z, scale: s.ndtr(z),
        "logcdf": lambda z, scale: s.log_ndtr(z),
        "sf": lambda z, scale: s.ndtr(-z),
        "logsf": lambda z, scale: s.log_ndtr(-z),
    }.get(method)


def _cauchy(method: str) -> Callable | None:
    return {
        "pdf": lambda z, scale: 1.0 / (math.pi * scale * (1.0 + z * z)),
        "logpdf": lambda z, scale: -math.log(math.pi) - np.log(scale) - np.log1p(z * z),
        "cdf": lambda z, scale: 0.5 + np.arctan(z) / math.pi,
        "logcdf": lambda z, scale: np.log(0.5 + np.arctan(z) / math.pi),
        "sf": lambda z, scale: 0.5 - np.arctan(z) / math.pi,
        "logsf": lambda z, scale: np.log(0.5 - np.arctan(z) / math.pi),
    }.get(method)


# q -> the standardised quantile z (ppf(q) = loc + scale·z; isf(q) = ppf(1 - q))
_QUANTILES: dict[str, Callable] = {
    "norm": lambda q: _special().ndtri(q),
    "cauchy": lambda q: np.tan(math.pi * (q - 0.5)),
}
_DENSITIES = {"norm": _norm, "cauchy": _cauchy}
METHODS = ("pdf", "logpdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf")


def _loc_scale(args: tuple, kwargs: dict) -> tuple | None:
    if len(args) > 2 or set(kwargs) - {"loc", "scale"}:
        return None
    named = dict(zip(("loc", "scale"), args))
    if set(named) & set(kwargs):
        return None
    named.update(kwargs)
    return named.get("loc", 0.0), named.get("scale", 1.0)


def _traced(dist: str, method: str, original: Callable) -> Callable:
    def call(x, *args, **kwargs):
        loc_scale = _loc_scale(args, kwargs)
        if not has_tracer((x, *args, *kwargs.values())) or loc_scale is None:
            return original(x, *args, **kwargs)
        loc, scale = loc_scale
        if np.any(np.asarray(raw(scale)) <= 0):
            raise ValueError(f"scipy.stats.{dist}.{method} of a traced value with scale <= 0 "
                             "(SciPy gives NaN there): ad_core has no derivative for it")
        if method in ("ppf", "isf"):
            q = x if method == "ppf" else 1.0 - x
            return loc + scale * _QUANTILES[dist](q)
        return _DENSITIES[dist](method)((x - loc) / scale, scale)

    call.__name__ = method
    call.__doc__ = original.__doc__
    return call


@contextlib.contextmanager
def distribution_methods() -> Iterator[None]:
    """Inside the block, ``scipy.stats.norm`` and ``scipy.stats.cauchy``'s ``pdf``,
    ``logpdf``, ``cdf``, ``logcdf``, ``sf``, ``logsf``, ``ppf`` and ``isf`` accept traced
    values (when the program has imported ``scipy.stats``; never imports it)."""
    stats = sys.modules.get("scipy.stats")
    patched: list[tuple[object, str]] = []
    try:
        for dist in _DENSITIES if stats is not None else ():
            obj = getattr(stats, dist, None)
            if obj is None:
                continue
            for method in METHODS:
                if method in vars(obj):  # already patched (nested block): leave it
                    continue
                setattr(obj, method, _traced(dist, method, getattr(obj, method)))
                patched.append((obj, method))
        yield
    finally:
        for obj, method in patched:
            delattr(obj, method)

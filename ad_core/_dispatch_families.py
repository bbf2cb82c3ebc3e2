"""The dispatch tables of ``numpy.linalg``, ``numpy.fft``, ``scipy.special`` and complex
numbers, registered into ``_dispatch``'s tables in one call (each family is its own module).
"""

from __future__ import annotations

from . import _dispatch_complex, _dispatch_fft, _dispatch_linalg, _dispatch_special


def register(ufuncs: dict, functions: dict, composite_ufuncs: dict) -> None:
    """Add every family's entries to the dispatch tables of ``_dispatch`` (called last, after
    ``_dispatch`` has set up ``Tracer``: complex values override ``.real`` and ``.conj``)."""
    functions.update(_dispatch_linalg.FUNCTIONS)
    functions.update(_dispatch_fft.FUNCTIONS)
    _dispatch_complex.register(functions, composite_ufuncs)


def missing_ufunc(ufunc, method: str, inputs, ufuncs: dict):
    """A ufunc ``_dispatch`` has no entry for (SciPy's register themselves here)."""
    return _dispatch_special.missing_ufunc(ufunc, method, inputs, ufuncs)


def ufunc_name(ufunc) -> str:
    """The public name of a ufunc, in its real module (``scipy.special.expit``)."""
    return _dispatch_special.ufunc_name(ufunc)

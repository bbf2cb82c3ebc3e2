"""``scipy.special`` on traced values.

SciPy's special functions come in two kinds, and NumPy's protocols reach only one:

- ufuncs (``expit``, ``erf``, ``gammaln``, ``psi``, ``xlogy``...): NEP 13 sends them to
  ``Tracer.__array_ufunc__`` exactly like NumPy's own, and the table below maps them to
  primitives. ad_core never imports SciPy (it is optional, and costs half a second): the
  table is built the first time a SciPy ufunc reaches a tracer, when SciPy is loaded anyway.
- Python functions (``logsumexp``, ``softmax``, ``log_softmax``, ``polygamma``): they call
  ``np.asarray`` on their input before anything else, which no protocol intercepts, so a
  traced value cannot pass through them. ``ad_core.special`` has drop-ins with the same
  arguments, and the error raised from inside SciPy names the function and the drop-in
  (``foreign_caller_message``).
"""

from __future__ import annotations

import sys

import numpy as np

from .._core import Tracer
from ..primitives import ops
from ..primitives import special as sf

_TABLE: dict | None = None  # SciPy ufunc -> primitive
_NAMES: dict = {}  # SciPy ufunc -> its public name in scipy.special


def _scipy_tables() -> tuple[dict, dict]:
    global _TABLE, _NAMES
    if _TABLE is None:
        s = sys.modules.get("scipy.special")
        if s is None:
            return {}, {}
        names: dict = {}
        for attr in sorted(dir(s)):
            obj = getattr(s, attr, None)
            if not attr.startswith("_") and isinstance(obj, np.ufunc):
                if obj not in names or attr == obj.__name__:
                    names[obj] = attr
        _NAMES = names
        _TABLE = {
            s.expit: sf.expit, s.logit: sf.logit, s.erf: ops.erf, s.erfc: ops.erfc,
            s.erfinv: sf.erfinv, s.erfcinv: sf.erfcinv, s.gammaln: sf.gammaln,
            s.psi: sf.digamma, s.gamma: sf.gamma, s.loggamma: sf.loggamma,
            s.xlogy: sf.xlogy, s.xlog1py: sf.xlog1py, s.betaln: sf.betaln,
            s.ndtr: sf.ndtr, s.log_ndtr: sf.log_ndtr, s.ndtri: sf.ndtri,
            s.gammainc: _a_held(sf.gammainc), s.gammaincc: _a_held(sf.gammaincc),
            # SciPy's own ufuncs for functions NumPy also has (NumPy's value, bit for bit):
            # the same rules
            s.log1p: ops.log1p, s.expm1: ops.expm1,
        }
    return _TABLE, _NAMES


def _a_held(prim):
    """SciPy's ``f(a, x)`` as the primitive ``f(x, a=a)``: ``a`` has no derivative rule."""
    def call(a, x):
        if isinstance(a, Tracer):
            raise NotImplementedError(
                f"scipy.special.{prim.name}(a, x) has a derivative rule in x only: a is "
                "traced here (its derivative has no closed form)")
        return prim(x, a=a)
    call.__name__ = prim.name
    return call


def scipy_ufuncs() -> dict:
    """{SciPy ufunc: primitive} (empty until the program has imported scipy.special)."""
    return dict(_scipy_tables()[0])


def ufunc_name(ufunc) -> str:
    """``scipy.special.NAME`` for SciPy's ufuncs, ``numpy.NAME`` for NumPy's."""
    names = _scipy_tables()[1]
    return f"scipy.special.{names[ufunc]}" if ufunc in names else f"numpy.{ufunc.__name__}"


def missing_ufunc(ufunc, method: str, inputs, ufuncs: dict):
    """A ufunc the dispatch table does not know: SciPy's, registered on first sight (then
    ``ufuncs`` answers directly), or an error that names its real module."""
    table, names = _scipy_tables()
    if ufunc in table and ufunc not in ufuncs:
        ufuncs.update(table)
    if method == "__call__" and ufunc in ufuncs:
        return ufuncs[ufunc](*inputs)
    name = ufunc_name(ufunc)
    if method != "__call__":
        name += f".{method}"
    raise NotImplementedError(f"{name} has no derivative rule in ad_core")


def foreign_caller_message() -> str | None:
    """When a traced value is being converted by ``np.asarray`` from inside SciPy, the
    error names the SciPy function (and ad_core's drop-in when there is one)."""
    frame = sys._getframe(2)  # the Python code that called np.asarray (or np.array)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("numpy"):
        frame = frame.f_back
    outer = None  # the outermost of the SciPy frames directly above: the function called
    while frame is not None:
        mod = frame.f_globals.get("__name__", "")
        if not mod.startswith("scipy."):
            break
        if not mod.startswith("scipy._lib"):
            outer = (mod, frame.f_code.co_name)
        frame = frame.f_back
    if outer is None:
        return None
    mod, fn = outer
    public = ".".join(p for p in mod.split(".") if not p.startswith("_"))
    name = f"{public}.{fn}"
    from .. import special

    if public == "scipy.special" and fn in special.__all__:
        return (f"{name} converts its input with numpy.asarray, which drops the derivative "
                f"and which no NumPy protocol can intercept: on traced values call "
                f"ad_core.special.{fn} (same arguments)")
    return (f"{name} has no derivative rule in ad_core (it converts its input with "
            "numpy.asarray, which drops the derivative)")

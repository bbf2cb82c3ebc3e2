"""Which callable a name in the source means, and its SymPy counterpart.

Nothing here lists derivative rules: a call resolves to primitives of the
table (``ad_core.primitives.PRIMITIVES``) and is built from their ``.sympy``
counterparts; SymPy's ``diff`` does the rest. The name maps are *derived*:

- NumPy: every attribute of ``numpy`` whose object is a key of the dispatch
  table ``UFUNCS`` (``np.sin``, ``np.arcsin``, ``np.asin``, ``np.divide``...),
  plus the attributes named like a primitive (``np.where``);
- ``math`` / ``ad_core.math``: the drop-in's own map from math names to
  primitives (``asin`` -> ``arcsin``, ``erf``...);
- builtins: ``abs``, ``pow``, ``max``, ``min``.

A few composites (``math.log(x, base)``, ``hypot`` of n coordinates,
``degrees``/``radians``, ``np.clip``) are written with primitives, as
``ad_core.math`` and ``_dispatch`` write them.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp

from .. import math as _admath
from .._dispatch import UFUNCS
from ..primitives import PRIMITIVES


@dataclass(frozen=True)
class Callee:
    """A resolved function: what it applies (for counting) and how to build it."""

    label: str                      # as written, for messages: "np.sin"
    prims: tuple[str, ...]          # primitive applications per call (static cost)
    build: Callable[..., sp.Basic]  # SymPy arguments -> SymPy expression
    nargs: tuple[int, int]          # accepted positional argument counts (min, max)


def _sym(name: str) -> Callable[..., sp.Basic]:
    fn = PRIMITIVES[name].sympy
    # The table defers SymPy's import (``ops._LazySympy``); here SymPy is loaded anyway.
    return fn.resolve() if hasattr(fn, "resolve") else fn  # type: ignore[return-value]


def _arity(fn: Callable) -> int:
    nargs = getattr(fn, "nargs", None)
    if isinstance(fn, type) and nargs is not None:  # a SymPy function class: sp.sin
        return int(min(nargs))
    sig = inspect.signature(fn)  # a lambda in the table, or sp.cbrt(arg, evaluate=None)
    return sum(1 for p in sig.parameters.values()
               if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def _prim_callee(label: str, prim: str) -> Callee:
    fn = _sym(prim)
    n = _arity(fn)
    return Callee(label, (prim,), fn, (n, n))


# Primitives that are not scalar functions: their counterparts take matrices.
_NOT_SCALAR = {"matmul"}


def _numpy_map() -> dict[str, str]:
    out: dict[str, str] = {}
    for attr in dir(np):
        obj = getattr(np, attr, None)
        try:
            prim = UFUNCS.get(obj)
        except TypeError:  # unhashable attribute
            continue
        if prim is not None and prim.sympy is not None and prim.name not in _NOT_SCALAR:
            out[attr] = prim.name
    for attr in dir(np):
        p = PRIMITIVES.get(attr)
        if p is not None and p.sympy is not None and attr not in out and attr not in _NOT_SCALAR:
            out[attr] = attr  # np.where
    return out


def _math_map() -> dict[str, str]:
    # Only the drop-in's own map: NumPy names can mean something else in math
    # (math.remainder rounds to nearest, np.remainder floors).
    return {name: prim.name for name, prim in _admath._UNARY.items()}


NUMPY_FUNCS: dict[str, str] = _numpy_map()
MATH_FUNCS: dict[str, str] = _math_map()

# Constants by module attribute; the values are exact SymPy numbers.
CONSTANTS: dict[str, sp.Basic] = {"pi": sp.pi, "e": sp.E, "tau": 2 * sp.pi}


def _fold(prim: str) -> Callable[..., sp.Basic]:
    f = _sym(prim)

    def build(*args: sp.Basic) -> sp.Basic:
        acc = args[0]
        for a in args[1:]:
            acc = f(acc, a)
        return acc
    return build


def _log(x: sp.Basic, base: sp.Basic | None = None) -> sp.Basic:
    r = _sym("log")(x)
    return r if base is None else _sym("div")(r, _sym("log")(base))


def _hypot(*coords: sp.Basic) -> sp.Basic:
    if len(coords) == 2:
        return _sym("hypot")(*coords)
    acc = _sym("square")(coords[0]) if coords else sp.Integer(0)
    for c in coords[1:]:
        acc = _sym("add")(acc, _sym("square")(c))
    return _sym("sqrt")(acc)


def _scale(k: sp.Basic) -> Callable[[sp.Basic], sp.Basic]:
    return lambda x: _sym("mul")(x, k)


def _clip(x: sp.Basic, lo: sp.Basic, hi: sp.Basic) -> sp.Basic:
    # as ops.clip: minimum(maximum(x, lo), hi)
    return _sym("minimum")(_sym("maximum")(x, lo), hi)


def _special(label: str, attr: str) -> Callee | None:
    many = 1 << 16
    if attr == "log":
        return Callee(label, ("log",), _log, (1, 2))
    if attr == "pow":
        return Callee(label, ("pow",), _sym("pow"), (2, 2))
    if attr == "atan2":
        return Callee(label, ("arctan2",), _sym("arctan2"), (2, 2))
    if attr == "hypot":
        return Callee(label, ("hypot",), _hypot, (1, many))
    if attr in ("degrees", "rad2deg"):
        return Callee(label, ("mul",), _scale(180 / sp.pi), (1, 1))
    if attr in ("radians", "deg2rad"):
        return Callee(label, ("mul",), _scale(sp.pi / 180), (1, 1))
    return None


def lookup(module: str, attr: str, label: str) -> Callee | str:
    """The callee for ``module.attr`` (module: "numpy", "math", "builtins"),
    or the reason it has none."""
    if module == "builtins":
        if attr == "abs":
            return _prim_callee(label, "abs")
        if attr == "pow":
            return Callee(label, ("pow",), _sym("pow"), (2, 2))
        if attr in ("max", "min"):
            prim = "maximum" if attr == "max" else "minimum"
            return Callee(label, (prim,), _fold(prim), (2, 1 << 16))
        return f"`{label}()` is not translated (builtins: abs, pow, max, min)"
    if module == "math":
        special = _special(label, attr)
        if special is not None:
            return special
        prim = MATH_FUNCS.get(attr)
        if prim is not None:
            return _prim_callee(label, prim)
        if hasattr(math, attr):
            return f"`{label}` has no SymPy counterpart in the primitive table"
        return f"`{label}` is not a function of math"
    if module == "numpy":
        special = _special(label, attr)
        if special is not None and attr not in NUMPY_FUNCS:
            return special
        if attr == "clip":
            return Callee(label, ("maximum", "minimum"), _clip, (3, 3))
        if attr in ("positive", "asarray", "asanyarray", "array", "float64"):
            # conversions are the identity on the scalars this path handles (scipy's
            # rosen starts with `x = np.asarray(x)`); a dtype or other argument is refused
            return Callee(label, (), lambda x: x, (1, 1))
        prim = NUMPY_FUNCS.get(attr)
        if prim is not None:
            return _prim_callee(label, prim)
        if attr in PRIMITIVES:
            return f"`{label}` works on arrays; the symbolic path handles scalar code only"
        if hasattr(np, attr):
            return f"`{label}` has no SymPy counterpart in the primitive table"
        return f"`{label}` is not a function of numpy"
    return f"`{label}` is not a known function"


def lookup_constant(module: str, attr: str) -> sp.Basic | None:
    if module in ("math", "numpy"):
        return CONSTANTS.get(attr)
    return None


def prim_name_for_attr(attr: str) -> str | None:
    """A primitive named like ``attr`` (array methods, ``np.sum``): static counting."""
    return attr if attr in PRIMITIVES else None

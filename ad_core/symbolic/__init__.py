"""The symbolic path: Python source -> SymPy expressions -> derivatives. Never runs code.

    >>> r = from_source("def f(x, y):\\n    return x * np.sin(y)", "f")
    >>> r.partials["y"], r.text("y")
    (x*cos(y), 'x·cos(y)')

``from_source`` reads the AST and builds SymPy objects node by node: no
``sympify``/``parse_expr``/``eval``/``exec`` on user text, no import of the
user's module. That is what serves untrusted workspaces.

Translated: arithmetic (``+ - * / ** %``, unary minus), ``abs``/``pow``/``max``/
``min``, every function of the primitive table with a SymPy counterpart as
``np.f``, ``numpy.f``, ``math.f``, ``ad_core.math.f`` or a bare ``f``
(from-imports), ``math.pi``/``e``/``tau``; local assignment chains, tuple
unpacking of a literal tuple, augmented assignment; ``if``/``elif``/``else``
(returns in branches too) and ``a if c else b`` as ``Piecewise``; ``for``
loops over ``range(N)`` with N known from the source, unrolled up to
:data:`UNROLL_LIMIT` iterations per function; module-level constants
(``G = 9.81``) when the source given is the whole module. Float literals
become exact rationals (``0.1`` -> ``1/10``). Parameters are real symbols.

Everything else (``while``, unknown calls, indexing and arrays, attribute
access, comprehensions, ...) gives a result whose ``errors`` hold
``(line, reason)``, 1-based in the source given; never an exception.

Time limits: :data:`TRANSLATE_LIMIT` for translating and differentiating,
``budget`` (default :data:`SIMPLIFY_BUDGET`) for simplifying, and
:data:`MEASURE_LIMIT` for measuring swell. Each stage runs in a worker thread
that the caller stops to wait for at the deadline and interrupts (see
``_budget``): a power tower or a 1000-iteration loop returns in time, with
unsimplified partials, or with an error saying the expression is too large.
"""

from __future__ import annotations

import ast
import inspect
import math
import re
import textwrap
import types
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from .._ast_parse import parse as _parse_ast
from . import _names
from ._printing import unicode as _unicode
from ._result import (
    MEASURE_LIMIT,
    PRINT_BUDGET,
    SIMPLIFY_BUDGET,
    TRANSLATE_LIMIT,
    Printed,
    Swell,
    SymbolicResult,
    _find_function,
    analyze,
)
from ._static import StaticCount
from ._static import count as _count
from ._translate import UNROLL_LIMIT, Scope

__all__ = [
    "MEASURE_LIMIT",
    "PRINT_BUDGET",
    "SIMPLIFY_BUDGET",
    "TRANSLATE_LIMIT",
    "UNROLL_LIMIT",
    "Printed",
    "StaticCount",
    "Swell",
    "SymbolicResult",
    "from_function",
    "from_source",
    "static_count",
    "static_ops",
    "text",
]


def from_source(source: str, name: str, *, budget: float = SIMPLIFY_BUDGET) -> SymbolicResult:
    """Translate function ``name`` of ``source`` to SymPy and differentiate it.

        >>> from_source("def f(x):\\n    return x**2 + 1", "f").partials["x"]
        2*x
    """
    try:
        return analyze(source, name, budget)
    except Exception as e:  # noqa: BLE001 - the contract: a result, never an exception
        res = SymbolicResult(name=str(name))
        res.errors.append((1, f"internal error in the symbolic path: {type(e).__name__}: {e}"))
        return res


def from_function(f: Callable[..., Any], *, budget: float = SIMPLIFY_BUDGET) -> SymbolicResult:
    """``from_source`` on the source of a live function (``inspect.getsource``).

        >>> def f(x): return math.sin(x) * x
        >>> from_function(f).partials["x"]   # x*cos(x) + sin(x)  # doctest: +SKIP

    The function is not called. Its globals and closure are read (never called)
    for float/int constants and for which names are numpy / math. Lambdas are
    best effort: the lambda is found in its source line by its parameters.
    """
    name = getattr(f, "__name__", "f")
    try:
        source = textwrap.dedent(inspect.getsource(f))
    except (OSError, TypeError) as e:
        res = SymbolicResult(name=name)
        res.errors.append((1, f"the source of `{name}` is not available: {e}"))
        return res
    first = getattr(getattr(f, "__code__", None), "co_firstlineno", 1)
    hints = _hints(f)
    if name == "<lambda>":
        res = _from_lambda(f, source, budget, hints)
    else:
        try:
            res = analyze(source, name, budget, hints)
        except Exception as e:  # noqa: BLE001 - a result, never an exception
            res = SymbolicResult(name=name)
            res.errors.append((1, f"internal error in the symbolic path: "
                                  f"{type(e).__name__}: {e}"))
    res.first_line = first
    return res


def text(expr: sp.Basic) -> str:
    """Any SymPy expression as one line of Unicode, as people write it: the one printer
    behind hovers, cards and ``SymbolicResult.text``.

        >>> x, y = sp.symbols("x y", real=True)
        >>> text(sp.Piecewise((2 * x * sp.Abs(y), x > 0), (-1, True)))
        '2·x·|y| if x > 0 else -1'
    """
    return _unicode(expr)


def static_count(source: str, name: str) -> StaticCount:
    """Primitive applications of function ``name``, counted from the AST (no execution):
    the one static counter (``ad.cost.static_estimate`` reads it).

        >>> static_count("def f(x):\\n    for i in range(3):\\n        x = np.sin(x) * x\\n"
        ...              "    return x", "f").ops
        {'mul': 3, 'sin': 3}

    Loops over ``range(N)`` with N known multiply their body by N; other loops
    count once (``notes`` says where); ``if``/``else`` counts its larger branch.
    Raises ``SyntaxError`` when the source does not parse and ``ValueError`` when it
    has no function ``name``.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = _parse_ast(source)
    fn = _find_function(tree, name)
    if fn is None:
        raise ValueError(f"no function named {name!r} in the source")
    return _count(tree, fn)


def static_ops(source: str, name: str) -> dict[str, int]:
    """``static_count(source, name).ops``, or ``{}`` when the source does not parse or
    has no such function.

        >>> static_ops("def f(x):\\n    return np.sin(x) * x", "f")
        {'mul': 1, 'sin': 1}
    """
    try:
        return static_count(source, name).ops
    except Exception:  # noqa: BLE001 - an estimate: nothing rather than an exception
        return {}


# ----------------------------------------------------------------------------- live functions


def _hints(f: Callable[..., Any]) -> Scope:
    """Constants and module names from a live function's globals and closure.

    Only plain ints/floats and known modules/functions are taken, by type or
    identity checks: nothing of the user's is called.
    """
    from .. import math as admath

    hints = Scope(modules={}, from_imports={}, constants={})
    code = getattr(f, "__code__", None)
    if code is None:
        return hints
    values: dict[str, Any] = {}
    g = getattr(f, "__globals__", {}) or {}
    for n in code.co_names:
        if n in g:
            values[n] = g[n]
    for n, cell in zip(code.co_freevars, getattr(f, "__closure__", None) or ()):
        try:
            values[n] = cell.cell_contents
        except ValueError:  # an empty cell
            continue
    known = _known_functions()
    for n, v in values.items():
        if type(v) in (int, float) and math.isfinite(v):
            hints.constants[n] = sp.Integer(v) if type(v) is int else sp.Rational(repr(v))
        elif isinstance(v, types.ModuleType):
            if v is np:
                hints.modules[n] = "numpy"
            elif v is math or v is admath:
                hints.modules[n] = "math"
                hints.binds_math = hints.binds_math or n == "math"
        else:
            try:
                hit = known.get(v)
            except TypeError:  # unhashable
                hit = None
            if hit is not None:
                hints.from_imports[n] = hit
    return hints


def _known_functions() -> dict[Any, tuple[str, str]]:
    from .. import math as admath

    out: dict[Any, tuple[str, str]] = {}
    for attr in _names.NUMPY_FUNCS:
        out.setdefault(getattr(np, attr), ("numpy", attr))
    for attr in (*_names.MATH_FUNCS, "log", "pow", "atan2", "hypot", "degrees", "radians"):
        for mod in (math, admath):
            if hasattr(mod, attr):
                out.setdefault(getattr(mod, attr), ("math", attr))
    return out


def _from_lambda(f: Callable[..., Any], source: str, budget: float, hints: Scope
                 ) -> SymbolicResult:
    code = f.__code__
    want = list(code.co_varnames[: code.co_argcount])
    found = _find_lambda(source, want)
    assigned = re.match(r"\s*([A-Za-z_]\w*)\s*=\s*lambda\b", source)
    name = assigned.group(1) if assigned else "f"
    if found is None:
        res = SymbolicResult(name=name)
        res.errors.append((1, "could not find the lambda in its source line"))
        return res
    lam, line = found
    body = ast.unparse(lam.body)
    args = ast.unparse(lam.args)
    synthetic = f"def {name}({args}):\n    return {body}\n"
    try:
        res = analyze(synthetic, name, budget, hints)
    except Exception as e:  # noqa: BLE001
        res = SymbolicResult(name=name)
        res.errors.append((1, f"internal error in the symbolic path: {type(e).__name__}: {e}"))
    # Errors point at the lambda's line in the source given.
    res.errors = [(line, msg) for _, msg in res.errors]
    return res


def _find_lambda(source: str, params: list[str]) -> tuple[ast.Lambda, int] | None:
    """The lambda with these parameters in ``source`` (often a fragment of a line)."""
    candidates: list[tuple[ast.Lambda, int]] = []
    try:
        tree = _parse_ast(source)
        candidates = [(n, n.lineno) for n in ast.walk(tree) if isinstance(n, ast.Lambda)]
    except SyntaxError:
        # getsource gives whole lines; a lambda inside a call may leave brackets open.
        for m in re.finditer(r"\blambda\b", source):
            line = source.count("\n", 0, m.start()) + 1
            text = source[m.start():m.start() + 2000]
            for end in range(len(text), 0, -1):  # the longest prefix that parses
                try:
                    node = _parse_ast(text[:end].strip(), mode="eval").body
                except SyntaxError:
                    continue
                if isinstance(node, ast.Lambda):
                    candidates.append((node, line))
                break
    for lam, line in candidates:
        if [a.arg for a in (*lam.args.posonlyargs, *lam.args.args)] == params:
            return lam, line
    return None

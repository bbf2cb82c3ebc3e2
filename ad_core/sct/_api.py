"""``ad.sct.grad``, ``value_and_grad``, ``derivative``, ``source``, ``generate``.

The first call with given argument types transforms the function and compiles
the result; later calls with the same types (and shapes) run the compiled
code directly. The cache is dropped when a name the code read from its module
(a helper function, a data array, a constant) has been rebound since.

Two fallbacks keep the results those of ``ad.grad`` at awkward points: when
the plain code raises an arithmetic error (Python floats divide by zero where
NumPy gives inf) or a NaN reaches a gradient (0 · inf from the branch
``np.where`` did not take), the call runs again through a *careful* variant
of the same generated code: NumPy arithmetic, 0 · inf counted as 0, as the
table's ``zmul`` does in ``ad.grad``.
"""

from __future__ import annotations

import contextlib
import functools
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from .._core import Tracer, raw
from ..api import _argnums, _diff_arg, _like
from . import runtime
from ._errors import SourceTransformError
from ._normalize import normalize
from ._program import Generated, Program
from ._source import function_source
from ._table import UNKNOWN, Abs, abstract

_MATH_DOMAIN = ("math domain error", "math range error")
_F64 = np.dtype(np.float64)


def _params(fn) -> list[str]:
    code = fn.__code__
    return list(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])


def _bind(fn, args: tuple, kwargs: dict) -> dict[str, Any]:
    """Parameter name -> value (defaults filled in), without inspect's overhead."""
    params = _params(fn)
    out = dict(zip(params, args))
    out.update(kwargs)
    if len(out) < len(params):
        defaults = fn.__defaults__ or ()
        pos = fn.__code__.co_argcount
        for p, d in zip(params[pos - len(defaults):pos], defaults):
            out.setdefault(p, d)
        for p, d in (fn.__kwdefaults__ or {}).items():
            out.setdefault(p, d)
    return out


def _key_of(v: Any):
    t = type(v)
    if t is float:
        return "f"
    if t is np.ndarray:
        return (v.shape, v.dtype.kind)
    if t is int:
        return "i"
    if isinstance(v, Tracer):
        return ("traced", np.shape(raw(v)))
    if isinstance(v, (types.ModuleType, types.FunctionType)):
        return ("obj", id(v))
    if isinstance(v, np.floating):
        return "f"
    if isinstance(v, tuple):
        return ("tuple", tuple(_key_of(x) for x in v))
    if v is None or isinstance(v, (bool, str)):
        return ("const", v)
    return ("type", t)


def _abs_of_arg(v: Any) -> Abs:
    if isinstance(v, Tracer):
        return UNKNOWN  # nested transforms: generic code, run on traced values
    if isinstance(v, np.floating):
        return abstract(float(v))
    return abstract(v)


class _Entry:
    """The compiled code for one argument signature, and its careful variant (lazily)."""

    def __init__(self, build: Callable[[bool], tuple[Program, Generated, Callable]]) -> None:
        self.build = build
        self.program, self.generated, self.fast = build(False)
        self._careful = None
        self.deps = bool(self.program.deps)
        self.returns_value = self.program.top_info.returns_value

    def ok(self) -> bool:
        return self.program.deps_ok()

    @property
    def careful(self) -> Callable:
        if self._careful is None:
            self._careful = self.build(True)[2]
        return self._careful


def _careful_args(args: list, nums: tuple) -> list:
    out = list(args)
    for k in nums:
        if type(out[k]) is float:
            out[k] = np.float64(out[k])
    return out


_add_reduce = np.add.reduce


def _has_nan(x) -> bool:
    t = type(x)
    if t is float or t is np.float64:
        return x != x
    if t is np.ndarray:
        if x.dtype.kind != "f" or not x.size:
            return False
        s = _add_reduce(x, axis=None)  # one pass; a NaN anywhere makes the sum NaN
        return s != s
    if t is tuple:
        for v in x:
            if _has_nan(v):
                return True
    return False


def _run(entry: _Entry, args: list, kwargs: dict, nums: tuple):
    try:
        res = entry.fast(*args, **kwargs)
    except (ZeroDivisionError, OverflowError):
        res = None
    except ValueError as e:
        if str(e) not in _MATH_DOMAIN:
            raise
        res = None
    # NaN in a gradient (not in the value: that may be the function's own) -> careful.
    if res is None or _has_nan(res[1] if entry.returns_value else res):
        res = _careful(entry, args, kwargs, nums)
    return res


def _careful(entry: _Entry, args, kwargs: dict, nums: tuple):
    """The careful variant: NumPy scalars (inf, not ZeroDivisionError), 0 · inf = 0."""
    with np.errstate(all="ignore"):
        return entry.careful(*_careful_args(args, nums), **kwargs)


def _check_eagerly(f) -> None:
    """Parse and normalise now, so that an unsupported construct is reported at once."""
    src = function_source(f)
    normalize(src, set())


def value_and_grad(f: Callable, argnums=0) -> Callable:
    """Reverse mode by source transformation: ``(value, gradient)``, as ``ad.value_and_grad``.

        >>> ad.sct.value_and_grad(lambda x: x * x)(3.0)
        (9.0, 6.0)
    """
    return _reverse(f, argnums, with_value=True)


def grad(f: Callable, argnums=0) -> Callable:
    """Reverse-mode gradient by source transformation (``ad.grad``'s contract).

        >>> ad.sct.grad(lambda x: np.sum(x ** 2))(np.array([1.0, 2.0]))
        array([2., 4.])
    """
    return _reverse(f, argnums, with_value=False)


def _reverse(f: Callable, argnums, with_value: bool) -> Callable:
    """The transformed function, compiled per argument signature. Without the value, the
    generated code does not compute it (only what the backward sweep reads)."""
    _check_eagerly(f)
    cache: dict = {}

    resolved: dict[int, tuple] = {}

    @functools.wraps(f)
    def value_and_grad_f(*args, **kwargs):
        # The hot path is short on purpose: a cached call costs a couple of microseconds.
        n = len(args)
        r = resolved.get(n)
        if r is None:
            r = resolved[n] = _argnums(argnums, n, "grad")
        nums, single = r
        for k in nums:
            a = args[k]
            t = type(a)
            if t is not float and not (t is np.ndarray and a.dtype == _F64):
                args = list(args)
                args[k] = _diff_arg(a, f, k, "grad")
        key = (n, tuple(map(_key_of, args)),
               tuple((k, _key_of(v)) for k, v in sorted(kwargs.items())) if kwargs else ())
        entry = cache.get(key)
        if entry is None or (entry.deps and not entry.ok()):
            entry = _Entry(lambda careful: _build(f, "reverse", nums, list(args), kwargs,
                                                  careful, returns_value=with_value,
                                                  single=single))
            cache[key] = entry
        if not with_value:
            grads = _run(entry, args, kwargs, nums)
            if single:
                return _result(grads, args[nums[0]])
            return tuple([_result(g, args[k]) for g, k in zip(grads, nums)])
        out, grads = _run(entry, args, kwargs, nums)
        t = type(out)
        if t is float:
            value = out
        elif t is np.float64:
            value = float(out)
        else:
            _check_scalar(out, f)
            value = out if isinstance(out, Tracer) else float(np.reshape(out, ()))
        if single:
            return value, _result(grads, args[nums[0]])
        return value, tuple([_result(g, args[k]) for g, k in zip(grads, nums)])

    value_and_grad_f.sct_cache = cache
    return value_and_grad_f


def _result(g, x):
    """The gradient with the type and shape of its argument (ad.grad's ``_like``), with
    the two common cases first."""
    t = type(x)
    if t is float and type(g) is float:
        return g
    if t is np.ndarray and type(g) is np.ndarray and g.shape == x.shape and \
            g.dtype == x.dtype and g.flags.writeable and g.base is None:
        return g
    return _like(g, x)


def _check_scalar(out, f) -> None:
    if not isinstance(out, Tracer):
        runtime.seed(out)  # raises the one "grad requires a scalar output" error


def derivative(f: Callable) -> Callable:
    """d f / d x of a function of one scalar, by forward-mode source transformation.

        >>> ad.sct.derivative(lambda x: x ** 3)(2.0)
        12.0
    """
    _check_eagerly(f)
    cache: dict = {}

    @functools.wraps(f)
    def df(x, *args, **kwargs):
        if np.shape(raw(x)) != ():
            raise TypeError(f"derivative expects a scalar argument, got shape {np.shape(x)}; "
                            "use jacfwd for arrays")
        x = _diff_arg(x, f, 0, "derivative")
        full = [x, *args]
        key = (tuple(_key_of(a) for a in full), tuple((k, _key_of(v)) for k, v in
                                                       sorted(kwargs.items())))
        entry = cache.get(key)
        if entry is None or not entry.ok():
            entry = _Entry(lambda careful: _build(f, "forward", (0,), full, kwargs, careful))
            cache[key] = entry
        name = entry.program.top_info.dot_names[_params(f)[0]]
        kw = dict(kwargs)
        kw[name] = 1.0
        _, t = _run(entry, full, kw, (0,))
        if isinstance(t, Tracer):
            return t
        return float(np.reshape(t, ())) if np.size(t) == 1 else np.asarray(t)

    df.sct_cache = cache
    return df


def _build(f, mode: str, nums: tuple, args: list, kwargs: dict, careful: bool,
           returns_value: bool = False, generic: bool = False, single: bool = True):
    src = function_source(f)
    bound = _bind(f, tuple(args), kwargs)
    arg_abs = {}
    for p in _params(f):
        if p in bound:
            arg_abs[p] = _generic_abs(bound[p]) if generic else _abs_of_arg(bound[p])
    prog = Program(mode, careful=careful, generic=generic)
    with _internal(f):
        prog.top(f, src, nums, arg_abs, returns_value=returns_value, single=single)
        gen = prog.generate()
        fns = prog.compile(gen)
    return prog, gen, fns[gen.name]


@contextlib.contextmanager
def _internal(f):
    """A failure of the transformer itself is a SourceTransformError that says so (and
    keeps the cause), not a stray AssertionError from deep inside."""
    try:
        yield
    except SourceTransformError:
        raise
    except Exception as e:  # noqa: BLE001 - reported, with the cause chained
        code = getattr(f, "__code__", None)
        raise SourceTransformError(
            f"ad.sct could not transform {getattr(f, '__qualname__', f)}: "
            f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''} (an error in "
            "AD Lens itself; ad.grad differentiates the same function by tracing)",
            line=code.co_firstlineno if code else None, construct="internal",
            file=code.co_filename if code else None) from e


def _generic_abs(v: Any) -> Abs:
    if isinstance(v, (types.ModuleType, types.FunctionType)):
        return abstract(v)
    return UNKNOWN


def generate(f: Callable, argnums=0, mode: str = "reverse", like: tuple | None = None,
             careful: bool = False, like_kwargs: dict | None = None) -> Generated:
    """The generated code for ``f`` with its line map (see :class:`Generated`).

    Without ``like``, the code is generic (it works for floats and arrays of any
    shape); with ``like=(x0, y0, ...)``, example arguments, it is the code
    ``ad.sct.grad`` runs for arguments of those types and shapes (``like_kwargs``:
    example keyword arguments, such as keyword-only parameters without a default).

        >>> ad.sct.generate(energy).origin(12)    # the line of energy it came from
        9
    """
    if mode not in ("reverse", "forward"):
        raise ValueError(f"mode must be 'reverse' or 'forward', not {mode!r}")
    _check_eagerly(f)
    src = function_source(f)
    params = _params(f)
    npos = f.__code__.co_argcount
    if like is not None:
        args = list(like)
        nums, single = _argnums(argnums, len(args), "source")
        for k in nums:
            args[k] = _diff_arg(args[k], f, k, "source")
        generic = False
    else:
        nums, single = _argnums(argnums, npos, "source")
        defaults = _bind(f, (), {})
        args = [defaults.get(p, 1.0) for p in params[:npos]]
        generic = True
    arg_abs = {}
    bound = _bind(f, tuple(args), dict(like_kwargs or {}) if like is not None else {})
    varied = {params[i] for i in nums}
    for p in params:
        if p in bound:
            if generic:
                a = abstract(bound[p]) if isinstance(bound[p], (types.ModuleType,
                                                                  types.FunctionType)) else (
                    UNKNOWN if p in varied else Abs("object"))
            else:
                a = _abs_of_arg(bound[p])
            arg_abs[p] = a
        elif generic:
            arg_abs[p] = UNKNOWN if p in varied else Abs("object")
    prog = Program(mode, careful=careful, generic=generic)
    with _internal(f):
        prog.top(f, src, nums, arg_abs, returns_value=False, single=single)
        return prog.generate()


def source(f: Callable, argnums=0, mode: str = "reverse", like: tuple | None = None) -> str:
    """The generated Python source: ``def f_grad(...)`` (reverse) or ``def f_jvp(...)``.

        >>> print(ad.sct.source(energy))           # doctest: +SKIP
        def energy_grad(x, v): ...
    """
    return generate(f, argnums, mode, like).source


__all__ = ["derivative", "generate", "grad", "source", "value_and_grad"]

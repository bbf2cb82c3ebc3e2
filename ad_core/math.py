"""A drop-in for :mod:`math` that also accepts traced values.

Differentiable functions bind primitives when given a traced value and call
the real :mod:`math` otherwise (same results, same exceptions). Every other
name of :mod:`math` acts on primal values (``floor``, ``isclose``...).
"""

from __future__ import annotations

import math as _m

from ._core import Tracer as _Tracer
from ._core import raw as _raw
from .primitives import ops as _ops
from .primitives import special as _special

# Everything from math first (constants and primal-valued functions).
for _name in dir(_m):
    if not _name.startswith("_"):
        _obj = getattr(_m, _name)
        globals()[_name] = _obj


def _primal_valued(fn):
    def wrapped(*args, **kwargs):
        return fn(*[_raw(a) for a in args], **{k: _raw(v) for k, v in kwargs.items()})
    wrapped.__name__ = fn.__name__
    wrapped.__doc__ = fn.__doc__
    return wrapped


for _name in dir(_m):
    _obj = getattr(_m, _name)
    if callable(_obj) and not _name.startswith("_"):
        globals()[_name] = _primal_valued(_obj)


def _lift(name, prim):
    real = getattr(_m, name)

    def fn(x):
        if isinstance(x, _Tracer):
            return prim(x)
        return real(x)
    fn.__name__ = name
    fn.__doc__ = real.__doc__
    return fn


_UNARY = {
    "sin": _ops.sin, "cos": _ops.cos, "tan": _ops.tan, "asin": _ops.arcsin,
    "acos": _ops.arccos, "atan": _ops.arctan, "sinh": _ops.sinh, "cosh": _ops.cosh,
    "tanh": _ops.tanh, "asinh": _ops.arcsinh, "acosh": _ops.arccosh, "atanh": _ops.arctanh,
    "exp": _ops.exp, "expm1": _ops.expm1, "log1p": _ops.log1p, "log2": _ops.log2,
    "log10": _ops.log10, "sqrt": _ops.sqrt, "fabs": _ops.absolute, "erf": _ops.erf,
    "erfc": _ops.erfc, "gamma": _special.gamma, "lgamma": _special.gammaln,
}
if hasattr(_m, "exp2"):
    _UNARY["exp2"] = _ops.exp2
if hasattr(_m, "cbrt"):
    _UNARY["cbrt"] = _ops.cbrt
for _name, _prim in _UNARY.items():
    globals()[_name] = _lift(_name, _prim)


def log(x, base=None):
    """log(x[, base]) — natural log, or log in ``base``."""
    if isinstance(x, _Tracer) or isinstance(base, _Tracer):
        r = _ops.log(x)
        return r if base is None else _ops.div(r, _ops.log(base))
    return _m.log(x) if base is None else _m.log(x, base)


def pow(x, y):  # noqa: A001 - the math name
    if isinstance(x, _Tracer) or isinstance(y, _Tracer):
        return _ops.power(x, y)
    return _m.pow(x, y)


def atan2(y, x):
    if isinstance(x, _Tracer) or isinstance(y, _Tracer):
        return _ops.arctan2(y, x)
    return _m.atan2(y, x)


def hypot(*coords):
    if any(isinstance(c, _Tracer) for c in coords):
        acc = _ops.square(coords[0]) if coords else 0.0
        for c in coords[1:]:
            acc = _ops.add(acc, _ops.square(c))
        return _ops.sqrt(acc)
    return _m.hypot(*coords)


def degrees(x):
    return _ops.mul(x, 180.0 / _m.pi) if isinstance(x, _Tracer) else _m.degrees(x)


def radians(x):
    return _ops.mul(x, _m.pi / 180.0) if isinstance(x, _Tracer) else _m.radians(x)


def copysign(x, y):
    if isinstance(x, _Tracer):
        same = (_raw(x) >= 0) == (_m.copysign(1.0, _raw(y)) > 0)
        return x if same else _ops.neg(x)
    return _m.copysign(x, _raw(y))


def fmod(x, y):
    if isinstance(x, _Tracer) or isinstance(y, _Tracer):
        q = _m.trunc(_raw(x) / _raw(y))
        return _ops.sub(x, _ops.mul(q, y))
    return _m.fmod(x, y)


def fsum(seq):
    items = list(seq)
    if any(isinstance(v, _Tracer) for v in items):
        acc = 0.0
        for v in items:
            acc = acc + v
        return acc
    return _m.fsum(items)


def prod(iterable, *, start=1):
    acc = start
    for v in iterable:
        acc = acc * v
    return acc


def dist(p, q):
    return hypot(*[a - b for a, b in zip(p, q)])


# Differentiable functions whose derivative is not zero: never on primal values alone
# (that would be a silent zero gradient).


def ldexp(x, i):
    if isinstance(x, _Tracer):
        return _ops.mul(x, _m.ldexp(1.0, int(i)))
    return _m.ldexp(x, _raw(i))


def remainder(x, y):
    if isinstance(x, _Tracer) or isinstance(y, _Tracer):
        rx, ry = _raw(x), _raw(y)
        n = round((rx - _m.remainder(rx, ry)) / ry)  # the nearest integer to x / y
        return _ops.sub(x, _ops.mul(float(n), y))
    return _m.remainder(x, y)


def modf(x):
    if isinstance(x, _Tracer):
        whole = float(_m.trunc(_raw(x)))
        return _ops.sub(x, whole), whole
    return _m.modf(x)


def frexp(x):
    if isinstance(x, _Tracer):
        m, e = _m.frexp(_raw(x))
        return _ops.mul(x, _m.ldexp(1.0, -e)), e
    return _m.frexp(x)


def nextafter(x, y, *args, **kwargs):
    if isinstance(x, _Tracer):
        rx = _raw(x)
        return _ops.add(x, _m.nextafter(rx, _raw(y), *args, **kwargs) - rx)
    return _m.nextafter(x, _raw(y), *args, **kwargs)

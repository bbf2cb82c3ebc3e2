"""Numerical differentiation: finite differences, complex step, Richardson.

The oracle the other two methods are checked against, and the third column of
AD Lens's comparison. Same contract as :func:`ad_core.grad`: ``f`` returns a
scalar; the gradient has the type and shape of its argument (a float for a
float, an array of the same shape for an array, ints promoted), a tuple for a
tuple of ``argnums``; a bad argument is a ``TypeError`` that names it.

Default steps, per method (``x`` is the component being perturbed, ``eps`` =
2.2e-16 the float64 machine epsilon). Each balances truncation error (which
grows with h) against rounding error (~eps·|f|/h), see docs/methods.md:

============  ==============================  ==============  =================
method        step h                          evaluations     error
============  ==============================  ==============  =================
forward       sqrt(eps)·max(1, |x|) ≈ 1.5e-8  n + 1           O(h), ~8 digits
backward      sqrt(eps)·max(1, |x|)           n + 1           O(h), ~8 digits
central       eps^(1/3)·max(1, |x|) ≈ 6e-6    2n              O(h²), ~10 digits
complex       1e-20 (absolute)                n (complex)     O(h²), no cancellation
richardson    eps^(1/7)·max(1, |x|) ≈ 6e-3,   6n              O(h⁶), ~13 digits
              central at h, h/2, h/4
============  ==============================  ==============  =================

``step=`` overrides the rule with one absolute step for every component.
Richardson's error estimate is returned by :func:`richardson`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .api import _argnums, _diff_arg

__all__ = ["METHODS", "default_step", "gradient", "richardson"]

METHODS = ("forward", "backward", "central", "complex", "richardson")

_EPS = float(np.finfo(np.float64).eps)

# Relative step per method (multiplied by max(1, |x|)); "complex" is absolute.
_REL_STEP = {
    "forward": _EPS ** 0.5,
    "backward": _EPS ** 0.5,
    "central": _EPS ** (1 / 3),
    # Three levels of extrapolation cancel h² and h⁴, leaving O(h⁶) truncation
    # against eps/h rounding: the balance is at h ~ eps^(1/7).
    "richardson": _EPS ** (1 / 7),
}
_COMPLEX_STEP = 1e-20


def default_step(method: str, x: float) -> float:
    """The step ``gradient`` uses for a component of value ``x`` (module docstring).

        >>> default_step("central", 0.0)
        6.055454452393343e-06
    """
    _check_method(method)
    if method == "complex":
        return _COMPLEX_STEP
    return _REL_STEP[method] * max(1.0, abs(float(x)))


def gradient(f: Callable, *args: Any, argnums: int | tuple[int, ...] = 0,
             method: str = "central", step: float | None = None):
    """Gradient of a scalar ``f`` at ``args`` by finite differences (or complex step).

        >>> gradient(lambda x, y: x * y, 3.0, 2.0, argnums=(0, 1), method="complex")
        (2.0, 3.0)

    ``method`` is one of ``METHODS``; ``step`` an absolute step (None: the
    per-method rule in the module docstring).
    """
    _check_method(method)
    if method == "richardson":
        return richardson(f, *args, argnums=argnums, step=step)[0]
    nums, single, xs = _prepare(f, args, argnums, "numeric.gradient")
    grads = tuple(_grad_one(f, args, k, x, method, step) for k, x in zip(nums, xs))
    return grads[0] if single else grads


def richardson(f: Callable, *args: Any, argnums: int | tuple[int, ...] = 0,
               step: float | None = None):
    """Richardson-extrapolated central differences: ``(gradient, error_estimate)``.

        >>> g, err = richardson(np.exp, 0.0); abs(g - 1.0) < err < 1e-9
        True

    Central differences D at h, h/2, h/4 are combined to cancel the h² and h⁴
    error terms. The error estimate (same structure as the gradient) is
    conservative: the gap between the last two extrapolation levels plus the
    rounding error the smallest step can carry.
    """
    nums, single, xs = _prepare(f, args, argnums, "numeric.richardson")
    vals, errs = [], []
    for k, x in zip(nums, xs):
        v, e = _richardson_one(f, args, k, x, step)
        vals.append(v)
        errs.append(e)
    if single:
        return vals[0], errs[0]
    return tuple(vals), tuple(errs)


# ---------------------------------------------------------------- internals


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"numeric.gradient: method must be one of {', '.join(METHODS)}; "
                         f"got {method!r}")


def _prepare(f, args, argnums, who):
    nums, single = _argnums(argnums, len(args), who)
    xs = [_diff_arg(args[k], f, k, who) for k in nums]
    return nums, single, xs


def _scalar_out(v, f, who: str, allow_complex: bool = False):
    """f's output as a Python float (complex with allow_complex), or a TypeError."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(
            v, (int, float, complex, np.number, np.ndarray)):
        raise TypeError(f"{who}: {_fname(f)} returned a {type(v).__name__}; a scalar "
                        "(float or size-1 array) is required")
    a = np.asarray(v)
    if a.size != 1:
        raise TypeError(f"{who} requires a scalar output, but {_fname(f)} returned shape "
                        f"{a.shape}; use ad.jacfwd/ad.jacrev for the Jacobian")
    a = a.reshape(())
    if allow_complex:
        return complex(a)
    if a.dtype.kind == "c":
        raise TypeError(f"{who}: {_fname(f)} returned a complex value for real input")
    return float(a)


def _fname(f) -> str:
    return getattr(f, "__name__", type(f).__name__)


def _call(f, args, k, value):
    a = list(args)
    a[k] = value
    return f(*a)


def _components(x):
    """(scalar?, flat copy of x as float array)."""
    if isinstance(x, np.ndarray):
        return False, np.array(x, dtype=np.float64).ravel()
    return True, np.array([float(x)])


def _point(scalar: bool, flat: np.ndarray, shape):
    return float(flat[0]) if scalar else flat.reshape(shape)


def _steps(method: str, flat: np.ndarray, step) -> np.ndarray:
    if step is not None:
        h = float(step)
        if not h > 0:
            raise ValueError(f"numeric.gradient: step must be positive, got {step!r}")
        return np.full(flat.shape, h)
    if method == "complex":
        return np.full(flat.shape, _COMPLEX_STEP)
    return _REL_STEP[method] * np.maximum(1.0, np.abs(flat))


def _taken(dx: float, h: float, x: float) -> float:
    """The step actually taken, or a ValueError when x ± h rounds back to x."""
    if dx == 0:
        raise ValueError(f"numeric.gradient: step {h:g} is below the float64 spacing at "
                         f"x={x:g} ({np.spacing(x):g}), so x + h == x; use a larger step")
    return dx


def _grad_one(f, args, k, x, method, step):
    scalar, flat = _components(x)
    shape = np.shape(x)
    who = "numeric.gradient"
    if method == "complex":
        return _complex_one(f, args, k, scalar, flat, shape, step)
    hs = _steps(method, flat, step)
    g = np.empty_like(flat)
    f0 = None
    if method in ("forward", "backward"):
        f0 = _scalar_out(_call(f, args, k, x), f, who)
    for i in range(flat.size):
        h = hs[i]
        if method == "central":
            up, dn = flat.copy(), flat.copy()
            up[i] += h
            dn[i] -= h
            # Divide by the step actually represented (x + h rounds), not the nominal h;
            # read before f runs, which may write into its argument
            taken = _taken(up[i] - dn[i], h, flat[i])
            fu = _scalar_out(_call(f, args, k, _point(scalar, up, shape)), f, who)
            fd = _scalar_out(_call(f, args, k, _point(scalar, dn, shape)), f, who)
            g[i] = (fu - fd) / taken
        else:
            p = flat.copy()
            p[i] += h if method == "forward" else -h
            taken = _taken(p[i] - flat[i], h, flat[i])
            fp = _scalar_out(_call(f, args, k, _point(scalar, p, shape)), f, who)
            g[i] = (fp - f0) / taken
    return float(g[0]) if scalar else g.reshape(shape)


_NOT_ANALYTIC = ("complex step needs f to be complex-analytic (holomorphic) in its "
                 "argument: write it with +, -, *, /, ** and numpy elementwise functions "
                 "(np.sin, np.exp...); abs, max/min, comparisons, math.* and .real break it. "
                 "Use method='central' or 'richardson' instead")


def _complex_one(f, args, k, scalar, flat, shape, step):
    who = "numeric.gradient(method='complex')"
    h = float(step) if step is not None else _COMPLEX_STEP
    if not h > 0:
        raise ValueError(f"numeric.gradient: step must be positive, got {step!r}")
    g = np.empty_like(flat)
    for i in range(flat.size):
        z = flat.astype(complex)
        z[i] += 1j * h
        try:
            out = _call(f, args, k, complex(z[0]) if scalar else z.reshape(shape))
        except TypeError as e:
            # math.sin(complex), float(z), z < 0 ...: f does not accept complex input.
            raise TypeError(f"{who}: {_fname(f)} does not accept complex input ({e}); "
                            f"{_NOT_ANALYTIC}") from e
        v = _scalar_out(out, f, who, allow_complex=True)
        if not np.iscomplexobj(out):
            # abs(z), np.abs, z.real... return a real number: the imaginary part that
            # carries the derivative was dropped, the result would silently be zero.
            raise TypeError(f"{who}: {_fname(f)} returned a real value for complex input, "
                            f"so the imaginary part carrying the derivative was lost; "
                            f"{_NOT_ANALYTIC}")
        g[i] = v.imag / h
    return float(g[0]) if scalar else g.reshape(shape)


def _richardson_one(f, args, k, x, step):
    scalar, flat = _components(x)
    shape = np.shape(x)
    who = "numeric.richardson"
    if step is not None:
        if not float(step) > 0:
            raise ValueError(f"numeric.richardson: step must be positive, got {step!r}")
        h0 = np.full(flat.shape, float(step))
    else:
        h0 = _REL_STEP["richardson"] * np.maximum(1.0, np.abs(flat))
    val = np.empty_like(flat)
    err = np.empty_like(flat)
    for i in range(flat.size):
        D = []
        fmax = 0.0
        for h in (h0[i], h0[i] / 2, h0[i] / 4):
            up, dn = flat.copy(), flat.copy()
            up[i] += h
            dn[i] -= h
            hh = _taken(up[i] - dn[i], h, flat[i]) / 2  # the step actually represented
            fu = _scalar_out(_call(f, args, k, _point(scalar, up, shape)), f, who)
            fd = _scalar_out(_call(f, args, k, _point(scalar, dn, shape)), f, who)
            fmax = max(fmax, abs(fu), abs(fd))
            D.append((fu - fd) / (2 * hh))
        # Tableau: D(h) = f' + c2 h² + c4 h⁴ + ...; halving h twice cancels both.
        r1a = (4 * D[1] - D[0]) / 3
        r1b = (4 * D[2] - D[1]) / 3
        r2 = (16 * r1b - r1a) / 15
        val[i] = r2
        # Rounding: each D_j carries ~eps·|f|/h_j; r2 = (64 D2 - 20 D1 + D0) / 45.
        rounding = (64 * 4 + 20 * 2 + 1) / 45 * _EPS * fmax / h0[i]
        err[i] = abs(r2 - r1b) + rounding
    if scalar:
        return float(val[0]), float(err[0])
    return val.reshape(shape), err.reshape(shape)

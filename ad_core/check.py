"""``ad.check_grad``: is this gradient right? (in the style of torch's gradcheck)

Two uses, and each has its own reference:

- ``check_grad(f, *args)`` checks ad_core's own gradient of ``f``. The
  reference is central finite differences: the only independent answer.
- ``check_grad(f, *args, grad_fn=f_grad)`` checks a hand-written gradient.
  The reference is AD, which is exact to rounding, so a wrong component shows
  up sharply instead of being lost in finite-difference noise. Finite
  differences are still computed and reported (``.numeric``); if AD cannot
  differentiate ``f`` they become the reference, and the message says so.

A component passes when ``|checked - reference| <= atol + rtol·|reference|``
(numpy's ``allclose``, as torch's gradcheck). ``max_rel_err`` is
``|checked - reference| / max(|reference|, atol)``: relative, as users ask
for (scipy#7766), and finite at zero components. ``worst`` is the
``(argnum, index)`` of the component furthest outside its tolerance (the
largest error relative to ``atol + rtol·|reference|``); ``index`` is ``()``
for a scalar argument. Messages name the component by parameter name and
index, e.g. ``∂f/∂w[2] off by 0.5 at w[2]=0.3: hand-written 1.2, AD 0.7``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import numeric
from .api import _argnums, _diff_arg, grad
from .wengert import _param_names

__all__ = ["GradCheck", "check_grad"]


@dataclass
class GradCheck:
    """The outcome of :func:`check_grad`; truthy when the gradient passed.

        >>> r = check_grad(lambda x: x ** 3, 2.0, grad_fn=lambda x: 3 * x ** 2); r.ok
        True
    """

    ok: bool
    max_abs_err: float
    max_rel_err: float
    worst: tuple[int, tuple | None] | None
    analytic: Any
    numeric: Any
    message: str
    reference: str = "finite differences"  # or "AD"
    ad: Any = None  # AD's gradient when checking a grad_fn
    mismatches: list[tuple[int, tuple]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok


def check_grad(f: Callable, *args: Any, argnums: int | tuple[int, ...] = 0,
               grad_fn: Callable | None = None, rtol: float = 1e-5,
               atol: float = 1e-8) -> GradCheck:
    """Check ad's gradient of ``f`` (or a hand-written ``grad_fn``) at ``args``.

        >>> check_grad(lambda x, y: x * y, 1.5, 2.0, argnums=(0, 1),
        ...            grad_fn=lambda x, y: (y, 2 * x)).message
        '∂<lambda>/∂y off by 1.5 at y=2.0: hand-written 3.0, AD 1.5 (finite differences 1.5)'

    ``grad_fn`` is called with the same arguments as ``f`` and returns what
    ``ad.grad(f, argnums)`` would: one gradient, or a tuple for a tuple of
    argnums. A return of the wrong type or shape gives a failed check whose
    message says what was expected, never an exception.
    """
    nums, single = _argnums(argnums, len(args), "check_grad")
    xs = [_diff_arg(args[k], f, k, "check_grad") for k in nums]
    names = _param_names(f, len(args))
    fname = getattr(f, "__name__", "f")
    fd = numeric.gradient(f, *args, argnums=argnums, method="central")
    fd_list = [fd] if single else list(fd)

    ad_val, ad_error = None, None
    try:
        ad_val = grad(f, argnums)(*args)
    except Exception as e:  # a gradient check reports failures, it does not raise them
        ad_error = f"{type(e).__name__}: {e}"

    if grad_fn is None:
        if ad_error is not None:
            return GradCheck(False, float("inf"), float("inf"), None, None, fd,
                             f"AD could not differentiate {fname}: {ad_error}")
        checked, checked_label = ad_val, "AD"
        ref_list, ref_label = fd_list, "finite differences"
    else:
        checked_label = "hand-written"
        try:
            checked = grad_fn(*args)
        except Exception as e:
            gname = getattr(grad_fn, "__name__", "grad_fn")
            return GradCheck(False, float("inf"), float("inf"), None, None, fd,
                             f"{gname} raised {type(e).__name__}: {e}",
                             reference="AD" if ad_error is None else "finite differences",
                             ad=ad_val)
        if ad_error is None:
            ref_list = [ad_val] if single else list(ad_val)
            ref_label = "AD"
        else:
            ref_list, ref_label = fd_list, "finite differences"

    got, problem = _normalize(checked, xs, nums, single, names, grad_fn)
    if problem is not None:
        return GradCheck(False, float("inf"), float("inf"), problem[0], checked, fd,
                         problem[1], reference=ref_label, ad=ad_val)

    refs = [np.asarray(r, dtype=float) for r in ref_list]
    max_abs = max_rel = 0.0
    worst, worst_score = None, -1.0
    mismatches: list[tuple[int, tuple]] = []
    for k, a, r in zip(nums, got, refs):
        err = np.abs(a - r)
        bad = ~np.isfinite(a) | ~np.isfinite(r)
        err = np.where(bad, np.inf, err)
        tol = atol + rtol * np.abs(np.where(bad, 0.0, r))
        rel = err / np.maximum(np.abs(np.where(bad, 0.0, r)), atol)
        score = err / tol
        if err.size:
            max_abs = max(max_abs, float(np.max(err)))
            max_rel = max(max_rel, float(np.max(rel)))
            i = int(np.argmax(score))
            if float(score.flat[i]) > worst_score:
                worst_score = float(score.flat[i])
                worst = (k, np.unravel_index(i, a.shape) if a.ndim else ())
        for i in np.flatnonzero(err > tol):
            mismatches.append((k, tuple(int(j) for j in np.unravel_index(i, a.shape))
                               if a.ndim else ()))
    if worst is not None and worst[1]:
        worst = (worst[0], tuple(int(j) for j in worst[1]))
    ok = not mismatches
    if ok:
        message = (f"✓ matches ∇{fname} (against {ref_label}): max abs error "
                   f"{max_abs:.2g}, max rel error {max_rel:.2g}")
    else:
        k, idx = worst
        j = nums.index(k)
        a, r = got[j][idx], refs[j][idx]
        where = names[k] + (_fmt_index(idx) if idx else "")
        x = np.asarray(xs[j], dtype=float)[idx]
        message = (f"∂{fname}/∂{where} off by {_num(abs(a - r))} at {where}={_num(x)}: "
                   f"{checked_label} {_num(a)}, {ref_label} {_num(r)}")
        if ref_label == "AD":
            message += f" (finite differences {_num(np.asarray(fd_list[j], dtype=float)[idx])})"
        elif grad_fn is not None:
            message += f" (AD failed: {ad_error})"
        if len(mismatches) > 1:
            message += f"; {len(mismatches) - 1} more component(s) off"
    return GradCheck(ok, max_abs, max_rel, worst, checked, fd, message, reference=ref_label,
                     ad=ad_val, mismatches=mismatches)


# ---------------------------------------------------------------- internals


def _normalize(checked, xs, nums, single, names, grad_fn):
    """Per-argument float arrays shaped like the arguments, or ((argnum, None), message)."""
    who = getattr(grad_fn, "__name__", "grad_fn") if grad_fn is not None else "ad.grad"
    argnums_txt = str(nums[0]) if single else str(tuple(nums))
    if single:
        parts = [checked]
        if isinstance(checked, (tuple, list)) and not _is_array_like(checked, xs[0]):
            n = len(checked)
            hint = (f"return the gradient itself, or pass argnums=({nums[0]},)" if n == 1 else
                    f"pass argnums={tuple(range(n))} to check one gradient per argument")
            return None, (None, (
                f"{who} returned a {type(checked).__name__} of {_plural(n, 'gradient')}, but "
                f"argnums={argnums_txt} expects one gradient, for {names[nums[0]]}: {hint}"))
    else:
        if not isinstance(checked, (tuple, list)):
            return None, (None, (
                f"{who} returned a {_kind(checked)}, but argnums={argnums_txt} expects a "
                f"tuple of {len(nums)} gradients (for {', '.join(names[k] for k in nums)})"))
        if len(checked) != len(nums):
            return None, (None, (
                f"{who} returned {_plural(len(checked), 'gradient')}, but "
                f"argnums={argnums_txt} expects {len(nums)} "
                f"(for {', '.join(names[k] for k in nums)})"))
        parts = list(checked)
    out = []
    for k, x, g in zip(nums, xs, parts):
        name = names[k]
        want = np.shape(x)
        if isinstance(g, (bool, np.bool_)) or g is None or isinstance(g, (str, bytes, dict)):
            return None, ((k, None), f"{who}'s gradient for {name} is a {type(g).__name__}, "
                                     f"not a number or an array")
        try:
            a = np.asarray(g)
        except Exception:
            return None, ((k, None), f"{who}'s gradient for {name} is a {type(g).__name__}, "
                                     f"not a number or an array")
        if a.dtype.kind == "c":
            if np.any(a.imag != 0):
                return None, ((k, None), f"{who}'s gradient for {name} is complex")
            a = a.real
        if a.dtype.kind not in "fiu":
            return None, ((k, None), f"{who}'s gradient for {name} is not numeric "
                                     f"(an array of {a.dtype})")
        if a.shape != want:
            what = "is a scalar" if want == () else f"has shape {want}"
            return None, ((k, None), f"{who}'s gradient for {name} has shape {a.shape}, but "
                                     f"{name} {what}")
        out.append(a.astype(float))
    return out, None


def _is_array_like(v, x) -> bool:
    """A list standing for one array gradient (single argnum, array argument)."""
    if not isinstance(x, np.ndarray):
        return False
    try:
        return np.asarray(v, dtype=float).shape == x.shape
    except (TypeError, ValueError):
        return False


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _kind(v) -> str:
    if isinstance(v, np.ndarray):
        return f"array of shape {v.shape}"
    return type(v).__name__


def _fmt_index(idx: tuple) -> str:
    return "[" + ", ".join(str(int(i)) for i in idx) + "]"


def _num(v) -> str:
    """Short and readable: 5.0, 1.5, 0.333333, 1.2e-08."""
    v = float(v)
    s = f"{v:.6g}"
    if s.lstrip("-").isdigit():
        s += ".0"
    return s

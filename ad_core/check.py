"""``ad.check_grad``: is this gradient right? (in the style of torch's gradcheck)

The one verdict on a gradient: the card, the code lens, the diagnostics and
``adlens check`` all read what this module computes. Two uses, each with its
own reference:

- ``check_grad(f, *args)`` checks ad_core's own gradient of ``f``. The
  reference is central finite differences: the only independent answer.
- ``check_grad(f, *args, grad_fn=f_grad)`` checks a hand-written gradient.
  The reference is AD, which is exact to rounding, so a wrong component shows
  up sharply instead of being lost in finite-difference noise. Finite
  differences are computed too; every component carries all three numbers and
  which pairs of them agree (``.components()``).

``.outcome`` is the verdict:

- ``"verified"``: the gradient agrees with its reference;
- ``"wrong"``: a computed value disagrees with the reference;
- ``"unverified"``: something could not run (AD, the hand-written function or
  finite differences: ``.failures`` says which, why, and on which line of its
  file), a value is NaN, a hand-written gradient could only be compared with
  finite differences because AD could not run, or AD disagreed with finite
  differences that a second run did not reproduce (``f`` is random near the
  point), or that Richardson's extrapolation shows inaccurate (a jump, a wild
  oscillation, digits lost to rounding). Nothing is called wrong then; when the
  extrapolated differences agree with AD, the check counts them instead.

``.ok`` is ``outcome == "verified"``. A pair agrees when ``|a - b| <= atol +
rtol·|b|`` (``b`` the reference; numpy's ``allclose``, as torch's gradcheck)
or when both are the same infinity; a NaN agrees with nothing and disagrees
with nothing (the pair is not comparable). ``max_rel_err`` is ``|checked -
reference| / max(|reference|, atol)``: relative, as users ask for
(scipy#7766), and finite at zero components. ``worst`` is the ``(argnum,
index)`` of the component furthest outside its tolerance; ``index`` is ``()``
for a scalar argument. Messages name the component by parameter name and
index, e.g. ``∂f/∂w[2] off by 0.5 at w[2]=0.3: hand-written 1.2, AD 0.7``.
"""

from __future__ import annotations

import functools
import inspect
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from . import numeric
from .api import _argnums, _diff_arg, grad, jvp
from .wengert import _param_names

__all__ = ["Component", "Failure", "GradCheck", "check_grad", "check_jvp"]

Outcome = Literal["verified", "wrong", "unverified"]
_WHO = {"hand": "hand-written", "ad": "AD", "fd": "finite differences"}


@dataclass(frozen=True)
class Failure:
    """Why one of the gradients could not be computed. ``line``: the line, in the file
    of the function that failed, of the deepest frame there (None if none was)."""

    message: str
    line: int | None = None


@dataclass(frozen=True)
class Component:
    """One scalar component of the gradient: its three values and which pairs agree.

    A value is None when it was not computed (no hand-written function, or it could
    not run); an agreement is None when one side is missing or NaN.
    """

    argnum: int
    index: tuple[int, ...]
    name: str  # "y", "w[2]"
    hand: float | None
    ad: float | None
    fd: float | None
    hand_ad: bool | None
    hand_fd: bool | None
    ad_fd: bool | None


@dataclass
class GradCheck:
    """The outcome of :func:`check_grad`; truthy when the gradient is verified.

        >>> r = check_grad(lambda x: x ** 3, 2.0, grad_fn=lambda x: 3 * x ** 2); r.outcome
        'verified'
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
    outcome: Outcome = "unverified"
    failures: dict[str, Failure] = field(default_factory=dict)  # keys "hand", "ad", "fd"
    rtol: float = 1e-5
    atol: float = 1e-8
    # per argnum float arrays (None: not computed), for components()
    _values: dict[str, list[np.ndarray] | None] = field(default_factory=dict, repr=False)
    _labels: list[tuple[int, str]] = field(default_factory=list, repr=False)

    def __bool__(self) -> bool:
        return self.ok

    def components(self, limit: int | None = None) -> list[Component]:
        """Every scalar component (the first ``limit``), in argument order.

            >>> [c.hand_ad for c in check_grad(lambda x, y: x * y, 1.0, 2.0, argnums=(0, 1),
            ...                                grad_fn=lambda x, y: (y, 2 * x)).components()]
            [True, False]
        """
        out: list[Component] = []
        for j, (k, name) in enumerate(self._labels):
            arrays = {w: (v[j] if v is not None else None) for w, v in self._values.items()}
            shape = next(a.shape for a in arrays.values() if a is not None)
            for idx in np.ndindex(shape):
                if limit is not None and len(out) >= limit:
                    return out
                vals = {w: (float(a[idx]) if a is not None else None) for w, a in arrays.items()}
                h, a, f = vals.get("hand"), vals.get("ad"), vals.get("fd")
                out.append(Component(
                    k, tuple(int(i) for i in idx), name + (_fmt_index(idx) if idx else ""),
                    h, a, f, _agree(h, a, self.rtol, self.atol), _agree(h, f, self.rtol, self.atol),
                    _agree(a, f, self.rtol, self.atol)))
        return out


def check_grad(f: Callable, *args: Any, argnums: int | tuple[int, ...] = 0,
               grad_fn: Callable | None = None, rtol: float = 1e-5,
               atol: float = 1e-8) -> GradCheck:
    """Check ad's gradient of ``f`` (or a hand-written ``grad_fn``) at ``args``.

        >>> check_grad(lambda x, y: x * y, 1.5, 2.0, argnums=(0, 1),
        ...            grad_fn=lambda x, y: (y, 2 * x)).message
        '∂<lambda>/∂y off by 1.5 at y=2.0: hand-written 3.0, AD 1.5 (finite differences 1.5)'

    ``grad_fn`` is called with the same arguments as ``f`` and returns what
    ``ad.grad(f, argnums)`` would: one gradient, or a tuple for a tuple of
    argnums. Nothing that ``f`` or ``grad_fn`` does (raise, return the wrong type
    or shape, return NaN) raises here: the result says what happened. Only a bad
    argument (``None`` where a number is differentiated) is a ``TypeError``.
    """
    nums, single = _argnums(argnums, len(args), "check_grad")
    xs = [_diff_arg(args[k], f, k, "check_grad") for k in nums]
    names = _param_names(f, len(args))
    fname = getattr(f, "__name__", "f")
    shape = (xs, nums, single, names)
    failures: dict[str, Failure] = {}

    fd, fd_failure = _attempt(lambda: numeric.gradient(f, *args, argnums=argnums,
                                                        method="central"), f)
    ad_val, ad_failure = _attempt(lambda: grad(f, argnums)(*args), f)
    values: dict[str, list[np.ndarray] | None] = {
        "ad": _normalize(ad_val, *shape, None)[0] if ad_failure is None else None,
        "fd": _normalize(fd, *shape, None)[0] if fd_failure is None else None,
    }
    for who, failure in (("ad", ad_failure), ("fd", fd_failure)):
        if failure is not None:
            failures[who] = failure
    problem_worst = None
    if grad_fn is not None:
        checked, failure = _attempt(lambda: grad_fn(*args), grad_fn)
        values["hand"] = None
        if failure is not None:
            gname = getattr(grad_fn, "__name__", "grad_fn")
            failures["hand"] = Failure(f"{gname} raised {failure.message}", failure.line)
        else:
            got, problem = _normalize(checked, *shape, grad_fn)
            if problem is not None:
                problem_worst = problem[0]
                failures["hand"] = Failure(problem[1])
            values["hand"] = got
    else:
        checked = ad_val
    labels = [(k, names[k]) for k in nums]
    result = functools.partial(GradCheck, analytic=checked, numeric=fd, ad=ad_val,
                               failures=failures, rtol=rtol, atol=atol, _values=values,
                               _labels=labels)

    subject = "hand" if grad_fn is not None else "ad"
    ref = "ad" if grad_fn is not None and values["ad"] is not None else "fd"
    ref_label = _WHO[ref]
    if values[subject] is None:  # the gradient being checked could not be computed
        message = failures[subject].message
        if subject == "ad":
            message = f"AD could not differentiate {fname}{_at_line(failures['ad'])}: {message}"
        return result(False, np.inf, np.inf, problem_worst, message=message,
                      reference=ref_label)
    if values[ref] is None:  # nothing to compare it with
        return result(False, np.inf, np.inf, None, reference=ref_label,
                      message=f"not checked: {_could_not(fname, failures)}")

    got, refs = values[subject], values[ref]
    max_abs = max_rel = 0.0
    worst, worst_score = None, -1.0
    mismatches: list[tuple[int, tuple]] = []
    incomparable: list[tuple[int, tuple]] = []
    for k, a, r in zip(nums, got, refs):
        nan = np.isnan(a) | np.isnan(r)
        same = a == r  # equal infinities agree
        finite = np.isfinite(a) & np.isfinite(r)
        err = np.where(same, 0.0, np.where(finite, np.abs(a - r), np.inf))
        tol = atol + rtol * np.abs(np.where(finite, r, 0.0))
        rel = err / np.maximum(np.abs(np.where(finite, r, 0.0)), atol)
        score = np.where(nan, np.inf, err / tol)
        if err.size:
            ok_err = np.where(nan, 0.0, err)
            max_abs = max(max_abs, float(np.max(ok_err)))
            max_rel = max(max_rel, float(np.max(np.where(nan, 0.0, rel))))
            i = int(np.argmax(score))
            if float(score.flat[i]) > worst_score:
                worst_score = float(score.flat[i])
                worst = (k, _index(i, a.shape))
        for i in np.flatnonzero(~nan & (err > tol)):
            mismatches.append((k, _index(i, a.shape)))
        incomparable += [(k, _index(i, a.shape)) for i in np.flatnonzero(nan)]
    noisy: list[tuple[int, tuple, float]] = []
    if mismatches and ref == "fd":
        # A ✗ against finite differences is only as good as they are: run them again, and
        # a component whose two runs disagree (f is random near the point: noise terms
        # that a nonzero parameter switches on) is not comparable, not wrong.
        again, rerun_failure = _attempt(lambda: numeric.gradient(
            f, *args, argnums=argnums, method="central"), f)
        rerun = _normalize(again, *shape, None)[0] if rerun_failure is None else None
        for k, idx in list(mismatches):
            j = nums.index(k)
            first = float(refs[j][idx])
            second = float(rerun[j][idx]) if rerun is not None else float("nan")
            if not _agree(second, first, rtol, atol):
                mismatches.remove((k, idx))
                noisy.append((k, idx, second))
    unstable: list[tuple[int, tuple, float, float]] = []
    if mismatches and ref == "fd" and rerun_failure is None:
        # Reproducible is not accurate: central differences of a large value lose digits to
        # rounding, and at a jump (floor, a step) or on a wild oscillation they measure no
        # derivative at all. Richardson's extrapolation from three steps, with its error
        # estimate, decides: it agrees with AD (the first run was inaccurate: not wrong), or
        # it confirms the first run tightly (AD is wrong), or neither (not comparable).
        ext, ext_failure = _attempt(lambda: numeric.richardson(f, *args, argnums=argnums), f)
        if ext_failure is None:
            value_part, error_part = ext
            est = _normalize(value_part, *shape, None)[0]
            err = _normalize(error_part, *shape, None)[0]
        else:
            est = err = None
        for k, idx in list(mismatches):
            j = nums.index(k)
            if est is None:
                break
            r, e = float(est[j][idx]), float(err[j][idx])
            a, first = float(got[j][idx]), float(refs[j][idx])
            if not (np.isfinite(r) and np.isfinite(e)):
                mismatches.remove((k, idx))
                unstable.append((k, idx, r, e))
            elif abs(a - r) <= atol + rtol * abs(r) + e:
                mismatches.remove((k, idx))  # AD agrees with the better estimate
                refs[j][idx] = r
                max_abs, max_rel = _largest_errors(got, refs, atol)
            elif e > atol + rtol * abs(r) or abs(first - r) > atol + rtol * abs(r) + e:
                mismatches.remove((k, idx))
                unstable.append((k, idx, r, e))
    if incomparable or noisy or unstable:
        max_abs = max_rel = np.inf
    subject_label = _WHO[subject]

    def describe(k: int, idx: tuple, verb: str) -> str:
        j = nums.index(k)
        a, r = got[j][idx], refs[j][idx]
        where = names[k] + (_fmt_index(idx) if idx else "")
        x = np.asarray(xs[j], dtype=float)[idx]
        head = (f"off by {_num(abs(a - r))}" if verb == "off" else "cannot be compared")
        text = (f"∂{fname}/∂{where} {head} at {where}={_num(x)}: {subject_label} {_num(a)}, "
                f"{ref_label} {_num(r)}")
        if ref == "ad" and values["fd"] is not None:
            text += f" (finite differences {_num(values['fd'][j][idx])})"
        return text

    if mismatches:
        message = describe(*worst, "off") if worst in mismatches else describe(*mismatches[0],
                                                                                "off")
        if len(mismatches) > 1:
            message += f"; {len(mismatches) - 1} more component(s) off"
        outcome: Outcome = "wrong"
    elif noisy:
        k, idx, second = noisy[0]
        j = nums.index(k)
        where = names[k] + (_fmt_index(idx) if idx else "")
        head = (f"∂{fname}/∂{where} cannot be checked at {where}="
                f"{_num(np.asarray(xs[j], dtype=float)[idx])}: ")
        if rerun_failure is not None:  # the confirming run raised: say that, not noise
            failures["fd"] = rerun_failure
            message = (head + f"AD gave {_num(got[j][idx])}, finite differences "
                       f"{_num(refs[j][idx])}, and running them again to confirm failed"
                       f"{_at_line(rerun_failure)}: {rerun_failure.message}")
        else:
            message = (head + f"finite differences are not reproducible there "
                       f"({_num(refs[j][idx])}, then {_num(second)}): {fname} gives "
                       "different values for the same input near this point (random?)")
        outcome = "unverified"
    elif unstable:
        k, idx, r, e = unstable[0]
        j = nums.index(k)
        where = names[k] + (_fmt_index(idx) if idx else "")
        message = (f"∂{fname}/∂{where} cannot be checked at {where}="
                   f"{_num(np.asarray(xs[j], dtype=float)[idx])}: finite differences are not "
                   f"accurate there (central {_num(refs[j][idx])}, extrapolated {_num(r)} ± "
                   f"{_num(e)}; AD {_num(got[j][idx])}): {fname} jumps, oscillates or is too "
                   "large near this point for differences to measure its derivative")
        outcome = "unverified"
    elif incomparable:
        message = describe(*incomparable[0], "nan")
        outcome = "unverified"
    else:
        message = (f"✓ matches ∇{fname} (against {ref_label}): max abs error "
                   f"{max_abs:.2g}, max rel error {max_rel:.2g}")
        outcome = "verified"
    if subject == "hand" and ref == "fd":
        # AD could not run: finite differences are approximate, so they verify nothing
        # and condemn nothing; say what they show.
        agree = "agrees with" if outcome == "verified" else "differs from"
        detail = message if outcome != "verified" else f"max rel error {max_rel:.2g}"
        message = (f"AD could not differentiate {fname}{_at_line(failures['ad'])}: "
                   f"{failures['ad'].message}; the hand-written gradient {agree} finite "
                   f"differences ({detail})")
        outcome = "unverified"
    return result(outcome == "verified", max_abs, max_rel, worst, message=message,
                  reference=ref_label, mismatches=mismatches, outcome=outcome)


def check_jvp(f: Callable, primals: tuple, tangents: tuple, jvp_fn: Callable,
              rtol: float = 1e-5, atol: float = 1e-8) -> GradCheck:
    """Check a hand-written Jacobian-vector product ``jvp_fn(*primals)`` (J·v, shaped
    like ``f``'s output) against AD's, ``jvp(f, primals, tangents)``.

        >>> check_jvp(np.sin, (0.0,), (2.0,), jvp_fn=lambda x: 2 * np.cos(x)).outcome
        'verified'

    How a Jacobian too large to check entry by entry is checked (a Hessian too: the
    Jacobian of the gradient): along a random direction a wrong matrix disagrees with
    probability 1, for one forward pass and two calls of ``f`` instead of one gradient
    and 2n calls per row. AD (forward mode) is the reference, as for ``check_grad`` with
    a ``grad_fn``; central differences of ``f`` along the tangents are computed beside
    it. There is one component per output element (``argnum`` 0, named by ``f``'s name
    and the output index), and ``.worst``/``.mismatches`` name output elements. Nothing
    that ``f`` or ``jvp_fn`` does raises here, as for ``check_grad``.
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("check_jvp: primals and tangents must be tuples, e.g. "
                        "check_jvp(f, (x,), (v,), jvp_fn=...)")
    if len(primals) != len(tangents):
        raise ValueError(f"check_jvp: {len(primals)} primals but {len(tangents)} tangents")
    xs = [_diff_arg(p, f, k, "check_jvp") for k, p in enumerate(primals)]
    ts = [np.asarray(t, dtype=float) for t in tangents]
    fname = getattr(f, "__name__", "f")
    failures: dict[str, Failure] = {}
    ad_out, failure = _attempt(lambda: jvp(f, tuple(xs), tuple(
        float(t) if t.ndim == 0 else t for t in ts)), f)
    if failure is not None:
        failures["ad"] = failure
    fd, failure = _attempt(lambda: _along(f, xs, ts), f)
    if failure is not None:
        failures["fd"] = failure
    hand, failure = _attempt(lambda: jvp_fn(*primals), jvp_fn)
    gname = getattr(jvp_fn, "__name__", "jvp_fn")
    if failure is not None:
        failures["hand"] = Failure(f"{gname} raised {failure.message}", failure.line)
    ad_val = _as_output(ad_out[1]) if ad_out is not None else None
    shape = ad_val.shape if ad_val is not None else np.shape(fd) if fd is not None else None
    values: dict[str, list[np.ndarray] | None] = {
        "ad": [ad_val] if ad_val is not None else None,
        "fd": [_as_output(fd)] if fd is not None else None,
        "hand": None,
    }
    if hand is not None:
        a = _as_output(hand)
        if a is None or (shape is not None and a.shape != shape):
            failures["hand"] = Failure(f"{gname} returned {_kind(hand)}, but the product has "
                                       f"shape {shape}")
        else:
            values["hand"] = [a]
    for who in ("ad", "fd"):
        if values[who] is not None and shape is not None and values[who][0].shape != shape:
            values[who] = None  # f's output changed shape along the direction
            failures.setdefault(who, Failure(f"{fname} returns another shape near the point"))
    result = functools.partial(GradCheck, analytic=hand, numeric=fd, ad=ad_val,
                               failures=failures, rtol=rtol, atol=atol, _values=values,
                               _labels=[(0, fname)], reference="AD")
    if values["hand"] is None:
        return result(False, np.inf, np.inf, None, message=failures["hand"].message)
    ref = "ad" if values["ad"] is not None else "fd"
    if values[ref] is None:
        return result(False, np.inf, np.inf, None, reference=_WHO[ref],
                      message=f"not checked: {_could_not(fname, failures)}")
    got, r = values["hand"][0], values[ref][0]
    nan = np.isnan(got) | np.isnan(r)
    finite = np.isfinite(got) & np.isfinite(r)
    err = np.where(got == r, 0.0, np.where(finite, np.abs(got - r), np.inf))
    scale = np.abs(np.where(finite, r, 0.0))
    tol = atol + rtol * scale
    score = np.where(nan, np.inf, err / tol)
    off = [_index(i, got.shape) for i in np.flatnonzero(~nan & (err > tol))]
    max_abs = float(np.max(np.where(nan, 0.0, err), initial=0.0))
    max_rel = float(np.max(np.where(nan, 0.0, err / np.maximum(scale, atol)), initial=0.0))
    worst = (0, _index(int(np.argmax(score)), got.shape)) if got.size else None

    def name(idx: tuple) -> str:
        return f"({fname}·v){_fmt_index(idx) if idx else ''}"

    def values_at(idx: tuple) -> str:
        text = f"hand-written {_num(got[idx])}, {_WHO[ref]} {_num(r[idx])}"
        if ref == "ad" and values["fd"] is not None:
            text += f" (finite differences {_num(values['fd'][0][idx])})"
        return text

    if off:
        idx = worst[1] if worst is not None and worst[1] in off else off[0]
        message = f"{name(idx)} off by {_num(err[idx])}: {values_at(idx)}"
        if len(off) > 1:
            message += f"; {len(off) - 1} more component(s) off"
        outcome: Outcome = "wrong"
    elif np.any(nan):
        idx = _index(int(np.flatnonzero(nan)[0]), got.shape)
        message = f"{name(idx)} cannot be compared: {values_at(idx)}"
        outcome = "unverified"
        max_abs = max_rel = np.inf
    else:
        message = (f"✓ matches {fname}·v (against {_WHO[ref]}): max abs error {max_abs:.2g}, "
                   f"max rel error {max_rel:.2g}")
        outcome = "verified"
    if ref == "fd":  # AD could not run: finite differences verify and condemn nothing
        agree = "agrees with" if outcome == "verified" else "differs from"
        message = (f"AD could not differentiate {fname}{_at_line(failures['ad'])}: "
                   f"{failures['ad'].message}; the hand-written product {agree} finite "
                   f"differences ({message})")
        outcome = "unverified"
    return result(outcome == "verified", max_abs, max_rel, worst, message=message,
                  reference=_WHO[ref], mismatches=[(0, i) for i in off], outcome=outcome)


def _along(f: Callable, xs: list, ts: list[np.ndarray]) -> np.ndarray:
    """Central differences of ``f`` at ``xs`` along ``ts``: the step is the central rule's
    for the largest component, taken by the largest tangent component."""
    big = max((float(np.max(np.abs(x), initial=0.0)) for x in xs), default=0.0)
    tmax = max((float(np.max(np.abs(t), initial=0.0)) for t in ts), default=0.0)
    if tmax == 0:
        return np.zeros(np.shape(f(*xs)))
    h = numeric.default_step("central", big) / tmax

    def at(s: float) -> list:
        return [x + s * t if isinstance(x, np.ndarray) or t.ndim else float(x + s * t)
                for x, t in zip(xs, ts)]

    up = np.asarray(f(*at(h)), dtype=float)
    down = np.asarray(f(*at(-h)), dtype=float)
    return (up - down) / (2 * h)


def _as_output(v) -> np.ndarray | None:
    """A product as a float array (None: not numbers)."""
    if isinstance(v, (bool, np.bool_, str, bytes, dict)) or v is None:
        return None
    try:
        a = np.asarray(v)
    except Exception:
        return None
    if a.dtype.kind == "c":
        if np.any(a.imag != 0):
            return None
        a = a.real
    return a.astype(float) if a.dtype.kind in "fiu" else None


# ---------------------------------------------------------------- internals


def _attempt(compute: Callable[[], Any], fn: Callable) -> tuple[Any, Failure | None]:
    """``(compute(), None)``, or ``(None, Failure)`` naming the line of ``fn``'s file."""
    try:
        return compute(), None
    except MemoryError:
        raise  # out of memory is the caller's to report, not a property of the gradient
    except Exception as e:  # a gradient check reports failures, it does not raise them
        message = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        return None, Failure(message, _line_in(e, fn))


def _line_in(e: BaseException, fn: Callable) -> int | None:
    """The line of the deepest traceback frame in ``fn``'s source file."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    try:
        code = getattr(inspect.unwrap(fn), "__code__", None)
    except ValueError:  # a cycle of __wrapped__
        code = None
    if code is None:
        return None
    line = None
    for frame, lineno in traceback.walk_tb(e.__traceback__):
        if frame.f_code.co_filename == code.co_filename:
            line = lineno
    return line


def _at_line(failure: Failure) -> str:
    return f" (line {failure.line})" if failure.line is not None else ""


def _could_not(fname: str, failures: dict[str, Failure]) -> str:
    parts = []
    if "ad" in failures:
        parts.append(f"AD could not differentiate {fname}{_at_line(failures['ad'])}: "
                     f"{failures['ad'].message}")
    if "fd" in failures:
        parts.append(f"finite differences could not evaluate {fname}"
                     f"{_at_line(failures['fd'])}: {failures['fd'].message}")
    return "; ".join(parts)


def _largest_errors(got, refs, atol: float) -> tuple[float, float]:
    """(max abs error, max rel error) over every comparable component (NaN left out)."""
    max_abs = max_rel = 0.0
    for a, r in zip(got, refs):
        finite = np.isfinite(a) & np.isfinite(r)
        if not np.any(finite):
            continue
        err = np.abs(a[finite] - r[finite])
        max_abs = max(max_abs, float(np.max(err)))
        max_rel = max(max_rel, float(np.max(err / np.maximum(np.abs(r[finite]), atol))))
    return max_abs, max_rel


def _agree(a: float | None, b: float | None, rtol: float, atol: float) -> bool | None:
    if a is None or b is None or a != a or b != b:
        return None
    if a == b:
        return True
    return bool(np.isfinite(a) and np.isfinite(b) and abs(a - b) <= atol + rtol * abs(b))


def _index(i: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(j) for j in np.unravel_index(i, shape)) if shape else ()


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

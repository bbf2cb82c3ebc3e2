"""How a hand-written Jacobian's shape relates to its function's: the vectorized layout,
and the shapes a synthetic point may need that only the hand-written output reveals.
Runs in the kernel only (`compute` calls it); pure NumPy and ``ad_core``.

**Vectorized along the last axis.** ODE and BVP code (SciPy's ``solve_bvp`` ``fun`` and
``fun_jac``) evaluates ``f(x, y)`` for ``m`` points at once: ``y``
has shape ``(k, m)``, the output ``(n, m)``, column ``c`` of the output depending only on
column ``c`` of ``y``. The hand-written Jacobian then has shape ``(n, k, m)``,
``J[i, j, c] = ∂f[i, c]/∂y[j, c]`` (one ``n × k`` Jacobian per column), and a parameter
vector ``p`` (shared by all columns) gets ``(n, len(p), m)``. The full Jacobian this stands
for is zero across columns; `coupled` checks that with AD before the reading is used, so
a function whose columns are coupled is no pair rather than a false ✗.

**Shapes read off the derivative.** A function may only index ``ya[0]`` (its point then
gets ``ya`` of length 1) while its hand-written Jacobian returns ``(2, 2)`` blocks; or a
mesh function indexes ``y[1]`` (``y`` gets length 2) while its derivative returns
``(2, 2, m)``. `alternative_points` proposes the shapes the derivative's output suggests
(its trailing axes, its middle axis, the whole shape, its leading axes), for the parts
of a tuple by position and for one parameter at a time; `compute` runs each and keeps
the first at which a reading fits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import ad_core as ad

VECTORIZED = "vectorized along the last axis"
MAX_COLUMNS = 64  # columns whose independence is checked (evenly spread beyond that)
COUPLING_RTOL = 1e-10  # a cross-column derivative above this (relative) is a coupling
MAX_SIZE = 10_000  # values in a re-chosen parameter


def readings(a: np.ndarray, out_shape: tuple[int, ...], x_shape: tuple[int, ...]
             ) -> list[tuple[np.ndarray, str]]:
    """``a`` read as a vectorized Jacobian of an output of shape ``(n, m)`` w.r.t. an
    argument of shape ``(k, m)`` (block-diagonal across columns) or ``(k,)`` (a parameter
    shared by the columns): the block shaped ``out_shape + x_shape``, or nothing."""
    if len(out_shape) != 2 or a.ndim != 3 or a.shape[0] != out_shape[0] \
            or a.shape[2] != out_shape[1]:
        return []
    n, m = out_shape
    k = a.shape[1]
    out: list[tuple[np.ndarray, str]] = []
    if x_shape == (k, m):
        block = np.zeros((n, m, k, m))
        cols = np.arange(m)
        block[:, cols, :, cols] = np.moveaxis(a, 2, 0)  # block[i, c, j, c] = a[i, j, c]
        out.append((block, VECTORIZED))
    if x_shape == (k,):
        out.append((np.transpose(a, (0, 2, 1)).copy(), VECTORIZED))
    return out


def columned(shape: tuple[int, ...], out_shape: tuple[int, ...]) -> bool:
    """An argument the vectorized reading spreads over the output's columns."""
    return len(shape) == 2 and len(out_shape) == 2 and shape[1] == out_shape[1]


def coupled(f: Callable[..., Any], args: tuple[Any, ...], k: int) -> str:
    """Why ``f`` is not vectorized along the last axis w.r.t. argument ``k`` (shape
    ``(r, m)``, output ``(n, m)``), or "" when its output's column ``c`` depends on no
    column of ``args[k]`` but ``c``: reverse mode once, then one backward pass per column
    with a random cotangent in that column only (a coupling shows almost surely)."""
    def g(y: Any) -> Any:
        return f(*args[:k], y, *args[k + 1:])

    try:
        out, back = ad.vjp(g, args[k])
        m = np.shape(out)[1]
        rng = np.random.default_rng(0)
        cols = range(m) if m <= MAX_COLUMNS else np.linspace(0, m - 1, MAX_COLUMNS).astype(int)
        for c in cols:
            ct = np.zeros(np.shape(out))
            ct[:, c] = rng.uniform(0.5, 1.5, ct.shape[0]) * rng.choice([-1.0, 1.0], ct.shape[0])
            gy = np.asarray(back(ct)[0], dtype=float)
            scale = max(1.0, float(np.max(np.abs(gy))))
            off = np.delete(gy, c, axis=1)
            if off.size and np.max(np.abs(off)) > COUPLING_RTOL * scale:
                other = int(np.argmax(np.max(np.abs(np.delete(gy, c, axis=1)), axis=0)))
                other += other >= c
                return f"column {c} of its output depends on column {other} of the argument"
    except Exception as e:  # noqa: BLE001  (AD cannot say: the reading is not trusted)
        return f"AD could not tell whether its columns are independent ({type(e).__name__})"
    return ""


def shapes_of(h: Any) -> list[tuple[int, ...]]:
    """The shapes of the arrays the derivative returned (one, or one per part), or []."""
    parts = list(h) if isinstance(h, (list, tuple)) else [h]
    out = []
    for p in parts:
        try:
            a = np.asarray(p, dtype=float)
        except (TypeError, ValueError):
            return []
        out.append(a.shape)
    return out


def _suggested(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Shapes an argument may have, given one derivative block of shape ``shape``: its
    trailing axes (a Jacobian is outputs × inputs; a vectorized one (n, k, m) ends in
    (k, m)), its middle axis (a parameter's (n, k, m)), the whole (a gradient shaped like
    its argument), its leading axes (a transposed Jacobian)."""
    d = len(shape)
    out = [shape[i:] for i in range(1, d)]
    if d == 3:
        out.append(shape[1:2])
    out.append(shape)
    out += [shape[:i] for i in range(d - 1, 0, -1)]
    seen: list[tuple[int, ...]] = []
    for s in out:
        if s and s not in seen and int(np.prod(s)) <= MAX_SIZE:
            seen.append(s)
    return seen


def _rank(current: tuple[int, ...], new: tuple[int, ...]) -> int:
    """How plausible a change of an argument's shape is: 0 when the new shape keeps its
    axes' count or extends the current one (``(2,)`` to ``(2, 3)``: the body indexed
    ``y[1]`` of a (2, m) array), 1 for a scalar becoming an array, 2 otherwise."""
    if current and (len(new) == len(current) or new[:len(current)] == current
                    or new[-len(current):] == current):
        return 0
    return 1 if not current else 2


def alternative_points(h: Any, names: list[str], current: dict[str, tuple[int, ...]],
                       out_shape: tuple[int, ...] = ()) -> list[dict[str, tuple[int, ...]]]:
    """New shapes for some of ``names`` (the synthetic float parameters, in order; their
    shapes now in ``current``) that may make the derivative's output ``h`` fit, most
    plausible first: when a tuple returns one part per parameter, the parts matched to
    them (each part's trailing axes of one length, then the whole parts); then one
    parameter at a time, each shape any part suggests (`_suggested`) or the function's
    output shape ``out_shape`` (an ODE's right-hand side is shaped like its state:
    ``J = np.empty((n, n, m))`` with ``n, m = y.shape`` reveals only that ``y`` is a
    matrix, the function's rows say how many), by `_rank`; then the parts of a shorter
    tuple matched to the last parameters. Without repeats or the current shapes."""
    shapes = [s for s in shapes_of(h) if s]
    if not shapes or not names:
        return []
    ranked: list[tuple[tuple[int, int, int], dict[str, tuple[int, ...]]]] = []
    seen: set[tuple[tuple[str, tuple[int, ...]], ...]] = set()

    def add(group: int, change: dict[str, tuple[int, ...]]) -> None:
        change = {k: v for k, v in change.items() if current.get(k) != v}
        key = tuple(sorted(change.items()))
        if change and key not in seen:
            seen.add(key)
            rank = sum(_rank(current.get(k, ()), v) for k, v in change.items())
            ranked.append(((group, rank, len(ranked)), change))

    if isinstance(h, (list, tuple)) and 1 < len(shapes) <= len(names) \
            and len(shapes) == len(h):
        group = 0 if len(shapes) == len(names) else 2
        mine = names[-len(shapes):]
        for length in range(1, max(len(s) for s in shapes)):
            if all(len(s) > length for s in shapes):
                add(group, {n: s[-length:] for n, s in zip(mine, shapes, strict=True)})
        add(group, dict(zip(mine, shapes, strict=True)))
    for name in names:
        for s in shapes:
            for shape in _suggested(s):
                add(1, {name: shape})
        if out_shape and int(np.prod(out_shape)) <= MAX_SIZE:
            add(1, {name: out_shape})
    return [change for _, change in sorted(ranked, key=lambda r: r[0])]

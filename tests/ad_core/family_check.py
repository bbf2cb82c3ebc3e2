"""Every mode of ad_core against central finite differences, for the linalg, fft and
scipy.special families (tests/ad_core/test_linalg.py, test_fft.py, test_special.py).

``check_modes(f, args)`` runs, at one point:

- first order: ``jacfwd`` and ``jacrev`` against a finite-difference Jacobian, ``jvp`` along
  a random direction and ``vjp`` with a random cotangent against the same Jacobian;
- second order (``order=2``): ``hessian``, ``jacfwd(jacfwd)``, ``jacrev(jacrev)`` and
  ``jacrev(jacfwd)`` of a random weighting of the outputs against a four-point
  finite-difference Hessian;
- and that ``hessian``'s batched forward sweep ran: every primitive on the way has a batching
  rule (a missing one would fall back silently to one sweep per input element).

The oracles (``adcheck_helpers``) evaluate ``f`` on plain NumPy values only.
"""

from __future__ import annotations

import numpy as np
from adcheck_helpers import (
    assert_close,
    blocks_to_matrix,
    fd_hessian,
    fd_jacobian,
    nested_to_matrix,
)

import ad_core as ad
from ad_core.forward import batched_jacobian_tangents

SECOND_ORDER = [
    ("hessian", lambda s, n: ad.hessian(s, n)),
    ("jacfwd(jacfwd)", lambda s, n: ad.jacfwd(ad.jacfwd(s, n), n)),
    ("jacrev(jacrev)", lambda s, n: ad.jacrev(ad.jacrev(s, n), n)),
    ("jacrev(jacfwd)", lambda s, n: ad.jacrev(ad.jacfwd(s, n), n)),
]


def _random_like(rng, s):
    return float(rng.normal()) if s == () else rng.normal(size=s)


def check_modes(f, args, *, order: int = 2, what: str = "", rtol: float = 1e-5,
                atol: float = 1e-6, hrtol: float = 2e-4, hatol: float = 1e-4,
                seed: int = 0, pairs: tuple[str, ...] | None = None) -> None:
    """``pairs`` limits the second-order mode pairs (default: all four)."""
    args = tuple(args)
    rng = np.random.default_rng(seed)
    shapes = [np.shape(a) for a in args]
    nums = tuple(range(len(args)))
    out = np.asarray(f(*args), dtype=float)
    J = fd_jacobian(f, args)

    assert_close(blocks_to_matrix(ad.jacfwd(f, nums)(*args), out.size, shapes), J, rtol, atol,
                 f"{what}: jacfwd")
    assert_close(blocks_to_matrix(ad.jacrev(f, nums)(*args), out.size, shapes), J, rtol, atol,
                 f"{what}: jacrev")
    tangents = tuple(_random_like(rng, s) for s in shapes)
    primal, t_out = ad.jvp(f, args, tangents)
    assert_close(primal, out, 1e-12, 1e-12, f"{what}: jvp primal")
    t_flat = np.concatenate([np.ravel(t) for t in tangents])
    assert_close(np.ravel(t_out), J @ t_flat, rtol, atol, f"{what}: jvp")
    ct = _random_like(rng, out.shape)
    _, f_vjp = ad.vjp(f, *args)
    cts = f_vjp(ct)
    assert_close(np.concatenate([np.ravel(c) for c in cts]), np.ravel(ct) @ J, rtol, atol,
                 f"{what}: vjp")
    if order < 2:
        return

    w = rng.uniform(0.5, 1.5, size=out.shape)

    def s(*a):
        return np.sum(w * f(*a))

    H = fd_hessian(s, args)
    for name, make in SECOND_ORDER:
        if pairs is not None and name not in pairs:
            continue
        assert_close(nested_to_matrix(make(s, nums)(*args), shapes), H, hrtol, hatol,
                     f"{what}: {name}")
    assert_batched(s, args)


def assert_batched(s, args) -> None:
    """hessian(s)'s forward sweep runs batched: no primitive lacks a batching rule
    (``batched_jacobian_tangents`` raises NoBatchRule otherwise)."""
    nums = tuple(range(len(args)))
    xs = {k: args[k] for k in nums}
    for k in nums:
        if np.size(args[k]) > 1:
            batched_jacobian_tangents(ad.jacrev(s, nums), args, {}, nums, xs, k)

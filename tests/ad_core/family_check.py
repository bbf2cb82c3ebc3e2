"""Every mode of ad_core against central finite differences, for the linalg, fft and
scipy.special families (tests/ad_core/test_linalg.py, test_fft.py, test_special.py).

``check_modes(f, args)`` runs, at one point:

- first order: ``jacfwd`` and ``jacrev`` against a finite-difference Jacobian, ``jvp`` along
  a random direction and ``vjp`` with a random cotangent against the same Jacobian;
- second order (``order=2``): ``hessian``, ``jacfwd(jacfwd)``, ``jacrev(jacrev)`` and
  ``jacrev(jacfwd)`` of a random weighting of the outputs against a four-point
  finite-difference Hessian;
- and that every batched sweep (``jacfwd``, ``jacrev``, ``hessian`` and their nestings) ran
  batched throughout: every primitive on the way has a batching rule (a missing one would be
  applied once per batch element, counted in ``ad_core.forward.batch_fallbacks``, which must
  stay empty).

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
from ad_core.forward import batch_fallbacks

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

    batch_fallbacks.clear()
    assert_close(blocks_to_matrix(ad.jacfwd(f, nums)(*args), out.size, shapes), J, rtol, atol,
                 f"{what}: jacfwd")
    assert_close(blocks_to_matrix(ad.jacrev(f, nums)(*args), out.size, shapes), J, rtol, atol,
                 f"{what}: jacrev")
    assert not batch_fallbacks, f"{what}: a batched sweep fell back: {dict(batch_fallbacks)}"
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
        batch_fallbacks.clear()
        assert_close(nested_to_matrix(make(s, nums)(*args), shapes), H, hrtol, hatol,
                     f"{what}: {name}")
        assert not batch_fallbacks, f"{what}: {name} fell back: {dict(batch_fallbacks)}"


def value_under_reverse_mode(f, args):
    """What f returns on traced arguments (reverse mode), as a plain value: the primal a
    transform computes, to compare with f on plain values."""
    seen = []

    def spy(*a):
        out = f(*a)
        seen.append(out)
        return out

    ad.vjp(spy, *args)
    out = seen[0]
    return out.value if isinstance(out, ad.Tracer) else out


# ---------------------------------------------------------------- complex values
# Autograd's convention (docs/ad_core.md): with the bilinear pairing <a, b> = Re Σ a·b (no
# conjugate), a vjp is the transpose of the jvp, <vjp(ct), t> = <ct, jvp(t)> for every t,
# and grad(h) of a real h is ∂h/∂x - i ∂h/∂y. These hold whatever f is (holomorphic or not),
# so finite differences along random complex directions check every mode.


def _direction(rng, a):
    s = np.shape(a)
    t = rng.normal(size=s) + (1j * rng.normal(size=s) if np.iscomplexobj(a) else 0.0)
    return complex(t) if s == () and np.iscomplexobj(a) else (float(t) if s == () else t)


def _fd_along(f, args, tangents, h=1e-6):
    hi = f(*[a + h * t for a, t in zip(args, tangents)])
    lo = f(*[a - h * t for a, t in zip(args, tangents)])
    return (np.asarray(hi) - np.asarray(lo)) / (2 * h)


def _pair(a, b) -> float:
    return float(np.real(np.sum(np.asarray(a) * np.asarray(b))))


def fd_complex_grad(h, args, step=1e-6):
    """∂h/∂x - i ∂h/∂y of a real scalar h, per argument (∂h/∂x alone for a real one)."""
    out = []
    for k, a in enumerate(args):
        a = np.asarray(a)
        g = np.zeros(a.shape, dtype=a.dtype if np.iscomplexobj(a) else float)
        for idx in np.ndindex(a.shape):
            parts = [(1.0, 1.0)] + ([(1j, -1j)] if np.iscomplexobj(a) else [])
            for unit, weight in parts:
                e = np.zeros(a.shape, dtype=a.dtype)
                e[idx] = unit * step
                up = [x if j != k else (a + e if a.shape else complex(a + e)
                                        if np.iscomplexobj(a) else float(a + e))
                      for j, x in enumerate(args)]
                dn = [x if j != k else (a - e if a.shape else complex(a - e)
                                        if np.iscomplexobj(a) else float(a - e))
                      for j, x in enumerate(args)]
                g[idx] += weight * (float(h(*up)) - float(h(*dn))) / (2 * step)
        out.append(g if a.shape else g[()])
    return out


def check_complex(f, args, *, what: str = "", rtol: float = 1e-6, atol: float = 1e-7,
                  seed: int = 0, order: int = 2) -> None:
    args = tuple(args)
    rng = np.random.default_rng(seed)
    out = f(*args)
    t = tuple(_direction(rng, a) for a in args)
    ct = _direction(rng, out)
    fd = _fd_along(f, args, t)
    primal, t_out = ad.jvp(f, args, t)
    assert_close_c(primal, out, 1e-12, 1e-12, f"{what}: jvp primal")
    assert_close_c(t_out, fd, rtol, atol, f"{what}: jvp")
    cts = ad.vjp(f, *args)[1](ct)
    lhs = sum(_pair(c, d) for c, d in zip(cts, t))
    np.testing.assert_allclose(lhs, _pair(ct, fd), rtol=rtol, atol=atol * max(1, abs(lhs)),
                               err_msg=f"{what}: vjp")
    if order < 2:
        return
    nums = tuple(range(len(args)))

    def back(*a):  # reverse mode, as a function of the point
        return ad.vjp(f, *a)[1](ct)

    # forward over reverse: the jvp of the vjp along t
    _, tt = ad.jvp(lambda *a: back(*a), args, t)
    want = _fd_along(lambda *a: np.concatenate([np.ravel(c) for c in back(*a)]), args, t)
    assert_close_c(np.concatenate([np.ravel(x) for x in tt]), want, 1e-5, 1e-6,
                   f"{what}: jvp(vjp)")
    # reverse over forward and reverse over reverse: gradients of real scalars of the point
    s = tuple(_direction(rng, a) for a in args)
    for label, h in (("grad(jvp)", lambda *a: _re_sum(ct, ad.jvp(f, a, t)[1])),
                     ("grad(vjp)", lambda *a: sum(_re_sum(c, w) for c, w in zip(back(*a), s)))):
        g = ad.grad(h, nums)(*args)
        for k, (gk, fk) in enumerate(zip(g, fd_complex_grad(h, args))):
            assert_close_c(gk, fk, 1e-5, 1e-6, f"{what}: {label} argument {k}")


def _re_sum(a, b):
    """Re Σ a·b, on plain or traced values."""
    return np.real(np.sum(np.multiply(a, b)))


def assert_close_c(actual, expected, rtol, atol, what=""):
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol * scale, err_msg=what)

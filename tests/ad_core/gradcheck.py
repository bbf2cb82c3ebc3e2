"""``check_grads`` as autograd and JAX have it: random-direction JVP and VJP against
central finite differences, in both modes, recursively up to ``order``.

For order 2 the same check runs on ``x -> jvp(f, x, v)`` (forward over forward,
reverse over forward) and on ``x -> vjp(f, x)(u)`` (forward over reverse, reverse
over reverse): all four mode pairs. The finite differences evaluate the function
under check on plain values; at order 1 that is the primitive's plain evaluation,
so the derivative rules are checked against it independently.
"""

from __future__ import annotations

import numpy as np

import ad_core as ad
from ad_core._core import Tracer, raw


def _flatcat(parts):
    """Several outputs (plain or traced) as one flat array (traced if any part is)."""
    parts = [p for p in parts]
    if len(parts) == 1:
        return np.ravel(parts[0]) if not isinstance(parts[0], float) else np.array([parts[0]])
    return np.concatenate([np.reshape(p, (-1,)) if isinstance(p, Tracer) else
                           np.ravel(np.asarray(p, dtype=float)) for p in parts])


def _as_out(y):
    if isinstance(y, (tuple, list)):
        return _flatcat(list(y))
    return y


def _plain(y) -> np.ndarray:
    return np.asarray(raw(y), dtype=float)


def _add(args, v, h):
    return tuple(a + h * t if np.ndim(a) else float(a + h * t) for a, t in zip(args, v))


def _rand_like(rng, x):
    return float(rng.normal()) if np.ndim(x) == 0 else rng.normal(size=np.shape(x))


def _inner(a, b) -> float:
    return float(np.sum(np.asarray(a, dtype=float) * np.asarray(b, dtype=float)))


class GradCheckError(AssertionError):
    pass


def _close(what: str, got, want, rtol: float, atol: float) -> None:
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    if got.shape != want.shape:
        raise GradCheckError(f"{what}: shape {got.shape} != {want.shape}")
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    if not np.allclose(got, want, rtol=rtol, atol=atol * scale, equal_nan=True):
        err = np.max(np.abs(got - want))
        raise GradCheckError(f"{what}: max abs error {err:.3g} (scale {scale:.3g})\n"
                             f"got  {np.ravel(got)[:8]}\nwant {np.ravel(want)[:8]}")


def check_grads(f, args: tuple, order: int = 2, seed: int = 0, eps: float = 1e-6,
                rtol: float = 1e-5, atol: float = 1e-6, path: str = "f") -> None:
    """Raise GradCheckError if a derivative of ``f`` at ``args`` is wrong."""
    rng = np.random.default_rng(seed)
    g = lambda *a: _as_out(f(*a))  # noqa: E731
    y0 = g(*args)
    v = tuple(_rand_like(rng, a) for a in args)
    h = eps * max(1.0, max(float(np.max(np.abs(np.nan_to_num(np.asarray(a, dtype=float))),
                                        initial=0.0)) for a in args))
    fd = (_plain(g(*_add(args, v, h))) - _plain(g(*_add(args, v, -h)))) / (2 * h)

    # forward mode
    out, t = ad.jvp(g, args, v)
    _close(f"{path}: jvp primal", out, _plain(y0), 1e-12, 1e-12)
    _close(f"{path}: jvp vs finite differences", t, fd, rtol, atol)

    # reverse mode, against the same directional derivative
    out, f_vjp = ad.vjp(g, *args)
    u = _rand_like(rng, out)
    cts = f_vjp(u)
    lhs = sum(_inner(c, vi) for c, vi in zip(cts, v))
    _close(f"{path}: <vjp(u), v> vs <u, finite differences>", lhs, _inner(u, fd),
           rtol, atol * max(1.0, float(np.sum(np.abs(u)))))
    # and every cotangent has its argument's type and shape
    for k, (c, a) in enumerate(zip(cts, args)):
        if np.shape(c) != np.shape(a):
            raise GradCheckError(f"{path}: vjp cotangent {k} has shape {np.shape(c)}, "
                                 f"argument {np.shape(a)}")

    if order > 1:
        check_grads(lambda *a: ad.jvp(g, a, v)[1], args, order - 1, seed + 1, eps,
                    rtol * 10, atol * 10, f"jvp({path})")
        check_grads(lambda *a: _flatcat(ad.vjp(g, *a)[1](u)), args, order - 1, seed + 2,
                    eps, rtol * 10, atol * 10, f"vjp({path})")

"""Jacobian sweep: tanh(A @ x) with A of shape (m, n), n·m = 100, forward vs reverse.

jacfwd needs n passes and jacrev m passes, so the crossing point is where an
engine's two modes cost the same; absolute milliseconds per Jacobian.
"""

from __future__ import annotations

import numpy as np

from ._common import Backends, Case, Workload, block

SIZES: tuple[tuple[int, int], ...] = ((1, 100), (2, 50), (5, 20), (10, 10), (20, 5), (50, 2),
                                      (100, 1))


def f(x, A, xp=np):
    return xp.tanh(A @ x)


def jac_hand(x, A):
    t = np.tanh(A @ x)
    return (1.0 - t * t)[:, None] * A


def build(backends: Backends, sizes: tuple[tuple[int, int], ...] = SIZES) -> Workload:
    wl = Workload("sweep", "Jacobian sweep tanh(A @ x), (n inputs, m outputs), ms per Jacobian")
    rng = np.random.default_rng(3)
    for n, m in sizes:
        key = f"({n},{m})"
        wl.keys.append(key)
        A = rng.standard_normal((m, n)) / np.sqrt(n)
        x = rng.standard_normal(n)
        _add(wl, backends, key, x, A)
    b = backends.get("ad_core.sct")
    if b is not None and b.ok:
        wl.skipped["ad.sct"] = ("ad.sct transforms gradients of scalar functions (grad) and "
                                "scalar derivatives; it has no Jacobian transform")
    wl.notes.append("autograd has no jacfwd: its forward column is a loop of "
                    "autograd.make_jvp over the basis vectors. torch uses torch.func "
                    "(vmap-batched), JAX jax.jacfwd/jacrev (also vmap-batched).")
    return wl


def _add(wl: Workload, backends: Backends, key: str, x: np.ndarray, A: np.ndarray) -> None:
    wl.add(backends, "numpy", lambda: [
        Case("numpy (hand)", "numpy", "jac", key, lambda: jac_hand(x, A), reference=True)])

    def ad_core():
        import ad_core as ad

        jf, jr = ad.jacfwd(f), ad.jacrev(f)
        return [Case("ad_core", "ad_core", "jacfwd", key, lambda: jf(x, A)),
                Case("ad_core", "ad_core", "jacrev", key, lambda: jr(x, A))]

    def autograd():
        import autograd
        import autograd.numpy as anp

        fa = lambda v: f(v, A, xp=anp)
        jr = autograd.jacobian(fa)
        jvp = autograd.make_jvp(fa)
        eye = np.eye(len(x))

        def jf():
            push = jvp(x)
            return np.stack([push(e)[1] for e in eye], axis=-1)

        return [Case("autograd", "autograd", "jacfwd", key, jf),
                Case("autograd", "autograd", "jacrev", key, lambda: jr(x))]

    def torch():
        import torch
        from torch.func import jacfwd, jacrev

        tx, tA = torch.from_numpy(x), torch.from_numpy(A)
        ft = lambda v: torch.tanh(tA @ v)
        jf, jr = jacfwd(ft), jacrev(ft)
        return [Case("torch", "torch", "jacfwd", key, lambda: jf(tx)),
                Case("torch", "torch", "jacrev", key, lambda: jr(tx))]

    def jax():
        import jax
        import jax.numpy as jnp

        jx, jA = jnp.asarray(x), jnp.asarray(A)
        fj = lambda v, a: f(v, a, xp=jnp)
        cases = []
        for mode, tr in (("jacfwd", jax.jacfwd), ("jacrev", jax.jacrev)):
            eager, jit = tr(fj), jax.jit(tr(fj))
            cases.append(Case("jax (eager)", "jax", mode, key,
                              lambda e=eager: block(e(jx, jA))))
            cases.append(Case("jax.jit", "jax", mode, key, lambda j=jit: block(j(jx, jA))))
        return cases

    for name, b in [("ad_core", ad_core), ("autograd", autograd), ("torch", torch),
                    ("jax", jax)]:
        wl.add(backends, name, b)

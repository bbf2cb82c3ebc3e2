"""Jacobian sweep: tanh(A @ x) with A of shape (m, n), n, m ∈ {1, 10, 100, 1000}.

Every engine's ``jacfwd`` and ``jacrev`` on every cell, in one run, one thread,
each column timed in interleaved rounds (who is faster is the question, cell by
cell). ad_core's ``jacfwd`` carries all n tangents through one forward sweep and
its ``jacrev`` all m cotangents through one backward sweep, as torch.func and JAX
do with vmap; autograd runs one pass per input (``make_jvp``) or per output
(``jacobian``). The ad_core cases also carry ``ad.cost.estimate``'s prediction,
so the report can check the recommendation against the measured faster mode.
"""

from __future__ import annotations

import numpy as np

from .. import timing
from ._common import Backends, Case, Workload, block

#: 16 cells × up to 10 competitors: shorter batches than the other workloads keep the
#: sweep to a few minutes; interleaving, not long batches, is what steadies the ratios.
SETTINGS = timing.Settings(min_batch_s=0.02, repeat=5, budget_s=0.3)

DIMS: tuple[int, ...] = (1, 10, 100, 1000)
SIZES: tuple[tuple[int, int], ...] = tuple((n, m) for n in DIMS for m in DIMS)


def f(x, A, xp=np):
    return xp.tanh(A @ x)


def jac_hand(x, A):
    t = np.tanh(A @ x)
    return (1.0 - t * t)[:, None] * A


def key_of(n: int, m: int) -> str:
    return f"({n},{m})"


def build(backends: Backends, sizes: tuple[tuple[int, int], ...] = SIZES) -> Workload:
    wl = Workload("sweep", "Jacobian sweep tanh(A @ x), (n inputs, m outputs), ms per Jacobian",
                  interleave=True, settings=SETTINGS)
    rng = np.random.default_rng(3)
    for n, m in sizes:
        key = key_of(n, m)
        wl.keys.append(key)
        A = rng.standard_normal((m, n)) / np.sqrt(n)
        x = rng.standard_normal(n)
        _add(wl, backends, key, x, A)
    b = backends.get("ad_core.sct")
    if b is not None and b.ok:
        wl.skipped["ad.sct"] = ("ad.sct transforms gradients of scalar functions (grad) and "
                                "scalar derivatives; it has no Jacobian transform")
    wl.notes.append("ad_core, torch.func and JAX batch the n tangents (jacfwd) or m cotangents "
                    "(jacrev) into one sweep; autograd has no batched Jacobian: its jacfwd "
                    "column is a loop of autograd.make_jvp over the basis vectors, its jacrev "
                    "autograd.jacobian (one backward pass per output). Each column's cases "
                    "are timed in interleaved rounds.")
    return wl


def _add(wl: Workload, backends: Backends, key: str, x: np.ndarray, A: np.ndarray) -> None:
    wl.add(backends, "numpy", lambda: [
        Case("numpy (hand)", "numpy", "jac", key, lambda: jac_hand(x, A), reference=True)])

    def ad_core():
        import ad_core as ad

        jf, jr = ad.jacfwd(f), ad.jacrev(f)
        e = ad.cost.estimate(lambda v: f(v, A), x)
        predicted = {"predicted_fwd_s": e.forward_time, "predicted_rev_s": e.reverse_time,
                     "recommended": e.recommended}
        return [Case("ad_core", "ad_core", "jacfwd", key, lambda: jf(x, A), extra=predicted),
                Case("ad_core", "ad_core", "jacrev", key, lambda: jr(x, A), extra=predicted)]

    def autograd():
        import autograd
        import autograd.numpy as anp

        fa = lambda v: f(v, A, xp=anp)  # noqa: E731
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
        ft = lambda v: torch.tanh(tA @ v)  # noqa: E731
        jf, jr = jacfwd(ft), jacrev(ft)
        return [Case("torch", "torch", "jacfwd", key, lambda: jf(tx)),
                Case("torch", "torch", "jacrev", key, lambda: jr(tx))]

    def jax():
        import jax
        import jax.numpy as jnp

        jx, jA = jnp.asarray(x), jnp.asarray(A)
        fj = lambda v, a: f(v, a, xp=jnp)  # noqa: E731
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

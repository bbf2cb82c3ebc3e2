"""Hessian of a 100-dimensional function (Rosenbrock), absolute milliseconds."""

from __future__ import annotations

import numpy as np

from ._common import Backends, Case, Workload, block
from .vector import rosenbrock


def rosenbrock_hessian(x: np.ndarray) -> np.ndarray:
    """Tridiagonal, by hand: the independent reference."""
    n = len(x)
    H = np.zeros((n, n))
    i = np.arange(n - 1)
    H[i, i] = 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    H[i + 1, i + 1] += 200.0
    H[i, i + 1] = H[i + 1, i] = -400.0 * x[:-1]
    return H


def build(backends: Backends, n: int = 100) -> Workload:
    wl = Workload("hessian", f"Hessian of Rosenbrock, n = {n}")
    key = f"n={n}"
    wl.keys.append(key)
    x = np.random.default_rng(4).uniform(-1.5, 1.5, n)

    wl.add(backends, "numpy", lambda: [
        Case("numpy", "numpy", "fn", key, lambda: rosenbrock(x)),
        Case("numpy (hand)", "numpy", "hessian", key, lambda: rosenbrock_hessian(x),
             reference=True)])

    def ad_core():
        import ad_core as ad

        h = ad.hessian(rosenbrock)
        return [Case("ad_core", "ad_core", "hessian", key, lambda: h(x))]

    def sct():
        import ad_core as ad

        # Forward mode (ad.jacfwd) over the generated gradient: the generated code runs on
        # traced values (its generic variant: no shapes to specialise to).
        h = ad.jacfwd(ad.sct.grad(rosenbrock))
        return [Case("ad.sct", "ad_core.sct", "hessian", key, lambda: h(x))]

    def autograd():
        import autograd
        import autograd.numpy as anp

        h = autograd.hessian(lambda v: rosenbrock(v, xp=anp))
        return [Case("autograd", "autograd", "hessian", key, lambda: h(x))]

    def torch():
        import torch
        from torch.autograd.functional import hessian as af_hessian
        from torch.func import hessian

        tx = torch.from_numpy(x)
        ft = lambda v: torch.sum(100.0 * (v[1:] - v[:-1] ** 2) ** 2 + (1.0 - v[:-1]) ** 2)
        h = hessian(ft)
        # torch offers two Hessians; both are shown, and the target is the faster one.
        return [Case("torch (func)", "torch", "hessian", key, lambda: h(tx)),
                Case("torch (autograd.functional)", "torch", "hessian", key,
                     lambda: af_hessian(ft, tx))]

    def jax():
        import jax
        import jax.numpy as jnp

        fj = lambda v: rosenbrock(v, xp=jnp)
        h, hj = jax.hessian(fj), jax.jit(jax.hessian(fj))
        jx = jnp.asarray(x)
        return [Case("jax (eager)", "jax", "hessian", key, lambda: block(h(jx))),
                Case("jax.jit", "jax", "hessian", key, lambda: block(hj(jx)))]

    for name, b in [("ad_core", ad_core), ("ad_core.sct", sct), ("autograd", autograd),
                    ("torch", torch), ("jax", jax)]:
        wl.add(backends, name, b)
    return wl

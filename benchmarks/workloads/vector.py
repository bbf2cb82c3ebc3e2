"""Vectorized NumPy workloads: Rosenbrock, logistic regression, a two-layer MLP.

Each loss is written once against an array namespace ``xp`` (numpy,
autograd.numpy, jax.numpy, or a thin torch shim), so every backend runs the
same program; ad_core runs the plain ``numpy`` version, as a user would.
A hand-written NumPy gradient is both the independent reference and the
"cheap gradient" line every engine is compared with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._common import Backends, Case, Workload, block

# ---------------------------------------------------------------- the losses


def rosenbrock(x, xp=np):
    return xp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_grad(x):
    d = x[1:] - x[:-1] ** 2
    g = np.zeros_like(x)
    g[:-1] = -400.0 * x[:-1] * d - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * d
    return (g,)


def logreg(w, X, y, xp=np):
    return xp.mean(xp.log1p(xp.exp(-y * (X @ w))))


def logreg_grad(w, X, y):
    z = -y * (X @ w)
    s = 1.0 / (1.0 + np.exp(-z))  # d log1p(exp(z)) / dz
    return (X.T @ (-y * s) / len(y),)


def mlp(W1, b1, W2, b2, X, rows, labels, xp=np):
    h = xp.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    z = logits - xp.max(logits, axis=1, keepdims=True)
    lse = xp.log(xp.sum(xp.exp(z), axis=1))
    return xp.mean(lse - z[rows, labels])


def mlp_grad(W1, b1, W2, b2, X, rows, labels):
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[rows, labels] -= 1.0
    d = p / len(X)
    da = (d @ W2.T) * (1.0 - h * h)
    return X.T @ da, da.sum(axis=0), h.T @ d, d.sum(axis=0)


class _TorchXP:
    """The few numpy names the losses use, spelled for torch."""

    def __init__(self, torch: Any) -> None:
        self.t = torch
        self.exp, self.log, self.log1p, self.tanh = torch.exp, torch.log, torch.log1p, torch.tanh

    def sum(self, x, axis=None):
        return self.t.sum(x) if axis is None else self.t.sum(x, dim=axis)

    def mean(self, x):
        return self.t.mean(x)

    def max(self, x, axis, keepdims=False):
        return self.t.amax(x, dim=axis, keepdim=keepdims)


# ---------------------------------------------------------------- cases


def add_standard(wl: Workload, backends: Backends, key: str, f: Callable, hand: Callable,
                 diff: tuple, const: tuple = ()) -> None:
    """fn and grad cases for ``f(*diff, *const, xp=...)``, gradient w.r.t. ``diff``.

    Inputs are converted to each backend's array type once, outside the timed call.
    """
    k = len(diff)
    argnums = tuple(range(k))
    args = diff + const

    wl.add(backends, "numpy", lambda: [
        Case("numpy", "numpy", "fn", key, lambda: f(*args)),
        Case("numpy (hand)", "numpy", "grad", key, lambda: hand(*args), reference=True)])

    def ad_core():
        import ad_core as ad

        g = ad.grad(f, argnums=argnums)
        return [Case("ad_core", "ad_core", "grad", key, lambda: g(*args))]

    def sct():
        import ad_core as ad

        g = ad.sct.grad(f, argnums=argnums)  # source transformation of the same function
        return [Case("ad.sct", "ad_core.sct", "grad", key, lambda: g(*args))]

    def autograd():
        import autograd
        import autograd.numpy as anp

        fa = lambda *a: f(*a, xp=anp)
        g = autograd.grad(fa, argnum=argnums)
        return [Case("autograd", "autograd", "grad", key, lambda: g(*args)),
                Case("autograd", "autograd", "fn", key, lambda: fa(*args))]

    def torch():
        import torch

        txp = _TorchXP(torch)
        targs = [torch.from_numpy(np.ascontiguousarray(a)) for a in args]

        def grad():
            ps = [t.detach().requires_grad_(True) for t in targs[:k]]
            return torch.autograd.grad(f(*ps, *targs[k:], xp=txp), ps)

        def fn():
            with torch.no_grad():
                return f(*targs, xp=txp)

        return [Case("torch", "torch", "grad", key, grad), Case("torch", "torch", "fn", key, fn)]

    def jax():
        import jax
        import jax.numpy as jnp

        # Constants are passed as arguments, not closed over, so that jit cannot
        # fold them into the compiled program.
        fj = lambda *a: f(*a, xp=jnp)
        g = jax.grad(fj, argnums=argnums)
        jg, jf = jax.jit(g), jax.jit(fj)
        jargs = [jnp.asarray(a) for a in args]
        return [
            Case("jax (eager)", "jax", "grad", key, lambda: block(g(*jargs))),
            Case("jax (eager)", "jax", "fn", key, lambda: block(fj(*jargs))),
            Case("jax.jit", "jax", "grad", key, lambda: block(jg(*jargs))),
            Case("jax.jit", "jax", "fn", key, lambda: block(jf(*jargs))),
        ]

    for name, b in [("ad_core", ad_core), ("ad_core.sct", sct), ("autograd", autograd),
                    ("torch", torch), ("jax", jax)]:
        wl.add(backends, name, b)


def build_rosenbrock(backends: Backends, sizes: tuple[int, ...] = (10**3, 10**5)) -> Workload:
    wl = Workload("rosenbrock", "Rosenbrock (vectorized)")
    rng = np.random.default_rng(0)
    for n in sizes:
        key = f"n=10^{round(np.log10(n))}" if n >= 10 and 10 ** round(np.log10(n)) == n \
            else f"n={n}"
        wl.keys.append(key)
        add_standard(wl, backends, key, rosenbrock, rosenbrock_grad,
                     (rng.uniform(-1.5, 1.5, n),))
    return wl


def build_logreg(backends: Backends, n: int = 1000, d: int = 100) -> Workload:
    wl = Workload("logreg", f"Logistic regression loss, X {n}×{d}")
    key = f"X {n}×{d}"
    wl.keys.append(key)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((n, d))
    y = np.sign(rng.standard_normal(n))
    w = rng.standard_normal(d) * 0.1
    add_standard(wl, backends, key, logreg, logreg_grad, (w,), (X, y))
    return wl


def build_mlp(backends: Backends, batch: int = 128, width: int = 256,
              classes: int = 10) -> Workload:
    wl = Workload("mlp", f"Two-layer MLP loss (batch {batch}, {width}→{width}→{classes}, "
                  "tanh, softmax cross-entropy)")
    key = f"{batch}:{width}→{width}→{classes}"
    wl.keys.append(key)
    rng = np.random.default_rng(2)
    W1 = rng.standard_normal((width, width)) / np.sqrt(width)
    b1 = rng.standard_normal(width) * 0.1
    W2 = rng.standard_normal((width, classes)) / np.sqrt(width)
    b2 = rng.standard_normal(classes) * 0.1
    X = rng.standard_normal((batch, width))
    rows = np.arange(batch)
    labels = rng.integers(0, classes, batch)
    add_standard(wl, backends, key, mlp, mlp_grad, (W1, b1, W2, b2), (X, rows, labels))
    wl.notes.append("Every backend runs the same softmax cross-entropy formula "
                    "(max-shifted log-sum-exp, fancy indexing), not a fused library loss.")
    return wl

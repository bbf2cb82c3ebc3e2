"""Pure-Python scalar loop: the per-operation overhead of each engine, backward included.

The body uses only ``+ * /`` because that is all micrograd 0.1.0 offers; it is
the cost of recording and differentiating one operation that we measure,
not the cost of a sine.
"""

from __future__ import annotations

import sys

from ._common import Backends, Case, Workload, block

ITERS = 200
OPS_PER_ITER = 5  # s*y, +x, s*s, 1.0+, /
X0, Y0 = 0.7, 0.9


def scalar_loop(x, y, iters: int = ITERS):
    """A contraction, so that values stay bounded for any number of iterations."""
    s = x
    for _ in range(iters):
        s = (s * y + x) / (1.0 + s * s)
    return s


def scalar_loop_grad(x: float, y: float, iters: int = ITERS) -> tuple[float, float, float]:
    """Hand-written forward-mode derivative of :func:`scalar_loop`: the independent reference."""
    s, sx, sy = x, 1.0, 0.0
    for _ in range(iters):
        num, nx, ny = s * y + x, sx * y + 1.0, sy * y + s
        den = 1.0 + s * s
        dx, dy = 2.0 * s * sx, 2.0 * s * sy
        s, sx, sy = num / den, (nx * den - num * dx) / den**2, (ny * den - num * dy) / den**2
    return s, sx, sy


def _flat3(vg):
    v, (gx, gy) = vg
    return v, gx, gy


def build(backends: Backends, iters: int = ITERS) -> Workload:
    """Cases return ``(value, d/dx, d/dy)`` for the derivative task, the value for "fn"."""
    wl = Workload("scalar", f"Scalar loop ({iters * OPS_PER_ITER} elementary ops)",
                  keys=["loop"], ops=iters * OPS_PER_ITER)
    loop = lambda x, y: scalar_loop(x, y, iters)

    wl.add(backends, "numpy", lambda: [
        Case("float (plain)", "numpy", "fn", "loop", lambda: loop(X0, Y0)),
        Case("float (hand)", "numpy", "grad", "loop", lambda: scalar_loop_grad(X0, Y0, iters),
             reference=True)])

    def ad_core():
        import ad_core as ad

        vg = ad.value_and_grad(loop, argnums=(0, 1))
        return [Case("ad_core", "ad_core", "grad", "loop", lambda: _flat3(vg(X0, Y0)))]

    def sct():
        import ad_core as ad

        # The loop function itself, transformed once for (float, float, int) arguments.
        vg = ad.sct.value_and_grad(scalar_loop, argnums=(0, 1))
        return [Case("ad.sct", "ad_core.sct", "grad", "loop",
                     lambda: _flat3(vg(X0, Y0, iters)))]

    def autograd():
        import autograd

        vg = autograd.value_and_grad(loop, argnum=(0, 1))
        return [Case("autograd", "autograd", "grad", "loop", lambda: _flat3(vg(X0, Y0)))]

    def torch():
        import torch

        f64 = torch.float64
        tx, ty = torch.tensor(X0, dtype=f64), torch.tensor(Y0, dtype=f64)

        def grad():
            x = torch.tensor(X0, dtype=f64, requires_grad=True)
            y = torch.tensor(Y0, dtype=f64, requires_grad=True)
            s = loop(x, y)
            gx, gy = torch.autograd.grad(s, (x, y))
            return s.detach(), gx, gy

        def fn():
            with torch.no_grad():
                return loop(tx, ty)

        return [Case("torch", "torch", "grad", "loop", grad),
                Case("torch", "torch", "fn", "loop", fn)]

    def jax():
        import jax
        import jax.numpy as jnp

        vg = jax.value_and_grad(loop, argnums=(0, 1))

        # XLA needs minutes (measured: ~115 s of CPU) to compile the gradient of the
        # unrolled 1,000-op loop, so the jit reference line runs the same recurrence as a
        # lax.fori_loop, the way a JAX user would write it.
        def rolled(x, y):
            body = lambda _, s: (s * y + x) / (1.0 + s * s)
            return jax.lax.fori_loop(0, iters, body, x)

        jvg = jax.jit(jax.value_and_grad(rolled, argnums=(0, 1)))
        jf = jax.jit(rolled)
        jx, jy = jnp.asarray(X0), jnp.asarray(Y0)
        return [
            Case("jax (eager)", "jax", "grad", "loop", lambda: block(_flat3(vg(X0, Y0)))),
            Case("jax (eager)", "jax", "fn", "loop", lambda: block(loop(jx, jy))),
            Case("jax.jit", "jax", "grad", "loop", lambda: block(_flat3(jvg(jx, jy)))),
            Case("jax.jit", "jax", "fn", "loop", lambda: block(jf(jx, jy))),
        ]

    def micrograd():
        from micrograd.engine import Value

        # micrograd's topological sort recurses once per node of the chain.
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 20 * iters * OPS_PER_ITER))

        def grad():
            x, y = Value(X0), Value(Y0)
            s = loop(x, y)
            s.backward()
            return s.data, x.grad, y.grad

        def fn():  # micrograd always records: this is its forward pass alone
            return loop(Value(X0), Value(Y0)).data

        return [Case("micrograd", "micrograd", "grad", "loop", grad),
                Case("micrograd", "micrograd", "fn", "loop", fn)]

    for name, b in [("ad_core", ad_core), ("ad_core.sct", sct), ("autograd", autograd),
                    ("torch", torch), ("jax", jax), ("micrograd", micrograd)]:
        wl.add(backends, name, b)
    return wl

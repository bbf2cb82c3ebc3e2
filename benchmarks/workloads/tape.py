"""Reverse mode over a tape of 10^6 scalar operations: time and peak memory.

Each backend runs in its own subprocess, so that its peak resident memory
(VmHWM) is its own and the big tape does not inflate the other
measurements. ``python -m benchmarks.workloads.tape BACKEND ITERS`` is the child.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import time

from ._common import Backends, Result, max_error
from .scalar import OPS_PER_ITER, X0, Y0, scalar_loop, scalar_loop_grad

ITERS = 200_000  # × 5 ops = 10^6
TAPE_BACKENDS = ("ad_core", "ad_core.sct", "autograd", "torch")
LABELS = {"ad_core.sct": "ad.sct"}
SKIPPED = {
    "micrograd": "scalar workload only (its recursive topological sort cannot take 10^6 nodes)",
    "jax": "eager JAX dispatches every scalar op to XLA: ~10^6 × its µs/op from the scalar "
           "loop; not run",
}


def _runner(backend: str, iters: int):
    if backend == "ad_core":
        import ad_core as ad

        vg = ad.value_and_grad(lambda x, y: scalar_loop(x, y, iters), argnums=(0, 1))
        return lambda: (lambda v: (v[0], *v[1]))(vg(X0, Y0))
    if backend == "ad_core.sct":
        import ad_core as ad

        # No tape: the generated loop pushes one float per iteration on a list.
        vg = ad.sct.value_and_grad(scalar_loop, argnums=(0, 1))
        return lambda: (lambda v: (v[0], *v[1]))(vg(X0, Y0, iters))
    if backend == "autograd":
        import autograd

        vg = autograd.value_and_grad(lambda x, y: scalar_loop(x, y, iters), argnum=(0, 1))
        return lambda: (lambda v: (v[0], *v[1]))(vg(X0, Y0))
    if backend == "torch":
        import torch

        torch.set_num_threads(1)

        def run():
            x = torch.tensor(X0, dtype=torch.float64, requires_grad=True)
            y = torch.tensor(Y0, dtype=torch.float64, requires_grad=True)
            s = scalar_loop(x, y, iters)
            gx, gy = torch.autograd.grad(s, (x, y))
            return s.item(), gx.item(), gy.item()

        return run
    raise SystemExit(f"unknown tape backend {backend}")


def _status_mb(field: str) -> float | None:
    try:
        for line in open("/proc/self/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) to the current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def child(backend: str, iters: int) -> dict:
    """Build the runner, warm it up small, then one full run: seconds and peak-RSS growth.

    The peak is VmHWM, reset after the warm-up, not ``ru_maxrss``: Linux carries
    ``ru_maxrss`` over from the parent across fork and exec, so a child of the (large)
    harness process would start with the harness's peak and report no growth.
    """
    _runner(backend, 200)()  # imports and first-call paths, outside the measurement
    run = _runner(backend, iters)
    gc.collect()
    if not _reset_peak():
        raise SystemExit("cannot reset VmHWM (/proc/self/clear_refs): no peak memory here")
    base = _status_mb("VmRSS") or 0.0
    w0, t0 = time.perf_counter(), time.process_time()  # CPU time: see benchmarks.timing
    out = run()
    dt, wall = time.process_time() - t0, time.perf_counter() - w0
    peak = _status_mb("VmHWM") or 0.0
    return {"seconds": dt, "wall_seconds": wall, "peak_mb": peak - base, "base_mb": base,
            "result": [float(v) for v in out]}


def run_all(backends: Backends, iters: int = ITERS, timeout: float = 240.0) -> list[Result]:
    ops = iters * OPS_PER_ITER
    key = f"{ops:,} ops"
    ref = scalar_loop_grad(X0, Y0, iters)
    t0 = time.process_time()
    scalar_loop(X0, Y0, iters)
    results = [Result("tape", key, "float (plain)", "numpy", "fn",
                      best_s=time.process_time() - t0, number=1, repeat=1,
                      check="fn baseline")]
    for name in TAPE_BACKENDS:
        b = backends.get(name)
        if b is None or not b.ok:
            continue
        r = Result("tape", key, LABELS.get(name, name), name, "grad")
        env = dict(os.environ)
        try:
            p = subprocess.run([sys.executable, "-m", "benchmarks.workloads.tape", name,
                                str(iters)], capture_output=True, text=True, timeout=timeout,
                               env=env)
            if p.returncode != 0:
                r.ok, r.check = False, "error: " + (p.stderr.strip().splitlines() or ["?"])[-1]
            else:
                d = json.loads(p.stdout.strip().splitlines()[-1])
                r.best_s, r.number, r.repeat = d["seconds"], 1, 1
                r.extra = {"peak_mb": d["peak_mb"], "base_mb": d["base_mb"],
                           "wall_best_s": d["wall_seconds"],
                           "bytes_per_op": d["peak_mb"] * 2**20 / ops}
                agree, err = max_error(tuple(d["result"]), ref)
                r.ok = agree
                r.check = f"ok ({err})" if agree else f"MISMATCH ({err})"
        except subprocess.TimeoutExpired:
            r.ok, r.check = False, f"timeout (> {timeout:.0f} s)"
        results.append(r)
    for name, why in SKIPPED.items():
        b = backends.get(name)
        if b is not None and b.ok:
            results.append(Result("tape", key, name, name, "grad", check=f"skipped: {why}"))
    return results


if __name__ == "__main__":
    print(json.dumps(child(sys.argv[1], int(sys.argv[2]))))

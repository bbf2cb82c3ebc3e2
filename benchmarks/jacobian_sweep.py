"""Forward vs reverse mode for full Jacobians: ad_core against the peers, and the cost model.

The sweep is f(x) = tanh(A @ x) with A of shape (m, n), n, m ∈ {1, 10, 100, 1000}:
``ad.jacfwd``/``ad.jacrev`` against torch.func, JAX (eager and jit) and autograd,
whichever are installed (``pip install -e '.[bench]'``), in one run, one thread, each
cell's competitors timed in interleaved rounds (CPU time). It is the harness's
``sweep`` workload (``benchmarks/workloads/sweep.py``, also part of ``make bench``);
this script runs it alone and prints three tables: milliseconds per Jacobian, the
cost model's recommendation against ad_core's measured faster mode, and issue 17's
targets.

    .venv/bin/python benchmarks/jacobian_sweep.py                  # every installed peer
    .venv/bin/python benchmarks/jacobian_sweep.py --backends ad_core  # ours and the model
    .venv/bin/python benchmarks/jacobian_sweep.py --calibrate      # fit the constants first
    .venv/bin/python benchmarks/jacobian_sweep.py --from benchmarks/results/jacobian_sweep.json

``--calibrate`` times other functions (chains of several depths, on shapes the sweep
never uses), fits the model's per-sweep, per-operation, per-flop and per-direction
times (non-negative least squares on relative error) and prints a ``CALIBRATION``
dict to paste into ``ad_core/cost.py`` (``--apply`` uses it for this run). The sweep
is never used for the fit, so the check of the recommendation stays a test of it.

Writes benchmarks/results/jacobian_sweep.json (the harness's JSON plus the tables)
and benchmarks/results/jacobian_sweep.md. Exit status 1 if a result disagrees with
the reference, or the recommendation misses a decisive cell.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts benchmarks/ first on the path, where profile.py shadows the
# standard library's (torch.func's jacrev imports it): the repository root goes there.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))

import ad_core as ad  # noqa: E402
from ad_core import cost  # noqa: E402


def best_times(*fns: Callable[[], object], budget: float = 0.15,
               rounds: int = 9) -> list[float]:
    """Best per-call CPU time of each function, measured in interleaved rounds.

    CPU time of this process (``time.process_time``), not wall time: the
    machine that runs this is shared, and other processes' load must not
    decide which mode looks faster. Interleaving the competitors gives both
    the same conditions; the minimum over rounds drops the disturbed ones.
    """
    numbers = []
    for fn in fns:
        fn()  # warm up (imports, caches)
        t0 = time.perf_counter()
        fn()
        one = max(time.perf_counter() - t0, 1e-7)
        numbers.append(max(1, int(budget / rounds / one)))
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for i, (fn, number) in enumerate(zip(fns, numbers)):
            t0 = time.process_time()
            for _ in range(number):
                fn()
            best[i] = min(best[i], (time.process_time() - t0) / number)
    return best


# ---------------------------------------------------------------- calibration


def _chain(n: int, m: int, depth: int, seed: int = 1):
    """tanh(A @ x) followed by depth-1 elementwise layers (sin, mul): more ops per pass."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, n)) / np.sqrt(n)
    x = rng.standard_normal(n)

    def f(x):
        y = np.tanh(A @ x)
        for _ in range(depth - 1):
            y = np.sin(y) * 1.5
        return y
    return f, x


# Shapes and depths the sweep never times (its cells are tanh(A @ x) with n, m in
# {1, 10, 100, 1000}): the check of the recommendation on the sweep stays a test.
CAL_CASES = ([(n, m, d) for n, m in ((1, 3), (3, 1), (1, 300), (300, 1), (3, 3), (3, 30),
                                     (30, 3), (30, 30), (30, 300), (300, 30))
              for d in (1, 4)]
             + [(3, 30, 12), (30, 3, 12), (300, 300, 1), (1, 30, 12), (30, 1, 12),
                (30, 3000, 1), (3000, 30, 1), (300, 3000, 1), (3000, 300, 1)])


def _nnls(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least squares with coefficients >= 0 (drop a negative one and refit)."""
    active = list(range(X.shape[1]))
    while True:
        coef = np.zeros(X.shape[1])
        sol = np.linalg.lstsq(X[:, active], y, rcond=None)[0]
        coef[active] = sol
        neg = [a for a, s in zip(active, sol) if s < 0]
        if not neg:
            return coef
        active.remove(min(neg, key=lambda a: coef[a]))


def _fit(X: list[list[float]], y: list[float]) -> list[float]:
    """Non-negative coefficients for rows of features ``X`` and seconds ``y``, minimising
    the relative error (small cases matter as much as large ones)."""
    Xa, ya = np.array(X), np.array(y)
    w = 1.0 / ya
    return [float(c) for c in _nnls(Xa * w[:, None], ya * w)]


def calibrate(budget: float) -> dict:
    """Time jacfwd, the recording pass (vjp) and jacrev on ``CAL_CASES``; fit the model of
    ``ad_core.cost`` (features: sweeps, batched sweeps, sweeps·ops, sweeps·flops, further
    directions·their work, ``cost.direction_work``)."""
    Xf, yf, Xc, yc, Xr, yr = [], [], [], [], [], []
    for n, m, d in CAL_CASES:
        f, x = _chain(n, m, d)
        e = cost.estimate(f, x)
        ops, flops, sf, sr = e.ops, e.flops, e.forward_sweeps, e.reverse_sweeps
        wf, wr = cost.direction_work(ad.trace(f, x))
        t_fwd, t_rec, t_rev = best_times(
            lambda f=f, x=x: ad.jacfwd(f)(x),
            lambda f=f, x=x: ad.vjp(f, x),  # the recording pass alone
            lambda f=f, x=x: ad.jacrev(f)(x), budget=budget)
        Xf.append([sf, sf * (n > 1), sf * ops, sf * flops, (n - 1) * wf])
        yf.append(t_fwd)
        Xc.append([1.0, ops, flops])
        yc.append(t_rec)
        Xr.append([sr, sr * (m > 1), sr * ops, sr * flops, (m - 1) * wr])
        yr.append(max(t_rev - t_rec, 1e-7))
        print(f"  calibration n={n:3d} m={m:3d} depth={d:2d} ops={ops:3d} flops={flops:7d}: "
              f"jacfwd {t_fwd * 1e6:8.1f} µs  record {t_rec * 1e6:7.1f} µs  "
              f"jacrev {t_rev * 1e6:8.1f} µs")
    cal: dict = {}
    for tag, X, y in (("FWD", Xf, yf), ("REV", Xr, yr)):
        p, b, o, fl, g = _fit(X, y)
        cal.update({f"P_{tag}": p, f"B_{tag}": b, f"O_{tag}": o, f"F_{tag}": fl,
                    f"G_{tag}": g})
    p, o, fl = _fit(Xc, yc)
    cal.update({"P_REC": p, "O_REC": o, "F_REC": fl})
    cal["machine"] = f"{platform.machine()} {platform.processor() or ''}".strip() + (
        f", Python {platform.python_version()}, NumPy {np.__version__} (CPU time)")
    return cal


def run_sweep(backend_names: str | None, quick: bool) -> dict:
    """The harness's sweep workload; the harness's JSON document."""
    from benchmarks import backends, harness, report, timing
    from benchmarks.workloads import sweep

    wanted = tuple(b for b in (backend_names or ",".join(backends.ALL_BACKENDS)).split(",") if b)
    if "numpy" not in wanted:
        wanted = ("numpy", *wanted)
    bks = backends.load_all(wanted)
    meta = report.machine_meta(bks)
    print(report.header_text(meta), flush=True)
    t0 = time.perf_counter()
    wl = sweep.build(bks)
    results = harness.run_workload(wl, timing.QUICK if quick else sweep.SETTINGS)
    meta["notes"] = {"sweep": wl.notes}
    meta["workload_seconds"] = {"sweep": round(time.perf_counter() - t0, 1)}
    meta["total_seconds"] = meta["workload_seconds"]["sweep"]
    meta["loadavg_end"] = list(os.getloadavg())
    meta["cost_calibration"] = {k: v for k, v in cost.CALIBRATION.items()}
    return report.to_json(meta, results)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calibrate", action="store_true", help="fit the cost constants first")
    ap.add_argument("--apply", action="store_true",
                    help="with --calibrate: use the fitted constants for this sweep")
    ap.add_argument("--budget", type=float, default=0.15,
                    help="seconds per calibration timing")
    ap.add_argument("--backends", help="comma-separated (default: every installed one)")
    ap.add_argument("--quick", action="store_true", help="shorter timings (noisier)")
    ap.add_argument("--no-sweep", action="store_true", help="with --calibrate: only calibrate")
    ap.add_argument("--from", dest="saved", type=Path,
                    help="re-render the tables of a saved run's JSON (nothing is timed)")
    args = ap.parse_args()

    fitted = None
    if args.calibrate:
        print("calibrating on chains (not on the sweep) ...")
        fitted = calibrate(args.budget)
        print("CALIBRATION: dict[str, Any] = {")
        for k, v in fitted.items():
            print(f"    {k!r}: {v!r}," if k == "machine" else f"    {k!r}: {v:.3g},")
        print("}")
        if args.apply:
            cost.CALIBRATION.update(fitted)
        if args.no_sweep:
            return

    from benchmarks import report

    doc = json.loads(args.saved.read_text()) if args.saved else run_sweep(args.backends,
                                                                           args.quick)
    ix = report._Index(doc)
    tables = [report.sweep_table(ix)]
    model = report.sweep_model_table(ix)
    if model is not None:
        tables.append(model)
    targets = report.Table("Targets (issue 17)", ["target", "this run", "met"],
                           [[t.name, t.figure, "—" if t.met is None else
                             ("met" if t.met else "NOT MET")] for t in report.sweep_targets(ix)])
    tables.append(targets)
    print()
    print("\n\n".join(t.text() for t in tables))
    if not args.saved:
        doc["fitted_now"] = fitted
    doc["tables_markdown"] = [t.md() for t in tables]
    out = ROOT / "benchmarks" / "results" / "jacobian_sweep.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    report.write_json(doc, out)
    (out.with_suffix(".md")).write_text("\n\n".join(t.md() for t in tables) + "\n")
    print(f"wrote {out.relative_to(ROOT)} and {out.with_suffix('.md').relative_to(ROOT)}")
    mismatch = any(r["check"].startswith("MISMATCH") for r in doc["results"])
    wrong = any(t.met is False and t.name.startswith("cost model")
                for t in report.sweep_targets(ix))
    sys.exit(1 if mismatch or wrong else 0)


if __name__ == "__main__":
    main()

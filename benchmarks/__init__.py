"""AD Lens benchmarks: ad_core against HIPS autograd, PyTorch, JAX and micrograd.

    python -m benchmarks                                  # everything (make bench)
    python -m benchmarks --only scalar,logreg --backends ad_core,autograd,torch

Every workload runs on every installed backend in one process session, each
result is checked against the others before it is timed, and a full run
writes ``benchmarks/results/bench.json``, ``benchmarks/results/readme_table.md``
and ``docs/benchmarks.md``. ``python -m benchmarks.profile`` profiles ad_core.

Threads are pinned to one *here*, at package import: BLAS, OpenMP and XLA read
these variables once, when numpy / torch / jax are first imported, so setting
them any later would silently do nothing. One thread for everyone is the only
fair setting on a shared 2-core machine.
"""

from __future__ import annotations

import os
import sys

THREAD_ENV: dict[str, str] = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    # float64 everywhere, so that every backend computes the same numbers.
    "JAX_ENABLE_X64": "1",
    "JAX_PLATFORMS": "cpu",
}

os.environ.update(THREAD_ENV)

#: Set when numpy was imported before us: the pinning then may not hold, and the report says so.
NUMPY_PREIMPORTED: bool = "numpy" in sys.modules

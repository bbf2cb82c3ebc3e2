"""What a workload is: a list of cases, one callable per (backend, task, size)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..backends import Backend

Backends = dict[str, Backend]


@dataclass
class Case:
    """One thing to check, then time: ``run()`` is a single timed call.

    ``label`` is the table row ("ad_core", "jax.jit", "numpy (hand)"), ``task``
    what it computes ("fn", "grad", "jacfwd", "jacrev", "hessian"), ``key`` the
    column (a size). Cases with the same key and a derivative task must agree.
    """

    label: str
    backend: str
    task: str
    key: str
    run: Callable[[], Any]
    reference: bool = False  # an independent result (hand-written): preferred as the reference
    extra: dict = field(default_factory=dict)  # copied into the result (e.g. a prediction)


@dataclass
class Workload:
    name: str  # the --only name
    title: str
    cases: list[Case] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # columns, in order
    ops: int | None = None  # elementary operations per call, for µs/op
    notes: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # label -> why not run
    # Time each column's cases in interleaved rounds (who is faster, cell by cell), not
    # one after the other.
    interleave: bool = False
    # Timing settings of this workload's own (None: the run's); --quick still wins.
    settings: Any = None

    def add(self, backends: Backends, backend: str, build: Callable[[], list[Case]]) -> None:
        """Add a backend's cases if it is installed; a failure to build is a skip, not a crash."""
        b = backends.get(backend)
        if b is None or not b.ok:
            return
        try:
            self.cases.extend(build())
        except Exception as e:  # noqa: BLE001 - report, keep going
            self.skipped[backend] = f"set-up failed: {type(e).__name__}: {e}"[:200]


def as_numpy(obj: Any) -> Any:
    """A result of any backend as float64 ndarrays (tuples stay tuples)."""
    if isinstance(obj, (tuple, list)):
        return tuple(as_numpy(o) for o in obj)
    if hasattr(obj, "detach"):  # torch.Tensor
        return obj.detach().cpu().numpy().astype(np.float64)
    return np.asarray(obj, dtype=np.float64)


def flat(obj: Any) -> list[np.ndarray]:
    if isinstance(obj, tuple):
        return [a for o in obj for a in flat(o)]
    return [obj]


def max_error(a: Any, b: Any) -> tuple[bool, str]:
    """(agree, what differs): shapes must match and values be allclose."""
    fa, fb = flat(as_numpy(a)), flat(as_numpy(b))
    if len(fa) != len(fb):
        return False, f"{len(fa)} outputs vs {len(fb)}"
    worst = 0.0
    ok = True
    for x, y in zip(fa, fb):
        if x.shape != y.shape:
            return False, f"shape {x.shape} vs {y.shape}"
        # float64 everywhere: only summation order differs between backends.
        if not np.allclose(x, y, rtol=1e-6, atol=1e-9, equal_nan=True):
            ok = False
        if x.size:
            with np.errstate(invalid="ignore"):
                err = np.max(np.abs(x - y) / (1e-9 + np.abs(y)))
            worst = max(worst, float(err))
    return ok, f"max rel err {worst:.1e}"


def block(obj: Any) -> Any:
    """Wait for JAX's asynchronous dispatch, so that timings include the work."""
    if hasattr(obj, "block_until_ready"):
        return obj.block_until_ready()
    if isinstance(obj, (tuple, list)):
        for o in obj:
            block(o)
    return obj


@dataclass
class Result:
    """One measured (or failed, or skipped) cell."""

    workload: str
    key: str
    label: str
    backend: str
    task: str
    best_s: float | None = None  # min over repeats of the per-call time
    median_s: float | None = None
    number: int = 0  # calls per repeat
    repeat: int = 0
    check: str = ""  # "reference" | "ok (...)" | "MISMATCH (...)" | "error: ..." | "skipped: ..."
    ok: bool = True
    extra: dict = field(default_factory=dict)

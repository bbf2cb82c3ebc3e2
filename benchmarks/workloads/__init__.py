"""The workloads, by their ``--only`` name."""

from __future__ import annotations

from collections.abc import Callable

from . import hessian, scalar, sweep, vector
from ._common import Backends, Workload

#: name -> builder; "tape" is measured in subprocesses (see :mod:`.tape`), not built here.
BUILDERS: dict[str, Callable[[Backends], Workload]] = {
    "scalar": scalar.build,
    "rosenbrock": vector.build_rosenbrock,
    "logreg": vector.build_logreg,
    "mlp": vector.build_mlp,
    "sweep": sweep.build,
    "hessian": hessian.build,
}
NAMES: tuple[str, ...] = (*BUILDERS, "tape")

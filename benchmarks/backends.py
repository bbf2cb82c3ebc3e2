"""Which backends are installed, their versions, and their one-thread set-up.

A backend that fails to import is recorded with its error and reported as
missing; it never stops the run.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from dataclasses import dataclass
from typing import Any

#: Every backend the harness knows, in the order the tables list them.
#: "numpy" is the baseline (plain float / NumPy code, and hand-written gradients).
#: "ad_core.sct" is ad_core's source transformation (tables label it "ad.sct").
ALL_BACKENDS: tuple[str, ...] = ("numpy", "ad_core", "ad_core.sct", "autograd", "torch", "jax",
                                 "micrograd")

_DIST = {"numpy": "numpy", "ad_core": "adlens", "ad_core.sct": "adlens",
         "autograd": "autograd", "torch": "torch", "jax": "jax", "micrograd": "micrograd"}


@dataclass
class Backend:
    name: str
    module: Any = None
    version: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.module is not None


def _setup_torch(torch: Any) -> None:
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # only settable before the first parallel op; intra-op is what matters here


def _setup_jax(jax: Any) -> None:
    # The env var JAX_ENABLE_X64 is set by the package; this makes it explicit
    # and fails early if the installed jax no longer honours the option.
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    if jnp.ones(1).dtype != jnp.float64:
        raise RuntimeError("jax is not running in float64")


def load(name: str) -> Backend:
    """Import one backend; on failure return it with ``error`` set."""
    b = Backend(name)
    try:
        b.module = importlib.import_module(name)
        if name == "torch":
            _setup_torch(b.module)
        elif name == "jax":
            _setup_jax(b.module)
        elif name == "micrograd":
            importlib.import_module("micrograd.engine")
        elif name == "autograd":
            importlib.import_module("autograd.numpy")
    except Exception as e:  # noqa: BLE001 - any import failure means "missing"
        b.module = None
        b.error = f"{type(e).__name__}: {e}".splitlines()[0][:200]
        return b
    try:
        b.version = importlib.metadata.version(_DIST[name])
    except importlib.metadata.PackageNotFoundError:
        b.version = getattr(b.module, "__version__", "?")
    return b


def load_all(wanted: tuple[str, ...] = ALL_BACKENDS) -> dict[str, Backend]:
    """Every wanted backend, installed or not (numpy always loads: it is the baseline)."""
    names = ("numpy",) + tuple(n for n in wanted if n != "numpy")
    return {n: load(n) for n in names}

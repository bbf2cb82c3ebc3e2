"""Keep freed memory for reuse (glibc only; ``ADLENS_MALLOC_TUNING=0`` turns it off).

A gradient keeps every intermediate array of the forward pass alive until the
backward sweep ends, then frees them together. With glibc's defaults, arrays
over 128 KiB are fresh ``mmap``s and a large free at the top of the heap is
handed back to the OS, so the next call page-faults all of that memory in
again: on a 2-core VM that made Rosenbrock's gradient (n = 10^5) about 5x
slower than its arithmetic. Raising the mmap and trim thresholds lets glibc
reuse the memory instead. It changes no result, only how much freed memory the
process holds on to (at most the trim threshold).
"""

from __future__ import annotations

import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20   # arrays up to 32 MiB come from the heap, and are reused
TRIM_THRESHOLD = 256 << 20  # keep up to 256 MiB of freed heap for the next call


def tune() -> bool:
    """Raise glibc's mmap/trim thresholds once; True if it was applied."""
    if os.environ.get("ADLENS_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    # Respect what the user set explicitly through glibc's own variables.
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return False
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))

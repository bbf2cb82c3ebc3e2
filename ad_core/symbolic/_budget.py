"""Run SymPy work under a time limit, without a subprocess.

SymPy has no timeout. The work runs in a daemon thread; the caller joins it
with a timeout, so the caller always gets control back in time. If the work is
still running then, the caller raises :class:`Deadline` *inside* the worker
(CPython's ``PyThreadState_SetAsyncExc``): SymPy is pure Python, so the
exception lands at the next bytecode boundary and the thread unwinds and ends
instead of burning CPU in the background. Work stuck in one long C call (a
huge integer power) gets it when that call returns; the caller does not wait.
``Deadline`` derives from ``BaseException`` so SymPy's ``except Exception``
blocks do not swallow it.

Why not ``sys.settrace`` (checking the clock on each call): it makes SymPy 3 to
10 times slower while it runs. Why not a subprocess: spawning one and importing
SymPy costs more than the whole budget, and expressions would be pickled both ways.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from typing import Any


class Deadline(BaseException):
    """Raised inside the worker when its time is up."""


def _async_raise(ident: int, exc: type[BaseException] | None) -> None:
    # exc None clears a pending exception (the worker's own clean-up).
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(ident), ctypes.py_object(exc) if exc is not None else None)


def run(fn: Callable[[], Any], seconds: float) -> tuple[bool, Any]:
    """``(True, fn())`` if it finished within ``seconds``, else ``(False, None)``.

    Exceptions from ``fn`` are re-raised in the caller (RecursionError
    included), so callers decide what they mean.
    """
    box: dict[str, Any] = {}
    lock = threading.Lock()

    def target() -> None:
        try:
            try:
                box["value"] = fn()
            except Deadline:
                return
            except BaseException as e:  # noqa: BLE001 - handed to the caller
                box["error"] = e
            with lock:
                box["done"] = True
            # A Deadline sent just before `done` was set may still be pending: let it be
            # raised here, inside this try (a backward jump checks for it). Clearing it with
            # PyThreadState_SetAsyncExc(id, NULL) instead would leave the interpreter's
            # "async exception" signal set for good: every thread then takes the slow
            # path at each check, and on Python 3.11 a traced function (sys.settrace, as
            # ad.trace(names=True) does) loops forever on its first line.
            for _ in range(2):
                pass
        except Deadline:
            pass

    worker = threading.Thread(target=target, name="adlens-sympy", daemon=True)
    worker.start()
    worker.join(max(0.0, seconds))
    with lock:
        finished = box.get("done", False)
        if not finished and worker.ident is not None:
            _async_raise(worker.ident, Deadline)
    if not finished:
        return False, None
    if "error" in box:
        raise box["error"]
    return True, box["value"]

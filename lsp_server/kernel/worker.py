"""The kernel process: ``python -m lsp_server.kernel.worker --memory-limit N``.

Before any user code runs it
- moves the channel (its stdin/stdout pipes) to private descriptors and points
  fds 0, 1 (and, once ready, 2) at /dev/null, so user output cannot corrupt it;
- caps its address space (``RLIMIT_AS``) so allocation fails with MemoryError;
- disables process creation (``os.fork``, ``subprocess``, ``os.system``...):
  ``RLIMIT_NPROC`` does not bind root, so the calls themselves are replaced;
  ``os.kill``/``os.killpg`` may only signal the kernel itself (not its parent);
  This is a guard against accidents, not a security boundary: the boundary is
  that user code only ever runs here, and only where the workspace is trusted.

It then answers frames: ``{"op": "ping"}`` and ``{"op": "analyze", ...}``,
sending one ``{"part": name, "data": {...}}`` frame per computed piece and a
final ``{"done": true, "status": ...}``. A MemoryError ends the process after
the answer (status "oom"); the parent starts a fresh one.
"""

from __future__ import annotations

import argparse
import builtins
import collections
import os
import sys
from collections.abc import Callable
from typing import Any

from . import protocol

_NO_PROCESS = (
    "fork", "forkpty", "system", "popen", "posix_spawn", "posix_spawnp", "execv", "execve",
    "execl", "execle", "execlp", "execlpe", "execvp", "execvpe", "spawnl", "spawnle", "spawnlp",
    "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe",
)  # fmt: skip
SLICE_FILENAME = "<adlens slice>"


class _OutOfMemory(Exception):
    pass


def _deny(*_a: Any, **_k: Any) -> Any:
    raise PermissionError("starting processes is disabled in the AD Lens kernel")


def _own_signals_only(real: Callable[..., Any]) -> Callable[..., Any]:
    """``os.kill``/``os.killpg`` that may only signal the kernel itself.

    The kernel's parent is the language server (or ``adlens check``): user code
    sending it SIGTERM/SIGSTOP must not take the editor's server down.
    """

    def guarded(pid: int, sig: int) -> None:
        if pid != os.getpid():
            raise PermissionError("signalling other processes is disabled in the AD Lens kernel")
        real(pid, sig)

    return guarded


def _forbid_processes() -> None:
    import resource
    import signal
    import subprocess

    for name in _NO_PROCESS:
        if hasattr(os, name):
            setattr(os, name, _deny)
    os.kill = _own_signals_only(os.kill)
    os.killpg = _own_signals_only(os.killpg)
    for name in ("pidfd_send_signal", "sigqueue"):
        if hasattr(signal, name):
            setattr(signal, name, _deny)
    try:
        import _posixsubprocess

        _posixsubprocess.fork_exec = _deny  # type: ignore[attr-defined]
    except ImportError:
        pass
    subprocess.Popen._execute_child = _deny  # type: ignore[attr-defined]
    if os.geteuid() != 0:
        try:
            resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
        except (ValueError, OSError):
            pass


def _limit_memory(limit: int) -> None:
    if limit <= 0:
        return
    import resource

    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        pass


class ModuleGuard:
    """Undo what user code did to shared modules (``np.sin = ...``,
    ``ad_core.grad = None``) after each request: the kernel is persistent, and one
    function must not change the cards of the next. Names are compared by identity,
    so restoring never calls user ``__eq__``; modules imported later are not covered."""

    PREFIXES = ("numpy", "ad_core", "math", "builtins", "cmath", "functools", "operator")

    def __init__(self) -> None:
        self.saved: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def snapshot(self) -> None:
        self.saved = [
            (vars(mod), dict(vars(mod)))
            for name, mod in list(sys.modules.items())
            if mod is not None and name.split(".")[0] in self.PREFIXES
        ]

    def restore(self) -> None:
        for live, saved in self.saved:
            if len(live) == len(saved) and all(live.get(k, live) is v for k, v in saved.items()):
                continue
            for k in [k for k in live if k not in saved]:
                del live[k]
            live.update(saved)


class Worker:
    def __init__(self, out_fd: int) -> None:
        self.out_fd = out_fd
        self.ad: Any = None
        self.ad_error = ""
        self.math: Any = None
        self.namespaces: collections.OrderedDict[str, dict[str, Any]] = collections.OrderedDict()
        self.guard = ModuleGuard()
        self.paths: set[str] = set()

    def load_engine(self) -> None:
        try:
            import ad_core

            self.ad = ad_core
        except Exception as e:  # the engine may be missing or broken: pieces say so
            self.ad_error = f"ad_core unavailable: {type(e).__name__}: {e}"
        try:
            import ad_core.math as admath

            self.math = admath
        except Exception:
            import math

            self.math = math

    def send(self, msg: dict[str, Any]) -> None:
        protocol.write_frame(self.out_fd, msg)

    def builtins(self) -> dict[str, Any]:
        """Builtins whose ``__import__`` maps ``math`` to ``ad_core.math``.

        Only code compiled from the slice sees them, so ``import math`` and
        ``from math import sin`` in the user's file get the shim while numpy,
        sympy and ad_core keep the real module.
        """
        b = dict(builtins.__dict__)
        real_import = builtins.__import__
        shim = self.math

        def _import(name, globals=None, locals=None, fromlist=(), level=0):  # noqa: A002
            if level == 0 and name == "math":
                return shim
            return real_import(name, globals, locals, fromlist, level)

        b["__import__"] = _import
        return b

    def namespace(self, source: str, path: str | None) -> dict[str, Any]:
        if path and path not in self.paths and os.path.isdir(path):
            # sibling modules of the file import as they would in the user's program
            sys.path.insert(0, path)
            self.paths.add(path)
        ns = self.namespaces.get(source)
        if ns is not None:
            self.namespaces.move_to_end(source)
            return ns
        code = compile(source, SLICE_FILENAME, "exec")
        ns = {"__name__": "__adlens_slice__", "__builtins__": self.builtins()}
        exec(code, ns)
        self.namespaces[source] = ns
        while len(self.namespaces) > 32:
            self.namespaces.popitem(last=False)
        return ns

    def handle(self, req: dict[str, Any]) -> dict[str, Any]:
        op = req.get("op")
        if op == "ping":
            return {"status": "ok", "message": "pong"}
        if op != "analyze":
            return {"status": "error", "message": f"unknown op {op!r}"}
        from . import compute as c

        name = req.get("function", "")
        try:
            ns = self.namespace(req.get("slice", ""), req.get("path"))
        except MemoryError:
            raise _OutOfMemory() from None
        except BaseException as e:
            d = c.describe(e, SLICE_FILENAME)
            return {"status": "error", "message": f"the module slice failed: {d['error']}", **d}
        fn = ns.get(name)
        if not callable(fn):
            return {"status": "error", "message": f"{name!r} is not a function in the slice"}
        point = req.get("point") or {}
        want = set(req.get("want") or ("value", "gradient", "check", "cost", "trace", "plot",
                                       "verdict"))
        target_name = req.get("gradient_of")
        ad = self.ad

        def need_ad(*features: str) -> Any:
            if ad is None:
                raise c.Unavailable(self.ad_error or "ad_core unavailable")
            for feature in features:
                obj = ad
                for part in feature.split("."):
                    obj = getattr(obj, part, None)
                if obj is None:
                    raise c.Unavailable(f"ad_core.{feature} is not available in this version")
            return ad

        pieces: list[tuple[str, Callable[[], dict[str, Any]]]] = []
        if target_name:
            target = ns.get(target_name)
            if not callable(target):
                return {"status": "error", "message": f"{target_name!r} is not a function"}
            tcall = c.Call.bind(target, point)
            pieces.append(("value", lambda: c.piece_value(c.Call.bind(fn, point))))
            if "verdict" in want:
                pieces.append(
                    ("verdict", lambda: c.piece_verdict(need_ad("grad"), tcall, fn, target_name))
                )
                pieces.append(
                    ("verdict_fd", lambda: c.piece_verdict_fd(need_ad("check_grad"), tcall, fn))
                )
        else:
            call = c.Call.bind(fn, point)
            table = {
                "value": lambda: c.piece_value(call),
                "gradient": lambda: c.piece_gradient(need_ad("grad", "jacrev"), call),
                "check": lambda: c.piece_check(need_ad("check_grad"), call),
                "cost": lambda: c.piece_cost(need_ad("cost.estimate"), call),
                "trace": lambda: c.piece_trace(need_ad("trace"), call),
                "plot": lambda: c.piece_plot(need_ad("value_and_grad"), call),
            }
            pieces = [(k, v) for k, v in table.items() if k in want]
        status, message = "ok", ""
        for piece, compute in pieces:
            if status == "error":
                # the function itself failed: every other piece would only repeat it
                data = {
                    "ok": False,
                    "unavailable": True,
                    "error": "the function raised (see value)",
                }
                self.send({"part": piece, "data": data})
                continue
            try:
                data = {"ok": True, **compute()}
            except MemoryError:
                raise _OutOfMemory() from None
            except c.Unavailable as e:
                data = {"ok": False, "unavailable": True, "error": str(e)}
            except BaseException as e:  # SystemExit, KeyboardInterrupt, RecursionError, ...
                data = {"ok": False, **c.describe(e, SLICE_FILENAME)}
            try:
                self.send({"part": piece, "data": data})
            except (TypeError, ValueError) as e:
                self.send({"part": piece, "data": {"ok": False, "error": f"unencodable: {e}"}})
            if piece == "value" and not data["ok"]:
                status, message = "error", data.get("error", "")
        return {"status": status, "message": message}

    def serve(self, in_fd: int) -> None:
        while True:
            try:
                req = protocol.read_frame(in_fd)
            except protocol.ProtocolError:
                return  # parent went away
            try:
                try:
                    done = self.handle(req)
                finally:
                    self.guard.restore()
            except (_OutOfMemory, MemoryError):
                self.namespaces.clear()
                self.send({"done": True, "status": "oom", "message": "out of memory"})
                os._exit(3)  # a fresh process is cheaper than trusting this heap
            except BaseException as e:  # never let user code end the loop
                done = {"status": "error", "message": f"{type(e).__name__}: {e}"}
            self.send({"done": True, **done})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="lsp_server.kernel.worker")
    parser.add_argument("--memory-limit", type=int, default=1 << 30)
    opts = parser.parse_args(argv)

    in_fd, out_fd = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    sys.stdin = open(os.devnull)  # noqa: SIM115
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115

    worker = Worker(out_fd)
    worker.load_engine()
    worker.guard.snapshot()  # after the engine's imports: what every request starts from
    import numpy  # noqa: F401  (warm: the first request should not pay for it)

    _limit_memory(opts.memory_limit)
    _forbid_processes()
    sys.setrecursionlimit(4000)
    worker.send({"ready": True, "pid": os.getpid(), "engine": worker.ad_error or "ad_core"})
    os.dup2(null, 2)  # from here on, stray writes to stderr vanish too
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115
    worker.serve(in_fd)


if __name__ == "__main__":
    main()

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

It then answers `schema.Request` frames, sending one ``{"part": name, "ok":
bool, "data": {...}}`` frame per computed piece (`compute.pieces_for`) and a
final ``{"done": true, "status": ...}``. A MemoryError ends the process after
the answer (status "oom"); the parent starts a fresh one.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import collections
import os
import sys
import types
from collections.abc import Callable
from typing import Any

from . import protocol, schema

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


def compile_slice(source: str, lines: tuple[int, ...]) -> types.CodeType:
    """The slice compiled with *document* line numbers: ``lines`` gives the document line
    (0-based) of each slice line. Every top-level statement was copied whole from the
    document, so one offset per statement is exact; tracebacks, ``ad.trace`` rows and
    ``ad.check_grad`` messages then all speak of the lines the user sees."""
    tree = ast.parse(source, SLICE_FILENAME)
    if lines:
        for stmt in tree.body:
            first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", ()))])
            if 0 < first <= len(lines):
                ast.increment_lineno(stmt, lines[first - 1] + 1 - first)
    return compile(tree, SLICE_FILENAME, "exec")


class Worker:
    def __init__(self, out_fd: int) -> None:
        self.out_fd = out_fd
        self.namespaces: collections.OrderedDict[tuple[str, tuple[int, ...]], dict[str, Any]] = (
            collections.OrderedDict()
        )
        self.guard = ModuleGuard()
        self.paths: set[str] = set()

    def send(self, msg: dict[str, Any]) -> None:
        protocol.write_frame(self.out_fd, msg)

    def builtins(self) -> dict[str, Any]:
        """Builtins whose ``__import__`` maps ``math`` to ``ad_core.math``.

        Only code compiled from the slice sees them, so ``import math`` and
        ``from math import sin`` in the user's file get the shim while numpy,
        sympy and ad_core keep the real module.
        """
        import ad_core.math as shim

        b = dict(builtins.__dict__)
        real_import = builtins.__import__

        def _import(name, globals=None, locals=None, fromlist=(), level=0):  # noqa: A002
            if level == 0 and name == "math":
                return shim
            return real_import(name, globals, locals, fromlist, level)

        b["__import__"] = _import
        return b

    def namespace(self, req: schema.Request) -> dict[str, Any]:
        path = req.path
        if path and path not in self.paths and os.path.isdir(path):
            # sibling modules of the file import as they would in the user's program
            sys.path.insert(0, path)
            self.paths.add(path)
        key = (req.slice, req.lines)
        ns = self.namespaces.get(key)
        if ns is not None:
            self.namespaces.move_to_end(key)
            return ns
        code = compile_slice(req.slice, req.lines)
        ns = {"__name__": "__adlens_slice__", "__builtins__": self.builtins()}
        exec(code, ns)
        self.namespaces[key] = ns
        while len(self.namespaces) > 32:
            self.namespaces.popitem(last=False)
        return ns

    def handle(self, message: dict[str, Any]) -> dict[str, Any]:
        """Answer one request: a frame per piece, then the final status (returned)."""
        try:
            req = schema.decode(schema.Request, message)
        except (TypeError, KeyError, ValueError) as e:
            return {"status": "error", "message": f"bad request: {e}"}
        if req.op == "ping":
            return {"status": "ok", "message": "pong"}
        from . import compute

        try:
            ns = self.namespace(req)
        except MemoryError:
            raise _OutOfMemory() from None
        except BaseException as e:
            f = compute.failure(e, SLICE_FILENAME)
            return {"status": "error", "message": f"the module slice failed: {f.message}",
                    "error": schema.encode(f)}
        fn = ns.get(req.function)
        if not callable(fn):
            return {"status": "error",
                    "message": f"{req.function!r} is not a function in the slice"}
        target = None
        if req.gradient_of:
            target = ns.get(req.gradient_of)
            if not callable(target):
                return {"status": "error", "message": f"{req.gradient_of!r} is not a function"}
        status, message = "ok", ""
        for name, compute_piece in compute.pieces_for(fn, target, req):
            if status == "error":
                # the function itself failed: every other piece would only repeat it
                self.send_piece(name, schema.Failure("the function raised (see its value)"))
                continue
            try:
                piece: Any = compute_piece()
            except MemoryError:
                raise _OutOfMemory() from None
            except compute.Unavailable as e:
                piece = schema.Failure(str(e))
            except BaseException as e:  # SystemExit, KeyboardInterrupt, RecursionError, ...
                piece = compute.failure(e, SLICE_FILENAME)
            self.send_piece(name, piece)
            if name == "value" and isinstance(piece, schema.Failure):
                status, message = "error", piece.message
        return {"status": status, "message": message}

    def send_piece(self, name: str, piece: Any) -> None:
        ok = not isinstance(piece, schema.Failure)
        try:
            self.send({"part": name, "ok": ok, "data": schema.encode(piece)})
        except (TypeError, ValueError) as e:  # a value json cannot encode
            self.send({"part": name, "ok": False, "data": {"message": f"unencodable: {e}"}})

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

    import ad_core  # noqa: F401  (the engine, and numpy: the first request should not wait)
    import ad_core.math  # noqa: F401

    from . import compute  # noqa: F401

    worker = Worker(out_fd)
    worker.guard.snapshot()  # after the engine's imports: what every request starts from

    _limit_memory(opts.memory_limit)
    _forbid_processes()
    sys.setrecursionlimit(4000)
    worker.send({"ready": True, "pid": os.getpid()})
    os.dup2(null, 2)  # from here on, stray writes to stderr vanish too
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115
    worker.serve(in_fd)


if __name__ == "__main__":
    main()

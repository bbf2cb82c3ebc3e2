"""The kernel process: ``python -c LAUNCH lsp_server.kernel.worker --channel FD``.

Two kinds of process run this module:

- the **zygote**, the kernel's main process. It imports the engine (numpy,
  ``ad_core``, `compute`) once, holds the channel to the server (a Unix socket), and
  never runs user code. For each request it forks
- a **request process**, forked ahead of time (a spare, while the kernel is idle),
  which closes the channel, sets its limits where user code cannot lift them
  (`sandbox`: hard ``RLIMIT_AS``, no capabilities to reach other processes, process
  creation and signals to others refused at the ``posix`` level and, where the
  platform allows, by a seccomp filter), then waits for its request, puts the file's
  folder and the workspace root on ``sys.path``, runs the slice, computes the pieces
  (`compute.pieces_for`) and writes them to a socket of its own. Once its last frame
  arrives, the zygote kills it and whatever it left running.

Nothing a request does outlives it: a patched ``numpy``, a replaced
``sys.modules`` entry, a sibling module imported from the file's folder, a thread, a
``sys.path`` entry are all gone with its process, so one request (one function, one
file) never changes the next one's card. The zygote forwards each piece frame to the
server tagged with the request's id, checks its shape and caps the answer's size
(`ANSWER_LIMIT`); the final frame is the zygote's own (from the request process's
last frame, or how it died). User code cannot reach the channel: its descriptor is
closed in the request process, a socket cannot be reopened through ``/proc``, and the
zygote is not dumpable (no ``/proc/PID/mem``, no ``ptrace`` by the same user).

Timeouts and cancellations kill the request process (its process group) and leave
the zygote running: a timed-out function costs a fork (milliseconds), not a restart
that re-imports numpy. Third-party modules a slice imports (``scipy.optimize``...)
are imported once by the zygote when they come from outside the file's folder and
the workspace root, so every later request finds them imported (`Zygote.preimport`).

Channel messages (server -> zygote): ``{"op": "run", "id", "request", "timeout",
"skip"}`` (``skip``: modules never to pre-import),
``{"op": "cancel", "id"}``. Zygote -> server: ``{"ready": true, ...}`` once, then per
request ``{"id", "part", "ok", "data"}`` frames and a final ``{"id", "done": true,
"status", "message", "error"?, "restart_without"?}``.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import gc
import os
import select
import signal
import sys
import time
import types
from typing import Any

from . import protocol, rewrite, sandbox, schema

SLICE_FILENAME = "<adlens slice>"
PIECE_LIMIT = 2 << 20  # one piece's frame; a larger one is replaced by a Failure saying so
ANSWER_LIMIT = 8 << 20  # all frames of one request; beyond, the request process is killed
OOM_EXIT = 3  # a request process that ran out of memory exits with this

_STATUSES = ("ok", "error", "oom")  # what a request process may say about itself


class _OutOfMemory(Exception):
    pass


def compile_slice(source: str, lines: tuple[int, ...]) -> types.CodeType:
    """The slice compiled with *document* line numbers: ``lines`` gives the document line
    (0-based) of each slice line. Every top-level statement was copied whole from the
    document, so one offset per statement is exact; tracebacks, ``ad.trace`` rows and
    ``ad.check_grad`` messages then all speak of the lines the user sees.
    ``dont_inherit``: the slice is compiled as its own module, never with this file's
    ``from __future__ import annotations`` (which would break ``@dataclass`` fields).
    Its functions' ``a[i] = v`` writes are rewritten so that a traced ``v`` written into
    a plain local array keeps its derivative (`rewrite`)."""
    rewrite.install()
    tree = rewrite.rewrite(ast.parse(source, SLICE_FILENAME))
    if lines:
        for stmt in tree.body:
            first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", ()))])
            if 0 < first <= len(lines):
                ast.increment_lineno(stmt, lines[first - 1] + 1 - first)
    return compile(tree, SLICE_FILENAME, "exec", dont_inherit=True)


def import_hint() -> str:
    """What a ModuleNotFoundError card adds: which interpreter ran it, how to change it."""
    return (f" (the kernel ran {sys.executable}: install the module there, or point AD Lens "
            "at your project's Python: `adlens check --python PATH`, or the setting "
            "adlens.kernelPython)")


def _with_hint(failure: schema.Failure) -> schema.Failure:
    if failure.message.startswith("ModuleNotFoundError") and "kernel ran" not in failure.message:
        return schema.Failure(failure.message + import_hint(), failure.line)
    return failure


def _package_of(folder: str | None) -> tuple[str, str | None]:
    """(dotted package, the folder its top package lives in) for a file in ``folder``:
    ``("benchmarks.go", "/src")`` for /src/benchmarks/go/f.py when both folders hold an
    ``__init__.py``; ``("", None)`` outside a package. A file of a package imports its
    siblings with ``from .x import y``: the slice runs as part of that package."""
    parts: list[str] = []
    here = folder
    while here and os.path.isfile(os.path.join(here, "__init__.py")):
        name = os.path.basename(here)
        if not name.isidentifier():
            return "", None
        parts.append(name)
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    if not parts:
        return "", None
    return ".".join(reversed(parts)), here


def _search_path(req: schema.Request) -> list[str]:
    """The folders a request adds in front of ``sys.path``: the file's folder, then the
    workspace root, then the folder of the file's top package when it is in one (sibling
    modules, the project's packages and relative imports resolve as they would in the
    user's program)."""
    out: list[str] = []
    for p in (req.path, req.root, _package_of(req.path)[1]):
        if p and os.path.isdir(p) and p not in out:
            out.append(p)
    return out


def _top_level_names(folder: str) -> set[str]:
    """Module names a folder provides (``name.py``, ``name/__init__.py``, extensions)."""
    names: set[str] = set()
    try:
        entries = os.listdir(folder)
    except OSError:
        return names
    for entry in entries:
        stem, dot, ext = entry.partition(".")
        if dot and ext.split(".")[-1] in ("py", "pyc", "so", "pyd") and stem.isidentifier():
            names.add(stem)
        elif not dot and os.path.isfile(os.path.join(folder, entry, "__init__.py")):
            names.add(entry)
    return names


def _under(path: str, folders: list[str]) -> bool:
    path = os.path.realpath(path)
    return any(path == f or path.startswith(f.rstrip(os.sep) + os.sep)
               for f in (os.path.realpath(f) for f in folders))


# -- the request process ---------------------------------------------------------------------


class RequestProcess:
    """One request, in its own process: runs the slice and sends each piece."""

    def __init__(self, out_fd: int, req: schema.Request, preimported: set[str]) -> None:
        self.out_fd = out_fd
        self.req = req
        self.preimported = preimported

    def send(self, msg: dict[str, Any]) -> None:
        protocol.write_frame(self.out_fd, msg)

    def send_piece(self, name: str, piece: Any) -> None:
        if isinstance(piece, schema.Failure):
            piece = _with_hint(piece)
        ok = not isinstance(piece, schema.Failure)
        try:
            frame = protocol.encode({"part": name, "ok": ok, "data": schema.encode(piece)})
        except (TypeError, ValueError, RecursionError) as e:  # a value json cannot encode
            frame = protocol.encode({"part": name, "ok": False,
                                     "data": {"message": f"unencodable: {e}"}})
        if len(frame) > PIECE_LIMIT:
            mib = len(frame) / (1 << 20)
            frame = protocol.encode({"part": name, "ok": False, "data": {
                "message": f"this answer is {mib:.1f} MiB, more than the "
                           f"{PIECE_LIMIT >> 20} MiB AD Lens passes on: not shown"}})
        protocol.write_bytes(self.out_fd, frame)

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

    def prepare_path(self) -> None:
        """The file's folder and the workspace root first on ``sys.path``; a module the
        zygote imported for an earlier request but which one of them shadows is
        forgotten here, so this file imports its own."""
        folders = _search_path(self.req)
        sys.path[:0] = folders
        shadowed = set().union(*(_top_level_names(f) for f in folders)) & self.preimported
        for name in list(sys.modules):
            if name.split(".")[0] in shadowed:
                del sys.modules[name]

    def run(self) -> dict[str, Any]:
        """Send every piece; return the final status."""
        from . import compute

        req = self.req
        self.prepare_path()
        try:
            code = compile_slice(req.slice, req.lines)
            ns: dict[str, Any] = {"__name__": "__adlens_slice__", "__builtins__": self.builtins()}
            package = _package_of(req.path)[0]
            if package:
                ns["__package__"] = package
            exec(code, ns)
        except MemoryError:
            raise _OutOfMemory() from None
        except BaseException as e:
            f = _with_hint(compute.failure(e, SLICE_FILENAME))
            return {"status": "error", "message": f"the module slice failed: {f.message}",
                    "error": schema.encode(f)}
        try:  # a method is bound to an instance built here (compute.choose)
            chosen = compute.choose(ns, req)
        except compute.Unavailable as e:
            return {"status": "error", "message": str(e)}
        except MemoryError:
            raise _OutOfMemory() from None
        except BaseException as e:
            f = compute.failure(e, SLICE_FILENAME)
            what = (req.instance or {}).get("class", "the instance")
            return {"status": "error", "message": f"building {what} failed: {f.message}",
                    "error": schema.encode(f)}
        status, message = "ok", ""
        for name, compute_piece in compute.pieces_for(chosen.fn, chosen.target, chosen.req,
                                                      chosen.probe):
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
                status, message = "error", _with_hint(piece).message
        return {"status": status, "message": message}


def _request_process(fd: int, memory: int, zygote: int) -> None:
    """The forked child: confine itself, wait for its request on ``fd``, run it, answer,
    exit. Never returns. It is forked ahead of time (a spare), so the confinement is
    done before the request arrives."""
    code = 0
    try:
        _die_with_parent(zygote)
        os.setpgid(0, 0)  # its own group: the zygote kills it and anything it started
        os.closerange(3, fd)
        os.closerange(fd + 1, _max_fd())
        sys.dont_write_bytecode = True  # no __pycache__ left in the user's folders
        sandbox.limit_resources(memory)
        sandbox.drop_capabilities()
        sandbox.deny_processes()
        sandbox.install_seccomp()
        sys.setrecursionlimit(4000)
        msg = protocol.read_frame(fd)
        req = schema.decode(schema.Request, msg["request"])
        handler = RequestProcess(fd, req, set(msg.get("preimported", ())))
        try:
            done = handler.run()
        except (_OutOfMemory, MemoryError):
            done, code = {"status": "oom", "message": "out of memory"}, OOM_EXIT
        except BaseException as e:  # never let user code end the process without an answer
            done = {"status": "error", "message": f"{type(e).__name__}: {e}"}
        handler.send({"done": True, **done})
    except BaseException:
        code = code or 1
    os._exit(code)


def _die_with_parent(zygote: int) -> None:
    """If the zygote dies (the server killed it), this process dies too."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != zygote:
        os._exit(1)


def _max_fd() -> int:
    try:
        return os.sysconf("SC_OPEN_MAX")
    except (ValueError, OSError):
        return 4096


# -- the zygote -----------------------------------------------------------------------------


class Zygote:
    def __init__(self, channel: int, memory: int) -> None:
        self.channel = channel
        self.memory = memory
        self.reader = protocol.FrameReader()
        self.queued: list[dict[str, Any]] = []
        self.preimported: set[str] = set()  # top-level names imported for slices
        self.skip: set[str] = set()  # modules never to import here (they start threads)
        self.threaded: str | None = None  # the module whose import started a thread
        self.spare: tuple[int, int, int] | None = None  # (pid, socket, len(sys.modules))

    def send(self, msg: dict[str, Any]) -> None:
        protocol.write_frame(self.channel, msg)

    def next_message(self, timeout: float | None) -> dict[str, Any] | None:
        """The next frame from the server (None: none within ``timeout``).
        ProtocolError when the server hung up."""
        while not self.queued:
            self.queued.extend(self.reader.frames())
            if self.queued:
                break
            ready, _, _ = select.select([self.channel], [], [], timeout)
            if not ready:
                return None
            chunk = os.read(self.channel, 1 << 20)
            if not chunk:
                raise protocol.ProtocolError("the server hung up")
            self.reader.feed(chunk)
        return self.queued.pop(0)

    def serve(self) -> None:
        while True:
            try:
                msg = self.next_message(None)
            except protocol.ProtocolError:
                return
            if msg is None or msg.get("op") != "run":
                continue  # a cancel for a request already answered
            rid = msg.get("id")
            try:
                req = schema.decode(schema.Request, msg["request"])
                timeout = float(msg.get("timeout", 2.0))
                self.skip = {str(m) for m in msg.get("skip", ())}
            except (TypeError, KeyError, ValueError) as e:
                self.send({"id": rid, "done": True, "status": "error",
                           "message": f"bad request: {e}"})
                continue
            if req.op == "ping":
                self.send({"id": rid, "done": True, "status": "ok", "message": "pong"})
                continue
            if not self.run(rid, req, time.monotonic() + timeout, timeout):
                return
            if self.threaded:
                return  # forking a process with threads risks deadlocks: a fresh zygote

    def preimport(self, req: schema.Request) -> None:
        """Import, here, the installed modules the slice names: every later request
        forks with them imported (scipy.optimize alone takes most of a second). Only
        third-party modules found outside the file's folder and the workspace root,
        and not shadowed by them: code of the user's project never runs in the zygote
        (an installed package's import does, outside the request limits)."""
        import importlib
        import importlib.util

        try:  # the derived classes' slice holds the slice (compute.choose may run it)
            tree = ast.parse(req.subclasses or req.slice)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return
        folders = _search_path(req) + [os.getcwd()]
        local = set().union(*(_top_level_names(f) for f in folders))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            else:
                continue
            if isinstance(node, ast.ImportFrom):  # `from scipy import special`: a submodule
                names += [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
            for name in names:
                top = name.split(".")[0]
                if (name in sys.modules or top in local or top in self.skip
                        or top in getattr(sys, "stdlib_module_names", ())):
                    continue  # the standard library imports fast, and `antigravity`
                    # (say) had better open its browser where processes are refused
                try:
                    spec = importlib.util.find_spec(top)
                    where = [spec.origin or "", *(spec.submodule_search_locations or [])] \
                        if spec is not None else []
                    if not spec or _under_any(where, folders):
                        continue
                    if name != top and name.rpartition(".")[0] in sys.modules \
                            and importlib.util.find_spec(name) is None:
                        continue  # `from pkg import function`: not a module
                    importlib.import_module(name)
                    self.preimported.add(top)
                except BaseException:  # noqa: BLE001  (the request process will say why)
                    continue
                if self.threaded is None and _threads() > 1:
                    self.threaded = top  # its import started a thread (see serve)
        gc.freeze()  # what the zygote holds stays shared with every fork

    def fork_spare(self, ahead: bool = True) -> None:
        """Fork the next request's process now, while nothing waits for it: the fork
        and the confinement cost a request nothing. Dropped (`take_spare`) if the
        zygote imported something since. Not ``ahead`` of time once an import started a
        thread here: the zygote serves this request and ends (see `serve`)."""
        if self.spare is not None or (ahead and self.threaded):
            return
        ours, theirs = _socketpair()
        me = os.getpid()
        try:
            pid = os.fork()
        except OSError:
            os.close(ours)
            os.close(theirs)
            return
        if pid == 0:
            os.close(ours)
            os.close(self.channel)
            _request_process(theirs, self.memory, me)
        os.close(theirs)
        self.spare = (pid, ours, len(sys.modules))

    def take_spare(self) -> tuple[int, int]:
        """The spare request process, if it is alive and was forked after the last
        import; otherwise a fresh one. OSError when no process can be made."""
        if self.spare is not None:
            pid, fd, modules = self.spare
            self.spare = None
            if modules == len(sys.modules) and _reap(pid) is None:
                return pid, fd
            _kill_group(pid)
            os.close(fd)
        self.fork_spare(ahead=False)
        if self.spare is None:
            raise OSError("fork failed")
        pid, fd, _ = self.spare
        self.spare = None
        return pid, fd

    def run(self, rid: Any, req: schema.Request, deadline: float, timeout: float) -> bool:
        """Give the request to a request process, forward its frames, answer. False:
        stop serving."""
        self.preimport(req)
        try:
            pid, fd = self.take_spare()
            protocol.write_frame(fd, {"request": schema.encode(req),
                                      "preimported": sorted(self.preimported)})
        except OSError as e:
            self.send({"id": rid, "done": True, "status": "error",
                       "message": f"could not start a process for this request: {e}"})
            return True
        try:
            done = self.forward(rid, pid, fd, deadline, timeout)
        except protocol.ProtocolError:  # the server hung up mid-request
            _kill_group(pid)
            return False
        finally:
            os.close(fd)
        if self.threaded:  # the client restarts the zygote without preimporting it
            done["restart_without"] = self.threaded
        self.send({"id": rid, "done": True, **done})
        self.fork_spare()
        return True

    def forward(self, rid: Any, pid: int, fd: int, deadline: float, timeout: float
                ) -> dict[str, Any]:
        """Relay the request process's frames until its last one (then it is killed
        with anything it left running: its work is done), its death, the deadline or a
        cancellation."""
        reader = protocol.FrameReader(PIECE_LIMIT + 1024)
        eof = False
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                _kill_group(pid)
                return {"status": "timeout", "message": f"timed out after {timeout:g} s"}
            # after EOF without a last frame the process is dying (or closed its socket
            # and runs on): poll for its exit, briefly
            watch = [self.channel] if eof else [self.channel, fd]
            ready, _, _ = select.select(watch, [], [], min(remaining, 0.005) if eof else remaining)
            if self.channel in ready:
                msg = self.next_message(0)
                if msg is not None and msg.get("op") == "cancel" and msg.get("id") == rid:
                    _kill_group(pid)
                    return {"status": "crashed", "message": "cancelled"}
            if fd in ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    eof = True
                else:
                    reader.feed(chunk)
                    try:
                        if reader.received > ANSWER_LIMIT:
                            raise protocol.ProtocolError(
                                f"its answer was larger than {ANSWER_LIMIT >> 20} MiB")
                        for frame in reader.frames():
                            final = self.relay(rid, frame)
                            if final is not None:
                                code = _kill_group(pid)
                                if code is not None and os.WIFEXITED(code) \
                                        and os.WEXITSTATUS(code) == OOM_EXIT:
                                    return {"status": "oom", "message": "out of memory"}
                                return final
                    except protocol.ProtocolError as e:
                        _kill_group(pid)
                        return {"status": "error", "message": f"the kernel's answer was "
                                f"refused: {e}"}
            if eof:
                status = _reap(pid)
                if status is not None:
                    return _outcome(status)

    def relay(self, rid: Any, frame: dict[str, Any]) -> dict[str, Any] | None:
        """Forward a piece frame (shape checked); return a final frame instead."""
        if frame.get("done"):
            status = frame.get("status")
            out = {"status": status if status in _STATUSES else "error",
                   "message": str(frame.get("message", ""))[:2000]}
            if isinstance(frame.get("error"), dict):
                out["error"] = frame["error"]
            return out
        name, data = frame.get("part"), frame.get("data")
        if name not in schema.PIECES or not isinstance(data, dict):
            raise protocol.ProtocolError("a frame that is not a piece")
        self.send({"id": rid, "part": name, "ok": frame.get("ok") is True, "data": data})
        return None


def _threads() -> int:
    """OS threads of this process (a module's import may have started some)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        import threading

        return threading.active_count()


def _under_any(paths: list[str], folders: list[str]) -> bool:
    return any(p and _under(p, folders) for p in paths)


def _socketpair() -> tuple[int, int]:
    import socket

    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    return a.detach(), b.detach()


def _kill_group(pid: int) -> int | None:
    """Kill the request process and its group; its wait status (None: already reaped)."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:
        return None


def _reap(pid: int) -> int | None:
    """The wait status if the process has exited (it closed its socket), else None."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return 0
    if done == 0:
        return None
    try:
        os.killpg(pid, signal.SIGKILL)  # anything it left in its group goes with it
    except OSError:
        pass
    return status


def _outcome(status: int) -> dict[str, Any]:
    """The final frame when the request process died before its last frame."""
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == OOM_EXIT:
        return {"status": "oom", "message": "out of memory"}
    why = (f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
           else f"exit code {os.WEXITSTATUS(status)}")
    return {"status": "crashed", "message": f"the kernel died while running this ({why})"}


# Run once by the zygote (our code, not the user's): the first computation in a process
# fills lazy imports and caches (numpy's dispatch, ad_core's rules, inspect's
# signatures), and a fork that finds them filled answers in a fraction of the time.
_WARM_UP = """
import math
import numpy as np


def scalar(x, y):
    s = x * y
    t = np.sin(s) + np.exp(-x) + math.cos(y) + np.tanh(x) * np.log(1.0 + y * y)
    if x > 0:
        t = t + np.sqrt(abs(x))
    return t * t / (1.0 + y ** 2)


def vector(w, b):
    z = np.dot(w, w) + np.sum(np.maximum(w, 0.0)) + b
    return np.mean(np.array([z, z * 2.0])) + w[0] ** 2


def field(v):
    return np.stack([np.sin(v), v * v])
"""


def _warm_up() -> None:
    from . import compute

    ns: dict[str, Any] = {"__name__": "__adlens_warm_up__"}
    exec(compile_slice(_WARM_UP, ()), ns)
    points = [("scalar", {"x": 0.7, "y": 1.3}), ("vector", {"w": [0.1, -0.2, 0.3], "b": 0.5}),
              ("field", {"v": [0.5, 1.5]})]
    for name, point in points:
        # a request with the slice: ad.sct reads the function's source (compute.piece_sct)
        req = schema.Request(_WARM_UP, name, point)
        for piece_name, piece in compute.pieces_for(ns[name], None, req):
            try:
                protocol.encode({"part": piece_name, "data": schema.encode(piece())})
            except Exception:  # noqa: BLE001  (a warm-up only: whatever it reached is warm)
                pass


def _probe_seccomp() -> str:
    """Whether a request process gets the seccomp filter: "on", or why not (a fork that
    installs it and reports, so the answer is this machine's)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            why = sandbox.install_seccomp()
            os.write(w, (why or "on").encode()[:500])
        finally:
            os._exit(0)
    os.close(w)
    try:
        out = b""
        while chunk := os.read(r, 512):
            out += chunk
    finally:
        os.close(r)
        os.waitpid(pid, 0)
    return out.decode("utf-8", "replace") or "the probe failed"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="lsp_server.kernel.worker")
    parser.add_argument("--channel", type=int, required=True)
    parser.add_argument("--memory-limit", type=int, default=1 << 30)
    opts = parser.parse_args(argv)

    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    # on fds 0 and 1 themselves: a request process closes every descriptor above 2
    sys.stdin = open(0, closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115

    try:
        import numpy  # noqa: F401
    except ImportError:
        sys.exit(f"numpy is not installed for {sys.executable}: install it there "
                 f"({sys.executable} -m pip install numpy), or point AD Lens at another Python")
    import ad_core  # noqa: F401  (the engine, and numpy: every request forks with them)
    import ad_core.math  # noqa: F401

    from . import compute  # noqa: F401

    sandbox.not_dumpable()  # a request process cannot reach the channel through /proc
    zygote = Zygote(opts.channel, opts.memory_limit)
    _warm_up()
    gc.collect()
    gc.freeze()
    zygote.fork_spare()
    zygote.send({"ready": True, "pid": os.getpid(), "python": sys.executable,
                 "version": ".".join(map(str, sys.version_info[:3])),
                 "seccomp": _probe_seccomp()})
    os.dup2(0, 2)  # from here on, stray writes to stderr vanish too
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
    zygote.serve()


if __name__ == "__main__":
    main()

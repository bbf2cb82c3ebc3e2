"""The parent side of one kernel: start it, send it a `schema.Request`, read the pieces
back as `schema` dataclasses, time-limit it, restart it after a crash, cache answers.

The kernel's main process (the zygote, `worker`) runs each request in a process of its
own and kills it at the time limit or on cancellation; this side only restarts the
zygote itself when it stops answering (`BACKSTOP` after the limit) or dies.

    >>> with Kernel(time_limit=1.0) as k:
    ...     k.run_sync(Request("", "", {}, op="ping")).status
    'ok'
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import dataclasses
import hashlib
import itertools
import json
import pickle
import threading
import time
from typing import Any

from . import protocol, schema
from .process import WorkerProcess
from .schema import Request, Result

# The zygote answers a request by its time limit; past this much more, it is stuck (an
# import that never ends, say) and is restarted.
BACKSTOP = 2.0
# After a cancellation, how long the zygote has to confirm before it is restarted.
CANCEL_GRACE = 2.0
CACHE_BYTES = 64 << 20  # answers kept per kernel, by the size of their frames


class Kernel:
    """A persistent kernel; one request at a time; restarted after a crash."""

    def __init__(
        self,
        time_limit: float = 2.0,
        memory_limit: int = 1 << 30,
        python: str | None = None,
        startup_timeout: float = 60.0,
        cache_size: int = 512,
        cache_bytes: int = CACHE_BYTES,
    ) -> None:
        self.time_limit = time_limit
        self.memory_limit = memory_limit
        self.startup_timeout = startup_timeout
        self.restarts = 0
        self._worker = WorkerProcess("lsp_server.kernel.worker",
                                     ("--memory-limit", str(memory_limit)), python, "kernel")
        self._lock = threading.Lock()
        self._cache: collections.OrderedDict[str, tuple[Result, int]] = (
            collections.OrderedDict()
        )
        self._cache_size = cache_size
        self._cache_bytes = cache_bytes
        self._cached_bytes = 0
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._alocks: dict[int, asyncio.Lock] = {}
        self._closed = False
        self._ids = itertools.count(1)
        self._current: int | None = None  # the id of the request in flight
        self._deadline = 0.0  # when the request in flight is given up (see interrupt)
        self._token: object | None = None  # whose request runs now (see interrupt)
        self._cancelled = False
        # installed modules that start threads when imported: the zygote must not import
        # them (it forks), each request process does
        self._skip: set[str] = set()

    @property
    def python(self) -> str:
        """The interpreter the kernel runs with."""
        return self._worker.python

    @property
    def info(self) -> dict[str, Any]:
        """What the running kernel said when it started: ``python``, ``version``,
        ``seccomp`` ("on", or why not). Empty before it started."""
        return dict(self._worker.info)

    # -- process -----------------------------------------------------------------------
    def start(self) -> None:
        """Start the process now (otherwise the first request does)."""
        with self._lock:
            self._worker.spawn()

    def _ensure_ready(self) -> None:
        self._worker.spawn()
        self._worker.wait_ready(self.startup_timeout)

    def _restart(self) -> None:
        self._worker.kill()
        self.restarts += 1
        if not self._closed:
            try:
                self._worker.spawn()  # warm up in the background for the next request
            except OSError:
                pass  # the next request says why

    # -- requests ----------------------------------------------------------------------
    @staticmethod
    def cache_key(request: Request, timeout: float) -> str:
        fields = schema.encode(request)
        try:
            blob = json.dumps(fields, sort_keys=True, default=repr).encode("utf-8", "surrogatepass")
        except (ValueError, RecursionError):  # a 5,000-digit integer: no decimal text
            blob = pickle.dumps(fields)
        return hashlib.sha256(blob + f"|{timeout}".encode()).hexdigest()

    def cached(self, request: Request, timeout: float | None = None) -> Result | None:
        """The cached answer for a request, without running anything."""
        t = self.time_limit if timeout is None else timeout
        hit = self._cache.get(self.cache_key(request, t))
        return None if hit is None else dataclasses.replace(hit[0], cached=True)

    def run_sync(self, request: Request, timeout: float | None = None) -> Result:
        """Run one request; never raises, never waits much longer than ``timeout``."""
        t = self.time_limit if timeout is None else timeout
        key = self.cache_key(request, t)
        hit = self._cache.get(key)
        if hit is not None:
            return dataclasses.replace(hit[0], cached=True)
        with self._lock:
            if self._closed:
                return Result("error", "the kernel is closed")
            res, size = self._run_locked(request, t)
        if request.op != "ping" and res.status != "crashed":
            self._remember(key, res, size)
        return res

    def _remember(self, key: str, res: Result, size: int) -> None:
        if size > self._cache_bytes:
            return
        self._cache[key] = (res, size)
        self._cached_bytes += size
        while len(self._cache) > self._cache_size or self._cached_bytes > self._cache_bytes:
            _, (_, dropped) = self._cache.popitem(last=False)
            self._cached_bytes -= dropped

    def _run_locked(self, request: Request, timeout: float) -> tuple[Result, int]:
        start = time.monotonic()
        pieces: dict[str, Any] = {}
        size = 0

        def result(status: schema.Status, message: str, error: schema.Failure | None = None
                   ) -> tuple[Result, int]:
            return Result(status, message, pieces, error, time.monotonic() - start), size

        rid = next(self._ids)
        unsendable = _unsendable(request.point)
        if unsendable:
            return result("error", unsendable)
        frame = {"op": "run", "id": rid, "timeout": timeout, "request": schema.encode(request),
                 "skip": sorted(self._skip)}
        try:
            self._ensure_ready()
        except (protocol.ProtocolError, OSError) as e:
            return result("crashed", f"the kernel could not start with {self.python}: {e}")
        self._current, self._cancelled = rid, False
        self._deadline = start + timeout + BACKSTOP
        received = self._worker.received
        try:
            self._worker.send(frame)
            while True:
                msg = self._worker.read(self._deadline)
                if msg is None:
                    self._restart()
                    if self._cancelled:
                        return result("crashed", "cancelled")
                    return result("timeout", f"timed out after {timeout:g} s (the kernel was "
                                             "restarted)")
                if msg.get("id") != rid:
                    continue  # the end of a request given up earlier
                if "part" in msg:
                    name = str(msg["part"])
                    size = self._worker.received - received
                    pieces[name] = _piece(name, msg)
                elif msg.get("done"):
                    return self._final(msg, result)
        except (protocol.ProtocolError, OSError) as e:
            code = self._worker.exit_code()
            self._restart()
            why = (f"exit code {code}" if code is not None and code >= 0
                   else f"signal {-code}" if code else str(e))
            return result("crashed", f"the kernel died ({why}); it was restarted")
        finally:
            self._current = None

    def _final(self, msg: dict[str, Any], result: Any) -> tuple[Result, int]:
        if isinstance(msg.get("restart_without"), str):
            self._skip.add(msg["restart_without"])
            self._restart()
        status = msg.get("status", "error")
        if status not in ("ok", "timeout", "oom", "crashed", "error"):
            status = "error"
        if status == "oom":
            message = f"out of memory (limit {self.memory_limit >> 20} MiB)"
        else:
            message = str(msg.get("message", ""))
        error = msg.get("error")
        failure = None
        if isinstance(error, dict):
            try:
                failure = schema.decode(schema.Failure, error)
            except (TypeError, KeyError, ValueError):
                failure = None
        return result(status, message, failure)

    async def run(self, request: Request, timeout: float | None = None,
                  kill_grace: float = 0.0) -> Result:
        """``run_sync`` off the event loop. Cache hits return at once.

        Cancelling the awaiting task stops the request in flight, after ``kill_grace``
        seconds: 0 (a command the user cancels) at once; background cards made stale by
        an edit pass a grace, since most finish in milliseconds.
        """
        t = self.time_limit if timeout is None else timeout
        hit = self.cached(request, t)
        if hit is not None:
            return hit
        loop = asyncio.get_running_loop()
        lock = self._alocks.setdefault(id(loop), asyncio.Lock())
        async with lock:  # waiters cancelled here never reach the process
            if self._executor is None:
                self._executor = concurrent.futures.ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix="adlens-kernel"
                )
            token = object()
            fut = loop.run_in_executor(self._executor, self._run_token, request, t, token)
            try:
                return await asyncio.shield(fut)
            except asyncio.CancelledError:
                # the caller gave up: stop the work instead of letting it run out its limit
                if kill_grace > 0:
                    loop.call_later(kill_grace, self.interrupt, token)  # only if still running
                else:
                    self.interrupt(token)
                raise

    def _run_token(self, request: Request, timeout: float, token: object) -> Result:
        self._token = token
        try:
            return self.run_sync(request, timeout)
        finally:
            self._token = None

    def interrupt(self, token: object | None = None) -> None:
        """Stop the request in flight (only if it is ``token``'s, when given): the
        zygote kills its process; if it does not confirm soon, it is restarted."""
        if token is not None and self._token is not token:
            return
        rid = self._current
        if rid is None or not self._lock.locked():
            return
        self._cancelled = True
        self._deadline = min(self._deadline, time.monotonic() + CANCEL_GRACE)
        try:
            self._worker.send({"op": "cancel", "id": rid})
        except (OSError, AssertionError):
            pass

    def clear_cache(self) -> None:
        self._cache.clear()
        self._cached_bytes = 0

    @property
    def pid(self) -> int | None:
        return self._worker.pid

    def close(self) -> None:
        self._closed = True
        with self._lock:
            self._worker.close()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> Kernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self._worker.kill()
        except Exception:
            pass


def _unsendable(point: dict[str, Any]) -> str | None:
    """Why a point cannot go to the kernel (None: it can): the kernel takes numbers,
    strings, booleans, None, and lists, tuples and dicts of them."""
    for name, value in point.items():
        try:
            json.dumps(value, allow_nan=True)
        except (TypeError, ValueError, RecursionError):
            return (f"{name} is {_kind(value)}: AD Lens evaluates functions at real numbers "
                    f"(and lists of them); give {name} such a value, e.g. in a "
                    f"`# adlens: {name}=1.0` line above the function")
    return None


def _kind(value: Any) -> str:
    if isinstance(value, complex):
        return "a complex number"
    if isinstance(value, int):
        return f"an integer of {value.bit_length()} bits (too long to pass as a number)"
    if isinstance(value, (set, frozenset)):
        return "a set"
    if isinstance(value, bytes):
        return "a bytes string"
    if isinstance(value, (list, tuple, dict)):
        return f"a {type(value).__name__} holding a value of another kind"
    return f"a {type(value).__name__}"


def _piece(name: str, msg: dict[str, Any]) -> Any:
    """A piece frame as its dataclass; a malformed one as a Failure saying so."""
    try:
        return schema.decode_piece(name, bool(msg.get("ok")), msg.get("data") or {})
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        return schema.Failure(f"a malformed answer from the kernel ({type(e).__name__})")

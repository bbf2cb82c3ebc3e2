"""The parent side of one kernel process: start it, send it a `schema.Request`, read the
pieces back as `schema` dataclasses, time-limit it, restart it after a crash.

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
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

from . import protocol, schema
from .schema import Request, Result

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Kernel:
    """A persistent worker process; one request at a time; restarted after a crash."""

    def __init__(
        self,
        time_limit: float = 2.0,
        memory_limit: int = 1 << 30,
        python: str | None = None,
        startup_timeout: float = 60.0,
        cache_size: int = 512,
    ) -> None:
        self.time_limit = time_limit
        self.memory_limit = memory_limit
        self.python = python or sys.executable
        self.startup_timeout = startup_timeout
        self.restarts = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._ready = False
        self._lock = threading.Lock()
        self._cache: collections.OrderedDict[str, Result] = collections.OrderedDict()
        self._cache_size = cache_size
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._alocks: dict[int, asyncio.Lock] = {}
        self._tmp = tempfile.TemporaryDirectory(prefix="adlens-kernel-")
        self._closed = False
        self._pending: list[dict[str, Any]] = []  # frames read ahead of the one asked for
        self._interrupted = False  # set by interrupt(): the next crash is a cancellation
        self._token: object | None = None  # whose request runs now (see interrupt)
        self._reader = protocol.FrameReader()

    # -- process -----------------------------------------------------------------
    def start(self) -> None:
        """Start the process now (otherwise the first request does)."""
        with self._lock:
            self._spawn()

    def _spawn(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        env = dict(os.environ)
        # one BLAS thread keeps the address space small under RLIMIT_AS
        env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, env.get("PYTHONPATH")) if p)
        env.pop("PYTHONSTARTUP", None)
        self._stderr = open(os.path.join(self._tmp.name, "stderr.log"), "wb")  # noqa: SIM115
        self._proc = subprocess.Popen(
            [
                self.python,
                "-m",
                "lsp_server.kernel.worker",
                "--memory-limit",
                str(self.memory_limit),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=self._tmp.name,  # stray relative writes land in a private directory
            env=env,
            start_new_session=True,  # a signal for the editor's group does not reach it
        )
        self._ready = False
        self._reader = protocol.FrameReader()

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        self._ready = False
        if proc is None:
            return
        try:
            proc.kill()
        except OSError:
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for s in (proc.stdin, proc.stdout):
            try:
                if s:
                    s.close()
            except OSError:
                pass
        self._stderr.close()

    def _stderr_tail(self) -> str:
        try:
            with open(os.path.join(self._tmp.name, "stderr.log"), "rb") as f:
                return f.read()[-2000:].decode("utf-8", "replace").strip()
        except OSError:
            return ""

    def _read(self, deadline: float) -> dict[str, Any] | None:
        """The next frame, or None at the deadline. Raises ProtocolError on EOF."""
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        while True:
            frames = self._reader.frames()
            if frames:
                # frames() may return several; keep the rest for the next call
                first, rest = frames[0], frames[1:]
                if rest:
                    self._pending = rest + self._pending
                return first
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                return None
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise protocol.ProtocolError("the kernel exited")
            self._reader.feed(chunk)

    def _next(self, deadline: float) -> dict[str, Any] | None:
        if self._pending:
            return self._pending.pop(0)
        return self._read(deadline)

    def _ensure_ready(self) -> None:
        self._spawn()
        if self._ready:
            return
        msg = self._next(time.monotonic() + self.startup_timeout)
        if msg is None or not msg.get("ready"):
            tail = self._stderr_tail()
            self._kill()
            raise protocol.ProtocolError("the kernel did not start" + (f": {tail}" if tail else ""))
        self._ready = True

    # -- requests ----------------------------------------------------------------
    @staticmethod
    def cache_key(request: Request, timeout: float) -> str:
        blob = json.dumps(schema.encode(request), sort_keys=True, default=repr) + f"|{timeout}"
        return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()

    def cached(self, request: Request, timeout: float | None = None) -> Result | None:
        """The cached answer for a request, without running anything."""
        t = self.time_limit if timeout is None else timeout
        res = self._cache.get(self.cache_key(request, t))
        return None if res is None else dataclasses.replace(res, cached=True)

    def run_sync(self, request: Request, timeout: float | None = None) -> Result:
        """Run one request; never raises, never waits much longer than ``timeout``."""
        t = self.time_limit if timeout is None else timeout
        key = self.cache_key(request, t)
        hit = self._cache.get(key)
        if hit is not None:
            return dataclasses.replace(hit, cached=True)
        with self._lock:
            if self._closed:
                return Result("error", "the kernel is closed")
            res = self._run_locked(request, t)
        if request.op != "ping" and res.status != "crashed":
            self._cache[key] = res
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return res

    def _run_locked(self, request: Request, timeout: float) -> Result:
        try:
            self._ensure_ready()
        except (protocol.ProtocolError, OSError) as e:
            return Result("crashed", str(e))
        start = time.monotonic()
        deadline = start + timeout
        pieces: dict[str, Any] = {}

        def result(status: schema.Status, message: str, error: schema.Failure | None = None
                   ) -> Result:
            return Result(status, message, pieces, error, time.monotonic() - start)

        try:
            assert self._proc is not None and self._proc.stdin is not None
            protocol.write_frame(self._proc.stdin.fileno(), schema.encode(request))
            while True:
                msg = self._next(deadline)
                if msg is None:
                    self._restart()
                    return result("timeout", f"timed out after {timeout:g} s (the kernel was "
                                             "restarted)")
                if "part" in msg:
                    name = str(msg["part"])
                    pieces[name] = schema.decode_piece(name, bool(msg.get("ok")),
                                                       msg.get("data") or {})
                elif msg.get("done"):
                    status = msg.get("status", "error")
                    if status == "oom":
                        self._restart()
                        mib = self.memory_limit >> 20
                        message = f"out of memory (limit {mib} MiB; the kernel was restarted)"
                    else:
                        message = str(msg.get("message", ""))
                    error = msg.get("error")
                    return result(status, message,
                                  schema.decode(schema.Failure, error) if error else None)
        except (protocol.ProtocolError, OSError, BrokenPipeError) as e:
            code = None
            if self._proc is not None:
                try:  # EOF comes a moment before the exit status is there
                    code = self._proc.wait(timeout=1.0)
                except subprocess.TimeoutExpired:
                    pass
            self._restart()
            if self._interrupted:
                self._interrupted = False
                return result("crashed", "cancelled")
            why = (
                f"exit code {code}"
                if code is not None and code >= 0
                else f"signal {-code}"
                if code
                else str(e)
            )
            return result("crashed", f"the kernel died while running this ({why}); it was "
                                     "restarted")

    def _restart(self) -> None:
        self._kill()
        self._pending = []
        self.restarts += 1
        if not self._closed:
            self._spawn()  # warm up in the background for the next request

    async def run(self, request: Request, timeout: float | None = None,
                  kill_grace: float = 0.0) -> Result:
        """``run_sync`` off the event loop. Cache hits return at once.

        Cancelling the awaiting task kills the request in flight, after ``kill_grace``
        seconds: 0 (a command the user cancels) kills at once; background cards made
        stale by an edit pass a grace, since most finish in milliseconds and a kill
        costs a restart that re-imports numpy and ad_core (a second of CPU).
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
        """Kill the request in flight (only if it is ``token``'s, when given)."""
        if token is not None and self._token is not token:
            return
        proc = self._proc
        if proc is not None and self._lock.locked():
            self._interrupted = True
            try:
                proc.kill()
            except OSError:
                pass

    def clear_cache(self) -> None:
        self._cache.clear()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def close(self) -> None:
        self._closed = True
        with self._lock:
            self._kill()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        self._tmp.cleanup()

    def __enter__(self) -> Kernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if self._proc is not None:
                self._proc.kill()
        except Exception:
            pass

"""The parent side: start, talk to, time-limit and restart the kernel process."""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextvars
import hashlib
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from . import protocol

#: Seconds a cancelled request may still run before its process is killed. 0 (the
#: default, for commands the user cancels) kills at once. Background cards made stale
#: by an edit set a grace: most finish in milliseconds, and a kill costs a restart that
#: re-imports numpy and ad_core (a second of CPU), which a burst of edits would repeat.
KILL_GRACE: contextvars.ContextVar[float] = contextvars.ContextVar("kill_grace", default=0.0)

Status = Literal["ok", "timeout", "oom", "crashed", "error"]
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass
class KernelResult:
    """What came back. ``data`` maps piece name -> piece dict (partial on timeout)."""

    status: Status
    data: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    elapsed: float = 0.0
    cached: bool = False


class Kernel:
    """A persistent worker process; one request at a time; restarted after a crash.

    >>> k = Kernel(time_limit=1.0)
    >>> k.run_sync({"op": "ping"}).status
    'ok'
    """

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
        self._cache: collections.OrderedDict[str, KernelResult] = collections.OrderedDict()
        self._cache_size = cache_size
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._alocks: dict[int, asyncio.Lock] = {}
        self._tmp = tempfile.TemporaryDirectory(prefix="adlens-kernel-")
        self._closed = False

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
                    self._pending = rest + getattr(self, "_pending", [])
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
        pending = getattr(self, "_pending", [])
        if pending:
            return pending.pop(0)
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
    def cache_key(request: dict[str, Any], timeout: float) -> str:
        blob = json.dumps(request, sort_keys=True, default=repr) + f"|{timeout}"
        return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()

    def cached(self, request: dict[str, Any], timeout: float | None = None) -> KernelResult | None:
        """The cached answer for a request, without running anything."""
        t = self.time_limit if timeout is None else timeout
        res = self._cache.get(self.cache_key(request, t))
        return None if res is None else _copy(res, cached=True)

    def run_sync(self, request: dict[str, Any], timeout: float | None = None) -> KernelResult:
        """Run one request; never raises, never waits much longer than ``timeout``."""
        t = self.time_limit if timeout is None else timeout
        key = self.cache_key(request, t)
        hit = self._cache.get(key)
        if hit is not None:
            return _copy(hit, cached=True)
        with self._lock:
            if self._closed:
                return KernelResult("error", message="the kernel is closed")
            res = self._run_locked(request, t)
        if request.get("op") != "ping" and res.status != "crashed":
            self._cache[key] = res
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return _copy(res)

    def _run_locked(self, request: dict[str, Any], timeout: float) -> KernelResult:
        try:
            self._ensure_ready()
        except (protocol.ProtocolError, OSError) as e:
            return KernelResult("crashed", message=str(e))
        start = time.monotonic()
        deadline = start + timeout
        data: dict[str, Any] = {}
        try:
            assert self._proc is not None and self._proc.stdin is not None
            protocol.write_frame(self._proc.stdin.fileno(), request)
            while True:
                msg = self._next(deadline)
                if msg is None:
                    self._restart()
                    return KernelResult(
                        "timeout",
                        data,
                        f"timed out after {timeout:g} s (the kernel was restarted)",
                        time.monotonic() - start,
                    )
                if "part" in msg:
                    data[str(msg["part"])] = msg.get("data") or {}
                elif msg.get("done"):
                    status = msg.get("status", "error")
                    if status == "oom":
                        self._restart()
                        mib = self.memory_limit >> 20
                        message = f"out of memory (limit {mib} MiB; the kernel was restarted)"
                    else:
                        message = str(msg.get("message", ""))
                    extra = {k: msg[k] for k in ("line", "type") if msg.get(k) is not None}
                    data.update({"_error": extra} if extra else {})
                    return KernelResult(status, data, message, time.monotonic() - start)
        except (protocol.ProtocolError, OSError, BrokenPipeError) as e:
            code = None
            if self._proc is not None:
                try:  # EOF comes a moment before the exit status is there
                    code = self._proc.wait(timeout=1.0)
                except subprocess.TimeoutExpired:
                    pass
            self._restart()
            if getattr(self, "_interrupted", False):
                self._interrupted = False
                return KernelResult("crashed", data, "cancelled", time.monotonic() - start)
            why = (
                f"exit code {code}"
                if code is not None and code >= 0
                else f"signal {-code}"
                if code
                else str(e)
            )
            return KernelResult(
                "crashed",
                data,
                f"the kernel died while running this ({why}); it was restarted",
                time.monotonic() - start,
            )

    def _restart(self) -> None:
        self._kill()
        self._pending = []
        self.restarts += 1
        if not self._closed:
            self._spawn()  # warm up in the background for the next request

    async def run(self, request: dict[str, Any], timeout: float | None = None) -> KernelResult:
        """``run_sync`` off the event loop. Cache hits return at once."""
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
                grace = KILL_GRACE.get()
                if grace > 0:
                    loop.call_later(grace, self.interrupt, token)  # only if still running
                else:
                    self.interrupt(token)
                raise

    def _run_token(self, request: dict[str, Any], timeout: float, token: object) -> KernelResult:
        self._token = token
        try:
            return self.run_sync(request, timeout)
        finally:
            self._token = None

    def interrupt(self, token: object | None = None) -> None:
        """Kill the request in flight (only if it is ``token``'s, when given)."""
        if token is not None and getattr(self, "_token", None) is not token:
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


def _copy(res: KernelResult, cached: bool = False) -> KernelResult:
    return KernelResult(res.status, dict(res.data), res.message, res.elapsed, cached)

"""Several kernel processes behind one `run`: what the language server talks to.

Each kernel runs one request at a time. A request goes to an idle kernel (waiting
for one when all are busy, interactive requests first), so one function stuck
until its time limit leaves the other kernels to the rest of the document.
Cancelling a request that runs kills its process (`Kernel.run`), so a cancelled
command or a stale card does not spin on.

    >>> pool = KernelPool(2, time_limit=2.0)
    >>> # result = await pool.run(request, Urgency(True))
"""

from __future__ import annotations

import asyncio
import dataclasses
import os

from lsp_server.tasks import PriorityQueue, Urgency

from .client import Kernel
from .schema import Request, Result


class KernelPool:
    def __init__(self, size: int, time_limit: float, memory_limit: int = 1 << 30,
                 python: str | None = None) -> None:
        """``python``: the interpreter the kernels run with (None: this one)."""
        self.kernels = [Kernel(time_limit, memory_limit, python) for _ in range(size)]
        # Workspace roots: a request from a file under one gets it on the kernel's
        # sys.path, after the file's own folder (`Request.root`).
        self.roots: tuple[str, ...] = ()
        # Interactive requests (a hover, a command) jump ahead of background ones
        # (cards computed ahead of time, diagnostics of hand-written gradients).
        self._idle: PriorityQueue[Kernel] = PriorityQueue(self.kernels)

    @property
    def python(self) -> str:
        return self.kernels[0].python

    @property
    def time_limit(self) -> float:
        return self.kernels[0].time_limit

    @time_limit.setter
    def time_limit(self, value: float) -> None:
        for k in self.kernels:
            k.time_limit = value

    def start(self) -> None:
        """Spawn every process now: each imports numpy and ad_core (a second or so)
        while the user is still reading, not when the first hover arrives."""
        for k in self.kernels:
            k.start()

    async def ready(self) -> None:
        """Return once every kernel has started (imported numpy and ad_core)."""
        ping = Request("", "", {}, op="ping")
        await asyncio.gather(*(k.run(ping) for k in self.kernels))

    def with_root(self, request: Request) -> Request:
        """The request with its workspace root: the innermost root holding its folder."""
        if request.root is not None or not request.path or not self.roots:
            return request
        folder = os.path.realpath(request.path)
        inside = [r for r in self.roots
                  if folder == (real := os.path.realpath(r)) or folder.startswith(real + os.sep)]
        if not inside:
            return request
        return dataclasses.replace(request, root=max(inside, key=len))

    def cached(self, request: Request, timeout: float | None = None) -> Result | None:
        request = self.with_root(request)
        for k in self.kernels:  # each kernel caches its own answers
            if (hit := k.cached(request, timeout)) is not None:
                return hit
        return None

    async def run(self, request: Request, urgency: Urgency, kill_grace: float = 0.0,
                  timeout: float | None = None) -> Result:
        """Run on the first idle kernel; ``timeout`` None: the time limit."""
        request = self.with_root(request)
        if (hit := self.cached(request, timeout)) is not None:
            return hit
        kernel = await self._idle.acquire(urgency)
        try:
            return await kernel.run(request, timeout, kill_grace=kill_grace)
        finally:
            self._idle.release(kernel)

    def run_sync(self, request: Request) -> Result:
        return self.kernels[0].run_sync(self.with_root(request))

    def close(self) -> None:
        for k in self.kernels:
            k.close()

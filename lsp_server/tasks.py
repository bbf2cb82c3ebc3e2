"""The asyncio plumbing, and nothing else: debouncing, keyed cancellable tasks,
interactive-first queues and waiting with a budget.

No LSP types, no cards. The server keeps one `Debouncer` for diagnostics (one pending
run per document); the card scheduler keeps one `TaskTable` (one computation per
function and input, cancelled by key when a document changes) and hands its work to
`PriorityThread` (SymPy) and, through the kernel pool, `PriorityQueue` (kernels).
Urgency is passed explicitly to each of them.

    >>> deb = Debouncer(0.3)
    >>> # deb.schedule(uri, lambda: publish(uri))  -- the last call within 0.3 s wins
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def _log_failure(task: asyncio.Task) -> None:
    # Background tasks have no caller to raise to: log, never let "Task exception was
    # never retrieved" be the only trace of a bug.
    if not task.cancelled() and (exc := task.exception()) is not None:
        logger.error("background task %s failed", task.get_name(), exc_info=exc)


class Debouncer(Generic[K]):
    """Run `job()` for a key once things have been quiet for `delay` seconds.

    Scheduling again for the same key cancels the pending run (and a run in progress:
    its result would be stale anyway).
    """

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._pending: dict[K, asyncio.Task[None]] = {}

    def schedule(
        self, key: K, job: Callable[[], Awaitable[None]], delay: float | None = None
    ) -> None:
        self.cancel(key)
        wait = self.delay if delay is None else delay

        async def run() -> None:
            await asyncio.sleep(wait)
            await job()

        task = asyncio.ensure_future(run())
        task.set_name(f"debounce:{key}")
        task.add_done_callback(_log_failure)
        task.add_done_callback(lambda t, key=key: self._forget(key, t))
        self._pending[key] = task

    def cancel(self, key: K) -> None:
        if (task := self._pending.pop(key, None)) is not None:
            task.cancel()

    def cancel_all(self) -> None:
        for key in list(self._pending):
            self.cancel(key)

    def _forget(self, key: K, task: asyncio.Task[None]) -> None:
        if self._pending.get(key) is task:
            del self._pending[key]


class TaskTable(Generic[K, T]):
    """At most one running task per key; finished results stay until dropped.

    `get_or_start(key, factory)` returns the existing task for `key`, or starts
    `factory()` as a new one. Callers await it through `asyncio.shield` so that one
    impatient caller (a hover with a short budget) cannot cancel work another caller
    (a code lens resolve) is still waiting for.
    """

    def __init__(self) -> None:
        self._tasks: dict[K, asyncio.Task[T]] = {}

    def get(self, key: K) -> asyncio.Task[T] | None:
        return self._tasks.get(key)

    def get_or_start(self, key: K, factory: Callable[[], Awaitable[T]]) -> asyncio.Task[T]:
        task = self._tasks.get(key)
        if task is None or task.cancelled():
            task = asyncio.ensure_future(factory())
            task.set_name(f"card:{key}")
            task.add_done_callback(_log_failure)
            self._tasks[key] = task
        return task

    def done_result(self, key: K) -> T | None:
        """The result for `key` if it finished successfully, else None (never waits)."""
        task = self._tasks.get(key)
        if task is None or not task.done() or task.cancelled() or task.exception() is not None:
            return None
        return task.result()

    def keys(self) -> list[K]:
        return list(self._tasks)

    def drop(self, keys: Iterable[K]) -> None:
        """Forget `keys`, cancelling what is still running: nobody will ask for it again."""
        for key in keys:
            if (task := self._tasks.pop(key, None)) is not None and not task.done():
                task.cancel()

    def clear(self) -> None:
        self.drop(list(self._tasks))


class Urgency:
    """How soon a piece of work is wanted: interactive (someone waits) or background.

    Mutable on purpose: work started in the background (diagnostics) becomes
    interactive when a hover asks for the same card, and the queues re-read it each
    time they pick the next job.
    """

    __slots__ = ("interactive",)

    def __init__(self, interactive: bool) -> None:
        self.interactive = interactive

    def __repr__(self) -> str:
        return "interactive" if self.interactive else "background"


class PriorityQueue(Generic[T]):
    """A pool of resources handed out interactive-first, then first come, first served.

    >>> q = PriorityQueue(["k1", "k2"])
    >>> # k = await q.acquire(urgency); try: ... finally: q.release(k)
    """

    def __init__(self, items: Iterable[T]) -> None:
        self._idle: list[T] = list(items)
        self._waiters: list[tuple[Urgency, int, asyncio.Future[T]]] = []
        self._seq = 0

    async def acquire(self, urgency: Urgency) -> T:
        if self._idle and not self._waiters:
            return self._idle.pop(0)
        fut: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._seq += 1
        entry = (urgency, self._seq, fut)
        self._waiters.append(entry)
        try:
            return await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self.release(fut.result())  # handed over just as we were cancelled
            elif entry in self._waiters:
                self._waiters.remove(entry)
            raise

    def release(self, item: T) -> None:
        live = [w for w in self._waiters if not w[2].done()]
        if not live:
            self._waiters.clear()
            self._idle.append(item)
            return
        best = min(live, key=lambda w: (not w[0].interactive, w[1]))
        self._waiters = [w for w in live if w is not best]
        best[2].set_result(item)


class PriorityThread:
    """One worker thread running blocking jobs, interactive ones first.

    For CPU-bound pure-Python work (SymPy): one thread at a time holds the GIL
    against the event loop, not the half dozen of asyncio's default executor, and a
    hover's job does not wait behind a background burst.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._slot: PriorityQueue[None] = PriorityQueue([None])
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None

    async def run(self, func: Callable[[], T], urgency: Urgency) -> T:
        await self._slot.acquire(urgency)
        try:
            if self._executor is None:
                self._executor = concurrent.futures.ThreadPoolExecutor(1, self._name)
            loop = asyncio.get_running_loop()
            # shield: a cancelled caller cannot stop a thread; the slot is released
            # only when the job is really done, so jobs never overlap.
            job = loop.run_in_executor(self._executor, func)
            try:
                return await asyncio.shield(job)
            except asyncio.CancelledError:
                await asyncio.wait([job])
                raise
        finally:
            self._slot.release(None)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)


async def wait_within(task: asyncio.Task[T], budget: float) -> T | None:
    """The task's result if it finishes within `budget` seconds, else None.

    shield: a caller giving up after its budget must not cancel work that others wait
    for, or that the next caller will reuse.
    """
    try:
        return await asyncio.wait_for(asyncio.shield(task), budget)
    except asyncio.TimeoutError:
        return None
    except asyncio.CancelledError:
        # The shared task was cancelled (stale, or a command's cancel), not us: the
        # caller gets "not ready"; the next request starts it afresh.
        current = asyncio.current_task()
        if task.cancelled() and current is not None and not current.cancelling():
            return None
        raise

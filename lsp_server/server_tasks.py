"""Small asyncio helpers for the server: debouncing and keyed, cancellable background tasks.

No LSP types here. The server keeps one `Debouncer` for diagnostics (one pending run
per document) and one `TaskTable` for cards (one computation per function and input),
so that stale work can be cancelled by key when a document changes.

    >>> deb = Debouncer(0.3)
    >>> # deb.schedule(uri, lambda: publish(uri))  -- the last call within 0.3 s wins
"""

from __future__ import annotations

import asyncio
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

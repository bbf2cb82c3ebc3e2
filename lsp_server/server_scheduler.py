"""Which card computations run, which are reused, and which are stale.

One task per function *input*: the key holds everything a card depends on (the
function's slice hash, its point, where it sits in the document), so an edit in one
function leaves the cards of the others alone, and an edit that changes a key cancels
the work for the old key (nobody will ask for it again). Each function is its own
task, so a slow function never delays the card of another.

The static part of a card (SymPy, never the user's code) is its own task, so a
hover that cannot wait for the kernel still shows the derivative expressions.
No LSP types here.

    >>> sched = CardScheduler(on_ready=lambda uri: None)
    >>> # card, pending = await sched.within(doc, fn, budget=0.2)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from lsp_server.analysis import FunctionInfo
from lsp_server.cards import Card, CardService, build_card
from lsp_server.kernel import KILL_GRACE, Kernel, KernelResult
from lsp_server.server_documents import Document
from lsp_server.server_settings import Settings
from lsp_server.server_tasks import (
    URGENCY,
    PriorityQueue,
    PriorityThread,
    TaskTable,
    Urgency,
    current_urgency,
)

logger = logging.getLogger(__name__)

CardKey = tuple[Hashable, ...]
T = TypeVar("T")


def card_key(uri: str, fn: FunctionInfo, kind: str) -> CardKey:
    # span.line: cards carry document line numbers (trace rows), so a function that
    # moved needs a new card. That is cheap: the kernel caches by (slice, point).
    point = fn.point
    return (kind, uri, fn.name, fn.slice_hash, fn.span.line, point.text, repr(point.values))


# Kernel processes. Each runs one request at a time; with two, a function stuck at
# its time limit leaves the other free for the rest of the document.
KERNELS = 2


# A card made stale by an edit may finish (into the cache) for this long before its
# kernel is killed; see KILL_GRACE.
STALE_KILL_GRACE = 0.5


class KernelPool:
    """Several `Kernel`s behind the one method `CardService` calls: `await run(...)`.

    A request goes to an idle kernel (waiting for one when all are busy), so one
    function stuck until its time limit leaves the other kernels to the rest of the
    document. Cancelling a request that runs kills its process (`Kernel.run` does
    that), so a cancelled command or a stale card does not spin on.
    """

    def __init__(self, size: int, time_limit: float) -> None:
        self.kernels = [Kernel(time_limit=time_limit) for _ in range(size)]
        # Interactive requests (a hover, a command) jump ahead of background ones
        # (diagnostics checking every hand-written gradient after an edit).
        self._idle: PriorityQueue[Kernel] = PriorityQueue(self.kernels)

    @property
    def time_limit(self) -> float:
        return self.kernels[0].time_limit

    @time_limit.setter
    def time_limit(self, value: float) -> None:
        for k in self.kernels:
            k.time_limit = value

    async def run(self, request: dict[str, Any], timeout: float | None = None) -> KernelResult:
        for k in self.kernels:  # each kernel caches its own answers
            if (hit := k.cached(request, timeout)) is not None:
                return hit
        kernel = await self._idle.acquire(current_urgency())
        try:
            return await kernel.run(request, timeout)
        finally:
            self._idle.release(kernel)

    def run_sync(self, request: dict[str, Any], timeout: float | None = None) -> KernelResult:
        return self.kernels[0].run_sync(request, timeout)

    def close(self) -> None:
        for k in self.kernels:
            k.close()


class CardScheduler:
    def __init__(self, on_ready: Callable[[str], None]) -> None:
        # Called with the uri whenever a full card lands: the server refreshes lenses
        # and diagnostics for that document.
        self._on_ready = on_ready
        self._tasks: TaskTable[CardKey, Any] = TaskTable()
        self.settings = Settings()
        self._pool: KernelPool | None = None
        self._urgency: dict[CardKey, Urgency] = {}
        self._sympy = PriorityThread("adlens-sympy")
        self._warm: asyncio.Future[None] | None = None
        # One service: its static part (SymPy) is cached once per function and shared
        # by the static card, the full card and the commands.
        self._service = CardService(None, execution="never", trusted=False)
        self._configured = False

    # -- configuration ----------------------------------------------------------------

    def configure(self, settings: Settings) -> bool:
        """Apply new settings; returns whether cards change (then all are dropped)."""
        if self._configured and settings == self.settings:
            return False
        old, self.settings = self.settings, settings
        first, self._configured = not self._configured, True
        if settings.runs_code:
            if self._pool is None:
                self._pool = KernelPool(KERNELS, settings.time_limit)
                # Spawn now: each process imports numpy and ad_core (seconds) while
                # the user is still reading, not when the first hover arrives.
                for k in self._pool.kernels:
                    k.start()
            self._pool.time_limit = settings.time_limit
        relevant = ("execution", "trusted", "time_limit")
        changed = first or any(getattr(old, a) != getattr(settings, a) for a in relevant)
        if changed:
            self._service = CardService(
                self._pool if settings.runs_code else None,  # type: ignore[arg-type]
                execution=settings.execution,
                trusted=settings.trusted,
                time_limit=settings.time_limit,
            )
            self._tasks.clear()
            self._urgency.clear()
        return changed

    def warm_up(self) -> None:
        """Import SymPy and the symbolic path on the SymPy thread, in the background
        (once): the first static card then costs milliseconds, not the imports' seconds."""
        if self._warm is not None:
            return

        def imports() -> None:
            import ad_core.symbolic  # noqa: F401

        self._warm = asyncio.ensure_future(self._sympy.run(imports, Urgency(False)))

    def close(self) -> None:
        self._tasks.clear()
        self._sympy.close()
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    # -- cards --------------------------------------------------------------------------

    def _urgency_of(self, doc: Document, fn: FunctionInfo, background: bool) -> Urgency:
        key = card_key(doc.uri, fn, "full")
        urgency = self._urgency.get(key)
        if urgency is None:
            urgency = self._urgency[key] = Urgency(not background)
        elif not background:
            urgency.interactive = True  # someone is waiting now: promote queued work
        return urgency

    def _static_part(self, doc: Document, fn: FunctionInfo, urgency: Urgency) -> asyncio.Task[Any]:
        model, service, sympy = doc.model, self._service, self._sympy
        # SymPy on our one priority thread (not pygls's pool, which the stdio reader
        # needs, nor a crowd of threads fighting the event loop for the GIL).
        return self._tasks.get_or_start(
            card_key(doc.uri, fn, "static"),
            lambda: sympy.run(lambda: service.static_part(fn, model), urgency),
        )

    def full(self, doc: Document, fn: FunctionInfo, background: bool = False) -> asyncio.Task[Card]:
        """The task computing `fn`'s full card (started now if nobody asked before).
        `background`: nobody is waiting (diagnostics); interactive work goes first."""
        model, uri, service = doc.model, doc.uri, self._service
        urgency = self._urgency_of(doc, fn, background)
        static = self._static_part(doc, fn, urgency)

        async def compute() -> Card:
            URGENCY.set(urgency)  # this task's context: read by the kernel pool
            KILL_GRACE.set(STALE_KILL_GRACE)  # an edit cancelling this need not kill
            await asyncio.shield(static)  # then `card` finds the SymPy part cached
            card = await service.card(model, fn.name)
            self._on_ready(uri)
            return card

        return self._tasks.get_or_start(card_key(uri, fn, "full"), compute)

    def ready(self, doc: Document, fn: FunctionInfo) -> Card | None:
        """The full card if it has already landed (never starts or waits for anything)."""
        return self._tasks.done_result(card_key(doc.uri, fn, "full"))

    async def within(
        self, doc: Document, fn: FunctionInfo, budget: float
    ) -> tuple[Card | None, bool]:
        """(card, pending): the full card if it lands within `budget` seconds, else the
        static card (pending=True; the full one keeps computing and `on_ready` fires).
        The card is None only when even the static part is not ready in time."""
        full = self.full(doc, fn)
        done = await _wait(full, budget)
        if done is not None:
            return done, False
        static = self._tasks.done_result(card_key(doc.uri, fn, "static"))
        if static is None:
            return None, True
        return _pending_card(fn, static), True

    async def run(self, doc: Document, fn: FunctionInfo, point: Any = None) -> Card:
        """A one-off card for a command (at a user-given point, say), not cached.
        Cancelling the caller kills the kernel request (see `KernelPool`)."""
        await asyncio.shield(self._static_part(doc, fn, self._urgency_of(doc, fn, False)))
        return await self._service.card(doc.model, fn.name, point=point)

    def retain(self, uri: str, doc: Document | None) -> None:
        """Cancel and forget the cards of `uri` that `doc` no longer needs (all of them
        when the document is closed)."""
        live: set[CardKey] = set()
        if doc is not None:
            for fn in doc.model.functions:
                live.add(card_key(uri, fn, "full"))
                live.add(card_key(uri, fn, "static"))
        self._tasks.drop(k for k in self._tasks.keys() if k[1] == uri and k not in live)
        for k in [k for k in self._urgency if k[1] == uri and k not in live]:
            del self._urgency[k]


PENDING = "computing…"


def _pending_card(fn: FunctionInfo, static: Any) -> Card:
    """The static part, with every kernel section marked "computing…".

    Not status "static": the renderers would say "static only (code execution is
    off)", which is wrong while the kernel is on its way.
    """
    card = build_card(fn, fn.point, static, None, PENDING)
    card.status, card.message = "ok", ""
    for section in (card.gradient, card.check, card.trace):
        section.reason = PENDING
    if card.verdict is not None:
        card.verdict.reason = PENDING
    return card


async def _wait(task: asyncio.Task[T], budget: float) -> T | None:
    """The task's result if it finishes within `budget` seconds, else None.

    shield: a hover giving up after its budget must not cancel work that a lens
    resolve or the diagnostics are waiting for, or that the next hover will reuse.
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

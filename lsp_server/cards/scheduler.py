"""Which cards are computed, when, and which are reused or stale. No LSP types here.

One task per function *input*: the key holds everything a card depends on (the
function's slice hash, its point, where it sits in the document), so an edit in one
function leaves the cards of the others alone, and an edit that changes a key cancels
the work for the old key (nobody will ask for it again). Each function is its own
task, so a slow function never delays the card of another.

A card is three tasks: the static part (SymPy, never the user's code, on one
priority thread), the kernel part (a request to the kernel pool) and the card that
merges them. A caller that cannot wait gets the pending card (`Card.pending`) with
whatever static part is ready. When the user's code may run, opening a document
starts the kernel part of every function in the background (`prefetch`: separate
processes, so the server stays responsive), and the first hover finds it done;
interactive requests go first everywhere. Urgency is passed explicitly: one
`Urgency` per function travels from here to the SymPy thread and the kernel pool,
and a hover promotes it.

    >>> sched = CardScheduler(on_ready=lambda uri, full: None)
    >>> # card = await sched.within(doc, fn, budget=2.0)   # card.pending: not yet
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Protocol

from lsp_server.analysis import DocumentModel, FunctionInfo, Point
from lsp_server.execution import Execution, runs_code
from lsp_server.kernel import KernelPool, Result
from lsp_server.tasks import PriorityThread, TaskTable, Urgency, wait_within

from .merge import build_card
from .model import Card
from .service import CardService
from .static import StaticPart, warm_up

CardKey = tuple[Hashable, ...]

# Kernel processes. Each runs one request at a time; with two, a function stuck at
# its time limit leaves the other free for the rest of the document.
KERNELS = 2

# A card made stale by an edit may finish (into the kernel's cache) for this long
# before its kernel is killed (see `Kernel.run`).
STALE_KILL_GRACE = 0.5

# The background run of a function when a document opens (`prefetch`) stops after
# this long (or the time limit, if shorter): most functions take milliseconds, and a
# slow one must not hold a kernel that a hover is waiting for. A function that needs
# longer runs again, with the full time limit, when someone asks for its card.
PREFETCH_LIMIT = 1.0


class Document(Protocol):
    """What the scheduler needs of an open document version."""

    uri: str
    folder: str | None  # put on the kernel's sys.path: sibling modules import

    @property
    def model(self) -> DocumentModel: ...


class Policy(Protocol):
    """What the scheduler needs of the settings."""

    execution: Execution
    trusted: bool
    time_limit: float
    kernel_python: str | None  # the interpreter the kernel runs with (None: the server's)


def card_key(uri: str, fn: FunctionInfo, kind: str) -> CardKey:
    # slice_lines: cards carry document line numbers (trace rows, failures), so a
    # function that moved needs a new card. The kernel re-runs it: cheap.
    # The instance (a method's self) and the pairing come from lines outside the slice
    # (the directive above the def or the class, the names of other functions).
    # A closure also runs its enclosing function, at that one's point (a directive above
    # the enclosing def).
    point = fn.point
    instance = fn.instance.text if fn.instance is not None else ""
    outer = repr(fn.enclosing.point.values) if fn.enclosing is not None else ""
    return (kind, uri, fn.name, fn.slice_hash, fn.slice_lines, point.text, repr(point.values),
            instance, repr(fn.pairing), fn.held, outer)


class CardScheduler:
    def __init__(self, on_ready: Callable[[str, bool], None]) -> None:
        # Called with the uri whenever a card lands: the server refreshes the lenses,
        # and for a full card (``full``: not only its prefetched kernel part) the
        # diagnostics of that document.
        self._on_ready = on_ready
        self._tasks: TaskTable[CardKey, Any] = TaskTable()
        self._urgency: dict[CardKey, Urgency] = {}
        self._sympy = PriorityThread("adlens-sympy")
        self._pool: KernelPool | None = None
        self._policy: tuple[Execution, bool, float, str | None] | None = None
        # Workspace folders (the server sets them): the kernel puts the one holding a
        # file on sys.path, and a relative adlens.kernelPython is read against the first.
        self.roots: tuple[str, ...] = ()
        # One service: its static part (SymPy) is cached once per function and shared
        # by the pending card, the full card and the commands.
        self.service = CardService(None, execution="never", trusted=False)
        self._warm: asyncio.Future[None] | None = None
        self._kernels_ready: asyncio.Future[None] | None = None
        # (uri, name) -> (the FunctionInfo it was made for, card or kernel result): lets
        # a lens listing fill in titles without computing any card key
        self._landed: dict[tuple[str, str], tuple[FunctionInfo, Card | Result]] = {}

    # -- configuration ----------------------------------------------------------------

    def configure(self, settings: Policy) -> bool:
        """Apply new settings; returns whether cards change (then all are dropped)."""
        python = self.kernel_python(settings.kernel_python)
        policy = (settings.execution, settings.trusted, settings.time_limit, python)
        if policy == self._policy:
            return False
        self._policy = policy
        executes = runs_code(settings.execution, settings.trusted)
        if self._pool is not None and (not executes or self._pool.python != python):
            self._pool.close()  # never kept running when code may not run
            self._pool = None
        if executes:
            if self._pool is None:
                # The kernel starts only here, once the start-up options allowed code to
                # run: whatever adlens.kernelPython names is never started otherwise.
                self._pool = KernelPool(KERNELS, settings.time_limit, python=python)
                self._pool.start()
                self._kernels_ready = asyncio.ensure_future(self._pool.ready())
            self._pool.time_limit = settings.time_limit
            self._pool.roots = self.roots
        self.service = CardService(
            self._pool if executes else None, execution=settings.execution,
            trusted=settings.trusted,
        )
        self._tasks.clear()
        self._urgency.clear()
        self._landed.clear()
        return True

    @property
    def executes(self) -> bool:
        return self.service.executes

    def kernel_python(self, setting: str | None) -> str | None:
        """adlens.kernelPython as a path: ``~`` expanded, relative to the first workspace
        folder when it has a folder part, looked up on PATH when it is a bare command."""
        if not setting:
            return None
        path = os.path.expanduser(setting.strip())
        if not os.path.isabs(path):
            if os.sep in path or (os.altsep and os.altsep in path):
                path = os.path.join(self.roots[0], path) if self.roots else os.path.abspath(path)
            else:
                path = shutil.which(path) or path
        return path

    def warm_up(self) -> None:
        """Import SymPy and the symbolic path on the SymPy thread, in the background
        (once): the first static card then costs milliseconds, not the imports' seconds."""
        if self._warm is None:
            self._warm = asyncio.ensure_future(self._sympy.run(warm_up, Urgency(False)))

    async def warmed(self, timeout: float) -> None:
        """Wait (at most ``timeout``) for the start-up to finish (SymPy imported, the
        kernels started): a first hover then waits for its card, not for imports."""
        starting = [f for f in (self._warm, self._kernels_ready) if f is not None and not f.done()]
        if starting:
            await asyncio.wait(starting, timeout=timeout)

    def close(self) -> None:
        self._tasks.clear()
        self._sympy.close()
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    # -- cards --------------------------------------------------------------------------

    def _urgency_of(self, key: CardKey, background: bool) -> Urgency:
        urgency = self._urgency.get(key)
        if urgency is None:
            urgency = self._urgency[key] = Urgency(not background)
        elif not background:
            urgency.interactive = True  # someone is waiting now: promote queued work
        return urgency

    def _static_task(self, doc: Document, fn: FunctionInfo, urgency: Urgency
                     ) -> asyncio.Task[StaticPart]:
        model, service, sympy = doc.model, self.service, self._sympy
        # SymPy on our one priority thread (not pygls's pool, which the stdio reader
        # needs, nor a crowd of threads fighting the event loop for the GIL).
        return self._tasks.get_or_start(
            card_key(doc.uri, fn, "static"),
            lambda: sympy.run(lambda: service.static_part(fn, model), urgency),
        )

    def _kernel_task(self, doc: Document, fn: FunctionInfo, urgency: Urgency,
                     prefetch: bool = False) -> asyncio.Task[Result] | None:
        """The kernel part of `fn`'s card; ``prefetch``: the short background try."""
        pool = self.service.kernels
        if not self.executes or pool is None:
            return None
        request = self.service.request(fn, fn.point, doc.folder, doc.model)
        if prefetch:
            limit = min(PREFETCH_LIMIT, pool.time_limit)
            uri = doc.uri

            async def try_soon() -> Result:
                result = await pool.run(request, urgency, STALE_KILL_GRACE, timeout=limit)
                if result.status != "timeout" and (uri, fn.name) not in self._landed:
                    # enough for the lenses (check and cost come from the kernel)
                    self._landed[(uri, fn.name)] = (fn, result)
                    self._on_ready(uri, False)
                return result

            return self._tasks.get_or_start(card_key(uri, fn, "prefetch"), try_soon)
        tried = self._tasks.get(card_key(doc.uri, fn, "prefetch"))

        async def run() -> Result:
            if tried is not None and not tried.cancelled():
                result = await asyncio.shield(tried)
                if result.status != "timeout":  # done within the short limit: that's it
                    return result
            return await pool.run(request, urgency, kill_grace=STALE_KILL_GRACE)

        return self._tasks.get_or_start(card_key(doc.uri, fn, "kernel"), run)

    def full(self, doc: Document, fn: FunctionInfo, background: bool = False) -> asyncio.Task[Card]:
        """The task computing `fn`'s full card (started now if nobody asked before).
        `background`: nobody is waiting (diagnostics); interactive work goes first."""
        uri, why_static = doc.uri, self.service.why_static
        key = card_key(uri, fn, "full")
        urgency = self._urgency_of(key, background)
        static = self._static_task(doc, fn, urgency)
        kernel = self._kernel_task(doc, fn, urgency)

        async def compute() -> Card:
            # shield: the parts are shared (a prefetch, the next version of the card)
            result = await asyncio.shield(kernel) if kernel is not None else None
            card = build_card(fn, fn.point, await asyncio.shield(static), result,
                              why_static=why_static)
            self._landed[(uri, fn.name)] = (fn, card)
            self._on_ready(uri, True)
            return card

        return self._tasks.get_or_start(key, compute)

    def prefetch(self, doc: Document, functions: Sequence[FunctionInfo]) -> None:
        """Start the kernel part of ``functions`` in the background (when code may run),
        so that the first hover on any of them finds its values computed. SymPy waits
        for someone to ask: it shares the server's process."""
        for fn in functions:
            if fn.differentiable or fn.gradient_of:
                urgency = self._urgency_of(card_key(doc.uri, fn, "full"), True)
                self._kernel_task(doc, fn, urgency, prefetch=True)

    def landed(self, doc: Document, fn: FunctionInfo) -> Card | None:
        """The card made for this very `FunctionInfo` (this version of the document), if
        it has landed, or one from its prefetched kernel part and whatever static part
        is ready (enough for the lenses); cheaper than `ready` (no card key)."""
        hit = self._landed.get((doc.uri, fn.name))
        if hit is None or hit[0] is not fn:
            return None
        found = hit[1]
        if isinstance(found, Card):
            return found
        card = build_card(fn, fn.point, self.service.cached_static(fn, doc.model), found,
                          why_static=self.service.why_static)
        self._landed[(doc.uri, fn.name)] = (fn, card)  # built once, listed many times
        return card

    def ready(self, doc: Document, fn: FunctionInfo) -> Card | None:
        """The full card if it has already landed (never starts or waits for anything)."""
        return self._tasks.done_result(card_key(doc.uri, fn, "full"))

    async def within(self, doc: Document, fn: FunctionInfo, budget: float,
                     warm_up: float = 0.0) -> Card:
        """The full card if it lands within `budget` seconds, else the pending card (the
        full one keeps computing, and `on_ready` fires when it lands). ``warm_up``: how
        long to wait first for the start-up imports (`warmed`), if still running."""
        task = self.full(doc, fn)
        await self.warmed(warm_up)
        card = await wait_within(task, budget)
        return card if card is not None else self.service.pending_card(fn, doc.model)

    async def run(self, doc: Document, fn: FunctionInfo, point: Point | None = None) -> Card:
        """A one-off card for a command (at a user-given point, say), not cached.
        Cancelling the caller kills the kernel request at once (see `Kernel.run`)."""
        urgency = Urgency(True)
        static = self._static_task(doc, fn, urgency)
        return await self.service.card(doc.model, fn.name, point=point, path=doc.folder,
                                       urgency=urgency, static=static)

    def retain(self, uri: str, model: DocumentModel | None) -> None:
        """Cancel and forget the cards of `uri` that `model` no longer needs (all of them
        when the document is closed)."""
        live: set[CardKey] = set()
        for fn in model.functions if model is not None else ():
            live.update(card_key(uri, fn, kind)
                        for kind in ("full", "static", "kernel", "prefetch"))
        self._tasks.drop(k for k in self._tasks.keys() if k[1] == uri and k not in live)
        for k in [k for k in self._urgency if k[1] == uri and k not in live]:
            del self._urgency[k]
        names = {fn.name for fn in model.functions} if model is not None else set()
        for k in [k for k in self._landed if k[0] == uri and k[1] not in names]:
            del self._landed[k]

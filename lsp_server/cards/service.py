"""`CardService`: builds a function's card, the static part always and the kernel part
when code may run (`lsp_server.execution.runs_code`).

    >>> svc = CardService(None, execution="never")
    >>> svc.card_sync(analyze("def f(x):\\n    return x * x\\n"), "f").status
    'static'
"""

from __future__ import annotations

import asyncio
import collections
import threading
from typing import Any

from lsp_server.analysis import DocumentModel, FunctionInfo, Point, analyze, point_from_text
from lsp_server.execution import Execution, runs_code, why_static
from lsp_server.kernel import KernelPool, Request
from lsp_server.tasks import Urgency

from .merge import build_card
from .model import Card
from .static import StaticPart, static_part

__all__ = ["CardService", "analyze"]


def _target_point(fn: FunctionInfo, point: Point, target: FunctionInfo) -> dict[str, Any]:
    """The values to call a derivative's function with: the derivative's own where the
    names match, by position where it renamed them, the function's own point otherwise."""
    mine = [p.name for p in fn.params if p.kind in ("positional", "keyword")]
    out: dict[str, Any] = {}
    for i, p in enumerate(target.params):
        if p.name in point.values:
            out[p.name] = point.values[p.name]
        elif i < len(mine) and mine[i] in point.values and mine[i] not in {
                q.name for q in target.params}:
            out[p.name] = point.values[mine[i]]
        elif p.name in target.point.values:
            out[p.name] = target.point.values[p.name]
    return out

_STATIC_CACHE = 512


class CardService:
    """``kernels`` None: nothing can run (the CLI's ``--no-exec``, an untrusted server)."""

    def __init__(
        self,
        kernels: KernelPool | None,
        execution: Execution = "trusted",
        trusted: bool = True,
    ) -> None:
        self.kernels = kernels
        self.execution: Execution = execution
        self.trusted = trusted
        self._static: collections.OrderedDict[tuple[str, str], StaticPart] = (
            collections.OrderedDict()
        )
        self._static_lock = threading.Lock()

    @property
    def executes(self) -> bool:
        return self.kernels is not None and runs_code(self.execution, self.trusted)

    @property
    def why_static(self) -> str:
        return why_static(self.execution, self.trusted)

    # -- pieces ------------------------------------------------------------------------
    def static_part(self, fn: FunctionInfo, model: DocumentModel) -> StaticPart:
        """Expressions and static cost; cached by slice hash. Never runs user code.

        A hand-written derivative's card shows the derivatives of the function it
        claims to differentiate: the same part as that function's card (one SymPy run,
        and the two cards print the same expressions)."""
        target = model.function(fn.gradient_of) if fn.gradient_of else None
        subject = target or fn
        key = (subject.slice_hash, subject.name)
        with self._static_lock:
            hit = self._static.get(key)
        if hit is not None:
            return hit
        part = static_part(subject)
        with self._static_lock:
            self._static[key] = part
            while len(self._static) > _STATIC_CACHE:
                self._static.popitem(last=False)
        return part

    def cached_static(self, fn: FunctionInfo, model: DocumentModel) -> StaticPart | None:
        target = model.function(fn.gradient_of) if fn.gradient_of else None
        subject = target or fn
        with self._static_lock:
            return self._static.get((subject.slice_hash, subject.name))

    @staticmethod
    def request(fn: FunctionInfo, point: Point, path: str | None = None,
                model: DocumentModel | None = None) -> Request:
        """The kernel request for a function at a point (``model``: where a hand-written
        derivative's function is found, to call it with its own parameters)."""
        pairing = fn.pairing
        instance = fn.instance
        held = tuple(fn.held)
        target_point = None
        if pairing is not None and pairing.kind != "value-and-gradient":
            target = model.function(pairing.of) if model is not None else None
            if target is not None:
                target_point = _target_point(fn, point, target)
                held += tuple(h for h in target.held if h not in held)
        return Request(
            fn.slice_source, fn.name, dict(point.values),
            pairing.target if pairing is not None else None, fn.slice_lines, path,
            instance=dict(instance.spec) if instance is not None else None,
            setup=instance.setup if instance is not None else (),
            kind=pairing.kind if pairing is not None else "derivative",
            wrt=pairing.wrt if pairing is not None else (),
            target_point=target_point,
            target_returns_gradient=bool(pairing and pairing.target_returns_gradient),
            selector=pairing.selector if pairing is not None else "",
            axis=pairing.axis if pairing is not None else 0,
            held=held,
            synthetic=point.synthetic,
            instance_source=instance.source if instance is not None else "",
            subclasses=fn.subclass_slice[0],
            subclass_lines=fn.subclass_slice[1],
            enclosing=dict(fn.enclosing.point.values) if fn.enclosing is not None else None,
        )

    @staticmethod
    def resolve(model: DocumentModel, name: str, point: Any = None) -> tuple[FunctionInfo, Point]:
        """The function called ``name`` and its point: ``point`` may be None (the
        function's own), a `Point`, a ``{"x": 1.0}`` dict or an ``"x=1.0"`` string."""
        fn = model.function(name)
        if fn is None:
            names = ", ".join(f.name for f in model.functions) or "none"
            raise KeyError(f"no function {name!r} (functions: {names})")
        if point is None:
            return fn, fn.point
        if isinstance(point, Point):
            return fn, point
        if isinstance(point, str):
            return fn, point_from_text(fn, point)
        if isinstance(point, dict):
            return fn, point_from_text(fn, ", ".join(f"{k}={v!r}" for k, v in point.items()))
        raise TypeError(f"point must be a Point, dict or str, not {type(point).__name__}")

    # -- cards -------------------------------------------------------------------------
    def card_sync(
        self, model: DocumentModel, name: str, point: Any = None, path: str | None = None
    ) -> Card:
        """The card of function ``name`` (blocking; for the CLI)."""
        fn, pt = self.resolve(model, name, point)
        static = self.static_part(fn, model)
        result = None
        if self.executes and self.kernels is not None:
            result = self.kernels.run_sync(self.request(fn, pt, path, model))
        return build_card(fn, pt, static, result, why_static=self.why_static)

    async def card(
        self,
        model: DocumentModel,
        name: str,
        point: Any = None,
        path: str | None = None,
        *,
        urgency: Urgency | None = None,
        kill_grace: float = 0.0,
        static: asyncio.Future[StaticPart] | None = None,
    ) -> Card:
        """The card of function ``name``: the kernel runs while SymPy works.

        ``static``: the static part computed elsewhere (the scheduler runs SymPy on
        its own thread); by default in a thread here. ``urgency`` and ``kill_grace`` go
        to the kernel pool (see `KernelPool.run`, `Kernel.run`).
        """
        fn, pt = self.resolve(model, name, point)
        if static is None:
            static = asyncio.ensure_future(asyncio.to_thread(self.static_part, fn, model))
        result = None
        if self.executes and self.kernels is not None:
            run = self.kernels.run(self.request(fn, pt, path, model), urgency or Urgency(True),
                                   kill_grace)
            result = await run
        part = await asyncio.shield(static)
        return build_card(fn, pt, part, result, why_static=self.why_static)

    def pending_card(self, fn: FunctionInfo, model: DocumentModel) -> Card:
        """The card while the kernel works: the static part if it is ready, and
        ``status == "pending"``."""
        return build_card(fn, fn.point, self.cached_static(fn, model), None, pending=True)

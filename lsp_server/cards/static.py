"""The static part of a card: what the text alone tells, never running the user's code.

Derivative expressions come from ``ad_core.symbolic`` (AST -> SymPy, printed by its
own printer); the static cost from ``ad_core.cost.static_estimate`` (the one static
counter). Both are pure functions of the function's slice, so they are cached by its
hash by the card service.

They run in a worker process of their own (`StaticEngine`, ``static_worker``), never
in the server's: one big-integer operation (``x * pow(3, 10**8)``) holds the
interpreter lock in C where no time budget can interrupt it, and SymPy can eat memory.
The worker has a memory limit and is killed at `STATIC_LIMIT`; the function's static
part then says so, and the next one gets a fresh worker. So one document can cost
the server seconds of one worker's time, never its responsiveness.

    >>> part = static_part(analyze("def f(x):\\n    return x * x\\n").function("f"))
    >>> part.expressions.partials
    {'x': '2·x'}
"""

from __future__ import annotations

import atexit
import dataclasses
import threading
import time
from dataclasses import dataclass
from typing import Any

from lsp_server.analysis import FunctionInfo, analyze  # noqa: F401  (analyze: the doctest)
from lsp_server.kernel import protocol
from lsp_server.kernel.process import WorkerProcess
from lsp_server.kernel.schema import Cost, Failure, decode, encode

from .model import Expressions

# SymPy's own budgets add up to about 4 s (translation 2, simplification 0.5,
# measurement 0.5, printing 1); past this, the worker is stuck in C or thrashing.
STATIC_LIMIT = 8.0
STATIC_MEMORY = 2 << 30  # the worker's address space (SymPy + numpy: ~300 MiB at rest)
STARTUP_LIMIT = 60.0


@dataclass(frozen=True)
class StaticPart:
    expressions: Expressions | Failure
    cost: Cost | Failure


@dataclass(frozen=True)
class StaticInput:
    """What the static part reads of a `FunctionInfo`, as plain data: it crosses into
    the static worker. ``doc_line`` and ``param`` answer as FunctionInfo's do."""

    name: str
    slice_source: str
    source: str
    param_names: tuple[str, ...]
    slice_lines: tuple[int, ...]
    # FunctionInfo.static_source (a method as a top-level def) and the inferred sizes
    static_text: str = ""
    static_name: str = ""
    static_lines: tuple[int, ...] = ()
    sizes: dict[str, int] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, fn: FunctionInfo) -> StaticInput:
        text, name, lines = fn.static_source
        return cls(fn.name, fn.slice_source, fn.source, tuple(p.name for p in fn.params),
                   tuple(fn.slice_lines), text, name, tuple(lines), input_sizes(fn))

    @property
    def static_source(self) -> tuple[str, str, tuple[int, ...]]:
        return self.static_text, self.static_name, tuple(self.static_lines)

    @property
    def params(self) -> tuple[Any, ...]:
        return tuple(_Named(n) for n in self.param_names)

    def param(self, name: str) -> Any:
        return _Named(name) if name in self.param_names else None

    def doc_line(self, slice_line: int) -> int | None:
        lines = self.slice_lines
        return lines[slice_line] if 0 <= slice_line < len(lines) else None


@dataclass(frozen=True)
class _Named:
    name: str


# -- the parent side --------------------------------------------------------------------------


class StaticEngine:
    """The static worker, one question at a time; restarted after a kill or a crash."""

    def __init__(self, time_limit: float = STATIC_LIMIT, memory_limit: int = STATIC_MEMORY
                 ) -> None:
        self.time_limit = time_limit
        self._worker = WorkerProcess("lsp_server.cards.static_worker",
                                     ("--memory-limit", str(memory_limit)), name="static")
        self._lock = threading.Lock()
        self.restarts = 0

    def start(self, wait: bool = False) -> None:
        """Start the worker now (it imports SymPy: a second or two); ``wait``: until ready."""
        with self._lock:
            try:
                self._worker.spawn()
            except OSError:
                return  # the first question says why
            if wait:
                try:
                    self._worker.wait_ready(STARTUP_LIMIT)
                except protocol.ProtocolError:
                    pass  # the next question says why

    def ask(self, question: dict[str, Any]) -> dict[str, Any]:
        """The worker's answer (``{"ok": True, ...}``), or ``{"ok": False, "message"}``
        when it failed, ran out of memory or time (then it is restarted)."""
        with self._lock:
            try:
                self._worker.spawn()
                self._worker.wait_ready(STARTUP_LIMIT)
                self._worker.send(question)
                answer = self._worker.read(time.monotonic() + self.time_limit)
            except (protocol.ProtocolError, OSError) as e:
                self._restart()
                return {"ok": False, "message": f"the static analysis worker failed: {e}"}
            if answer is None:
                self._restart()
                return {"ok": False, "message": f"the static analysis took longer than "
                        f"{self.time_limit:g} s and was stopped"}
            if answer.get("restart"):  # out of memory: a fresh process for the next one
                self._restart()
            return answer

    def _restart(self) -> None:
        self._worker.kill()
        self.restarts += 1
        try:
            self._worker.spawn()
        except OSError:
            pass  # the next question says why

    def part(self, fn: FunctionInfo) -> StaticPart:
        answer = self.ask({"op": "part", "input": dataclasses.asdict(StaticInput.of(fn))})
        if not answer.get("ok"):
            failure = Failure(str(answer.get("message", "the static analysis failed")))
            return StaticPart(failure, failure)
        try:
            return decode_part(answer["part"])
        except (KeyError, TypeError, ValueError) as e:
            failure = Failure(f"a malformed static answer ({type(e).__name__})")
            return StaticPart(failure, failure)

    def gradient_source(self, fn: FunctionInfo) -> str:
        question = {"op": "gradient_source", "input": dataclasses.asdict(StaticInput.of(fn))}
        answer = self.ask(question)
        if not answer.get("ok"):
            raise ValueError(str(answer.get("message", "the static analysis failed")))
        return str(answer["source"])

    @property
    def pid(self) -> int | None:
        return self._worker.pid

    def close(self) -> None:
        with self._lock:
            self._worker.close()


_engine: StaticEngine | None = None
_engine_lock = threading.Lock()


def engine() -> StaticEngine:
    """The process's static worker (started on first use; closed at exit)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = StaticEngine()
            atexit.register(_engine.close)
        return _engine


def warm_up() -> None:
    """Start the static worker (it imports SymPy: a second or two), ahead of time."""
    engine().start(wait=True)


def static_part(fn: FunctionInfo) -> StaticPart:
    """Expressions and static cost of ``fn`` (for a hand-written derivative, pass the
    function it differentiates: its card shows that function's derivatives)."""
    return engine().part(fn)


def gradient_source(fn: FunctionInfo) -> str:
    """Source of ``def NAME_grad(...)`` from the symbolic path (never runs the code);
    ``ValueError`` saying which line could not be derived."""
    return engine().gradient_source(fn)


def encode_part(part: StaticPart) -> dict[str, Any]:
    return {name: {"failure": encode(v)} if isinstance(v, Failure) else {"value": encode(v)}
            for name, v in (("expressions", part.expressions), ("cost", part.cost))}


def decode_part(data: dict[str, Any]) -> StaticPart:
    def one(entry: dict[str, Any], cls: type) -> Any:
        if "failure" in entry:
            return decode(Failure, entry["failure"])
        value = dict(entry["value"])
        if cls is Expressions:
            value["errors"] = [tuple(e) for e in value.get("errors", [])]
            return Expressions(**value)
        return decode(cls, value)

    return StaticPart(one(data["expressions"], Expressions), one(data["cost"], Cost))


# -- what the worker computes ----------------------------------------------------------------


def compute_part(fn: StaticInput) -> StaticPart:
    return StaticPart(_expressions(fn), _static_cost(fn))


def _expressions(fn: Any) -> Expressions | Failure:
    from ad_core import symbolic

    source, name, lines = fn.static_source  # a method: its def at top level, self dropped
    res = symbolic.from_source(source, name)
    errors = [(lines[line - 1] if 0 < line <= len(lines) else None, message)
              for line, message in res.errors]
    if not res.partials:
        line, why = errors[0] if errors else (None, "no derivative expressions")
        return Failure(why, line)
    printed = res.printed()
    order = [p for p in fn.params if p.name in printed.partials]
    names = [p.name for p in order] + [p for p in printed.partials if fn.param(p) is None]
    return Expressions(
        expr=printed.expr,
        partials={p: printed.partials[p] for p in names},
        shared=list(printed.shared),
        shared_partials={p: printed.shared_partials[p] for p in names if printed.shared},
        ops=res.expr_ops,
        partial_ops=sum(res.swell[p].simplified for p in names if p in res.swell),
        errors=errors,
    )


def _static_cost(fn: Any) -> Cost | Failure:
    from ad_core import cost as ad_cost

    source, name, _ = fn.static_source
    try:
        return Cost.of(ad_cost.static_estimate(source, name, dict(fn.sizes)), "static")
    except (SyntaxError, ValueError, RecursionError) as e:
        return Failure(f"static estimate: {type(e).__name__}: {e}")


def input_sizes(fn: FunctionInfo) -> dict[str, int]:
    """How many scalars each differentiated parameter holds at the function's point (the
    shapes the analysis inferred): a float 1, an array its size; ints, flags, strings,
    ``const=`` data and the rest 0."""
    sizes: dict[str, int] = {}
    for name, value in fn.point.values.items():
        if name in fn.held or isinstance(value, (bool, int, str)) or value is None:
            continue
        n = _float_count(value)
        if n:
            sizes[name] = n
    return sizes


def _float_count(v: object) -> int:
    """Scalars in a literal the kernel differentiates: a float, or a list holding at least
    one float (it becomes a float array); ints alone are held."""
    leaves: list[object] = []

    def walk(x: object) -> None:
        if isinstance(x, (list, tuple)):
            for y in x:
                walk(y)
        else:
            leaves.append(x)

    walk(v)
    numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in leaves)
    return len(leaves) if numeric and any(isinstance(x, float) for x in leaves) else 0


def compute_gradient_source(fn: StaticInput) -> str:
    from ad_core import symbolic

    result = symbolic.from_source(fn.source, fn.name)
    if result.errors:
        line, message = result.errors[0]
        raise ValueError(f"cannot derive {fn.name} symbolically (line {line}): {message}")
    return result.gradient_source()

"""Cards: everything AD Lens knows about one function, as plain dataclasses.

A card has a static part (derivative expressions from ``ad_core.symbolic``
and a static cost, computed from the text, never running user code) and a
kernel part (value, gradient, finite-difference check, measured cost, trace,
verdict), merged in when execution is allowed. Every section carries
``available`` and ``reason``, so one failing piece shows as
"unavailable: <reason>" and the rest of the card stands.

    >>> svc = CardService(None, execution="never")
    >>> svc.card_sync(analyze("def f(x):\\n    return x * x\\n"), "f").status
    'static'
"""

from __future__ import annotations

import asyncio
import collections
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

from lsp_server.analysis import DocumentModel, FunctionInfo, Point, analyze, point_from_text
from lsp_server.kernel import Kernel, KernelResult
from lsp_server.kernel.compute import cost_json

__all__ = [
    "Card",
    "CardService",
    "Check",
    "Cost",
    "Expressions",
    "Gradient",
    "PointInfo",
    "ProblemInfo",
    "Trace",
    "TraceRow",
    "Verdict",
    "analyze",
]

CardStatus = Literal["ok", "static", "timeout", "oom", "error"]
Execution = Literal["trusted", "always", "never"]


@dataclass
class PointInfo:
    text: str
    source: str  # "directive" | "defaults" | "doctest" | "synthetic" | "user"
    values: dict[str, Any]
    synthetic: list[str] = field(default_factory=list)  # names whose value was made up


@dataclass
class Expressions:
    """Derivative expressions per parameter, as Unicode text (``2·x·cos(x²)``)."""

    available: bool = False
    reason: str = ""
    expr: str = ""  # f itself
    partials: dict[str, str] = field(default_factory=dict)
    cse: list[str] = field(default_factory=list)  # ["x0 = …", …] when CSE is shorter
    cse_partials: dict[str, str] = field(default_factory=dict)
    ops: int = 0  # operations in f
    partial_ops: int = 0  # operations in all partials: expression swell, shown not hidden
    errors: list[tuple[int | None, str]] = field(default_factory=list)  # (0-based doc line, why)


@dataclass
class Gradient:
    available: bool = False
    reason: str = ""
    mode: str = "reverse"  # or "jacobian (reverse)" for a non-scalar output
    values: dict[str, Any] = field(default_factory=dict)  # param -> float | nested list
    shapes: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class Check:
    """AD gradient vs finite differences (``ad.check_grad``)."""

    available: bool = False
    reason: str = ""
    passed: bool | None = None
    max_abs_err: float | None = None
    max_rel_err: float | None = None
    worst: str | None = None
    message: str = ""


@dataclass
class Cost:
    available: bool = False
    reason: str = ""
    source: str = ""  # "measured" (kernel) | "static" (from the text)
    n_inputs: int | None = None
    n_outputs: int | None = None
    ops: int | None = None
    flops: float | None = None
    forward_passes: int | None = None
    reverse_passes: int | None = None
    forward_flops: float | None = None
    reverse_flops: float | None = None
    tape_bytes: int | None = None
    recommended: str | None = None  # "forward" | "reverse"
    forward_time: float | None = None  # predicted seconds for the full Jacobian
    reverse_time: float | None = None
    summary: str = ""  # ad_core's own one-line summary
    notes: list[str] = field(default_factory=list)


@dataclass
class TraceRow:
    text: str  # "v3 = sin(v1)"
    name: str = ""
    op: str = ""
    value: Any = None
    adjoint: Any = None
    line: int | None = None  # 0-based document line of the source that produced it
    kink: str = ""  # set when it ran at a non-differentiable point: the convention used


@dataclass
class Trace:
    available: bool = False
    reason: str = ""
    rows: list[TraceRow] = field(default_factory=list)
    text: str = ""


@dataclass
class Plot:
    """f and ∂f/∂param on a grid around the point (None: undefined there)."""

    available: bool = False
    reason: str = ""
    param: str = ""
    x0: float = 0.0
    xs: list[float] = field(default_factory=list)
    f: list[float | None] = field(default_factory=list)
    df: list[float | None] = field(default_factory=list)


@dataclass
class Component:
    component: str  # "y" or "w[1]"
    hand: float
    ad: float
    ok: bool


@dataclass
class Verdict:
    """A hand-written gradient against AD (exact) and finite differences."""

    available: bool = False
    reason: str = ""
    target: str = ""
    correct: bool | None = None
    worst: Component | None = None
    components: list[Component] = field(default_factory=list)
    fd_passed: bool | None = None
    fd_message: str = ""


@dataclass
class ProblemInfo:
    line: int
    col: int
    end_line: int
    end_col: int
    code: str
    message: str


@dataclass
class Card:
    function: str
    kind: Literal["function", "gradient"]
    params: list[str]
    point: PointInfo
    status: CardStatus
    message: str = ""
    line: int = 0  # 0-based line of the def (for file:line in the terminal)
    gradient_of: str | None = None
    value: Any = None
    value_error: str = ""
    expressions: Expressions = field(default_factory=Expressions)
    gradient: Gradient = field(default_factory=Gradient)
    check: Check = field(default_factory=Check)
    cost: Cost = field(default_factory=Cost)
    trace: Trace = field(default_factory=Trace)
    plot: Plot = field(default_factory=Plot)
    verdict: Verdict | None = None
    problems: list[ProblemInfo] = field(default_factory=list)
    error_line: int | None = None  # 0-based document line where user code raised
    elapsed: float = 0.0


# -- the static part ---------------------------------------------------------------------

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def unicode_expr(expr: Any) -> str:
    """A SymPy expression as one line of Unicode: ``2*x*cos(x**2)`` -> ``2·x·cos(x²)``."""
    import sympy

    s = sympy.sstr(expr)
    sup = lambda m: m.group(1).translate(_SUPERSCRIPT)  # noqa: E731
    s = re.sub(r"\*\*\((-?\d+)\)", sup, s)
    s = re.sub(r"\*\*(\d+)(?![\d.])", sup, s)
    s = s.replace("**", "^").replace("*", "·")
    s = re.sub(r"\bsqrt\(", "√(", s)
    s = re.sub(r"\bpi\b", "π", s)
    return s


def _count_ops(expr: Any) -> int:
    try:
        import sympy

        return int(sympy.count_ops(expr))
    except Exception:
        return 0


PRINT_BUDGET = 1.0  # seconds for printing a card's expressions (SymPy has no timeout)


def _expressions(fn: FunctionInfo, source: str, name: str, params: list[str]) -> Expressions:
    try:
        from ad_core import symbolic  # type: ignore[attr-defined]
    except Exception as e:
        return Expressions(reason=f"ad_core.symbolic is not available ({type(e).__name__})")
    try:
        res = symbolic.from_source(source, name)
    except Exception as e:
        return Expressions(reason=f"symbolic: {type(e).__name__}: {e}")
    errors: list[tuple[int | None, str]] = []
    for line, message in getattr(res, "errors", None) or []:
        doc_line = fn.doc_line(line - 1) if isinstance(line, int) and name == fn.name else None
        errors.append((doc_line, str(message)))
    partials = dict(getattr(res, "partials", None) or {})
    if not partials:
        why = errors[0][1] if errors else "no derivative expressions"
        return Expressions(reason=why, errors=errors)
    out = Expressions(available=True, errors=errors)
    ordered = [p for p in params if p in partials] + [p for p in partials if p not in params]

    def print_all() -> None:
        out.expr = unicode_expr(res.expr)
        out.ops = _count_ops(res.expr)
        out.partials = {p: unicode_expr(partials[p]) for p in ordered}
        out.partial_ops = sum(_count_ops(partials[p]) for p in ordered)
        _add_cse(out, [partials[p] for p in ordered], ordered)

    try:
        # Printing and CSE of a swollen derivative can take longer than building it:
        # the same kind of budget as the symbolic path's, so no card holds the SymPy
        # thread for seconds.
        from ad_core.symbolic import _budget

        finished, _ = _budget.run(print_all, PRINT_BUDGET)
        if not finished:
            return Expressions(
                reason=f"the derivative is too large to print within {PRINT_BUDGET:g} s "
                       "(expression swell)", errors=errors)
    except Exception as e:  # a printer failure must not cost the card
        out.reason = f"printing: {type(e).__name__}: {e}"
    return out


def _add_cse(out: Expressions, exprs: list[Any], names: list[str]) -> None:
    import sympy

    replacements, reduced = sympy.cse(exprs)
    if not replacements:
        return
    cse = [f"{unicode_expr(s)} = {unicode_expr(e)}" for s, e in replacements]
    cse_partials = {n: unicode_expr(e) for n, e in zip(names, reduced, strict=True)}
    plain = sum(len(t) for t in out.partials.values())
    shared = sum(len(t) for t in cse) + sum(len(t) for t in cse_partials.values())
    if shared < 0.8 * plain:  # only when it really reads shorter
        out.cse, out.cse_partials = cse, cse_partials


def _static_cost(source: str, name: str) -> Cost:
    try:
        from ad_core import cost  # type: ignore[attr-defined]

        estimate = cost.static_estimate
    except Exception:
        return Cost(reason="ad_core.cost.static_estimate is not available")
    try:
        fields = cost_json(estimate(source, name))
    except Exception as e:
        return Cost(reason=f"static estimate: {type(e).__name__}: {e}")
    return _cost(fields, "static")


def _cost(fields: dict[str, Any], source: str) -> Cost:
    c = Cost(available=True, source=source)
    for k, v in fields.items():
        if hasattr(c, k):
            setattr(c, k, v)
    return c


@dataclass
class _Static:
    expressions: Expressions
    cost: Cost


# -- the service ---------------------------------------------------------------------------


class CardService:
    """Builds cards: the static part always, the kernel part when execution is allowed.

    ``execution``: "always" runs user code; "trusted" runs it when ``trusted``;
    "never" never does (the static part still shows).
    """

    def __init__(
        self,
        kernel: Kernel | None,
        execution: Execution = "trusted",
        trusted: bool = True,
        time_limit: float | None = None,
    ) -> None:
        self.kernel = kernel
        self.execution = execution
        self.trusted = trusted
        # None: the kernel's own limit
        self.time_limit = time_limit
        self._static: collections.OrderedDict[tuple[str, str], _Static] = collections.OrderedDict()
        self._static_lock = threading.Lock()

    @property
    def executes(self) -> bool:
        if self.kernel is None:
            return False
        return self.execution == "always" or (self.execution == "trusted" and self.trusted)

    # -- pieces ------------------------------------------------------------------------
    def static_part(self, fn: FunctionInfo, model: DocumentModel | None = None) -> _Static:
        """Expressions and static cost; cached by slice hash. Never runs user code."""
        key = (fn.slice_hash, fn.name)
        with self._static_lock:
            hit = self._static.get(key)
        if hit is not None:
            return hit
        name, fn_for_sym = fn.name, fn
        if fn.gradient_of and model is not None and model.function(fn.gradient_of):
            # a gradient's card shows the derivatives of the function it claims to be
            fn_for_sym = model.function(fn.gradient_of)  # type: ignore[assignment]
            name = fn.gradient_of
        params = [p.name for p in fn_for_sym.params]
        exprs = _expressions(fn_for_sym, fn_for_sym.slice_source, name, params)
        cost = _static_cost(fn_for_sym.slice_source, name)
        part = _Static(exprs, cost)
        with self._static_lock:
            self._static[key] = part
            while len(self._static) > 512:
                self._static.popitem(last=False)
        return part

    def request(self, fn: FunctionInfo, point: Point, path: str | None = None) -> dict[str, Any]:
        """The kernel request for a function at a point (JSON)."""
        req: dict[str, Any] = {
            "op": "analyze",
            "slice": fn.slice_source,
            "function": fn.name,
            "point": point.values,
            "gradient_of": fn.gradient_of,
        }
        if path:
            req["path"] = path
        return req

    def _resolve(self, model: DocumentModel, name: str, point: Any) -> tuple[FunctionInfo, Point]:
        fn = model.function(name)
        if fn is None:
            raise KeyError(f"no function {name!r} (functions: {_names(model)})")
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
        self,
        model: DocumentModel,
        name: str,
        point: Any = None,
        path: str | None = None,
    ) -> Card:
        """The card of function ``name`` (blocking; for the CLI)."""
        fn, pt = self._resolve(model, name, point)
        static = self.static_part(fn, model)
        result = None
        if self.executes and self.kernel is not None:
            result = self.kernel.run_sync(self.request(fn, pt, path), timeout=self.time_limit)
        return build_card(fn, pt, static, result, self._why_static())

    async def card(
        self,
        model: DocumentModel,
        name: str,
        point: Any = None,
        path: str | None = None,
    ) -> Card:
        """The card of function ``name``; SymPy runs in a thread, the kernel off-loop."""
        fn, pt = self._resolve(model, name, point)
        static = await asyncio.to_thread(self.static_part, fn, model)
        result = None
        if self.executes and self.kernel is not None:
            result = await self.kernel.run(self.request(fn, pt, path), timeout=self.time_limit)
        return build_card(fn, pt, static, result, self._why_static())

    def _why_static(self) -> str:
        if not self.trusted and self.execution != "always":
            # An untrusted workspace (VS Code's Restricted Mode) runs nothing, whatever the
            # setting says: tell the user what unlocks the values.
            return "the workspace is not trusted: static analysis only (trust it to run code)"
        if self.kernel is None or self.execution == "never":
            return "code execution is off (adlens.execution = never): static analysis only"
        return "static analysis only"


def _names(model: DocumentModel) -> str:
    return ", ".join(f.name for f in model.functions) or "none"


# -- merging ---------------------------------------------------------------------------


def _unavailable(piece: dict[str, Any] | None, status: str, message: str) -> str:
    if piece is None:
        if status == "timeout":
            return "timed out"
        if status == "oom":
            return "out of memory"
        return message or "not computed"
    return str(piece.get("error") or "failed")


def build_card(
    fn: FunctionInfo,
    point: Point,
    static: _Static,
    result: KernelResult | None,
    why_static: str = "static analysis only",
) -> Card:
    """Merge the static part and a kernel result (None: not executed) into a card."""
    card = Card(
        function=fn.name,
        kind="gradient" if fn.gradient_of else "function",
        params=[p.name for p in fn.params],
        point=PointInfo(point.text, point.source, dict(point.values), list(point.synthetic)),
        status="static",
        line=fn.span.line,
        gradient_of=fn.gradient_of,
        expressions=static.expressions,
        cost=static.cost,
        problems=[
            ProblemInfo(p.span.line, p.span.col, p.span.end_line, p.span.end_col, p.code, p.message)
            for p in fn.problems
        ],
    )
    if fn.gradient_of:
        card.verdict = Verdict(reason="not run", target=fn.gradient_of)
    if result is None:
        card.message = why_static
        reason = "not run (static analysis only)"
        for section in (card.gradient, card.check, card.trace):
            section.reason = reason
        if card.verdict is not None:
            card.verdict.reason = reason
        return card

    data, status, message = result.data, result.status, result.message
    card.elapsed = result.elapsed
    card.status = "error" if status == "crashed" else status  # type: ignore[assignment]
    card.message = message

    def piece(name: str) -> tuple[dict[str, Any] | None, bool]:
        p = data.get(name)
        return p, bool(p and p.get("ok"))

    value, ok = piece("value")
    if ok:
        card.value = value.get("value")  # type: ignore[union-attr]
    else:
        card.value_error = _unavailable(value, status, message)
        line = (value or {}).get("line") or (data.get("_error") or {}).get("line")
        if isinstance(line, int):
            card.error_line = fn.doc_line(line - 1)
    if status == "ok" and not ok:
        card.status = "error"

    g, ok = piece("gradient")
    if ok:
        names, values, shapes = g["names"], g["values"], g["shapes"]  # type: ignore[index]
        card.gradient = Gradient(
            True,
            mode=g.get("mode", "reverse"),  # type: ignore[union-attr]
            values=dict(zip(names, values, strict=True)),
            shapes=dict(zip(names, shapes, strict=True)),
        )
    else:
        card.gradient.reason = _unavailable(g, status, message)

    c, ok = piece("check")
    if ok:
        card.check = Check(
            True,
            passed=c["passed"],  # type: ignore[index]
            max_abs_err=c.get("max_abs_err"),  # type: ignore[union-attr]
            max_rel_err=c.get("max_rel_err"),  # type: ignore[union-attr]
            worst=c.get("worst"),  # type: ignore[union-attr]
            message=c.get("message", ""),  # type: ignore[union-attr]
        )
    else:
        card.check.reason = _unavailable(c, status, message)

    cost, ok = piece("cost")
    if ok:
        card.cost = _cost({k: v for k, v in cost.items() if k != "ok"}, "measured")  # type: ignore[union-attr]
    elif not card.cost.available:
        card.cost.reason = _unavailable(cost, status, message)

    t, ok = piece("trace")
    if ok:
        card.trace = Trace(
            True, rows=[_row(r, fn) for r in t.get("rows", [])], text=t.get("text", "")
        )  # type: ignore[union-attr]
    else:
        card.trace.reason = _unavailable(t, status, message)

    p, ok = piece("plot")
    if ok:
        card.plot = Plot(True, param=p["param"], x0=p["x0"], xs=p["xs"], f=p["f"],  # type: ignore[index]
                         df=p["df"])  # type: ignore[index]
    else:
        card.plot.reason = _unavailable(p, status, message)

    if card.verdict is not None:
        _merge_verdict(card.verdict, data, status, message)
    return card


def _merge_verdict(v: Verdict, data: dict[str, Any], status: str, message: str) -> None:
    p = data.get("verdict")
    if p and p.get("ok"):
        v.available = True
        v.reason = ""
        v.correct = bool(p.get("correct"))
        v.components = [Component(**c) for c in p.get("components", [])]
        worst = p.get("worst")
        v.worst = Component(**worst) if worst else None
    else:
        v.reason = _unavailable(p, status, message)
    fd = data.get("verdict_fd")
    if fd and fd.get("ok"):
        v.fd_passed = bool(fd.get("passed"))
        v.fd_message = str(fd.get("message") or "")
    elif fd:
        v.fd_message = f"unavailable: {fd.get('error', 'failed')}"


def _row(r: dict[str, Any], fn: FunctionInfo) -> TraceRow:
    line = r.get("line", r.get("lineno"))
    doc_line = None
    if isinstance(line, int):
        candidate = fn.doc_line(line - 1)
        if fn.span.line <= candidate <= fn.span.end_line:
            doc_line = candidate
    return TraceRow(
        text=str(r.get("text") or ""),
        name=str(r.get("name") or ""),
        op=str(r.get("op") or ""),
        value=r.get("value"),
        adjoint=r.get("adjoint"),
        line=doc_line,
        kink=str(r.get("kink") or ""),
    )

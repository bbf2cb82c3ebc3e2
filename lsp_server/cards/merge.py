"""Static part + kernel result -> `Card`: the one place a card is put together.

    >>> fn = analyze("def f(x):\\n    return x * x\\n").function("f")
    >>> build_card(fn, fn.point, static_part(fn), None, why_static="off").status
    'static'
"""

from __future__ import annotations

from lsp_server.analysis import FunctionInfo, Point, analyze  # noqa: F401  (analyze: doctest)
from lsp_server.kernel.schema import Failure, Result

from .model import KERNEL_SECTIONS, Card, Expressions, PointInfo, ProblemInfo
from .static import StaticPart, static_part  # noqa: F401  (static_part: doctest)

#: The sections a hand-written derivative's card has from the kernel.
GRADIENT_SECTIONS = ("value", "check")


def build_card(
    fn: FunctionInfo,
    point: Point,
    static: StaticPart | None,
    result: Result | None,
    *,
    pending: bool = False,
    why_static: str = "static analysis only",
) -> Card:
    """The card of ``fn`` at ``point``.

    ``static`` None: the static part is not ready yet (only while ``pending``).
    ``result`` None: the kernel did not run, because it is still running
    (``pending``) or because code may not run here (``why_static`` says why).
    """
    card = Card(
        function=fn.name,
        kind="gradient" if fn.gradient_of else "function",
        params=[p.name for p in fn.params],
        point=PointInfo(point.text, point.source, dict(point.values), list(point.synthetic)),
        status="pending" if pending else "static",
        line=fn.span.line,
        gradient_of=fn.gradient_of,
        problems=[
            ProblemInfo(p.span.line, p.span.col, p.span.end_line, p.span.end_col, p.code, p.message)
            for p in fn.problems
        ],
    )
    if static is not None:
        if isinstance(static.expressions, Expressions):
            card.expressions = static.expressions
        else:
            card.missing["expressions"] = static.expressions
        if isinstance(static.cost, Failure):
            card.missing["cost"] = static.cost
        else:
            card.cost = static.cost
    sections = GRADIENT_SECTIONS if fn.gradient_of else KERNEL_SECTIONS
    if result is None:
        if not pending:
            card.message = why_static
            for name in sections:
                if getattr(card, name) is None:
                    card.missing.setdefault(name, Failure(why_static))
        return card

    card.status = result.status
    card.message = result.message
    card.error = result.error
    card.elapsed = result.elapsed
    for name in sections:
        piece = result.pieces.get(name)
        if piece is None:
            card.missing[name] = Failure(_absent(result), result.error.line if result.error
                                         else None)
        elif isinstance(piece, Failure):
            if name != "cost" or card.cost is None:  # a static cost still says something
                card.missing[name] = piece
        else:
            card.missing.pop(name, None)
            setattr(card, name, piece)
    return card


def _absent(result: Result) -> str:
    """Why a piece never arrived, in the words of the status."""
    if result.status == "timeout":
        return "timed out"
    if result.status == "oom":
        return "out of memory"
    return result.message or "not computed"

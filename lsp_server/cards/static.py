"""The static part of a card: what the text alone tells, never running the user's code.

Derivative expressions come from ``ad_core.symbolic`` (AST -> SymPy, printed by its
own printer); the static cost from ``ad_core.cost.static_estimate`` (the one static
counter). Both are pure functions of the function's slice, so they are cached by its
hash by the card service.

    >>> part = static_part(analyze("def f(x):\\n    return x * x\\n").function("f"))
    >>> part.expressions.partials
    {'x': '2·x'}
"""

from __future__ import annotations

from dataclasses import dataclass

from lsp_server.analysis import FunctionInfo, analyze  # noqa: F401  (analyze: the doctest)
from lsp_server.kernel.schema import Cost, Failure

from .model import Expressions


@dataclass(frozen=True)
class StaticPart:
    expressions: Expressions | Failure
    cost: Cost | Failure


def warm_up() -> None:
    """Import what the static part needs (SymPy: a second or two), ahead of time."""
    import ad_core.symbolic  # noqa: F401


def static_part(fn: FunctionInfo) -> StaticPart:
    """Expressions and static cost of ``fn`` (for a hand-written derivative, pass the
    function it differentiates: its card shows that function's derivatives)."""
    return StaticPart(_expressions(fn), _static_cost(fn))


def _expressions(fn: FunctionInfo) -> Expressions | Failure:
    # Imported here, not at the top: SymPy takes a second or two to import, and the
    # server answers `initialize` before that (it warms it up in the background).
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


def _static_cost(fn: FunctionInfo) -> Cost | Failure:
    from ad_core import cost as ad_cost

    source, name, _ = fn.static_source
    try:
        return Cost.of(ad_cost.static_estimate(source, name, input_sizes(fn)), "static")
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


def gradient_source(fn: FunctionInfo) -> str:
    """Source of ``def NAME_grad(...)`` from the symbolic path (never runs the code);
    ``ValueError`` saying which line could not be derived."""
    from ad_core import symbolic

    result = symbolic.from_source(fn.source, fn.name)
    if result.errors:
        line, message = result.errors[0]
        raise ValueError(f"cannot derive {fn.name} symbolically (line {line}): {message}")
    return result.gradient_source()

"""Static part + kernel result -> `Card`: the one place a card is put together.

    >>> fn = analyze("def f(x):\\n    return x * x\\n").function("f")
    >>> build_card(fn, fn.point, static_part(fn), None, why_static="off").status
    'static'
"""

from __future__ import annotations

import re

from lsp_server.analysis import (
    Fix,
    FunctionInfo,
    Point,
    Problem,
    Span,
    analyze,  # noqa: F401  (the doctest)
    format_point,
)
from lsp_server.kernel.schema import Failure, Pairing, Probe, Result

from .model import (
    GRADIENT_SECTIONS,
    KERNEL_SECTIONS,
    Card,
    Expressions,
    FixInfo,
    InstanceInfo,
    PointInfo,
    ProblemInfo,
)
from .static import StaticPart, static_part  # noqa: F401  (static_part: doctest)

__all__ = ["GRADIENT_SECTIONS", "build_card"]


def problem_info(p: Problem) -> ProblemInfo:
    fix = None
    if p.fix is not None:
        s = p.fix.span
        fix = FixInfo(p.fix.title, s.line, s.col, s.end_line, s.end_col, p.fix.text)
    return ProblemInfo(p.span.line, p.span.col, p.span.end_line, p.span.end_col, p.code,
                       p.message, fix)


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
    instance = fn.instance
    card = Card(
        function=fn.name,
        kind="gradient" if fn.pairing is not None else "function",
        params=[p.name for p in fn.params],
        point=PointInfo(_shown(point), point.source, dict(point.values), list(point.synthetic)),
        status="pending" if pending else "static",
        line=fn.span.line,
        gradient_of=fn.gradient_of,
        rule=fn.pairing.rule if fn.pairing is not None else "",
        instance=InstanceInfo(instance.text, instance.source) if instance is not None else None,
        held=list(fn.held),
        unreached=list(fn.unreached),
        problems=[problem_info(p) for p in fn.problems],
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
    sections = GRADIENT_SECTIONS if fn.pairing is not None else KERNEL_SECTIONS
    if result is None:
        if not pending:
            card.message = why_static
            for name in sections:
                if getattr(card, name) is None:
                    card.missing.setdefault(name, Failure(why_static))
        return card

    card.status = result.status
    card.message = result.message
    probe = result.pieces.get("probe")
    if isinstance(probe, Probe):
        card.probe = probe
        _probed(card, probe, point)
    card.error = result.error
    card.elapsed = result.elapsed
    pairing = result.pieces.get("pairing")
    if isinstance(pairing, Pairing) and pairing.rule and card.kind == "function":
        # the kernel recognised a (value, gradient) return by its shape
        card.kind, card.gradient_of, card.rule = "gradient", fn.name, pairing.rule
        sections = tuple(dict.fromkeys(("value", "pairing", "gradient", "check")
                                       + KERNEL_SECTIONS))
    for name in sections:
        piece = result.pieces.get(name)
        if piece is None:
            if name == "pairing" and card.kind == "function":
                continue
            card.missing[name] = Failure(_absent(result), result.error.line if result.error
                                         else None)
        elif isinstance(piece, Failure):
            if name != "cost" or card.cost is None:  # a static cost still says something
                card.missing[name] = piece
        else:
            card.missing.pop(name, None)
            setattr(card, name, piece)
    if isinstance(probe, Probe) and probe.placeholder and card.kind == "gradient":
        # a method that is not implemented, or one that calls one: nothing to check
        card.pairing = Pairing(False, f"placeholder: {probe.placeholder}")
    if card.kind == "gradient" and card.pairing is None and _not_implemented(card):
        # an abstract stub is no derivative: nothing to check, nothing to count
        card.pairing = Pairing(False, "it raises NotImplementedError: there is no "
                               "derivative to check")
    left_out = _explain_left_out(card, fn)
    outer = fn.enclosing
    if outer is not None and result.status == "error" and "value" not in result.pieces:
        # a nested function not reached: its enclosing function did not run (its point,
        # when made up, is the one to give) or did not bind it; its own point is not at fault
        if result.message.startswith(f"running {outer.name} ") and outer.point.synthetic:
            card.hints.append(problem_info(_point_hint(outer, outer.point)))
    # a module that fails to import fails at every point: no point to suggest then
    elif result.status == "error" and point.synthetic and not left_out and not (
            isinstance(probe, Probe) and (probe.found or probe.placeholder)) and not (
            result.message.startswith("the module slice failed")):
        card.hints.append(problem_info(_point_hint(fn, point)))
    return card


_NAME_ERROR = re.compile(r"NameError: name '(\w+)' is not defined")


def _explain_left_out(card: Card, fn: FunctionInfo) -> bool:
    """Each NameError for a module name the slice leaves out (``TABLE = load()``) gets
    the reason appended, wherever the card says it; True when there was one (no other
    point would help then: every point fails the same way)."""
    found = False

    def explained(f: Failure | None) -> Failure | None:
        nonlocal found
        m = _NAME_ERROR.search(f.message) if f is not None else None
        why = fn.unsliced(m.group(1)) if m else None
        if f is None or why is None or why in f.message:
            return f
        found = True
        return Failure(f"{f.message}: {why}", f.line)

    card.error = explained(card.error)
    for name, failure in list(card.missing.items()):
        card.missing[name] = explained(failure)  # type: ignore[assignment]
    m = _NAME_ERROR.search(card.message)
    why = fn.unsliced(m.group(1)) if m else None
    if why and why not in card.message:
        card.message, found = f"{card.message}: {why}", True
    return found


def _probed(card: Card, probe: Probe, point: Point) -> None:
    """The kernel ran elsewhere than the guess (`Probe`): the card shows the point and
    instance actually used, and how they were chosen."""
    tried = f"{probe.attempts} failed attempt{'' if probe.attempts == 1 else 's'}"
    if probe.placeholder:
        if card.kind == "function":  # a derivative's card says it where its pairing is
            card.point.note = f"placeholder: {probe.placeholder}"
        return
    if not probe.found:
        card.point.note = (f"no alternative worked ({tried}; the first: {probe.first}); "
                           "shown at the requested point")
        return
    if probe.changed:
        values = {k: probe.point.get(k, v) for k, v in point.values.items()}
        card.point.values = values
        card.point.text = _short_point(values)
        first = probe.first if probe.instance else f"at {point.text}, {probe.first}"
        card.point.note = f"chosen after {tried}; the first: {first}"
    if probe.instance and card.instance is not None:
        base = card.instance.text.split("(", 1)[0]
        after = "" if probe.changed else f", after {tried}"
        card.instance = InstanceInfo(
            f"{probe.instance}()", "constructor",
            f"{probe.instance_why}: {probe.instance} is the first class of the file derived "
            f"from {base} that builds and runs here{after}")


MAX_SHOWN = 8  # values of an array shown in a point's text; the rest is counted


def _short_point(values: dict[str, object]) -> str:
    """``x=[0.5, 0.6, 0.7, …, 60.4] (600 values)``: a point as it reads on a card."""
    parts = []
    for k, v in values.items():
        flat = _flat(v)
        if flat is not None and len(flat) > MAX_SHOWN:
            shown = format_point({k: flat[:3]})[:-1]
            parts.append(f"{shown}, …, {format_point({'': flat[-1]})[1:]}] "
                         f"({len(flat)} values)")
        else:
            parts.append(format_point({k: v}))
    return ", ".join(parts)


def _shown(point: Point) -> str:
    """The point as a card shows it: a long array cut to its ends and counted (600 made-up
    values are noise on a card; the directive line keeps them all)."""
    long = any(len(f) > MAX_SHOWN for f in map(_flat, point.values.values()) if f is not None)
    return _short_point(dict(point.values)) if long else point.text


def _flat(v: object) -> list[object] | None:
    if not isinstance(v, list):
        return None
    out: list[object] = []
    for e in v:
        inner = _flat(e)
        out.extend(inner if inner is not None else [e])
    return out


def _not_implemented(card: Card) -> bool:
    value = card.missing.get("value")
    return value is not None and value.message.startswith("NotImplementedError")


def _point_hint(fn: FunctionInfo, point: Point) -> Problem:
    """The function could not run at a made-up point: say which values were made up and
    offer the directive line that gives them (the user edits the values)."""
    made_up = ", ".join(point.synthetic)
    return Problem(
        fn.name_span, "needs-point",
        f"{fn.name} could not run at a made-up point ({made_up} synthetic): give values "
        f"where it runs with a line above the def: # adlens: {point.text}",
        Fix(f"Add an evaluation point above {fn.name}", Span(fn.span.line, 0, fn.span.line, 0),
            f"{fn.indent}# adlens: {point.text}\n"))


def _absent(result: Result) -> str:
    """Why a piece never arrived, in the words of the status."""
    if result.status == "timeout":
        return "timed out"
    if result.status == "oom":
        return "out of memory"
    return result.message or "not computed"

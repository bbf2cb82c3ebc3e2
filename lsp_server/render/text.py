"""Cards for the terminal (`adlens check`): indented text, and strict JSON.

    >>> from lsp_server.cards import CardService, analyze
    >>> model = analyze("def f(x):\\n    return x\\n")
    >>> card = CardService(None, execution="never").card_sync(model, "f")
    >>> text(card).splitlines()[0]
    'f(x)  line 1'
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from lsp_server.cards import Card

from . import words
from .markdown import cost_detail, expression_lines
from .words import fmt, partial

JSON_SCHEMA_VERSION = "adlens.card/2"
_INDENT = "          "


def text(card: Card, trace: bool = False) -> str:
    """A header line, then indented sections (``trace``: the Wengert list too)."""
    kind = ""
    if card.kind == "gradient":
        kind = (f"  (hand-written derivative of {card.gradient_of})"
                if card.gradient_of != card.function
                else "  (its value and derivative in one function)")
    lines = [
        f"{words.signature(card)}  line {card.line + 1}{kind}",
        f"  point   {words.point_line(card)[3:]}",
    ]
    if card.instance is not None:
        lines.append(f"  self    {words.instance_line(card).removeprefix('self = ')}")
    if card.unreached:
        lines.append(f"  held    {words.unreached_line(card)}")
    if card.kind == "gradient":
        unpaired = words.not_paired(card)
        lines.append(f"  paired  {unpaired or words.paired_line(card)}")
    if words.failed(card):
        lines.append(f"  status  {words.status_word(card)}")
    elif card.status == "static":
        lines.append(f"  status  {card.message}")
    for i, e in enumerate(expression_lines(card)):
        lines.append(("  ∂       " if i == 0 else _INDENT) + e)
    if card.expressions is None:
        lines.append(f"  ∂       {words.unavailable(card, 'expressions')}")
    if card.value is not None:
        v = card.value
        what = "" if v.differentiable else f"   ({v.describe})"
        lines.append(f"  value   {card.function} = {fmt(v.value)}{what}")
    if card.kind == "function":
        if card.gradient is not None:
            for i, (p, v) in enumerate(card.gradient.values.items()):
                head = "  ∇       " if i == 0 else _INDENT
                lines.append(f"{head}{partial(card, p)} = {fmt(v)}")
            lines[-len(card.gradient.values)] += f"   ({words.mode(card)})"
        elif card.status == "ok":
            lines.append(f"  ∇       {words.unavailable(card, 'gradient')}")
        if not words.failed(card):
            lines.append(f"  check   {words.check_line(card)}{words.check_detail(card)}")
            sct = words.sct_line(card)
            if sct is not None:
                lines.append(f"  sct     {sct}")
    else:
        if card.gradient is not None and card.gradient_of == card.function:
            for i, (p, v) in enumerate(card.gradient.values.items()):
                head = "  ∇       " if i == 0 else _INDENT
                lines.append(f"{head}{partial(card, p)} = {fmt(v)}")
        lines.append(f"  verdict {words.check_line(card)}")
        c = card.check
        for x in c.components[:12] if c is not None and words.not_paired(card) is None else ():
            lines.append(f"{_INDENT}{words.component_mark(x, c.subject)} "
                         f"{words.component_line(card.target, x, c)}")
        if (note := words.directions_note(c)) is not None:
            lines.append(f"{_INDENT}({note})")
        if c is not None and c.rows < c.rows_total:
            lines.append(f"{_INDENT}(the first {c.rows} of {c.rows_total} output components "
                         "checked)")
    lines += [_INDENT + line for line in words.failure_lines(card)]
    if card.kind == "function":
        lines.append(f"  cost    {words.cost_line(card)}{cost_detail(card)}")
    for p in [*words.problems_shown(card), *card.hints]:
        lines.append(f"  {words.problem_mark(p.code)} {p.code} (line {p.line + 1}): {p.message}")
        if p.fix is not None:
            lines.append(f"{_INDENT}fix: insert above line {p.fix.line + 1}: "
                         f"{p.fix.text.strip()}")
    for line, note in words.kinks(card):
        where = f" (line {line + 1})" if line is not None else ""
        lines.append(f"  ⚠ non-differentiable{where}: {note}")
    for _, code, note in words.debug_notes(card):
        lines.append(f"  ⚠ {code}: {note}")
    if trace:
        if card.trace is not None:
            lines.append("  trace   (Wengert list: value, adjoint ∂out/∂v)")
            lines.extend(_INDENT + row for row in card.trace.text.splitlines())
        else:
            lines.append(f"  trace   {words.unavailable(card, 'trace')}")
    return "\n".join(lines)


def _finite(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    return x


def to_json(card: Card) -> dict[str, Any]:
    """The card as strict JSON (non-finite floats as "nan"/"inf"/"-inf"); see docs/cli.md."""
    d = {"schema": JSON_SCHEMA_VERSION, **dataclasses.asdict(card)}
    d["lens_titles"] = words.lens_titles(card)
    return _finite(d)

"""Cards as Markdown: the hovers (a def, a parameter, a body line) and the derivatives
document. Pure functions of a `Card`; no protocol types. VS Code renders no math in
hovers, so expressions are Unicode text in code blocks (printed by ``ad_core.symbolic``).

    >>> from lsp_server.cards import CardService, analyze
    >>> model = analyze("def f(x):\\n    return x\\n")
    >>> card = CardService(None, execution="never").card_sync(model, "f")
    >>> markdown(card).splitlines()[0]
    '**f(x)** at x=0.5 (synthetic)'
"""

from __future__ import annotations

import re

from lsp_server.cards import Card

from . import words
from .plot import plot_markdown
from .words import COMPUTING, fmt, partial

# Every ASCII punctuation character may be backslash-escaped in CommonMark; these are
# the ones Markdown reads as syntax anywhere in a line: links and images (brackets),
# emphasis, code spans, table cells, HTML tags and entities. Block markers (``#``,
# ``-``, ``>``, ``1.``) only count at the start of a line: `_LEADING`.
_MARKUP = re.compile(r"([\\`*_~\[\]<>|&])")
_LEADING = re.compile(r"^(\s*\d*)([#+\-=>.)])")


def escape(text: str) -> str:
    """Text from the user's file or code (names, points, values, messages) as Markdown
    that shows exactly that text: no link, image, emphasis, HTML or table cell can
    come out of it. One line: newlines become spaces. The one escape for plain text."""
    text = _MARKUP.sub(r"\\\1", _one_line(text))
    return _LEADING.sub(r"\1\\\2", text, count=1)


def code(text: str, in_table: bool = False) -> str:
    """Text as an inline code span that no backtick inside can close (the fence is
    longer than any run of backticks in it); in a table cell, ``|`` is escaped too
    (GFM splits cells before reading code spans)."""
    text = _one_line(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    if in_table:
        text = text.replace("|", "\\|")
    return f"{fence}{pad}{text}{pad}{fence}"


def _one_line(text: str) -> str:
    return re.sub(r"[\r\n\u2028\u2029\x00-\x08\x0b\x0c\x0e-\x1f]+", " ", str(text))


def _code(lines: list[str]) -> str:
    """A fenced block; the fence is longer than any backtick run inside, so no line can
    end it early."""
    body = "\n".join(line.replace("\r", " ") for line in lines)
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{body}\n{fence}"


def expression_lines(card: Card, only: str | None = None) -> list[str]:
    """``f = …`` and ``∂f/∂x = …`` lines (with shared subexpressions when shorter)."""
    e = card.expressions
    if e is None:
        return []
    shared = bool(e.shared) and only is None
    partials = e.shared_partials if shared else e.partials
    lines: list[str] = []
    if only is None and e.expr:
        lines.append(f"{card.target} = {e.expr}")
    if shared:
        lines.extend(e.shared)
    width = max((len(partial(card, p)) for p in partials), default=0)
    for p, text in partials.items():
        if only is None or p == only:
            lines.append(f"{partial(card, p).ljust(width)} = {text}")
    return lines


def _head(card: Card) -> list[str]:
    parts = [f"**{escape(words.signature(card))}** {escape(words.point_line(card))}"]
    about = [line for line in (escape(words.instance_line(card)), _paired(card),
                               escape(words.unreached_line(card))) if line]
    if about:
        parts.append("  \n".join(about))
    if words.failed(card):
        parts.append(f"⚠ {escape(words.status_word(card))}")
    elif card.status == "static":
        parts.append(f"*{escape(card.message)}*")
    lines = expression_lines(card)
    if lines:
        parts.append(_code(lines))
    elif card.pending and "expressions" not in card.missing:
        parts.append(f"derivative expressions: {escape(COMPUTING)}")
    return parts


def _paired(card: Card) -> str:
    if card.kind != "gradient":
        return ""
    head = (f"hand-written derivative of {code(card.gradient_of or '')}"
            if card.gradient_of != card.function else "its value and derivative in one function")
    line = words.paired_line(card)
    return f"{head}: {escape(line)}" if line else head


def markdown(card: Card) -> str:
    """The hover on a def: expressions, values at the point, the check, the cost."""
    parts = _head(card)
    if card.kind == "gradient":
        parts.append(_verdict(card))
    else:
        rows = []
        if card.value is not None:
            rows.append(f"| {escape(card.function)} | {code(fmt(card.value.value), True)} |")
        for p, v in (card.gradient.values.items() if card.gradient is not None else ()):
            rows.append(f"| {escape(partial(card, p))} | {code(fmt(v), True)} |")
        if rows:
            head = (f"| | {escape(words.mode(card))} |" if card.gradient is not None
                    else "| | value |")
            parts.append("\n".join([head, "|---|---|", *rows]))
        if not words.failed(card):
            parts.append(escape(words.check_line(card) + words.check_detail(card)))
            parts.extend(f"- {escape(line)}" for line in words.failure_lines(card))
            sct = words.sct_line(card)
            if sct is not None:
                parts.append(escape(sct))
        parts.append(f"Cost: {escape(words.cost_line(card) + cost_detail(card))}")
        picture = plot_markdown(card)
        if picture:
            parts.append(picture)
    notes = [f"- {words.problem_mark(p.code)} {code(p.code)} {words.line_name(p.line)}: "
             f"{escape(p.message)}"
             for p in [*words.problems_shown(card), *card.hints]]
    notes += [f"- {escape(line)}" for line in (words.not_paired(card),) if line]
    notes += [f"- ⚠ {words.line_name(line)}: {escape(note)}" if line is not None
              else f"- ⚠ {escape(note)}" for line, note in words.kinks(card)]
    notes += [f"- ⚠ {escape(note)}" for _, _, note in words.debug_notes(card)]
    if card.debug is not None and card.debug.bindings_cut:
        notes.append(f"- {words.BINDINGS_CUT}")
    notes += _unavailable(card)
    if notes:
        parts.append("\n".join(notes))
    return "\n\n".join(parts)


def _unavailable(card: Card) -> list[str]:
    """Sections with no line of their own that could not be computed, and why."""
    out = []
    if card.value is not None and not card.value.differentiable:
        out.append(f"- {escape(f'{card.function} returns {card.value.describe}')}")
    if "expressions" in card.missing:
        out.append(f"- derivative expressions: "
                   f"{escape(words.unavailable(card, 'expressions'))}")
    if card.kind == "function" and card.status == "ok" and card.gradient is None:
        out.append(f"- gradient: {escape(words.unavailable(card, 'gradient'))}")
    return out


def cost_detail(card: Card) -> str:
    c = card.cost
    if c is None:
        return ""
    return f" ({c.n_inputs} in → {c.n_outputs} out, {c.ops} ops, {c.source})"


def _verdict(card: Card) -> str:
    """A hand-written derivative: the verdict, then hand-written, AD and finite
    differences per component and which of them agree."""
    lines = [escape(words.check_line(card))]
    c = card.check
    lines += [f"- {escape(line)}" for line in words.failure_lines(card)]
    if c is not None and c.components:
        lines += ["", "| | hand-written | AD | finite differences | |", "|---|---|---|---|---|"]
        for x in c.components[:12]:
            cells = " | ".join(code(fmt(v), True) if v is not None else "—"
                               for v in (x.hand, x.ad, x.fd))
            mark = words.component_mark(x, c.subject)
            what = escape(words.component_partial(card.target, c, x))
            lines.append(f"| {what} | {cells} | {mark} {escape(words.agreement(x))} |")
        if c.n_components > 12:
            lines.append(f"\n… {c.n_components - 12} more components")
        if (note := words.directions_note(c)) is not None:
            lines.append(f"\n{escape(note)}")
    if card.value is not None and not card.value.differentiable:
        lines.append(f"\n{escape(f'{card.function} returns {card.value.describe}')}: "
                     f"{code(fmt(card.value.value))}")
    return "\n".join(lines)


def param_markdown(card: Card, name: str) -> str:
    """The hover on a parameter: that partial only."""
    d = escape(partial(card, name))
    parts = [f"**{d}** {escape(words.point_line(card))}"]
    lines = expression_lines(card, only=name)
    if lines:
        parts.append(_code(lines))
    if card.gradient is not None and name in card.gradient.values:
        parts.append(f"{d} = {code(fmt(card.gradient.values[name]))} "
                     f"({escape(words.mode(card))})")
    elif card.check is not None and card.kind == "gradient":
        for x in [x for x in card.check.components if x.name.split("[")[0] == name][:6]:
            parts.append(f"{words.component_mark(x, 'hand')} "
                         f"{escape(words.component_line(card.target, x, card.check))}")
    elif card.kind == "function" and card.status != "static":
        parts.append(f"*gradient {escape(words.unavailable(card, 'gradient'))}*")
    return "\n\n".join(parts)


def line_markdown(card: Card, line: int) -> str | None:
    """The hover on a body line: each intermediate it made, its value and adjoint."""
    rows = [r for r in card.trace.rows if r.line == line] if card.trace is not None else []
    if not rows:
        return None
    out = [
        f"**{words.line_name(line)}** {escape(words.point_line(card))}",
        "",
        f"| step | value | adjoint ∂{escape(card.function)}/∂· |",
        "|---|---|---|",
    ]
    for r in rows[:20]:
        out.append(f"| {code(r.text, True)} | {code(fmt(r.value), True)} | "
                   f"{code(fmt(r.adjoint), True)} |")
    if len(rows) > 20:
        out.append(f"| … {len(rows) - 20} more | | |")
    notes = [note for at, _, note in words.debug_notes(card) if at == line]
    if notes:
        out += [""] + [f"⚠ {escape(note)}" for note in notes]
    return "\n".join(out)


def document_markdown(card: Card) -> str:
    """A whole document: derivatives (with CSE), values, check, cost, Wengert list."""
    out = [f"# {escape(words.signature(card))}", "",
           escape(words.point_line(card).capitalize()), ""]
    e = card.expressions
    out.append("## Derivatives")
    if e is not None:
        out.append(_code(expression_lines(card)))
        swell = f"{e.partial_ops} operations in the partials, {e.ops} in {card.target}"
        out.append(f"\nExpression size: {swell}.")
        for line, msg in e.errors:
            out.append(f"- {words.line_name(line) if line is not None else 'line ?'}: "
                       f"{escape(msg)}")
    else:
        out.append(escape(words.unavailable(card, "expressions")))
    out += ["", "## At the point", "", markdown(card).split("\n\n", 1)[-1]]
    out += ["", "## Wengert list (reverse mode)"]
    if card.trace is not None:
        rows = [f"{r.text:<28} value {fmt(r.value):<12} adjoint {fmt(r.adjoint)}"
                for r in card.trace.rows]
        out.append(_code(rows or [card.trace.text]))
    else:
        out.append(escape(words.unavailable(card, "trace")))
    return "\n".join(out)

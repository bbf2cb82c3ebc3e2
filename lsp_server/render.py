"""Cards as Markdown (hovers), text (terminal), JSON (documented schema) and lens titles.

Pure functions of a ``Card``; no protocol types. VS Code renders no math in
hovers, so expressions are Unicode text in code blocks.

    >>> from lsp_server.cards import CardService, analyze
    >>> svc = CardService(None, execution="never")
    >>> card = svc.card_sync(analyze("def f(x):\\n    return x\\n"), "f")
    >>> lens_titles(card)[0]
    '∇f: static only (code execution is off)'
"""

from __future__ import annotations

import base64
import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from lsp_server.analysis import Span
from lsp_server.cards import Card, Component

JSON_SCHEMA_VERSION = "adlens.card/1"
_MAX_ITEMS = 6


# -- numbers -----------------------------------------------------------------------------


def fmt(v: Any, digits: int = 6) -> str:
    """Compact number: ``0.958851``, ``1.2e-08``, ``[0.1, 0.2, …]`` (6 items at most)."""
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            return str(v)
        if v == 0:
            return "0.0"
        short = repr(v)
        return short if len(short) <= digits + 2 else f"{v:.{digits}g}"
    if isinstance(v, (list, tuple)):
        items = [fmt(x, digits) for x in v[:_MAX_ITEMS]]
        if len(v) > _MAX_ITEMS:
            items.append(f"… {len(v)} items")
        return "[" + ", ".join(items) + "]"
    if isinstance(v, dict):
        if "complex" in v:
            re_, im = v["complex"]
            return f"({fmt(re_, digits)}{'+' if im >= 0 else '-'}{fmt(abs(im), digits)}j)"
        if "repr" in v:
            return str(v["repr"])
    return str(v)


def _err(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1e}"


def _d(card: Card, param: str) -> str:
    f = card.gradient_of or card.function
    return f"∂{f}/∂{param}"


def _signature(card: Card) -> str:
    return f"{card.function}({', '.join(card.params)})"


def _point_line(card: Card) -> str:
    src = card.point.source
    if card.point.synthetic and src != "synthetic":
        src += f"; synthetic {', '.join(card.point.synthetic)}"
    return f"at {card.point.text or '(no parameters)'} ({src})"


def _mode(card: Card) -> str:
    mode = card.gradient.mode
    return f"{mode} mode" if mode in ("reverse", "forward") else mode


def _why(reason: str) -> str:
    return f"unavailable: {reason}" if reason else "unavailable"


# -- short forms ---------------------------------------------------------------------------


def check_line(card: Card) -> str:
    """One line on the finite-difference check (or the verdict, for a gradient)."""
    if card.verdict is not None:
        return verdict_line(card)
    f = card.function
    c = card.check
    if card.status == "static":
        return f"∇{f}: static only ({_static_reason(card)})"
    if not c.available:
        return f"∇{f}: check {_why(c.reason)}"
    if c.passed:
        return f"✓ ∇{f} matches finite differences"
    worst = f" (worst {c.worst})" if c.worst else ""
    return f"✗ ∇{f} differs from finite differences{worst}: rel err {_err(c.max_rel_err)}"


def _static_reason(card: Card) -> str:
    if "not trusted" in card.message:
        return "workspace not trusted"
    return "code execution is off"


def verdict_line(card: Card) -> str:
    v = card.verdict
    assert v is not None
    target = v.target or card.gradient_of or "?"
    if card.status == "static":
        return f"∇{target}: not checked ({_static_reason(card)})"
    if not v.available:
        return f"∇{target}: check {_why(v.reason)}"
    if v.correct:
        return f"✓ matches ∇{target}"
    w = v.worst
    if w is None:
        return f"✗ does not match ∇{target}"
    return (
        f"✗ ∂{target}/∂{w.component}: hand-written {fmt(w.hand)}, AD {fmt(w.ad)} "
        f"at {_point_of(card, w)}"
    )


def _point_of(card: Card, w: Component) -> str:
    name = w.component.split("[", 1)[0]
    if name in card.point.values:
        return f"{name}={fmt(card.point.values[name])}"
    return card.point.text


def cost_line(card: Card) -> str:
    """``rev 1 pass · fwd 3 passes → reverse``."""
    c = card.cost
    if not c.available:
        return f"cost {_why(c.reason)}"

    def passes(n: int | None) -> str:
        return "? passes" if n is None else f"{n} pass" + ("" if n == 1 else "es")

    line = f"rev {passes(c.reverse_passes)} · fwd {passes(c.forward_passes)}"
    if c.recommended:
        line += f" → {c.recommended}"
    return line


def lens_titles(card: Card) -> list[str]:
    """Code lens titles: the check (or verdict) and, for a function, its cost line."""
    titles = [check_line(card)]
    if card.status in ("timeout", "oom") or (card.status == "error" and card.value_error):
        titles[0] = f"{card.function}: {_status_word(card)}"
    if card.verdict is None:
        titles.append(cost_line(card))
    return titles


def _status_word(card: Card) -> str:
    if card.status == "timeout":
        return card.message or "timed out"
    if card.status == "oom":
        return "out of memory"
    if card.status == "error":
        return f"error: {card.value_error or card.message}"
    return card.status


def summary(card: Card) -> str:
    """One sentence for a notification."""
    if card.status in ("timeout", "oom", "error"):
        return f"{card.function} {_point_line(card)}: {_status_word(card)}"
    head = check_line(card)
    if card.gradient.available and card.verdict is None:
        vals = ", ".join(f"{_d(card, k)} = {fmt(v)}" for k, v in card.gradient.values.items())
        return f"{head} {_point_line(card)}: {vals}"
    return f"{head} ({_point_line(card)})"


# -- diagnostics ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CardDiagnostic:
    """A finding from running the card. ``span`` None: put it on the def name."""

    span: Span | None
    code: str
    message: str


def diagnostics(card: Card) -> list[CardDiagnostic]:
    """Wrong hand-written gradients, failed finite-difference checks, and lines that
    reached a non-differentiable point at the evaluation point."""
    out: list[CardDiagnostic] = []
    v = card.verdict
    if v is not None and v.available and v.correct is False:
        out.append(CardDiagnostic(None, "wrong-gradient", verdict_line(card).lstrip("✗ ")))
    if v is None and card.check.available and card.check.passed is False:
        out.append(CardDiagnostic(None, "gradient-check", check_line(card).lstrip("✗ ")))
    for line, note in kinks(card):
        span = Span(line, 0, line + 1, 0) if line is not None else None
        out.append(CardDiagnostic(span, "non-differentiable", f"at {_point_text(card)}: {note}"))
    return out


def kinks(card: Card) -> list[tuple[int | None, str]]:
    """(document line, convention) for each distinct non-differentiable point reached."""
    seen: dict[tuple[int | None, str], None] = {}
    for r in card.trace.rows:
        if r.kink:
            seen.setdefault((r.line, r.kink), None)
    return list(seen)


def _point_text(card: Card) -> str:
    return card.point.text or "the evaluation point"


# -- Markdown ------------------------------------------------------------------------------


def _code(lines: list[str]) -> str:
    return "```text\n" + "\n".join(lines) + "\n```"


def _expr_lines(card: Card, only: str | None = None) -> list[str]:
    e = card.expressions
    f = card.gradient_of or card.function
    if not e.available:
        return []
    partials = e.cse_partials if e.cse and only is None else e.partials
    lines: list[str] = []
    if only is None and e.expr:
        lines.append(f"{f} = {e.expr}")
    if only is None and e.cse:
        lines.extend(e.cse)
    width = max((len(_d(card, p)) for p in partials), default=0)
    for p, text in partials.items():
        if only is None or p == only:
            lines.append(f"{_d(card, p).ljust(width)} = {text}")
    return lines


def _unavailable_lines(card: Card) -> list[str]:
    out = []
    if card.value_error:
        out.append(f"- value: {card.value_error}")
    # the check and the cost have lines of their own; these two do not
    if not card.expressions.available and card.expressions.reason:
        out.append(f"- derivative expressions: {_why(card.expressions.reason)}")
    g = card.gradient
    if card.verdict is None and not g.available and g.reason and card.status == "ok":
        out.append(f"- gradient: {_why(g.reason)}")
    return out


def markdown(card: Card) -> str:
    """The hover on a def: expressions, values at the point, check, cost."""
    parts = [f"**{_signature(card)}** {_point_line(card)}"]
    if card.status in ("timeout", "oom", "error") and (card.value_error or card.message):
        parts.append(f"⚠ {_status_word(card)}")
    if card.status == "static":
        parts.append(f"*{card.message}*")
    lines = _expr_lines(card)
    if lines:
        parts.append(_code(lines))
    if card.verdict is not None:
        parts.append(_verdict_markdown(card))
    else:
        rows = []
        if card.value is not None:
            rows.append(f"| {card.function} | `{fmt(card.value)}` |")
        for p, v in card.gradient.values.items():
            rows.append(f"| {_d(card, p)} | `{fmt(v)}` |")
        if rows:
            head = "| | value |" if not card.gradient.available else f"| | {_mode(card)} |"
            parts.append("\n".join([head, "|---|---|", *rows]))
        parts.append(check_line(card) + _check_detail(card))
    if card.verdict is None:
        parts.append(f"Cost: {cost_line(card)}" + _cost_detail(card))
        picture = _plot_markdown(card)
        if picture:
            parts.append(picture)
    problems = [f"- ⚠ `{p.code}` line {p.line + 1}: {p.message}" for p in card.problems]
    problems += [f"- ⚠ line {line + 1}: {note}" if line is not None else f"- ⚠ {note}"
                 for line, note in kinks(card)]
    extra = _unavailable_lines(card)
    if problems or extra:
        parts.append("\n".join(problems + extra))
    return "\n\n".join(parts)


# -- the picture ---------------------------------------------------------------------------

_W, _H, _PAD = 260, 84, 6
_F_COLOR, _DF_COLOR, _AXIS = "#4f8fe6", "#e8952c", "#8a8a8a"


def plot_svg(card: Card) -> str | None:
    """A small SVG of f (solid) and ∂f/∂p (dashed) around the point, each scaled to the
    box, with the point marked; None when the card has no plot."""
    p = card.plot
    if not p.available or len(p.xs) < 2:
        return None
    x_lo, x_hi = p.xs[0], p.xs[-1]

    def sx(x: float) -> float:
        return _PAD + (x - x_lo) / (x_hi - x_lo) * (_W - 2 * _PAD)

    def path(ys: list[float | None]) -> str:
        finite = [y for y in ys if y is not None]
        if not finite:
            return ""
        lo, hi = min(finite), max(finite)
        span = hi - lo or 1.0
        pts, parts = [], []
        for x, y in zip(p.xs, ys, strict=True):
            if y is None:  # a gap (outside the domain): start a new segment
                if len(pts) > 1:
                    parts.append(pts)
                pts = []
                continue
            sy = _H - _PAD - (y - lo) / span * (_H - 2 * _PAD)
            pts.append(f"{sx(x):.1f},{sy:.1f}")
        if len(pts) > 1:
            parts.append(pts)
        return "".join(f'<polyline points="{" ".join(seg)}"/>' for seg in parts)

    name = card.gradient_of or card.function
    x0 = sx(p.x0)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H + 14}" '
        f'font-family="sans-serif" font-size="10">'
        f'<line x1="{x0:.1f}" y1="{_PAD}" x2="{x0:.1f}" y2="{_H - _PAD}" stroke="{_AXIS}" '
        f'stroke-dasharray="1,2"/>'
        f'<g fill="none" stroke="{_F_COLOR}" stroke-width="1.6">{path(p.f)}</g>'
        f'<g fill="none" stroke="{_DF_COLOR}" stroke-width="1.4" stroke-dasharray="4,2">'
        f"{path(p.df)}</g>"
        f'<text x="{_PAD}" y="{_H + 11}" fill="{_F_COLOR}">— {_esc(name)}</text>'
        f'<text x="{_W / 2:.0f}" y="{_H + 11}" fill="{_DF_COLOR}">- - ∂{_esc(name)}/∂'
        f"{_esc(p.param)}</text></svg>"
    )


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plot_markdown(card: Card) -> str | None:
    svg = plot_svg(card)
    if svg is None:
        return None
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    p = card.plot
    return (f"![{card.function} and its derivative in {p.param} around {p.param}={fmt(p.x0)}]"
            f"(data:image/svg+xml;base64,{data})")


def _check_detail(card: Card) -> str:
    c = card.check
    if c.available and c.passed:
        return f" (max rel err {_err(c.max_rel_err)})"
    return ""


def _cost_detail(card: Card) -> str:
    c = card.cost
    if not c.available:
        return ""
    bits = [f"{c.n_inputs} in → {c.n_outputs} out"] if c.n_inputs is not None else []
    if c.ops is not None:
        bits.append(f"{c.ops} ops")
    if c.source:
        bits.append(c.source)
    return f" ({', '.join(bits)})" if bits else ""


def _verdict_markdown(card: Card) -> str:
    v = card.verdict
    assert v is not None
    lines = [verdict_line(card)]
    if v.available and v.components:
        lines.append("")
        lines.append("| component | hand-written | AD | |")
        lines.append("|---|---|---|---|")
        for c in v.components[:12]:
            mark = "✓" if c.ok else "✗"
            lines.append(
                f"| ∂{v.target}/∂{c.component} | `{fmt(c.hand)}` | `{fmt(c.ad)}` | {mark} |"
            )
    if v.fd_passed is not None:
        word = "agrees" if v.fd_passed else "disagrees"
        lines.append(f"\nFinite differences {word} with the hand-written gradient.")
    return "\n".join(lines)


def _component(target: str, c: Component, quote: str = "") -> str:
    mark = "✓" if c.ok else "✗"
    hand, ad = f"{quote}{fmt(c.hand)}{quote}", f"{quote}{fmt(c.ad)}{quote}"
    return f"{mark} ∂{target}/∂{c.component}: hand-written {hand}, AD {ad}"


def param_markdown(card: Card, name: str) -> str:
    """The hover on a parameter: that partial only."""
    d = _d(card, name)
    parts = [f"**{d}** {_point_line(card)}"]
    lines = _expr_lines(card, only=name)
    if lines:
        parts.append(_code(lines))
    if name in card.gradient.values:
        parts.append(f"{d} = `{fmt(card.gradient.values[name])}` ({_mode(card)})")
    elif card.verdict is not None and card.verdict.available:
        comps = [c for c in card.verdict.components if c.component.split("[")[0] == name]
        for c in comps[:6]:
            parts.append(_component(card.verdict.target, c, "`"))
    elif card.gradient.reason:
        parts.append(f"*gradient {_why(card.gradient.reason)}*")
    return "\n\n".join(parts)


def line_markdown(card: Card, line: int) -> str | None:
    """The hover on a body line: each intermediate it made, its value and adjoint."""
    rows = [r for r in card.trace.rows if r.line == line]
    if not rows:
        return None
    f = card.function
    out = [
        f"**line {line + 1}** {_point_line(card)}",
        "",
        f"| step | value | adjoint ∂{f}/∂· |",
        "|---|---|---|",
    ]
    for r in rows[:20]:
        out.append(f"| `{r.text}` | `{fmt(r.value)}` | `{fmt(r.adjoint)}` |")
    if len(rows) > 20:
        out.append(f"| … {len(rows) - 20} more | | |")
    return "\n".join(out)


def document_markdown(card: Card) -> str:
    """A whole document: derivatives (with CSE), values, check, cost, Wengert list."""
    out = [f"# {_signature(card)}", "", _point_line(card).capitalize(), ""]
    e = card.expressions
    out.append("## Derivatives")
    if e.available:
        out.append(_code(_expr_lines(card)))
        f = card.gradient_of or card.function
        swell = f"{e.partial_ops} operations in the partials, {e.ops} in {f}"
        out.append(f"\nExpression size: {swell}.")
        for line, msg in e.errors:
            out.append(f"- line {line + 1 if line is not None else '?'}: {msg}")
    else:
        out.append(_why(e.reason))
    out += ["", "## At the point", "", markdown(card).split("\n\n", 1)[-1]]
    out += ["", "## Wengert list (reverse mode)"]
    if card.trace.available:
        rows = [
            f"{r.text:<28} value {fmt(r.value):<12} adjoint {fmt(r.adjoint)}"
            for r in card.trace.rows
        ]
        out.append(_code(rows or [card.trace.text]))
    else:
        out.append(_why(card.trace.reason))
    return "\n".join(out)


# -- terminal --------------------------------------------------------------------------------


def text(card: Card, trace: bool = False) -> str:
    """The card for a terminal: a header line, then indented sections
    (with ``trace``, the Wengert list with values and adjoints too)."""
    kind = f"  (hand-written gradient of {card.gradient_of})" if card.gradient_of else ""
    lines = [
        f"{_signature(card)}  line {card.line + 1}{kind}",
        f"  point   {_point_line(card)[3:]}",
    ]
    if card.status in ("timeout", "oom", "error") and (card.value_error or card.message):
        lines.append(f"  status  {_status_word(card)}")
    elif card.status == "static":
        lines.append(f"  status  {card.message}")
    exprs = _expr_lines(card)
    for i, e in enumerate(exprs):
        lines.append(("  ∂       " if i == 0 else "          ") + e)
    if not card.expressions.available:
        lines.append(f"  ∂       {_why(card.expressions.reason)}")
    if card.verdict is None:
        if card.value is not None:
            lines.append(f"  value   {card.function} = {fmt(card.value)}")
        if card.gradient.available:
            for i, (p, v) in enumerate(card.gradient.values.items()):
                label = "  ∇       " if i == 0 else "          "
                lines.append(f"{label}{_d(card, p)} = {fmt(v)}")
            lines[-len(card.gradient.values)] += f"   ({_mode(card)})"
        elif card.status != "static":
            lines.append(f"  ∇       {_why(card.gradient.reason)}")
        lines.append(f"  check   {check_line(card)}{_check_detail(card)}")
    else:
        lines.append(f"  verdict {verdict_line(card)}")
        v = card.verdict
        for c in v.components[:12] if v.available else []:
            lines.append("          " + _component(v.target, c))
        if v.fd_passed is not None:
            lines.append(f"          finite differences {'agree' if v.fd_passed else 'disagree'}")
    if card.verdict is None:
        lines.append(f"  cost    {cost_line(card)}{_cost_detail(card)}")
    for p in card.problems:
        lines.append(f"  ⚠ {p.code} (line {p.line + 1}): {p.message}")
    for line, note in kinks(card):
        where = f" (line {line + 1})" if line is not None else ""
        lines.append(f"  ⚠ non-differentiable{where}: {note}")
    if trace:
        if card.trace.available:
            lines.append("  trace   (Wengert list: value, adjoint ∂out/∂v)")
            lines.extend("          " + row for row in card.trace.text.splitlines())
        else:
            lines.append(f"  trace   {_why(card.trace.reason)}")
    return "\n".join(lines)


# -- JSON ------------------------------------------------------------------------------------


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
    d = dataclasses.asdict(card)
    d = {"schema": JSON_SCHEMA_VERSION, **d}
    d["lens_titles"] = lens_titles(card)
    return _finite(d)

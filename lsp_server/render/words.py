"""The sentences every output shares: numbers, the point, the verdict, the cost, the status.

A lens title, a hover, a terminal card, a notification and a diagnostic say the same
thing in the same words because they all come from here. Each statement is built from
what the card holds (`Card.check` is ``ad.check_grad``'s verdict); nothing here
decides anything the card does not say.

    >>> fmt(0.1234567891), fmt([1.0] * 8)
    ('0.123457', '[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, … 8 items]')
"""

from __future__ import annotations

import math
from typing import Any

from lsp_server.cards import Card
from lsp_server.kernel.schema import Check, Component, Failure

_MAX_ITEMS = 6
COMPUTING = "computing…"
WHO = {"hand": "the hand-written function", "ad": "AD", "fd": "finite differences"}
LABEL = {"hand": "hand-written", "ad": "AD", "fd": "finite differences"}  # a number's name


# -- numbers -------------------------------------------------------------------------------


def fmt(v: Any, digits: int = 6) -> str:
    """Compact number: ``0.958851``, ``1.2e-08``, ``[0.1, 0.2, …]`` (6 items at most)."""
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, int):
        try:
            return str(v)
        except ValueError:  # more than 4300 decimal digits
            return f"<an integer of {v.bit_length()} bits>"
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            return str(v)
        if v == 0:
            return "0.0"
        short = repr(v)
        if len(short) <= digits + 2:
            return short
        rounded = f"{v:.{digits}g}"
        return rounded + ".0" if rounded.lstrip("-").isdigit() else rounded
    if isinstance(v, str):
        return repr(v)
    if isinstance(v, (list, tuple)):
        items = [fmt(x, digits) for x in v[:_MAX_ITEMS]]
        if len(v) > _MAX_ITEMS:
            items.append(f"… {len(v)} items")
        return "[" + ", ".join(items) + "]"
    if isinstance(v, dict):
        if "complex" in v:
            re_, im = v["complex"]
            return f"({fmt(re_, digits)}{'+' if im >= 0 else '-'}{fmt(abs(im), digits)}j)"
        if set(v) == {"repr"}:
            return str(v["repr"])
        return "{" + ", ".join(f"{k}: {fmt(x, digits)}" for k, x in list(v.items())[:6]) + "}"
    return str(v)


def err(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1e}"


def partial(card: Card, param: str) -> str:
    return f"∂{card.target}/∂{param}"


def signature(card: Card) -> str:
    return f"{card.function}({', '.join(card.params)})"


def point_line(card: Card) -> str:
    src = card.point.source
    if card.point.synthetic and src != "synthetic":
        src += f"; synthetic {', '.join(card.point.synthetic)}"
    return f"at {card.point.text or '(no parameters)'} ({src})"


def point_text(card: Card) -> str:
    return card.point.text or "the evaluation point"


def at_line(failure: Failure | None) -> str:
    """`` (line 6)`` for a failure that knows its (0-based) document line."""
    return f" (line {failure.line + 1})" if failure is not None and failure.line is not None \
        else ""


def unavailable(card: Card, section: str) -> str:
    """``unavailable: <why>`` for an absent section (``computing…`` while pending)."""
    if card.pending and section not in card.missing:
        return COMPUTING
    failure = card.missing.get(section)
    if failure is None:
        return "unavailable"
    return f"unavailable: {failure.message}{at_line(failure)}"


def mode(card: Card) -> str:
    m = card.gradient.mode if card.gradient is not None else "reverse"
    return f"{m} mode" if m in ("reverse", "forward") else m


# -- status ----------------------------------------------------------------------------------


def failed(card: Card) -> bool:
    """The kernel request failed as a whole: the function raised, timed out, ran out of
    memory, or the kernel died."""
    return card.status in ("timeout", "oom", "crashed", "error")


def status_word(card: Card) -> str:
    if card.status == "timeout":
        return card.message or "timed out"
    if card.status == "oom":
        return card.message or "out of memory"
    if card.status == "crashed":
        return card.message or "the kernel crashed"
    if card.status == "error":
        value = card.missing.get("value")
        failure = value if value is not None else card.error
        if failure is not None:
            return f"error{at_line(failure)}: {failure.message}"
        return f"error: {card.message}"
    return card.status


def static_reason(card: Card) -> str:
    if "not trusted" in card.message:
        return "workspace not trusted"
    return "code execution is off"


# -- the verdict -------------------------------------------------------------------------------


def check_line(card: Card) -> str:
    """One line on the gradient check: ✓ / ✗ only when values were computed and compared,
    otherwise what could not be checked and why."""
    f = card.target
    hand = card.kind == "gradient"
    if card.pending:
        return f"∇{f}: {COMPUTING}"
    if card.status == "static":
        return f"∇{f}: {'not checked' if hand else 'static only'} ({static_reason(card)})"
    c = card.check
    if c is None and card.value is not None and not card.value.differentiable:
        return f"∇{f}: none ({card.function} returns {card.value.describe})"
    if c is None:
        return f"∇{f}: check {unavailable(card, 'check')}"
    if c.outcome == "verified":
        return f"✓ matches ∇{f}" if hand else f"✓ ∇{f} matches finite differences"
    if c.outcome == "wrong":
        w = worst(c)
        if w is None:
            return f"✗ does not match ∇{f}" if hand else f"✗ ∇{f} differs from finite differences"
        if hand:
            return (f"✗ ∂{f}/∂{w.name}: hand-written {fmt(w.hand)}, AD {fmt(w.ad)} "
                    f"at {_point_of(card, w)}")
        return (f"✗ ∂{f}/∂{w.name}: AD {fmt(w.ad)}, finite differences {fmt(w.fd)} "
                f"at {_point_of(card, w)}")
    return f"∇{f} not checked: {why_unverified(card, c)}"


def check_detail(card: Card) -> str:
    """`` (max rel err 1.2e-11)`` after a verified check of AD against finite differences."""
    c = card.check
    if c is not None and c.outcome == "verified" and c.subject == "ad":
        return f" (max rel err {err(c.max_rel_err)})"
    return ""


def why_unverified(card: Card, c: Check) -> str:
    """What kept a check from a verdict, in a few words (the hover has the details)."""
    for who in ("hand", "ad", "fd"):
        failure = c.failures.get(who)
        if failure is None:
            continue
        if who == "ad":
            return f"AD could not differentiate {c.target}{at_line(failure)}"
        if who == "fd":
            return f"finite differences could not evaluate {c.target}{at_line(failure)}"
        return f"{card.function}: {failure.message}{at_line(failure)}"
    return c.message  # NaN at the point: check_grad says which component


def worst(c: Check) -> Component | None:
    return next((x for x in c.components if x.name == c.worst), None)


def _point_of(card: Card, w: Component) -> str:
    name = w.name.split("[", 1)[0]
    if name in card.point.values:
        return f"{name}={fmt(card.point.values[name])}"
    return card.point.text


def agreement(c: Component) -> str:
    """Which of the three numbers agree: ``all agree``, ``hand-written differs``, ..."""
    known = {tuple(LABEL[w] for w in pair.split("=")): ok for pair, ok in c.agree.items()}
    if not known:
        return "not comparable"
    if all(known.values()):
        return "all agree" if len(known) == 3 else "agree"
    if len(known) == 3 and sum(known.values()) == 1:
        (odd,) = {"hand-written", "AD", "finite differences"} - set(
            next(k for k, v in known.items() if v))
        return f"{odd} differs" if odd != "finite differences" else "finite differences differ"
    return ", ".join(f"{a} {'=' if v else '≠'} {b}" for (a, b), v in known.items())


def component_line(target: str, c: Component) -> str:
    """``∂f/∂y: hand-written 3.0, AD 1.5, finite differences 1.5 (hand-written differs)``."""
    values = [f"{LABEL[who]} {fmt(v)}" for who, v in (("hand", c.hand), ("ad", c.ad), ("fd", c.fd))
              if v is not None]
    return f"∂{target}/∂{c.name}: {', '.join(values)} ({agreement(c)})"


def component_mark(c: Component, subject: str) -> str:
    decisive = c.agree.get("hand=ad" if subject == "hand" else "ad=fd")
    return "✓" if decisive else "✗" if decisive is False else "·"


def failure_lines(card: Card) -> list[str]:
    """One line per gradient that could not be computed, with the line and the reason."""
    c = card.check
    if c is None:
        return []
    out = []
    for who in ("hand", "ad", "fd"):
        failure = c.failures.get(who)
        if who == "ad" and failure is not None and card.why("gradient") == failure.message:
            continue  # the gradient's own line already says it
        if failure is not None:
            what = card.function if who == "hand" else WHO[who]
            out.append(f"{what} could not run{at_line(failure)}: {failure.message}")
    return out


# -- cost, lenses, notifications ---------------------------------------------------------------


def cost_line(card: Card) -> str:
    """``rev 1 pass · fwd 3 passes → reverse``."""
    c = card.cost
    if c is None:
        return f"cost {unavailable(card, 'cost')}"

    def passes(n: int) -> str:
        return f"{n} pass" + ("" if n == 1 else "es")

    return f"rev {passes(c.reverse_passes)} · fwd {passes(c.forward_passes)} → {c.recommended}"


LENS_WIDTH = 90  # a lens is one line above the code: the hover has the rest


def lens_titles(card: Card) -> list[str]:
    """Code lens titles: the check (or the verdict on a hand-written derivative) and, for
    a function, its cost line; each cut to `LENS_WIDTH` characters."""
    titles = [f"{card.function}: {status_word(card)}" if failed(card) else check_line(card)]
    if card.kind == "function":
        titles.append(cost_line(card))
    return [t if len(t) <= LENS_WIDTH else t[: LENS_WIDTH - 1] + "…" for t in titles]


def summary(card: Card) -> str:
    """One sentence for a notification."""
    if failed(card):
        return f"{card.function} {point_line(card)}: {status_word(card)}"
    head = check_line(card)
    if card.gradient is not None and card.kind == "function":
        vals = ", ".join(f"{partial(card, k)} = {fmt(v)}" for k, v in card.gradient.values.items())
        return f"{head} {point_line(card)}: {vals}"
    return f"{head} ({point_line(card)})"


def kinks(card: Card) -> list[tuple[int | None, str]]:
    """(document line, convention) for each distinct non-differentiable point reached."""
    seen: dict[tuple[int | None, str], None] = {}
    for r in card.trace.rows if card.trace is not None else ():
        if r.kink:
            seen.setdefault((r.line, r.kink), None)
    return list(seen)

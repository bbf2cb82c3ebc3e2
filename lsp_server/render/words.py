"""The sentences every output shares: numbers, the point, the verdict, the cost, the status.

A lens title, a hover, a terminal card, a notification and a diagnostic say the same
thing in the same words because they all come from here. Each statement is built from
what the card holds (`Card.check` is ``ad.check_grad``'s verdict); nothing here
decides anything the card does not say.

    >>> fmt(0.1234567891), fmt([1.0] * 8)
    ('0.123457', '[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, … 8 items]')
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

from lsp_server.analysis import problem_severity
from lsp_server.cards import Card
from lsp_server.kernel.schema import Binding, Check, Component, Failure, NonFinite, WhereTrap

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
    note = f"; {card.point.note}" if card.point.note else ""
    return f"at {card.point.text or '(no parameters)'} ({src}{note})"


def point_text(card: Card) -> str:
    return card.point.text or "the evaluation point"


# How a 0-based document line is named: ``line 12`` in a file. A notebook cell's card
# is computed on the cell's view (the cells above it, then its own: see
# `lsp_server.analysis.notebook`), whose lines are not the ones the user sees; the editor
# names them for the cell while it renders (`line_names`).
_LINE_NAMER: contextvars.ContextVar[Callable[[int], str] | None] = contextvars.ContextVar(
    "adlens_line_namer", default=None)


def line_name(line: int) -> str:
    """``line 12`` for 0-based document line 11 (or what the current `line_names` says)."""
    namer = _LINE_NAMER.get()
    return namer(line) if namer is not None else f"line {line + 1}"


@contextlib.contextmanager
def line_names(namer: Callable[[int], str] | None) -> Iterator[None]:
    """Render with another naming of lines (a notebook cell: ``line 3``, ``cell 1, line 5``)."""
    token = _LINE_NAMER.set(namer)
    try:
        yield
    finally:
        _LINE_NAMER.reset(token)


def at_line(failure: Failure | None) -> str:
    """`` (line 6)`` for a failure that knows its (0-based) document line."""
    return f" ({line_name(failure.line)})" if failure is not None and failure.line is not None \
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


def checked(card: Card) -> str:
    """What a verdict is about: ``∇f``, ``∂f/∂x``, ``the Jacobian of f w.r.t. y``,
    ``the Hessian of f``, ``df/dz (elementwise)``, ``−∂E/∂r``..."""
    f = card.target
    c = card.check
    if c is None or c.subject != "hand":
        return f"∇{f}"
    wrt = ", ".join(c.wrt)
    held = bool(c.held)
    return {
        "gradient": f"∇{f}" + (f" w.r.t. {wrt}" if held else ""),
        "partial": f"∂{f}/∂{wrt}",
        "derivative": f"d{f}/d{wrt} (elementwise)" if len(c.wrt) == 1
        else f"the derivative of {f} (elementwise)",
        "jacobian": f"the Jacobian of {f} w.r.t. {wrt}",
        "hessian": f"the Hessian of {f}" + (f" w.r.t. {wrt}" if held else ""),
        "hessian-vector product": f"the Hessian of {f} times the vector",
        "weighted hessian": f"the Hessian of {_weighted(f, c)}"
        + (f" w.r.t. {wrt}" if held else ""),
        "parameter derivatives": f"∂{f}/∂({wrt})",
        "force": f"−∂{f}/∂{wrt}",
    }.get(c.kind, f"∇{f}")


def _weighted(f: str, c: Check) -> str:
    """``v·f``: a weighted Hessian's function (``hess(x, v)``), its vector named as the
    check's target names it (``v·fun``)."""
    vector = c.target.partition("·")[0] if "·" in c.target else "v"
    return f"{vector}·{f}"


def not_paired(card: Card) -> str | None:
    """Why a hand-written derivative turned out not to be one (its output does not fit)."""
    p = card.pairing
    if card.kind == "gradient" and p is not None and not p.fits:
        return f"not a derivative of {card.target}: {p.message}"
    return None


def check_line(card: Card) -> str:
    """One line on the gradient check: ✓ / ✗ only when values were computed and compared,
    otherwise what could not be checked and why."""
    f = card.target
    hand = card.kind == "gradient"
    if card.pending:
        return f"∇{f}: {COMPUTING}"
    if card.status == "static":
        return f"∇{f}: {'not checked' if hand else 'static only'} ({static_reason(card)})"
    unpaired = not_paired(card)
    if unpaired is not None:
        return f"not checked: {unpaired}"
    c = card.check
    if c is None and card.value is not None and not card.value.differentiable and not hand \
            and card.gradient is None:  # with one (a complex or True/False output), say why
        return f"∇{f}: none ({card.function} returns {card.value.describe})"
    if c is None:
        return f"∇{f}: check {unavailable(card, 'check')}"
    if c.outcome == "verified":
        return f"✓ matches {checked(card)}" if c.subject == "hand" \
            else f"✓ ∇{f} matches finite differences"
    if c.outcome == "wrong":
        w = worst(c)
        if w is None:
            return f"✗ does not match {checked(card)}" if c.subject == "hand" \
                else f"✗ ∇{f} differs from finite differences"
        if c.subject == "hand":
            on = f" with self = {c.at_instance}" if c.at_instance else ""
            return (f"✗ {component_partial(f, c, w)}: hand-written {fmt(w.hand)}, AD "
                    f"{fmt(w.ad)} at {_point_of(card, w)}{on}")
        return (f"✗ ∂{f}/∂{w.name}: AD {fmt(w.ad)}, finite differences {fmt(w.fd)} "
                f"at {_point_of(card, w)}")
    return f"{checked(card)} not checked: {why_unverified(card, c)}"


def component_partial(target: str, c: Check, x: Component) -> str:
    """The derivative one component is: ``∂f/∂x[1]``, ``∂f[0]/∂y[1]`` (a Jacobian's row),
    ``∂²f/∂x[0]∂x[1]`` (a Hessian's), ``−∂E/∂r`` (a force)."""
    if c.kind == "weighted hessian":
        target = f"({_weighted(target, c)})"
    if c.kind in ("hessian", "weighted hessian"):
        return f"∂²{target}/∂{x.output}∂{x.name}" if x.output else f"∂²{target}/∂{x.name}²"
    if c.kind == "hessian-vector product":
        return f"(∇²{target}·v)[{x.name}]"
    sign = "−" if c.kind == "force" else ""
    return f"{sign}∂{target}{x.output}/∂{x.name}"


def paired_line(card: Card) -> str:
    """Which rule paired a hand-written derivative, and how its output was read."""
    parts = [card.rule] if card.rule else []
    p = card.pairing
    if p is not None and p.fits and p.message:
        parts.append(f"read as {p.message}")
    return "; ".join(parts)


def instance_line(card: Card) -> str:
    """``self = Huber() (constructor)`` for a method."""
    i = card.instance
    if i is None:
        return ""
    how = {"constructor": "built without arguments", "directive": "from the directive",
           "synthetic": "synthetic: made-up arguments"}.get(i.source, i.source)
    return f"self = {i.text} ({how}{'; ' + i.note if i.note else ''})"


def unreached_line(card: Card) -> str:
    """``a, b held: they cannot reach the result`` (a discarded check's arguments)."""
    if not card.unreached:
        return ""
    names = ", ".join(card.unreached)
    verb = "it cannot" if len(card.unreached) == 1 else "they cannot"
    return f"{names} held: {verb} reach the result (not differentiated)"


def check_detail(card: Card) -> str:
    """`` (max rel err 1.2e-11)`` after a verified check of AD against finite differences."""
    c = card.check
    if c is not None and c.outcome == "verified" and c.subject == "ad":
        return f" (max rel err {err(c.max_rel_err)})"
    return ""


def directions_note(c: Check | None) -> str | None:
    """How a derivative too large to check entry by entry was checked (None: entry by
    entry)."""
    if c is None or not c.directions:
        return None
    return (f"checked along {c.directions} random directions v: each of the {c.rows:,} rows "
            "of the hand-written product with v against AD's; too many entries to check one "
            "by one")


def why_unverified(card: Card, c: Check) -> str:
    """What kept a check from a verdict, in a few words (the hover has the details)."""
    for who in ("hand", "ad", "fd"):
        failure = c.failures.get(who)
        if failure is None:
            continue
        if who == "ad":
            return f"AD could not differentiate {card.target}{at_line(failure)}"
        if who == "fd":
            return f"finite differences could not evaluate {card.target}{at_line(failure)}"
        return f"{card.function}: {failure.message}{at_line(failure)}"
    return c.message  # NaN at the point: check_grad says which component


def worst(c: Check) -> Component | None:
    name, _, output = (c.worst or "").partition("@")
    return next((x for x in c.components if x.name == name and x.output == output), None)


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


def component_line(target: str, c: Component, check: Check | None = None) -> str:
    """``∂f/∂y: hand-written 3.0, AD 1.5, finite differences 1.5 (hand-written differs)``."""
    values = [f"{LABEL[who]} {fmt(v)}" for who, v in (("hand", c.hand), ("ad", c.ad), ("fd", c.fd))
              if v is not None]
    what = component_partial(target, check, c) if check is not None else f"∂{target}/∂{c.name}"
    return f"{what}: {', '.join(values)} ({agreement(c)})"


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
        if who == "ad" and failure is not None and card.kind == "function" \
                and card.why("gradient") == failure.message:
            continue  # the gradient's own line already says it
        if failure is not None:
            what = card.function if who == "hand" else WHO[who]
            out.append(f"{what} could not run{at_line(failure)}: {failure.message}")
    return out


# -- cost, lenses, notifications ---------------------------------------------------------------


def cost_line(card: Card) -> str:
    """``rev 1 pass · fwd 3 passes batched → reverse``."""
    c = card.cost
    if c is None:
        return f"cost {unavailable(card, 'cost')}"

    if c.forward_passes == 0 or c.reverse_passes == 0:  # a mode with nothing to carry
        return "no derivative to compute: " + ("no float inputs" if c.forward_passes == 0
                                               else "no outputs")

    def passes(n: int) -> str:
        # ad_core's jacfwd/jacrev carry n > 1 directions as one batch through one sweep
        # (a few when memory asks for it), as ad.cost models them: the hover's summary
        # gives the number of sweeps.
        return "1 pass" if n == 1 else f"{n} passes batched"

    return f"rev {passes(c.reverse_passes)} · fwd {passes(c.forward_passes)} → {c.recommended}"


LENS_WIDTH = 90  # a lens is one line above the code: the hover has the rest


def lens_titles(card: Card) -> list[str]:
    """Code lens titles: the check (or the verdict on a hand-written derivative) and, for
    a function, its cost line; each cut to `LENS_WIDTH` characters."""
    titles = [f"{card.function}: {status_word(card)}" if failed(card) else check_line(card)]
    if card.kind == "function" and not (card.cost is not None and 0 in (
            card.cost.forward_passes, card.cost.reverse_passes)):
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


# -- debugging a gradient: NaN provenance, the where trap, inlay hints -----------------------


def lines_named(lines: list[int]) -> str:
    """``line 14``, ``lines 3, 4`` (or the cell's own naming: ``line 2, cell 1, line 5``)."""
    names = [line_name(x) for x in lines]
    if len(names) > 1 and all(n.startswith("line ") for n in names):
        return "lines " + ", ".join(n[5:] for n in names)
    return ", ".join(names)


def nonfinite_line(n: NonFinite) -> str:
    """``adjoint of sqrt(r) is inf at r = 0 (line 12); it reaches ∂f/∂x through line 14``."""
    where = f" ({line_name(n.line)})" if n.line is not None else ""
    via = f" through {lines_named(n.through)}" if n.through else ""
    return f"{n.what}{where}; it reaches {n.reaches}{via}"


def trap_line(w: WhereTrap) -> str:
    """``np.where does not take sqrt(x) at x = 0, but its derivative there is inf: PyTorch
    and JAX give NaN here (in ∂f/∂x); ad_core masks it (line 9)``."""
    where = [line_name(w.line)] if w.line is not None else []
    if w.branch_line is not None and w.branch_line != w.line:
        where.append(f"the infinite derivative is on {line_name(w.branch_line)}")
    return f"{w.what} ({'; '.join(where)})" if where else w.what


def problem_mark(code: str) -> str:
    """⚠ before a static warning, ℹ before information (the diagnostic's own severity)."""
    return "ℹ" if problem_severity(code) == "information" else "⚠"


def problems_shown(card: Card) -> list[Any]:
    """The card's static problems, less a where trap the point has confirmed (the card's
    own finding says it, for certain, on the same line)."""
    d = card.debug
    confirmed = {w.line for w in d.traps} if d is not None else set()
    return [p for p in card.problems if not (
        p.code == "where-trap" and any(p.line <= x <= p.end_line for x in confirmed))]


def debug_notes(card: Card) -> list[tuple[int | None, str, str]]:
    """(line, code, sentence) for each NaN source and where trap the card found."""
    d = card.debug
    if d is None:
        return []
    out: list[tuple[int | None, str, str]] = [(n.line, "nonfinite", nonfinite_line(n))
                                              for n in d.nonfinite]
    out += [(w.line, "where-trap", trap_line(w)) for w in d.traps]
    return out


BINDINGS_CUT = ("inlay hints: none (the function runs too long under tracing to record "
                "each statement's values)")

#: An adjoint is flagged as vanishing or exploding when its largest element, relative to
#: the output's own adjoint (1), is below VANISHING or above EXPLODING: six orders of
#: magnitude either way. An adjoint of exactly 0 is not flagged (the variable does not
#: reach the output at this point: a branch not taken, a ReLU that is off).
VANISHING = 1e-6
EXPLODING = 1e6
_HINT_DIGITS = 4


def bar(name: str) -> str:
    """The adjoint's name, as AD texts write it: ``x̄``."""
    return name + "\u0304"


def largest(v: Any) -> float | None:
    """max |x| over a number or nested lists of numbers (None: there are none)."""
    top: float | None = None
    todo = [v]
    while todo:
        x = todo.pop()
        if isinstance(x, list):
            todo.extend(x)
        elif isinstance(x, (int, float)) and not isinstance(x, bool):
            a = abs(float(x))
            if math.isnan(a):
                return a  # flagged as non-finite, whatever the rest
            top = a if top is None else max(top, a)
    return top


def adjoint_flag(top: float | None, output_adjoint: float | None) -> str:
    """"vanishing", "exploding", "non-finite" or "" for an adjoint whose largest element
    (in absolute value) is ``top``, against the output's own adjoint."""
    if top is None:
        return ""
    if not math.isfinite(top):
        return "non-finite"
    scale = abs(output_adjoint) if output_adjoint else 1.0
    ratio = top / scale
    if ratio == 0:
        return ""
    if ratio < VANISHING:
        return "vanishing"
    if ratio > EXPLODING:
        return "exploding"
    return ""


def binding_flag(b: Binding, output_adjoint: float | None) -> str:
    top = b.adjoint_max if b.adjoint_max is not None else largest(b.adjoint)
    return adjoint_flag(top, output_adjoint)


def hint_label(b: Binding, output_adjoint: float | None) -> str:
    """An inlay hint at the end of an assignment: ``= 0.47  x̄ = -1.2``; for an array
    ``= [0.1, 0.2]  ‖x̄‖ = 1.2`` (its norm alone when it is large); ``⚠ vanishing`` or
    ``⚠ exploding`` after an adjoint that is (see `VANISHING`); ``(last of 5)`` in a loop."""
    if b.shape and b.value is None:
        value = f"‖·‖ {fmt(b.norm, _HINT_DIGITS)} ({'×'.join(map(str, b.shape))})"
    else:
        value = fmt(b.value, _HINT_DIGITS)
    parts = [f"= {value}"]
    if b.adjoint_norm is not None and b.shape:
        parts.append(f"‖{bar(b.name)}‖ = {fmt(b.adjoint_norm, _HINT_DIGITS)}")
    elif b.adjoint is not None:
        parts.append(f"{bar(b.name)} = {fmt(b.adjoint, _HINT_DIGITS)}")
    flag = binding_flag(b, output_adjoint)
    if flag:  # a non-finite adjoint says so itself (and a diagnostic says where it came from)
        parts[-1] += " ⚠" if flag == "non-finite" else f" ⚠ {flag}"
    if b.count > 1:
        parts.append(f"(last of {b.count})")
    return "  ".join(parts)


def hint_tooltip(b: Binding, card: Card) -> str:
    """What the hint's numbers are, in words (shown when hovering the hint)."""
    f = card.target
    lines = [f"`{b.name}` {point_line(card)}" + (f", the last of the {b.count} times this "
                                                 "statement ran" if b.count > 1 else ""),
             f"value: `{fmt(b.value)}`" if b.value is not None else
             f"value: an array of shape {tuple(b.shape)}, norm {fmt(b.norm)}"]
    if b.adjoint is not None or b.adjoint_norm is not None:
        adj = f"`{fmt(b.adjoint)}`" if b.adjoint is not None else f"norm {fmt(b.adjoint_norm)}"
        lines.append(f"adjoint {bar(b.name)} = ∂{f}/∂{b.name}: {adj}")
    else:
        lines.append(f"no adjoint: {b.name} does not reach the output through "
                     "differentiable operations here")
    flag = binding_flag(b, card.debug.output_adjoint if card.debug else None)
    if flag in ("vanishing", "exploding"):
        lines.append(f"⚠ {flag}: its largest element is "
                     f"{'below' if flag == 'vanishing' else 'above'} "
                     f"{VANISHING if flag == 'vanishing' else EXPLODING:g} times the output's "
                     "adjoint")
    return "\n\n".join(lines)


# -- source transformation (ad.sct), the second technique -----------------------------------

SCT = "source transformation"


def sct_line(card: Card) -> str | None:
    """``✓ source transformation agrees with the tape`` when ``ad.sct.grad`` and ``ad.grad``
    were both computed at the point and agree; ✗ only when their values disagree; a
    construct ad.sct does not transform is ``not transformed: try (line 5)``. None when
    it was not computed (a static card, an array output, the function failed)."""
    s = card.sct
    if s is None:
        return None
    if s.outcome == "agrees":
        return f"✓ {SCT} agrees: ad.sct.grad = ad.grad (the tape)"
    if s.outcome == "disagrees":
        if s.worst is not None and s.max_abs_err is not None:
            return (f"✗ {SCT} disagrees with the tape: ∂{card.target}/∂{s.worst} differs by "
                    f"{err(s.max_abs_err)} (ad.sct.grad vs ad.grad: a bug in AD Lens)")
        return f"✗ {SCT} disagrees with the tape: {s.message}"
    where = f" ({line_name(s.line)})" if s.line is not None else ""
    return f"{SCT}: not transformed: {s.construct or s.message}{where}"


def sct_technique(name: str, function: str, sympy_why: str | None) -> str:
    """The comment above inserted code that says which technique wrote it, and why not
    the symbolic one (wrapped at 88 columns: the user's linter reads it)."""
    why = f" SymPy could not: {sympy_why.rstrip('.')}." if sympy_why else ""
    text = (f"{name}: the gradient of {function}, written by AD Lens by {SCT} "
            f"(ad_core.sct).{why}")
    return "\n".join(textwrap.wrap(text, 86, initial_indent="# ", subsequent_indent="# ",
                                    break_on_hyphens=False))

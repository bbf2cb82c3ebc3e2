"""What a card reports as diagnostics: only what was computed.

A warning where computed values disagree (a wrong hand-written derivative, AD against
finite differences), where the evaluation point reached a non-differentiable point,
where a value or an adjoint became NaN or inf (and it reached the output or the
gradient), and where a ``where`` would give NaN in PyTorch and JAX; an information note
on the line where AD, the hand-written function or finite differences could not run. A
check that could not run is never a warning.

    >>> diagnostics  # doctest: +ELLIPSIS
    <function diagnostics at ...>
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lsp_server.analysis import Fix, Span
from lsp_server.cards import Card

from . import words


@dataclass(frozen=True)
class CardDiagnostic:
    """A finding from running the card. ``span`` None: put it on the def name."""

    span: Span | None
    code: str
    message: str
    severity: Literal["warning", "information"] = "warning"
    fix: Fix | None = None  # offered as a quick fix by the editor


def _line(line: int | None) -> Span | None:
    return Span(line, 0, line + 1, 0) if line is not None else None


def diagnostics(card: Card) -> list[CardDiagnostic]:
    out: list[CardDiagnostic] = []
    c = card.check
    if c is not None and c.outcome == "wrong":
        code = "wrong-gradient" if c.subject == "hand" else "gradient-check"
        out.append(CardDiagnostic(None, code, words.check_line(card).removeprefix("✗ ")))
    if c is not None:
        for who, failure in c.failures.items():
            what = card.function if who == "hand" else words.WHO[who]
            out.append(CardDiagnostic(
                _line(failure.line), "could-not-run",
                f"{what} could not run here at {words.point_text(card)}: {failure.message}",
                "information"))
    for line, note in words.kinks(card):
        out.append(CardDiagnostic(_line(line), "non-differentiable",
                                  f"at {words.point_text(card)}: {note}"))
    # Where NaN or inf came from, and where traps: on the line of the operation (the where).
    for line, code, sentence in words.debug_notes(card):
        out.append(CardDiagnostic(_line(line), code, sentence))
    for h in card.hints:  # the run says what to give it: the directive line, as a quick fix
        fix = None
        if h.fix is not None:
            f = h.fix
            fix = Fix(f.title, Span(f.line, f.col, f.end_line, f.end_col), f.text)
        out.append(CardDiagnostic(Span(h.line, h.col, h.end_line, h.end_col), h.code,
                                  h.message, "information", fix))
    return out

"""The source-transformation pieces of a hover are Markdown made of the user's text (the
file's name, a statement, what ad.sct refused): shown as that text, never rendered
(issue 15's escaping, applied to issue 14's hovers)."""

from __future__ import annotations

import dataclasses
import re

from lsp_server.cards import CardService, analyze
from lsp_server.kernel.schema import SctBlock, SctCheck, Transformed
from lsp_server.render import markdown, sct_hover

PAYLOAD = "![pixel](http://attacker.example/p.png) <img src=x> ``` `x` | *b*"
SOURCE = "def f(x=1.0):\n    return x * x\n"
_LINK = re.compile(r"(?<!\\)\]\(")
_HTML = re.compile(r"(?<!\\)<[A-Za-z/!]")


def _outside_code(md: str) -> str:
    md = re.sub(r"(?s)(`{3,})python\n.*?\n\1(?!`)", "", md)  # fenced: shown as is
    return re.sub(r"(`+)[^`].*?\1", "", md)


def _transformed() -> Transformed:
    return Transformed("# line 2: y = x\nx_bar = y_bar\n", "f_grad", "reverse", "f",
                       "<adlens slice>", [1, 1], [SctBlock(0, 1, 1)], {"f_grad": [0, 1]},
                       [], "", ["x"])


def test_a_hover_on_generated_code_shows_the_statement_and_file_as_text() -> None:
    statement = f"y = x  # {PAYLOAD}"
    md = sct_hover(_transformed(), 1, 1, statement, f"{PAYLOAD}.py", stale=True)
    assert statement in md  # the statement itself, in a fence no backtick run can close
    fence = re.search(r"(`{3,})python\n", md)
    assert fence is not None and len(fence.group(1)) > 3
    rest = _outside_code(md)
    assert "attacker.example" in rest  # the file's name is shown...
    assert not _LINK.search(rest) and not _HTML.search(rest), md  # ...as text


def test_the_cards_not_transformed_line_is_text() -> None:
    card = CardService(None, execution="never").card_sync(analyze(SOURCE), "f")
    card = dataclasses.replace(card, status="ok",
                               sct=SctCheck("not transformed", construct=PAYLOAD, line=3))
    md = markdown(card)
    assert "not transformed" in md
    rest = _outside_code(md)
    assert "attacker.example" in rest
    assert not _LINK.search(rest) and not _HTML.search(rest), md

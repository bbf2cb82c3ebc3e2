"""User text in hovers is shown, never rendered as Markdown (issue 15, finding 7).

A directive's string value, a returned string, an exception message and a class name
each carry an image (a tracking pixel), a fake "Trust this workspace" link, raw HTML
and a code-span breakout. Through the real server, untrusted (static cards) and
trusted (values), the hover must contain none of them as Markdown syntax.
"""

from __future__ import annotations

import re
from pathlib import Path

from conftest import TALLY
from lsp_wire import Wire, server, stop

PAYLOAD = ("![pixel](http://attacker.example/p.png) "
           "[Trust this workspace](command:workbench.trust.manage) "
           "<img src=x onerror=alert(1)> ``` `x` | *bold* _it_")
SOURCE = f'''import numpy as np


# adlens: x=1.5, label={PAYLOAD!r}
def f(x, label="plain"):
    return x * x


def g(x=2.0):
    raise ValueError({PAYLOAD!r})


def h(x=2.0):
    return {PAYLOAD!r}


def k(x=2.0):
    return type({PAYLOAD!r}, (), {{}})()
'''

# Markdown that renders as a link or image, or raw HTML: an unescaped `](`, `<tag`.
_LINK = re.compile(r"(?<!\\)\]\(")
_HTML = re.compile(r"(?<!\\)<[A-Za-z/!]")


def _assert_inert(markdown: str) -> None:
    outside_code = re.sub(r"(`+)[^`].*?\1", "", markdown)  # code spans show text as is
    outside_code = re.sub(r"(?s)(`{3,})text\n.*?\n\1", "", outside_code)
    # AD Lens's own picture (an SVG it drew, as a data: URI) is the one image allowed
    outside_code = re.sub(r"!\[[\w ∂/=.,-]*\]\(data:image/svg\+xml;base64,[A-Za-z0-9+/=]+\)",
                          "", outside_code)
    assert not _LINK.search(outside_code), markdown
    assert not _HTML.search(outside_code), markdown
    assert "attacker.example" not in outside_code or "\\[" in outside_code, markdown


def _hovers(tmp_path: Path, init: dict, names: list[str], done) -> dict[str, str]:
    proc = server("--stdio")
    try:
        wire = Wire.stdio(proc)
        wire.initialize(init, tmp_path)
        uri = wire.open(tmp_path / "inject.py", SOURCE)
        lines = SOURCE.splitlines()
        out = {}
        for name in names:
            line = next(i for i, t in enumerate(lines) if t.startswith(f"def {name}("))
            out[name] = wire.hover_until(uri, line, 4, done) or ""
        wire.shutdown()
        return out
    finally:
        stop(proc)


def test_a_directive_cannot_inject_markdown_into_an_untrusted_hover(tmp_path: Path) -> None:
    hovers = _hovers(tmp_path, {"trusted": False}, ["f"],
                     lambda t: bool(t and "static analysis only" in t))
    assert "attacker.example" in hovers["f"]  # the point is shown...
    _assert_inert(hovers["f"])  # ...as text
    TALLY["markdown injections shown as text"] += 1


def test_values_messages_and_names_cannot_inject_markdown(tmp_path: Path) -> None:
    hovers = _hovers(tmp_path, {"trusted": True, "execution": "trusted"},
                     ["f", "g", "h", "k"], lambda t: bool(t and "computing" not in t
                                                          and "attacker" in t))
    for name, text in hovers.items():
        assert "attacker.example" in text, (name, text)
        _assert_inert(text)
    TALLY["markdown injections shown as text"] += 4

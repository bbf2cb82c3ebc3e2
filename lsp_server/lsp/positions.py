"""Column conversion between the wire (UTF-16 code units) and the analysis (code points).

LSP positions count UTF-16 code units by default (and VS Code only offers UTF-16);
`lsp_server.analysis` spans count code points, like Python string indexing. The two
differ only for characters outside the Basic Multilingual Plane (emoji, some CJK
extensions), which take two UTF-16 units but one code point. Identifiers with
accents or CJK from the BMP are one unit in both.

    >>> utf16_to_codepoint("s = '😀' + x", 9)
    8
    >>> codepoint_to_utf16("s = '😀' + x", 8)
    9

Everything here is pure and total: out-of-range columns are clamped to the line,
so a stale or hostile position can never raise inside a handler.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "LineIndex",
    "codepoint_to_utf16",
    "utf16_len",
    "utf16_to_codepoint",
]


def utf16_len(text: str) -> int:
    """Length of `text` in UTF-16 code units.

    >>> utf16_len("a😀")
    3
    """
    if text.isascii():
        return len(text)
    # Astral characters (> U+FFFF) take a surrogate pair: one extra unit each.
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def utf16_to_codepoint(line: str, col16: int) -> int:
    """Code point column for UTF-16 column `col16` on `line`, clamped to [0, len(line)].

    A column that falls between the two halves of a surrogate pair maps to the
    character it splits (clients should never send one, but some do).
    """
    if col16 <= 0:
        return 0
    if line.isascii():
        return min(col16, len(line))
    units = 0
    for i, ch in enumerate(line):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > col16:
            return i
        if units == col16:
            return i + 1
    return len(line)


def codepoint_to_utf16(line: str, col: int) -> int:
    """UTF-16 column for code point column `col` on `line`, clamped to the line."""
    if col <= 0:
        return 0
    col = min(col, len(line))
    if line.isascii():
        return col
    return utf16_len(line[:col])


class LineIndex:
    """The lines of one document version, for converting positions both ways.

    Built once per (uri, version) and kept: pygls' `TextDocument.lines` re-splits the
    whole source on every access (pygls #538), which a hover must not pay for.
    """

    __slots__ = ("lines",)

    def __init__(self, text: str) -> None:
        # splitlines() also splits on \x0c, \x1c, U+2028...; LSP and `ast` only on
        # \n, \r\n and \r, so split on those alone to keep line numbers in step.
        self.lines: Sequence[str] = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")

    def __len__(self) -> int:
        return len(self.lines)

    def line(self, n: int) -> str | None:
        """Line `n` (0-based) without its terminator, or None when out of range."""
        if 0 <= n < len(self.lines):
            return self.lines[n]
        return None

    def to_codepoint(self, line: int, col16: int) -> tuple[int, int] | None:
        """(line, code point column) for a wire position; None when the line does not exist."""
        text = self.line(line)
        if text is None:
            return None
        return line, utf16_to_codepoint(text, col16)

    def to_utf16(self, line: int, col: int) -> tuple[int, int]:
        """(line, UTF-16 column) for an analysis position, clamped into the document."""
        if line < 0:
            return 0, 0
        if line >= len(self.lines):
            last = len(self.lines) - 1
            return last, utf16_len(self.lines[last])
        return line, codepoint_to_utf16(self.lines[line], col)

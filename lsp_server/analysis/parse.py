"""Tolerant parsing: a syntax error in one top-level block spares the others.

The whole file is parsed once; only when that fails is it cut into top-level
blocks (lines starting at column 0) that are parsed one by one. A block that
does not parse alone is retried joined with the next few (a decorator line, a
docstring with column-0 text, ...) before it is reported as a `BlockError`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from ad_core._ast_parse import parse as _parse_ast

from .model import BlockError, Span

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CONTINUATION = re.compile(r"(else|elif|except|finally)\b")
_MAX_JOIN = 8  # blocks joined at most when retrying a failing block
_PARSE_FAILURES = (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError,
                   SystemError)  # SystemError: CPython 3.11 AST state shared by threads


def split_lines(text: str) -> list[str]:
    """Lines as Python and LSP count them (\\n, \\r\\n, \\r), without endings."""
    return _LINE_BREAK.split(text)


@dataclass
class Source:
    """The document split into lines, with byte -> code point conversion."""

    text: str
    lines: list[str]

    @classmethod
    def of(cls, text: str) -> Source:
        return cls(text, split_lines(text))

    def col(self, line0: int, byte_col: int) -> int:
        """Code-point column of a UTF-8 byte offset on a 0-based line."""
        if line0 >= len(self.lines):
            return byte_col
        line = self.lines[line0]
        if line.isascii():
            return byte_col
        return len(line.encode("utf-8", "surrogatepass")[:byte_col].decode("utf-8", "ignore"))

    def span(self, node: ast.AST) -> Span:
        """Span of an AST node (its own lines; decorators not included)."""
        l0 = node.lineno - 1
        l1 = (node.end_lineno or node.lineno) - 1
        return Span(l0, self.col(l0, node.col_offset), l1, self.col(l1, node.end_col_offset or 0))

    def segment(self, span: Span) -> str:
        if span.line == span.end_line:
            return self.lines[span.line][span.col : span.end_col]
        parts = [self.lines[span.line][span.col :]]
        parts.extend(self.lines[span.line + 1 : span.end_line])
        parts.append(self.lines[span.end_line][: span.end_col])
        return "\n".join(parts)


def statement_span(src: Source, node: ast.stmt) -> Span:
    """Span of a top-level statement including its decorators."""
    span = src.span(node)
    decorators = getattr(node, "decorator_list", None) or []
    if decorators:
        first = min(d.lineno for d in decorators) - 1
        # the '@' sits on that line before the expression; top-level, so column 0
        span = Span(first, 0, span.end_line, span.end_col)
    return span


def _block_starts(lines: list[str]) -> list[int]:
    starts = []
    for i, line in enumerate(lines):
        if not line or line[0] in " \t\f#)]}":
            continue
        if _CONTINUATION.match(line):
            continue
        starts.append(i)
    return starts


def _parse(text: str, first_line: int = 0) -> tuple[ast.Module | None, str | None]:
    try:
        mod = _parse_ast(text)
        if first_line:
            ast.increment_lineno(mod, first_line)
        return mod, None
    except SyntaxError as e:
        return None, f"{e.msg} (line {e.lineno + first_line})" if e.lineno else str(e.msg)
    except (RecursionError, MemoryError):
        return None, "too deeply nested to parse"
    except _PARSE_FAILURES as e:  # null bytes (ValueError on 3.11), huge literals, ...
        return None, str(e) or type(e).__name__


def parse_statements(src: Source) -> tuple[list[ast.stmt], list[BlockError]]:
    """Top-level statements (with document line numbers) and the blocks that failed."""
    tree, _ = _parse(src.text)
    if tree is not None:
        return list(tree.body), []
    lines = src.lines
    starts = _block_starts(lines) + [len(lines)]
    stmts: list[ast.stmt] = []
    errors: list[BlockError] = []
    i = 0
    while i < len(starts) - 1:
        first_error = None
        for j in range(i + 1, min(i + 1 + _MAX_JOIN, len(starts))):
            a, b = starts[i], starts[j]
            mod, err = _parse("\n".join(lines[a:b]), a)
            if mod is not None:
                stmts.extend(mod.body)
                i = j
                break
            first_error = first_error or err
        else:
            a, b = starts[i], starts[i + 1]
            end = b - 1
            while end > a and not lines[end].strip():
                end -= 1
            errors.append(
                BlockError(Span(a, 0, end, len(lines[end])), first_error or "syntax error")
            )
            i += 1
    return stmts, errors

"""The property every fuzz test checks, written once: which functions must survive.

A document's functions are what Python says when the whole text parses. When it
does not, the analysis promises (lsp_server/analysis/parse.py) that a syntax error
in one top-level block spares the others: every top-level ``def`` whose block
(from its decorators to the next line that starts at column 0) parses on its own
keeps its card. "Keeps its card" is checked against the analysis of that block
alone (plus the ``# adlens:`` comments right above it): same name, parameters,
defaults, source, static problems and, for a function that is not a hand-written
gradient, the same evaluation point.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

from lsp_server.analysis import DocumentModel, FunctionInfo, analyze

_BREAK = re.compile(r"\r\n|\r|\n")
_CONTINUATION = re.compile(r"(else|elif|except|finally)\b")
_DEF = re.compile(r"(async\s+)?def\s+([^\W\d]\w*)")
_ALONE: dict[str, DocumentModel] = {}


@dataclass(frozen=True)
class Expected:
    name: str
    def_line: int  # 0-based line of `def` in the document
    alone_text: str  # the block (with the comments above it) as its own document
    offset: int  # document line of line 0 of alone_text


def lines_of(text: str) -> list[str]:
    return _BREAK.split(text)


def _starts_block(line: str) -> bool:
    return bool(line) and line[0] not in " \t\f#)]}" and not _CONTINUATION.match(line)


def _whole_parse(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None


def in_triple_string(lines: list[str]) -> list[bool]:
    """For each line: does it start inside a triple-quoted string? (A def there is
    text, not a function: Python agrees once the string is closed.)"""
    out, quote = [], ""
    for line in lines:
        out.append(bool(quote))
        i, n = 0, len(line)
        while i < n:
            c = line[i]
            if quote:
                if c == "\\":
                    i += 2
                    continue
                if line.startswith(quote, i):
                    i, quote = i + 3, ""
                    continue
                i += 1
            elif c == "#":
                break
            elif c in "'\"":
                if line.startswith(c * 3, i):
                    i, quote = i + 3, c * 3
                    continue
                j = i + 1  # a one-line string: to its closing quote or the line's end
                while j < n and line[j] != c:
                    j += 2 if line[j] == "\\" else 1
                i = j + 1
            else:
                i += 1
    return out


def expected_functions(text: str) -> list[Expected] | None:
    """The functions that must keep their card; None when the whole text parses
    (then the analysis must list exactly Python's own top-level defs)."""
    if _whole_parse(text) is not None:
        return None
    lines = lines_of(text)
    quoted = in_triple_string(lines)
    starts = [k for k, line in enumerate(lines) if _starts_block(line)] + [len(lines)]
    opens = {  # blocks that end inside a triple-quoted string they opened
        a for a, b in zip(starts, starts[1:]) if in_triple_string(lines[a:b] + [""])[-1]
    }
    out = []
    for i, line in enumerate(lines):
        m = _DEF.match(line)
        if not m or quoted[i]:
            continue
        # A broken document is ambiguous where a block above opens a string that a
        # later quote may close: then the def may be text, and the analysis (which
        # joins a failing block with up to 8 next ones) may read it so. Not checked.
        k = starts.index(i) if i in starts else 0
        if any(a in opens for a in starts[max(0, k - 10) : k]):
            continue
        first = i
        while True:  # decorators, multi-line ones too: the blocks above starting with @
            above = first - 1
            while above >= 0 and not _starts_block(lines[above]):
                above -= 1
            if above < 0 or not lines[above].startswith("@"):
                break
            first = above
        end = i + 1
        while end < len(lines) and not _starts_block(lines[end]):
            end += 1
        block = "\n".join(lines[first:end])
        tree = _whole_parse(block)
        if tree is None or len(tree.body) != 1:
            continue
        node = tree.body[0]
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        top = first
        while top > 0 and lines[top - 1].lstrip().startswith("#"):
            top -= 1
        alone = "\n".join(lines[top:end]) + "\n"
        out.append(Expected(node.name, i, alone, top))
    return out


def alone(text: str) -> DocumentModel:
    hit = _ALONE.get(text)
    if hit is None:
        if len(_ALONE) > 4096:
            _ALONE.clear()
        hit = _ALONE[text] = analyze(text)
    return hit


def _summary(fn: FunctionInfo, line_offset: int) -> dict[str, Any]:
    return {
        "name": fn.name,
        "params": [(p.name, p.kind, repr(p.default)) for p in fn.params],
        "source": fn.source,
        "def_line": fn.name_span.line - line_offset,
        "problems": [(p.code, p.span.line - line_offset, p.message) for p in fn.problems],
    }


def _expected_names(tree: ast.Module) -> list[str]:
    """Python's own top-level defs, and the methods of top-level classes as
    ``Class.method`` (properties and dunders other than ``__call__`` left out), in file
    order; a class defined twice lists its methods where the last definition is. Each is
    followed by the defs in its body (a property's too), through compound statements but
    not into defs, classes or lambdas, as ``outer.inner`` / ``Class.method.inner``: one
    per name, where its last def is."""
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef)
    last = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    names: list[str] = []
    for n in tree.body:
        if isinstance(n, kinds):
            names.append(n.name)
            names += _inner_names(n, n.name)
        elif isinstance(n, ast.ClassDef) and last[n.name] is n:
            methods = {m.name: m for m in n.body if isinstance(m, kinds)}
            for m in methods.values():
                dunder = m.name.startswith("__") and m.name.endswith("__")
                if dunder and m.name != "__call__":
                    continue
                if not _is_property(m):
                    names.append(f"{n.name}.{m.name}")
                names += _inner_names(m, f"{n.name}.{m.name}")
    return names


def _inner_names(fn: ast.FunctionDef | ast.AsyncFunctionDef, prefix: str) -> list[str]:
    found: list[ast.stmt] = []

    def visit(body: list[ast.stmt]) -> None:
        for s in body:
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.append(s)
            elif not isinstance(s, ast.ClassDef):
                for field in ("body", "orelse", "finalbody"):
                    visit(getattr(s, field, []) or [])
                for h in getattr(s, "handlers", []) or []:
                    visit(h.body)
                for c in getattr(s, "cases", []) or []:
                    visit(c.body)

    visit(fn.body)
    last = {d.name: d for d in found}  # type: ignore[attr-defined]
    return [f"{prefix}.{d.name}" for d in found if last[d.name] is d]  # type: ignore


def _is_property(m: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for d in m.decorator_list:
        name = d.id if isinstance(d, ast.Name) else d.attr if isinstance(d, ast.Attribute) else ""
        if name in ("property", "cached_property", "setter", "getter", "deleter"):
            return True
    return False


def check_model(text: str, model: DocumentModel) -> int:
    """Assert the property; returns how many functions were compared."""
    assert isinstance(model, DocumentModel)
    expected = expected_functions(text)
    if expected is None:
        tree = _whole_parse(text)
        assert tree is not None
        names = _expected_names(tree)
        assert [f.name for f in model.functions] == names
        assert not model.errors
        return len(names)
    by_line = {f.name_span.line: f for f in model.functions}
    for exp in expected:
        got = by_line.get(exp.def_line)
        assert got is not None, (
            f"{exp.name} (line {exp.def_line + 1}) parses on its own but lost its card; "
            f"errors: {[(e.span.line, e.message) for e in model.errors]}"
        )
        ref = alone(exp.alone_text).function(exp.name)
        assert ref is not None, f"{exp.name} alone was not analysed"
        assert _summary(got, exp.offset) == _summary(ref, 0)
        if got.gradient_of is None and ref.gradient_of is None:
            assert got.point.values == ref.point.values
            assert got.point.source == ref.point.source
    return len(expected)

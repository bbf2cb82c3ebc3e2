"""``analyze(text) -> DocumentModel``: pure, fast, never raises, never runs code."""

from __future__ import annotations

import ast
import functools
import hashlib
import re
from typing import Any

from .model import MISSING, BlockError, DocumentModel, FunctionInfo, Param, Point, Problem, Span
from .parse import Source, parse_statements, statement_span
from .points import (
    PointError,
    build_point,
    directive_lines,
    doctest_point,
    param_shapes,
    parse_assignments,
    split_directive,
)
from .problems import find_problems
from .slicing import ModuleSlicer

_FuncNode = ast.FunctionDef | ast.AsyncFunctionDef
_LINE_STMTS = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return)


def analyze(text: str) -> DocumentModel:
    """The functions of a Python document, with points, slices and problems.

    >>> analyze("def f(x=1.0):\\n    return x * x\\n").function("f").point.text
    'x=1.0'
    """
    if not isinstance(text, str):
        text = str(text)
    try:
        return _analyze_cached(text)
    except (RecursionError, MemoryError) as e:  # pathological input: say so, keep going
        return DocumentModel((), (BlockError(Span(0, 0, 0, 0), f"cannot analyze: {e!r}"),))


@functools.lru_cache(maxsize=16)
def _analyze_cached(text: str) -> DocumentModel:
    src = Source.of(text)
    stmts, errors = parse_statements(src)
    slicer = ModuleSlicer.build(src, stmts)
    nodes = [n for n in stmts if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    names = {n.name for n in nodes}
    arity = {n.name: _arity(n) for n in nodes}

    drafts: list[dict[str, Any]] = []
    for node in nodes:
        try:
            drafts.append(_draft(src, node, names, arity))
        except (RecursionError, MemoryError, ValueError) as e:
            errors.append(BlockError(statement_span(src, node), f"cannot analyze {node.name}: {e}"))
    points = {d["node"].name: d["point"] for d in drafts}
    functions: list[FunctionInfo] = []
    for d in drafts:
        node: _FuncNode = d["node"]
        target = d["gradient_of"]
        point = d["point"]
        if target and point.source == "synthetic" and target in points:
            # a gradient is called like its function: borrow that function's point
            tp = points[target]
            if [p.name for p in d["params"]] == list(tp.values):
                point = tp
        extra = (target,) if target else ()
        slice_source, slice_start, digest = slicer.slice_for(node, extra)
        functions.append(
            FunctionInfo(
                name=node.name,
                span=d["span"],
                name_span=d["name_span"],
                params=d["params"],
                source=src.segment(d["span"]),
                gradient_of=target,
                point=point,
                slice_source=slice_source,
                slice_hash=digest,
                problems=tuple(d["problems"]),
                differentiable=bool(d["params"]) and target is None and d["sync"],
                slice_start=slice_start,
                body_lines=d["body_lines"],
                docstring=d["doc"],
            )
        )
    errors.sort(key=lambda e: e.span.line)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return DocumentModel(tuple(functions), tuple(errors), digest)


def _arity(node: _FuncNode) -> int:
    a = node.args
    return len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs)


def _draft(src: Source, node: _FuncNode, names: set[str], arity: dict[str, int]) -> dict[str, Any]:
    span = statement_span(src, node)
    problems: list[Problem] = []

    # directives sit above the first decorator
    directive: dict[str, Any] = {}
    gradient_of = None
    params = _params(src, node)
    for line, content in directive_lines(src.lines, span.line):
        target, rest = split_directive(content)
        if target:
            gradient_of = target
        try:
            directive.update(parse_assignments(rest, params))
        except PointError as e:
            problems.append(
                Problem(Span(line, 0, line, len(src.lines[line])), "bad-directive", str(e))
            )
    if gradient_of is None:
        gradient_of = _paired(node.name, names, arity, _arity(node))

    doc = ast.get_docstring(node, clean=True)
    point = build_point(
        params, directive, doctest_point(doc, node.name, params), param_shapes(node)
    )
    problems.extend(find_problems(src, node))
    return {
        "node": node,
        "span": span,
        "name_span": _name_span(src, node),
        "params": params,
        "gradient_of": gradient_of,
        "point": point,
        "problems": problems,
        "body_lines": _body_lines(node),
        "doc": doc,
        "sync": isinstance(node, ast.FunctionDef),
    }


def _paired(name: str, names: set[str], arity: dict[str, int], own_arity: int) -> str | None:
    """The function ``name`` is a hand-written gradient of, by the naming rule.

    A candidate must exist in the file and take as many parameters (a gradient
    is called with the same arguments), which keeps ``df(data)`` from pairing
    with an unrelated ``f(x, y)``.
    """
    candidates = []
    for pattern in (r"(\w+)_grad", r"grad_(\w+)", r"(\w+)_prime", r"(\w+)prime", r"jac_(\w+)",
                    r"d(\w+)d[A-Za-z]\w*", r"d(\w+)"):  # fmt: skip
        m = re.fullmatch(pattern, name)
        if m:
            candidates.append(m.group(1))
    for c in candidates:
        if c != name and c in names and arity[c] == own_arity:
            return c
    return None


def _params(src: Source, node: _FuncNode) -> tuple[Param, ...]:
    a = node.args
    positional = a.posonlyargs + a.args
    defaults: list[Any] = [MISSING] * (len(positional) - len(a.defaults)) + list(a.defaults)
    out: list[Param] = []

    def add(arg: ast.arg, default: Any, kind: str) -> None:
        s = src.span(arg)
        value = MISSING
        if default is not MISSING and default is not None:
            try:
                value = ast.literal_eval(default)
            except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
                value = MISSING
        out.append(Param(arg.arg, Span(s.line, s.col, s.line, s.col + len(arg.arg)), value, kind))  # type: ignore[arg-type]

    for arg, d in zip(positional, defaults, strict=False):
        add(arg, d, "positional")
    if a.vararg:
        add(a.vararg, MISSING, "varargs")
    for arg, d in zip(a.kwonlyargs, a.kw_defaults, strict=False):
        add(arg, d if d is not None else MISSING, "keyword")
    if a.kwarg:
        add(a.kwarg, MISSING, "varkw")
    return tuple(out)


def _name_span(src: Source, node: _FuncNode) -> Span:
    line0 = node.lineno - 1
    text = src.lines[line0]
    col = src.col(line0, node.col_offset)
    m = re.compile(r"(?:async\s+)?def\s+").match(text, col)
    start = m.end() if m else col
    return Span(line0, start, line0, start + len(node.name))


def _body_lines(node: _FuncNode) -> tuple[int, ...]:
    lines: set[int] = set()
    for sub in ast.walk(node):
        if isinstance(sub, _LINE_STMTS):
            lines.update(range(sub.lineno - 1, (sub.end_lineno or sub.lineno)))
    return tuple(sorted(lines))


def point_from_text(fn: FunctionInfo, text: str) -> Point:
    """A user-given point (``--at``, the checkGradient command) over ``fn``'s point.

    Raises ``PointError`` with a readable message when the text is not literals.
    """
    user = parse_assignments(text, fn.params)
    rest = {k: v for k, v in fn.point.values.items() if k not in user}
    values = {**{k: v for k, v in user.items()}, **rest}
    ordered = {p.name: values[p.name] for p in fn.params if p.name in values}
    origins = {k: ("user" if k in user else fn.point.origins.get(k, "synthetic")) for k in ordered}
    from .points import format_point

    return Point(ordered, "user", format_point(ordered), origins)

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
    format_point,
    param_shapes,
    parse_assignments,
    split_directive,
)
from .problems import find_problems
from .slicing import ModuleSlicer

_FuncNode = ast.FunctionDef | ast.AsyncFunctionDef
_LINE_STMTS = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return)
_DEF = re.compile(r"(?:async\s+)?def\s+")
_FAILURES = (RecursionError, MemoryError, ValueError)


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
    nodes = [n for n in stmts if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    names = {n.name for n in nodes}
    arity = {n.name: _arity(n) for n in nodes}
    doc = _Lazy(src, stmts)
    functions: list[FunctionInfo] = []
    for node in nodes:
        try:
            functions.append(doc.function(node, names, arity))
        except _FAILURES as e:
            errors.append(BlockError(statement_span(src, node), f"cannot analyze {node.name}: {e}"))
    doc.functions = {f.name: f for f in functions}
    errors.sort(key=lambda e: e.span.line)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return DocumentModel(tuple(functions), tuple(errors), digest)


class _Lazy:
    """What a FunctionInfo computes on first access, shared by one document."""

    def __init__(self, src: Source, stmts: list[ast.stmt]) -> None:
        self.src = src
        self.stmts = stmts
        self.functions: dict[str, FunctionInfo] = {}
        self.nodes: dict[int, _FuncNode] = {}  # id(FunctionInfo) -> node
        self.directives: dict[int, dict[str, Any]] = {}
        self.directive_problems: dict[int, list[Problem]] = {}

    @functools.cached_property
    def slicer(self) -> ModuleSlicer:
        return ModuleSlicer.build(self.src, self.stmts)

    def function(self, node: _FuncNode, names: set[str], arity: dict[str, int]) -> FunctionInfo:
        src = self.src
        span = statement_span(src, node)
        params = _params(src, node)
        directive: dict[str, Any] = {}
        problems: list[Problem] = []
        gradient_of = None
        for line, content in directive_lines(src.lines, span.line):
            target, rest = split_directive(content)
            if target:
                gradient_of = target
            try:
                directive.update(parse_assignments(rest, params))
            except PointError as e:
                where = Span(line, 0, line, len(src.lines[line]))
                problems.append(Problem(where, "bad-directive", str(e)))
        if gradient_of is None:
            gradient_of = _paired(node.name, names, arity, _arity(node))
        fn = FunctionInfo(
            name=node.name,
            span=span,
            name_span=_name_span(src, node),
            params=params,
            gradient_of=gradient_of,
            differentiable=bool(params)
            and gradient_of is None
            and isinstance(node, ast.FunctionDef),
            lazy=self,
        )
        self.nodes[id(fn)] = node
        self.directives[id(fn)] = directive
        self.directive_problems[id(fn)] = problems
        return fn

    def source(self, fn: FunctionInfo) -> str:
        return self.src.segment(fn.span)

    def docstring(self, fn: FunctionInfo) -> str | None:
        try:
            return ast.get_docstring(self.nodes[id(fn)], clean=True)
        except _FAILURES:
            return None

    def own_point(self, fn: FunctionInfo) -> Point:
        node = self.nodes[id(fn)]
        try:
            shapes = param_shapes(node)
        except _FAILURES:
            shapes = {}
        doctest = doctest_point(fn.docstring, fn.name, fn.params)
        return build_point(fn.params, self.directives[id(fn)], doctest, shapes)

    def point(self, fn: FunctionInfo) -> Point:
        point = self.own_point(fn)
        target = self.functions.get(fn.gradient_of or "")
        if target is not None and point.source == "synthetic" and target is not fn:
            # a gradient is called like its function: borrow that function's point
            tp = target.point
            if [p.name for p in fn.params] == list(tp.values):
                return tp
        return point

    def slice(self, fn: FunctionInfo) -> tuple[str, int, str, tuple[int, ...]]:
        extra = (fn.gradient_of,) if fn.gradient_of else ()
        return self.slicer.slice_for(self.nodes[id(fn)], extra)

    def problems(self, fn: FunctionInfo) -> tuple[Problem, ...]:
        found = list(self.directive_problems[id(fn)])
        try:
            found.extend(find_problems(self.src, self.nodes[id(fn)]))
        except _FAILURES:
            pass
        return tuple(found)

    def body_lines(self, fn: FunctionInfo) -> tuple[int, ...]:
        lines: set[int] = set()
        try:
            for sub in ast.walk(self.nodes[id(fn)]):
                if isinstance(sub, _LINE_STMTS):
                    lines.update(range(sub.lineno - 1, (sub.end_lineno or sub.lineno)))
        except _FAILURES:
            pass
        return tuple(sorted(lines))


def _arity(node: _FuncNode) -> int:
    a = node.args
    return len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs)


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
        span = Span(s.line, s.col, s.line, s.col + len(arg.arg))
        out.append(Param(arg.arg, span, value, kind))  # type: ignore[arg-type]

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
    m = _DEF.match(text, col)
    start = m.end() if m else col
    return Span(line0, start, line0, start + len(node.name))


def point_from_text(fn: FunctionInfo, text: str) -> Point:
    """A user-given point (``--at``, the checkGradient command) over ``fn``'s point.

    Raises ``PointError`` with a readable message when the text is not literals.
    """
    user = parse_assignments(text, fn.params)
    values = {**fn.point.values, **user}
    ordered = {p.name: values[p.name] for p in fn.params if p.name in values}
    origins = {k: ("user" if k in user else fn.point.origins.get(k, "synthetic")) for k in ordered}
    return Point(ordered, "user", format_point(ordered), origins)

"""Evaluation points, in the SPEC's order: directive, literal defaults,
doctest call, synthetic. Values are literals read with ``ast.literal_eval``;
nothing is ever evaluated.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from ad_core._ast_parse import parse as _parse_ast

from .model import MISSING, Param, Point

_DIRECTIVE = re.compile(r"#\s*adlens:\s*(.*)$")
_GRADIENT_OF = re.compile(r"\bgradient-of\s*=\s*([A-Za-z_]\w*)\s*,?")
_DOCTEST = re.compile(r"^\s*>>>\s*(.+)$", re.M)
# attributes / methods that say a parameter is an array, not a scalar
_ARRAY_ATTRS = {"shape", "T", "sum", "mean", "dot", "reshape", "size", "ndim", "ravel", "transpose"}
# np.<name>(param, ...) says the parameter is an array
_ARRAY_FUNCS = {
    "sum", "mean", "prod", "max", "min", "dot", "outer", "inner", "matmul", "norm", "std",
    "var", "cumsum", "einsum", "tensordot", "linspace", "argmax", "argmin", "diff", "stack",
}  # fmt: skip


class PointError(ValueError):
    """A point text that cannot be read; the message says why."""


def directive_lines(lines: list[str], first_line: int) -> list[tuple[int, str]]:
    """``# adlens:`` comments directly above line ``first_line`` (0-based), top first."""
    found: list[tuple[int, str]] = []
    i = first_line - 1
    while i >= 0 and lines[i].lstrip().startswith("#"):
        m = _DIRECTIVE.search(lines[i])
        if m:
            found.append((i, m.group(1).strip()))
        i -= 1
    return found[::-1]


def split_directive(content: str) -> tuple[str | None, str]:
    """(gradient-of target, remaining ``name=value`` text)."""
    m = _GRADIENT_OF.search(content)
    if not m:
        return None, content
    return m.group(1), (content[: m.start()] + content[m.end() :]).strip().strip(",").strip()


def parse_assignments(text: str, params: tuple[Param, ...] | list[str]) -> dict[str, Any]:
    """Read ``"x=1.5, w=[0.1, 0.2]"`` (or positional ``"1.5, [0.1, 0.2]"``).

    >>> parse_assignments("x=1.5, y=2", ["x", "y"])
    {'x': 1.5, 'y': 2}
    """
    names = [p if isinstance(p, str) else p.name for p in params]
    text = text.strip()
    if not text:
        return {}
    try:
        call = _parse_ast(f"_({text}\n)", mode="eval").body
    except SyntaxError:
        raise PointError(f"cannot read {text!r}: write it as name=value, name=value") from None
    except (ValueError, RecursionError, MemoryError):
        raise PointError(f"cannot read {text!r}") from None
    assert isinstance(call, ast.Call)
    values: dict[str, Any] = {}
    if len(call.args) > len(names):
        raise PointError(f"{len(call.args)} values given but the function takes {len(names)}")
    for name, node in zip(names, call.args, strict=False):
        values[name] = _literal(node, name)
    for kw in call.keywords:
        if kw.arg is None:
            raise PointError("'**' is not allowed in a point")
        if kw.arg not in names:
            raise PointError(f"no parameter named {kw.arg!r} (parameters: {', '.join(names)})")
        values[kw.arg] = _literal(kw.value, kw.arg)
    return values


def _literal(node: ast.AST, name: str) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        seg = ast.unparse(node) if not isinstance(node, ast.expr) or _small(node) else "…"
        raise PointError(f"{name}={seg} is not a literal (numbers, lists, tuples)") from None


def _small(node: ast.AST) -> bool:
    return sum(1 for _ in ast.walk(node)) < 50


def doctest_point(doc: str | None, fname: str, params: tuple[Param, ...]) -> dict[str, Any] | None:
    """Arguments of the first ``>>> fname(...)`` call in a docstring, if literal."""
    if not doc:
        return None
    for m in _DOCTEST.finditer(doc):
        try:
            expr = _parse_ast(m.group(1).strip(), mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in ast.walk(expr):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == fname
            ):
                text = ast.unparse(node)[len(fname) + 1 : -1]
                try:
                    return parse_assignments(text, params)
                except PointError:
                    return None
    return None


def synthetic_value(index: int, shape: str) -> Any:
    """0.5, 0.6, ... per parameter; a short array or small int where the body says so."""
    base = round(0.5 + 0.1 * index, 10)
    if shape == "array":
        return [round(base + 0.1 * k, 10) for k in range(3)]
    if shape == "int":
        return 3
    return base


def param_shapes(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, str]:
    """Guess "array" / "int" / "scalar" per parameter from how the body uses it."""
    names = {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
    shape = {n: "scalar" for n in names}
    for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs:
        ann = a.annotation
        if isinstance(ann, ast.Name) and ann.id == "int":
            shape[a.arg] = "int"
        elif ann is not None and "array" in ast.unparse(ann).lower():
            shape[a.arg] = "array"
    for node in ast.walk(fn):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            if node.value.id in shape:
                shape[node.value.id] = "array"
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in shape and node.attr in _ARRAY_ATTRS:
                shape[node.value.id] = "array"
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            for side in (node.left, node.right):
                if isinstance(side, ast.Name) and side.id in shape:
                    shape[side.id] = "array"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in _ARRAY_FUNCS:
                for arg in node.args:
                    if isinstance(arg, ast.Name) and arg.id in shape:
                        shape[arg.id] = "array"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Name) and arg.id in shape:
                if node.func.id == "len":
                    shape[arg.id] = "array"
                elif node.func.id == "range":
                    shape[arg.id] = "int"
        elif isinstance(node, (ast.For, ast.comprehension)):
            it = node.iter
            if isinstance(it, ast.Name) and it.id in shape:
                shape[it.id] = "array"
    return shape


def format_value(v: Any) -> str:
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, int) and not isinstance(v, bool):
        try:
            return repr(v)
        except ValueError:  # more than 4300 decimal digits: hex has no such limit
            return hex(v)
    if isinstance(v, (list, tuple)):
        inner = ", ".join(format_value(x) for x in v)
        return f"[{inner}]" if isinstance(v, list) else f"({inner})"
    return repr(v)


def format_point(values: dict[str, Any]) -> str:
    """``x=1.5, w=[0.1, 0.2]`` — round-trips through ``parse_assignments``."""
    return ", ".join(f"{k}={format_value(v)}" for k, v in values.items())


def build_point(
    params: tuple[Param, ...],
    directive: dict[str, Any] | None,
    doctest: dict[str, Any] | None,
    shapes: dict[str, str],
    user: dict[str, Any] | None = None,
) -> Point:
    """Each parameter takes its value from the first rule that has one."""
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    layers: list[tuple[str, dict[str, Any]]] = []
    if user:
        layers.append(("user", user))
    if directive:
        layers.append(("directive", directive))
    layers.append(("defaults", {p.name: p.default for p in params if p.default is not MISSING}))
    if doctest:
        layers.append(("doctest", doctest))
    index = 0
    for p in params:
        if p.kind in ("varargs", "varkw"):
            continue
        for origin, layer in layers:
            if p.name in layer:
                values[p.name], origins[p.name] = layer[p.name], origin
                break
        else:
            values[p.name] = synthetic_value(index, shapes.get(p.name, "scalar"))
            origins[p.name] = "synthetic"
        index += 1
    order = ["user", "directive", "defaults", "doctest", "synthetic"]
    source = min(origins.values(), key=order.index) if origins else "synthetic"
    return Point(values, source, format_point(values), origins)  # type: ignore[arg-type]

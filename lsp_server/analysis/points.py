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
from .shapes import DEFAULT_LENGTH, Shape

_DIRECTIVE = re.compile(r"#\s*adlens:\s*(.*)$")
_DOCTEST = re.compile(r"^\s*>>>\s*(.+)$", re.M)


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


def synthetic_value(index: int, shape: Shape | str = "scalar") -> Any:
    """0.5, 0.6, ... per parameter; an array of the shape the body needs (see
    `shapes`), a small int for a count, the flag, string or None the body tests for."""
    if isinstance(shape, str):  # "scalar" | "array" | "int"
        shape = Shape(shape, (DEFAULT_LENGTH,) if shape == "array" else (),
                      3 if shape == "int" else None)
    base = round(0.5 + 0.1 * index, 10)
    if shape.kind == "array":
        return _array(base, shape.dims or (DEFAULT_LENGTH,))
    if shape.kind in ("int", "bool", "str", "none", "mapping"):
        return shape.value
    return base


def _array(base: float, dims: tuple[int, ...]) -> Any:
    """Distinct values; a square matrix gets a heavier diagonal (invertible)."""
    if len(dims) == 1:
        return [round(base + 0.1 * k, 10) for k in range(dims[0])]
    if len(dims) == 2:
        rows, cols = dims
        return [[round(base + 0.1 * (i * cols + j) + (1.0 if i == j and rows == cols else 0.0),
                       10) for j in range(cols)] for i in range(rows)]
    inner = 1
    for d in dims[1:]:
        inner *= d
    return [_array(round(base + 0.1 * inner * i, 10), dims[1:]) for i in range(dims[0])]


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
    shapes: dict[str, Shape],
    user: dict[str, Any] | None = None,
    borrowed: Point | None = None,
) -> Point:
    """Each parameter takes its value from the first rule that has one. ``borrowed``: a
    hand-written derivative is evaluated where its function is (after its own directive).

    ``*args`` gets a value only where the body says how many (``a, b = args``) or a
    directive gives the list; ``**kwargs`` only from a directive (a dict)."""
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    layers: list[tuple[str, dict[str, Any]]] = []
    if user:
        layers.append(("user", user))
    if directive:
        layers.append(("directive", directive))
    if borrowed is not None:
        layers.append(("borrowed", borrowed.values))
    layers.append(("defaults", {p.name: p.default for p in params if p.default is not MISSING}))
    if doctest:
        layers.append(("doctest", doctest))
    index = 0
    for p in params:
        shape = shapes.get(p.name, Shape())
        for origin, layer in layers:
            if p.name in layer and not (origin == "defaults" and layer[p.name] is None
                                        and shape.kind == "array"):
                # (a None default the body only uses as an array is a placeholder)
                values[p.name] = layer[p.name]
                origins[p.name] = (borrowed.origins.get(p.name, "synthetic")
                                   if origin == "borrowed" and borrowed is not None else origin)
                break
        else:
            if (p.kind == "varkw" and shape.kind != "mapping") or (
                    p.kind == "varargs" and shape.kind != "array"):
                continue  # nothing says what they hold: the card says they got nothing
            value = synthetic_value(index, shape)
            if p.kind == "varargs" and isinstance(value, list) and value \
                    and isinstance(value[0], list):
                value = value[0]
            values[p.name] = value
            origins[p.name] = "synthetic"
        index += 1
    order = ["user", "directive", "defaults", "doctest", "synthetic"]
    source = min(origins.values(), key=order.index) if origins else "synthetic"
    return Point(values, source, format_point(values), origins)  # type: ignore[arg-type]

"""``# adlens:`` comments above a ``def``: the point and what the function is.

    # adlens: x=1.5, w=[0.1, 0.2]          the evaluation point (literals only)
    # adlens: gradient-of=f                 a hand-written derivative of f
    # adlens: gradient-of=f, wrt=x          ... its partial ∂f/∂x only
    # adlens: gradient-of=f, order=2        ... its second derivative (Hessian)
    # adlens: returns=value,grad            returns (value, gradient, ...)
    # adlens: const=X,y                     X and y are data: passed through, never differentiated
    # adlens: self=Huber(1.345)             how a method's instance is built (literal arguments;
                                            another class of the file may be built the same way)

Nothing here is evaluated: values are read with ``ast.literal_eval``; ``self=`` is a
call of a class name with literal arguments, checked here and built in the kernel.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any

from .parse import _parse_ast
from .points import PointError, parse_assignments

_NAMES = r"[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_]\w*\b(?!\s*=))*"
_GRADIENT_OF = re.compile(r"\bgradient-of\s*=\s*([A-Za-z_][\w.]*)\s*,?")
_WRT = re.compile(rf"\bwrt\s*=\s*({_NAMES})\s*,?")
_CONST = re.compile(rf"\bconst\s*=\s*({_NAMES})\s*,?")
_ORDER = re.compile(r"\border\s*=\s*(\d+)\s*,?")
_RETURNS = re.compile(r"\breturns\s*=\s*value\s*,\s*grad(?:ient)?\b\s*,?")
_SELF = re.compile(r"\bself\s*=\s*")


@dataclass
class Directive:
    """What the ``# adlens:`` lines above one ``def`` say."""

    values: dict[str, Any] = field(default_factory=dict)
    gradient_of: str | None = None
    wrt: tuple[str, ...] = ()
    order: int = 1
    returns: bool = False  # returns=value,grad
    const: tuple[str, ...] = ()
    instance: dict[str, Any] | None = None  # {"class": ..., "args": [...], "kwargs": {...}}
    instance_text: str = ""
    errors: list[tuple[int, str]] = field(default_factory=list)  # (document line, why)


def read_directive(lines: list[tuple[int, str]], params: list[str],
                   classes: set[str]) -> Directive:
    """Merge the directive lines (``(line, content)``, top first) into one `Directive`."""
    d = Directive()
    for line, content in lines:
        try:
            content = _take_special(content, d, classes)
            d.values.update(parse_assignments(content, params))
        except PointError as e:
            d.errors.append((line, str(e)))
    return d


def _names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(",") if n.strip())


def _take_special(content: str, d: Directive, classes: set[str]) -> str:
    m = _GRADIENT_OF.search(content)
    if m:
        d.gradient_of = m.group(1)
        content = _cut(content, m)
    m = _WRT.search(content)
    if m:
        d.wrt = _names(m.group(1))
        content = _cut(content, m)
    m = _CONST.search(content)
    if m:
        d.const = _names(m.group(1))
        content = _cut(content, m)
    m = _ORDER.search(content)
    if m:
        d.order = int(m.group(1))
        if d.order not in (1, 2):
            raise PointError(f"order={d.order}: AD Lens checks first (1) and second (2) "
                             "derivatives")
        content = _cut(content, m)
    m = _RETURNS.search(content)
    if m:
        d.returns = True
        content = _cut(content, m)
    m = _SELF.search(content)
    if m:
        end = _call_end(content, m.end())
        text = content[m.end():end].strip()
        d.instance = instance_call(text, classes)
        d.instance_text = text
        content = (content[: m.start()] + content[end:]).strip().strip(",").strip()
    return content


def _cut(content: str, m: re.Match[str]) -> str:
    return (content[: m.start()] + content[m.end():]).strip().strip(",").strip()


def _call_end(text: str, start: int) -> int:
    """The end of ``Name(...)`` starting at ``start`` (balanced parentheses)."""
    depth = 0
    for i in range(start, len(text)):
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i + 1
        elif c == "," and depth == 0:
            return i
    return len(text)


def instance_call(text: str, classes: set[str]) -> dict[str, Any]:
    """``"Huber(1.345, c=2)"`` -> ``{"class": "Huber", "args": [1.345], "kwargs": {"c": 2}}``;
    an argument may itself be such a call of a class of the file. PointError otherwise."""
    try:
        node = _parse_ast(text, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise PointError(f"self={text}: write it as self=ClassName(literal, ...)") from None
    return _instance(node, classes, text)


def _instance(node: ast.expr, classes: set[str], text: str) -> dict[str, Any]:
    if isinstance(node, ast.Name):  # self=Huber: the same as Huber()
        node = ast.Call(node, [], [])
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        raise PointError(f"self={text}: write it as self=ClassName(literal, ...)")
    name = node.func.id
    if name not in classes:
        known = ", ".join(sorted(classes)) or "none"
        raise PointError(f"self={text}: no class {name!r} in this file (classes: {known})")
    args = [_argument(a, classes, text) for a in node.args]
    kwargs = {}
    for kw in node.keywords:
        if kw.arg is None:
            raise PointError(f"self={text}: '**' is not allowed")
        kwargs[kw.arg] = _argument(kw.value, classes, text)
    return {"class": name, "args": args, "kwargs": kwargs}


def _argument(node: ast.expr, classes: set[str], text: str) -> Any:
    if isinstance(node, ast.Call):
        return _instance(node, classes, text)
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        raise PointError(f"self={text}: {ast.unparse(node)} is not a literal") from None


def instance_text(spec: dict[str, Any]) -> str:
    """``{"class": "Huber", "args": [1.345]}`` -> ``Huber(1.345)``."""
    parts = [_text(a) for a in spec.get("args", [])]
    parts += [f"{k}={_text(v)}" for k, v in spec.get("kwargs", {}).items()]
    return f"{spec['class']}({', '.join(parts)})"


def _text(v: Any) -> str:
    if isinstance(v, dict) and "class" in v:
        return instance_text(v)
    from .points import format_value

    return format_value(v)

"""The normal form: one operation per statement, structured control flow.

A function in normal form is a list of these statements. Every ``Assign``
applies at most one operation to *atoms* (a name, a constant, or an attribute
of a module such as ``np.pi``), so each statement has one derivative rule.
Expressions kept as ``ast`` nodes print back as the Python the user wrote.

``+=`` and friends are plain assignments; ``x if c else y``, ``and``/``or``
are ``If`` statements; ``return`` in the middle of the code is an assignment to
the result variable plus a flag (one exit); a ``for`` over arrays iterates an
integer index and reads the element as its first statement.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

# Assign.kind
OP = "op"  # one operation on atoms (may be differentiable)
COPY = "copy"  # t = atom
OPAQUE = "opaque"  # an expression that carries no derivative, kept verbatim
COMPARE = "compare"  # a comparison (a bool: no derivative)
CALL = "call"  # a call to another user function (transformed too)
PACK = "pack"  # a tuple of atoms


@dataclass
class Assign:
    target: str
    value: ast.expr
    line: int
    kind: str = OP
    callee: Any = None  # the function object, for kind CALL
    aug: bool = False  # written as x += ... (in place, for an array)


@dataclass
class Unpack:
    """``a, b = source``: a tuple (from a call or a pack) or an array's first axis."""

    targets: list[str]
    source: ast.expr
    line: int


@dataclass
class If:
    test: ast.expr  # an atom
    body: list
    orelse: list
    line: int


@dataclass
class For:
    """``for target in iter``: ``target`` is a name or a tuple of names.

    When ``indexed``, ``target`` is an integer index over ``range(len(...))`` and
    the body starts with the element reads (so they are differentiated)."""

    target: ast.expr
    iter: ast.expr
    body: list
    line: int
    indexed: bool = False


@dataclass
class While:
    cond: list  # statements that compute ``test``
    test: ast.expr
    body: list
    line: int


@dataclass
class Break:
    line: int


@dataclass
class Continue:
    line: int


@dataclass
class Effect:
    """A statement kept for its effect only: ``print(...)``, ``raise``, ``assert``."""

    node: ast.stmt
    line: int
    rerun: bool = True  # repeat it when the backward sweep re-runs a loop iteration


@dataclass
class Function:
    name: str
    params: list[str]
    args: ast.arguments  # the original signature (printed as written)
    body: list
    result: ast.expr  # the atom returned at the single exit
    line: int  # of the def
    names: set[str] = field(default_factory=set)  # every identifier in the source
    locals: set[str] = field(default_factory=set)
    varied: set[str] = field(default_factory=set)  # may carry a derivative (syntactic, wide)


def atom_name(a: ast.expr) -> str | None:
    return a.id if isinstance(a, ast.Name) else None


def walk(stmts: list):
    """Every statement, depth first, in order."""
    for s in stmts:
        yield s
        if isinstance(s, If):
            yield from walk(s.body)
            yield from walk(s.orelse)
        elif isinstance(s, For):
            yield from walk(s.body)
        elif isinstance(s, While):
            yield from walk(s.cond)
            yield from walk(s.body)


def targets(s) -> list[str]:
    """The names a statement (not counting its nested blocks) assigns."""
    if isinstance(s, Assign):
        return [s.target]
    if isinstance(s, Unpack):
        return list(s.targets)
    if isinstance(s, For):
        return [n.id for n in ast.walk(s.target) if isinstance(n, ast.Name)]
    return []


def assigned(stmts: list) -> set[str]:
    out: set[str] = set()
    for s in walk(stmts):
        out.update(targets(s))
    return out


def reads(s) -> set[str]:
    """Names a statement reads (not counting its nested blocks)."""
    if isinstance(s, Assign):
        return _names(s.value)
    if isinstance(s, Unpack):
        return _names(s.source)
    if isinstance(s, If):
        return _names(s.test)
    if isinstance(s, For):
        return _names(s.iter)
    if isinstance(s, While):
        return _names(s.test)
    if isinstance(s, Effect):
        return _names(s.node)
    return set()


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def upward_exposed(stmts: list, defined: set[str] | None = None) -> set[str]:
    """Names read before they are certainly assigned, walking ``stmts`` in order."""
    defined = set(defined or ())
    exposed: set[str] = set()
    _exposed(stmts, defined, exposed)
    return exposed


def _exposed(stmts: list, defined: set[str], exposed: set[str]) -> set[str]:
    for s in stmts:
        exposed.update(reads(s) - defined)
        if isinstance(s, If):
            a = _exposed(s.body, set(defined), exposed)
            b = _exposed(s.orelse, set(defined), exposed)
            defined |= a & b
        elif isinstance(s, For):
            _exposed(s.body, defined | set(targets(s)), exposed)
        elif isinstance(s, While):
            d = _exposed(s.cond, set(defined), exposed)
            exposed.update(_names(s.test) - d)
            _exposed(s.body, d, exposed)
            defined |= d
        else:
            defined.update(targets(s))
    return defined


def definitely_assigned(stmts: list, before: set[str]) -> set[str]:
    """Names certainly assigned after ``stmts`` run, given those assigned ``before``."""
    return _exposed(stmts, set(before), set())


def dump(stmts: list, indent: int = 0) -> str:
    """The normal form as text (for tests and debugging)."""
    pad = "    " * indent
    out = []
    for s in stmts:
        if isinstance(s, Assign):
            out.append(f"{pad}{s.target} = {ast.unparse(s.value)}  # {s.kind} l{s.line}")
        elif isinstance(s, Unpack):
            out.append(f"{pad}{', '.join(s.targets)} = {ast.unparse(s.source)}  # unpack")
        elif isinstance(s, If):
            out.append(f"{pad}if {ast.unparse(s.test)}:")
            out.append(dump(s.body, indent + 1) or f"{pad}    pass")
            if s.orelse:
                out.append(f"{pad}else:")
                out.append(dump(s.orelse, indent + 1))
        elif isinstance(s, For):
            tag = "  # indexed" if s.indexed else ""
            out.append(f"{pad}for {ast.unparse(s.target)} in {ast.unparse(s.iter)}:{tag}")
            out.append(dump(s.body, indent + 1) or f"{pad}    pass")
        elif isinstance(s, While):
            out.append(f"{pad}while:  # cond")
            out.append(dump(s.cond, indent + 1))
            out.append(f"{pad}  test {ast.unparse(s.test)}")
            out.append(dump(s.body, indent + 1) or f"{pad}    pass")
        elif isinstance(s, Break):
            out.append(f"{pad}break")
        elif isinstance(s, Continue):
            out.append(f"{pad}continue")
        elif isinstance(s, Effect):
            out.append(f"{pad}{ast.unparse(s.node)}  # effect")
    return "\n".join(x for x in out if x)

"""Functions defined inside a function or a method (closures): which ones AD Lens lists.

Numerical code often defines a function and its derivatives as closures in the body of a
method or a function and returns them wrapped in an object (SciPy's
``NonlinearConstraint(fun, lb, ub, jac, hess)`` built in a ``constr`` property). A def
directly in the body of a top-level function or of a method of a top-level class (a
property, a static or class method too), at any depth of ``if``/``else``, ``with``,
``try``, ``for`` or ``while`` inside that body, is listed as ``outer.inner`` or
``Class.method.inner``. Defs inside those (a closure's own closures), inside a class of
the body or inside a lambda are not.

The kernel reaches such a function by running its enclosing function and taking the
function bound to the name when that frame returns (`lsp_server.kernel.nested`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

_FuncNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass
class Scope:
    """The body of one enclosing function: its defs, the siblings a pairing looks in."""

    node: _FuncNode  # the enclosing def
    qualified: str  # "outer" or "Class.method"
    owner: str | None  # the class of a method, else None
    binding: str  # the enclosing def's: "function", "method", "property", ...
    defs: dict[str, _FuncNode] = field(default_factory=dict)  # bare name -> its last def

    def name(self, inner: str) -> str:
        return f"{self.qualified}.{inner}"


def defs_in(body: list[ast.stmt]) -> list[_FuncNode]:
    """The defs directly in ``body``, through compound statements, in file order."""
    out: list[_FuncNode] = []
    for s in body:
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.append(s)
        elif isinstance(s, (ast.ClassDef, ast.Lambda)):
            continue
        else:
            for block in _blocks(s):
                out.extend(defs_in(block))
    return out


def _blocks(s: ast.stmt) -> list[list[ast.stmt]]:
    if isinstance(s, (ast.If, ast.For, ast.AsyncFor, ast.While)):
        return [s.body, s.orelse]
    if isinstance(s, (ast.With, ast.AsyncWith)):
        return [s.body]
    if isinstance(s, ast.Try) or type(s).__name__ == "TryStar":
        return [s.body, *[h.body for h in s.handlers], s.orelse,  # type: ignore[attr-defined]
                s.finalbody]  # type: ignore[attr-defined]
    if isinstance(s, ast.Match):
        return [c.body for c in s.cases]
    return []


def scope_of(node: _FuncNode, qualified: str, owner: str | None, binding: str) -> Scope | None:
    """The scope of ``node`` when it defines functions in its body, else None."""
    found = defs_in(node.body)
    if not found:
        return None
    scope = Scope(node, qualified, owner, binding)
    for d in found:
        scope.defs[d.name] = d  # the last def of a name, as the model keeps one per name
    return scope


def listed(scope: Scope) -> list[_FuncNode]:
    """The defs of ``scope`` that get a card: one per name (its last def), in file order."""
    keep = {id(d) for d in scope.defs.values()}
    return [d for d in defs_in(scope.node.body) if id(d) in keep]


def enclosing_reads(node: _FuncNode, scope: Scope) -> set[str]:
    """The names bound by its enclosing function (parameters, ``self``, locals, siblings)
    that the closure ``node`` reads: what it computes depends on them."""
    outer = scope.node
    bound = _params(outer) | set(scope.defs)
    bound |= {n.id for n in ast.walk(outer) if isinstance(n, ast.Name)
              and isinstance(n.ctx, ast.Store)}
    own = _params(node) | {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
                           and isinstance(n.ctx, ast.Store)}
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load) and n.id in bound and n.id not in own}


def enclosing_params_read(node: _FuncNode, scope: Scope) -> set[str]:
    """The enclosing function's parameters (``self`` too) the closure reads."""
    return enclosing_reads(node, scope) & _params(scope.node)


def _params(node: _FuncNode) -> set[str]:
    a = node.args
    out = {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs}
    return out | {x.arg for x in (a.vararg, a.kwarg) if x is not None}

"""Which parameters reach a function's result: the others are not differentiated.

Real code passes parameters that only feed a check whose result is thrown away
(``self._test_args(a, b)`` raises when ``a`` differs from the instance's): their derivative
is zero, and finite differences cannot even move them, because the check raises. So a
parameter the body uses, but only in statements that cannot reach what it returns, is held.

The analysis is a backward closure over the body, conservative where it must guess:
- a name is relevant when a ``return``/``yield`` reads it, or an assignment to a relevant
  name reads it (the subscripts and attributes of the target included);
- an expression statement (``lst.append(v)``, ``np.copyto(out, v)``) may mutate any name it
  reads, so when it reads one relevant name, all of its names are relevant;
- every name in a condition (``if``, ``while``, ``assert``, ``match``, a comprehension's
  ``if``, ``try``'s handlers) is relevant: control flow chooses the result;
- nested functions, lambdas and classes make all the names they read relevant;
- ``global``, ``nonlocal``, ``del``, the walrus, and calls to ``locals``/``vars``/``eval``/
  ``exec`` end the analysis: no parameter is held.
A parameter the body never reads is not held either (its gradient is an honest zero).
"""

from __future__ import annotations

import ast

_OPAQUE_CALLS = {"locals", "vars", "eval", "exec", "globals", "setattr", "getattr"}


class _Bail(Exception):
    pass


def _reads(node: ast.AST | None) -> set[str]:
    if node is None:
        return set()
    out: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, (ast.Global, ast.Nonlocal, ast.Delete, ast.NamedExpr)):
            raise _Bail
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in _OPAQUE_CALLS:
            raise _Bail
        if isinstance(n, ast.Name):
            out.add(n.id)
        elif isinstance(n, ast.arg):
            out.add(n.arg)
    return out


def _target_bases(t: ast.AST) -> set[str]:
    """The names an assignment target binds or mutates (``a``, ``a[i]``, ``a.b``, ``a, b``)."""
    while isinstance(t, (ast.Subscript, ast.Attribute, ast.Starred)):
        t = t.value
    if isinstance(t, ast.Name):
        return {t.id}
    if isinstance(t, (ast.Tuple, ast.List)):
        return set().union(*(_target_bases(e) for e in t.elts)) if t.elts else set()
    return _reads(t)


def _edges(body: list[ast.stmt]) -> tuple[set[str], list[tuple[set[str], set[str]]]]:
    """(names read unconditionally: returns and conditions, [(targets, names read)])."""
    roots: set[str] = set()
    flows: list[tuple[set[str], set[str]]] = []

    def visit(stmts: list[ast.stmt]) -> None:
        for s in stmts:
            if isinstance(s, (ast.Return, ast.Raise)):
                roots.update(_reads(s))
            elif isinstance(s, ast.Assign):
                value = _reads(s.value)
                for t in s.targets:
                    flows.append((_target_bases(t), value | _reads(t)))
            elif isinstance(s, (ast.AugAssign, ast.AnnAssign)):
                if s.value is not None:
                    flows.append((_target_bases(s.target), _reads(s.value) | _reads(s.target)))
            elif isinstance(s, ast.Expr):
                names = _reads(s.value)
                if any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(s.value)):
                    roots.update(names)
                flows.append((names, names))  # a call may mutate anything it reads
            elif isinstance(s, (ast.For, ast.AsyncFor)):
                flows.append((_target_bases(s.target), _reads(s.iter)))
                roots.update(_reads(s.iter))  # the trip count chooses the result
                visit(s.body)
                visit(s.orelse)
            elif isinstance(s, (ast.If, ast.While)):
                roots.update(_reads(s.test))
                visit(s.body)
                visit(s.orelse)
            elif isinstance(s, (ast.With, ast.AsyncWith)):
                for item in s.items:
                    names = _reads(item.context_expr)
                    roots.update(names)
                    if item.optional_vars is not None:
                        flows.append((_target_bases(item.optional_vars), names))
                visit(s.body)
            elif isinstance(s, ast.Try) or type(s).__name__ == "TryStar":
                visit(s.body)  # type: ignore[attr-defined]
                for h in s.handlers:  # type: ignore[attr-defined]
                    roots.update(_reads(h.type))
                    visit(h.body)
                visit(s.orelse)  # type: ignore[attr-defined]
                visit(s.finalbody)  # type: ignore[attr-defined]
            elif isinstance(s, ast.Assert):
                roots.update(_reads(s))
            elif isinstance(s, ast.Match):
                roots.update(_reads(s.subject))
                for case in s.cases:
                    roots.update(_reads(case.pattern) | _reads(case.guard))
                    visit(case.body)
            elif isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                roots.update(_reads(s))
            elif isinstance(s, (ast.Pass, ast.Break, ast.Continue, ast.Import, ast.ImportFrom)):
                continue
            else:  # a statement this analysis does not know: everything it reads counts
                roots.update(_reads(s))

    visit(body)
    return roots, flows


def unreached(node: ast.FunctionDef | ast.AsyncFunctionDef, params: list[str]) -> tuple[str, ...]:
    """The parameters in ``params`` that the body reads but that cannot reach its result."""
    try:
        relevant, flows = _edges(node.body)
        read = set().union(*(_reads(s) for s in node.body))
    except _Bail:
        return ()
    changed = True
    while changed:
        changed = False
        for targets, names in flows:
            if targets & relevant and not names <= relevant:
                relevant |= names
                changed = True
    return tuple(p for p in params if p in read and p not in relevant)

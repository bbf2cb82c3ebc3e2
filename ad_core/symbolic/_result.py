"""The result of the symbolic path, and the pipeline that fills it.

Pipeline, each stage under its own time limit (see ``_budget``):

1. parse, translate the body to SymPy, ``sp.diff`` per parameter
   (:data:`TRANSLATE_LIMIT`; beyond it: an error, the expression is too large);
2. simplify the partials (``budget``, default :data:`SIMPLIFY_BUDGET`): a cheap
   ``factor_terms`` first, then ``sp.simplify``; the smallest form that finished
   wins, and a partial whose simplification ran out of time stays raw;
3. measure the swell (:data:`MEASURE_LIMIT`): ``count_ops`` of the raw
   derivative, of the simplified one and of its CSE'd form; if counting itself
   runs out of time, a memoized count over the expression DAG stands in
   (``Swell.exact`` is False).
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from .._ast_parse import parse as _parse_ast
from . import _budget, _printing
from ._translate import Scope, Translator, scope_of_module

SIMPLIFY_BUDGET = 0.5
"""Seconds for simplifying all partials of one function together."""

TRANSLATE_LIMIT = 2.0
"""Seconds for translating and differentiating; beyond it the result is an error."""

MEASURE_LIMIT = 0.5
"""Seconds for measuring swell (and for one `text()`); beyond it, estimates."""

PRINT_BUDGET = 1.0
"""Seconds for `printed()`: the value and every partial of one function as text."""


@dataclass(frozen=True)
class Swell:
    """Expression sizes (``sp.count_ops``) of one partial derivative.

    ``raw``: as ``sp.diff`` returned it; ``simplified``: after simplification
    (equal to ``raw`` when nothing shorter finished within the budget); ``cse``:
    the CSE'd form of the simplified one (shared subexpressions counted once).
    Unpacks as ``raw, simplified, cse = result.swell["x"]``.
    """

    raw: int
    simplified: int
    cse: int
    simplify_finished: bool = True  # False: sp.simplify ran out of the time budget
    exact: bool = True  # False: too large to count in time; a DAG-based estimate

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter((self.raw, self.simplified, self.cse))


@dataclass(frozen=True)
class Printed:
    """A function's derivatives as one-line Unicode texts, the way a hover shows them.

    ``shared``/``shared_partials``: the partials written in terms of common
    subexpressions (``t₀ = cos(x)``), present only when that reads shorter.
    ``complete`` is False when printing ran out of time: the texts that did not
    finish say how large the expression is instead.
    """

    expr: str
    partials: dict[str, str]
    shared: tuple[str, ...] = ()
    shared_partials: dict[str, str] = field(default_factory=dict)
    complete: bool = True


@dataclass
class SymbolicResult:
    """What the symbolic path found for one function (see ``from_source``)."""

    name: str
    params: list[str] = field(default_factory=list)
    expr: sp.Expr | None = None
    partials: dict[str, sp.Expr] = field(default_factory=dict)
    errors: list[tuple[int, str]] = field(default_factory=list)
    raw_partials: dict[str, sp.Expr] = field(default_factory=dict)
    swell: dict[str, Swell] = field(default_factory=dict)
    symbols: dict[str, sp.Symbol] = field(default_factory=dict)
    first_line: int = 1  # where line 1 of the source given sits in its file (from_function)
    expr_ops: int = 0  # operations in ``expr`` (``sp.count_ops``, or an estimate when huge)
    needs_math_import: bool = True  # the generated code must import math itself

    @property
    def ok(self) -> bool:
        """True when the value and every partial were translated."""
        return not self.errors and self.expr is not None

    def gradient_source(self) -> str:
        """Source of ``def NAME_grad(params)``: the partials in parameter order
        (a tuple, or one value for one parameter), CSE'd, against :mod:`math`.

            >>> print(from_source("def f(x, y):\\n    return x * y", "f").gradient_source())
            ... # doctest: +SKIP  (def f_grad(x, y): ... return (y, x))

        Raises ``ValueError`` when the function was not translated (see ``errors``).
        """
        if not self.ok:
            where = "; ".join(f"line {ln}: {msg}" for ln, msg in self.errors[:3])
            raise ValueError(f"no symbolic gradient for `{self.name}`: {where or 'no value'}")
        parts = [self.partials[p] for p in self.params]
        done, code = _budget.run(
            lambda: _printing.gradient_code(self.name, self.params, parts,
                                            self.needs_math_import),
            TRANSLATE_LIMIT)
        if not done:
            raise ValueError(f"the gradient of `{self.name}` is too large to print in time")
        return code

    def text(self, name: str | None = None) -> str:
        """One line of Unicode for the partial ``d/d name`` (the value for None),
        CSE'd when that reads shorter: ``2·x·cos(x²)``, ``t₀·y + t₀²  where t₀ = cos(x)``.
        """
        e = self.expr if name is None else self.partials[name]
        if e is None:
            return "(not translated)"
        taken = [*self.params, "math"]

        def render() -> str:
            plain = _printing.unicode(e)
            shared = _printing.cse_text(e, taken)
            return shared if shared is not None and len(shared) < len(plain) else plain

        done, out = _budget.run(render, MEASURE_LIMIT)
        if done:
            return out
        done, out = _budget.run(lambda: _printing.cse_text(e, taken), MEASURE_LIMIT)
        return out if done and out else f"(too large to print: ~{_approx_ops(e)} operations)"

    def printed(self, budget: float = PRINT_BUDGET) -> Printed:
        """The value and every partial as text (no CSE), plus a CSE'd form of the
        partials when it reads shorter; within ``budget`` seconds.

            >>> from_source("def f(x):\\n    return x**3", "f").printed().partials
            {'x': '3·x²'}
        """
        taken = [*self.params, "math"]
        parts = list(self.partials)
        box: dict[str, Any] = {}

        def render() -> None:
            box["expr"] = _printing.unicode(self.expr) if self.expr is not None else ""
            box["partials"] = {p: _printing.unicode(self.partials[p]) for p in parts}
            shared = _printing.shared_text([self.partials[p] for p in parts], taken)
            if shared is not None:
                where, reduced = shared
                plain = sum(len(t) for t in box["partials"].values())
                if sum(map(len, where)) + sum(map(len, reduced)) < 0.8 * plain:
                    box["shared"] = (tuple(where), dict(zip(parts, reduced)))

        try:
            done, _ = _budget.run(render, budget)
        except RecursionError:
            done = False
        box = dict(box)  # an abandoned worker may still write into it
        if done:
            shared, shared_partials = box.get("shared", ((), {}))
            return Printed(box["expr"], box["partials"], shared, shared_partials)
        too_large = lambda e: f"(too large to print: ~{_approx_ops(e)} operations)"  # noqa: E731
        expr = box.get("expr") or (too_large(self.expr) if self.expr is not None else "")
        printed = box.get("partials") or {p: too_large(self.partials[p]) for p in parts}
        return Printed(expr, printed, complete=False)

    def pretty(self, name: str | None = None) -> str:
        """Same as :meth:`text` (one line of Unicode)."""
        return self.text(name)


# ----------------------------------------------------------------------------- pipeline


def analyze(source: str, name: str, budget: float, hints: Scope | None = None
            ) -> SymbolicResult:
    res = SymbolicResult(name=name if isinstance(name, str) else str(name))
    if not isinstance(source, str) or not isinstance(name, str):
        res.errors.append((1, "source and name must be strings"))
        return res
    try:
        with warnings.catch_warnings():  # "invalid escape sequence" & co. belong to the linter
            warnings.simplefilter("ignore")
            tree = _parse_ast(source)
    except SyntaxError as e:
        res.errors.append((e.lineno or 1, f"syntax error: {e.msg}"))
        return res
    except (ValueError, RecursionError, MemoryError) as e:
        res.errors.append((1, f"cannot parse: {type(e).__name__}: {e}"))
        return res
    fn = _find_function(tree, name)
    if fn is None:
        res.errors.append((1, f"no function named `{name}` in the source"))
        return res
    res.params = [a.arg for a in (*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs)]
    res.symbols = {p: sp.Symbol(p, real=True) for p in res.params}
    if fn.args.vararg or fn.args.kwarg:
        res.errors.append((fn.lineno, "`*args` / `**kwargs` parameters are not translated"))

    try:
        done, out = _budget.run(lambda: _translate(tree, fn, res.symbols, hints),
                                TRANSLATE_LIMIT)
    except RecursionError:
        res.errors.append((fn.lineno, "the expression is nested too deeply for SymPy"))
        return res
    if not done:
        res.errors.append((fn.lineno, f"translating and differentiating took over "
                                      f"{TRANSLATE_LIMIT:g} s: the expression is too large"))
        return res
    expr, raw, errors, binds_math = out
    res.errors.extend(errors)
    res.needs_math_import = not binds_math
    if res.errors or expr is None:
        res.errors.sort()
        return res
    bad = [d for d in raw.values() if d.has(sp.Derivative, sp.Subs)]
    if bad:
        fns = sorted({type(a.expr).__name__ if isinstance(a, sp.Derivative) else "Subs"
                      for d in bad for a in d.atoms(sp.Derivative, sp.Subs)})
        res.errors.append((fn.lineno, f"SymPy has no derivative rule for {', '.join(fns)}"))
        return res
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        res.errors.append((fn.lineno, "the expression contains a division by zero or an "
                                      "infinity"))
        return res
    res.expr, res.raw_partials = expr, raw
    best, finished = _simplify(raw, budget)
    res.partials = best
    res.swell = _measure(raw, best, finished, [*res.params, "math"])
    done, ops = _budget.run(lambda: int(sp.count_ops(expr)), MEASURE_LIMIT)
    res.expr_ops = ops if done else _approx_ops(expr)
    return res


def _find_function(tree: ast.Module, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef)
    top = [n for n in tree.body if isinstance(n, kinds) and n.name == name]
    if top:
        return top[-1]  # a later def rebinds the name, as when the module runs
    nested = [n for n in ast.walk(tree) if isinstance(n, kinds) and n.name == name]
    return nested[0] if nested else None


def _translate(tree: ast.Module, fn: ast.FunctionDef | ast.AsyncFunctionDef,
               symbols: dict[str, sp.Symbol], hints: Scope | None) -> tuple[Any, ...]:
    scope = scope_of_module(tree)
    if hints is not None:
        scope.modules.update(hints.modules)
        scope.from_imports.update(hints.from_imports)
        for k, v in hints.constants.items():
            scope.constants.setdefault(k, v)
        scope.binds_math = scope.binds_math or hints.binds_math
    # Constants named like a parameter are shadowed by it.
    for p in symbols:
        scope.constants.pop(p, None)
    # Decorators are not run: the body is what gets differentiated.
    tr = Translator(scope, dict(symbols))
    expr = tr.function(fn)
    uses_math = any(isinstance(n, ast.Name) and n.id == "math" for n in ast.walk(fn))
    binds_math = tr.scope.binds_math or (uses_math and tr.scope.modules.get("math") == "math")
    raw: dict[str, sp.Expr] = {}
    if expr is not None and not tr.errors:
        raw = {p: _no_delta(sp.diff(expr, s)) for p, s in symbols.items()}
    return expr, raw, tr.errors, binds_math


def _no_delta(d: sp.Expr) -> sp.Expr:
    # d sign(x)/dx is 2·DiracDelta(x): zero wherever it is defined, which is what AD
    # returns (derivative zero for piecewise-constant functions, ops.py conventions).
    if d.has(sp.DiracDelta):
        d = d.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)
    return d


def _light(e: sp.Expr) -> sp.Expr:
    return sp.factor_terms(e)


def _simplify(raw: dict[str, sp.Expr], budget: float) -> tuple[dict[str, sp.Expr], set[str]]:
    best = dict(raw)
    finished: set[str] = set()

    def smaller(a: sp.Expr, b: sp.Expr) -> sp.Expr:
        return b if sp.count_ops(b) < sp.count_ops(a) else a

    def work() -> None:
        # Cheap pass over all partials first, so a slow one does not starve the others.
        for p, d in raw.items():
            best[p] = smaller(d, _light(d))
        for p, d in raw.items():
            best[p] = smaller(best[p], sp.simplify(d))
            finished.add(p)

    try:
        _budget.run(work, budget)
    except (RecursionError, Exception):  # noqa: BLE001 - simplification is optional
        pass
    # Snapshot: an abandoned worker may still write into `best`.
    return dict(best), set(finished)


def _measure(raw: dict[str, sp.Expr], best: dict[str, sp.Expr], finished: set[str],
             taken: list[str]) -> dict[str, Swell]:
    sizes: dict[tuple[str, str], int] = {}

    def cse_ops(e: sp.Expr) -> int:
        repl, reduced = sp.cse([e], symbols=_printing.fresh_symbols(taken, "t"))
        return sum(int(sp.count_ops(v)) for _, v in repl) + int(sp.count_ops(reduced[0]))

    def work() -> None:
        for p in raw:
            sizes[p, "raw"] = int(sp.count_ops(raw[p]))
            sizes[p, "simplified"] = int(sp.count_ops(best[p]))
            sizes[p, "cse"] = cse_ops(best[p])

    try:
        _budget.run(work, MEASURE_LIMIT)
    except (RecursionError, Exception):  # noqa: BLE001 - fall back to estimates
        pass
    sizes = dict(sizes)
    out: dict[str, Swell] = {}
    for p in raw:
        exact = all((p, k) in sizes for k in ("raw", "simplified", "cse"))
        r = sizes.get((p, "raw"), _approx_ops(raw[p]))
        s = sizes.get((p, "simplified"), _approx_ops(best[p]))
        c = sizes.get((p, "cse"), _approx_ops(best[p], shared=True))
        out[p] = Swell(r, s, c, simplify_finished=p in finished, exact=exact)
    return out


def _approx_ops(e: sp.Basic, shared: bool = False) -> int:
    """Operations in ``e`` counted like ``count_ops`` (n-ary Add/Mul: n - 1, any
    other non-atom: 1), memoized on the DAG so a huge tree costs its distinct
    nodes only; ``shared``: each distinct subexpression once (a CSE estimate)."""
    memo: dict[sp.Basic, int] = {}
    stack: list[tuple[sp.Basic, bool]] = [(e, False)]
    while stack:
        node, ready = stack.pop()
        if node in memo:
            continue
        if not node.args:
            memo[node] = 0
            continue
        if not ready:
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if a not in memo)
            continue
        own = len(node.args) - 1 if isinstance(node, (sp.Add, sp.Mul)) else 1
        memo[node] = own + (0 if shared else sum(memo[a] for a in node.args))
    if shared:
        return sum(memo.values())
    return memo[e]

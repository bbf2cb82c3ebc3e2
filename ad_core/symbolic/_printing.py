"""Printing: one-line Unicode text for hovers, Python source for generated gradients."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter
from sympy.printing.str import StrPrinter

_SUPER = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_REL = {">=": "≥", "<=": "≤", "!=": "≠", "==": "=", ">": ">", "<": "<"}


class _TextPrinter(StrPrinter):
    """SymPy's str form, with Python-like conditionals and |x| for Abs."""

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        parts: list[str] = []
        for value, cond in expr.args:
            v = self._print(value)
            if cond is sp.true:
                parts.append(v)
                break
            parts.append(f"{v} if {self._print(cond)} else")
        else:
            parts.append("undefined")
        return "(" + " ".join(parts) + ")"

    def _print_Abs(self, expr: sp.Abs) -> str:
        return f"|{self._print(expr.args[0])}|"

    def _print_Relational(self, expr: sp.core.relational.Relational) -> str:
        op = _REL.get(expr.rel_op, expr.rel_op)
        return f"{self._print(expr.lhs)} {op} {self._print(expr.rhs)}"

    def _print_And(self, expr: sp.And) -> str:
        return " and ".join(self._wrap(a) for a in expr.args)

    def _print_Or(self, expr: sp.Or) -> str:
        return " or ".join(self._wrap(a) for a in expr.args)

    def _print_Not(self, expr: sp.Not) -> str:
        return f"not {self._wrap(expr.args[0])}"

    def _wrap(self, a: sp.Basic) -> str:
        s = self._print(a)
        return f"({s})" if isinstance(a, (sp.And, sp.Or)) else s


def unicode(expr: sp.Basic) -> str:
    """``2*x*cos(x**2)`` -> ``2·x·cos(x²)``: compact one-line Unicode, as people write it
    (``2·x·|y| if x > 0 else -1``, never ``Piecewise(...)`` or ``Abs(...)``)."""
    s = _TextPrinter().doprint(expr)
    if isinstance(expr, sp.Piecewise) and s.startswith("(") and s.endswith(")"):
        s = s[1:-1]  # a conditional needs parentheses inside an expression, not around it
    s = re.sub(r"\*\*(?:\((-?\d+)\)|(\d+)(?![\d.]))",
               lambda m: (m.group(1) or m.group(2)).translate(_SUPER), s)
    s = s.replace("**", "^").replace("*", "·")
    s = re.sub(r"\bsqrt\(", "√(", s)
    s = re.sub(r"\bpi\b", "π", s)
    return s


def fresh_symbols(taken: Sequence[str], prefix: str = "t") -> Iterator[sp.Symbol]:
    """``t0, t1, ...`` skipping names already used (parameters, ``math``)."""
    used = set(taken)
    for i in itertools.count():
        name = f"{prefix}{i}"
        if name not in used:
            yield sp.Symbol(name, real=True)


def cse_text(expr: sp.Basic, taken: Sequence[str]) -> str | None:
    """``t₀·y + t₀²  where t₀ = cos(x)``, or None when CSE finds nothing to share."""
    shared = shared_text([expr], taken)
    if shared is None:
        return None
    where, (reduced,) = shared
    return f"{reduced}  where {'; '.join(where)}"


def shared_text(exprs: Sequence[sp.Basic], taken: Sequence[str]
                ) -> tuple[list[str], list[str]] | None:
    """Common subexpressions of several expressions: (``["t₀ = cos(x)", ...]``, each
    expression in terms of them), or None when CSE finds nothing to share."""
    repl, reduced = sp.cse(list(exprs), symbols=fresh_symbols(taken, "t"))
    if not repl:
        return None
    names = {str(s) for s, _ in repl}

    def sub(s: str) -> str:  # t0 -> t₀, for the CSE names only (a parameter may be `t1`)
        return re.sub(r"\bt(\d+)(?![0-9A-Za-z_])",
                      lambda m: "t" + m.group(1).translate(_SUB) if m.group(0) in names
                      else m.group(0), s)

    return ([f"{sub(unicode(s))} = {sub(unicode(v))}" for s, v in repl],
            [sub(unicode(e)) for e in reduced])


class _CodePrinter(PythonCodePrinter):
    """Python source against the `math` module; conditionals stay lazy (`a if c else b`)."""

    def __init__(self) -> None:
        super().__init__({"fully_qualified_modules": True, "standard": "python3"})

    # A branch or an argument that is a bare number prints as a float: the gradient
    # then returns floats (as ad.grad does) whichever branch is taken.
    def _leaf(self, e: sp.Basic) -> str:
        return repr(float(e)) if e.is_Number else self._print(e)

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        # A flat chain `a if c1 else b if c2 else d`: lazy, as the user's `if` was.
        parts: list[str] = []
        for value, cond in expr.args:
            if cond is sp.true:
                parts.append(self._leaf(value))
                break
            parts.append(f"{self._leaf(value)} if {self._print(cond)} else")
        else:
            parts.append("math.nan")
            self.module_imports["math"].add("nan")
        return "(" + " ".join(parts) + ")"

    def _print_Heaviside(self, expr: sp.Heaviside) -> str:
        arg = self._print(expr.args[0])
        h0 = self._leaf(expr.args[1]) if len(expr.args) > 1 else "0.5"
        return f"(0.0 if {arg} < 0 else ({h0} if {arg} == 0 else 1.0))"

    def _print_Max(self, expr: sp.Max) -> str:
        return "max(" + ", ".join(self._leaf(a) for a in expr.args) + ")"

    def _print_Min(self, expr: sp.Min) -> str:
        return "min(" + ", ".join(self._leaf(a) for a in expr.args) + ")"


def gradient_code(name: str, params: Sequence[str], partials: Sequence[sp.Basic],
                  needs_import: bool) -> str:
    """``def NAME_grad(params)`` returning the partials, CSE'd across all of them."""
    taken = list(params) + ["math", name, f"{name}_grad"]
    repl, reduced = sp.cse(list(partials), symbols=fresh_symbols(taken, "t"))
    printer = _CodePrinter()
    body = [f"{s} = {printer.doprint(v)}" for s, v in repl]
    outs = [_code_value(printer, e) for e in reduced]
    ret = outs[0] if len(outs) == 1 else "(" + ", ".join(outs) + ")"
    if needs_import and "math" in printer.module_imports:
        # The code goes below the user's function; their module may not import math.
        body.insert(0, "import math")
    lines = [f"def {name}_grad({', '.join(params)}):",
             f'    """Gradient of `{name}`: {_tuple_doc(name, params)}. Generated by AD Lens '
             f'(SymPy)."""']
    lines += [f"    {b}" for b in body]
    if len(outs) > 1 and len(ret) > 90:  # one partial per line, as a formatter would
        lines += ["    return ("] + [f"        {o}," for o in outs] + ["    )"]
    else:
        lines.append(f"    return {ret}")
    return "\n".join(lines) + "\n"


def _tuple_doc(name: str, params: Sequence[str]) -> str:
    parts = [f"d{name}/d{p}" for p in params]
    return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"


def _code_value(printer: _CodePrinter, e: sp.Basic) -> str:
    if e.is_Number:
        return repr(float(e))  # a float, as ad.grad returns, also for a zero partial
    return printer.doprint(e)

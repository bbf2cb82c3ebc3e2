"""Static findings: constructs that clearly break differentiation.

What we flag, and why only these:

- ``float-call``: ``float(v)`` where ``v`` is computed from a parameter. ``ad_core`` as
  a library raises a TypeError (a traced value cannot become a plain float); AD Lens's
  kernel rewrites the call (``kernel/rewrite.py``) and keeps the derivative of a real
  number (float() is the identity there). Information: the card says whether it ran.
- ``plain-array-write``: ``a[i] = v`` where ``a`` is a plain array made with
  ``np.zeros``/``np.empty``/... from no parameter and ``v`` is computed from one. NumPy
  stores a float there: ``ad_core`` as a library stops with a TypeError; AD Lens's kernel
  rewrites the write (``kernel/rewrite.py``) and follows it when nothing else refers to
  the array. Information: the card says whether it ran.
- ``inplace-write``: ``a[i] = v`` where ``a`` is itself computed from a parameter.
  ``ad_core`` follows such writes (the card's check covers them), but the SymPy path and
  ``ad.sct`` refuse them and JAX has no in-place writes: information, not a warning.
- ``real-math``: math functions reached around the kernel's shim, i.e.
  ``cmath.sin(x)`` or ``something.math.sin(x)`` on a parameter-derived value.
  The kernel maps ``import math`` *and* ``from math import sin`` (every import
  written in the analysed file) to ``ad_core.math``, so plain ``math.sin(x)``
  works in AD Lens and is not flagged; what a helper module imported from
  elsewhere does with the real ``math`` cannot be seen statically.
- ``where-trap``: ``np.where(c, a, b)`` (or ``np.maximum``/``np.minimum``) with a
  branch that calls a function whose derivative is infinite at the edge of its domain
  (``sqrt``, ``log``, ``arcsin``, a division, a fractional power) on a value computed
  from the parameters. Reverse mode differentiates both branches and multiplies the
  branch not taken by a zero cotangent: where that branch sits at the edge, 0 · inf is
  NaN in PyTorch and JAX (their most duplicated autodiff complaint); ad_core masks it.
  Whether it happens depends on the values, so this one is said as a possibility; the
  card says it for certain at the point. A ``where`` gets a quick fix: the double-where
  form (the risky call's argument replaced by a safe value where the branch is not
  taken), which is finite in every framework.
"""

from __future__ import annotations

import ast

from .model import Fix, Problem, Span
from .parse import Source

_ARRAY_MAKERS = {
    "zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like",
    "array", "asarray", "copy",
}  # fmt: skip


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _targets(node: ast.stmt) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        return [node.target]
    if isinstance(node, (ast.For, ast.AsyncFor)):
        return [node.target]
    return []


def _value(node: ast.stmt) -> ast.AST | None:
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        return node.value
    if isinstance(node, (ast.For, ast.AsyncFor)):
        return node.iter
    return None


def find_problems(src: Source, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[Problem]:
    params = {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
    if fn.args.vararg:
        params.add(fn.args.vararg.arg)
    derived = set(params)
    buffers: set[str] = set()  # locals made by np.zeros & co.
    stmts = [n for n in ast.walk(fn) if isinstance(n, ast.stmt) and n is not fn]
    for _ in range(2):  # twice, so values flowing around a loop are seen
        for s in stmts:
            value = _value(s)
            if value is None:
                continue
            flows = bool(_names(value) & derived)
            for t in _targets(s):
                if isinstance(t, ast.Name):
                    if flows:
                        derived.add(t.id)
                    if (
                        isinstance(value, ast.Call)
                        and isinstance(value.func, ast.Attribute)
                        and value.func.attr in _ARRAY_MAKERS
                    ):
                        buffers.add(t.id)
                elif isinstance(t, (ast.Tuple, ast.List)) and flows:
                    derived.update(_names(t))
    out: list[Problem] = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            func = node.func
            args_derived = any(_names(a) & derived for a in node.args)
            if isinstance(func, ast.Name) and func.id == "float" and args_derived:
                arg = ast.unparse(node.args[0])
                out.append(
                    Problem(
                        src.span(node),
                        "float-call",
                        f"float({_short(arg)}) of a value computed from the parameters: AD Lens "
                        "keeps its derivative (float() of a real number is that number), but "
                        "ad_core as a library refuses it and PyTorch and JAX cannot follow it; "
                        "drop float() where other tools differentiate this code.",
                    )
                )
            elif isinstance(func, ast.Attribute) and args_derived and _real_math(func):
                out.append(
                    Problem(
                        src.span(node),
                        "real-math",
                        f"{ast.unparse(func)} bypasses ad_core.math and cannot see traced "
                        f"values: use math.{func.attr} (import math) or np.{func.attr}.",
                    )
                )
        elif isinstance(node, (ast.Assign, ast.AugAssign)):
            value_derived = bool(_names(node.value) & derived)
            for t in _targets(node):
                if not isinstance(t, ast.Subscript):
                    continue
                base = t.value
                while isinstance(base, ast.Subscript):
                    base = base.value
                if not isinstance(base, ast.Name):
                    continue
                target = _short(ast.unparse(t))
                if base.id in derived:
                    out.append(Problem(
                        src.span(t), "inplace-write",
                        f"in-place write into {target}: ad_core follows it, but the SymPy "
                        "path and source transformation do not, and JAX has no in-place "
                        "writes; np.where, np.stack or np.concatenate work in all of them.",
                    ))
                elif base.id in buffers and value_derived:
                    out.append(Problem(
                        src.span(t), "plain-array-write",
                        f"write of a traced value into {target}, a plain NumPy array: AD "
                        "Lens follows it when the array is float64 and nothing else refers "
                        "to it, but ad_core as a library, PyTorch and JAX cannot; "
                        "np.zeros_like(x), np.stack or np.where work everywhere.",
                    ))
    out.extend(_where_traps(src, fn, derived))
    out.sort(key=lambda p: (p.span.line, p.span.col))
    return out


def _real_math(func: ast.Attribute) -> bool:
    base = func.value
    if isinstance(base, ast.Name) and base.id == "cmath":
        return True
    return isinstance(base, ast.Attribute) and base.attr == "math"


def _short(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# -- the where trap ----------------------------------------------------------------------

# Functions whose derivative is infinite (or undefined) at the edge of their domain, and
# an argument at which they are smooth: the double-where form feeds them that one where
# their branch is not taken.
_EDGY = {
    "sqrt": "1.0", "log": "1.0", "log2": "1.0", "log10": "1.0", "log1p": "0.0",
    "arcsin": "0.0", "arccos": "0.0", "arctanh": "0.0", "asin": "0.0", "acos": "0.0",
    "atanh": "0.0", "reciprocal": "1.0", "cbrt": "1.0",
}  # fmt: skip
# Where each of them has its infinite derivative.
_EDGE_AT = {
    "sqrt": (0,), "log": (0,), "log2": (0,), "log10": (0,), "log1p": (-1,),
    "arcsin": (-1, 1), "arccos": (-1, 1), "arctanh": (-1, 1), "asin": (-1, 1),
    "acos": (-1, 1), "atanh": (-1, 1), "reciprocal": (0,), "cbrt": (0,),
}  # fmt: skip
_NUMPY = {"np", "numpy", "jnp"}
_SELECTS = {"where": "where", "maximum": "maximum", "minimum": "minimum", "fmax": "maximum",
            "fmin": "minimum"}


def _select(node: ast.Call) -> str | None:
    """"where" / "maximum" / "minimum" for ``np.where(c, a, b)``, ``np.maximum(a, b)``..."""
    f = node.func
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in _NUMPY:
        kind = _SELECTS.get(f.attr)
        if kind == "where" and len(node.args) == 3 and not node.keywords:
            return kind
        if kind in ("maximum", "minimum") and len(node.args) == 2:
            return kind
    return None


def _edges(branch: ast.expr, derived: set[str]) -> list[tuple[str, ast.expr]]:
    """(what, argument) for each call in ``branch`` with an infinite derivative at the edge
    of its domain, applied to a value computed from the parameters. An argument that is
    itself a ``where`` is already guarded (the double-where form)."""
    found: list[tuple[str, ast.expr]] = []
    for node in ast.walk(branch):
        arg: ast.expr | None = None
        what = ""
        if isinstance(node, ast.Call) and node.args:
            name = node.func.attr if isinstance(node.func, ast.Attribute) else (
                node.func.id if isinstance(node.func, ast.Name) else "")
            if name in _EDGY:
                arg, what = node.args[0], name
            elif name in ("power", "pow") and len(node.args) == 2 and _fractional(node.args[1]):
                arg, what = node.args[0], "a fractional power"
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            arg, what = node.right, "a division"
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and _fractional(
                node.right):
            arg, what = node.left, "a fractional power"
        if arg is None or not (_names(arg) & derived):
            continue
        if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and \
                arg.func.attr == "where":
            continue
        found.append((what, arg))
    return found


def _fractional(exponent: ast.expr) -> bool:
    """A constant exponent below 1 that is not 0 (x ** 0.5, x ** -1): infinite at x = 0."""
    try:
        value = ast.literal_eval(exponent)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        return False
    return isinstance(value, (int, float)) and value < 1 and value != 0


def _where_traps(src: Source, fn: ast.AST, derived: set[str]) -> list[Problem]:
    out: list[Problem] = []
    for node in ast.walk(fn):
        if not isinstance(node, ast.Call):
            continue
        clamped = _clamped(node, derived)
        if clamped is not None:
            out.append(_clamp_trap(src, node, *clamped))
            continue
        kind = _select(node)
        if kind is None:
            continue
        branches = node.args[1:] if kind == "where" else node.args
        edges = [(i, what, arg) for i, b in enumerate(branches) for what, arg in _edges(b, derived)]
        if not edges:
            continue
        branch, what, arg = edges[0]
        call = _short(ast.unparse(node), 60)
        a = _short(ast.unparse(arg), 30)
        risky = {"a division": f"the division by {a}",
                 "a fractional power": f"the fractional power of {a}"}.get(what, f"{what}({a})")
        if kind == "where":
            cond = _short(ast.unparse(node.args[0]), 30)
            where = f"where {cond} is {'false' if branch == 0 else 'true'}"
        else:
            other = _short(ast.unparse(node.args[branch]), 30)
            where = f"where {other} is not the {'larger' if kind == 'maximum' else 'smaller'}"
        message = (f"{call} differentiates both branches: {where}, {risky} may sit at the "
                   "edge of its domain, where its derivative is infinite: PyTorch and JAX "
                   "then give NaN here (0 · inf); ad_core masks it.")
        fix = _double_where(src, node, edges) if kind == "where" else None
        if fix is None and kind != "where":
            message += (" A double where avoids it: np.where on the condition, with the risky "
                        "argument also replaced by a safe value where it is not picked.")
        out.append(Problem(src.span(node), "where-trap", message, fix))
    return out


def _clamped(node: ast.Call, derived: set[str]) -> tuple[str, ast.Call, ast.expr] | None:
    """``sqrt(np.maximum(u, c))``: (the edgy function, the maximum/minimum call, u) when an
    edgy function is applied to a maximum or minimum of a parameter-derived value."""
    f = node.func
    name = f.attr if isinstance(f, ast.Attribute) else (f.id if isinstance(f, ast.Name) else "")
    if name not in _EDGY or len(node.args) != 1 or not isinstance(node.args[0], ast.Call):
        return None
    inner = node.args[0]
    if _select(inner) not in ("maximum", "minimum"):
        return None
    derived_args = [a for a in inner.args if _names(a) & derived]
    if len(derived_args) != 1:
        return None
    bound = _literal(next(a for a in inner.args if a is not derived_args[0]))
    if bound is not None and bound not in _EDGE_AT[name]:
        return None  # clamped away from the edge: the derivative there is finite
    return name, inner, derived_args[0]


def _literal(node: ast.expr) -> float | None:
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        return None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else None


def _clamp_trap(src: Source, node: ast.Call, what: str, clamp: ast.Call, u: ast.expr
                ) -> Problem:
    """The maximum picks the bound where ``u`` is past it, and passes ``what``'s infinite
    derivative at the bound back to ``u`` times 0: NaN in PyTorch and JAX. The rewrite
    ``np.where(u > c, f(np.where(u > c, u, safe)), f(c))`` has the same value and gradient
    and meets no inf there."""
    kind = _select(clamp)
    other = next(a for a in clamp.args if a is not u)
    call = _short(ast.unparse(node), 60)
    a, c = _short(ast.unparse(u), 30), _short(ast.unparse(other), 30)
    bound = _literal(other)
    infinite = f"{what}'s derivative at {c} is infinite, so" if bound is not None else \
        f"if {what}'s derivative at {c} is infinite,"
    message = (f"{call}: where {a} is {'below' if kind == 'maximum' else 'above'} {c}, the "
               f"{kind} passes {what}'s derivative at {c} back to {a} times 0; {infinite} "
               "PyTorch and JAX give NaN here (inf · 0); ad_core masks it.")
    fix = None
    if bound is not None and isinstance(clamp.func, ast.Attribute):
        np_name = ast.unparse(clamp.func.value)
        fn = ast.unparse(node.func)
        ut, ct = src.segment(src.span(u)), src.segment(src.span(other))
        cond = f"{ut} {'>' if kind == 'maximum' else '<'} {ct}"
        text = (f"{np_name}.where({cond}, {fn}({np_name}.where({cond}, {ut}, {_EDGY[what]})), "
                f"{fn}({ct}))")
        fix = Fix("Rewrite as a double where (a finite gradient in PyTorch and JAX too)",
                  src.span(node), text)
    return Problem(src.span(node), "where-trap", message, fix)


def _double_where(src: Source, node: ast.Call, edges: list[tuple[int, str, ast.expr]]
                  ) -> Fix | None:
    """``np.where(c, sqrt(x), 0)`` -> ``np.where(c, sqrt(np.where(c, x, 1.0)), 0)``: each
    risky argument gets a safe value where its branch is not taken, so no framework meets
    0 · inf there; where the branch is taken the argument is unchanged, and so are the
    value and the gradient."""
    span = src.span(node)
    text = src.segment(span)
    np_name = ast.unparse(node.func.value) if isinstance(node.func, ast.Attribute) else "np"
    cond = src.segment(src.span(node.args[0]))
    edits: list[tuple[int, int, str]] = []
    for branch, what, arg in edges:
        safe = _EDGY.get(what, "1.0")  # 1.0 for a division or a fractional power
        a = src.segment(src.span(arg))
        guarded = f"{np_name}.where({cond}, {a}, {safe})" if branch == 0 else \
            f"{np_name}.where({cond}, {safe}, {a})"
        start = _offset(src, span, src.span(arg).line, src.span(arg).col)
        end = _offset(src, span, src.span(arg).end_line, src.span(arg).end_col)
        if start is None or end is None:
            return None
        edits.append((start, end, guarded))
    edits.sort(reverse=True)
    for (start, end, new), later in zip(edits, [None, *edits[:-1]]):
        if later is not None and end > later[0]:
            return None  # overlapping risky arguments (sqrt(log(x))): not rewritten
        text = text[:start] + new + text[end:]
    return Fix("Rewrite as a double where (a finite gradient in PyTorch and JAX too)", span,
               text)


def _offset(src: Source, base: Span, line: int, col: int) -> int | None:
    """Offset of (line, col) in the text of ``base`` (lines joined with \\n)."""
    if line < base.line or (line == base.line and col < base.col):
        return None
    if line == base.line:
        return col - base.col
    n = len(src.lines[base.line]) - base.col + 1
    for k in range(base.line + 1, line):
        n += len(src.lines[k]) + 1
    return n + col

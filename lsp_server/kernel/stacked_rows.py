"""A function that returns its value and its elementwise derivatives in one output, each
row the derivative of the row before: SciPy's ``least_squares(loss=callable)`` convention
(``loss(z)`` returns an array of shape (3, m) whose rows are ρ(z), ρ′(z), ρ″(z)), or a
tuple ``(f, f′, f″)`` of a number (the function a Newton/Halley root-finder is handed).
Runs in the kernel only; `compute._function_pieces` calls it.

No name says it, so the output says it, in two steps:

- *the shape* (`rows_of`, no code run): 2 or 3 rows (along the first axis of a float
  array, or the items of a tuple or list), each shaped like one float parameter (a
  later row may also be one number: ``(x**2, 2*x, 2)``);
- *the values* (`Rows.pairing`): row 1 must be AD's elementwise derivative of row 0,
  at the point and at a second point nearby (forward mode along ones: cheap, and a
  coincidence at one point, ``vstack([z, z**2, z**3])`` at z = 1, is not one at two),
  and then the verdict of `compute.check_hand` on row 1 (AD and finite differences,
  the whole Jacobian, so the rows must be elementwise) must be ✓.

Only then is it a chain, and each later row is checked the same way against the row
before it. A later row that does not match is ✗ (naming the row) only when a name or
the docstring of the function says derivatives (`_derivative_word`: ``rho``, ``fpp``,
"derivative"...): otherwise it is not checked, and says why, since ``[x, v, energy]``
looks exactly like a value, its derivative and a wrong second derivative. Stacked rows
that are not a chain (``np.vstack([z, z**2, z**3])``, ``(value, other_stat)``) are no
pair and get no ✗. What this cannot see: a chain whose first link is wrong (nothing says
it is a chain); and when each row is one number and no name says derivatives, a third one
that does not match is not called wrong (``(f, f′, extra)`` is SciPy's ``(value,
gradient, extra)``, and ``[sin t, cos t, t]`` a point of a curve): the card falls back
to ``(value, gradient)`` for a tuple, to no pair for an array. A 2-tuple ``(float,
float)`` stays the ``(value, gradient)`` rule's. docs/cli.md has the rule for users.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

import ad_core as ad

from . import schema
from .compute import (
    MAX_COMPONENTS,
    MAX_ELEMENTS,
    Call,
    NotAPair,
    Piece,
    check_hand,
    piece_cost,
    piece_debug,
    piece_gradient,
    piece_trace,
    value_and_gradient_by_shape,
    value_part,
)

# AD's derivative along ones against the hand-written row, as a gate before the check
# (the verdict itself is check_grad's, with its own tolerances)
GATE_RTOL = 1e-6
GATE_ATOL = 1e-9
NEARBY = 0.05  # the second point: each element moved by up to 5 %


def rows_of(call: Call, out: Any) -> Rows | None:
    """``out`` read as stacked rows, when its shape allows (see the module's docstring);
    None otherwise."""
    if isinstance(out, (tuple, list)) and len(out) in (2, 3):
        rows, kind = list(out), "tuple"
    elif isinstance(out, np.ndarray) and out.dtype.kind == "f" and out.ndim >= 1 \
            and out.shape[0] in (2, 3):
        rows, kind = list(out), "array"
    else:
        return None
    shape = _float_shape(rows[0], "f")
    if shape is None or int(np.prod(shape)) > MAX_ELEMENTS:
        return None
    for r in rows[1:]:
        s = _float_shape(r, "fi")
        if s is None or s not in (shape, ()):
            return None
    if kind == "tuple" and len(rows) == 2 and value_and_gradient_by_shape(tuple(out), call):
        return None  # (value, gradient) by shape: that rule's, as before
    params = [k for k in call.argnums if np.shape(call.args[k]) == shape]
    return Rows(call, rows, kind, params) if params else None


def _float_shape(x: Any, kinds: str) -> tuple[int, ...] | None:
    if isinstance(x, bool) or not isinstance(x, (int, float, np.number, np.ndarray)):
        return None
    a = np.asarray(x)
    return tuple(a.shape) if a.dtype.kind in kinds else None


@dataclasses.dataclass
class Rows:
    """An output whose shape stacks rows like a value and its derivatives."""

    call: Call
    rows: list[Any]
    kind: str  # "array" | "tuple"
    params: list[int]  # argnums shaped like a row, tried in order
    check: schema.Check | None = None  # set when the rows are a chain
    why: str = ""

    def pairing(self, fallback: Callable[[], schema.Pairing] | None) -> schema.Pairing:
        """The chain's pairing when the rows are one, else ``fallback``'s (the
        ``(value, gradient)`` rule's), else not a pair."""
        for k in self.params:
            found = self._chain(k)
            if found is not None:
                return found
        if fallback is not None:
            return fallback()
        return schema.Pairing(False, f"not a chain of derivatives: {self.why}")

    def pieces(self) -> Iterator[Piece]:
        """A chain's card: AD's derivative of the value (row 0), the rows' verdict, and
        the value's cost, trace and debugging notes."""
        vcall = value_part(self.call)
        check = self.check
        yield "gradient", lambda: piece_gradient(vcall)
        yield "check", lambda: check
        for name, piece in (("cost", piece_cost), ("trace", piece_trace),
                            ("debug", piece_debug)):
            yield name, (lambda p=piece: p(vcall))

    def _chain(self, k: int) -> schema.Pairing | None:
        call, name = self.call, self.call.names[k]
        x = call.args[k]
        if not (_link_agrees(call, k, x) and _link_agrees(call, k, _nearby(x))):
            self.why = (f"row 1 is not AD's d/d{name} of row 0 here and at a point "
                        "nearby")
            return None
        links: list[schema.Check] = []
        for j in range(1, len(self.rows)):
            try:
                _, c = check_hand(value_part(call, j - 1), self.rows[j], "derivative",
                                  (name,))
            except NotAPair as e:
                self.why = f"row {j}: {e}"
                return None
            except Exception as e:  # a row that does not run: no chain, no verdict
                self.why = f"row {j}: {type(e).__name__}: {e}"
                return None
            links.append(c)
        if links[0].outcome != "verified":
            self.why = f"row 1 against d/d{name} of row 0: {links[0].message}"
            return None
        if any(c.outcome != "verified" for c in links[1:]) \
                and _derivative_word(call.fn) is None:
            # a later row that does not match, and only its place says it is a derivative
            if np.size(x) < 2:  # one number per row: (value, gradient, extra) is as likely
                self.why = "each row is one number and not every row matches"
                return None
            links = [c if c.outcome != "wrong" else _unjudged(call, c, j)
                     for j, c in enumerate(links)]
        self.check = _merged(call, links)
        n = len(self.rows)
        rows = "row 1" if n == 2 else "rows 1–2"
        of = "row 0" if n == 2 else "rows 0–1"
        held = [call.names[i] for i in call.argnums if i != k] + list(call.held)
        message = f"{rows} = d/d{name} of {of} (elementwise)"
        if held:
            message += f"; {', '.join(held)} held"
        what = ("the items of the returned tuple" if self.kind == "tuple"
                else "the rows of the returned array")
        rule = (f"stacked derivatives: {what} are a value and its derivatives (row 1 "
                f"matches AD's d/d{name} of row 0 at the point and at a point nearby)")
        return schema.Pairing(True, message, "derivative", [name], held, rule)


# Words that say a function's rows are derivatives, as parts of its names (parameters,
# locals, what it calls; split at ``_`` and camelCase) or in its docstring: ``d2f``,
# ``dfdz``, ``fpp``, ``…deriv…``; ``rho`` is SciPy's own name for the stacked loss rows.
# (``curve``, ``divide``, ``psi``, a wave function, say nothing.)
_DERIVATIVE_PART = re.compile(r"(deriv|prime|grad|jac|hess)\w*|curvature|slope|second|fp+|"
                              r"rho|d\d\w*|d[a-z]d[a-z]\d*")
_DERIVATIVE_DOC = re.compile(r"deriv|gradient|jacobian|hessian|slope|curvature|′|″|ρ", re.I)


def _derivative_word(fn: Callable[..., Any]) -> str | None:
    """The first name in ``fn`` (or word of its docstring) that says it returns
    derivatives (``rho``, ``fpp``, ``d2f_dz2``, ``first_deriv``...), else None."""
    f = getattr(fn, "__func__", fn)
    code = getattr(f, "__code__", None)
    names = [getattr(f, "__name__", "")]
    if code is not None:
        names += [*code.co_varnames, *code.co_names]
    for n in names:
        for part in re.split(r"_+|(?<=[a-z0-9])(?=[A-Z])", n):
            if _DERIVATIVE_PART.fullmatch(part.lower()):
                return n
    m = _DERIVATIVE_DOC.search(getattr(f, "__doc__", None) or "")
    return m.group(0) if m else None


def _unjudged(call: Call, c: schema.Check, j: int) -> schema.Check:
    """Link ``j`` does not match, but nothing but its place says row ``j + 1`` is meant
    as a derivative: a third row may be anything of that shape (an energy beside a
    position and a velocity), so this is no ✗, and the card says why."""
    why = (f"row {j + 1} does not match AD's derivative of row {j} ({c.message}), but "
           f"nothing in {call.name} (its names, its docstring) says its rows are "
           "derivatives, and a row after a value and its derivative may be something else: "
           "no verdict")
    return dataclasses.replace(c, outcome="unverified", message=why)


def _link_agrees(call: Call, k: int, x: Any) -> bool:
    """At argument ``k`` = ``x``: row 1 equals AD's derivative of row 0 along ones
    (forward mode; for an elementwise row 0, its elementwise derivative)."""
    f = call.f
    args = list(call.args)
    args[k] = x

    def row0(xk: Any) -> Any:
        a = list(args)
        a[k] = xk
        return f(*a)[0]

    ones = np.ones(np.shape(x)) if np.ndim(x) else 1.0
    try:
        hand = np.asarray(f(*args)[1], dtype=float)
        _, t = ad.jvp(row0, (x,), (ones,))
        t = np.asarray(t, dtype=float)
    except Exception:  # it does not run there, or AD does not get through: no evidence
        return False
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(hand))):
        return False
    try:
        scale = 1.0 + float(np.max(np.abs(t), initial=0.0))
        return bool(np.allclose(np.broadcast_to(hand, t.shape), t, rtol=GATE_RTOL,
                                atol=GATE_ATOL * scale))
    except ValueError:
        return False


def _nearby(x: Any) -> Any:
    """A second point: each element moved by a different few percent (0 to a few
    hundredths), so that a coincidence at the point is not one there."""
    a = np.asarray(x, dtype=float)
    step = NEARBY * (1 + np.arange(a.size)).reshape(a.shape) / max(a.size, 1)
    moved = np.where(a != 0, a * (1 + step), step)
    return float(moved) if np.ndim(x) == 0 else moved


def _merged(call: Call, links: list[schema.Check]) -> schema.Check:
    """One verdict for the links (link j: row j against the derivative of row j − 1):
    the worst wins; components are named by the row they differentiate (``f[1][2]`` is
    element 2 of row 1), so a ✗ says which row is off."""
    outcomes = [c.outcome for c in links]
    outcome = "wrong" if "wrong" in outcomes else "unverified" if "unverified" in outcomes \
        else "verified"
    pick = outcomes.index(outcome)
    decisive = links[pick]
    components: list[schema.Component] = []
    for j, c in enumerate(links):
        for x in c.components:
            if len(components) < MAX_COMPONENTS:
                components.append(dataclasses.replace(x, output=f"[{j}]{x.output}"))
    worst = None
    if decisive.worst is not None:
        name, _, output = decisive.worst.partition("@")
        worst = f"{name}@[{pick}]{output}"
    if outcome == "verified":
        message = "; ".join(f"row {j + 1}: {c.message}" for j, c in enumerate(links))
    else:
        message = (f"row {pick + 1} is not the elementwise derivative of row {pick}: "
                   f"{decisive.message}") if outcome == "wrong" else decisive.message
    failures: dict[str, schema.Failure] = {}
    for c in links:
        for who, f in c.failures.items():
            failures.setdefault(who, f)
    errs = [(c.max_abs_err, c.max_rel_err) for c in links]
    return dataclasses.replace(
        decisive, target=call.name, message=message, kind="derivative", components=components,
        n_components=sum(c.n_components for c in links), worst=worst,
        max_abs_err=_max([a for a, _ in errs]), max_rel_err=_max([r for _, r in errs]),
        failures=failures, layout="elementwise, each row the derivative of the row before",
        rows=sum(c.rows for c in links), rows_total=sum(c.rows_total for c in links))


def _max(xs: list[float | None]) -> float | None:
    known = [x for x in xs if x is not None]
    return max(known) if known else None

"""``ad.trace``: the Wengert list of one evaluation, with values and adjoints.

Reverse mode already records the Wengert list: ``ReverseTrace.nodes`` is it.
This module runs ``f`` under a small subclass of that trace which also notes,
for each primitive application, the primitive's name, how its arguments refer
to earlier rows, its flop count from the table and the line of ``f`` it came
from. All of that happens only here: the normal ``grad`` path is untouched.

After the run, when ``f`` has a single scalar output, one reverse sweep fills
in the adjoints (v̄ = ∂output/∂v). For other outputs call
``.backward(seed)`` with a cotangent of the output's shape.

Debugging a gradient: ``.nonfinite`` says where a value or an adjoint first became NaN
or ±inf (the operation, its operands' values, its line) and what it reached; such rows
are marked ``⚠`` in the printout. ``.where_traps`` lists the ``np.where``/``maximum``
whose branch not taken has an infinite derivative at the point (PyTorch and JAX give
NaN there; ad_core masks it). With ``names=True`` the trace also records which local
variable of ``f`` each statement bound (``.bindings``, and ``Row.var``), so rows and
messages use the names of the source (``sqrt(r)``, not ``sqrt(v2)``).

    >>> print(trace(lambda x: np.sin(x) * x, 1.5))    # doctest: +SKIP
    v1 = x            = 1.5        v̄1 = 1.10086
    v2 = sin(v1)      = 0.997495   v̄2 = 1.5
    v3 = mul(v2, v1)  = 1.49624    v̄3 = 1
"""

from __future__ import annotations

import inspect
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _provenance
from ._core import Tracer, raw, shape_of
from ._provenance import NonFinite, WhereTrap
from .api import _argnums, _diff_arg
from .reverse import ReverseTrace, RVar

__all__ = ["Binding", "NonFinite", "Row", "Trace", "WhereTrap", "trace"]

# How far up the stack the line lookup goes before giving up (a primitive is
# applied a few frames below user code: dispatch, bind, process).
_MAX_FRAME_DEPTH = 64


@dataclass
class Row:
    """One line of the Wengert list: ``v{index} = op(args)``.

    ``op`` is the primitive's name (``Primitive.name``), ``"input"`` for an
    argument, or ``"custom_vjp[name]"``. ``args`` refer to earlier rows as
    ``"v3"`` or show a constant. ``adjoint`` is None until a reverse sweep
    reaches the row (then it is ∂output/∂v, zero rows stay None). ``line`` is
    the line number, in ``f``'s file, of the statement of ``f`` that applied
    the primitive (None when not found, e.g. inside a library).
    """

    index: int
    op: str
    args: tuple[str, ...]
    value: Any
    adjoint: Any = None
    line: int | None = None
    name: str | None = None  # parameter name, for inputs
    params: dict = field(default_factory=dict)
    flops: int = 0
    #: set when the primitive was applied at a non-differentiable point (abs at 0, a tie
    #: in max...): the convention AD used there, from the primitive table
    kink: str | None = None
    #: the local variable of f first bound to this value (``trace(..., names=True)``)
    var: str | None = None

    @property
    def ref(self) -> str:
        return f"v{self.index}"

    @property
    def expr(self) -> str:
        """The right-hand side: ``sin(v1)``, or the parameter name for an input."""
        if self.op == "input":
            return self.name or "input"
        parts = list(self.args) + [f"{k}={_fmt_param(v)}" for k, v in self.params.items()
                                   if v is not None and v is not False]
        return f"{self.op}({', '.join(parts)})"


@dataclass
class Binding:
    """A local variable of ``f`` bound by the statement at ``line`` (a line of ``f``'s file):
    its last value there and, when traced, the row holding it (``Row.index``). ``count``:
    how many times the statement bound it (a loop)."""

    line: int
    name: str
    row: int | None
    value: Any
    count: int = 1


class Trace:
    """The Wengert list of ``f`` at a point; ``str()`` prints it, ``.rows`` is the data.

        >>> t = trace(lambda x: x * x, 3.0); t.rows[-1].expr, t.rows[0].adjoint
        ('mul(v1, v1)', 6.0)
    """

    def __init__(self, fname: str, rows: list[Row], outputs: list[tuple[Any, int | None]],
                 tape: _Recorder, input_rows: list[int],
                 bindings: list[Binding] | None = None) -> None:
        self.fname = fname
        self.rows = rows
        #: (value, row index or None when the output does not depend on the inputs)
        self.outputs = outputs
        #: the local variables each statement of f bound (``trace(..., names=True)``)
        self.bindings = bindings or []
        #: True when f ran too long to watch every statement (see NAMES_BUDGET)
        self.bindings_cut = False
        self._tape = tape
        self._input_rows = input_rows
        self._swept: tuple[int, Any] | None = None  # (output row, seed) of the last sweep
        self._debug: dict[str, Any] = {}

    # -- summary numbers (the cost model reads these) -----------------------
    @property
    def ops(self) -> int:
        """Primitive applications recorded (inputs not counted)."""
        return sum(1 for r in self.rows if r.op != "input")

    @property
    def flops(self) -> int:
        """Flops of one evaluation, from the primitive table's counts."""
        return sum(r.flops for r in self.rows)

    @property
    def n_inputs(self) -> int:
        """Scalars in the traced arguments."""
        return sum(int(np.size(self.rows[i].value)) for i in self._input_rows)

    @property
    def n_outputs(self) -> int:
        """Scalars in the output(s)."""
        return sum(int(np.size(v)) for v, _ in self.outputs)

    @property
    def value(self):
        """f's output (a tuple when f returned several values)."""
        vals = [_plain(v) for v, _ in self.outputs]
        return vals[0] if len(vals) == 1 else tuple(vals)

    # -- reverse sweep ------------------------------------------------------
    def backward(self, seed: Any = None, output: int = 0) -> Trace:
        """Fill in adjoints by one reverse sweep from output ``output``, seeded with ``seed``.

            >>> t = trace(lambda x: x * 2.0, np.ones(2)).backward(np.array([1.0, 0.0]))
            >>> t.rows[0].adjoint
            array([2., 0.])
        """
        value, idx = self.outputs[output]
        s = shape_of(value)
        if seed is None:
            if int(np.prod(s, dtype=np.int64)) != 1:
                raise ValueError(f"trace.backward: output {output} has shape {s}; pass a "
                                 "seed (cotangent) of that shape, e.g. a one-hot array")
            seed = 1.0 if s == () else np.ones(s)
        elif shape_of(seed) != s:
            raise ValueError(f"trace.backward: seed of shape {shape_of(seed)} for an output "
                             f"of shape {s}")
        else:
            seed = float(seed) if s == () else np.asarray(seed, dtype=float)
        for r in self.rows:
            r.adjoint = None
        self._debug.clear()
        self._swept = None
        if idx is None:
            return self
        self._swept = (idx, seed)
        adj = self._tape.backward(idx, seed, keep=True)
        for i, a in enumerate(adj):
            if a is not None:
                self.rows[i].adjoint = _plain(a)
        return self

    @property
    def has_adjoints(self) -> bool:
        return any(r.adjoint is not None for r in self.rows)

    # -- debugging: NaN provenance, the where trap ------------------------------
    @property
    def nonfinite(self) -> list[NonFinite]:
        """Where a value (forward sweep) or an adjoint (backward sweep) first became NaN or
        ±inf, for what reached the output's value or an input's adjoint.

            >>> t = trace(lambda x: np.sqrt(x), 0.0)
            >>> t.nonfinite[0].what
            'adjoint of sqrt(x) is inf at x = 0'
        """
        if "nonfinite" not in self._debug:
            g = self._graph()
            found = _provenance.forward_sources(g, self.outputs[0][1] if self.outputs else None)
            if self._swept is not None and any(_provenance.bad(self.rows[i].adjoint)
                                               for i in self._input_rows):
                adj, events = self._sweep(ieee=False)
                found += _provenance.backward_sources(g, self._input_rows, adj, events)
            self._debug["nonfinite"] = found
        return self._debug["nonfinite"]

    @property
    def where_traps(self) -> list[WhereTrap]:
        """``where``/``maximum``/``minimum`` rows whose branch not taken has an infinite or
        undefined derivative here: PyTorch and JAX give NaN in the gradient, ad_core does
        not (it counts 0 · inf as 0). Needs adjoints (a scalar output, or ``backward``)."""
        if "traps" not in self._debug:
            traps: list[WhereTrap] = []
            if self._swept is not None and any(r.op in _provenance.SELECTS for r in self.rows):
                masked, _ = self._sweep(ieee=False)
                ieee, events = self._sweep(ieee=True)
                traps = _provenance.where_traps(self._graph(), self._input_rows, masked, ieee,
                                                events)
            self._debug["traps"] = traps
        return self._debug["traps"]

    def _sweep(self, ieee: bool) -> tuple[list, list]:
        key = "ieee" if ieee else "masked"
        if key not in self._debug:
            assert self._swept is not None
            idx, seed = self._swept
            self._debug[key] = _provenance.sweep(self._tape.nodes, idx, seed, ieee)
        return self._debug[key]

    def _graph(self) -> _provenance.Graph:
        names = {r.index - 1: (r.name or r.var) for r in self.rows if (r.name or r.var)}
        return _provenance.Graph(self._tape.nodes, self._tape.meta, [r.line for r in self.rows],
                                 names, [r.value for r in self.rows], self.fname)

    # -- rendering ------------------------------------------------------------
    def as_dicts(self) -> list[dict]:
        """Rows as JSON-ready dicts (values as floats or nested lists)."""
        return [{"index": r.index, "ref": r.ref, "op": r.op, "args": list(r.args),
                 "expr": r.expr, "value": _jsonable(r.value), "adjoint": _jsonable(r.adjoint),
                 "line": r.line, "name": r.name, "flops": r.flops, "kink": r.kink,
                 "var": r.var}
                for r in self.rows]

    def __str__(self) -> str:
        lefts = [f"{r.ref} = {r.expr}" for r in self.rows]
        vals = [_fmt_value(r.value) for r in self.rows]
        w1 = max((len(s) for s in lefts), default=0)
        w2 = max((len(s) for s in vals), default=0)
        show_adj = self.has_adjoints
        marks: dict[int, list[str]] = {}
        try:
            nonfinite = self.nonfinite
        except Exception as e:  # the printout stands without it; say why
            nonfinite, failed = [], f"⚠ where NaN or inf came from could not be traced: {e!r}"
        else:
            failed = ""
        for n in nonfinite:
            marks.setdefault(n.row, []).append(
                f"⚠ value becomes {n.kind} here" if n.sweep == "forward" else
                f"⚠ adjoint of {n.target} becomes {n.kind} here")
        lines = []
        for r, left, val in zip(self.rows, lefts, vals):
            line = f"{left:<{w1}}  = {val}"
            if show_adj:
                adj = "0" if r.adjoint is None else _fmt_value(r.adjoint)
                line = f"{left:<{w1}}  = {val:<{w2}}  v̄{r.index} = {adj}"
            if r.var and r.op != "input":
                line += f"  # {r.var}"
            for mark in marks.get(r.index, ()):
                line += f"  {mark}"
            lines.append(line.rstrip())
        outs = ", ".join(f"v{i + 1}" if i is not None else "constant" for _, i in self.outputs)
        lines.append(f"output: {outs}")
        lines.extend(f"⚠ {n.message}" for n in nonfinite)
        if failed:
            lines.append(failed)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Trace of {self.fname}: {self.ops} ops, {len(self.rows)} rows>"


def trace(f: Callable, *args: Any, argnums: int | tuple[int, ...] | None = None,
          names: bool | float = False) -> Trace:
    """Run ``f(*args)`` once and return its Wengert list (with adjoints for a scalar f).

        >>> print(trace(lambda x, y: np.sin(x) * y, 1.5, 2.0))   # doctest: +SKIP
        >>> trace(lambda x: x ** 2, 3.0).rows[0].adjoint
        6.0

    ``argnums=None`` traces every float or array argument (Python ints too,
    promoted, unless ``f`` then fails: an int used in ``range()`` is then held
    constant); other arguments (strings, lists...) are constants. With
    ``argnums`` only those arguments are traced, and a bad one is a TypeError.

    ``names=True`` also records the local variables each statement of ``f`` binds
    (``.bindings``; rows get ``.var``). It watches ``f``'s frames with ``sys.settrace``,
    so a debugger's own trace function is suspended meanwhile (and restored after), for
    at most `NAMES_BUDGET` seconds of ``f``'s running time (a number instead of True sets
    another limit); past it ``f`` runs on at full speed, ``.bindings`` is empty and
    ``.bindings_cut`` True.
    """
    if argnums is not None:
        nums, _ = _argnums(argnums, len(args), "trace")
        return _run(f, args, nums, names)
    nums = tuple(k for k, a in enumerate(args) if _traceable(a))
    try:
        return _run(f, args, nums, names)
    except TypeError:
        held = tuple(k for k in nums if not isinstance(args[k], (int, np.integer)))
        if held == nums:
            raise
        # An int argument failed when traced (range(n), list index...): hold ints constant.
        return _run(f, args, held, names)


# ---------------------------------------------------------------- recording


class _Recorder(ReverseTrace):
    """A reverse trace that also notes name, argument refs, flops and line per node."""

    __slots__ = ("meta", "code")

    def __init__(self, code) -> None:
        super().__init__()
        self.meta: dict[int, tuple] = {}
        self.code = code

    def process(self, prim, args, params):
        refs = self._refs(args)
        out = super().process(prim, args, params)
        _, ans, primals, _, _ = self.nodes[out._idx]
        try:
            flops = prim.cost(ans, *primals, **params)
        except Exception:  # a flop formula that cannot read these shapes: count 0
            flops = 0
        self.meta[out._idx] = (prim.name, refs, dict(params), self._line(), flops)
        return out

    def process_custom_vjp(self, fn, args):
        refs = self._refs(args)
        out = super().process_custom_vjp(fn, args)
        name = getattr(fn, "__name__", "f")
        self.meta[out._idx] = (f"custom_vjp[{name}]", refs, {}, self._line(), 0)
        return out

    def _refs(self, args) -> tuple[str, ...]:
        return tuple(f"v{a._idx + 1}" if isinstance(a, RVar) and a._trace is self
                     else _fmt_const(a) for a in args)

    def _line(self) -> int | None:
        code = self.code
        if code is None:
            return None
        frame = sys._getframe(2)
        for _ in range(_MAX_FRAME_DEPTH):
            if frame is None:
                return None
            if frame.f_code is code:
                return frame.f_lineno
            frame = frame.f_back
        return None


def _traceable(a) -> bool:
    if isinstance(a, (bool, np.bool_)):
        return False
    if isinstance(a, (int, float, complex, np.integer, np.floating, np.complexfloating)):
        return True
    return isinstance(a, np.ndarray) and a.dtype.kind in "fiuc"


def _code_of(f):
    while True:
        if hasattr(f, "__code__"):
            return f.__code__
        if hasattr(f, "__func__"):
            f = f.__func__
        elif hasattr(f, "func"):  # functools.partial
            f = f.func
        elif hasattr(f, "__wrapped__"):
            f = f.__wrapped__
        else:
            return None


class _Bindings:
    """Which local variables each statement of ``f`` binds, watched with ``sys.settrace``
    on ``f``'s own frames only: at each line event, the locals that changed (by identity)
    since the previous one were bound by the previous line's statement."""

    def __init__(self, code, tape: _Recorder, budget: float) -> None:
        self.code = code
        self.tape = tape
        self.found: dict[tuple[int, str], Binding] = {}
        self.row_names: dict[int, str] = {}  # node index -> first variable bound to it
        self.budget = budget
        self.cut = False  # stopped watching after `budget` seconds: `found` is incomplete
        self._old = None
        self._deadline = 0.0

    def __enter__(self) -> _Bindings:
        self._old = sys.gettrace()
        self._deadline = time.perf_counter() + self.budget
        sys.settrace(self._call)
        return self

    def __exit__(self, *exc) -> None:
        sys.settrace(self._old)

    def _call(self, frame, event, arg):
        if frame.f_code is not self.code or self.cut:
            return None
        # previous line, and the identity of each local then: ids, not the values, so
        # that watching holds no reference of its own to the user's arrays (the kernel's
        # `a[i] = v` rewrite counts references to tell a lone array from a shared one)
        state: list = [None, _ids(frame.f_locals)]

        def local(frame, event, arg):
            if self.cut:
                return None
            if time.perf_counter() > self._deadline:
                # Watching every line costs: a long loop is not worth a slow card. The
                # rest of f runs at full speed; what was seen is incomplete, so dropped.
                self.cut = True
                sys.settrace(self._old)
                return None
            if event in ("line", "return"):
                now = frame.f_locals
                line, before = state
                if line is not None:
                    for name, v in now.items():
                        if before.get(name) != id(v):
                            self._note(line, name, v)
                state[0] = frame.f_lineno
                state[1] = _ids(now)
            return local

        return local

    def _note(self, line: int, name: str, v: Any) -> None:
        row = None
        if isinstance(v, RVar) and v._trace is self.tape:
            row = v._idx + 1
            self.row_names.setdefault(v._idx, name)
            v = raw(v)
        elif isinstance(v, Tracer) or not _traceable(v) and not isinstance(v, np.ndarray):
            return  # nested tracers, strings, objects: not a value to show
        b = self.found.get((line, name))
        if b is None:
            self.found[(line, name)] = Binding(line, name, row, _plain(v))
        else:
            b.row, b.value, b.count = row, _plain(v), b.count + 1


def _ids(names: dict[str, Any]) -> dict[str, int]:
    # An id is compared with the next line's only, while the old value is still alive
    # (a rebinding evaluates its right-hand side before dropping the old value), so a
    # reused id cannot hide a binding.
    return {name: id(v) for name, v in names.items()}


#: How long ``trace(..., names=True)`` watches f's statements (seconds of f's running
#: time); past it, ``bindings`` is empty and ``bindings_cut`` True.
NAMES_BUDGET = 1.0


def _run(f, args, nums, watch_names: bool | float = False) -> Trace:
    tape = _Recorder(_code_of(f))
    names = _param_names(f, len(args))
    a = list(args)
    rows: list[Row] = []
    input_rows = []
    input_values = {}  # by row: an in-place write in f may repoint an input's tracer
    for k in nums:
        x = _diff_arg(args[k], f, k, "trace")
        a[k] = tape.new_input(x)
        input_rows.append(len(tape.nodes) - 1)
        input_values[input_rows[-1]] = x
    budget = NAMES_BUDGET if watch_names is True else float(watch_names)
    watch = _Bindings(tape.code, tape, budget) if watch_names is not False and \
        tape.code is not None else None
    if watch is not None:
        with watch:
            out = f(*a)
    else:
        out = f(*a)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    outputs = [tape.unpack(o) for o in outs]
    input_names = dict(zip(input_rows, (names[k] for k in nums)))
    # Inputs point at the def line, so hovering the signature finds them.
    def_line = tape.code.co_firstlineno if tape.code is not None else None
    for i, node in enumerate(tape.nodes):
        if node is None:
            rows.append(Row(i + 1, "input", (), _plain(input_values[i]),
                            line=def_line, name=input_names.get(i)))
            continue
        op, refs, params, line, flops = tape.meta.get(i, ("?", (), {}, None, 0))
        prim = node[0]
        kink = None if prim is None else prim.kink_at(
            raw(node[1]), *[raw(p) for p in node[2]], **node[3])
        rows.append(Row(i + 1, op, refs, _plain(node[1]), line=line, params=params,
                        flops=flops, kink=kink,
                        var=watch.row_names.get(i) if watch is not None else None))
    t = Trace(getattr(f, "__name__", "f"), rows, [(raw(v), i) for v, i in outputs], tape,
              input_rows, list(watch.found.values()) if watch is not None and not watch.cut
              else None)
    t.bindings_cut = watch is not None and watch.cut
    if len(outputs) == 1 and outputs[0][1] is not None and np.size(outputs[0][0]) == 1:
        t.backward()
    return t


def _param_names(f, n: int) -> list[str]:
    try:
        params = [p for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    return [params[k].name if k < len(params) else f"arg{k}" for k in range(n)]


# ---------------------------------------------------------------- formatting


def _plain(v):
    v = raw(v)
    if type(v) is np.ndarray and v.ndim:
        # the value as bound: a later in-place write must not change what was seen,
        # and a copy keeps no reference to the user's array
        return v.copy()
    if isinstance(v, np.ndarray) and v.ndim == 0:
        return complex(v) if np.iscomplexobj(v) else float(v)
    if isinstance(v, np.floating):
        return float(v)
    if isinstance(v, np.complexfloating):
        return complex(v)
    return v


def _fmt_value(v) -> str:
    v = raw(v)
    if isinstance(v, np.ndarray) and v.size == 1:
        v = v.reshape(())[()]
    if isinstance(v, (complex, np.complexfloating)):
        return f"{complex(v):.6g}"
    if isinstance(v, (float, int, np.number)):
        return f"{float(v):.6g}"
    if isinstance(v, np.ndarray):
        body = np.array2string(v.ravel(), threshold=6, edgeitems=2, separator=", ",
                               max_line_width=10**6,
                               formatter={"float_kind": lambda e: f"{e:.4g}"})
        return f"{body} {v.shape}" if v.ndim > 1 else body
    return type(v).__name__


def _fmt_const(a) -> str:
    a = raw(a) if isinstance(a, Tracer) else a
    if isinstance(a, (bool, np.bool_)):
        return str(bool(a))
    if isinstance(a, (float, int, np.number)):
        return f"{float(a):.6g}"
    if isinstance(a, np.ndarray):
        if a.size <= 3:
            return np.array2string(a.ravel(), separator=", ",
                                   formatter={"float_kind": lambda e: f"{e:.4g}"})
        return f"const{list(a.shape)}"
    return type(a).__name__


def _fmt_index(i) -> str:
    if isinstance(i, slice):
        s = ("" if i.start is None else str(i.start)) + ":" + (
            "" if i.stop is None else str(i.stop))
        return s + (f":{i.step}" if i.step is not None else "")
    if i is Ellipsis:
        return "..."
    if i is None:
        return "None"
    if isinstance(i, np.ndarray):
        return f"array{list(i.shape)}"
    return repr(i)


def _fmt_param(v) -> str:
    if isinstance(v, tuple) and any(isinstance(x, (slice, type(Ellipsis))) for x in v):
        return "[" + ", ".join(_fmt_index(x) for x in v) + "]"
    if isinstance(v, (slice, np.ndarray)):
        return _fmt_index(v)
    return repr(v)


def _jsonable(v):
    if v is None:
        return None
    v = raw(v)
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, (np.number, float, int)):
        return float(v)
    return repr(v)

"""What the kernel computes for one request, one piece at a time. Runs in the kernel only.

Each function here returns one piece of `schema` or raises: `Unavailable` for an
ordinary reason ("no float parameter"), anything else for a failure that the
worker turns into a `schema.Failure` with its line (`failure`). The slice was
compiled with document line numbers (see `worker.compile_slice`), so every line
number a traceback, ``ad.trace`` or ``ad.check_grad`` reports is a 1-based
document line; pieces carry them 0-based.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import linecache
import math
import time
import types
from collections.abc import Callable
from typing import Any

import numpy as np

import ad_core as ad

from . import schema

MAX_ELEMENTS = 10_000  # arrays larger than this are summarized, not sent
MAX_COMPONENTS = 200  # components of a check sent to the card
MAX_TRACE_ROWS = 500
PLOT_POINTS = 33
PLOT_BUDGET = 0.3  # seconds: the picture is a nicety, never worth a slow card


class Unavailable(Exception):
    """A piece that cannot be computed for a known, ordinary reason."""


# -- values ------------------------------------------------------------------------------


def to_json(x: Any, depth: int = 0) -> schema.Json:
    """JSON-able copy of a result: numbers, strings, nested lists, or ``{"repr": ...}``."""
    if depth > 20:
        return {"repr": "…"}
    if x is None or isinstance(x, (bool, str)):
        return x
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x)
    if isinstance(x, (complex, np.complexfloating)):
        return {"complex": [float(x.real), float(x.imag)]}
    if isinstance(x, np.ndarray):
        if x.size > MAX_ELEMENTS:
            return {"repr": f"array of shape {x.shape}"}
        if x.dtype.kind in "fiub":
            return x.astype(float).tolist() if x.dtype.kind == "f" else x.tolist()
        return [to_json(e, depth + 1) for e in x.tolist()]
    if isinstance(x, (list, tuple)):
        return [to_json(e, depth + 1) for e in x[:MAX_ELEMENTS]]
    if isinstance(x, dict):
        return {str(k): to_json(v, depth + 1) for k, v in list(x.items())[:200]}
    return {"repr": _short(repr(x))}


def describe(x: Any) -> str:
    """What a value is, in a few words: "a float", "a tuple (float, str)", "None"."""
    if x is None:
        return "None"
    if isinstance(x, (bool, np.bool_)):
        return "a bool"
    if isinstance(x, (int, np.integer)):
        return "an int"
    if isinstance(x, (float, np.floating)):
        return "a float"
    if isinstance(x, (complex, np.complexfloating)):
        return "a complex number"
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} ({x.dtype})"
    if isinstance(x, str):
        return "a string"
    if isinstance(x, (tuple, list)):
        kinds = ", ".join(type(e).__name__ for e in x[:6]) + (", …" if len(x) > 6 else "")
        return f"a {type(x).__name__} of {len(x)} ({kinds})"
    if isinstance(x, dict):
        return f"a dict of {len(x)} item{'' if len(x) == 1 else 's'}"
    if isinstance(x, type):
        return f"the class {x.__name__}"
    if isinstance(x, (types.FunctionType, types.BuiltinFunctionType, functools.partial)):
        return f"the function {getattr(x, '__name__', repr(x))}"
    if callable(x):
        return f"a callable {type(x).__name__}"
    return f"a {type(x).__name__}"


def is_number(x: Any) -> bool:
    """A real number or a real numeric array of one element: what has a gradient."""
    try:
        return np.asarray(x).dtype.kind in "fiu" and np.size(x) == 1 and not isinstance(x, bool)
    except Exception:
        return False


def is_numeric_array(x: Any) -> bool:
    return isinstance(x, np.ndarray) and x.dtype.kind in "fiu"


def _short(s: str, n: int = 300) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def failure(e: BaseException, filename: str) -> schema.Failure:
    """An exception as a message plus the document line (0-based) where user code raised."""
    if isinstance(e, SystemExit):
        return schema.Failure(f"the code called sys.exit({e.code!r})")
    line = None
    tb = e.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno - 1
        tb = tb.tb_next
    msg = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
    return schema.Failure(_short(msg, 600), line)


def _line0(line: int | None) -> int | None:
    return None if line is None else line - 1


# -- binding a function to its point -----------------------------------------------------


def convert_value(v: Any) -> Any:
    """Literal -> argument: numeric lists become float64 (or int) arrays."""
    if isinstance(v, (list, tuple)):
        arr = np.asarray(v)
        if arr.dtype.kind in "iub":
            return arr
        if arr.dtype.kind == "f":
            return arr.astype(np.float64)
        return v
    return v


def differentiable(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, float):
        return True
    return isinstance(v, np.ndarray) and v.dtype.kind == "f"


@dataclasses.dataclass
class Call:
    """A function bound to its point: positional args, keyword args, argnums."""

    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    names: tuple[str, ...]  # names of the positional args
    argnums: tuple[int, ...]

    @classmethod
    def bind(cls, fn: Callable[..., Any], point: dict[str, Any]) -> Call:
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            sig = None
        values = {k: convert_value(v) for k, v in point.items()}
        args: list[Any] = []
        names: list[str] = []
        kwargs: dict[str, Any] = {}
        if sig is None:
            args, names = list(values.values()), list(values)
        else:
            for p in sig.parameters.values():
                if p.name not in values:
                    continue
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
                    args.append(values[p.name])
                    names.append(p.name)
                elif p.kind == p.KEYWORD_ONLY:
                    kwargs[p.name] = values[p.name]
        argnums = tuple(i for i, a in enumerate(args) if differentiable(a))
        return cls(fn, tuple(args), kwargs, tuple(names), argnums)

    @property
    def name(self) -> str:
        return getattr(self.fn, "__name__", "f")

    @property
    def f(self) -> Callable[..., Any]:
        if not self.kwargs:
            return self.fn
        # keyword-only values held fixed; wraps: check_grad finds the user's function
        # (its name, its file for failure lines) behind the partial
        return functools.wraps(self.fn)(functools.partial(self.fn, **self.kwargs))

    @property
    def ad_argnums(self) -> int | tuple[int, ...]:
        """argnums as ``ad.grad`` takes them: an int for one argument (its gradient is
        then one value, as a hand-written one for a single argument returns)."""
        if not self.argnums:
            raise Unavailable("no float parameter at this point (ints and other values are held)")
        return self.argnums[0] if len(self.argnums) == 1 else self.argnums

    def label(self, argnum: int, index: tuple[int, ...] = ()) -> str:
        name = self.names[argnum] if argnum < len(self.names) else f"arg{argnum}"
        return name + (f"[{', '.join(str(int(i)) for i in index)}]" if index else "")


# -- the pieces ----------------------------------------------------------------------------


def piece_value(call: Call) -> schema.Value:
    out = call.f(*call.args)
    return schema.Value(to_json(out), describe(out), list(np.shape(out)) if _shaped(out) else [],
                        is_number(out) or is_numeric_array(out))


def _shaped(x: Any) -> bool:
    return isinstance(x, (int, float, np.number, np.ndarray))


def _output(call: Call) -> Any:
    """f's output at the point, or Unavailable when it has no gradient."""
    out = call.f(*call.args)
    if not (is_number(out) or is_numeric_array(out)):
        raise Unavailable(f"{call.name} returns {describe(out)}: only a number or an array "
                          "of numbers has a derivative")
    return out


def piece_gradient(call: Call) -> schema.Gradient:
    argnums = call.ad_argnums
    if is_number(_output(call)):
        values, mode = ad.grad(call.f, argnums=argnums)(*call.args), "reverse"
    else:
        values, mode = ad.jacrev(call.f, argnums=argnums)(*call.args), "Jacobian by reverse mode"
    names = [call.names[i] for i in call.argnums]
    values = (values,) if isinstance(argnums, int) else tuple(values)
    return schema.Gradient(mode, {n: to_json(v) for n, v in zip(names, values, strict=True)},
                           {n: list(np.shape(v)) for n, v in zip(names, values, strict=True)})


def piece_check(call: Call, hand: Callable[..., Any] | None = None) -> schema.Check:
    """AD's gradient against finite differences, or (``hand``) a hand-written derivative
    against AD and finite differences: one ``ad.check_grad`` call either way."""
    argnums = call.ad_argnums
    if not is_number(_output(call)):
        raise Unavailable(f"{call.name} returns an array, not a number: the check covers "
                          "gradients of scalar functions")
    grad_fn = None
    if hand is not None:
        grad_fn = _as_ad_grad(hand, call)
    r = ad.check_grad(call.f, *call.args, argnums=argnums, grad_fn=grad_fn)
    worst = None
    if r.worst is not None and r.worst[1] is not None:
        worst = call.label(*r.worst)
    elif r.worst is not None:
        worst = call.label(r.worst[0])
    comps = r.components(limit=MAX_COMPONENTS)
    return schema.Check(
        target=call.name,
        subject="hand" if hand is not None else "ad",
        outcome=r.outcome,
        reference=r.reference,
        message=r.message,
        components=[schema.Component(call.label(c.argnum, c.index), c.hand, c.ad, c.fd, {
            pair: ok for pair, ok in zip(schema.PAIRS, (c.hand_ad, c.hand_fd, c.ad_fd),
                                         strict=True) if ok is not None
        }) for c in comps],
        n_components=sum(int(np.size(call.args[k])) for k in call.argnums),
        worst=worst,
        max_abs_err=_finite_or_none(r.max_abs_err),
        max_rel_err=_finite_or_none(r.max_rel_err),
        failures={k: schema.Failure(f.message, _line0(f.line)) for k, f in r.failures.items()},
    )


def _finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _as_ad_grad(hand: Callable[..., Any], call: Call) -> Callable[..., Any]:
    """The hand-written derivative called as ``ad.grad(f, argnums)`` would be: same
    arguments, and its result repacked where real code's convention is unambiguous
    (``(g,)`` for one scalar argument; one flat array for several arguments, as scipy's
    ``jac`` returns). Anything else goes to ``check_grad`` as it is, which says what
    was expected."""

    @functools.wraps(hand)
    def adapted(*args: Any) -> Any:
        out = hand(*args, **call.kwargs)
        nums = call.argnums
        if len(nums) == 1:
            if isinstance(out, (tuple, list)) and len(out) == 1 and np.ndim(args[nums[0]]) == 0:
                return out[0]
            return out
        if isinstance(out, (tuple, list)) and len(out) == len(nums):
            return out
        try:
            flat = np.ravel(np.asarray(out, dtype=float))
        except (TypeError, ValueError):
            return out
        sizes = [int(np.size(args[k])) for k in nums]
        if flat.size != sum(sizes):
            return out
        parts, start = [], 0
        for k, n in zip(nums, sizes, strict=True):
            parts.append(flat[start : start + n].reshape(np.shape(args[k])))
            start += n
        return tuple(parts)

    return adapted


def piece_cost(call: Call) -> schema.Cost:
    _output(call)
    return schema.Cost.of(ad.cost.estimate(call.f, *call.args), "measured")


def piece_trace(call: Call) -> schema.Trace:
    t = ad.trace(call.f, *call.args, argnums=call.argnums or None)
    rows = [
        schema.TraceRow(f"{r.ref} = {r.expr}", r.op, to_json(r.value), to_json(r.adjoint),
                        _line0(r.line), r.kink or "")
        for r in t.rows[:MAX_TRACE_ROWS]
    ]
    return schema.Trace(rows, _short(str(t), 20_000))


def piece_plot(call: Call) -> schema.Plot:
    """f and ∂f/∂p along the first scalar parameter p around the point (the others held)."""
    k = next((i for i in call.argnums if np.ndim(call.args[i]) == 0), None)
    if k is None:
        raise Unavailable("no scalar parameter to plot along")
    if not is_number(_output(call)):
        raise Unavailable("not plotted: the output is not a number")
    x0 = float(call.args[k])
    half = max(1.0, abs(x0))
    xs = np.linspace(x0 - half, x0 + half, PLOT_POINTS)
    vg = ad.value_and_grad(call.f, argnums=k)
    deadline = time.monotonic() + PLOT_BUDGET
    fs: list[float | None] = []
    dfs: list[float | None] = []
    args = list(call.args)
    for x in xs:
        if time.monotonic() > deadline:
            raise Unavailable(f"f is too slow to plot in {PLOT_BUDGET:g} s")
        args[k] = float(x)
        try:
            v, d = vg(*args)
            v, d = float(v), float(d)
        except Exception:  # outside the domain here: a gap in the curve
            v = d = math.nan
        defined = math.isfinite(v)  # no derivative to draw where f itself is undefined
        fs.append(v if defined else None)
        dfs.append(d if defined and math.isfinite(d) else None)
    return schema.Plot(call.names[k], x0, xs.tolist(), fs, dfs)


# -- debugging a gradient ------------------------------------------------------------------

MAX_BINDINGS = 2000  # statements x variables sent for the inlay hints
HINT_ELEMENTS = 8  # an array value with more elements is sent as its norm only
# How long the statements are watched (seconds): the hints are a nicety, never worth
# pushing a card past its time limit (the rest of the run is at full speed).
WATCH_BUDGET = 0.25


def piece_debug(call: Call) -> schema.Debug:
    """One ``ad.trace`` run that records the variables each statement binds: their values
    and adjoints (inlay hints), where NaN or inf came from, and where traps."""
    t = ad.trace(call.f, *call.args, argnums=call.argnums or None, names=WATCH_BUDGET)
    out_row = t.outputs[0][1] if len(t.outputs) == 1 else None
    output_adjoint = t.rows[out_row].adjoint if out_row is not None else None
    bindings = []
    for b in t.bindings[:MAX_BINDINGS]:
        adjoint = t.rows[b.row - 1].adjoint if b.row is not None else None
        bindings.append(schema.Binding(
            _line0(b.line), b.name, _small(b.value), list(np.shape(b.value)),
            _norm(b.value), _small(adjoint), _norm(adjoint),
            float(np.max(np.abs(adjoint))) if _real(adjoint) else None, b.count))
    return schema.Debug(
        bindings,
        [schema.NonFinite(n.sweep, _line0(n.line), n.what, n.reached,  # type: ignore[arg-type]
                          [x - 1 for x in n.through]) for n in t.nonfinite],
        [schema.WhereTrap(_line0(w.line), _line0(w.branch_line), w.what, list(w.inputs))
         for w in t.where_traps],
        float(output_adjoint) if isinstance(output_adjoint, float) else None,
        t.bindings_cut,
    )


def _real(x: Any) -> bool:
    return x is not None and np.asarray(x).dtype.kind in "fiu" and np.size(x) > 0


def _small(x: Any) -> schema.Json:
    if x is None or np.size(x) > HINT_ELEMENTS:
        return None
    return to_json(x)


def _norm(x: Any) -> float | None:
    if not (_real(x) and np.ndim(x) > 0):
        return None
    return float(np.linalg.norm(np.ravel(np.asarray(x, dtype=float))))


# -- source transformation (ad.sct) ---------------------------------------------------------

# |sct - ad| within this of each other is agreement: two implementations of the same
# rules, differing only in the order floating-point operations are done.
SCT_RTOL = 1e-7
SCT_ATOL = 1e-10


def readable_slice(fn: Callable[..., Any], req: schema.Request) -> None:
    """Let ``ad.sct`` read the source of the slice's functions: linecache gets the slice
    under the slice's file name, each line at its *document* line (the slice is compiled
    with them), blank lines between. ``SourceTransformError.line`` and the generated
    ``# line N:`` comments then name the lines the user sees. A function from a real file
    (a sibling module) is read from that file as usual."""
    code = getattr(getattr(fn, "__func__", fn), "__code__", None)
    if code is None or not req.slice:
        return
    filename = code.co_filename
    if not (filename.startswith("<") and filename.endswith(">")):
        return
    lines = req.slice.splitlines()
    if len(req.lines) == len(lines):
        text = [""] * (max(req.lines, default=-1) + 1)
        for at, line in zip(req.lines, lines, strict=True):
            # two statements of one document line (``a = 1; b = 2``) both went in
            text[at] = f"{text[at]}; {line}" if text[at] else line
    else:  # no document lines: the slice's own
        text = lines
    body = [line + "\n" for line in text]
    linecache.cache[filename] = (sum(map(len, body)), None, body, filename)


def piece_sct(call: Call, req: schema.Request) -> schema.SctCheck:
    """``ad.sct.grad`` against ``ad.grad`` at the point: the two techniques of reverse mode,
    compared. A construct ad.sct does not transform is an outcome, not a failure."""
    argnums = call.ad_argnums
    if not is_number(_output(call)):
        raise Unavailable("not compared: the output is an array (ad.sct.grad differentiates "
                          "functions with a number as output)")
    readable_slice(call.fn, req)
    try:
        got = ad.sct.grad(call.fn, argnums=argnums)(*call.args, **call.kwargs)
    except ad.sct.SourceTransformError as e:
        return schema.SctCheck("not transformed", e.construct or "", _line0(e.line),
                               _short(e.message, 600))
    ref = ad.grad(call.f, argnums=argnums)(*call.args)
    if isinstance(argnums, int):
        got, ref, nums = (got,), (ref,), (argnums,)
    else:
        nums = argnums
    worst, worst_err, agrees = None, 0.0, True
    for k, a, b in zip(nums, got, ref, strict=True):
        a = np.asarray(a, dtype=float)
        b = np.asarray(b, dtype=float)
        if a.shape != b.shape:
            return schema.SctCheck("disagrees", message=f"∂/∂{call.label(k)} has shape "
                                   f"{a.shape} by source transformation, {b.shape} by ad.grad")
        with np.errstate(invalid="ignore", over="ignore"):
            same = (a == b) | (np.isnan(a) & np.isnan(b))  # inf = inf, NaN = NaN
            finite = np.abs(np.where(np.isfinite(b), b, 0.0))
            scale = max(1.0, float(np.max(finite, initial=0.0)))
            diff = np.where(same, 0.0, np.abs(a - b))
            err = np.where(np.isnan(diff), np.inf, diff)  # NaN on one side only: off
            agrees = agrees and bool(np.all(err <= SCT_RTOL * finite + SCT_ATOL * scale))
        if err.size:
            i = int(np.argmax(err))
            if worst is None or float(err.flat[i]) > worst_err:
                worst_err = float(err.flat[i])
                index = np.unravel_index(i, err.shape) if err.ndim else ()
                worst = call.label(k, tuple(int(j) for j in index))
    return schema.SctCheck("agrees" if agrees else "disagrees", max_abs_err=worst_err,
                           worst=worst)


def piece_transformed(call: Call, req: schema.Request) -> schema.Transformed | schema.Failure:
    """The code ``ad.sct`` generates for the function, specialised to the point's types
    and shapes: the source, and where each of its lines comes from."""
    argnums = call.ad_argnums
    readable_slice(call.fn, req)
    try:
        gen = ad.sct.generate(call.fn, argnums=argnums, mode=req.mode, like=call.args,
                              like_kwargs=call.kwargs)
    except ad.sct.SourceTransformError as e:
        return schema.Failure(_short(f"not transformed: {e.message}", 600), _line0(e.line))
    lines = gen.source.splitlines()

    def origin(line: int) -> int | None:  # 1-based; None for a callee from another file
        return _line0(gen.origin(line)) if gen.file_of(line) == gen.file else None

    start = next((i for i, line in enumerate(lines) if line and not line.startswith(
        ("#", "import ", "from "))), len(lines))
    imports = [line for line in lines[:start] if line.startswith(("import ", "from "))]
    return schema.Transformed(
        source=gen.source, name=gen.name, mode=gen.mode,  # type: ignore[arg-type]
        function=gen.function, file=gen.file,
        origins=[origin(i + 1) for i in range(len(lines))],
        blocks=[schema.SctBlock(a - 1, b - 1, o - 1) for a, b, o in gen.blocks
                if gen.file_of(a) == gen.file],
        functions={name: [a - 1, b - 1] for name, (a, b) in gen.functions.items()},
        imports=imports, definitions="\n".join(lines[start:]) + "\n",
        argnums=[call.names[k] for k in call.argnums])


def pieces_for(fn: Callable[..., Any], target: Callable[..., Any] | None,
               req: schema.Request | dict[str, Any]) -> list[tuple[str, Callable[[], Any]]]:
    """(piece name, computation) in the order they are sent: a hand-written derivative
    (``target`` is the function it differentiates) gets its value and the verdict; a
    function gets everything; op "sct" the code ad.sct generates. ``req``: the request,
    or a bare point (tests)."""
    if isinstance(req, dict):
        req = schema.Request("", getattr(fn, "__name__", "f"), req)
    call = Call.bind(fn, dict(req.point))
    if req.op == "sct":
        return [("transformed", lambda: piece_transformed(call, req))]
    if target is not None:
        tcall = Call.bind(target, dict(req.point))
        return [("value", lambda: piece_value(call)),
                ("check", lambda: piece_check(tcall, hand=fn))]
    return [
        ("value", lambda: piece_value(call)),
        ("gradient", lambda: piece_gradient(call)),
        ("check", lambda: piece_check(call)),
        ("cost", lambda: piece_cost(call)),
        ("trace", lambda: piece_trace(call)),
        ("plot", lambda: piece_plot(call)),
        ("debug", lambda: piece_debug(call)),
        ("sct", lambda: piece_sct(call, req)),
    ]

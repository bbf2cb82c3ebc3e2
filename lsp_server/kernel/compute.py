"""What the worker computes for one request, one guarded piece at a time.

Runs inside the kernel process only. Each piece (value, gradient, check,
cost, trace, verdict) is computed on its own, so a missing ``ad_core``
feature or a failing piece leaves the others intact.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import time
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

MAX_ELEMENTS = 10_000  # arrays larger than this are summarized, not sent
VERDICT_RTOL, VERDICT_ATOL = 1e-6, 1e-8  # hand-written vs AD (both exact: only rounding differs)


class Unavailable(Exception):
    """A piece that cannot be computed for a known, ordinary reason."""


def to_json(x: Any, depth: int = 0) -> Any:
    """JSON-able copy of a result: floats, nested lists, or ``{"repr": ...}``."""
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
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return {f.name: to_json(getattr(x, f.name), depth + 1) for f in dataclasses.fields(x)}
    return {"repr": _short(repr(x))}


def _short(s: str, n: int = 300) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def describe(e: BaseException, filename: str) -> dict[str, Any]:
    """An error as a message plus the 1-based slice line where user code raised it."""
    if isinstance(e, SystemExit):
        return {"error": f"the code called sys.exit({e.code!r})", "type": "SystemExit"}
    line = None
    for fs in traceback.extract_tb(e.__traceback__):
        if fs.filename == filename:
            line = fs.lineno
    msg = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
    return {"error": _short(msg, 600), "type": type(e).__name__, "line": line}


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
    def f(self) -> Callable[..., Any]:
        return functools.partial(self.fn, **self.kwargs) if self.kwargs else self.fn

    def need_argnums(self) -> tuple[int, ...]:
        if not self.argnums:
            raise Unavailable("no float parameter at this point (ints and other values are held)")
        return self.argnums

    def label(self, argnum: int, index: Any = None) -> str:
        name = self.names[argnum] if argnum < len(self.names) else f"arg{argnum}"
        if index is None or index == () or index == []:
            return name
        if isinstance(index, (int, np.integer)):
            index = (int(index),)
        return f"{name}[{', '.join(str(int(i)) for i in index)}]"


def is_scalar(x: Any) -> bool:
    return np.ndim(x) == 0 or np.size(x) == 1


def piece_value(call: Call) -> dict[str, Any]:
    out = call.f(*call.args)
    return {"value": to_json(out), "shape": list(np.shape(out)), "scalar": _scalar_out(out)}


def _scalar_out(out: Any) -> bool:
    try:
        return bool(is_scalar(out)) and np.asarray(out).dtype.kind in "fiub"
    except Exception:
        return False


PLOT_POINTS = 33
PLOT_BUDGET = 0.3  # seconds: the picture is a nicety, never worth a slow card


def piece_plot(ad: Any, call: Call) -> dict[str, Any]:
    """f and ∂f/∂p along the first scalar parameter p around the point (the others held)."""
    k = next((i for i in call.argnums if np.ndim(call.args[i]) == 0), None)
    if k is None:
        raise Unavailable("no scalar parameter to plot along")
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
        except TypeError as e:  # a non-scalar output, say: no picture at all
            raise Unavailable(f"not plotted: {e}") from None
        except Exception:  # outside the domain here: a gap in the curve
            v = d = math.nan
        defined = math.isfinite(v)  # no derivative to draw where f itself is undefined
        fs.append(v if defined else None)
        dfs.append(d if defined and math.isfinite(d) else None)
    return {"param": call.names[k], "x0": x0, "xs": xs.tolist(), "f": fs, "df": dfs}


def piece_gradient(ad: Any, call: Call) -> dict[str, Any]:
    argnums = call.need_argnums()
    out = call.f(*call.args)
    if _scalar_out(out):
        values = ad.grad(call.f, argnums=argnums)(*call.args)
        mode = "reverse"
    else:
        values = ad.jacrev(call.f, argnums=argnums)(*call.args)
        mode = "Jacobian by reverse mode"
    values = tuple(values)
    return {
        "mode": mode,
        "argnums": list(argnums),
        "names": [call.names[i] for i in argnums],
        "values": [to_json(v) for v in values],
        "shapes": [list(np.shape(v)) for v in values],
    }


def piece_check(ad: Any, call: Call) -> dict[str, Any]:
    argnums = call.need_argnums()
    if not _scalar_out(call.f(*call.args)):
        raise Unavailable("the output is not a scalar (the check covers gradients)")
    r = ad.check_grad(call.f, *call.args, argnums=argnums)
    return _check_json(r, call, argnums)


def _check_json(r: Any, call: Call, argnums: tuple[int, ...]) -> dict[str, Any]:
    worst = getattr(r, "worst", None)
    label = None
    if worst is not None:
        try:
            k, index = worst
            label = call.label(argnums[k] if k < len(argnums) else k, index)
        except (TypeError, ValueError, IndexError):
            label = str(worst)
    return {
        "passed": bool(r.ok),
        "max_abs_err": _float(getattr(r, "max_abs_err", None)),
        "max_rel_err": _float(getattr(r, "max_rel_err", None)),
        "worst": label,
        "message": str(getattr(r, "message", "") or ""),
        "analytic": to_json(getattr(r, "analytic", None)),
        "numeric": to_json(getattr(r, "numeric", None)),
    }


def _float(x: Any) -> float | None:
    try:
        return None if x is None else float(x)
    except (TypeError, ValueError):
        return None


_COST_FIELDS = (
    "n_inputs", "n_outputs", "ops", "flops", "forward_passes", "reverse_passes",
    "forward_flops", "reverse_flops", "tape_bytes", "recommended", "forward_time",
    "reverse_time", "is_estimate", "notes",
)  # fmt: skip


def cost_json(c: Any) -> dict[str, Any]:
    if isinstance(c, dict):
        return {k: to_json(c.get(k)) for k in _COST_FIELDS if k in c}
    out = {k: to_json(getattr(c, k)) for k in _COST_FIELDS if hasattr(c, k)}
    try:
        out["summary"] = str(c.summary())
    except Exception:
        pass
    return out


def piece_cost(ad: Any, call: Call) -> dict[str, Any]:
    return cost_json(ad.cost.estimate(call.f, *call.args))


_ROW_KEYS = ("name", "op", "args", "inputs", "value", "adjoint", "line", "lineno", "text", "shape")


def _row_json(row: Any) -> dict[str, Any]:
    if isinstance(row, dict):
        d = row
    elif dataclasses.is_dataclass(row) and not isinstance(row, type):
        d = {f.name: getattr(row, f.name) for f in dataclasses.fields(row)}
    elif hasattr(row, "_asdict"):
        d = row._asdict()
    elif hasattr(row, "__dict__") or hasattr(row, "__slots__"):
        d = {k: getattr(row, k) for k in _ROW_KEYS if hasattr(row, k)}
    else:
        d = {"text": str(row)}
    out = {str(k): to_json(v) for k, v in d.items() if not callable(v)}
    out.setdefault("text", str(row) if not isinstance(row, dict) else "")
    return out


def piece_trace(ad: Any, call: Call) -> dict[str, Any]:
    if call.argnums:
        t = ad.trace(call.f, *call.args, argnums=call.argnums)
    else:
        t = ad.trace(call.f, *call.args)
    if hasattr(t, "as_dicts"):
        rows = [
            {**to_json(r), "text": f"{r.get('ref', '')} = {r.get('expr', '')}"}
            for r in t.as_dicts()[:500]
        ]
        return {"rows": rows, "text": _short(str(t), 20_000)}
    rows = None
    for attr in ("rows", "entries", "nodes", "lines"):
        rows = getattr(t, attr, None)
        if rows is not None and not callable(rows):
            break
    if rows is None:
        try:
            rows = list(t)
        except TypeError:
            rows = []
    rows = list(rows)[:500]
    return {"rows": [_row_json(r) for r in rows], "text": _short(str(t), 20_000)}


def _flatten(
    values: tuple[Any, ...], call: Call, argnums: tuple[int, ...]
) -> list[tuple[str, float]]:
    out = []
    for k, v in zip(argnums, values, strict=True):
        arr = np.asarray(v, dtype=float)
        if arr.ndim == 0:
            out.append((call.label(k), float(arr)))
        else:
            for idx in np.ndindex(arr.shape):
                out.append((call.label(k, idx), float(arr[idx])))
    return out


def _align(hand: Any, ad_values: tuple[Any, ...]) -> tuple[Any, ...]:
    """The hand-written result as one entry per argnum, as ``ad.grad`` gives it."""
    n = len(ad_values)
    if n == 1 and not (
        isinstance(hand, (tuple, list))
        and len(hand) == 1
        and np.shape(hand[0]) == np.shape(ad_values[0])
    ):
        return (hand,)
    if isinstance(hand, (tuple, list)) and len(hand) == n:
        return tuple(hand)
    flat = np.ravel(np.asarray(hand, dtype=float))
    sizes = [int(np.size(v)) for v in ad_values]
    if flat.size != sum(sizes):
        raise Unavailable(
            f"the hand-written gradient returns {flat.size} numbers, ∇ has {sum(sizes)}"
        )
    parts, start = [], 0
    for v, s in zip(ad_values, sizes, strict=True):
        parts.append(flat[start : start + s].reshape(np.shape(v)))
        start += s
    return tuple(parts)


def piece_verdict(ad: Any, target: Call, grad_fn: Callable[..., Any], fname: str) -> dict[str, Any]:
    """Hand-written gradient vs AD (exact), component by component."""
    argnums = target.need_argnums()
    ad_values = tuple(ad.grad(target.f, argnums=argnums)(*target.args))
    hw_fn = functools.partial(grad_fn, **target.kwargs) if target.kwargs else grad_fn
    hand = _align(hw_fn(*target.args), ad_values)
    for k, h, a in zip(argnums, hand, ad_values, strict=True):
        if np.size(h) != np.size(a):
            raise Unavailable(
                f"hand-written ∂{fname}/∂{target.names[k]} has shape {np.shape(h)}, "
                f"∇ has {np.shape(a)}"
            )
    hw = _flatten(
        tuple(np.reshape(h, np.shape(a)) for h, a in zip(hand, ad_values, strict=True)),
        target,
        argnums,
    )
    av = _flatten(ad_values, target, argnums)
    rows, worst, worst_score = [], None, -1.0
    for (label, h), (_, a) in zip(hw, av, strict=True):
        diff = abs(h - a)
        ok = bool(np.isclose(h, a, rtol=VERDICT_RTOL, atol=VERDICT_ATOL, equal_nan=True))
        score = diff / (VERDICT_ATOL + VERDICT_RTOL * abs(a)) if math.isfinite(diff) else math.inf
        if not (h == h) and not (a == a):
            score = 0.0
        rows.append({"component": label, "hand": h, "ad": a, "ok": ok})
        if score > worst_score:
            worst, worst_score = rows[-1], score
    ok = all(r["ok"] for r in rows)
    return {
        "correct": ok,
        "components": rows[:200],
        "worst": None if ok else worst,
        "rtol": VERDICT_RTOL,
        "atol": VERDICT_ATOL,
    }


def piece_verdict_fd(ad: Any, target: Call, grad_fn: Callable[..., Any]) -> dict[str, Any]:
    """The hand-written gradient against finite differences (``ad.check_grad``)."""
    argnums = target.need_argnums()
    hw_fn = functools.partial(grad_fn, **target.kwargs) if target.kwargs else grad_fn
    r = ad.check_grad(target.f, *target.args, argnums=argnums, grad_fn=hw_fn)
    return _check_json(r, target, argnums)

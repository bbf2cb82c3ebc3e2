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
import itertools
import linecache
import math
import time
import types
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

import ad_core as ad
from ad_core._numpy.array_api_extra import at_updates
from ad_core._numpy.creation import PATCHED, array_constructors
from ad_core._numpy.scipy_stats import distribution_methods

from . import directions, layouts, nested, schema

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
    """A real number or a real numeric array of one element: what has a gradient. A list
    of one number is a list (`_stacked` reads it): ``ad.grad`` takes no list output."""
    if isinstance(x, (bool, list, tuple)):
        return False
    try:
        return np.asarray(x).dtype.kind in "fiu" and np.size(x) == 1
    except Exception:
        return False


def is_numeric_array(x: Any) -> bool:
    return isinstance(x, np.ndarray) and x.dtype.kind in "fiu"


def output_kind(x: Any) -> str | None:
    """"real", "complex" or "bool" for a number or a NumPy array of them (the three kinds
    of output that have a derivative, each its own way: `piece_gradient`); None for
    anything else, lists included."""
    if isinstance(x, (bool, np.bool_)):
        return "bool"
    if isinstance(x, np.ndarray):
        kind = x.dtype.kind
    elif isinstance(x, (int, float, complex, np.number)):
        kind = np.asarray(x).dtype.kind
    else:
        return None
    return {"f": "real", "i": "real", "u": "real", "c": "complex", "b": "bool"}.get(kind)


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


# -- finding the function and its instance ----------------------------------------------


def resolve(ns: dict[str, Any], req: schema.Request) -> tuple[Callable[..., Any],
                                                             Callable[..., Any] | None]:
    """The function (``f`` or ``Class.method``) and the one it is a derivative of, found
    in the slice's namespace; a method bound to one instance built as ``req.instance``
    says (both functions share it). Raises `Unavailable` for a name that is not there."""
    instance: list[Any] = []

    def self_() -> Any:
        if not instance:
            if req.instance is None:
                raise Unavailable("this method needs an instance and none could be built: "
                                  "add # adlens: self=ClassName(...) above it")
            obj = build_instance(ns, req.instance)
            for m in req.setup:
                getattr(obj, m)()
            instance.append(obj)
        return instance[0]

    runs = nested.Runs(req.enclosing)  # a closure and its target: one enclosing run
    fn = lookup(ns, req.function, self_, own=True, runs=runs)
    target = lookup(ns, req.gradient_of, self_, runs=runs) if req.gradient_of else None
    return fn, target


def lookup(ns: dict[str, Any], name: str, self_: Callable[[], Any],
           own: bool = False, runs: nested.Runs | None = None) -> Callable[..., Any]:
    """``name`` in the slice, a method bound to ``self_()``. ``own``: the class's own
    method even when the instance's class (one derived from it) overrides it: the card
    is about the code the user reads. ``outer.inner`` / ``Class.method.inner``: the
    function defined there, as the enclosing function binds it (`nested`)."""
    if nested.is_nested(ns, name):
        try:
            return nested.closure(ns, name, self_, runs or nested.Runs(), _call_at)
        except nested.Unreachable as e:
            raise Unavailable(str(e)) from None
    head, _, method = name.partition(".")
    obj = ns.get(head)
    if obj is None:
        raise Unavailable(f"{head!r} is not defined in the slice")
    if not method:
        if not callable(obj):
            raise Unavailable(f"{name!r} is not a function in the slice")
        return obj
    if not isinstance(obj, type):
        raise Unavailable(f"{head!r} is not a class")
    try:
        raw = inspect.getattr_static(obj, method)
    except AttributeError:
        raise Unavailable(f"{head} has no method {method!r}") from None
    if isinstance(raw, (staticmethod, classmethod)):
        return getattr(obj, method)
    obj_self = self_()
    bound = getattr(obj_self, method)  # bound now: a method may rebind its own name
    if own and type(obj_self) is not obj and _static(type(obj_self), method) is not raw \
            and hasattr(raw, "__get__"):
        bound = raw.__get__(obj_self, type(obj_self))
    if not callable(bound):
        raise Unavailable(f"{name} is not callable on the instance ({describe(bound)})")
    return bound


def _call_at(f: Callable[..., Any], point: dict[str, Any]) -> Any:
    call = Call.bind(f, point)
    return call.fn(*call.args, **call.kwargs)


def _static(cls: type, name: str) -> Any:
    try:
        return inspect.getattr_static(cls, name)
    except AttributeError:
        return None


def build_instance(ns: dict[str, Any], spec: dict[str, Any]) -> Any:
    """``{"class": "C", "args": [...], "kwargs": {...}}`` -> ``C(*args, **kwargs)``; an
    argument that is such a dict is built first. Lists become arrays, as in a point."""
    cls = ns.get(spec["class"])
    if not isinstance(cls, type):
        raise Unavailable(f"{spec['class']!r} is not a class in the slice")

    def arg(v: Any) -> Any:
        if isinstance(v, dict) and "class" in v:
            return build_instance(ns, v)
        return convert_value(v)

    return cls(*[arg(v) for v in spec.get("args", [])],
               **{k: arg(v) for k, v in spec.get("kwargs", {}).items()})


# -- when a guessed point or instance does not work ---------------------------------------

# A synthetic point (or a guessed ``self = Class()``) is only a guess: where the function
# raises or returns NaN/inf there, a few alternatives are tried, in a fixed order, within
# a budget, and the first that runs and gives finite numbers is used; the card says which
# and after how many failed attempts (`schema.Probe`). A user's value is never replaced.
PROBE_ATTEMPTS = 16  # alternatives tried at most
PROBE_BUDGET = 0.5  # seconds for all of them: a guess is never worth a slow card
PROBE_LENGTHS = (1, 2, 3, 4, 5, 10)  # vector lengths tried last
PROBE_SCALES = (0.5, 2.0, 0.1, 10.0)  # one parameter's value times these (a domain edge)
MAX_PROBE_SIZE = 10_000
# errors no other point or instance cures: a missing name or module
NOT_PROBED = (NameError, ImportError, SyntaxError)


@dataclasses.dataclass
class Chosen:
    """The function and its target bound at the instance used, the request as run (its
    point replaced when the guessed one did not work) and what the card says about it."""

    fn: Callable[..., Any]
    target: Callable[..., Any] | None
    req: schema.Request
    probe: schema.Probe | None = None


class _Placeholder(Exception):
    """A method that is not implemented: it returns ``NotImplementedError`` (the class) or
    ``NotImplemented``, or raises ``NotImplementedError``."""


@dataclasses.dataclass
class _Tries:
    """The probe's bookkeeping: failed attempts so far, the first failure, the deadline."""

    deadline: float
    first: str = ""
    failed: int = 1  # the requested point and instance

    @property
    def spent(self) -> bool:
        return self.failed > PROBE_ATTEMPTS or time.monotonic() > self.deadline


def choose(ns: dict[str, Any], req: schema.Request) -> Chosen:
    """`resolve`, then, when what was guessed does not work, the first alternative that
    does (see `PROBE_ATTEMPTS`): other shapes or values for the synthetic parameters,
    another class of the file for a guessed instance that cannot be built or whose
    method calls a placeholder. Raises as `resolve` does when the requested instance
    cannot be built and no alternative can."""
    guessed = req.instance is not None and req.instance_source in ("constructor", "synthetic")
    if not (req.synthetic or guessed):
        fn, target = resolve(ns, req)
        return Chosen(fn, target, req)
    tries = _Tries(time.monotonic() + PROBE_BUDGET)
    try:
        fn, target = resolve(ns, req)
    except Unavailable:
        raise
    except Exception as e:  # the guessed instance could not be built
        if not guessed or isinstance(e, NOT_PROBED):
            raise
        tries.first = f"{_instance_text(req)} raised {_message(e)}"
        chosen = _other_instance(ns, req, tries.first, tries)
        if chosen is None:
            raise
        return chosen
    why = _trouble(fn, target, req)
    if why is None:
        return _refit(ns, Chosen(fn, target, req), tries)
    tries.first, error = why
    if isinstance(error, NOT_PROBED):
        return Chosen(fn, target, req)
    placeholder = error.args[0] if isinstance(error, _Placeholder) else ""
    if not placeholder:
        chosen = _other_point(ns, req, fn, target, error, tries)
        if chosen is not None:
            return _refit(ns, chosen, tries)
    elif guessed and not placeholder.startswith(req.function + " "):
        # a callee is a placeholder on this class: a class derived from it may implement it
        chosen = _other_instance(ns, req, f"on {_instance_text(req)}, {placeholder}", tries)
        if chosen is not None:
            return chosen
    fn, target = resolve(ns, req)  # afresh: the runs may have changed the instance
    if tries.failed == 1 and not placeholder:  # nothing else to try: nothing to say
        return Chosen(fn, target, req)
    return Chosen(fn, target, req, schema.Probe(False, tries.failed, tries.first,
                                                placeholder=placeholder))


def _other_point(ns: dict[str, Any], req: schema.Request, fn: Callable[..., Any],
                 target: Callable[..., Any] | None, error: BaseException | None,
                 tries: _Tries, instance: str = "", why: str = "") -> Chosen | None:
    """The first alternative point (`_alternatives`) where ``fn`` works."""
    for point, target_point, changed in _alternatives(req, fn, error):
        if tries.spent:
            return None
        alt = dataclasses.replace(req, point=point, target_point=target_point)
        try:
            fn, target = resolve(ns, alt)  # a fresh instance: a failed run may change it
        except Exception:  # noqa: BLE001  (built once already: it will not build now)
            return None
        if _trouble(fn, target, alt) is None:
            return Chosen(fn, target, alt, schema.Probe(
                True, tries.failed, tries.first,
                {k: to_json(convert_value(v)) for k, v in point.items()}, changed,
                instance, why))
        tries.failed += 1
    return None


REFIT_KINDS = ("derivative", "partial", "force", "hessian")
REFIT_BUDGET = 1.0  # seconds for the points read off a hand-written derivative's shape


def _refit(ns: dict[str, Any], chosen: Chosen, tries: _Tries) -> Chosen:
    """A hand-written derivative that runs but whose output fits no reading of its
    function at the synthetic point (its function reads only ``ya[0]``, so ``ya`` got
    length 1, and the derivative returns (2, 2) blocks): the first point with shapes
    read off that output (`layouts.alternative_points`) where both run and a reading
    fits, else ``chosen`` as it was (then not a pair, as before)."""
    req = chosen.req
    if chosen.target is None or req.kind not in REFIT_KINDS:
        return chosen
    varargs = _varargs(chosen.fn)  # a list of arguments: its length is not a shape
    names = [n for n in req.synthetic
             if n in req.point and n != varargs and _numeric(req.point[n])]
    if not names:
        return chosen
    misfit, hand, out_shape = _misfit(chosen.fn, chosen.target, req)
    if not misfit:
        return chosen
    current = {n: tuple(np.shape(convert_value(req.point[n]))) for n in names}
    tries.deadline = max(tries.deadline, time.monotonic() + REFIT_BUDGET)
    for change in layouts.alternative_points(hand, names, current, out_shape):
        if tries.spent:
            break
        point = {**req.point, **{n: _filled(_base(req.point[n]), s) for n, s in change.items()}}
        target_point = None if req.target_point is None else {
            **req.target_point, **{n: point[n] for n in change if n in req.target_point}}
        alt = dataclasses.replace(req, point=point, target_point=target_point)
        try:
            fn, target = resolve(ns, alt)  # a fresh instance: a failed run may change it
        except Exception:  # noqa: BLE001  (built once already: it will not build now)
            break
        if _trouble(fn, target, alt) is None and _misfit(fn, target, alt, change)[0] == "":
            before = chosen.probe
            changed = [n for n in req.point if n in change or (before and n in before.changed)]
            first = before.first if before is not None else (
                f"{misfit}; the point was chosen from the derivative's shape")
            return Chosen(fn, target, alt, schema.Probe(
                True, tries.failed, first,
                {k: to_json(convert_value(v)) for k, v in point.items()}, changed,
                before.instance if before else "", before.instance_why if before else ""))
        tries.failed += 1
    return chosen


def _misfit(fn: Callable[..., Any], target: Callable[..., Any] | None, req: schema.Request,
            changed: Iterable[str] = ()) -> tuple[str | None, Any, tuple[int, ...]]:
    """(why the derivative's output fits no reading of its function at ``req``'s point,
    "" when one fits, None when something else stands in the way; that output; the
    function's output shape), as `_derivative_pieces` reads them (shapes only: nothing
    is checked). At a point whose ``changed`` parameters were given new shapes, only a
    reading w.r.t. all of them counts (the derivative's blocks gave them their shapes:
    a reading w.r.t. others fits by chance), and a vectorized reading that AD rejects
    (`NotVectorized`) counts too: that point is where the shapes say it is no pair."""
    held = tuple(req.held)
    call = Call.bind(fn, dict(req.point), held)
    tcall = Call.bind(target, dict(req.target_point if req.target_point is not None
                                   else req.point), held)  # type: ignore[arg-type]
    kind = "hessian" if req.kind == "hessian" else "derivative"
    hand: list[Any] = []
    shape: list[tuple[int, ...]] = []

    def run() -> str | None:
        hand.append(call.f(*call.args))
        t = value_part(tcall) if req.target_returns_gradient or _returns_pair(tcall) else tcall
        out = t.f(*t.args)
        stacked = _stacked(t, out)
        if stacked is not None:
            t, _, out = stacked
        shape.append(tuple(np.shape(out)))
        if not t.argnums:
            return None
        try:
            fits = fit(t, hand[0], kind, tuple(req.wrt), out)
        except NotVectorized:
            return "" if changed else None
        if any(_exact(f, hand[0]) and set(changed) <= {t.names[k] for k in f.argnums}
               for f in fits):
            return ""
        return _no_fit(t, hand[0], kind, tuple(req.wrt))

    try:
        why = _with_kernel_hooks(run, _globals_of(fn))()
    except (MemoryError, KeyboardInterrupt):
        raise
    except BaseException:  # noqa: BLE001  (NotAPair for another reason, or it fails)
        why = None
    return why, hand[0] if hand else None, shape[0] if shape else ()


def _exact(f: Fit, h: Any) -> bool:
    """A reading with no slack: a named layout, or blocks of exactly the shapes returned
    (not reshaped across axes of length 1, nor broadcast). Only such a reading makes a
    point chosen from the derivative's shape: a loose one fits many shapes by chance."""
    if f.layout and "broadcast" not in f.layout:
        return True
    parts = list(h) if isinstance(h, (list, tuple)) and len(h) == len(f.blocks) else [h]
    return len(parts) == len(f.blocks) and all(
        np.shape(p) == b.shape for p, b in zip(parts, f.blocks, strict=True))


def _other_instance(ns: dict[str, Any], req: schema.Request, why: str,
                    tries: _Tries) -> Chosen | None:
    """The method bound to an instance of the first class of the file derived from its
    own that builds without arguments and works at the point or at an alternative one
    (the classes come in ``req.subclasses``, a slice run only now, in a namespace of its
    own: a derived class that cannot even be defined costs the card nothing)."""
    if not req.subclasses:
        return None
    cls_name = (req.instance or {}).get("class", "")
    try:
        from .worker import compile_slice  # the slice's own compilation (lines, rewrite)

        wider: dict[str, Any] = {"__name__": ns.get("__name__", "__adlens_slice__"),
                                 "__builtins__": ns.get("__builtins__", __builtins__)}
        exec(compile_slice(req.subclasses, req.subclass_lines), wider)
    except (MemoryError, KeyboardInterrupt):
        raise
    except BaseException:  # noqa: BLE001  (the derived classes could not be defined)
        return None
    base = wider.get(cls_name)
    if not isinstance(base, type):
        return None
    for name, sub in list(wider.items()):
        if tries.spent:
            break
        if not (isinstance(sub, type) and sub is not base and issubclass(sub, base)
                and getattr(sub, "__module__", None) == wider["__name__"]):
            continue
        alt = dataclasses.replace(req, slice=req.subclasses, lines=req.subclass_lines,
                                  instance={"class": name, "args": [], "kwargs": {}},
                                  setup=())
        try:
            fn, target = resolve(wider, alt)
        except (MemoryError, KeyboardInterrupt):
            raise
        except BaseException:  # noqa: BLE001  (this one does not build either)
            tries.failed += 1
            continue
        trouble = _trouble(fn, target, alt)
        if trouble is None:
            return Chosen(fn, target, alt, schema.Probe(
                True, tries.failed, tries.first, dict(req.point), [], name, why))
        tries.failed += 1
        error = trouble[1]
        if not isinstance(error, (_Placeholder, *NOT_PROBED)):
            chosen = _other_point(wider, alt, fn, target, error, tries, name, why)
            if chosen is not None:
                return chosen
    return None


def _instance_text(req: schema.Request) -> str:
    spec = req.instance or {}
    return f"{spec.get('class', 'the class')}()" if not spec.get("args") and not spec.get(
        "kwargs") else f"{spec.get('class', 'the class')}(...)"


def _message(e: BaseException) -> str:
    return _short(f"{type(e).__name__}: {e}" if str(e) else type(e).__name__, 300)


def _trouble(fn: Callable[..., Any], target: Callable[..., Any] | None,
             req: schema.Request) -> tuple[str, BaseException | None] | None:
    """Why ``fn`` (and the function it is a derivative of) does not work at ``req``'s
    point, or None when both run and return finite numbers (or something that is not a
    number: nothing to judge)."""
    calls = [(fn, dict(req.point), req.function)]
    if target is not None and req.kind != "value-and-gradient":
        point = req.target_point if req.target_point is not None else req.point
        calls.append((target, dict(point), req.gradient_of or ""))
    for f, point, name in calls:
        call = Call.bind(f, point, tuple(req.held))
        try:
            out = _with_kernel_hooks(lambda c=call: c.f(*c.args), _globals_of(f))()
        except (MemoryError, KeyboardInterrupt):
            raise
        except NotImplementedError as e:
            return _placeholder(_raiser(e) or name, f, "raises NotImplementedError")
        except BaseException as e:  # noqa: BLE001  (user code: SystemExit too)
            # once more, watched (a profile hook slows every call: only on failure), for
            # a placeholder returned on the way (``1 / self.deriv(...)`` then fails)
            placeholders: list[tuple[str, str]] = []
            try:
                _with_kernel_hooks(lambda c=call, p=placeholders: _watched(c, p),
                                   _globals_of(f))()
            except (MemoryError, KeyboardInterrupt):
                raise
            except BaseException:  # noqa: BLE001, S110  (it fails again: as expected)
                pass
            if placeholders:
                where, what = placeholders[0]
                return _placeholder(where, f, f"returns {what}")
            return _message(e), e
        if out is NotImplementedError or out is NotImplemented:
            return _placeholder(name, f, f"returns {getattr(out, '__name__', repr(out))}")
        bad = _non_finite(out)
        if bad:
            return f"{name} gives {bad} there", None
    return None


def _placeholder(where: str, f: Callable[..., Any], how: str) -> tuple[str, BaseException]:
    """"Link.deriv is not implemented on Link (returns NotImplementedError)"."""
    owner = getattr(f, "__self__", None)
    on = f" on {type(owner).__name__}" if owner is not None and not isinstance(owner, type) \
        else ""
    what = f"{where} is not implemented{on} ({how})"
    return f"placeholder: {what}", _Placeholder(what)


def _raiser(e: BaseException) -> str:
    """The qualified name of the innermost function of the slice the exception left."""
    tb, name = e.__traceback__, ""
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename.startswith("<"):
            name = getattr(code, "co_qualname", code.co_name)
        tb = tb.tb_next
    return name


def _watched(call: Call, placeholders: list[tuple[str, str]]) -> Any:
    """``call``'s output, noting each function of the slice that returned a placeholder
    (``NotImplementedError`` the class, or ``NotImplemented``) on the way."""
    import sys

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "return" and (arg is NotImplementedError or arg is NotImplemented) \
                and frame.f_code.co_filename.startswith("<"):
            code = frame.f_code
            placeholders.append((getattr(code, "co_qualname", code.co_name),
                                 getattr(arg, "__name__", repr(arg))))

    sys.setprofile(profile)
    try:
        return call.f(*call.args)
    finally:
        sys.setprofile(None)


def _non_finite(out: Any, depth: int = 0) -> str:
    """"NaN" or "inf" when a number in ``out`` (an array, a list or tuple of them) is."""
    if depth > 2:
        return ""
    if isinstance(out, (list, tuple)):
        for e in out[:MAX_ELEMENTS]:
            bad = _non_finite(e, depth + 1)
            if bad:
                return bad
        return ""
    if isinstance(out, (bool, np.bool_)) or not (isinstance(out, (int, float, np.number))
                                                  or is_numeric_array(out)):
        return ""
    a = np.asarray(out, dtype=float)
    if np.isnan(a).any():
        return "NaN"
    if np.isinf(a).any():
        return "inf"
    return ""


def _alternatives(req: schema.Request, fn: Callable[..., Any], error: BaseException | None
                  ) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None, list[str]]]:
    """(point, target point, the names changed): other shapes for the synthetic
    parameters when the function raised (those NumPy's message names, the shapes of the
    instance's arrays and its integers as lengths, then short vectors), other values
    when it raised or gave NaN or inf (one parameter at a time, times 0.5, 2, 0.1, 10),
    in that order, without repeats. A ``*args`` parameter's first argument is varied."""
    varargs = _varargs(fn)
    names = [n for n in req.synthetic if n in req.point
             and _numeric(req.point[n][0] if n == varargs and isinstance(
                 req.point[n], (list, tuple)) and req.point[n] else req.point[n])]
    seen: set[str] = {repr(sorted(req.point.items()))}

    def emit(name: str, value: Any) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None,
                                                      list[str]]]:
        if name == varargs:
            value = [value, *req.point[name][1:]]
        point = {**req.point, name: value}
        key = repr(sorted(point.items()))
        if key in seen:
            return
        seen.add(key)
        target_point = None
        if req.target_point is not None:
            target_point = dict(req.target_point)
            if name in target_point:
                target_point[name] = value
        yield point, target_point, [name]

    def own(name: str) -> Any:
        v = req.point[name]
        return v[0] if name == varargs else v

    if error is not None:
        for shape in _shapes(str(error), getattr(fn, "__self__", None)):
            for n in names:
                yield from emit(n, _filled(_base(own(n)), shape))
    for scale in PROBE_SCALES:
        for n in names:
            yield from emit(n, _scaled(own(n), scale))
    if error is not None:
        for length in PROBE_LENGTHS:
            for n in names:
                yield from emit(n, _filled(_base(own(n)), (length,)))


def _varargs(fn: Callable[..., Any]) -> str:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return ""
    return next((p.name for p in params if p.kind == p.VAR_POSITIONAL), "")


def _numeric(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float)):
        return isinstance(v, float)
    a = convert_value(v)
    return isinstance(a, np.ndarray) and a.dtype.kind == "f"


def _base(v: Any) -> float:
    a = np.asarray(v, dtype=float)
    return float(a.flat[0]) if a.size else 0.5


def _filled(base: float, shape: tuple[int, ...]) -> Any:
    """Distinct values from ``base`` in steps of 0.1 (a synthetic point's pattern); a
    square matrix gets a heavier diagonal (invertible)."""
    if not shape:
        return base
    n = int(np.prod(shape))
    a = np.round(base + 0.1 * np.arange(n), 10).reshape(shape)
    if len(shape) == 2 and shape[0] == shape[1]:
        a = a + np.eye(shape[0])
    return a.tolist()


def _scaled(v: Any, scale: float) -> Any:
    if isinstance(v, float):
        return round(v * scale, 12)
    return np.round(np.asarray(v, dtype=float) * scale, 12).tolist()


def _shapes(message: str, owner: Any) -> list[tuple[int, ...]]:
    """Shapes a parameter may need: those NumPy's message names ("cannot reshape array
    of size 1 into shape (10,)"), each of their sizes as a vector, then vectors as long
    as the instance's arrays (their sizes, then their axes) and its positive integers.
    Only the message names a matrix: a made-up one is easily singular (the rows of a
    square "samples" matrix have a singular covariance), a vector seldom is."""
    import re

    out: list[tuple[int, ...]] = []
    named = [tuple(int(d) for d in re.findall(r"\d+", m)) for m in
             re.findall(r"\((\d+(?:,\s*\d+)*),?\)", message)]
    out += [s for s in named if s and all(s)]
    out += [(d,) for s in named for d in s if d]
    for v in list(vars(owner).values())[:50] if hasattr(owner, "__dict__") else ():
        if isinstance(v, np.ndarray) and v.dtype.kind in "fiu" and 0 < v.size:
            out += [(v.size,)] + [(d,) for d in v.shape]
        elif isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) \
                and 0 < v:
            out.append((int(v),))
    seen: list[tuple[int, ...]] = []
    for s in out:
        if s not in seen and 0 < int(np.prod(s)) <= MAX_PROBE_SIZE:
            seen.append(s)
    return seen


# -- binding a function to its point -----------------------------------------------------


def convert_value(v: Any) -> Any:
    """Literal -> argument: numeric lists become float64 (or int) arrays."""
    if isinstance(v, (list, tuple)):
        try:
            arr = np.asarray(v)
        except ValueError:  # ragged
            return v
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


def _fresh(a: Any) -> Any:
    return a.copy() if isinstance(a, (np.ndarray, list, dict)) else a


class _FreshKwargs(dict):
    """Keyword arguments handed out as copies (`_FreshArgs`). ``**kwargs`` reads a dict's
    storage directly unless its type has its own ``__iter__``: then keys and items."""

    def __iter__(self):  # type: ignore[override]
        return iter(dict.keys(self))

    def __getitem__(self, k):  # type: ignore[override]
        return _fresh(dict.__getitem__(self, k))

    def items(self):  # type: ignore[override]
        return [(k, _fresh(v)) for k, v in dict.items(self)]

    def values(self):  # type: ignore[override]
        return [_fresh(v) for v in dict.values(self)]

    def keys(self):  # type: ignore[override]
        return dict.keys(self)


class _FreshArgs(tuple):
    """The point's arguments, handed out as copies: a function that writes into its own
    argument (``x[0] = 10.0``) must not change the point of the runs after it (the
    gradient, finite differences, the check), which would make them silently wrong."""

    def __iter__(self):  # type: ignore[override]
        return (_fresh(a) for a in tuple.__iter__(self))

    def __getitem__(self, i):  # type: ignore[override]
        got = tuple.__getitem__(self, i)
        return _FreshArgs(got) if isinstance(i, slice) else _fresh(got)


@dataclasses.dataclass
class Call:
    """A function bound to its point: positional args, keyword args, argnums."""

    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    names: tuple[str, ...]  # names of the positional args ("params[0]" for *params)
    argnums: tuple[int, ...]
    held: tuple[str, ...] = ()  # float parameters passed through untouched
    missing: tuple[str, ...] = ()  # *args / **kwargs that got no value

    def __post_init__(self) -> None:
        self.args = _FreshArgs(self.args)
        self.kwargs = _FreshKwargs(self.kwargs)

    @classmethod
    def bind(cls, fn: Callable[..., Any], point: dict[str, Any],
             held: tuple[str, ...] = ()) -> Call:
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            sig = None
        values = {k: convert_value(v) for k, v in point.items()}
        args: list[Any] = []
        names: list[str] = []
        kwargs: dict[str, Any] = {}
        missing: list[str] = []
        if sig is None:
            args, names = list(values.values()), list(values)
        else:
            for p in sig.parameters.values():
                if p.kind == p.VAR_POSITIONAL:
                    v = point.get(p.name)
                    if isinstance(v, (list, tuple)):
                        for i, x in enumerate(v):
                            args.append(convert_value(x))
                            names.append(f"{p.name}[{i}]")
                    else:
                        missing.append(f"*{p.name}")
                    continue
                if p.kind == p.VAR_KEYWORD:
                    v = point.get(p.name)
                    if isinstance(v, dict):
                        kwargs.update({str(k): convert_value(x) for k, x in v.items()})
                    else:
                        missing.append(f"**{p.name}")
                    continue
                if p.name not in values:
                    continue
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
                    args.append(values[p.name])
                    names.append(p.name)
                elif p.kind == p.KEYWORD_ONLY:
                    kwargs[p.name] = values[p.name]
        argnums = tuple(i for i, a in enumerate(args)
                        if differentiable(a) and names[i].split("[")[0] not in held)
        return cls(fn, tuple(args), kwargs, tuple(names), argnums,
                   tuple(n for n in names if n in held), tuple(missing))

    @property
    def name(self) -> str:
        return getattr(self.fn, "__name__", "f")

    @functools.cached_property
    def f(self) -> Callable[..., Any]:
        """The function of the positional arguments only, under parameter names that
        ``ad.check_grad`` can print (``params_0`` for ``*params``); ``__wrapped__`` lets it
        find the user's function (its file, for failure lines)."""
        fn, kwargs = self.fn, self.kwargs
        if not kwargs and all(n.isidentifier() for n in self.names):
            return fn  # itself: ad.trace reads its code for the lines of the rows

        def f(*args: Any) -> Any:
            return fn(*args, **kwargs)

        return _named(f, fn, self.names)

    @property
    def ad_argnums(self) -> int | tuple[int, ...]:
        """argnums as ``ad.grad`` takes them: an int for one argument (its gradient is
        then one value, as a hand-written one for a single argument returns)."""
        if not self.argnums:
            raise Unavailable("no float parameter at this point (ints and other values are "
                              "held)" + self.missing_note())
        return self.argnums[0] if len(self.argnums) == 1 else self.argnums

    def missing_note(self) -> str:
        if not self.missing:
            return ""
        return (f"; {', '.join(self.missing)} got no values (give them with a directive, "
                f"e.g. # adlens: {self.missing[0].lstrip('*')}=[1.0, 2.0])")

    def label(self, argnum: int, index: tuple[int, ...] = ()) -> str:
        name = self.names[argnum] if argnum < len(self.names) else f"arg{argnum}"
        return name + (f"[{', '.join(str(int(i)) for i in index)}]" if index else "")

    def with_output(self, f: Callable[..., Any]) -> Call:
        """The same arguments for another function of them (``f``'s value part)."""
        return dataclasses.replace(self, fn=f, kwargs={})


def _named(f: Callable[..., Any], user: Callable[..., Any], names: tuple[str, ...],
           display: str | None = None) -> Callable[..., Any]:
    f.__name__ = display or getattr(user, "__name__", "f")  # type: ignore[attr-defined]
    f.__qualname__ = f.__name__
    f.__wrapped__ = user  # type: ignore[attr-defined]
    params = [inspect.Parameter(_identifier(n, i), inspect.Parameter.POSITIONAL_ONLY)
              for i, n in enumerate(names)]
    f.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return f


def _identifier(name: str, i: int) -> str:
    ident = name.replace("[", "_").replace("]", "").replace(", ", "_")
    return ident if ident.isidentifier() else f"arg{i}"


# -- the pieces ----------------------------------------------------------------------------


def piece_value(call: Call, keep: list[Any] | None = None) -> schema.Value:
    """What the function returned; ``keep`` receives the output itself (pieces that need
    it read it there rather than calling user code again)."""
    out = call.f(*call.args)
    if keep is not None:
        keep.append(out)
    return schema.Value(to_json(out), describe(out), list(np.shape(out)) if _shaped(out) else [],
                        is_number(out) or is_numeric_array(out))


def _shaped(x: Any) -> bool:
    return isinstance(x, (int, float, np.number, np.ndarray))


def _output(call: Call) -> Any:
    """f's output at the point, or Unavailable when it is not one real number or array
    (the check, the cost, the plot and the comparison with ad.sct take only those)."""
    return _real_output(call, call.f(*call.args))


def _real_output(call: Call, out: Any) -> Any:
    """``out`` (f's output), or Unavailable when it is not one real number or array."""
    if is_number(out) or is_numeric_array(out):
        return out
    kind = output_kind(out)
    if kind == "complex":
        why = ("a complex output: its derivative (real and imaginary parts) is on the "
               "gradient line; the check of an array, the cost and the plot take real "
               "outputs")
    elif kind == "bool":
        why = f"a comparison: {COMPARISON}; nothing to check"
    elif (stacked := _stacked(call, out)) is not None:
        why = (f"its derivative ({stacked[1]}) is on the gradient line; the check, the cost "
               "and the plot take one number or array")
    else:
        why = "only a number or an array of numbers has a derivative"
    raise Unavailable(f"{call.name} returns {describe(out)}: {why}" + call.missing_note())


COMPARISON = "its derivative is 0 wherever it is defined (away from the points where it jumps)"
MAX_DEPTH = 8  # lists of lists read as one array, at most this deep


def _numbers(x: Any, depth: int = 0) -> bool:
    """A non-empty list or tuple of numbers, of arrays of numbers, or of such lists."""
    if not isinstance(x, (list, tuple)) or not x or depth > MAX_DEPTH:
        return False
    return all(output_kind(e) is not None or _numbers(e, depth + 1) for e in x)


def _leaves(x: Any) -> Iterator[Any]:
    if isinstance(x, (list, tuple)):
        for e in x:
            yield from _leaves(e)
    else:
        yield x


def _stack(x: Any) -> Any:
    """Nested lists and tuples of (traced) numbers or arrays of one shape as one array:
    ``np.stack`` level by level, which NumPy hands to ad_core when a part is traced (a
    list of one value too: ``ad.grad`` of the list itself would take no list)."""
    if isinstance(x, (list, tuple)):
        return np.stack([_stack(e) for e in x])
    return x


def _stacked(call: Call, out: Any) -> tuple[Call, str, np.ndarray] | None:
    """A function returning (``out``) a list or tuple of numbers or arrays (nested lists
    too: ``m.tolist()``): the same function returning them as one array, stacked when
    they share a shape (what ``np.array(out)`` would be), else flattened side by side;
    with the words for it and that array at the point."""
    if not _numbers(out):
        return None
    leaves = list(_leaves(out))
    if len(leaves) > MAX_ELEMENTS:  # stacked one by one: say so, "not a number" is untrue
        raise Unavailable(f"{call.name} returns {describe(out)} with {len(leaves):,} parts: "
                          f"more than the {MAX_ELEMENTS:,} AD Lens stacks as one output")
    try:
        plain = np.asarray(out)
        regular = plain.dtype != object
    except ValueError:  # ragged
        regular = False
    fn = call.f
    if regular:
        def stacked(*args: Any) -> Any:
            return _stack(fn(*args))

        nested = any(isinstance(e, (list, tuple)) for e in out)
        how = (f"of the returned lists read as one array of shape {plain.shape}" if nested
               else f"of the {len(out)} returned value{'s' if len(out) > 1 else ''} stacked")
    else:
        def stacked(*args: Any) -> Any:
            return np.concatenate([np.ravel(p) for p in _leaves(fn(*args))])

        plain = np.concatenate([np.ravel(np.asarray(p)) for p in leaves])
        how = f"of the {len(leaves)} returned values flattened side by side"
    return call.with_output(_named(stacked, call.fn, call.names)), how, plain


def piece_gradient(call: Call) -> schema.Gradient:
    """AD's derivative of the output at the point: a gradient (reverse mode) for one real
    number, a Jacobian for an array, a list (stacked) or a complex output (its real and
    imaginary parts' derivatives as one complex number each); a True/False output is a
    comparison, whose derivative is 0 wherever it is defined, and says so."""
    argnums = call.ad_argnums
    out = call.f(*call.args)  # once: user code may be slow, or start threads
    how = ""
    kind = output_kind(out)
    if kind is None:
        stacked = _stacked(call, out)
        if stacked is None:
            raise Unavailable(f"{call.name} returns {describe(out)}: only a number or an "
                              "array of numbers has a derivative" + call.missing_note())
        call, how, out = stacked
        kind = output_kind(out)
    names = [call.names[i] for i in call.argnums]
    m, n = directions.sizes(out, call.args, call.argnums)
    if kind == "real" and directions.too_large(m, n):
        return directions.directional_gradient(call.f, call.args, call.argnums, call.names,
                                               call.name, out, how)
    if kind == "bool":
        values: Any = tuple(np.zeros(np.shape(out) + np.shape(call.args[k]))
                            if not directions.too_large(m, n) else {"repr": "0 everywhere"}
                            for k in call.argnums)
        mode = f"no AD run: {call.name} returns True/False, a comparison: {COMPARISON}"
    else:
        if kind == "real" and not how and is_number(out):
            values, mode = ad.grad(call.f, argnums=argnums)(*call.args), "reverse"
        else:
            # a complex output too: ad.grad would keep its real part only (autograd's
            # convention); the Jacobian has d Re f/dx + i d Im f/dx for a real x
            # one sweep per input (forward) or per output (reverse): the fewer; a
            # function forward mode cannot run falls back to reverse
            forward = kind == "real" and 0 < n < m
            try:
                values = (ad.jacfwd if forward else ad.jacrev)(call.f, argnums=argnums)(
                    *call.args)
            except Exception:
                if not forward:
                    raise
                forward = False
                values = ad.jacrev(call.f, argnums=argnums)(*call.args)
            mode = f"Jacobian by {'forward' if forward else 'reverse'} mode" + (
                f" {how}" if how else "") if np.ndim(out) or how else "reverse"
        values = (values,) if isinstance(argnums, int) else tuple(values)
        if kind == "complex":
            values, mode = _complex_words(call, out, values, mode)
    return schema.Gradient(mode, {n: to_json(v) for n, v in zip(names, values, strict=True)},
                           {n: list(np.shape(v)) for n, v in zip(names, values, strict=True)})


def _complex_words(call: Call, out: Any, values: tuple[Any, ...],
                   mode: str) -> tuple[tuple[Any, ...], str]:
    """A complex output's derivative and what it is: for real parameters, each value is
    ∂Re f/∂x + i·∂Im f/∂x; when the imaginary part and its derivative are exactly 0 at
    the point (a real result kept in a complex array), the real part's derivative."""
    f = call.name
    mode = "reverse mode" if mode == "reverse" else mode
    if np.all(np.imag(out) == 0) and all(np.all(np.imag(v) == 0) for v in values):
        return (tuple(np.real(v) for v in values),
                f"{mode}; {f} returns complex values whose imaginary part and its derivative "
                f"are exactly 0 here: the derivative of the real part")
    return values, f"{mode}; {f} returns complex values: ∂Re {f} + i·∂Im {f}"


def piece_check(call: Call) -> schema.Check:
    """AD's gradient against finite differences: one ``ad.check_grad`` call (two for a
    complex number: its real part and its imaginary part, rows ``.real`` and ``.imag``,
    so ✓ says both parts of the gradient line agree)."""
    argnums = call.ad_argnums
    out = call.f(*call.args)
    if output_kind(out) == "complex" and np.size(out) == 1:
        f = call.f
        rows = []
        for part, label in ((np.real, ".real"), (np.imag, ".imag")):
            def g(*args: Any, _part: Callable[[Any], Any] = part) -> Any:
                return _part(f(*args))

            pcall = call.with_output(_named(g, call.fn, call.names))
            rows.append((ad.check_grad(pcall.f, *call.args, argnums=argnums), label))
        return _check_of(rows, call, "ad", "gradient", call.argnums, "")
    if not is_number(_real_output(call, out)):  # f runs once here: user code may be slow
        raise Unavailable(f"{call.name} returns an array, not a number: the check covers "
                          "gradients of scalar functions")
    r = ad.check_grad(call.f, *call.args, argnums=argnums)
    return _check_of([(r, "")], call, "ad", "gradient", call.argnums, "")


def _check_of(rows: list[tuple[Any, str]], call: Call, subject: str, kind: str,
              argnums: tuple[int, ...], layout: str, rows_total: int | None = None,
              target: str | None = None) -> schema.Check:
    """One `schema.Check` from ``ad.check_grad`` results, one per output component checked
    (a gradient has one; a Jacobian one per row, ``output`` naming it): the worst verdict
    wins, so one wrong row makes the whole derivative wrong."""
    distrusted = [_ad_distrusted(r) if subject == "hand" else None for r, _ in rows]
    outcomes = ["unverified" if d else r.outcome for (r, _), d in zip(rows, distrusted,
                                                                      strict=True)]
    outcome = "wrong" if "wrong" in outcomes else "unverified" if "unverified" in outcomes \
        else "verified"
    pick = next((i for i, o in enumerate(outcomes) if o == outcome), 0)
    if outcome == "wrong":  # the row furthest off
        pick = max((i for i, o in enumerate(outcomes) if o == "wrong"),
                   key=lambda i: _finite(rows[i][0].max_rel_err))
    best, best_out = rows[pick]
    components: list[schema.Component] = []
    for r, out in rows:
        for c in r.components(limit=MAX_COMPONENTS):
            if len(components) >= MAX_COMPONENTS:
                break
            components.append(schema.Component(call.label(c.argnum, c.index), c.hand, c.ad, c.fd, {
                pair: ok for pair, ok in zip(schema.PAIRS, (c.hand_ad, c.hand_fd, c.ad_fd),
                                             strict=True) if ok is not None
            }, out))
    worst = None
    if best.worst is not None:
        worst = call.label(best.worst[0], best.worst[1] or ())
        # the worst component of the worst row, by name and output
        if best_out:
            worst = f"{worst}@{best_out}"
    failures: dict[str, schema.Failure] = {}
    for d in distrusted:
        if d:
            failures.setdefault("ad", schema.Failure(d))
    for r, _ in rows:
        for k, f in r.failures.items():
            failures.setdefault(k, schema.Failure(f.message, _line0(f.line)))
    held = [n for i, n in enumerate(call.names) if i not in argnums
            and differentiable(call.args[i])] + list(call.held)
    return schema.Check(
        target=target or call.name,
        subject=subject,  # type: ignore[arg-type]
        outcome=outcome,  # type: ignore[arg-type]
        reference=best.reference,
        message=distrusted[pick] or best.message,
        components=components,
        n_components=sum(int(np.size(call.args[k])) for k in argnums) * len(rows),
        worst=worst,
        max_abs_err=_finite_or_none(max(r.max_abs_err for r, _ in rows)),
        max_rel_err=_finite_or_none(max(r.max_rel_err for r, _ in rows)),
        failures=failures,
        kind=kind,
        wrt=[call.names[k] for k in argnums],
        held=sorted(set(held), key=held.index),
        layout=layout,
        rows=len(rows),
        rows_total=rows_total if rows_total is not None else len(rows),
    )


def _ad_distrusted(r: Any) -> str | None:
    """A "wrong" verdict on a hand-written derivative that only AD's value supports: at
    every component where hand-written and AD disagree, the hand-written value agrees
    with finite differences and AD's does not. Then AD is what is suspect (a primitive
    that dropped its derivative), and it judges nothing: the check is unverified, and
    says why. (AD is otherwise exact and the reference; this only guards the verdict
    against an AD bug condemning correct code.)"""
    if r.outcome != "wrong":
        return None
    off = [c for c in r.components() if c.hand_ad is False]
    if not off or not all(c.hand_fd is True and c.ad_fd is False for c in off):
        return None
    c = off[0]
    return (f"AD's ∂/∂{c.name} = {_num(c.ad)} disagrees with finite differences "
            f"({_num(c.fd)}), which agree with the hand-written value ({_num(c.hand)}): "
            "AD is not trusted to judge it here")


def _num(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.6g}"


def _finite(x: float) -> float:
    return float(x) if math.isfinite(x) else 1e300


def _finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def piece_cost(call: Call) -> schema.Cost:
    _output(call)
    args = call.args

    def differentiated(*xs: Any) -> Any:  # held and integer arguments are not inputs
        full = list(args)
        for i, x in zip(call.argnums, xs, strict=True):
            full[i] = x
        return call.f(*full)

    xs = [args[i] for i in call.argnums]
    return schema.Cost.of(ad.cost.estimate(differentiated, *xs), "measured")


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


# -- (value, gradient) returns ---------------------------------------------------------


def value_and_gradient_by_shape(out: Any, call: Call) -> bool:
    """``out`` is ``(value, gradient[, extra])``: a float first, then a float number or
    array with the shape of the (one) differentiated argument, of all of them flat, or of
    exactly one of them (``fg(x, a=100.0)``: the others are parameters it holds)."""
    if not isinstance(out, tuple) or len(out) not in (2, 3) or not call.argnums:
        return False
    v, g = out[0], out[1]
    if not (is_number(v) and np.ndim(v) == 0) or isinstance(v, (int, np.integer)):
        return False
    try:
        ga = np.asarray(g)
    except Exception:
        return False
    if ga.dtype.kind != "f":
        return False
    shapes = [np.shape(call.args[k]) for k in call.argnums]
    if len(shapes) == 1:
        return ga.shape == shapes[0]
    if ga.ndim == 1 and ga.size == sum(int(np.prod(s)) for s in shapes):
        return True
    return shapes.count(ga.shape) == 1  # two of that shape: which one it is, is a guess


def value_part(call: Call, part: int = 0) -> Call:
    """The same call of ``out[part]``: the value of a ``(value, gradient)`` function (a
    row of a stacked output, `stacked_rows`)."""
    fn = call.f

    def value(*args: Any) -> Any:
        return fn(*args)[part]

    return call.with_output(_named(value, call.fn, call.names))


# -- a hand-written derivative against its function ----------------------------------------


class NotAPair(Exception):
    """The derivative's output does not fit its function (shapes, arity): no verdict."""


class NotVectorized(NotAPair):
    """The output has the shape of a vectorized Jacobian, but the function's columns are
    coupled (`layouts.coupled`)."""


@dataclasses.dataclass
class Fit:
    """How a hand-written output reads as a derivative of the function."""

    argnums: tuple[int, ...]
    blocks: list[np.ndarray]  # per argument: the derivative block, shaped O + X_k
    kind: str  # Check.kind
    layout: str  # how it was read


def _as_float(h: Any) -> np.ndarray | None:
    try:
        a = np.asarray(h)
    except Exception:
        return None
    if a.dtype == object:
        try:
            a = np.asarray(h, dtype=float)
        except Exception:
            return None
    if a.dtype.kind == "c":
        if np.any(a.imag != 0):
            return None
        a = a.real
    if a.dtype.kind not in "fiub":
        return None
    return a.astype(float)


def _readings(h: Any, out_shape: tuple[int, ...], x_shape: tuple[int, ...],
              elementwise: bool = True) -> list[tuple[np.ndarray, str]]:
    """Every way ``h`` reads as the derivative of an output of shape ``out_shape`` w.r.t.
    an argument of shape ``x_shape``: each is the block shaped ``out_shape + x_shape``
    and its layout's name ("" for the plain Jacobian). Shapes can coincide (a mesh of 2
    points and 2 parameters), so all readings are kept and tried."""
    a = _as_float(h)
    if a is None:
        return []
    full = out_shape + x_shape
    out: list[tuple[np.ndarray, str]] = []
    if a.shape == full:
        out.append((a, ""))
    elif a.size == int(np.prod(full)) and tuple(d for d in a.shape if d != 1) == tuple(
            d for d in full if d != 1):
        out.append((a.reshape(full), ""))
    if elementwise and out_shape == x_shape and out_shape and _broadcasts(a, out_shape):
        e = np.broadcast_to(a, out_shape)
        block = np.zeros(full)
        for idx in np.ndindex(out_shape):
            block[idx + idx] = e[idx]
        out.append((block, "elementwise"))
    out += layouts.readings(a, out_shape, x_shape)  # solve_bvp's fun_jac: (n, k, m)
    if len(out_shape) == 1 and len(x_shape) == 1 and a.shape == x_shape + out_shape \
            and out_shape != (1,) and x_shape != (1,):
        out.append((a.T.copy(), "transposed: one row per parameter"))
    if a.ndim == 1 and len(full) == 2 and min(full) > 1 and a.size == full[0] * full[1]:
        out.append((a.reshape(full), "flattened row by row"))  # cyipopt's jacobian
    if not out and a.ndim < len(full) and _broadcasts(a, full) and (a.ndim == 0 or out_shape):
        out.append((np.broadcast_to(a, full).copy(), "broadcast"))
    return out


def _broadcasts(a: np.ndarray, shape: tuple[int, ...]) -> bool:
    try:
        return np.broadcast_shapes(a.shape, shape) == shape
    except ValueError:
        return False


MAX_READINGS = 8


def _blocks(h: Any, out_shape: tuple[int, ...], xs: list[tuple[int, ...]],
            elementwise: bool = True) -> list[tuple[list[np.ndarray], str]]:
    """Every reading of ``h`` as one block per argument (see `_readings`)."""
    if len(xs) == 1:
        found = _readings(h, out_shape, xs[0], elementwise)
        if not found and isinstance(h, (list, tuple)) and len(h) == 1:
            found = _readings(h[0], out_shape, xs[0], elementwise)
        return [([b], layout) for b, layout in found]
    combos: list[tuple[list[np.ndarray], str]] = []
    if isinstance(h, (list, tuple)) and len(h) == len(xs):
        per = [_readings(p, out_shape, x, elementwise) for p, x in zip(h, xs, strict=True)]
        if all(per):
            for choice in itertools.islice(itertools.product(*per), MAX_READINGS):
                layouts = sorted({lay for _, lay in choice if lay})
                combos.append(([b for b, _ in choice], ", ".join(layouts)))
    a = _as_float(h)
    sizes = [int(np.prod(x)) for x in xs]
    if a is not None and a.shape in (out_shape + (sum(sizes),), (sum(sizes),) + out_shape):
        flat = a if a.shape == out_shape + (sum(sizes),) else np.moveaxis(a, 0, -1)
        parts, start = [], 0
        for x, n in zip(xs, sizes, strict=True):
            parts.append(flat[..., start:start + n].reshape(out_shape + x))
            start += n
        combos.append((parts, "one array, the arguments side by side"))
    return combos


def _candidates(call: Call, h: Any, wrt: tuple[str, ...]) -> list[tuple[int, ...]]:
    """Which arguments the derivative may be w.r.t., in order of preference: those named
    (a partial), else all of them, the last k (k the number of derivatives returned: the
    parameters after the inputs, as Astropy's fit_deriv; or as many as an array's last
    axis holds, as curve_fit's jac), the first, then each other."""
    nums = call.argnums
    if wrt:
        named = tuple(i for i in nums if call.names[i] in wrt)
        return [named] if named else []
    out: list[tuple[int, ...]] = [nums]
    if isinstance(h, (list, tuple)) and 1 <= len(h) < len(nums):
        out.append(nums[-len(h):])
    out.append(nums[:1])
    if not isinstance(h, (list, tuple)) and (a := _as_float(h)) is not None and a.ndim >= 2:
        # an array whose last axis holds two or more trailing parameters side by side:
        # curve_fit's jac(x, a, b) returns (n, 2), ∂f/∂a and ∂f/∂b as columns
        total = 0
        for j in range(len(nums) - 1, 0, -1):
            total += int(np.size(call.args[nums[j]]))
            if total == a.shape[-1]:
                if len(nums) - j >= 2:
                    out.append(nums[j:])
                break
    out += [(k,) for k in nums]
    seen: list[tuple[int, ...]] = []
    for c in out:
        if c and c not in seen:
            seen.append(c)
    return seen


def fit(call: Call, h: Any, kind: str, wrt: tuple[str, ...], out: Any = None) -> list[Fit]:
    """Every reading of ``h`` as the derivative of ``call`` that the shapes allow
    (``out``: its output at the point, when the caller has it)."""
    if out is None:
        out = call.f(*call.args)
    if output_kind(out) in ("complex", "bool"):
        raise NotAPair(f"{call.name} returns {describe(out)}: hand-written derivatives are "
                       "checked against functions with real outputs")
    if not (is_number(out) or is_numeric_array(out)):
        raise NotAPair(f"{call.name} returns {describe(out)}: it has no derivative")
    out_shape = tuple(np.shape(out))
    fits = []
    for cand in _candidates(call, h, wrt):
        xs = [tuple(np.shape(call.args[k])) for k in cand]
        if kind in ("hessian", "hvp") and (len(cand) != 1 or out_shape != ()):
            continue
        if kind == "hessian":
            readings = _blocks(h, xs[0], xs, elementwise=False)
        elif kind == "hvp":
            readings = _blocks(h, (), xs)
        else:
            readings = _blocks(h, out_shape, xs)
        fits += [Fit(cand, blocks, kind, layout) for blocks, layout in readings]
    # the loosest readings last (a block per argument with one read elementwise; any
    # broadcast block), the candidates' order otherwise: when none matches, the ✗ shown
    # is a natural reading's (the Jacobian ∂f/∂x of `[[3, 0.5*x1], ...]`, not ∂f/∂x read
    # elementwise beside ∂f/∂ignored)
    fits.sort(key=lambda f: (len(f.argnums) > 1 and "elementwise" in f.layout,
                             "broadcast" in f.layout))
    return _uncoupled(call, h, fits, out_shape)


def _uncoupled(call: Call, h: Any, fits: list[Fit], out_shape: tuple[int, ...]) -> list[Fit]:
    """The readings, less the vectorized ones (`layouts`) of a function whose output
    columns are coupled (AD finds ∂f[:, c]/∂y[:, c'] ≠ 0 for c ≠ c'): the zeros that
    reading puts across columns would be a false ✗. When it was the only reading, it is
    not a pair, and says why."""
    kept, why, coupling = [], "", {}
    for f in fits:
        bad = ""
        if layouts.VECTORIZED in f.layout:
            for k in f.argnums:
                if layouts.columned(np.shape(call.args[k]), out_shape):
                    if k not in coupling:
                        coupling[k] = layouts.coupled(call.f, call.args, k)
                    bad = bad or (coupling[k] and f"w.r.t. {call.names[k]}, {coupling[k]}")
        if bad:
            why = why or bad
        else:
            kept.append(f)
    if fits and not kept:
        shape = np.shape(h) if _as_float(h) is not None else None
        got = f"shape {shape}" if shape is not None else describe(h)
        raise NotVectorized(f"it returns {got}, which reads only as a Jacobian {layouts.VECTORIZED}"
                       f" (one per column), and {call.name} is not vectorized so: {why}")
    return kept


def check_hand(tcall: Call, hand_out: Any, kind: str, wrt: tuple[str, ...],
               vector: Any = None) -> tuple[schema.Pairing, schema.Check | None]:
    """The verdict on a hand-written derivative's output ``hand_out`` against AD of
    ``tcall`` (its function at the point), through ``ad.check_grad`` once per output
    component. The readings the shapes allow are tried in order; the first that matches
    AD is the verdict, else the first reading's (so ✗ only where the output has the
    shape of a derivative and no reading of it matches)."""
    if kind == "force":
        neg = _as_float(hand_out)
        hand_out = [-_as_float(x) for x in hand_out] if isinstance(hand_out, (list, tuple)) \
            and neg is None else (-neg if neg is not None else hand_out)
    if not tcall.argnums:
        raise NotAPair("its function has no float parameter at this point"
                       + tcall.missing_note())
    out = tcall.f(*tcall.args)
    stacked = _stacked(tcall, out)  # a function returning [f1, f2, ...]
    if stacked is not None:
        tcall, _, out = stacked
    fits = fit(tcall, hand_out, "hessian" if kind == "hessian" else
               "hvp" if kind == "hvp" else "derivative", wrt, out)
    if not fits:
        raise NotAPair(_no_fit(tcall, hand_out, kind, wrt))
    return _first_verified(tcall, fits, kind, vector)


def _first_verified(tcall: Call, fits: list[Fit], kind: str, vector: Any
                    ) -> tuple[schema.Pairing, schema.Check]:
    """The first reading that verifies, else the first reading's verdict (readings can
    coincide in shape; a ✗ stands only when no reading of the output is right)."""
    first: tuple[schema.Pairing, schema.Check] | None = None
    for f in fits:
        check = _check_fit(tcall, f, kind, vector)
        pairing = schema.Pairing(True, _fit_words(tcall, f, kind), check.kind, check.wrt,
                                 check.held)
        if check.outcome == "verified":
            return pairing, check
        if first is None:
            first = (pairing, check)
    assert first is not None
    return first


def _check_fit(tcall: Call, f: Fit, kind: str, vector: Any) -> schema.Check:
    args = tcall.args
    nums = f.argnums
    argnums = nums[0] if len(nums) == 1 else nums
    F = tcall.f
    total = 1
    rows: list[tuple[Any, str]] = []
    if kind in ("hvp", "hessian"):
        # second derivatives are AD of AD's gradient, with finite differences of that
        # gradient beside them: AD's first derivative is checked against finite
        # differences of f first, and a second-order verdict stands only on it (along
        # the random directions for a Hessian checked along them: 2 calls, not 2n)
        size = int(np.size(args[nums[0]]))
        first = directions.first_order(F, args, nums[0]) if kind == "hessian" and \
            directions.by_directions(size, size, MAX_ROWS) else \
            ad.check_grad(F, *args, argnums=nums[0])
        if first.outcome == "wrong":
            return _distrusted_second_order(tcall, f, kind, first)
    if kind == "hvp":
        k = nums[0]
        v = _as_float(vector)
        if v is None or v.shape != np.shape(args[k]):
            raise NotAPair("its vector argument does not have the shape of "
                           f"{tcall.names[k]}")
        g = ad.grad(F, argnums=k)

        def gv(*a: Any) -> Any:
            return np.sum(g(*a) * v)

        hv = f.blocks[0]
        r = ad.check_grad(_named(gv, tcall.fn, tcall.names), *args, argnums=k,
                          grad_fn=lambda *a: hv)
        return _check_of([(r, "")], tcall, "hand", "hessian-vector product", nums,
                         f.layout, target=tcall.name)
    if kind == "hessian":
        k = nums[0]
        x_shape = np.shape(args[k])
        size = int(np.prod(x_shape))
        if directions.by_directions(size, size, MAX_ROWS):
            checks = directions.hessian_rows(F, args, k, f.blocks[0], tcall.name)
            return _by_directions(checks, tcall, f, "hessian", lambda i: tcall.label(k, i),
                                  size, size * size)
        g = ad.grad(F, argnums=k)
        indices = list(np.ndindex(x_shape)) if x_shape else [()]
        total = len(indices)
        for idx in indices[:MAX_ROWS]:
            def gi(*a: Any, _i: tuple = idx) -> Any:
                return g(*a)[_i] if _i else g(*a)

            row = f.blocks[0][idx] if idx else f.blocks[0]
            r = ad.check_grad(_named(gi, tcall.fn, tcall.names), *args, argnums=k,
                              grad_fn=lambda *a, _r=row: _r)
            rows.append((r, tcall.label(k, idx)))
        return _check_of(rows, tcall, "hand", "hessian", nums, f.layout, total, tcall.name)
    out_shape = np.shape(F(*args))
    m, n = math.prod(out_shape), sum(int(np.size(args[k])) for k in nums)
    if directions.by_directions(m, n, MAX_ROWS):
        checks = directions.jacobian_rows(F, args, nums, f.blocks, tcall.name)
        return _by_directions(checks, tcall, f, _kind_of(tcall, f, kind, out_shape),
                              lambda i: f"[{', '.join(str(j) for j in i)}]", m, m * n)
    indices = list(np.ndindex(out_shape)) if out_shape else [()]
    total = len(indices)
    for idx in indices[:MAX_ROWS]:
        def fi(*a: Any, _i: tuple = idx) -> Any:
            return F(*a)[_i] if _i else F(*a)

        parts = tuple(b[idx] if idx else b for b in f.blocks)
        grad_fn = (lambda *a, _p=parts: _p[0]) if len(nums) == 1 else (lambda *a, _p=parts: _p)
        r = ad.check_grad(_named(fi, tcall.fn, tcall.names), *args, argnums=argnums,
                          grad_fn=grad_fn)
        rows.append((r, f"[{', '.join(str(i) for i in idx)}]" if idx else ""))
    what = _kind_of(tcall, f, kind, out_shape)
    return _check_of(rows, tcall, "hand", what, nums, f.layout, total, tcall.name)


MAX_ROWS = 64  # output components checked one by one (a Jacobian's rows)


def _by_directions(checks: list[Any], tcall: Call, f: Fit, kind: str,
                   row_label: Callable[[tuple[int, ...]], str], rows: int,
                   entries: int) -> schema.Check:
    """The Check of a derivative checked along random directions (`directions`)."""
    held = [n for i, n in enumerate(tcall.names) if i not in f.argnums
            and differentiable(tcall.args[i])] + list(tcall.held)
    return directions.check_of(
        checks, row_label, rows, entries, target=tcall.name, kind=kind,
        wrt=[tcall.names[k] for k in f.argnums], held=sorted(set(held), key=held.index),
        layout=f.layout, distrusted=_ad_distrusted, max_components=MAX_COMPONENTS)


def _distrusted_second_order(tcall: Call, f: Fit, kind: str, first: Any) -> schema.Check:
    what = "hessian-vector product" if kind == "hvp" else "hessian"
    why = (f"AD's gradient of {tcall.name} disagrees with finite differences ({first.message})"
           f": its {'Hessian' if kind == 'hessian' else 'Hessian-vector product'} is not "
           "trusted to judge the hand-written one")
    return schema.Check(target=tcall.name, subject="hand", outcome="unverified",
                        reference="AD", message=why, failures={"ad": schema.Failure(why)},
                        kind=what, wrt=[tcall.names[k] for k in f.argnums], layout=f.layout)


def _kind_of(tcall: Call, f: Fit, kind: str, out_shape: tuple[int, ...]) -> str:
    if kind == "force":
        return "force"
    if f.layout == "elementwise":
        return "derivative"
    if out_shape:
        return "jacobian"
    if len(f.argnums) < len(tcall.argnums):
        return "partial" if len(f.argnums) == 1 else "parameter derivatives"
    return "gradient"


def _fit_words(tcall: Call, f: Fit, kind: str) -> str:
    wrt = ", ".join(tcall.names[k] for k in f.argnums)
    held = [tcall.names[k] for k in tcall.argnums if k not in f.argnums] + list(tcall.held)
    what = {"hessian": "the Hessian", "hvp": "the Hessian times the vector",
            "force": "minus the derivative"}.get(kind, "the derivative")
    text = f"{what} of {tcall.name} w.r.t. {wrt}"
    if f.layout:
        text += f" ({f.layout})"
    if held:
        text += f"; {', '.join(held)} held"
    return text


def _no_fit(tcall: Call, h: Any, kind: str, wrt: tuple[str, ...]) -> str:
    out = tcall.f(*tcall.args)
    shape = np.shape(h) if _as_float(h) is not None else None
    got = f"shape {shape}" if shape is not None else describe(h)
    params = ", ".join(f"{tcall.names[k]} {np.shape(tcall.args[k])}" for k in tcall.argnums)
    what = {"hessian": "a Hessian", "hvp": "a Hessian-vector product"}.get(kind, "a derivative")
    return (f"it returns {got}, which is not {what} of {tcall.name} (output shape "
            f"{np.shape(out)}; parameters {params}" + (f"; w.r.t. {', '.join(wrt)}" if wrt
                                                      else "") + ")")


# -- one function, its own value and derivatives: a selector parameter picks which ------------


SELECTOR_KINDS = ("selector", "order-selector")
MAX_SELECTED = 256  # calls of the function with its selector set (one per index)


def check_selector(call: Call, param: str, axis: int, wrt: tuple[str, ...],
                   kind: str) -> tuple[schema.Pairing, schema.Check]:
    """The verdict on a function whose parameter ``param`` picks what it returns (analysis:
    `pairing.Selector`): kind "selector", ``param=None`` the value and ``param=i`` the
    partial derivative w.r.t. ``wrt[0][..., i, ...]`` (``i`` on ``axis``), each call's
    output one slice of the Jacobian that AD computes of the value; "order-selector",
    ``param=0`` the value and ``param=1`` its derivative w.r.t. ``wrt[0]``. As for any
    guess, an output without the shape the rule says is no pair (`NotAPair`), never a ✗.
    A complex output whose imaginary part is zero at the point (SMT fills
    ``np.zeros(..., complex)``) is compared by its real part."""
    if kind == "order-selector":
        value = _real_valued(_selecting(call, param, 0))
        hand = _selecting(call, param, 1)
        return check_hand(value, _real_or_none(hand.f(*hand.args)), "derivative", wrt)
    value = _real_valued(_selecting(call, param, None))
    k = call.names.index(wrt[0]) if wrt and wrt[0] in call.names else -1
    if k not in value.argnums:
        raise NotAPair(f"{wrt[0] if wrt else 'its input'} is not a float array at this point"
                       + value.missing_note())
    x_shape = tuple(np.shape(value.args[k]))
    ax = axis if axis >= 0 else len(x_shape) + axis
    if not 0 <= ax < len(x_shape):
        raise NotAPair(f"{wrt[0]} has shape {x_shape}: it has no axis {axis} for {param} to "
                       "index")
    n = x_shape[ax]
    if n > MAX_SELECTED:
        raise Unavailable(f"{param} picks one of {n} partial derivatives: more than "
                          f"{MAX_SELECTED} calls, not checked")
    out = value.f(*value.args)
    if not (is_number(out) or is_numeric_array(out)):
        raise NotAPair(f"with {param}=None it returns {describe(out)}: it has no derivative")
    out_shape = tuple(np.shape(out))
    hands = []
    for i in range(n):
        h = _selecting(call, param, i)
        got = h.f(*h.args)
        a = _as_float(_real_or_none(got))
        if a is None:
            raise NotAPair(f"with {param}={i} it returns {describe(got)}, not numbers")
        hands.append(a)
    fits = _selected_fits(hands, out_shape, x_shape, ax, k, param)
    if not fits:
        raise NotAPair(f"with {param}=i it returns shape {hands[0].shape}, which is not "
                       f"∂{value.name}/∂{wrt[0]} on axis {ax} (output shape {out_shape}; "
                       f"{wrt[0]} {x_shape})")
    return _first_verified(value, fits, "derivative", None)


def _selecting(call: Call, param: str, value: Any) -> Call:
    """The same call with the selector ``param`` set to ``value``."""
    if param in call.names:
        i = call.names.index(param)
        return dataclasses.replace(call, args=call.args[:i] + (value,) + call.args[i + 1:],
                                   argnums=tuple(a for a in call.argnums if a != i))
    return dataclasses.replace(call, kwargs={**call.kwargs, param: value})


def _real_or_none(x: Any) -> Any:
    """``x``'s real part when it is a complex array or number with no imaginary part."""
    if np.iscomplexobj(x) and isinstance(x, (complex, np.number, np.ndarray)) \
            and not np.any(np.imag(x)):
        return np.real(x)
    return x


def _real_valued(call: Call) -> Call:
    """The call itself, or, when its output at the point is complex with a zero imaginary
    part, the same call returning the real part (AD and finite differences compare
    real numbers)."""
    out = call.f(*call.args)
    if _real_or_none(out) is out:
        return call
    fn = call.f

    def real(*args: Any) -> Any:
        return np.real(fn(*args))

    return call.with_output(_named(real, call.fn, call.names))


def _selected_fits(hands: list[np.ndarray], out_shape: tuple[int, ...],
                   x_shape: tuple[int, ...], ax: int, k: int, param: str) -> list[Fit]:
    """The readings of one output per index as the Jacobian (shaped out + x) of the
    value: each the partial w.r.t. the whole slice ``x[..., i, ...]`` (shaped out + x
    without the axis), or, for a batch ``x`` of shape (points, n) and an output with one
    row per point, each row's partial w.r.t. its own point's column (SMT)."""
    n = len(hands)
    fits: list[Fit] = []
    rest = x_shape[:ax] + x_shape[ax + 1:]
    parts = [_shaped_as(h, out_shape + rest) for h in hands]
    if all(p is not None for p in parts):
        block = np.moveaxis(np.stack(parts), 0, len(out_shape) + ax)  # type: ignore[arg-type]
        fits.append(Fit((k,), [block], "derivative",
                        f"{param}=0…{n - 1}, one partial derivative each"))
    if len(x_shape) == 2 and ax == 1 and out_shape and out_shape[0] == x_shape[0]:
        rows = [_shaped_as(h, out_shape) for h in hands]
        if all(r is not None for r in rows):
            block = np.zeros(out_shape + x_shape)
            for i, r in enumerate(rows):
                for e in range(x_shape[0]):
                    block[(e,) + (slice(None),) * (len(out_shape) - 1) + (e, i)] = r[e]  # type: ignore[index]
            fits.append(Fit((k,), [block], "derivative",
                            f"{param}=0…{n - 1}, one column each, every row (point) on its own"))
    return fits


def _shaped_as(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray | None:
    """``a`` as an array of ``shape``: the same shape, the same numbers in a shape that
    differs by axes of length 1, or one number for all."""
    if a.shape == shape:
        return a
    if a.size == int(np.prod(shape)) and tuple(d for d in a.shape if d != 1) == tuple(
            d for d in shape if d != 1):
        return a.reshape(shape)
    if a.ndim == 0:
        return np.broadcast_to(a, shape).copy()
    return None


# -- what a request computes -------------------------------------------------------------


Piece = tuple[str, Callable[[], Any]]


def pieces_for(fn: Callable[..., Any], target: Callable[..., Any] | None,
               req: schema.Request | dict[str, Any],
               probe: schema.Probe | None = None) -> Iterator[Piece]:
    """(piece name, computation) in the order they are sent. A function gets its value,
    gradient, check, cost, trace and plot; a hand-written derivative (``target`` is the
    function it differentiates) gets its value, the pairing (whether its output fits),
    its own gradient and the verdict; so does a function recognised as returning
    ``(value, gradient)``. ``probe`` (`choose`): what was run instead of the guess, sent
    first."""
    if isinstance(req, dict):  # a bare point (tests, older callers)
        req = schema.Request("", getattr(fn, "__name__", "f"), req)
    if probe is not None:
        yield "probe", lambda: probe
    held = tuple(req.held)
    call = Call.bind(fn, dict(req.point), held)
    if req.op == "sct":  # the code ad.sct generates (the editor's side-by-side view)
        yield "transformed", lambda: piece_transformed(call, req)
        return
    if target is None and req.kind != "value-and-gradient":
        pieces = _function_pieces(call, req)
    else:
        pieces = _derivative_pieces(call, target, req, held)
    namespace = _globals_of(fn)
    for name, compute in pieces:
        if name == "sct":
            # unpatched: ad.sct reads np.asarray in the user's code as NumPy's own (it has
            # its rule); the tape it is compared with gets the patch (`piece_sct`)
            yield name, compute
        else:
            yield name, _with_kernel_hooks(compute, namespace)


def _globals_of(fn: Callable[..., Any]) -> dict[str, Any]:
    fn = getattr(fn, "__func__", fn)
    return getattr(fn, "__globals__", {})


def _with_kernel_hooks(compute: Callable[[], Any],
                             namespace: dict[str, Any]) -> Callable[[], Any]:
    """Run a piece with ``np.array``/``np.asarray`` accepting traced values: user code's
    ``x = np.asarray(x)`` (scipy's own ``rosen`` starts so) then traces through, and so
    does ``asarray(x)`` after ``from numpy import asarray`` (the slice's own names are
    swapped too); ``np.isscalar`` of a traced number is True, as of a plain one;
    ``np.sum`` & co. take lists of traced values; ``scipy.stats.norm``/``cauchy``'s
    densities, CDFs and quantiles take traced values; and array-api-extra's
    ``xpx.at(a)[i].set(v)`` (SciPy's own functions update arrays so) of a plain array
    and a traced value returns a traced array. The kernel runs one function at a
    time and owns its process, so patching around each piece is safe here (never in the
    library: docs/ad_core.md)."""
    originals = {id(getattr(np, n)): n for n in PATCHED}
    imported = {k: originals[id(v)] for k, v in list(namespace.items())
                if id(v) in originals and not isinstance(v, type)}

    def run() -> Any:
        with array_constructors(), distribution_methods(), at_updates():
            saved = {k: namespace[k] for k in imported}
            try:
                for k, n in imported.items():
                    namespace[k] = getattr(np, n)
                return compute()
            finally:
                namespace.update(saved)

    return run


def _function_pieces(call: Call, req: schema.Request) -> Iterator[Piece]:
    out: list[Any] = []

    def value() -> schema.Value:
        return piece_value(call, out)

    yield "value", value
    first = out[0] if out else None
    from . import stacked_rows  # it builds on this module's checks

    rows = stacked_rows.rows_of(call, first) if first is not None else None
    by_shape = first is not None and value_and_gradient_by_shape(first, call)
    if by_shape:
        vcall = value_part(call)
        state: dict[str, Any] = {}

        def pairing() -> schema.Pairing:
            try:
                p, c = check_hand(vcall, first[1], "derivative", ())
            except NotAPair as e:
                state["why"] = f"not paired: {e}"
                return schema.Pairing(False, str(e))
            state["check"] = c
            return dataclasses.replace(p, rule="by shape: it returns (a float, an array "
                                       "shaped like its argument)")

    if rows is not None:  # a value and its derivatives stacked? else (value, gradient)?
        yield "pairing", lambda: rows.pairing(pairing if by_shape else None)
        if rows.check is not None:
            yield from rows.pieces()
            return
    elif by_shape:
        yield "pairing", pairing
    if by_shape:
        yield "gradient", lambda: piece_gradient(vcall)
        yield "check", lambda: _stored(state)
        for name, piece in (("cost", piece_cost), ("trace", piece_trace),
                            ("debug", piece_debug)):
            yield name, (lambda p=piece: p(vcall))
        return
    for name, piece in (("gradient", piece_gradient), ("check", piece_check),
                        ("cost", piece_cost), ("trace", piece_trace), ("plot", piece_plot),
                        ("debug", piece_debug)):
        yield name, (lambda p=piece: p(call))
    yield "sct", lambda: piece_sct(call, req)


def _stored(state: dict[str, Any]) -> Any:
    if "check" not in state:
        raise Unavailable(state.get("why", "not paired: nothing to check"))
    return state["check"]


def _derivative_pieces(call: Call, target: Callable[..., Any] | None, req: schema.Request,
                       held: tuple[str, ...]) -> Iterator[Piece]:
    self_pair = req.kind == "value-and-gradient"
    selected = req.kind in SELECTOR_KINDS
    if selected:  # its own value and derivatives: the card's value is the selector's None (0)
        call = _selecting(call, req.selector, None if req.kind == "selector" else 0)
    point = dict(req.target_point if req.target_point is not None else req.point)
    tcall = call if self_pair or selected else Call.bind(target, point, held)  # type: ignore[arg-type]
    state: dict[str, Any] = {}
    own = call

    def value() -> schema.Value:
        kept: list[Any] = []
        v = piece_value(call, kept)
        state["hand"] = kept[0]
        return v

    yield "value", value

    def pairing() -> schema.Pairing:
        nonlocal tcall
        hand = state.get("hand")
        kind = req.kind
        if self_pair:
            if not isinstance(hand, (tuple, list)) or len(hand) < 2:
                raise NotAPair(f"it returns {describe(hand)}, not (value, gradient, ...)")
            tcall = value_part(call)
            hand, kind = hand[1], "derivative"
        elif not selected and (req.target_returns_gradient or _returns_pair(tcall)):
            tcall = value_part(tcall)
        vector, note = None, ""
        hand = _dense(hand)
        if not (self_pair or selected) and kind in ("derivative", "partial") \
                and _value_first(tcall, hand):
            # fun_grad(x) beside fun(x), returning (fun(x), grad): the derivative part
            hand, note = hand[1], "; it returns (value, derivative): its second part is checked"
        if kind == "hvp":
            vector = _extra_vector(call, tcall)
        elif kind == "weighted-hessian":
            try:
                tcall, hand, note = _weighted(call, tcall, hand, req)
            except NotAPair as e:
                state["why"] = f"not paired: {e}"
                return schema.Pairing(False, str(e))
            kind = "hessian"
        started = time.perf_counter()
        try:
            if selected:
                p, c = check_selector(call, req.selector, req.axis, tuple(req.wrt), kind)
            else:
                p, c = check_hand(tcall, hand, kind, tuple(req.wrt), vector)
        except NotAPair as e:
            state["why"] = f"not paired: {e}"
            return schema.Pairing(False, str(e))
        except Exception as e:
            state["why"] = f"{tcall.name} could not run: {type(e).__name__}: {e}"
            raise
        if note and req.kind != "weighted-hessian":
            p = dataclasses.replace(p, message=p.message + note)
        if kind == "hessian" and req.kind == "weighted-hessian":
            # the Hessian of v·f, not of f: the card names it so (render.words.checked)
            c = dataclasses.replace(c, kind="weighted hessian")
            p = dataclasses.replace(p, message=p.message + note)
        # checked again elsewhere (`_held_made_up`, `_moved_defaults`): plain pairs only
        again = not (self_pair or selected or req.kind == "weighted-hessian")
        if c is not None and c.outcome == "wrong" and again:
            c = _held_made_up(c, call, target, req, held, kind, tuple(req.wrt))
        if c is not None and c.outcome == "verified" and again \
                and time.perf_counter() - started < MOVED_BUDGET:
            c = _moved_defaults(c, call, req, held, kind, tuple(req.wrt))
        state["check"] = c
        return p

    yield "pairing", pairing
    yield "gradient", lambda: piece_gradient(value_part(own) if self_pair else own)
    yield "check", lambda: _stored(state)


def _value_first(tcall: Call, hand: Any) -> bool:
    """A derivative's output that is ``(value, derivative[, extra])``: its first part is
    its function's own value at the point (equal to rounding), so it says what it is."""
    if not isinstance(hand, (tuple, list)) or len(hand) not in (2, 3):
        return False
    try:
        first = np.asarray(hand[0], dtype=float)
        value = np.asarray(tcall.f(*tcall.args), dtype=float)
    except Exception:
        return False
    return first.shape == value.shape and bool(np.allclose(first, value, rtol=1e-12,
                                                            atol=1e-300))


#: Values a made-up held parameter is tried at when a ✗ depends on it: labels and
#: indicators are 0/1 more often than not (a logit's y: its gradient is (y - p)·x only for
#: y in {0, 1}). Not 0: a held factor at 0 makes every derivative of it agree.
HELD_TRIES = (1.0,)


def _held_made_up(c: schema.Check, call: Call, target: Callable[..., Any] | None,
                  req: schema.Request, held: tuple[str, ...], kind: str,
                  wrt: tuple[str, ...]) -> schema.Check:
    """A ✗ at parameters held in the verdict whose values AD Lens made up is checked
    again with them at `HELD_TRIES`, one parameter at a time, then all together: when
    the derivative then agrees, the ✗ was the made-up value's, not the derivative's (it
    may hold only on the data's domain), and the verdict is unverified, saying so. A ✗
    that stands at every try stays."""
    made_up = [n for n in c.held if n in req.synthetic and _numeric(req.point.get(n))]
    if not made_up or target is None:
        return c
    tpoint = dict(req.target_point if req.target_point is not None else req.point)
    tries = [((n,), v) for n in made_up for v in HELD_TRIES]
    if len(made_up) > 1:
        tries += [(tuple(made_up), v) for v in HELD_TRIES]
    for names, value in tries:
        def at(point: dict[str, Any], names: tuple[str, ...] = names,
               value: float = value) -> dict[str, Any]:
            return {k: (np.full(np.shape(v), value).tolist() if k in names else v)
                    for k, v in point.items()}

        try:
            dcall = Call.bind(call.fn, at(dict(req.point)), held)
            tcall = Call.bind(target, at(tpoint), held)
            if req.target_returns_gradient or _returns_pair(tcall):
                tcall = value_part(tcall)
            vector = _extra_vector(dcall, tcall) if kind == "hvp" else None
            _, again = check_hand(tcall, _dense(dcall.f(*dcall.args)), kind, wrt, vector)
        except Exception:  # another value, another failure: the ✗ stands
            continue
        if again is not None and again.outcome == "verified":
            said = ", ".join(names)
            shown = ", ".join(f"{n}={_num(float(np.ravel(req.point[n])[0]))}"
                              + ("…" if np.size(req.point[n]) > 1 else "") for n in names)
            return dataclasses.replace(c, outcome="unverified", message=(
                f"{c.message}; but with {said} all {_num(value)} it matches: the ✗ comes "
                f"from {shown}, made up here, and the derivative may hold only for some "
                f"values of {said} (labels?): give real ones, e.g. # adlens: "
                f"{names[0]}=..."))
    return c


#: A ✓ that took longer than this is not checked again at a second instance
MOVED_BUDGET = 0.5


def _moved_defaults(c: schema.Check, call: Call, req: schema.Request,
                    held: tuple[str, ...], kind: str, wrt: tuple[str, ...]) -> schema.Check:
    """A ✓ on a method of an instance built from its constructor's defaults is checked
    once more at an instance whose numeric defaults are moved (an int by 1, a float by
    half, 0.0 to 0.5): defaults are often the special values where a wrong formula agrees
    with the right one (a binomial variance's derivative ``1 - 2*mu`` is right for
    ``n=1`` only). A ✗ there is the verdict, naming that instance; anything else (it
    cannot be built, it fails, it agrees) leaves the ✓."""
    spec = req.instance
    if spec is None or req.instance_source != "constructor" or spec.get("args") \
            or spec.get("kwargs") or not req.gradient_of:
        return c
    ns = _globals_of(call.fn)
    cls = ns.get(spec["class"])
    try:
        params = list(inspect.signature(cls).parameters.values())  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return c
    moved = {p.name: (p.default + 1 if type(p.default) is int
                      else p.default * 1.5 if p.default else 0.5)
             for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
             and type(p.default) in (int, float)}
    if not moved:
        return c
    try:
        obj = build_instance(ns, {"class": spec["class"], "kwargs": moved})
        for m in req.setup:
            getattr(obj, m)()
        runs = nested.Runs(req.enclosing)  # a closure and its target: one enclosing run
        fn = lookup(ns, req.function, lambda: obj, own=True, runs=runs)
        target = lookup(ns, req.gradient_of, lambda: obj, runs=runs)
        dcall = Call.bind(fn, dict(req.point), held)
        tcall = Call.bind(target, dict(req.target_point if req.target_point is not None
                                       else req.point), held)
        if req.target_returns_gradient or _returns_pair(tcall):
            tcall = value_part(tcall)
        vector = _extra_vector(dcall, tcall) if kind == "hvp" else None
        _, again = check_hand(tcall, _dense(dcall.f(*dcall.args)), kind, wrt, vector)
    except Exception:  # that instance does not work: the ✓ stands where it was made
        return c
    if again is None or again.outcome != "wrong":
        return c
    shown = f"{spec['class']}({', '.join(f'{k}={v!r}' for k, v in moved.items())})"
    return dataclasses.replace(again, at_instance=shown, message=(
        f"with self = {shown} (its constructor's defaults moved): {again.message}; with "
        f"self = {spec['class']}() it matches"))


def _returns_pair(tcall: Call) -> bool:
    try:
        out = tcall.f(*tcall.args)
    except Exception:
        return False
    return value_and_gradient_by_shape(out, tcall)


def _extra_vector(call: Call, tcall: Call) -> Any:
    """A Hessian-vector product's vector: its argument that its function does not take."""
    for name, value in zip(call.names, call.args, strict=False):
        if name not in tcall.names:
            return value
    if len(call.args) > len(tcall.args):
        return call.args[len(tcall.args)]
    raise NotAPair("it takes no vector argument besides its function's")


def _dense(h: Any) -> Any:
    """A SciPy sparse matrix or array (a Jacobian or Hessian stored sparse, as
    ``NonlinearConstraint`` and ``least_squares`` accept) as its dense array, when it is
    small enough to read; anything else as it is."""
    if hasattr(h, "toarray") and hasattr(h, "nnz") and len(getattr(h, "shape", ())) == 2 \
            and int(np.prod(h.shape)) <= 100 * MAX_ELEMENTS:
        try:
            return np.asarray(h.toarray())
        except Exception:  # noqa: BLE001  (not SciPy's after all: read as it is)
            return h
    return h


def _weighted(call: Call, tcall: Call, hand: Any, req: schema.Request
              ) -> tuple[Call, Any, str]:
    """A weighted Hessian ``hess(x, v)`` (SciPy's ``NonlinearConstraint``: Σ v[i]·∇²f[i]):
    the function ``v·f`` of its function's arguments, whose Hessian ``hess`` must be, the
    hand-written output, and a note when ``v`` was replaced. ``v`` must have the shape of
    ``f``'s output (one number: one weight); a made-up ``v`` that does not is replaced by
    weights of that shape (and the hand-written function called again with them); a given
    one is then not a pair."""
    out = tcall.f(*tcall.args)
    if output_kind(out) in ("complex", "bool") or not (is_number(out) or is_numeric_array(out)):
        raise NotAPair(f"{tcall.name} returns {describe(out)}: it has no Hessian")
    out_shape = tuple(np.shape(out))
    k = next((i for i, n in enumerate(call.names) if n not in tcall.names),
             len(tcall.args) if len(call.args) > len(tcall.args) else None)
    if k is None:
        raise NotAPair("it takes no vector argument besides its function's")
    name = call.names[k]
    v = _as_float(call.args[k])
    fits = v is not None and (v.shape == out_shape or (out_shape == () and v.size == 1))
    note = ""
    if not fits and name in req.synthetic:
        like = np.asarray(_filled(0.5, out_shape or (1,)), dtype=float)
        v = like * np.where(np.arange(like.size) % 2, -1.0, 1.0).reshape(like.shape)
        args = list(call.args)
        args[k] = v
        hand = call.f(*args)
        note = (f"; {name} made up again with the shape of {tcall.name}'s output "
                f"{out_shape or (1,)}, and the hand-written Hessian called with it")
    elif not fits:
        raise NotAPair(f"its vector argument {name} has shape "
                       f"{None if v is None else v.shape}, not the shape of {tcall.name}'s "
                       f"output {out_shape}: it is not a weighted Hessian of it")
    assert v is not None
    weights = v.reshape(out_shape) if out_shape else float(v.reshape(-1)[0])
    f = tcall.f

    def weighted(*a: Any) -> Any:
        o = f(*a)
        if not out_shape:
            return o * weights
        o = o if hasattr(o, "shape") else np.asarray(o)
        return np.sum(o * weights)

    return tcall.with_output(_named(weighted, tcall.fn, tcall.names,
                                    f"{name}·{tcall.name}")), hand, note


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
    # the tape runs under the kernel's hooks, as the card's own gradient does
    ref = _with_kernel_hooks(lambda: ad.grad(call.f, argnums=argnums)(*call.args),
                                   _globals_of(call.fn))()
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



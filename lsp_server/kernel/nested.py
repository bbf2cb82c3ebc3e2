"""A function defined inside another (a closure): run the enclosing function and take the
function bound to the name when that frame returns. Runs in the kernel only.

``Class.method.inner`` runs ``Class.method`` (a property's getter, a method bound to the
request's instance, a static or class method) and ``outer.inner`` runs ``outer``, each
at the enclosing function's own point (`schema.Request.enclosing`). The frame is found
with ``sys.settrace``: its global function is called on each Python call of that run
only, and returns a local tracer for the enclosing function's outermost frame alone, which
copies ``f_locals`` on its ``return`` event (cell variables included, so closures see the
real enclosing values). The tracer is set around that one call and the previous one put
back after it. A function and the one it is paired with share one run (`Runs`).

What is bound must be a function whose code is defined in the enclosing function's own
body (``jac = self.constr_jac`` in the other branch is not): otherwise `Unreachable`
says what the name holds and why.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import sys
import types
from collections.abc import Callable
from typing import Any

_UNBOUND = object()


class Unreachable(Exception):
    """The nested function cannot be reached: the message says why (compute turns it into
    the card's reason)."""


@dataclasses.dataclass
class Runs:
    """One resolve's runs of enclosing functions, shared by a function and its target:
    enclosing name -> (its code, its locals when it returned)."""

    point: dict[str, Any] | None = None
    done: dict[str, tuple[types.CodeType, dict[str, Any]]] = dataclasses.field(
        default_factory=dict)


Caller = Callable[[Callable[..., Any], dict[str, Any]], Any]


def is_nested(ns: dict[str, Any], name: str) -> bool:
    """``name`` names a function defined in a function (``outer.inner``) or in a method of
    a class (``Class.method.inner``) of the slice."""
    parts = name.split(".")
    head = ns.get(parts[0])
    if len(parts) == 3:
        return isinstance(head, type)
    return len(parts) == 2 and inspect.isfunction(head)


def closure(ns: dict[str, Any], name: str, self_: Callable[[], Any], runs: Runs,
            call: Caller) -> Callable[..., Any]:
    """The function ``name`` (`is_nested`) as its enclosing function binds it when it
    returns. ``self_()`` builds the instance a method's run needs; ``call(f, point)``
    calls ``f`` at a point. Raises `Unreachable` with the reason."""
    outer, _, inner = name.rpartition(".")
    if outer not in runs.done:
        runs.done[outer] = _run(ns, outer, self_, runs.point or {}, call)
    code, bound = runs.done[outer]
    defined = [c for c in code.co_consts if isinstance(c, types.CodeType)
               and c.co_name == inner]
    where = (f" (def {inner} at line {', '.join(str(c.co_firstlineno) for c in defined)})"
             if defined else "")
    value = bound.get(inner, _UNBOUND)
    if value is _UNBOUND:
        raise Unreachable(f"{inner} is not bound when {outer} returns: its def{where} did not "
                          "run there (a branch not taken at this instance and point)")
    if not any(_code(value) is c for c in defined):
        raise Unreachable(f"{inner} is bound to {_describe(value)} when {outer} returns, not "
                          f"to the function defined there{where}: that def did not run (a "
                          "branch not taken at this instance and point)")
    return value


def _run(ns: dict[str, Any], outer: str, self_: Callable[[], Any], point: dict[str, Any],
         call: Caller) -> tuple[types.CodeType, dict[str, Any]]:
    head, _, method = outer.partition(".")
    obj = ns.get(head)
    at = f" at {_args(point)}" if point else ""
    if not method:
        func, invoke = obj, (lambda: call(obj, point))
    else:
        try:
            raw = inspect.getattr_static(obj, method)
        except AttributeError:
            raise Unreachable(f"{head} has no method {method!r}") from None
        if isinstance(raw, (property, functools.cached_property)):
            # the getter itself (a cached_property's: nothing is cached on the instance)
            func = raw.fget if isinstance(raw, property) else raw.func
            instance = self_()  # built first: a failure there is the instance's, not the run's
            invoke, at = (lambda: func(instance)), f" on {type(instance).__name__}(…)"
        elif isinstance(raw, staticmethod):
            func = raw.__func__
            invoke = lambda: call(func, point)  # noqa: E731
        elif isinstance(raw, classmethod):
            func = raw.__func__
            invoke = lambda: call(types.MethodType(func, obj), point)  # noqa: E731
        else:
            func = raw
            instance = self_()
            invoke = lambda: call(types.MethodType(func, instance), point)  # noqa: E731
    code = _code(func)
    if code is None:
        raise Unreachable(f"{outer} is {_describe(func)}, not a function AD Lens can run")
    return code, _locals_at_return(code, invoke, outer, at)


def _locals_at_return(code: types.CodeType, invoke: Callable[[], Any], outer: str,
                      at: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def local(frame: Any, event: str, arg: Any) -> Any:
        if event == "return" and frame is seen.get("frame"):
            seen["locals"] = dict(frame.f_locals)
        return local

    def global_(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code is code and "frame" not in seen:  # its outermost frame only
            seen["frame"] = frame
            return local
        return None

    previous = sys.gettrace()
    sys.settrace(global_)
    returned = None
    try:
        returned = invoke()
    except (MemoryError, KeyboardInterrupt):
        raise
    except BaseException as e:  # noqa: BLE001  (user code: SystemExit too)
        raise Unreachable(f"running {outer}{at} raised {type(e).__name__}: {e}"
                          f"{_line(e, code)}; the functions defined in {outer} are "
                          "taken from its frame when it returns") from None
    finally:
        sys.settrace(previous)
        seen.pop("frame", None)  # no frame (nor its locals) kept alive past the run
    if "locals" not in seen:
        if inspect.isgenerator(returned) or inspect.iscoroutine(returned) \
                or inspect.isasyncgen(returned):
            why = f"it returns a {type(returned).__name__} without running its body"
            if inspect.iscoroutine(returned):
                returned.close()  # never awaited: no warning about it
        else:
            why = "its code never ran (a decorator that hides the function it wraps?)"
        raise Unreachable(f"running {outer}{at}: {why}; the functions defined in {outer} "
                          "are taken from its frame when it returns")
    return seen["locals"]


def _code(f: Any) -> types.CodeType | None:
    try:
        f = inspect.unwrap(f)
    except ValueError:  # a __wrapped__ cycle
        pass
    return getattr(f, "__code__", None)


def _line(e: BaseException, code: types.CodeType) -> str:
    """" (line N)": the last line of the slice's own code the traceback passes through."""
    line = None
    tb = e.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == code.co_filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return f" (line {line})" if line is not None else ""


def _args(point: dict[str, Any]) -> str:
    text = ", ".join(f"{k}={v!r}" for k, v in point.items())
    return text if len(text) <= 80 else text[:77] + "..."


def _describe(v: Any) -> str:
    if v is None:
        return "None"
    if inspect.isfunction(v) or inspect.ismethod(v):
        return f"another function ({getattr(v, '__qualname__', v.__name__)})"
    return f"a {type(v).__name__}"

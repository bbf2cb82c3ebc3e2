"""In-place writes into traced arrays: ``x[i] = v``, ``x += v``, ``out=x``, ``np.copyto``...

A traced value is a handle (see ``_core.Tracer``): a write computes the new
value functionally (``set_at``: a ``where`` over an ``untake``, exact in both
modes and at every order) and points the handle at it (``become``). Every name
bound to that object sees the write, as with a NumPy array.

NumPy arrays also share memory through views. A tracer made by a view
operation (a basic slice, ``reshape``, ``.T``, ``ravel``...) records its base
and the view operation, so it can be read again from the base and written back
into it (``_read`` / ``_write``); the base keeps weak references to its views.
A write into a view is carried into its base, and a write into a base refreshes
its live views, so the values (and derivatives) are NumPy's. Views NumPy makes read-only
(``broadcast_to``, ``diagonal``) refuse writes as NumPy does.

What the library cannot follow, and refuses naming the line: a write of a
traced value into a *plain* ndarray (NumPy converts it with ``float()`` or
``__array__``: no hook returns a tracer there), except ``a += x``, which
rebinds ``a`` when nothing else refers to the plain array (counted, see
``plain_inplace``); and a write of a value traced by an inner transform into an
array of an outer one.
"""

from __future__ import annotations

import dis
import operator
import os
import sys
import weakref

import numpy as np

from .._core import _HERE, _NUMPY, Tracer, raw, shape_of, user_site
from ..primitives import ops
from ..primitives.complex import is_complex
from ._common import has_tracer, operand


def _read(link, b):
    """A view's value, read again from (a new value of) its base."""
    _, k, p, _ = link
    if k == "index":
        return ops.getitem(b, idx=p)
    if k == "reshape":
        return ops.reshape(b, shape=p)
    if k == "transpose":
        return ops.transpose(b, axes=p)
    if k == "broadcast":
        return ops.broadcast_to(b, shape=p)
    return ops.getitem(_flat(b), idx=p)  # "codes"


def _write(link, b, new):
    """The base's new value when the view takes the value ``new``."""
    _, k, p, _ = link
    if k == "index":
        return set_at(b, p, new)
    if k == "reshape":
        return ops.reshape(new, shape=shape_of(b))
    if k == "transpose":
        return ops.transpose(new, axes=tuple(int(i) for i in np.argsort(p)))
    return ops.reshape(set_at(_flat(b), p, new), shape=shape_of(b))  # "codes"


def _flat(x):
    return ops.reshape(x, shape=(int(np.prod(shape_of(x), dtype=np.int64)),))


# id(base) -> (weak reference to base, [weak references to its views]). Keyed by id, not by
# the tracer (a tracer's == compares values); the entry leaves with its base.
_VIEWS: dict[int, tuple] = {}


def view(base, result, kind: str, param, writeable: bool = True):
    """Record that ``result`` is a view of the traced ``base`` (NumPy would share memory),
    made by the view operation ``kind`` with ``param``. Returns ``result``.

    The view holds ``(base, kind, param, writeable)``; ``_VIEWS`` holds weak references
    from the base to its views, pruned as they grow (a loop that slices a traced array
    does not grow them without bound). Cheap: a tuple and a weak reference per view."""
    if not isinstance(base, Tracer) or not isinstance(result, Tracer):
        return result
    result._view = (base, kind, param, writeable)
    key = id(base)
    entry = _VIEWS.get(key)
    if entry is None:
        _VIEWS[key] = (weakref.ref(base, lambda _, key=key: _VIEWS.pop(key, None)),
                       [weakref.ref(result)])
        return result
    views = entry[1]
    n = len(views)
    if n >= 32 and not n & (n - 1):  # at 32, 64, 128...: drop the dead ones
        views[:] = [r for r in views if r() is not None]
    views.append(weakref.ref(result))
    return result


def assign(target: Tracer, new) -> None:
    """Point ``target`` at ``new`` (same shape), carrying the write through views."""
    if is_complex(new) and not is_complex(target):
        raise TypeError(f"in-place write of complex values into a real traced array at "
                        f"{user_site()}: NumPy refuses it (it would drop the imaginary part); "
                        "start from a complex array (x + 0j) or write the real part")
    if shape_of(new) != shape_of(target):
        new = ops.broadcast_to(new, shape=shape_of(target))
    link = getattr(target, "_view", None)
    if link is not None:
        if not link[3]:
            raise ValueError(f"assignment destination is read-only (at {user_site()}: NumPy "
                             "makes this view read-only; copy it first)")
        base = link[0]
        assign(base, _write(link, base, new))  # refreshes base's live views, target among them
        return
    target.become(_lift(target, new))
    _refresh(target)


def _lift(target: Tracer, new):
    """``new`` as a value of ``target``'s trace (a constant, or a tracer of an outer trace,
    becomes one through a ``where`` that selects it everywhere)."""
    if isinstance(new, Tracer) and new._trace is target._trace:
        return new
    if isinstance(new, Tracer) and new._trace.level > target._trace.level:
        return new  # become() refuses it, naming the line
    everywhere = np.ones(shape_of(target), dtype=bool)
    return ops.where(everywhere, new, target)


def _refresh(base: Tracer) -> None:
    entry = _VIEWS.get(id(base))
    if entry is None:
        return
    views = entry[1]
    live = []
    for ref in list(views):
        v = ref()
        if v is None:
            continue
        live.append(ref)
        link = getattr(v, "_view", None)
        if link is not None and link[0] is base:
            v.become(_read(link, base))
            _refresh(v)
    views[:] = live


# ---------------------------------------------------------------- x[idx] = v


def _dummy(shape):
    return np.broadcast_to(np.empty((), dtype=np.int8), shape)


def is_basic(idx) -> bool:
    items = idx if isinstance(idx, tuple) else (idx,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis
               for i in items)


def set_at(x, idx, v):
    """The array ``x`` with ``x[idx] = v`` applied, as a new value (NumPy's semantics:
    ``v`` broadcasts to ``x[idx]``; with repeated fancy indices the last write wins)."""
    shape = shape_of(x)
    sub = _dummy(shape)[idx].shape
    v = operand(v)
    if shape_of(v) != sub:
        v = ops.broadcast_to(v, shape=sub) if isinstance(v, Tracer) else np.broadcast_to(v, sub)
    if is_basic(idx):
        mask = np.zeros(shape, dtype=bool)
        mask[idx] = True
    else:
        n = int(np.prod(sub, dtype=np.int64))
        winner = np.full(shape, -1, dtype=np.int64)
        winner[idx] = np.arange(n).reshape(sub)
        mask = winner >= 0
        won = np.zeros(n, dtype=bool)
        won[winner[mask]] = True
        if not won.all():  # repeated indices: only the last write of each element counts
            v = ops.where(won.reshape(sub), v, 0.0)
    if not isinstance(v, Tracer):
        out = raw(x).copy() if isinstance(raw(x), np.ndarray) else np.array(raw(x))
        out[idx] = v
        return ops.where(~mask, x, out)
    return ops.where(mask, ops.untake(v, idx=idx, shape=shape), x)


def setitem(x: Tracer, idx, v) -> None:
    """``x[idx] = v`` on a traced ``x`` (``Tracer.__setitem__``)."""
    if not shape_of(x):
        raise TypeError("'x[...] = v' on a traced scalar: a scalar has no elements; rebind "
                        "the name instead (x = v)")
    assign(x, set_at(x, idx, v))


# ---------------------------------------------------------------- x += v


def inplace_operator(fn):
    """``x += v`` & co. on a traced ``x``: in place when ``x`` is an array (NumPy writes
    into it, and every name and view of it sees the write); for a scalar, Python
    rebinds the name (``NotImplemented`` makes it fall back to ``x = x + v``)."""
    def op(self, other):
        if type(raw(self)) is not np.ndarray:
            return NotImplemented
        new = fn(self, other)
        if shape_of(new) != shape_of(self):
            raise ValueError(f"non-broadcastable output operand with shape {shape_of(self)} "
                             f"doesn't match the broadcast shape {shape_of(new)}")
        assign(self, new)
        return self
    op.__name__ = f"__i{getattr(fn, '__name__', 'op').lstrip('_')}"
    return op


# ---------------------------------------------------------------- out=


def store(fname: str, out, result):
    """Honour ``out=``: write ``result`` into ``out`` and return ``out`` (NumPy's contract).
    A traced ``out`` takes the write; a plain one can only take a plain result."""
    if out is None:
        return result
    if isinstance(out, tuple):
        if len(out) != 1:
            raise ValueError(f"{fname}: out must be a single array")
        out = out[0]
        if out is None:
            return result
    if shape_of(out) != shape_of(result):
        try:
            np.broadcast_shapes(shape_of(result), shape_of(out))
            ok = np.broadcast_shapes(shape_of(result), shape_of(out)) == shape_of(out)
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"{fname}: output array has shape {shape_of(out)}, the result "
                             f"{shape_of(result)}")
    if isinstance(out, Tracer):
        assign(out, result)
        return out
    if isinstance(result, Tracer):
        raise TypeError(
            f"{fname}(..., out=a) at {user_site()}: `a` is a plain NumPy array and the "
            "result is traced; a plain array cannot hold a derivative. Use the returned value "
            "(y = ...), or make `a` traced (np.zeros_like(x) of a traced x)")
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{fname}: out must be an array")
    if is_complex(result) and not is_complex(out):
        raise TypeError(f"{fname}: cannot cast its complex result to out's dtype {out.dtype}")
    out[...] = result
    return out


# ---------------------------------------------------------------- plain += traced

_INPLACE_OPS: dict = {}


def _in_place_instruction(frame) -> bool:
    """Whether ``frame`` is executing an augmented assignment (``a += b``)."""
    key = (frame.f_code, frame.f_lasti)
    hit = _INPLACE_OPS.get(key)
    if hit is None:
        hit = False
        for ins in dis.get_instructions(frame.f_code):
            if ins.offset == frame.f_lasti:
                hit = (ins.opname == "BINARY_OP" and ins.argrepr.endswith("=")
                       and ins.argrepr not in ("==", "!=", "<=", ">=")) \
                    or ins.opname.startswith("INPLACE_")
                break
        _INPLACE_OPS[key] = hit
    return hit


def _user_frame():
    f = sys._getframe(1)
    while f is not None:
        path = os.path.abspath(f.f_code.co_filename)
        if not (path.startswith(_HERE) or path.startswith(_NUMPY)):
            return f
        f = f.f_back
    return None


_BASELINE: list[int] = []


def _refs(a: np.ndarray, frame=None) -> int:
    """``a``'s reference count, less the one a Python trace function adds: while a tracer
    (a debugger, coverage, ``ad.trace``'s watcher) follows ``frame``, CPython copies the
    frame's locals into its ``f_locals`` dict at every event, one more reference per
    name bound to ``a``. Counted by name, so an alias still shows."""
    names = 0
    if frame is not None and frame.f_trace is not None:
        # reading f_locals syncs the dict first, so both counts see the same names
        names = sum(1 for v in frame.f_locals.values() if v is a)
    return sys.getrefcount(a) - names


def plain_inplace(fname: str, ufunc, inputs, out: np.ndarray, compute):
    """``a += x`` with a plain ndarray ``a`` and a traced ``x``: NumPy calls the ufunc
    with ``out=a``. Python then binds ``a`` to what ``__iadd__`` returns, so returning
    the traced result is exactly NumPy's in-place write, provided nothing else sees
    ``a``'s memory: no other name, container or view refers to it (the reference count
    is the one a lone local variable has, measured once on this very path) and ``a`` is
    not itself a view. Otherwise, and for an explicit ``out=``, the write is refused."""
    frame = _user_frame()
    n = _refs(out, frame)
    if _BASELINE and _BASELINE[0] == -1:  # calibrating: record and answer plainly
        _BASELINE[0] = n
        return compute()
    if not _BASELINE:
        _calibrate()
    augmented = frame is not None and _in_place_instruction(frame)
    alone = out.base is None and n <= _BASELINE[0]
    if augmented and alone and out.flags.writeable:
        result = compute()
        if shape_of(result) != out.shape:
            raise ValueError(f"non-broadcastable output operand with shape {out.shape} "
                             f"doesn't match the broadcast shape {shape_of(result)}")
        return result
    where = user_site()
    if not augmented:
        raise TypeError(
            f"{fname}(..., out=a) at {where}: `a` is a plain NumPy array and the result is "
            "traced; a plain array cannot hold a derivative. Use the returned value, or make "
            "`a` traced first (np.zeros_like(x) of a traced x)")
    raise TypeError(
        f"in-place `a {ufunc_symbol(ufunc)}= x` at {where}: `a` is a plain NumPy array "
        "that something else also refers to (another name, a view, a container), and "
        "NumPy would write the traced x into that shared memory, where its derivative "
        "is lost. Write `a = a + x` (a new array), or make `a` traced first "
        "(np.zeros_like(x) of a traced x)")


# ---------------------------------------------------------------- a[i] = x, rebinding


_SETITEM_BASELINE: list[int] = []


def setitem_rebinding(v, a, idx):
    """``a[idx] = v`` written by the kernel as ``a = setitem_rebinding(v, a, idx)`` (a
    source rewrite of the user's function, never done by the library): when ``a`` is a
    plain float64 ndarray that nothing else refers to (no other name, container or view:
    the reference count of a lone local variable, measured once on this very path; not
    itself a view) and ``v`` is traced and real, or ``a`` is such a complex128 array (a
    result kept complex: ``np.zeros(n, complex)``) and ``v`` is traced, real or complex,
    the traced array with the write applied
    is returned and ``a`` is rebound to it, which nobody can tell from NumPy's in-place
    write. Otherwise the write is NumPy's own (a traced ``v`` into a shared plain array
    is then refused, naming the line, as without the rewrite). The arguments come in
    Python's order of evaluation for ``a[idx] = v``: the value first."""
    if (type(a) is np.ndarray and a.base is None and a.flags.writeable
            and (a.dtype == np.float64 and _has_real_tracer(v)
                 or a.dtype == np.complex128 and has_tracer(v))):
        n = _refs(a, _user_frame())
        if _SETITEM_BASELINE and _SETITEM_BASELINE[0] == -1:  # calibrating: record only
            _SETITEM_BASELINE[0] = n
            return a
        else:
            if not _SETITEM_BASELINE:
                _calibrate_setitem()
            if n <= _SETITEM_BASELINE[0]:
                return set_at(a, idx, v)
            raise TypeError(
                f"`a[...] = x` at {user_site()}: `a` is a plain NumPy array that something "
                "else also refers to (another name, a view, a container), and NumPy would "
                "write the traced x into that shared memory, where its derivative is lost. "
                "Make `a` traced first (np.zeros_like(x) of a traced x), or build the "
                "result with np.where / np.stack")
    a[idx] = v
    return a


_AUGMENTED = {
    "Add": (operator.iadd, operator.add), "Sub": (operator.isub, operator.sub),
    "Mult": (operator.imul, operator.mul), "Div": (operator.itruediv, operator.truediv),
    "FloorDiv": (operator.ifloordiv, operator.floordiv), "Mod": (operator.imod, operator.mod),
    "Pow": (operator.ipow, operator.pow), "MatMult": (operator.imatmul, operator.matmul),
    "BitAnd": (operator.iand, operator.and_), "BitOr": (operator.ior, operator.or_),
    "BitXor": (operator.ixor, operator.xor), "LShift": (operator.ilshift, operator.lshift),
    "RShift": (operator.irshift, operator.rshift),
}


def augmented_value(op: str, t, v):
    """``t op= v`` for the kernel's rewrite of ``a[i] op= v`` into ``a =
    setitem_rebinding(augmented_value(op, a[i], v), a, i)``: Python's own in-place
    operation, except for a plain array ``t`` (a view into a plain ``a``) and a traced
    ``v``, where NumPy would write the traced result into ``a``'s memory: then the new
    value, computed from a copy of ``t`` (no reference to ``a`` stays behind), and
    ``setitem_rebinding`` stores it as the statement's store would."""
    iop, op_ = _AUGMENTED[op]
    if type(t) is np.ndarray and has_tracer(v):
        return op_(t.copy(), v)
    return iop(t, v)


def _has_real_tracer(v) -> bool:
    return has_tracer(v) and not (isinstance(v, Tracer) and is_complex(v))


def _calibrate_setitem() -> None:
    """The reference count of a plain array held by one local variable, seen from
    ``setitem_rebinding`` called as the kernel's rewrite calls it."""
    from ..forward import Dual, ForwardTrace

    _SETITEM_BASELINE[:] = [-1]
    probe = Dual(ForwardTrace(), np.zeros(1), np.zeros(1))
    a = np.zeros(1)
    a = setitem_rebinding(probe, a, 0)  # exactly as the rewritten code calls it
    del a
    if _SETITEM_BASELINE[0] == -1:  # the probe did not come through here: never rebind
        _SETITEM_BASELINE[0] = 0


def ufunc_symbol(ufunc) -> str:
    return {np.add: "+", np.subtract: "-", np.multiply: "*", np.true_divide: "/",
            np.power: "**", np.matmul: "@", np.remainder: "%",
            np.floor_divide: "//"}.get(ufunc, f"<{ufunc.__name__}>")


def _calibrate() -> None:
    """The reference count of a plain array held by one local variable, seen from here
    during ``a += x``: run that statement once with a real tracer."""
    from ..forward import Dual, ForwardTrace

    _BASELINE[:] = [-1]
    probe = Dual(ForwardTrace(), np.zeros(1), np.zeros(1))
    a = np.zeros(1)
    a += probe
    del a
    if _BASELINE[0] == -1:  # the probe did not come through here: never rebind
        _BASELINE[0] = 0

"""Forward mode: dual numbers tagged with their trace.

A :class:`Dual` carries a primal value and its tangent. Processing a
primitive evaluates it on the primals and sums, over the arguments this trace
owns, the JVP rule of the table applied to their tangents.
"""

from __future__ import annotations

import numpy as np

from ._core import Trace, Tracer, in_place_level_error, shape_of
from .primitives import onehot, ops
from .primitives.batching import (  # noqa: F401  (batch_fallbacks: read by tests and api)
    NoBatchRule,
    batch_fallbacks,
    batched_rule,
    looped_jvp,
    stack_rows,
)
from .primitives.chain import tangent_term
from .primitives.complex import COMPLEX_SAFE, complex_call, has_complex
from .primitives.onehot import OneHot
from .reverse import gc_paused


class Dual(Tracer):
    __slots__ = ("_trace", "primal", "tangent")

    def __init__(self, trace: ForwardTrace, primal, tangent) -> None:
        self._trace = trace
        self.primal = primal
        self.tangent = tangent

    def become(self, new) -> None:
        if type(new) is not Dual or new._trace is not self._trace:
            raise in_place_level_error(self, new)
        self.primal = new.primal
        self.tangent = new.tangent


class ForwardTrace(Trace):
    __slots__ = ()

    def process(self, prim, args, params):
        primals = [a.primal if type(a) is Dual and a._trace is self else a for a in args]
        if prim not in COMPLEX_SAFE and has_complex(primals):
            return complex_call(prim, args, params)
        ans = prim(*primals, **params)
        partials = prim.partials
        rules = prim.jvp
        t_out = None
        for i, a in enumerate(args):
            if type(a) is Dual and a._trace is self:
                if partials is not None:
                    d = partials[i]
                    if d is None:
                        raise TypeError(f"{prim.name} is not differentiable with respect to "
                                        f"its argument {i}")
                    c = tangent_term(a.tangent, d(ans, *primals, **params))
                else:
                    rule = rules[i] if i < len(rules) else None
                    if rule is None:
                        raise TypeError(f"{prim.name} is not differentiable with respect to "
                                        f"its argument {i}")
                    c = rule(a.tangent, ans, *primals, **params)
                t_out = c if t_out is None else t_out + c
        ta = type(ans)
        if ta is np.ndarray:
            if type(t_out) is not np.ndarray or t_out.shape != ans.shape:
                if shape_of(t_out) != ans.shape:  # e.g. only a broadcast operand had a tangent
                    t_out = ops.broadcast_to(t_out, shape=ans.shape)
        elif ta is not float:
            s = shape_of(ans)
            if shape_of(t_out) != s:
                t_out = ops.broadcast_to(t_out, shape=s)
        return Dual(self, ans, t_out)

    def process_custom_jvp(self, fn, args):
        primals = [a.primal if type(a) is Dual and a._trace is self else a for a in args]
        tangents = [a.tangent if type(a) is Dual and a._trace is self else _zeros_like(a)
                    for a in args]
        out, t_out = fn.jvp_rule(tuple(primals), tuple(tangents))
        return Dual(self, out, t_out)

    def process_custom_vjp(self, fn, args):
        # Forward mode through a custom_vjp function differentiates its body.
        return fn.fun(*args)

    def lift(self, x, t) -> Dual:
        return Dual(self, x, t)

    def unpack(self, out):
        """(primal, tangent) of an output; the tangent is zero if it does not depend on us."""
        if type(out) is Dual and out._trace is self:
            return out.primal, out.tangent
        return out, _zeros_like(out)


class BatchedForwardTrace(ForwardTrace):
    """Forward mode with B tangents at once (each tangent has a leading axis of size B).

    Elementwise rules broadcast over the batch axis as they are; other primitives use
    their batching rule (``primitives.batching``), or, without one, their JVP rule once
    per tangent at that node (counted in ``batch_fallbacks``). A tangent may stay a
    :class:`~ad_core.primitives.onehot.OneHot` (the identity seed, scaled) for as long as
    the operations allow; it is written out where one needs it.
    """

    __slots__ = ("batch", "budget")

    def __init__(self, batch: int, budget: int | None = None) -> None:
        super().__init__()
        self.batch = batch
        self.budget = budget if budget is not None and batch > 1 else None

    def process(self, prim, args, params):
        primals = [a.primal if type(a) is Dual and a._trace is self else a for a in args]
        if prim not in COMPLEX_SAFE and has_complex(primals):
            return complex_call(prim, args, params)
        ans = prim(*primals, **params)
        B = self.batch
        if self.budget is not None and type(ans) is np.ndarray and ans.size * B > self.budget:
            raise Rechunk(self, ans.size)  # this batch would not fit: fewer rows per sweep
        s_out = shape_of(ans)
        partials = prim.partials
        t_out = None
        for i, a in enumerate(args):
            if type(a) is not Dual or a._trace is not self:
                continue
            t = a.tangent
            if partials is not None:
                d = partials[i]
                if d is None:
                    raise TypeError(f"{prim.name} is not differentiable with respect to "
                                    f"its argument {i}")
                if type(t) is OneHot:
                    if shape_of(a.primal) == s_out:  # the chain rule scales the one-hot rows
                        c = t.scaled(d(ans, *primals, **params))
                        t_out = c if t_out is None else onehot.add(t_out, c)
                        continue
                    t = t.dense()
                k = len(s_out) - (len(shape_of(t)) - 1)
                if k > 0:  # a broadcast operand: line its axes up with the output's
                    t = ops.reshape(t, shape=(B,) + (1,) * k + shape_of(t)[1:])
                c = tangent_term(t, d(ans, *primals, **params))
            else:
                c = None
                if type(t) is OneHot:
                    short = onehot.JVP.get(prim)
                    if short is not None and i < len(short):
                        c = short[i](t, ans, *primals, **params)
                    if c is None:
                        t = t.dense()
                if c is None:
                    c = _batched_jvp(prim, i, t, ans, primals, params)
            t_out = c if t_out is None else onehot.add(t_out, c)
        if type(t_out) is not OneHot and shape_of(t_out) != (B,) + s_out:
            t_out = ops.broadcast_to(t_out, shape=(B,) + s_out)
        return Dual(self, ans, t_out)

    def process_custom_jvp(self, fn, args):
        # A hand-written rule takes one tangent: apply it per tangent (counted as a fallback).
        batch_fallbacks[f"custom_jvp {fn.__name__}"] += 1
        primals = [a.primal if type(a) is Dual and a._trace is self else a for a in args]
        tangents = [onehot.dense(a.tangent) if type(a) is Dual and a._trace is self else None
                    for a in args]
        out, rows = None, []
        for b in range(self.batch):
            tb = tuple(_zeros_like(p) if t is None else _row(t, b)
                       for p, t in zip(primals, tangents))
            out, t_b = fn.jvp_rule(tuple(primals), tb)
            rows.append(t_b)
        return Dual(self, out, stack_rows(rows, shape_of(out)))

    def unpack(self, out):
        if type(out) is Dual and out._trace is self:
            return out.primal, onehot.dense(out.tangent)
        s = shape_of(out)
        return out, np.zeros((self.batch,) + s)


def _batched_jvp(prim, i, t, ans, primals, params):
    rule = batched_rule(prim, i)
    if rule is not None:
        try:
            return rule(t, ans, *primals, **params)
        except NoBatchRule:
            pass
    one = prim.jvp[i] if i < len(prim.jvp) else None
    if one is None:
        raise TypeError(f"{prim.name} is not differentiable with respect to its argument {i}")
    return looped_jvp(f"forward {prim.name}", one, t, ans, primals, params)


def _row(t, b: int):
    return ops.getitem(t, idx=b) if isinstance(t, Tracer) else t[b]


class Rechunk(BaseException):
    """A batched sweep met an intermediate too large for its batch (``budget`` elements
    per batched array): the sweep restarts with fewer rows. A BaseException, so that an
    ``except Exception`` in user code does not swallow it."""

    def __init__(self, trace, size: int) -> None:
        super().__init__(size)
        self.trace = trace
        self.size = size


#: Elements per batched array (B × the size of the value it goes with): bounds the memory
#: of a batched sweep to a few arrays of 32 MB (float64). How it was chosen: docs/ad_core.md,
#: "Jacobians".
BATCH_ELEMENTS = 1 << 22


def chunk_rows(n: int, largest: int) -> int:
    """Rows per batched sweep for ``n`` directions whose largest value has ``largest``
    elements."""
    return max(1, min(n, BATCH_ELEMENTS // max(1, largest)))


def jacobian_tangents(f, args, kwargs, nums, xs, shapes, sizes):
    """The tangents of every output along every basis direction of the arguments in
    ``nums`` (``xs``: their differentiable values, of ``shapes`` and ``sizes``):
    ``(is_tuple, [(out_primal, T)])``.

    With n > 1 input elements in all, ``T`` has shape ``(n,) + out_shape`` (rows in the
    order of ``nums``), from one batched sweep (a few when memory asks for it); with
    n <= 1 it is the output tangent of the one plain forward sweep.

    On plain inputs the sweep skips the 0 · inf checks of the chain rule's products (a
    pass over every array), as reverse mode's first sweep does; tangents never steer
    control flow, so if no NaN reached an output tangent the checks would have changed
    nothing, and if one did the sweep runs again, checking."""
    zc = ops.ZERO_CHECK
    prev = zc.lazy
    plain = True
    for x in xs:
        if isinstance(x, Tracer):
            plain = False
            break
    zc.lazy = plain
    try:
        res = _sweeps(f, args, kwargs, nums, xs, shapes, sizes)
        if plain:
            for p, T in res[1]:
                if isinstance(p, Tracer) or isinstance(T, Tracer) or _has_nan(T):
                    zc.lazy = False
                    res = _sweeps(f, args, kwargs, nums, xs, shapes, sizes)
                    break
    finally:
        zc.lazy = prev
    return res


def _has_nan(T) -> bool:
    if type(T) is np.ndarray:
        return T.size > 0 and T.dtype.kind in "fc" and bool(np.isnan(_add_reduce(T, axis=None)))
    return T != T


_add_reduce = np.add.reduce


def _sweeps(f, args, kwargs, nums, xs, shapes, sizes):
    n = sum(sizes)
    if n <= 1:  # one direction (or none): the plain forward sweep is the whole batch
        trace = ForwardTrace()
        a = list(args)
        # Every argnum is traced, as in grad: code like `x.dot(y)` needs y traced too.
        for k, x, s, size in zip(nums, xs, shapes, sizes):
            a[k] = Dual(trace, x, float(size) if s == () else
                        (np.ones(s) if size else np.zeros(s)))
        with gc_paused():
            out = f(*a, **kwargs)
        if type(out) is Dual:
            return False, [trace.unpack(out)]
        outs, is_tuple = _outputs(out)
        return is_tuple, [trace.unpack(o) for o in outs]
    offsets = [sum(sizes[:j]) for j in range(len(sizes))]
    chunk = chunk_rows(n, max(sizes))
    pieces = []
    is_tuple = False
    start = 0
    while start < n:
        B = min(chunk, n - start)
        trace = BatchedForwardTrace(B, BATCH_ELEMENTS)
        a = list(args)
        for k, x, s, size, off in zip(nums, xs, shapes, sizes, offsets):
            shift = start - off  # row b is element b + shift of argument k
            if -B < shift < size:
                t = OneHot(np.ones(s) if s else 1.0, shift, B)
            else:
                t = np.zeros((B,) + s)
            a[k] = Dual(trace, x, t)
        try:
            with gc_paused():
                outs, is_tuple = _outputs(f(*a, **kwargs))
        except Rechunk as r:
            if r.trace is not trace:
                raise
            chunk = chunk_rows(B, r.size)
            continue
        pieces.append([trace.unpack(o) for o in outs])
        start += B
    results = []
    for o in range(len(pieces[0])):
        primal = pieces[0][o][0]
        parts = [p[o][1] for p in pieces]
        if len(parts) == 1:
            T = parts[0]
        elif any(isinstance(t, Tracer) for t in parts):
            T = ops.concatenate(*parts, axis=0)
        else:
            T = np.concatenate(parts, axis=0)
        results.append((primal, T))
    return is_tuple, results


def _outputs(out):
    if isinstance(out, (tuple, list)):
        return list(out), True
    return [out], False


def _zeros_like(x):
    from ._core import raw

    r = raw(x)
    if isinstance(r, (float, int)) or np.ndim(r) == 0:
        return 0.0
    return np.zeros(np.shape(r))

"""Forward mode: dual numbers tagged with their trace.

A :class:`Dual` carries a primal value and its tangent. Processing a
primitive evaluates it on the primals and sums, over the arguments this trace
owns, the JVP rule of the table applied to their tangents.
"""

from __future__ import annotations

import collections
import math

import numpy as np

from ._core import Trace, Tracer, in_place_level_error, shape_of
from .primitives import ops
from .primitives.batching import NoBatchRule, batched_rule
from .primitives.chain import tangent_term
from .primitives.complex import COMPLEX_SAFE, complex_call, has_complex
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
        if type(ans) is not float:
            s = shape_of(ans)
            if shape_of(t_out) != s:  # e.g. only a broadcast operand had a tangent
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
    their batching rule (``primitives.batching``) and raise ``NoBatchRule`` without one.
    """

    __slots__ = ("batch",)

    def __init__(self, batch: int) -> None:
        super().__init__()
        self.batch = batch

    def process(self, prim, args, params):
        primals = [a.primal if type(a) is Dual and a._trace is self else a for a in args]
        if prim not in COMPLEX_SAFE and has_complex(primals):
            return complex_call(prim, args, params)
        ans = prim(*primals, **params)
        s_out = shape_of(ans)
        B = self.batch
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
                k = len(s_out) - (len(shape_of(t)) - 1)
                if k > 0:  # a broadcast operand: line its axes up with the output's
                    t = ops.reshape(t, shape=(B,) + (1,) * k + shape_of(t)[1:])
                c = tangent_term(t, d(ans, *primals, **params))
            else:
                c = batched_rule(prim, i)(t, ans, *primals, **params)
            t_out = c if t_out is None else t_out + c
        if shape_of(t_out) != (B,) + s_out:
            t_out = ops.broadcast_to(t_out, shape=(B,) + s_out)
        return Dual(self, ans, t_out)

    def process_custom_jvp(self, fn, args):
        raise NoBatchRule(f"custom_jvp {fn.__name__}")

    def unpack(self, out):
        if type(out) is Dual and out._trace is self:
            return out.primal, out.tangent
        s = shape_of(out)
        return out, np.zeros((self.batch,) + s)


#: Primitives that made a batched sweep (hessian) fall back to one sweep per input element
#: because they have no batching rule, with how often: slower, never wrong, and visible
#: here (tests assert it stays empty for the table's primitives).
batch_fallbacks: collections.Counter = collections.Counter()

# Tangent elements per batched sweep: bounds memory (B x the largest intermediate).
BATCH_ELEMENTS = 1 << 22
MAX_BATCH = 512


def batched_jacobian_tangents(f, args, kwargs, nums, xs, k):
    """Tangents of every output for all basis directions of argument ``k``, in as few
    forward sweeps as memory allows. Returns ``(is_tuple, [(out_shape, T)])`` with
    ``T`` of shape ``(n,) + out_shape``; raises NoBatchRule when a primitive on the way
    has no batching rule (the caller then sweeps once per input element)."""
    x = xs[k]
    s_in = shape_of(x)
    n = math.prod(s_in)
    size = max(1, n)
    chunk = max(1, min(n, MAX_BATCH, BATCH_ELEMENTS // size))
    pieces = []
    is_tuple = False
    for start in range(0, n, chunk):
        B = min(chunk, n - start)
        trace = BatchedForwardTrace(B)
        basis = np.zeros((B, n))
        basis[np.arange(B), start + np.arange(B)] = 1.0
        a = list(args)
        for j in nums:
            t = basis.reshape((B,) + s_in) if j == k else np.zeros((B,) + shape_of(xs[j]))
            a[j] = Dual(trace, xs[j], t)
        with gc_paused():
            outs, is_tuple = _outputs(f(*a, **kwargs))
        pieces.append([trace.unpack(o) for o in outs])
    results = []
    for o in range(len(pieces[0])):
        s_out = shape_of(pieces[0][o][0])
        parts = [p[o][1] for p in pieces]
        if len(parts) == 1:
            T = parts[0]
        elif any(isinstance(t, Tracer) for t in parts):
            T = ops.concatenate(*parts, axis=0)
        else:
            T = np.concatenate(parts, axis=0)
        results.append((s_out, T))
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

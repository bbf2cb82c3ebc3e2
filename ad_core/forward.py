"""Forward mode: dual numbers tagged with their trace.

A :class:`Dual` carries a primal value and its tangent. Processing a
primitive evaluates it on the primals and sums, over the arguments this trace
owns, the JVP rule of the table applied to their tangents.
"""

from __future__ import annotations

from ._core import Trace, Tracer, shape_of
from .primitives import ops
from .primitives.table import tangent_term


class Dual(Tracer):
    __slots__ = ("_trace", "primal", "tangent")

    def __init__(self, trace: ForwardTrace, primal, tangent) -> None:
        self._trace = trace
        self.primal = primal
        self.tangent = tangent


class ForwardTrace(Trace):
    __slots__ = ()

    def process(self, prim, args, params):
        primals = [a.primal if type(a) is Dual and a._trace is self else a for a in args]
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


def _zeros_like(x):
    import numpy as np

    from ._core import raw

    r = raw(x)
    if isinstance(r, (float, int)) or np.ndim(r) == 0:
        return 0.0
    return np.zeros(np.shape(r))

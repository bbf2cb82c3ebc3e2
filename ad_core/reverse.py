"""Reverse mode: a tape (Wengert list) and one backward sweep.

Every primitive applied to a value of this trace appends one node to a flat
list: the table's VJP rules, the output, the primal arguments and the indices
of the parents. The list is already in topological order, so the backward
pass is a single loop from the output down to the inputs: no recursion on
graph depth, no sort, and nothing in the tape is mutated, so it can run any
number of times (``jacrev`` runs it once per output element).

Nodes hold plain values and integers, never tracers of their own trace, so a
tape makes no reference cycles and dies with its last tracer.
"""

from __future__ import annotations

import gc
import weakref

import numpy as np

from ._core import Trace, Tracer, in_place_level_error, raw, shape_of, user_site
from .primitives import onehot, ops
from .primitives.batching import (
    VJP_ACCUMULATE,
    NoBatchRule,
    batch_fallbacks,
    batched_vjp_rule,
    looped_vjp,
    stack_rows,
)
from .primitives.chain import cotangent_term, cotangent_term_batched
from .primitives.complex import COMPLEX_SAFE, complex_call, has_complex
from .primitives.onehot import OneHot
from .primitives.table import ARITH_ERRORS


class _GCPaused:
    """The cyclic collector off while a transform runs: a tape makes no cycles, but its
    many containers would trigger collection after collection (half the time at 10^6
    operations). One shared object with a depth count, not a ``contextlib`` generator:
    it is entered once per transform call, and a generator costs a microsecond and a half.
    """

    __slots__ = ("depth", "was_on")

    def __init__(self) -> None:
        self.depth = 0
        self.was_on = False

    def __enter__(self) -> None:
        if self.depth == 0:
            self.was_on = gc.isenabled()
            gc.disable()
        self.depth += 1

    def __exit__(self, *exc) -> None:
        self.depth -= 1
        if self.depth == 0 and self.was_on:
            gc.enable()


_GC_PAUSED = _GCPaused()


def gc_paused() -> _GCPaused:
    """``with gc_paused():`` the cyclic collector is off inside (and back on after)."""
    return _GC_PAUSED


def _has_nan(v) -> bool:
    t = type(v)
    if t is float or t is np.float64 or t is complex:
        return v != v
    if t is np.ndarray:
        return v.dtype.kind in "fc" and v.size > 0 and np.isnan(np.add.reduce(v, axis=None))
    return False


def _batched_vjp(prim, pos, g, ans, primals, params, x):
    rule = batched_vjp_rule(prim, pos)
    if rule is not None:
        try:
            return rule(g, ans, *primals, **params)
        except NoBatchRule:
            pass
    return looped_vjp(f"reverse {prim.name}", prim.vjp[pos], g, ans, primals, params, x)


def _accumulate(adj: list, j: int, c, owned: set) -> None:
    a = adj[j]
    if a is None:
        adj[j] = c
    elif type(a) is np.ndarray and type(c) is np.ndarray:
        _add_arrays(adj, j, a, c, owned)
    else:
        adj[j] = onehot.add(a, c)


def _add_arrays(adj: list, j: int, a: np.ndarray, c: np.ndarray, owned: set) -> None:
    if j in owned and a.shape == np.broadcast_shapes(a.shape, c.shape) and \
            a.dtype == np.result_type(a, c):
        a += c
    else:
        adj[j] = a + c
        owned.add(j)


class RVar(Tracer):
    __slots__ = ("_trace", "primal", "_idx")

    def __init__(self, trace: ReverseTrace, primal, idx: int) -> None:
        self._trace = trace
        self.primal = primal
        self._idx = idx

    def become(self, new) -> None:
        if not isinstance(new, RVar) or new._trace is not self._trace:
            raise in_place_level_error(self, new)
        self.primal = new.primal
        self._idx = new._idx

    def backward(self, gradient=None, retain_graph: bool = False) -> None:
        """PyTorch-style: accumulate d(self)/d(leaf) into each live ``Variable``'s ``.grad``.
        Afterwards new operations start a fresh graph (``retain_graph=True`` keeps
        extending this one)."""
        self._trace.backward_into_variables(self, gradient, retain_graph)


class ReverseTrace(Trace):
    __slots__ = ("nodes", "inputs", "variables", "retired")

    def __init__(self) -> None:
        super().__init__()
        self.retired = False  # Variable graphs: freed by backward(), see Variable
        # node: (primitive, ans, primals, params, parents) or None for an input;
        # a custom_vjp node has primitive None and its backward function as ans.
        self.nodes: list = []
        self.inputs: list[int] = []  # node indices of the inputs (their adjoints are the result)
        self.variables: list = []  # (weakref to a Variable, its input index here)

    def new_input(self, value) -> RVar:
        self.nodes.append(None)
        self.inputs.append(len(self.nodes) - 1)
        return RVar(self, value, len(self.nodes) - 1)

    def process(self, prim, args, params):
        primals = []
        parents = []
        plain = True  # all primals are Python floats/ints: evaluate with the scalar rule
        i = 0
        for a in args:
            if isinstance(a, RVar):
                if a._trace is self:
                    parents.append((i, a._idx))
                    a = a.primal
                elif a._trace.retired:
                    raise RuntimeError(
                        "a value computed before .backward() was combined with values "
                        "computed after it; backward() freed that graph (as in PyTorch): "
                        "recompute the value from the Variables, or pass retain_graph=True")
            primals.append(a)
            if plain and type(a) is not float and type(a) is not int:
                plain = False
            i += 1
        if not plain and prim not in COMPLEX_SAFE and has_complex(primals):
            return complex_call(prim, args, params)  # its complex form, or a named error
        if prim.nondiff:
            for i, _ in parents:
                if i in prim.nondiff:
                    raise TypeError(f"{prim.name} is not differentiable with respect to its "
                                    f"argument {i}")
        if plain and prim.scalar is not None and not params:
            try:
                ans = prim.scalar(*primals)
            except ARITH_ERRORS:
                ans = prim(*primals)
        else:
            ans = prim(*primals, **params)
        nodes = self.nodes
        nodes.append((prim, ans, primals, params, parents))
        return RVar(self, ans, len(nodes) - 1)

    def process_custom_jvp(self, fn, args):
        # Reverse mode through a custom_jvp function differentiates its body.
        return fn.fun(*args)

    def process_custom_vjp(self, fn, args):
        primals = []
        parents = []
        for i, a in enumerate(args):
            if isinstance(a, RVar) and a._trace is self:
                primals.append(a.primal)
                parents.append((i, a._idx))
            else:
                primals.append(a)
        out, residuals = fn.fwd(*primals)
        bwd = fn.bwd
        n = len(args)

        def vjp_all(g):
            cts = bwd(residuals, g)
            if not isinstance(cts, (tuple, list)) or len(cts) != n:
                raise TypeError(f"custom_vjp backward rule of {fn.__name__} must return a "
                                f"tuple of {n} cotangents, one per argument")
            return cts

        self.nodes.append((None, vjp_all, primals, None, parents))
        return RVar(self, out, len(self.nodes) - 1)

    def largest(self, out_idx: int) -> int:
        """Elements of the largest value computed up to ``out_idx``: a batched sweep's
        adjoints are B times such values (``jacrev`` sizes its batch by it). Constants
        (``A`` in ``A @ x``) never get an adjoint and do not count; inputs are the caller's
        to count."""
        big = 1
        for node in self.nodes[:out_idx + 1]:
            if node is not None and node[0] is not None:
                v = node[1]
                if type(v) is not np.ndarray:
                    v = raw(v)
                if type(v) is np.ndarray and v.size > big:
                    big = v.size
        return big

    def unpack(self, out):
        """(value, node index or None when the output does not depend on us)."""
        if isinstance(out, RVar) and out._trace is self:
            return out.primal, out._idx
        return out, None

    def backward(self, out_idx: int, seed, mask: bool = False, keep: bool = False,
                 batch: int = 0) -> list:
        """Adjoints of every node up to ``out_idx``, seeded with ``seed`` at the output.

        ``batch`` = B > 0: ``seed`` is B cotangents at once (a leading batch axis, or a
        :class:`~ad_core.primitives.onehot.OneHot`), and so is every adjoint (``jacrev``).

        0 · inf products (a zero cotangent from the branch ``np.where`` did not take,
        times sqrt'(0) or an overflow) must count as 0. Finding them costs a pass per
        array operation, so the first sweep does not look; if NaN reached an input's
        adjoint, the sweep runs again with masking (``mask=True``).

        Intermediate adjoints are dropped as soon as their node is processed (memory
        stays near the live frontier); ``keep=True`` keeps them all (``ad.trace``)."""
        with gc_paused():
            out = self.nodes[out_idx]
            plain = out is not None and not isinstance(out[1], Tracer) and \
                not isinstance(seed, Tracer)
            if batch:
                return self._batched_backward(out_idx, seed, mask, batch, plain)
            if mask:
                adj = self._sweep(out_idx, seed, True, keep)
            else:
                # A first-order sweep (plain values; a nested one carries outer tracers,
                # whose forward rules must keep checking) skips the 0 · inf check in
                # matmul / einsum / share products too.
                lazy = ops.ZERO_CHECK.lazy
                ops.ZERO_CHECK.lazy = plain
                try:
                    adj = self._sweep(out_idx, seed, False, keep)
                finally:
                    ops.ZERO_CHECK.lazy = lazy
                if any(_has_nan(adj[i]) for i in self.inputs if i <= out_idx):
                    adj = self._sweep(out_idx, seed, True, keep)
        return adj

    def _batched_backward(self, out_idx: int, seed, mask: bool, B: int, plain: bool) -> list:
        if mask:
            return self._sweep_batched(out_idx, seed, True, B)
        lazy = ops.ZERO_CHECK.lazy
        ops.ZERO_CHECK.lazy = plain
        try:
            adj = self._sweep_batched(out_idx, seed, False, B)
        finally:
            ops.ZERO_CHECK.lazy = lazy
        if any(adj[i] is not None and onehot.has_nan(adj[i])
               for i in self.inputs if i <= out_idx):
            adj = self._sweep_batched(out_idx, seed, True, B)
        return adj

    def _sweep_batched(self, out_idx: int, seed, mask: bool, B: int) -> list:
        """``_sweep`` for B cotangents at once: every adjoint has a leading batch axis
        (or is one-hot: the identity seed scaled by elementwise partials)."""
        nodes = self.nodes
        adj = [None] * (out_idx + 1)
        adj[out_idx] = seed
        owned = set()
        for i in range(out_idx, -1, -1):
            g = adj[i]
            if g is None:
                continue
            node = nodes[i]
            if node is None:
                continue
            adj[i] = None
            prim, ans, primals, params, parents = node
            if prim is None:  # custom_vjp: its backward rule takes one cotangent at a time
                self._custom_batched(ans, onehot.dense(g), primals, parents, adj, B)
                continue
            partials = prim.partials
            if partials is not None:
                for pos, j in parents:
                    d = partials[pos](ans, *primals, **params) if params else \
                        partials[pos](ans, *primals)
                    x = primals[pos]
                    if type(g) is OneHot:
                        if shape_of(x) == shape_of(ans):  # the one-hot rows, scaled
                            c = OneHot(cotangent_term(g.d, d, x, mask), g.shift, g.B)
                        else:
                            c = cotangent_term_batched(g.dense(), d, x, mask)
                    else:
                        c = cotangent_term_batched(g, d, x, mask)
                    _accumulate(adj, j, c, owned)
                continue
            short = onehot.VJP.get(prim) if type(g) is OneHot else None
            acc = VJP_ACCUMULATE.get(prim)
            for pos, j in parents:
                x = primals[pos]
                c = None
                if short is not None and type(g) is OneHot and pos < len(short):
                    c = short[pos](g, ans, *primals, **params)
                if c is None:
                    if type(g) is OneHot:
                        g = g.dense()
                    a = adj[j]
                    if acc is not None and type(g) is np.ndarray and (
                            a is None or j in owned or type(a) is np.ndarray):
                        # In place (x[i] scatters into one buffer, not zeros + add).
                        if a is None or j not in owned:
                            buf = np.zeros((B,) + shape_of(x), dtype=np.result_type(g, 0.0))
                            if a is not None:
                                buf += a
                            adj[j] = a = buf
                            owned.add(j)
                        acc[pos](a, g, ans, *primals, **params)
                        continue
                    c = _batched_vjp(prim, pos, g, ans, primals, params, x)
                    if shape_of(c) != (B,) + shape_of(x):
                        c = ops.broadcast_to(c, shape=(B,) + shape_of(x))
                _accumulate(adj, j, c, owned)
        return adj

    @staticmethod
    def _custom_batched(bwd, g, primals, parents, adj, B: int) -> None:
        batch_fallbacks["custom_vjp"] += 1
        per = [bwd(g[b] if not isinstance(g, Tracer) else ops.getitem(g, idx=b))
               for b in range(B)]
        for pos, j in parents:
            cs = [p[pos] for p in per]
            if all(c is None for c in cs):
                continue
            s = shape_of(primals[pos])
            c = stack_rows([np.zeros(s) if c is None else c for c in cs], s)
            a = adj[j]
            adj[j] = c if a is None else onehot.add(a, c)

    def _sweep(self, out_idx: int, seed, mask: bool, keep: bool) -> list:
        nodes = self.nodes
        adj = [None] * (out_idx + 1)
        adj[out_idx] = seed
        # Adjoint arrays this pass allocated itself: safe to update in place (never the
        # seed, never a view of another value).
        owned = set()
        for i in range(out_idx, -1, -1):
            g = adj[i]
            if g is None:
                continue
            node = nodes[i]
            if node is None:
                continue
            if not keep:
                adj[i] = None
            prim, ans, primals, params, parents = node
            if prim is None:  # custom_vjp: one call gives every cotangent
                cts = ans(g)
                for pos, j in parents:
                    c = cts[pos]
                    if c is not None:
                        a = adj[j]
                        adj[j] = c if a is None else a + c
                continue
            partials = prim.partials
            if partials is not None:
                # Elementwise: contribution = unbroadcast(g * ∂out/∂arg), read from the table.
                for pos, j in parents:
                    d = partials[pos](ans, *primals, **params) if params else \
                        partials[pos](ans, *primals)
                    if type(d) is float and type(g) is float and type(primals[pos]) is float:
                        c = g * d  # the scalar path of cotangent_term, inlined
                        if c != c and (g == 0.0 or d == 0.0):
                            c = 0.0
                    else:
                        c = cotangent_term(g, d, primals[pos], mask)
                    a = adj[j]
                    if a is None:
                        adj[j] = c
                    elif type(a) is np.ndarray and type(c) is np.ndarray:
                        _add_arrays(adj, j, a, c, owned)
                    else:
                        adj[j] = a + c
                continue
            acc = prim.accumulate
            rules = prim.vjp
            for pos, j in parents:
                a = adj[j]
                if acc is not None and acc[pos] is not None and (
                        type(g) is np.ndarray or type(g) is float) and (
                        a is None or j in owned or type(a) is np.ndarray):
                    # In place (e.g. x[i] scatters into one buffer, not zeros + add).
                    if a is None or j not in owned:
                        buf = np.zeros(shape_of(primals[pos]), dtype=np.result_type(g, 0.0))
                        if a is not None:
                            buf += a
                        adj[j] = a = buf
                        owned.add(j)
                    acc[pos](a, g, ans, *primals, **params)
                    continue
                c = rules[pos](g, ans, *primals, **params)
                if a is None:
                    adj[j] = c
                elif type(a) is np.ndarray and type(c) is np.ndarray:
                    _add_arrays(adj, j, a, c, owned)
                else:
                    adj[j] = a + c
        return adj

    # -- PyTorch-style object API ------------------------------------------
    def backward_into_variables(self, out: RVar, gradient, retain_graph: bool = False) -> None:
        if not (isinstance(out, RVar) and out._trace is self):
            raise TypeError("backward() needs a value computed from ad.Variable inputs")
        s = shape_of(out)
        if gradient is None:
            if int(np.prod(s)) != 1:
                raise TypeError(f"backward() without a gradient needs a scalar output; got "
                                f"shape {s}: pass gradient=... of that shape")
            gradient = 1.0 if s == () else np.ones(s)
        adj = self.backward(out._idx, gradient)
        for ref, idx in self.variables:
            v = ref()
            if v is None or idx >= len(adj):
                continue
            c = adj[idx]
            if c is None:
                continue
            c = float(c) if np.ndim(v.primal) == 0 else np.asarray(c, dtype=float)
            v.grad = c if v.grad is None else v.grad + c
        if not retain_graph and _eager is not None and _eager() is self:
            _retire(self)


def _retire(trace: ReverseTrace) -> None:
    """Free a Variable graph after backward(): live Variables move to a fresh tape, so a
    training loop's memory does not grow with its steps. The old tape lives on only
    while values computed on it do (they can still run backward() on it)."""
    global _eager
    trace.retired = True
    fresh = ReverseTrace()
    for ref, _ in trace.variables:
        v = ref()
        if v is not None and v._trace is trace:
            fresh.nodes.append(None)
            fresh.inputs.append(len(fresh.nodes) - 1)
            v._trace = fresh
            v._idx = len(fresh.nodes) - 1
            fresh.variables.append((ref, v._idx))
    _eager = weakref.ref(fresh)


_eager: weakref.ref | None = None


def _eager_trace() -> ReverseTrace:
    """The tape shared by ``Variable`` objects; a new one once the old is unreachable."""
    global _eager
    t = _eager() if _eager is not None else None
    if t is None:
        t = ReverseTrace()
        _eager = weakref.ref(t)
    return t


class Variable(RVar):
    """A value that records operations for a later ``.backward()`` (PyTorch-style).

        >>> x = Variable(2.0); y = x * x + 3 * x; y.backward(); x.grad
        7.0
    """

    __slots__ = ("grad",)

    def __init__(self, value) -> None:
        if isinstance(value, Tracer):
            raise TypeError("Variable() of a traced value")
        if isinstance(value, (bool, np.bool_)) or not isinstance(
                value, (int, float, np.integer, np.floating, np.ndarray)) or np.iscomplexobj(
                value):  # a complex array would lose its imaginary part to float()
            raise TypeError(f"Variable() needs a float or a float array, got "
                            f"{type(value).__name__}" + (" of complex values (use ad.grad)"
                                                         if np.iscomplexobj(value) else ""))
        value = float(value) if np.ndim(value) == 0 else np.asarray(value, dtype=float)
        trace = _eager_trace()
        trace.nodes.append(None)
        trace.inputs.append(len(trace.nodes) - 1)
        super().__init__(trace, value, len(trace.nodes) - 1)
        self.grad = None
        trace.variables.append((weakref.ref(self), self._idx))

    def become(self, new) -> None:
        raise TypeError(
            f"an in-place write into an ad.Variable, at {user_site()}: a Variable is a leaf "
            "of the graph (as in PyTorch, a leaf that requires grad cannot be modified in "
            "place); write y = x * 1.0 and modify y, or assign to x.data's copy")

    @property
    def data(self):
        return raw(self)

    def zero_grad(self) -> None:
        self.grad = None

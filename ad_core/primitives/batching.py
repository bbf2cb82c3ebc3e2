"""Batching rules: how a primitive's JVP handles B tangents at once.

``jacfwd`` (and so ``hessian``) pushes all n basis tangents through f in one
forward sweep: tangents carry a leading axis of size B. Elementwise primitives
need nothing here (their partials broadcast against the batch axis). A
structural or linear primitive needs the same JVP with every axis argument
shifted by one: that is all a rule below says. These rules never define a
derivative; the table's JVP rules do. A primitive without a rule makes
``jacfwd`` fall back to one sweep per input element.

    rule(t, ans, *primals, **params) -> batched tangent contribution
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._core import shape_of
from . import complex as cx
from . import fft, linalg, ops


class NoBatchRule(Exception):
    """Raised inside a batched sweep; jacfwd then falls back to per-column sweeps."""


def _shift(axis):
    return None if axis is None else tuple(a + 1 for a in axis)


def _full_axis(t, axis):
    """Reduction axes in the batched tangent: all but the batch axis when axis is None."""
    return tuple(range(1, len(shape_of(t)))) if axis is None else _shift(axis)


def _batch_index(idx):
    items = idx if isinstance(idx, tuple) else (idx,)
    adv = [k for k, i in enumerate(items)
           if not (isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis)]
    if len(adv) > 1 and adv[-1] - adv[0] + 1 != len(adv):
        # Separated advanced indices move their axes to the front: the batch axis would move.
        raise NoBatchRule("getitem with separated advanced indices")
    return (slice(None),) + items


def _reduce_rule(share_fn):
    def rule(t, ans, x, axis=None, keepdims=False):
        return ops.sum_(ops.zmul(t, share_fn(x, ans, axis, keepdims)),
                        axis=_full_axis(t, axis), keepdims=keepdims)
    return rule


def _concat_rule(t, ans, *xs, i, axis):
    B = shape_of(t)[0]
    parts = [t if j == i else np.zeros((B,) + shape_of(x)) for j, x in enumerate(xs)]
    return ops.concatenate(*parts, axis=axis + 1)


def _pad_stack(t, s, other):
    """Line the batch axis up ahead of the other operand's stack axes."""
    k = len(other) - len(s)
    if k > 0:
        t = ops.reshape(t, shape=(shape_of(t)[0],) + (1,) * k + s)
    return t


def _matmul_a(t, ans, a, b):
    sa, sb = shape_of(a), shape_of(b)
    if len(sa) == 1 and len(sb) > 2:
        raise NoBatchRule("matmul of a vector with a stack of matrices")
    if len(sa) >= 2:
        t = _pad_stack(t, sa, sb)
    return ops._zmatmul(t, b)


def _matmul_b(t, ans, a, b):
    sa, sb = shape_of(a), shape_of(b)
    if len(sb) >= 2:
        return ops._zmatmul(a, _pad_stack(t, sb, sa) if len(sa) >= 2 else t)
    if len(sa) == 1:
        return ops._zmatmul(t, a)
    if len(sa) == 2:
        return ops._zmatmul(t, ops._mT(a))
    raise NoBatchRule("matmul of a stack of matrices with a vector")


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _einsum_rule(t, ans, *xs, i, subscripts):
    parts, out = ops._einsum_parse(subscripts, len(xs))
    used = set("".join(parts) + out)
    letter = next(c for c in _LETTERS if c not in used)
    parts = list(parts)
    parts[i] = letter + parts[i]
    operands = list(xs)
    operands[i] = t
    return ops._zeinsum(*operands, subscripts=",".join(parts) + "->" + letter + out)


def _broadcast_rule(t, ans, x, shape):
    B = shape_of(t)[0]
    k = len(shape) - len(shape_of(x))
    if k:
        t = ops.reshape(t, shape=(B,) + (1,) * k + shape_of(x))
    return ops.broadcast_to(t, shape=(B,) + tuple(shape))


def _transpose_rule(t, ans, x, axes):
    return ops.transpose(t, axes=(0,) + tuple(a + 1 for a in axes))


def _where_rule(which):
    def rule(t, ans, c, x, y):
        B = shape_of(t)[0]
        s = shape_of(ans)
        k = len(s) - (len(shape_of(t)) - 1)
        if k:
            t = ops.reshape(t, shape=(B,) + (1,) * k + shape_of(t)[1:])
        return ops.where(c, t, 0.0) if which else ops.where(c, 0.0, t)
    return rule


# rules[primitive] = one rule per argument (None: no tangent flows through it)
RULES: dict = {
    ops.sum_: (lambda t, ans, x, axis=None, keepdims=False:
               ops.sum_(t, axis=_full_axis(t, axis), keepdims=keepdims),),
    ops.prod: (_reduce_rule(lambda x, ans, axis, keepdims: ops._prod_others(x, ans, axis)),),
    ops.max_: (_reduce_rule(ops._extreme_share),),
    ops.min_: (_reduce_rule(ops._extreme_share),),
    ops.cumsum: (lambda t, ans, x, axis: ops.cumsum(t, axis=axis + 1),),
    ops.reshape: (lambda t, ans, x, shape: ops.reshape(t, shape=(shape_of(t)[0],) + tuple(shape)),),
    ops.transpose: (_transpose_rule,),
    ops.broadcast_to: (_broadcast_rule,),
    ops.getitem: (lambda t, ans, x, idx: ops.getitem(t, idx=_batch_index(idx)),),
    ops.untake: (lambda t, ans, g, idx, shape:
                 ops.untake(t, idx=_batch_index(idx), shape=(shape_of(t)[0],) + tuple(shape)),),
    ops.where: (None, _where_rule(True), _where_rule(False)),
    ops.matmul: (_matmul_a, _matmul_b),
}
VARIADIC: dict[object, Callable] = {ops.concatenate: _concat_rule, ops.einsum: _einsum_rule}


# Later additions to the table, one line each.
RULES.update({
    ops.cumprod: (lambda t, ans, x, axis: ops._cumprod_jvp(t, ans, x, axis, off=1),),
    # The linalg, fft and complex primitives' own JVPs broadcast over a leading batch axis
    # (scipy.special's are elementwise: they need none).
    **{p: p.jvp for p in linalg.FAMILY + fft.FAMILY + cx.FAMILY},
    linalg.solve: (linalg._solve_batched(0), linalg._solve_batched(1)),
    linalg.norm: (linalg._norm_batched,),
})


def batched_rule(prim, i: int) -> Callable:
    rules = RULES.get(prim)
    if rules is not None:
        r = rules[i] if i < len(rules) else None
        if r is None:
            raise TypeError(f"{prim.name} is not differentiable with respect to its argument {i}")
        return r
    v = VARIADIC.get(prim)
    if v is not None:
        return lambda t, ans, *args, **params: v(t, ans, *args, i=i, **params)
    raise NoBatchRule(prim.name)

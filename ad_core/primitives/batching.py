"""Batching rules: how a primitive's JVP takes B tangents at once, and its VJP B
cotangents.

``jacfwd`` (and so ``hessian``) pushes all n basis tangents through f in one forward
sweep, and ``jacrev`` pulls all m basis cotangents back in one backward sweep: each
(co)tangent carries a leading batch axis of size B. Elementwise primitives need nothing
here (their partials broadcast against the batch axis, and reverse mode's sum back to an
argument's shape keeps it: ``ops.unbroadcast_batched``). A structural or linear primitive
needs the same rule with every axis argument shifted by one, and its sums back to an
argument's shape keeping the batch axis: that is all a rule below says. These rules never
define a derivative; the table's JVP and VJP rules do, and the linalg, fft and complex
rules, written on the last axes with broadcasting over the leading ones, are their own
batching rules.

    RULES[prim][i](t, ans, *primals, **params)      -> (B,) + ans.shape   (forward)
    VJP_RULES[prim][i](g, ans, *primals, **params)  -> (B,) + arg_i.shape (reverse)

A primitive without a rule (a future entry of the table, a custom rule) or a rule that
raises ``NoBatchRule`` for an unusual case is applied once per batch element at that
node only (``looped_jvp``/``looped_vjp``), and counted in ``batch_fallbacks``: slower,
never wrong, and visible (tests assert it stays empty for the table's primitives).
"""

from __future__ import annotations

import collections
from collections.abc import Callable

import numpy as np

from .._core import Tracer, raw, shape_of
from . import complex as cx
from . import fft, linalg, ops

#: Primitives (and custom rules) that a batched sweep had to apply once per batch element,
#: with how often. Empty for every primitive of the table (tests check it).
batch_fallbacks: collections.Counter = collections.Counter()


class NoBatchRule(Exception):
    """Raised by a batching rule for a case it does not cover: the sweep then applies the
    unbatched rule once per batch element, at that node only."""


def _shift(axis):
    return None if axis is None else tuple(a + 1 for a in axis)


def _full_axis(t, axis):
    """Reduction axes in the batched tangent: all but the batch axis when axis is None."""
    return tuple(range(1, len(shape_of(t)))) if axis is None else _shift(axis)


def _is_array_index(i) -> bool:
    return not (isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis)


def _batch_index(idx) -> tuple[tuple, int]:
    """The index with the batch axis in front, and where NumPy puts that axis in the
    result: 0, or k when the advanced indices are separated (``x[[0, 1], :, [2, 3]]``,
    ``x[0, :, [1, 2]]``): NumPy then moves their k broadcast axes ahead of everything."""
    items = idx if isinstance(idx, tuple) else (idx,)
    bidx = (slice(None),) + items
    if not any(_is_array_index(i) for i in items):
        return bidx, 0
    # With an array among them, integers are advanced indices too.
    adv = [k for k, i in enumerate(items) if _is_array_index(i)
           or isinstance(i, (int, np.integer))]
    if adv[-1] - adv[0] + 1 == len(adv):
        return bidx, 0
    shapes = []
    for k in adv:
        a = np.asarray(items[k])
        shapes.append((int(np.count_nonzero(a)),) if a.dtype == bool else a.shape)
    return bidx, len(np.broadcast_shapes(*shapes))


def _take(t, idx):
    """``t[b][idx]`` for every b, the batch axis in front."""
    bidx, k = _batch_index(idx)
    r = ops.getitem(t, idx=bidx)
    if k:
        n = len(shape_of(r))
        r = ops.transpose(r, axes=(k,) + tuple(range(k)) + tuple(range(k + 1, n)))
    return r


def _index_layout(g, k: int):
    """A batch (B,) + x[idx].shape laid out as ``zeros((B,) + x.shape)[bidx]`` is."""
    if not k:
        return g
    n = len(shape_of(g))
    return ops.transpose(g, axes=tuple(range(1, k + 1)) + (0,) + tuple(range(k + 1, n)))


def _untake(g, idx, shape):
    """Scatter-add every ``g[b]`` into zeros of ``shape`` at ``idx``, the batch in front."""
    bidx, k = _batch_index(idx)
    return ops.untake(_index_layout(g, k), idx=bidx, shape=(shape_of(g)[0],) + tuple(shape))


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
    if len(sa) == 1 and len(sb) > 2:  # (k,) @ (..., k, m): each tangent a row, stacked
        B = shape_of(t)[0]
        r = ops._zmatmul(ops.reshape(t, shape=(B,) + (1,) * (len(sb) - 1) + sa), b)
        return ops.reshape(r, shape=(B,) + shape_of(ans))
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
    # (..., n, k) @ (k,): each tangent a column, against every matrix of the stack
    B = shape_of(t)[0]
    r = ops._zmatmul(a, ops.reshape(t, shape=(B,) + (1,) * (len(sa) - 2) + sb + (1,)))
    return ops.reshape(r, shape=(B,) + shape_of(ans))


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
    ops.getitem: (lambda t, ans, x, idx: _take(t, idx),),
    ops.untake: (lambda t, ans, g, idx, shape: _untake(t, idx, shape),),
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


# ---------------------------------------------------------------- reverse mode
# g has shape (B,) + ans.shape; each rule returns (B,) + arg.shape.


def _expand(g, x, axis, keepdims):
    """A reduced cotangent batch broadcast back over ``x`` (``ops._expand_like``, batched)."""
    B = shape_of(g)[0]
    xs = shape_of(x)
    if not keepdims and axis is not None:
        shape = list(xs)
        for a in axis:
            shape[a] = 1
        g = ops.reshape(g, shape=(B,) + tuple(shape))
    elif not keepdims:  # axis None: one value per batch element
        g = ops.reshape(g, shape=(B,) + (1,) * len(xs))
    return ops.broadcast_to(g, shape=(B,) + xs)


def _reduce_vjp(share_fn):
    def rule(g, ans, x, axis=None, keepdims=False):
        return ops.zmul(_expand(g, x, axis, keepdims), share_fn(x, ans, axis, keepdims))
    return rule


def _flip(x, axis):
    idx = [slice(None)] * len(shape_of(x))
    idx[axis] = slice(None, None, -1)
    return ops.getitem(x, idx=tuple(idx))


def _cumprod_vjp(g, ans, x, axis):
    # ops._cumprod_vjp with the batch axis in front of x's axes.
    if not np.any(ops.near_zero(raw(x))):
        gl = ops._to_last(ops.zmul(g, ans), axis, 1)
        rev = ops._flip_last(ops.cumsum(ops._flip_last(gl), axis=len(shape_of(gl)) - 1))
        return ops.div(ops._from_last(rev, axis, 1), x)
    M = ops._exclusive_running(x, axis)
    gl = ops._to_last(g, axis, 1)
    s = shape_of(gl)
    out = ops.sum_(ops.zmul(M, ops.reshape(gl, shape=s[:-1] + (1, s[-1]))), axis=(len(s),),
                   keepdims=False)
    return ops._from_last(out, axis, 1)


def _concat_vjp(g, ans, *xs, i, axis):
    start = sum(shape_of(x)[axis] for x in xs[:i])
    idx = (slice(None),) * (axis + 1) + (slice(start, start + shape_of(xs[i])[axis]),)
    return ops.getitem(g, idx=idx)


def _col(g):
    return ops.reshape(g, shape=shape_of(g) + (1,))


def _matmul_vjp_a(g, ans, a, b):
    sa, sb = shape_of(a), shape_of(b)
    if len(sa) == 1 and len(sb) == 1:
        return ops.zmul(_col(g), b)
    if len(sb) == 1:  # (..., n, k) @ (k,) -> (..., n)
        return ops.unbroadcast_batched(ops.zmul(_col(g), b), a)
    if len(sa) == 1:  # (k,) @ (..., k, m) -> (..., m)
        r = ops._zmatmul(b, _col(g))
        return ops.unbroadcast_batched(ops.reshape(r, shape=shape_of(r)[:-1]), a)
    return ops.unbroadcast_batched(ops._zmatmul(g, ops._mT(b)), a)


def _matmul_vjp_b(g, ans, a, b):
    sa, sb = shape_of(a), shape_of(b)
    if len(sa) == 1 and len(sb) == 1:
        return ops.zmul(_col(g), a)
    if len(sa) == 1:  # (k,) @ (..., k, m): outer(a, g)
        gs = shape_of(g)
        return ops.unbroadcast_batched(
            ops.zmul(ops.reshape(a, shape=(sa[0], 1)),
                     ops.reshape(g, shape=gs[:-1] + (1, gs[-1]))), b)
    if len(sb) == 1 and len(sa) == 2:  # (n, k) @ (k,): g @ a
        return ops._zmatmul(g, a)
    if len(sb) == 1:  # (..., n, k) @ (k,): a^T g
        r = ops._zmatmul(ops._mT(a), _col(g))
        return ops.unbroadcast_batched(ops.reshape(r, shape=shape_of(r)[:-1]), b)
    return ops.unbroadcast_batched(ops._zmatmul(ops._mT(a), g), b)


def _einsum_vjp(g, ans, *xs, i, subscripts):
    # ops._einsum_vjp with one more letter, the batch axis, on the cotangent and the result.
    parts, out = ops._einsum_parse(subscripts, len(xs))
    used = set("".join(parts) + out)
    L = next(c for c in _LETTERS if c not in used)
    target = parts[i]
    others = [p for j, p in enumerate(parts) if j != i]
    avail = set(out).union(*others) if others else set(out)
    letters = "".join(dict.fromkeys(target))
    kept = "".join(c for c in letters if c in avail)
    spec = ",".join([L + out] + others) + "->" + L + kept
    r = ops._zeinsum(g, *[x for j, x in enumerate(xs) if j != i], subscripts=spec)
    B = shape_of(g)[0]
    size = {c: n for c, n in zip(target, shape_of(xs[i]))}
    if kept != letters:
        shape = (B,) + tuple(size[c] if c in avail else 1 for c in letters)
        r = ops.broadcast_to(ops.reshape(r, shape=shape),
                             shape=(B,) + tuple(size[c] for c in letters))
    if letters != target:
        grid = np.indices([size[c] for c in letters], sparse=True)
        idx = (slice(None),) + tuple(grid[letters.index(c)] for c in target)
        r = ops.untake(r, idx=idx, shape=(B,) + shape_of(xs[i]))
    return r


def _getitem_acc(buf, g, ans, x, idx):
    """In place: scatter-add a cotangent batch into the (B,) + x.shape buffer."""
    bidx, k = _batch_index(idx)
    ops._scatter_add(buf, np.moveaxis(g, 0, k) if k else g, ans, x, bidx)


def _solve_vjp(i):
    def rule(g, ans, A, b):
        gb = linalg._solve_col(linalg._mT(A), g, b)
        if i == 1:
            return ops.unbroadcast_batched(gb, b)
        if len(shape_of(b)) == 1:
            return ops.unbroadcast_batched(
                ops.neg(ops.zmul(linalg._col(gb), linalg._row(ans))), A)
        return ops.unbroadcast_batched(ops.neg(ops._zmatmul(gb, linalg._mT(ans))), A)
    return rule


def _norm_vjp(g, ans, x, axis=None, keepdims=False):
    return ops._safe_ratio(ops.zmul(_expand(g, x, axis, keepdims), x),
                           ops._expand_like(ans, x, axis, keepdims))


def _no_derivative_vjp(prim):
    def rule(g, ans, A, **params):
        prim.vjp[0](g, ans, A, **params)  # raises unless every cotangent is zero
        return np.zeros((shape_of(g)[0],) + shape_of(A))
    return rule


def _qr_q_vjp(g, ans, A, complete=False):
    m, n = shape_of(A)[-2:]
    if m >= n:
        return linalg.qr_q.vjp[0](g, ans, A, complete=complete)
    # A wide matrix: Q depends on its first m columns only.
    Q = linalg.qr_q(A, complete=complete)
    R1, _ = linalg._split_cols(linalg.qr_r(A, complete=complete), m)
    A1bar = linalg._qr_square_vjp(g, None, Q, R1)
    zeros = np.zeros(shape_of(A1bar)[:-1] + (n - m,))
    return ops.concatenate(A1bar, zeros, axis=len(shape_of(A1bar)) - 1)


# vjp_rules[primitive] = one rule per argument (None: no cotangent flows to it)
VJP_RULES: dict = {
    ops.where: (None,
                lambda g, ans, c, x, y: ops.unbroadcast_batched(ops.where(c, g, 0.0), x),
                lambda g, ans, c, x, y: ops.unbroadcast_batched(ops.where(c, 0.0, g), y)),
    ops.sum_: (lambda g, ans, x, axis=None, keepdims=False: _expand(g, x, axis, keepdims),),
    ops.prod: (_reduce_vjp(lambda x, ans, axis, keepdims: ops._prod_others(x, ans, axis)),),
    ops.max_: (_reduce_vjp(ops._extreme_share),),
    ops.min_: (_reduce_vjp(ops._extreme_share),),
    ops.cumsum: (lambda g, ans, x, axis:
                 _flip(ops.cumsum(_flip(g, axis + 1), axis=axis + 1), axis + 1),),
    ops.cumprod: (_cumprod_vjp,),
    ops.reshape: (lambda g, ans, x, shape:
                  ops.reshape(g, shape=(shape_of(g)[0],) + shape_of(x)),),
    ops.transpose: (lambda g, ans, x, axes:
                    ops.transpose(g, axes=(0,) + tuple(int(i) + 1 for i in np.argsort(axes))),),
    ops.broadcast_to: (lambda g, ans, x, shape: ops.unbroadcast_batched(g, x),),
    ops.getitem: (lambda g, ans, x, idx: _untake(g, idx, shape_of(x)),),
    ops.untake: (lambda c, ans, g, idx, shape: _take(c, idx),),
    ops.matmul: (_matmul_vjp_a, _matmul_vjp_b),
    # The linalg, fft and complex VJPs work on the last axes and broadcast over the
    # leading ones (and never sum down to an argument's shape): their own batching rules.
    **{p: p.vjp for p in fft.FAMILY + cx.FAMILY + (
        linalg.det, linalg.logabsdet, linalg.inv, linalg.cholesky, linalg.eigh_w,
        linalg.eigh_v, linalg.eig_w, linalg.eig_v, linalg.svd_s, linalg.svd_u, linalg.svd_vh,
        linalg.qr_r, linalg.pinv, linalg.lstsq_x)},
    linalg.qr_q: (_qr_q_vjp,),
    linalg.solve: (_solve_vjp(0), _solve_vjp(1)),
    linalg.norm: (_norm_vjp,),
    **{p: (_no_derivative_vjp(p),) for p in (linalg.svd_u_rest, linalg.svd_vh_rest,
                                             linalg.qr_q_rest)},
}
VJP_VARIADIC: dict[object, Callable] = {ops.concatenate: _concat_vjp, ops.einsum: _einsum_vjp}
# In-place forms (reverse mode on plain arrays): scatter into one buffer, not zeros + add.
VJP_ACCUMULATE: dict = {ops.getitem: (_getitem_acc,)}


def batched_vjp_rule(prim, i: int) -> Callable | None:
    """The batched VJP rule of ``prim``'s argument ``i``; None when there is none."""
    rules = VJP_RULES.get(prim)
    if rules is not None:
        return rules[i] if i < len(rules) else None
    v = VJP_VARIADIC.get(prim)
    if v is not None:
        return lambda g, ans, *args, **params: v(g, ans, *args, i=i, **params)
    return None


# ---------------------------------------------------------------- one element at a time


def _row(t, b: int):
    return ops.getitem(t, idx=b) if isinstance(t, Tracer) else t[b]


def stack_rows(rows: list, shape: tuple):
    """B per-element results, each broadcast to ``shape``, stacked on a new leading axis."""
    if not any(isinstance(r, Tracer) for r in rows):
        return np.stack([np.broadcast_to(np.asarray(r), shape) for r in rows])
    parts = [ops.reshape(r if shape_of(r) == shape else ops.broadcast_to(r, shape=shape),
                         shape=(1,) + shape) for r in rows]
    return ops.concatenate(*parts, axis=0)


def looped_jvp(name: str, rule: Callable, t, ans, primals, params):
    """A JVP rule with no batched form, applied to each tangent of the batch in turn."""
    batch_fallbacks[name] += 1
    B = shape_of(t)[0]
    return stack_rows([rule(_row(t, b), ans, *primals, **params) for b in range(B)],
                      shape_of(ans))


def looped_vjp(name: str, rule: Callable, g, ans, primals, params, like):
    """A VJP rule with no batched form, applied to each cotangent of the batch in turn."""
    batch_fallbacks[name] += 1
    B = shape_of(g)[0]
    return stack_rows([rule(_row(g, b), ans, *primals, **params) for b in range(B)],
                      shape_of(like))


def batched_rule(prim, i: int) -> Callable | None:
    """The batched JVP rule of ``prim``'s argument ``i``; None when there is none."""
    rules = RULES.get(prim)
    if rules is not None:
        r = rules[i] if i < len(rules) else None
        if r is None:
            raise TypeError(f"{prim.name} is not differentiable with respect to its argument {i}")
        return r
    v = VARIADIC.get(prim)
    if v is not None:
        return lambda t, ans, *args, **params: v(t, ans, *args, i=i, **params)
    return None

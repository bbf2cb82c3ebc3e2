"""Functions whose output carries input values: gathers, sorts, unique, choices,
and the functions that only move elements (roll, tile, pad...).

Each of them is a ``getitem`` of the core set with an index computed on plain
values, so the derivative is the real one (a moved element carries its
derivative along; a repeated one adds up in reverse mode), never a silent zero.

``by_codes`` is the general trick for functions that only move or repeat
elements: run the NumPy function itself on integer *codes* (element j of the
input has code j), then gather the traced values by the codes it returns.
Whatever NumPy does with shapes, broadcasting and edge cases, the values follow.
"""

from __future__ import annotations

import numpy as np

from .._core import Tracer, raw, shape_of, user_site
from ..primitives import ops
from ._common import NOVALUE, given, ndim, one_axis, operand, refuse
from .inplace import assign, set_at, store, view

# ---------------------------------------------------------------- gathering by codes


def _size(x) -> int:
    return int(np.prod(shape_of(x), dtype=np.int64))


def _flat(x):
    return ops.reshape(x, shape=(_size(x),)) if shape_of(x) != (_size(x),) else x


class Codes:
    """Integer codes for the elements of some operands (and fill values before them)."""

    def __init__(self, operands, fills=()) -> None:
        self.fills = list(fills)
        self.operands = [operand(o) for o in operands]
        start = len(self.fills)
        self.codes = []
        for o in self.operands:
            n = _size(o)
            self.codes.append(np.arange(start, start + n, dtype=np.int64).reshape(shape_of(o)))
            start += n

    def gather(self, codes):
        """The values the codes name, shaped like ``codes``."""
        codes = np.asarray(codes, dtype=np.int64)
        parts = []
        if self.fills:
            parts.append(ops.concatenate(*[ops.reshape(f, shape=(1,)) if isinstance(f, Tracer)
                                           else np.array([float(raw(f))]) for f in self.fills],
                                         axis=0))
        parts += [_flat(o) for o in self.operands]
        flat = parts[0] if len(parts) == 1 else ops.concatenate(*parts, axis=0)
        if codes.ndim == 1 and codes.size == _size(flat) and \
                np.array_equal(codes, np.arange(codes.size)):
            return flat
        return ops.getitem(flat, idx=codes)


def by_codes(fn, x, *args, **kwargs):
    """``fn(x, *args, **kwargs)`` for a NumPy function that only moves elements of ``x``."""
    c = Codes([x])
    out = fn(c.codes[0], *args, **kwargs)
    if isinstance(out, (list, tuple)):
        return type(out)(c.gather(o) for o in out) if isinstance(out, tuple) else \
            [c.gather(o) for o in out]
    return c.gather(out)


def code_view(base, codes, writeable: bool = True):
    """A view defined by codes into ``base`` (NumPy returns a view there): writes into it
    are carried into ``base``."""
    codes = np.asarray(codes, dtype=np.int64)
    return view(base, ops.getitem(_flat(base), idx=codes), "codes", codes, writeable)


# ---------------------------------------------------------------- indexing


def gather_along(x, idx, axis: int):
    """``take_along_axis`` with a plain index array."""
    idx = np.asarray(idx)
    s = shape_of(x)
    full = []
    for d in range(len(s)):
        if d == axis:
            full.append(idx)
        else:
            shp = [1] * len(s)
            shp[d] = s[d]
            full.append(np.arange(s[d]).reshape(shp))
    return ops.getitem(x, idx=tuple(full))


def _plain_index(i, what: str = "indices"):
    if isinstance(i, Tracer):
        raise TypeError(f"{what} must be plain integers or arrays, not traced values "
                        f"(at {user_site()}): an index has no derivative")
    return i


def getitem(x, key):
    """``x[key]`` on a traced ``x`` (``Tracer.__getitem__``); a basic index is a view."""
    t = type(key)
    if t is slice or t is int:  # the common x[1:], x[i]
        r = ops.getitem(x, idx=key)
        return r if type(r) is float else view(x, r, "index", key)
    if isinstance(key, Tracer):
        raise TypeError(f"indexing with a traced value at {user_site()}: indices must be "
                        "plain integers or arrays")
    if isinstance(key, tuple):
        key = tuple(raw(_plain_index(i)) for i in key)
    elif isinstance(key, list):
        key = np.asarray(key)
    r = ops.getitem(x, idx=key)
    if type(r) is not float and _basic(key):
        return view(x, r, "index", key)
    return r


def _basic(idx) -> bool:
    items = idx if isinstance(idx, tuple) else (idx,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis
               for i in items)


def _mode_index(idx, n: int, mode: str, fname: str):
    idx = np.asarray(idx)
    if idx.dtype.kind not in "iu":
        if idx.size == 0:
            idx = idx.astype(np.int64)
        else:
            raise IndexError("arrays used as indices must be of integer (or boolean) type")
    if mode == "raise":
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise IndexError(f"index {int(idx.max() if idx.max() >= n else idx.min())} is out "
                             f"of bounds for axis 0 with size {n}")
        return idx % max(n, 1)
    if mode == "wrap":
        return idx % n
    if mode == "clip":
        return np.clip(idx, 0, n - 1)
    raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap' (got {mode!r})")


def np_take(a, indices, axis=None, out=None, mode="raise"):
    x = operand(a)
    idx = raw(_plain_index(indices))
    if axis is None:
        x = _flat(x)
        ax = 0
    else:
        ax = one_axis(axis, ndim(x))
    i = _mode_index(idx, shape_of(x)[ax], mode, "numpy.take")
    r = ops.getitem(x, idx=(slice(None),) * ax + (i,))
    return store("numpy.take", out, r)


def np_take_along_axis(arr, indices, axis=-1):
    x = operand(arr)
    idx = np.asarray(raw(_plain_index(indices)))
    if axis is None:
        if idx.ndim != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
        x, ax = _flat(x), 0
    else:
        ax = one_axis(axis, ndim(x))
        if idx.ndim != ndim(x):
            raise ValueError("`indices` and `arr` must have the same number of dimensions")
    return gather_along(x, idx, ax)


def np_sort(a, axis=-1, kind=None, order=None, *, stable=None):
    # kind / stable only choose among orders of equal values: the sorted values, and so
    # the derivative away from ties, are the same for all of them.
    if order is not None:
        raise refuse("numpy.sort", "order", order, "structured arrays are not traced")
    x = operand(a)
    if axis is None:
        x, ax = _flat(x), 0
    else:
        ax = one_axis(axis, ndim(x))
    if ndim(x) == 0:
        raise np.exceptions.AxisError(ax, 0)
    return gather_along(x, np.argsort(raw(x), axis=ax, kind="stable"), ax)


def _matching(target, source, ax):
    """An index ``p`` along ``ax`` with source[p] == target, for arrays holding the same
    values in each slice (the k-th smallest of one is paired with the k-th of the other)."""
    st = np.argsort(target, axis=ax, kind="stable")
    ss = np.argsort(source, axis=ax, kind="stable")
    p = np.empty_like(st)
    np.put_along_axis(p, st, ss, axis=ax)
    return p


def np_partition(a, kth, axis=-1, kind="introselect", order=None):
    if order is not None:
        raise refuse("numpy.partition", "order", order, "structured arrays are not traced")
    x = operand(a)
    if axis is None:
        x, ax = _flat(x), 0
    else:
        ax = one_axis(axis, ndim(x))
    rx = raw(x)
    want = np.partition(rx, kth, axis=ax, kind=kind)  # NumPy's own arrangement
    return gather_along(x, _matching(want, rx, ax), ax)


def _unique_groups(x, axis, equal_nan, sorted_):
    kw = {"equal_nan": equal_nan}
    if sorted_ is not True:
        kw["sorted"] = sorted_
    return np.unique(raw(x), return_index=True, return_inverse=True, return_counts=True,
                     axis=axis, **kw)


def _unique_values(x, axis, idx, inv, counts):
    """The unique values as a differentiable function of x: the first occurrence plus the
    mean deviation of its group, which is exactly 0, so the value is NumPy's, while the
    derivative is shared evenly among equal elements (the convention for ties)."""
    if axis is None:
        flat = _flat(x)
        first = ops.getitem(flat, idx=idx)
        inv = np.ravel(inv)
        dev = ops.sub(flat, ops.getitem(first, idx=inv))
        sums = ops.untake(dev, idx=inv, shape=(len(idx),))
        return ops.add(first, ops.div(sums, counts.astype(float)))
    ax = one_axis(axis, ndim(x))
    perm = (ax,) + tuple(i for i in range(ndim(x)) if i != ax)
    xm = ops.transpose(x, axes=perm) if perm != tuple(range(ndim(x))) else x
    inv = np.ravel(inv)
    first = ops.getitem(xm, idx=idx)
    dev = ops.sub(xm, ops.getitem(first, idx=inv))
    sums = ops.untake(dev, idx=inv, shape=(len(idx),) + shape_of(xm)[1:])
    c = counts.astype(float).reshape((-1,) + (1,) * (ndim(x) - 1))
    r = ops.add(first, ops.div(sums, c))
    back = tuple(int(i) for i in np.argsort(perm))
    return ops.transpose(r, axes=back) if back != tuple(range(ndim(x))) else r


def np_unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None,
              *, equal_nan=True, sorted=True):  # noqa: A002 - NumPy's name
    x = operand(ar)
    kw = {"return_index": return_index, "return_inverse": return_inverse,
          "return_counts": return_counts, "axis": axis, "equal_nan": equal_nan}
    if sorted is not True:
        kw["sorted"] = sorted
    want = np.unique(raw(x), **kw)  # NumPy's own extra outputs, exactly
    _, idx, inv, counts = _unique_groups(x, axis, equal_nan, sorted)
    vals = _unique_values(x, axis, idx, inv, counts)
    if not (return_index or return_inverse or return_counts):
        return vals
    return (vals,) + tuple(want[1:])


def _unique_api(fname):
    npfn = getattr(np, fname)

    def handler(x):
        xv = operand(x)
        want = npfn(raw(xv))
        vals_np = want if not isinstance(want, tuple) else want[0]
        _, idx, inv, counts = _unique_groups(xv, None, True, True)
        vals = _unique_values(xv, None, idx, inv, counts)
        sorted_vals = raw(vals)
        if not np.array_equal(sorted_vals, vals_np, equal_nan=True):
            vals = ops.getitem(vals, idx=_matching(vals_np, sorted_vals, 0))
        if not isinstance(want, tuple):
            return vals
        return type(want)(vals, *want[1:])

    handler.__name__ = f"np_{fname}"
    return handler


def np_select(condlist, choicelist, default=0):
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if len(choicelist) == 0:
        raise ValueError("select with an empty condition list is not possible")
    conds = [np.asarray(raw(c)) for c in condlist]
    for i, c in enumerate(conds):
        if c.dtype.type is not np.bool_:
            raise TypeError(f"invalid entry {i} in condlist: should be boolean ndarray")
    shape = np.broadcast_shapes(*[c.shape for c in conds],
                                *[shape_of(operand(v)) for v in choicelist],
                                shape_of(operand(default)))
    r = operand(default)
    for c, v in zip(reversed(conds), reversed(list(choicelist))):
        r = ops.where(c, operand(v), r)
    if shape_of(r) != shape:
        r = ops.broadcast_to(r, shape=shape)
    return r


def np_choose(a, choices, out=None, mode="raise"):
    idx = np.asarray(raw(_plain_index(a, "the index array of numpy.choose")))
    c = Codes(list(choices))
    codes = np.choose(idx, c.codes, mode=mode)
    return store("numpy.choose", out, c.gather(codes))


def np_compress(condition, a, axis=None, out=None):
    cond = np.asarray(raw(condition))
    if cond.ndim != 1:
        raise ValueError("condition must be a 1-d array")
    x = operand(a)
    if axis is None:
        x, ax = _flat(x), 0
    else:
        ax = one_axis(axis, ndim(x))
    return store("numpy.compress", out,
                 by_codes(lambda c: np.compress(cond, c, axis=ax), x))


def np_extract(condition, arr):
    return by_codes(lambda c: np.extract(np.asarray(raw(condition)), c), operand(arr))


def np_where(condition, x=NOVALUE, y=NOVALUE, /):
    if not given(x) and not given(y):
        return np.where(raw(condition))
    if not given(x) or not given(y):
        raise ValueError("either both or neither of x and y should be given")
    return ops.where(np.asarray(raw(condition), dtype=bool), x, y)


# ---------------------------------------------------------------- in-place functions


def _traced_target(fname, a):
    if not isinstance(a, Tracer):
        raise TypeError(f"{fname} at {user_site()} writes traced values into a plain NumPy "
                        "array, where their derivative is lost: make the array traced first "
                        "(np.zeros_like(x) of a traced x) or build a new array")
    return a


def _cycled(v, n: int):
    """``v`` repeated (flattened) to ``n`` elements, as NumPy's put / place do."""
    v = operand(v)
    k = _size(v)
    if k == 0:
        raise ValueError("cannot place values from an empty sequence")
    return ops.getitem(_flat(v), idx=np.arange(n) % k)


def np_put(a, ind, v, mode="raise"):
    a = _traced_target("numpy.put", a)
    n = _size(a)
    idx = _mode_index(np.ravel(np.asarray(raw(_plain_index(ind)))), n, mode, "numpy.put")
    new = set_at(_flat(a), idx, _cycled(v, idx.size))
    assign(a, ops.reshape(new, shape=shape_of(a)))


def np_put_along_axis(arr, indices, values, axis):
    arr = _traced_target("numpy.put_along_axis", arr)
    idx = np.asarray(raw(_plain_index(indices)))
    if axis is None:
        flat = _flat(arr)
        assign(arr, ops.reshape(set_at(flat, idx, values), shape=shape_of(arr)))
        return
    ax = one_axis(axis, ndim(arr))
    s = shape_of(arr)
    full = []
    for d in range(len(s)):
        if d == ax:
            full.append(idx)
        else:
            shp = [1] * len(s)
            shp[d] = s[d]
            full.append(np.arange(s[d]).reshape(shp))
    assign(arr, set_at(arr, tuple(full), values))


def np_place(arr, mask, vals):
    arr = _traced_target("numpy.place", arr)
    m = np.ravel(np.asarray(raw(mask), dtype=bool))
    k = int(m.sum())
    if k == 0:
        return
    new = set_at(_flat(arr), np.flatnonzero(m), _cycled(vals, k))
    assign(arr, ops.reshape(new, shape=shape_of(arr)))


def np_putmask(a, /, mask, values):
    a = _traced_target("numpy.putmask", a)
    m = np.broadcast_to(np.asarray(raw(mask), dtype=bool), shape_of(a))
    full = ops.reshape(_cycled(values, _size(a)), shape=shape_of(a))
    assign(a, ops.where(m, full, a))


def np_copyto(dst, src, casting="same_kind", where=True):
    if not isinstance(dst, Tracer):
        _traced_target("numpy.copyto", dst)
    s = operand(src)
    if where is True or where is NOVALUE:
        assign(dst, ops.broadcast_to(s, shape=shape_of(dst)) if shape_of(s) != shape_of(dst)
               else s)
        return
    m = np.broadcast_to(np.asarray(raw(where), dtype=bool), shape_of(dst))
    assign(dst, ops.where(m, s, dst))


def np_fill_diagonal(a, val, wrap=False):
    a = _traced_target("numpy.fill_diagonal", a)
    c = Codes([a])
    probe = c.codes[0].copy()
    np.fill_diagonal(probe, -1, wrap=wrap)
    idx = np.flatnonzero(np.ravel(probe) == -1)
    assign(a, ops.reshape(set_at(_flat(a), idx, _cycled(val, idx.size)), shape=shape_of(a)))


def method_fill(self, value):
    assign(self, ops.broadcast_to(operand(value), shape=shape_of(self)))


# ---------------------------------------------------------------- deleting and inserting


def np_delete(arr, obj, axis=None):
    return by_codes(np.delete, operand(arr), raw(_plain_index(obj)), axis=axis)


def np_insert(arr, obj, values, axis=None):
    x = operand(arr)
    v = operand(values)
    c = Codes([x, v])
    codes = np.insert(c.codes[0], raw(_plain_index(obj)), c.codes[1], axis=axis)
    return c.gather(codes)


def np_append(arr, values, axis=None):
    x, v = operand(arr), operand(values)
    if axis is None:
        return ops.concatenate(_flat(x), _flat(v), axis=0)
    c = Codes([x, v])
    return c.gather(np.append(c.codes[0], c.codes[1], axis=axis))


def np_resize(a, new_shape):
    return by_codes(np.resize, operand(a), new_shape)


def np_trim_zeros(filt, trim="fb", axis=None):
    x = operand(filt)
    if ndim(x) != 1:
        raise refuse("numpy.trim_zeros", "filt", f"an array of shape {shape_of(x)}",
                     "only 1-d arrays are traced")
    if axis is not None:
        one_axis(axis, 1)
    lo, hi = _first_nonzero(raw(x), trim)
    return ops.getitem(x, idx=slice(lo, hi))


def _first_nonzero(rx, trim):
    nz = np.flatnonzero(rx)
    lo = int(nz[0]) if ("f" in trim.lower() and nz.size) else 0
    hi = int(nz[-1]) + 1 if ("b" in trim.lower() and nz.size) else len(rx)
    if not nz.size:
        lo = hi = 0 if ("f" in trim.lower() or "b" in trim.lower()) else len(rx)
    return lo, hi


FUNCTIONS = {
    np.take: np_take, np.take_along_axis: np_take_along_axis, np.sort: np_sort,
    np.partition: np_partition, np.unique: np_unique, np.select: np_select,
    np.choose: np_choose, np.compress: np_compress, np.extract: np_extract,
    np.where: np_where, np.put: np_put, np.put_along_axis: np_put_along_axis,
    np.place: np_place, np.putmask: np_putmask, np.copyto: np_copyto,
    np.fill_diagonal: np_fill_diagonal, np.delete: np_delete, np.insert: np_insert,
    np.append: np_append, np.resize: np_resize, np.trim_zeros: np_trim_zeros,
}
for _name in ("unique_values", "unique_counts", "unique_inverse", "unique_all"):
    if hasattr(np, _name):  # NumPy >= 2.0
        FUNCTIONS[getattr(np, _name)] = _unique_api(_name)

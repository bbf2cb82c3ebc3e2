"""Shape and layout: reshape, transpose and their kin, joining, splitting, padding,
flips, triangles and diagonals.

A result NumPy returns as a view of its input (a reshape of contiguous data, a
transpose, a flip, the pieces of a split...) is recorded as a view here too
(``inplace.view``), so an in-place write into one is seen through the other.
"""

from __future__ import annotations

import math

import numpy as np

from .._core import Tracer, raw, shape_of
from ..primitives import ops
from ._common import NOVALUE, axes, check_dtype, given, ndim, one_axis, operand, refuse
from .indexing import Codes, by_codes, code_view
from .inplace import store, view

# ---------------------------------------------------------------- views by primitives


def _reshape_view(x, shape, copy=None):
    r = ops.reshape(x, shape=shape)
    if copy is True or not isinstance(r, Tracer):
        return r
    if np.may_share_memory(raw(r), raw(x)):
        return view(x, r, "reshape", shape)
    if copy is False:
        raise ValueError("Unable to avoid creating a copy while reshaping.")
    return r


def _transpose_view(x, perm):
    perm = tuple(perm)
    if perm == tuple(range(len(perm))):
        return view(x, ops.reshape(x, shape=shape_of(x)), "reshape", shape_of(x))
    return view(x, ops.transpose(x, axes=perm), "transpose", perm)


def _shape_arg(shape, size: int) -> tuple:
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    shape = tuple(int(s) for s in shape)
    if shape.count(-1) > 1:
        raise ValueError("can only specify one unknown dimension")
    if shape.count(-1) == 1:
        known = math.prod(s for s in shape if s != -1)
        if known == 0 or size % known:
            raise ValueError(f"cannot reshape array of size {size} into shape {shape}")
        shape = tuple(size // known if s == -1 else s for s in shape)
    if math.prod(shape) != size:
        raise ValueError(f"cannot reshape array of size {size} into shape {shape}")
    return shape


def _layout(fname: str, x, order: str) -> str:
    """'C' or 'F' for NumPy's order= ('A' and 'K' follow the primal's memory layout)."""
    if order is None:
        order = "C"
    o = str(order).upper()
    if o in ("C", "F"):
        return o
    if o in ("A", "K"):
        r = raw(x)
        if isinstance(r, np.ndarray) and not r.flags.c_contiguous and r.flags.f_contiguous:
            return "F"
        if not isinstance(r, np.ndarray) or r.flags.c_contiguous or o == "A":
            return "C"
        raise refuse(fname, "order", order, "the traced array is not contiguous, so NumPy's "
                     "memory order is not defined by its values")
    raise ValueError(f"order must be one of 'C', 'F', 'A', or 'K' (got {order!r})")


def _reversed_axes(x):
    return ops.transpose(x, axes=tuple(reversed(range(ndim(x)))))


def np_reshape(a, /, shape=NOVALUE, order="C", *, newshape=NOVALUE, copy=None):
    x = operand(a)
    if not given(shape):
        if not given(newshape):
            raise TypeError("reshape() missing required argument 'shape'")
        shape = newshape
    size = int(np.prod(shape_of(x), dtype=np.int64))
    shape = _shape_arg(shape, size)
    if str(order).upper() == "K":
        raise ValueError("order 'K' is not permitted for reshaping")
    if _layout("numpy.reshape", x, order) == "F":
        r = _reversed_axes(ops.reshape(_reversed_axes(x), shape=tuple(reversed(shape))))
        return r
    return _reshape_view(x, shape, copy)


def np_ravel(a, order="C"):
    x = operand(a)
    n = int(np.prod(shape_of(x), dtype=np.int64))
    if _layout("numpy.ravel", x, order) == "F":
        return ops.reshape(_reversed_axes(x), shape=(n,))
    return _reshape_view(x, (n,))


def np_transpose(a, axes=None):
    x = operand(a)
    n = ndim(x)
    if axes is None:
        perm = tuple(reversed(range(n)))
    else:
        perm = tuple(one_axis(i, n) for i in axes)
        if sorted(perm) != list(range(n)):
            raise ValueError("axes don't match array")
    return _transpose_view(x, perm)


def np_permute_dims(a, /, axes=None):
    return np_transpose(a, axes)


def np_swapaxes(a, axis1, axis2):
    x = operand(a)
    n = ndim(x)
    perm = list(range(n))
    i, j = one_axis(axis1, n), one_axis(axis2, n)
    perm[i], perm[j] = perm[j], perm[i]
    return _transpose_view(x, perm)


def np_moveaxis(a, source, destination):
    x = operand(a)
    n = ndim(x)
    src = [one_axis(source, n)] if np.ndim(source) == 0 else [one_axis(s, n) for s in source]
    dst = [one_axis(destination, n)] if np.ndim(destination) == 0 else \
        [one_axis(d, n) for d in destination]
    if len(src) != len(dst):
        raise ValueError("`source` and `destination` arguments must have the same number of "
                         "elements")
    order = [i for i in range(n) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return _transpose_view(x, order)


def np_expand_dims(a, axis):
    x = operand(a)
    s = list(shape_of(x))
    ax = [axis] if np.ndim(axis) == 0 else list(axis)
    n = len(s) + len(ax)
    for i in sorted(one_axis(v, n) for v in ax):
        s.insert(i, 1)
    return _reshape_view(x, tuple(s))


def np_squeeze(a, axis=None):
    x = operand(a)
    s = shape_of(x)
    if axis is None:
        new = tuple(n for n in s if n != 1)
    else:
        ax = set(axes(axis, len(s)))
        for i in ax:
            if s[i] != 1:
                raise ValueError("cannot select an axis to squeeze out which has size not "
                                 "equal to one")
        new = tuple(n for i, n in enumerate(s) if i not in ax)
    return _reshape_view(x, new)


def np_broadcast_to(array, shape, subok=False):
    x = operand(array)
    shape = (int(shape),) if np.ndim(shape) == 0 else tuple(int(s) for s in shape)
    np.broadcast_shapes(shape_of(x), shape)  # NumPy's error for incompatible shapes
    if len(shape) < ndim(x) or np.broadcast_shapes(shape_of(x), shape) != shape:
        raise ValueError(f"operands could not be broadcast together with remapped shapes "
                         f"[original->remapped]: {shape_of(x)} and requested shape {shape}")
    r = ops.broadcast_to(x, shape=shape)
    return view(x, r, "broadcast", shape, writeable=False)


def np_broadcast_arrays(*args, subok=False):
    xs = [operand(a) for a in args]
    shape = np.broadcast_shapes(*[shape_of(x) for x in xs])
    return tuple(np_broadcast_to(x, shape) if shape_of(x) != shape else x for x in xs)


def np_atleast_1d(*arys):
    out = [np_reshape(a, (1,)) if ndim(operand(a)) == 0 else operand(a) for a in arys]
    return out[0] if len(out) == 1 else tuple(out)


def np_atleast_2d(*arys):
    out = []
    for a in arys:
        x = operand(a)
        s = shape_of(x)
        out.append(np_reshape(x, (1, 1) if not s else (1,) + s) if len(s) < 2 else x)
    return out[0] if len(out) == 1 else tuple(out)


def np_atleast_3d(*arys):
    out = []
    for a in arys:
        x = operand(a)
        s = shape_of(x)
        if len(s) == 0:
            x = np_reshape(x, (1, 1, 1))
        elif len(s) == 1:
            x = np_reshape(x, (1, s[0], 1))
        elif len(s) == 2:
            x = np_reshape(x, s + (1,))
        out.append(x)
    return out[0] if len(out) == 1 else tuple(out)


# ---------------------------------------------------------------- joining


def _join_dtype(fname, dtype, casting):
    check_dtype(fname, dtype)


def np_concatenate(arrays, /, axis=0, out=None, *, dtype=None, casting="same_kind"):
    _join_dtype("numpy.concatenate", dtype, casting)
    xs = [operand(x) for x in arrays]
    if not xs:
        raise ValueError("need at least one array to concatenate")
    if axis is None:
        xs = [ops.reshape(x, shape=(int(np.prod(shape_of(x), dtype=np.int64)),)) for x in xs]
        axis = 0
    nd = ndim(xs[0])
    if nd == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    for x in xs[1:]:
        if ndim(x) != nd:
            raise ValueError("all the input array dimensions except for the concatenation "
                             "axis must match exactly")
    return store("numpy.concatenate", out, ops.concatenate(*xs, axis=one_axis(axis, nd)))


def np_stack(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    _join_dtype("numpy.stack", dtype, casting)
    xs = [operand(x) for x in arrays]
    if not xs:
        raise ValueError("need at least one array to stack")
    s = shape_of(xs[0])
    for x in xs[1:]:
        if shape_of(x) != s:
            raise ValueError("all input arrays must have the same shape")
    ax = one_axis(axis, len(s) + 1)
    shape = s[:ax] + (1,) + s[ax:]
    return store("numpy.stack", out,
                 ops.concatenate(*[ops.reshape(x, shape=shape) for x in xs], axis=ax))


def np_hstack(tup, *, dtype=None, casting="same_kind"):
    xs = [np_atleast_1d(x) for x in tup]
    return np_concatenate(xs, axis=0 if ndim(xs[0]) == 1 else 1, dtype=dtype, casting=casting)


def np_vstack(tup, *, dtype=None, casting="same_kind"):
    xs = [np_atleast_2d(x) for x in tup]
    return np_concatenate(xs, axis=0, dtype=dtype, casting=casting)


def np_dstack(tup):
    return np_concatenate([np_atleast_3d(x) for x in tup], axis=2)


def np_column_stack(tup):
    xs = []
    for x in tup:
        x = operand(x)
        if ndim(x) < 2:
            x = np_reshape(x, (-1, 1))
        xs.append(x)
    return np_concatenate(xs, axis=1)


def np_block(arrays):
    leaves = []

    def codes_of(a):
        if isinstance(a, list):
            return [codes_of(e) for e in a]
        leaves.append(operand(a))
        return len(leaves) - 1

    structure = codes_of(arrays)
    c = Codes(leaves)

    def rebuild(s):
        return [rebuild(e) for e in s] if isinstance(s, list) else c.codes[s]

    return c.gather(np.block(rebuild(structure)))


# ---------------------------------------------------------------- moving elements


def np_flip(m, axis=None):
    x = operand(m)
    nd = ndim(x)
    ax = range(nd) if axis is None else axes(axis, nd)
    idx = [slice(None)] * nd
    for a in ax:
        idx[a] = slice(None, None, -1)
    from .indexing import getitem

    return getitem(x, tuple(idx))


def np_fliplr(m):
    if ndim(operand(m)) < 2:
        raise ValueError("Input must be >= 2-d.")
    return np_flip(m, 1)


def np_flipud(m):
    if ndim(operand(m)) < 1:
        raise ValueError("Input must be >= 1-d.")
    return np_flip(m, 0)


def np_rot90(m, k=1, axes=(0, 1)):
    x = operand(m)
    c = Codes([x])
    return code_view(x, np.rot90(c.codes[0], k, axes))


def np_roll(a, shift, axis=None):
    return by_codes(np.roll, operand(a), raw(shift), axis=axis)


def np_repeat(a, repeats, axis=None):
    return by_codes(np.repeat, operand(a), raw(repeats), axis=axis)


def np_tile(A, reps):
    return by_codes(np.tile, operand(A), reps)


_PAD_MOVES = ("edge", "reflect", "symmetric", "wrap")


def np_pad(array, pad_width, mode="constant", **kwargs):
    x = operand(array)
    if callable(mode):
        raise refuse("numpy.pad", "mode", mode, "a callable mode has no derivative rule")
    if mode in _PAD_MOVES:
        kw = dict(kwargs)
        if kw.get("reflect_type", "even") != "even":
            raise refuse("numpy.pad", "reflect_type", kw["reflect_type"],
                         "the 'odd' reflection computes values; only 'even' moves them")
        kw.pop("reflect_type", None)
        if kw:
            raise TypeError(f"unsupported keyword arguments for mode '{mode}': {set(kw)}")
        return by_codes(np.pad, x, raw(pad_width), mode=mode)
    if mode != "constant":
        raise refuse("numpy.pad", "mode", mode, "only 'constant', 'edge', 'reflect', "
                     "'symmetric' and 'wrap' are differentiated")
    extra = set(kwargs) - {"constant_values"}
    if extra:
        raise TypeError(f"unsupported keyword arguments for mode 'constant': {extra}")
    nd = ndim(x)
    cv = operand(kwargs.get("constant_values", 0.0))
    if isinstance(cv, Tracer):
        cv = ops.broadcast_to(cv, shape=(nd, 2)) if shape_of(cv) != (nd, 2) else cv
        fills = [ops.getitem(cv, idx=(i, j)) for i in range(nd) for j in range(2)]
    else:
        fills = [float(v) for v in np.broadcast_to(np.asarray(cv, dtype=float), (nd, 2)).ravel()]
    c = Codes([x], fills=fills)
    fill_codes = np.arange(2 * nd).reshape(nd, 2)
    return c.gather(np.pad(c.codes[0], raw(pad_width), mode="constant",
                           constant_values=fill_codes))


def _split(fname, npfn, ary, indices_or_sections, axis=0):
    x = operand(ary)
    c = Codes([x])
    pieces = npfn(c.codes[0], raw(indices_or_sections), axis) if axis is not None else \
        npfn(c.codes[0], raw(indices_or_sections))
    return [code_view(x, p) for p in pieces]


def np_split(ary, indices_or_sections, axis=0):
    return _split("numpy.split", np.split, ary, indices_or_sections, axis)


def np_array_split(ary, indices_or_sections, axis=0):
    return _split("numpy.array_split", np.array_split, ary, indices_or_sections, axis)


def np_vsplit(ary, indices_or_sections):
    return _split("numpy.vsplit", np.vsplit, ary, indices_or_sections, None)


def np_hsplit(ary, indices_or_sections):
    return _split("numpy.hsplit", np.hsplit, ary, indices_or_sections, None)


def np_dsplit(ary, indices_or_sections):
    return _split("numpy.dsplit", np.dsplit, ary, indices_or_sections, None)


# ---------------------------------------------------------------- triangles and diagonals


def _with_zeros(npfn, x, *args, **kwargs):
    """A NumPy function that moves elements and fills the rest with zeros."""
    c = Codes([x], fills=[0.0])
    return c.gather(npfn(c.codes[0], *args, **kwargs))


def np_tril(m, k=0):
    return _with_zeros(np.tril, operand(m), int(k))


def np_triu(m, k=0):
    return _with_zeros(np.triu, operand(m), int(k))


def np_diag(v, k=0):
    x = operand(v)
    if ndim(x) == 1:
        return _with_zeros(np.diag, x, int(k))
    if ndim(x) != 2:
        raise ValueError("Input must be 1- or 2-d.")
    return np_diagonal(x, int(k))


def np_diagflat(v, k=0):
    return _with_zeros(np.diagflat, operand(v), int(k))


def np_diagonal(a, offset=0, axis1=0, axis2=1):
    x = operand(a)
    c = Codes([x])
    return code_view(x, np.diagonal(c.codes[0], offset, axis1, axis2), writeable=False)


def np_trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    check_dtype("numpy.trace", dtype)
    d = np_diagonal(a, offset, axis1, axis2)
    return store("numpy.trace", out, ops.sum_(d, axis=(ndim(d) - 1,), keepdims=False))


# ---------------------------------------------------------------- differences


def np_diff(a, n=1, axis=-1, prepend=NOVALUE, append=NOVALUE):
    x = operand(a)
    if n == 0:
        return x
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n!r}")
    nd = ndim(x)
    if nd == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    ax = one_axis(axis, nd)
    parts = []
    for extra in (prepend, append):
        if not given(extra):
            parts.append(None)
            continue
        e = operand(extra)
        if ndim(e) == 0:
            s = list(shape_of(x))
            s[ax] = 1
            e = ops.broadcast_to(e, shape=tuple(s))
        parts.append(e)
    if parts[0] is not None or parts[1] is not None:
        x = ops.concatenate(*[p for p in (parts[0], x, parts[1]) if p is not None], axis=ax)
    for _ in range(int(n)):
        hi = [slice(None)] * nd
        lo = [slice(None)] * nd
        hi[ax] = slice(1, None)
        lo[ax] = slice(None, -1)
        x = ops.sub(ops.getitem(x, idx=tuple(hi)), ops.getitem(x, idx=tuple(lo)))
    return x


def np_ediff1d(ary, to_end=None, to_begin=None):
    x = operand(ary)
    flat = ops.reshape(x, shape=(int(np.prod(shape_of(x), dtype=np.int64)),))
    d = ops.sub(ops.getitem(flat, idx=slice(1, None)), ops.getitem(flat, idx=slice(None, -1)))
    if to_begin is None and to_end is None:
        return d
    seq = []
    if to_begin is not None:
        e = operand(to_begin)
        seq.append(ops.reshape(e, shape=(int(np.prod(shape_of(e), dtype=np.int64)),)))
    seq.append(d)
    if to_end is not None:
        e = operand(to_end)
        seq.append(ops.reshape(e, shape=(int(np.prod(shape_of(e), dtype=np.int64)),)))
    return ops.concatenate(*seq, axis=0)


# ---------------------------------------------------------------- copies and parts


def np_copy(a, order="K", subok=False):
    x = operand(a)
    return ops.reshape(x, shape=shape_of(x))  # a new handle: not a view


def np_real(val):  # of real values (complex ones: complex_values.py)
    x = operand(val)
    return _reshape_view(x, shape_of(x))


def np_imag(val):
    return np.zeros(shape_of(val)) if shape_of(val) else 0.0


FUNCTIONS = {
    np.reshape: np_reshape, np.ravel: np_ravel, np.transpose: np_transpose,
    np.swapaxes: np_swapaxes, np.moveaxis: np_moveaxis, np.expand_dims: np_expand_dims,
    np.squeeze: np_squeeze, np.broadcast_to: np_broadcast_to,
    np.broadcast_arrays: np_broadcast_arrays, np.atleast_1d: np_atleast_1d,
    np.atleast_2d: np_atleast_2d, np.atleast_3d: np_atleast_3d,
    np.concatenate: np_concatenate, np.stack: np_stack, np.hstack: np_hstack,
    np.vstack: np_vstack, np.dstack: np_dstack, np.column_stack: np_column_stack,
    np.block: np_block, np.flip: np_flip, np.fliplr: np_fliplr, np.flipud: np_flipud,
    np.rot90: np_rot90, np.roll: np_roll, np.repeat: np_repeat, np.tile: np_tile,
    np.pad: np_pad, np.split: np_split, np.array_split: np_array_split,
    np.vsplit: np_vsplit, np.hsplit: np_hsplit, np.dsplit: np_dsplit,
    np.tril: np_tril, np.triu: np_triu, np.diag: np_diag, np.diagflat: np_diagflat,
    np.diagonal: np_diagonal, np.trace: np_trace, np.diff: np_diff,
    np.ediff1d: np_ediff1d, np.copy: np_copy,
}
if hasattr(np, "permute_dims"):  # NumPy >= 2.0
    FUNCTIONS[np.permute_dims] = np_permute_dims
if hasattr(np, "concat"):
    FUNCTIONS[np.concat] = np_concatenate

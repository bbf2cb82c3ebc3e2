"""Products: dot, vdot, inner, outer, tensordot, einsum (every form), kron, cross,
polyval, convolve / correlate, cov, corrcoef and interp.

``einsum`` is one primitive of explicit letters; here ``...``, the sublist form
and implicit outputs are written out as letters, and operands whose size-1 axes
NumPy would broadcast are broadcast first, so the primitive's rules never meet
them.
"""

from __future__ import annotations

import string

import numpy as np

from .._core import Tracer, raw, shape_of
from ..primitives import ops
from ..primitives.complex import conj, is_complex, real
from ._common import check_dtype, ndim, one_axis, operand, refuse
from .indexing import Codes
from .inplace import store
from .reductions import np_mean

_LETTERS = string.ascii_letters


def np_dot(a, b, out=None):
    a, b = operand(a), operand(b)
    na, nb = ndim(a), ndim(b)
    if na == 0 or nb == 0:
        r = ops.mul(a, b)
    elif na <= 2 and nb <= 2:
        if shape_of(a)[-1] != shape_of(b)[0 if nb == 1 else -2]:
            raise ValueError(f"shapes {shape_of(a)} and {shape_of(b)} not aligned")
        r = ops.matmul(a, b)
    else:
        r = np_tensordot(a, b, axes=([na - 1], [nb - 2 if nb >= 2 else 0]))
    return store("numpy.dot", out, r)


def np_vdot(a, b, /):
    a, b = operand(a), operand(b)
    if is_complex(a):
        a = conj(a)  # NumPy's vdot conjugates its first argument
    fa = ops.reshape(a, shape=(int(np.prod(shape_of(a), dtype=np.int64)),))
    fb = ops.reshape(b, shape=(int(np.prod(shape_of(b), dtype=np.int64)),))
    if shape_of(fa) != shape_of(fb):
        raise ValueError("vector dot of arrays of different sizes")
    return ops.matmul(fa, fb)


def np_inner(a, b, /):
    a, b = operand(a), operand(b)
    na, nb = ndim(a), ndim(b)
    if na == 0 or nb == 0:
        return ops.mul(a, b)
    return np_tensordot(a, b, axes=([na - 1], [nb - 1]))


def np_outer(a, b, out=None):
    a, b = operand(a), operand(b)
    fa = ops.reshape(a, shape=(int(np.prod(shape_of(a), dtype=np.int64)), 1))
    fb = ops.reshape(b, shape=(1, int(np.prod(shape_of(b), dtype=np.int64))))
    return store("numpy.outer", out, ops.mul(fa, fb))


def np_tensordot(a, b, axes=2):
    a, b = operand(a), operand(b)
    na, nb = ndim(a), ndim(b)
    if isinstance(axes, (int, np.integer)):
        k = int(axes)
        ax_a, ax_b = list(range(na - k, na)), list(range(k))
    else:
        ax_a, ax_b = axes
        ax_a = [one_axis(ax_a, na)] if np.ndim(ax_a) == 0 else [one_axis(i, na) for i in ax_a]
        ax_b = [one_axis(ax_b, nb)] if np.ndim(ax_b) == 0 else [one_axis(i, nb) for i in ax_b]
    if len(ax_a) != len(ax_b):
        raise ValueError("shape-mismatch for sum")
    for i, j in zip(ax_a, ax_b):
        if shape_of(a)[i] != shape_of(b)[j]:
            raise ValueError("shape-mismatch for sum")
    if na + nb > len(_LETTERS):
        raise refuse("numpy.tensordot", "a", f"{na + nb} axes", "at most 52 axes in all")
    sa = list(_LETTERS[:na])
    sb = list(_LETTERS[na:na + nb])
    for i, j in zip(ax_a, ax_b):
        sb[j] = sa[i]
    outs = [c for i, c in enumerate(sa) if i not in ax_a] + \
        [c for j, c in enumerate(sb) if j not in ax_b]
    return ops.einsum(a, b, subscripts="".join(sa) + "," + "".join(sb) + "->" + "".join(outs))


# ---------------------------------------------------------------- einsum


def _sublist_spec(args):
    """The sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` as a subscripts string."""
    args = list(args)
    ops_, subs = [], []
    while len(args) >= 2:
        ops_.append(args.pop(0))
        subs.append(args.pop(0))
    out = args.pop(0) if args else None

    def letters(sub):
        s = ""
        for v in sub:
            if v is Ellipsis:
                s += "..."
            else:
                v = int(v)
                if not 0 <= v < 52:
                    raise ValueError("subscript is not within the valid range [0, 52)")
                s += _LETTERS[v]
        return s

    spec = ",".join(letters(s) for s in subs)
    if out is not None:
        spec += "->" + letters(out)
    return spec, ops_


def einsum_spec(subscripts: str, shapes: list[tuple]) -> tuple[str, list[tuple]]:
    """Explicit letters for every axis and an explicit output; and per operand, the shape
    it must be broadcast to (NumPy broadcasts size-1 axes of a shared letter)."""
    s = subscripts.replace(" ", "")
    if "->" in s:
        ins, out = s.split("->")
        explicit = True
    else:
        ins, out, explicit = s, None, False
    parts = ins.split(",")
    if len(parts) != len(shapes):
        raise ValueError("more operands provided to einstein sum function than specified in "
                         "the subscripts string" if len(shapes) > len(parts) else
                         "fewer operands provided to einstein sum function than specified "
                         "in the subscripts string")
    used = set(s) - set(",->.")
    free = [c for c in _LETTERS if c not in used]
    n_ell = 0
    for p, shp in zip(parts, shapes):
        if "..." in p:
            n_ell = max(n_ell, len(shp) - len(p.replace("...", "")))
    ell = "".join(free[:n_ell])
    new_parts = []
    for p, shp in zip(parts, shapes):
        if "..." in p:
            k = len(shp) - len(p.replace("...", ""))
            p = p.replace("...", ell[n_ell - k:] if k else "")
        if len(p) != len(shp):
            raise ValueError(f"operand has more dimensions than subscripts given in einstein "
                             f"sum, but no '...' ellipsis provided to broadcast the extra "
                             f"dimensions: {p!r} for shape {shp}")
        new_parts.append(p)
    if explicit:
        out = out.replace("...", ell)
    else:
        letters = "".join(new_parts)
        out = ell + "".join(sorted(c for c in set(letters) - set(ell)
                                   if letters.count(c) == 1))
    size: dict[str, int] = {}
    for p, shp in zip(new_parts, shapes):
        for c, n in zip(p, shp):
            if size.get(c, 1) != 1 and n not in (1, size[c]):
                raise ValueError(f"operands could not be broadcast together: dimension "
                                 f"{c!r} has sizes {size[c]} and {n}")
            if n != 1 or c not in size:
                size[c] = n
    targets = [tuple(size[c] for c in p) for p in new_parts]
    return ",".join(new_parts) + "->" + out, targets


def np_einsum(*operands, out=None, optimize=False, dtype=None, order="K", casting="safe",
              **kw):
    # optimize / order / casting choose how NumPy evaluates, not what: the values agree.
    if kw:
        raise TypeError(f"einsum() got unexpected keyword argument(s) {sorted(kw)}")
    check_dtype("numpy.einsum", dtype)
    if not operands:
        raise ValueError("No input operands")
    if isinstance(operands[0], str):
        subscripts, xs = operands[0], list(operands[1:])
    else:
        subscripts, xs = _sublist_spec(operands)
    xs = [operand(x) for x in xs]
    spec, targets = einsum_spec(subscripts, [shape_of(x) for x in xs])
    xs = [x if shape_of(x) == t else ops.broadcast_to(x, shape=t) for x, t in zip(xs, targets)]
    return store("numpy.einsum", out, ops.einsum(*xs, subscripts=spec))


# ---------------------------------------------------------------- kron, cross


def np_kron(a, b):
    a, b = operand(a), operand(b)
    nd = max(ndim(a), ndim(b))
    sa = (1,) * (nd - ndim(a)) + shape_of(a)
    sb = (1,) * (nd - ndim(b)) + shape_of(b)
    if nd == 0:
        return ops.mul(a, b)
    ia = tuple(v for n in sa for v in (n, 1))
    ib = tuple(v for n in sb for v in (1, n))
    r = ops.mul(ops.reshape(a, shape=ia), ops.reshape(b, shape=ib))
    return ops.reshape(r, shape=tuple(p * q for p, q in zip(sa, sb)))


def _component(v, i):
    return ops.getitem(v, idx=(Ellipsis, i))


def np_cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    a, b = operand(a), operand(b)
    if axis is not None:
        axisa = axisb = axisc = axis
    a = _last(a, one_axis(axisa, ndim(a)))
    b = _last(b, one_axis(axisb, ndim(b)))
    na, nb = shape_of(a)[-1], shape_of(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n(dimension must be 2 or 3)")
    if na == 2 or nb == 2:
        import warnings

        warnings.warn("Arrays of 2-dimensional vectors are deprecated. Use arrays of "
                      "3-dimensional vectors instead. (deprecated in NumPy 2.0)",
                      DeprecationWarning, stacklevel=3)
    a0, a1 = _component(a, 0), _component(a, 1)
    b0, b1 = _component(b, 0), _component(b, 1)
    # NumPy's own sequence of operations (numpy/_core/numeric.py), for identical values
    cp2 = ops.sub(ops.mul(a0, b1), ops.mul(a1, b0))
    if na == 2 and nb == 2:
        return cp2
    if na == 2:
        b2 = _component(b, 2)
        cp0 = ops.mul(a1, b2)
        cp1 = ops.neg(ops.mul(a0, b2))
    elif nb == 2:
        a2 = _component(a, 2)
        cp0 = ops.neg(ops.mul(a2, b1))
        cp1 = ops.mul(a2, b0)
    else:
        a2, b2 = _component(a, 2), _component(b, 2)
        cp0 = ops.sub(ops.mul(a1, b2), ops.mul(a2, b1))
        cp1 = ops.sub(ops.mul(a2, b0), ops.mul(a0, b2))
    shape = np.broadcast_shapes(shape_of(cp0), shape_of(cp1), shape_of(cp2))
    comps = [ops.reshape(ops.broadcast_to(c, shape=shape) if shape_of(c) != shape else c,
                         shape=shape + (1,)) for c in (cp0, cp1, cp2)]
    r = ops.concatenate(*comps, axis=len(shape))
    c_ax = one_axis(axisc, len(shape) + 1)
    if c_ax != len(shape):
        perm = list(range(len(shape)))
        perm.insert(c_ax, len(shape))
        r = ops.transpose(r, axes=tuple(perm))
    return r


def _last(x, ax):
    n = ndim(x)
    if ax == n - 1:
        return x
    return ops.transpose(x, axes=tuple(i for i in range(n) if i != ax) + (ax,))


# ---------------------------------------------------------------- polynomials, convolution


def np_polyval(p, x):
    p = operand(p)
    x = operand(x)
    y = 0.0 if not shape_of(x) else np.zeros(shape_of(x))
    for k in range(shape_of(p)[0] if shape_of(p) else 1):
        pv = ops.getitem(p, idx=k) if shape_of(p) else p
        y = ops.add(ops.mul(y, x), pv)
    return y


def _conv_full(a, v):
    """Σ_j a_j v_{k-j} for every k, as a gather of v (zero-filled) times a."""
    n, m = shape_of(a)[0], shape_of(v)[0]
    k = np.arange(n + m - 1)[:, None]
    j = np.arange(n)[None, :]
    src = k - j
    ok = (src >= 0) & (src < m)
    c = Codes([v], fills=[0.0])
    V = c.gather(np.where(ok, src + 1, 0))
    return ops.matmul(V, a)


def _mode_slice(fname, full_len, n, m, mode, flip):
    if mode == "full":
        return slice(0, full_len)
    if mode not in ("same", "valid"):
        raise ValueError(f"mode must be one of 'full', 'same' or 'valid' (got {mode!r})")
    # Where NumPy's 'same' / 'valid' window sits inside 'full': probe it with plain arrays.
    rng = np.random.default_rng(0)
    pa, pv = rng.uniform(1, 2, n), rng.uniform(1, 2, m)
    full = np.convolve(pa, pv, "full") if not flip else np.correlate(pa, pv, "full")
    want = np.convolve(pa, pv, mode) if not flip else np.correlate(pa, pv, mode)
    for o in range(full_len - len(want) + 1):
        if np.allclose(full[o:o + len(want)], want):
            return slice(o, o + len(want))
    raise ValueError(f"{fname}: cannot place mode {mode!r}")  # pragma: no cover


def np_convolve(a, v, mode="full"):
    a, v = operand(a), operand(v)
    if ndim(a) != 1 or ndim(v) != 1:
        raise ValueError("object too deep for desired array")
    n, m = shape_of(a)[0], shape_of(v)[0]
    if n == 0 or m == 0:
        raise ValueError("a cannot be empty" if n == 0 else "v cannot be empty")
    full = _conv_full(a, v)
    return ops.getitem(full, idx=_mode_slice("numpy.convolve", n + m - 1, n, m, mode, False))


def np_correlate(a, v, mode="valid"):
    a, v = operand(a), operand(v)
    if ndim(a) != 1 or ndim(v) != 1:
        raise ValueError("object too deep for desired array")
    n, m = shape_of(a)[0], shape_of(v)[0]
    if is_complex(v):
        v = conj(v)  # NumPy's correlate conjugates its second argument
    full = _conv_full(a, ops.getitem(v, idx=slice(None, None, -1)))
    return ops.getitem(full, idx=_mode_slice("numpy.correlate", n + m - 1, n, m, mode, True))


# ---------------------------------------------------------------- statistics


def np_cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *,
           dtype=None):
    if fweights is not None or aweights is not None:
        raise refuse("numpy.cov", "fweights" if fweights is not None else "aweights", "...",
                     "weighted covariances have no rule")
    check_dtype("numpy.cov", dtype)
    X = operand(m)
    if ndim(X) > 2:
        raise ValueError("m has more than 2 dimensions")
    X = ops.reshape(X, shape=(1, shape_of(X)[0])) if ndim(X) == 1 else X
    if not rowvar and shape_of(X)[0] != 1:
        X = ops.transpose(X, axes=(1, 0))
    if y is not None:
        Y = operand(y)
        Y = ops.reshape(Y, shape=(1, shape_of(Y)[0])) if ndim(Y) == 1 else Y
        if not rowvar and shape_of(Y)[0] != 1:
            Y = ops.transpose(Y, axes=(1, 0))
        X = ops.concatenate(X, Y, axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    n = shape_of(X)[1]
    fact = float(n - ddof)
    X = ops.sub(X, np_mean(X, axis=1, keepdims=True))
    Xt = ops.transpose(X, axes=(1, 0))
    c = ops.div(ops.matmul(X, conj(Xt) if is_complex(Xt) else Xt), fact)
    return ops.reshape(c, shape=()) if shape_of(c) == (1, 1) else c


def np_corrcoef(x, y=None, rowvar=True, *, dtype=None):
    c = np_cov(x, y, rowvar, dtype=dtype)
    if ndim(c) == 0:
        return ops.div(c, c)
    d = ops.getitem(c, idx=(np.arange(shape_of(c)[0]),) * 2)
    sd = ops.sqrt(real(d) if is_complex(d) else d)  # NumPy: sqrt(d.real)
    c = ops.div(c, ops.reshape(sd, shape=(shape_of(sd)[0], 1)))
    c = ops.div(c, ops.reshape(sd, shape=(1, shape_of(sd)[0])))
    return ops.maximum(ops.minimum(c, 1.0), -1.0) if np.any(np.abs(raw(c)) > 1) else c


def np_interp(x, xp, fp, left=None, right=None, period=None):
    if period is not None:
        raise refuse("numpy.interp", "period", period, "periodic interpolation has no rule")
    if isinstance(xp, Tracer):
        raise refuse("numpy.interp", "xp", "a traced array",
                     "the sample points must be plain values")
    x, fp = operand(x), operand(fp)
    if is_complex(x) or np.iscomplexobj(xp):
        raise TypeError("numpy.interp of complex sample points: NumPy requires real x and xp "
                        "(complex fp is fine)")
    xpv = np.asarray(xp, dtype=float)
    if xpv.ndim != 1 or ndim(fp) != 1 or shape_of(fp)[0] != xpv.size:
        raise ValueError("fp and xp are not of the same length.")
    rx = np.asarray(raw(x), dtype=float)
    n = xpv.size
    j = np.clip(np.searchsorted(xpv, rx, side="right") - 1, 0, max(n - 2, 0))
    x0, x1 = xpv[j], xpv[np.minimum(j + 1, n - 1)]
    f0 = ops.getitem(fp, idx=j)
    f1 = ops.getitem(fp, idx=np.minimum(j + 1, n - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = ops.div(ops.sub(f1, f0), np.where(x1 == x0, 1.0, x1 - x0))
    y = ops.add(ops.mul(slope, ops.sub(x, x0)), f0)
    y = ops.where(rx == x0, f0, y)
    lo = ops.getitem(fp, idx=0) if left is None else left
    hi = ops.getitem(fp, idx=n - 1) if right is None else right
    y = ops.where(rx == xpv[-1], ops.getitem(fp, idx=n - 1), y)
    y = ops.where(rx > xpv[-1], hi, y)
    y = ops.where(rx < xpv[0], lo, y)
    return y


FUNCTIONS = {
    np.dot: np_dot, np.vdot: np_vdot, np.inner: np_inner, np.outer: np_outer,
    np.tensordot: np_tensordot, np.einsum: np_einsum, np.kron: np_kron, np.cross: np_cross,
    np.polyval: np_polyval, np.convolve: np_convolve, np.correlate: np_correlate,
    np.cov: np_cov, np.corrcoef: np_corrcoef, np.interp: np_interp,
}

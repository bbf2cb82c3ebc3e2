"""The transforms: grad, value_and_grad, vjp, jvp, jacfwd, jacrev, hessian, derivative.

Each one is a few lines over a trace: make inputs, run ``f``, read the output.
The rest of this module is the contract at the boundary: which arguments are
differentiable, what type a gradient has, what counts as a scalar output.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import Tracer, raw, shape_of
from .forward import Dual, ForwardTrace, chunk_rows, jacobian_tangents
from .primitives import onehot, ops
from .primitives.complex import is_complex, real
from .primitives.onehot import OneHot
from .reverse import ReverseTrace, gc_paused

# ---------------------------------------------------------------- arguments


def _param_name(f: Callable, k: int) -> str:
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        return f"argument {k}"
    if k < len(params) and params[k].kind in (params[k].POSITIONAL_ONLY,
                                              params[k].POSITIONAL_OR_KEYWORD):
        return f"argument {params[k].name!r}"
    return f"argument {k}"


def _diff_arg(x: Any, f: Callable, k: int, who: str):
    """A differentiable argument as float / float ndarray (ints promoted), or TypeError."""
    t = type(x)
    if t is float or (t is np.ndarray and x.dtype.kind in "fc"):  # the common cases, first
        return x
    if isinstance(x, Tracer):
        return x
    if isinstance(x, (bool, np.bool_)):
        pass
    elif isinstance(x, (int, float, np.integer, np.floating)):
        return float(x)
    elif isinstance(x, (complex, np.complexfloating)):
        return complex(x)  # autograd's convention (docs/ad_core.md, "Complex numbers")
    elif isinstance(x, np.ndarray):
        if x.dtype.kind in "fc":
            return x
        if x.dtype.kind in "iu":
            return x.astype(np.float64)
    what = type(x).__name__ if not isinstance(x, np.ndarray) else f"ndarray of {x.dtype}"
    hint = " (wrap lists with np.array(...))" if isinstance(x, (list, tuple)) else ""
    leave_out = ", or leave it out of argnums" if who not in ("derivative", "jvp", "vjp") else ""
    raise TypeError(f"{who}: {_param_name(f, k)} is a {what}, which cannot be differentiated; "
                    f"pass a float, a complex or an array of them{hint}{leave_out}")


def _argnums(argnums, nargs: int, who: str) -> tuple[tuple[int, ...], bool]:
    if type(argnums) is int and 0 <= argnums < nargs:  # the common case, first
        return (argnums,), True
    single = isinstance(argnums, (int, np.integer))
    nums = (int(argnums),) if single else tuple(int(a) for a in argnums)
    if not nums:
        raise ValueError(f"{who}: argnums is empty")
    for a in nums:
        if not -nargs <= a < nargs:
            raise TypeError(f"{who}: argnums {a} is out of range for {nargs} positional "
                            "argument(s)")
    return tuple(a % nargs for a in nums), single


def _is_scalar_like(x) -> bool:
    return shape_of(x) == ()


def _present(v):
    """Scalar results are Python floats (complex); traced values pass through."""
    if isinstance(v, Tracer):
        return v
    if np.ndim(v) == 0:
        return complex(v) if np.iscomplexobj(v) else float(v)
    return np.asarray(v)


def _array(c) -> np.ndarray:
    """``c`` as a float (or complex) array."""
    return np.asarray(c, dtype=np.result_type(c, np.float64))


def _holomorphic_only(out, xs, who: str) -> None:
    """A derivative of a real output with respect to a complex input is not a complex number
    (f is not holomorphic): Jacobians and Hessians of complex inputs need holomorphic f."""
    if not is_complex(out) and any(is_complex(x) for x in xs):
        raise TypeError(f"{who}: the output is real and an input is complex, so f is not "
                        "holomorphic and has no complex derivative; use grad (autograd's "
                        "convention: ∂u/∂x - i ∂u/∂y), or differentiate real and imaginary "
                        "parts as real inputs")


def _like(c, x):
    """A cotangent/tangent shaped and typed like argument ``x`` (zeros if None)."""
    if c is None:
        return 0.0 if _is_scalar_like(x) else np.zeros(shape_of(x))
    cplx = is_complex(x)
    if not cplx and is_complex(c):  # a real input's gradient: the real part of its cotangent
        c = real(c) if isinstance(c, Tracer) else np.real(c)
    if isinstance(c, Tracer):
        if shape_of(c) != shape_of(x):
            c = ops.broadcast_to(c, shape=shape_of(x)) if shape_of(x) else ops.reshape(
                c, shape=())
        return c
    if _is_scalar_like(x) and not isinstance(raw(x), np.ndarray):
        return complex(np.reshape(c, ())) if cplx else float(np.reshape(c, ()))
    dtype = raw(x).dtype if isinstance(raw(x), np.ndarray) else (
        np.complex128 if cplx else np.float64)
    c = np.asarray(c, dtype=dtype)
    if c.shape != shape_of(x):
        c = np.broadcast_to(c, shape_of(x)).copy()
    elif not c.flags.writeable:  # a broadcast view from the tape: hand out a real array
        c = c.copy()
    return c


def _adjoint(adj: list, idx: int):
    """The adjoint of the input recorded at node ``idx``; None when it was recorded after
    the output (e.g. ``lambda x, y: x`` with argnums (0, 1): the backward pass stops at x).
    Inputs are found by node index, not through their tracers: an in-place write in ``f``
    (``x += 1``) points an input's tracer at a later node."""
    return adj[idx] if idx < len(adj) else None


# ---------------------------------------------------------------- reverse mode


def vjp(f: Callable, *primals):
    """Reverse mode: ``(f(*primals), vjp_fn)``; ``vjp_fn(ct)`` gives one cotangent per primal.

        >>> out, f_vjp = vjp(np.sin, 0.0); f_vjp(1.0)
        (1.0,)
    """
    trace = ReverseTrace()
    xs = [_diff_arg(p, f, k, "vjp") for k, p in enumerate(primals)]
    ins = [trace.new_input(x) for x in xs]
    in_idx = [i._idx for i in ins]
    with gc_paused():
        out, idx = trace.unpack(f(*ins))
    out_shape = shape_of(out)

    def vjp_fn(ct):
        if shape_of(ct) != out_shape:
            raise ValueError(f"vjp: cotangent of shape {shape_of(ct)} for an output of shape "
                             f"{out_shape}")
        if idx is None:
            return tuple(_like(None, x) for x in xs)
        if is_complex(ct) and not is_complex(out):
            raise TypeError("vjp: a complex cotangent for a real output")
        if not isinstance(ct, Tracer):
            ct = _present(ct) if out_shape == () else _array(ct)
        adj = trace.backward(idx, ct)
        return tuple(_like(_adjoint(adj, i), x) for i, x in zip(in_idx, xs))

    return _present(out), vjp_fn


def _reverse_inputs(f: Callable, args: tuple, nums: tuple[int, ...], who: str):
    """A new tape, ``args`` with the differentiated ones replaced by its inputs, their
    plain values and their node indices."""
    trace = ReverseTrace()
    args = list(args)
    xs, ins = [], []
    for k in nums:
        x = _diff_arg(args[k], f, k, who)
        xs.append(x)
        args[k] = trace.new_input(x)
        ins.append(args[k]._idx)
    return trace, args, xs, ins


def value_and_grad(f: Callable, argnums=0) -> Callable:
    """Reverse mode for a scalar ``f``: returns ``(value, gradient)``.

        >>> value_and_grad(lambda x: x * x)(3.0)
        (9.0, 6.0)
    """
    @functools.wraps(f)
    def value_and_grad_f(*args, **kwargs):
        nums, single = _argnums(argnums, len(args), "grad")
        trace, args, xs, ins = _reverse_inputs(f, args, nums, "grad")
        with gc_paused():
            out, idx = trace.unpack(f(*args, **kwargs))
        s = shape_of(out)
        if math.prod(s) != 1:
            raise TypeError(f"grad requires a scalar output, but {_name(f)} returned shape {s}; "
                            "use jacrev (or jacfwd) for the Jacobian, or vjp for a "
                            "vector-Jacobian product")
        if idx is None:
            grads = tuple(_like(None, x) for x in xs)
        else:
            adj = trace.backward(idx, 1.0 if s == () else np.ones(s))
            grads = tuple(_like(_adjoint(adj, i), x) for i, x in zip(ins, xs))
        # A complex output: the gradient of its real part (autograd's convention).
        value = out if isinstance(out, Tracer) else _present(np.reshape(out, ()))
        return value, (grads[0] if single else grads)

    return value_and_grad_f


def grad(f: Callable, argnums=0) -> Callable:
    """Reverse-mode gradient of a scalar ``f`` (same type and shape as the argument).

        >>> grad(lambda x: np.sum(x ** 2))(np.array([1.0, 2.0]))
        array([2., 4.])
    """
    vg = value_and_grad(f, argnums)

    @functools.wraps(f)
    def grad_f(*args, **kwargs):
        return vg(*args, **kwargs)[1]

    return grad_f


def _name(f) -> str:
    return getattr(f, "__name__", type(f).__name__)


def _outputs(out) -> tuple[list, bool]:
    if isinstance(out, (tuple, list)):
        return list(out), True
    return [out], False


def jacrev(f: Callable, argnums=0) -> Callable:
    """Jacobian by reverse mode: one recording pass, then one backward sweep that carries
    all m output cotangents as a batch (chunked when large; docs/ad_core.md, "Jacobians").

        >>> jacrev(lambda x: x * 2.0)(np.ones(2))
        array([[2., 0.],
               [0., 2.]])
    """
    return _jacrev(f, argnums, holomorphic=False)


def _jacrev(f: Callable, argnums, holomorphic: bool) -> Callable:
    @functools.wraps(f)
    def jac_f(*args, **kwargs):
        nums, single = _argnums(argnums, len(args), "jacrev")
        trace, args, xs, ins = _reverse_inputs(f, args, nums, "jacrev")
        with gc_paused():
            outs, is_tuple = _outputs(f(*args, **kwargs))
        results = []
        for out in outs:
            val, idx = trace.unpack(out)
            if holomorphic:
                _holomorphic_only(val, xs, "hessian")
            s = shape_of(val)
            # A complex output of a real input: one more sweep gives the imaginary part
            # (seeding -i reads Im of the output), so the Jacobian is jacfwd's.
            imag = is_complex(val) and not all(is_complex(x) for x in xs)
            if idx is None or math.prod(s) <= 1:
                jacs = _jacrev_single(trace, idx, s, xs, ins, imag)
            else:
                jacs = _jacrev_batched(trace, idx, s, xs, ins, imag)
            results.append(jacs[0] if single else jacs)
        return tuple(results) if is_tuple else results[0]

    return jac_f


def _jacrev_single(trace, idx, s, xs, ins, imag):
    """The backward sweep of the one output element there is (seed 1), if any."""
    if idx is None or math.prod(s) == 0:
        return tuple(_as_jacobian(np.zeros(s + shape_of(x)), s + shape_of(x)) for x in xs)
    adj = trace.backward(idx, 1.0 if s == () else np.ones(s))
    adj_im = trace.backward(idx, -1j if s == () else np.full(s, -1j)) if imag else None
    jacs = []
    for i, x in zip(ins, xs):
        row = _like(_adjoint(adj, i), x)
        if adj_im is not None and not is_complex(x):
            row = row + 1j * _like(_adjoint(adj_im, i), x)
        jacs.append(_as_jacobian(row, s + shape_of(x)))
    return tuple(jacs)


def _as_jacobian(v, shape: tuple):
    """``v`` reshaped to ``shape`` (same size); a Python float (complex) for shape ()."""
    if isinstance(v, Tracer):
        return v if shape_of(v) == shape else ops.reshape(v, shape=shape)
    if shape == ():
        return _present(v)
    if type(v) is not np.ndarray or v.dtype.kind not in "fc":
        v = _array(v)
    return _own(v.reshape(shape))


def _own(J: np.ndarray) -> np.ndarray:
    """A result the caller may write to: a read-only view (a broadcast tangent) is copied.
    Other views can only be of this call's own seeds and tangents."""
    return J if J.flags.writeable else J.copy()


def _jacrev_batched(trace, idx, s, xs, ins, imag):
    """All m output cotangents in one backward sweep (a few when memory asks for it)."""
    m = math.prod(s)
    chunk = chunk_rows(m, max([trace.largest(idx)] + [math.prod(shape_of(x)) for x in xs]))
    blocks = [[] for _ in xs]
    ones = np.ones(s)
    for start in range(0, m, chunk):
        B = min(chunk, m - start)
        adj = trace.backward(idx, OneHot(ones, start, B), batch=B)
        adj_im = trace.backward(idx, OneHot(np.full(s, -1j), start, B), batch=B) \
            if imag else None
        for blk, i, x in zip(blocks, ins, xs):
            rows = _like_batched(_adjoint(adj, i), x, B)
            if adj_im is not None and not is_complex(x):
                rows = rows + 1j * _like_batched(_adjoint(adj_im, i), x, B)
            blk.append(rows)
    return tuple(_join_rows(blk, s, shape_of(x)) for blk, x in zip(blocks, xs))


def _like_batched(c, x, B: int):
    """A batch of cotangents shaped ``(B,) + x.shape`` and typed like ``x`` (zeros if None)."""
    s = (B,) + shape_of(x)
    if c is None:
        return np.zeros(s)
    c = onehot.dense(c)
    if not is_complex(x) and is_complex(c):  # a real input's gradient: the real part
        c = real(c) if isinstance(c, Tracer) else np.real(c)
    if isinstance(c, Tracer):
        return c if shape_of(c) == s else ops.broadcast_to(c, shape=s)
    dtype = raw(x).dtype if isinstance(raw(x), np.ndarray) else (
        np.complex128 if is_complex(x) else np.float64)
    c = np.asarray(c, dtype=dtype)
    if c.shape != s:
        c = np.broadcast_to(c, s).copy()
    return c


def _join_rows(blocks: list, out_shape: tuple, in_shape: tuple):
    """Blocks of (B,) + in_shape rows (in output order) -> the Jacobian out + in."""
    if not any(isinstance(b, Tracer) for b in blocks):
        J = blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=0)
        J = J.reshape(out_shape + in_shape)
        return _present(J) if J.shape == () else _own(J)
    J = blocks[0] if len(blocks) == 1 else ops.concatenate(*blocks, axis=0)
    return ops.reshape(J, shape=out_shape + in_shape)


# ---------------------------------------------------------------- forward mode


def jvp(f: Callable, primals: tuple, tangents: tuple):
    """Forward mode: ``(f(*primals), J @ tangents)``.

        >>> jvp(np.sin, (0.0,), (1.0,))
        (0.0, 1.0)
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: primals and tangents must be tuples, e.g. jvp(f, (x,), (t,))")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    trace = ForwardTrace()
    ins = []
    for k, (p, t) in enumerate(zip(primals, tangents)):
        x = _diff_arg(p, f, k, "jvp")
        if shape_of(t) != shape_of(x):
            raise ValueError(f"jvp: tangent of shape {shape_of(t)} for {_param_name(f, k)} of "
                             f"shape {shape_of(x)}")
        if is_complex(t) and not is_complex(x):
            raise TypeError(f"jvp: a complex tangent for the real {_param_name(f, k)}")
        tx = t if isinstance(t, Tracer) else _like(_array(t), x)
        ins.append(Dual(trace, x, tx))
    # Checked products throughout (a jvp inside a jacfwd's lazy sweep must not inherit it).
    zc = ops.ZERO_CHECK
    lazy, zc.lazy = zc.lazy, False
    try:
        with gc_paused():
            outs, is_tuple = _outputs(f(*ins))
    finally:
        zc.lazy = lazy
    pairs = [trace.unpack(o) for o in outs]
    if is_tuple:
        return (tuple(_present(p) for p, _ in pairs), tuple(_present(t) for _, t in pairs))
    return _present(pairs[0][0]), _present(pairs[0][1])


def jacfwd(f: Callable, argnums=0) -> Callable:
    """Jacobian by forward mode: one forward sweep that carries all n input tangents as a
    batch (chunked when large; docs/ad_core.md, "Jacobians").

        >>> jacfwd(lambda x: x ** 2)(3.0)
        6.0
    """
    return _jacfwd(f, argnums)


def hessian(f: Callable, argnums=0) -> Callable:
    """Hessian by forward-over-reverse: ``jacfwd(jacrev(f))``, the n forward sweeps
    batched into one.

        >>> hessian(lambda x: x ** 3)(2.0)
        12.0
    """
    return _jacfwd(_jacrev(f, argnums, holomorphic=True), argnums)


def _jacfwd(f: Callable, argnums) -> Callable:
    @functools.wraps(f)
    def jac_f(*args, **kwargs):
        if type(argnums) is int and 0 <= argnums < len(args):  # the common case, inline
            nums, single = (argnums,), True
        else:
            nums, single = _argnums(argnums, len(args), "jacfwd")
        xs, shapes, sizes = [], [], []
        cplx = False
        for k in nums:
            x = args[k]
            if type(x) is np.ndarray and x.dtype.kind == "f":  # the common case, inline
                s, size = x.shape, x.size
            else:
                x = _diff_arg(x, f, k, "jacfwd")
                s = shape_of(x)
                size = math.prod(s)
                cplx = cplx or is_complex(x)
            xs.append(x)
            shapes.append(s)
            sizes.append(size)
        n = sum(sizes)
        is_tuple, res = jacobian_tangents(f, args, kwargs, nums, xs, shapes, sizes)
        if cplx:
            for p, _ in res:
                _holomorphic_only(p, xs, "jacfwd")
        if n <= 1:  # T is the output tangent of the one direction there is
            if single and not is_tuple and sizes[0] == 1 and type(T := res[0][1]) is np.ndarray \
                    and T.dtype.kind == "f":  # the common case, inline
                J = T.reshape(T.shape + shapes[0])
                return J if J.flags.writeable else J.copy()
            per_arg = [[np.zeros(shape_of(p) + s) if size == 0 else
                        _as_jacobian(T, shape_of(p) + s) for p, T in res]
                       for s, size in zip(shapes, sizes)]
        else:
            per_arg = []
            off = 0
            for s, size in zip(shapes, sizes):
                per_arg.append([_from_batched(_rows(T, off, size, n), shape_of(p), s)
                                for p, T in res])
                off += size
        if single and not is_tuple:
            return per_arg[0][0]
        results = [per_arg[0][o] if single else tuple(jacs[o] for jacs in per_arg)
                   for o in range(len(per_arg[0]))]
        return tuple(results) if is_tuple else results[0]

    return jac_f


def _rows(T, start: int, size: int, n: int):
    """Rows start:start+size of a batch of n tangents (all of them: T itself)."""
    if start == 0 and size == n:
        return T
    if isinstance(T, Tracer):
        return ops.getitem(T, idx=slice(start, start + size))
    return T[start:start + size]


def _from_batched(T, s_out: tuple, s_in: tuple):
    """(n,) + s_out tangents of a batched sweep -> the Jacobian s_out + s_in."""
    if isinstance(T, Tracer):
        nd = len(s_out)
        T = ops.transpose(T, axes=tuple(range(1, nd + 1)) + (0,))
        return ops.reshape(T, shape=s_out + s_in)
    if type(T) is not np.ndarray or T.dtype.kind not in "fc":
        T = _array(T)
    J = T.transpose(tuple(range(1, T.ndim)) + (0,)).reshape(s_out + s_in)
    return _present(J) if J.shape == () else _own(J)


def derivative(f: Callable) -> Callable:
    """d f / d x of a function of one scalar, by forward mode.

        >>> derivative(np.sin)(0.0)
        1.0
    """
    @functools.wraps(f)
    def df(x, *args, **kwargs):
        # Checked here, against f, so that a message names f's parameter, not the lambda's.
        x = _diff_arg(x, f, 0, "derivative")
        if shape_of(x) != ():
            raise TypeError(f"derivative: {_param_name(f, 0)} has shape {shape_of(x)}, but "
                            "derivative expects a scalar; use jacfwd for arrays")
        return jvp(lambda v: f(v, *args, **kwargs), (x,), (1.0,))[1]

    return df

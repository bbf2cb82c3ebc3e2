"""The keyword audit: nothing silently wrong at the NumPy surface.

Generated from the dispatch tables (``ad_core._dispatch``: ``FUNCTIONS``, the
ufunc tables, ``METHODS``) and from NumPy's own signatures, so a new entry, or a
keyword NumPy adds, is covered without editing this file. For every dispatched
function and every keyword it accepts (values from ``numpy_samples.py``):

- NumPy is called on plain arrays, ``ad_core`` on traced ones (forward mode and
  reverse mode). Either the primal values are NumPy's, or ``ad_core`` raises an
  error that names the keyword (or NumPy raises too). A keyword dropped on the
  floor shows up here as a wrong primal value.
- When both give values, the forward-mode tangent in a random direction matches
  central finite differences of the *NumPy* function, and the reverse-mode
  cotangent agrees with it (<vjp(u), v> = <u, jvp(v)>).
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
from numpy_samples import GENERIC, LIKE, MASK, MEAN, OUT, OUT_PLAIN, SAMPLES, Token, arr

import ad_core as ad
from ad_core import _dispatch
from ad_core._core import Tracer, raw
from ad_core._numpy import scipy_special


def _name(f) -> str:
    mod = getattr(f, "__module__", "numpy") or "numpy"
    return f"{mod.replace('numpy._core', 'numpy')}.{getattr(f, '__name__', f)}"


# ---------------------------------------------------------------- leaves and tokens


def _leaves(r):
    if isinstance(r, (tuple, list)):
        return [x for e in r for x in _leaves(e)]
    return [r]


def _is_float_leaf(v) -> bool:
    """A leaf that carries a derivative: floats and complex numbers (fft's outputs)."""
    if isinstance(v, Tracer):
        return True
    if isinstance(v, (float, complex, np.floating, np.complexfloating)):
        return True
    return isinstance(v, np.ndarray) and v.dtype.kind in "fc"


def _flat_parts(x, want) -> list:
    """A leaf as flat real vectors: itself, or its real and imaginary parts when NumPy's
    value is complex (traced or plain alike), so that tangents and finite differences
    compare real numbers and a dropped imaginary part shows."""
    if np.iscomplexobj(want):
        parts = (np.real(x), np.imag(x))
    else:
        parts = (x,)
    return [np.reshape(p, (-1,)) if isinstance(p, Tracer) else
            np.ravel(np.asarray(p, dtype=float)) for p in parts]


_OUTS: list = []  # out= arrays handed to the current call: compared after it, too


def _resolve(v, data, shape_of_result, traced: bool):
    if not isinstance(v, Token):
        return v
    if v in (OUT, OUT_PLAIN):
        o = _make_out(v, data, shape_of_result, traced)
        _OUTS.append(o)
        return o
    return _token(v, data)


def _with_outs(r):
    """The call's result, and what each out= array holds afterwards (NumPy writes there)."""
    outs = list(_OUTS)
    _OUTS.clear()
    return (r, *outs) if outs else r


def _token(v, data):
    d0 = data[0]
    if v is MASK:
        s = np.shape(raw(d0))
        return (np.arange(int(np.prod(s, dtype=int))).reshape(s) % 3) != 0
    if v is MEAN:
        return np.mean(np.asarray(raw(d0)), keepdims=True)
    if v is LIKE:
        return d0
    raise AssertionError(v)


def _make_out(v, data, shape_of_result, traced):
    shape, dtype = shape_of_result if isinstance(shape_of_result, _Result) else \
        (shape_of_result, float)
    if v is OUT_PLAIN or not traced:
        return np.zeros(shape, dtype)
    d = next((d for d in data if raw(d) is not d), data[0])  # a traced input (not a held a)
    return np.zeros(shape, dtype) + 0.0 * np.sum(d)  # a traced array of that shape


def _copy(d):
    return d.copy() if isinstance(d, np.ndarray) else d


# ---------------------------------------------------------------- one call, both ways


class Case:
    def __init__(self, fn, label, run, data, kw_name, values=True):
        self.fn, self.label, self.run, self.data, self.kw_name = fn, label, run, data, kw_name
        self.values = values
        # inputs that are parameters of the rule, never traced (SciPy's gammainc(a, x):
        # a traced a is refused by name whatever the keywords)
        self.held = _PARAMETER_INPUTS.get(getattr(fn, "__name__", ""), ())


_PARAMETER_INPUTS = {"gammainc": (0,), "gammaincc": (0,)}


class _Result(tuple):
    """(shape, dtype) of a call's result: out= arrays are made of the result's kind (float,
    or complex for fft's)."""


def _result_shape(run, data):
    saved = list(_OUTS)
    try:
        r = run(tuple(_copy(d) for d in data), traced=False, skip_kw=True)
    except Exception:
        return ()
    finally:
        _OUTS[:] = saved
    leaves = [x for x in _leaves(r) if x is not None]
    if not leaves:
        return ()
    return _Result((np.shape(leaves[0]), complex if np.iscomplexobj(leaves[0]) else float))


def check_case(case: Case) -> None:
    data = case.data
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = case.run(tuple(_copy(d) for d in data), traced=False)
        want_exc = None
    except Exception as e:  # noqa: BLE001 - NumPy refusing is a valid answer
        want, want_exc = None, e

    idx = [i for i, d in enumerate(data) if (isinstance(d, float) or
           (isinstance(d, np.ndarray) and d.dtype.kind == "f")) and i not in case.held]
    got_leaves = []

    def g(*traced):
        full = list(data)
        for i, t in zip(idx, traced):
            full[i] = t
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = case.run(tuple(_copy(d) for d in full), traced=True)
        leaves = _leaves(r)
        got_leaves[:] = leaves
        parts = [p for x, w in zip(leaves, _leaves(want)) if _is_float_leaf(w)
                 for p in _flat_parts(x, w)] if want is not None else []
        if not parts:
            return 0.0
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    primals = tuple(data[i] for i in idx)
    tangents = tuple(_tangent(p, k) for k, p in enumerate(primals))
    for mode in ("forward", "reverse"):
        try:
            if mode == "forward":
                out, t_out = ad.jvp(g, primals, tangents) if primals else (g(), None)
            else:
                out, f_vjp = ad.vjp(g, *primals) if primals else (g(), None)
        except Exception as e:  # noqa: BLE001
            if want_exc is not None:
                return  # both refuse: fine
            msg = f"{type(e).__name__}: {e}"
            names = case.kw_name if isinstance(case.kw_name, tuple) else (case.kw_name,)
            assert isinstance(e, (NotImplementedError, TypeError, ValueError)) and \
                any(n in str(e) for n in names), (
                f"{case.label}: NumPy gives a value, ad_core raised without naming "
                f"{case.kw_name!r} ({mode} mode): {msg}")
            return
        if want_exc is not None:
            pytest.fail(f"{case.label}: NumPy raises {type(want_exc).__name__}: {want_exc}, "
                        f"ad_core gives a value ({mode} mode)")
        _compare(case.label, mode, want, got_leaves, case.values)
        if mode == "forward" and primals and t_out is not None and case.values:
            _check_tangent(case, g, primals, tangents, t_out, want)
        if mode == "reverse" and primals and f_vjp is not None and np.size(out):
            u = _tangent(np.asarray(raw(out)), 99)
            cts = f_vjp(u if np.ndim(raw(out)) else float(u))
            lhs = sum(float(np.sum(np.asarray(c) * np.asarray(t))) for c, t in zip(cts,
                                                                                  tangents))
            _, t_fwd = ad.jvp(g, primals, tangents)
            rhs = float(np.sum(np.asarray(u) * np.asarray(t_fwd)))
            if np.isfinite(lhs) and np.isfinite(rhs):
                assert abs(lhs - rhs) <= 1e-8 * max(1.0, abs(rhs)), (
                    f"{case.label}: <vjp(u), v> = {lhs} but <u, jvp(v)> = {rhs}")


def _tangent(p, k):
    rng = np.random.default_rng(100 + k)
    return float(rng.normal()) if np.ndim(p) == 0 else rng.normal(size=np.shape(p))


def _compare(label, mode, want, got_leaves, values=True):
    wl = _leaves(want)
    assert len(wl) == len(got_leaves), f"{label} ({mode}): {len(got_leaves)} outputs, " \
                                       f"NumPy {len(wl)}"
    for k, (w, g) in enumerate(zip(wl, got_leaves)):
        if w is None:
            assert g is None, f"{label} ({mode}): output {k} is {g!r}, NumPy None"
            continue
        gv = raw(g)
        if isinstance(w, str):
            assert gv == w, f"{label} ({mode}): {gv!r} != {w!r}"
            continue
        wa, ga = np.asarray(w), np.asarray(gv)
        assert wa.shape == ga.shape, f"{label} ({mode}): output {k} shape {ga.shape}, " \
                                     f"NumPy {wa.shape}"
        if not values:
            continue
        if wa.dtype.kind in "fc" or ga.dtype.kind in "fc":
            assert (wa.dtype.kind == "c") == (ga.dtype.kind == "c"), (
                f"{label} ({mode}): output {k} has dtype {ga.dtype}, NumPy {wa.dtype}")
            ok = np.allclose(ga, wa, rtol=1e-12, atol=1e-12, equal_nan=True)
        else:
            ok = np.array_equal(ga, wa)
        assert ok, f"{label} ({mode}): output {k} differs from NumPy's\n got {ga}\nwant {wa}"


def _check_tangent(case, g, primals, tangents, t_out, want):
    h = 1e-6

    def plain(shift):
        moved = list(case.data)
        idx = [i for i, d in enumerate(case.data) if (isinstance(d, float) or
               (isinstance(d, np.ndarray) and d.dtype.kind == "f")) and i not in case.held]
        for i, p, t in zip(idx, primals, tangents):
            moved[i] = p + shift * t
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = case.run(tuple(_copy(d) for d in moved), traced=False)
        fl = [p for x, w in zip(_leaves(r), _leaves(want)) if _is_float_leaf(w)
              for p in _flat_parts(x, w)]
        return np.concatenate(fl) if fl else np.zeros(0)

    try:
        fd = (plain(h) - plain(-h)) / (2 * h)
    except Exception:  # noqa: BLE001 - a perturbed point NumPy refuses: nothing to compare
        return
    t = np.ravel(np.asarray(t_out, dtype=float))
    if fd.shape != t.shape or not np.all(np.isfinite(fd)):
        return
    scale = max(1.0, float(np.max(np.abs(fd), initial=0.0)))
    assert np.allclose(t, fd, rtol=1e-5, atol=1e-6 * scale), (
        f"{case.label}: jvp {t[:6]} vs finite differences of NumPy {fd[:6]}")


# ---------------------------------------------------------------- the cases


def _keywords(fn, n_positional: int):
    """Keyword names NumPy accepts for ``fn`` beyond the first ``n_positional``."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return []
    out = []
    pos = 0
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and pos < n_positional:
            pos += 1
            continue
        if p.kind is p.POSITIONAL_ONLY:
            continue
        out.append(p.name)
    return out


def _function_cases():
    cases, missing = [], []
    for fn in _dispatch.FUNCTIONS:
        sample = SAMPLES.get(fn)
        if sample is None:
            missing.append(_name(fn))
            continue
        args, base = sample.call_args(sample.data)
        names = _keywords(fn, len(args))
        names += [k for k in sample.kw if k not in names]
        tried = [("(no keywords)", None)]
        for k in names:
            values = sample.kw.get(k, GENERIC.get(k))
            if values is None:
                missing.append(f"{_name(fn)}({k}=...)")
                continue
            tried += [(k, v) for v in values]
        for k, v in tried:
            cases.append(_function_case(fn, sample, k, v))
    return cases, missing


def _function_case(fn, sample, k, v):
    def run(data, traced, skip_kw=False):
        _OUTS.clear()
        args, base = sample.call_args(data)
        kw = {n: _resolve(b, data, (), traced) for n, b in base.items()}
        if k != "(no keywords)" and not skip_kw:
            shape = _result_shape(run, sample.data) if v in (OUT, OUT_PLAIN) else ()
            kw[k] = _resolve(v, data, shape, traced)
        r = fn(*args, **kw)
        return _with_outs(args[sample.mutates] if sample.mutates is not None else r)
    label = f"{_name(fn)}({k}={v!r})" if k != "(no keywords)" else f"{_name(fn)}()"
    return Case(fn, label, run, sample.data, k, sample.values)


_UFUNC_KW = {"out": [OUT, OUT_PLAIN], "where": [MASK], "casting": ["unsafe", "no"],
             "order": ["F", "C"], "dtype": [np.float64, np.float32], "subok": [False],
             "signature": [None, "dd->d"]}


def _ufunc_data(u):
    if u is np.matmul:
        return (arr(3, 4), arr(4, 2))
    if hasattr(np, "matvec") and u is np.matvec:
        return (arr(3, 4), arr(4))
    if hasattr(np, "vecmat") and u is np.vecmat:
        return (arr(3), arr(3, 4))
    if hasattr(np, "vecdot") and u is np.vecdot:
        return (arr(3, 4), arr(3, 4))
    if u is np.ldexp:
        return (arr(3, 4, lo=0.2, hi=0.9), np.array(3))
    return tuple(arr(3, 4, lo=0.2, hi=0.9) for _ in range(u.nin))


def _scipy_ufuncs() -> list:
    """SciPy's ufuncs with a rule (they register on first sight, so not in UFUNCS yet)."""
    try:
        import scipy.special  # noqa: F401 - loading it is what makes the table
    except ImportError:
        return []
    return list(scipy_special.scipy_ufuncs())


def _ufunc_cases():
    ufuncs = list(_dispatch.UFUNCS) + list(_dispatch.COMPOSITE_UFUNCS) + \
        list(_dispatch.PRIMAL_UFUNCS) + _scipy_ufuncs()
    scipy = set(_scipy_ufuncs())
    cases = []
    for u in dict.fromkeys(ufuncs):
        data = _ufunc_data(u)
        kws = dict(_UFUNC_KW)
        if u.signature:
            kws.update({"axes": [None], "keepdims": [False]})
            if hasattr(np, "vecdot") and u is np.vecdot:
                kws["axis"] = [0, -1]
        tried = [("(no keywords)", None)] + [(k, v) for k, vs in kws.items() for v in vs]
        tried.append(("where", "with-out"))
        for k, v in tried:
            cases.append(_ufunc_case(u, data, k, v))
        if u.nin == 2 and u.nout == 1 and not u.signature:
            for method, kw in (("reduce", {}), ("reduce", {"axis": 1, "keepdims": True}),
                               ("reduce", {"initial": 5.0, "where": MASK}),
                               ("reduce", {"axis": None, "out": OUT}),
                               ("accumulate", {"axis": 1}), ("outer", {}),
                               ("reduceat", {"indices": [0, 2]})):
                if "where" in kw and u in scipy:
                    continue  # SciPy's masked loops are broken (_call_ufunc); no rule anyway
                cases.append(_method_case(u, method, kw))
    return cases


_SCIPY_UFUNCS = set(_scipy_ufuncs())


def _call_ufunc(u, d, kw, traced):
    """``u(*d, **kw)``; for SciPy's ufuncs with ``where=`` on plain arrays, the ufunc contract
    instead: SciPy 1.17's own loops compute masked calls wrongly (elements outside the mask
    written, inside it left out) and can corrupt the heap, so the reference is NumPy's
    meaning (out keeps its values where the mask is False). ad_core never calls SciPy so."""
    if traced or u not in _SCIPY_UFUNCS or "where" not in kw:
        return u(*d, **kw)
    kw = dict(kw)
    mask, out = kw.pop("where"), kw.pop("out", None)
    full = u(*d, **kw)
    if out is None:
        return full  # NumPy leaves the masked-out elements uninitialized: any value will do
    o = out[0] if isinstance(out, tuple) else out
    np.copyto(o, full, where=mask)
    return o


def _ufunc_case(u, data, k, v):
    def run(d, traced, skip_kw=False):
        _OUTS.clear()
        kw = {}
        if skip_kw:  # the result's shape, for out= (asking it again would recurse)
            pass
        elif k == "where" and v == "with-out":
            shape = np.broadcast_shapes(*[np.shape(raw(x)) for x in d]) if u.nin > 1 \
                else np.shape(raw(d[0]))
            kw = {"where": _resolve(MASK, d, shape, traced),
                  "out": _resolve(OUT, d, _result_shape(run, data), traced)}
        elif k != "(no keywords)":
            shape = _result_shape(run, data) if v in (OUT, OUT_PLAIN) else ()
            kw[k] = _resolve(v, d, shape, traced)
        return _with_outs(_call_ufunc(u, d, kw, traced))
    name = scipy_special.ufunc_name(u)
    label = f"{name}({k}={v!r})" if k != "(no keywords)" else f"{name}()"
    return Case(u, label, run, data, k if k != "(no keywords)" else name)


def _method_case(u, method, kw):
    data = (arr(3, 4, lo=0.2, hi=0.9),) if method != "outer" else \
        (arr(3, lo=0.2, hi=0.9), arr(4, lo=0.2, hi=0.9))

    def run(d, traced, skip_kw=False):
        _OUTS.clear()
        k = {}
        for name, v in kw.items():
            if skip_kw and name == "out":
                continue
            shape = _result_shape(run, data) if v in (OUT, OUT_PLAIN) else ()
            k[name] = _resolve(v, d, shape, traced)
        return _with_outs(getattr(u, method)(*d, **k))
    name = f"{scipy_special.ufunc_name(u)}.{method}"
    return Case(u, f"{name}({kw})", run, data, (name,) + tuple(kw))


# Array methods of a traced value: the keywords of the NumPy function of the same name.
_METHOD_FUNCS = {
    "sum": np.sum, "mean": np.mean, "prod": np.prod, "max": np.max, "min": np.min,
    "var": np.var, "std": np.std, "cumsum": np.cumsum, "cumprod": np.cumprod,
    "ravel": np.ravel, "squeeze": np.squeeze, "diagonal": np.diagonal, "trace": np.trace,
    "take": np.take, "clip": np.clip, "copy": np.copy, "argmax": np.argmax,
    "argmin": np.argmin, "argsort": np.argsort, "round": np.round, "any": np.any,
    "all": np.all, "repeat": np.repeat, "sort": np.sort, "partition": np.partition,
}
_METHOD_ARGS = {"take": ([0, 2],), "clip": (0.8, 1.5), "repeat": (2,), "partition": (1,)}
_IN_PLACE_METHODS = {"sort", "partition"}


def _method_of_array_cases():
    cases = []
    for name, fn in _METHOD_FUNCS.items():
        assert name in _dispatch.METHODS, name
        pos = _METHOD_ARGS.get(name, ())
        names = _keywords(fn, 1 + len(pos))
        sample = SAMPLES.get(fn)
        tried = [("(no keywords)", None)]
        for k in names:
            values = (sample.kw.get(k) if sample else None) or GENERIC.get(k)
            if values:
                tried += [(k, v) for v in values]
        for k, v in tried:
            cases.append(_array_method_case(name, pos, k, v))
    return cases


def _array_method_case(name, pos, k, v):
    data = (arr(3, 4),)

    def run(d, traced, skip_kw=False):
        _OUTS.clear()
        kw = {}
        if k != "(no keywords)" and not skip_kw:
            shape = _result_shape(run, data) if v in (OUT, OUT_PLAIN) else ()
            kw[k] = _resolve(v, d, shape, traced)
        x = d[0]
        r = getattr(x, name)(*pos, **kw)
        return _with_outs(x if name in _IN_PLACE_METHODS else r)
    label = f"x.{name}({k}={v!r})" if k != "(no keywords)" else f"x.{name}()"
    return Case(name, label, run, data, k if k != "(no keywords)" else name)


FUNCTION_CASES, MISSING = _function_cases()
UFUNC_CASES = _ufunc_cases()
METHOD_CASES = _method_of_array_cases()


def test_every_dispatched_function_and_keyword_has_sample_values():
    assert not MISSING, ("tests/ad_core/numpy_samples.py has no sample for: "
                         + ", ".join(MISSING))


@pytest.mark.parametrize("case", FUNCTION_CASES, ids=[c.label for c in FUNCTION_CASES])
def test_function_keyword_is_honoured_or_refused_by_name(case):
    check_case(case)


@pytest.mark.parametrize("case", UFUNC_CASES, ids=[c.label for c in UFUNC_CASES])
def test_ufunc_keyword_is_honoured_or_refused_by_name(case):
    check_case(case)


@pytest.mark.parametrize("case", METHOD_CASES, ids=[c.label for c in METHOD_CASES])
def test_array_method_keyword_is_honoured_or_refused_by_name(case):
    check_case(case)

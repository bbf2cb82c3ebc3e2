"""Complex values through the whole NumPy surface: nothing silently wrong.

Generated like the keyword audit (``test_numpy_keywords.py``), from the dispatch tables:
every dispatched function (its ``numpy_samples.py`` sample, no keywords), every ufunc with
a rule, and SciPy's, called with complex data. For each, one of:

- NumPy refuses complex values, and so does ad_core;
- ad_core refuses them with an error that says "complex" (a rule written for real
  numbers: ``maximum``, ``eigh``...);
- the values are NumPy's (dtype included), the forward-mode tangent along a random complex
  direction matches central finite differences of the NumPy function, and the reverse mode
  is its transpose under autograd's pairing Re Σ a·b (``family_check.py``).

This is where i13a's NumPy surface meets i13b's complex numbers: a handler built from
primitives that are right for complex values can still compute the wrong function (``cov``
without the conjugate), and this finds it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from family_check import assert_close_c
from numpy_samples import SAMPLES, Token, arr

import ad_core as ad
from ad_core import _dispatch
from ad_core._core import Tracer, raw
from ad_core._numpy import scipy_special

pytestmark = pytest.mark.filterwarnings("ignore")

_rng = np.random.default_rng(11)


def _complexify(d):
    """A float sample argument made complex (same real part, an imaginary part of its size)."""
    if isinstance(d, float):
        return complex(d, 0.5 * d)
    if isinstance(d, np.ndarray) and d.dtype.kind == "f":
        return d + 1j * _rng.permutation(np.ravel(d)).reshape(d.shape) * 0.5
    return d


def _leaves(r):
    if isinstance(r, (tuple, list)):
        return [x for e in r for x in _leaves(e)]
    return [r]


def _differentiable(v) -> bool:
    v = raw(v)
    return isinstance(v, (float, complex, np.floating, np.complexfloating)) or (
        isinstance(v, np.ndarray) and v.dtype.kind in "fc")


def _flat(leaves, like):
    """The leaves that carry derivatives, as one flat complex vector (plain or traced)."""
    parts = [np.reshape(x, (-1,)) if isinstance(x, Tracer) else
             np.ravel(np.asarray(x, dtype=complex)) for x, w in zip(leaves, like)
             if _differentiable(w)]
    if not parts:
        return np.zeros(0, dtype=complex)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


class Case:
    def __init__(self, label, call, data):
        self.label, self.call, self.data = label, call, data


def _function_cases():
    cases = []
    for fn, sample in SAMPLES.items():
        if fn not in _dispatch.FUNCTIONS or sample.mutates is not None or not sample.values:
            continue
        if any(isinstance(v, Token) for v in sample.call_args(sample.data)[1].values()):
            continue  # like= and friends: the keyword audit's business
        data = tuple(_complexify(d) for d in sample.data)

        def call(*d, fn=fn, sample=sample):
            args, kw = sample.call_args(d)
            return fn(*args, **kw)
        cases.append(Case(f"{fn.__module__}.{fn.__name__}", call, data))
    return cases


def _scipy_ufuncs():
    try:
        import scipy.special  # noqa: F401 - loading it makes the table
    except ImportError:
        return []
    return list(scipy_special.scipy_ufuncs())


def _ufunc_cases():
    cases = []
    for u in dict.fromkeys(list(_dispatch.UFUNCS) + list(_dispatch.COMPOSITE_UFUNCS)
                           + _scipy_ufuncs()):
        if u.signature:  # matmul & co.: a 2-d sample
            data = (arr(3, 4), arr(4, 3)) if u is np.matmul else None
            if data is None:
                continue
        else:
            data = tuple(arr(3, 4, lo=0.2, hi=0.9) for _ in range(u.nin))
        if u is np.ldexp:
            data = (data[0], np.array(3))
        data = tuple(_complexify(d) for d in data)
        cases.append(Case(scipy_special.ufunc_name(u), lambda *d, u=u: u(*d), data))
    return cases


CASES = _function_cases() + _ufunc_cases()


def _tangent(d, k):
    rng = np.random.default_rng(50 + k)
    s = np.shape(d)
    t = rng.normal(size=s) + 1j * rng.normal(size=s)
    return complex(t) if s == () else t


@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
def test_complex_values_are_numpys_or_refused(case):
    data = case.data
    idx = [i for i, d in enumerate(data) if isinstance(d, (complex, np.ndarray)) and
           np.iscomplexobj(d)]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = case.call(*data)
        numpy_error = None
    except Exception as e:  # noqa: BLE001 - NumPy refusing complex values is an answer
        want, numpy_error = None, e
    got = []

    def g(*zs):
        full = list(data)
        for i, z in zip(idx, zs):
            full[i] = z
        r = case.call(*full)
        got[:] = _leaves(r)
        return _flat(got, _leaves(want)) if want is not None else 0.0

    primals = tuple(data[i] for i in idx)
    tangents = tuple(_tangent(p, k) for k, p in enumerate(primals))
    try:
        out, t_out = ad.jvp(g, primals, tangents)
        _, f_vjp = ad.vjp(g, *primals)
    except Exception as e:  # noqa: BLE001
        if numpy_error is not None:
            return
        assert isinstance(e, (TypeError, NotImplementedError, ValueError)) and \
            "complex" in str(e), f"{case.label}: NumPy gives a value, ad_core raised " \
                                 f"{type(e).__name__}: {e}"
        return
    assert numpy_error is None, f"{case.label}: NumPy raises {numpy_error!r}, ad_core " \
                                "gives a value"
    for k, (w, x) in enumerate(zip(_leaves(want), got)):
        w, x = np.asarray(w), np.asarray(raw(x))
        assert x.shape == w.shape, f"{case.label}: output {k} shape {x.shape}, NumPy {w.shape}"
        if w.dtype.kind in "fc" or x.dtype.kind in "fc":
            assert (w.dtype.kind == "c") == (x.dtype.kind == "c"), \
                f"{case.label}: output {k} is {x.dtype}, NumPy's {w.dtype}"
            assert np.allclose(x, w, rtol=1e-12, atol=1e-12, equal_nan=True), \
                f"{case.label}: output {k}\n got {x}\nwant {w}"
        else:
            assert np.array_equal(x, w), f"{case.label}: output {k}\n got {x}\nwant {w}"
    if not np.size(out):
        return
    h = 1e-6

    def plain(s):
        full = list(data)
        for i, p, t in zip(idx, primals, tangents):
            full[i] = p + s * t
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _flat(_leaves(case.call(*full)), _leaves(want))
    fd = (plain(h) - plain(-h)) / (2 * h)
    fd2 = (plain(2 * h) - plain(-2 * h)) / (4 * h)
    # Finite differences are a fair oracle only where f is smooth: the output's length
    # (trim_zeros) or order (unique_values) may change within a step.
    smooth = fd.shape == fd2.shape == np.shape(t_out) and np.all(np.isfinite(fd)) and \
        np.allclose(fd, fd2, rtol=1e-3, atol=1e-5 * max(1.0, float(np.max(np.abs(fd)))))
    if smooth:
        assert_close_c(t_out, fd, 1e-5, 1e-6, f"{case.label}: jvp vs finite differences")
    u = _tangent(np.asarray(raw(out)), 99)
    if not np.iscomplexobj(raw(out)):  # a real output takes a real cotangent
        u = np.real(u) if np.ndim(u) else float(np.real(u))
    cts = f_vjp(u)
    lhs = sum(float(np.real(np.sum(c * t))) for c, t in zip(cts, tangents))
    rhs = float(np.real(np.sum(u * np.asarray(t_out))))
    if np.isfinite(lhs) and np.isfinite(rhs):
        assert abs(lhs - rhs) <= 1e-8 * max(1.0, abs(rhs)), \
            f"{case.label}: Re<vjp(u), v> = {lhs}, Re<u, jvp(v)> = {rhs}"

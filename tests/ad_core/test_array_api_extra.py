"""array-api-extra's ``at(x)[idx].set(y)`` & co. on traced values inside the kernel's hook
(``ad_core._numpy.array_api_extra.at_updates``), with SciPy's vendored copy: every mode
to second order against finite differences, the other array-api-extra functions SciPy's
own code calls, the original outside the block, and what the hook leaves alone."""

from __future__ import annotations

import numpy as np
import pytest
from family_check import check_modes

import ad_core as ad
from ad_core._numpy.array_api_extra import at_updates
from ad_core._numpy.creation import array_constructors

xpx = pytest.importorskip("scipy._lib.array_api_extra")
_api = pytest.importorskip("scipy._lib._array_api")

X = np.array([0.5, 0.6, 0.7])


def rosen_hess(x):  # scipy.optimize.rosen_hess, as SciPy 1.17 writes it
    xp = _api.array_namespace(x)
    H = (xpx.create_diagonal(-400 * x[:-1], offset=1, xp=xp)
         - xpx.create_diagonal(400 * x[:-1], offset=-1, xp=xp))
    diagonal = xp.zeros(x.shape[0], dtype=x.dtype)
    diagonal = xpx.at(diagonal)[0].set(1200 * x[0]**2 - 400 * x[1] + 2)
    diagonal = xpx.at(diagonal)[-1].set(200)
    diagonal = xpx.at(diagonal)[1:-1].set(202 + 1200 * x[1:-1]**2 - 400 * x[2:])
    return H + xpx.create_diagonal(diagonal, xp=xp)


UPDATES = {
    "rosen_hess": rosen_hess,
    "set into a plain array": lambda x: xpx.at(np.zeros(3))[1].set(x[0] ** 2),
    "add into a plain array": lambda x: xpx.at(np.ones(3))[1:].add(x[1:] ** 2),
    "multiply a traced array": lambda x: xpx.at(x * x)[1].multiply(x[2]),
    "divide a traced array": lambda x: xpx.at(np.exp(x))[::2].divide(x[::2] + 1.0),
    "set through a mask": lambda x: xpx.at(np.zeros(3))[np.array([True, False, True])]
    .set(x[::2] ** 3),
    "index given to at": lambda x: xpx.at(np.zeros(3), 0).set(x[0] * x[1]),
    "copy=True of a traced array": lambda x: xpx.at(x, 0).set(1.0, copy=True) * x,
    "apply_where": lambda x: xpx.apply_where(x > 0.55, x, np.sin, fill_value=0.0),
    "apply_where, two branches": lambda x: xpx.apply_where(x > 0.55, (x,), np.sin, np.cos),
}


@pytest.mark.parametrize("name", list(UPDATES))
def test_updates_follow_the_derivative_in_every_mode(name):
    f = UPDATES[name]
    want = np.asarray(f(X.copy()))  # array-api-extra itself, on plain values
    with array_constructors(), at_updates():
        got = ad.jacrev(lambda x: f(x))(X)  # runs without refusing...
        assert np.asarray(got).shape == want.shape + X.shape
        check_modes(f, (X,), what=name)  # ...and agrees with finite differences


def test_without_the_hook_a_traced_update_is_refused():
    with array_constructors(), pytest.raises((ValueError, TypeError)):
        ad.jacrev(rosen_hess)(X)


OTHERS = {  # array-api-extra functions SciPy's code calls: traced values pass already
    "create_diagonal": lambda x: xpx.create_diagonal(x, offset=-1),
    "atleast_nd": lambda x: xpx.atleast_nd(x[0], ndim=2),
    "expand_dims": lambda x: xpx.expand_dims(x, axis=0),
    "sinc": lambda x: xpx.sinc(x),
    "kron": lambda x: xpx.kron(x, x),
    "pad": lambda x: xpx.pad(x, 1),
    "cov": lambda x: xpx.cov(np.stack([x, x ** 2])),
}


@pytest.mark.parametrize("name", list(OTHERS))
def test_the_other_functions_take_traced_values(name):
    with array_constructors(), at_updates():
        check_modes(OTHERS[name], (X,), what=name, order=1)


def test_the_original_comes_back_and_plain_updates_are_array_api_extras():
    at = type(xpx.at(np.zeros(1)))
    before = vars(at)["_op"]
    with at_updates():
        assert vars(at)["_op"] is not before
        a = np.zeros(3)
        b = xpx.at(a)[1].set(2.0)  # no tracer: array-api-extra's own, in place
        assert b is a and a.tolist() == [0.0, 2.0, 0.0]
        with at_updates():  # nested: patched once
            assert vars(at)["_op"].__wrapped__ is before
    assert vars(at)["_op"] is before


def test_copy_false_on_a_plain_array_is_left_to_array_api_extra():
    with array_constructors(), at_updates(), pytest.raises((ValueError, TypeError)):
        ad.grad(lambda x: np.sum(xpx.at(np.zeros(3))[0].set(x[0], copy=False)))(X)

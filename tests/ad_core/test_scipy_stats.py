"""scipy.stats.norm / cauchy on traced values inside the kernel's hook
(``ad_core._numpy.scipy_stats.distribution_methods``): SciPy's values, every mode to
second order against finite differences, the originals outside the block, and a loud
refusal for what the hook does not take."""

from __future__ import annotations

import numpy as np
import pytest
from family_check import check_modes

import ad_core as ad
from ad_core._numpy.scipy_stats import METHODS, distribution_methods

stats = pytest.importorskip("scipy.stats")

X = np.array([-1.3, 0.2, 2.1])
Q = np.array([0.05, 0.4, 0.9])
CASES = [(dist, m) for dist in ("norm", "cauchy") for m in METHODS]


def _call(dist, method, loc):
    def f(x, s):  # looked up at each call, as user code does: patched inside the block
        fn = getattr(getattr(stats, dist), method)
        return fn(x, loc, s) if method in ("pdf", "cdf") else fn(x, loc=loc, scale=s)
    return f


@pytest.mark.parametrize(("dist", "method"), CASES, ids=[f"{d}.{m}" for d, m in CASES])
def test_traced_values_give_scipys_value_and_derivative(dist, method):
    x = Q if method in ("ppf", "isf") else X
    f = _call(dist, method, 0.3)
    want = f(x, 1.7)  # SciPy's own, outside the block
    with distribution_methods():
        value, _ = ad.value_and_grad(lambda v, s: np.sum(f(v, s)), argnums=(0, 1))(x, 1.7)
        assert value == pytest.approx(float(np.sum(want)), rel=1e-12)
        check_modes(f, (x, 1.7), what=f"{dist}.{method}")


def test_the_originals_come_back_and_plain_calls_are_scipys():
    before = stats.norm.logpdf
    with distribution_methods():
        assert stats.norm.logpdf(0.5) == before(0.5)  # no tracer: SciPy itself
    assert "logpdf" not in vars(stats.norm)
    with pytest.raises(TypeError, match=r"scipy\.stats"):  # outside: refused, named
        ad.grad(lambda v: stats.norm.logpdf(v))(0.5)


def test_what_the_hook_does_not_take_is_refused_loudly():
    with distribution_methods():
        with pytest.raises(ValueError, match=r"scipy.stats.norm.logpdf .* scale <= 0"):
            ad.grad(lambda v: stats.norm.logpdf(v, 0.0, -1.0))(0.5)
        with pytest.raises(TypeError):  # a keyword it does not know goes to SciPy
            ad.grad(lambda v: stats.norm.cdf(v, moments="m"))(0.5)

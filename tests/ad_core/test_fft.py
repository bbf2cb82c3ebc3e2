"""numpy.fft: every transform with n / axis / axes / s / norm, in every mode to second order,
against finite differences, including real input -> complex intermediates -> real output."""

from __future__ import annotations

import numpy as np
import pytest
from family_check import check_complex, check_modes, value_under_reverse_mode
from family_inputs import FFT as INPUTS
from family_inputs import cplx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ad_core as ad
from ad_core import PRIMITIVES
from ad_core.primitives.fft import FAMILY

NORMS = [None, "backward", "ortho", "forward"]


def test_every_fft_primitive_has_an_input_generator():
    assert {p.name for p in FAMILY} == set(INPUTS)


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_each_primitive_in_every_mode_to_second_order(name):
    check_complex(PRIMITIVES[name], INPUTS[name](np.random.default_rng(1)), what=name)


rng0 = np.random.default_rng(0)
X6, X5, M34 = rng0.normal(size=6), rng0.normal(size=5), rng0.normal(size=(3, 4))
Z5, Z4, ZM = cplx(rng0, 5), cplx(rng0, 4), cplx(rng0, 3, 4)

SURFACE = [
    ("fft", lambda a, norm: np.fft.fft(a, norm=norm), Z5),
    ("fft-n-pad", lambda a, norm: np.fft.fft(a, n=8, norm=norm), Z5),
    ("fft-n-trim", lambda a, norm: np.fft.fft(a, n=3, norm=norm), X6),
    ("fft-axis0", lambda a, norm: np.fft.fft(a, axis=0, norm=norm), ZM),
    ("ifft", lambda a, norm: np.fft.ifft(a, n=7, norm=norm), Z5),
    ("rfft-even", lambda a, norm: np.fft.rfft(a, norm=norm), X6),
    ("rfft-odd", lambda a, norm: np.fft.rfft(a, norm=norm), X5),
    ("rfft-n", lambda a, norm: np.fft.rfft(a, n=9, norm=norm), X6),
    ("irfft", lambda a, norm: np.fft.irfft(a, norm=norm), Z4),
    ("irfft-odd-n", lambda a, norm: np.fft.irfft(a, n=7, norm=norm), Z4),
    ("irfft-short-n", lambda a, norm: np.fft.irfft(a, n=3, norm=norm), Z5),
    ("irfft-axis0", lambda a, norm: np.fft.irfft(a, axis=0, norm=norm), ZM),
    ("hfft", lambda a, norm: np.fft.hfft(a, norm=norm), Z4),
    ("ihfft", lambda a, norm: np.fft.ihfft(a, norm=norm), X5),
    ("fft2", lambda a, norm: np.fft.fft2(a, norm=norm), ZM),
    ("ifft2-s", lambda a, norm: np.fft.ifft2(a, s=(2, 5), norm=norm), ZM),
    ("fftn-axes", lambda a, norm: np.fft.fftn(a, axes=(0,), norm=norm), ZM),
    ("ifftn", lambda a, norm: np.fft.ifftn(a, norm=norm), ZM),
    ("rfftn", lambda a, norm: np.fft.rfftn(a, norm=norm), M34),
    ("rfft2-s", lambda a, norm: np.fft.rfft2(a, s=(4, 5), norm=norm), M34),
    ("irfftn", lambda a, norm: np.fft.irfftn(a, norm=norm), ZM),
    ("irfft2-s", lambda a, norm: np.fft.irfft2(a, s=(3, 5), norm=norm), ZM),
    ("fftshift", lambda a, norm: np.fft.fftshift(a) * a, ZM),
    ("ifftshift-axes", lambda a, norm: np.fft.ifftshift(a, axes=1) * a, ZM),
]
CASES = [(f"{name}-{norm}", f, a, norm) for name, f, a in SURFACE for norm in NORMS
         if norm in (None, "ortho") or not name.endswith("shift")]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_numpy_fft_in_every_mode_to_second_order(case):
    name, f, a, norm = case
    check_complex(lambda x: f(x, norm), (a,), what=name, order=1 if "-forward" in name else 2)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_traced_values_equal_numpys(case):
    _, f, a, norm = case
    np.testing.assert_array_equal(value_under_reverse_mode(lambda x: f(x, norm), (a,)),
                                  f(a, norm))


# ---------------------------------------------------------------- real -> complex -> real

PIPELINES = [
    ("power-spectrum", lambda x: np.sum(np.abs(np.fft.fft(x)) ** 2 * np.arange(6.0)), (X6,)),
    ("rfft-power", lambda x: np.abs(np.fft.rfft(x, norm="ortho")) ** 2, (X5,)),
    ("filter", lambda x: np.fft.irfft(np.fft.rfft(x) * np.array([1, 0.5j, -0.2, 1j]), n=6),
     (X6,)),
    ("convolution", lambda x, k: np.fft.irfft(np.fft.rfft(x, 8) * np.fft.rfft(k, 8), 8),
     (X5, np.array([0.5, -1.0, 0.25]))),
    ("real-imag-parts", lambda x: np.fft.fft2(x).real * np.fft.fft2(x).imag, (M34,)),
    ("angle", lambda x: np.angle(np.fft.fft(x)[1:3]), (X5,)),
    ("shifted-magnitude", lambda x: np.abs(np.fft.fftshift(np.fft.fft(x))), (X6,)),
]


@pytest.mark.parametrize("case", PIPELINES, ids=[c[0] for c in PIPELINES])
def test_real_in_real_out_through_complex_intermediates(case):
    # Real in, real out: every real mode applies (jacfwd, jacrev, hessian batched...).
    name, f, args = case
    check_modes(f, args, what=name)


def test_parseval_gradient_is_exact():
    # Σ|fft(x)|² = N Σ x²: the gradient is 2 N x, and a real array.
    x = np.random.default_rng(2).normal(size=8)
    g = ad.grad(lambda v: np.sum(np.abs(np.fft.fft(v)) ** 2))(x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 16.0 * x, rtol=1e-13)
    np.testing.assert_allclose(ad.hessian(lambda v: np.sum(np.abs(np.fft.fft(v)) ** 2))(x),
                               16.0 * np.eye(8), atol=1e-12)


@settings(deadline=None, max_examples=8, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 9), out_n=st.integers(1, 10), norm=st.sampled_from(NORMS),
       seed=st.integers(0, 2 ** 16))
def test_lengths_odd_even_padded_trimmed(n, out_n, norm, seed):
    rng = np.random.default_rng(seed)
    check_complex(lambda z: np.fft.fft(z, n=out_n, norm=norm), (cplx(rng, n),), order=1)
    check_complex(lambda x: np.fft.rfft(x, n=out_n, norm=norm), (rng.normal(size=n),),
                  order=1)
    check_complex(lambda z: np.fft.irfft(z, n=out_n, norm=norm), (cplx(rng, n),), order=1)


def test_out_is_an_in_place_write_and_complex_rfft_is_loud():
    x = np.array([0.5, -1.0, 2.0])

    def f(x):
        o = np.zeros(3, complex) + 0.0 * x  # traced: it can hold the result
        r = np.fft.fft(x, out=o)
        assert r is o
        return np.sum(np.abs(o) ** 2)
    np.testing.assert_allclose(ad.grad(f)(x), 6.0 * x, rtol=1e-13)  # Parseval: 3 · 2x
    with pytest.raises(TypeError, match=r"numpy\.fft\.fft\(\.\.\., out=a\).*plain NumPy"):
        ad.grad(lambda x: np.sum(np.abs(np.fft.fft(x, out=np.empty(3, complex)))))(x)
    with pytest.raises(TypeError, match=r"complex values into a real traced array"):
        ad.grad(lambda x: np.sum(np.fft.fft(x, out=np.zeros(3) + 0.0 * x).real))(x)
    for name in ("hfft", "ifft2", "irfft2"):  # NumPy accepts out= there and ignores it
        with pytest.raises(NotImplementedError, match=rf"numpy\.fft\.{name}\(out="):
            ad.grad(lambda x, f=getattr(np.fft, name): np.sum(f(np.reshape(x, (1, 3)),
                                                                  out=np.zeros((1, 4)))))(x)
    with pytest.raises(TypeError, match=r"numpy\.fft\.rfft of complex"):
        ad.grad(lambda z: np.sum(np.abs(np.fft.rfft(z))))(np.ones(3) + 1j)

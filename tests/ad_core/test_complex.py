"""Complex numbers with autograd's convention (docs/ad_core.md, "Complex numbers"):
holomorphic functions, real-valued functions of complex inputs, complex intermediates of
real functions; every mode against finite differences; the types returned; and the loud
errors where a rule is for real numbers only."""

from __future__ import annotations

import math

import numpy as np
import pytest
from family_check import check_complex, check_modes, fd_complex_grad
from family_inputs import COMPLEX as INPUTS

import ad_core as ad
from ad_core import PRIMITIVES
from ad_core.primitives.complex import FAMILY

rng0 = np.random.default_rng(0)
Z = rng0.normal(size=3) + 1j * rng0.normal(size=3)
A = rng0.normal(size=(3, 3)) + 1j * rng0.normal(size=(3, 3)) + 2.0 * np.eye(3)

# ---------------------------------------------------------------- each primitive


def test_every_complex_primitive_has_an_input_generator():
    assert {p.name for p in FAMILY} == set(INPUTS)


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_each_primitive_in_every_mode_to_second_order(name):
    check_complex(PRIMITIVES[name], INPUTS[name](np.random.default_rng(5)), what=name)


@pytest.mark.parametrize("f, z", [
    (np.cumprod, Z), (lambda z: np.cumprod(z * np.array([1.0, 0.0, 1.0])), Z),
    (lambda z: np.cumprod(np.reshape(z, (1, 3)), axis=1), Z), (np.sinc, Z),
    (np.sinc, np.array([0j, 1e-9 + 1e-9j, 0.5 + 0.2j])), (np.prod, Z * np.array([1, 0, 1])),
], ids=["cumprod", "cumprod-zero", "cumprod-axis", "sinc", "sinc-near-0", "prod-zero"])
def test_running_products_and_sinc_take_complex_values(f, z):
    # i13a's cumprod and sinc primitives are complex-safe: holomorphic, with their exact
    # paths at zero (cumprod's exclusive products, sinc's series) for complex values too.
    check_complex(f, (z,), what="complex")


# ---------------------------------------------------------------- the convention

HOLOMORPHIC = [  # f, f'
    (np.sin, np.cos), (np.exp, np.exp), (np.log, lambda z: 1 / z),
    (np.sqrt, lambda z: 0.5 / np.sqrt(z)), (lambda z: z ** 3, lambda z: 3 * z ** 2),
    (lambda z: 1 / z, lambda z: -1 / z ** 2), (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    (np.arctan, lambda z: 1 / (1 + z * z)), (lambda z: z ** (0.5 + 1j),
                                               lambda z: (0.5 + 1j) * z ** (-0.5 + 1j)),
]


@pytest.mark.parametrize("k", range(len(HOLOMORPHIC)))
def test_a_holomorphic_function_has_its_complex_derivative_in_every_transform(k):
    f, df = HOLOMORPHIC[k]
    z = 0.7 + 0.4j
    for d in (ad.grad(f)(z), ad.derivative(f)(z), ad.jacfwd(f)(z), ad.jacrev(f)(z),
              ad.jvp(f, (z,), (1.0,))[1], ad.vjp(f, z)[1](1.0)[0]):
        assert isinstance(d, complex)
        assert d == pytest.approx(df(z), rel=1e-12)
    J = df(Z)
    np.testing.assert_allclose(ad.jacfwd(f)(Z), np.diag(J), rtol=1e-12)
    np.testing.assert_allclose(ad.jacrev(f)(Z), np.diag(J), rtol=1e-12)


def test_second_derivatives_of_holomorphic_functions():
    z = 0.7 + 0.4j
    assert ad.hessian(lambda z: z ** 3)(z) == pytest.approx(6 * z, rel=1e-13)
    assert ad.derivative(ad.derivative(np.sin))(z) == pytest.approx(-np.sin(z), rel=1e-13)
    assert ad.grad(ad.grad(np.exp))(z) == pytest.approx(np.exp(z), rel=1e-13)
    np.testing.assert_allclose(ad.hessian(lambda z: np.sum(z ** 3))(Z), np.diag(6 * Z),
                               rtol=1e-13)


def test_a_real_function_of_a_complex_input_gives_the_conjugate_gradient():
    # grad = ∂u/∂x - i ∂u/∂y: step along its conjugate to increase u.
    assert ad.grad(lambda z: np.abs(z) ** 2)(3.0 + 4.0j) == pytest.approx(6.0 - 8.0j)
    np.testing.assert_allclose(ad.grad(lambda z: np.sum(np.abs(z) ** 2))(Z), 2 * np.conj(Z))
    assert ad.grad(lambda z: abs(z))(3.0 + 4.0j) == pytest.approx(0.6 - 0.8j)
    assert ad.grad(lambda z: z.real)(1.0 + 2.0j) == 1.0
    assert ad.grad(lambda z: np.imag(z))(1.0 + 2.0j) == -1j
    assert ad.grad(lambda z: np.angle(z))(1.0 + 1.0j) == pytest.approx(-0.5 - 0.5j)
    for h in (lambda z: np.sum(np.abs(np.sin(z)) ** 2), lambda z: np.real(np.sum(z * z)),
              lambda z: np.sum(np.angle(z * (1 + 2j))), lambda z: np.abs(np.sum(np.conj(z) * z))):
        np.testing.assert_allclose(ad.grad(h)(Z), fd_complex_grad(h, (Z,))[0], rtol=1e-6)


def test_a_complex_output_contributes_its_real_part_to_grad():
    # autograd: "we throw out v, the imaginary part of f"
    assert ad.grad(lambda x: x * (2.0 + 3.0j))(1.5) == 2.0
    np.testing.assert_allclose(ad.grad(lambda x: np.sum(x * 1j))(np.ones(2)), [0.0, 0.0])
    value, g = ad.value_and_grad(lambda z: z * z)(1.0 + 1.0j)
    assert value == 2j and g == pytest.approx(2.0 + 2.0j)


def test_real_in_complex_out_jacobians_agree_in_both_modes():
    x = np.array([0.3, -1.2])
    f = lambda x: np.exp(1j * x) * (1 + x)
    want = np.diag(np.exp(1j * x) * (1j * (1 + x) + 1))
    np.testing.assert_allclose(ad.jacfwd(f)(x), want, rtol=1e-13)
    np.testing.assert_allclose(ad.jacrev(f)(x), want, rtol=1e-13)
    assert ad.derivative(lambda t: np.exp(1j * t))(0.0) == 1j


def test_types_follow_the_argument():
    assert isinstance(ad.grad(lambda z: np.abs(z))(1.0 + 1.0j), complex)
    assert isinstance(ad.grad(lambda x: np.abs(x * (1 + 1j)))(1.0), float)
    g = ad.grad(lambda x: np.sum(np.abs(np.exp(1j * x) * x)))(np.array([1.0, 2.0]))
    assert g.dtype == np.float64 and g.shape == (2,)
    g = ad.grad(lambda z: np.sum(np.abs(z)))(Z.astype(np.complex64))
    assert g.dtype == np.complex64
    assert ad.grad(lambda x: np.sum(np.real(x)))(2.0) == 1.0
    assert isinstance(ad.grad(lambda x: np.sum(np.real(x)))(1.0j), complex)


# ---------------------------------------------------------------- every mode, checked

CASES = [
    ("holomorphic", lambda z: np.sin(z) * z ** 2 + np.log(z) / (z + 2.0), (Z,)),
    ("abs-squared", lambda z: np.sum(np.abs(z) ** 2 * np.arange(1.0, 4.0)), (Z,)),
    ("abs", lambda z: np.abs(z), (Z,)),
    ("real-imag", lambda z: z.real ** 2 * z.imag + np.real(z * z), (Z,)),
    ("conj", lambda z: np.conj(z) * z ** 2 + z.conj() + np.conjugate(z), (Z,)),
    ("angle", lambda z: np.angle(z, deg=True), (Z,)),
    ("sign", lambda z: np.sign(z) * z, (Z,)),
    ("mixed-real-and-complex", lambda z, x: z * x + np.abs(z) * x ** 2, (Z, Z.real.copy())),
    ("real-to-complex", lambda x: np.exp(1j * x) * x, (Z.imag.copy(),)),
    ("reductions", lambda z: np.sum(z ** 2) + np.mean(z) * np.prod(z), (Z,)),
    ("indexing-and-shapes", lambda z: np.concatenate([z[::-1], z[:2]]).reshape(5, 1) * z[0],
     (Z,)),
    ("where", lambda z: np.where(np.array([True, False, True]), z * z, np.conj(z)), (Z,)),
    ("cumsum", lambda z: np.cumsum(z * z), (Z,)),
    ("matmul-einsum", lambda a, z: np.einsum("ij,j->i", a, z) + a @ z, (A, Z)),
    ("dot-vdot", lambda z: np.dot(z, z) + np.vdot(z, 2 * z), (Z,)),
    ("det", np.linalg.det, (A,)),
    ("inv", np.linalg.inv, (A,)),
    ("solve", np.linalg.solve, (A, Z)),
    ("slogdet", lambda a: np.linalg.slogdet(a)[1], (A,)),
    ("slogdet-sign", lambda a: np.linalg.slogdet(a)[0], (A,)),
    ("norm", lambda a: np.linalg.norm(a, axis=1) + np.linalg.norm(a, ord=1, axis=0), (A,)),
    ("astype", lambda x: x.astype(complex) * 1j, (Z.real.copy(),)),
    ("scalar", lambda w: w * np.exp(w) + abs(w), (0.3 + 0.8j,)),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_every_mode_to_second_order_against_finite_differences(case):
    name, f, args = case
    check_complex(f, args, what=name)


def test_real_functions_through_complex_intermediates_in_every_real_mode():
    x = np.array([0.3, -0.7, 1.1])
    check_modes(lambda v: np.abs(np.exp(1j * v) * (v + 2.0j)) ** 2, (x,), what="abs")
    check_modes(lambda v: np.angle(v + 1j * v ** 2), (x,), what="angle")
    check_modes(lambda v: np.real(np.sum(np.exp(1j * v)) ** 2), (x,), what="real")


# ---------------------------------------------------------------- loud where undefined


@pytest.mark.parametrize("f, name", [
    (lambda z: np.maximum(z, 0.5), "maximum"),
    (lambda z: np.max(z), "max"),
    (lambda z: np.clip(z, 0.0, 1.0), "maximum"),
    (lambda z: np.hypot(z, z), "hypot"),
])
def test_real_only_rules_refuse_complex_values_by_name(f, name):
    with pytest.raises(TypeError, match=rf"^{name} of complex values has no derivative rule"):
        ad.grad(lambda z: np.sum(np.abs(f(z))))(Z)
    with pytest.raises(TypeError, match=rf"^{name} of complex values"):
        ad.jvp(f, (Z,), (Z,))


def test_var_and_std_of_complex_values_are_numpys_with_their_gradient():
    # NumPy's var of complex values is the mean of |z - mean|²: a real number.
    for f in (np.var, np.std, lambda z: np.var(z, ddof=1), lambda z: z.std(),
              lambda z: np.nanvar(z)):
        value, g = ad.value_and_grad(f)(Z)
        assert isinstance(value, float) and value == pytest.approx(f(Z), rel=1e-13)
        np.testing.assert_allclose(g, fd_complex_grad(f, (Z,))[0], rtol=1e-6)


def test_numpy_functions_written_for_real_numbers_refuse_complex_values():
    with pytest.raises(NotImplementedError, match=r"numpy\.linalg\.eigh of a complex"):
        ad.grad(lambda a: np.sum(np.linalg.eigh(a)[0]))(A)
    with pytest.raises(TypeError, match="imaginary part"):
        ad.grad(lambda z: np.sum(z.astype(float)))(Z)


def test_jacobians_of_non_holomorphic_functions_of_complex_inputs_are_refused():
    for transform in (ad.jacfwd, ad.hessian):
        with pytest.raises(TypeError, match="not holomorphic"):
            transform(lambda z: np.abs(z) ** 2)(1.0 + 2.0j)
    assert ad.jacrev(lambda z: np.abs(z) ** 2)(1.0 + 2.0j) == pytest.approx(2.0 - 4.0j)


def test_mismatched_tangents_and_cotangents_are_type_errors():
    with pytest.raises(TypeError, match="complex tangent for the real argument 'x'"):
        ad.jvp(lambda x: x * 2.0, (1.0,), (1.0j,))
    _, f_vjp = ad.vjp(lambda x: x * 2.0, 1.0)
    with pytest.raises(TypeError, match="complex cotangent for a real output"):
        f_vjp(1.0j)
    with pytest.raises(TypeError, match="complex"):
        ad.grad(lambda z: complex(z))(1.0j)


def test_complex_values_keep_the_nan_free_branches_of_where():
    z = np.array([0.0 + 0.0j, 1.0 + 1.0j])
    g = ad.grad(lambda z: np.sum(np.where(np.abs(z) > 0, np.abs(z), 0.0)))(z)
    assert np.all(np.isfinite(g)) and g[0] == 0
    assert ad.grad(lambda z: abs(z))(0j) == 0  # abs'(0) = 0, as for real numbers
    assert math.isfinite(ad.grad(lambda z: abs(z * z))(0j).real)

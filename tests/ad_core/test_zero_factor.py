"""Forward and reverse mode agree where one factor of the chain rule is infinite and
its neighbour zero (sqrt'(0) = inf next to a zero weight, a zero column, constant
data): a product with an exactly zero factor is zero, on whichever side the zero
is, in elementwise, reduction, matmul and einsum rules, at first and second order.
"""

from __future__ import annotations

import numpy as np
import pytest

import ad_core as ad

# NumPy warns about the 0 · inf it computes before the mask replaces it
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

A0 = np.array([[1.0, 0.0, 2.0], [3.0, 0.0, -1.0]])  # column 1 is zero
X0 = np.array([4.0, 0.0, 1.0])                        # sqrt'(0) = inf at element 1

CASES = {
    "std of constant data": (lambda x: np.std(x), np.array([2.0, 2.0, 2.0])),
    "std along an axis": (lambda x: np.sum(np.std(x, axis=0)), np.array([[1.0, 2.0, 3.0]])),
    "sqrt next to a zero weight": (lambda x: np.sum(np.sqrt(x) * np.array([1.0, 0.0, 2.0])),
                                   X0),
    "sqrt through a zero column (matmul)": (lambda x: np.sum(A0 @ np.sqrt(x)), X0),
    "sqrt through a zero column (einsum)": (
        lambda x: np.sum(np.einsum("ij,j->i", A0, np.sqrt(x))), X0),
    "sqrt of a square": (lambda x: np.sum(np.sqrt(x * x)), np.array([0.0, 2.0, -1.0])),
    "sqrt into a max it does not win": (lambda x: np.max(np.sqrt(x) + np.array(
        [5.0, 0.0, 0.0])), X0),
    "sqrt into a product with a zero": (lambda x: np.prod(np.sqrt(x) + np.array(
        [0.0, 0.0, -1.0])), X0),
    "norm-like at the origin": (lambda x: np.sqrt(np.sum(x * x)), np.zeros(3)),
    "variance then sqrt, keepdims": (lambda x: np.sum(np.sqrt(np.var(x, axis=1,
                                                                        keepdims=True))),
                                     np.array([[1.0, 1.0], [2.0, 3.0]])),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_first_order_forward_equals_reverse(name):
    f, x = CASES[name]
    gr = ad.grad(f)(x)
    gf = ad.jacfwd(f)(x)
    np.testing.assert_array_equal(gr, gf)
    assert np.all(np.isfinite(gr)), gr


@pytest.mark.parametrize("name", sorted(CASES))
def test_second_order_all_mode_pairs_agree(name):
    f, x = CASES[name]
    hs = {
        "hessian": ad.hessian(f)(x),
        "jacfwd(jacfwd)": ad.jacfwd(ad.jacfwd(f))(x),
        "jacrev(jacrev)": ad.jacrev(ad.jacrev(f))(x),
        "jacrev(jacfwd)": ad.jacrev(ad.jacfwd(f))(x),
    }
    ref = hs.pop("hessian")
    for k, h in hs.items():
        np.testing.assert_array_equal(np.asarray(h), np.asarray(ref), err_msg=k)


def test_inf_times_zero_in_forward_mode_tangent_is_zero_like_reverse():
    # d/dx sum(A @ sqrt(x)) at x1 = 0: the zero column kills sqrt'(0) = inf in both modes
    g = ad.grad(CASES["sqrt through a zero column (matmul)"][0])(X0)
    assert g[1] == 0.0 and g[0] == 4.0 / (2 * 2.0)


# ---------------------------------------------------------------- linalg and complex rules
# An infinite cotangent (sqrt'(0) downstream) meets a zero entry of a linalg or complex
# rule's local factor: the cofactor of a singular matrix, the zeros of inv(A), an
# eigenvector's zero components, conj(z)/|z| at 0. Forward mode multiplies a zero tangent
# there; reverse mode must give the same 0, not 0 · inf = NaN. Values can be inf (that is
# the derivative): they must be equal in both modes, and never NaN.

def _re_im(f):
    """f of a complex argument, as a function of its real and imaginary parts."""
    return lambda x, y: f(x + 1j * y)


LINALG_CASES = {
    "det at a singular matrix": (lambda a: np.sqrt(np.linalg.det(a)),
                                 (np.array([[1.0, 0.0], [0.0, 0.0]]),)),
    "slogdet at |det| = 1": (lambda a: np.sqrt(np.linalg.slogdet(a)[1]),
                             (np.array([[1.0, 0.0], [0.0, 1.0]]),)),
    "inv with zero entries": (lambda a: np.sum(np.sqrt(np.linalg.inv(a))),
                              (np.array([[1.0, 0.0], [0.0, 2.0]]),)),
    "eigvalsh with a zero eigenvalue": (lambda a: np.sum(np.sqrt(np.linalg.eigvalsh(a))),
                                        (np.array([[0.0, 0.0], [0.0, 2.0]]),)),
    "eigvals with a zero eigenvalue": (lambda a: np.sum(np.sqrt(np.linalg.eigvals(a))),
                                       (np.array([[0.0, 0.0], [1.0, 2.0]]),)),
    "singular values with a zero": (lambda a: np.sum(np.sqrt(np.linalg.svd(
        a, compute_uv=False))), (np.array([[2.0, 0.0], [0.0, 0.0]]),)),
    "norm of a zero row": (lambda a: np.sum(np.sqrt(np.linalg.norm(a, axis=1))),
                           (np.array([[0.0, 0.0], [3.0, 4.0]]),)),
    "abs of complex 0": (_re_im(lambda z: np.sum(np.sqrt(np.abs(z)))),
                         (np.array([0.0, 3.0]), np.array([0.0, 4.0]))),
}


@pytest.mark.parametrize("name", sorted(LINALG_CASES))
def test_linalg_and_complex_rules_forward_equals_reverse(name):
    f, args = LINALG_CASES[name]
    nums = tuple(range(len(args)))
    gr = ad.grad(f, nums)(*args)
    gf = ad.jacfwd(f, nums)(*args)
    for r, fw in zip(gr, gf):
        assert not np.any(np.isnan(r)), f"reverse: {r}"
        np.testing.assert_allclose(r, fw, rtol=1e-12, atol=0)

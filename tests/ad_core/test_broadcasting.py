"""VJPs unbroadcast: a gradient never has a shape different from its input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from adcheck_helpers import assert_close, blocks_to_matrix, fd_jacobian

import ad_core as ad

SHAPES = [(), (1,), (3,), (1, 3), (2, 1), (2, 3), (1, 1), (2, 1, 3), (1, 2, 3), (4, 1, 1)]
OPS = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0), "pow": lambda a, b: (a * a + 1.0) ** b,
    "maximum": lambda a, b: np.maximum(a, b + 0.01), "arctan2": np.arctan2,
    "hypot": np.hypot, "logaddexp": np.logaddexp,
    "where": lambda a, b: np.where(a + b > 1.4, a * b, b),  # comparisons read primals
}


def _arg(shape, seed):
    v = np.random.default_rng(seed).uniform(0.2, 1.5, size=shape)
    return float(v) if shape == () else v


def _pairs():
    for sa, sb in itertools.product(SHAPES, SHAPES):
        try:
            np.broadcast_shapes(sa, sb)
        except ValueError:
            continue
        yield sa, sb


PAIRS = list(_pairs())


@pytest.mark.parametrize("sa, sb", PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_binary_op_gradients_have_operand_shapes_and_match_fd(sa, sb):
    a, b = _arg(sa, 1), _arg(sb, 2)
    for name in ("add", "mul", "pow", "hypot"):
        f = OPS[name]
        ga, gb = ad.grad(lambda x, y, f=f: np.sum(f(x, y)), argnums=(0, 1))(a, b)
        assert np.shape(ga) == sa and np.shape(gb) == sb, name
        assert type(ga) is (float if sa == () else np.ndarray)
        J = fd_jacobian(lambda x, y, f=f: np.sum(f(x, y)), (a, b))
        got = np.concatenate([np.ravel(ga), np.ravel(gb)])
        assert_close(got, J[0], 1e-6, 1e-7, name)


@pytest.mark.parametrize("name", sorted(OPS))
def test_each_binary_op_unbroadcasts_both_operands_forward_and_reverse(name):
    f = OPS[name]
    a, b = _arg((2, 1, 3), 3), _arg((4, 1), 4)
    J = fd_jacobian(f, (a, b))
    out_size = np.size(f(a, b))
    for jac in (ad.jacfwd, ad.jacrev):
        blocks = jac(f, argnums=(0, 1))(a, b)
        assert blocks[0].shape == np.shape(f(a, b)) + a.shape
        assert blocks[1].shape == np.shape(f(a, b)) + b.shape
        assert_close(blocks_to_matrix(blocks, out_size, [a.shape, b.shape]), J, 1e-6, 1e-7, name)


def test_scalar_times_array_gradient_of_the_scalar_is_the_sum():
    x = np.arange(6.0).reshape(2, 3)
    assert ad.grad(lambda s: np.sum(s * x))(2.0) == 15.0
    assert ad.grad(lambda s: np.sum(x * s))(2.0) == 15.0
    g = ad.grad(lambda s: np.sum(s * x))(np.array(2.0))
    assert np.shape(g) == () and float(g) == 15.0


def test_size_one_operand_gradient_keeps_its_size_one_dims():
    x = np.ones((2, 3, 4))
    for s in [(1,), (1, 1), (1, 3, 1), (2, 1, 1), (1, 1, 4), (1, 1, 1)]:
        g = ad.grad(lambda a: np.sum(a * x))(np.ones(s))
        assert g.shape == s
        np.testing.assert_array_equal(g, np.full(s, 24.0 / np.prod(s)))


def test_plain_array_on_the_left_of_a_traced_operand_unbroadcasts():
    row = np.array([[1.0, 2.0, 3.0]])
    g = ad.grad(lambda c: np.sum(row - c * row))(np.ones((2, 1)))
    np.testing.assert_array_equal(g, [[-6.0], [-6.0]])
    g = ad.grad(lambda c: np.sum(np.ones((2, 3)) @ c))(np.ones(3))
    np.testing.assert_array_equal(g, [2.0, 2.0, 2.0])


def test_both_operands_traced_and_broadcast_against_each_other():
    a, b = np.array([[1.0], [2.0]]), np.array([[3.0, 4.0, 5.0]])
    ga, gb = ad.grad(lambda a, b: np.sum(a * b), argnums=(0, 1))(a, b)
    np.testing.assert_array_equal(ga, [[12.0], [12.0]])
    np.testing.assert_array_equal(gb, [[3.0, 3.0, 3.0]])


def test_broadcast_to_and_matmul_batch_dims_unbroadcast():
    g = ad.grad(lambda v: np.sum(np.broadcast_to(v, (4, 2, 3)) ** 2))(np.ones((2, 1)))
    np.testing.assert_array_equal(g, np.full((2, 1), 24.0))
    A = np.ones((5, 2, 3))
    g = ad.grad(lambda B: np.sum(A @ B))(np.ones((3, 4)))
    np.testing.assert_array_equal(g, np.full((3, 4), 10.0))
    g = ad.grad(lambda B: np.sum(B @ np.ones((3, 2))))(np.ones((1, 2, 3)))
    assert g.shape == (1, 2, 3)


def test_broadcasting_hessian_has_input_shape_twice():
    H = ad.hessian(lambda v: np.sum((v * np.ones((3, 2))) ** 3))(np.array([1.0, 2.0]))
    np.testing.assert_allclose(H, np.diag([18.0, 36.0]), rtol=1e-14)

"""Indexing (read): basic, negative, slices, fancy with repeated indices, boolean masks."""

from __future__ import annotations

import numpy as np
import pytest
from adcheck_helpers import assert_close, fd_jacobian

import ad_core as ad

X = np.arange(1.0, 13.0).reshape(3, 4) / 3.0

INDICES = {
    "int": 1, "negative": -1, "slice": slice(1, 3), "step": slice(None, None, 2),
    "reverse": slice(None, None, -1), "negative-slice": slice(-2, None),
    "row-col": (1, 2), "negative-pair": (-1, -2), "column": (slice(None), 1),
    "ellipsis": (Ellipsis, 0), "newaxis": (None, slice(None), 1),
    "fancy-rows": [0, 2, 0], "fancy-pairs": ([0, 0, 2], [1, 1, 3]),
    "fancy-2d-array": np.array([[0, 0], [1, 0]]), "fancy-with-slice": (slice(None), [3, 3, 0]),
    "bool-rows": np.array([True, False, True]), "bool-matrix": X > 2.0,
    "empty": slice(2, 2),
}


@pytest.mark.parametrize("name", sorted(INDICES))
def test_indexing_jacobian_matches_fd_both_modes(name):
    idx = INDICES[name]
    f = lambda x: x[idx] * x[idx]
    out = f(X)
    J = fd_jacobian(f, (X,))
    for jac in (ad.jacfwd, ad.jacrev):
        Jad = np.reshape(jac(f)(X), (np.size(out), X.size))
        assert_close(Jad, J, 1e-6, 1e-7, f"{name} {jac.__name__}")


def test_fancy_index_with_repeated_indices_accumulates():
    g = ad.grad(lambda x: np.sum(x[[0, 0, 2, 0]]))(np.zeros(3))
    np.testing.assert_array_equal(g, [3.0, 0.0, 1.0])
    g = ad.grad(lambda x: np.sum(x[[1, 1], [0, 0]] * np.array([2.0, 5.0])))(np.zeros((2, 2)))
    np.testing.assert_array_equal(g, [[0.0, 0.0], [7.0, 0.0]])


def test_repeated_basic_reads_accumulate():
    g = ad.grad(lambda x: x[0] + x[0] * x[1] + x[-3] + x[1:][0])(np.array([2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(g, [5.0, 3.0, 0.0])


def test_overlapping_slices_accumulate():
    g = ad.grad(lambda x: np.sum(x[:3]) + np.sum(x[1:]) + np.sum(x[::2]))(np.zeros(4))
    np.testing.assert_array_equal(g, [2.0, 2.0, 3.0, 1.0])


def test_boolean_mask_gradient_is_zero_where_masked_out():
    x = np.array([-1.0, 2.0, -3.0, 4.0])
    g = ad.grad(lambda v: np.sum(v[v > 0] ** 2))(x)
    np.testing.assert_array_equal(g, [0.0, 4.0, 0.0, 8.0])


def test_indexing_gradient_second_order():
    H = ad.hessian(lambda v: v[0] * v[2] ** 2 + np.sum(v[[1, 1]] ** 3))(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(H, [[0, 0, 6], [0, 24, 0], [6, 0, 2]])


def test_integer_index_of_a_traced_vector_is_a_traced_scalar_with_float_gradient():
    assert ad.derivative(lambda s: (s * np.arange(3.0))[2])(1.0) == 2.0


def test_index_list_is_fancy_not_a_tuple():
    g = ad.grad(lambda x: np.sum(x[[0, 1]]))(np.ones((2, 2)))
    np.testing.assert_array_equal(g, np.ones((2, 2)))

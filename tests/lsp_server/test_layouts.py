"""`lsp_server.kernel.layouts` on its own: the vectorized reading's block, the AD check of
independent columns, and the order in which shapes read off a derivative are tried (the
kernel-level behaviour is in test_vectorized_jacobians.py)."""

from __future__ import annotations

import numpy as np

from lsp_server.kernel import layouts


def test_a_vectorized_jacobian_is_the_full_one_with_zeros_across_columns():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(3, 2, 4))  # n=3 outputs, k=2 states, m=4 columns
    [(block, how)] = layouts.readings(a, (3, 4), (2, 4))
    assert how == layouts.VECTORIZED and block.shape == (3, 4, 2, 4)
    for c in range(4):
        assert np.array_equal(block[:, c, :, c], a[:, :, c])
        for d in set(range(4)) - {c}:
            assert not block[:, c, :, d].any()
    [(per_param, _)] = layouts.readings(a, (3, 4), (2,))  # a parameter shared by columns
    assert np.array_equal(per_param[1, 3], a[1, :, 3])
    assert layouts.readings(a, (3, 5), (2, 5)) == []  # not one block per column


def test_columns_coupled_through_a_mean_are_found_and_independent_ones_pass():
    y = np.arange(1.0, 7.0).reshape(2, 3)

    def independent(t, y):
        return np.vstack((y[0] * y[1], np.sin(y[0])))

    def coupled(t, y):
        return np.vstack((y[0] * y[1], y[0] - np.mean(y[1])))

    assert layouts.coupled(independent, (0.5, y), 1) == ""
    why = layouts.coupled(coupled, (0.5, y), 1)
    assert why.startswith("column ") and "depends on column" in why


def test_shapes_read_off_a_derivative_most_plausible_first():
    # a tuple with one (2, 2) block per parameter: both vectors of length 2, first
    both = layouts.alternative_points((np.eye(2), np.eye(2)), ["ya", "yb"],
                                      {"ya": (1,), "yb": (1,)})
    assert both[0] == {"ya": (2,), "yb": (2,)}
    # one (2, 2, 3) array: y of length 2 grows to (2, 3) before x turns into a matrix
    one = layouts.alternative_points(np.zeros((2, 2, 3)), ["x", "y"],
                                     {"x": (3,), "y": (2,)})
    assert one.index({"y": (2, 3)}) < one.index({"x": (2, 2)})
    # the function's output shape is a candidate too (n, m = y.shape sized the blocks)
    rows = layouts.alternative_points(np.zeros((3, 3, 2)), ["y"], {"y": (3, 2)},
                                      out_shape=(2, 2))
    assert {"y": (2, 2)} in rows
    assert all(change != {"y": (3, 2)} for change in rows)  # never the current shapes

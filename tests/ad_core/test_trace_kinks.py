"""ad.trace marks primitives applied at a non-differentiable point (the table's `kink`)."""

import numpy as np
import pytest

import ad_core as ad


def _kinks(f, *args):
    return [(r.op, r.kink) for r in ad.trace(f, *args).rows if r.kink]


@pytest.mark.parametrize("f, x, op", [
    (lambda x: abs(x), 0.0, "abs"),
    (lambda x: np.sqrt(x), 0.0, "sqrt"),
    (lambda x: np.maximum(x, 1.0), 1.0, "maximum"),
    (lambda x: np.max(x), np.array([1.0, 3.0, 3.0]), "max"),
    (lambda x: np.min(x, axis=0), np.array([[1.0, 2.0], [1.0, 3.0]]), "min"),
    (lambda x: np.linalg.norm(x), np.zeros(3), "norm"),
    (lambda x: x ** 0.5, 0.0, "pow"),
    (lambda x: np.arcsin(x), 1.0, "arcsin"),
])
def test_a_kink_is_marked_with_its_convention(f, x, op):
    found = _kinks(f, x)
    assert [o for o, _ in found] == [op]
    assert found[0][1]  # the note says what AD returns there


@pytest.mark.parametrize("f, x", [
    (lambda x: abs(x), 0.5),
    (lambda x: np.sqrt(x), 2.0),
    (lambda x: np.maximum(x, 1.0), 2.0),
    (lambda x: np.max(x), np.array([1.0, 2.0, 3.0])),
    (lambda x: np.linalg.norm(x), np.ones(3)),
    (lambda x: x ** 2.0, 0.0),  # smooth at 0: an integer power >= 1
    (lambda x: x ** 0, 0.0),
])
def test_smooth_points_are_not_marked(f, x):
    assert _kinks(f, x) == []


def test_the_kink_row_carries_the_line_of_the_statement():
    def f(x):
        y = x * 2.0
        return abs(y)  # this line

    rows = [r for r in ad.trace(f, 0.0).rows if r.kink]
    assert len(rows) == 1
    assert rows[0].line == f.__code__.co_firstlineno + 2
    assert "kink" in ad.trace(f, 0.0).as_dicts()[-1]

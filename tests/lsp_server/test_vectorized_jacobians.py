"""Vectorized Jacobians and points read off a hand-written derivative's shape, through the
real kernel (`lsp_server.kernel.layouts`, `compute._refit`).

ODE/BVP code evaluates ``f(x, y)`` for m points at once (y of shape (n, m)) and writes its
Jacobian as (n, n, m), one n × n block per column: read so only where AD finds the
columns independent. Functions that index only ``y[0]``, ``y[1]`` get a point of the
wrong shape; the hand-written derivative's shape shows the right one, and the card says
the point was chosen from it. A reading that does not fit stays no pair, never a ✗.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lsp_server import render

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "robustness"))
from kernel_cards import all_cards  # noqa: E402  (the robustness tests' helper)

SRC = '''\
import numpy as np


def lotka(t, y):
    return np.vstack((y[0] - y[0] * y[1], y[0] * y[1] - y[1]))


def lotka_jac(t, y):
    n, m = y.shape
    J = np.empty((n, n, m))
    J[0, 0] = 1 - y[1]
    J[0, 1] = -y[0]
    J[1, 0] = y[1]
    J[1, 1] = y[0] - 1
    return J


def pendulum(t, y, p):
    return np.vstack((y[1], -p[0] * np.sin(y[0])))


def pendulum_jac(t, y, p):
    m = t.shape[0]
    df_dy = np.zeros((2, 2, m))
    df_dy[0, 1] = 1
    df_dy[1, 0] = -p[0] * np.cos(y[0])
    df_dp = np.zeros((2, 1, m))
    df_dp[1, 0] = -np.sin(y[0])
    return df_dy, df_dp


def spring(t, y):
    return np.vstack((y[1], -4.0 * y[0] - 0.5 * y[1] ** 3))


def spring_jac(t, y):
    m = t.shape[0]
    J = np.zeros((2, 2, m))
    J[0, 1] = 1
    J[1, 0] = -4.0
    J[1, 1] = -1.5 * y[1]  # wrong: -1.5 * y[1] ** 2
    return J


def mean_field(t, y):
    return np.vstack((y[1], y[0] - np.mean(y[0])))


def mean_field_jac(t, y):
    m = t.shape[0]
    J = np.zeros((2, 2, m))
    J[0, 1] = 1
    J[1, 0] = 1  # each column alone: the coupling through np.mean is left out
    return J


def ends(ya, yb):
    return np.hstack((ya[0] - 1.0, yb[0] ** 2))


def ends_jac(ya, yb):
    dya = np.array([[1.0, 0.0], [0.0, 0.0]])
    dyb = np.array([[0.0, 0.0], [2.0 * yb[0], 0.0]])
    return dya, dyb


def odd(ya, yb):
    return np.hstack((ya[0], yb[0]))


def odd_jac(ya, yb):
    return np.ones((5, 7, 11))


# adlens: t=[0.0, 0.5, 1.0], y=[[0.4, 0.2, -0.1], [-0.3, 0.6, 0.9]]
def decay(t, y):
    return np.vstack((-y[0] * y[1], np.exp(-y[1])))


def decay_jac(t, y):
    n, m = y.shape
    J = np.zeros((n, n, m))
    J[0, 0] = -y[1]
    J[0, 1] = -y[0]
    J[1, 1] = np.exp(-y[1])  # wrong: -np.exp(-y[1])
    return J


# adlens: ya=[0.5], yb=[0.6]
def fixed(ya, yb):
    return np.hstack((ya[0], yb[0]))


def fixed_jac(ya, yb):
    return np.eye(2), np.eye(2)
'''


@pytest.fixture(scope="module")
def cards():
    return all_cards(SRC, time_limit=10.0)


def test_a_vectorized_jacobian_is_verified_at_a_point_of_the_right_shape(cards):
    c = cards["lotka_jac"]
    assert c.check is not None and c.check.outcome == "verified", render.text(c)
    assert "vectorized along the last axis" in c.pairing.message
    y = c.point.values["y"]  # (n, m): as many rows as lotka returns, a column per point
    assert len(y) == 2 and len(y[0]) >= 2
    assert "chosen from the derivative's shape" in c.point.note


def test_a_parameters_jacobian_per_column_beside_the_states(cards):
    c = cards["pendulum_jac"]
    assert c.check is not None and c.check.outcome == "verified", render.text(c)
    assert c.check.wrt == ["y", "p"] and c.check.held == ["t"]
    assert "vectorized along the last axis" in c.pairing.message
    assert len(c.point.values["t"]) == len(c.point.values["y"][0])  # m columns both


def test_a_wrong_vectorized_jacobian_is_a_cross(cards):
    c = cards["spring_jac"]
    assert c.check is not None and c.check.outcome == "wrong", render.text(c)
    assert render.check_line(c).startswith("✗ ∂spring[1, ")
    assert "/∂y[1, " in render.check_line(c)


def test_a_wrong_vectorized_jacobian_at_the_users_point_is_a_cross(cards):
    c = cards["decay_jac"]
    assert c.check is not None and c.check.outcome == "wrong", render.text(c)
    assert "vectorized along the last axis" in c.pairing.message
    assert render.check_line(c).startswith("✗ ∂decay[1, 0]/∂y[1, 0]: hand-written")
    assert not c.point.note  # the user's point, as given


def test_coupled_columns_are_no_pair_never_a_cross(cards):
    c = cards["mean_field_jac"]
    assert not c.paired and c.check is None, render.text(c)
    assert "✗" not in render.text(c)
    assert "not vectorized" in c.pairing.message
    assert "column" in c.pairing.message


def test_blocks_reveal_the_shape_of_vectors_the_function_reads_one_entry_of(cards):
    c = cards["ends_jac"]
    assert c.check is not None and c.check.outcome == "verified", render.text(c)
    assert c.check.wrt == ["ya", "yb"]
    assert len(c.point.values["ya"]) == 2 and len(c.point.values["yb"]) == 2
    assert "chosen from the derivative's shape" in c.point.note
    assert "ya (1,)" in c.point.note  # what the first point was, and why it did not do


def test_a_shape_no_point_explains_stays_no_pair(cards):
    c = cards["odd_jac"]
    assert not c.paired and c.check is None, render.text(c)
    assert "not a derivative of odd" in c.pairing.message
    assert "✗" not in render.text(c)


def test_a_point_the_user_gave_is_never_replaced(cards):
    c = cards["fixed_jac"]
    assert not c.paired and c.check is None, render.text(c)
    assert c.point.values == {"ya": [0.5], "yb": [0.6]} and not c.point.note

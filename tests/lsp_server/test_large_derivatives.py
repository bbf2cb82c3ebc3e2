"""Derivatives too large to build or to check entry by entry (kernel.directions), in the
real kernel: a Jacobian of more entries than a card shows (10,000) is not built (the
card's gradient is its product with a random direction, checked against finite
differences, and says so); a hand-written Hessian or Jacobian with more entries than the
entry-by-entry check reads is checked along random directions, every row, and a wrong row
is named."""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from lsp_server import render

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "robustness"))
from kernel_cards import all_cards  # noqa: E402  (the robustness tests' helper)


def _point(n: int) -> str:
    return "x=[" + ", ".join(f"{0.1 + 0.013 * i:.3f}" for i in range(n)) + "]"


N = 150  # a Hessian of 22,500 entries: more than the 4,096 checked one by one
M = 100  # a Jacobian of 10,000

SRC = f'''\
import numpy as np


# adlens: {_point(N)}
def energy(x):
    return np.sum(np.cos(x) * x) + 0.5 * np.sum(np.diff(x) ** 2) + 0.25 * np.sum(x) ** 2


def _laplacian(n):
    L = 2 * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1)
    L[0, 0] = L[-1, -1] = 1.0
    return L


# adlens: {_point(N)}
def energy_hess(x):
    return np.diag(-2 * np.sin(x) - x * np.cos(x)) + _laplacian(len(x)) + 0.5


# adlens: {_point(N)}
# adlens: gradient-of=energy, order=2
def curvature(x):
    H = np.diag(-2 * np.sin(x) - x * np.cos(x)) + _laplacian(len(x)) + 0.5
    H[7, 3] += 1.0  # row 7 only: not even symmetric
    return H


# adlens: {_point(M)}
def resid(x):
    return np.tanh(x) + 0.1 * np.cumsum(x)


# adlens: {_point(M)}
def resid_jac(x):
    return np.diag(1 - np.tanh(x) ** 2) + 0.1 * np.tril(np.ones((len(x), len(x))))


# adlens: {_point(M)}
# adlens: gradient-of=resid
def sloppy(x):
    J = np.diag(1 - np.tanh(x) ** 2) + 0.1 * np.tril(np.ones((len(x), len(x))))
    J[42, 42] = 1 - np.tanh(x[42])  # the square forgotten
    return J


# adlens: {_point(M)}
def tiled(x):
    return 3 * x * np.ones((200, 1))


# adlens: {_point(N)}
def deltas(x):
    return x[:, None] - x, x[:, None] * x
'''


@pytest.fixture(scope="module")
def cards():
    return all_cards(SRC, time_limit=30.0)


def test_a_large_right_hessian_is_verified_along_random_directions(cards):
    c = cards["energy_hess"]
    assert c.gradient_of == "energy" and c.check is not None
    assert c.check.outcome == "verified" and c.check.kind == "hessian"
    assert c.check.directions == 3 and c.check.rows == c.check.rows_total == N
    assert c.check.n_components == 3 * N
    assert "checked along 3 random directions v" in c.check.message
    out = render.text(c)
    assert "✓ matches the Hessian of energy" in out
    assert f"(checked along 3 random directions v: each of the {N} rows" in out
    assert "the first 64 of" not in out  # every row is compared, not the first 64


def test_a_large_wrong_hessian_is_wrong_and_its_row_named(cards):
    c = cards["curvature"]
    assert c.check.outcome == "wrong" and c.check.directions == 3
    assert c.check.message.startswith("1 of 150 rows disagree with AD (x[7])")
    assert c.check.worst is not None and c.check.worst.endswith("@x[7]")
    off = [x for x in c.check.components if x.agree.get("hand=ad") is False]
    assert off and {x.output for x in off} == {"x[7]"}
    assert all(x.agree.get("ad=fd") for x in off)  # AD and finite differences agree there
    assert c.check.components[0].output == "x[7]"  # the rows that disagree come first
    out = render.text(c)
    assert "✗ ∂²energy/∂x[7]∂v1: hand-written" in out


def test_a_large_hand_written_jacobian_is_checked_along_directions(cards):
    right, wrong = cards["resid_jac"], cards["sloppy"]
    assert right.check.outcome == "verified" and right.check.kind == "jacobian"
    assert right.check.directions == 3 and right.check.rows == M
    assert wrong.check.outcome == "wrong"
    assert wrong.check.message.startswith(f"1 of {M} rows disagree with AD ([42])")
    assert "✗ ∂resid[42]/∂v1: hand-written" in render.text(wrong)


def test_a_jacobian_too_large_to_build_gives_its_product_with_a_direction(cards):
    c = cards["tiled"]
    g = c.gradient
    assert g is not None and g.shapes == {"x": [200, M, M]}
    assert g.values["x"] == {"repr": f"20,000 × {M} (2,000,000 entries): too large to build"}
    assert g.mode.startswith("not the Jacobian, which has 2,000,000 entries")
    # J·v is 3·v in each of the 200 rows: its norm is 3·sqrt(200) whatever the unit v
    norm = float(re.search(r"norm ([0-9.e+-]+)", g.mode).group(1))
    assert norm == pytest.approx(3 * math.sqrt(200), rel=1e-5)
    assert "agrees with finite differences along v" in g.mode
    assert "not the Jacobian" in render.text(c)


def test_a_tuple_of_large_arrays_gets_its_directional_derivative(cards):
    c = cards["deltas"]
    g = c.gradient
    assert g is not None, c.missing
    assert f"{2 * N * N:,} × {N}" in g.values["x"]["repr"]
    assert "the 2 returned values stacked" in g.mode
    assert "agrees with finite differences along v" in g.mode


def test_a_jacobian_of_fewer_inputs_than_outputs_is_built_by_forward_mode():
    src = ("import numpy as np\n\n\n# adlens: t=0.5\ndef path(t):\n"
           "    return np.sin(t * np.arange(1.0, 2001.0))\n")
    c = all_cards(src)["path"]
    assert c.gradient.mode == "Jacobian by forward mode"  # 1 sweep, not 2,000
    got = np.array(c.gradient.values["t"])
    assert got.shape == (2000,)
    assert np.allclose(got, np.arange(1.0, 2001.0) * np.cos(0.5 * np.arange(1.0, 2001.0)))


def test_without_forward_mode_the_product_is_taken_in_reverse(monkeypatch):
    from lsp_server.kernel import directions

    def no_forward(*args, **kwargs):
        raise NotImplementedError("no forward rule")

    monkeypatch.setattr(directions.ad, "jvp", no_forward)
    x = np.linspace(0.1, 1.0, 120)
    g = directions.directional_gradient(lambda x: np.outer(x, np.sin(x)), (x,), (0,),
                                        ("x",), "f", np.outer(x, np.sin(x)))
    assert "uᵀ·J (reverse mode, one pass; forward mode could not run: " \
           "NotImplementedError: no forward rule): 120 values" in g.mode
    assert "agrees with finite differences along v" in g.mode


def test_small_jacobians_are_still_built_and_checked_entry_by_entry():
    src = ("import numpy as np\n\n\n# adlens: x=[0.1, 0.2, 0.3]\ndef f(x):\n"
           "    return np.sin(x) * x[0]\n\n\n# adlens: x=[0.1, 0.2, 0.3]\ndef f_jac(x):\n"
           "    J = np.diag(np.cos(x) * x[0])\n    J[:, 0] += np.sin(x)\n    return J\n")
    got = all_cards(src)
    assert np.shape(got["f"].gradient.values["x"]) == (3, 3)
    assert got["f_jac"].check.outcome == "verified" and got["f_jac"].check.directions == 0


def test_a_list_of_too_many_parts_to_stack_says_so():
    src = ("# adlens: x=0.5\ndef many(x):\n    return [x * i for i in range(10_001)]\n")
    c = all_cards(src)["many"]
    why = c.why("gradient")
    assert "returns a list of 10001 (float, float, float, float, float, float, …) with " \
           "10,001 parts: more than the 10,000 AD Lens stacks as one output" in why, why

"""A value and its elementwise derivatives stacked in one output (SciPy's
``least_squares(loss=callable)`` rows ρ, ρ′, ρ″; a tuple ``(f, f′, f″)`` of a number),
through the real kernel and the CLI: a chain is paired with itself and each row checked
against AD's derivative of the row before (✗ names the row); stacked rows that are not a
chain are no pair and never ✗."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lsp_server import render

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "robustness"))
from kernel_cards import all_cards  # noqa: E402  (the robustness tests' helper)

ROOT = Path(__file__).resolve().parents[2]

SRC = '''\
import numpy as np


def soft(z):
    rho = np.empty((3, z.size))
    t = 1 + z
    rho[0] = 2 * (t ** 0.5 - 1)
    rho[1] = t ** -0.5
    rho[2] = -0.5 * t ** -1.5
    return rho


def soft_bad(z):
    rho = np.empty((3, z.size))
    t = 1 + z
    rho[0] = 2 * (t ** 0.5 - 1)
    rho[1] = t ** -0.5
    rho[2] = -0.25 * t ** -1.5  # wrong: -0.5
    return rho


# adlens: z=[1.0, 1.0, 1.0]
def powers(z):
    return np.vstack([z, z ** 2, z ** 3])


def sine_and_mean(z):
    return np.vstack([np.sin(z), np.mean(z) + 0 * z])


def sine_bad(z):
    return np.stack([np.sin(z), np.sin(z)])  # wrong: cos


def cubic(x):
    return x ** 3 - 2 * x, 3 * x ** 2 - 2, 6 * x


def cubic_last_off(x):
    return x ** 3 - 2 * x, 3 * x ** 2 - 2, 3 * x


def cubic_first_off(x):
    return x ** 3 - 2 * x, 3 * x ** 2, 6 * x


def halley_parts(x):
    f = x ** 3 - 2 * x
    fp = 3 * x ** 2 - 2
    fpp = 3 * x  # wrong: 6 x
    return f, fp, fpp


def square_rows(x):
    return x ** 2, 2 * x, 2


def helix(t):
    return np.array([np.sin(t), np.cos(t), t])


def scaled(z, c):
    e = c * np.exp(-z)
    return (e, -e, e)


# adlens: t=[0.1, 0.5, 0.9]
def state(t):
    x = np.sin(t)
    v = np.cos(t)
    return np.array([x, v, 0.5 * (x ** 2 + v ** 2)])


# adlens: x=[0.5, 1.5]
def cube_rows(x):
    """The cube, its first and second derivative."""
    return np.stack([x ** 3, 3 * x ** 2, 3 * x])  # wrong: 6 x
'''


@pytest.fixture(scope="module")
def cards():
    return all_cards(SRC, time_limit=10.0)


def test_a_right_chain_of_rows_is_paired_with_itself_and_verified(cards):
    card = cards["soft"]
    assert card.kind == "gradient" and card.gradient_of == "soft"
    assert card.rule.startswith("stacked derivatives: the rows of the returned array")
    assert card.check.outcome == "verified" and card.check.subject == "hand"
    assert card.check.kind == "derivative" and card.check.wrt == ["z"]
    assert card.check.rows == 6  # rows 1 and 2, three elements each
    assert {c.output[:3] for c in card.check.components} == {"[0]", "[1]"}
    assert card.gradient is not None and card.gradient.shapes["z"] == [3, 3]  # of row 0


def test_a_wrong_second_derivative_is_wrong_and_the_row_is_named(cards):
    card = cards["soft_bad"]
    assert card.check.outcome == "wrong"
    assert card.check.message.startswith("row 2 is not the elementwise derivative of row 1")
    assert render.check_line(card).startswith("✗ ∂soft_bad[1][")
    off = [c for c in card.check.components if c.agree.get("hand=ad") is False]
    assert off and all(c.output.startswith("[1]") for c in off)  # row 1 is fine


@pytest.mark.parametrize("name", ["powers", "sine_and_mean", "helix"])
def test_stacked_rows_that_are_no_chain_are_no_pair_and_never_wrong(cards, name):
    card = cards[name]
    assert card.kind == "function" and card.gradient_of is None
    assert card.gradient is not None
    assert card.check is None or card.check.outcome != "wrong"


def test_a_coincidence_at_the_point_is_not_a_chain(cards):
    # at z = 1, d(z)/dz = 1 = z**2: row 1 "matches" there, not at the point nearby
    assert cards["powers"].point.values["z"] == [1.0, 1.0, 1.0]
    assert cards["powers"].kind == "function"


def test_a_wrong_first_link_is_not_recognised(cards):
    # the blind spot: nothing says sin, sin is meant as a chain
    assert cards["sine_bad"].kind == "function"


def test_a_tuple_of_a_number_and_its_two_derivatives(cards):
    card = cards["cubic"]
    assert card.kind == "gradient" and card.gradient_of == "cubic"
    assert card.rule.startswith("stacked derivatives: the items of the returned tuple")
    assert card.check.outcome == "verified" and card.check.rows == 2
    assert render.check_line(card) == "✓ matches dcubic/dx (elementwise)"
    assert cards["square_rows"].check.outcome == "verified"  # f'' = 2, an int
    assert cards["square_rows"].rule.startswith("stacked derivatives")


def test_a_tuple_whose_third_number_does_not_match_is_value_gradient_extra(cards):
    card = cards["cubic_last_off"]  # SciPy's (value, gradient, extra): f' checked, ✓
    assert card.rule.startswith("by shape") and card.check.outcome == "verified"
    bad = cards["cubic_first_off"]  # no chain: the (value, gradient) rule says ✗, as before
    assert bad.rule.startswith("by shape") and bad.check.outcome == "wrong"
    named = cards["halley_parts"]  # its names say f, f', f'': row 2 is wrong
    assert named.rule.startswith("stacked derivatives") and named.check.outcome == "wrong"
    assert named.check.message.startswith("row 2 is not the elementwise derivative of row 1")
    assert render.check_line(named).startswith("✗ ∂halley_parts[1]/∂x: hand-written")


def test_a_third_row_that_does_not_match_is_wrong_only_where_a_name_says_derivatives(cards):
    # position, velocity, energy: rows 0-1 are a value and its derivative, row 2 is not
    # meant as one, and nothing in the function says it is: no verdict, said why
    state = cards["state"]
    assert state.check.outcome == "unverified"
    assert "nothing in state (its names, its docstring) says" in state.check.message
    assert "not checked: row 2 does not match" in render.check_line(state)
    # soft_bad says so by SciPy's name for the rows (rho), cube_rows by its docstring
    assert cards["soft_bad"].check.outcome == "wrong"
    cube = cards["cube_rows"]
    assert cube.check.outcome == "wrong" and cube.check.message.startswith("row 2 is not")


def test_other_float_parameters_are_held(cards):
    card = cards["scaled"]
    assert card.check.outcome == "verified"
    assert card.check.wrt == ["z"] and card.check.held == ["c"]


def test_the_cli_counts_the_chain_and_exits_1_on_the_wrong_row(tmp_path):
    path = tmp_path / "rows.py"
    path.write_text(SRC)
    r = subprocess.run([sys.executable, "-m", "lsp_server.cli", "check", str(path),
                        "--format", "json", "--time-limit", "10"], capture_output=True,
                       text=True, cwd=tmp_path, timeout=300)
    assert "Traceback" not in r.stdout + r.stderr
    assert r.returncode == 1, r.stderr  # soft_bad, cube_rows, cubic_first_off, halley_parts
    doc = json.loads(r.stdout)
    by_name = {c["function"]: c for f in doc["files"] for c in f["cards"]}
    wrong = sorted(n for n, c in by_name.items() if (c.get("check") or {}).get("outcome")
                   == "wrong")
    assert wrong == ["cube_rows", "cubic_first_off", "halley_parts", "soft_bad"]
    assert by_name["soft"]["gradient_of"] == "soft"
    assert by_name["soft_bad"]["check"]["message"].startswith("row 2 is not")

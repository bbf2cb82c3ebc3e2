"""A selector: one function that returns its own value or one of its derivatives, a
parameter picking which (SMT's ``_evaluate(x, kx)``: None the value, ``i`` the partial
w.r.t. column ``i``; SciPy's ``__call__(x, nu=0)``: ``nu=1`` the derivative). Paired with
itself: a right one ✓, a wrong one ✗, an output that does not fit is no pair (never a
✗), and a parameter without the signs of a selector pairs nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from lsp_server import render
from lsp_server.analysis import analyze
from lsp_server.kernel import compute

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "robustness"))
from kernel_cards import all_cards  # noqa: E402  (the robustness tests' helper)

SRC = '''\
import numpy as np


class Bowl:
    def evaluate(self, x, kx):
        """
        Parameters
        ----------
        x : ndarray[ne, nx]
            Points, one per row.
        kx : int or None
            Index of the derivative to return; None returns the value.
        """
        ne, nx = x.shape
        y = np.zeros((ne, 1))
        if kx is None:
            y[:, 0] = np.sum(x ** 2 + np.sin(x), axis=1)
        else:
            y[:, 0] = 2 * x[:, kx] + np.cos(x[:, kx])
        return y


class BadBowl:
    def evaluate(self, x, kx):
        """
        kx : int or None
            Index of the derivative to return; None returns the value.
        """
        ne, nx = x.shape
        y = np.zeros((ne, 1))
        if kx is None:
            y[:, 0] = np.sum(x ** 2, axis=1)
        elif kx == 0:
            y[:, 0] = 2 * x[:, 0]
        else:
            y[:, 0] = 3 * x[:, kx]  # wrong: 2 * x[:, kx]
        return y


def energy(x, wrt=None):
    if wrt is None:
        return np.sum(np.sin(x) * x[0])
    return np.cos(x[wrt]) * x[0] + (np.sum(np.sin(x)) if wrt == 0 else 0.0)


def shaped(x, deriv=None):
    if deriv is None:
        return np.sum(x ** 2)
    return np.array([2 * x[deriv], 0.0])


def total(x, idx=None):
    if idx is None:
        return np.sum(x ** 2)
    return x[idx]


def cubic(x, nu=0):
    """
    Parameters
    ----------
    x : float
    nu : int, optional
        Order of derivative to evaluate.
    """
    if nu == 0:
        return x ** 3
    return 3 * x ** 2


def cubic_bad(x, der=0):
    if der == 0:
        return x ** 3
    return 2 * x ** 2
'''


def test_the_analysis_pairs_a_selector_with_itself_and_says_by_which_rule():
    model = analyze(SRC)
    bowl = model.function("Bowl.evaluate").pairing
    assert (bowl.of, bowl.kind, bowl.selector, bowl.wrt, bowl.axis) == (
        "Bowl.evaluate", "selector", "kx", ("x",), 1)
    assert bowl.rule == "by a selector: evaluate(x, kx=i) is ∂/∂x[:, i] (kx=None: the value)"
    energy = model.function("energy").pairing
    assert (energy.kind, energy.selector, energy.axis) == ("selector", "wrt", 0)
    cubic = model.function("cubic").pairing
    assert (cubic.kind, cubic.selector, cubic.wrt) == ("order-selector", "nu", ("x",))
    assert cubic.rule == "by a selector: cubic(x, nu=1) is the derivative of cubic(x, nu=0)"


def test_an_index_with_no_sign_of_a_derivative_is_no_selector():
    # idx=None, x[idx]: a subset, not a partial (x[idx] is no derivative of sum(x**2))
    total = analyze(SRC).function("total")
    assert total.pairing is None and total.differentiable


@pytest.mark.parametrize("src", [
    # scipy.special's nu: the order of the function, not of a derivative
    "def bessel(x, nu=0):\n    return np.cos(x) if nu == 0 else np.sin(x)\n",
    # a step that defaults to None is no index
    "def euler(x, dt=None):\n    if dt is None:\n        dt = 0.1\n    return x + dt * x\n",
    # a bare d indexing x: a coordinate, not a partial
    "def coord(x, d=None):\n    if d is None:\n        return np.sum(x)\n    return x[d]\n",
    # a documented step: 'derived' is not 'derivative'
    'def g(x, h=None):\n    """h : float, optional\n        Step, derived from x if None."""\n'
    "    return x if h is None else x[h]\n",
])
def test_parameters_without_every_sign_of_a_selector_pair_nothing(src):
    fn = analyze("import numpy as np\n\n" + src).functions[0]
    assert fn.pairing is None, fn.pairing


def test_a_selector_indexing_nothing_reads_the_last_axis():
    src = '''
def f(x, kx=None):
    """kx: which partial derivative (None: the value)."""
    if kx is None:
        return x[:, 0] * x[:, 1]
    return x[:, 1] if kx == 0 else x[:, 0]
'''
    p = analyze(src).function("f").pairing
    assert (p.kind, p.selector, p.wrt, p.axis) == ("selector", "kx", ("x",), -1)


@pytest.fixture(scope="module")
def cards():
    return all_cards(SRC, time_limit=20.0)


def test_a_right_selector_is_verified_column_by_column_per_point(cards):
    card = cards["Bowl.evaluate"]
    assert card.gradient_of == "Bowl.evaluate" and card.pairing.fits
    assert card.check.outcome == "verified", card.check.message
    assert card.check.wrt == ["x"]
    assert "every row (point) on its own" in card.pairing.message
    assert card.value.shape == [3, 1]  # the value: kx=None
    assert card.gradient is not None and card.gradient.shapes == {"x": [3, 1, 3, 2]}


def test_a_wrong_selector_is_wrong_at_the_component_it_gets_wrong(cards):
    card = cards["BadBowl.evaluate"]
    assert card.check.outcome == "wrong"
    off = {c.name for c in card.check.components if c.agree.get("hand=ad") is False}
    assert off and all(name.startswith("x[") and name.endswith(", 1]") for name in off)


def test_a_selector_of_a_vector_reads_each_output_as_one_partial(cards):
    card = cards["energy"]
    assert card.check.outcome == "verified", card.check.message
    assert render.check_line(card).startswith("✓")


def test_an_output_that_does_not_fit_is_no_pair_and_no_cross(cards):
    card = cards["shaped"]
    assert card.pairing is not None and not card.pairing.fits
    assert "with deriv=i it returns shape (2,)" in card.pairing.message
    assert card.check is None


def test_an_order_selector_checks_nu_1_against_the_derivative(cards):
    assert cards["cubic"].check.outcome == "verified", cards["cubic"].check.message
    assert cards["cubic_bad"].check.outcome == "wrong"


def test_a_complex_output_with_no_imaginary_part_is_compared_by_its_real_part():
    # SMT builds its result in np.zeros(..., complex); without in-place writes here
    def f(x, kx=None):
        if kx is None:
            return (np.sum(x ** 3, axis=1, keepdims=True) + 0j)
        return 3 * x[:, kx:kx + 1] ** 2 + 0j

    call = compute.Call.bind(f, {"x": [[0.5, -1.0], [2.0, 0.25]], "kx": None})
    pairing, check = compute.check_selector(call, "kx", -1, ("x",), "selector")
    assert pairing.fits and check.outcome == "verified", check.message


def test_a_complex_output_with_an_imaginary_part_is_no_pair():
    def f(x, kx=None):
        if kx is None:
            return np.sum(x, axis=1, keepdims=True) * 1j
        return np.ones((x.shape[0], 1)) * 1j

    call = compute.Call.bind(f, {"x": [[0.5, -1.0], [2.0, 0.25]], "kx": None})
    with pytest.raises(compute.NotAPair):
        compute.check_selector(call, "kx", -1, ("x",), "selector")


@pytest.mark.parametrize("doc", [
    ":param k: index of the partial derivative; None for the value",
    "Args:\n    k (int): index of the partial derivative; None for the value",
    "Parameters\n----------\nk : int or None\n    Index of derivative (0-based).",
])
def test_the_selector_may_say_it_in_its_docstring_in_any_common_style(doc):
    src = f'def f(x, k=None):\n    """{doc}"""\n    return x[0] * x[1] if k is None else x[1 - k]\n'
    assert analyze(src).function("f").pairing.selector == "k"
    plain = src.replace("derivative", "element").replace("partial", "")
    assert analyze(plain).function("f").pairing is None


def test_an_order_documented_as_one_is_a_selector_whatever_its_name():
    # xspline's XFunction.__call__(x, order=0): "Order of differentiation or integration"
    src = (
        "class Bump:\n"
        "    def __call__(self, x, order=0):\n"
        '        """Parameters\n        ----------\n        x\n            Points.\n'
        "        order\n            Order of differentiation or integration. When `order = 0`, "
        'the function value.\n        """\n'
        "        return x ** 4 if order == 0 else 4 * x ** 3\n"
    )
    p = analyze(src).function("Bump.__call__").pairing
    assert (p.kind, p.selector, p.wrt) == ("order-selector", "order", ("x",))
    undocumented = "def poly(x, order=0):\n    return x ** order\n"
    assert analyze(undocumented).function("poly").pairing is None

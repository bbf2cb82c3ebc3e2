"""Outputs that are not one real number or array get an honest gradient (issue 12): complex
outputs (the derivatives of the real and imaginary parts, or the real part's when the
imaginary part and its derivative are exactly 0), True/False outputs (a comparison: 0
wherever it is defined), lists of one value, nested lists, and SciPy's array-api-extra
updates; each in the real kernel, against finite differences computed here."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from lsp_server import render

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "robustness"))
from kernel_cards import all_cards  # noqa: E402  (the robustness tests' helper)

SRC = '''\
import types

import numpy as np
from scipy._lib import array_api_extra as xpx


# adlens: t=0.5
def spiral(t):
    return (0.5 + 1j) * np.exp(-t) + t ** 2


# adlens: t=[0.3, 0.8]
def spirals(t):
    return np.exp(1j * t) * t


# adlens: x=[[0.5, 0.6], [0.7, 0.8], [0.9, 1.0]]
def batch_sphere(x):
    ne, nx = x.shape
    y = np.zeros((ne, 1), complex)
    y[:, 0] = np.sum(x ** 2, 1).T
    return y


# adlens: z=[0.5, -2.0, 0.7]
def psi(z):
    return z * (np.abs(z) <= 1.0)


# adlens: z=[0.5, -2.0, 0.7]
def psi_deriv(z):
    return np.abs(z) <= 1.0


# adlens: z=0.5
def inside(z):
    return z < 1.0


# adlens: x=[0.5, 0.6, 0.7]
def hessian(x):
    h = np.diag(1200 * x ** 2)
    h[0, 1] = -400 * x[0]
    return h.tolist()


# adlens: x=0.5, z=0.6
def one_deriv(x, z):
    d_z = x * z ** 2
    return [d_z]


# adlens: x=[0.5, 0.6]
def pairwise(x):
    d = np.ones((100, 100)) * x[0]
    return d, d * x[1]


# adlens: x=0.5, z=0.6
def tuple_of_arrays(x, z):
    return np.array([x, z]) * z, x * z


# adlens: x=[0.5, 0.6, 0.7]
def diagonal_update(x):
    d = np.zeros(x.shape[0])
    d = xpx.at(d)[0].set(1200 * x[0] ** 2 - 400 * x[1])
    d = xpx.at(d)[-1].set(200)
    d = xpx.at(d)[1:-1].add(x[1:-1] ** 3)
    return xpx.create_diagonal(d, offset=1)


u = types.SimpleNamespace(scale=3.0, ndarray=np.ndarray)


# adlens: x=0.5
def scaled(x):
    if isinstance(x, u.ndarray):
        return x
    return u.scale * x ** 2
'''

POINTS = {
    "spiral": (0.5,), "spirals": (np.array([0.3, 0.8]),),
    "batch_sphere": (np.array([[0.5, 0.6], [0.7, 0.8], [0.9, 1.0]]),),
    "hessian": (np.array([0.5, 0.6, 0.7]),), "one_deriv": (0.5, 0.6),
    "diagonal_update": (np.array([0.5, 0.6, 0.7]),),
}


@pytest.fixture(scope="module")
def cards():
    return all_cards(SRC, time_limit=20.0)


@pytest.fixture(scope="module")
def functions():
    ns: dict = {}
    exec(compile(SRC, "<outputs>", "exec"), ns)
    return ns


def value(v):
    """A card's JSON value back to NumPy ({"complex": [re, im]} leaves included)."""
    if isinstance(v, dict) and "complex" in v:
        return complex(*v["complex"])
    if isinstance(v, list):
        return np.array([value(e) for e in v])
    return v


def central(f, args, k, h=1e-6):
    """d f / d args[k] by central differences, shaped output + argument (complex kept)."""
    x = np.asarray(args[k], dtype=float)
    out_shape = np.shape(np.asarray(f(*args)))
    cols = []
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        up = list(args)
        down = list(args)
        up[k], down[k] = (x + e if x.ndim else float(x + e)), (x - e if x.ndim else float(x - e))
        cols.append((np.asarray(f(*up)) - np.asarray(f(*down))) / (2 * h))
    d = np.stack(cols, axis=-1) if cols else np.zeros(out_shape)
    return d.reshape(out_shape + x.shape)


def test_a_complex_number_gets_the_derivatives_of_both_parts(cards, functions):
    c = cards["spiral"]
    got = value(c.gradient.values["t"])
    want = central(functions["spiral"], POINTS["spiral"], 0)
    assert np.iscomplexobj(got) and abs(got.imag) > 0.1  # the imaginary part is kept
    assert np.allclose(got, want, atol=1e-6)
    assert "∂Re spiral + i·∂Im spiral" in c.gradient.mode
    assert "∂spiral/∂t = (" in render.text(c) and "j)" in render.text(c)
    # both parts checked against finite differences, one row each
    assert c.check.outcome == "verified" and c.check.rows == 2
    parts = {x.output: x.ad for x in c.check.components}
    assert parts == pytest.approx({".real": float(want.real), ".imag": float(want.imag)},
                                  abs=1e-6)


def test_a_complex_array_gets_its_complex_jacobian(cards, functions):
    c = cards["spirals"]
    got = value(c.gradient.values["t"])
    assert got.shape == (2, 2) and c.gradient.shapes["t"] == [2, 2]
    assert np.allclose(got, central(functions["spirals"], POINTS["spirals"], 0), atol=1e-6)
    assert c.gradient.mode.startswith("Jacobian by reverse mode; spirals returns complex")
    # the check takes real outputs, and says why without contradicting the gradient line
    assert "complex output: its derivative (real and imaginary parts) is on the gradient " \
        "line" in render.check_line(c)


def test_a_real_result_kept_complex_shows_the_real_part_and_says_so(cards, functions):
    c = cards["batch_sphere"]  # y = np.zeros((n, 1), complex); y[:, 0] = traced
    got = value(c.gradient.values["x"])
    assert not np.iscomplexobj(got) and got.shape == (3, 1, 3, 2)
    assert np.allclose(got, central(functions["batch_sphere"], POINTS["batch_sphere"],
                                    0).real, atol=1e-6)
    assert "imaginary part and its derivative are exactly 0 here: the derivative of the " \
        "real part" in c.gradient.mode


def test_a_comparison_has_derivative_zero_and_its_card_says_so(cards):
    c = cards["inside"]
    assert c.gradient.values == {"z": 0.0}
    assert "a comparison: its derivative is 0 wherever it is defined" in c.gradient.mode
    assert "no AD run" in c.gradient.mode
    assert "✓" not in render.check_line(c) and "nothing to check" in render.check_line(c)


def test_a_true_false_derivative_is_still_checked_against_its_function(cards):
    c = cards["psi_deriv"]  # an indicator, the derivative of z·indicator (M-estimators)
    assert c.gradient_of == "psi" and c.check.outcome == "verified", c.check
    assert c.check.kind == "derivative"
    assert np.array_equal(value(c.gradient.values["z"]), np.zeros((3, 3)))
    assert "a comparison" in c.gradient.mode


def test_nested_lists_read_as_one_array(cards, functions):
    c = cards["hessian"]  # m.tolist()
    got = value(c.gradient.values["x"])
    assert got.shape == (3, 3, 3)
    assert np.allclose(got, central(lambda x: np.array(functions["hessian"](x)),
                                    POINTS["hessian"], 0), atol=1e-4)
    assert "returned lists read as one array of shape (3, 3)" in c.gradient.mode


def test_a_list_of_one_value_is_a_list_not_a_number(cards):
    # np.asarray([d]) has one element: it was taken for a number and handed to ad.grad,
    # which takes no list ("a traced value cannot become a plain NumPy array")
    c = cards["one_deriv"]
    assert c.gradient is not None, c.missing.get("gradient")
    assert value(c.gradient.values["x"]).tolist() == pytest.approx([0.36])
    assert value(c.gradient.values["z"]).tolist() == pytest.approx([0.6])
    assert "of the 1 returned value stacked" in c.gradient.mode


def test_arrays_of_different_shapes_are_flattened_side_by_side(cards):
    c = cards["tuple_of_arrays"]
    assert c.gradient.shapes == {"x": [3], "z": [3]}
    assert value(c.gradient.values["z"]).tolist() == pytest.approx([0.5, 1.2, 0.5])
    assert "of the 2 returned values flattened side by side" in c.gradient.mode


def test_a_tuple_of_large_arrays_gets_its_product_with_a_direction(cards):
    # 20,000 outputs of 2 inputs: a Jacobian of 40,000 entries, more than a card shows,
    # so not built (kernel.directions): its product with a random direction instead
    c = cards["pairwise"]
    assert c.gradient is not None, c.missing.get("gradient")
    assert c.gradient.shapes == {"x": [2, 100, 100, 2]}
    assert c.gradient.values["x"] == {"repr": "20,000 × 2 (40,000 entries): too large to build"}
    assert "J·v (forward mode, one pass; the 2 returned values stacked): 20,000 values" \
        in c.gradient.mode
    assert "agrees with finite differences along v" in c.gradient.mode


def test_array_api_extra_updates_of_a_plain_array_are_followed(cards, functions):
    c = cards["diagonal_update"]
    assert c.gradient is not None, c.missing.get("gradient")
    got = value(c.gradient.values["x"])
    want = central(functions["diagonal_update"], POINTS["diagonal_update"], 0)
    assert got.shape == (4, 4, 3) and np.allclose(got, want, atol=1e-4)


def test_a_simple_namespace_constant_reaches_its_function(cards):
    c = cards["scaled"]
    assert c.value.value == pytest.approx(0.75) and c.gradient.values == {"x": 3.0}


@pytest.mark.parametrize(("line", "safe"), [
    ("u = types.SimpleNamespace(Quantity=Quantity, scale=2.0)", True),
    ("u = SimpleNamespace(a=np.log(2.0))", True),
    ("u = types.SimpleNamespace(Evil)", False),  # a positional mapping: its keys() runs
    ("u = types.SimpleNamespace(**Evil)", False),
    ("u = types.SimpleNamespace(a=make())", False),  # the file's own function
])
def test_a_simple_namespace_is_a_constant_with_safe_keywords_only(line, safe):
    from lsp_server.analysis.slicing import Rules

    src = ("import types\nfrom types import SimpleNamespace\nimport numpy as np\n\n\n"
           "class Quantity:\n    pass\n\n\nclass Evil:\n    @staticmethod\n"
           "    def keys():\n        raise SystemExit\n\n\ndef make():\n    return 1\n\n\n"
           f"{line}\n")
    body = __import__("ast").parse(src).body
    assert (Rules.of(body).ineligible(body[-1]) is None) == safe

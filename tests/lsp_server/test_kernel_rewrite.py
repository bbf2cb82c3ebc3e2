"""The kernel's rewrite of ``a[i] = v`` (lsp_server/kernel/rewrite.py), run for real: a
traced value written into a lone plain array keeps its derivative (statsmodels' Hampel,
scikit-learn's huber build their outputs so), an array something else refers to is
refused with a message that says so, writes the rewrite must not touch (a free variable,
a global, a file that rebinds ``slice``) behave as Python says, and the card's line
numbers are the document's. And the rewrite of ``float(e)`` / ``e.item()``: a real traced
value of one element keeps its derivative (pycma's ``return float(np.sum(...))``), every
other call is Python's (or the user's own ``float``)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import numpy as np
import pytest

from lsp_server.kernel.rewrite import rewrite

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "robustness"))
from kernel_cards import all_cards  # noqa: E402  (the robustness tests' helper)

SRC = '''\
import numpy as np

slice = "the file's own slice"  # the rewrite must not call this
TABLE = np.zeros(2)


# adlens: z=[0.5, 2.5, 5.0, 9.0]
def hampel_rho(z, a=2.0, b=4.0, c=8.0):
    z = np.abs(z)
    t1 = z <= a
    t2 = (z > a) & (z <= b)
    t3 = (z > b) & (z <= c)
    v = np.zeros(z.shape)
    v[t1] = z[t1] ** 2 * 0.5
    v[t2] = a * z[t2] - a ** 2 * 0.5
    v[t3] = a * (c - z[t3]) ** 2 / (c - b) * (-0.5)
    v[z > c] = 0.0
    return np.sum(v)


# adlens: x=[1.0, 2.0, 3.0]
def slices(x):
    out = np.empty(3)
    out[:2] = x[1:] * 2.0
    out[2:] = np.sin(x[0])
    grid = np.zeros((2, 3))
    grid[1, ::1] = x
    return np.sum(out) + np.sum(grid ** 2)


# adlens: z=[0.5, 2.5]
def shared(z):
    v = np.zeros(2)
    w = v
    v[0] = z[0] ** 2
    return np.sum(w) + z[1]


# adlens: x=1.5
def closure(x):
    acc = np.zeros(1)

    def add(y):
        acc[0] = acc[0] + 1.0  # a free variable of add: never rebound there
        return y

    add(x)
    TABLE[0] = 7.0  # a global: written in place
    return x * acc[0] + TABLE[0]
'''


@pytest.fixture(scope="module")
def cards():
    return all_cards(SRC, time_limit=20.0)


def _fd(f, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(x.size)])


def _plain(name):
    ns: dict = {}
    exec(compile(SRC, "<plain>", "exec"), ns)  # Python's own semantics, no rewrite
    return ns[name]


def test_a_lone_plain_array_keeps_the_derivative_of_what_is_written_into_it(cards):
    for name, param, point in (("hampel_rho", "z", [0.5, 2.5, 5.0, 9.0]),
                               ("slices", "x", [1.0, 2.0, 3.0])):
        card = cards[name]
        assert card.status == "ok" and card.gradient is not None, (name, card.message)
        got = np.asarray(card.gradient.values[param], dtype=float)
        want = _fd(_plain(name), point)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7, err_msg=name)
        assert card.check.outcome == "verified", card.check.message
        # the debug run watches every statement: its watcher must not make the lone
        # array look shared (it did: "something else also refers to")
        assert "debug" not in card.missing, card.missing.get("debug")
        assert {b.name for b in card.debug.bindings} >= {"v" if param == "z" else "out"}


def test_an_array_something_else_refers_to_is_refused_saying_why(cards):
    card = cards["shared"]
    why = card.why("gradient")
    assert "something else also refers to (another name, a view, a container)" in why
    assert "line 35" in why  # the document's line of `v[0] = z[0] ** 2` (1-based)
    assert card.check.outcome == "unverified" and "✗" not in card.check.message
    assert "something else also refers to" in card.why("debug")  # watched: still refused


def test_free_variables_globals_and_a_rebound_slice_are_pythons(cards):
    card = cards["closure"]
    assert card.status == "ok", card.message
    assert card.value.value == pytest.approx(_plain("closure")(1.5))  # 1.5 + 7
    assert card.check.outcome == "verified"


def test_the_rewrite_keeps_lines_and_rewrites_only_locals():
    tree = rewrite(ast.parse(SRC))
    text = ast.unparse(tree)
    assert "v = __adlens_setitem__(z[t1] ** 2 * 0.5, v, t1)" in text
    assert "out = __adlens_setitem__(x[1:] * 2.0, out, __adlens_slice__(None, 2, None))" in text
    assert "acc[0] = acc[0] + 1.0" in text and "TABLE[0] = 7.0" in text
    lines = {n.lineno for n in ast.walk(tree) if isinstance(n, ast.Assign)
             and isinstance(n.value, ast.Call) and getattr(n.value.func, "id", "") ==
             "__adlens_setitem__"}
    assert 14 in lines and 24 in lines  # `v[t1] = ...`, `out[:2] = ...` where they were


CONVERSIONS = """\
import numpy as np


class Half:
    def __float__(self):
        return 0.5


# adlens: x=[1.5, -2.0, 0.5]
def sphere(x):
    # pycma's ending: an optimizer wants a Python number back
    return float(np.sum(np.square(x)))


# adlens: x=[1.5, -2.0]
def items(x):
    first = (x[:1] * 3.0).item()  # one element of shape (1,)
    return np.sum(x * x).item() + first


# adlens: x=[1.5, -2.0]
def kept_apart(x):
    z = x * 1.0
    y = float(z[0])  # a new value: the write below must not reach it, as it cannot a float
    z[0] = 10.0
    return y * z[1] + z[0]


# adlens: x=2.0
def pythons_own(x):
    k = float("1.5") + float(3) + float(np.array(2.0)) + float(Half()) + int(x * 1.6)
    parts = [float(v) for v in (x, 2.0 * x)]  # a comprehension is rewritten too
    return k * x + parts[1] + (lambda t: float(t) ** 2)(x)


# adlens: x=2.0
def own_float(x):
    float = np.square  # the user's float, not the built-in
    return float(x)


# adlens: x=0.5
def from_complex(x):
    return float(np.exp(1j * x)) * x  # NumPy drops the imaginary part: not the identity


# adlens: x=[1.0, 2.0]
def one_of_two(x):
    return float(x[:1]) * x[1]  # NumPy 2 converts only 0-d arrays: an error, traced or not
"""


@pytest.fixture(scope="module")
def conversion_cards():
    return all_cards(CONVERSIONS, time_limit=20.0)


def _plain_conversion(name):
    ns: dict = {}
    exec(compile(CONVERSIONS, "<plain>", "exec"), ns)
    return ns[name]


@pytest.mark.parametrize("name, point", [
    ("sphere", [1.5, -2.0, 0.5]), ("items", [1.5, -2.0]), ("kept_apart", [1.5, -2.0]),
    ("pythons_own", [2.0]), ("own_float", [2.0]),
])
def test_float_and_item_of_a_traced_number_keep_its_derivative(conversion_cards, name, point):
    card = conversion_cards[name]
    assert card.status == "ok" and card.gradient is not None, (name, card.why("gradient"))
    scalar = name in ("pythons_own", "own_float")
    f = _plain_conversion(name)
    plain = (lambda v: f(float(v[0]))) if scalar else f
    assert card.value.value == pytest.approx(plain(np.array(point)))
    got = np.atleast_1d(np.asarray(card.gradient.values["x"], dtype=float))
    np.testing.assert_allclose(got, _fd(plain, point), rtol=1e-6, atol=1e-7, err_msg=name)
    assert card.check.outcome == "verified", card.check.message


def test_source_transformation_refuses_item_rather_than_call_it_a_constant(conversion_cards):
    # ad.sct once read `.item()` as derivative-free: 0 where the tape now says 6 and -4
    sct = conversion_cards["items"].sct
    assert sct is not None and sct.outcome != "disagrees", sct
    assert sct.outcome == "agrees" or ".item()" in sct.construct + sct.message, sct


def test_the_users_float_and_pythons_conversions_are_untouched(conversion_cards):
    # own_float is x², not the identity the built-in would give on a traced number
    assert conversion_cards["own_float"].gradient.values["x"] == pytest.approx(4.0)
    # 1.5 + 3 + 2 + 0.5 + int(3.2): every float() there is Python's on plain values,
    # and int() truncates (derivative 0), so ∂/∂x = k + 2 + 2x
    assert conversion_cards["pythons_own"].gradient.values["x"] == pytest.approx(10.0 + 2 + 4)


def test_float_of_a_complex_traced_value_is_still_refused_by_the_library(conversion_cards):
    card = conversion_cards["from_complex"]
    with pytest.warns(np.exceptions.ComplexWarning):
        want = _plain_conversion("from_complex")(0.5)
    assert card.value.value == pytest.approx(want)
    why = card.why("gradient")
    assert "TypeError: float() of a traced value" in why and "would drop its derivative" in why
    assert "line 44" in why  # `return float(np.exp(1j * x)) * x`, 1-based
    assert card.check.outcome == "unverified" and "✗" not in card.check.message


def test_a_traced_value_converts_only_where_numpy_converts_its_array(conversion_cards):
    with pytest.raises(TypeError) as plain:
        _plain_conversion("one_of_two")(np.array([1.0, 2.0]))
    card = conversion_cards["one_of_two"]
    assert card.status == "error" and str(plain.value) in card.message, card.message
    assert card.gradient is None or card.gradient.values is None


def test_the_conversion_rewrite_passes_the_users_float_and_leaves_the_rest():
    text = ast.unparse(rewrite(ast.parse(CONVERSIONS)))
    assert "return __adlens_float__(float, np.sum(np.square(x)))" in text
    assert "first = __adlens_item__(x[:1] * 3.0)" in text
    assert "parts = [__adlens_float__(float, v) for v in (x, 2.0 * x)]" in text
    assert "(lambda t: __adlens_float__(float, t) ** 2)(x)" in text
    assert "int(x * 1.6)" in text and "__adlens_float__(float, '1.5')" in text
    odd = ast.unparse(rewrite(ast.parse("def g(a, kw):\n    return float(), float(*a), "
                                        "float(x=1), a.item(0), a.item(), kw.item\n")))
    assert "float(), float(*a), float(x=1), a.item(0), __adlens_item__(a), kw.item" in odd

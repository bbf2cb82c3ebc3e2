"""The kernel's rewrite of ``a[i] = v`` (lsp_server/kernel/rewrite.py), run for real: a
traced value written into a lone plain array keeps its derivative (statsmodels' Hampel,
scikit-learn's huber build their outputs so), an array something else refers to is
refused with a message that says so, writes the rewrite must not touch (a free variable,
a global, a file that rebinds ``slice``) behave as Python says, and the card's line
numbers are the document's."""

from __future__ import annotations

import ast

import numpy as np
import pytest

from lsp_server.analysis import analyze
from lsp_server.cards import CardService
from lsp_server.kernel import KernelPool
from lsp_server.kernel.rewrite import rewrite

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
    pool = KernelPool(1, time_limit=20.0)
    svc = CardService(pool, execution="always")
    model = analyze(SRC)
    out = {f.name: svc.card_sync(model, f.name) for f in model.functions}
    pool.close()
    return out


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


def test_an_array_something_else_refers_to_is_refused_saying_why(cards):
    card = cards["shared"]
    why = card.why("gradient")
    assert "something else also refers to (another name, a view, a container)" in why
    assert "line 35" in why  # the document's line of `v[0] = z[0] ** 2` (1-based)
    assert card.check.outcome == "unverified" and "✗" not in card.check.message


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

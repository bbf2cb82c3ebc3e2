"""``a[i] += v`` into a lone plain array keeps its derivative in the kernel (the rewrite of
lsp_server/kernel/rewrite.py, like ``a[i] = v``): accumulating into ``np.zeros(n)`` or
into a complex ``np.zeros((n, 1), complex)`` (SMT's problems build their outputs so),
every augmented operator; Python's own semantics on plain values and lists; an index
with a call is left alone (it would be evaluated twice); a shared array is refused with
a message that says so."""

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


# adlens: x=[0.5, 1.0, 1.5]
def accumulate(x):
    y = np.zeros(3)
    for i in range(3):
        y[i] += x[i] ** 2
        y[i] *= x[i]
    return y


# adlens: x=[[0.3, -1.2, 2.0], [1.1, 0.4, -0.6]]
def rosenbrock_batch(x):
    ne, nx = x.shape
    y = np.zeros((ne, 1), complex)
    for ix in range(nx - 1):
        y[:, 0] += 100.0 * (x[:, ix + 1] - x[:, ix] ** 2) ** 2 + (1 - x[:, ix]) ** 2
    return y


# adlens: x=[0.5, 1.0, 1.5]
def operators(x):
    y = np.ones(3)
    y[0] -= x[0]
    y[1:] /= x[1:]
    y[-1] **= x[0]
    return np.sum(y)


# adlens: x=0.5
def plain_values(x):
    counts = [0, 0]
    counts[1] += 2
    grid = np.zeros(3, dtype=int)
    grid[0] += 1
    return x * (counts[1] + grid[0])


# adlens: x=[0.5, 1.0]
def shared(x):
    y = np.zeros(2)
    alias = y
    y[0] += x[0]
    return np.sum(alias) + x[1]
'''

POINTS = {"accumulate": np.array([0.5, 1.0, 1.5]),
          "rosenbrock_batch": np.array([[0.3, -1.2, 2.0], [1.1, 0.4, -0.6]]),
          "operators": np.array([0.5, 1.0, 1.5])}


@pytest.fixture(scope="module")
def cards():
    return all_cards(SRC, time_limit=20.0)


@pytest.fixture(scope="module")
def functions():
    ns: dict = {}
    exec(compile(SRC, "<augmented>", "exec"), ns)  # plain Python, no rewrite
    return ns


def central(f, x, h=1e-6):
    cols = []
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h))
    out = np.asarray(f(x))
    return np.stack(cols, axis=-1).reshape(out.shape + x.shape)


def as_array(v):
    return np.array(v, dtype=float)


@pytest.mark.parametrize("name", ["accumulate", "rosenbrock_batch", "operators"])
def test_augmented_writes_keep_the_derivative(cards, functions, name):
    c = cards[name]
    assert c.gradient is not None, c.missing.get("gradient")
    want = central(functions[name], POINTS[name])
    assert np.allclose(as_array(c.gradient.values["x"]), want.real, rtol=1e-5, atol=1e-4)


def test_a_complex_accumulator_shows_its_real_part(cards):
    c = cards["rosenbrock_batch"]
    assert "imaginary part and its derivative are exactly 0 here" in c.gradient.mode


def test_plain_values_keep_pythons_semantics(cards):
    c = cards["plain_values"]
    assert c.value.value == pytest.approx(1.5) and c.gradient.values == {"x": 3.0}


def test_a_shared_array_is_refused_saying_so(cards):
    c = cards["shared"]
    assert c.gradient is None
    message = c.missing["gradient"].message
    assert "something else also refers to" in message, message


def _rewritten(src: str) -> str:
    return ast.unparse(rewrite(ast.parse(src)))


def test_only_indices_free_of_calls_are_rewritten():
    out = _rewritten("def f(a, x, i):\n    a[i + 1, :] += x\n    a[g(i)] += x\n"
                     "    a.b[i] += x\n    glob[i] += x\n")
    lines = out.splitlines()
    assert lines[1].strip() == ("a = __adlens_setitem__(__adlens_augmented__('Add', "
                                "a[i + 1, :], x), a, (i + 1, __adlens_slice__(None, None, "
                                "None)))")
    assert lines[2:] == ["    a[g(i)] += x", "    a.b[i] += x", "    glob[i] += x"]

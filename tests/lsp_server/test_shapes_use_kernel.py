"""Points that fit the body, run: functions that failed at a made-up point of the wrong
shape (a float iterated over, indexed, reshaped, written into) now run in the real kernel,
get a gradient, and their hand-written derivatives are checked there."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "robustness"))
from kernel_cards import all_cards  # noqa: E402  (the robustness tests' helper)

SRC = '''\
import numpy as np


def quartic(coeffs):
    f = 0.0
    for j, c in enumerate(coeffs):
        f += c ** 4 * (j + 1.0)
    return f


def error(y, y_true, rtol, atol):
    e = (y - y_true) / (atol + rtol * np.abs(y_true))
    return np.linalg.norm(e, axis=0) / np.sqrt(e.shape[0])


def grid(x):
    n = int(np.sqrt(x.shape[0]))
    u = np.zeros((n + 2, n + 2))
    x = x.reshape((n, n))
    u[1:-1, 1:-1] = x
    y = u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:] - 4 * x + x ** 3
    return np.sum(y ** 2)


def rows(X, mask):
    return np.sum(X[mask, :] ** 2)


class Broken:
    @staticmethod
    def evaluate(x, amplitude, x_break):
        xx = x / x_break
        f = np.zeros_like(xx)
        i = xx > 1.0
        f[i] = amplitude * xx[i] ** 2
        i = xx <= 1.0
        f[i] = amplitude * xx[i]
        return f

    @staticmethod
    def fit_deriv(x, amplitude, x_break):
        xx = x / x_break
        d_amplitude = np.zeros_like(xx)
        d_x_break = np.zeros_like(xx)
        i = xx > 1.0
        d_amplitude[i] = xx[i] ** 2
        d_x_break[i] = -2 * amplitude * xx[i] ** 2 / x_break
        i = xx <= 1.0
        d_amplitude[i] = xx[i]
        d_x_break[i] = -amplitude * xx[i] / x_break
        return [d_amplitude, d_x_break]


class Cut:
    @staticmethod
    def _filter(x, result):
        result[x < 0] = result[x < 0] * 0.0

    def evaluate(self, x, amplitude, width):
        result = amplitude * np.exp(-x ** 2 / width)
        self._filter(x, result)
        return result

    def fit_deriv(self, x, amplitude, width):
        d_amplitude = np.exp(-x ** 2 / width)
        self._filter(x, d_amplitude)
        d_width = amplitude * x ** 2 / width ** 2 * np.exp(-x ** 2 / width)
        self._filter(x, d_width)
        return [d_amplitude, d_width]
'''


@pytest.fixture(scope="module")
def cards():
    return all_cards(SRC, time_limit=10.0)


@pytest.mark.parametrize(("name", "size"), [
    ("quartic", 3), ("error", 6), ("grid", 4), ("rows", 6), ("Broken.evaluate", 5),
    ("Cut.evaluate", 5),
])
def test_each_gets_a_gradient_at_its_inferred_point(cards, name, size):
    card = cards[name]
    assert card.gradient is not None, card.failures
    floats = {k for k, v in card.point.values.items() if _scalars(v)}
    assert set(card.gradient.values) == floats  # mask (an index) is held
    assert sum(_scalars(v) for v in card.point.values.values()) == size


@pytest.mark.parametrize("name", ["quartic", "error", "grid", "rows"])
def test_the_gradient_of_a_scalar_matches_finite_differences(cards, name):
    assert cards[name].check is not None and cards[name].check.outcome == "verified"


@pytest.mark.parametrize("name", ["Broken.fit_deriv", "Cut.fit_deriv"])
def test_the_hand_written_derivatives_are_checked_at_that_point(cards, name):
    assert cards[name].check is not None and cards[name].check.outcome == "verified"


def _scalars(v: object) -> int:
    if isinstance(v, list):
        return sum(_scalars(x) for x in v)
    return 1 if isinstance(v, float) else 0

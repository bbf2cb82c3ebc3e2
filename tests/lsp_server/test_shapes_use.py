"""Points that fit the body (issue 12 item 4): the shape each parameter is given follows
from how the body uses it, also through the values computed from it. Pure analysis:
nothing runs here; each source is a small function written for the pattern it stands for.
"""

from __future__ import annotations

import pytest

from lsp_server.analysis import analyze
from lsp_server.cards.static import static_part

HEAD = "import math\n\nimport numpy as np\n\nGRID = np.loadtxt('grid.txt')\n\n\n"


def point(body: str, params: str, name: str = "f") -> dict:
    return analyze(f"{HEAD}def {name}({params}):\n{body}").function(name).point.values


def _len(v: object) -> int | None:
    return len(v) if isinstance(v, list) else None


def _shape(v: object) -> tuple[int, ...]:
    out: list[int] = []
    while isinstance(v, list):
        out.append(len(v))
        v = v[0] if v else None
    return tuple(out)


# -- iteration --------------------------------------------------------------------------
@pytest.mark.parametrize("body", [
    "    f = 0.0\n    for j, c in enumerate(coeffs):\n        f += c ** 4 * (j + 1)\n"
    "    return f\n",
    "    return sum(c ** 2 for _, c in enumerate(coeffs))\n",
    "    return sum(coeffs) ** 2\n",
    "    return max(coeffs) - min(coeffs)\n",
    "    return sum(a * b for a, b in zip(coeffs, reversed(coeffs)))\n",
    "    return sum(map(abs, coeffs))\n",
])
def test_what_the_body_iterates_over_is_a_vector(body):
    assert _len(point(body, "coeffs")["coeffs"]) == 3


def test_max_of_two_values_is_no_iteration():
    values = point("    return max(a, b) ** 2\n", "a, b")
    assert values == {"a": 0.5, "b": 0.6}


# -- values computed from the parameters --------------------------------------------------
def test_a_reduction_along_an_axis_of_a_value_made_from_parameters():
    values = point("    e = (y - y_true) / (atol + rtol * np.abs(y_true))\n"
                   "    return np.linalg.norm(e, axis=0) / np.sqrt(e.shape[0])\n",
                   "y, y_true, rtol, atol")
    # one array is enough (the rest broadcast): the first parameter that can be one
    assert _len(values["y"]) == 3
    assert all(isinstance(values[k], float) for k in ("y_true", "rtol", "atol"))
    values = point("    e = x - y\n    return np.sum(e, axis=1)\n", "x, y")
    assert _shape(values["x"]) == (3, 2)


def test_array_methods_on_a_value_made_from_a_parameter():
    values = point("    y = (0.5 + 2.0) * np.exp(-t)\n    return y.reshape((1, -1))\n", "t")
    assert _len(values["t"]) == 3
    values = point("    e = np.sin(x) * k\n    return e.sum()\n", "x, k")
    assert _len(values["x"]) == 3 and values["k"] == 0.6


def test_indexing_a_value_made_from_parameters():
    body = ("    xx = x / x_break\n    f = np.zeros_like(xx)\n    i = xx > 1.0\n"
            "    f[i] = xx[i] ** 2\n    return f\n")
    values = point(body, "x, x_break")
    assert _len(values["x"]) == 3 and isinstance(values["x_break"], float)


def test_a_value_made_from_parameters_passed_where_an_array_is_written():
    src = (f"{HEAD}def _cut(x, result):\n    result[x < 0] = 0.0\n\n\n"
           "def model(x, amplitude):\n    result = amplitude * np.exp(-x ** 2)\n"
           "    _cut(x, result)\n    return result\n")
    values = analyze(src).function("model").point.values
    assert _len(values["x"]) == 3 and isinstance(values["amplitude"], float)


@pytest.mark.parametrize("body", [
    "    e = x * GRID\n    return e[0]\n",  # GRID: a module value of unknown shape
    "    e = x * np.linspace(0.0, 1.0, 5)\n    return e[0]\n",
    "    r = helper(x)\n    return r[0]\n",  # what helper returns is not followed
])
def test_an_array_the_value_may_get_elsewhere_says_nothing_about_the_parameter(body):
    assert point(body, "x")["x"] == 0.5


# -- the body's own guards ------------------------------------------------------------
@pytest.mark.parametrize(("guard", "shape"), [
    ("    if samples.ndim != 2 or samples.shape[1] != 4:\n        raise ValueError('n x 4')\n",
     (3, 4)),
    ("    if not len(samples.shape) == 2:\n        raise ValueError('n x 2')\n", (3, 2)),
    ("    if samples.shape[2] != 5:\n        raise ValueError('5 channels')\n", (3, 2, 5)),
])
def test_a_guard_on_the_shape_pins_it(guard, shape):
    values = point(guard + "    return np.mean(samples, axis=0).sum()\n", "samples")
    assert _shape(values["samples"]) == shape


@pytest.mark.parametrize("body", [
    "    x = float(x)\n    return x ** 2\n",
    "    if x < 0:\n        raise ValueError('negative')\n    return x ** 2\n",
    "    return math.exp(x)\n",
])
def test_a_parameter_the_body_needs_as_a_number_stays_one(body):
    # in a class, a parameter name means the same in every method: unless the method's own
    # body says it is a number
    src = (f"{HEAD}class Density:\n    def __call__(self, x):\n"
           "        return np.sum(x[0] ** 2 + x[1] ** 2)\n\n"
           "    def cdf(self, x):\n" + "".join(f"    {line}\n" for line in body.splitlines()))
    m = analyze(src)
    assert m.function("Density.__call__").point.values["x"] == [0.5, 0.6]
    assert m.function("Density.cdf").point.values["x"] == 0.5


def test_an_index_parameter_stays_inside_what_it_indexes():
    values = point("    if len_mask != 0:\n        return X[mask, :]\n"
                   "    return np.zeros(shape=(0, X.shape[1]))\n", "X, mask, len_mask")
    assert _shape(values["X"]) == (3, 2)
    assert values["mask"] in (0, 1, 2)
    # a count stays a count (3), also where it indexes: range(n) says it is a size
    values = point("    return sum(x[k] for k in range(n)) + x[n - 1]\n", "x, n")
    assert values["n"] == 3


# -- lengths --------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "length"), [
    ("    n = int(np.sqrt(x.shape[0]))\n    return np.sum(x.reshape((n, n)) ** 2)\n", 4),
    ("    n = int(len(x) ** 0.5)\n    return np.sum(x.reshape(n, n))\n", 4),
    ("    return np.sum(x.reshape(-1, 2) ** 2)\n", 4),
    ("    return np.sum(x.reshape((2, 3)))\n", 6),
    ("    half = len(x) // 2\n    return np.sum(x[:half] * x[half:])\n", 4),
])
def test_a_length_the_body_reshapes_or_splits(body, length):
    assert _len(point(body, "x")["x"]) == length


def test_a_first_element_with_a_length_used_too_is_only_a_minimum():
    # grad_elli-style code divides by N - 1: a one-value vector is no fair point
    values = point("    N = len(x)\n    return x[0] + np.sum(x ** 2) / (N - 1.0)\n", "x")
    assert _len(values["x"]) == 3
    # indices alone, or unpacking, still pin the length
    assert _len(point("    return x[0] * x[1]\n", "x")["x"]) == 2
    assert _len(point("    a, b = x\n    return a * b * len(x)\n", "x")["x"]) == 2


def test_the_static_cost_reads_the_shapes_found_through_iteration():
    src = (f"{HEAD}def quartic(coeffs):\n    f = 0.0\n"
           "    for j, c in enumerate(coeffs):\n        f += c ** 4 * (j + 1.0)\n    return f\n")
    cost = static_part(analyze(src).function("quartic")).cost
    assert cost.n_inputs == 3 and cost.n_outputs == 1
    assert cost.recommended == "reverse"


def test_lengths_set_by_the_constructor():
    src = (f"{HEAD}class Packed:\n    def __init__(self, n_items=4, dimension=5):\n"
           "        self.n = n_items\n        self._d = int(dimension)\n\n"
           "    def parts(self, x):\n        a = x[:self.n]\n        b = x[self.n:2 * self.n]\n"
           "        c = x[2 * self.n:]\n        return np.sum(a * b * c)\n\n"
           "    def flat(self, x):\n        y = np.array(x, dtype=float).reshape(self._d)\n"
           "        return np.sum(y ** 2) + x[0]\n")
    m = analyze(src)
    # x[2 * n:] next to x[:n], x[n:2 * n]: three parts of n each
    assert _len(m.function("Packed.parts").point.values["x"]) == 12
    # reshape(self._d): exactly that many values, more than x[0] says
    assert _len(m.function("Packed.flat").point.values["x"]) == 5


@pytest.mark.parametrize("body", [
    "    listed = await lenses(client, uri)\n    return [z for z in listed]\n",
    "    edits = client.applied_edits[3:]\n    return edits[0]\n",
    "    found = lookup(client)\n    for r in found:\n        pass\n",
])
def test_what_an_unknown_function_or_an_attribute_gives_is_not_made_from_the_argument(body):
    src = f"{HEAD}async def f(client, uri):\n{body}"
    assert analyze(src).function("f").point.values["client"] == 0.5

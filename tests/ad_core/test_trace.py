"""ad.trace: the Wengert list's rows, values, adjoints, lines and text."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

import ad_core as ad


def f(x, y):
    a = np.sin(x)
    b = a * y
    return b + x * y


def test_rows_name_primitives_and_refer_to_earlier_rows():
    t = ad.trace(f, 1.5, 2.0)
    assert [r.op for r in t.rows] == ["input", "input", "sin", "mul", "mul", "add"]
    assert [r.expr for r in t.rows] == ["x", "y", "sin(v1)", "mul(v3, v2)", "mul(v1, v2)",
                                        "add(v4, v5)"]
    assert [r.ref for r in t.rows] == ["v1", "v2", "v3", "v4", "v5", "v6"]
    assert t.rows[2].args == ("v1",)
    assert t.outputs[0][1] == 5
    assert t.ops == 4 and t.n_inputs == 2 and t.n_outputs == 1


def test_values_are_those_of_the_evaluation():
    t = ad.trace(f, 1.5, 2.0)
    assert t.rows[0].value == 1.5
    assert t.rows[2].value == pytest.approx(math.sin(1.5))
    assert t.rows[-1].value == pytest.approx(f(1.5, 2.0))
    assert t.value == pytest.approx(f(1.5, 2.0))


def test_scalar_output_gets_adjoints_from_one_reverse_sweep():
    t = ad.trace(f, 1.5, 2.0)
    gx, gy = ad.grad(f, (0, 1))(1.5, 2.0)
    assert t.rows[0].adjoint == pytest.approx(gx)
    assert t.rows[1].adjoint == pytest.approx(gy)
    assert t.rows[-1].adjoint == 1.0
    assert t.rows[2].adjoint == pytest.approx(2.0)  # ∂(sin(x)·y + xy)/∂sin(x) = y


def test_str_prints_one_line_per_row_with_values_and_adjoints():
    text = str(ad.trace(f, 1.5, 2.0))
    lines = text.splitlines()
    assert lines[0].startswith("v1 = x") and "= 1.5" in lines[0]
    assert lines[2].startswith("v3 = sin(v1)") and "0.997495" in lines[2]
    assert "v̄3 = 2" in lines[2]
    assert lines[-1] == "output: v6"


def test_lines_point_into_the_traced_function():
    t = ad.trace(f, 1.5, 2.0)
    first = inspect.getsourcelines(f)[1]
    assert t.rows[0].line == first  # inputs: the def line
    assert [r.line - first for r in t.rows[2:]] == [1, 2, 3, 3]


def test_vector_output_has_no_adjoints_until_backward_with_a_seed():
    A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    t = ad.trace(lambda x: np.tanh(A @ x), np.array([0.1, 0.2]))
    assert not t.has_adjoints
    assert [r.op for r in t.rows] == ["input", "matmul", "tanh"]
    assert t.rows[1].args == ("const[3, 2]", "v1")
    assert t.n_inputs == 2 and t.n_outputs == 3
    with pytest.raises(ValueError, match="seed"):
        t.backward()
    seed = np.array([0.0, 1.0, 0.0])
    t.backward(seed)
    np.testing.assert_allclose(t.rows[0].adjoint, ad.jacrev(lambda x: np.tanh(A @ x))(
        np.array([0.1, 0.2]))[1])
    assert "v̄1" in str(t)


def test_params_and_constants_are_shown():
    t = ad.trace(lambda w: np.sum(w[1:] * 2.0, axis=0), np.ones(4))
    assert [r.expr for r in t.rows[1:]] == ["getitem(v1, idx=1:)", "mul(v2, 2)",
                                           "sum(v3, axis=(0,))"]


def test_flops_come_from_the_table():
    t = ad.trace(lambda w: np.sum(np.sin(w)), np.ones(5))
    sin = ad.PRIMITIVES["sin"]
    assert t.rows[1].flops == sin.cost(np.sin(np.ones(5)), np.ones(5))
    assert t.flops == sum(r.flops for r in t.rows)


def test_int_used_in_range_is_held_constant():
    def g(x, n):
        s = x
        for _ in range(n):
            s = s * x
        return s
    t = ad.trace(g, 2.0, 3)
    assert t.n_inputs == 1 and t.ops == 3
    assert t.rows[0].adjoint == pytest.approx(4 * 2.0 ** 3)


def test_explicit_argnums_traces_only_those_and_rejects_bad_types():
    t = ad.trace(f, 1.5, 2.0, argnums=1)
    assert t.n_inputs == 1 and t.rows[0].name == "y"
    assert t.rows[0].adjoint == pytest.approx(math.sin(1.5) + 1.5)
    with pytest.raises(TypeError, match="'y'"):
        ad.trace(f, 1.5, "two", argnums=1)


def test_output_independent_of_inputs_is_a_constant():
    t = ad.trace(lambda x: 3.0, 1.0)
    assert t.ops == 0 and "output: constant" in str(t)


def test_as_dicts_is_json_ready():
    import json
    d = ad.trace(lambda w: np.sum(w * w), np.array([1.0, 2.0])).as_dicts()
    json.dumps(d)
    assert d[0]["value"] == [1.0, 2.0] and d[0]["adjoint"] == [2.0, 4.0]


def test_tracing_leaves_the_gradient_path_alone():
    ad.trace(f, 1.5, 2.0)
    assert ad.grad(f)(1.5, 2.0) == pytest.approx(math.cos(1.5) * 2.0 + 2.0)

"""ad.trace for debugging a gradient: where NaN or inf started (forward and backward),
the where trap (NaN without ad_core's masking, as PyTorch and JAX compute), and the local
variables each statement bound (``names=True``)."""

from __future__ import annotations

import inspect
import math
import sys
import warnings

import numpy as np
import pytest

import ad_core as ad

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(0), sqrt(-1): the point


def line_in(f, text: str) -> int:
    """The 1-based line of ``f``'s file where ``text`` is."""
    lines, first = inspect.getsourcelines(f)
    return first + next(i for i, s in enumerate(lines) if text in s)


def angle(u, v):
    c = np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))
    theta = np.arccos(c)
    return theta


def test_an_infinite_adjoint_is_traced_to_the_operation_that_made_it():
    e = np.array([1.0, 0.0])
    t = ad.trace(angle, e, e, names=True)
    # ∂c/∂u[0] is 1 - 1 (inf · that difference is NaN); ∂c/∂u[1] is exactly 0, and a
    # zero factor wins over arccos' infinite one (docs/ad_core.md), so that entry is 0
    assert np.isnan(t.rows[0].adjoint[0]) and t.rows[0].adjoint[1] == 0.0
    (n,) = t.nonfinite
    assert (n.sweep, n.op, n.kind, n.target) == ("backward", "arccos", "-inf", "c")
    assert n.operands == [("c", 1.0)]
    assert n.line == line_in(angle, "np.arccos(c)")
    assert n.reaches == ["u", "v"] and n.through == [line_in(angle, "c = np.dot")]
    assert n.message == (f"adjoint of arccos(c) is -inf at c = 1 (line {n.line}); it reaches "
                         f"∂angle/∂u, ∂angle/∂v through line {n.line - 1}")
    # and the printout marks the row, then says it
    text = str(t)
    assert "arccos(v7)" in text and "⚠ adjoint of c becomes -inf here" in text
    assert text.endswith("⚠ " + n.message)


def test_without_names_the_rows_are_named_as_in_the_list():
    e = np.array([1.0, 0.0])
    (n,) = ad.trace(angle, e, e).nonfinite
    assert n.what == "adjoint of arccos(v3 / v6) is -inf at (v3 / v6) = 1"


def radius(x, y):
    r2 = x * x + y * y
    r = np.sqrt(r2)
    return r


def test_an_infinite_adjoint_that_does_not_reach_the_gradient_is_not_reported():
    # sqrt'(0) = inf meets ∂(x·x)/∂x = 0 on the way: ad_core's 0 · inf = 0 ("zero
    # wins") gives the gradient 0, so there is nothing to explain
    t = ad.trace(radius, 0.0, 0.0)
    assert t.rows[0].adjoint == 0.0 and math.isinf(t.rows[4].adjoint)
    assert t.nonfinite == []


def likelihood(p, counts):
    logs = np.log(p)
    return np.sum(counts * logs)


def test_a_nan_value_is_traced_forward_to_where_it_started():
    t = ad.trace(likelihood, np.array([0.0, 0.5]), np.array([0.0, 2.0]), names=True)
    forward = [n for n in t.nonfinite if n.sweep == "forward"]
    (n,) = forward
    assert (n.op, n.kind, n.element, n.operands) == ("log", "-inf", (0,), [("p[0]", 0.0)])
    assert n.line == line_in(likelihood, "np.log(p)")
    assert n.message.endswith(f"it reaches likelihood's value through line {n.line + 1}")


def test_what_does_not_reach_the_output_is_not_reported():
    # log(0) in the branch not taken: the value is finite, nothing to report forward;
    # ad_core's gradient is finite too, so nothing backward
    def f(x):
        return np.sum(np.where(x > 0, np.log(np.abs(x) + (x == 0)), 0.0))

    assert ad.trace(f, np.array([0.0, 2.0])).nonfinite == []
    assert ad.trace(lambda x: x * x + 1.0, 3.0).nonfinite == []


def sqrt_or_zero(x):
    r = np.where(x > 0, np.sqrt(x), 0.0)
    return np.sum(r)


def sqrt_or_zero_fixed(x):
    r = np.where(x > 0, np.sqrt(np.where(x > 0, x, 1.0)), 0.0)
    return np.sum(r)


def log_floor(x):
    return np.maximum(np.log(x), -10.0) * 2.0


@pytest.mark.parametrize("x, slope", [(np.array([-1.0, 0.25, 4.0]), "nan"),
                                      (np.array([0.0, 0.25]), "inf")])
def test_the_where_trap_is_found_where_masking_made_the_difference(x, slope):
    t = ad.trace(sqrt_or_zero, x, names=True)
    assert np.all(np.isfinite(t.rows[0].adjoint))  # ad_core: finite
    (w,) = t.where_traps
    assert (w.op, w.branch, w.kind, w.inputs) == ("where", "sqrt(x)", slope, ["x"])
    assert w.line == line_in(sqrt_or_zero, "np.where")
    assert w.operands == [("x[0]", float(x[0]))]
    assert w.what.endswith("PyTorch and JAX give NaN here (in ∂sqrt_or_zero/∂x); "
                           "ad_core masks it")
    # the double where: no trap, the same gradient
    fixed = ad.trace(sqrt_or_zero_fixed, x)
    assert fixed.where_traps == []
    assert np.array_equal(fixed.rows[0].adjoint, t.rows[0].adjoint)


def test_the_trap_in_maximum_and_no_trap_where_the_branch_is_taken():
    (w,) = ad.trace(log_floor, 0.0).where_traps
    assert (w.op, w.branch, w.kind) == ("maximum", "log(x)", "inf")
    assert w.what.startswith("the maximum does not pick log(x) at x = 0")
    assert ad.trace(log_floor, 1.0).where_traps == []
    assert ad.trace(sqrt_or_zero, np.array([0.5, 4.0])).where_traps == []


def test_the_ieee_sweep_agrees_with_pytorch_style_arithmetic():
    # Reverse mode by hand, IEEE arithmetic, no masking: what autograd, PyTorch and JAX do.
    x = np.array([-1.0, 0.0, 4.0])
    with np.errstate(all="ignore"):
        g_sqrt = np.where(x > 0, 1.0, 0.0)  # where's VJP into the sqrt branch
        naive = g_sqrt * 0.5 / np.sqrt(x)  # sqrt's VJP: 0 * inf = nan, 0 * nan = nan
    assert np.isnan(naive[0]) and np.isnan(naive[1]) and naive[2] == 0.25
    t = ad.trace(sqrt_or_zero, x)
    ieee, _ = t._sweep(ieee=True)
    assert np.array_equal(ieee[0], naive, equal_nan=True)
    masked, _ = t._sweep(ieee=False)
    assert np.array_equal(masked[0], t.rows[0].adjoint)


def layers(x, w):
    h = x
    for _ in range(3):
        h = np.tanh(w * h)
    a, b = h, 2.0 * h
    total = a + b
    return total


def test_names_records_what_each_statement_bound():
    t = ad.trace(layers, 0.5, 1.5, names=True)
    by = {(b.line, b.name): b for b in t.bindings}
    loop = line_in(layers, "h = np.tanh")
    h = by[(loop, "h")]
    assert h.count == 3 and h.row is not None
    assert h.value == pytest.approx(t.rows[h.row - 1].value)
    assert t.rows[h.row - 1].var == "h" or t.rows[h.row - 1].var is None
    pair = line_in(layers, "a, b = h")
    assert {n for (line, n) in by if line == pair} == {"a", "b"}
    assert by[(line_in(layers, "h = x"), "h")].row == 1  # the input itself
    total = by[(line_in(layers, "total ="), "total")]
    assert t.rows[total.row - 1].adjoint == 1.0
    # the adjoint of the last h: ∂total/∂h = 3
    assert t.rows[h.row - 1].adjoint == pytest.approx(3.0)
    # the loop counter is an int: recorded with its value, no row
    assert by[(line_in(layers, "for _ in"), "_")].row is None


def test_names_leaves_a_debuggers_trace_function_in_place():
    calls = []

    def tracer(frame, event, arg):
        calls.append(event)
        return None

    old = sys.gettrace()
    sys.settrace(tracer)
    try:
        ad.trace(layers, 0.5, 1.5, names=True)
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(old)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ad.trace(layers, 0.5, 1.5).bindings == []  # off by default


def sqrt_relu(x):
    m = np.maximum(x, 0.0)
    return np.sum(np.sqrt(m))


def test_a_maximum_passing_an_infinite_adjoint_back_times_zero_is_a_trap():
    x = np.array([-1.0, 4.0])
    t = ad.trace(sqrt_relu, x, names=True)
    assert np.array_equal(t.rows[0].adjoint, [0.0, 0.25])  # ad_core: zero wins
    ieee, _ = t._sweep(ieee=True)
    assert np.isnan(ieee[0][0])  # IEEE: inf · 0
    (w,) = t.where_traps
    assert (w.op, w.line, w.branch_line) == ("maximum", line_in(sqrt_relu, "np.maximum"),
                                             line_in(sqrt_relu, "np.sqrt"))
    assert w.what.startswith("the maximum does not pick x at x[0] = -1, but the adjoint it "
                             "passes back is inf (from sqrt(m)), times 0")
    assert ad.trace(sqrt_relu, np.array([1.0, 4.0])).where_traps == []


def test_watching_stops_after_its_budget_and_says_so(monkeypatch):
    from ad_core import wengert

    monkeypatch.setattr(wengert, "NAMES_BUDGET", 0.0)
    before = sys.gettrace()
    t = ad.trace(layers, 0.5, 1.5, names=True)
    assert t.bindings_cut and t.bindings == []  # what was seen is incomplete: dropped
    assert t.rows[0].adjoint == ad.grad(layers)(0.5, 1.5)  # the trace itself is whole
    assert sys.gettrace() is before


def _mlp(W1, W2, x):
    h = np.tanh(W1 @ x)
    return np.sum((W2 @ h) ** 2) + np.einsum("ij,ij->", W1, W1)


def _indexing(x):
    y = x[1:] * x[:-1]
    z = np.concatenate([y, x[::2]])
    return np.sum(np.sort(z)[-2:]) + np.max(x) + np.prod(x)


def _inplace(x):
    a = np.zeros_like(x)  # a traced array: ad_core follows writes into it
    a[0] = x[0] * 2.0
    a[1:] = np.sin(x[1:])
    return np.sum(a * a)


@ad.custom_vjp
def _clipped(x):
    return np.clip(x, -1.0, 1.0)


_clipped.defvjp(lambda x: (_clipped(x), None), lambda res, g: (g,))


def _custom(x):
    return np.sum(_clipped(x) ** 2)


def _selects(x):
    return np.sum(np.where(x > 0.5, np.sqrt(np.abs(x)), np.log1p(x * x))
                  + np.maximum(x, 0.1) * np.minimum(x, 0.9))


@pytest.mark.parametrize("f, args", [
    (_mlp, (np.arange(6.0).reshape(2, 3) / 7, np.array([[0.3, -0.2]]), np.array([0.5, -1.0, 2.0]))),
    (_indexing, (np.array([0.3, -1.2, 2.0, 0.7, 1.1]),)),
    (_inplace, (np.array([0.3, -1.2, 2.0]),)),
    (_custom, (np.array([0.3, -1.2, 2.0]),)),
    (_selects, (np.array([0.1, 0.3, 0.5, 0.9, 2.0]),)),
    (angle, (np.array([1.0, 2.0]), np.array([-0.5, 0.25]))),
])
def test_the_watching_sweep_computes_what_reverse_mode_computes(f, args):
    # The provenance sweep is a copy of reverse mode's loop that watches each cotangent:
    # with masking it must give the adjoints ad.trace has (ad.grad's), row by row.
    t = ad.trace(f, *args)
    masked, _ = t._sweep(ieee=False)
    for row, adj in zip(t.rows, masked):
        if row.adjoint is None:
            continue
        assert np.allclose(adj, row.adjoint, rtol=1e-12, atol=1e-12), (row, adj)
    assert t.nonfinite == [] and t.where_traps == []  # finite everywhere here


def test_names_after_a_time_boxed_sympy_call_does_not_hang():
    # The symbolic path's time box once cleared a pending async exception with
    # PyThreadState_SetAsyncExc(id, NULL), which leaves the interpreter's signal set:
    # on Python 3.11 a traced frame then loops forever on its first line. In a
    # subprocess, so that a regression fails this test instead of hanging the suite.
    import subprocess

    code = ("import ad_core as ad\nfrom ad_core.symbolic import _budget\n"
            "assert _budget.run(lambda: 1, 5.0) == (True, 1)\n"
            "def f(x):\n    y = x * x\n    return y\n"
            "print(ad.trace(f, 3.0, names=True).bindings[0].value)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "9.0", r.stderr


def filled(x):
    # what the kernel's rewrite makes of item writes into a fresh zeros array
    from ad_core._numpy.inplace import setitem_rebinding

    g = np.zeros(3)
    g = setitem_rebinding(x[0] ** 2, g, 0)
    g = setitem_rebinding(x[1] * x[0], g, 1)
    return np.sum(g)


def aliased_under_watch(x):
    from ad_core._numpy.inplace import setitem_rebinding

    g = np.zeros(2)
    seen = g  # another name: rebinding g would hide the write from it
    g = setitem_rebinding(x[0], g, 0)
    return np.sum(seen)


def test_watching_names_keeps_no_reference_that_makes_a_lone_array_look_shared():
    x = np.array([0.5, 2.0])
    t = ad.trace(filled, x, names=True)
    by = {(b.line, b.name): b for b in t.bindings}
    # the value as bound on that line, not as the later write left the array
    assert by[(line_in(filled, "g = np.zeros"), "g")].value.tolist() == [0.0, 0.0, 0.0]
    first = by[(line_in(filled, "x[0] ** 2"), "g")]
    assert np.asarray(first.value).tolist() == [0.25, 0.0, 0.0]
    assert t.rows[first.row - 1].adjoint is not None
    np.testing.assert_allclose(ad.grad(filled)(x), [2 * 0.5 + 2.0, 0.5])
    # the watcher's own reference is discounted by name: an alias is still refused
    with pytest.raises(TypeError, match="something else also refers to"):
        ad.trace(aliased_under_watch, x, names=True)
    with pytest.raises(TypeError, match="something else also refers to"):
        ad.grad(aliased_under_watch)(x)

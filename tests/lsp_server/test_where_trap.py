"""The where trap, found statically, and its quick fix (the double-where form): the fix
is applied to the text and the rewritten code differentiated."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ad_core as ad
from lsp_server.analysis import Fix, analyze


def apply(text: str, fix: Fix) -> str:
    lines = text.split("\n")
    s = fix.span
    head = "\n".join(lines[: s.line] + [lines[s.line][: s.col]])
    tail = "\n".join([lines[s.end_line][s.end_col :]] + lines[s.end_line + 1 :])
    return head + fix.text + tail


def load(text: str, name: str):
    ns: dict = {}
    exec(compile(text, "<test>", "exec"), ns)
    return ns[name]


def traps(text: str, name: str = "f"):
    return [p for p in analyze(text).function(name).problems if p.code == "where-trap"]


CASES = {
    # the classic: sqrt'(0) = inf in the branch not taken where x <= 0
    "sqrt": ("def f(x):\n    return np.sum(np.where(x > 0, np.sqrt(x), 0.0))\n",
             np.array([-1.0, 0.0, 0.25, 4.0])),
    # the trap in the second branch, a division and a log, over two lines
    "second branch": ("def f(x):\n    y = np.where(x <= 0, 0.0,\n"
                      "                 np.log(x) / x)\n    return np.sum(y)\n",
                      np.array([-2.0, 0.0, 0.5, 3.0])),
    # x log x with its convention at 0, written with another numpy alias
    "xlogx": ("def f(p):\n    return -numpy.sum(numpy.where(p > 0, p * numpy.log(p), 0.0))\n",
              np.array([0.0, 0.25, 0.75])),
    # a fractional power and arcsin
    "power": ("def f(x):\n    a = np.where(x > 0, x ** 0.5, 0.0)\n"
              "    b = np.where(abs(x) < 1, np.arcsin(x), 0.0)\n    return np.sum(a + b)\n",
              np.array([-1.0, 0.0, 0.5, 1.0])),
}


@pytest.mark.parametrize("case", CASES)
def test_the_double_where_fix_keeps_value_and_gradient_and_is_found_no_more(case: str) -> None:
    body, x = CASES[case]
    text = "import numpy as np\nimport numpy\n\n\n" + body
    found = traps(text)
    assert found and all(p.fix is not None for p in found)
    assert "PyTorch and JAX then give NaN here (0 · inf); ad_core masks it" in found[0].message
    fixed = text
    for p in sorted(found, key=lambda p: p.span, reverse=True):  # bottom-up: spans stay valid
        fixed = apply(fixed, p.fix)
    assert traps(fixed) == []  # the rewritten form is recognised as safe
    f, g = load(text, "f"), load(fixed, "f")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the original evaluates sqrt(-1)
        assert g(x) == pytest.approx(f(x))
        original = ad.grad(f)(x)
    rewritten = ad.grad(g)(x)
    assert np.all(np.isfinite(rewritten))
    assert rewritten == pytest.approx(original)


def test_the_rewritten_code_has_no_zero_times_infinity_anywhere():
    # Without masking (as PyTorch and JAX compute), reverse mode multiplies the zero
    # cotangent of the branch not taken by the branch's derivative. In the rewritten form
    # that derivative is finite everywhere: check it at every element, not only its sum.
    text = "import numpy as np\n\n\ndef f(x):\n    return np.where(x > 0, np.sqrt(x), 0.0)\n"
    (p,) = traps(text)
    fixed = apply(text, p.fix)
    assert "np.sqrt(np.where(x > 0, x, 1.0))" in fixed
    x = np.array([-1.0, 0.0, 0.25])
    guarded = np.where(x > 0, x, 1.0)  # what sqrt now sees
    assert np.all(np.isfinite(0.5 / np.sqrt(guarded)))  # sqrt' there: finite
    jac = ad.jacrev(load(fixed, "f"))(x)
    assert np.array_equal(jac, np.diag([0.0, 0.0, 0.5 / np.sqrt(0.25)]))


def test_maximum_is_flagged_without_a_rewrite_and_safe_code_is_not_flagged():
    text = ("import numpy as np\n\nC = 2.0\n\ndef f(x):\n"
            "    a = np.maximum(np.log(x), -10.0)\n"  # flagged, no automatic rewrite
            "    b = np.where(x > 0, np.sqrt(C), 0.0)\n"  # sqrt of a constant: fine
            "    d = np.where(x > 0, x * 2.0, 0.0)\n"  # nothing at an edge: fine
            "    e = np.where(x > 0, np.sqrt(np.where(x > 0, x, 1.0)), 0.0)\n"  # fixed form
            "    return a + b + d + e\n")
    found = traps(text)
    assert [(p.span.line, p.fix) for p in found] == [(5, None)]
    assert "where np.log(x) is not the larger" in found[0].message


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the original meets sqrt'(0) = inf
def test_an_edgy_function_of_a_clamp_is_flagged_and_rewritten():
    # sqrt(max(x, 0)): where x < 0 the maximum passes sqrt'(0) = inf back times 0
    text = ("import numpy as np\n\n\ndef f(x):\n"
            "    return np.sum(np.sqrt(np.maximum(x, 0.0)))\n\n\n"
            "def g(x):\n"
            "    return np.sum(np.log(np.minimum(x, 2.0)))\n")  # clamped away from log's edge
    (p,) = traps(text)
    assert p.fix is not None and "sqrt's derivative at 0.0 is infinite" in p.message
    assert traps(text, "g") == []
    fixed = apply(text, p.fix)
    assert "np.where(x > 0.0, np.sqrt(np.where(x > 0.0, x, 1.0)), np.sqrt(0.0))" in fixed
    x = np.array([-1.0, 0.25, 4.0])
    f, g = load(text, "f"), load(fixed, "f")
    assert g(x) == pytest.approx(f(x))
    assert ad.trace(f, x).where_traps  # at the point: the trap, found by the IEEE sweep
    t = ad.trace(g, x)
    assert t.where_traps == [] and t.nonfinite == []
    assert np.array_equal(t.rows[0].adjoint, ad.grad(f)(x))
    assert np.array_equal(t.rows[0].adjoint, [0.0, 1.0, 0.25])

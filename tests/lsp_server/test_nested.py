"""Functions defined inside a function or a method (closures): listed as ``outer.inner`` /
``Class.method.inner``, paired with their siblings, reached in the real kernel by running
the enclosing function (at its point, on its instance) and checked; when the enclosing
function cannot run, or the name is bound to something else, the card says why. Through
the analysis, the real kernel and the real CLI (the server: test_server_nested.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lsp_server import render
from lsp_server.analysis import analyze

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "robustness"))
sys.path.insert(0, str(HERE))
from kernel_cards import all_cards  # noqa: E402  (the robustness tests' helper)
from nested_source import SOURCE  # noqa: E402

ROOT = HERE.parents[1]


# -- the analysis ---------------------------------------------------------------------------


def test_closures_are_listed_under_their_enclosing_function():
    model = analyze(SOURCE)
    names = [f.name for f in model.functions]
    for name in ("Constraint.constr.fun", "Constraint.constr.jac", "Constraint.constr.hess",
                 "Constraint.model.loss", "Constraint.model.loss_grad", "make_loss.loss",
                 "make_loss.loss_grad", "cannot_run.f", "rebinds.jac"):
        assert name in names, name
    assert "Constraint.constr" not in names  # a property gets no card; its closures do
    jac = model.function("Constraint.constr.jac")
    assert jac.binding == "nested" and jac.scope == "Constraint.constr"
    assert jac.cls == "Constraint" and jac.enclosing.name == "Constraint.constr"
    assert jac.instance is not None and jac.instance.text == "Constraint()"
    assert model.function("make_loss.loss").enclosing is model.function("make_loss")


def test_only_defs_directly_in_the_body_through_compound_statements():
    model = analyze("def outer(a=1.0):\n"
                    "    with open('f') as fh:\n"
                    "        for i in range(2):\n"
                    "            def inner(x):\n"
                    "                def deeper(y):\n"
                    "                    return y\n"
                    "                return x\n"
                    "    class Local:\n"
                    "        def method(self, x):\n"
                    "            return x\n"
                    "    return inner\n")
    assert [f.name for f in model.functions] == ["outer", "outer.inner"]


def test_siblings_pair_by_the_conventions_of_a_class_and_the_card_names_the_scope():
    model = analyze(SOURCE)
    jac = model.function("Constraint.constr.jac")
    assert jac.gradient_of == "Constraint.constr.fun"
    assert jac.pairing.rule == "in the body of Constraint.constr: jac of fun"
    hess = model.function("Constraint.constr.hess")
    assert hess.pairing.kind == "weighted-hessian" and hess.gradient_of == "Constraint.constr.fun"
    grad = model.function("make_loss.loss_grad")
    assert grad.gradient_of == "make_loss.loss" and grad.pairing.rule == "by name: the _grad suffix"
    # the enclosing function's own name is no sibling: a top-level f stays unpaired
    assert model.function("cannot_run.f").pairing is None


def test_a_closure_pairs_with_a_module_function_by_name_only():
    model = analyze("def f(x):\n    return x ** 2\n\n\n"
                    "def test_it():\n"
                    "    def f_grad(x):\n        return 2 * x\n"
                    "    def jac(x):\n        return 2 * x\n"
                    "    return f_grad, jac\n")
    assert model.function("test_it.f_grad").gradient_of == "f"
    assert model.function("test_it.jac").pairing is None  # no sibling fun: no class rule


def test_a_factorys_nth_derivative_is_no_guess_of_a_first_derivative():
    # numdifftools' derivative_inv(n): dinv is the n-th derivative, n an argument of the
    # enclosing call that inv does not read; dexp2 reads n too (beside numpy's exp2)
    model = analyze("from numpy import exp2, log, square\n\n\n"
                    "def derivative_inv(n):\n"
                    "    def inv(x):\n        return 1.0 / x\n"
                    "    def dinv(x):\n        return (-1) ** n / x ** (n + 1)\n"
                    "    return (inv, dinv)[min(n, 1)]\n\n\n"
                    "def derivative_exp2(n):\n"
                    "    def dexp2(x):\n        return exp2(x) * log(2) ** n\n"
                    "    return dexp2\n\n\n"
                    "def derivative_square(n):\n"
                    "    def dsquare(x):\n        return 2 * x\n"
                    "    return dsquare\n")
    assert model.function("derivative_inv.dinv").pairing is None
    assert model.function("derivative_exp2.dexp2").pairing is None
    # one that reads nothing of its call is the d-prefix rule's, as at top level
    assert model.function("derivative_square.dsquare").gradient_of == "numpy.square"


def test_hover_finds_the_innermost_function():
    model = analyze(SOURCE)
    jac = model.function("Constraint.constr.jac")
    target = model.locate(jac.name_span.line, jac.name_span.col)
    assert target is not None and target.kind == "def" and target.function is jac
    line = jac.body_lines[0]
    assert model.locate(line, 20).function is jac


# -- the real kernel ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cards():
    return all_cards(SOURCE, time_limit=10.0)


def test_a_right_closure_pair_is_verified_on_the_real_instance(cards):
    jac = cards["Constraint.constr.jac"]
    assert jac.check is not None and jac.check.outcome == "verified"
    assert jac.rule == "in the body of Constraint.constr: jac of fun"
    fun = cards["Constraint.constr.fun"]
    # the closure sees self.scale = 2.0 of Constraint(): 2*(x0² + x1²) at x=[0.5, 0.6]
    assert fun.value is not None and fun.value.value == pytest.approx(2.0 * (0.25 + 0.36))


def test_a_wrong_closure_is_marked_wrong(cards):
    grad = cards["Constraint.model.loss_grad"]
    assert grad.check is not None and grad.check.outcome == "wrong"
    assert render.check_line(grad).startswith("✗ ∂Constraint.model.loss/∂w[")


def test_a_closure_sees_the_enclosing_functions_point(cards):
    loss = cards["make_loss.loss"]
    assert loss.value is not None and loss.gradient is not None
    assert cards["make_loss.loss_grad"].check.outcome == "verified"


def test_a_weighted_hessian_is_the_hessian_of_v_times_the_function(cards):
    hess = cards["Constraint.constr.hess"]
    assert hess.check is not None and hess.check.outcome == "verified"
    assert hess.check.kind == "weighted hessian"
    assert render.check_line(hess) == "✓ matches the Hessian of v·Constraint.constr.fun"


def test_an_enclosing_function_that_cannot_run_is_named_with_its_error(cards):
    f = cards["cannot_run.f"]
    assert f.value is None and f.check is None
    assert f.status == "error"
    assert f.message.startswith("running cannot_run at n=3 raised RuntimeError: not today "
                                "(line 58)")
    # the hint is the enclosing function's point, not the closure's own
    hints = [h.message for h in f.hints]
    assert any(h.startswith("cannot_run could not run at a made-up point") for h in hints)
    assert not any(h.startswith("cannot_run.f could not run") for h in hints)
    der = cards["cannot_run.f_der"]
    assert der.check is None and "running cannot_run" in render.check_line(der)


def test_a_name_rebound_in_the_branch_taken_is_not_checked(cards):
    jac = cards["rebinds.jac"]
    assert jac.check is None and jac.status == "error"
    assert jac.message == (
        "jac is bound to another function (other_jac) when rebinds returns, not to the "
        "function defined there (def jac at line 66): that def did not run (a branch not "
        "taken at this instance and point)")


# -- the real CLI ---------------------------------------------------------------------------


def test_the_cli_prints_closures_and_exits_on_the_wrong_one(tmp_path):
    path = tmp_path / "closures.py"
    path.write_text(SOURCE)
    r = subprocess.run([sys.executable, "-m", "lsp_server.cli", "check", str(path),
                        "--format", "json", "--time-limit", "20"],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert "Traceback" not in r.stdout + r.stderr
    assert r.returncode == 1  # Constraint.model.loss_grad is wrong
    cards = {c["function"]: c for c in json.loads(r.stdout)["files"][0]["cards"]}
    assert cards["Constraint.constr.jac"]["check"]["outcome"] == "verified"
    assert cards["Constraint.constr.jac"]["gradient_of"] == "Constraint.constr.fun"
    assert cards["Constraint.model.loss_grad"]["check"]["outcome"] == "wrong"
    assert "when rebinds returns" in cards["rebinds.jac"]["message"]

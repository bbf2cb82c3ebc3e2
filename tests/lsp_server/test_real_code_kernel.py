"""Real code, run (issue 12): methods built in the kernel, every pairing kind checked
through ``ad.check_grad`` against AD, wrong ones ✗ with the component named, outputs that
do not fit are no pair (never a ✗), and the CLI's summary and JSON say so."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lsp_server import render
from lsp_server.analysis import analyze
from lsp_server.cards import CardService
from lsp_server.kernel import KernelPool

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "robustness"))
from kernel_cards import all_cards  # noqa: E402  (the robustness tests' helper)

ROOT = Path(__file__).resolve().parents[2]

SRC = '''\
import numpy as np
import ad_core as ad


def f(x, y):
    return x ** 2 * y + np.sin(y)


def f_dx(x, y):
    return 2 * x * y


def f_dy(x, y):
    return x ** 2 + np.sin(y)  # wrong: cos(y)


def g_f(x, a, b):
    return a * x ** 3 + b


def g_fp(x, a, b):
    return 3 * a * x ** 2


def g_fpp(x, a, b):
    return 6 * a * x


def rosen(x):
    x = np.asarray(x)
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0)


def rosen_hess(x):
    return ad.hessian(rosen)(np.asarray(x)) + np.eye(len(x))  # wrong: + I


def rosen_hess_prod(x, p):
    return ad.hessian(rosen)(np.asarray(x)) @ p


def fun_residuals(x):
    return np.array([10 * (x[1] - x[0] ** 2), 1 - x[0]])


def jac_residuals(x):
    return np.array([[-20 * x[0], 10.0], [-1.0, 0.0]])


def loss_and_grad(w):
    return np.sum(w ** 2), 2 * w


def bad_and_grad(w):
    return np.sum(w ** 2), 3 * w


def pair(w):
    return np.sum(np.cos(w)), -np.sin(w)


def fun_wrong_dimensions(x):
    return np.array([x, x ** 2, x ** 3])


def jac_wrong_dimensions(x):
    return np.ones((1, 1, 1))


class Spring:
    def __init__(self, k=3.0):
        self.k = k

    def energy(self, r):
        return 0.5 * self.k * r ** 2

    def force(self, r):
        return -self.k * r


# adlens: self=Model(2.0)
class Model:
    def __init__(self, scale):
        self.scale = scale

    def fun(self, x):
        return self.scale * np.sum(x[0] ** 2 + x[1] ** 4)

    def grad(self, x):
        return self.scale * np.array([2 * x[0], 4 * x[1] ** 3])

    @staticmethod
    def evaluate(x, amplitude, mean):
        return amplitude * np.exp(-(x - mean) ** 2)

    @staticmethod
    def fit_deriv(x, amplitude, mean):
        e = np.exp(-(x - mean) ** 2)
        return [e, 2 * amplitude * (x - mean) * e]


def total(z, *params):
    a, b = params
    return a * z[0] ** 2 + b * z[1]
'''


@pytest.fixture(scope="module")
def cards():
    return all_cards(SRC, time_limit=10.0)


def test_partials_are_checked_against_one_partial_the_others_held(cards):
    dx = cards["f_dx"]
    assert dx.check.outcome == "verified" and dx.check.kind == "partial"
    assert dx.check.wrt == ["x"] and dx.check.held == ["y"]
    assert render.check_line(dx) == "✓ matches ∂f/∂x"
    dy = cards["f_dy"]
    assert dy.check.outcome == "wrong"
    assert render.check_line(dy).startswith("✗ ∂f/∂y: hand-written")


def test_chains_hold_the_extra_parameters(cards):
    assert cards["g_fp"].check.outcome == "verified" and cards["g_fp"].check.wrt == ["x"]
    assert cards["g_fpp"].check.outcome == "verified"
    assert cards["g_fpp"].gradient_of == "g_fp"


def test_hessians_and_their_products(cards):
    hess = cards["rosen_hess"]
    assert hess.check.kind == "hessian" and hess.check.outcome == "wrong"
    assert render.check_line(hess).startswith("✗ ∂²rosen/∂x[0]∂x[0]: hand-written")
    assert cards["rosen_hess_prod"].check.outcome == "verified"
    assert cards["rosen_hess_prod"].check.kind == "hessian-vector product"
    assert cards["rosen"].gradient is not None  # np.asarray on the traced x works


def test_jacobians_by_scipys_fun_and_jac_names(cards):
    jac = cards["jac_residuals"]
    assert jac.check.kind == "jacobian" and jac.check.outcome == "verified"
    assert jac.check.rows == 2


def test_value_and_gradient_by_name_and_by_shape(cards):
    assert cards["loss_and_grad"].check.outcome == "verified"
    assert cards["loss_and_grad"].gradient is not None  # AD of the value part
    bad = cards["bad_and_grad"]
    assert bad.check.outcome == "wrong" and bad.gradient_of == "bad_and_grad"
    shaped = cards["pair"]  # no name says it: (a float, an array like w)
    assert shaped.kind == "gradient" and shaped.rule.startswith("by shape")
    assert shaped.check.outcome == "verified"


def test_an_output_that_does_not_fit_is_no_pair_and_no_cross(cards):
    c = cards["jac_wrong_dimensions"]
    assert not c.paired and c.check is None
    assert "✗" not in render.text(c)
    assert render.check_line(c).startswith("not checked: not a derivative of "
                                           "fun_wrong_dimensions: it returns shape (1, 1, 1)")


def test_methods_forces_and_parameter_derivatives(cards):
    force = cards["Spring.force"]
    assert force.check.kind == "force" and force.check.outcome == "verified"
    assert force.instance.text == "Spring()"
    grad = cards["Model.grad"]
    assert grad.check.outcome == "verified" and grad.instance.text == "Model(2.0)"
    assert grad.gradient_of == "Model.fun"
    fit = cards["Model.fit_deriv"]
    assert fit.check.outcome == "verified"
    assert fit.check.wrt == ["amplitude", "mean"] and fit.check.held == ["x"]


def test_star_args_get_their_values(cards):
    c = cards["total"]
    assert c.point.values["params"] == [0.6, 0.7]
    assert set(c.gradient.values) == {"z", "params[0]", "params[1]"}


def test_ad_disagreeing_with_finite_differences_condemns_nothing():
    # AD is made wrong on purpose (a custom rule): the hand-written derivative, which
    # finite differences confirm, is unverified, not ✗
    src = ("import ad_core as ad\nimport numpy as np\n\n\ndef wrong_sin():\n"
           "    g = ad.custom_vjp(lambda x: np.sin(x))\n"
           "    g.defvjp(lambda x: (np.sin(x), x), lambda x, b: (2.0 * np.cos(x) * b,))\n"
           "    return g\n\n\ndef f(x):\n    return wrong_sin()(x)\n\n\n"
           "def f_grad(x):\n    return np.cos(x)\n")
    pool = KernelPool(1, time_limit=10.0)
    try:
        card = CardService(pool, execution="always").card_sync(analyze(src), "f_grad")
    finally:
        pool.close()
    assert card.check.outcome == "unverified", card.check
    assert "AD is not trusted" in card.check.failures["ad"].message


def _adlens(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lsp_server.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def _checked(path: Path) -> tuple[subprocess.CompletedProcess[str], str, list[str]]:
    """``adlens check`` of ``path`` (10 s per function): the run, its whole output (no
    traceback in it) and its cards, one text each."""
    r = _adlens("check", str(path), "--time-limit", "10", cwd=path.parent)
    out = r.stdout + r.stderr
    assert "Traceback" not in out
    return r, out, out.split("\n\n")


def test_the_cli_counts_pairs_only_and_prints_the_rule_self_and_hints(tmp_path):
    path = tmp_path / "real.py"
    path.write_text(SRC + '''

def needs(model, x):
    return model.predict(x)
''')
    r = _adlens("check", str(path), "--time-limit", "10", cwd=tmp_path)
    out = r.stdout + r.stderr
    assert "Traceback" not in out
    assert r.returncode == 1, out  # f_dy, rosen_hess and bad_and_grad are wrong
    assert "  self    Model(2.0) (from the directive)" in out
    assert "  paired  by name: the _jac suffix" not in out  # jac_residuals: SciPy's fun/jac
    assert "  paired  by name: SciPy's fun_X / jac_X; read as" in out
    assert "not paired: " in out and "jac_wrong_dimensions" in out
    assert "⚠ needs-point" in out and "fix: insert above line" in out
    summary = [line for line in out.splitlines() if "hand-written derivatives:" in line]
    assert summary and " 3 wrong" in summary[0]
    r = _adlens("check", str(path), "--format", "json", "--time-limit", "10", cwd=tmp_path)
    doc = json.loads(r.stdout)
    assert r.returncode == 1 and doc["exit_code"] == 1
    cards = {c["function"]: c for c in doc["files"][0]["cards"]}
    assert cards["Model.grad"]["instance"] == {"text": "Model(2.0)", "source": "directive",
                                              "note": ""}
    assert cards["Model.grad"]["rule"].startswith("in the class")
    assert cards["jac_wrong_dimensions"]["pairing"]["fits"] is False
    assert any("jac_wrong_dimensions" in line for line in doc["not_paired"])


def test_a_function_that_fails_at_a_made_up_point_offers_the_directive_line():
    src = ("import numpy as np\n\n\nclass Fit:\n    def loss(self, x):\n"
           "        return np.sum(np.linalg.solve(x, np.ones(4)))\n")
    pool = KernelPool(1, time_limit=10.0)
    try:
        card = CardService(pool, execution="always").card_sync(analyze(src), "Fit.loss")
    finally:
        pool.close()
    assert card.status == "error"
    (hint,) = [d for d in render.diagnostics(card) if d.code == "needs-point"]
    assert hint.severity == "information" and "x synthetic" in hint.message
    assert hint.fix is not None and hint.fix.span.line == 4  # above `def loss`
    assert hint.fix.text.startswith("    # adlens: x=[[") and hint.fix.text.endswith("\n")
    assert "fix: insert above line 5: # adlens: x=[[" in render.text(card)


def test_star_args_and_keyword_dicts_reach_the_function():
    src = ("# adlens: x=1.0, rest=[2.0, 3.0]\ndef given(x, *rest):\n    return x * sum(rest)\n\n\n"
           "def scaled(x, **options):\n    return x * options['scale']\n")
    pool = KernelPool(1, time_limit=10.0)
    try:
        svc = CardService(pool, execution="always")
        given = svc.card_sync(analyze(src), "given")
        scaled = svc.card_sync(analyze(src), "scaled")
    finally:
        pool.close()
    assert given.value.value == 5.0
    assert given.gradient.values == {"x": 5.0, "rest[0]": 1.0, "rest[1]": 1.0}
    assert scaled.value.value == 0.25 and scaled.gradient.values == {"x": 0.5}


def test_pairs_stated_by_use_are_checked_and_a_held_parameter_keeps_the_shape_rule(tmp_path):
    path = tmp_path / "tnc_style.py"
    path.write_text('''\
import numpy as np


class Problems:
    def f1(self, x, a=100.0):
        return a * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2

    def g1(self, x, a=100.0):
        dif = [0, 0]
        dif[1] = 2 * a * (x[1] - x[0] ** 2)
        dif[0] = -2.0 * (x[0] * (dif[1] - 1.0) + 1.0)
        return dif

    def fg1(self, x, a=100.0):
        return self.f1(x, a), self.g1(x, a)

    def f2(self, x):
        return np.sum(np.sin(x))

    def g2(self, x):
        return np.sin(x)  # wrong: cos

    def fg2(self, x):
        return self.f2(x), self.g2(x)
''')
    r, out, cards = _checked(path)
    g1 = next(c for c in cards if c.startswith("Problems.g1("))
    assert "paired  by use: fg1 returns (f1(…), g1(…)), its value and gradient" in g1
    assert "verdict ✓" in g1
    g2 = next(c for c in cards if c.startswith("Problems.g2("))
    assert "verdict ✗" in g2
    # fg1(x, a=100.0): a (value, gradient) by shape though `a` is a float parameter too
    fg1 = next(c for c in cards if c.startswith("Problems.fg1("))
    assert "paired  by shape" in fg1 and "w.r.t. x; a held" in fg1 and "verdict ✓" in fg1
    assert "verdict ✗" in next(c for c in cards if c.startswith("Problems.fg2("))
    assert r.returncode == 1


def test_cyipopt_style_constraints_and_their_flat_jacobian(tmp_path):
    path = tmp_path / "ipopt_style.py"
    path.write_text('''\
import numpy as np


class Right:
    def objective(self, x):
        return x[0] * x[3] * np.sum(x[0:3]) + x[2]

    def constraints(self, x):
        return np.array((np.prod(x), np.dot(x, x)))

    def jacobian(self, x):
        return np.concatenate((np.prod(x) / x, 2 * x))


class Wrong:
    def objective(self, x):
        return np.sum(x ** 2)

    def constraints(self, x):
        return np.array((np.prod(x), np.dot(x, x)))

    def jacobian(self, x):
        return np.concatenate((np.prod(x) / x, x))  # wrong: 2 * x
''')
    r, out, cards = _checked(path)
    right = next(c for c in cards if c.startswith("Right.jacobian("))
    assert ("paired  in the class: cyipopt's constraints / jacobian; read as the derivative "
            "of constraints w.r.t. x (flattened row by row)") in right
    assert "verdict ✓" in right
    wrong = next(c for c in cards if c.startswith("Wrong.jacobian("))
    assert "verdict ✗" in wrong and "flattened row by row" in wrong
    assert r.returncode == 1


def test_a_cross_that_only_a_made_up_held_value_causes_is_unverified_and_says_why(tmp_path):
    # optimagic's numdiff example functions: a logit's gradient (y - p)·x holds for
    # labels y in {0, 1}, not at the y = 0.6 AD Lens makes up
    path = tmp_path / "logit.py"
    path.write_text('''\
import numpy as np


def logit_loglike(params, y, x):
    q = 2 * y - 1
    return np.sum(np.log(1 / (1 + np.exp(-(q * np.dot(x, params))))))


def logit_loglike_gradient(params, y, x):
    c = 1 / (1 + np.exp(-(np.dot(x, params))))
    return np.dot(y - c, x)


def scaled(params, k, x):
    return np.sum(k * np.dot(x, params) ** 2)


def scaled_gradient(params, k, x):
    return 2 * np.dot(x, params) @ x * k * 3  # wrong for every k but 0
''')
    r, out, cards = _checked(path)
    logit = next(c for c in cards if c.startswith("logit_loglike_gradient("))
    assert "✗ ∂logit_loglike" in logit  # at the made-up point the components differ ...
    assert ("but with y all 1 it matches: the ✗ comes from y=0.6, made up here, and the "
            "derivative may hold only for some values of y") in logit  # ... but not the verdict
    summary = next(line for line in out.splitlines() if "hand-written derivatives:" in line)
    assert "1 wrong, 1 unverified" in summary
    assert "logit.py:18: scaled_gradient: ✗" in out  # wrong at every value tried: ✗
    assert r.returncode == 1


def test_a_module_name_the_slice_leaves_out_is_named_with_the_reason(tmp_path):
    # optimagic's criterion functions read REGISTRY = get_registry(extended=True)
    path = tmp_path / "registry.py"
    path.write_text('''\
import numpy as np
from json import loads

TABLE = loads("[1.0, 2.0]")
SAFE = np.log(2.0)


def weighted(x):
    return np.sum(x * np.asarray(TABLE)) + SAFE
''')
    model = analyze(path.read_text())
    fn = model.function("weighted")
    assert fn.unsliced("SAFE") is None and fn.unsliced("np") is None
    r = _adlens("check", str(path), "--time-limit", "10", cwd=tmp_path)
    out = r.stdout + r.stderr
    assert ("NameError: name 'TABLE' is not defined: `TABLE` is left out of the slice (line 4, "
            "`TABLE = loads(\"[1.0, 2.0]\")`: not a constant (its value would run code)): "
            "AD Lens never runs top-level code") in out
    assert "needs-point" not in out  # no point would help


def test_a_tick_at_the_constructors_defaults_is_checked_again_with_them_moved(tmp_path):
    # statsmodels 0.14's Binomial variance: deriv is 1 - 2*mu, right for n=1 only
    path = tmp_path / "variance.py"
    path.write_text('''\
class Binomial:
    def __init__(self, n=1):
        self.n = n

    def __call__(self, mu):
        p = mu / self.n
        return p * (1 - p) * self.n

    def deriv(self, mu):
        return 1 - 2 * mu


class Fixed:
    def __init__(self, n=1):
        self.n = n

    def __call__(self, mu):
        p = mu / self.n
        return p * (1 - p) * self.n

    def deriv(self, mu):
        return 1 - 2 * mu / self.n


class OnlyOne:
    def __init__(self, n=1):
        if n != 1:
            raise ValueError("n must be 1")
        self.n = n

    def __call__(self, mu):
        return mu * (1 - mu)

    def deriv(self, mu):
        return 1 - 2 * mu
''')
    r, out, cards = _checked(path)
    binomial = next(c for c in cards if c.startswith("Binomial.deriv("))
    assert "  self    Binomial() (built without arguments)" in binomial
    assert "verdict ✗ ∂Binomial.__call__/∂mu: hand-written 0.0, AD 0.5 at mu=0.5 with self = " \
           "Binomial(n=2)" in binomial
    assert "verdict ✓" in next(c for c in cards if c.startswith("Fixed.deriv("))
    assert "verdict ✓" in next(c for c in cards if c.startswith("OnlyOne.deriv("))
    summary = next(line for line in out.splitlines() if "hand-written derivatives:" in line)
    assert "2 verified, 1 wrong" in summary and r.returncode == 1


def test_curve_fit_jacobians_and_a_derivative_that_also_returns_the_value(tmp_path):
    # SciPy's own tests: curve_fit's jac(x, a, b) returns the columns ∂f/∂a, ∂f/∂b, and
    # test_gh_10370's fun_grad returns (fun, grad) with a sign wrong in grad
    path = tmp_path / "fits.py"
    path.write_text('''\
import numpy as np


def model(x, a, b):
    return a * np.exp(-b * x)


def model_jac(x, a, b):
    e = np.exp(-b * x)
    return np.vstack((e, -a * x * e)).T


def fun(x, ignored):
    return [3 * x[0] - 0.25 * x[1] ** 2 + 10, 0.1 * x[0] ** 2 + 5 * x[1] - 2]


def fun_grad(x, ignored):
    return fun(x, ignored), [[3, 0.5 * x[1]], [0.2 * x[0], 5]]
''')
    r, out, cards = _checked(path)
    jac = next(c for c in cards if c.startswith("model_jac("))
    assert "w.r.t. a, b (one array, the arguments side by side); x held" in jac
    assert "verdict ✓" in jac
    grad = next(c for c in cards if c.startswith("fun_grad("))
    assert "it returns (value, derivative): its second part is checked" in grad
    assert "verdict ✗ ∂fun[0]/∂x[1]: hand-written 0.3, AD -0.3" in grad

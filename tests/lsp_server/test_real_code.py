"""Real code, statically (issue 12): methods, pairing conventions, points that fit the body,
the static cost from those shapes, and the hint where no value can be made up. Pure
analysis: nothing runs here (the kernel's side is test_real_code_kernel.py)."""

from __future__ import annotations

import pytest

from lsp_server.analysis import analyze
from lsp_server.cards.static import static_part

CLASSES = '''\
import numpy as np


class Huber:
    """A robust norm."""

    def __init__(self, t=1.345):
        self.t = t

    def rho(self, z):
        return np.where(np.abs(z) <= self.t, 0.5 * z ** 2, self.t * np.abs(z) - 0.5 * self.t ** 2)

    def psi(self, z):
        return np.clip(z, -self.t, self.t)

    def psi_deriv(self, z):
        return (np.abs(z) <= self.t) * 1.0

    @property
    def name(self):
        return "huber"

    def __repr__(self):
        return "Huber()"

    @staticmethod
    def evaluate(x, amplitude, mean):
        return amplitude * np.exp(-(x - mean) ** 2)

    @staticmethod
    def fit_deriv(x, amplitude, mean):
        e = np.exp(-(x - mean) ** 2)
        return [e, 2 * amplitude * (x - mean) * e]

    @classmethod
    def build(cls, t):
        return cls(t)


class Problem:
    def __init__(self, a, b, n=3):
        self.a, self.b = a, b

    def fun(self, x, a, b):
        return (x[0] - a) ** 2 + b * x[1] ** 2

    def grad(self, x, a, b):
        return np.array([2 * (x[0] - a), 2 * b * x[1]])

    def hess(self, x, a, b):
        return np.diag([2.0, 2 * b])


# adlens: self=Scaled(2.5)
class Scaled(Huber):
    def __init__(self, factor):
        self.factor = factor
        self.t = 1.0

    def rho(self, z):
        return self.factor * z ** 2
'''


def test_methods_are_functions_named_class_method():
    m = analyze(CLASSES)
    names = [f.name for f in m.functions]
    assert names == ["Huber.rho", "Huber.psi", "Huber.psi_deriv", "Huber.evaluate",
                     "Huber.fit_deriv", "Huber.build", "Problem.fun", "Problem.grad",
                     "Problem.hess", "Scaled.rho"]  # no property, no __repr__, no __init__
    rho = m.function("Huber.rho")
    assert rho.cls == "Huber" and rho.binding == "method" and rho.method == "rho"
    assert [p.name for p in rho.params] == ["z"]  # self is not a parameter
    assert m.function("Huber.evaluate").binding == "staticmethod"
    assert [p.name for p in m.function("Huber.build").params] == ["t"]  # cls left out too
    assert m.locate(rho.name_span.line, rho.name_span.col + 1).function is rho


def test_self_comes_from_the_constructor_a_directive_or_made_up_arguments():
    m = analyze(CLASSES)
    assert m.function("Huber.rho").instance.text == "Huber()"
    assert m.function("Huber.rho").instance.source == "constructor"
    assert m.function("Huber.evaluate").instance is None  # a static method needs none
    scaled = m.function("Scaled.rho").instance
    assert scaled.text == "Scaled(2.5)" and scaled.source == "directive"
    # Problem(a, b) has no zero-argument constructor: a and b take the values the
    # method's own a and b get, so that self.a == a holds in the method
    fun = m.function("Problem.fun")
    inst = fun.instance
    assert inst.source == "synthetic"
    assert inst.spec["kwargs"] == {"a": fun.point.values["a"], "b": fun.point.values["b"]}


def test_an_object_argument_gets_an_instance_of_a_class_of_the_file():
    src = (
        "class Base:\n    def rho(self, z):\n        raise NotImplementedError\n\n"
        "class Square(Base):\n    def rho(self, z):\n        return z * z\n\n"
        "class Quantile(Base):\n    def __init__(self, q, base):\n        self.q = q\n"
        "        self.base = base\n    def rho(self, z):\n"
        "        return self.q * self.base.rho(z)\n"
    )
    inst = analyze(src).function("Quantile.rho").instance
    assert inst.spec["kwargs"]["base"] == {"class": "Square", "args": [], "kwargs": {}}
    assert "Square()" in inst.text  # Base.rho is an abstract stub: not chosen


def test_a_class_that_cannot_be_built_says_so_and_offers_the_directive():
    src = ("class Model:\n    def __init__(self, predict):\n        self.predict = predict\n\n"
           "    def loss(self, w):\n        return self.predict(w) ** 2\n")
    f = analyze(src).function("Model.loss")
    assert f.instance is None
    (p,) = [p for p in f.problems if p.code == "needs-instance"]
    assert "predict" in p.message and "# adlens: self=Model(" in p.message
    assert p.fix is not None and p.fix.text == "    # adlens: self=Model(predict=…)\n"
    assert p.fix.span.line == f.span.line  # inserted above the def


@pytest.mark.parametrize(("name", "params", "of", "kind", "wrt"), [
    ("f_grad", "x, y", "f", "derivative", ()),
    ("grad_f", "x, y", "f", "derivative", ()),
    ("f_der", "x, y", "f", "derivative", ()),
    ("fprime", "x, y", "f", "derivative", ()),
    ("jac_f", "x, y", "f", "derivative", ()),
    ("f_jacobian", "x, y", "f", "derivative", ()),
    ("df", "x, y", "f", "derivative", ()),
    ("f_dx", "x, y", "f", "partial", ("x",)),
    ("df_dy", "x, y", "f", "partial", ("y",)),
    ("dfdx", "x, y", "f", "partial", ("x",)),
    ("f_y", "x, y", "f", "partial", ("y",)),
    ("f_hess", "x, y", "f", "hessian", ()),
    ("hess_f", "x, y", "f", "hessian", ()),
    ("f_hessian", "x, y", "f", "hessian", ()),
    ("f_hessp", "x, y, v", "f", "hvp", ()),
    ("f_fp", "x, y", "f", "derivative", ()),
    ("loss_and_grad", "x, y", "loss_and_grad", "value-and-gradient", ()),
    ("model_loss_grad", "x, y", "model_loss_grad", "value-and-gradient", ()),
])
def test_pairing_by_name(name, params, of, kind, wrt):
    src = f"def f(x, y):\n    return x * y\n\n\ndef {name}({params}):\n    return x\n"
    p = analyze(src).function(name).pairing
    assert p is not None, name
    assert (p.of, p.kind, p.wrt) == (of, kind, wrt)
    assert p.rule  # the card says which rule


def test_chains_each_the_derivative_of_the_one_before():
    src = "".join(f"def {n}(x):\n    return x\n\n\n" for n in (
        "aps_f", "aps_fp", "aps_fpp", "g", "gprime", "gprime2", "h", "dh", "ddh", "t",
        "dt_dx", "d2t_dx2", "d3t_dx3", "fun_a", "jac_a"))
    m = analyze(src)
    assert {f.name: f.gradient_of for f in m.functions if f.gradient_of} == {
        "aps_fp": "aps_f", "aps_fpp": "aps_fp", "gprime": "g", "gprime2": "gprime",
        "dh": "h", "ddh": "dh", "dt_dx": "t", "d2t_dx2": "dt_dx", "d3t_dx3": "d2t_dx2",
        "jac_a": "fun_a"}
    assert m.function("dt_dx").pairing.kind == "partial"  # ∂t/∂x
    assert analyze("def t(y):\n    return y\n\n\ndef dt_dx(y):\n    return y\n").function(
        "dt_dx").pairing is None  # t has no parameter x: no partial
    m2 = analyze("import numpy as np\nfrom numpy import arcsin\n\n\ndef darcsin(x):\n"
                 "    return 1 / np.sqrt(1 - x ** 2)\n")
    p = m2.function("darcsin").pairing
    assert (p.of, p.target) == ("numpy.arcsin", "arcsin")  # imported: named by its module


def test_class_conventions_inherited_methods_and_docstrings():
    m = analyze(CLASSES)
    assert m.function("Huber.psi").gradient_of == "Huber.rho"  # M-estimators: ψ = ρ′
    assert m.function("Huber.psi_deriv").gradient_of == "Huber.psi"
    fit = m.function("Huber.fit_deriv").pairing
    assert fit.of == "Huber.evaluate" and "fit_deriv" in fit.rule
    assert m.function("Problem.grad").pairing.kind == "derivative"
    assert m.function("Problem.hess").pairing.kind == "hessian"
    src = ("class Link:\n    def __call__(self, p):\n        return p * p\n"
           "    def deriv(self, p):\n        return 2 * p\n\n"
           "class Sub(Link):\n    def deriv2(self, p):\n        return 2.0 + 0 * p\n\n"
           "class Doc:\n    def value(self, z):\n        return z ** 3\n"
           "    def slope(self, z):\n        '''Derivative of value.'''\n"
           "        return 3 * z * z\n")
    m = analyze(src)
    assert m.function("Link.deriv").gradient_of == "Link.__call__"
    sub = m.function("Sub.deriv2").pairing
    assert (sub.of, sub.target) == ("Link.deriv", "Sub.deriv")  # run on a Sub instance
    doc = m.function("Doc.slope").pairing
    assert doc.of == "Doc.value" and doc.rule.startswith("docstring")


def test_directives_pair_partials_and_second_derivatives():
    src = ("def f(x, y):\n    return x * y\n\n\n"
           "# adlens: gradient-of=f, wrt=y\ndef mine(x, y):\n    return x\n\n\n"
           "# adlens: gradient-of=f, order=2\ndef second(x, y):\n    return 0.0\n\n\n"
           "# adlens: returns=value,grad\ndef both(x):\n    return x * x, 2 * x\n\n\n"
           "# adlens: const=y\ndef held(x, y):\n    return x * y\n")
    m = analyze(src)
    assert (m.function("mine").pairing.kind, m.function("mine").pairing.wrt) == ("partial",
                                                                                  ("y",))
    assert m.function("second").pairing.kind == "hessian"
    assert m.function("both").pairing.kind == "value-and-gradient"
    assert m.function("held").held == ("y",) and m.function("held").pairing is None


def test_what_is_not_a_pair():
    src = ("def f(x, y):\n    return x * y\n\n\n"
           "def f_grad(data):\n    return data\n\n\n"  # not callable like f
           "class A:\n    def fun(self, x):\n        raise NotImplementedError\n"
           "    def grad(self, x):\n        raise NotImplementedError\n\n"
           "class B:\n    def weights(self, z):\n        return z\n"
           "    def rho(self, z):\n        return z * z\n")
    m = analyze(src)
    assert m.function("f_grad").pairing is None
    assert m.function("A.grad").pairing is None  # abstract stubs
    assert m.function("B.weights").pairing is None


@pytest.mark.parametrize(("body", "param", "value"), [
    ("    return x[0] * x[1]\n", "x", [0.5, 0.6]),
    ("    a, b = p\n    return a * b\n", "p", [0.6, 0.7]),
    ("    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2)\n", "x", [0.5, 0.6, 0.7]),
    ("    n, m = X.shape\n    return np.sum(X)\n", "X", [[0.6, 0.7], [0.8, 0.9], [1.0, 1.1]]),
    ("    return np.linalg.det(A)\n", "A", [[1.6, 0.7, 0.8], [0.9, 2.0, 1.1],  # invertible
                                         [1.2, 1.3, 2.4]]),
    ("    return np.sum(M @ w)\n", "w", [0.6, 0.7]),  # M is (3, 2): w fits it
    ("    return sum(x ** k for k in range(n))\n", "n", 3),
    ("    return x if flag else -x\n", "flag", True),
    ("    return x if mode == 'mean' else -x\n", "mode", "mean"),
    ("    return x * d['scale']\n", "d", {"scale": 0.5}),
    ("    a, b, c = args\n    return a * b * c\n", "args", [0.6, 0.7, 0.8]),
])
def test_points_fit_the_body(body, param, value):
    params = "x, *args" if param == "args" else f"x, {param}" if param != "x" else "x"
    if param in ("n", "flag", "mode", "d"):
        params = f"x, {param}"
    src = ("import numpy as np\n\nM = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])\n\n\n"
           f"def f({params}):\n{body}")
    point = analyze(src).function("f").point
    assert point.values[param] == value


def test_shapes_follow_calls_siblings_and_documented_types():
    src = '''\
import numpy as np


def inner(w, X):
    return np.dot(X, w)


def outer(w):
    return np.sum(inner(w, TABLE))


def weighted(w, X, y, sample_weight=None):
    return np.sum(sample_weight[y > 0] * (X @ w[:2]))


class Density:
    def __init__(self, dimensions=4):
        self._n = int(dimensions)

    def __call__(self, x):
        if len(x) != self._n:
            raise ValueError("wrong length")
        return np.sum(x ** 2)

    def both(self, x):
        return self(x), 2 * x

    def link(self, p):
        """
        Parameters
        ----------
        p : array_like
            probabilities
        """
        return np.log(p)
'''
    m = analyze(src)
    assert len(m.function("outer").point.values["w"]) == 3  # passed on to inner
    weighted = m.function("weighted").point.values
    assert isinstance(weighted["sample_weight"], list)  # a None default used as an array
    assert m.function("Density.__call__").point.values["x"] == [0.5, 0.6, 0.7, 0.8]
    assert len(m.function("Density.both").point.values["x"]) == 4  # via self(x)
    assert m.function("Density.link").point.values["p"] == [0.5, 0.6, 0.7]


def test_a_parameter_no_literal_can_be_says_which_and_offers_the_directive():
    f = analyze("def apply(model, x):\n    return model.predict(x) ** 2\n").function("apply")
    (p,) = [p for p in f.problems if p.code == "needs-point"]
    assert p.message.startswith("model is used as model.predict(x)")
    assert p.fix is not None and p.fix.text.startswith("# adlens: ")
    assert (p.fix.span.line, p.fix.span.col) == (0, 0)


def test_the_static_cost_counts_the_inferred_shapes():
    src = ("import numpy as np\n\n\ndef rosen(x):\n"
           "    return np.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0)\n")
    cost = static_part(analyze(src).function("rosen")).cost
    assert cost.n_inputs == 3 and cost.n_outputs == 1
    assert cost.recommended == "reverse"  # a scalar loss of a vector
    assert "shapes of the evaluation point" in cost.notes[0]


def test_a_method_static_part_reads_its_own_def():
    part = static_part(analyze(CLASSES).function("Huber.evaluate"))
    assert set(part.expressions.partials) == {"x", "amplitude", "mean"}


def test_numbered_functions_are_no_chain_and_prefixed_pairs_are():
    numbered = "".join(f"def {n}(x):\n    return x\n\n\n" for n in ("fprime1", "fprime2"))
    assert all(f.pairing is None for f in analyze(numbered).functions)
    src = ("def _logistic_loss(w, X):\n    return w @ X\n\n\n"
           "def _logistic_grad(w, X):\n    return X\n")
    p = analyze(src).function("_logistic_grad").pairing
    assert p.of == "_logistic_loss" and p.kind == "derivative"
    # fmin_slsqp's f_eqcons / fprime_eqcons, as SciPy's own tests write them
    src = ("def f_eqcon(x):\n    return x[0] - x[1]\n\n\n"
           "def fprime_eqcon(x):\n    return [1.0, -1.0]\n")
    p = analyze(src).function("fprime_eqcon").pairing
    assert (p.of, p.kind) == ("f_eqcon", "derivative") and "f_X / fprime_X" in p.rule


def test_star_args_without_values_say_so_and_keyword_dicts_get_their_keys():
    m = analyze("def varsum(x, *rest):\n    return x * sum(rest)\n\n\n"
                "def scaled(x, **options):\n    return x * options['scale']\n\n\n"
                "# adlens: x=1.0, rest=[2.0, 3.0]\ndef given(x, *rest):\n"
                "    return x * sum(rest)\n")
    (p,) = [p for p in m.function("varsum").problems if p.code == "needs-point"]
    assert p.message.startswith("*rest gets no values at the point")
    assert p.fix.text == "# adlens: x=0.5, rest=[1.0, 2.0]\n"
    assert m.function("scaled").point.values["options"] == {"scale": 0.5}
    assert not [p for p in m.function("scaled").problems if p.code == "needs-point"]
    assert m.function("given").point.values == {"x": 1.0, "rest": [2.0, 3.0]}


def test_a_value_and_gradient_function_pairs_the_two_siblings_it_returns():
    # fmin_tnc's tests: fg1 returns (f1(x), g1(x)), so g1 is the gradient of f1
    src = '''\
class Problems:
    def f1(self, x, a=100.0):
        return a * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2

    def g1(self, x, a=100.0):
        return [x[0], x[1]]

    def fg1(self, x, a=100.0):
        return self.f1(x, a), self.g1(x, a)

    def h2(self, x):
        return x

    def f2(self, x):
        return x

    def fg2(self, x):
        return self.f2(x), self.h2(x)


def loss(w):
    return w @ w


def step(w):
    return 2 * w


def loss_and_grad(w):
    return loss(w), step(w)


def f1(x):
    return x ** 2 - 2 * x - 1


def f1_1(x):
    return 2 * x - 2


def f1_2(x):
    return 2.0 + 0 * x


def f1_and_p_and_pp(x):
    return f1(x), f1_1(x), f1_2(x)


def stats(x):
    return loss(x), f1(x), step(x)
'''
    model = analyze(src)
    p = model.function("Problems.g1").pairing
    assert (p.of, p.kind) == ("Problems.f1", "derivative")
    assert p.rule == "by use: fg1 returns (f1(…), g1(…)), its value and gradient"
    assert model.function("Problems.h2").pairing is None  # fg2 is no f2/g2 triple
    assert model.function("step").pairing.of == "loss"  # a (value, gradient) name: any two
    assert model.function("loss_and_grad").pairing.kind == "value-and-gradient"
    # SciPy's root-finding tests: f1_and_p_and_pp returns (f1, f1_1, f1_2), a chain
    assert model.function("f1_1").pairing.of == "f1"
    p = model.function("f1_2").pairing
    assert p.of == "f1_1" and p.rule == ("by use: f1_and_p_and_pp returns (f1(…), f1_1(…), "
                                         "f1_2(…)), its value and first and second derivatives")
    assert model.function("f1").pairing is None  # stats(x) is no (value, derivatives) name
    # a test method named so takes nothing: no (value, gradient); a constant derivative
    # may take nothing (SciPy's jac_linear() beside fun_linear(t, y))
    none = analyze("class T:\n    def test_fun_and_grad(self):\n        assert True\n\n"
                   "    def grad_f(self):\n        return 1.0\n\n    def f(self, x):\n"
                   "        return x\n")
    assert none.function("T.test_fun_and_grad").pairing is None
    assert none.function("T.grad_f").pairing.of == "T.f"


def test_prefix_chains_and_a_docstring_naming_a_higher_derivative():
    # statsmodels' copula transforms: inverse, deriv_inverse, deriv2_inverse, ...
    src = '''\
class Transform:
    def inverse(self, phi, theta):
        return phi * theta

    def deriv_inverse(self, phi, theta):
        return theta + 0 * phi

    def deriv2_inverse(self, phi, theta):
        return 0 * phi

    def deriv3_inverse(self, phi, theta):
        return 0 * phi


class Generic:
    def inverse(self, phi, theta):
        return phi * theta

    def deriv2_inverse(self, phi, theta):
        """Second derivative of the inverse transformation function."""
        return 0 * phi

    def curvature(self, phi, theta):
        """2nd-order derivative of the inverse."""
        return 0 * phi

    def slope(self, phi, theta):
        """Derivative of the inverse."""
        return theta + 0 * phi
'''
    model = analyze(src)
    assert model.function("Transform.deriv_inverse").pairing.of == "Transform.inverse"
    assert model.function("Transform.deriv2_inverse").pairing.of == "Transform.deriv_inverse"
    p = model.function("Transform.deriv3_inverse").pairing
    assert p.of == "Transform.deriv2_inverse" and p.kind == "derivative"
    # no deriv_inverse beside it, and "Second derivative of" is no first derivative
    assert model.function("Generic.deriv2_inverse").pairing is None
    assert model.function("Generic.curvature").pairing is None
    assert model.function("Generic.slope").pairing.of == "Generic.inverse"

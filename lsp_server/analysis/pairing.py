"""Which function a hand-written derivative differentiates: the conventions real code
uses, within a module or within a class (SPEC §2, "Real code").

A rule proposes a partner; the partner must exist (a function of the file, a method
of the class or of a base class in the file, or a name imported from a module for the
``d``-prefix chain) and the derivative must be callable with the partner's arguments:
its parameters are the partner's (by name, or as many of them by position), plus one
vector for a Hessian-vector product. Otherwise it is not a pair. The kernel then checks
that the shapes fit (`lsp_server.kernel.compute`); a guess never produces a ✗ unless
the derivative's output has the shape the rule says.

Rules, first that applies (each names itself on the card):

- directive ``# adlens: gradient-of=f`` (``wrt=x``: a partial; ``order=2``: a Hessian);
- ``(value, gradient)`` returns: ``*_and_grad``, ``*_and_gradient``, ``*_loss_grad``,
  ``*_and_jac``, ``value_and_grad*``, PINTS's ``evaluateS1``, or ``returns=value,grad``;
- Hessian-vector products: ``f_hessp``, ``f_hess_prod``, ``hessp_f``, ``f_hvp``; in a class
  ``hessp``, ``hess_prod``, ``hessian_product``, ``hvp``;
- Hessians: ``f_hess``, ``hess_f``, ``f_hessian``, ``hessian_f``; in a class ``hess``,
  ``hessian``; with one parameter more than ``f`` (``hess(x, v)`` beside ``fun(x)``), a
  weighted Hessian: the Hessian of ``v·f``, SciPy's ``NonlinearConstraint`` convention
  (kind ``"weighted-hessian"``);
- chains, each the derivative of the one before: ``f``/``f_fp``/``f_fpp`` (and
  ``f_f``/``f_fp``), ``f``/``fprime``/``fprime2``, ``deriv``/``deriv2``,
  ``X_deriv``/``X_deriv2``, ``X``/``deriv_X``/``deriv2_X``, ``X``/``dX``/``ddX``,
  ``X``/``dX_dy``/``d2X_dy2``/``d3X_dy3``;
- partials (∂f/∂x only, the other parameters held): ``f_dx``, ``df_dx``, ``dfdx``, ``f_x``
  where ``x`` is a parameter of ``f``;
- whole derivatives: ``f_grad``, ``grad_f``, ``f_gradient``, ``gradient_f``, ``f_der``,
  ``f_deriv``, ``f_derivative``, ``f_prime``, ``fprime``, ``f_jac``, ``jac_f``,
  ``f_jacobian``, ``jacobian_f``, ``df``; SciPy's ``fun_X``/``jac_X``, ``func_X``/``grad_X``;
- in a class: ``func``/``fun``/``f``/``function``/``__call__``/``evaluate``/``value``/
  ``loss``/``objective``/``energy`` with ``grad``/``gradient``/``jac``/``jacobian``/``der``/
  ``deriv``/``derivative``/``fprime``; Astropy's ``evaluate``/``fit_deriv`` (derivatives
  w.r.t. the parameters); ``energy``/``force`` (the force is minus the derivative);
  M-estimators' ``rho``/``psi`` (ψ = ρ′);
- by use: a function returning (value, gradient) by name returns ``(fX(…), gX(…))``,
  two siblings (``fgX`` beside ``fX`` and ``gX``; ``X_and_grad`` with any two), or
  ``X_and_p_and_pp``-style names three: each the derivative of the one before;
- a docstring whose first sentence says "Derivative of X" / "Gradient of X" /
  "Jacobian of X" / "Hessian of X", X a sibling;
- a selector: one function that is its own value and its derivatives, a parameter picking
  which (`selector`). SMT's ``_evaluate(x, kx)``: ``kx=None`` is the value, ``kx=i`` is
  ∂/∂x[:, i] (a parameter tested with ``is None`` or defaulting to None, documented as a
  derivative's, or named so and indexing another parameter); SciPy's ``__call__(x,
  nu=0)``: ``nu=1`` is the derivative (a parameter defaulting to 0, documented as a
  derivative's order or named ``der``, ``deriv``, ``derivative``...). Checked before the
  naming rules: a function that returns its own derivatives is not itself someone else's.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass

from .model import Pairing


@dataclass(frozen=True)
class Candidate:
    """A function or method a derivative may be paired with, as this module sees it."""

    name: str  # bare name in its scope: "f", "fun", "arcsin"
    of: str  # qualified, as the card shows it: "f", "CDFLink.deriv", "numpy.arcsin"
    target: str  # how the kernel reaches it: "f", "Probit.deriv", "arcsin"
    params: tuple[str, ...] | None  # None: unknown (an imported function)
    required: int = 0
    abstract: bool = False
    returns_gradient: bool = False


VALUE_AND_GRAD = re.compile(
    r"(\w+_and_grad(ient)?|\w+_loss_grad|\w+_and_jac(obian)?|value_and_grad\w*|"
    r"loss_and_grad\w*|evaluateS1)")
_CLASS_FUNCS = ("fun", "func", "f", "function", "__call__", "evaluate", "value", "loss",
                "objective", "energy")
_PREFIXED_FUNCS = ("loss", "fun", "func", "f", "value", "objective", "obj", "cost", "energy",
                   "function")
_CLASS_DERIVS = ("grad", "gradient", "jac", "jacobian", "der", "deriv", "derivative",
                 "fprime", "df", "dfdx", "fit_deriv")
_CLASS_HESS = ("hess", "hessian")
_CLASS_HVP = ("hessp", "hess_prod", "hessian_product", "hessian_vector_product", "hvp",
              "hess_vec")
_DOC = re.compile(r"\b(derivative|gradient|jacobian|hessian)\s+of\s+(?:the\s+)?"
                  r"(?:function\s+)?[`'\"]*(\w+)", re.I)
#: "Second derivative of the inverse": not the first derivative the docstring rule reads
_HIGHER = re.compile(r"\b(second|third|fourth|fifth|higher|\d+(st|nd|rd|th)|[kn]-?th|"
                     r"mixed|partial)[\s-]+(order\s+)?$", re.I)


Lookup = Callable[[str], "Candidate | None"]


def uses(funcs: dict[str, ast.FunctionDef | ast.AsyncFunctionDef], in_class: bool
         ) -> dict[str, tuple[str, str]]:
    """Pairs a scope states by use: a function that returns (value, gradient) by name
    (`VALUE_AND_GRAD`, or ``fgX`` beside ``fX`` and ``gX``, as fmin_tnc's tests write
    it) and returns two calls of siblings, ``return self.f1(x, a), self.g1(x, a)``:
    the second is the derivative of the first. Derivative name -> (function, rule)."""
    out: dict[str, tuple[str, str]] = {}
    for name, node in funcs.items():
        fg = re.fullmatch(r"fg(\w*)", name)
        if not (VALUE_AND_GRAD.fullmatch(name) or fg or _AND_DERIVATIVES.fullmatch(name)):
            continue
        for ret in _returns(node):
            if not (isinstance(ret, ast.Tuple) and len(ret.elts) in (2, 3)):
                continue
            called = [_callee(e, in_class) for e in ret.elts]
            if not all(c in funcs for c in called) or len(set(called)) < len(called):
                continue
            if fg and called != [f"f{fg.group(1)}", f"g{fg.group(1)}"]:
                continue
            if len(called) == 3 and not _AND_DERIVATIVES.fullmatch(name):
                continue  # (value, gradient, extra): the third is no derivative
            what = ("its value and gradient" if len(called) == 2
                    else "its value and first and second derivatives")
            listed = ", ".join(f"{c}(…)" for c in called)
            for f, g in zip(called, called[1:]):
                out.setdefault(g, (f, f"by use: {name} returns ({listed}), {what}"))
    return out


#: A name that says "value and its derivatives": f1_and_p_and_pp (SciPy's root-finding
#: tests), fun_and_der, value_and_grad_and_hess
_AND_DERIVATIVES = re.compile(
    r"\w+?_and_(p|prime|fprime|d|der|deriv|derivative|grad|gradient|jac|jacobian)"
    r"(_and_(pp|p2|prime2|fprime2|dd|d2|der2|deriv2|hess|hessian))?")


def _returns(node: ast.AST) -> list[ast.expr]:
    """The values ``node``'s own ``return`` statements return (not nested functions')."""
    found: list[ast.expr] = []
    todo = list(ast.iter_child_nodes(node))
    while todo:
        n = todo.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(n, ast.Return) and n.value is not None:
            found.append(n.value)
        todo.extend(ast.iter_child_nodes(n))
    return found


def _callee(e: ast.expr, in_class: bool) -> str | None:
    """``f`` of ``f(...)``, or of ``self.f(...)`` in a class."""
    if not isinstance(e, ast.Call):
        return None
    if isinstance(e.func, ast.Name) and not in_class:
        return e.func.id
    if in_class and isinstance(e.func, ast.Attribute) and isinstance(e.func.value, ast.Name) \
            and e.func.value.id in ("self", "cls"):
        return e.func.attr
    return None


def find(name: str, params: tuple[str, ...], required: int, extra_ok: bool,
         lookup: Lookup, in_class: bool, docstring: str | None,
         directive_of: str | None = None, wrt: tuple[str, ...] = (), order: int = 1,
         returns: bool = False, node: ast.FunctionDef | ast.AsyncFunctionDef | None = None,
         used: tuple[str, str] | None = None, where: str = "the class") -> Pairing | None:
    """The pairing of function ``name`` (parameters ``params``, ``required`` of them
    without defaults), or None. ``lookup(bare name)`` finds a candidate partner in the
    same scope (the module, or the class and its bases); ``node``, the def, is read for a
    selector parameter (`selector`); ``used`` is the scope's pairing by use (`uses`).
    ``where`` names an ``in_class`` scope on the card: "the class", or "the body of
    Model.constr" for closures defined together there."""
    if directive_of:
        c = lookup(directive_of)
        of = c.of if c is not None else directive_of
        target = c.target if c is not None else directive_of
        kind = "hessian" if order == 2 else "partial" if wrt else "derivative"
        if directive_of == name:
            kind = "value-and-gradient"
        return Pairing(of, target, kind, f"directive: gradient-of={directive_of}"
                       + (f", wrt={','.join(wrt)}" if wrt else "")
                       + (f", order={order}" if order != 1 else ""), wrt,
                       bool(c and c.returns_gradient))
    if returns:
        return Pairing(name, name, "value-and-gradient", "directive: returns=value,grad")
    picked = selector(node, params, docstring) if node is not None else None
    if picked is not None:
        me = lookup(name)
        of, target = (me.of, me.target) if me is not None else (name, name)
        return Pairing(of, target, picked.kind, picked.rule(name), (picked.wrt,),
                       selector=picked.param, axis=picked.axis)
    # test_fun_and_grad(self) takes nothing to differentiate: no (value, gradient); a
    # derivative may take nothing (a constant Jacobian: SciPy's jac_linear())
    takes = bool(params) or node is None or bool(node.args.vararg or node.args.kwarg)
    loss_grad = bool(re.fullmatch(r"\w+_loss_grad", name)) and takes
    if VALUE_AND_GRAD.fullmatch(name) and not loss_grad and takes:
        return Pairing(name, name, "value-and-gradient",
                       f"by name: {name} returns (value, gradient)")
    if used is not None:
        c = lookup(used[0])
        if c is not None and not c.abstract and _callable_like(params, required, c, False):
            return Pairing(c.of, c.target, "derivative", used[1], (), c.returns_gradient)
    for proposal in _proposals(name, in_class, where):
        partner, kind, rule = proposal[:3]
        wrt_named = proposal[3] if len(proposal) > 3 else ()
        unless = proposal[4] if len(proposal) > 4 else ""
        if unless and lookup(unless) is not None:
            continue  # fprime1 beside fprime2: numbered functions, not a chain
        c = lookup(partner)
        if c is None or c.name == name or c.abstract:
            continue
        if wrt_named and (c.params is None or wrt_named[0] not in c.params):
            continue
        if not _callable_like(params, required, c, extra=(kind == "hvp") or extra_ok):
            if not (kind == "hessian" and _callable_like(params, required, c, extra=True)):
                continue
            # hess(x, v) beside fun(x): SciPy's NonlinearConstraint convention, the
            # Hessian of v·fun (a constraint's, weighted by its Lagrange multipliers)
            kind = "weighted-hessian"
            rule += (f", weighted: the Hessian of {params[required - 1]}·{c.name} "
                     "(SciPy's hess(x, v))")
        return Pairing(c.of, c.target, kind, rule, wrt_named, c.returns_gradient)
    if loss_grad:  # X_loss_grad with no X_loss beside it: (loss, gradient)
        return Pairing(name, name, "value-and-gradient",
                       f"by name: {name} returns (value, gradient)")
    if docstring:
        m = _DOC.search(docstring.split("\n\n", 1)[0])
        if m and not _HIGHER.search(docstring[:m.start()]):
            word, partner = m.group(1).lower(), m.group(2)
            c = lookup(partner)
            if c is not None and c.name != name and not c.abstract \
                    and _callable_like(params, required, c, extra=False):
                kind = "hessian" if word == "hessian" else "derivative"
                return Pairing(c.of, c.target, kind, f"docstring: “{m.group(0)}”", (),
                               c.returns_gradient)
    return None


def _callable_like(params: tuple[str, ...], required: int, c: Candidate, extra: bool) -> bool:
    """The derivative can be called with its partner's arguments."""
    if c.params is None:
        return required <= 1
    if not c.params:
        return False
    if all(p in c.params for p in params[:required]):
        return True
    if required == len(c.params) or len(params) == len(c.params):
        return True
    return extra and required == len(c.params) + 1


def _proposals(name: str, in_class: bool, where: str = "the class") -> list[tuple]:
    """(partner, kind, rule[, wrt]) in order of preference."""
    out: list[tuple] = []

    def add(partner: str, kind: str, rule: str, wrt: tuple[str, ...] = (),
            unless: str = "") -> None:
        if partner and partner != name:
            out.append((partner, kind, rule, wrt, unless))

    # Hessian-vector products, then Hessians
    for pat in (r"(\w+)_hessp", r"(\w+)_hess_prod", r"(\w+)_hessian_prod(?:uct)?",
                r"(\w+)_hvp", r"hessp_(\w+)", r"hvp_(\w+)", r"(\w+)_hessian_vector_product"):
        m = re.fullmatch(pat, name)
        if m:
            add(m.group(1), "hvp", f"by name: {name} is a Hessian-vector product of "
                f"{m.group(1)}")
    for pat in (r"(\w+)_hess", r"(\w+)_hessian", r"hess_(\w+)", r"hessian_(\w+)"):
        m = re.fullmatch(pat, name)
        if m:
            add(m.group(1), "hessian", f"by name: {name} is the Hessian of {m.group(1)}")
    if in_class:
        if name in _CLASS_HVP:
            for f in _CLASS_FUNCS:
                add(f, "hvp", f"in {where}: {name} is the Hessian-vector product of {f}")
        if name in _CLASS_HESS:
            for f in _CLASS_FUNCS:
                add(f, "hessian", f"in {where}: {name} is the Hessian of {f}")
    # chains
    m = re.fullmatch(r"(\w+)_fpp", name)
    if m:
        add(f"{m.group(1)}_fp", "derivative", "by name: the chain _f, _fp, _fpp")
    m = re.fullmatch(r"(\w+)_fp", name)
    if m:
        add(f"{m.group(1)}_f", "derivative", "by name: the chain _f, _fp, _fpp")
        add(m.group(1), "derivative", "by name: the chain f, f_fp, f_fpp")
    m = re.fullmatch(r"(\w*(?:prime|deriv|der|derivative))(\d)", name)
    if m:
        n = int(m.group(2))
        prev = m.group(1) + (str(n - 1) if n > 2 else "")
        add(prev, "derivative", f"by name: the chain {m.group(1)}, {m.group(1)}2, …",
            unless=f"{m.group(1)}1")
    m = re.fullmatch(r"(deriv|der)(\d?)_([A-Za-z_]\w*)", name)
    if m and m.group(2) != "1":  # deriv_X, deriv2_X, deriv3_X: statsmodels' copula transforms
        n = int(m.group(2) or 1)
        prev = m.group(3) if n == 1 else f"{m.group(1)}{n - 1 if n > 2 else ''}_{m.group(3)}"
        add(prev, "derivative", f"by name: the chain {m.group(3)}, {m.group(1)}_{m.group(3)}, "
            f"{m.group(1)}2_{m.group(3)}, …")
    m = re.fullmatch(r"d(\d)(\w+?)_d([A-Za-z]\w*?)\1", name)
    if m:
        n, f, x = int(m.group(1)), m.group(2), m.group(3)
        prev = f"d{n - 1 if n > 2 else ''}{f}_d{x}{n - 1 if n > 2 else ''}"
        add(prev, "derivative", f"by name: the chain {f}, d{f}_d{x}, d2{f}_d{x}2, …")
    m = re.fullmatch(r"d([A-Za-z]\w*?)_?d([A-Za-z]\w*)", name)
    if m:
        add(m.group(1), "partial", f"by name: {name} is ∂{m.group(1)}/∂{m.group(2)}",
            (m.group(2),))
    m = re.fullmatch(r"(\w+)_d([A-Za-z]\w*)", name)
    if m:
        add(m.group(1), "partial", f"by name: {name} is ∂{m.group(1)}/∂{m.group(2)}",
            (m.group(2),))
    # whole derivatives
    for pat, what in ((r"(\w+)_grad", "the _grad suffix"), (r"grad_(\w+)", "the grad_ prefix"),
                      (r"(\w+)_gradient", "the _gradient suffix"),
                      (r"gradient_(\w+)", "the gradient_ prefix"),
                      (r"(\w+)_der", "the _der suffix"), (r"(\w+)_deriv", "the _deriv suffix"),
                      (r"(\w+)_derivative", "the _derivative suffix"),
                      (r"(\w+)_prime", "the _prime suffix"), (r"(\w+)prime", "the prime suffix"),
                      (r"(\w+)_jac", "the _jac suffix"), (r"jac_(\w+)", "the jac_ prefix"),
                      (r"(\w+)_jacobian", "the _jacobian suffix"),
                      (r"jacobian_(\w+)", "the jacobian_ prefix")):
        m = re.fullmatch(pat, name)
        if m:
            add(m.group(1), "derivative", f"by name: {what}")
    # siblings named like a class's pair with a shared prefix: _logistic_loss/_logistic_grad
    m = re.fullmatch(r"(\w+?)_(grad|gradient|jac|jacobian|der|deriv|derivative|fprime)", name)
    if m:
        for f in _PREFIXED_FUNCS:
            add(f"{m.group(1)}_{f}", "derivative",
                f"by name: {m.group(1)}_{f} and {name} (value and derivative)")
    m = re.fullmatch(r"(\w+?)_(hess|hessian)", name)
    if m:
        for f in _PREFIXED_FUNCS:
            add(f"{m.group(1)}_{f}", "hessian",
                f"by name: {m.group(1)}_{f} and {name} (value and Hessian)")
    for dpre, fpre in (("jac_", "fun_"), ("grad_", "func_"), ("grad_", "fun_"),
                       ("jac_", "func_"), ("hess_", "fun_"), ("hess_", "func_"),
                       ("fprime_", "f_")):  # fmin_slsqp's f_eqcons / fprime_eqcons
        if name.startswith(dpre) and len(name) > len(dpre):
            kind = "hessian" if dpre == "hess_" else "derivative"
            add(fpre + name[len(dpre):], kind, f"by name: SciPy's {fpre}X / {dpre}X")
    m = re.fullmatch(r"d([A-Za-z_]\w*)", name)
    if m:
        add(m.group(1), "derivative", "by name: the d prefix (dX is the derivative of X)")
    m = re.fullmatch(r"(\w+)_([A-Za-z])", name)
    if m:
        add(m.group(1), "partial", f"by name: {name} is ∂{m.group(1)}/∂{m.group(2)}",
            (m.group(2),))
    if in_class:
        if name == "jacobian":  # cyipopt's Problem: objective / gradient, constraints / jacobian
            add("constraints", "derivative", "in the class: cyipopt's constraints / jacobian")
        if name in _CLASS_DERIVS:
            funcs = ("evaluate",) if name == "fit_deriv" else _CLASS_FUNCS
            for f in funcs:
                what = ("Astropy's evaluate / fit_deriv (derivatives w.r.t. the parameters)"
                        if name == "fit_deriv" else f"{name} of {f}")
                add(f, "derivative", f"in {where}: {what}")
        if name == "force":
            add("energy", "force", f"in {where}: the force is minus the derivative of the "
                "energy")
        if name == "psi":
            add("rho", "derivative", f"in {where}: an M-estimator's psi is the derivative "
                "of rho")
    return out


# -- a selector: one function returns its value or one of its derivatives ---------------------


@dataclass(frozen=True)
class Selector:
    """A parameter that picks what its function returns: the value or a derivative.

    ``kind`` "selector": ``param=None`` gives the value, ``param=i`` the partial derivative
    w.r.t. ``wrt[..., i, ...]`` (``i`` on ``axis`` of ``wrt``; -1 the last), as SMT's
    ``_evaluate(x, kx)``; "order-selector": ``param=0`` gives the value and ``param=1`` the
    derivative w.r.t. ``wrt``, as SciPy's ``__call__(x, nu=0)``."""

    kind: str
    param: str
    wrt: str
    axis: int = 0

    def rule(self, name: str) -> str:
        call = f"{name}({self.wrt}, {self.param}="
        if self.kind == "order-selector":
            return f"by a selector: {call}1) is the derivative of {call}0)"
        index = "i" if self.axis == 0 else ":, " * self.axis + "i" if self.axis > 0 \
            else "..., i" + ", :" * (-1 - self.axis)
        return f"by a selector: {call}i) is ∂/∂{self.wrt}[{index}] ({self.param}=None: the value)"


# derivative orders, by name alone (SciPy's ``nu`` needs its documentation: in
# scipy.special ``nu`` is the order of a Bessel function, not of a derivative)
_ORDER_NAMES = ("der", "deriv", "derivative", "n_deriv", "nderiv", "deriv_order",
                "derivative_order")
# which partial: wrt, kderiv, i_deriv, ... or d<x> for the x it indexes (a bare kx, i or d
# says nothing by itself: its documentation must then say it)
_INDEX_NAME = re.compile(r"(?:i|k|n|idx|index|which)?_?(?:der|deriv|derivative|diff|grad|"
                         r"gradient|partial|wrt)(?:_?[a-z]\d?)?")
_DERIVATIVE_WORD = re.compile(r"\bderivatives?\b|\bpartials?\b|\bgradient\b|"
                              r"\bdifferentiat", re.I)


def selector(node: ast.FunctionDef | ast.AsyncFunctionDef, params: tuple[str, ...],
             docstring: str | None) -> Selector | None:
    """The parameter of ``node`` that selects its value or one of its derivatives, or
    None. A guess needs three signs: how the parameter is set (None, or 0 for an order),
    how the body uses it, and its name or its documentation (a derivative's). An index
    into another parameter (``x[:, kx]``: axis 1 of x) with a derivative's name (``wrt``,
    ``i_deriv``, ``dx`` indexing ``x``) or documentation; or documentation alone (SMT's
    "kx : int or None / Index of derivative") when the body only reads it (``kx == 0``,
    ``kx % 2``): then the first other parameter on its last axis (a batch of points
    ``x[ne, nx]``: the column). The kernel then checks that each output has the shape
    that says (`lsp_server.kernel.compute.check_selector`)."""
    defaults = _defaults(node)
    for s in params:
        documented = _documented_as_derivative(docstring, s)
        default = defaults.get(s, _NO_DEFAULT)
        if _is_none(default) or _tested_is_none(node, s):
            used = _indexes(node, s, params)
            if used is not None and (documented or _INDEX_NAME.fullmatch(s)
                                     or s == f"d{used[0]}"):
                return Selector("selector", s, used[0], used[1])
            wrt = next((p for p in params if p != s), None)
            if used is None and documented and wrt is not None and _reads(node, s):
                return Selector("selector", s, wrt, -1)  # kx == 0, kx % 2: the last axis
        if isinstance(default, ast.Constant) and type(default.value) is int \
                and default.value == 0 and (s in _ORDER_NAMES or documented) \
                and _reads(node, s):
            wrt = next((p for p in params if p != s), None)
            if wrt is not None:
                return Selector("order-selector", s, wrt)
    return None


_NO_DEFAULT = ast.Pass()


def _defaults(node: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, ast.expr]:
    a = node.args
    positional = a.posonlyargs + a.args
    out = {p.arg: d for p, d in zip(positional[len(positional) - len(a.defaults):], a.defaults,
                                    strict=True)}
    out.update({p.arg: d for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True)
                if d is not None})
    return out


def _is_none(e: ast.AST) -> bool:
    return isinstance(e, ast.Constant) and e.value is None


def _tested_is_none(node: ast.AST, s: str) -> bool:
    """The body says ``s is None`` or ``s is not None``."""
    for n in ast.walk(node):
        if isinstance(n, ast.Compare) and len(n.ops) == 1 \
                and isinstance(n.ops[0], (ast.Is, ast.IsNot)):
            sides = (n.left, n.comparators[0])
            if any(isinstance(x, ast.Name) and x.id == s for x in sides) \
                    and any(_is_none(x) for x in sides):
                return True
    return False


def _reads(node: ast.AST, s: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == s and isinstance(n.ctx, ast.Load)
               for n in ast.walk(node))


def _indexes(node: ast.AST, s: str, params: tuple[str, ...]) -> tuple[str, int] | None:
    """(parameter, axis) where the body indexes one other parameter with ``s`` itself
    (``x[s]``, ``x[:, s]``, ``x[..., s]``: axis 0, 1, -1); None when it indexes none, or
    more than one parameter or axis (no single reading)."""
    found: set[tuple[str, int]] = set()
    for n in ast.walk(node):
        if not (isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name)
                and n.value.id in params and n.value.id != s):
            continue
        parts = n.slice.elts if isinstance(n.slice, ast.Tuple) else [n.slice]
        for j, e in enumerate(parts):
            if isinstance(e, ast.Name) and e.id == s:
                ellipsis = any(isinstance(p, ast.Constant) and p.value is Ellipsis
                               for p in parts[:j])
                found.add((n.value.id, j - len(parts) if ellipsis else j))
    return found.pop() if len(found) == 1 else None


def _documented_as_derivative(docstring: str | None, s: str) -> bool:
    """The docstring's entry for parameter ``s`` (NumPy, Google or Sphinx style) speaks
    of a derivative ("kx : int or None / Index of derivative (0-based)")."""
    if not docstring:
        return False
    lines = docstring.splitlines()
    head = re.compile(rf"(?::param\s+(?:[\w\[\], ]+\s+)?)?\*{{0,2}}{re.escape(s)}\b\s*(?:[:(]|$)")
    for i, line in enumerate(lines):
        if not head.match(line.strip()):
            continue
        indent = len(line) - len(line.lstrip())
        entry = [line]
        for more in lines[i + 1:]:
            if not more.strip() or len(more) - len(more.lstrip()) <= indent:
                break
            entry.append(more)
        if _DERIVATIVE_WORD.search(" ".join(entry)):
            return True
    return False

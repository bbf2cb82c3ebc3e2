"""Two implementations, one answer: ad.sct.grad (source transformation) against ad.grad
(operator overloading) over the ad_core test suite's differentiable cases.

The cases are imported from tests/ad_core (not copied): the primitive table of
test_primitives.py, the broadcasting pairs, the reductions with every axis, the
indexing cases, the control-flow functions, and the systematic check's registry
(check_registry.py: one entry per primitive of the table and per NumPy function of
SPEC §1, at points hypothesis draws). Each function's output is weighted by a fixed
random array and summed, so that both transforms differentiate the same scalar
function (the weights reach every output element). Where ``sct`` does not apply (a
``*args`` lambda, a ``custom_jvp``...) it must refuse with SourceTransformError, never
return something else; such cases are counted, and most cases must apply.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import linecache
import math as pymath
import os
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ad_core as ad

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ad_core"))

import check_registry as cr  # noqa: E402
import test_broadcasting as tb  # noqa: E402
import test_control_flow as tc  # noqa: E402
import test_indexing as ti  # noqa: E402
import test_primitives as tp  # noqa: E402
import test_reductions as tr  # noqa: E402

_counter = itertools.count()


def _scalarised(f, n: int, squared: bool = False):
    """``def weighted(a0, .., w): return np.sum(w * f(a0, ..))``, written to a (virtual)
    file so that ad.sct reads its source like any other."""
    params = ", ".join(f"a{i}" for i in range(n))
    value = f"f({params}) * f({params})" if squared else f"f({params})"
    text = (f"def weighted({params}, w):\n"
            f"    return np.sum(w * {value})\n")
    filename = f"<sct-crosscheck-{next(_counter)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    ns = {"np": np, "f": f}
    exec(compile(text, filename, "exec"), ns)
    return ns["weighted"]


def _sample(arg: tp.Arg, rng):
    def one():
        for _ in range(1000):
            v = rng.uniform(arg.lo, arg.hi)
            if (v == 0.0 or abs(v) >= 1e-3) and all(abs(v - k) > arg.margin for k in arg.avoid):
                return float(v)
        raise AssertionError("no point in the domain")

    if arg.shape == ():
        return one()
    return np.array([one() for _ in range(pymath.prod(arg.shape))]).reshape(arg.shape)


def _points(case: tp.Case, seed: int, n: int = 2):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(200):
        args = tuple(_sample(a, rng) for a in case.args)
        if case.ok is None or case.ok(*args):
            out.append(args)
            if len(out) == n:
                return out
    raise AssertionError(f"no point for {case.id}")


def _agree(f, args, rtol=1e-9):
    """ad.sct.grad(f) == ad.grad(f) for every differentiated argument (all but the last,
    the weights); False when sct refused the function."""
    nums = tuple(range(len(args) - 1))
    try:
        got = ad.sct.grad(f, argnums=nums)(*args)
    except ad.sct.SourceTransformError:
        return False
    ref = ad.grad(f, argnums=nums)(*args)
    for a, b in zip(got, ref):
        assert type(a) is type(b)
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-10, equal_nan=True)
    return True


def _weights(f, args, seed):
    out = f(*args)
    shape = np.shape(out)
    w = np.random.default_rng(seed).uniform(0.5, 1.5, shape)
    return float(w) if shape == () else w


def _unsquared(f):
    """test_primitives' ``sq(op)`` is ``lambda *a: op(*a) * op(*a)``: *args are not
    supported by ad.sct, so the case is checked as ``op`` squared in the wrapper."""
    code = getattr(f, "__code__", None)
    if code is not None and code.co_flags & 0x04 and "op" in code.co_freevars:
        return f.__closure__[code.co_freevars.index("op")].cell_contents, True
    return f, False


@pytest.mark.parametrize("case", tp.CASES, ids=[c.id for c in tp.CASES])
def test_primitive_case_sct_agrees_with_operator_overloading(case, request):
    applied = 0
    f, squared = _unsquared(case.f)
    for k, args in enumerate(_points(case, seed=hash(case.id) % 2**31)):
        w = _weights(case.f, args, k)
        applied += _agree(_scalarised(f, len(args), squared), (*args, w))
    request.node.user_properties.append(("applied", applied))
    _APPLIED.append((case.id, applied > 0))


_APPLIED: list[tuple[str, bool]] = []


def test_source_transformation_applies_to_most_primitive_cases():
    if len(_APPLIED) < len(tp.CASES):
        pytest.skip("runs after the primitive cases (whole module)")
    refused = [cid for cid, ok in _APPLIED if not ok]
    assert refused == [], refused


@pytest.mark.parametrize("sa, sb", tb.PAIRS, ids=[f"{a}-{b}" for a, b in tb.PAIRS])
def test_broadcasting_pairs_agree(sa, sb):
    a, b = tb._arg(sa, 1), tb._arg(sb, 2)
    for name, op in tb.OPS.items():
        w = _weights(op, (a, b), 3)
        assert _agree(_scalarised(op, 2), (a, b, w)), name


@pytest.mark.parametrize("name", sorted(tr.REDUCTIONS))
def test_reductions_with_every_axis_agree(name):
    red = tr.REDUCTIONS[name]
    for axis, keepdims in itertools.product(tr.AXES, (False, True)):
        f = _reduction(red, axis, keepdims)
        w = _weights(f, (tr.X3,), 5)
        assert _agree(_scalarised(f, 1), (tr.X3, w)), (axis, keepdims)


def _reduction(red, axis, keepdims):
    def f(x):
        return red(x, axis=axis, keepdims=keepdims)
    return f


@pytest.mark.parametrize("name", sorted(ti.INDICES))
def test_indexing_agrees(name):
    idx = ti.INDICES[name]

    def f(x):
        return x[idx] * x[idx]

    w = _weights(f, (ti.X,), 7)
    assert _agree(_scalarised(f, 1), (ti.X, w))


@pytest.mark.parametrize("x", [2.0, -3.0, 0.5, 1.0])
def test_control_flow_piecewise_agrees(x):
    assert _agree(_scalarised(tc.piecewise, 1), (x, 1.0))


# -- the systematic check's registry: one entry per primitive of the table ----------------

REGISTRY = {name: c for name, c in {**cr.PRIMITIVE_CHECKS, **cr.FUNCTION_CHECKS}.items()
            if c.order > 0}  # (an order-0 entry has no derivative to compare)

#: Entries source transformation does not apply to, and why. Each must be refused with
#: SourceTransformError (naming what), never give another answer than ad.grad's; an entry
#: that starts to apply must leave this list (the test says so).
NOT_TRANSFORMED = {
    # complex intermediates: ad.sct differentiates real-valued code (docs/sct.md)
    "fft": "complex", "ifft": "complex", "rfft": "complex", "irfft": "complex",
    "real": "complex", "imag": "complex", "conj": "complex", "cabs": "complex",
    # the registry's own code uses what ad.sct refuses
    "numpy.diff": "*args",  # def f(x, *app): the optional append= as a *args parameter
    "numpy.tril": "indirect call", "numpy.triu": "indirect call",  # getattr(np, name)(x)
    "numpy.split": "a generator expression", "numpy.array_split": "a generator expression",
    "numpy.vsplit": "a generator expression", "numpy.hsplit": "a generator expression",
    "numpy.std": "**kwargs", "numpy.var": "**kwargs",  # np.std(x, **kw)
    "numpy.sum(where, initial)": "**kwargs", "numpy.max(where, initial)": "**kwargs",
    "numpy.mean(where)": "**kwargs", "numpy.prod(where, initial)": "**kwargs",
    "in-place writes and views": "subscript assignment",
    # module data read while staging is a named stand-in, and np.interp wants its sample
    # points as plain values (ad.grad passes them untraced)
    "numpy.interp": "np.interp(x, xp, fp)",
}

# ``make fuzz`` (ADLENS_FUZZ_LONG=1) draws many more points per entry.
LONG = os.environ.get("ADLENS_FUZZ_LONG", "") not in ("", "0")
REGISTRY_SETTINGS = dict(max_examples=60 if LONG else 3, deadline=None, derandomize=not LONG,
                         database=None,
                         suppress_health_check=[HealthCheck.too_slow,
                                                HealthCheck.filter_too_much,
                                                HealthCheck.data_too_large])


def _unwrapped(f, n: int):
    """The function the registry's test wrappers hold, as ad.sct can read it, and whether
    it is squared: ``sq(op)`` (op squared), ``real_form`` of real arguments (the function
    itself), a ``lambda *xs: g(*xs, ...)`` (its body with named parameters)."""
    squared = False
    for _ in range(4):
        code = getattr(f, "__code__", None)
        if code is None or not code.co_flags & inspect.CO_VARARGS:
            break
        cells = dict(zip(code.co_freevars, f.__closure__ or ()))
        if "op" in cells and code.co_name == "f" and not squared:  # sq(op)
            f, squared = cells["op"].cell_contents, True
        elif "fn" in cells and "cplx" in cells:  # real_form(fn, args)
            cplx = cells["cplx"].cell_contents
            f = cells["fn"].cell_contents if not any(cplx) else \
                _complex_form(cells["fn"].cell_contents, cplx)
        else:
            named = _named_parameters(f, n)
            if named is None:
                break
            f = named
    return f, squared


def _named_parameters(f, n: int):
    """``lambda *xs: g(*xs, axis=1)`` as ``lambda a0, a1: g(a0, a1, axis=1)`` (same closure,
    in a file of its own), when ``xs`` is used only as ``*xs``; else None."""
    code = f.__code__
    star = code.co_varnames[code.co_argcount + code.co_kwonlyargcount]
    try:
        text = textwrap.dedent(inspect.getsource(f))
        tree = ast.parse(text if not text.lstrip().startswith(".") else "x" + text)
    except (OSError, SyntaxError):
        return None
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and n.args.vararg is not
             None and n.args.vararg.arg == star and not n.args.args]
    if len(found) != 1 or not isinstance(found[0].body, ast.expr):
        return None
    body = found[0].body
    uses = [n for n in ast.walk(body) if isinstance(n, ast.Name) and n.id == star]
    starred = [n for n in ast.walk(body) if isinstance(n, ast.Starred) and
               isinstance(n.value, ast.Name) and n.value.id == star]
    if len(uses) != len(starred) or not starred:
        return None
    return _named_source(f, body, star, n)


def _named_source(f, body, star, n):
    names = [f"a{i}" for i in range(n)]

    class Expand(ast.NodeTransformer):
        def visit_Call(self, c):
            self.generic_visit(c)
            args = []
            for a in c.args:
                if isinstance(a, ast.Starred) and isinstance(a.value, ast.Name) and \
                        a.value.id == star:
                    args += [ast.Name(x, ast.Load()) for x in names]
                else:
                    args.append(a)
            c.args = args
            return c

    expr = ast.fix_missing_locations(Expand().visit(body))
    text = f"def named({', '.join(names)}):\n    return {ast.unparse(expr)}\n"
    filename = f"<sct-crosscheck-named-{next(_counter)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    ns = dict(f.__globals__)
    ns.update((k, c.cell_contents) for k, c in zip(f.__code__.co_freevars,
                                                      f.__closure__ or ()))
    exec(compile(text, filename, "exec"), ns)
    return ns["named"]


def _complex_form(fn, cplx):
    """real_form's wrapper with named parameters: complex arguments from their real and
    imaginary parts, complex outputs as their parts (``check_registry._parts``)."""
    params, rebuilt, i = [], [], 0
    for c in cplx:
        if c:
            params += [f"a{i}", f"a{i + 1}"]
            rebuilt.append(f"a{i} + 1j * a{i + 1}")
            i += 2
        else:
            params.append(f"a{i}")
            rebuilt.append(f"a{i}")
            i += 1
    text = (f"def named({', '.join(params)}):\n"
            f"    return parts(fn({', '.join(rebuilt)}))\n")
    filename = f"<sct-crosscheck-complex-{next(_counter)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    ns = {"np": np, "fn": fn, "parts": cr._parts}
    exec(compile(text, filename, "exec"), ns)
    return ns["named"]


def _outputs_weighted(f, n: int, parts: int | None, squared: bool):
    """``weighted(a0, .., w)``: the weighted sum of ``f``'s output; for a tuple output of
    ``parts`` arrays, ``w0, w1, ...`` weigh each part."""
    if parts is None:
        return _scalarised(f, n, squared)
    params = ", ".join(f"a{i}" for i in range(n))
    ws = ", ".join(f"w{i}" for i in range(parts))
    terms = " + ".join(f"np.sum(w{i} * t[{i}])" for i in range(parts))
    text = f"def weighted({params}, {ws}):\n    t = f({params})\n    return {terms}\n"
    filename = f"<sct-crosscheck-{next(_counter)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    ns = {"np": np, "f": f}
    exec(compile(text, filename, "exec"), ns)
    return ns["weighted"]


def _registry_outcome(f0, args) -> str:
    """"agrees", or the construct ad.sct refused; an AssertionError when the two engines
    give different gradients."""
    out = f0(*args)
    rng = np.random.default_rng(11)
    if isinstance(out, (tuple, list)):
        weights = tuple(rng.uniform(0.5, 1.5, np.shape(o)) for o in out)
        parts = len(out)
    else:
        weights, parts = (rng.uniform(0.5, 1.5, np.shape(out)),), None
    f, squared = _unwrapped(f0, len(args))
    g = _outputs_weighted(f, len(args), parts, squared)
    nums = tuple(range(len(args)))
    try:
        got = ad.sct.grad(g, argnums=nums)(*args, *weights)
    except ad.sct.SourceTransformError as e:
        return "complex" if "complex value" in str(e) else e.construct or str(e)
    ref = ad.grad(g, argnums=nums)(*args, *weights)
    for k, (a, b) in enumerate(zip(got, ref)):
        assert type(a) is type(b), (k, type(a), type(b))
        assert np.shape(a) == np.shape(b), (k, np.shape(a), np.shape(b))
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10, equal_nan=True,
                                   err_msg=f"argument {k}")
    return "agrees"


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::DeprecationWarning")
@pytest.mark.parametrize("name", sorted(REGISTRY))
@settings(**REGISTRY_SETTINGS)
@given(data=st.data())
def test_registry_entry_sct_agrees_with_operator_overloading(name, data):
    f, args = REGISTRY[name].draw(data)
    outcome = _registry_outcome(f, args)
    if name in NOT_TRANSFORMED:
        assert outcome == NOT_TRANSFORMED[name], (
            f"{name}: {outcome!r} (expected ad.sct to refuse {NOT_TRANSFORMED[name]!r}; if it "
            "now agrees, take it off NOT_TRANSFORMED)")
    else:
        assert outcome == "agrees", f"{name}: ad.sct refused {outcome!r}"


def test_source_transformation_applies_to_most_of_the_registry():
    applied = set(REGISTRY) - set(NOT_TRANSFORMED)
    assert set(NOT_TRANSFORMED) <= set(REGISTRY), set(NOT_TRANSFORMED) - set(REGISTRY)
    # every primitive of the table outside the complex family is transformed somewhere
    table = {n for n in cr.PRIMITIVE_CHECKS if cr.PRIMITIVE_CHECKS[n].order > 0}
    assert table - applied == {n for n, why in NOT_TRANSFORMED.items()
                               if n in table and why == "complex"}
    assert len(applied) >= 110, len(applied)

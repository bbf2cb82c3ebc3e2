"""Unsupported constructs: SourceTransformError naming the construct and its line, and the
argument contract of ad.grad (TypeError naming a bad argument, non-scalar output)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import sct_corpus as C

import ad_core as ad

# function, the text on the offending line, a word the message must contain
UNSUPPORTED = [
    ("uses_try", "try:", "try"),
    ("uses_with", "with open", "with"),
    ("uses_global", "global SCALE", "global"),
    ("uses_yield", "yield x", "yield"),
    ("uses_lambda", "lambda y", "lambda"),
    ("uses_inner_def", "def g(y)", "def"),
    ("uses_class", "class K", "class"),
    ("uses_attribute_assignment", "obj.value = x", "attribute"),
    ("uses_setitem", "y[0] = x", "in-place"),
    ("uses_varargs", "def uses_varargs", "*xs"),
    ("uses_append", "out.append(x)", "append"),
    ("uses_comprehension", "np.stack([x * k", "comprehension"),
    ("uses_float", "return float(x)", "float()"),
    ("uses_tolist", "v = x.tolist()", ".tolist()"),
    ("uses_unknown_call", "np.gradient", "gradient"),
    ("uses_complex", "np.fft.fft", "complex"),
    ("uses_aliased_aug", "y += 1.0", "in place"),
    # a callee with *args: said at the call, naming it (not a count of its parameters)
    ("calls_varargs", "return uses_varargs(x)", "*xs in its signature"),
    # a table of functions indexed by a parameter: known only when the code runs
    ("uses_table_by_parameter", "ACTIVATIONS[kind]", "not known before the code runs"),
]


def _line_of(f, text: str) -> int:
    lines, start = inspect.getsourcelines(f)
    for i, ln in enumerate(lines):
        if text in ln:
            return start + i
    raise AssertionError(f"{text!r} not in {f.__name__}")


@pytest.mark.parametrize("name, text, word", UNSUPPORTED, ids=[u[0] for u in UNSUPPORTED])
def test_unsupported_construct_raises_with_its_line_in_grad_and_source(name, text, word):
    f = getattr(C, name)
    line = _line_of(f, text)
    x = np.array([0.5, 1.5, 2.0])

    def call():
        return ad.sct.grad(f)(x) if name != "uses_attribute_assignment" else \
            ad.sct.grad(f)(1.0, object())

    with pytest.raises(ad.sct.SourceTransformError) as err:
        call()
    assert err.value.line == line
    assert word in str(err.value)
    assert f"line {line}" in str(err.value)
    assert err.value.file == inspect.getsourcefile(f)
    with pytest.raises(ad.sct.SourceTransformError) as err2:
        ad.sct.source(f, like=(x,) if name != "uses_attribute_assignment" else (1.0, object()))
    assert err2.value.line == line


def test_a_function_without_source_is_refused_by_name():
    with pytest.raises(ad.sct.SourceTransformError, match="numpy.sin|sin"):
        ad.sct.grad(np.sin)
    with pytest.raises(ad.sct.SourceTransformError, match="source"):
        ns = {}
        exec("def f(x):\n    return x * x\n", ns)
        ad.sct.grad(ns["f"])


def test_a_decorated_function_is_refused():
    with pytest.raises(ad.sct.SourceTransformError, match="decorat"):
        ad.sct.grad(_decorated)


def _identity(f):
    return f


@_identity
def _decorated(x):
    return x * x


def test_non_scalar_output_is_a_type_error_that_points_to_jacrev():
    with pytest.raises(TypeError, match="jacrev"):
        ad.sct.grad(lambda x: x * 2.0)(np.ones(3))


def test_a_string_argument_is_a_type_error_naming_the_parameter():
    with pytest.raises(TypeError, match="'x'"):
        ad.sct.grad(C.chain)("1.0")


def test_integers_are_promoted_and_the_gradient_is_a_float():
    g = ad.sct.grad(C.chain)(1)
    assert type(g) is float and g == pytest.approx(ad.grad(C.chain)(1.0))
    g = ad.sct.grad(C.rosenbrock)(np.arange(4))
    assert g.dtype == np.float64 and g.shape == (4,)


def test_argnums_out_of_range_is_a_type_error():
    with pytest.raises(TypeError, match="out of range"):
        ad.sct.grad(C.chain, argnums=3)(1.0)


def test_mode_must_be_forward_or_reverse():
    with pytest.raises(ValueError, match="mode"):
        ad.sct.source(C.chain, mode="sideways")

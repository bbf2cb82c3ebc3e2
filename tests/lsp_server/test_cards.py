"""Cards: the static part never runs code; each section fails on its own."""

from __future__ import annotations

import asyncio

import pytest

from lsp_server.analysis import analyze
from lsp_server.cards import CardService, unicode_expr
from lsp_server.kernel import Kernel

SRC = """\
import math

# adlens: x=1.5, y=2.0
def f(x, y):
    z = math.sin(x) * y
    return z * x

def f_grad(x, y):
    return (math.cos(x) * y * x + math.sin(x) * y, math.sin(x) * 2)

def spin(x):
    while True:
        pass

def boom(x):
    raise ValueError("no")
"""


@pytest.fixture(scope="module")
def kernel():
    k = Kernel(time_limit=1.0)
    yield k
    k.close()


def test_static_card_never_runs_code(tmp_path):
    marker = tmp_path / "ran"
    src = f"def f(x):\n    open({str(marker)!r}, 'w')\n    return x * x\n"
    card = CardService(None, execution="always").card_sync(analyze(src), "f")
    assert card.status == "static" and card.value is None
    assert not marker.exists()
    assert card.gradient.reason.startswith("not run")


def test_static_card_has_symbolic_partials():
    card = CardService(None, execution="never").card_sync(analyze(SRC), "f")
    assert card.expressions.available
    assert set(card.expressions.partials) == {"x", "y"}
    assert card.expressions.partials["y"] == "x·sin(x)"


def test_untrusted_workspace_is_static_even_with_a_kernel(kernel):
    card = CardService(kernel, execution="trusted", trusted=False).card_sync(analyze(SRC), "f")
    assert card.status == "static" and "not trusted" in card.message


def test_full_card_merges_kernel_results(kernel):
    card = CardService(kernel).card_sync(analyze(SRC), "f")
    assert card.status == "ok"
    assert card.value == pytest.approx(2.99248, rel=1e-5)
    assert card.gradient.values["y"] == pytest.approx(1.5 * __import__("math").sin(1.5))
    assert card.check.available and card.check.passed
    assert card.cost.available and card.cost.source == "measured"
    assert card.cost.recommended == "reverse"
    assert card.trace.available and card.trace.rows
    body = {r.line for r in card.trace.rows if r.op not in ("input",)}
    assert body <= {4, 5}  # trace rows map back to document lines 5 and 6


def test_wrong_hand_written_gradient_names_the_component(kernel):
    card = CardService(kernel).card_sync(analyze(SRC), "f_grad")
    v = card.verdict
    assert card.kind == "gradient" and v is not None and v.available
    assert v.correct is False and v.worst.component == "y"
    assert v.worst.hand == pytest.approx(2 * __import__("math").sin(1.5))
    assert v.fd_passed is False


def test_timeout_card_keeps_its_static_part(kernel):
    card = CardService(kernel).card_sync(analyze(SRC), "spin")
    assert card.status == "timeout"
    assert card.gradient.reason == "timed out"


def test_error_card_points_at_the_raising_line(kernel):
    card = CardService(kernel).card_sync(analyze(SRC), "boom")
    assert card.status == "error" and "ValueError: no" in card.value_error
    assert card.error_line == 15


def test_user_point_overrides(kernel):
    svc = CardService(kernel)
    card = svc.card_sync(analyze(SRC), "f", point="x=0.0")
    assert card.point.source == "user" and card.value == 0.0
    with pytest.raises(KeyError, match="no function 'nope'"):
        svc.card_sync(analyze(SRC), "nope")


def test_async_card(kernel):
    card = asyncio.run(CardService(kernel).card(analyze(SRC), "f"))
    assert card.status == "ok" and card.gradient.available


def test_unicode_expressions_are_one_line():
    import sympy

    x = sympy.Symbol("x")
    assert unicode_expr(2 * x * sympy.cos(x**2)) == "2·x·cos(x²)"
    assert unicode_expr(sympy.sqrt(x) / x**3) == "x^(-5/2)" or "√" in unicode_expr(sympy.sqrt(x))

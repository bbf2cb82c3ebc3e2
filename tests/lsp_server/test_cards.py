"""Cards: the static part never runs code; each section fails on its own."""

from __future__ import annotations

import asyncio

import pytest
from sources import SAMPLE

from lsp_server.analysis import analyze
from lsp_server.cards import CardService
from lsp_server.kernel import KernelPool

SRC = SAMPLE + """
def spin(x):
    while True:
        pass

def boom(x):
    raise ValueError("no")
"""


@pytest.fixture(scope="module")
def kernel():
    k = KernelPool(1, time_limit=1.0)
    yield k
    k.close()


def test_static_card_never_runs_code(tmp_path):
    marker = tmp_path / "ran"
    src = f"def f(x):\n    open({str(marker)!r}, 'w')\n    return x * x\n"
    card = CardService(None, execution="always").card_sync(analyze(src), "f")
    assert card.status == "static" and card.value is None
    assert not marker.exists()
    assert card.gradient is None and "static analysis only" in card.why("gradient")


def test_static_card_has_symbolic_partials():
    card = CardService(None, execution="never").card_sync(analyze(SRC), "f")
    assert card.expressions is not None
    assert set(card.expressions.partials) == {"x", "y"}
    assert card.expressions.partials["y"] == "x·sin(x)"


def test_untrusted_workspace_is_static_even_with_a_kernel(kernel):
    card = CardService(kernel, execution="trusted", trusted=False).card_sync(analyze(SRC), "f")
    assert card.status == "static" and "not trusted" in card.message


def test_full_card_merges_kernel_results(kernel):
    card = CardService(kernel).card_sync(analyze(SRC), "f")
    assert card.status == "ok"
    assert card.value.value == pytest.approx(2.99248, rel=1e-5)
    assert card.gradient.values["y"] == pytest.approx(1.5 * __import__("math").sin(1.5))
    assert card.check.outcome == "verified" and card.check.subject == "ad"
    assert card.cost.source == "measured"
    assert card.cost.recommended == "reverse"
    assert card.trace.rows
    body = {r.line for r in card.trace.rows if r.op not in ("input",)}
    assert body <= {4, 5}  # trace rows map back to document lines 5 and 6


def test_wrong_hand_written_gradient_names_the_component(kernel):
    card = CardService(kernel).card_sync(analyze(SRC), "f_grad")
    c = card.check
    assert card.kind == "gradient" and c is not None and c.subject == "hand"
    assert c.outcome == "wrong" and c.worst == "y"
    x, y = c.components
    assert y.hand == pytest.approx(2 * __import__("math").sin(1.5))
    assert x.agree == {"hand=ad": True, "hand=fd": True, "ad=fd": True}
    assert y.agree == {"hand=ad": False, "hand=fd": False, "ad=fd": True}


def test_timeout_card_keeps_its_static_part(kernel):
    card = CardService(kernel).card_sync(analyze(SRC), "spin")
    assert card.status == "timeout"
    assert card.why("gradient") == "timed out"
    assert card.cost is not None and card.cost.source == "static"  # the static part stands


def test_error_card_points_at_the_raising_line(kernel):
    card = CardService(kernel).card_sync(analyze(SRC), "boom")
    assert card.status == "error" and "ValueError: no" in card.why("value")
    assert card.missing["value"].line == SRC.splitlines().index('    raise ValueError("no")')


def test_user_point_overrides(kernel):
    svc = CardService(kernel)
    card = svc.card_sync(analyze(SRC), "f", point="x=0.0")
    assert card.point.source == "user" and card.value.value == 0.0
    with pytest.raises(KeyError, match="no function 'nope'"):
        svc.card_sync(analyze(SRC), "nope")


def test_async_card(kernel):
    card = asyncio.run(CardService(kernel).card(analyze(SRC), "f"))
    assert card.status == "ok" and card.gradient is not None


def test_expressions_come_from_the_library_printer():
    src = "def pw(x, y):\n    return x ** 2 * abs(y) if x > 0 else -x\n"
    card = CardService(None, execution="never").card_sync(analyze(src), "pw")
    assert card.expressions.partials["x"] == "2·x·|y| if x > 0 else -1"
    text = str(card.expressions)
    assert "Piecewise" not in text and "Abs(" not in text

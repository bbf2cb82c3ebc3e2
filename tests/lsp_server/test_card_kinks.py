"""A non-differentiable point reached at the evaluation point becomes a card line and a
diagnostic on the line that reached it (SPEC §3), through the real kernel."""

from __future__ import annotations

import pytest

from lsp_server import render
from lsp_server.analysis import analyze
from lsp_server.cards import CardService
from lsp_server.kernel import KernelPool

SRC = """\
import numpy as np


# adlens: x=1.0, y=0.0
def hinge(x, y):
    a = abs(x - 1.0)
    return np.maximum(a, y) * 2.0


# adlens: x=3.0, y=0.5
def smooth(x, y):
    return abs(x - 1.0) + np.maximum(x, y)
"""


@pytest.fixture(scope="module")
def svc():
    k = KernelPool(1, time_limit=5.0)
    yield CardService(k, execution="always")
    k.close()


def test_kinks_become_diagnostics_on_their_lines(svc):
    card = svc.card_sync(analyze(SRC), "hinge")
    diags = [d for d in render.diagnostics(card) if d.code == "non-differentiable"]
    assert [d.span.line for d in diags] == [5, 6]  # 0-based: `a = abs(...)`, the maximum
    assert "abs at 0" in diags[0].message and "x=1.0" in diags[0].message
    assert "splits the gradient evenly" in diags[1].message
    assert "line 6: abs at 0" in render.markdown(card)
    assert "non-differentiable (line 7)" in render.text(card)


def test_smooth_points_give_no_kink_diagnostic(svc):
    card = svc.card_sync(analyze(SRC), "smooth")
    assert card.trace is not None
    assert not [d for d in render.diagnostics(card) if d.code == "non-differentiable"]

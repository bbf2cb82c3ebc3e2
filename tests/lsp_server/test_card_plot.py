"""The hover's picture: f and ∂f/∂p around the point, computed by the real kernel."""

from __future__ import annotations

import base64
import math
import re

import pytest

from lsp_server import render
from lsp_server.analysis import analyze
from lsp_server.cards import CardService
from lsp_server.kernel import KernelPool

SRC = """\
import numpy as np


# adlens: x=2.0, y=3.0
def f(x, y):
    return x * x * y


# adlens: x=0.5
def g(x):
    return np.log(x)


# adlens: w=[1.0, 2.0]
def h(w):
    return np.sum(w ** 2)
"""


@pytest.fixture(scope="module")
def svc():
    k = KernelPool(1, time_limit=5.0)
    yield CardService(k, execution="always")
    k.close()


def _svg(md: str) -> str:
    m = re.search(r"\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", md)
    assert m is not None, "no picture in the hover"
    return base64.b64decode(m.group(1)).decode("utf-8")


def test_the_plot_holds_f_and_its_derivative_along_the_first_parameter(svc):
    card = svc.card_sync(analyze(SRC), "f")
    p = card.plot
    assert p is not None and p.param == "x" and p.x0 == 2.0
    for x, fx, dfx in zip(p.xs, p.f, p.df, strict=True):
        assert math.isclose(fx, x * x * 3.0, abs_tol=1e-9)
        assert math.isclose(dfx, 2 * x * 3.0, abs_tol=1e-9)
    svg = _svg(render.markdown(card))
    assert svg.startswith("<svg") and svg.count("<polyline") == 2
    assert "∂f/∂x" in svg


def test_where_f_is_undefined_both_curves_have_a_gap(svc):
    p = svc.card_sync(analyze(SRC), "g").plot
    assert p is not None and p.xs[0] < 0 < p.xs[-1]
    undefined = [x <= 0 for x in p.xs]
    assert [v is None for v in p.f] == undefined
    assert [v is None for v in p.df] == undefined


def test_no_picture_without_a_scalar_parameter(svc):
    card = svc.card_sync(analyze(SRC), "h")
    assert card.plot is None and card.why("plot")
    assert "data:image/svg+xml" not in render.markdown(card)

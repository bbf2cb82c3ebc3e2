"""The static path cannot stall the server (issue 15, finding 4).

Two-line files whose SymPy translation meets a huge integer power (``pow(3, 10**8)``,
``math.pow``, a ``np.sqrt(3)`` base; ``np.power`` and ``np.exp2`` are the same case) held the
interpreter lock in one C call for a minute and a half, no code run. SymPy, the static
estimate and the printing now run in a worker process killed at its deadline: while
it works, the server answers at once, and the bad function's card says what happened.
"""

from __future__ import annotations

import time

import pytest
from conftest import TALLY
from lsp_wire import Wire, server, stop

BAD = """import math
import numpy as np


def a(x):
    return x * pow(3, 10**8)


def c(x):
    return x * math.pow(3, 10**8)


def e(x):
    return x * np.sqrt(3) ** (10**8)
"""
HEALTHY = "def g(x=2.0):\n    return x ** 3\n"


@pytest.fixture(scope="module")
def untrusted(tmp_path_factory: pytest.TempPathFactory):
    proc = server("--stdio")
    wire = Wire.stdio(proc)
    root = tmp_path_factory.mktemp("static")
    wire.initialize({"trusted": False}, root)  # static cards only: no code runs at all
    yield wire, root
    wire.shutdown()
    stop(proc)


def test_a_huge_power_costs_its_own_card_not_the_server(untrusted) -> None:
    wire, root = untrusted
    bad = wire.open(root / "bad.py", BAD)
    healthy = wire.open(root / "healthy.py", HEALTHY)
    lines = BAD.splitlines()
    for name in "ace":  # start every bad static part
        wire.hover(bad, lines.index(f"def {name}(x):"), 4, timeout=30)
    # The server answers at once while the static worker is stuck...
    start = time.monotonic()
    lenses = wire.request("textDocument/codeLens", {"textDocument": {"uri": healthy}})
    assert lenses is not None and "result" in lenses
    first = wire.hover(healthy, 0, 4, timeout=30)
    assert time.monotonic() - start < 6.0, time.monotonic() - start
    assert first is not None
    # ...and every card lands: the healthy one with its derivative, the bad ones saying why
    card = wire.hover_until(healthy, 0, 4, lambda t: bool(t and "3·x²" in t), timeout=90)
    assert card is not None and "3·x²" in card, card
    for name in "ace":
        text = wire.hover_until(bad, lines.index(f"def {name}(x):"), 4,
                                lambda t: bool(t and "computing" not in t), timeout=90)
        assert text is not None and ("stopped" in text or "too large" in text), (name, text)
    TALLY["static stalls bounded"] += 3

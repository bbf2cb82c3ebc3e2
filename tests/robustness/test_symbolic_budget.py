"""The SymPy path fed pathological expressions: its time budget holds.

A hang detector, not a benchmark: each case must return within its documented
limits plus a generous 5 s. The server runs the same code on its one SymPy
thread, so a case that overruns stalls every static card behind it.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from conftest import ROOT, TALLY

symbolic = pytest.importorskip(
    "ad_core.symbolic", reason="ad_core.symbolic (from_source) is not in this tree yet"
)
if not hasattr(symbolic, "from_source"):
    pytest.skip("ad_core.symbolic.from_source is not in this tree yet", allow_module_level=True)

BUDGET = 0.5
LIMIT = symbolic.TRANSLATE_LIMIT + BUDGET + 2 * symbolic.MEASURE_LIMIT + 5.0

PATHOLOGICAL = {
    "power tower": "def f(x):\n    return " + "x ** " * 20 + "x\n",
    "sin tower to a power tower": "def f(x):\n    return "
    + "np.sin(" * 30
    + "x"
    + ")" * 30
    + " ** "
    + "x ** " * 10
    + "x\n",
    "exp tower": "def f(x):\n    return " + "np.exp(" * 40 + "x" + ")" * 40 + "\n",
    "integer tower": "def f(x):\n    return x * 2 ** 2 ** 2 ** 2 ** 2 ** 2\n",
    "9 ** 9 ** 9": "def f(x):\n    return x * 9 ** 9 ** 9\n",
    "huge power": "def f(x):\n    return (x + 1) ** 100000\n",
    "10^4-iteration loop": "def f(x):\n    for i in range(10000):\n"
    "        x = x * x + np.sin(x)\n    return x\n",
    "10^4-iteration sum": "def f(x, y):\n    s = 0.0\n    for i in range(10000):\n"
    "        s = s + np.sin(x * i + y) ** 2\n    return s\n",
    "100x100 nested loops": "def f(x):\n    for i in range(100):\n        for j in range(100):\n"
    "            x = np.sin(x) * x\n    return x\n",
    "10^12 iterations": "def f(x):\n    for i in range(10 ** 12):\n"
    "        x = x + i\n    return x\n",
    "squaring chain": "def f(x):\n" + "    x = x * x + 1\n" * 60 + "    return x\n",
    "300 parameters": "def f("
    + ", ".join(f"x{i}" for i in range(300))
    + "):\n    return "
    + " * ".join(f"np.sin(x{i})" for i in range(300))
    + "\n",
    "1000-iteration swell": "def f(x, y):\n    for i in range(1000):\n"
    "        x = np.sin(x) * y + x\n    return x\n",
}


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_from_source_returns_within_its_budget(name: str) -> None:
    source = "import numpy as np\n" + PATHOLOGICAL[name]
    start = time.monotonic()
    result = symbolic.from_source(source, "f", budget=BUDGET)
    elapsed = time.monotonic() - start
    assert elapsed < LIMIT, f"{name}: {elapsed:.1f} s"
    assert result.partials or result.errors  # an answer, or a reason
    TALLY["fuzz inputs: symbolic"] += 1


_CARD = """
import sys, time
from lsp_server.analysis import analyze
from lsp_server.cards import CardService
src = sys.stdin.read()
t = time.monotonic()
CardService(None, execution="never").card_sync(analyze(src), "f")
print(time.monotonic() - t)
"""


@pytest.mark.xfail(
    strict=True,
    reason="lsp_server.cards re-prints the partials (unicode_expr, count_ops, sympy.cse) "
    "with no time limit: loops of 10-13 iterations whose partials from_source builds "
    "within its budget take 5-20 s more to print, holding the server's one SymPy thread",
)
def test_a_static_card_holds_the_same_budget() -> None:
    # In child processes (in parallel): each is stopped at the limit instead of
    # burning on here. Several sizes, so that a faster or slower machine still
    # meets one whose partials translate in time but print slowly.
    children = []
    for n in (10, 11, 12, 13):
        source = (
            f"import numpy as np\n\n\ndef f(x, y):\n    for i in range({n}):\n"
            "        x = x * y + np.exp(x)\n    return x\n"
        )
        proc = subprocess.Popen(
            [sys.executable, "-c", _CARD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert proc.stdin is not None
        proc.stdin.write(source)
        proc.stdin.close()
        children.append((n, proc))
    deadline = time.monotonic() + LIMIT + 10.0  # + the children's imports
    slow = []
    for n, proc in children:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            assert proc.stdout is not None
            elapsed = float(proc.stdout.read().strip())
            if elapsed >= LIMIT:
                slow.append((n, round(elapsed, 1)))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            slow.append((n, "killed"))
    assert not slow, f"static cards over {LIMIT:.0f} s: {slow}"

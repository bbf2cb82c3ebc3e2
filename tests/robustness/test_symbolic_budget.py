"""The SymPy path fed pathological expressions: its time budget holds.

A hang detector, not a benchmark: each case must return within its documented
limits plus a generous 5 s. The server runs the same code on its one SymPy
thread, so a case that overruns stalls every static card behind it.
"""

from __future__ import annotations

import select
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


_CARDS = """
import sys, time
from ad_core import symbolic
from lsp_server.analysis import analyze
from lsp_server.cards import CardService
for n in range(9, 14):
    src = ("import numpy as np\\n\\n\\ndef f(x, y):\\n    for i in range(%d):\\n"
           "        x = x * y + np.exp(x)\\n    return x\\n" % n)
    if symbolic.from_source(src, "f").errors:
        print(n, "untranslated", flush=True)  # over from_source's own limit: fine
        continue
    t = time.monotonic()
    CardService(None, execution="never").card_sync(analyze(src), "f")
    print(n, time.monotonic() - t, flush=True)
"""


def test_a_static_card_holds_the_same_budget() -> None:
    # A child process goes through growing loops (those from_source translates in
    # time) and reports each card's time; it is stopped at the first overrun
    # instead of burning on here.
    proc = subprocess.Popen(
        [sys.executable, "-c", _CARDS],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 5 * LIMIT + 10.0
    seen, slow, last = [], None, time.monotonic()
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 0.5)
            if ready:
                line = proc.stdout.readline()
                if not line:
                    break
                n, what = line.split()
                seen.append((int(n), what))
                last = time.monotonic()
                if what != "untranslated" and float(what) >= LIMIT:
                    slow = (int(n), round(float(what), 1))
                    break
            elif seen and time.monotonic() - last > 2 * LIMIT:  # translation + card
                slow = (seen[-1][0] + 1, "still running, stopped")
                break
    finally:
        proc.kill()
        proc.wait()
    assert slow is None, f"a static card over {LIMIT:.0f} s: n={slow[0]}: {slow[1]} ({seen})"
    assert seen, "the child reported nothing"

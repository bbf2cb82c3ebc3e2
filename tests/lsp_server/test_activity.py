"""Parameters that cannot reach the result are held (analysis/activity.py), and the card
says so; those that may reach it, by any route the analysis cannot rule out, are not."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lsp_server.analysis import analyze
from lsp_server.analysis.activity import unreached


def _unreached(src: str) -> tuple[str, ...]:
    node = ast.parse(textwrap.dedent(src)).body[0]
    assert isinstance(node, ast.FunctionDef)
    return unreached(node, [a.arg for a in node.args.args if a.arg != "self"])


@pytest.mark.parametrize("src, expected", [
    # a discarded check's arguments
    ("def f(self, x, a, b):\n    self._check(a, b)\n    return x * 2\n", ("a", "b")),
    ("def f(x, a):\n    validate(a)\n    y = x + 1\n    return y\n", ("a",)),
    # a name the result reads is mutated by the call: it may carry a
    ("def f(x, a):\n    out = []\n    out.append(a)\n    return x * out[0]\n", ()),
    ("def f(self, x, a):\n    self.store(a)\n    return x * self.value\n", ()),
    ("def f(x, a):\n    v = x.copy()\n    np.copyto(v, a)\n    return v\n", ()),
    # control flow chooses the result
    ("def f(x, a):\n    if a > 0:\n        return x\n    return -x\n", ()),
    ("def f(x, a):\n    check(a)\n    while a > 0:\n        a = a - 1\n    return x\n", ()),
    ("def f(x, n):\n    s = 0\n    for i in range(n):\n        s = s + x\n    return s\n", ()),
    # data flow through assignments, subscripts and attributes
    ("def f(x, a):\n    y = a\n    z = y * 2\n    return x + z\n", ()),
    ("def f(x, a):\n    v = zeros(2)\n    v[0] = a\n    return x * v\n", ()),
    ("def f(x, a):\n    g = lambda t: t * a\n    return g(x)\n", ()),
    # never read: an honest zero gradient, not held
    ("def f(x, t):\n    return x * 2\n", ()),
    # the analysis gives up on what it cannot follow
    ("def f(x, a):\n    global G\n    G = a\n    return x * g()\n", ()),
    ("def f(x, a):\n    exec('G = a')\n    return x\n", ()),
    ("def f(x, a):\n    log((y := a))\n    return x\n", ()),
])
def test_what_reaches_the_result(src, expected):
    assert _unreached(src) == expected


SRC = '''\
class P:
    def __init__(self, a=0.6):
        self.a = a

    def _test_args(self, a):
        if self.a != a:
            raise ValueError("a changed")

    def fun(self, x, a):
        self._test_args(a)
        return x ** 2 + 3 * x
'''


def test_the_model_holds_them():
    fun = analyze(SRC).function("P.fun")
    assert fun.unreached == ("a",) and fun.held == ("a",)


def test_the_card_says_so_and_finite_differences_verify(tmp_path: Path):
    path = tmp_path / "p.py"
    path.write_text(SRC.replace("    def fun", "    # adlens: x=0.5, a=0.6\n    def fun"))
    text = subprocess.run([sys.executable, "-m", "lsp_server.cli", "check", str(path)],
                          capture_output=True, text=True, timeout=120).stdout
    assert "held    a held: it cannot reach the result (not differentiated)" in text
    out = subprocess.run([sys.executable, "-m", "lsp_server.cli", "check", str(path),
                          "--format", "json", "--function", "P.fun"],
                         capture_output=True, text=True, timeout=120).stdout
    card = json.loads(out)["files"][0]["cards"][0]
    assert card["unreached"] == ["a"] and card["held"] == ["a"]
    assert list(card["gradient"]["values"]) == ["x"]
    assert card["gradient"]["values"]["x"] == pytest.approx(2 * 0.5 + 3)
    assert card["check"]["outcome"] == "verified"
    assert card["cost"]["n_inputs"] == 1

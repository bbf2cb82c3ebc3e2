"""`adlens check` through the real CLI: the exit codes (0 verified, 1 wrong, 2 unusable
input, 3 unverified), a summary that counts each, and a card for anything a function
returns; never a traceback, never a ✗ that no computed value justifies."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sources import CUBE, ROSEN

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def adlens(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lsp_server.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_wrong_example_exits_1_and_names_the_component():
    r = adlens("check", "examples/05_hand_written_gradients.py", "--time-limit", "5")
    assert r.returncode == 1, r.stderr
    assert "✓ matches ∇rosenbrock" in r.stdout
    assert "wrong: examples/05_hand_written_gradients.py:" in r.stdout
    assert "∂logistic_loss/∂x: hand-written" in r.stdout


def test_json_output_follows_the_schema():
    r = adlens("check", "examples/05_hand_written_gradients.py", "--format", "json")
    assert r.returncode == 1
    report = json.loads(r.stdout)
    assert report["schema"] == "adlens.check/2" and report["ok"] is False
    assert report["exit_code"] == 1 and len(report["wrong"]) == 1 and len(report["verified"]) == 1
    cards = {c["function"]: c for c in report["files"][0]["cards"]}
    assert cards["logistic_loss_grad"]["schema"] == "adlens.card/2"
    assert cards["logistic_loss_grad"]["check"]["worst"] == "x"
    assert cards["logistic_loss_grad"]["check"]["outcome"] == "wrong"
    assert cards["rosenbrock_grad"]["check"]["outcome"] == "verified"


def test_function_and_point_options(tmp_path):
    src = tmp_path / "m.py"
    src.write_text("def f(x, y):\n    return x * y\n\ndef g(z):\n    return z\n")
    r = adlens("check", str(src), "--function", "f", "--at", "x=2.0, y=3.0")
    assert r.returncode == 0, r.stderr
    assert "∂f/∂x = 3.0" in r.stdout and "g(z)" not in r.stdout


def test_no_exec_never_runs_the_code(tmp_path):
    marker = tmp_path / "ran"
    src = tmp_path / "m.py"
    src.write_text(f"def f(x):\n    open({str(marker)!r}, 'w')\n    return x * x\n")
    r = adlens("check", str(src), "--no-exec")
    assert r.returncode == 0 and "static analysis only" in r.stdout
    assert not marker.exists()


CALC = "examples/01_calculus_refresher.py"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "missing.py"], "no such file"),
        (["check", "examples"], "is a directory"),
        (["check", CALC, "--function", "nope"], "no function 'nope'"),
        (["check", CALC, "--function", "cubic", "--at", "x="], "cannot read"),
        (["check", CALC, "--function", "cubic", "--at", "q=1"], "no parameter named 'q'"),
        (["check", CALC, "--time-limit", "0"], "must be positive"),
    ],
)
def test_unusable_input_exits_2_with_a_message(args, message):
    r = adlens(*args)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_binary_file_is_unusable(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_bytes(b"\xff\xfe\x00garbage\x80")
    r = adlens("check", str(bad))
    assert r.returncode == 2 and "not Python source text" in r.stderr


def test_hanging_function_times_out_without_hanging_the_cli(tmp_path):
    src = tmp_path / "m.py"
    src.write_text("def spin(x):\n    while True:\n        pass\n\ndef ok(x):\n    return 2 * x\n")
    r = adlens("check", str(src), "--time-limit", "1")
    assert r.returncode == 0
    assert "timed out after 1 s" in r.stdout and "∂ok/∂x = 2.0" in r.stdout
    assert "adlens: working on" in r.stderr  # progress once the file takes over a second


def test_broken_function_spares_the_rest(tmp_path):
    src = tmp_path / "m.py"
    src.write_text("def a(x:\n    return x\n\ndef b(x):\n    return x * x\n")
    r = adlens("check", str(src), "--no-exec")
    assert r.returncode == 0 and "line 1: does not parse" in r.stdout and "b(x)" in r.stdout


def _write(tmp_path: Path, text: str) -> Path:
    src = tmp_path / "m.py"
    src.write_text(text)
    return src


def test_a_correct_one_argument_derivative_is_verified_with_no_disagreement(tmp_path):
    r = adlens("check", str(_write(tmp_path, CUBE)))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "✓ matches ∇f" in r.stdout
    assert "hand-written 12.0, AD 12.0, finite differences 12.0 (all agree)" in r.stdout
    assert not re.search(r"disagree|differs|✗", r.stdout)
    assert "1 hand-written derivative: 1 verified, 0 wrong, 0 unverified" in r.stdout


def test_when_ad_cannot_run_the_card_says_where_and_why_and_nothing_is_wrong(tmp_path):
    # scipy.optimize.rosen and rosen_der, as scipy writes them (np.asarray at the top)
    r = adlens("check", str(_write(tmp_path, ROSEN)))
    assert r.returncode == 3, r.stdout + r.stderr
    assert "✗" not in r.stdout and "wrong: " not in r.stdout
    assert "∇rosen not checked: AD could not differentiate rosen (line 6)" in r.stdout
    assert ("AD could not run (line 6): NotImplementedError: numpy.array(dtype=<class "
            "'numpy.longdouble'>) is not supported by ad_core: traced values are float64"
            in r.stdout)
    assert "hand-written 515.4, finite differences 515.4 (agree)" in r.stdout
    assert "1 hand-written derivative: 0 verified, 0 wrong, 1 unverified" in r.stdout
    assert "unverified: " in r.stdout and ":11: rosen_der: " in r.stdout


def test_a_hand_written_derivative_that_raises_is_unverified_with_its_line(tmp_path):
    src = _write(tmp_path, "def f(x=1.0):\n    return x * x\n\n\ndef f_grad(x):\n"
                           "    y = x + 1\n    raise ValueError('not yet')\n")
    r = adlens("check", str(src))
    assert r.returncode == 3, r.stdout + r.stderr
    assert "status  error (line 7): ValueError: not yet" in r.stdout
    assert "unverified: " in r.stdout and "f_grad: error (line 7)" in r.stdout
    assert "✗" not in r.stdout


def test_finite_differences_that_cannot_run_leave_ad_checked_against_nothing(tmp_path):
    src = _write(tmp_path, "import math\n\n\ndef edge(x=1.0):\n    if x < 1.0:\n"
                           "        raise ValueError('outside')\n    return x * x\n")
    r = adlens("check", str(src))
    assert r.returncode == 0  # no hand-written derivative: nothing to verify
    assert "∇edge not checked: finite differences could not evaluate edge (line 6)" in r.stdout
    assert "✗" not in r.stdout


WEIRD = """\
import numpy as np


def labelled(s=1.0):
    return (s, "label")


def word(x=1.0):
    return "hello"


def function(x=1.0):
    return len


def nothing(x=1.0):
    return None


def table(x=1.0):
    return {"a": x}


def ints(x=1.0):
    return [1, 2, 3]


def value_and_text(x=1.0):
    return x * x, "text"


def value_and_text_grad(x):
    return (2 * x, "text")
"""


def test_any_return_value_gets_a_card_saying_what_it_is(tmp_path):
    r = adlens("check", str(_write(tmp_path, WEIRD)))
    out = r.stdout + r.stderr
    assert "Traceback" not in out
    # the one name-paired derivative's function returns (float, str): it has no derivative,
    # so value_and_text_grad is no derivative of it; nothing is verified or counted
    assert r.returncode == 0, out
    for name, what in [("labelled", "a tuple of 2 (float, str)"), ("word", "a string"),
                       ("function", "the function len"), ("nothing", "None"),
                       ("table", "a dict of 1 item")]:
        assert f"∇{name}: none ({name} returns {what})" in out, name
    # a list of numbers has a Jacobian (of the values stacked: here zeros), so its check
    # line says why there is no check rather than "none" beside a gradient
    assert "∂ints/∂x = [0.0, 0.0, 0.0]" in out and "∇ints: none" not in out
    assert "∇ints: check unavailable: ints returns a list of 3 (int, int, int)" in out
    assert "value_and_text_grad's gradient for x is a str" not in out  # tuple: unpacked
    assert "8 functions, no hand-written derivatives" in out
    assert ("value_and_text_grad: not a derivative of value_and_text: value_and_text returns "
            "a tuple of 2 (float, str)") in out


def test_out_of_memory_says_so_and_a_timeout_says_timeout(tmp_path):
    src = _write(tmp_path, "import numpy as np\n\n\ndef bomb(x=1.0):\n"
                           "    return float(np.sum(np.ones(10 ** 10))) * x\n\n\n"
                           "def grow(x=1.0):\n    chunks = []\n    while True:\n"
                           "        chunks.append(bytearray(50 << 20))\n\n\n"
                           "def spin(x=1.0):\n    while True:\n        pass\n")
    r = adlens("check", str(src), "--time-limit", "2")
    cards = r.stdout.split("\n\n")
    bomb = next(c for c in cards if c.startswith("bomb("))
    grow = next(c for c in cards if c.startswith("grow("))
    spin = next(c for c in cards if c.startswith("spin("))
    assert "status  out of memory" in bomb and "timed out" not in bomb
    assert "status  out of memory" in grow and "timed out" not in grow
    assert "status  timed out after 2 s" in spin and "memory" not in spin

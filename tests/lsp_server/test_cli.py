"""`adlens check`: exit 1 on a wrong hand-written gradient, 2 on unusable input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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
    assert report["schema"] == "adlens.check/1" and report["ok"] is False
    cards = {c["function"]: c for c in report["files"][0]["cards"]}
    assert cards["logistic_loss_grad"]["verdict"]["worst"]["component"] == "x"
    assert cards["rosenbrock_grad"]["verdict"]["correct"] is True


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

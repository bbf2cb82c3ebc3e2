"""examples/03_overloading_vs_transformation.py: both techniques on a loop with a branch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "03_overloading_vs_transformation.py"


def test_the_example_prints_the_wengert_list_and_the_generated_gradient_which_agree():
    r = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "v1 = x" in out and "= sin(" in out  # the Wengert list, loop unrolled
    assert "def swing_grad(x, v, steps=8):" in out
    assert "for v, x in reversed(stack):" in out  # the loop kept as a loop
    assert "# line " in out and "def energy_vjp(x, v, *, out_bar):" in out
    by_overloading = next(ln for ln in out.splitlines() if ln.startswith("gradient by over"))
    by_transformation = next(ln for ln in out.splitlines() if ln.startswith("gradient by tra"))
    assert by_overloading.split(":", 1)[1].strip() == by_transformation.split(":", 1)[1].strip()


def test_adlens_check_still_reads_the_example():
    exe = Path(sys.executable).with_name("adlens")
    r = subprocess.run([str(exe), "check", str(EXAMPLE), "--format", "json"],
                       capture_output=True, text=True, cwd=ROOT, timeout=180)
    assert r.returncode in (0, 3), r.stdout + r.stderr
    assert '"swing"' in r.stdout and '"energy"' in r.stdout

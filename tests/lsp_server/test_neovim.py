"""The first hover after opening a file, in a real client nobody here wrote: Neovim.

Neovim asks for a hover once and shows what it gets: a "computing…" stays on screen.
Skipped where ``nvim`` is not installed (``apt-get install neovim``; Debian's 0.7.2 was
used to write this).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("nvim_hover.lua")

pytestmark = pytest.mark.skipif(shutil.which("nvim") is None, reason="Neovim is not installed")

WAVE = "import numpy as np\n\n\ndef wave(x=0.5, y=2.0):\n    return np.sin(x) * y\n"


def test_the_first_hover_in_neovim_shows_gradient_values(tmp_path: Path) -> None:
    src = tmp_path / "wave.py"
    src.write_text(WAVE)
    out = tmp_path / "hover.txt"
    args = "|".join([str(src), str(out), sys.executable, "3", "4"])  # on `wave`
    subprocess.run(
        ["nvim", "--headless", "-u", "NONE", "-c", f"luafile {SCRIPT}"],
        cwd=ROOT,  # `python -m lsp_server` finds this checkout
        env={**os.environ, "ADLENS_NVIM_ARGS": args},
        timeout=120,
        check=True,
        capture_output=True,
    )
    text = out.read_text(encoding="utf-8")
    assert "computing" not in text, text
    assert "| ∂wave/∂x | `1.75517` |" in text  # y·cos(x) at (0.5, 2.0)
    assert "✓ ∇wave matches finite differences" in text

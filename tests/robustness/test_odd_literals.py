"""Every literal a default or a directive can hold gets a clear card, never a traceback
(issue 15, finding 8): through ``adlens check``, with and without execution. Exit 1
means "a hand-written gradient is wrong"; none of these files has one, so the exit
status is 0 (or 3 when something could not be verified), never 1 or a crash."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, TALLY

LITERALS = {
    "hex_5000_digits": "0x" + "1f" * 2500,
    "complex": "1j",
    "complex_sum": "1.5 + 2j",
    "set": "{1, 2}",
    "bytes": "b'\\x00\\xff'",
    "ellipsis": "...",
    "none": "None",
    "huge_float": "1e400",
    "nested": "[[[[[[[[[[1.0]]]]]]]]]]",
    "dict": "{'a': 1.0}",
    "string": "'text'",
}
# Python itself refuses this one in source (more than 4300 decimal digits), so it can
# only come from a directive, where AD Lens reads it.
DIRECTIVE_ONLY = {"decimal_5000_digits": "7" * 5000}


def _file(tmp_path: Path) -> Path:
    parts = ["import numpy as np\n"]
    for name, literal in LITERALS.items():
        parts.append(f"\n\ndef {name}(x={literal}):\n    return x\n")
    for name, literal in {**LITERALS, **DIRECTIVE_ONLY}.items():
        parts.append(f"\n\n# adlens: x={literal}\ndef directive_{name}(x):\n    return x\n")
    path = tmp_path / "odd_literals.py"
    path.write_text("".join(parts))
    return path


@pytest.mark.parametrize("flags", [["--no-exec"], []])
def test_every_literal_gets_a_card_and_no_traceback(tmp_path: Path, flags: list[str]) -> None:
    path = _file(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "lsp_server.cli", "check", str(path),
                           "--time-limit", "5", *flags],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr[-3000:]
    assert proc.returncode in (0, 3), (proc.returncode, proc.stderr[-3000:])
    for name in LITERALS:
        assert f"\n{name}(x)" in proc.stdout, name
    for name in {**LITERALS, **DIRECTIVE_ONLY}:
        assert f"\ndirective_{name}(x)" in proc.stdout, name
    if not flags:  # with execution, the values that cannot be passed say why
        for kind in ("a complex number", "a set", "bits (too long", "a bytes string"):
            assert kind in proc.stdout, kind
    TALLY["odd literals carded"] += 2 * len(LITERALS)

"""A function that writes into its own argument must not change the point of the runs
after it: the value, the gradient, finite differences and the check each get the point
as it was given (compute._FreshArgs), and finite differences read their step before the
function runs (ad_core.numeric). Before, the gradient came out at a doubled point and
finite differences said 'x + h == x'."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ad_core as ad

SRC = '''\
import numpy as np


# adlens: x=[1.0, 1.5]
def doubles_in_place(x):
    x[0] = x[0] * 2.0
    return x[0] * x[1]


# adlens: x=[1.0, 1.5], scale=[2.0, 3.0]
def writes_a_keyword(x, *, scale):
    scale[0] = scale[0] + 100.0
    return np.sum(x * scale)
'''


def test_each_run_gets_the_point_as_given(tmp_path: Path):
    path = tmp_path / "mutates.py"
    path.write_text(SRC)
    out = subprocess.run([sys.executable, "-m", "lsp_server.cli", "check", str(path),
                          "--format", "json", "--time-limit", "30"],
                         capture_output=True, text=True, timeout=300).stdout
    cards = {c["function"]: c for c in json.loads(out)["files"][0]["cards"]}
    c = cards["doubles_in_place"]
    assert c["value"]["value"] == pytest.approx(3.0)  # 2·1.0 · 1.5
    assert c["gradient"]["values"]["x"] == pytest.approx([3.0, 2.0])  # [2·x1, 2·x0]
    assert c["check"]["outcome"] == "verified", c["check"]["message"]
    k = cards["writes_a_keyword"]
    assert k["value"]["value"] == pytest.approx(1.0 * 102.0 + 1.5 * 3.0)
    assert k["gradient"]["values"]["x"] == pytest.approx([102.0, 3.0])
    assert k["check"]["outcome"] == "verified", k["check"]["message"]


def test_finite_differences_of_a_function_that_writes_into_its_argument():
    def f(x):
        x[0] = 10.0
        return x[0] * x[1] + x[1] ** 2

    x = np.array([1.0, 1.5])
    assert ad.numeric.gradient(f, x) == pytest.approx([0.0, 13.0])
    assert x.tolist() == [1.0, 1.5]

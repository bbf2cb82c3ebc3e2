"""`adlens check --sct-source`: the code ad.sct generates, printed after the cards (text)
or in each file's report (JSON); the printed code runs and gives ad.grad's gradient; a
construct ad.sct refuses is said with its line, and the check's exit code is unchanged."""

from __future__ import annotations

import json
import math

import numpy as np
from test_cli import adlens

import ad_core as ad

LOOP = '''import numpy as np


# adlens: x=0.7, n=5
def f(x, n):
    s = 0.0
    for i in range(n):
        if s > 1.0:
            s = s * 0.5
        s = s + np.sin(x * i)
    return s


# adlens: x=0.7
def g(x):
    try:
        return x * x
    except ValueError:
        return 0.0
'''


def test_text_prints_the_gradient_code_that_runs(tmp_path):
    src = tmp_path / "loop.py"
    src.write_text(LOOP)
    r = adlens("check", str(src), "--sct-source")
    assert r.returncode == 0, r.stderr + r.stdout
    assert "── ad.sct: f, reverse mode, at x=0.7, n=5" in r.stdout
    code = r.stdout.split("── ad.sct: f, reverse mode, at x=0.7, n=5\n", 1)[1]
    code = code.split("\n── ad.sct:", 1)[0]
    assert "# line 10: s = s + np.sin(x * i)" in code  # a block names its statement
    ns: dict = {"np": np, "math": math}
    exec(compile(code, "<printed>", "exec"), ns)
    ref_ns: dict = {}
    exec(compile(LOOP, str(src), "exec"), ref_ns)
    got = ns["f_grad"](0.7, 5)
    want = ad.grad(ref_ns["f"], argnums=0)(0.7, 5)
    np.testing.assert_allclose(np.ravel(got)[0], want, rtol=1e-12)
    # the try is refused at its line, not a failure of the check
    assert "── ad.sct: g, reverse mode, at x=0.7\nunavailable:" in r.stdout
    assert "(line 16)" in r.stdout


def test_json_has_each_functions_code_or_why(tmp_path):
    src = tmp_path / "loop.py"
    src.write_text(LOOP)
    r = adlens("check", str(src), "--sct-source", "forward", "--format", "json")
    assert r.returncode == 0, r.stderr
    found = json.loads(r.stdout)["files"][0]["sct_source"]
    assert "def f_jvp(" in found["f"]["source"]
    assert found["g"]["line"] == 16 and "try" in found["g"]["error"]

"""What the generated code looks like: ruff-clean, one ``# line N:`` header per adjoint
block, a line map back to the user's file, no tape for straight-line code, plain lists for
loops, adjoints named after their variables."""

from __future__ import annotations

import ast
import inspect
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sct_corpus as C
from test_sct_constructs import CASES

import ad_core as ad

ROOT = Path(__file__).resolve().parents[2]


def _sources():
    out = {}
    for name, args, nums in CASES:
        f = getattr(C, name)
        scalar = all(np.ndim(a) == 0 for a in args) and nums == 0
        for mode in ("reverse", "forward") if scalar else ("reverse",):
            for like in (args, None):
                key = f"{name}_{mode}_{'generic' if like is None else 'specialised'}"
                if key in out:
                    continue
                try:
                    out[key] = ad.sct.source(f, argnums=nums, mode=mode, like=like)
                except ad.sct.SourceTransformError:
                    assert like is None  # only the generic x += case (see the constructs)
    return out


def test_generated_sources_pass_ruff_with_the_project_rules(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # ruff's first-party packages are the repository's
    sources = _sources()
    assert len(sources) > 80
    for key, text in sources.items():
        (tmp_path / f"{key}.py").write_text(text)
    res = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--config",
                          str(ROOT / "pyproject.toml"), "--output-format", "concise",
                          str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stdout + res.stderr


def _file_lines(f):
    return Path(inspect.getsourcefile(f)).read_text().splitlines()


@pytest.mark.parametrize("name", ["energy", "scalar_loop", "mlp", "early_returns",
                                  "uses_helper", "indexed_loop"])
def test_every_adjoint_block_starts_with_the_line_it_differentiates(name):
    f = getattr(C, name)
    args = next(c[1] for c in CASES if c[0] == name)
    gen = ad.sct.generate(f, like=args)
    lines = gen.source.splitlines()
    file_lines = _file_lines(f)
    headers = [(i + 1, ln) for i, ln in enumerate(lines) if ln.strip().startswith("# line ")]
    assert headers
    for num, ln in headers:
        n = int(re.match(r"\s*# line (\d+): ", ln).group(1))
        text = ln.split(": ", 1)[1]
        assert file_lines[n - 1].strip().startswith(text.rstrip("…"))
        assert gen.origin(num) == n  # the map says the same
    for first, last, origin in gen.blocks:
        assert lines[first - 1].strip().startswith(f"# line {origin}:")
        for k in range(first, last + 1):
            assert gen.origin(k) == origin


def test_the_line_map_covers_forward_code_too():
    gen = ad.sct.generate(C.energy, argnums=(0, 1), like=(1.2, 0.5))
    lines = gen.source.splitlines()
    start = _file_lines(C.energy).index("    kinetic = 0.5 * v * v") + 1
    # (only what the backward sweep reads is computed: 0.5 * v, for kinetic's adjoint)
    forward = [i + 1 for i, ln in enumerate(lines) if ln.strip() == "t1 = 0.5 * v"]
    assert forward and gen.origin(forward[0]) == start
    first, last = gen.functions["energy_grad"]
    assert lines[first - 1].startswith("def energy_grad(x, v):")
    assert gen.origin(first) == inspect.getsourcelines(C.energy)[1]


def test_straight_line_code_stores_nothing_but_locals():
    src = ad.sct.source(C.chain, like=(0.7,))
    assert "append" not in src and "stack" not in src and "[]" not in src
    body = ast.parse(src).body[-1]
    assert not any(isinstance(n, (ast.For, ast.While, ast.List)) for n in ast.walk(body))


def test_loops_keep_what_the_backward_sweep_needs_in_plain_lists():
    src = ad.sct.source(C.scalar_loop, argnums=(0, 1), like=(0.7, 0.9))
    assert "stack = []" in src and "stack.append(s)" in src and "in reversed(stack):" in src
    # the integer loop counter is not pushed (the body does not read it)
    assert "append((_" not in src


def test_branches_keep_their_decisions_in_locals():
    src = ad.sct.source(C.piecewise, like=(2.0,))
    tree = ast.parse(src)
    ifs = [n for n in ast.walk(tree) if isinstance(n, ast.If)]
    tests = {ast.unparse(n.test) for n in ifs}
    assert len(ifs) >= 4 and len(tests) < len(ifs)  # the backward sweep re-reads them


def test_reverse_mode_defines_name_grad_with_the_same_parameters():
    src = ad.sct.source(C.scalar_loop, argnums=(0, 1))
    assert "def scalar_loop_grad(x, y, iters=40):" in src
    assert "x_bar" in src and "y_bar" in src
    fwd = ad.sct.source(C.scalar_loop, argnums=(0, 1), mode="forward")
    assert "def scalar_loop_jvp(x, y, iters=40, *, x_dot, y_dot):" in fwd


def test_table_rules_that_read_values_are_called_by_name():
    src = ad.sct.source(C.mlp, argnums=(0, 1, 2, 3),
                        like=next(c[1] for c in CASES if c[0] == "mlp"))
    assert "max_vjp0 = PRIMITIVES['max'].vjp[0]" in src
    assert "np.add.at(z_bar, (rows, labels)" in src  # the transpose of z[rows, labels]


def test_names_from_the_function_module_are_imported():
    src = ad.sct.source(C.calls_array, like=(np.ones(3),))
    assert "from sct_corpus import SCALE" in src
    ns = {}
    exec(src, ns)  # runs on its own
    np.testing.assert_allclose(ns["calls_array_grad"](np.ones(3)),
                               ad.grad(C.calls_array)(np.ones(3)))


def test_specialised_code_refuses_other_shapes():
    src = ad.sct.source(C.rosenbrock, like=(np.ones(5),))
    ns = {}
    exec(src, ns)
    with pytest.raises(TypeError, match="other argument types"):
        ns["rosenbrock_grad"](np.ones(6))
    with pytest.raises(TypeError, match="other argument types"):
        ns["rosenbrock_grad"](np.ones(5, dtype=np.float32))

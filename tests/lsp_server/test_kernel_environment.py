"""The user's environment in the kernel (issue 12, item 6), through ``adlens check`` and
the real server: the user's Python (``--python``, ``adlens.kernelPython``) with
``ad_core`` put on its path; the file's folder and the workspace root on
``sys.path``, never leaking into another file's run; a ``ModuleNotFoundError`` that
says which interpreter ran; and one function's run never changing the next one's."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
import venv
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "robustness"))
from lsp_wire import Wire, server, stop  # noqa: E402

SITE = next(p for p in sys.path if p.endswith("site-packages"))


def write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


def check(*files: Path, cwd: Path | None = None, args: tuple[str, ...] = ()
          ) -> tuple[int, dict[str, dict[str, Any]], str]:
    proc = subprocess.run([sys.executable, "-m", "lsp_server.cli", "check", *map(str, files),
                           "--format", "json", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd or ROOT)
    report = json.loads(proc.stdout) if proc.stdout.startswith("{") else {}
    cards = {}
    for f in report.get("files", []):
        for c in f["cards"]:
            cards[f"{Path(f['path']).stem}.{c['function']}"] = c
    return proc.returncode, cards, proc.stderr


def message(card: dict[str, Any]) -> str:
    missing = (card.get("missing") or {}).get("value") or {}
    return f"{card['status']}: {card['message']} {missing.get('message', '')}"


@pytest.fixture(scope="module")
def two_folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("workspace")
    write(root / "one" / "helper.py", "VALUE = 1.0\n")
    write(root / "one" / "only_in_one.py", "VALUE = 10.0\n")
    write(root / "one" / "a.py", """
        import helper


        def a(x=1.0):
            return x * helper.VALUE
        """)
    write(root / "two" / "helper.py", "VALUE = 2.0\n")
    write(root / "two" / "b.py", """
        import helper


        def b(x=1.0):
            return x * helper.VALUE


        def b_borrows(x=1.0):
            import only_in_one
            return x * only_in_one.VALUE
        """)
    write(root / "pkg" / "__init__.py", "SCALE = 3.0\n")
    write(root / "deep" / "inside" / "c.py", """
        import pkg


        def c(x=1.0):
            return x * pkg.SCALE
        """)
    return root, root / "one"


def test_each_file_imports_its_own_siblings_and_nothing_of_another_files(two_folders) -> None:
    root, _ = two_folders
    _, cards, err = check(root / "one" / "a.py", root / "two" / "b.py")
    assert cards["a.a"]["value"]["value"] == 1.0, message(cards["a.a"])
    # b's folder has its own helper.py: b gets it, not the one a imported first
    assert cards["b.b"]["value"]["value"] == 2.0, message(cards["b.b"])
    # a's folder is not on b's path
    assert cards["b.b_borrows"]["status"] == "error", message(cards["b.b_borrows"])
    assert "No module named 'only_in_one'" in message(cards["b.b_borrows"])


def test_a_file_inside_a_package_imports_relatively(tmp_path: Path) -> None:
    # as scipy's go_benchmark_functions do: `from .go_benchmark import Benchmark`, whose
    # module itself does `from ..common import safe_import`; run from another folder
    src = tmp_path / "src"
    write(src / "bench" / "__init__.py", "")
    write(src / "bench" / "common.py", "SCALE = 3.0\n")
    write(src / "bench" / "funcs" / "__init__.py", "")
    write(src / "bench" / "funcs" / "base.py", """
        from ..common import SCALE


        class Base:
            scale = SCALE
        """)
    f = write(src / "bench" / "funcs" / "problems.py", """
        from .base import Base


        class Problem(Base):
            def fun(self, x=2.0):
                return self.scale * x ** 2
        """)
    _, cards, err = check(f, cwd=tmp_path, args=("--time-limit", "30"))
    card = cards["problems.Problem.fun"]
    assert card["value"]["value"] == 12.0, message(card)
    assert card["gradient"]["values"]["x"] == 12.0
    # outside a package the same import is Python's own error, said as such
    loose = write(tmp_path / "loose" / "problems.py", "from .base import Base\n\n\n"
                  "def fun(x=2.0):\n    return x * Base.scale\n")
    _, cards, _ = check(loose, cwd=tmp_path, args=("--time-limit", "30"))
    assert "attempted relative import with no known parent package" in message(
        cards["problems.fun"])
    # and no other point would help, so no "give values where it runs" hint
    assert [h for h in cards["problems.fun"]["hints"] if h["code"] == "needs-point"] == []


def test_the_workspace_root_is_on_the_path_in_the_cli(two_folders) -> None:
    root, _ = two_folders
    _, cards, err = check(root / "deep" / "inside" / "c.py", cwd=root)
    assert cards["c.c"]["value"]["value"] == 3.0, message(cards["c.c"]) + err


def test_the_workspace_root_is_on_the_path_in_the_server(two_folders) -> None:
    root, _ = two_folders
    proc = server("--stdio")
    try:
        wire = Wire.stdio(proc)
        wire.initialize({"trusted": True, "execution": "trusted"}, root)
        c = root / "deep" / "inside" / "c.py"
        uri = wire.open(c, c.read_text())
        line = c.read_text().splitlines().index("def c(x=1.0):")
        card = wire.hover_until(uri, line, 4, lambda t: bool(t and "| c | `" in t))
        assert card is not None and "| c | `3.0`" in card, card
        b = root / "two" / "b.py"
        uri = wire.open(b, b.read_text())
        line = b.read_text().splitlines().index("def b(x=1.0):")
        card = wire.hover_until(uri, line, 4, lambda t: bool(t and "| b | `" in t))
        assert card is not None and "| b | `2.0`" in card, card
        wire.shutdown()
    finally:
        stop(proc)


def test_a_missing_module_says_which_python_ran(tmp_path: Path) -> None:
    path = write(tmp_path / "needs.py", """
        def needs(x=1.0):
            import a_module_nobody_installed_xyz
            return x
        """)
    _, cards, _ = check(path)
    text = message(cards["needs.needs"])
    assert "a_module_nobody_installed_xyz" in text
    assert sys.executable in text and "--python" in text and "adlens.kernelPython" in text


@pytest.fixture(scope="module")
def other_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another interpreter: a venv without AD Lens, borrowing this one's numpy."""
    where = tmp_path_factory.mktemp("other-python")
    venv.EnvBuilder(with_pip=False, symlinks=True).create(where)
    python = where / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import site; print(site.getsitepackages()[0])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "borrowed.pth").write_text(SITE + "\n")
    probe = subprocess.run([str(python), "-c", "import ad_core"], capture_output=True, cwd=where)
    assert probe.returncode != 0  # AD Lens is not installed there
    return python


def test_the_kernel_runs_with_the_python_it_is_given(tmp_path: Path, other_python: Path) -> None:
    path = write(tmp_path / "which.py", """
        import sys


        def which(x=1.0):
            return x * len(sys.executable)


        def needs(x=1.0):
            import a_module_nobody_installed_xyz
            return x
        """)
    _, cards, err = check(path, args=("--python", str(other_python)))
    assert cards["which.which"]["value"]["value"] == float(len(str(other_python))), err
    assert cards["which.which"]["gradient"]["values"] == {"x": float(len(str(other_python)))}
    assert str(other_python) in message(cards["which.needs"])


def test_a_python_without_numpy_is_a_clear_card(tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(bare)
    python = bare / "bin" / "python"
    path = write(tmp_path / "f.py", "def f(x=1.0):\n    return x\n")
    code, cards, err = check(path, args=("--python", str(python)))
    assert "Traceback" not in err
    text = message(cards["f.f"])
    assert cards["f.f"]["status"] == "crashed" and "numpy is not installed" in text, text
    assert str(python) in text


ORDER = """
import numpy as np
from scipy.special import expit
from scipy.sparse import issparse

TABLE = [1.0, 2.0]


def first(x=0.5):
    np.sin = lambda v: 0.0 * v  # a function that patches numpy
    TABLE.append(100.0)  # ... and a module constant
    global SHARED
    SHARED = 7.0
    return expit(x) * 2.0


def second(x=0.5):
    if issparse(x):
        return x
    return x * x + np.sin(x) + sum(TABLE)


def third(x=0.5):
    return x * globals().get("SHARED", 1.0) + np.cos(x)
"""


def test_one_functions_run_never_changes_the_next_ones(tmp_path: Path) -> None:
    # `first` used to leave `second` a RecursionError "in the module slice": the module
    # guard deleted the `random` attribute numpy gets when numpy.random is imported.
    path = write(tmp_path / "order.py", ORDER)
    _, together, err = check(path)
    for name in ("second", "third"):
        _, alone, _ = check(path, args=("--function", name))
        card = together[f"order.{name}"]
        assert card["status"] == "ok", message(card) + err[-2000:]
        assert card["value"] == alone[f"order.{name}"]["value"], name
        assert card["gradient"] == alone[f"order.{name}"]["gradient"], name
    assert together["order.second"]["value"]["value"] == pytest.approx(
        0.25 + math.sin(0.5) + 3.0)
    assert together["order.third"]["value"]["value"] == pytest.approx(0.5 + math.cos(0.5))


def test_the_cli_kernel_does_not_pile_up_paths(tmp_path: Path) -> None:
    files = []
    for i in range(4):
        files.append(write(tmp_path / f"d{i}" / f"m{i}.py", """
            import sys


            def path_length(x=1.0):
                return x * len(sys.path)
            """))
    _, cards, _ = check(*files)
    lengths = {cards[f"m{i}.path_length"]["value"]["value"] for i in range(4)}
    assert len(lengths) == 1, lengths


def test_kernel_python_setting_is_used_by_the_server(tmp_path: Path, other_python: Path) -> None:
    proc = server("--stdio", env={**os.environ})
    try:
        wire = Wire.stdio(proc)
        wire.initialize({"trusted": True, "execution": "trusted"}, tmp_path,
                        configuration={"kernelPython": str(other_python)})
        path = write(tmp_path / "which.py", """
            import sys


            def which(x=1.0):
                return x * len(sys.executable)
            """)
        uri = wire.open(path, path.read_text())
        line = path.read_text().splitlines().index("def which(x=1.0):")
        expected = f"`{float(len(str(other_python)))}`"
        card = wire.hover_until(uri, line, 4, lambda t: bool(t and expected in t))
        assert card is not None and expected in card, card
        wire.shutdown()
    finally:
        stop(proc)


def test_a_module_that_starts_a_thread_on_import_is_left_to_each_request(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The zygote forks for every request, which a process with threads must not do: a
    # module whose import starts one is imported by each request process instead.
    from lsp_server.analysis import analyze
    from lsp_server.kernel import Kernel, Request

    installed = tmp_path / "site"
    write(installed / "starts_a_thread.py", """
        import threading
        import time

        threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
        SCALE = 4.0
        """)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        p for p in (str(installed), os.environ.get("PYTHONPATH")) if p))
    source = "import starts_a_thread\n\n\ndef f(x):\n    return x * starts_a_thread.SCALE\n"
    fn = analyze(source).function("f")
    with Kernel(time_limit=10.0) as kernel:
        values = []
        for x in (1.0, 2.0, 3.0):
            res = kernel.run_sync(Request(fn.slice_source, "f", {"x": x}, None, fn.slice_lines))
            assert res.status == "ok", res.message
            values.append(res.pieces["value"].value)
        assert values == [4.0, 8.0, 12.0]
        assert kernel.restarts == 1  # once, after the import that started the thread

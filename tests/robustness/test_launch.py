"""Starting the server from inside a hostile repository runs none of its files.

``python -m`` puts the current folder first on ``sys.path``: a repository holding an
``argparse.py`` (or any module the server imports) used to run it as the server
started, with no trust given (issue 15, finding 1). Here the server starts in a
folder holding one module for every name of the standard library and of the
server's dependencies, each of which leaves a marker file when imported; a real
session (trusted, so kernels start too) must leave none.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from conftest import ROOT, TALLY
from lsp_wire import Wire, server, stop

DEPENDENCIES = ("numpy", "sympy", "pygls", "lsprotocol", "ad_core", "attrs", "attr", "cattrs",
                "typing_extensions", "exceptiongroup", "mpmath", "scipy")
SOURCE = "import numpy as np\n\n\ndef g(x=2.0):\n    return np.sin(x) * x ** 3\n"


@pytest.fixture(scope="module")
def hostile_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    repo = tmp_path_factory.mktemp("hostile-repo")
    markers = tmp_path_factory.mktemp("markers")
    names = (set(sys.stdlib_module_names) | set(DEPENDENCIES)) - {"__future__"}
    for name in names:
        (repo / f"{name}.py").write_text(
            f"open({str(markers / name)!r}, 'w').close()\n"
            f"raise ImportError('the repository shadowed {name}')\n")
    return repo, markers


def _session(command: list[str], repo: Path, markers: Path, tmp_path: Path) -> None:
    for old in markers.iterdir():
        old.unlink()
    proc = server("--stdio", cwd=repo, command=command)
    try:
        wire = Wire.stdio(proc)
        answer = wire.initialize({"trusted": True, "execution": "trusted"}, tmp_path)
        assert answer is not None and "result" in answer, stop(proc)
        doc = tmp_path / "model.py"
        uri = wire.open(doc, SOURCE)
        card = wire.hover_until(uri, 3, 5, lambda t: bool(t and "∂g/∂x | `" in t))
        assert card is not None and "∂g/∂x | `" in card, card
        wire.shutdown()
    finally:
        err = stop(proc)
    ran = sorted(p.name for p in markers.iterdir())
    assert ran == [], f"the repository's modules ran: {ran}\n{err[-2000:]}"
    TALLY["launch paths checked"] += 1


def test_python_m_lsp_server_imports_nothing_from_the_current_folder(
        hostile_repo: tuple[Path, Path], tmp_path: Path) -> None:
    repo, markers = hostile_repo
    _session([sys.executable, "-m", "lsp_server"], repo, markers, tmp_path)


def test_adlens_serve_imports_nothing_from_the_current_folder(
        hostile_repo: tuple[Path, Path], tmp_path: Path) -> None:
    adlens = shutil.which("adlens", path=str(Path(sys.executable).parent))
    if adlens is None:
        pytest.skip("the adlens console script is not installed next to this Python")
    repo, markers = hostile_repo
    _session([adlens, "serve"], repo, markers, tmp_path)


def test_a_checkout_still_starts_with_python_m(tmp_path: Path) -> None:
    # Run from the source checkout itself (how the tests and a developer start it):
    # taking the current folder off the path must not lose lsp_server's own packages.
    proc = server("--stdio", cwd=ROOT)
    try:
        answer = Wire.stdio(proc).initialize({}, tmp_path)
        assert answer is not None and answer["result"]["serverInfo"]["name"] == "adlens"
    finally:
        stop(proc)

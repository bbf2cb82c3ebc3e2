"""Execution `never` (and an untrusted workspace): the static path never runs user code.

The source below would create a marker file if any part of it ran: at import
(top level), when its `def` statements ran (a default value, a decorator), or
when the function was called. Cards, the CLI with --no-exec and the server in
mode `never` all look at it; the marker must never appear.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from conftest import ROOT, TALLY
from conftest_server import SERVER, hover_until, start, track, uri_for
from lsprotocol import types
from pytest_lsp import LanguageClient

from lsp_server.analysis import analyze
from lsp_server.cards import CardService
from lsp_server.kernel import KernelPool


def booby_trapped(marker: Path) -> str:
    m = repr(str(marker))
    return f"""import math

open({m} + ".top", "w").close()


def touch(tag):
    open({m} + "." + tag, "w").close()
    return lambda f: f


@touch("decorator")
def f(x=open({m} + ".default", "w").close() or 1.5, y=2.0):
    open({m} + ".call", "w").close()
    return math.sin(x) * y ** 2


def f_grad(x, y):
    open({m} + ".grad", "w").close()
    return (math.cos(x) * y ** 2, 2 * y * math.sin(x))


def g(z=1.0):
    return math.sin(z) * z ** 3
"""


def _markers(tmp: Path) -> list[str]:
    return sorted(p.name for p in tmp.iterdir() if p.name.startswith("marker"))


@pytest.mark.parametrize("mode,trusted", [("never", True), ("trusted", False)])
def test_cards_without_execution_run_nothing(tmp_path: Path, mode: str, trusted: bool) -> None:
    kernel = KernelPool(1, time_limit=5.0)  # available, and still never asked
    try:
        svc = CardService(kernel, execution=mode, trusted=trusted)  # type: ignore[arg-type]
        model = analyze(booby_trapped(tmp_path / "marker"))
        cards = [svc.card_sync(model, fn.name) for fn in model.functions]
        assert kernel.kernels[0].pid is None  # the kernel process was never even started
    finally:
        kernel.close()
    assert [c.status for c in cards] == ["static"] * 4
    card = next(c for c in cards if c.function == "g")
    assert card.expressions is not None  # the derivatives still show, from the AST
    assert _markers(tmp_path) == []
    TALLY["hostile cases contained"] += 1


def test_the_cli_with_no_exec_runs_nothing(tmp_path: Path) -> None:
    path = tmp_path / "trap.py"
    path.write_text(booby_trapped(tmp_path / "marker"))
    proc = subprocess.run(
        [sys.executable, "-m", "lsp_server.cli", "check", "--no-exec", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    # f_grad could not be verified without running anything: exit 3, and said so
    assert proc.returncode == 3, proc.stderr
    assert "f(x, y)" in proc.stdout and "0 verified, 0 wrong, 1 unverified" in proc.stdout
    assert _markers(tmp_path) == []


def test_with_execution_the_slice_runs_but_never_the_top_level(tmp_path: Path) -> None:
    # The contrast that makes the test above meaningful: with execution on, the
    # def statements run (default value, decorator) and the call runs; the
    # top-level `open(...)` does not (it is not in the slice).
    kernel = KernelPool(1, time_limit=5.0)
    try:
        svc = CardService(kernel, execution="always")
        card = svc.card_sync(analyze(booby_trapped(tmp_path / "marker")), "f")
    finally:
        kernel.close()
    assert card.status == "ok"
    assert _markers(tmp_path) == ["marker.call", "marker.decorator", "marker.default"]


TRAP_DIR = ROOT / "tests" / "robustness" / "_never_markers"


@pytest_lsp.fixture(config=SERVER, scope="module")
async def never_client(lsp_client: LanguageClient):
    TRAP_DIR.mkdir(exist_ok=True)
    for p in TRAP_DIR.iterdir():
        p.unlink()
    await start(lsp_client, settings={"execution": "never"}, init_options={"trusted": True})
    yield
    await lsp_client.shutdown_session()
    for p in TRAP_DIR.iterdir():
        p.unlink()
    TRAP_DIR.rmdir()


@pytest.mark.asyncio(loop_scope="module")
async def test_the_server_in_mode_never_runs_nothing(never_client: LanguageClient) -> None:
    client = never_client
    text = booby_trapped(TRAP_DIR / "marker")
    uri = uri_for("never_trap.py")
    track(client, uri, text)
    card = await hover_until(
        client,
        uri,
        types.Position(
            text.split("\n").index(
                next(line for line in text.split("\n") if line.startswith("def f("))
            ),
            4,
        ),
        done=lambda t: bool(t and "execution is off" in t),
    )
    assert card is not None and "execution is off" in card, card
    for lens in (
        await client.text_document_code_lens_async(
            types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        or []
    ):
        await client.code_lens_resolve_async(lens)
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="adlens.showDerivatives", arguments=[uri, "f"])
    )
    assert sorted(p.name for p in TRAP_DIR.iterdir()) == []

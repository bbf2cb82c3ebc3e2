"""The server gives the CLI's cards on closures (functions defined in a function or a
method): the lens titles above each closure are the ones `adlens check --format json`
prints for it, the hover names it `Class.method.inner` and says which rule paired it, and
the wrong one gets its warning."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import conftest_server as srv
import pytest
import pytest_lsp
from conftest_server import hover_until, resolved_titles
from lsprotocol import types
from nested_source import SOURCE
from pytest_lsp import LanguageClient

from lsp_server.analysis import analyze

pytestmark = pytest.mark.asyncio(loop_scope="module")

ROOT = Path(__file__).resolve().parents[2]


@pytest_lsp.fixture(config=srv.SERVER, scope="module")
async def client(lsp_client: LanguageClient):
    # the CLI's --time-limit 20: the titles compared are about what is right, and on a
    # loaded machine 2 s turns a correct check into "timed out"
    await srv.start(lsp_client, settings={"timeLimit": 20})
    yield
    await lsp_client.shutdown_session()


def _cli_titles(tmp: Path) -> dict[str, list[str]]:
    path = tmp / "closures.py"
    path.write_text(SOURCE)
    r = subprocess.run([sys.executable, "-m", "lsp_server.cli", "check", str(path),
                        "--format", "json", "--time-limit", "20"],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    doc = json.loads(r.stdout)
    return {c["function"]: c["lens_titles"] for c in doc["files"][0]["cards"]}


async def test_closures_get_the_clis_cards_over_the_protocol(client: LanguageClient,
                                                              tmp_path: Path) -> None:
    uri = srv.uri_for("closures.py")
    srv.track(client, uri, SOURCE)
    model = analyze(SOURCE)
    expected = _cli_titles(tmp_path)
    for name in ("Constraint.constr.jac", "Constraint.constr.hess",
                 "Constraint.model.loss_grad", "make_loss.loss", "rebinds.jac"):
        fn = model.function(name)
        titles = await resolved_titles(client, uri, fn.name_span.line, timeout=60)
        assert titles == expected[name], name
    assert expected["Constraint.model.loss_grad"][0].startswith("✗ ")
    assert expected["Constraint.constr.jac"][0].startswith("✓ ")

    jac = model.function("Constraint.constr.jac")
    pos = types.Position(jac.name_span.line, jac.name_span.col + 1)
    card = await hover_until(client, uri, pos, timeout=60)
    assert card is not None and card.startswith(r"**Constraint.constr.jac(x)**")
    assert "hand-written derivative of `Constraint.constr.fun`" in card
    assert "in the body of Constraint.constr: jac of fun" in card

    wrong = model.function("Constraint.model.loss_grad")
    diags = await srv.diagnostics_until(
        client, uri, lambda ds: any(d.code == "wrong-gradient" for d in ds))
    assert [d.range.start.line for d in diags if d.code == "wrong-gradient"] == [
        wrong.name_span.line]

"""The server gives the CLI's cards on real code, methods included (issue 12): the lens
titles above each method of a corpus file are the ones `adlens check --format json` prints
for it, the hover names it `Class.method`, and a wrong hand-written derivative in released
code (Astropy 8.0.2's Drude1D.fit_deriv) gets its warning."""

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
from pytest_lsp import LanguageClient

from lsp_server.analysis import analyze

pytestmark = pytest.mark.asyncio(loop_scope="module")

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "realworld" / "astropy_physical_models.py"


@pytest_lsp.fixture(config=srv.SERVER, scope="module")
async def client(lsp_client: LanguageClient):
    await srv.start(lsp_client)
    yield
    await lsp_client.shutdown_session()


def _cli_titles() -> dict[str, list[str]]:
    r = subprocess.run([sys.executable, "-m", "lsp_server.cli", "check", str(CORPUS),
                        "--format", "json", "--time-limit", "20"],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    doc = json.loads(r.stdout)
    return {c["function"]: c["lens_titles"] for c in doc["files"][0]["cards"]}


async def test_methods_get_the_clis_cards_over_the_protocol(client: LanguageClient) -> None:
    text = CORPUS.read_text()
    uri = CORPUS.as_uri()
    srv.track(client, uri, text)
    model = analyze(text)
    expected = _cli_titles()
    for name in ("Drude1D.evaluate", "Drude1D.fit_deriv", "Plummer1D.fit_deriv"):
        fn = model.function(name)
        titles = await resolved_titles(client, uri, fn.name_span.line, timeout=60)
        assert titles == expected[name], name
    assert expected["Drude1D.fit_deriv"][0].startswith("✗ ")
    fit = model.function("Drude1D.fit_deriv")
    pos = types.Position(fit.name_span.line, fit.name_span.col + 1)
    card = await hover_until(client, uri, pos, timeout=60)
    assert card is not None and card.startswith(
        r"**Drude1D.fit\_deriv(x, amplitude, x\_0, fwhm)**")  # escaped Markdown
    assert "hand-written derivative of `Drude1D.evaluate`" in card
    diags = await srv.diagnostics_until(
        client, uri, lambda ds: any(d.code == "wrong-gradient" for d in ds))
    (wrong,) = [d for d in diags if d.code == "wrong-gradient"]
    assert wrong.range.start.line == fit.name_span.line

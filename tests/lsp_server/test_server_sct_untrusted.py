"""Source transformation needs the live function (ad.sct reads the module slice the
kernel runs), so in an untrusted workspace it does not run, and the commands say why:
the generated code is refused with the reason, "insert gradient" keeps the SymPy path
where it works and says why it cannot go further where it does not."""

from __future__ import annotations

import pytest
import pytest_lsp
from conftest_server import ROOT, SERVER, command, hover_until, position_of, start, track
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

EXAMPLE = ROOT / "examples" / "03_overloading_vs_transformation.py"
TEXT = EXAMPLE.read_text()


@pytest_lsp.fixture(config=SERVER, scope="module")
async def client(lsp_client: LanguageClient):
    await start(lsp_client, init_options={"trusted": False, "execution": "trusted"})
    yield
    await lsp_client.shutdown_session()


async def test_generated_code_is_refused_with_the_reason(client: LanguageClient) -> None:
    uri = EXAMPLE.as_uri()
    track(client, uri, TEXT)
    result = await command(client, "adlens.showTransformedSource", uri, "swing", "reverse")
    assert result["uri"] is None
    assert "not trusted" in result["error"] and "source transformation" in result["error"]
    assert any("no source transformation of swing" in m.message and "not trusted" in m.message
               for m in client.messages)


async def test_insert_gradient_says_why_it_cannot_transform(client: LanguageClient) -> None:
    uri = EXAMPLE.as_uri()
    track(client, uri, TEXT)
    before = len(client.applied_edits)  # type: ignore[attr-defined]
    with pytest.raises(JsonRpcException) as refused:
        await command(client, "adlens.insertGradient", uri, "swing")
    text = str(refused.value)
    assert "cannot derive swing symbolically" in text and "not trusted" in text
    assert len(client.applied_edits) == before  # type: ignore[attr-defined]
    # SymPy still inserts what it can derive, never running the code
    result = await command(client, "adlens.insertGradient", uri, "energy")
    assert result["applied"] and result["technique"] == "symbolic"


async def test_the_static_card_has_no_agreement_line(client: LanguageClient) -> None:
    uri = EXAMPLE.as_uri()
    track(client, uri, TEXT)
    card = await hover_until(client, uri, position_of(TEXT, "def swing", delta=4))
    assert card is not None and "not trusted" in card
    assert "source transformation" not in card

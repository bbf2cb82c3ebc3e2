"""Honest cards over the real protocol (SPEC "Honest cards", §3), with a fresh server.

The first test runs right after `initialize`, so it sees the server as a user opening
a file sees it: no card computed, kernels and SymPy still starting.
"""

from __future__ import annotations

import asyncio
import re

import conftest_server as srv
import pytest
import pytest_lsp
from conftest_server import hover, hover_until, lenses, position_of, resolved_titles, until
from lsprotocol import types
from pytest_lsp import LanguageClient
from sources import CUBE, ROSEN

pytestmark = pytest.mark.asyncio(loop_scope="module")

@pytest_lsp.fixture(config=srv.SERVER, scope="module")
async def client(lsp_client: LanguageClient):
    await srv.start(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def test_the_first_hover_after_opening_a_file_shows_values(client: LanguageClient) -> None:
    uri = srv.uri_for("honest_first.py")
    text = "import numpy as np\n\n\ndef wave(x=0.5, y=2.0):\n    return np.sin(x) * y\n"
    srv.track(client, uri, text)
    # One hover, as a user in Neovim gives it: no second chance to see the values.
    card = await hover(client, uri, position_of(text, "def wave", delta=4))
    assert card is not None and "computing" not in card, card
    assert "| ∂wave/∂x | `1.75517` |" in card  # y·cos(x) at (0.5, 2)


async def test_a_correct_one_argument_derivative_shows_no_disagreement(
    client: LanguageClient,
) -> None:
    uri = srv.uri_for("honest_cube.py")
    srv.track(client, uri, CUBE)
    (title,) = await resolved_titles(client, uri, 4)
    assert title == "✓ matches ∇f"
    card = await hover_until(client, uri, position_of(CUBE, "def f_grad", delta=4))
    assert card is not None
    assert "| ∂f/∂x | `12.0` | `12.0` | `12.0` | ✓ all agree |" in card
    assert not re.search(r"disagree|differs|✗", card), card
    f_titles = await resolved_titles(client, uri, 0)
    assert f_titles[0] == "✓ ∇f matches finite differences"
    await asyncio.sleep(0.5)  # diagnostics follow the cards
    assert list(client.diagnostics.get(uri, [])) == []


async def test_when_ad_cannot_run_no_cross_and_no_warning(client: LanguageClient) -> None:
    uri = srv.uri_for("honest_rosen.py")
    srv.track(client, uri, ROSEN)
    (title,) = await resolved_titles(client, uri, 10)
    assert title == "∇rosen not checked: AD could not differentiate rosen (line 6)"
    f_titles = await resolved_titles(client, uri, 4)
    assert f_titles[0] == "∇rosen not checked: AD could not differentiate rosen (line 6)"
    card = await hover_until(client, uri, position_of(ROSEN, "def rosen_der", delta=4))
    assert card is not None and "✗" not in card
    assert ("AD could not run (line 6): NotImplementedError: numpy.array(dtype=\\<class "
            "'numpy.longdouble'\\>) is not supported by ad\\_core: traced values are float64"
            in card)  # (`<`, `>` and `_` of a message are escaped)
    # (the brackets of a user name are escaped: render.markdown.escape)
    assert "| ∂rosen/∂x\\[0\\] | `515.4` | — | `515.4` | · agree |" in card
    diags = await srv.diagnostics_until(
        client, uri, lambda ds: any(d.code == "could-not-run" for d in ds)
    )
    warnings = [d for d in diags if d.severity == types.DiagnosticSeverity.Warning]
    assert all(d.code == "inplace-write" for d in warnings), warnings  # static, not a ✗
    (info,) = {(d.range.start.line, d.severity) for d in diags if d.code == "could-not-run"}
    assert info == (5, types.DiagnosticSeverity.Information)  # on `x = np.asarray(x)`


async def test_any_return_value_gets_a_card_saying_what_it_is(client: LanguageClient) -> None:
    uri = srv.uri_for("honest_values.py")
    text = "def labelled(s=1.0):\n    return (s, 'label')\n"
    srv.track(client, uri, text)
    card = await hover_until(client, uri, position_of(text, "def labelled", delta=4))
    assert card is not None and "labelled returns a tuple of 2 (float, str)" in card
    titles = await resolved_titles(client, uri, 0)
    assert titles[0] == "∇labelled: none (labelled returns a tuple of 2 (float, str))"


async def test_out_of_memory_is_reported_as_out_of_memory(client: LanguageClient) -> None:
    uri = srv.uri_for("honest_oom.py")
    text = ("def grow(x=1.0):\n    chunks = []\n    while True:\n"
            "        chunks.append(bytearray(50 << 20))\n")
    srv.track(client, uri, text)
    card = await hover_until(client, uri, position_of(text, "def grow", delta=4))
    assert card is not None and "⚠ out of memory" in card and "timed out" not in card
    (title, _) = await resolved_titles(client, uri, 0)
    assert title.startswith("grow: out of memory")


async def test_lenses_refresh_and_come_filled_in_when_their_cards_land(
    client: LanguageClient,
) -> None:
    uri = srv.uri_for("honest_refresh.py")
    text = "def h(x=3.0):\n    return x * x\n"
    before = client.lens_refreshes  # type: ignore[attr-defined]
    srv.track(client, uri, text)
    # Nobody resolves or hovers: the cards are computed because the file was opened.
    await lenses(client, uri)
    assert await until(
        lambda: asyncio.sleep(0, client.lens_refreshes), lambda n: n > before  # type: ignore
    ) > before

    async def titles() -> list[str]:
        return [lz.command.title for lz in await lenses(client, uri) if lz.command]

    listed = await until(titles, lambda ts: len(ts) == 2)
    # One input, one output: one plain pass either way, and forward needs no tape (the
    # Jacobian sweep measures (1, 1) at ~26 µs forward against ~33 µs reverse).
    assert listed == ["✓ ∇h matches finite differences", "rev 1 pass · fwd 1 pass → forward"]

"""Settings and failure modes, end to end: time limits, execution `never`, bad input.

Its own server process, started with a short kernel time limit (`adlens.timeLimit`).
"""

from __future__ import annotations

import asyncio

import pytest
import pytest_lsp
from conftest_server import (
    SERVER,
    hover,
    hover_until,
    position_of,
    resolved_titles,
    start,
    track,
    uri_for,
)
from lsprotocol import types
from pytest_lsp import LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

SOURCE = """import numpy as np


def spin(x=1.0):
    while True:
        x = x + 1.0
    return x


def g(x=2.0):
    return x ** 3


def crash(x=1.0):
    import os
    os._exit(3)
"""


@pytest_lsp.fixture(config=SERVER, scope="module")
async def client(lsp_client: LanguageClient):
    await start(lsp_client, settings={"timeLimit": 1.0})
    yield
    await lsp_client.shutdown_session()


async def test_a_kernel_timeout_is_a_card_then_service_goes_on(client: LanguageClient) -> None:
    uri = uri_for("timeout.py")
    track(client, uri, SOURCE)
    card = await hover_until(client, uri, position_of(SOURCE, "def spin", delta=4))
    assert card is not None and "timed out" in card
    titles = await resolved_titles(client, uri, 3)
    assert "timed out" in titles[0]
    # ...and the next function is served normally (the kernel was restarted).
    normal = await hover_until(client, uri, position_of(SOURCE, "def g", delta=4))
    assert normal is not None and "∂g/∂x | `12" in normal  # d(x³)/dx = 12 at x=2


async def test_a_kernel_crash_is_a_message_in_the_card(client: LanguageClient) -> None:
    uri = uri_for("crash.py")
    track(client, uri, SOURCE)
    card = await hover_until(client, uri, position_of(SOURCE, "def crash", delta=4))
    assert card is not None and "⚠" in card
    normal = await hover_until(client, uri, position_of(SOURCE, "def g", delta=4))
    assert normal is not None and "∂g/∂x | `12" in normal


async def _configure_then_hover(
    client: LanguageClient, uri: str, execution: str, until_text: str
) -> str | None:
    """Change `adlens.execution`, then hover g until the card says `until_text`."""
    client.set_configuration({"timeLimit": 1.0, "execution": execution}, section="adlens")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    return await hover_until(client, uri, position_of(SOURCE, "def g", delta=4),
                             done=lambda t: t is not None and until_text in t)


async def test_execution_never_gives_static_cards(client: LanguageClient) -> None:
    uri = uri_for("never.py")
    track(client, uri, SOURCE)
    card = await _configure_then_hover(client, uri, "never", "execution is off")
    assert card is not None and "execution is off" in card
    assert "3·x²" in card  # the derivative, from SymPy: no code ran
    assert "computing" not in card
    # Even the function that never returns gets its static card at once.
    spin = await hover(client, uri, position_of(SOURCE, "def spin", delta=4))
    assert spin is not None and "execution is off" in spin

    full = await _configure_then_hover(client, uri, "trusted", "∂g/∂x | `12")
    assert full is not None and "∂g/∂x | `12" in full


async def test_hover_switch_turns_hovers_off(client: LanguageClient) -> None:
    uri = uri_for("hover_off.py")
    track(client, uri, SOURCE)
    assert await hover_until(client, uri, position_of(SOURCE, "def g", delta=4))
    client.set_configuration({"timeLimit": 1.0, "hover": {"enabled": False}}, section="adlens")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    off = await hover_until(
        client, uri, position_of(SOURCE, "def g", delta=4), done=lambda t: t is None
    )
    assert off is None
    client.set_configuration({"timeLimit": 1.0}, section="adlens")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    assert await hover_until(client, uri, position_of(SOURCE, "def g", delta=4))


async def test_a_failing_notification_is_logged_not_shown(client: LanguageClient) -> None:
    before = len(client.messages)
    # A change to a document that was never opened: pygls's own handler fails on it.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(
                uri=uri_for("never_opened.py"), version=2
            ),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(5, 0), types.Position(9, 3)), text="x"
                )
            ],
        )
    )
    await asyncio.sleep(0.5)
    assert [m for m in client.messages[before:] if "Error" in m.message] == []
    # The server is still serving.
    uri = uri_for("after_error.py")
    track(client, uri, SOURCE)
    assert await hover_until(client, uri, position_of(SOURCE, "def g", delta=4))


async def test_closing_a_document_clears_its_diagnostics(client: LanguageClient) -> None:
    uri = uri_for("close.py")
    text = "def h(x=1.0):\n    return float(x)\n"
    track(client, uri, text)
    for _ in range(50):
        if client.diagnostics.get(uri):
            break
        await asyncio.sleep(0.1)
    assert client.diagnostics.get(uri)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    for _ in range(50):
        if not client.diagnostics.get(uri):
            break
        await asyncio.sleep(0.1)
    assert not client.diagnostics.get(uri)
    assert await hover(client, uri, types.Position(0, 4)) is None


@pytest.mark.parametrize(
    "arguments",
    [[], ["file:///nowhere.py"], [1, 2, 3], ["file:///nowhere.py", "g", "x=1", "extra"]],
)
async def test_malformed_command_arguments_are_errors_not_crashes(
    client: LanguageClient, arguments: list
) -> None:
    with pytest.raises(Exception):  # noqa: B017 -- any JSON-RPC error will do
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="adlens.checkGradient", arguments=arguments)
        )

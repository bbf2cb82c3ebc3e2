"""The real server over stdio (pytest-lsp), fed broken documents and abuse.

One server process for the module, started with a secret in its environment.
After every bad document or abusive burst, a hover on a healthy document must
come back with its full card: the server keeps answering.
"""

from __future__ import annotations

import asyncio
import os
import random

import pytest
import pytest_lsp
from conftest import LONG, TALLY, corpus
from conftest_server import SERVER, hover, hover_until, position_of, start, track, uri_for
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

SECRET_VAR = "ADLENS_ROBUSTNESS_SECRET"
SECRET = "s3cret-server-91b2-do-not-leak"
CONFIG = ClientServerConfig(
    server_command=SERVER.server_command, server_env={**os.environ, SECRET_VAR: SECRET}
)

HEALTHY = "import numpy as np\n\n\ndef g(x=2.0):\n    return x ** 3\n"
HEALTHY_CARD = "∂g/∂x | `12"  # d(x³)/dx = 12 at x=2


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient):
    await start(lsp_client, settings={"timeLimit": 2.0})
    track(lsp_client, uri_for("healthy.py"), HEALTHY)
    yield
    await lsp_client.shutdown_session()


async def still_answers(client: LanguageClient) -> None:
    uri = uri_for("healthy.py")
    card = await hover_until(
        client,
        uri,
        position_of(HEALTHY, "def g", delta=4),
        done=lambda t: bool(t and HEALTHY_CARD in t),
    )
    assert card is not None and HEALTHY_CARD in card, card


def _bad_documents() -> list[tuple[str, str]]:
    rng = random.Random(8)
    docs: list[tuple[str, str]] = []
    files = corpus()
    cuts = 40 if LONG else 6
    for name, text in files[:3]:
        lines = text.split("\n")
        for k in sorted(rng.sample(range(len(lines)), min(cuts, len(lines)))):
            docs.append((f"cut-{name}-{k}", "\n".join(lines[:k])))
    for n in range(20 if LONG else 3):
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000)))
        docs.append((f"bytes-{n}", raw.decode("latin-1")))
    docs.append(("nulls", "def f(x):\n    return x\n\x00\x00\ndef h(y=1.0):\n    return y * y\n"))
    docs.append(("deep", "def d(x):\n    return " + "(" * 500 + "x" + ")" * 500 + "\n"))
    docs.append(("deep-sum", "def d(x=1.0):\n    return " + "x + " * 500 + "x\n"))
    mixed = "def a(x=1.0):\r\n    return x * x\rdef b(y=2.0):\n    return y * 3\r\n"
    docs.append(("mixed-endings", mixed))
    docs.append(("surrogates", "def s(x=1.0):\n    return x  # \ud800 \udfff\n"))
    docs.append(
        ("ten-mb", "def ok(x=1.0):\n    return x * 2\n" + ("# " + "y" * 998 + "\n") * 10_000)
    )
    return docs


BAD = _bad_documents()


async def test_broken_documents_keep_the_server_answering(client: LanguageClient) -> None:
    for n, (_name, text) in enumerate(BAD):
        uri = uri_for(f"bad-{n}.py")
        track(client, uri, text)
        lines = text.splitlines() or [""]
        for line in {0, len(lines) // 2, len(lines) - 1}:
            # any answer (a card, or None off a function) is fine; an error is not
            await hover(client, uri, types.Position(line, min(4, len(lines[line]))))
        await client.text_document_code_lens_async(
            types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        await still_answers(client)
        TALLY["fuzz inputs: server documents"] += 1


async def test_the_surviving_function_of_a_broken_document_has_its_card(
    client: LanguageClient,
) -> None:
    text = "def h(y=1.5):\n    return y * y\n\x00\ndef broken(:\n"
    uri = uri_for("survivor.py")
    track(client, uri, text)
    card = await hover_until(client, uri, types.Position(0, 4))
    assert card is not None and "∂h/∂y | `3" in card, card


async def test_unknown_methods_and_never_opened_documents(client: LanguageClient) -> None:
    with pytest.raises(JsonRpcException):
        await client.protocol.send_request_async("adlens/noSuchMethod", {"x": 1})
    client.protocol.notify("adlens/noSuchNotification", {"x": 1})
    nowhere = types.TextDocumentIdentifier(uri=uri_for("never_opened_robustness.py"))
    assert (
        await client.text_document_hover_async(
            types.HoverParams(text_document=nowhere, position=types.Position(0, 0))
        )
        is None
    )
    assert not await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=nowhere)
    )
    lens = types.CodeLens(
        range=types.Range(types.Position(0, 0), types.Position(0, 0)),
        data={"uri": nowhere.uri, "function": "f", "index": 7},
    )
    resolved = await client.code_lens_resolve_async(lens)
    assert resolved.command is not None
    for data in (None, "junk", {"uri": 5, "function": None, "index": "x"}, [1, 2]):
        lens.data = data
        await client.code_lens_resolve_async(lens)
    with pytest.raises(JsonRpcException):
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command="adlens.showDerivatives", arguments=[nowhere.uri, "f"]
            )
        )
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=nowhere))
    await still_answers(client)


async def test_out_of_range_positions(client: LanguageClient) -> None:
    uri = uri_for("healthy.py")
    for line, col in [(0, 10_000), (10_000, 0), (2**31 - 1, 2**31 - 1), (4, 2**31 - 1)]:
        await hover(client, uri, types.Position(line, col))
    await still_answers(client)


async def test_a_thousand_rapid_changes_while_hovering(client: LanguageClient) -> None:
    uri = uri_for("rapid.py")
    text = "import numpy as np\n\n\ndef f(x=1.0):\n    return x * 1\n"
    track(client, uri, text)
    hovers = []
    for version in range(2, 1002):
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(types.Position(4, 15), types.Position(4, 10_000)),
                        text=str(version),
                    )
                ],
            )
        )
        if version % 10 == 0:
            hovers.append(asyncio.ensure_future(hover(client, uri, types.Position(3, 4))))
    answers = await asyncio.gather(*hovers)
    assert all(a is None or "f" in a for a in answers)
    # The last version wins: f(x) = x * 1001, so ∂f/∂x = 1001.
    card = await hover_until(
        client, uri, types.Position(3, 4), done=lambda t: bool(t and "1001" in t)
    )
    assert card is not None and "1001" in card, card
    TALLY["protocol abuse: didChange events"] += 1000


async def test_a_cancellation_storm(client: LanguageClient) -> None:
    uri = uri_for("storm.py")
    text = "".join(f"def f{i}(x={i}.5):\n    return x ** 2 + {i}\n\n\n" for i in range(20))
    track(client, uri, text)
    futures = []
    for i in range(300):
        method = types.TEXT_DOCUMENT_HOVER if i % 3 else types.CODE_LENS_RESOLVE
        if method == types.TEXT_DOCUMENT_HOVER:
            params = types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(4 * (i % 20), 4),
            )
        else:
            params = types.CodeLens(
                range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                data={"uri": uri, "function": f"f{i % 20}", "index": 0},
            )
        before = set(client.protocol._request_futures)
        fut = asyncio.ensure_future(client.protocol.send_request_async(method, params))
        await asyncio.sleep(0)
        for msg_id in set(client.protocol._request_futures) - before:
            client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
        futures.append(fut)
    await asyncio.gather(*futures, return_exceptions=True)
    TALLY["protocol abuse: cancelled requests"] += len(futures)
    card = await hover_until(
        client, uri, types.Position(4 * 7, 4), done=lambda t: bool(t and "`15" in t)
    )
    assert card is not None and "`15" in card, card  # d(x²)/dx = 15 at x=7.5
    await still_answers(client)


async def test_fifty_documents_open_at_once(client: LanguageClient) -> None:
    uris = []
    for i in range(50):
        uri = uri_for(f"many-{i}.py")
        track(client, uri, f"def m{i}(x={i + 1}.0):\n    return x * x\n")
        uris.append(uri)
    answers = await asyncio.gather(*(hover(client, u, types.Position(0, 4)) for u in uris))
    assert all(a is not None for a in answers)
    for i in (0, 24, 49):
        card = await hover_until(client, uris[i], types.Position(0, 4))
        assert card is not None and f"`{2 * (i + 1)}" in card, card
    for u in uris:
        client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=u))
        )
    await still_answers(client)


ENV = f"""import os


def env_len(x=1.0):
    return x * len(os.environ["{SECRET_VAR}"])


def env_fails(x=1.0):
    table = dict(os.environ)
    return x + table["NO_SUCH_VARIABLE_HERE"]
"""


async def test_the_server_environment_does_not_leak_into_cards(client: LanguageClient) -> None:
    uri = uri_for("env.py")
    track(client, uri, ENV)
    seen = []
    for name in ("env_len", "env_fails"):
        card = await hover_until(client, uri, position_of(ENV, f"def {name}", delta=4))
        assert card is not None
        seen.append(card)
        for lens in (
            await client.text_document_code_lens_async(
                types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
            )
            or []
        ):
            seen.append(str(await client.code_lens_resolve_async(lens)))
    seen.append(
        str(
            await client.workspace_execute_command_async(
                types.ExecuteCommandParams(
                    command="adlens.checkGradient", arguments=[uri, "env_len", "x=2.0"]
                )
            )
        )
    )
    seen.append(
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command="adlens.showDerivatives", arguments=[uri, "env_fails"]
            )
        )
    )
    assert f"`{float(len(SECRET)):g}" in seen[0] or str(len(SECRET)) in seen[0], seen[0]
    assert "KeyError" in seen[len(seen) // 2] or any("KeyError" in s for s in seen)
    for s in seen:
        assert SECRET not in s
    assert all(SECRET not in m.message for m in client.messages + client.log_messages)
    TALLY["hostile cases contained"] += 2


async def test_a_function_signalling_the_server_does_not_stop_it(client: LanguageClient) -> None:
    text = (
        "import os, signal\n\n\n"
        "def rude(x=1.0):\n    os.kill(os.getppid(), signal.SIGTERM)\n    return x\n"
    )
    uri = uri_for("rude.py")
    track(client, uri, text)
    card = await hover_until(client, uri, types.Position(3, 4))
    assert card is not None and "disabled" in card, card
    await still_answers(client)
    TALLY["hostile cases contained"] += 1

"""Shared pieces for the end-to-end server tests: the real server over stdio.

Imported explicitly by the `test_server*.py` modules (not a `conftest.py`, so it
cannot clash with fixtures of the other packages' tests). Each test module gets its
own server process: pytest-lsp fixtures are module-scoped, and the asyncio loop
scope is the module too (pyproject sets both defaults).
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = Path(__file__).resolve().parents[2]
SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "lsp_server", "--stdio"])

T = TypeVar("T")

# What the client believes each document holds (uris are unique per test).
TEXTS: dict[str, str] = {}


def uri_for(name: str) -> str:
    return (ROOT / "tests" / "lsp_server" / "_virtual" / name).as_uri()


def install_client_handlers(client: LanguageClient) -> None:
    """Client-side handlers pytest-lsp does not have: applyEdit, lens refresh, register."""
    client.applied_edits = []  # type: ignore[attr-defined]
    client.lens_refreshes = 0  # type: ignore[attr-defined]
    client.hint_refreshes = 0  # type: ignore[attr-defined]

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        client.applied_edits.append(params)  # type: ignore[attr-defined]
        return types.ApplyWorkspaceEditResult(applied=True)

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def lens_refresh(params: None) -> None:
        client.lens_refreshes += 1  # type: ignore[attr-defined]

    @client.feature(types.WORKSPACE_INLAY_HINT_REFRESH)
    def hint_refresh(params: None) -> None:
        client.hint_refreshes += 1  # type: ignore[attr-defined]

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        return None


def vscode_capabilities() -> types.ClientCapabilities:
    """VS Code's capabilities as pytest-lsp recorded them, plus what today's VS Code also
    declares and pytest-lsp's recording predates: LSP 3.17 notebook sync and inlay hints
    (with refresh), as vscode-languageclient 11 sends them."""
    caps = client_capabilities("visual-studio-code")
    caps.notebook_document = types.NotebookDocumentClientCapabilities(
        synchronization=types.NotebookDocumentSyncClientCapabilities(
            dynamic_registration=True, execution_summary_support=True))
    if caps.text_document is not None:
        caps.text_document.inlay_hint = types.InlayHintClientCapabilities(
            dynamic_registration=True)
    if caps.workspace is not None:
        caps.workspace.inlay_hint = types.InlayHintWorkspaceClientCapabilities(
            refresh_support=True)
    return caps


async def start(
    client: LanguageClient,
    settings: dict[str, Any] | None = None,
    init_options: dict[str, Any] | None = None,
) -> None:
    install_client_handlers(client)
    client.set_configuration(settings or {}, section="adlens")
    client.init_result = await client.initialize_session(  # type: ignore[attr-defined]
        types.InitializeParams(
            capabilities=vscode_capabilities(),
            initialization_options=init_options
            if init_options is not None
            else {"trusted": True, "execution": "trusted"},
            root_uri=ROOT.as_uri(),
        )
    )


def open_doc(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=version, text=text
            )
        )
    )


def replace_doc(client: LanguageClient, uri: str, old: str, new: str, version: int) -> str:
    """Send one incremental change turning the first `old` in the document into `new`.

    Positions are computed in UTF-16, as a real client does.
    """
    text = TEXTS[uri]
    at = text.index(old)
    start = _utf16_position(text, at)
    end = _utf16_position(text, at + len(old))
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(range=types.Range(start, end), text=new)
            ],
        )
    )
    updated = text[:at] + new + text[at + len(old) :]
    TEXTS[uri] = updated
    return updated


def track(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    """didOpen, remembering the text so `replace_doc` can send incremental edits."""
    TEXTS[uri] = text
    open_doc(client, uri, text, version)


def _utf16_position(text: str, offset: int) -> types.Position:
    before = text[:offset]
    line = before.count("\n")
    col = before[before.rfind("\n") + 1 :]
    return types.Position(line, len(col.encode("utf-16-le")) // 2)


def position_of(text: str, needle: str, occurrence: int = 0, delta: int = 0) -> types.Position:
    """UTF-16 position of the `occurrence`-th `needle` in `text` (plus `delta` code points)."""
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(needle, at + 1)
    return _utf16_position(text, at + delta)


async def hover(client: LanguageClient, uri: str, pos: types.Position) -> str | None:
    result = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=pos)
    )
    if result is None:
        return None
    contents = result.contents
    assert isinstance(contents, types.MarkupContent)
    assert contents.kind == types.MarkupKind.Markdown
    return contents.value


async def hover_until(
    client: LanguageClient,
    uri: str,
    pos: types.Position,
    done: Callable[[str | None], bool] = lambda text: text is not None and "computing…" not in text,
    timeout: float = 30.0,
) -> str | None:
    """Hover until the answer satisfies `done` (the kernel's part lands asynchronously)."""
    return await until(lambda: hover(client, uri, pos), done, timeout)


async def until(
    probe: Callable[[], Awaitable[T]], done: Callable[[T], bool], timeout: float = 30.0
) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if done(value) or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.1)


async def diagnostics_until(
    client: LanguageClient, uri: str, done: Callable[[list[types.Diagnostic]], bool]
) -> list[types.Diagnostic]:
    async def probe() -> list[types.Diagnostic]:
        return list(client.diagnostics.get(uri, []))

    return await until(probe, done)


async def lenses(client: LanguageClient, uri: str) -> list[types.CodeLens]:
    return (
        await client.text_document_code_lens_async(
            types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        or []
    )


async def resolved_titles(
    client: LanguageClient, uri: str, line: int, timeout: float = 30.0
) -> list[str]:
    """Titles of the lenses on `line`, resolving until none says computing…"""

    async def probe() -> list[str]:
        titles = []
        for lens in await lenses(client, uri):
            if lens.range.start.line == line:
                resolved = await client.code_lens_resolve_async(lens)
                assert resolved.command is not None
                titles.append(resolved.command.title)
        return titles

    return await until(probe, lambda ts: not any("computing" in t for t in ts), timeout)


async def command(client: LanguageClient, name: str, *args: Any) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=list(args))
    )

"""The AD Lens language server: pygls wiring only.

Each LSP feature is a small `async def` that converts protocol types, asks the
analysis (`lsp_server.analysis`), the cards (`lsp_server.cards`, through
`server_scheduler`) and the renderers (`lsp_server.render`), and converts back.
Nothing here knows how a derivative is computed.

    $ adlens serve            # stdio
    $ python -m lsp_server --tcp 127.0.0.1:2087

Rules kept throughout (see docs/server.md):
- no `@server.thread()`: in pygls 2 the stdio reader shares that pool, so busy
  threads would stall reading, cancellations included;
- requests for unknown documents or positions answer None, never an error;
- positions are UTF-16 on the wire and code points in the analysis (`positions`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
import uuid
from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import (
    FeatureNotificationError,
    JsonRpcContentModified,
    JsonRpcInvalidParams,
    JsonRpcRequestCancelled,
)
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from lsp_server import render
from lsp_server.analysis import FunctionInfo, PointError, Span, point_from_text
from lsp_server.server_documents import Document, Superseded
from lsp_server.server_scheduler import CardScheduler
from lsp_server.server_settings import Settings
from lsp_server.server_tasks import Debouncer

logger = logging.getLogger("adlens.server")

T = TypeVar("T")

NAME = "adlens"
VERSION = "0.1.0"

# How long a hover waits for the kernel before answering with the static card and
# "computing…". VS Code already waits ~300 ms before asking; this keeps a hover
# under half a second even for a slow function.
HOVER_BUDGET = 0.15
# A lens resolve may wait a little longer: lenses appear asynchronously anyway,
# and a "computing…" lens costs the client a refresh round trip.
RESOLVE_BUDGET = 0.5
# Diagnostics wait for typing to pause (pylsp uses 0.5 s).
DIAGNOSTICS_DELAY = 0.4
# Analyse a new version once typing pauses this long, before anyone asks: a lens
# listing right after an edit then finds the analysis done.
ANALYSIS_DELAY = 0.05
# A hover on a version younger than this waits for it to settle (see hover).
SETTLE = 0.3
# Coalesce the lens refreshes that many cards landing at once would trigger.
REFRESH_DELAY = 0.1

COMPUTING = "*computing…*"


class AdLensProtocol(LanguageServerProtocol):
    """Makes `$/cancelRequest` reach `workspace/executeCommand` work.

    pygls runs a command as a sub-task under a fresh id; cancelling the request only
    answers -32800 and leaves the command running (see lsp-facts.md). Commands
    register their work here under the request id, and cancelling cancels it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cancellable: dict[Any, asyncio.Future[Any]] = {}

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        super()._handle_cancel_notification(msg_id)
        if (work := self.cancellable.pop(msg_id, None)) is not None:
            work.cancel()


class AdLensServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            NAME,
            VERSION,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=AdLensProtocol,
        )
        self.settings = Settings()
        self.init_options: dict[str, Any] = {}
        self.documents: dict[str, Document] = {}
        self.cards = CardScheduler(on_ready=self._card_landed)
        self.diagnostics: Debouncer[str] = Debouncer(DIAGNOSTICS_DELAY)
        self.analyses: Debouncer[str] = Debouncer(ANALYSIS_DELAY)
        self._refresh: Debouncer[str] = Debouncer(REFRESH_DELAY)
        # Set once the first workspace/configuration pull has answered (or failed), so
        # the first cards are computed with the user's settings, not the defaults.
        self.configured = asyncio.Event()

    def report_server_error(self, error: Exception, source: type[Exception]) -> None:
        # pygls's default pops up "Error in server: …" for a failing notification
        # handler. A bug in didChange must not interrupt typing: log it instead.
        if source is FeatureNotificationError:
            logger.error("error in a notification handler: %s", error, exc_info=error)
        else:
            logger.error("server error (%s): %s", getattr(source, "__name__", source), error)

    # -- documents ----------------------------------------------------------------------

    async def document(self, uri: str) -> Document | None:
        """The open document, analysed. When a version is analysed for the first time,
        card work for functions that changed is cancelled (it is stale)."""
        for _ in range(3):
            doc = self.documents.get(uri)
            if doc is None:
                return None
            fresh = not doc.analyzed
            try:
                await doc.analysis()
                break
            except Superseded:
                continue  # edited meanwhile: answer for the newest version instead
        else:
            # Edits keep coming faster than analyses: the client drops or retries this.
            raise JsonRpcContentModified(f"{uri} is changing")
        if fresh and self.documents.get(uri) is doc:
            self.cards.retain(uri, doc)
            # Import SymPy once the first document is analysed, not before: an import
            # holds the GIL for seconds and would slow that first analysis down.
            self.cards.warm_up()
        return doc

    async def analyse(self, uri: str) -> None:
        try:
            await self.document(uri)
        except JsonRpcContentModified:
            pass  # a newer version's analysis is queued behind this one

    def _card_landed(self, uri: str) -> None:
        # A card finished in the background: lenses that said "computing…" can now be
        # resolved for real, and a wrong gradient gets its diagnostic.
        self._refresh.schedule("lens", self._refresh_lenses)
        if uri in self.documents:
            self.diagnostics.schedule(uri, lambda: publish_diagnostics(self, uri), REFRESH_DELAY)

    async def _refresh_lenses(self) -> None:
        caps = self.client_capabilities.workspace
        if caps and caps.code_lens and caps.code_lens.refresh_support:
            self.workspace_code_lens_refresh(None)

    # -- settings -----------------------------------------------------------------------

    async def pull_settings(self) -> None:
        """Read the `adlens` section; apply it (dropping cards when it matters)."""
        config: Any = None
        caps = self.client_capabilities.workspace
        if caps is not None and caps.configuration:
            try:
                result = await asyncio.wait_for(
                    self.workspace_configuration_async(
                        types.ConfigurationParams(items=[types.ConfigurationItem(section="adlens")])
                    ),
                    timeout=5.0,
                )
                config = result[0] if result else None
            except Exception as exc:  # a client that cannot answer keeps the defaults
                logger.warning("workspace/configuration failed: %s", exc)
        self.apply_settings(Settings.from_client(config, self.init_options))

    def apply_settings(self, settings: Settings) -> None:
        self.settings = settings
        logging.getLogger("adlens").setLevel(settings.log_level.upper())
        if self.cards.configure(settings):
            logger.info("settings changed: %s; recomputing cards", settings)
            self._refresh.schedule("lens", self._refresh_lenses)
            for uri in self.documents:
                self.diagnostics.schedule(uri, lambda uri=uri: publish_diagnostics(self, uri))
        self.configured.set()

    async def wait_configured(self) -> None:
        try:
            await asyncio.wait_for(self.configured.wait(), timeout=5.0)
        except asyncio.TimeoutError:
            self.configured.set()

    # -- commands -------------------------------------------------------------------

    async def cancellable(self, title: str, work: Awaitable[T]) -> T:
        """Run `work` with a cancellable work-done progress.

        Both the progress's cancel button and `$/cancelRequest` on the command cancel
        `work` itself (awaiting the kernel, whose client then kills the request).
        """
        task = asyncio.ensure_future(work)
        protocol: AdLensProtocol = self.protocol  # type: ignore[assignment]
        msg_id = protocol.msg_id
        if msg_id is not None:
            protocol.cancellable[msg_id] = task
        token = await self._begin_progress(title, task)
        try:
            return await task
        except asyncio.CancelledError:
            # Raising CancelledError out of a command would leave pygls's generator
            # without an answer; -32800 is the protocol's word for it.
            raise JsonRpcRequestCancelled(f"{title}: cancelled") from None
        finally:
            if msg_id is not None:
                protocol.cancellable.pop(msg_id, None)
            if not task.done():
                task.cancel()
            if token is not None:
                message = "cancelled" if task.cancelled() else "done"
                self.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))

    async def _begin_progress(self, title: str, task: asyncio.Future[Any]) -> str | None:
        caps = self.client_capabilities.window
        if not (caps and caps.work_done_progress):
            return None
        token = str(uuid.uuid4())  # pygls never forgets a token: always a fresh one
        try:
            await asyncio.wait_for(self.work_done_progress.create_async(token), 2.0)
        except Exception as exc:
            logger.info("no work-done progress: %s", exc)
            return None
        self.work_done_progress.begin(
            token, types.WorkDoneProgressBegin(title=title, cancellable=True)
        )
        # pygls cancels this future on window/workDoneProgress/cancel.
        cancelled = self.work_done_progress.tokens[token]
        cancelled.add_done_callback(lambda f: f.cancelled() and task.cancel())
        return token


server = AdLensServer()


# -- conversions -----------------------------------------------------------------------


def to_range(doc: Document, span: Span) -> types.Range:
    line, col = doc.index.to_utf16(span.line, span.col)
    end_line, end_col = doc.index.to_utf16(span.end_line, span.end_col)
    return types.Range(types.Position(line, col), types.Position(end_line, end_col))


def _markdown(value: str, doc: Document, span: Span | None) -> types.Hover:
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=value),
        range=to_range(doc, span) if span is not None else None,
    )


# -- lifecycle ------------------------------------------------------------------------


@server.feature(types.INITIALIZE)
def initialize(ls: AdLensServer, params: types.InitializeParams) -> None:
    options = params.initialization_options
    ls.init_options = dict(options) if isinstance(options, dict) else {}
    # Until the configuration answers, the initialization options are all we know.
    ls.settings = Settings.from_client(None, ls.init_options)


class _ClientLogHandler(logging.Handler):
    """Logs go to the client's log (window/logMessage) with their level: a client shows
    everything on stderr as an error. Records from other threads hop onto the loop."""

    _TYPES = {logging.ERROR: types.MessageType.Error, logging.WARNING: types.MessageType.Warning,
              logging.INFO: types.MessageType.Info}

    def __init__(self, ls: AdLensServer, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.ls = ls
        self.loop = loop

    def emit(self, record: logging.LogRecord) -> None:
        try:
            kind = self._TYPES.get(record.levelno, types.MessageType.Log)
            params = types.LogMessageParams(type=kind, message=self.format(record))
            self.loop.call_soon_threadsafe(self.ls.window_log_message, params)
        except Exception:  # logging must never take the server down
            self.handleError(record)


@server.feature(types.INITIALIZED)
async def initialized(ls: AdLensServer, params: types.InitializedParams) -> None:
    adlens_log = logging.getLogger("adlens")
    handler = _ClientLogHandler(ls, asyncio.get_running_loop())
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    adlens_log.addHandler(handler)
    adlens_log.propagate = False  # from now on, not to stderr as well
    await ls.pull_settings()
    caps = ls.client_capabilities.workspace
    dyn = caps.did_change_configuration if caps else None
    if dyn and dyn.dynamic_registration:
        # Without this, VS Code only sends didChangeConfiguration when the client
        # sets synchronize.configurationSection; registering covers other clients.
        await ls.client_register_capability_async(
            types.RegistrationParams(
                registrations=[
                    types.Registration(
                        id=str(uuid.uuid4()),
                        method=types.WORKSPACE_DID_CHANGE_CONFIGURATION,
                        register_options=types.DidChangeConfigurationRegistrationOptions(
                            section="adlens"
                        ),
                    )
                ]
            )
        )


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(
    ls: AdLensServer, params: types.DidChangeConfigurationParams
) -> None:
    # The notification's payload is unreliable across clients (often null): re-pull.
    await ls.pull_settings()


@server.feature(types.SHUTDOWN)
def shutdown(ls: AdLensServer, params: Any = None) -> None:
    ls.diagnostics.cancel_all()
    ls.analyses.cancel_all()
    ls.cards.close()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
async def did_open(ls: AdLensServer, params: types.DidOpenTextDocumentParams) -> None:
    item = params.text_document
    ls.documents[item.uri] = Document(item.uri, item.version, item.text)
    ls.analyses.schedule(item.uri, lambda: ls.analyse(item.uri), 0.0)
    ls.diagnostics.schedule(item.uri, lambda: publish_diagnostics(ls, item.uri), 0.0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: AdLensServer, params: types.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    # pygls has applied the incremental changes before calling us.
    text = ls.workspace.get_text_document(uri).source
    old = ls.documents.get(uri)
    if old is not None:
        old.superseded = True
    doc = Document(uri, params.text_document.version, text)
    doc.edited_at = time.monotonic()
    ls.documents[uri] = doc
    ls.analyses.schedule(uri, lambda: ls.analyse(uri))
    ls.diagnostics.schedule(uri, lambda: publish_diagnostics(ls, uri))


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
async def did_close(ls: AdLensServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.documents.pop(uri, None)
    ls.diagnostics.cancel(uri)
    ls.analyses.cancel(uri)
    ls.cards.retain(uri, None)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


# -- hover ----------------------------------------------------------------------------


async def _settle(ls: AdLensServer, uri: str) -> None:
    """Hovering code that is being typed: analyse it and start SymPy and kernel work only
    once the edits pause. Otherwise every keystroke's version queues work that holds the
    GIL, and the server falls behind reading the next messages."""
    doc = ls.documents.get(uri)
    if doc is None or doc.edited_at is None:
        return
    wait = doc.edited_at + SETTLE - time.monotonic()
    if wait > 0:
        await asyncio.sleep(wait)
    if doc.superseded:
        raise JsonRpcContentModified(f"{uri} changed")  # the client asks again or drops it


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def hover(ls: AdLensServer, params: types.HoverParams) -> types.Hover | None:
    if not ls.settings.hover:
        return None
    await _settle(ls, params.text_document.uri)
    if (doc := await ls.document(params.text_document.uri)) is None:
        return None
    pos = doc.index.to_codepoint(params.position.line, params.position.character)
    if pos is None or (target := doc.model.locate(*pos)) is None:
        return None
    fn = target.function
    await ls.wait_configured()
    try:
        card, pending = await ls.cards.within(doc, fn, HOVER_BUDGET)
    except Exception as exc:  # a bug in a lower layer: say so in the hover, log it
        logger.exception("card for %s failed", fn.name)
        return _markdown(f"**{fn.name}**: AD Lens failed: `{exc}`", doc, fn.name_span)

    if target.kind == "def":
        text = render.markdown(card) if card is not None else f"**{fn.name}**"
        span = fn.name_span
    elif target.kind == "param" and target.param is not None:
        text = render.param_markdown(card, target.param) if card is not None else ""
        param = fn.param(target.param)
        span = param.span if param is not None else None
    else:
        line = target.line if target.line is not None else pos[0]
        text = render.line_markdown(card, line) if card is not None and not pending else None
        if text is None and not pending:
            return None
        text = text or ""
        span = None
    if pending and "computing…" not in text:
        text = f"{text}\n\n{COMPUTING}" if text else f"**{fn.name}** {COMPUTING}"
    return _markdown(text, doc, span)


# -- code lenses ----------------------------------------------------------------------


def _lens_count(fn: FunctionInfo) -> int:
    # Fixed per kind so that listing needs no card: a verdict above a hand-written
    # gradient; check status and cost above other differentiable functions.
    if fn.gradient_of is not None:
        return 1
    return 2 if fn.differentiable else 0


@server.feature(types.TEXT_DOCUMENT_CODE_LENS)
async def code_lens(ls: AdLensServer, params: types.CodeLensParams) -> list[types.CodeLens] | None:
    if not ls.settings.code_lens or (doc := await ls.document(params.text_document.uri)) is None:
        return None
    lenses = []
    for fn in doc.model.functions:
        # On the def line itself (not the decorators), at column 0 of the name's line.
        line, _ = doc.index.to_utf16(fn.name_span.line, 0)
        rng = types.Range(types.Position(line, 0), types.Position(line, 0))
        for i in range(_lens_count(fn)):
            data = {"uri": doc.uri, "function": fn.name, "index": i}
            lenses.append(types.CodeLens(range=rng, data=data))
    return lenses


@server.feature(types.CODE_LENS_RESOLVE)
async def code_lens_resolve(ls: AdLensServer, lens: types.CodeLens) -> types.CodeLens:
    data = lens.data if isinstance(lens.data, dict) else {}
    doc = await ls.document(str(data.get("uri", "")))
    fn = doc.model.function(str(data.get("function", ""))) if doc is not None else None
    index = data.get("index", 0)
    title = ""
    if doc is not None and fn is not None and isinstance(index, int):
        await ls.wait_configured()
        try:
            card, pending = await ls.cards.within(doc, fn, RESOLVE_BUDGET)
        except Exception as exc:
            logger.exception("card for %s failed", fn.name)
            card, pending, title = None, False, f"AD Lens failed: {exc}"
        if pending:
            title = "$(sync~spin) computing…" if index == 0 else ""
        elif card is not None:
            titles = render.lens_titles(card)
            title = titles[index] if index < len(titles) else ""
    # An empty command id: an informational lens (a click does nothing).
    lens.command = types.Command(title=title, command="")
    return lens


# -- diagnostics ----------------------------------------------------------------------


async def publish_diagnostics(ls: AdLensServer, uri: str) -> None:
    doc = await ls.document(uri)
    if doc is None:
        return
    await ls.wait_configured()
    if ls.settings.runs_code:
        # Hand-written gradients are checked as soon as a document changes: their
        # diagnostics are the point. Other functions' cards are only used once
        # something (a hover, a visible lens) asked for them.
        grads = [
            ls.cards.full(doc, fn, background=True) for fn in doc.model.functions if fn.gradient_of
        ]
        if grads:
            await asyncio.wait(grads, timeout=ls.settings.time_limit + 5.0)
    if ls.documents.get(uri) is not doc:
        return  # a newer version arrived meanwhile: its own run will publish
    diagnostics = [d for fn in doc.model.functions for d in _function_diagnostics(ls, doc, fn)]
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=doc.version)
    )


def _function_diagnostics(
    ls: AdLensServer, doc: Document, fn: FunctionInfo
) -> list[types.Diagnostic]:
    out = [
        types.Diagnostic(
            range=to_range(doc, p.span),
            message=p.message,
            severity=types.DiagnosticSeverity.Warning,
            code=p.code,
            source=NAME,
        )
        for p in fn.problems
    ]
    card = ls.cards.ready(doc, fn)
    if card is not None:
        for d in render.diagnostics(card):
            out.append(
                types.Diagnostic(
                    range=to_range(doc, d.span if d.span is not None else fn.name_span),
                    message=d.message,
                    severity=types.DiagnosticSeverity.Warning,
                    code=d.code,
                    source=NAME,
                )
            )
    return out


# -- commands --------------------------------------------------------------------------


async def _command_target(
    ls: AdLensServer, uri: str, function: str
) -> tuple[Document, FunctionInfo]:
    doc = await ls.document(uri)
    if doc is None:
        raise ValueError(f"document not open: {uri}")
    fn = doc.model.function(function)
    if fn is None:
        raise ValueError(f"no function {function!r} in {uri}")
    return doc, fn


@server.command("adlens.checkGradient")
async def check_gradient(ls: AdLensServer, uri: str, function: str, point_text: str) -> Any:
    doc, fn = await _command_target(ls, uri, function)
    await ls.wait_configured()
    try:
        point = point_from_text(fn, point_text)
    except PointError as exc:
        raise JsonRpcInvalidParams(f"point {point_text!r}: {exc}") from None
    card = await ls.cancellable(f"AD Lens: checking {function}", ls.cards.run(doc, fn, point))
    ls.window_show_message(
        types.ShowMessageParams(type=types.MessageType.Info, message=render.summary(card))
    )
    return render.to_json(card)


@server.command("adlens.showDerivatives")
async def show_derivatives(ls: AdLensServer, uri: str, function: str) -> str:
    doc, fn = await _command_target(ls, uri, function)
    await ls.wait_configured()
    card = ls.cards.ready(doc, fn) or await ls.cancellable(
        f"AD Lens: derivatives of {function}", ls.cards.run(doc, fn)
    )
    return render.document_markdown(card)


@server.command("adlens.insertGradient")
async def insert_gradient(ls: AdLensServer, uri: str, function: str) -> Any:
    doc, fn = await _command_target(ls, uri, function)
    source = await ls.cancellable(
        f"AD Lens: gradient of {function}", asyncio.to_thread(_gradient_source, fn)
    )
    # Below the function: at the start of the line after its last line, blank-line
    # separated as PEP 8 wants between top-level defs.
    line = fn.span.end_line + 1
    if line >= len(doc.index):
        at = types.Position(*doc.index.to_utf16(len(doc.index) - 1, 1 << 30))
        new_text = "\n\n\n" + source.rstrip("\n") + "\n"
    else:
        at = types.Position(line, 0)
        new_text = "\n\n" + source.rstrip("\n") + "\n"
    edit = types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=doc.uri, version=doc.version
                ),
                edits=[types.TextEdit(range=types.Range(at, at), new_text=new_text)],
            )
        ]
    )
    result = await ls.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit=edit, label=f"Insert gradient of {function}")
    )
    return {"applied": bool(result and result.applied), "source": source}


def _gradient_source(fn: FunctionInfo) -> str:
    # SymPy, but never the user's code: `from_source` works on the AST only, so this
    # is safe in an untrusted workspace. In a thread so the event loop keeps serving.
    from ad_core import symbolic

    result = symbolic.from_source(fn.source, fn.name)
    if result.errors:
        line, message = result.errors[0]
        raise ValueError(f"cannot derive {fn.name} symbolically (line {line}): {message}")
    return result.gradient_source()


# -- entry point ---------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """`adlens serve` and `python -m lsp_server`: stdio by default, or --tcp HOST:PORT."""
    parser = argparse.ArgumentParser(prog="adlens serve", description=__doc__.splitlines()[0])
    parser.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (default)")
    parser.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP socket instead")
    parser.add_argument(
        "--log-level", default="info", choices=["error", "warning", "info", "debug"]
    )
    args = parser.parse_args(list(argv) if argv is not None else None)

    # SymPy runs on a worker thread; a 1 ms switch interval (default 5 ms) hands the
    # GIL back to the event loop sooner, so replies are not held up behind it.
    sys.setswitchinterval(0.001)

    # stdout is the protocol pipe: logs go to stderr (clients show it in their log).
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("adlens").setLevel(args.log_level.upper())

    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not host or not port.isdigit():
            parser.error("--tcp wants HOST:PORT, e.g. 127.0.0.1:2087")
        server.start_tcp(host, int(port))
    else:
        server.start_io(stdin=ResyncingStdin(sys.stdin.buffer))
    return 0


class ResyncingStdin:
    """stdin for pygls's reader, which only accepts ``Content-Length`` at the start of a
    line: after a message with a wrong length, its leftover bytes are glued to the next
    header and, unaided, every later message is lost. Dropping what precedes the header
    costs the broken message and at most the one after it."""

    _HEADER = b"Content-Length:"

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def readline(self) -> bytes:
        line = self.raw.readline()
        i = line.find(self._HEADER)
        return line[i:] if i > 0 else line

    def read(self, n: int) -> bytes:
        return self.raw.read(n)

"""The server's state and what its features share: open documents, settings, the card
scheduler, lens refreshes, diagnostics and cancellable commands.

The features themselves (one decorated ``async def`` each) are in `features`. Nothing
here knows how a derivative is computed: it converts between the protocol and the
cards (`lsp_server.cards`) and their renderings (`lsp_server.render`).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcContentModified, JsonRpcException, JsonRpcRequestCancelled
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from lsp_server import render
from lsp_server.analysis import FunctionInfo, Span
from lsp_server.cards import CardScheduler
from lsp_server.tasks import Debouncer

from .documents import Document, Superseded
from .settings import Settings
from .transport import AdLensProtocol

logger = logging.getLogger("adlens.server")

T = TypeVar("T")

NAME = "adlens"
VERSION = "0.1.0"

# Diagnostics wait for typing to pause (pylsp uses 0.5 s).
DIAGNOSTICS_DELAY = 0.4
# Analyse a new version once typing pauses this long, before anyone asks: a lens
# listing right after an edit then finds the analysis done.
ANALYSIS_DELAY = 0.05
# Coalesce the lens refreshes that many cards landing at once would trigger.
REFRESH_DELAY = 0.1
_SEVERITY = {"warning": types.DiagnosticSeverity.Warning,
             "information": types.DiagnosticSeverity.Information}


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
        where = getattr(source, "__name__", source)
        if isinstance(error, JsonRpcException):  # an answer we chose (cancelled, bad params)
            logger.info("%s: %s", where, error)
        else:
            logger.error("server error (%s): %s", where, error, exc_info=error)

    # -- documents ----------------------------------------------------------------------

    def open(self, uri: str, version: int | None, text: str, edited: bool) -> None:
        """A new version of a document (didOpen, didChange)."""
        old = self.documents.get(uri)
        if old is not None:
            old.superseded = True
        doc = Document(uri, version, text)
        if edited:
            doc.edited_at = time.monotonic()
        self.documents[uri] = doc
        self.analyses.schedule(uri, lambda: self.analyse(uri), None if edited else 0.0)
        self.diagnostics.schedule(uri, lambda: self.publish_diagnostics(uri),
                                  None if edited else 0.0)

    def close(self, uri: str) -> None:
        self.documents.pop(uri, None)
        self.diagnostics.cancel(uri)
        self.analyses.cancel(uri)
        self.cards.retain(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri,
                                                                              diagnostics=[]))

    async def document(self, uri: str) -> Document | None:
        """The open document, analysed. When a version is analysed for the first time,
        card work for functions that changed is cancelled (it is stale), and a document
        just opened gets its cards computed ahead of the first hover."""
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
            self.cards.retain(uri, doc.model)
            if doc.edited_at is None:  # opened, not edited: nobody is typing
                await self.wait_configured()
                self.cards.prefetch(doc, doc.model.functions)
        return doc

    async def analyse(self, uri: str) -> None:
        try:
            await self.document(uri)
        except JsonRpcContentModified:
            pass  # a newer version's analysis is queued behind this one

    def _card_landed(self, uri: str, full: bool) -> None:
        # A card finished in the background: lenses that said "computing…" can now be
        # resolved for real, and (a full card) a wrong gradient gets its diagnostic.
        self._refresh.schedule("lens", self._refresh_lenses)
        if full and uri in self.documents:
            self.diagnostics.schedule(uri, lambda: self.publish_diagnostics(uri),
                                      REFRESH_DELAY)

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
        self.cards.roots = self.workspace_roots()
        if self.cards.configure(settings):
            logger.info("settings: %s", settings)
            self._refresh.schedule("lens", self._refresh_lenses)
            for uri, doc in self.documents.items():
                self.diagnostics.schedule(uri, lambda uri=uri: self.publish_diagnostics(uri))
                if doc.analyzed:
                    self.cards.prefetch(doc, doc.model.functions)
        self.configured.set()

    def workspace_roots(self) -> tuple[str, ...]:
        """The workspace folders as paths (the kernel puts a file's root on sys.path)."""
        try:
            ws = self.workspace
        except RuntimeError:  # before initialize
            return ()
        paths = [to_fs_path(f.uri) for f in ws.folders.values()] + [ws.root_path]
        return tuple(dict.fromkeys(p for p in paths if p))

    async def wait_configured(self) -> None:
        try:
            await asyncio.wait_for(self.configured.wait(), timeout=5.0)
        except asyncio.TimeoutError:
            self.configured.set()

    # -- diagnostics ----------------------------------------------------------------------

    async def publish_diagnostics(self, uri: str) -> None:
        doc = await self.document(uri)
        if doc is None:
            return
        await self.wait_configured()
        if self.cards.executes:
            # Hand-written derivatives are checked as soon as a document changes: their
            # diagnostics are the point. Other functions' cards are used once something
            # (a hover, a visible lens, the prefetch on open) asked for them.
            grads = [self.cards.full(doc, fn, background=True)
                     for fn in doc.model.functions if fn.gradient_of]
            if grads:
                await asyncio.wait(grads, timeout=self.settings.time_limit + 5.0)
        if self.documents.get(uri) is not doc:
            return  # a newer version arrived meanwhile: its own run will publish
        diagnostics = [d for fn in doc.model.functions for d in self._diagnostics(doc, fn)]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=doc.version)
        )

    def _diagnostics(self, doc: Document, fn: FunctionInfo) -> list[types.Diagnostic]:
        out = [self.diagnostic(doc, p.span, p.code, p.message) for p in fn.problems]
        card = self.cards.ready(doc, fn)
        for d in render.diagnostics(card) if card is not None else ():
            span = d.span if d.span is not None else fn.name_span
            out.append(self.diagnostic(doc, span, d.code, d.message, d.severity))
        return out

    @staticmethod
    def diagnostic(doc: Document, span: Span, code: str, message: str,
                   severity: str = "warning") -> types.Diagnostic:
        return types.Diagnostic(range=doc.range(span), message=message,
                                severity=_SEVERITY[severity], code=code, source=NAME)

    # -- commands ---------------------------------------------------------------------------

    async def cancellable(self, title: str, work: Awaitable[T]) -> T:
        """Run `work` with a cancellable work-done progress.

        Both the progress's cancel button and `$/cancelRequest` on the command cancel
        `work` itself (awaiting the kernel, whose client then kills the request).
        """
        task = asyncio.ensure_future(work)
        protocol = self.protocol
        assert isinstance(protocol, AdLensProtocol)
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

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
from dataclasses import dataclass
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcContentModified, JsonRpcException, JsonRpcRequestCancelled
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from lsp_server import render
from lsp_server.analysis import CellView, Fix, FunctionInfo, Span, cell_views, problem_severity
from lsp_server.cards import CardScheduler
from lsp_server.tasks import Debouncer

from .documents import Document, Superseded
from .settings import Settings
from .transformed import GeneratedDocuments
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
# Static problems are warnings, except a where trap: statically it is only possible
# (the values decide); the card's own finding at the point is the warning.


@dataclass(frozen=True)
class Finding:
    """A diagnostic before it is a protocol type: a static problem or a card's finding,
    with the fix it offers (`code_action` reads these)."""

    span: Span
    code: str
    message: str
    severity: str
    fix: Fix | None = None


# LSP 3.17 notebook sync: the Python cells of any notebook (Jupyter's and VS Code's
# interactive window alike), as Microsoft's Python tools template selects them. A client
# that supports it then sends those cells as one notebook (notebookDocument/did*), which
# is what lets a cell see the cells above it. ("*" rather than no `notebook` at all:
# lsprotocol's converter cannot read a selector without it, so Python clients would fail.)
NOTEBOOK_SYNC = types.NotebookDocumentSyncOptions(
    notebook_selector=[types.NotebookDocumentFilterWithNotebook(
        notebook="*", cells=[types.NotebookCellLanguage(language="python")])],
    save=False,
)


class AdLensServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            NAME,
            VERSION,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=NOTEBOOK_SYNC,
            protocol_cls=AdLensProtocol,
        )
        self.settings = Settings()
        self.init_options: dict[str, Any] = {}
        self.documents: dict[str, Document] = {}
        self.notebooks: dict[str, tuple[str, ...]] = {}  # notebook uri -> its code cells' uris
        self.hints_toggled: bool | None = None  # set by adlens.toggleInlayHints
        self.generated = GeneratedDocuments()  # code ad.sct generated, shown in the client
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

    def open(self, uri: str, version: int | None, text: str, edited: bool,
             cell: CellView | None = None, notebook: str | None = None,
             cell_numbers: tuple[int, ...] = ()) -> None:
        """A new version of a document (didOpen, didChange), or of a notebook cell's view."""
        old = self.documents.get(uri)
        if old is not None:
            old.superseded = True
        doc = Document(uri, version, text, cell, notebook, cell_numbers)
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

    def sync_notebook(self, notebook: str, edited: bool) -> None:
        """Bring the cells of a notebook (pygls keeps its structure and cell texts) up to
        date: each Python code cell becomes a document whose text is its view, the code
        of the cells above it then its own. A cell whose view did not change keeps its
        document (and its cards); cells that left the notebook are closed."""
        nb = self.workspace.get_notebook_document(notebook_uri=notebook)
        if nb is None:
            return
        uris: list[str] = []
        texts: list[str] = []
        versions: list[int] = []
        numbers: list[int] = []
        for number, cell in enumerate(nb.cells):
            if cell.kind != types.NotebookCellKind.Code:
                continue
            doc = self.workspace.get_text_document(cell.document)
            if (doc.language_id or "python") != "python":
                continue
            uris.append(cell.document)
            texts.append(doc.source)
            versions.append(doc.version or 0)
            numbers.append(number)
        for uri, view, version in zip(uris, cell_views(texts), versions, strict=True):
            old = self.documents.get(uri)
            shown = tuple(numbers[: view.index + 1])
            if old is None or old.cell != view or old.cell_numbers != shown:
                self.open(uri, version, view.text, edited, cell=view, notebook=notebook,
                          cell_numbers=shown)
        for uri in set(self.notebooks.get(notebook, ())) - set(uris):
            self.close(uri)
        self.notebooks[notebook] = tuple(uris)

    def close_notebook(self, notebook: str) -> None:
        for uri in self.notebooks.pop(notebook, ()):
            self.close(uri)

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
                self.cards.prefetch(doc, doc.functions)
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
        self._refresh_hints()

    def _refresh_hints(self) -> None:
        caps = self.client_capabilities.workspace
        if caps and caps.inlay_hint and caps.inlay_hint.refresh_support:
            self.workspace_inlay_hint_refresh(None)

    @property
    def inlay_hints(self) -> bool:
        """Inlay hints on: the setting, unless the toggle command said otherwise since."""
        return self.settings.inlay_hints if self.hints_toggled is None else self.hints_toggled

    def toggle_inlay_hints(self) -> bool:
        self.hints_toggled = not self.inlay_hints
        self._refresh_hints()
        return self.hints_toggled

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
        if settings.inlay_hints != self.settings.inlay_hints:
            self.hints_toggled = None  # the setting changed: it decides again
            self._refresh_hints()
        self.settings = settings
        logging.getLogger("adlens").setLevel(settings.log_level.upper())
        self.cards.roots = self.workspace_roots()
        if self.cards.configure(settings):
            logger.info("settings: %s", settings)
            self._refresh.schedule("lens", self._refresh_lenses)
            for uri, doc in self.documents.items():
                self.diagnostics.schedule(uri, lambda uri=uri: self.publish_diagnostics(uri))
                if doc.analyzed:
                    self.cards.prefetch(doc, doc.functions)
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
                     for fn in doc.functions if fn.gradient_of]
            if grads:
                await asyncio.wait(grads, timeout=self.settings.time_limit + 5.0)
        if self.documents.get(uri) is not doc:
            return  # a newer version arrived meanwhile: its own run will publish
        diagnostics = [d for fn in doc.functions for d in self._diagnostics(doc, fn)]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=doc.version)
        )

    def findings(self, doc: Document, fn: FunctionInfo | None = None) -> list[Finding]:
        """What the diagnostics say about `fn` (every function of `doc` when None): its
        static problems, then what its card found if it has landed, each placed in `doc`
        (a finding on a line of a cell above goes on the def, saying where)."""
        out: list[Finding] = []
        for f in (fn,) if fn is not None else doc.functions:
            static = [Finding(p.span, p.code, p.message, problem_severity(p.code),
                              p.fix) for p in f.problems]
            card = self.cards.ready(doc, f)
            with render.line_names(doc.line_namer):
                found = render.diagnostics(card) if card is not None else []
            computed: list[Finding] = []
            for d in found:
                span, message = d.span if d.span is not None else f.name_span, d.message
                if not doc.owns(span):
                    span, message = f.name_span, f"{doc.line_name(span.line)}: {message}"
                fix = d.fix
                if d.code == "where-trap":
                    # Found at the point, where the text saw only a possibility: one
                    # warning, on the where itself, with the text's rewrite as its fix.
                    seen = next((p for p in static if p.code == d.code
                                 and p.span.line <= span.line <= p.span.end_line), None)
                    if seen is not None:
                        static.remove(seen)
                        span, fix = seen.span, fix or seen.fix
                computed.append(Finding(span, d.code, message, d.severity, fix))
            out += static + computed
        return out

    def _diagnostics(self, doc: Document, fn: FunctionInfo) -> list[types.Diagnostic]:
        return [self.diagnostic(doc, f.span, f.code, f.message, f.severity)
                for f in self.findings(doc, fn)]

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

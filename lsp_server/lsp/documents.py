"""One version of one open document, with its analysis computed once and kept.

The server replaces the `Document` on every didOpen/didChange; hovers, lenses and
diagnostics `await doc.analysis()` and read `doc.index`, both computed on first use
and then cached for that version: a hover never re-parses.

    >>> doc = Document("file:///a.py", 1, "def f(x):\\n    return x * x\\n")
    >>> (await doc.analysis()).function("f").name  # doctest: +SKIP
    'f'
"""

from __future__ import annotations

import asyncio
import os
import weakref
from urllib.parse import unquote, urlparse

from lsprotocol import types

from lsp_server.analysis import DocumentModel, Span, analyze

from .positions import LineIndex


class Superseded(Exception):
    """A newer version of the document arrived before this one's analysis started."""


# One analysis thread at a time: under a burst of edits, versions queue here and those
# already superseded are skipped instead of competing with the event loop for the GIL.
_gates: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _analysis_gate() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()  # a semaphore belongs to one event loop
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = asyncio.Semaphore(1)
    return gate


class Document:
    __slots__ = ("uri", "version", "text", "superseded", "edited_at", "_index", "_model",
                 "_analysing")

    def __init__(self, uri: str, version: int | None, text: str) -> None:
        self.uri = uri
        # didOpen always carries a version; pygls uses None for files read from disk.
        self.version = version if version is not None else 0
        self.text = text
        self.superseded = False  # set by the server when a newer version replaces it
        self.edited_at: float | None = None  # monotonic time of the edit that made it
        self._index: LineIndex | None = None
        self._model: DocumentModel | None = None
        self._analysing: asyncio.Future[DocumentModel] | None = None

    @property
    def folder(self) -> str | None:
        """The folder of a ``file:`` document (sibling modules import from it), else None."""
        parsed = urlparse(self.uri)
        if parsed.scheme != "file":
            return None
        return os.path.dirname(unquote(parsed.path)) or None

    @property
    def index(self) -> LineIndex:
        if self._index is None:
            self._index = LineIndex(self.text)
        return self._index

    def range(self, span: Span) -> types.Range:
        """A span (code points) as a protocol range (UTF-16)."""
        line, col = self.index.to_utf16(span.line, span.col)
        end_line, end_col = self.index.to_utf16(span.end_line, span.end_col)
        return types.Range(types.Position(line, col), types.Position(end_line, end_col))

    async def analysis(self) -> DocumentModel:
        """The analysis of this version, computed once (concurrent callers share it)."""
        if self._model is not None:
            return self._model
        if self._analysing is None:
            # `analyze` is pure and never raises, but is pure-Python AST walking: ~130 ms
            # on 2,000 lines. In a thread (asyncio's own executor, not pygls's pool, which
            # the stdio reader needs) the loop keeps answering for other documents.
            self._analysing = asyncio.ensure_future(self._analyse())
        # shield: a cancelled hover must not cancel the analysis others wait for.
        model = await asyncio.shield(self._analysing)
        self._model = model
        return model

    async def _analyse(self) -> DocumentModel:
        async with _analysis_gate():
            if self.superseded:
                raise Superseded(f"{self.uri} version {self.version}")
            return await asyncio.to_thread(analyze, self.text)

    @property
    def model(self) -> DocumentModel:
        """The analysis, once `analysis()` has been awaited for this version."""
        if self._model is None:
            raise RuntimeError("Document.model read before `await analysis()`")
        return self._model

    @property
    def analyzed(self) -> bool:
        return self._model is not None

"""One version of one open document, with its analysis computed once and kept.

The server replaces the `Document` on every didOpen/didChange; hovers, lenses and
diagnostics read `doc.model` and `doc.index`, which are computed on first use and
then cached for that version: a hover never re-parses.

    >>> doc = Document("file:///a.py", 1, "def f(x):\\n    return x * x\\n")
    >>> doc.model.function("f").name
    'f'
"""

from __future__ import annotations

from lsp_server.analysis import DocumentModel, analyze
from lsp_server.positions import LineIndex


class Document:
    __slots__ = ("uri", "version", "text", "_index", "_model")

    def __init__(self, uri: str, version: int | None, text: str) -> None:
        self.uri = uri
        # didOpen always carries a version; pygls uses None for files read from disk.
        self.version = version if version is not None else 0
        self.text = text
        self._index: LineIndex | None = None
        self._model: DocumentModel | None = None

    @property
    def index(self) -> LineIndex:
        if self._index is None:
            self._index = LineIndex(self.text)
        return self._index

    @property
    def model(self) -> DocumentModel:
        # `analyze` is pure, never raises and does no SymPy or exec: it is the one
        # cost a first request on a new version pays (tens of ms on 2,000 lines).
        if self._model is None:
            self._model = analyze(self.text)
        return self._model

    @property
    def analyzed(self) -> bool:
        return self._model is not None

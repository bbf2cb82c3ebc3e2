"""One version of one open document, with its analysis computed once and kept.

The server replaces the `Document` on every didOpen/didChange; hovers, lenses and
diagnostics `await doc.analysis()` and read `doc.index`, both computed on first use
and then cached for that version: a hover never re-parses.

A notebook cell is a `Document` too: what it analyses is the cell's view (the code of
the cells above it, then its own: `analysis.CellView`), and it converts between the
cell's positions on the wire and lines of the view (`position`, `range`). Its
`functions` are the ones defined in the cell itself.

    >>> doc = Document("file:///a.py", 1, "def f(x):\\n    return x * x\\n")
    >>> (await doc.analysis()).function("f").name  # doctest: +SKIP
    'f'
"""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import Callable
from urllib.parse import unquote, urlparse

from lsprotocol import types

from lsp_server.analysis import CellView, DocumentModel, FunctionInfo, Span, analyze

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
    __slots__ = ("uri", "version", "text", "superseded", "edited_at", "cell", "notebook",
                 "cell_numbers", "_index", "_model", "_analysing", "_functions")

    def __init__(self, uri: str, version: int | None, text: str, cell: CellView | None = None,
                 notebook: str | None = None, cell_numbers: tuple[int, ...] = ()) -> None:
        self.uri = uri
        # didOpen always carries a version; pygls uses None for files read from disk.
        self.version = version if version is not None else 0
        # What is analysed: the file, or for a notebook cell its view.
        self.text = cell.text if cell is not None else text
        self.cell = cell
        self.notebook = notebook  # the notebook's uri, for a cell
        # for a cell: the notebook's number (0-based, markdown cells counted) of each code
        # cell in its view, to name lines the way the user sees them
        self.cell_numbers = cell_numbers
        self.superseded = False  # set by the server when a newer version replaces it
        self.edited_at: float | None = None  # monotonic time of the edit that made it
        self._index: LineIndex | None = None
        self._model: DocumentModel | None = None
        self._analysing: asyncio.Future[DocumentModel] | None = None
        self._functions: tuple[FunctionInfo, ...] | None = None

    @property
    def folder(self) -> str | None:
        """The folder of a ``file:`` document or notebook (sibling modules import from it),
        else None. A cell's URI holds its notebook's path (``vscode-notebook-cell:``, with
        the remote's authority in code-server), and so does a remote notebook's."""
        parsed = urlparse(self.notebook or self.uri)
        if parsed.scheme == "file":
            return os.path.dirname(unquote(parsed.path)) or None
        if parsed.scheme in ("vscode-notebook-cell", "vscode-remote"):
            folder = os.path.dirname(unquote(parsed.path))
            return folder if folder and os.path.isdir(folder) else None
        return None

    @property
    def index(self) -> LineIndex:
        """The lines of what is analysed (for a cell: its view)."""
        if self._index is None:
            self._index = LineIndex(self.text)
        return self._index

    @property
    def first_line(self) -> int:
        """The line of the analysed text that is line 0 on the wire (a cell's start)."""
        return self.cell.start if self.cell is not None else 0

    @property
    def last_line(self) -> int:
        """The last line on the wire, as a line of the analysed text."""
        return self.cell.end - 1 if self.cell is not None else len(self.index) - 1

    def position(self, line: int, col16: int) -> tuple[int, int] | None:
        """A wire position (UTF-16) as (line, code point column) of the analysed text;
        None when it is outside the document (or the cell)."""
        line += self.first_line
        if line < self.first_line or line > self.last_line:
            return None
        return self.index.to_codepoint(line, col16)

    def wire(self, line: int, col: int) -> types.Position:
        """A position of the analysed text (code points) as a wire position (UTF-16)."""
        line, col = self.index.to_utf16(line, col)
        return types.Position(max(line - self.first_line, 0), col)

    def range(self, span: Span) -> types.Range:
        """A span (code points) as a protocol range (UTF-16)."""
        return types.Range(self.wire(span.line, span.col), self.wire(span.end_line, span.end_col))

    def line_name(self, line: int) -> str:
        """How the user names a line of the analysed text: ``line 12``; in a notebook cell
        ``line 3`` for its own lines, ``cell 1, line 5`` for a line of a cell above."""
        if self.cell is None:
            return f"line {line + 1}"
        if self.cell.start <= line < self.cell.end:
            return f"line {line - self.cell.start + 1}"
        code, in_cell = self.cell.where(line)
        number = self.cell_numbers[code] if code < len(self.cell_numbers) else code
        return f"cell {number + 1}, line {in_cell + 1}"

    @property
    def line_namer(self) -> Callable[[int], str] | None:
        """`line_name` for `render.line_names`; None for a file (the default naming)."""
        return self.line_name if self.cell is not None else None

    def owns(self, span: Span) -> bool:
        """Is `span` on this document's own lines (for a cell: not in a cell above)?"""
        return self.cell is None or self.cell.owns(span)

    @property
    def functions(self) -> tuple[FunctionInfo, ...]:
        """The functions defined in this document (for a cell: in the cell itself)."""
        if self._functions is None:
            fns = self.model.functions
            self._functions = fns if self.cell is None else tuple(
                f for f in fns if self.cell.owns(f.name_span))
        return self._functions

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

"""Source transformation in the editor: the generated documents the server serves, and
where the imports of inserted code go.

`adlens.showTransformedSource` answers with the code ``ad.sct`` generates for a function
and a URI for it, ``adlens-sct:/<key>/<name>.py`` (a path of plain characters, so that
every client spells it back the same). The VS Code extension serves that URI's text from
a content provider and opens it beside the function; its language client then sends
the document like any Python file (didOpen), and the server recognises it here by its
URI: it is never analysed as the user's code. Hovers and document links on it come from
the `Generated` kept for that URI (docs/server.md, "Source transformation").

    >>> generated_uri("file:///m.py", "swing", "reverse", "swing_grad")
    'adlens-sct:/b0ff127aa124/swing_grad.py'
"""

from __future__ import annotations

import ast
import collections
import hashlib
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from lsp_server.kernel.schema import Transformed

from .documents import Document

SCHEME = "adlens-sct"
KEEP = 32  # generated documents remembered (the last ones shown)


def generated_uri(source_uri: str, function: str, mode: str, name: str) -> str:
    """The URI of the generated code of ``function`` in ``source_uri``: one per function
    and mode, so that showing it again updates the open document."""
    key = hashlib.sha256(f"{source_uri}\0{function}\0{mode}".encode()).hexdigest()[:12]
    return f"{SCHEME}:/{key}/{name}.py"


def is_generated(uri: str) -> bool:
    return urlparse(uri).scheme == SCHEME


@dataclass(frozen=True)
class Generated:
    """Generated code shown in the client: what it came from, and its text."""

    uri: str
    source: Document  # the version of the user's document it was generated from
    function: str
    piece: Transformed
    text: str  # what the client shows (`render.sct_source`: same lines as the piece)


class GeneratedDocuments:
    """The generated documents, by URI (the last `KEEP`)."""

    def __init__(self) -> None:
        self._docs: collections.OrderedDict[str, Generated] = collections.OrderedDict()

    def add(self, doc: Generated) -> None:
        key = unquote(doc.uri)
        self._docs[key] = doc
        self._docs.move_to_end(key)
        while len(self._docs) > KEEP:
            self._docs.popitem(last=False)

    def get(self, uri: str) -> Generated | None:
        return self._docs.get(unquote(uri))


# -- inserted code's imports -------------------------------------------------------------------


def missing_imports(text: str, imports: list[str]) -> list[str]:
    """The import lines of ``imports`` that ``text`` does not have as a top-level line."""
    have = {line.split("#", 1)[0].strip() for line in text.splitlines()
            if line.startswith(("import ", "from "))}
    return [line for line in imports if line not in have]


def import_line(text: str, before: int) -> int:
    """Where new imports go (a 0-based line to insert at): after the last top-level import
    above line ``before``, else after the module docstring, else at the top. When the text
    above does not parse, right above line ``before``."""
    head = "\n".join(text.split("\n")[:before])
    try:
        body = ast.parse(head).body
    except SyntaxError:
        return before
    last = [n for n in body if isinstance(n, (ast.Import, ast.ImportFrom))]
    if last:
        return last[-1].end_lineno or before
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and \
            isinstance(first.value.value, str):
        return first.end_lineno or 0
    return 0

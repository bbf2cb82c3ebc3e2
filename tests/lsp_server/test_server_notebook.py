"""Jupyter notebooks over LSP 3.17 notebook sync, against the real server.

The client sends a notebook as VS Code's vscode-languageclient does once the server
advertises `notebookDocumentSync`: one notebookDocument/didOpen with every cell, then
notebookDocument/didChange for edits; hovers, lenses and diagnostics are asked for
with the cell's URI and positions in the cell.
"""

from __future__ import annotations

import math

import pytest
import pytest_lsp
from conftest_server import SERVER, diagnostics_until, hover_until, lenses, start, until
from lsprotocol import types
from pytest_lsp import LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

HELPER = """%matplotlib inline
import numpy as np


def softplus(z):
    return np.log1p(np.exp(z))
"""
NOTE = "Cell 2 calls `softplus`, defined in cell 1."
MODEL = """# adlens: w=0.5, b=-0.3, x=1.5
def loss(w, b, x):
    return softplus(w * x + b) - 0.5 * w * x


def bad(x=2.0):
    return float(x) * x
"""
# Below cell 2: the notebook run from the top does not see it when it runs cell 2.
LATER = """def softplus(z):
    return 100.0 * z
"""


def cell_uri(nb: str, i: int) -> str:
    return f"vscode-notebook-cell:/tmp/adlens-nb/{nb}.ipynb#W{i}sZmlsZQ%3D%3D"


def open_notebook(client: LanguageClient, nb: str, cells: list[tuple[str, str]]) -> list[str]:
    """didOpen a notebook; cells are (kind "code" | "markdown", text). Returns cell uris."""
    uris = [cell_uri(nb, i) for i in range(len(cells))]
    client.notebook_document_did_open(types.DidOpenNotebookDocumentParams(
        notebook_document=types.NotebookDocument(
            uri=f"file:///tmp/adlens-nb/{nb}.ipynb", notebook_type="jupyter-notebook",
            version=1, cells=[types.NotebookCell(
                kind=types.NotebookCellKind.Code if kind == "code"
                else types.NotebookCellKind.Markup, document=uri)
                for uri, (kind, _) in zip(uris, cells)]),
        cell_text_documents=[types.TextDocumentItem(
            uri=uri, language_id="python" if kind == "code" else "markdown", version=1,
            text=text) for uri, (kind, text) in zip(uris, cells)],
    ))
    return uris


def expected_grad(w: float, b: float, x: float) -> tuple[float, float, float]:
    s = 1.0 / (1.0 + math.exp(-(w * x + b)))  # softplus' = the logistic function
    return (s * x - 0.5 * x, s, s * w - 0.5 * w)


@pytest_lsp.fixture(config=SERVER, scope="module")
async def client(lsp_client: LanguageClient):
    await start(lsp_client, settings={"timeLimit": 10})
    yield
    await lsp_client.shutdown_session()


async def test_the_server_advertises_notebook_sync_for_python_cells(
        client: LanguageClient) -> None:
    sync = client.init_result.capabilities.notebook_document_sync  # type: ignore[attr-defined]
    assert sync is not None
    (selector,) = sync.notebook_selector
    assert [c.language for c in selector.cells] == ["python"]
    assert selector.notebook == "*"  # any notebook type: jupyter-notebook, interactive


async def test_a_cell_sees_the_cells_above_it_and_not_those_below(
        client: LanguageClient) -> None:
    uris = open_notebook(client, "above", [("code", HELPER), ("markdown", NOTE),
                                           ("code", MODEL), ("code", LATER)])
    pos = types.Position(1, MODEL.splitlines()[1].index("loss"))
    text = await hover_until(client, uris[2], pos,
                             lambda t: t is not None and "computing" not in t and "✓" in t)
    assert text is not None and "NameError" not in text, text
    assert "matches finite differences" in text
    assert "**loss(w, b, x)** at w=0.5, b=-0.3, x=1.5 (directive)" in text
    # the values are softplus from cell 1 (cell 4's 100·z would give other numbers)
    for name, value in zip("wbx", expected_grad(0.5, -0.3, 1.5)):
        assert f"| ∂loss/∂{name} | `{value:.6g}" in text, (name, value, text)


async def test_lenses_and_positions_are_the_cells_own(client: LanguageClient) -> None:
    uris = open_notebook(client, "lenses", [("code", HELPER), ("code", MODEL)])
    cell1 = await lenses(client, uris[0])
    cell2 = await lenses(client, uris[1])
    # softplus is cell 1's (line 4 there); cell 2 lists loss (line 1) and bad (line 5)
    assert sorted({lz.range.start.line for lz in cell1}) == [4]
    assert sorted({lz.range.start.line for lz in cell2}) == [1, 5]
    assert {lz.data["function"] for lz in cell2} == {"loss", "bad"}
    # a hover on cell 2's line 2 is loss's body there, not cell 1's line 2
    body = await hover_until(client, uris[1], types.Position(2, 8),
                             lambda t: t is not None and "computing" not in t)
    assert body is not None and body.startswith("**line 3**"), body


async def test_diagnostics_are_placed_in_the_cell(client: LanguageClient) -> None:
    uris = open_notebook(client, "diag", [("code", HELPER), ("code", MODEL)])
    ds = await diagnostics_until(client, uris[1], lambda ds: any(
        d.code == "float-call" for d in ds))
    (d,) = [d for d in ds if d.code == "float-call"]
    line = MODEL.splitlines().index("    return float(x) * x")
    assert d.range.start == types.Position(line, 11)
    assert list(client.diagnostics.get(uris[0], [])) == []


async def test_editing_a_cell_above_updates_the_cards_below(client: LanguageClient) -> None:
    uris = open_notebook(client, "edit", [("code", HELPER), ("code", MODEL)])
    pos = types.Position(1, 5)
    before = await hover_until(client, uris[1], pos,
                               lambda t: t is not None and "✓" in t)
    assert before is not None and "✓" in before
    # cell 1 now defines softplus(z) = z²: ∂loss/∂b = 2(wx + b) = 0.9
    old = "np.log1p(np.exp(z))"
    line = HELPER.splitlines().index("    return " + old)
    start = types.Position(line, 11)
    end = types.Position(line, 11 + len(old))
    client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
        notebook_document=types.VersionedNotebookDocumentIdentifier(
            uri="file:///tmp/adlens-nb/edit.ipynb", version=2),
        change=types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(
            text_content=[types.NotebookDocumentCellContentChanges(
                document=types.VersionedTextDocumentIdentifier(uri=uris[0], version=2),
                changes=[types.TextDocumentContentChangePartial(
                    range=types.Range(start, end), text="z * z")])]))))
    after = await hover_until(client, uris[1], pos,
                              lambda t: t is not None and "| ∂loss/∂b | `0.9`" in t)
    assert after is not None and "| ∂loss/∂b | `0.9`" in after, after


async def test_cells_added_and_removed(client: LanguageClient) -> None:
    nb = "file:///tmp/adlens-nb/structure.ipynb"
    uris = open_notebook(client, "structure", [("code", MODEL)])
    # alone, cell 1 cannot see softplus: loss's card says so
    pos = types.Position(1, 5)
    alone = await hover_until(client, uris[0], pos)
    assert alone is not None and "softplus" in alone and "✓" not in alone, alone
    # a cell with the helper inserted above it: now it can
    new = cell_uri("structure", 9)
    client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
        notebook_document=types.VersionedNotebookDocumentIdentifier(uri=nb, version=2),
        change=types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(
            structure=types.NotebookDocumentCellChangeStructure(
                array=types.NotebookCellArrayChange(start=0, delete_count=0, cells=[
                    types.NotebookCell(kind=types.NotebookCellKind.Code, document=new)]),
                did_open=[types.TextDocumentItem(uri=new, language_id="python", version=1,
                                                 text=HELPER)])))))
    text = await hover_until(client, uris[0], pos, lambda t: t is not None and "✓" in t)
    assert text is not None and "matches finite differences" in text, text
    # and removed again: the card goes back to not seeing it
    client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
        notebook_document=types.VersionedNotebookDocumentIdentifier(uri=nb, version=3),
        change=types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(
            structure=types.NotebookDocumentCellChangeStructure(
                array=types.NotebookCellArrayChange(start=0, delete_count=1),
                did_close=[types.TextDocumentIdentifier(uri=new)])))))
    text = await hover_until(client, uris[0], pos, lambda t: t is not None and "✓" not in t
                             and "computing" not in t)
    assert text is not None and "✓" not in text, text
    client.notebook_document_did_close(types.DidCloseNotebookDocumentParams(
        notebook_document=types.NotebookDocumentIdentifier(uri=nb),
        cell_text_documents=[types.TextDocumentIdentifier(uri=uris[0])]))
    assert await until(lambda: hover_until(client, uris[0], pos, timeout=0),
                       lambda t: t is None) is None


async def test_inlay_hints_are_on_the_cells_own_lines(client: LanguageClient) -> None:
    cell = "# adlens: x=1.5\ndef g(x):\n    y = softplus(x)\n    return y * y\n"
    uris = open_notebook(client, "hints", [("code", HELPER), ("code", cell)])

    async def hints() -> list[types.InlayHint]:
        return await client.text_document_inlay_hint_async(types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uris[1]),
            range=types.Range(types.Position(0, 0), types.Position(4, 0)))) or []

    (hint,) = await until(hints, lambda hs: len(hs) == 1)
    assert hint.position == types.Position(2, len("    y = softplus(x)"))
    y = math.log1p(math.exp(1.5))
    assert hint.label == f"= {y:.4g}  y\u0304 = {2 * y:.4g}"
    # cell 1 lists its own (softplus has no assignment: none)
    assert not await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri=uris[0]),
        range=types.Range(types.Position(0, 0), types.Position(9, 0))))

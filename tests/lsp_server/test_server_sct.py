"""Source transformation in the editor, over the real protocol: the generated code of a
function opened beside it (links and hovers back to the function), "insert gradient" on a
loop by source transformation (the inserted code imported and run), and the card's
"source transformation agrees" line.

`swing` (examples/03_overloading_vs_transformation.py) has a loop and a branch: SymPy
cannot derive it, ad.sct can.
"""

from __future__ import annotations

import importlib.util
import re
import sys

import numpy as np
import pytest
import pytest_lsp
from conftest_server import (
    ROOT,
    SERVER,
    command,
    hover,
    hover_until,
    open_doc,
    position_of,
    replace_doc,
    start,
    track,
    until,
    uri_for,
)
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

import ad_core as ad

pytestmark = pytest.mark.asyncio(loop_scope="module")

EXAMPLE = ROOT / "examples" / "03_overloading_vs_transformation.py"
EXAMPLE_TEXT = EXAMPLE.read_text()
EXAMPLE_LINES = EXAMPLE_TEXT.splitlines()

REFUSED = """import numpy as np


# adlens: x=0.5
def guarded(x):
    try:
        y = np.sin(x)
    except ValueError:
        y = 0.0
    return y * x


def plain(x=2.0):
    total = 0.0
    for k in range(3):
        total = total + x ** k
    return total
"""


@pytest_lsp.fixture(config=SERVER, scope="module")
async def client(lsp_client: LanguageClient):
    await start(lsp_client, settings={"timeLimit": 10})
    yield
    await lsp_client.shutdown_session()


def _example(client: LanguageClient) -> str:
    uri = EXAMPLE.as_uri()
    track(client, uri, EXAMPLE_TEXT)
    return uri


def _line_of(text: str) -> int:
    """0-based line of the example holding `text`."""
    return next(i for i, line in enumerate(EXAMPLE_LINES) if text in line)


async def _show(client: LanguageClient, uri: str, function: str, mode: str = "reverse"
                ) -> dict:
    result = await command(client, "adlens.showTransformedSource", uri, function, mode)
    assert isinstance(result, dict)
    return result


async def test_the_command_is_advertised(client: LanguageClient) -> None:
    caps = client.init_result.capabilities  # type: ignore[attr-defined]
    assert "adlens.showTransformedSource" in caps.execute_command_provider.commands
    assert caps.document_link_provider is not None


async def test_generated_code_of_a_loop_and_a_branch(client: LanguageClient) -> None:
    uri = _example(client)
    result = await _show(client, uri, "swing")
    assert result["uri"].startswith("adlens-sct:/") and result["uri"].endswith("/swing_grad.py")
    assert result["name"] == "swing_grad" and result["mode"] == "reverse"
    source = result["source"]
    # The loop stays a loop, walked backward from what it kept; the branch stays a branch.
    assert "def swing_grad(x, v, steps=8):" in source
    assert "for _ in range(steps):" in source and "in reversed(stack):" in source
    assert re.search(r"^\s+if t\d+:$", source, re.M)
    # The header names the user's file and the point, not the kernel's slice.
    assert "# in 03_overloading_vs_transformation.py, specialised to its types at x=1.2, " \
           "v=0.5" in source
    assert "adlens slice" not in source
    # It is the gradient: run it, against the tape.
    ns: dict = {"energy": _example_module().energy}  # a name of the module it reads
    exec(compile(source, "<generated>", "exec"), ns)
    got = ns["swing_grad"](1.2, 0.5)
    want = ad.grad(_example_module().swing, argnums=(0, 1))(1.2, 0.5)
    np.testing.assert_allclose(got, want, rtol=1e-12)


async def test_each_adjoint_block_links_to_its_source_line(client: LanguageClient) -> None:
    uri = _example(client)
    result = await _show(client, uri, "swing")
    generated = result["source"].split("\n")
    open_doc(client, result["uri"], result["source"])
    links = await client.text_document_document_link_async(types.DocumentLinkParams(
        text_document=types.TextDocumentIdentifier(uri=result["uri"])))
    assert links, "no document links in the generated code"
    targets = set()
    for link in links:
        header = generated[link.range.start.line]
        text = header[link.range.start.character:link.range.end.character]
        m = re.fullmatch(r"# line (\d+): (.*)", text)
        assert m, text
        assert link.target == f"{uri}#L{m.group(1)}"
        # the comment quotes the statement on that line of the file
        assert EXAMPLE_LINES[int(m.group(1)) - 1].strip().startswith(m.group(2).rstrip("…"))
        assert link.tooltip and "swing" in link.tooltip
        targets.add(int(m.group(1)))
    # every statement of swing's body that carries a derivative has its block
    body = {_line_of("v = v - dt * np.sin(x)"), _line_of("v = 0.9 * v"),
            _line_of("x = x + dt * v"), _line_of("return energy(x, v)")}
    assert {t - 1 for t in targets} >= body
    # energy's blocks (energy_vjp, generated for the call) link to energy's lines
    assert _line_of("potential = 1 - np.cos(x)") + 1 in targets


async def test_hover_in_generated_code_shows_the_line_it_came_from(client: LanguageClient
                                                                  ) -> None:
    uri = _example(client)
    result = await _show(client, uri, "swing")
    generated = result["source"].split("\n")
    open_doc(client, result["uri"], result["source"])
    statement = "v = v - dt * np.sin(x)"
    origin = _line_of(statement)
    # the adjoint of that line, below its header in the backward sweep
    header = next(i for i, line in enumerate(generated)
                  if line.strip().startswith(f"# line {origin + 1}:"))
    text = await hover(client, result["uri"], types.Position(header + 1, 8))
    assert text is not None
    assert f"the adjoint of line {origin + 1} of `swing`" in text
    assert f"```python\n{statement}\n```" in text
    # the forward sweep's copy of the statement: "from", not "the adjoint of"
    forward = next(i for i, line in enumerate(generated) if line.strip() == statement)
    text = await hover(client, result["uri"], types.Position(forward, 8))
    assert text is not None and f"from line {origin + 1} of `swing`" in text
    # an import or the guard has no origin
    guard = next(i for i, line in enumerate(generated) if line.strip().startswith("if not ("))
    assert await hover(client, result["uri"], types.Position(guard, 6)) is None


async def test_generated_code_is_not_analysed_as_the_users(client: LanguageClient) -> None:
    uri = _example(client)
    result = await _show(client, uri, "energy")
    open_doc(client, result["uri"], result["source"])
    listed = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=result["uri"])))
    assert not listed  # no cards, no lenses for energy_grad
    # ...and no diagnostics are published for it
    await hover_until(client, uri, position_of(EXAMPLE_TEXT, "def energy", delta=4))
    assert result["uri"] not in client.diagnostics


async def test_forward_mode(client: LanguageClient) -> None:
    uri = _example(client)
    result = await _show(client, uri, "swing", "forward")
    assert result["name"] == "swing_jvp" and result["mode"] == "forward"
    assert "def swing_jvp(x, v, steps=8, *, x_dot, v_dot):" in result["source"]
    open_doc(client, result["uri"], result["source"])
    lines = result["source"].split("\n")
    at = next(i for i, line in enumerate(lines) if line.strip() == "x = x + dt * v")
    text = await hover(client, result["uri"], types.Position(at, 8))
    assert text is not None and f"from line {_line_of('x = x + dt * v') + 1}" in text
    with pytest.raises(JsonRpcException):
        await _show(client, uri, "swing", "sideways")


async def test_a_construct_ad_sct_refuses_is_said_at_its_line(client: LanguageClient) -> None:
    uri = uri_for("sct_refused.py")
    track(client, uri, REFUSED)
    before = len(client.messages)
    result = await _show(client, uri, "guarded")
    assert result["uri"] is None
    assert "try" in result["error"] and "(line 6)" in result["error"]
    shown = await until(lambda: _messages(client, before),
                        lambda ms: any("no source transformation of guarded" in m for m in ms))
    assert any("line 6" in m for m in shown)


async def _messages(client: LanguageClient, since: int) -> list[str]:
    return [m.message for m in client.messages[since:]]


async def test_the_card_says_source_transformation_agrees(client: LanguageClient) -> None:
    uri = _example(client)
    card = await hover_until(client, uri, position_of(EXAMPLE_TEXT, "def swing", delta=4))
    assert card is not None
    assert "✓ source transformation agrees" in card
    uri = uri_for("sct_card.py")
    track(client, uri, REFUSED)
    card = await hover_until(client, uri, position_of(REFUSED, "def guarded", delta=4))
    assert card is not None
    # refused by ad.sct: said, with the construct and its line, and no ✗ anywhere
    assert "source transformation: not transformed: try (line 6)" in card
    assert "✗" not in card
    assert "✓ ∇guarded matches finite differences" in card


async def test_insert_gradient_of_a_loop_by_source_transformation(client: LanguageClient,
                                                                  tmp_path) -> None:
    uri = _example(client)
    before = len(client.applied_edits)  # type: ignore[attr-defined]
    result = await command(client, "adlens.insertGradient", uri, "swing")
    assert result["applied"] is True and result["technique"] == "source transformation"
    assert result["imports"] == ["import math"]  # numpy is imported already
    (params,) = client.applied_edits[before:]  # type: ignore[attr-defined]
    assert "source transformation" in params.label
    edited = _apply(EXAMPLE_TEXT, params.edit.document_changes[0].edits)
    # the technique is named above the code, and why SymPy could not
    assert "# swing_grad: the gradient of swing, written by AD Lens by source " \
           "transformation" in edited
    assert "SymPy could not" in edited
    assert edited.index("import math") < edited.index("def energy(")
    # the edited module imports, and its inserted gradient is ad.grad's
    path = tmp_path / "edited_swing.py"
    path.write_text(edited)
    module = _import(path)
    got = module.swing_grad(1.2, 0.5)
    want = ad.grad(module.swing, argnums=(0, 1))(1.2, 0.5)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    got = module.swing_grad(-0.3, 1.7, 12)  # another point, beyond the branch
    want = ad.grad(module.swing, argnums=(0, 1))(-0.3, 1.7, 12)
    np.testing.assert_allclose(got, want, rtol=1e-12)


async def test_insert_gradient_keeps_sympy_where_it_can(client: LanguageClient) -> None:
    uri = _example(client)
    result = await command(client, "adlens.insertGradient", uri, "energy")
    assert result["technique"] == "symbolic" and result["imports"] == []
    assert "(SymPy)" in result["source"]


async def test_after_an_edit_links_stop_and_the_hover_says_so(client: LanguageClient) -> None:
    uri = uri_for("sct_stale.py")
    track(client, uri, REFUSED)
    result = await _show(client, uri, "plain")
    open_doc(client, result["uri"], result["source"])
    links = await client.text_document_document_link_async(types.DocumentLinkParams(
        text_document=types.TextDocumentIdentifier(uri=result["uri"])))
    assert links
    replace_doc(client, uri, "def plain", "\n\ndef plain", 2)
    gen = result["source"].split("\n")
    at = next(i for i, line in enumerate(gen) if line.strip() == "total = total + x ** k")

    async def probe() -> str | None:
        return await hover(client, result["uri"], types.Position(at, 8))

    text = await until(probe, lambda t: t is not None and "has changed" in t)
    assert text is not None and "has changed since this code was generated" in text
    assert "total = total + x ** k" in text  # the statement as it was
    links = await client.text_document_document_link_async(types.DocumentLinkParams(
        text_document=types.TextDocumentIdentifier(uri=result["uri"])))
    assert not links


def _example_module():
    return _import(EXAMPLE)


def _import(path):
    name = f"_sct_test_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _apply(text: str, edits: list[types.TextEdit]) -> str:
    """Apply text edits (UTF-16 positions; ASCII here), last first."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)

    def at(p: types.Position) -> int:
        return offsets[p.line] + p.character if p.line < len(lines) else len(text)

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character),
                    reverse=True):
        text = text[:at(e.range.start)] + e.new_text + text[at(e.range.end):]
    return text

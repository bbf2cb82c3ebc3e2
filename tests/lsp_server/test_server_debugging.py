"""Debugging gradients in the editor, over the real protocol: where a NaN comes from (a
diagnostic on its line), the where trap (a warning and a quick fix whose edit is applied
and the result differentiated again), and inlay hints with each assignment's value and
adjoint. The document is stop 8 of the tour, `examples/08_debugging_gradients.py`."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest
import pytest_lsp
from conftest_server import (
    ROOT,
    SERVER,
    command,
    diagnostics_until,
    hover_until,
    position_of,
    start,
    track,
    until,
    uri_for,
)
from lsprotocol import types
from pytest_lsp import LanguageClient

import ad_core as ad

pytestmark = pytest.mark.asyncio(loop_scope="module")

EXAMPLE = (ROOT / "examples" / "08_debugging_gradients.py").read_text(encoding="utf-8")
LINES = EXAMPLE.splitlines()


def line_of(text: str) -> int:
    return LINES.index(text)


@pytest_lsp.fixture(config=SERVER, scope="module")
async def client(lsp_client: LanguageClient):
    await start(lsp_client, settings={"timeLimit": 10})
    yield
    await lsp_client.shutdown_session()


async def card_of(client: LanguageClient, uri: str, text: str, name: str) -> str:
    """Hover the def (which computes the full card, whose findings become diagnostics)."""
    hover = await hover_until(client, uri, position_of(text, f"def {name}(", delta=4))
    assert hover is not None
    return hover


def apply(text: str, edits: list[types.TextEdit]) -> str:
    lines = text.split("\n")

    def offset(p: types.Position) -> int:
        # the example is ASCII: UTF-16 columns are code points
        return sum(len(x) + 1 for x in lines[: p.line]) + p.character

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character),
                    reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end):]
    return text


def load(text: str, name: str):
    ns: dict = {}
    exec(compile(text, "<edited>", "exec"), ns)
    return ns[name]


async def test_a_nan_gradient_gets_a_diagnostic_where_it_started(client: LanguageClient) -> None:
    uri = uri_for("nan_adjoint.py")
    track(client, uri, EXAMPLE)
    hover = await card_of(client, uri, EXAMPLE, "angle")
    line = line_of("    theta = np.arccos(c)")
    sentence = (f"adjoint of arccos(c) is -inf at c = 1 (line {line + 1}); it reaches "
                f"∂angle/∂u, ∂angle/∂v through line {line}")
    assert sentence in hover  # the hover says it too
    ds = await diagnostics_until(client, uri, lambda ds: any(d.code == "nonfinite" for d in ds))
    (d,) = [d for d in ds if d.code == "nonfinite"]
    assert d.message == sentence
    assert d.range.start.line == line and d.severity == types.DiagnosticSeverity.Warning
    # a hover on that line shows its rows and the sentence
    on_line = await hover_until(client, uri, types.Position(line, 8))
    assert on_line is not None and sentence in on_line


async def test_a_nan_value_is_traced_to_the_operation_that_made_it(
        client: LanguageClient) -> None:
    uri = uri_for("nan_value.py")
    track(client, uri, EXAMPLE)
    await card_of(client, uri, EXAMPLE, "log_likelihood")
    line = line_of("    logs = np.log(p)")
    ds = await diagnostics_until(client, uri, lambda ds: any(
        d.code == "nonfinite" and d.range.start.line == line for d in ds))
    (d,) = [d for d in ds if d.code == "nonfinite" and d.range.start.line == line]
    assert d.message == (f"value of log(p) is -inf at p[0] = 0 (line {line + 1}); it reaches "
                         f"log_likelihood's value through line {line + 2}")


async def test_the_where_trap_is_a_warning_and_its_quick_fix_gives_a_finite_gradient(
        client: LanguageClient) -> None:
    uri = uri_for("where_trap.py")
    track(client, uri, EXAMPLE)
    before = await card_of(client, uri, EXAMPLE, "sqrt_or_zero")
    line = line_of("    r = np.where(x > 0, np.sqrt(x), 0.0)")
    ds = await diagnostics_until(client, uri, lambda ds: any(
        d.code == "where-trap" and d.severity == types.DiagnosticSeverity.Warning for d in ds))
    traps = [d for d in ds if d.code == "where-trap"]
    assert len(traps) == 1, traps  # the static finding, confirmed at the point: one warning
    (d,) = traps
    assert d.range.start == types.Position(line, 8)  # on the where itself
    assert "np.where does not take sqrt(x) at x[0] = -1" in d.message
    assert "PyTorch and JAX give NaN here" in d.message and "ad_core masks it" in d.message

    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=d.range,
        context=types.CodeActionContext(diagnostics=[d])))
    assert actions is not None
    (action,) = [a for a in actions if isinstance(a, types.CodeAction)]
    assert action.kind == types.CodeActionKind.QuickFix and list(action.diagnostics) == [d]
    edits = action.edit.changes[uri]
    fixed = apply(EXAMPLE, list(edits))
    assert "np.where(x > 0, np.sqrt(np.where(x > 0, x, 1.0)), 0.0)" in fixed

    # The rewritten function, differentiated: the same finite gradient, and no NaN even
    # without ad_core's masking (the IEEE sweep PyTorch and JAX do finds no trap).
    x = np.array([-1.0, 0.25, 4.0])
    old, new = load(EXAMPLE, "sqrt_or_zero"), load(fixed, "sqrt_or_zero")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert ad.trace(old, x).where_traps  # the original: trapped
        expected = ad.grad(old)(x)
    t = ad.trace(new, x)
    assert t.where_traps == [] and t.nonfinite == []
    assert np.array_equal(t.rows[0].adjoint, expected) and np.all(np.isfinite(expected))

    # ... and in the editor: applied, the warning goes and the card has the same gradient.
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)]))
    after = await hover_until(client, uri, position_of(fixed, "def sqrt_or_zero(", delta=4),
                              lambda t: t is not None and "computing" not in t
                              and "np.where(x > 0, x, 1.0)" not in t and "✓" in t)
    assert after is not None
    grad = re.compile(r"\| ∂sqrt\\_or\\_zero/∂x \| `([^`]*)` \|")  # names are escaped Markdown
    assert grad.search(after).group(1) == grad.search(before).group(1) == "[0.0, 1.0, 0.25]"
    cleared = await diagnostics_until(client, uri, lambda ds: not any(
        d.code == "where-trap" for d in ds))
    assert not [d for d in cleared if d.code == "where-trap"]


async def test_a_possible_where_trap_offers_its_fix_too(client: LanguageClient) -> None:
    # Not at this point (every x > 0 takes sqrt), so only the text's finding: information.
    text = ("import numpy as np\n\n\n# adlens: x=[1.0, 4.0]\ndef f(x):\n"
            "    return np.sum(np.where(x > 0, np.sqrt(x), 0.0))\n")
    uri = uri_for("where_possible.py")
    track(client, uri, text)
    await card_of(client, uri, text, "f")
    ds = await diagnostics_until(client, uri, lambda ds: any(d.code == "where-trap" for d in ds))
    (d,) = [d for d in ds if d.code == "where-trap"]
    assert d.severity == types.DiagnosticSeverity.Information and "may sit" in d.message
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(types.Position(5, 20), types.Position(5, 20)),
        context=types.CodeActionContext(diagnostics=[])))
    assert [a.title for a in actions or []] == [
        "Rewrite as a double where (a finite gradient in PyTorch and JAX too)"]
    # outside the where: nothing to offer
    assert not await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(types.Position(4, 0), types.Position(4, 0)),
        context=types.CodeActionContext(diagnostics=[])))


async def hints(client: LanguageClient, uri: str, first: int = 0, last: int = 10_000
                ) -> list[types.InlayHint]:
    return await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(types.Position(first, 0), types.Position(last, 0)))) or []


def number(label: str, name: str) -> float:
    m = re.search(re.escape(name) + r" = (\S+)", label)
    assert m, (name, label)
    return float(m.group(1))


async def test_inlay_hints_show_each_assignments_value_and_adjoint(
        client: LanguageClient) -> None:
    uri = uri_for("hints.py")
    track(client, uri, EXAMPLE)
    first, last = line_of("def saturated(x, w):"), line_of("    return h3")
    found = await until(lambda: hints(client, uri, first, last), lambda hs: len(hs) >= 4)
    by_line = {h.position.line: h for h in found}
    # h1, h2, h3 = tanh(5 ·): their values, and adjoints that shrink by 1 - tanh² each layer
    x, w = 2.0, 5.0
    h1 = math.tanh(w * x)
    h2 = math.tanh(w * h1)
    h3 = math.tanh(w * h2)
    a3 = 1.0
    a2 = a3 * (1 - h3 ** 2) * w
    a1 = a2 * (1 - h2 ** 2) * w
    for name, arg, value, adjoint in (("h1", "x", h1, a1), ("h2", "h1", h2, a2),
                                      ("h3", "h2", h3, a3)):
        line = line_of(f"    {name} = np.tanh(w * {arg})")
        hint = by_line[line]
        assert hint.position == types.Position(line, len(LINES[line]))  # at the end of it
        label = hint.label
        assert isinstance(label, str) and label.startswith("= ")
        assert float(label.split()[1]) == pytest.approx(value, rel=1e-3)
        assert number(label, name + "\u0304") == pytest.approx(adjoint, rel=1e-3)
    # below a millionth of the output's adjoint: flagged (h1̄ ≈ 8e-7, x̄ ≈ 3e-14)
    assert a1 < 1e-6 and "⚠ vanishing" in by_line[line_of("    h1 = np.tanh(w * x)")].label
    assert "⚠" not in by_line[line_of("    h3 = np.tanh(w * h2)")].label
    (param,) = [h for h in found if h.position.line == first]
    assert param.label == "⚠ x\u0304 vanishing"
    assert param.position == types.Position(first, LINES[first].index("x,") + 1)
    # the range is respected: radius's hints are not listed
    assert all(first <= h.position.line <= last for h in found)


async def test_inlay_hints_setting_and_toggle(client: LanguageClient) -> None:
    uri = uri_for("hints_toggle.py")
    track(client, uri, EXAMPLE)
    assert await until(lambda: hints(client, uri), lambda hs: len(hs) >= 4)
    refreshes = client.hint_refreshes  # type: ignore[attr-defined]
    assert await command(client, "adlens.toggleInlayHints") == {"enabled": False}
    assert await hints(client, uri) == []
    assert client.hint_refreshes > refreshes  # type: ignore[attr-defined]
    assert await command(client, "adlens.toggleInlayHints") == {"enabled": True}
    assert await hints(client, uri)
    # the setting turns them off (and a changed setting decides again over the toggle)
    client.set_configuration({"timeLimit": 10, "inlayHints": {"enabled": False}},
                             section="adlens")
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings=None))
    assert await until(lambda: hints(client, uri), lambda hs: hs == []) == []
    client.set_configuration({"timeLimit": 10}, section="adlens")
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings=None))
    assert await until(lambda: hints(client, uri), lambda hs: len(hs) >= 4)


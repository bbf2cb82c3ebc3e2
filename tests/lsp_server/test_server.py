"""The real server over stdio, end to end: hovers, lenses, commands, diagnostics.

One server process for the module (pytest-lsp fixtures are module-scoped); every
test opens its own document under its own uri so the tests stay independent.
"""

from __future__ import annotations

import asyncio
import time

import pytest
import pytest_lsp
from conftest_server import (
    SERVER,
    command,
    diagnostics_until,
    hover,
    hover_until,
    lenses,
    position_of,
    replace_doc,
    resolved_titles,
    start,
    track,
    until,
    uri_for,
)
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

SOURCE = """import numpy as np


# adlens: x=1.5, y=2.0
def f(x, y):
    s = x * y
    t = np.sin(s)
    return t + y ** 2


def f_grad(x, y):
    c = np.cos(x * y)
    return (c * y, c * x + 2 * y)


def g(x=0.5):
    return x ** 3
"""


@pytest_lsp.fixture(config=SERVER, scope="module")
async def client(lsp_client: LanguageClient):
    await start(lsp_client, settings={"timeLimit": 10})
    yield
    await lsp_client.shutdown_session()


async def test_initialize_advertises_the_features(client: LanguageClient) -> None:
    # The capabilities the extension relies on, as the server announced them.
    caps = client.init_result.capabilities  # type: ignore[attr-defined]
    assert caps.hover_provider
    assert caps.code_lens_provider is not None and caps.code_lens_provider.resolve_provider
    assert set(caps.execute_command_provider.commands) >= {
        "adlens.checkGradient",
        "adlens.showDerivatives",
        "adlens.insertGradient",
    }
    sync = caps.text_document_sync
    assert sync.change == types.TextDocumentSyncKind.Incremental


async def test_hover_on_a_def_shows_the_card(client: LanguageClient) -> None:
    uri = uri_for("hover_def.py")
    track(client, uri, SOURCE)
    text = await hover_until(client, uri, position_of(SOURCE, "def f(", delta=4))
    assert text is not None
    assert "∂" in text and "x" in text and "y" in text
    # The gradient at the directive's point: ∂f/∂x = y cos(xy) at x=1.5, y=2.0.
    assert "-1.97998" in text


async def test_hover_on_a_parameter_shows_that_partial_only(client: LanguageClient) -> None:
    uri = uri_for("hover_param.py")
    track(client, uri, SOURCE)
    text = await hover_until(client, uri, position_of(SOURCE, "y):", occurrence=0))
    assert text is not None
    assert "y" in text
    assert "2.51501" in text  # ∂f/∂y = x cos(xy) + 2y at the point
    assert "-1.97998" not in text  # not the other partial


async def test_hover_on_a_line_shows_value_and_adjoint(client: LanguageClient) -> None:
    uri = uri_for("hover_line.py")
    track(client, uri, SOURCE)
    text = await hover_until(client, uri, position_of(SOURCE, "s = x * y", delta=2))
    assert text is not None
    assert "3" in text  # s = 1.5 * 2.0


async def test_hover_outside_any_function_or_document_is_none(client: LanguageClient) -> None:
    uri = uri_for("hover_none.py")
    track(client, uri, SOURCE)
    assert await hover(client, uri, position_of(SOURCE, "import")) is None
    assert await hover(client, uri, types.Position(999, 0)) is None
    assert await hover(client, uri, types.Position(4, 999)) is None
    assert await hover(client, uri_for("never_opened.py"), types.Position(0, 0)) is None


async def test_code_lenses_list_at_once_and_resolve_with_the_verdict(
    client: LanguageClient,
) -> None:
    uri = uri_for("lenses.py")
    track(client, uri, SOURCE)
    listed = await lenses(client, uri)
    lines = sorted({lz.range.start.line for lz in listed})
    assert lines == [4, 10, 15]  # f, f_grad, g: on the def line, below the directive
    # Lenses come without a command (filled in by resolve) unless their card has landed.
    assert all(lz.command is None or lz.command.title for lz in listed)
    grad_titles = await resolved_titles(client, uri, 10)
    assert grad_titles and grad_titles[0].startswith("✓"), grad_titles
    f_titles = await resolved_titles(client, uri, 4)
    assert len(f_titles) == 2 and all(f_titles), f_titles


async def test_diagnostics_appear_when_a_gradient_breaks_and_clear_when_fixed(
    client: LanguageClient,
) -> None:
    uri = uri_for("diagnostics.py")
    track(client, uri, SOURCE)
    await diagnostics_until(client, uri, lambda ds: True)
    replace_doc(client, uri, "c * x + 2 * y", "c * x + 3 * y", version=2)
    broken = await diagnostics_until(
        client, uri, lambda ds: any(d.range.start.line == 10 for d in ds)
    )
    wrong = [d for d in broken if d.range.start.line == 10]
    assert wrong, broken
    assert "∂f/∂y" in wrong[0].message or "y" in wrong[0].message
    titles = await resolved_titles(client, uri, 10)
    assert titles[0].startswith("✗"), titles

    replace_doc(client, uri, "c * x + 3 * y", "c * x + 2 * y", version=3)
    fixed = await diagnostics_until(
        client, uri, lambda ds: not any(d.range.start.line == 10 for d in ds)
    )
    assert not [d for d in fixed if d.range.start.line == 10]


async def test_static_problems_are_diagnostics(client: LanguageClient) -> None:
    uri = uri_for("problems.py")
    text = (
        "import cmath\nimport numpy as np\n\n\ndef h(x=1.0):\n"
        "    y = float(x)\n    a = np.zeros(2)\n    a[0] = x\n"
        "    return cmath.sin(x).real + y + a[0]\n"
    )
    track(client, uri, text)
    ds = await diagnostics_until(client, uri, lambda ds: len(ds) >= 3)
    by_code = {d.code: d for d in ds}
    assert {"float-call", "real-math", "plain-array-write"} <= set(by_code), ds
    assert all(d.source == "adlens" for d in ds)
    assert by_code["float-call"].range.start == position_of(text, "float(x)")
    assert by_code["float-call"].severity == types.DiagnosticSeverity.Information  # followed
    assert "AD Lens keeps its derivative" in by_code["float-call"].message
    assert by_code["plain-array-write"].severity == types.DiagnosticSeverity.Information
    assert "a plain NumPy array: AD Lens follows it when the array is float64 and nothing " \
        "else refers to it" in by_code["plain-array-write"].message


async def test_a_write_ad_core_follows_is_information_not_a_warning(
        client: LanguageClient) -> None:
    uri = uri_for("followed_write.py")
    text = ("import numpy as np\n\n\ndef g(x=[1.0, 2.0]):\n    d = np.zeros_like(x)\n"
            "    d[0] = x[0] ** 2\n    return d.sum() + x[1]\n")
    track(client, uri, text)
    ds = await diagnostics_until(client, uri, lambda ds: any(
        d.code == "inplace-write" for d in ds))
    (d,) = [d for d in ds if d.code == "inplace-write"]
    assert d.severity == types.DiagnosticSeverity.Information
    assert d.message.startswith("in-place write into d[0]: ad_core follows it")
    card = await hover_until(client, uri, position_of(text, "def g(", delta=4),
                             lambda t: t is not None and "computing" not in t and "∇" in t)
    assert card is not None and "`[2.0, 1.0]`" in card  # and it does follow it
    assert "- ℹ `inplace-write`" in card


async def test_a_syntax_error_in_one_function_leaves_the_other_cards(
    client: LanguageClient,
) -> None:
    uri = uri_for("syntax.py")
    broken = SOURCE + "\n\ndef broken(x:\n    return x +\n\n\ndef k(z=2.0):\n    return z * z\n"
    track(client, uri, broken)
    text = await hover_until(client, uri, position_of(broken, "def f(", delta=4))
    assert text is not None and "∂" in text
    after = await hover_until(client, uri, position_of(broken, "def k(", delta=4))
    assert after is not None and "4" in after  # dk/dz = 2z = 4 at z=2
    assert await hover(client, uri, position_of(broken, "def broken", delta=4)) is None


async def test_check_gradient_command_runs_at_the_given_point(client: LanguageClient) -> None:
    uri = uri_for("cmd_check.py")
    track(client, uri, SOURCE)
    before = len(client.messages)
    result = await command(client, "adlens.checkGradient", uri, "g", "x=2.0")
    assert isinstance(result, dict)
    assert "12" in repr(result)  # d(x³)/dx = 3x² = 12 at x=2
    assert len(client.messages) > before  # and the user is told


async def test_check_gradient_rejects_a_bad_point(client: LanguageClient) -> None:
    uri = uri_for("cmd_badpoint.py")
    track(client, uri, SOURCE)
    with pytest.raises(JsonRpcException):
        await command(client, "adlens.checkGradient", uri, "g", "x=__import__('os')")


async def test_show_derivatives_returns_markdown_with_the_wengert_list(
    client: LanguageClient,
) -> None:
    uri = uri_for("cmd_show.py")
    track(client, uri, SOURCE)
    text = await command(client, "adlens.showDerivatives", uri, "f")
    assert isinstance(text, str)
    assert "∂" in text
    assert "sin" in text  # the trace has the sin node


async def test_insert_gradient_applies_an_edit_below_the_function(client: LanguageClient) -> None:
    uri = uri_for("cmd_insert.py")
    track(client, uri, SOURCE)
    before = len(client.applied_edits)  # type: ignore[attr-defined]
    result = await command(client, "adlens.insertGradient", uri, "g")
    assert result["applied"] is True
    edits = client.applied_edits[before:]  # type: ignore[attr-defined]
    assert len(edits) == 1
    change = edits[0].edit.document_changes[0]
    assert change.text_document.uri == uri
    edit = change.edits[0]
    assert "def g_grad(x" in edit.new_text
    # g ends on the last line: the new def goes after it.
    assert edit.range.start.line >= 16


async def test_commands_on_unknown_functions_fail_cleanly(client: LanguageClient) -> None:
    uri = uri_for("cmd_unknown.py")
    track(client, uri, SOURCE)
    with pytest.raises(JsonRpcException):
        await command(client, "adlens.showDerivatives", uri, "nope")
    # ...and the server is still there.
    assert await hover_until(client, uri, position_of(SOURCE, "def g(", delta=4))


async def test_non_ascii_identifiers_and_astral_characters(client: LanguageClient) -> None:
    uri = uri_for("unicode.py")
    text = "def énergie(ρ: '😀', θ=1.0):\n    κ = ρ * θ  # 速度 😀\n    return κ ** 2 + θ\n"
    track(client, uri, text)
    card = await hover_until(client, uri, position_of(text, "énergie"))
    assert card is not None and "θ" in card and "ρ" in card
    # θ sits after the emoji: its UTF-16 column is one more than its code point column.
    theta = position_of(text, "θ=")
    assert theta.character == text.index("θ=") + 1
    result = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=theta)
    )
    assert result is not None and result.range is not None
    assert result.range.start.character == theta.character  # the range is UTF-16 too
    assert result.range.end.character == theta.character + 1
    # one UTF-16 unit to the right is '=', not a parameter: no param hover there
    eq = types.Position(theta.line, theta.character + 1)
    after = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=eq)
    )
    assert after is None or "θ" not in str(after.range)


SPIN = SOURCE + "\n\ndef spin(x=1.0):\n    while True:\n        x = x + 1.0\n    return x\n"


def _spin_command(client: LanguageClient, uri: str) -> asyncio.Future:
    return asyncio.ensure_future(
        client.protocol.send_request_async(
            types.WORKSPACE_EXECUTE_COMMAND,
            types.ExecuteCommandParams(
                command="adlens.checkGradient", arguments=[uri, "spin", "x=3.0"]
            ),
        )
    )


async def _both_kernels_answer_quickly(client: LanguageClient, uri: str) -> None:
    # Two fresh requests at once (new points, so no cache): if the cancelled spin
    # still held a kernel (time limit 10 s here), one of them would wait for it.
    t0 = time.monotonic()
    results = await asyncio.gather(
        command(client, "adlens.checkGradient", uri, "g", f"x={t0 % 1 + 3.0}"),
        command(client, "adlens.checkGradient", uri, "g", f"x={t0 % 1 + 4.0}"),
    )
    assert all(isinstance(r, dict) for r in results)
    assert time.monotonic() - t0 < 5.0


async def test_cancel_request_on_a_command_stops_its_kernel_work(
    client: LanguageClient,
) -> None:
    uri = uri_for("cancel.py")
    track(client, uri, SPIN)
    pending = set(client.protocol._request_futures)
    task = _spin_command(client, uri)
    await asyncio.sleep(1.0)  # the spin is running in a kernel by now
    (msg_id,) = set(client.protocol._request_futures) - pending
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
    t0 = time.monotonic()
    with pytest.raises(JsonRpcException) as err:
        await task
    assert err.value.code == -32800  # RequestCancelled
    assert time.monotonic() - t0 < 2.0
    await _both_kernels_answer_quickly(client, uri)


async def test_cancelling_a_commands_progress_stops_its_kernel_work(
    client: LanguageClient,
) -> None:
    uri = uri_for("cancel_progress.py")
    track(client, uri, SPIN)
    known = set(client.progress_reports)
    task = _spin_command(client, uri)

    async def token() -> str | None:
        new = [t for t in client.progress_reports if t not in known]
        begun = [t for t in new if client.progress_reports[t]]
        return str(begun[0]) if begun else None

    tok = await until(token, lambda t: t is not None, timeout=10.0)
    assert tok is not None
    begin = client.progress_reports[tok][0]
    assert isinstance(begin, types.WorkDoneProgressBegin) and begin.cancellable
    await asyncio.sleep(0.5)
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=tok))
    with pytest.raises(JsonRpcException) as err:
        await task
    assert err.value.code == -32800
    end = await until(
        lambda: asyncio.sleep(0, client.progress_reports[tok][-1]),
        lambda v: isinstance(v, types.WorkDoneProgressEnd),
    )
    assert isinstance(end, types.WorkDoneProgressEnd)
    await _both_kernels_answer_quickly(client, uri)


async def test_a_slow_function_does_not_delay_the_others(client: LanguageClient) -> None:
    # Last in the module: it leaves a kernel spinning until the 10 s time limit.
    uri = uri_for("slow.py")
    track(client, uri, SPIN.replace("def g(x=0.5)", "def g(x=0.75)"))
    text = SPIN.replace("def g(x=0.5)", "def g(x=0.75)")
    t0 = time.monotonic()
    first = await hover(client, uri, position_of(text, "def spin", delta=4))
    assert first is not None and "computing…" in first
    assert time.monotonic() - t0 < 4.0  # the hover answers after its budget (2 s)
    # While spin holds one kernel for 10 s, g's full card comes from the other.
    t0 = time.monotonic()
    card = await hover_until(client, uri, position_of(text, "def g", delta=4), timeout=8.0)
    assert card is not None and "computing" not in card and "0.421875" in card  # 0.75³
    assert time.monotonic() - t0 < 8.0

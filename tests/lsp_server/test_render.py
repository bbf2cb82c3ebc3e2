"""Renderers: Markdown for hovers, text, strict JSON, lens titles (pure, from cards)."""

from __future__ import annotations

import json

import pytest
from sources import ROSEN, SAMPLE

from lsp_server import render
from lsp_server.analysis import analyze
from lsp_server.cards import CardService
from lsp_server.kernel import KernelPool

SRC = SAMPLE + """
def g(x):
    return math.sqrt(x)
"""


@pytest.fixture(scope="module")
def cards():
    k = KernelPool(1, time_limit=1.0)
    svc = CardService(k)
    m = analyze(SRC)
    yield {
        "f": svc.card_sync(m, "f"),
        "f_grad": svc.card_sync(m, "f_grad"),
        "g0": svc.card_sync(m, "g", point="x=0.0"),
        "static": CardService(None, execution="never").card_sync(m, "f"),
        "rosen": svc.card_sync(analyze(ROSEN), "rosen"),
    }
    k.close()


def test_lens_titles_for_a_function(cards):
    assert render.lens_titles(cards["f"]) == [
        "✓ ∇f matches finite differences",
        "rev 1 pass · fwd 2 passes batched → reverse",
    ]


def test_cost_line_says_batched_for_each_mode_with_more_than_one_direction(cards):
    import dataclasses

    f = cards["f"]  # 2 inputs, 1 output: jacfwd batches its 2 tangents, jacrev has 1 pass
    assert render.words.cost_line(f).startswith("rev 1 pass · fwd 2 passes batched")
    both = dataclasses.replace(f, cost=dataclasses.replace(f.cost, reverse_passes=3,
                                                           forward_passes=1))
    assert render.words.cost_line(both).startswith("rev 3 passes batched · fwd 1 pass →")
    static = cards["static"]
    assert static.cost.source == "static" and "fwd 2 passes batched" in \
        render.words.cost_line(static)


def test_a_function_with_nothing_to_differentiate_gets_no_cost_lens(cards):
    # scipy's test functions take no parameters: "fwd 0 passes → forward" said nothing
    import dataclasses

    f = cards["f"]
    none = dataclasses.replace(f, cost=dataclasses.replace(f.cost, forward_passes=0))
    assert render.words.cost_line(none) == "no derivative to compute: no float inputs"
    assert render.lens_titles(none) == render.lens_titles(f)[:1]


def test_lens_title_for_a_wrong_gradient_names_both_values(cards):
    (title,) = render.lens_titles(cards["f_grad"])
    assert title == "✗ ∂f/∂y: hand-written 1.99499, AD 1.49624 at y=2.0"


def test_lens_titles_are_one_short_line_the_hover_has_the_rest(cards):
    titles = render.lens_titles(cards["rosen"])
    assert titles[0] == "∇rosen not checked: AD could not differentiate rosen (line 6)"
    assert all(len(t) <= render.words.LENS_WIDTH for t in titles)
    assert titles[1].startswith("rev 1 pass")  # the static cost stands in for the measured one
    assert ("numpy.array(dtype=\\<class 'numpy.longdouble'\\>) is not supported by ad\\_core"
            in render.markdown(cards["rosen"]))


def test_static_lens_says_why():
    card = CardService(None, execution="never").card_sync(analyze(SRC), "g")
    assert render.lens_titles(card)[0] == "∇g: static only (code execution is off)"


def test_hover_markdown_is_compact_and_has_no_latex(cards):
    md = render.markdown(cards["f"])
    assert md.startswith("**f(x, y)** at x=1.5, y=2.0 (directive)")
    assert "```text" in md and "∂f/∂y = x·sin(x)" in md
    assert "| ∂f/∂x | `2.2072` |" in md
    assert "$" not in md and "\\frac" not in md
    text = [line for line in md.splitlines() if "(data:image/svg+xml;base64," not in line]
    assert max(len(line) for line in text) < 100
    pictures = [line for line in md.splitlines() if "(data:image/svg+xml;base64," in line]
    assert len(pictures) == 1 and len(pictures[0]) < 8_000  # VS Code truncates at 100 KB


def test_hand_written_card_shows_three_numbers_per_component(cards):
    md = render.markdown(cards["f_grad"])
    assert "| | hand-written | AD | finite differences | |" in md
    assert "| ∂f/∂y | `1.99499` | `1.49624` | `1.49624` | ✗ hand-written differs |" in md
    assert "| ∂f/∂x | `2.2072` | `2.2072` | `2.2072` | ✓ all agree |" in md
    text = render.text(cards["f_grad"])
    assert "✗ ∂f/∂y: hand-written 1.99499, AD 1.49624, finite differences 1.49624" in text


def test_param_and_line_markdown(cards):
    pm = render.param_markdown(cards["f"], "y")
    assert "∂f/∂y" in pm and "1.49624" in pm and "∂f/∂x" not in pm
    lm = render.line_markdown(cards["f"], 4)  # z = math.sin(x) * y
    assert lm is not None and "sin(v1)" in lm and "adjoint" in lm
    assert render.line_markdown(cards["f"], 0) is None


def test_text_card_and_static_text(cards):
    t = render.text(cards["f"])
    assert t.splitlines()[0] == "f(x, y)  line 4"
    assert "∂f/∂x = 2.2072" in t and "✓ ∇f matches finite differences" in t
    assert "static analysis only" in render.text(cards["static"])


def test_json_is_strict_and_versioned(cards):
    d = render.to_json(cards["g0"])  # sqrt'(0) = inf
    text = json.dumps(d, allow_nan=False)
    back = json.loads(text)
    assert back["schema"] == render.JSON_SCHEMA_VERSION
    assert back["gradient"]["values"]["x"] == "inf"
    assert back["lens_titles"] == render.lens_titles(cards["g0"])


def test_diagnostics_only_for_wrong_gradients(cards):
    (d,) = render.diagnostics(cards["f_grad"])
    assert d.code == "wrong-gradient" and "∂f/∂y" in d.message and d.span is None
    assert d.severity == "warning"
    assert render.diagnostics(cards["f"]) == []


def test_document_markdown_has_the_wengert_list(cards):
    doc = render.document_markdown(cards["f"])
    assert "## Wengert list" in doc and "v3 = sin(v1)" in doc


@pytest.mark.parametrize(
    ("value", "text"),
    [(2.0, "2.0"), (0.1234567891, "0.123457"), (1e-12, "1e-12"), ([1.0] * 8, "[1.0, 1.0, 1.0")],
)
def test_numbers_are_compact(value, text):
    assert render.fmt(value).startswith(text)

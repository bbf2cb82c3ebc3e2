"""The analysis fed broken Python: truncated, mutated, random, huge, deep, mixed endings.

Property (see `oracle.py`): `analyze` never raises, and every function whose block
still parses on its own keeps its card (compared with the analysis of that block
alone). Static cards (SymPy, never the user's code) are built for survivors too.
"""

from __future__ import annotations

import time

import pytest
from conftest import LONG, TALLY, corpus, examples
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import check_model

from lsp_server.analysis import analyze
from lsp_server.cards import CardService

CORPUS = corpus()
# Cut at every line: every file under `make fuzz`; by default examples/ and the
# smaller stand-ins (a cut costs a full analysis), to keep `make test` quick.
EVERY_LINE = CORPUS if LONG else [c for c in CORPUS if c[0].startswith("examples/")] + sorted(
    (c for c in CORPUS if not c[0].startswith("examples/")), key=lambda c: len(c[1])
)[:2]
PY_ALPHABET = "():[]{},.=+-*/\\'\"#@ \t\n\r\x00:defreturnimport0123456789xyλ"


def test_the_corpus_is_real_python():
    assert len(CORPUS) >= 3
    for name, text in CORPUS:
        assert analyze(text).functions, name


@pytest.mark.parametrize("name,text", EVERY_LINE, ids=[n for n, _ in EVERY_LINE])
def test_every_file_cut_at_every_line(name: str, text: str) -> None:
    lines = text.split("\n")
    compared = 0
    for k in range(len(lines) + 1):
        cut = "\n".join(lines[:k])
        compared += check_model(cut, analyze(cut))
        TALLY["fuzz inputs: analysis"] += 1
    assert compared > 0


@settings(max_examples=examples(40, 2000))
@given(st.sampled_from(CORPUS), st.data())
def test_every_file_cut_anywhere(doc: tuple[str, str], data: st.DataObject) -> None:
    text = doc[1]
    at = data.draw(st.integers(0, len(text)))
    check_model(text[:at], analyze(text[:at]))
    TALLY["fuzz inputs: analysis"] += 1


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A corpus file with a few edits: deletions, insertions (nulls included),
    duplicated or dropped lines, a line re-ended with \\r or \\r\\n."""
    _, text = draw(st.sampled_from(CORPUS))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["delete", "insert", "dup", "drop", "ending", "null"]))
        at = draw(st.integers(0, len(text)))
        if kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        elif kind == "insert":
            text = text[:at] + draw(st.text(PY_ALPHABET, min_size=1, max_size=12)) + text[at:]
        elif kind == "null":
            text = text[:at] + "\x00" + text[at:]
        else:
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            if kind == "dup":
                lines.insert(i, lines[i])
            elif kind == "drop":
                del lines[i]
            else:
                lines[i] += draw(st.sampled_from(["\r", "\r\r", ""]))
            text = "\n".join(lines)
    return text


@settings(max_examples=examples(60, 3000))
@given(mutated())
def test_mutated_files_keep_the_functions_that_parse(text: str) -> None:
    check_model(text, analyze(text))
    TALLY["fuzz inputs: analysis"] += 1


@settings(max_examples=examples(60, 3000))
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(raw: bytes) -> None:
    for text in (raw.decode("latin-1"), raw.decode("utf-8", "surrogateescape")):
        check_model(text, analyze(text))
        TALLY["fuzz inputs: analysis"] += 1


@settings(max_examples=examples(40, 2000))
@given(st.text(max_size=500), st.sampled_from(CORPUS))
def test_random_text_around_a_real_file(noise: str, doc: tuple[str, str]) -> None:
    for text in (noise + "\n" + doc[1], doc[1] + "\n" + noise):
        check_model(text, analyze(text))
        TALLY["fuzz inputs: analysis"] += 1


@settings(max_examples=examples(20, 500))
@given(st.sampled_from(CORPUS), st.data())
def test_mixed_line_endings_give_the_same_functions_on_the_same_lines(
    doc: tuple[str, str], data: st.DataObject
) -> None:
    lines = doc[1].split("\n")
    endings = data.draw(st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=len(lines)))
    endings = endings[: len(lines)]
    for i in range(1, len(lines)):
        if endings[i - 1] == "\r" and not lines[i] and endings[i] == "\n":
            endings[i] = "\r"  # "\r" then "\n" would read as one "\r\n" break
    mixed = "".join(line + end for line, end in zip(lines, endings))
    plain = analyze("\n".join(lines) + "\n")
    got = analyze(mixed)
    TALLY["fuzz inputs: analysis"] += 1
    check_model(mixed, got)
    # Python reads \r and \r\n as \n inside strings too, so nothing changes but the
    # bytes: the same functions, at the same (LSP-counted) lines and columns.
    assert [(f.name, f.name_span) for f in got.functions] == [
        (f.name, f.name_span) for f in plain.functions
    ]
    assert [f.point.values for f in got.functions] == [f.point.values for f in plain.functions]


NEIGHBOUR = "def ok(x=1.0):\n    return x * 2\n"
DEPTH = 500
DEEP = {
    "parentheses": "def d(x):\n    return " + "(" * DEPTH + "x" + ")" * DEPTH + "\n",
    "lists": "def d(x):\n    return " + "[" * DEPTH + "x" + "]" * DEPTH + "\n",
    "calls": "def d(x):\n    return " + "f(" * DEPTH + "x" + ")" * DEPTH + "\n",
    "sums": "def d(x):\n    return " + "x + " * DEPTH + "x\n",
    "power tower": "def d(x):\n    return " + "x ** " * DEPTH + "x\n",
    "unary minus": "def d(x):\n    return " + "-" * DEPTH + "x\n",
    "lambdas": "def d(x):\n    return " + "lambda: " * DEPTH + "x\n",
    "attributes": "def d(x):\n    return x" + ".a" * (10 * DEPTH) + "\n",
    "subscripts": "def d(x):\n    return x" + "[0]" * (10 * DEPTH) + "\n",
    "ifs": "def d(x):\n"
    + "".join(" " * (i + 1) + "if x:\n" for i in range(DEPTH))
    + " " * (DEPTH + 1)
    + "return x\n",
    "default": "def d(x=" + "-" * DEPTH + "1):\n    return x\n",
    "directive": "# adlens: x=" + "-" * (10 * DEPTH) + "1\ndef d(x):\n    return x\n",
    "doctest": 'def d(x):\n    """\n    >>> d('
    + "-" * (10 * DEPTH)
    + '1)\n    """\n    return x\n',
}


@pytest.mark.parametrize("broken_tail", [False, True], ids=["parses", "with-syntax-error"])
@pytest.mark.parametrize("kind", list(DEEP))
def test_500_deep_nesting_spares_the_neighbour(kind: str, broken_tail: bool) -> None:
    # ast raises RecursionError/MemoryError or "too many nested parentheses" on some
    # of these; SymPy's printers recurse too. The neighbour's card must survive.
    text = NEIGHBOUR + "\n" + DEEP[kind] + ("\ndef broken(:\n" if broken_tail else "")
    model = analyze(text)
    TALLY["fuzz inputs: analysis"] += 1
    check_model(text, model)
    assert model.function("ok") is not None
    svc = CardService(None, execution="never")
    for fn in model.functions:
        card = svc.card_sync(model, fn.name)
        assert card.status == "static" and card.function == fn.name
    ok = svc.card_sync(model, "ok")
    assert ok.expressions is not None and ok.expressions.partials == {"x": "2"}


def test_ten_megabyte_file_of_one_expression_and_comments() -> None:
    # (The 10 MB file of 125,000 functions is tests/lsp_server/test_analysis.py's.)
    # Here: one huge literal, long comment lines, null bytes at the end, and two
    # functions around it; a hang detector, not a benchmark.
    huge = "DATA = [" + "1.0, " * 100_000 + "]\n"
    comments = ("# " + "x" * 998 + "\n") * 9500
    text = NEIGHBOUR + huge + comments + "def g(y=2.0):\n    return y ** 3\n" + "\x00" * 10
    assert len(text) > 10_000_000
    start = time.monotonic()
    model = analyze(text)
    TALLY["fuzz inputs: analysis"] += 1
    assert time.monotonic() - start < 120
    assert {f.name for f in model.functions} == {"ok", "g"}


@settings(max_examples=examples(8, 200))
@given(mutated())
def test_static_cards_of_survivors_are_built(text: str) -> None:
    model = analyze(text)
    svc = CardService(None, execution="never")
    for fn in model.functions[:6]:
        card = svc.card_sync(model, fn.name)
        assert card.status == "static" and card.function == fn.name
        assert card.params == [p.name for p in fn.params]
    TALLY["fuzz inputs: static cards"] += 1

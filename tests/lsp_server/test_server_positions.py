"""UTF-16 (wire) <-> code point (analysis) columns, and the settings precedence rules."""

from __future__ import annotations

import pytest

from lsp_server.lsp.positions import LineIndex, codepoint_to_utf16, utf16_len, utf16_to_codepoint
from lsp_server.lsp.settings import Settings


@pytest.mark.parametrize(
    ("line", "codepoint_col", "utf16_col"),
    [
        ("def f(x): return x", 6, 6),  # ASCII: identical
        ("def f(café, y): return y", 12, 12),  # é is in the BMP: one unit
        ("def 函数(参数, y): return y", 8, 8),  # CJK from the BMP: one unit each
        ("s = '😀' + x", 8, 9),  # emoji: a surrogate pair, two units
        ("t = '😀😀'; ω = 1", 10, 12),
        ("x = '𠀀'  # CJK Extension B is astral", 7, 8),
    ],
)
def test_columns_round_trip_through_utf16(line: str, codepoint_col: int, utf16_col: int) -> None:
    assert codepoint_to_utf16(line, codepoint_col) == utf16_col
    assert utf16_to_codepoint(line, utf16_col) == codepoint_col
    # Every column maps back to itself.
    for col in range(len(line) + 1):
        assert utf16_to_codepoint(line, codepoint_to_utf16(line, col)) == col


def test_the_character_after_an_emoji_is_found_from_its_utf16_column() -> None:
    line = "y = '😀' + ζ"
    col16 = utf16_len("y = '😀' + ")
    assert line[utf16_to_codepoint(line, col16)] == "ζ"


def test_a_column_inside_a_surrogate_pair_maps_to_the_character_it_splits() -> None:
    assert utf16_to_codepoint("😀x", 1) == 0


def test_out_of_range_columns_are_clamped_never_raise() -> None:
    assert utf16_to_codepoint("abc", 99) == 3
    assert utf16_to_codepoint("aé😀", 99) == 3
    assert utf16_to_codepoint("abc", -4) == 0
    assert codepoint_to_utf16("a😀", 99) == 3


def test_line_index_splits_only_on_lsp_line_breaks() -> None:
    # \x0c (form feed) and U+2028 are line breaks for str.splitlines but not for LSP.
    index = LineIndex("a\x0cb\r\nc\u2028d\re\n")
    assert list(index.lines) == ["a\x0cb", "c\u2028d", "e", ""]
    assert index.to_codepoint(7, 0) is None
    assert index.to_utf16(99, 0) == (3, 0)


def test_settings_precedence_and_bad_values() -> None:
    assert Settings.from_client(None, None) == Settings()
    assert not Settings().runs_code  # an unknown client is not trusted
    assert Settings.from_client({}, {"trusted": True}).runs_code
    # The extension says "never" for an untrusted workspace: nothing overrides it.
    never = Settings.from_client({"execution": "always"}, {"execution": "never", "trusted": True})
    assert never.execution == "never" and not never.runs_code
    bad = Settings.from_client(
        {"execution": "sometimes", "timeLimit": -1, "hover": {"enabled": "yes"}}, {}
    )
    assert (bad.execution, bad.time_limit, bad.hover) == ("trusted", 2.0, True)
    flat = Settings.from_client({"codeLens.enabled": False, "hover": {"enabled": False}}, {})
    assert (flat.code_lens, flat.hover) == (False, False)

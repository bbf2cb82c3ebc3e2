"""Execution comes from the start-up options only (issue 15, finding 3).

A client that never says the workspace is trusted, but answers
``workspace/configuration`` with ``execution: "always"`` (some clients read
project-level settings files, so a repository could set it), must get static cards
and no code run. The configuration may still *lower* execution.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TALLY
from lsp_wire import Wire, server, stop


def _source(marker: Path) -> str:
    return (f"def g(x=2.0, stamp=open({str(marker)!r}, 'w').close()):\n"
            "    return x ** 3\n")


@pytest.mark.parametrize("init, config", [
    (None, {"execution": "always"}),
    ({"trusted": False, "execution": "trusted"}, {"execution": "always"}),
    ({"trusted": True, "execution": "never"}, {"execution": "always"}),
    ({"trusted": True, "execution": "trusted"}, {"execution": "never"}),  # lowered
])
def test_configuration_never_raises_execution(tmp_path: Path, init, config) -> None:
    marker = tmp_path / "the-default-value-ran"
    proc = server("--stdio")
    try:
        wire = Wire.stdio(proc)
        wire.initialize(init, tmp_path, configuration=config)
        uri = wire.open(tmp_path / "model.py", _source(marker))
        card = wire.hover_until(uri, 0, 5, lambda t: bool(t and "static analysis only" in t),
                                timeout=20)
        assert card is not None and "static analysis only" in card, card
        wire.messages(1.0)  # time for a kernel, were one started, to run the slice
        wire.shutdown()
    finally:
        stop(proc)
    assert not marker.exists()
    TALLY["trust bypasses refused"] += 1


def test_the_start_up_options_still_allow_execution(tmp_path: Path) -> None:
    # The control: the same file with execution allowed at start-up does run.
    marker = tmp_path / "the-default-value-ran"
    proc = server("--stdio")
    try:
        wire = Wire.stdio(proc)
        wire.initialize({"trusted": True, "execution": "trusted"}, tmp_path,
                        configuration={"execution": "always"})
        uri = wire.open(tmp_path / "model.py", _source(marker))
        card = wire.hover_until(uri, 0, 5, lambda t: bool(t and "∂g/∂x | `12" in t))
        assert card is not None and "∂g/∂x | `12" in card, card
        wire.shutdown()
    finally:
        stop(proc)
    assert marker.exists()

"""Shared pieces for the robustness suite: example counts, the corpus, tallies.

`make test` runs this suite with small hypothesis example counts; `make fuzz`
sets ``ADLENS_FUZZ_LONG=1`` and every count grows (see `examples`). At the end
of the run the tallies (fuzz inputs tried, hostile cases contained) are printed
in pytest's terminal summary.

The end-to-end server helpers live in ``tests/lsp_server/conftest_server.py``
(the real server over stdio through pytest-lsp); this suite imports them from
there rather than keeping a copy.
"""

from __future__ import annotations

import collections
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "lsp_server"))  # conftest_server
pytest.register_assert_rewrite("oracle")

LONG = os.environ.get("ADLENS_FUZZ_LONG", "") not in ("", "0")

settings.register_profile(
    "adlens-default",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,  # the default run is reproducible; `make fuzz` explores
)
settings.register_profile(
    "adlens-long",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("adlens-long" if LONG else "adlens-default")

# What the summary reports: every input fed to a component, every hostile case.
TALLY: collections.Counter[str] = collections.Counter()


def examples(default: int, long: int) -> int:
    """An example count: small for `make test`, large for `make fuzz`."""
    return long if LONG else default


def corpus() -> list[tuple[str, str]]:
    """(name, text) of real Python files: examples/ first, then the server tests.

    examples/ is written by another engineer; until it has files, the test sources
    of tests/lsp_server (real, varied Python with defs, directives, docstrings) and
    the repository's own benchmarks stand in.
    """
    files = sorted((ROOT / "examples").glob("*.py"))
    files += sorted((ROOT / "tests" / "lsp_server").glob("test_*.py"))
    files += [ROOT / "benchmarks" / "lsp_latency.py"]
    return [(p.relative_to(ROOT).as_posix(), p.read_text("utf-8")) for p in files if p.exists()]


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001
    if not TALLY:
        return
    terminalreporter.section("AD Lens robustness tallies")
    for key in sorted(TALLY):
        terminalreporter.write_line(f"{key}: {TALLY[key]}")

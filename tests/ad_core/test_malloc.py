"""ad_core keeps freed memory for reuse on glibc (see ad_core/_malloc.py)."""

import os
import subprocess
import sys

import pytest

from ad_core import _malloc

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")


def _tune_in_fresh_process(**env) -> str:
    code = "from ad_core import _malloc; print(_malloc.tune())"
    ours = ("ADLENS_MALLOC_TUNING", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
    clean = {k: v for k, v in os.environ.items() if k not in ours}
    out = subprocess.run([sys.executable, "-c", code], env={**clean, **env},
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_tuning_applies_on_glibc():
    assert _tune_in_fresh_process() == "True"


def test_tuning_can_be_turned_off():
    assert _tune_in_fresh_process(ADLENS_MALLOC_TUNING="0") == "False"


def test_explicit_glibc_settings_are_respected():
    assert _tune_in_fresh_process(MALLOC_TRIM_THRESHOLD_="131072") == "False"


def test_thresholds_are_bounded():
    # Retained memory is capped: the setting trades at most this much RSS for speed.
    assert _malloc.TRIM_THRESHOLD <= 512 << 20
    assert _malloc.MMAP_THRESHOLD <= _malloc.TRIM_THRESHOLD

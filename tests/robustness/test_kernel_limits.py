"""The kernel's limits are not the kernel's to lift (issue 15, finding 5), through
``adlens check``: each attack file is followed by a victim file whose cards must be
exactly what they would be without the attack (`kernel_attacks.VICTIM`).

The CLI runs every file in one kernel, in order, which is where an attack that
outlives its request would show. The same attacks as an unprivileged user are in
`test_unprivileged`.
"""

from __future__ import annotations

import time
from pathlib import Path

import kernel_attacks as ka
import pytest
from conftest import TALLY

from lsp_server.kernel import sandbox


def _run(tmp_path: Path, attack: str, *args: str, **kw):
    files = [ka.write(tmp_path, "attack.py", attack), ka.write(tmp_path, "victim.py", ka.VICTIM)]
    code, report, err = ka.check(files, *args, **kw)
    assert report, err[-3000:]
    found = ka.cards(report)
    ka.victim_is_untouched(found)
    assert code == 1, (code, err[-2000:])  # the victim's wrong gradient, nothing else
    TALLY["kernel attacks contained"] += 1
    return found


def test_the_memory_limit_cannot_be_raised(tmp_path: Path) -> None:
    found = _run(tmp_path, ka.LIFT_LIMIT)
    assert found["lift"]["value"]["value"] == float(ka.MEMORY_LIMIT), ka.why(found["lift"])


def test_the_parents_cannot_be_stopped_through_posix_or_ctypes(tmp_path: Path) -> None:
    start = time.monotonic()
    found = _run(tmp_path, ka.STOP_THE_PARENTS, timeout=120)
    assert time.monotonic() - start < 100
    for name in ("stop_posix", "stop_ctypes"):
        assert found[name]["status"] == "ok", ka.why(found[name])


def test_the_kernel_cannot_be_replaced_with_exec(tmp_path: Path) -> None:
    marker = tmp_path / "exec-ran"
    found = _run(tmp_path, ka.exec_file(marker))
    assert found["replace_kernel"]["status"] == "error", ka.why(found["replace_kernel"])
    assert "disabled" in ka.why(found["replace_kernel"])
    assert not marker.exists()


@pytest.mark.skipif(not sandbox.seccomp_supported(), reason="needs seccomp (Linux)")
def test_no_process_outlives_the_time_limit(tmp_path: Path) -> None:
    # ctypes's fork() goes around every Python-level guard; the seccomp filter refuses it
    # (as root too, where RLIMIT_NPROC does not bind)
    marker = tmp_path / "child-outlived"
    found = _run(tmp_path, ka.outlive_file(marker), "--time-limit", "1")
    assert found["outlive"]["status"] == "timeout", ka.why(found["outlive"])
    time.sleep(4)
    assert not marker.exists()


def test_forged_frames_never_reach_another_card(tmp_path: Path) -> None:
    found = _run(tmp_path, ka.FORGE)
    # what it wrote could only ever be its own answer
    assert found["forge"]["value"]["value"] in (1.0, 666.0), found["forge"]


def test_swapped_modules_and_patched_tolerances_do_not_outlive_the_request(tmp_path: Path
                                                                           ) -> None:
    found = _run(tmp_path, ka.POISON)
    assert found["poison"]["status"] == "ok", ka.why(found["poison"])


def test_a_huge_answer_is_refused_not_passed_on(tmp_path: Path) -> None:
    found = _run(tmp_path, ka.HUGE_ANSWER)
    card = found["huge"]
    assert "MiB" in ka.why(card), ka.why(card)

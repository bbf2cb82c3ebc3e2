"""The kernel attacks again, as an unprivileged user (``setpriv`` to ``nobody``), where
the machine allows: what root's extra rights could hide (RLIMIT_NPROC stopping
threads, hard limits, ``/proc`` access to the parents) is checked as a user would run.
Skipped unless this test runs as root with ``setpriv`` and ``nobody`` can run this
Python."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import kernel_attacks as ka
import pytest
from conftest import TALLY

NOBODY = 65534
SETPRIV = shutil.which("setpriv")


def _as_nobody() -> list[str]:
    return [SETPRIV or "setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
            "--inh-caps=-all"]


SITE = next(p for p in sys.path if p.endswith("site-packages"))
# nobody runs python, which starts python again (the kernel, the static worker): the
# interpreter must be one nobody can reach without root's capabilities
_PROBE = ("import subprocess, sys; import numpy, lsp_server; "
          "sys.exit(subprocess.run([sys.executable, '-c', 'import numpy']).returncode)")


def _interpreter() -> tuple[str | None, str]:
    """(a Python nobody can run with this environment's packages, or None; why not)."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or SETPRIV is None:
        return None, "needs root and setpriv (Linux) to switch to an unprivileged user"
    import subprocess

    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    why = ""
    for python in (sys.executable, f"/usr/bin/{version}", f"/usr/local/bin/{version}"):
        if not os.path.exists(python):
            continue
        probe = subprocess.run([*_as_nobody(), python, "-c", _PROBE], capture_output=True,
                               cwd="/", env=_env(Path("/tmp")), text=True)
        if probe.returncode == 0:
            return python, ""
        why = probe.stderr.strip().splitlines()[-1:] or [""]
        why = f"nobody cannot run {python}: {why[0]}"
    return None, why or "no interpreter nobody can run"


def _env(folder: Path) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "HOME": str(folder), "TMPDIR": str(folder),
            "PYTHONPATH": os.pathsep.join([str(ka.ROOT), SITE])}


PYTHON, WHY_NOT = _interpreter()
pytestmark = pytest.mark.skipif(PYTHON is None, reason=WHY_NOT)


@pytest.fixture()
def shared(tmp_path: Path):
    """A folder nobody can read and write (pytest's own is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="adlens-nobody-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _run(folder: Path, attack: str, *args: str):
    files = [ka.write(folder, "attack.py", attack), ka.write(folder, "victim.py", ka.VICTIM)]
    for f in files:
        f.chmod(0o644)
    code, report, err = ka.check(files, *args, prefix=_as_nobody(), env=_env(folder),
                                 cwd=folder, python=PYTHON)
    assert report, err[-3000:]
    found = ka.cards(report)
    ka.victim_is_untouched(found)
    assert code == 1, (code, err[-2000:])
    TALLY["kernel attacks contained (unprivileged)"] += 1
    return found


def test_threads_work_for_an_unprivileged_user(shared: Path) -> None:
    found = _run(shared, ka.THREADS)
    assert found["threaded"]["status"] == "ok", ka.why(found["threaded"])
    assert found["threaded"]["value"]["value"] == 2.25


def test_the_memory_limit_cannot_be_raised(shared: Path) -> None:
    found = _run(shared, ka.LIFT_LIMIT)
    assert found["lift"]["value"]["value"] == float(ka.MEMORY_LIMIT), ka.why(found["lift"])


def test_the_parents_memory_and_pipes_are_out_of_reach(shared: Path) -> None:
    found = _run(shared, ka.PROC_MEMORY)
    card = found["write_parents_memory"]
    assert card["value"]["value"] == 1.0, ka.why(card)  # 1.0 + nothing opened


def test_the_parents_cannot_be_stopped(shared: Path) -> None:
    start = time.monotonic()
    found = _run(shared, ka.STOP_THE_PARENTS)
    assert time.monotonic() - start < 100
    assert found["stop_ctypes"]["status"] == "ok", ka.why(found["stop_ctypes"])


def test_forged_frames_and_poisoned_modules_stay_in_their_request(shared: Path) -> None:
    _run(shared, ka.FORGE)
    _run(shared, ka.POISON)


def test_no_process_outlives_the_time_limit(shared: Path) -> None:
    marker = shared / "child-outlived"
    found = _run(shared, ka.outlive_file(marker), "--time-limit", "1")
    assert found["outlive"]["status"] == "timeout", ka.why(found["outlive"])
    time.sleep(4)
    assert not marker.exists()

"""Files that attack the kernel's limits (issue 15, finding 5, and the kernel items of
finding 9), shared by `test_kernel_limits` (as this user) and `test_unprivileged` (as
an unprivileged one). Each is run through ``adlens check`` with the next file after
it, whose cards must come out as if the attack had never happened. Imported by name,
like `oracle`."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 1 << 30  # the kernel's default address-space limit


def write(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source))
    return path


def check(files: list[Path], *args: str, timeout: float = 240, cwd: Path | None = None,
          prefix: list[str] | None = None, env: dict[str, str] | None = None,
          python: str | None = None) -> tuple[int, dict[str, Any], str]:
    """``adlens check FILES --format json``: (exit status, report, stderr)."""
    command = [*(prefix or []), python or sys.executable, "-m", "lsp_server.cli", "check",
               *map(str, files), "--format", "json", *args]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          cwd=cwd or ROOT, env=env, start_new_session=True)
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        report = {}
    return proc.returncode, report, proc.stderr


def cards(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["function"]: c for f in report.get("files", []) for c in f["cards"]}


def why(card: dict[str, Any]) -> str:
    value = card.get("value") or {}
    missing = (card.get("missing") or {}).get("value") or {}
    return " ".join(str(x) for x in (card.get("status"), card.get("message"),
                                     missing.get("message"), value.get("value")))


# The file that comes after each attack: a correct function and a wrong hand-written
# gradient, so a forged or poisoned answer would show as a wrong value or a ✓.
VICTIM = """
import numpy as np


def victim(x=1.5):
    return np.sin(x) * x ** 2


def victim_grad(x=1.5):
    return np.cos(x) * x ** 2  # wrong: forgets 2 x sin(x)
"""


def victim_is_untouched(found: dict[str, dict[str, Any]]) -> None:
    import math

    v = found["victim"]
    assert v["status"] == "ok", why(v)
    assert abs(v["value"]["value"] - math.sin(1.5) * 1.5 ** 2) < 1e-12, v["value"]
    g = found["victim_grad"]
    assert g["check"] is not None and g["check"]["outcome"] == "wrong", g["check"]


LIFT_LIMIT = """
import resource


def lift(x=1.0):
    try:
        resource.setrlimit(resource.RLIMIT_AS, (-1, -1))
    except (ValueError, OSError):
        pass
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    return x * min(soft, hard)
"""

STOP_THE_PARENTS = """
import ctypes
import os
import posix
import signal


def parents():
    pids = [os.getppid()]
    with open(f"/proc/{pids[0]}/stat") as f:
        pids.append(int(f.read().rsplit(")", 1)[1].split()[1]))
    return pids


def stop_posix(x=1.0):
    for pid in parents():
        try:
            posix.kill(pid, signal.SIGSTOP)
        except OSError:
            pass
    return x


def stop_ctypes(x=1.0):
    libc = ctypes.CDLL(None, use_errno=True)
    for pid in parents():  # (never kill(-1): a regression must not stop the machine)
        libc.kill(pid, signal.SIGSTOP)
        libc.kill(-pid, signal.SIGSTOP)
    return x
"""


def exec_file(marker: Path) -> str:
    return f"""
import posix


def replace_kernel(x=1.0):
    posix.execv("/bin/sh", ["sh", "-c", "touch {marker}"])
    return x
"""


def outlive_file(marker: Path) -> str:
    # The child sleeps past the parent's time limit, then leaves a marker.
    return f"""
import ctypes
import os
import posix
import time


def outlive(x=1.0):
    libc = ctypes.CDLL(None, use_errno=True)
    for fork in (libc.fork, posix.fork):
        try:
            pid = fork()
        except OSError:
            continue
        if pid == 0:
            time.sleep(3)
            open({str(marker)!r}, "w").close()
            os._exit(0)
    while True:
        pass
"""


FORGE = """
import json
import os
import struct


def forged():
    def frame(message):
        body = json.dumps(message).encode()
        return struct.pack(">I", len(body)) + body

    value = {"value": 666.0, "describe": "a float", "shape": [], "differentiable": True}
    check = {"target": "victim", "subject": "hand", "outcome": "verified", "reference": "AD",
             "message": "forged"}
    return (frame({"part": "value", "ok": True, "data": value})
            + frame({"part": "check", "ok": True, "data": check})
            + frame({"done": True, "status": "ok", "message": ""}))


def reachable():
    # every descriptor of this process, then those of its parents through /proc
    fds = [int(fd) for fd in os.listdir("/proc/self/fd")]
    pid, paths = os.getppid(), []
    for _ in range(2):
        try:
            paths += [f"/proc/{pid}/fd/{fd}" for fd in os.listdir(f"/proc/{pid}/fd")]
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            break
    return fds, paths


def forge(x=1.0):
    data = forged() * 20
    fds, paths = reachable()
    for fd in fds:
        try:
            os.write(fd, data)
        except OSError:
            pass
    for path in paths:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            os.write(fd, data)
            os.close(fd)
        except OSError:
            pass
    return x
"""

POISON = """
import sys
import types

import ad_core
import numpy as np


def poison(x=1.0):
    fake = types.ModuleType("numpy")
    fake.__dict__.update(np.__dict__)
    fake.sin = lambda v: 0.0 * v
    sys.modules["numpy"] = fake
    # every verdict from now on "verified": tolerances no difference can exceed
    ad_core.check_grad.__kwdefaults__.update(rtol=1e300, atol=1e300)
    compute = sys.modules.get("lsp_server.kernel.compute")
    if compute is not None:
        compute.MAX_COMPONENTS = 0
    return x
"""

HUGE_ANSWER = """
def huge(x=1.0):
    return "x" * (100 << 20)
"""

THREADS = """
import threading


def threaded(x=1.5):
    box = []
    worker = threading.Thread(target=lambda: box.append(x * x))
    worker.start()
    worker.join()
    return box[0]
"""

PROC_MEMORY = """
import os


def ancestors():
    pid, out = os.getppid(), []
    for _ in range(2):
        out.append(pid)
        with open(f"/proc/{pid}/stat") as f:
            pid = int(f.read().rsplit(")", 1)[1].split()[1])
    return out


def write_parents_memory(x=1.0):
    opened = 0
    for pid in ancestors():
        for what in ("mem", "fd/0", "fd/1", "fd/3"):
            try:
                os.close(os.open(f"/proc/{pid}/{what}", os.O_WRONLY))
                opened += 1
            except OSError:
                pass
    return x + opened
"""

"""The parent side of a worker process: started without the current folder on its
``sys.path``, talking `protocol` frames over a Unix socket, killed and started again
on demand. The kernel (`client.Kernel`) and the static part of cards
(`lsp_server.cards.static`) each drive one.

    >>> proc = WorkerProcess("lsp_server.kernel.worker")   # nothing runs until spawn()
"""

from __future__ import annotations

import atexit
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

from . import protocol

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_PACKAGES = ("ad_core", "lsp_server")

# ``python -c`` puts the current folder first on sys.path (as ``-m`` does): a worker
# started in a folder holding ``json.py`` would run it on its first ``import json``.
# The launcher removes that entry before importing anything (``sys`` is built in).
# ``-P`` does the same, but only from Python 3.11, and the kernel may run the user's.
LAUNCH = (
    "import sys\n"
    "if not getattr(sys.flags, 'safe_path', False):\n"
    "    del sys.path[0]\n"
    "if sys.version_info < (3, 10):\n"
    "    sys.exit(f'AD Lens needs Python 3.10 or newer; this is {sys.version.split()[0]}')\n"
    "module = sys.argv.pop(1)\n"
    "import runpy\n"
    "runpy.run_module(module, run_name='__main__', alter_sys=True)\n"
)

_package_dir: str | None = None
_package_lock = threading.Lock()


def package_path() -> str:
    """A private folder holding only ``ad_core`` and ``lsp_server`` (links to this
    installation's): on a worker's ``PYTHONPATH`` it makes both importable by any
    interpreter (the user's own, say) without installing anything there, and without
    bringing this environment's other packages along."""
    global _package_dir
    with _package_lock:
        if _package_dir is None or not os.path.isdir(_package_dir):
            folder = tempfile.mkdtemp(prefix="adlens-path-")
            for name in _PACKAGES:
                os.symlink(os.path.join(_ROOT, name), os.path.join(folder, name))
            atexit.register(shutil.rmtree, folder, True)
            _package_dir = folder
        return _package_dir


def worker_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    # one BLAS thread: a small address space under RLIMIT_AS, and a process that can fork
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_path(), env.get("PYTHONPATH")) if p)
    env.pop("PYTHONSTARTUP", None)
    env.update(extra or {})
    return env


class WorkerProcess:
    """One worker process: ``python -c LAUNCH module --channel FD args...``."""

    def __init__(self, module: str, args: tuple[str, ...] = (), python: str | None = None,
                 name: str = "worker", max_frame: int = protocol.MAX_FRAME) -> None:
        self.module = module
        self.args = args
        self.python = python or sys.executable
        self.max_frame = max_frame
        self.proc: subprocess.Popen[bytes] | None = None
        self.sock: socket.socket | None = None
        self.info: dict[str, Any] = {}  # the worker's "ready" frame
        self._tmp = tempfile.TemporaryDirectory(prefix=f"adlens-{name}-")
        self._stderr: Any = None
        self._reader = protocol.FrameReader(max_frame)
        self._pending: list[dict[str, Any]] = []
        self._write = threading.Lock()

    @property
    def folder(self) -> str:
        """The worker's private working directory (stray relative writes land here)."""
        return self._tmp.name

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    @property
    def received(self) -> int:
        """Bytes read from the worker since it started."""
        return self._reader.received

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def spawn(self) -> None:
        if self.alive():
            return
        self.kill()
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._stderr = open(os.path.join(self.folder, "stderr.log"), "wb")  # noqa: SIM115
        try:
            self.proc = subprocess.Popen(
                [self.python, "-c", LAUNCH, self.module, "--channel", str(child.fileno()),
                 *self.args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
                pass_fds=(child.fileno(),),
                cwd=self.folder,
                env=worker_env(),
                start_new_session=True,  # a signal for the editor's group does not reach it
            )
        except OSError:
            parent.close()
            raise
        finally:
            child.close()
        self.sock = parent
        self.info = {}
        self._reader = protocol.FrameReader(self.max_frame)
        self._pending = []

    def wait_ready(self, timeout: float) -> dict[str, Any]:
        """The worker's first frame (``{"ready": true, ...}``); ProtocolError if it
        does not come (the message ends with the worker's stderr)."""
        if self.info:
            return self.info
        try:
            msg = self.read(time.monotonic() + timeout)
        except (protocol.ProtocolError, OSError):
            msg = None
        if msg is None or not msg.get("ready"):
            lines = self.stderr_tail().splitlines()
            self.kill()
            raise protocol.ProtocolError(lines[-1] if lines else "it did not start")
        self.info = msg
        return msg

    def send(self, message: dict[str, Any]) -> None:
        assert self.sock is not None
        with self._write:  # interrupt() writes from another thread
            protocol.write_frame(self.sock.fileno(), message)

    def read(self, deadline: float) -> dict[str, Any] | None:
        """The next frame, or None at the deadline. ProtocolError when the worker hung up."""
        if self._pending:
            return self._pending.pop(0)
        assert self.sock is not None
        fd = self.sock.fileno()
        while True:
            frames = self._reader.frames()
            if frames:
                self._pending.extend(frames[1:])
                return frames[0]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                return None
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise protocol.ProtocolError("the worker exited")
            self._reader.feed(chunk)

    def exit_code(self, wait: float = 1.0) -> int | None:
        if self.proc is None:
            return None
        try:
            return self.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        proc, self.proc = self.proc, None
        self.info = {}
        if proc is not None:
            try:
                proc.kill()
            except OSError:
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def stderr_tail(self) -> str:
        try:
            with open(os.path.join(self.folder, "stderr.log"), "rb") as f:
                return f.read()[-2000:].decode("utf-8", "replace").strip()
        except OSError:
            return ""

    def close(self) -> None:
        self.kill()
        self._tmp.cleanup()

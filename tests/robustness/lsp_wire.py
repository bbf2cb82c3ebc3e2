"""A raw LSP client for the attack tests: writes exactly the bytes it is given, over the
server's stdio or a TCP socket, and reads framed messages back (no pytest-lsp: an
attacker's client is not a polite one). Imported by name, like `oracle`."""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class Wire:
    """One connection: ``send`` a message, ``request`` and wait for its answer."""

    def __init__(self, read_fd: int, write: Any) -> None:
        self.read_fd = read_fd
        self._write = write
        self.buf = b""
        self.next_id = 0
        self.closed = False

    @classmethod
    def stdio(cls, proc: subprocess.Popen[bytes]) -> Wire:
        assert proc.stdin is not None and proc.stdout is not None
        stdin = proc.stdin

        def write(data: bytes) -> None:
            stdin.write(data)
            stdin.flush()

        return cls(proc.stdout.fileno(), write)

    @classmethod
    def tcp(cls, port: int, host: str = "127.0.0.1") -> Wire:
        sock = socket.create_connection((host, port), timeout=10)
        wire = cls(sock.fileno(), sock.sendall)
        wire.sock = sock  # type: ignore[attr-defined]  (kept alive with the wire)
        return wire

    def raw(self, data: bytes) -> None:
        self._write(data)

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode()
        self.raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: Any = None, timeout: float = 30.0
                ) -> dict[str, Any] | None:
        """Send a request; its answer (None: none came, or the connection closed)."""
        self.next_id += 1
        rid = self.next_id
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        for m in self.messages(timeout, want_id=rid):
            if m.get("id") == rid and "method" not in m:
                return m
        return None

    def messages(self, timeout: float, want_id: int | None = None) -> list[dict[str, Any]]:
        """Messages that arrive within ``timeout`` (or until ``want_id``'s answer);
        server-to-client requests (configuration, registrations) are answered."""
        out: list[dict[str, Any]] = []
        end = time.monotonic() + timeout
        while time.monotonic() < end and not self.closed:
            while b"\r\n\r\n" in self.buf:
                head, rest = self.buf.split(b"\r\n\r\n", 1)
                fields = dict(line.split(b":", 1) for line in head.split(b"\r\n"))
                length = int(fields[b"Content-Length"])
                if len(rest) < length:
                    break
                msg = json.loads(rest[:length])
                self.buf = rest[length:]
                self._answer(msg)
                out.append(msg)
            if want_id is not None and any(m.get("id") == want_id and "method" not in m
                                           for m in out):
                return out
            ready, _, _ = select.select([self.read_fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(self.read_fd, 1 << 16)
                except OSError:
                    chunk = b""
                if not chunk:
                    self.closed = True
                    break
                self.buf += chunk
        return out

    def _answer(self, msg: dict[str, Any]) -> None:
        if "method" in msg and "id" in msg:  # a request from the server
            result: Any = None
            if msg["method"] == "workspace/configuration":
                result = [getattr(self, "configuration", {}) for _ in msg["params"]["items"]]
            self.send({"jsonrpc": "2.0", "id": msg["id"], "result": result})

    # -- a session ---------------------------------------------------------------------------

    def initialize(self, init_options: dict[str, Any] | None, root: Path,
                   configuration: dict[str, Any] | None = None) -> dict[str, Any] | None:
        self.configuration = configuration or {}
        answer = self.request("initialize", {
            "processId": None,
            "rootUri": root.as_uri(),
            "capabilities": {"workspace": {"configuration": True}},
            "initializationOptions": init_options,
        })
        if answer is not None and "result" in answer:
            self.notify("initialized", {})
        return answer

    def open(self, path: Path, text: str) -> str:
        uri = path.as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1, "text": text}})
        return uri

    def hover(self, uri: str, line: int, character: int, timeout: float = 30.0) -> str | None:
        answer = self.request("textDocument/hover", {
            "textDocument": {"uri": uri}, "position": {"line": line, "character": character}},
            timeout)
        if answer is None or not answer.get("result"):
            return None
        return answer["result"]["contents"]["value"]

    def hover_until(self, uri: str, line: int, character: int, done: Any,
                    timeout: float = 30.0) -> str | None:
        end = time.monotonic() + timeout
        text = None
        while time.monotonic() < end:
            text = self.hover(uri, line, character, timeout=max(1.0, end - time.monotonic()))
            if done(text):
                return text
            time.sleep(0.1)
        return text

    def shutdown(self) -> None:
        self.request("shutdown", None, timeout=10)
        self.notify("exit")


def server(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
           command: list[str] | None = None) -> subprocess.Popen[bytes]:
    """``python -m lsp_server ARGS`` (or ``command`` + ARGS): pipes for stdin/stdout,
    stderr in a file (`stderr_of`), so a chatty server never blocks on it."""
    argv = (command or [sys.executable, "-m", "lsp_server"]) + list(args)
    err = tempfile.TemporaryFile()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                            cwd=cwd or ROOT, env=env)
    proc.err = err  # type: ignore[attr-defined]
    return proc


def stderr_of(proc: subprocess.Popen[bytes]) -> str:
    err = proc.err  # type: ignore[attr-defined]
    err.seek(0)
    return err.read().decode("utf-8", "replace")


def stop(proc: subprocess.Popen[bytes]) -> str:
    """End the server process; its stderr."""
    try:
        if proc.stdin:
            proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return stderr_of(proc)

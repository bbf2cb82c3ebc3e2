"""Malformed JSON-RPC written straight to the server's stdin (no pytest-lsp: it only
sends well-formed messages). After each bad message a hover must be answered."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from typing import Any

import pytest
from conftest import ROOT, TALLY


class Raw:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lsp_server", "--stdio"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
        )
        self.buf = b""
        self.next_id = 1000

    def write(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode()
        self.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def messages(self, timeout: float, want_id: int | None = None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        end = time.monotonic() + timeout
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while time.monotonic() < end:
            while b"\r\n\r\n" in self.buf:
                head, rest = self.buf.split(b"\r\n\r\n", 1)
                fields = dict(line.split(b":", 1) for line in head.split(b"\r\n"))
                length = int(fields[b"Content-Length"])
                if len(rest) < length:
                    break
                out.append(json.loads(rest[:length]))
                self.buf = rest[length:]
            if want_id is not None and any(m.get("id") == want_id for m in out):
                return out
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    break
                self.buf += chunk
        return out

    def hover(self, timeout: float = 15.0) -> dict[str, Any] | None:
        self.next_id += 1
        self.send(
            {
                "jsonrpc": "2.0",
                "id": self.next_id,
                "method": "textDocument/hover",
                "params": {
                    "textDocument": {"uri": "file:///robust/a.py"},
                    "position": {"line": 0, "character": 4},
                },
            }
        )
        for m in self.messages(timeout, self.next_id):
            if m.get("id") == self.next_id:
                return m
        return None

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


@pytest.fixture(scope="module")
def raw():
    r = Raw()
    r.send(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "processId": None,
                "rootUri": None,
                "capabilities": {},
                "initializationOptions": {"trusted": False, "execution": "never"},
            },
        }
    )
    assert r.messages(30, 1)
    r.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    r.send(
        {
            "jsonrpc": "2.0",
            "method": "textDocument/didOpen",
            "params": {
                "textDocument": {
                    "uri": "file:///robust/a.py",
                    "languageId": "python",
                    "version": 1,
                    "text": "def f(x=1.0):\n    return x * x\n",
                }
            },
        }
    )
    yield r
    r.close()


def _framed(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


MALFORMED = {
    "bad json": _framed(b'{"jsonrpc": "2.0", "id": '),
    "not an object": _framed(b"[1, 2, 3]"),
    "a bare number": _framed(b"42"),
    "not utf-8": _framed(b"\xff\xfe\x00\x01"),
    "empty body": _framed(b""),
    "no id, no method": _framed(b'{"jsonrpc": "2.0"}'),
    "wrong jsonrpc version": _framed(b'{"jsonrpc": "1.0", "id": 5, "method": "x"}'),
    "result for an unknown id": _framed(b'{"jsonrpc": "2.0", "id": 999999, "result": 1}'),
    "unknown method": _framed(b'{"jsonrpc": "2.0", "id": 6, "method": "no/such"}'),
    "unknown notification": _framed(b'{"jsonrpc": "2.0", "method": "no/such"}'),
    "hover without params": _framed(b'{"jsonrpc": "2.0", "id": 7, "method": "textDocument/hover"}'),
    "hover with wrong types": _framed(
        b'{"jsonrpc": "2.0", "id": 8, "method": "textDocument/hover",'
        b' "params": {"textDocument": 5, "position": "here"}}'
    ),
    "negative position": _framed(
        b'{"jsonrpc": "2.0", "id": 9, "method": "textDocument/hover", "params":'
        b' {"textDocument": {"uri": "file:///robust/a.py"},'
        b' "position": {"line": -1, "character": -5}}}'
    ),
    "didChange with garbage": _framed(
        b'{"jsonrpc": "2.0", "method": "textDocument/didChange",'
        b' "params": {"textDocument": {"uri": "file:///robust/a.py"}, "contentChanges": 7}}'
    ),
    "didOpen without text": _framed(
        b'{"jsonrpc": "2.0", "method": "textDocument/didOpen",'
        b' "params": {"textDocument": {"uri": "file:///robust/b.py"}}}'
    ),
    "cancel for nothing": _framed(
        b'{"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": "nope"}}'
    ),
    "header without length": b"Content-Type: application/json\r\n\r\n",
    "garbage header line": b"Garbage\r\n\r\n",
    "non-numeric length": b"Content-Length: many\r\n\r\n",
    "negative length": b"Content-Length: -5\r\n\r\n",
    "huge body": _framed(
        b'{"jsonrpc": "2.0", "method": "x", "params": "' + b"a" * 5_000_000 + b'"}'
    ),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_message_then_a_hover_is_answered(raw: Raw, name: str) -> None:
    raw.write(MALFORMED[name])
    answer = raw.hover()
    assert raw.proc.poll() is None, "the server exited"
    assert answer is not None, f"no answer to a hover after: {name}"
    assert "error" not in answer and "f" in json.dumps(answer["result"]), answer
    TALLY["protocol abuse: malformed messages"] += 1


@pytest.mark.parametrize("error", ["too short", "too long"])
def test_a_wrong_content_length_costs_at_most_the_next_message(error: str) -> None:
    r = Raw()
    try:
        r.send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}})
        assert r.messages(30, 1)
        r.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        body = json.dumps({"jsonrpc": "2.0", "method": "no/such", "params": {}}).encode()
        wrong = len(body) - 10 if error == "too short" else len(body) + 10
        r.write(b"Content-Length: %d\r\n\r\n" % wrong + body)
        answers = [r.hover(timeout=3.0) for _ in range(3)]
        assert r.proc.poll() is None
        assert answers[-1] is not None, answers
    finally:
        r.close()


def test_the_server_survives_a_wrong_content_length() -> None:
    # What does hold today: the process neither crashes nor spins.
    r = Raw()
    try:
        r.send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}})
        assert r.messages(30, 1)
        r.write(b"Content-Length: 5\r\n\r\n" + b'{"jsonrpc": "2.0", "method": "x"}')
        r.hover(timeout=1.0)
        assert r.proc.poll() is None
    finally:
        r.close()
    TALLY["protocol abuse: malformed messages"] += 1

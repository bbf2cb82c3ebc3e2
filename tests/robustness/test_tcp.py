"""``adlens serve --tcp``, attacked as another local user or a web page would
(issue 15, finding 2): only loopback addresses, a per-session token the client must
present in its first message, one client at a time, and nothing but LSP."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, TALLY
from lsp_wire import Wire, server, stderr_of, stop

SOURCE = "def g(x=2.0):\n    return x ** 3\n"
CARD = "∂g/∂x | `12"


@pytest.mark.parametrize("where", ["0.0.0.0:0", "[::]:0", "192.0.2.1:2087", "example.com:80"])
def test_tcp_refuses_addresses_other_than_loopback(where: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "lsp_server", "--tcp", where],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 2, proc.stderr
    assert "loopback" in proc.stderr
    TALLY["tcp attacks refused"] += 1


def _listening(proc: subprocess.Popen[bytes], timeout: float = 30.0) -> tuple[str, int]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = re.search(r"listening on \[?([^\]\s]+?)\]?:(\d+) ", stderr_of(proc))
        if found:
            return found.group(1), int(found.group(2))
        assert proc.poll() is None, stderr_of(proc)
        time.sleep(0.05)
    raise AssertionError(f"the server never listened: {stderr_of(proc)}")


@pytest.fixture(scope="module")
def tcp_server(tmp_path_factory: pytest.TempPathFactory):
    token_file = tmp_path_factory.mktemp("token") / "session.token"
    env = {k: v for k, v in os.environ.items() if k != "ADLENS_TCP_TOKEN"}
    proc = server("--tcp", "127.0.0.1:0", "--token-file", str(token_file), env=env)
    _, port = _listening(proc)
    yield proc, port, token_file.read_text().strip(), token_file
    stop(proc)


def _closed_without_answer(wire: Wire, timeout: float = 15.0) -> bool:
    """The server closed the connection and sent nothing."""
    got = wire.messages(timeout)
    return wire.closed and got == []


def test_the_token_file_is_private(tcp_server) -> None:
    _, _, token, token_file = tcp_server
    assert len(token) >= 32
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600


def test_an_http_request_gets_no_answer(tcp_server) -> None:
    # What a web page's fetch() to 127.0.0.1 sends: it must not reach the server.
    _, port, _, _ = tcp_server
    wire = Wire.tcp(port)
    body = (b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{},'
            b'"initializationOptions":{"execution":"always"}}}')
    wire.raw(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
             b"Content-Length: %d\r\n\r\n" % len(body) + body)
    assert _closed_without_answer(wire)
    TALLY["tcp attacks refused"] += 1


@pytest.mark.parametrize("options", [None, {}, {"execution": "always"},
                                     {"token": "guess", "execution": "always"},
                                     {"token": 12345}])
def test_a_client_without_the_token_is_refused(tcp_server, options) -> None:
    _, port, _, _ = tcp_server
    wire = Wire.tcp(port)
    wire.send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
               "params": {"capabilities": {}, "initializationOptions": options}})
    assert _closed_without_answer(wire)
    TALLY["tcp attacks refused"] += 1


def test_garbage_and_a_request_before_initialize_are_refused(tcp_server) -> None:
    _, port, token, _ = tcp_server
    for data in (b"\x00" * 64, b"Content-Length: 5\r\n\r\nhello",
                 b'Content-Length: 60\r\n\r\n{"jsonrpc":"2.0","id":1,"method":"shutdown",'
                 b'"params":null}    '):
        wire = Wire.tcp(port)
        wire.raw(data)
        assert _closed_without_answer(wire), data
    TALLY["tcp attacks refused"] += 3


def test_one_client_at_a_time_and_its_replies_stay_its_own(tcp_server, tmp_path: Path) -> None:
    proc, port, token, _ = tcp_server
    client = Wire.tcp(port)
    answer = client.initialize({"token": token, "trusted": True, "execution": "trusted"},
                               tmp_path)
    assert answer is not None and "result" in answer, stderr_of(proc)
    uri = client.open(tmp_path / "model.py", SOURCE)
    assert CARD in (client.hover_until(uri, 0, 5, lambda t: bool(t and CARD in t)) or "")

    # A second connection, even one holding the token, is closed at once: it can
    # neither read the first client's replies nor send requests in its name.
    thief = Wire.tcp(port)
    thief.initialize({"token": token, "trusted": True, "execution": "always"}, tmp_path)
    assert thief.closed
    again = Wire.tcp(port)
    again.send({"jsonrpc": "2.0", "id": 7, "method": "textDocument/hover",
                "params": {"textDocument": {"uri": uri}, "position": {"line": 0,
                                                                        "character": 5}}})
    assert _closed_without_answer(again, 5.0)

    # ... and the first client is still served, every reply its own.
    assert CARD in (client.hover(uri, 0, 5) or "")
    client.shutdown()
    TALLY["tcp attacks refused"] += 2


def test_the_token_can_come_from_the_environment(tmp_path: Path) -> None:
    env = {**os.environ, "ADLENS_TCP_TOKEN": "from-the-launcher-0123456789abcdef"}
    proc = server("--tcp", "localhost:0", env=env)
    try:
        host, port = _listening(proc)
        assert "ADLENS_TCP_TOKEN" in stderr_of(proc)
        wire = Wire.tcp(port, host)
        answer = wire.initialize({"token": "from-the-launcher-0123456789abcdef"}, tmp_path)
        assert answer is not None and "result" in answer
        wire.shutdown()
    finally:
        stop(proc)

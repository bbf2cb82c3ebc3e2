"""The wire, kept apart from the features: command cancellation, a stdin that survives
a wrong Content-Length, logs that go to the client, and the TCP listener (loopback
only, one authenticated client)."""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import re
import socket
import threading
from collections.abc import Callable
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

logger = logging.getLogger("adlens.server")


class AdLensProtocol(LanguageServerProtocol):
    """Makes `$/cancelRequest` reach `workspace/executeCommand` work.

    pygls runs a command as a sub-task under a fresh id; cancelling the request only
    answers -32800 and leaves the command running (see lsp-facts.md). Commands
    register their work here under the request id, and cancelling cancels it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cancellable: dict[Any, asyncio.Future[Any]] = {}

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        super()._handle_cancel_notification(msg_id)
        if (work := self.cancellable.pop(msg_id, None)) is not None:
            work.cancel()


class ResyncingStdin:
    """stdin for pygls's reader, which only accepts ``Content-Length`` at the start of a
    line: after a message with a wrong length, its leftover bytes are glued to the next
    header and, unaided, every later message is lost. Dropping what precedes the header
    costs the broken message and at most the one after it."""

    _HEADER = b"Content-Length:"

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def readline(self) -> bytes:
        line = self.raw.readline()
        i = line.find(self._HEADER)
        return line[i:] if i > 0 else line

    def read(self, n: int) -> bytes:
        return self.raw.read(n)


class ClientLogHandler(logging.Handler):
    """Logs go to the client's log (window/logMessage) with their level: a client shows
    everything on stderr as an error. Records from other threads hop onto the loop."""

    _TYPES = {logging.ERROR: types.MessageType.Error, logging.WARNING: types.MessageType.Warning,
              logging.INFO: types.MessageType.Info}

    def __init__(self, ls: LanguageServer, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.ls = ls
        self.loop = loop

    def emit(self, record: logging.LogRecord) -> None:
        try:
            kind = self._TYPES.get(record.levelno, types.MessageType.Log)
            params = types.LogMessageParams(type=kind, message=self.format(record))
            self.loop.call_soon_threadsafe(self.ls.window_log_message, params)
        except Exception:  # logging must never take the server down
            self.handleError(record)


# -- TCP ----------------------------------------------------------------------------------------

FIRST_MESSAGE_TIMEOUT = 10.0  # a connection that has not authenticated by then is closed
FIRST_MESSAGE_LIMIT = 1 << 20
_HEADER_LINE = re.compile(rb"^(Content-Length: (\d+)|Content-Type: [\x20-\x7e]*)\r\n$")


def is_loopback(host: str) -> bool:
    """Every address ``host`` resolves to is a loopback address (127.0.0.0/8, ::1)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return False
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(
        ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


class _Replay:
    """A stream reader that first gives back bytes already read (the first message,
    authenticated, token removed), then reads on. What pygls's reader loop needs."""

    def __init__(self, first: bytes, reader: asyncio.StreamReader) -> None:
        self.buf = first
        self.reader = reader

    async def readline(self) -> bytes:
        if self.buf:
            i = self.buf.find(b"\n")
            if i >= 0:
                line, self.buf = self.buf[: i + 1], self.buf[i + 1 :]
                return line
            line, self.buf = self.buf, b""
            return line + await self.reader.readline()
        return await self.reader.readline()

    async def readexactly(self, n: int) -> bytes:
        head, self.buf = self.buf[:n], self.buf[n:]
        if len(head) < n:
            head += await self.reader.readexactly(n - len(head))
        return head


async def _first_message(reader: asyncio.StreamReader, token: str) -> bytes | None:
    """The client's first message, re-encoded without its token, if it is an LSP
    ``initialize`` carrying ``initializationOptions.token`` equal to ``token``; None
    for anything else (an HTTP request, a wrong or missing token, garbage)."""
    length = None
    for _ in range(4):
        line = await reader.readline()
        if line == b"\r\n":
            break
        match = _HEADER_LINE.match(line)
        if match is None:
            return None  # not an LSP header: "POST / HTTP/1.1", say
        if match.group(2) is not None:
            length = int(match.group(2))
    else:
        return None
    if length is None or length > FIRST_MESSAGE_LIMIT:
        return None
    try:
        message = json.loads(await reader.readexactly(length))
        options = message["params"]["initializationOptions"]
        presented = options.pop("token")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if message.get("method") != "initialize" or not isinstance(presented, str) \
            or not hmac.compare_digest(presented.encode(), token.encode()):
        return None
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def serve_tcp(ls: LanguageServer, host: str, port: int, token: str,
              on_listening: Callable[[str, int], None]) -> None:
    """Serve one client over TCP on a loopback address, then stop.

    The client must open with ``initialize`` whose ``initializationOptions.token`` is
    ``token``; any other first message (an HTTP request from a web page, another
    user's process guessing) closes its connection, and a connection that sends
    nothing is closed after `FIRST_MESSAGE_TIMEOUT`. Once a client is in, every other
    connection is closed at once: nobody else can read its replies or send it
    requests. When it disconnects, the server ends (as with stdio).
    """
    if not is_loopback(host):
        raise ValueError(f"{host} is not a loopback address")
    # one address (``localhost`` resolves to two): with port 0 each would get its own
    host = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)[0][4][0]
    from pygls.io_ import run_async

    session: dict[str, Any] = {}

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if session:
            writer.close()
            return
        try:
            first = await asyncio.wait_for(_first_message(reader, token), FIRST_MESSAGE_TIMEOUT)
        except (asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ValueError, OSError):
            first = None
        if first is None or session:
            logger.warning("tcp: refused a connection that did not authenticate")
            writer.close()
            return
        session["writer"] = writer
        ls.protocol.set_writer(writer)  # type: ignore[arg-type]
        try:
            await run_async(stop_event=ls._stop_event, reader=_Replay(first, reader),
                            protocol=ls.protocol, logger=logger,
                            error_handler=ls.report_server_error)
        finally:
            ls.shutdown()

    async def main() -> None:
        ls._stop_event = threading.Event()
        server = await asyncio.start_server(connection, host, port)
        ls._server = server
        on_listening(host, server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    try:
        asyncio.run(main())
    except asyncio.CancelledError:
        pass

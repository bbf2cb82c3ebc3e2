"""Workarounds at the wire, kept apart from the features: command cancellation, a
stdin that survives a wrong Content-Length, and logs that go to the client."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol


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

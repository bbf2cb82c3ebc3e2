"""Length-prefixed JSON frames: 4-byte big-endian length, then UTF-8 JSON.

Frames travel over Unix sockets, never over a descriptor user code holds: the
server's channel ends in the kernel's main process (the zygote, which never runs user
code), and each request's process writes its answer to a socket of its own (see
`worker`). A socket, unlike a pipe, cannot be reopened through ``/proc/PID/fd``.
"""

from __future__ import annotations

import json
import os
import struct
from typing import Any

_HEADER = struct.Struct(">I")
MAX_FRAME = 64 << 20  # a frame larger than this is a protocol error, not a message


class ProtocolError(Exception):
    """The other side sent something that is not a frame (or hung up)."""


def encode(message: dict[str, Any]) -> bytes:
    # NaN/Infinity are allowed here: both ends are Python's json module
    body = json.dumps(message, separators=(",", ":")).encode("utf-8", "surrogatepass")
    return _HEADER.pack(len(body)) + body


def decode(body: bytes) -> dict[str, Any]:
    try:
        msg = json.loads(body.decode("utf-8", "surrogatepass"))
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        raise ProtocolError(f"bad frame: {e}") from None
    if not isinstance(msg, dict):
        raise ProtocolError("bad frame: not an object")
    return msg


def write_frame(fd: int, message: dict[str, Any]) -> None:
    write_bytes(fd, encode(message))


def write_bytes(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def read_exact(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise ProtocolError("channel closed")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, max_frame: int = MAX_FRAME) -> dict[str, Any]:
    (size,) = _HEADER.unpack(read_exact(fd, _HEADER.size))
    if size > max_frame:
        raise ProtocolError(f"frame of {size} bytes")
    return decode(read_exact(fd, size))


class FrameReader:
    """Incremental reader for a non-blocking side: feed bytes, take frames. A frame
    announced larger than ``max_frame`` is a `ProtocolError` before its body arrives."""

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self._buf = bytearray()
        self.max_frame = max_frame
        self.received = 0  # bytes fed so far

    def feed(self, data: bytes) -> None:
        self._buf += data
        self.received += len(data)

    def frames(self) -> list[dict[str, Any]]:
        out = []
        while len(self._buf) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self._buf)
            if size > self.max_frame:
                raise ProtocolError(f"frame of {size} bytes")
            if len(self._buf) < _HEADER.size + size:
                break
            body = bytes(self._buf[_HEADER.size : _HEADER.size + size])
            del self._buf[: _HEADER.size + size]
            out.append(decode(body))
        return out

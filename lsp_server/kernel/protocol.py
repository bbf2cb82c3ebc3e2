"""Length-prefixed JSON frames: 4-byte big-endian length, then UTF-8 JSON.

Frames travel over the worker's original stdin/stdout pipes, which the worker
moves to private descriptors before any user code runs; user ``print`` (even
``os.write(1, ...)``) then lands in /dev/null and cannot corrupt the channel.
"""

from __future__ import annotations

import json
import os
import struct
from typing import Any

_HEADER = struct.Struct(">I")
MAX_FRAME = 256 << 20  # a frame larger than this is a protocol error, not a message


class ProtocolError(Exception):
    """The other side sent something that is not a frame (or hung up)."""


def encode(message: dict[str, Any]) -> bytes:
    # NaN/Infinity are allowed here: both ends are Python's json module
    body = json.dumps(message, separators=(",", ":")).encode("utf-8", "surrogatepass")
    return _HEADER.pack(len(body)) + body


def decode(body: bytes) -> dict[str, Any]:
    try:
        msg = json.loads(body.decode("utf-8", "surrogatepass"))
    except (ValueError, UnicodeDecodeError) as e:
        raise ProtocolError(f"bad frame: {e}") from None
    if not isinstance(msg, dict):
        raise ProtocolError("bad frame: not an object")
    return msg


def write_frame(fd: int, message: dict[str, Any]) -> None:
    data = memoryview(encode(message))
    while data:
        n = os.write(fd, data)
        data = data[n:]


def read_exact(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise ProtocolError("channel closed")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> dict[str, Any]:
    (size,) = _HEADER.unpack(read_exact(fd, _HEADER.size))
    if size > MAX_FRAME:
        raise ProtocolError(f"frame of {size} bytes")
    return decode(read_exact(fd, size))


class FrameReader:
    """Incremental reader for a non-blocking parent: feed bytes, take frames."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> None:
        self._buf += data

    def frames(self) -> list[dict[str, Any]]:
        out = []
        while len(self._buf) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self._buf)
            if size > MAX_FRAME:
                raise ProtocolError(f"frame of {size} bytes")
            if len(self._buf) < _HEADER.size + size:
                break
            body = bytes(self._buf[_HEADER.size : _HEADER.size + size])
            del self._buf[: _HEADER.size + size]
            out.append(decode(body))
        return out

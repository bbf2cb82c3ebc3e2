"""The language server: pygls wiring only.

- `features`: one decorated ``async def`` per LSP feature;
- `server`: `AdLensServer`, the state the features share;
- `documents`, `positions`: open documents and UTF-16 <-> code point columns;
- `settings`: the ``adlens`` configuration section;
- `transport`: workarounds at the wire (command cancellation, stdin resync, logs).

Started by `lsp_server.cli` (``adlens serve``, ``python -m lsp_server``) through `serve`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from .features import server
from .transport import ResyncingStdin, serve_tcp

__all__ = ["serve", "server"]


def serve(tcp: tuple[str, int] | None = None, log_level: str = "info", token: str = "",
          on_listening: Callable[[str, int], None] = lambda host, port: None) -> None:
    """Run the server until the client says exit: stdio, or TCP on ``(host, port)`` (a
    loopback address; one client, which must present ``token``, see `serve_tcp`)."""
    # SymPy runs on a worker thread; a 1 ms switch interval (default 5 ms) hands the
    # GIL back to the event loop sooner, so replies are not held up behind it.
    sys.setswitchinterval(0.001)
    # stdout is the protocol pipe: logs go to stderr (clients show it in their log).
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("adlens").setLevel(log_level.upper())
    if tcp is not None:
        serve_tcp(server, tcp[0], tcp[1], token, on_listening)
    else:
        server.start_io(stdin=ResyncingStdin(sys.stdin.buffer))

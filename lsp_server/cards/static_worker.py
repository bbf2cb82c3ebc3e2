"""The static worker process: SymPy, the static estimate and expression printing for
the cards, out of the server's process (see `static`). It reads the text of files
that may be hostile but never runs their code; its limits are for the work itself:
a memory cap here, and the parent kills it at its deadline.

Frames in: ``{"op": "part" | "gradient_source", "input": StaticInput fields}``.
Frames out: ``{"ready": true}`` once, then one answer per question, ``{"ok": true,
"part": ...}`` / ``{"ok": true, "source": ...}`` or ``{"ok": false, "message": ...,
"restart"?: true}``.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from lsp_server.kernel import protocol, sandbox

from .static import StaticInput, compute_gradient_source, compute_part, encode_part


def answer(question: dict[str, Any]) -> dict[str, Any]:
    data = dict(question.get("input") or {})
    data["param_names"] = tuple(data.get("param_names", ()))
    data["slice_lines"] = tuple(data.get("slice_lines", ()))
    fn = StaticInput(**data)
    if question.get("op") == "gradient_source":
        try:
            return {"ok": True, "source": compute_gradient_source(fn)}
        except ValueError as e:
            return {"ok": False, "message": str(e)}
    return {"ok": True, "part": encode_part(compute_part(fn))}


def serve(channel: int) -> None:
    while True:
        try:
            question = protocol.read_frame(channel)
        except protocol.ProtocolError:
            return
        try:
            reply = answer(question)
        except MemoryError:
            reply = {"ok": False, "message": "the static analysis ran out of memory",
                     "restart": True}
        except RecursionError:
            reply = {"ok": False, "message": "the expression is nested too deeply"}
        except Exception as e:  # a bug in the symbolic path: one card says so, not all
            if isinstance(e, ValueError) and "digits" in str(e):
                why = "a number with more than 4300 digits, too large to print"
            else:
                why = f"{type(e).__name__}: {e}"
            reply = {"ok": False, "message": f"the static analysis failed: {why}"[:600]}
        try:
            protocol.write_frame(channel, reply)
        except (TypeError, ValueError) as e:
            protocol.write_frame(channel, {"ok": False, "message": f"unencodable: {e}"})
        if reply.get("restart"):
            os._exit(3)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="lsp_server.cards.static_worker")
    parser.add_argument("--channel", type=int, required=True)
    parser.add_argument("--memory-limit", type=int, default=2 << 30)
    opts = parser.parse_args(argv)
    sandbox.limit_resources(opts.memory_limit)
    import ad_core.symbolic  # noqa: F401  (SymPy: the first question should not wait)

    protocol.write_frame(opts.channel, {"ready": True, "pid": os.getpid()})
    serve(opts.channel)


if __name__ == "__main__":
    main()

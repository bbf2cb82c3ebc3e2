"""``ast.parse`` that is safe to call from several threads at once.

CPython 3.11 keeps the AST converter's recursion-depth counter in the ``_ast``
module's global state, so two threads parsing at the same time (the editor's
analysis thread and its SymPy thread) can fail with ``SystemError: AST
constructor recursion depth mismatch``. One lock serialises the parses; the
retry covers callers that parse without it (a library, say).
"""

from __future__ import annotations

import ast
import threading

_lock = threading.Lock()


def parse(source: str, mode: str = "exec") -> ast.AST:
    """``ast.parse(source, mode=mode)``, serialised; raises what ``ast.parse`` raises."""
    for attempt in range(3):
        try:
            with _lock:
                return ast.parse(source, mode=mode)
        except SystemError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")

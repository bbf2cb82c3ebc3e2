"""`python -m lsp_server [--stdio | --tcp HOST:PORT]`: start the AD Lens language server.

The same arguments as ``adlens serve``: one parser, `lsp_server.cli.serve_arguments`.

``python -m`` puts the current folder first on ``sys.path`` before any of our code
runs: started from inside a repository, the server's own ``import argparse`` would
run the repository's ``argparse.py``. The first statements below take that entry off
again, before anything else is imported (``sys`` is built in). What this cannot
undo: Python looks for the ``lsp_server`` package itself in the current folder first,
so a folder holding its own ``lsp_server/`` runs that instead. ``adlens serve`` and
``python -P -m lsp_server`` (Python 3.11+) never put the current folder on the path.
"""

import sys

if not getattr(sys.flags, "safe_path", False) and sys.path:
    _first = sys.path.pop(0)  # the current folder, put there by -m
    import os  # noqa: E402  (after the pop: found among the built-in/standard modules)

    _home = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if os.path.abspath(_first or os.curdir) == _home and _home not in sys.path:
        sys.path.append(_home)  # run from a source checkout: still importable, stdlib first

from lsp_server.cli import serve_main  # noqa: E402

if __name__ == "__main__":
    sys.exit(serve_main(prog="python -m lsp_server"))

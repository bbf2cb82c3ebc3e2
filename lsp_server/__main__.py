"""`python -m lsp_server [--stdio | --tcp HOST:PORT]`: start the AD Lens language server.

The same arguments as ``adlens serve``: one parser, `lsp_server.cli.serve_arguments`.
"""

import sys

from lsp_server.cli import serve_main

if __name__ == "__main__":
    sys.exit(serve_main(prog="python -m lsp_server"))

"""`python -m lsp_server [--stdio | --tcp HOST:PORT]`: start the AD Lens language server."""

import sys

from lsp_server.server import main

if __name__ == "__main__":
    sys.exit(main())

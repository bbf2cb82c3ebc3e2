"""AD Lens language server, kernel and CLI.

Data flows one way through the subpackages (see docs/architecture.md):
``analysis`` (text -> model, pure) -> ``kernel`` (the process boundary: user code runs
only there) -> ``cards`` (static part + kernel pieces) -> ``render`` (Markdown, text,
JSON, lens titles, diagnostics) -> ``lsp`` (pygls) or ``cli`` (``adlens check``,
``adlens serve``). Underneath: ``execution`` (whether user code may run) and ``tasks``
(asyncio plumbing). Importing this package imports nothing else.
"""

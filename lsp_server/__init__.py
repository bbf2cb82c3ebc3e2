"""AD Lens language server, kernel and CLI.

The layers (see docs/architecture.md): ``analysis`` (text -> model, pure),
``kernel`` (runs user code in a separate process), ``cards`` (static + kernel
results), ``render`` (Markdown / text / JSON), ``cli`` and ``server``.
"""

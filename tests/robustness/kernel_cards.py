"""The cards of every function of a source, computed by a fresh kernel that is closed
afterwards (imported by name by the robustness tests, like `oracle`)."""

from __future__ import annotations

from lsp_server.analysis import analyze
from lsp_server.cards import Card, CardService
from lsp_server.kernel import KernelPool


def all_cards(source: str, time_limit: float = 5.0) -> dict[str, Card]:
    """Card of each function of ``source`` (execution on), by function name. The kernel
    starts here: it inherits the environment as it is now."""
    kernel = KernelPool(1, time_limit=time_limit)
    try:
        svc = CardService(kernel, execution="always")
        model = analyze(source)
        return {fn.name: svc.card_sync(model, fn.name) for fn in model.functions}
    finally:
        kernel.close()

"""Every card of a source, through a real kernel pool (imported by name, like
`conftest_server`): the module fixtures of the kernel-level card tests call this."""

from __future__ import annotations

from lsp_server.analysis import analyze
from lsp_server.cards import CardService
from lsp_server.cards.model import Card
from lsp_server.kernel import KernelPool


def cards_of(src: str, time_limit: float = 20.0) -> dict[str, Card]:
    """{function name: its card}, the kernel run as a trusted workspace would run it."""
    pool = KernelPool(1, time_limit=time_limit)
    try:
        svc = CardService(pool, execution="always")
        model = analyze(src)
        return {f.name: svc.card_sync(model, f.name) for f in model.functions}
    finally:
        pool.close()

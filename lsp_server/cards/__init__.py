"""Cards: what AD Lens knows about one function, built from the static part and the
kernel's pieces.

- `model`: the `Card` dataclasses;
- `static`: the static part (``ad_core.symbolic``, ``ad_core.cost.static_estimate``), computed
  in the `static_worker` process;
- `merge`: `build_card`, static part + kernel result -> `Card`;
- `service`: `CardService`, one card now (the CLI, commands);
- `scheduler`: `CardScheduler`, the server's cards as tasks (reuse, staleness, urgency);
- `transform`: the code ``ad.sct`` generates for a function (a kernel request, not a card).

    >>> svc = CardService(None, execution="never")
    >>> svc.card_sync(analyze("def f(x):\\n    return x * x\\n"), "f").expressions.partials
    {'x': '2·x'}
"""

from lsp_server.analysis import analyze

from .merge import build_card
from .model import Card, Expressions, PointInfo, ProblemInfo
from .scheduler import CardScheduler
from .service import CardService
from .static import gradient_source
from .transform import transformed, transformed_sync

__all__ = [
    "Card",
    "CardScheduler",
    "CardService",
    "Expressions",
    "PointInfo",
    "ProblemInfo",
    "analyze",
    "build_card",
    "gradient_source",
    "transformed",
    "transformed_sync",
]

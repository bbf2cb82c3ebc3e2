"""The code ``ad.sct`` writes for a function (source transformation), from the kernel.

Not a card: a one-off kernel request (op ``"sct"``) for a command, the generated
source of ``f`` specialised to its point, with the document line of each generated
line. ``ad.sct`` needs the live function (it reads the source of the module slice the
kernel ran), so it runs only where code may run (`CardService.executes`).

    >>> svc = CardService(None, execution="never")
    >>> fn = analyze("def f(x=1.0):\\n    return x * x\\n").function("f")
    >>> transformed_sync(svc, fn).message.startswith("source transformation needs")
    True
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from lsp_server.analysis import FunctionInfo, Point, analyze  # noqa: F401  (analyze: doctest)
from lsp_server.kernel import Request, Result
from lsp_server.kernel.schema import Failure, Transformed
from lsp_server.tasks import Urgency

from .service import CardService

Mode = Literal["reverse", "forward"]


def transform_request(fn: FunctionInfo, point: Point, path: str | None, mode: Mode) -> Request:
    """The card's request (a method's instance, the held parameters), asking for the code
    of ``fn`` itself: a hand-written derivative is transformed as any function."""
    card = CardService.request(fn, point, path)
    return dataclasses.replace(card, gradient_of=None, kind="derivative", wrt=(),
                               target_point=None, target_returns_gradient=False,
                               op="sct", mode=mode)


def _refused(service: CardService) -> Failure:
    return Failure("source transformation needs to run the module's definitions (ad.sct reads "
                   f"the live function): {service.why_static}")


def _piece(result: Result) -> Transformed | Failure:
    piece = result.pieces.get("transformed")
    if isinstance(piece, (Transformed, Failure)):
        return piece
    if result.error is not None:
        return result.error
    return Failure(result.message or f"the kernel answered {result.status}")


async def transformed(service: CardService, fn: FunctionInfo, point: Point | None = None,
                      path: str | None = None, mode: Mode = "reverse",
                      urgency: Urgency | None = None) -> Transformed | Failure:
    """The generated code of ``fn`` at ``point`` (its own by default), or why not."""
    if not service.executes or service.kernels is None:
        return _refused(service)
    request = transform_request(fn, point or fn.point, path, mode)
    return _piece(await service.kernels.run(request, urgency or Urgency(True)))


def transformed_sync(service: CardService, fn: FunctionInfo, point: Point | None = None,
                     path: str | None = None, mode: Mode = "reverse") -> Transformed | Failure:
    """`transformed`, blocking (the CLI)."""
    if not service.executes or service.kernels is None:
        return _refused(service)
    return _piece(service.kernels.run_sync(transform_request(fn, point or fn.point, path, mode)))

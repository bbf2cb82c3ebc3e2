"""The one rule that decides whether AD Lens runs the user's code.

Every caller (the language server's settings, the card service, ``adlens check``)
asks `runs_code`; nothing else compares execution settings with trust.

    >>> runs_code("trusted", trusted=True), runs_code("trusted", trusted=False)
    (True, False)
    >>> why_static("trusted", trusted=False)
    'the workspace is not trusted: static analysis only (trust it to run code)'
    >>> lowest("trusted", "always"), lowest("always", "never")
    ('trusted', 'never')
"""

from __future__ import annotations

from typing import Literal

Execution = Literal["trusted", "always", "never"]
EXECUTIONS: tuple[Execution, ...] = ("trusted", "always", "never")


def lowest(startup: Execution, configured: Execution | None) -> Execution:
    """The execution mode in force: the client's start-up choice, lowered (never raised)
    by the configuration. Only the start-up options (what launched the server, which
    knows about workspace trust) may allow code to run: configuration can come from a
    settings file inside the repository."""
    if configured is None:
        return startup
    return min(startup, configured, key=EXECUTIONS_BY_RISK.index)


EXECUTIONS_BY_RISK: tuple[Execution, ...] = ("never", "trusted", "always")


def runs_code(execution: Execution, trusted: bool) -> bool:
    """Whether user code may run: ``"always"``, or ``"trusted"`` in a trusted workspace."""
    return execution == "always" or (execution == "trusted" and trusted)


def why_static(execution: Execution, trusted: bool) -> str:
    """What a card says when `runs_code` is False: why, and what unlocks the values."""
    if execution == "never":
        return "code execution is off (adlens.execution = never): static analysis only"
    if not trusted:
        return "the workspace is not trusted: static analysis only (trust it to run code)"
    return "static analysis only"

"""The card: everything AD Lens knows about one function, as plain dataclasses.

A card holds the static part (derivative expressions and a static cost, from the
text, never running code) and the kernel's pieces (value, gradient, check, measured
cost, trace, plot), each the `lsp_server.kernel.schema` dataclass the kernel sent.
A section that is absent is None, and ``missing`` says why (a `Failure`: message and
line); so one failing piece shows as "unavailable: <why>" and the rest of the card
stands. ``status == "pending"`` (``card.pending``) is the one way to say that the
kernel's part is still being computed.

JSON-able with `dataclasses.asdict` (`lsp_server.render.to_json` adds the schema).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from lsp_server.kernel.schema import (
    Check,
    Cost,
    Debug,
    Failure,
    Gradient,
    Pairing,
    Plot,
    Probe,
    SctCheck,
    Trace,
    Value,
)

CardStatus = Literal["ok", "pending", "static", "timeout", "oom", "crashed", "error"]

#: The sections the kernel fills, in the order the cards show them.
KERNEL_SECTIONS = ("value", "gradient", "check", "cost", "trace", "plot", "debug", "sct")
#: The sections a hand-written derivative's card has from the kernel.
GRADIENT_SECTIONS = ("value", "pairing", "gradient", "check")


@dataclass
class PointInfo:
    text: str
    source: str  # "directive" | "defaults" | "doctest" | "synthetic" | "user"
    values: dict[str, Any]
    synthetic: list[str] = field(default_factory=list)  # names whose value was made up
    # the made-up point did not work and the kernel ran at another: how it was chosen
    # ("chosen after 1 failed attempt: at x=[0.5], ValueError: ..."); text and values are
    # then the point actually used
    note: str = ""


@dataclass
class Expressions:
    """Derivative expressions per parameter, printed by ``ad_core.symbolic``."""

    expr: str  # f itself
    partials: dict[str, str]
    shared: list[str] = field(default_factory=list)  # ["t₀ = …", …] when CSE reads shorter
    shared_partials: dict[str, str] = field(default_factory=dict)
    ops: int = 0  # operations in f
    partial_ops: int = 0  # operations in all partials: expression swell, shown not hidden
    errors: list[tuple[int | None, str]] = field(default_factory=list)  # (document line, why)


@dataclass
class FixInfo:
    """A text edit that resolves a problem (`lsp_server.analysis.Fix`): insert or replace
    ``text`` at the range; the editor offers it as a quick fix, the terminal prints it."""

    title: str
    line: int
    col: int
    end_line: int
    end_col: int
    text: str


@dataclass
class ProblemInfo:
    line: int
    col: int
    end_line: int
    end_col: int
    code: str
    message: str
    fix: FixInfo | None = None


@dataclass
class InstanceInfo:
    """How a method's ``self`` was built: ``Class(1.345)``, from "constructor",
    "directive" or "synthetic" (made-up arguments)."""

    text: str
    source: str
    note: str = ""  # another class was used: why ("AbstractFunction() raised ValueError: ...")


@dataclass
class Card:
    function: str
    kind: Literal["function", "gradient"]  # "gradient": a hand-written derivative
    params: list[str]
    point: PointInfo
    status: CardStatus
    message: str = ""  # why the card is static, or what happened to the kernel request
    line: int = 0  # 0-based line of the def (file:line in the terminal)
    gradient_of: str | None = None
    rule: str = ""  # which convention paired it ("by name: the _der suffix")
    pairing: Pairing | None = None  # whether its output fits (the kernel's reading)
    instance: InstanceInfo | None = None  # a method's self
    held: list[str] = field(default_factory=list)  # parameters passed through (const=)
    unreached: list[str] = field(default_factory=list)  # held: they cannot reach the result
    expressions: Expressions | None = None
    value: Value | None = None
    gradient: Gradient | None = None
    check: Check | None = None  # for a hand-written derivative: the verdict on it
    cost: Cost | None = None  # measured when the kernel ran, else static
    trace: Trace | None = None
    plot: Plot | None = None
    debug: Debug | None = None  # variables and adjoints per statement, NaN provenance, traps
    sct: SctCheck | None = None  # source transformation (ad.sct.grad) against ad.grad
    probe: Probe | None = None  # the guessed point or instance did not work: what was tried
    missing: dict[str, Failure] = field(default_factory=dict)  # section -> why it is absent
    problems: list[ProblemInfo] = field(default_factory=list)  # static findings
    hints: list[ProblemInfo] = field(default_factory=list)  # from the run: what to give it
    error: Failure | None = None  # why the kernel request failed as a whole
    elapsed: float = 0.0  # seconds in the kernel

    @property
    def pending(self) -> bool:
        """The kernel's part is still being computed (the card shows the static part)."""
        return self.status == "pending"

    @property
    def paired(self) -> bool:
        """A hand-written derivative whose verdict counts: paired by a rule, and its
        output fits (or the kernel has not said otherwise)."""
        return self.kind == "gradient" and (self.pairing is None or self.pairing.fits)

    @property
    def target(self) -> str:
        """The function whose derivatives this card is about."""
        return self.gradient_of or self.function

    def why(self, section: str) -> str:
        """Why ``section`` is absent ("" when present, or nobody said)."""
        failure = self.missing.get(section)
        return failure.message if failure is not None else ""

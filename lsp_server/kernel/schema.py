"""What crosses the process boundary: one dataclass per request and per result piece.

The kernel (`compute.py`, in the kernel process) fills these; the card builder
(`lsp_server.cards`) reads them. Both sides import this module and nothing else
of each other's, so a field is named, typed and documented once.

On the wire (`protocol.py` frames, JSON) a piece is ``{"part": name, "ok": bool,
"data": {...}}``: ``ok`` true carries the piece, false a `Failure`. `encode` and
`decode` convert; `decode` rebuilds the nested dataclasses from their type hints.

Lines are 0-based *document* lines: the request carries the document line of each
slice line (`Request.lines`), and the kernel reports lines through it. Values are
JSON: floats, ints, strings, bools, None, nested lists, or ``{"repr": "..."}`` for
anything else (``{"complex": [re, im]}`` for a complex number).

    >>> decode_piece("gradient", True, encode(Gradient("reverse", {"x": 2.0}, {"x": []})))
    Gradient(mode='reverse', values={'x': 2.0}, shapes={'x': []})
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

Json = Any  # a JSON value, see the module docstring
Status = Literal["ok", "timeout", "oom", "crashed", "error"]
Outcome = Literal["verified", "wrong", "unverified"]


@dataclass(frozen=True)
class Request:
    """Compute the pieces of function ``function`` of ``slice`` at ``point``."""

    slice: str  # the module slice to run (analysis.FunctionInfo.slice_source)
    function: str  # "f", or "Class.method"
    point: dict[str, Json]  # parameter name -> literal value
    gradient_of: str | None = None  # set: ``function`` is a hand-written derivative of this
    lines: tuple[int, ...] = ()  # document line of each slice line
    path: str | None = None  # the file's folder, put on the kernel's sys.path
    root: str | None = None  # the workspace root, put on sys.path after the folder
    # "analyze": the card's pieces; "sct": the code ad.sct generates (`Transformed`)
    op: Literal["analyze", "ping", "sct"] = "analyze"
    mode: Literal["reverse", "forward"] = "reverse"  # op "sct": which derivative code
    # how a method's ``self`` is built: {"class", "args", "kwargs"} (values literals, an
    # argument may be such a dict itself), and the methods called after (setup_method)
    instance: dict[str, Json] | None = None
    setup: tuple[str, ...] = ()
    # what the derivative returns relative to ``gradient_of`` (analysis.Pairing.kind):
    # "derivative" | "partial" | "hessian" | "hvp" | "force" | "value-and-gradient" |
    # "selector" | "order-selector" (``function`` is its own value and derivatives,
    # ``selector`` picks which)
    kind: str = "derivative"
    wrt: tuple[str, ...] = ()  # the parameters a partial is taken w.r.t.
    target_point: dict[str, Json] | None = None  # the point of ``gradient_of`` (None: ``point``)
    target_returns_gradient: bool = False  # ``gradient_of`` returns (value, gradient, ...)
    held: tuple[str, ...] = ()  # float parameters passed through, never differentiated
    selector: str = ""  # kinds "selector"/"order-selector": the parameter that picks
    axis: int = 0  # kind "selector": the axis of ``wrt[0]`` the selector's index is on
    # what was guessed, which the kernel may replace when it does not run (`Probe`): the
    # point's made-up parameters, and how ``instance`` was found ("constructor" |
    # "synthetic" are guesses; "directive" is the user's and never replaced)
    synthetic: tuple[str, ...] = ()
    instance_source: str = ""
    # the classes of the file derived from the method's class, with what they need (a
    # slice of its own, run only when the guessed instance does not work)
    subclasses: str = ""
    subclass_lines: tuple[int, ...] = ()
    # ``function`` (and ``gradient_of``) defined inside a function, ``outer.inner`` or
    # ``Class.method.inner``: the enclosing function's point (`kernel.nested`)
    enclosing: dict[str, Json] | None = None


@dataclass(frozen=True)
class Failure:
    """Why something could not be computed, and where (the document line, if known)."""

    message: str
    line: int | None = None


@dataclass
class Value:
    """What the function returned at the point."""

    value: Json
    describe: str  # "a float", "a tuple (float, str)", "a function", "None", ...
    shape: list[int]
    differentiable: bool  # a float or an array of floats: something AD can differentiate


@dataclass
class Gradient:
    mode: str  # "reverse", or "Jacobian by reverse mode" for an array output
    values: dict[str, Json]  # parameter -> value (float or nested list)
    shapes: dict[str, list[int]]


#: The pairs a component compares, as keys of `Component.agree`.
PAIRS = ("hand=ad", "hand=fd", "ad=fd")


@dataclass
class Component:
    """One scalar component: hand-written, AD and finite-difference values (None: not
    computed; ``hand`` is None when AD's own gradient is checked), and for each pair of
    `PAIRS` that could be compared (both present, neither NaN) whether they agree."""

    name: str  # "y", "w[1]"
    hand: float | None
    ad: float | None
    fd: float | None
    agree: dict[str, bool] = field(default_factory=dict)
    output: str = ""  # which output component (a Jacobian's row: "[1]"; a Hessian's: "x[0]")


@dataclass
class Check:
    """The verdict on a gradient (``ad.check_grad``): AD's own gradient against finite
    differences, or a hand-written derivative against AD and finite differences."""

    target: str  # the function whose gradient this is
    subject: Literal["ad", "hand"]  # what was checked: AD's gradient or a hand-written one
    outcome: Outcome
    reference: str  # "AD" | "finite differences"
    message: str  # check_grad's own sentence
    components: list[Component] = field(default_factory=list)  # the first 200
    n_components: int = 0
    worst: str | None = None  # the component furthest off, "w[1]"
    max_abs_err: float | None = None
    max_rel_err: float | None = None
    failures: dict[str, Failure] = field(default_factory=dict)  # "ad" | "hand" | "fd"
    # what was compared: "gradient", "derivative" (elementwise), "partial", "jacobian",
    # "hessian", "hessian-vector product", "weighted hessian" (of v·f, ``target`` "v·f"),
    # "parameter derivatives", "force"; w.r.t. which
    # parameters, which were held; and how the hand-written output was read
    kind: str = "gradient"
    wrt: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    layout: str = ""
    rows: int = 1  # output components checked (a Jacobian's rows)
    rows_total: int = 1
    # the instance the verdict was reached at, when not the card's own ("Binomial(n=2)":
    # its constructor's defaults moved, `compute._moved_defaults`)
    at_instance: str = ""
    # > 0: checked along this many random directions v (its product with v against AD's,
    # every row), not entry by entry: too many entries (`kernel.directions`)
    directions: int = 0


@dataclass
class Pairing:
    """Whether a hand-written derivative's output fits what its rule says, read at the
    point (the shapes decide): ``fits`` False means it is not a derivative of its
    function after all (the card says why, and nothing is checked or counted). ``rule``
    is set when the kernel found the pairing itself (a ``(value, gradient)`` return
    recognised by its shape)."""

    fits: bool
    message: str  # how it fits ("∂f/∂x, t held"), or why it does not
    kind: str = ""
    wrt: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    rule: str = ""

@dataclass
class Cost:
    """``ad.cost.Estimate``'s fields; ``source`` "measured" (kernel) or "static" (text)."""

    source: Literal["measured", "static"]
    n_inputs: int
    n_outputs: int
    ops: int
    flops: float
    forward_passes: int
    reverse_passes: int
    forward_flops: float
    reverse_flops: float
    tape_bytes: int
    recommended: str  # "forward" | "reverse"
    forward_time: float
    reverse_time: float
    summary: str
    notes: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, estimate: Any, source: Literal["measured", "static"]) -> Cost:
        """From an ``ad_core.cost.Estimate`` (measured or static)."""
        names = [f.name for f in dataclasses.fields(cls) if f.name not in ("source", "summary")]
        return cls(source=source, summary=estimate.summary(),
                   **{n: _plain(getattr(estimate, n)) for n in names})


@dataclass
class TraceRow:
    text: str  # "v3 = sin(v1)"
    op: str  # the primitive, "input" for a parameter
    value: Json
    adjoint: Json
    line: int | None = None  # document line of the statement that made it
    kink: str = ""  # set when it ran at a non-differentiable point: the convention used


@dataclass
class Trace:
    """The Wengert list at the point, with adjoints (``ad.trace``)."""

    rows: list[TraceRow]
    text: str  # ad.trace's own printout


@dataclass
class Plot:
    """f and ∂f/∂param on a grid around the point (None: undefined there)."""

    param: str
    x0: float
    xs: list[float]
    f: list[float | None]
    df: list[float | None]


# -- debugging a gradient: what each statement bound, NaN provenance, the where trap --------


@dataclass
class Binding:
    """A local variable a statement of the function bound at the point, with its adjoint
    (``ad.trace(..., names=True)``): what an inlay hint at the end of the statement shows."""

    line: int  # document line of the statement
    name: str
    value: Json  # its last value there; None for an array too large to send (see norm)
    shape: list[int]
    norm: float | None  # ‖value‖₂ of an array
    adjoint: Json  # ∂f/∂name at that value; None: not traced, or no adjoint reached it
    adjoint_norm: float | None  # ‖adjoint‖₂ of an array
    adjoint_max: float | None  # max |adjoint| (the vanishing / exploding flag reads it)
    count: int = 1  # how many times the statement bound it (a loop: the last value is shown)


@dataclass
class NonFinite:
    """Where a value (``sweep`` "forward") or an adjoint ("backward") first became NaN or
    ±inf at the point (``ad.Trace.nonfinite``), and what of it the user sees."""

    sweep: Literal["forward", "backward"]
    line: int | None  # document line of the operation
    what: str  # ad_core's words, without lines: "adjoint of sqrt(r) is inf at r = 0"
    reaches: str  # "f's value" or "∂f/∂x, ∂f/∂y"
    through: list[int] = field(default_factory=list)  # document lines on the way there


@dataclass
class WhereTrap:
    """A ``where``/``maximum``/``minimum`` whose branch not taken has an infinite or
    undefined derivative at the point: NaN in PyTorch and JAX, masked by ad_core
    (``ad.Trace.where_traps``)."""

    line: int | None  # document line of the where
    branch_line: int | None  # and of the operation whose derivative is infinite there
    what: str  # ad_core's words, without lines
    inputs: list[str] = field(default_factory=list)


@dataclass
class Debug:
    """What helps debug the gradient at the point: each statement's variables with their
    adjoints, and where NaN or inf came from."""

    bindings: list[Binding]
    nonfinite: list[NonFinite]
    traps: list[WhereTrap]
    output_adjoint: float | None  # the output's own adjoint (1.0); None: not a scalar output
    bindings_cut: bool = False  # the function ran too long to record every statement


# -- source transformation (ad.sct): the second technique, beside the tape ----------------


@dataclass
class SctCheck:
    """``ad.sct.grad`` (source transformation) against ``ad.grad`` (the tape) at the point:
    two implementations of reverse mode that must agree. ``outcome`` "not transformed":
    ad.sct refused a construct (``SourceTransformError``), which says nothing about the
    function itself."""

    outcome: Literal["agrees", "disagrees", "not transformed"]
    construct: str = ""  # not transformed: what ad.sct refused ("try", "x.append(...)")
    line: int | None = None  # ... and its document line
    message: str = ""  # ad.sct's own sentence
    max_abs_err: float | None = None  # |sct - ad| at the worst component
    worst: str | None = None  # that component, "w[1]"


@dataclass
class SctBlock:
    """One adjoint block of generated code, from its ``# line N:`` header to its last line
    (0-based lines of the generated source), and the document line it differentiates."""

    first: int
    last: int
    origin: int


@dataclass
class Transformed:
    """The code ``ad.sct`` writes for a function, specialised to its point (op "sct").
    Lines are 0-based: ``origins[i]`` is the document line generated line ``i`` comes
    from (None: an import, a guard, the backward sweep's set-up)."""

    source: str
    name: str  # the generated function: "f_grad" (reverse) or "f_jvp" (forward)
    mode: Literal["reverse", "forward"]
    function: str
    file: str  # the file ad.sct read (the kernel's name for the slice; see its header line)
    origins: list[int | None]
    blocks: list[SctBlock]
    functions: dict[str, list[int]]  # generated function -> [first, last] line
    imports: list[str]  # the import lines the code needs
    definitions: str  # the code without its header comments and imports (what is inserted)
    argnums: list[str]  # the parameters differentiated


@dataclass
class Probe:
    """What the kernel ran at, when the guessed point or instance did not work there (it
    raised, returned NaN or inf, or hit a placeholder method): the first alternative
    that did, after ``attempts`` failed ones (the requested point is the first), or
    ``found`` False when none did (the pieces are then at the requested point)."""

    found: bool
    attempts: int  # failed attempts, the requested point and instance included
    first: str  # why the requested point failed ("ValueError: ...", "NaN in the value")
    point: dict[str, Json] = field(default_factory=dict)  # the values used (all of them)
    changed: list[str] = field(default_factory=list)  # parameters whose values were replaced
    instance: str = ""  # the class self was built from instead ("Rosenbrock")
    instance_why: str = ""  # why the requested one was not used ("AbstractFunction() raised ...")
    placeholder: str = ""  # "Link.deriv is not implemented on Link (returns NotImplementedError)"


#: The pieces a function's request computes, in the order they are sent.
PIECES: dict[str, type] = {
    "value": Value, "pairing": Pairing, "gradient": Gradient, "check": Check, "cost": Cost,
    "trace": Trace, "plot": Plot, "debug": Debug, "sct": SctCheck, "transformed": Transformed,
    "probe": Probe,
}  # fmt: skip
Piece = (Value | Pairing | Gradient | Check | Cost | Trace | Plot | Debug | SctCheck | Transformed
         | Probe)


@dataclass
class Result:
    """The kernel's answer. A piece is None when it never arrived (the request timed
    out or the process died first), a `Failure` when it could not be computed."""

    status: Status
    message: str = ""
    pieces: dict[str, Piece | Failure] = field(default_factory=dict)
    error: Failure | None = None  # why the whole request failed (status "error")
    elapsed: float = 0.0
    cached: bool = False


def _plain(v: Any) -> Any:
    # numpy scalars in an Estimate become Python numbers (JSON, equality, repr)
    return v.item() if hasattr(v, "item") and not isinstance(v, (list, str)) else v


# -- the wire --------------------------------------------------------------------------------


def encode(obj: Any) -> dict[str, Any]:
    """A request, piece or failure as a JSON-able dict."""
    return dataclasses.asdict(obj)


def decode(cls: type, data: Any) -> Any:
    """Rebuild a dataclass of this module (nested ones too) from `encode`'s dict."""
    hints = _hints(cls)
    return cls(**{f.name: _build(hints[f.name], data[f.name])
                  for f in dataclasses.fields(cls) if f.name in data})


def decode_piece(name: str, ok: bool, data: dict[str, Any]) -> Piece | Failure:
    return decode(PIECES[name] if ok else Failure, data)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _build(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        return decode(hint, value)
    if origin is list and args and dataclasses.is_dataclass(args[0]):
        return [decode(args[0], v) for v in value]
    if origin is dict and len(args) == 2 and dataclasses.is_dataclass(args[1]):
        return {k: decode(args[1], v) for k, v in value.items()}
    if origin is tuple:
        return tuple(value)
    if args and type(None) in args:  # X | None
        inner = [a for a in args if a is not type(None)]
        return _build(inner[0], value) if len(inner) == 1 else value
    return value

"""Plain data produced by the analysis: no LSP types, no live objects."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Literal


class _Missing:
    """Marker for a parameter without a (literal) default."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()

PointSource = Literal["directive", "defaults", "doctest", "synthetic", "user"]


@dataclass(frozen=True, order=True)
class Span:
    """A range: 0-based lines, 0-based code-point columns, end exclusive."""

    line: int
    col: int
    end_line: int
    end_col: int

    def contains(self, line: int, col: int) -> bool:
        if (line, col) < (self.line, self.col):
            return False
        return (line, col) <= (self.end_line, self.end_col)


@dataclass(frozen=True)
class Param:
    """A parameter of a function. ``default`` is a literal value or ``MISSING``."""

    name: str
    span: Span
    default: Any = MISSING
    kind: Literal["positional", "keyword", "varargs", "varkw"] = "positional"


@dataclass(frozen=True)
class Point:
    """An evaluation point: parameter name -> literal value.

    ``source`` says where the point came from (the first rule of the SPEC that
    supplied a value); ``origins`` says it per parameter, so a point that is
    partly synthetic can say so.
    """

    values: dict[str, Any]
    source: PointSource
    text: str
    origins: dict[str, str] = field(default_factory=dict)

    @property
    def synthetic(self) -> tuple[str, ...]:
        """Names whose value was made up (no directive, default or doctest)."""
        return tuple(n for n, o in self.origins.items() if o == "synthetic")


@dataclass(frozen=True)
class Fix:
    """A text edit that resolves a finding; editors offer it as a quick fix.

    ``span`` is the range replaced (an empty span inserts ``text`` there). The LSP
    layer turns every fix it finds on a problem or a card diagnostic into a code
    action; the CLI prints the title and the text.
    """

    title: str
    span: Span
    text: str


@dataclass(frozen=True)
class Pairing:
    """Why a function is checked as a hand-written derivative, and of what.

    ``of`` names the function it differentiates as the user reads it (``f``,
    ``Model.fun``, ``numpy.arcsin``); ``target`` is how the kernel reaches it in the
    slice (``f``, ``Probit.deriv`` for a method inherited by ``Probit``, ``arcsin``).
    ``kind`` says what the hand-written function returns:

    - ``"derivative"``: the first derivative, in whichever layout its shape fits (a
      gradient, a Jacobian, elementwise values, the derivatives w.r.t. the trailing
      parameters...; the kernel finds which, and says so);
    - ``"partial"``: ∂of/∂``wrt[0]`` only, the other parameters held;
    - ``"hessian"``: the second derivative (``ad.hessian``);
    - ``"hvp"``: the Hessian times its extra vector argument;
    - ``"weighted-hessian"``: the Hessian of ``v·of`` for its extra vector argument ``v``
      (``hess(x, v)``, SciPy's ``NonlinearConstraint``: Σ v[i]·∇²of[i]);
    - ``"force"``: minus the derivative (an energy's force);
    - ``"value-and-gradient"``: ``of`` is the function itself, returning ``(value,
      gradient, ...)``: the gradient part is checked against AD of the value part.
    - ``"selector"``: ``of`` is the function itself, and its parameter ``selector``
      picks what it returns: None the value, ``i`` the partial derivative w.r.t.
      ``wrt[0][..., i, ...]`` (``i`` on ``axis``), SMT's ``_evaluate(x, kx)``;
    - ``"order-selector"``: the same with ``selector=0`` the value and ``selector=1`` the
      derivative w.r.t. ``wrt[0]`` (SciPy's ``nu=``).

    ``rule`` is the sentence the card shows ("by name: the _der suffix").
    """

    of: str
    target: str
    kind: str
    rule: str
    wrt: tuple[str, ...] = ()
    target_returns_gradient: bool = False  # ``of`` returns (value, gradient): use the value
    selector: str = ""  # kinds "selector" and "order-selector": the parameter that picks
    axis: int = 0  # kind "selector": the axis of ``wrt[0]`` the selector indexes


@dataclass(frozen=True)
class Instance:
    """How a method's ``self`` is built: ``spec`` is ``{"class", "args", "kwargs"}`` with
    literal values (an argument may be another such spec); ``source`` is "constructor"
    (``Class()``), "directive" or "synthetic" (made-up arguments, shapes read from
    ``__init__``); ``text`` is ``Class(1.345)``."""

    spec: dict[str, Any]
    source: str
    text: str
    setup: tuple[str, ...] = ()  # methods called after construction (``setup_method``)


# Static findings that are information, not warnings: nothing is wrong for AD Lens there
# (a possible where trap; an in-place write ad_core or the kernel follows; a float() the
# kernel follows). Every other code warns.
INFORMATION_CODES = frozenset({"where-trap", "inplace-write", "plain-array-write", "float-call"})


def problem_severity(code: str) -> str:
    """"information" or "warning": how sure and how bad a static finding of ``code`` is."""
    return "information" if code in INFORMATION_CODES else "warning"


@dataclass(frozen=True)
class Problem:
    """A static finding. ``code`` in {"real-math", "float-call", "inplace-write",
    "plain-array-write", "where-trap", "bad-directive", "needs-point", "needs-instance"}."""

    span: Span
    code: str
    message: str
    fix: Fix | None = None


@dataclass(frozen=True)
class BlockError:
    """A top-level block that did not parse; the rest of the file still did."""

    span: Span
    message: str


class FunctionInfo:
    """A top-level function, a method of a top-level class, or a function defined in the
    body of either (``binding`` "nested", named ``outer.inner`` / ``Class.method.inner``,
    ``scope`` the enclosing one's name). Cheap fields are set at once; the rest (point,
    slice, problems, ...) is computed on first access, so listing the functions of a large
    file costs about one parse.

    name (``f``, or ``Class.method``), span (whole def, decorators included), name_span,
    params (a method's ``self``/``cls`` left out), pairing (set for hand-written
    derivatives and for functions returning their gradient), differentiable (has a
    parameter and is not itself a derivative), cls (the class of a method), binding
    ("function", "method", "staticmethod", "classmethod", "nested"), scope (the function
    a nested one is defined in: ``Class.method``); lazily: source, point, instance,
    enclosing, slice_source, slice_hash, slice_start, slice_lines, problems, body_lines,
    docstring, held, static_source.
    """

    def __init__(
        self,
        name: str,
        span: Span,
        name_span: Span,
        params: tuple[Param, ...],
        pairing: Pairing | None,
        differentiable: bool,
        lazy: Any,
        cls: str | None = None,
        binding: str = "function",
        scope: str | None = None,
    ) -> None:
        self.name = name
        self.span = span
        self.name_span = name_span
        self.params = params
        self.pairing = pairing
        self.differentiable = differentiable
        self._lazy = lazy
        self.cls = cls
        self.binding = binding
        self.scope = scope

    @property
    def gradient_of(self) -> str | None:
        """The function this one is a hand-written derivative of (``Pairing.of``)."""
        return self.pairing.of if self.pairing is not None else None

    @property
    def method(self) -> str:
        """The bare name: ``fun`` for ``Model.fun`` (and for ``Model.constr.fun``)."""
        return self.name.rsplit(".", 1)[-1] if self.cls or self.scope else self.name

    @functools.cached_property
    def enclosing(self) -> FunctionInfo | None:
        """The function a nested one is defined in (``scope``): the kernel runs it, at its
        own point and instance, to reach this one. None for a function that is not nested."""
        return self._lazy.enclosing(self)

    @functools.cached_property
    def instance(self) -> Instance | None:
        """How ``self`` is built (methods that need an instance), None otherwise or when
        it cannot be (``problems`` then says why)."""
        return self._lazy.instance(self)

    @functools.cached_property
    def indent(self) -> str:
        """The def's indentation: a line inserted above it (a directive) uses it."""
        return self._lazy.indent(self)

    @functools.cached_property
    def held(self) -> tuple[str, ...]:
        """Parameters passed through untouched: never differentiated (``const=`` data,
        and what the body uses as a count, a flag, a string or an object)."""
        return self._lazy.held(self)

    @functools.cached_property
    def unreached(self) -> tuple[str, ...]:
        """Parameters the body reads that cannot reach its result (a discarded check's
        arguments): held, see ``activity``."""
        return self._lazy.unreached(self)

    @functools.cached_property
    def static_source(self) -> tuple[str, str, tuple[int, ...]]:
        """(source, function name, document line of each source line) for the static
        part: the slice itself for a function; for a method, the slice followed by the
        method's own def at top level (``self`` dropped), so SymPy and the static counter
        read it as a function."""
        return self._lazy.static_source(self)

    def unsliced(self, name: str) -> str | None:
        """Why module name ``name``, which the function may read, is in no slice (an
        assignment whose value would run code), or None."""
        return self._lazy.slicer.unsliced(name)

    def __repr__(self) -> str:
        return (
            f"FunctionInfo({self.name!r}, line {self.span.line}, gradient_of={self.gradient_of!r})"
        )

    @functools.cached_property
    def source(self) -> str:
        """The def's own source text."""
        return self._lazy.source(self)

    @functools.cached_property
    def point(self) -> Point:
        return self._lazy.point(self)

    @functools.cached_property
    def _slice(self) -> tuple[str, int, str, tuple[int, ...]]:
        return self._lazy.slice(self)

    @functools.cached_property
    def subclass_slice(self) -> tuple[str, tuple[int, ...]]:
        """(source, document line of each line) of a method's class and the classes of
        the file derived from it, when ``self`` is guessed; ("", ()) otherwise."""
        return self._lazy.subclass_slice(self)

    @property
    def slice_source(self) -> str:
        """Imports + defs + classes + literal constants the function needs."""
        return self._slice[0]

    @property
    def slice_start(self) -> int:
        """0-based line of this def (its first decorator) inside ``slice_source``:
        maps kernel line numbers (slice) back to document lines."""
        return self._slice[1]

    @property
    def slice_hash(self) -> str:
        """sha256 of slice_source + function name."""
        return self._slice[2]

    @functools.cached_property
    def problems(self) -> tuple[Problem, ...]:
        return self._lazy.problems(self)

    @functools.cached_property
    def body_lines(self) -> tuple[int, ...]:
        """0-based document lines of assignments and returns in the body."""
        return self._lazy.body_lines(self)

    @functools.cached_property
    def docstring(self) -> str | None:
        return self._lazy.docstring(self)

    def param(self, name: str) -> Param | None:
        for p in self.params:
            if p.name == name:
                return p
        return None

    @property
    def slice_lines(self) -> tuple[int, ...]:
        """The 0-based document line of each line of ``slice_source``: the kernel reports
        document lines with it, for this function and every helper in its slice."""
        return self._slice[3]

    def doc_line(self, slice_line: int) -> int | None:
        """Document line (0-based) of a 0-based line of ``slice_source`` (None: none)."""
        lines = self.slice_lines
        return lines[slice_line] if 0 <= slice_line < len(lines) else None


@dataclass(frozen=True)
class Target:
    """What sits under the cursor: a def name, a parameter, or a body line."""

    kind: Literal["def", "param", "line"]
    function: FunctionInfo
    param: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class DocumentModel:
    functions: tuple[FunctionInfo, ...]
    errors: tuple[BlockError, ...]
    text_hash: str = ""

    def function(self, name: str) -> FunctionInfo | None:
        """The function called ``name`` (the last one, as Python would bind it)."""
        by_name = self.__dict__.get("_by_name")
        if by_name is None:
            by_name = {f.name: f for f in self.functions}
            object.__setattr__(self, "_by_name", by_name)
        return by_name.get(name)

    def gradients_of(self, name: str) -> tuple[FunctionInfo, ...]:
        """Hand-written derivatives paired with function ``name`` (itself excluded)."""
        return tuple(f for f in self.functions if f.gradient_of == name and f.name != name)

    def locate(self, line: int, col: int) -> Target | None:
        """The hover target at a 0-based line / code-point column, if any (in a function
        defined inside another, the inner one)."""
        inside = [f for f in self.functions if f.span.contains(line, col)]
        for f in sorted(inside, key=lambda f: (f.span.line, f.span.col), reverse=True):
            if f.name_span.contains(line, col):
                return Target("def", f)
            for p in f.params:
                if p.span.contains(line, col):
                    return Target("param", f, param=p.name)
            if line in f.body_lines:
                return Target("line", f, line=line)
            return None
        return None

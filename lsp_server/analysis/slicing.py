"""The module slice a function needs: what the kernel runs, and nothing else.

Eligible top-level statements are imports, ``def``s, classes, constant assignments
``try: import ... except ImportError: ...`` and ``with <imported manager>(...):`` around
imports only; never top-level calls, loops, other ``with`` blocks or the
``if __name__ == "__main__":`` block. A function's slice is the
transitive closure, by name, of the eligible statements it uses, kept in file order,
so editing an unrelated function keeps its hash.

One set of rules (`Rules`) decides what a slice may evaluate: an expression is
*safe* when evaluating it cannot run code defined in the file. Safe are literals,
containers, arithmetic and f-strings of safe parts, names, attributes and subscripts
of safe values, and calls of known pure functions (`PURE_CALLS`: NumPy constructors
and math, the ``math`` and ``cmath`` modules, ``types.SimpleNamespace`` with keywords
only; `PURE_BUILTINS`; a few array methods on values the slice built) with safe
arguments. The file's own functions and classes are never called, and a *hooked*
class (one whose creation or whose class object's operations run the file's code: a
metaclass, ``__init_subclass__``, ``__class_getitem__``, or a class deriving from one)
is never touched: ``Evil[0]``, ``{**Evil}`` and ``np.array(0)`` after ``class np: ...``
are not safe. So:

- a constant (``_MAX = np.log(np.finfo(float).max)``) is eligible when its right-hand
  side (and annotation) is safe;
- a class is eligible when it is not hooked, its bases are names or imported
  references (no call), its keywords are safe (a ``metaclass=`` only an imported one),
  and its body only defines methods, nested eligible classes and safe attributes
  (``dataclasses.field(...)`` with safe arguments included; annotations safe);
- an import guard's ``except`` types are names or imported attributes, not calls.

A ``def`` stays eligible whatever its decorators and default values: they run when
the slice runs (by design, documented in docs/security.md).
"""

from __future__ import annotations

import ast
import builtins
import hashlib
from dataclasses import dataclass, field

from .model import Span
from .parse import Source, statement_span

# module -> functions of it that compute a value from their arguments and nothing else
PURE_CALLS: dict[str, frozenset[str] | None] = {  # None: every function of the module
    "numpy": frozenset({
        "array", "asarray", "asanyarray", "linspace", "logspace", "geomspace", "arange",
        "zeros", "ones", "empty", "eye", "full", "diag", "diagflat", "identity", "tri",
        "tril", "triu", "vander", "zeros_like", "ones_like", "full_like", "empty_like",
        "float64", "float32", "float16", "int64", "int32", "int8", "uint8", "complex128",
        "bool_", "dtype", "finfo", "iinfo", "sqrt", "cbrt", "square", "exp", "exp2",
        "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "arcsin", "arccos",
        "arctan", "arctan2", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh",
        "hypot", "radians", "deg2rad", "degrees", "rad2deg", "abs", "absolute", "sign",
        "floor", "ceil", "round", "rint", "minimum", "maximum", "clip", "sum", "prod",
        "cumsum", "mean", "dot", "outer", "matmul", "concatenate", "stack", "hstack",
        "vstack", "column_stack", "meshgrid", "reshape", "transpose", "tile", "repeat",
        "reciprocal", "power", "float_power", "nextafter", "spacing", "fmax", "fmin",
        "isfinite", "isnan", "isinf", "nan_to_num", "logaddexp",
    }),
    "math": None,
    "cmath": None,
    "types": frozenset({"SimpleNamespace"}),
}  # fmt: skip
# Calls safe with keyword arguments only: ``types.SimpleNamespace(Quantity=Quantity)``
# stores its keywords as attributes and runs nothing; a positional argument (Python
# 3.13) or ``**m`` is read as a mapping, whose ``keys`` could be the file's code.
KEYWORDS_ONLY = frozenset({"types.SimpleNamespace"})
PURE_BUILTINS = frozenset({
    "float", "int", "complex", "bool", "abs", "min", "max", "round", "len", "sum", "tuple",
    "list", "dict", "set", "frozenset", "range", "divmod", "pow", "str",
})  # fmt: skip
PURE_METHODS = frozenset({
    "reshape", "astype", "copy", "sum", "mean", "max", "min", "prod", "transpose", "ravel",
    "flatten", "tolist", "item", "conjugate", "real", "imag",
})  # fmt: skip
_CLASS_HOOKS = {"__init_subclass__", "__class_getitem__", "__set_name__", "__prepare__",
                "__mro_entries__"}


@dataclass
class Rules:
    """What the file binds, read once: which names are imports (and of what), which
    names the file binds otherwise, and which of its classes are *hooked*: their
    creation or the operations on the class object run the file's code (a metaclass,
    ``__init_subclass__``, ``__class_getitem__``, a base or metaclass that is hooked)."""

    imports: dict[str, str] = field(default_factory=dict)  # local name -> "numpy.sin"
    bound: set[str] = field(default_factory=set)  # bound by anything but an import
    hooked: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, body: list[ast.stmt]) -> Rules:
        rules = cls()
        origins: dict[str, set[str]] = {}
        classes: dict[str, ast.ClassDef] = {}
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for name, origin in _import_names(node):
                    origins.setdefault(name, set()).add(origin)
                continue
            rules.bound |= _binds(node)
            if isinstance(node, ast.ClassDef):
                classes[node.name] = node
        # an import rebound by anything else (`np = ...`, `class np: ...`), or imported
        # as two different things, is not a known module any more
        rules.imports = {n: next(iter(o)) for n, o in origins.items()
                         if len(o) == 1 and n not in rules.bound}
        changed = True
        while changed:  # hooked classes, and everything that derives from one
            changed = False
            for name, node in classes.items():
                if name not in rules.hooked and rules._hooks(node):
                    rules.hooked.add(name)
                    changed = True
        return rules

    def _hooks(self, node: ast.ClassDef) -> bool:
        defined = {s.name for s in node.body
                   if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
        if defined & _CLASS_HOOKS:
            return True
        for base in node.bases:
            root = _root(base.value if isinstance(base, ast.Subscript) else base)
            if isinstance(root, ast.Name) and (root.id in self.hooked or root.id == "type"):
                return True
        return any(kw.arg == "metaclass" and self.origin(kw.value) is None
                   for kw in node.keywords)

    # -- expressions --------------------------------------------------------------------

    def safe(self, node: ast.expr) -> bool:
        """Evaluating ``node`` runs only the standard library's or NumPy's code."""
        try:
            return self._safe(node)
        except RecursionError:
            return False

    def _safe(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.Name):
            # the file's functions and plain classes only run code when called (never
            # here, see pure_call); a hooked class runs it on any operation
            return node.id not in self.hooked
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return all(self._safe(e) for e in node.elts)
        if isinstance(node, ast.Starred):
            return self._safe(node.value)
        if isinstance(node, ast.Dict):
            return all(k is None or self._safe(k) for k in node.keys) and all(
                self._safe(v) for v in node.values)
        if isinstance(node, ast.UnaryOp):
            return self._safe(node.operand)
        if isinstance(node, ast.BinOp):
            return self._safe(node.left) and self._safe(node.right)
        if isinstance(node, ast.BoolOp):
            return all(self._safe(v) for v in node.values)
        if isinstance(node, ast.Compare):
            return self._safe(node.left) and all(self._safe(c) for c in node.comparators)
        if isinstance(node, ast.IfExp):
            return all(self._safe(n) for n in (node.test, node.body, node.orelse))
        if isinstance(node, ast.Attribute):
            return self._safe(node.value)
        if isinstance(node, ast.Subscript):
            return self._safe(node.value) and self._safe(node.slice)
        if isinstance(node, ast.Slice):
            return all(p is None or self._safe(p) for p in (node.lower, node.upper, node.step))
        if isinstance(node, ast.JoinedStr):
            return all(self._safe(v) for v in node.values)
        if isinstance(node, ast.FormattedValue):
            return self._safe(node.value) and (node.format_spec is None
                                               or self._safe(node.format_spec))
        if isinstance(node, ast.Call):
            if self.origin(node.func) in KEYWORDS_ONLY and (
                    node.args or any(k.arg is None for k in node.keywords)):
                return False
            return self.pure_call(node.func) and self._arguments(node)
        return False

    def _arguments(self, call: ast.Call) -> bool:
        return all(self._safe(a) for a in call.args) and all(
            self._safe(k.value) for k in call.keywords)

    def pure_call(self, func: ast.expr) -> bool:
        """``func`` names a function of `PURE_CALLS`, a `PURE_BUILTINS` builtin the file
        does not rebind, or an array method of `PURE_METHODS` on a value the slice
        itself built."""
        origin = self.origin(func)
        if origin is not None:
            module, _, name = origin.rpartition(".")
            if module not in PURE_CALLS:
                return False  # numpy.random, numpy.lib, scipy, the file's siblings...
            allowed = PURE_CALLS[module]
            return allowed is None or name in allowed
        if isinstance(func, ast.Name):
            return func.id in PURE_BUILTINS and func.id not in self.bound \
                and func.id not in self.imports
        if isinstance(func, ast.Attribute) and func.attr in PURE_METHODS:
            receiver = func.value
            built = isinstance(receiver, (ast.Call, ast.List, ast.Tuple, ast.Constant,
                                          ast.BinOp, ast.Subscript))
            return built and self._safe(receiver)
        return False

    def origin(self, node: ast.expr) -> str | None:
        """``"numpy.log"`` for ``np.log`` (``import numpy as np``), ``log`` (``from numpy
        import log``); None when ``node`` is not an imported name or attribute chain."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in self.imports:
            return None
        return ".".join([self.imports[node.id], *reversed(parts)])

    def reference(self, node: ast.expr) -> bool:
        """A class base that refers to a class without running the file's code: a name
        (not a hooked class), an imported attribute chain, or an imported generic
        subscripted with safe arguments (``Generic[T]``)."""
        if isinstance(node, ast.Name):
            return node.id not in self.hooked
        if isinstance(node, ast.Attribute):
            return self.origin(node) is not None
        if isinstance(node, ast.Subscript):
            return self.origin(node.value) is not None and self.safe(node.slice)
        return False

    # -- statements ---------------------------------------------------------------------

    def ineligible(self, node: ast.stmt) -> str | None:
        """Why a top-level statement stays out of the slice (None: it goes in)."""
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        if isinstance(node, ast.ClassDef):
            return self._class(node)
        if isinstance(node, ast.Assign):
            if all(_simple_target(t) for t in node.targets) and self.safe(node.value):
                return None
            return "not a constant (its value would run code)"
        if isinstance(node, ast.AnnAssign):
            if node.value is not None and _simple_target(node.target) and self.safe(node.value) \
                    and self.safe(node.annotation):
                return None
            return "not a constant (its value would run code)"
        if isinstance(node, ast.Try) and self._import_guard(node):
            return None
        if isinstance(node, ast.With) and self._import_context(node):
            return None
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            return "docstring"
        return "top-level code is never run"

    def _class(self, node: ast.ClassDef) -> str | None:
        if node.name in self.hooked:
            return "a class whose creation runs the file's code (a metaclass or class hook)"
        for base in node.bases:
            if not self.reference(base):
                return "a class base that runs code"
        for kw in node.keywords:
            if kw.arg == "metaclass":
                if self.origin(kw.value) is None:
                    return "a metaclass defined in the file"
            elif kw.arg is None or not self.safe(kw.value):
                return "a class keyword that runs code"
        return None if self._class_body_ok(node.body) else "class body runs code"

    def _class_body_ok(self, body: list[ast.stmt]) -> bool:
        for s in body:
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Pass)):
                continue
            if isinstance(s, ast.ClassDef) and self._class(s) is None:
                continue
            if isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant):
                continue
            if isinstance(s, ast.AnnAssign):
                # annotations of a class body are evaluated when the class is made
                if not (_simple_target(s.target) and self.safe(s.annotation)):
                    return False
                if s.value is None or self.safe(s.value) or self._field_call(s.value):
                    continue
                return False
            if isinstance(s, ast.Assign) and all(_simple_target(t) for t in s.targets) and (
                    self.safe(s.value) or self._field_call(s.value)):
                continue
            return False
        return True

    def _field_call(self, node: ast.expr) -> bool:
        """``dataclasses.field(...)`` with safe arguments (``default_factory=list`` names
        a function; it is called when an instance is made, not when the class is)."""
        return isinstance(node, ast.Call) and self.origin(node.func) == "dataclasses.field" \
            and self._arguments(node)

    def _import_guard(self, node: ast.Try) -> bool:
        for handler in node.handlers:
            if handler.type is not None and not self._exception_types(handler.type):
                return False
        blocks = [node.body, node.orelse, node.finalbody] + [h.body for h in node.handlers]
        for block in blocks:
            for s in block:
                if isinstance(s, (ast.Import, ast.ImportFrom, ast.Pass)):
                    continue
                if isinstance(s, ast.Assign) and all(_simple_target(t) for t in s.targets) \
                        and self.safe(s.value):
                    continue
                return False
        return True

    def _import_context(self, node: ast.With) -> bool:
        """``with safe_import(): from scipy.special import factorial`` (or
        ``warnings.catch_warnings()``): imports only, under a context manager that is
        imported, not defined in the file, called with safe arguments."""
        if not all(isinstance(s, (ast.Import, ast.ImportFrom, ast.Pass)) for s in node.body):
            return False
        for item in node.items:
            call = item.context_expr
            if item.optional_vars is not None or not isinstance(call, ast.Call):
                return False
            f = call.func
            imported = (isinstance(f, ast.Name) and f.id not in self.bound
                        and f.id not in self.hooked and not hasattr(builtins, f.id)) or (
                isinstance(f, ast.Attribute) and self.origin(f) is not None)
            if not imported or not self._arguments(call):
                return False
        return True

    def _exception_types(self, node: ast.expr) -> bool:
        """``except`` types: names and imported attributes, nothing that calls."""
        if isinstance(node, ast.Tuple):
            return all(self._exception_types(e) for e in node.elts)
        if isinstance(node, ast.Name):
            return node.id not in self.hooked
        return isinstance(node, ast.Attribute) and self.origin(node) is not None


def _root(node: ast.expr) -> ast.expr:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node


def _import_names(node: ast.stmt) -> list[tuple[str, str]]:
    """(local name, what it is) for an import statement."""
    if isinstance(node, ast.Import):
        return [(a.asname, a.name) if a.asname else (a.name.split(".")[0], a.name.split(".")[0])
                for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        return [(a.asname or a.name, f"{node.module}.{a.name}") for a in node.names
                if a.name != "*"]
    return []


@dataclass
class _Stmt:
    node: ast.stmt
    span: Span
    text: str
    binds: set[str]
    uses: set[str]
    always: bool = False  # `from __future__` imports


@dataclass
class ModuleSlicer:
    src: Source
    stmts: list[_Stmt] = field(default_factory=list)
    binders: dict[str, list[int]] = field(default_factory=dict)
    skipped: list[tuple[Span, str]] = field(default_factory=list)
    # names only skipped statements bind: name -> (its statement, why it was skipped)
    left_out: dict[str, tuple[Span, str]] = field(default_factory=dict)
    _index: dict[int, int] = field(default_factory=dict)
    _always: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, src: Source, body: list[ast.stmt]) -> ModuleSlicer:
        self = cls(src)
        try:
            rules = Rules.of(body)
        except (RecursionError, MemoryError):
            rules = Rules(bound={n for node in body for n in _binds(node)})
        for node in body:
            try:
                why = rules.ineligible(node)
                span = statement_span(src, node)
                if why:
                    self.skipped.append((span, why))
                    if isinstance(node, (ast.Assign, ast.AnnAssign)):
                        for name in _binds(node):
                            self.left_out.setdefault(name, (span, why))
                    continue
                stmt = _Stmt(node, span, src.segment(span), _binds(node), _uses(node))
                stmt.always = isinstance(node, ast.ImportFrom) and node.module == "__future__"
            except (RecursionError, MemoryError):
                continue
            for name in stmt.binds:
                self.binders.setdefault(name, []).append(len(self.stmts))
            self._index[id(node)] = len(self.stmts)
            if stmt.always:
                self._always.append(len(self.stmts))
            self.stmts.append(stmt)
        return self

    def index_of(self, node: ast.stmt) -> int | None:
        return self._index.get(id(node))

    def unsliced(self, name: str) -> str | None:
        """Why module name ``name`` is in no slice, when only assignments the rules keep
        out bind it (``TABLE = load()``): a function that reads it fails with a NameError
        that this explains. None: it is in, or not a module assignment."""
        if name in self.binders or name not in self.left_out:
            return None
        span, why = self.left_out[name]
        text = " ".join(self.src.segment(span).split())
        text = text if len(text) <= 60 else text[:57] + "..."
        return (f"`{name}` is left out of the slice (line {span.line + 1}, `{text}`: {why}): "
                "AD Lens never runs top-level code (docs/security.md); pass it as a "
                "parameter, or build it inside the function")

    def slice_for(
        self, node: ast.stmt, extra: tuple[str, ...] = ()
    ) -> tuple[str, int, str, tuple[int, ...]]:
        """(slice source, 0-based line of ``node`` in it, sha256 of slice + name, the
        0-based document line of each slice line)."""
        start = self.index_of(node)
        chosen = set(self._always)
        todo = [start] if start is not None else []
        names = list(extra)
        while todo or names:
            if names:
                for i in self.binders.get(names.pop(), ()):
                    if i not in chosen:
                        todo.append(i)
                continue
            i = todo.pop()
            if i in chosen:
                continue
            chosen.add(i)
            names.extend(self.stmts[i].uses)
        parts: list[str] = []
        lines: list[int] = []
        node_line = 0
        for i in sorted(chosen):
            if i == start:
                node_line = len(lines)
            stmt = self.stmts[i]
            parts.append(stmt.text)
            lines.extend(range(stmt.span.line, stmt.span.line + stmt.text.count("\n") + 1))
        text = "\n".join(parts) + "\n"
        name = getattr(node, "name", "")
        digest = hashlib.sha256((text + "\0" + name).encode("utf-8", "surrogatepass")).hexdigest()
        return text, node_line, digest, tuple(lines)


def _simple_target(t: ast.expr) -> bool:
    if isinstance(t, ast.Name):
        return True
    return isinstance(t, (ast.Tuple, ast.List)) and all(isinstance(e, ast.Name) for e in t.elts)


def _binds(node: ast.stmt) -> set[str]:
    out: set[str] = set()
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    for sub in ast.walk(node):
        if isinstance(sub, ast.alias):
            out.add(sub.asname or sub.name.split(".")[0])
        elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            out.add(sub.id)
    return out


def _uses(node: ast.stmt) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}

"""``analyze(text) -> DocumentModel``: pure, fast, never raises, never runs code."""

from __future__ import annotations

import ast
import functools
import hashlib
import re
from typing import Any

from . import activity
from . import classes as cls_
from . import nested as nested_
from . import pairing as pairing_
from . import shapes as shp
from .directives import Directive, instance_text, read_directive
from .model import (
    MISSING,
    BlockError,
    DocumentModel,
    Fix,
    FunctionInfo,
    Instance,
    Pairing,
    Param,
    Point,
    Problem,
    Span,
)
from .parse import Source, parse_statements, statement_span
from .points import (
    PointError,
    build_point,
    directive_lines,
    doctest_point,
    format_point,
    format_value,
    parse_assignments,
)
from .problems import find_problems
from .slicing import ModuleSlicer

_FuncNode = ast.FunctionDef | ast.AsyncFunctionDef
_LINE_STMTS = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return)
_DEF = re.compile(r"(?:async\s+)?def\s+")
_FAILURES = (RecursionError, MemoryError, ValueError)
# methods that are no number-to-number function (their cards would say nothing)
_SKIPPED_DUNDERS = {"__call__"}


def analyze(text: str) -> DocumentModel:
    """The functions of a Python document, with points, slices and problems.

    >>> analyze("def f(x=1.0):\\n    return x * x\\n").function("f").point.text
    'x=1.0'
    """
    if not isinstance(text, str):
        text = str(text)
    try:
        return _analyze_cached(text)
    except (RecursionError, MemoryError) as e:  # pathological input: say so, keep going
        return DocumentModel((), (BlockError(Span(0, 0, 0, 0), f"cannot analyze: {e!r}"),))


@functools.lru_cache(maxsize=16)
def _analyze_cached(text: str) -> DocumentModel:
    src = Source.of(text)
    stmts, errors = parse_statements(src)
    doc = _Lazy(src, stmts)
    functions: list[FunctionInfo] = []
    for node, owner, scope in doc.entries():
        try:
            functions.append(doc.function(node, owner, scope))
        except _FAILURES as e:
            errors.append(BlockError(statement_span(src, node), f"cannot analyze {node.name}: {e}"))
    doc.functions = {f.name: f for f in functions}
    errors.sort(key=lambda e: e.span.line)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return DocumentModel(tuple(functions), tuple(errors), digest)


def _required(node: _FuncNode, skip_first: bool) -> tuple[tuple[str, ...], int]:
    """(parameter names, how many have no default), a method's first one left out."""
    a = node.args
    positional = a.posonlyargs + a.args
    names = [x.arg for x in positional + a.kwonlyargs]
    required = len(positional) - len(a.defaults)
    required += sum(1 for d in a.kw_defaults if d is None)
    if skip_first and names:
        names, required = names[1:], max(required - 1, 0)
    return tuple(names), required


class _Lazy:
    """What a FunctionInfo computes on first access, shared by one document."""

    def __init__(self, src: Source, stmts: list[ast.stmt]) -> None:
        self.src = src
        self.stmts = stmts
        self.functions: dict[str, FunctionInfo] = {}
        self.nodes: dict[int, _FuncNode] = {}  # id(FunctionInfo) -> node
        self.directives: dict[int, Directive] = {}
        self.scopes: dict[int, nested_.Scope] = {}  # id(FunctionInfo) -> its enclosing body
        self._enclosing: dict[str, FunctionInfo] = {}
        self._shape_cache: dict[int, dict[str, shp.Shape]] = {}
        self._used: dict[str | None, dict[str, tuple[str, str]]] = {}  # scope -> by use
        self.classes = cls_.collect(stmts)
        self.module_funcs: dict[str, _FuncNode] = {
            n.name: n for n in stmts if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        self.imports: dict[str, str] = {}
        self.constants: dict[str, tuple[int, ...]] = {}
        for n in stmts:
            if isinstance(n, ast.ImportFrom) and n.module and n.level == 0:
                for alias in n.names:
                    self.imports[alias.asname or alias.name] = f"{n.module}.{alias.name}"
            elif isinstance(n, ast.Assign) and len(n.targets) == 1 \
                    and isinstance(n.targets[0], ast.Name):
                try:
                    shape = shp.literal_shape(n.value)
                except _FAILURES:
                    shape = None
                if shape:
                    self.constants[n.targets[0].id] = shape

    @functools.cached_property
    def slicer(self) -> ModuleSlicer:
        return ModuleSlicer.build(self.src, self.stmts)

    def entries(self) -> list[tuple[_FuncNode, cls_.ClassInfo | None, nested_.Scope | None]]:
        """Top-level defs and the methods of top-level classes, in file order, each
        followed by the functions defined in its body (`nested`), a property's too."""
        out: list[tuple[_FuncNode, cls_.ClassInfo | None, nested_.Scope | None]] = []

        def with_nested(node: _FuncNode, owner: cls_.ClassInfo | None, binding: str,
                        listed: bool) -> None:
            if listed:
                out.append((node, owner, None))
            qualified = f"{owner.name}.{node.name}" if owner is not None else node.name
            scope = nested_.scope_of(node, qualified, owner.name if owner else None, binding)
            if scope is not None:
                out.extend((d, owner, scope) for d in nested_.listed(scope))

        for n in self.stmts:
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                with_nested(n, None, "function", True)
            elif isinstance(n, ast.ClassDef) and self.classes.get(n.name) is not None \
                    and self.classes[n.name].node is n:
                info = self.classes[n.name]
                for name, m in info.methods.items():
                    if name.startswith("__") and name.endswith("__") \
                            and name not in _SKIPPED_DUNDERS:
                        continue
                    binding = info.bindings[name]
                    with_nested(m, info, binding, binding != "property")
        return out

    # -- one function ----------------------------------------------------------------
    def function(self, node: _FuncNode, owner: cls_.ClassInfo | None,
                 scope: nested_.Scope | None = None) -> FunctionInfo:
        src = self.src
        span = statement_span(src, node)
        if scope is not None:
            binding = "nested"
        else:
            binding = owner.bindings[node.name] if owner is not None else "function"
        skip_first = binding in ("method", "classmethod", "property")
        params = _params(src, node, skip_first)
        names = [p.name for p in params]
        lines = directive_lines(src.lines, span.line)
        if scope is not None:  # a directive above the enclosing def holds for its closures
            lines = directive_lines(src.lines, statement_span(src, scope.node).line) + lines
        if owner is not None:  # a directive above the class (self=...) holds for its methods
            lines = directive_lines(src.lines, statement_span(src, owner.node).line) + lines
        directive = read_directive(lines, names, set(self.classes))
        pair = self.pairing(node, owner, params, directive, scope)
        if scope is not None:
            qualified = scope.name(node.name)
        else:
            qualified = f"{owner.name}.{node.name}" if owner is not None else node.name
        if pair is not None and pair.of == node.name and pair.kind == "value-and-gradient":
            pair = Pairing(qualified, qualified, pair.kind, pair.rule, pair.wrt)
        fn = FunctionInfo(
            name=qualified,
            span=span,
            name_span=_name_span(src, node),
            params=params,
            pairing=pair,
            differentiable=bool(params) and pair is None and isinstance(node, ast.FunctionDef),
            lazy=self,
            cls=owner.name if owner is not None else None,
            binding=binding,
            scope=scope.qualified if scope is not None else None,
        )
        self.nodes[id(fn)] = node
        self.directives[id(fn)] = directive
        if scope is not None:
            self.scopes[id(fn)] = scope
        return fn

    def pairing(self, node: _FuncNode, owner: cls_.ClassInfo | None, params: tuple[Param, ...],
                d: Directive, scope: nested_.Scope | None = None) -> Pairing | None:
        if scope is not None:
            return self._nested_pairing(node, params, d, scope)
        if owner is not None and cls_.abstract(owner.name, node.name, self.classes):
            return None  # an abstract stub (raise NotImplementedError) is no derivative
        if owner is None and cls_._raises_not_implemented(node):
            return None
        names, required = _required(node, owner is not None and owner.bindings[node.name]
                                    in ("method", "classmethod"))
        names = tuple(p.name for p in params if p.kind in ("positional", "keyword"))
        try:
            doc = ast.get_docstring(node, clean=True)
        except _FAILURES:
            doc = None
        if owner is not None and not doc:
            base = next((c for c in cls_.mro(owner.name, self.classes)[1:]
                         if node.name in c.methods), None)
            doc = ast.get_docstring(base.methods[node.name], clean=True) if base else None
        lookup = self._class_lookup(owner) if owner is not None else self._module_lookup
        used = self._uses(owner).get(node.name)
        return pairing_.find(node.name, names, required, False, lookup, owner is not None, doc,
                             d.gradient_of, d.wrt, d.order, d.returns, node, used)

    def _uses(self, owner: cls_.ClassInfo | None) -> dict[str, tuple[str, str]]:
        key = owner.name if owner is not None else None
        if key not in self._used:
            funcs = owner.methods if owner is not None else self.module_funcs
            self._used[key] = pairing_.uses(funcs, owner is not None)
        return self._used[key]

    def _nested_pairing(self, node: _FuncNode, params: tuple[Param, ...], d: Directive,
                        scope: nested_.Scope) -> Pairing | None:
        """A closure pairs with a sibling (a def of the same enclosing body) by the
        conventions of a class's methods (functions returned together, as ``fun``, ``jac``
        and ``hess`` for one constraint), then with a function of the module by name only
        (``grad_f`` beside a top-level ``f``), as Python resolves the name, when it reads
        nothing of its enclosing call (`nested.enclosing_reads`). A guess is dropped when
        the derivative reads an argument of the enclosing call its partner does not."""
        if cls_._raises_not_implemented(node):
            return None
        _, required = _required(node, False)
        names = tuple(p.name for p in params if p.kind in ("positional", "keyword"))
        try:
            doc = ast.get_docstring(node, clean=True)
        except _FAILURES:
            doc = None

        def siblings(name: str) -> pairing_.Candidate | None:
            other = scope.defs.get(name)
            if other is None:
                return None
            return self._candidate(name, scope.name(name), scope.name(name), other, False,
                                   cls_._raises_not_implemented(other))

        where = f"the body of {scope.qualified}"
        used = pairing_.uses(scope.defs, False).get(node.name)  # closures call by name
        found = pairing_.find(node.name, names, required, False, siblings, True, doc,
                              d.gradient_of if d.gradient_of in scope.defs else None,
                              d.wrt, d.order, d.returns, node, used, where=where)
        guessed = not d.gradient_of and not d.returns
        if found is not None and guessed and found.of != scope.name(node.name):
            partner = scope.defs.get(found.of.rpartition(".")[2])
            if partner is not None and nested_.enclosing_params_read(node, scope) \
                    - nested_.enclosing_params_read(partner, scope):
                # it reads an argument of the enclosing call its function does not (the
                # order n of a factory's n-th derivative): not a guess's first derivative
                return None
        if found is not None or (guessed and nested_.enclosing_reads(node, scope)):
            # a closure of its enclosing call's values is not a guess's derivative of a
            # function of the module (only a directive says so)
            return found
        return pairing_.find(node.name, names, required, False, self._module_lookup, False,
                             doc, d.gradient_of, d.wrt, d.order, d.returns, None)

    def _candidate(self, name: str, of: str, target: str, node: _FuncNode, skip_first: bool,
                   abstract: bool) -> pairing_.Candidate:
        names, required = _required(node, skip_first)
        returns = bool(pairing_.VALUE_AND_GRAD.fullmatch(name))
        return pairing_.Candidate(name, of, target, names, required, abstract, returns)

    def _module_lookup(self, name: str) -> pairing_.Candidate | None:
        if "." in name:
            cls_name, _, method = name.rpartition(".")
            if cls_name in self.classes:
                return self._class_lookup(self.classes[cls_name])(method)
        node = self.module_funcs.get(name)
        if node is not None:
            return self._candidate(name, name, name, node, False,
                                   cls_._raises_not_implemented(node))
        if name in self.imports:
            return pairing_.Candidate(name, self.imports[name], name, None)
        return None

    def _class_lookup(self, owner: cls_.ClassInfo) -> Any:
        def lookup(name: str) -> pairing_.Candidate | None:
            if "." in name:
                return self._module_lookup(name)
            where = cls_.find_method(owner.name, name, self.classes)
            if where is None:
                return None
            binding = where.bindings[name]
            if binding == "property":
                return None
            return self._candidate(name, f"{where.name}.{name}", f"{owner.name}.{name}",
                                   where.methods[name], binding in ("method", "classmethod"),
                                   cls_.abstract(owner.name, name, self.classes))
        return lookup

    # -- lazily computed ---------------------------------------------------------------
    def source(self, fn: FunctionInfo) -> str:
        return self.src.segment(fn.span)

    def docstring(self, fn: FunctionInfo) -> str | None:
        try:
            return ast.get_docstring(self.nodes[id(fn)], clean=True)
        except _FAILURES:
            return None

    def shapes(self, fn: FunctionInfo) -> dict[str, shp.Shape]:
        return self._shapes_of(self.nodes[id(fn)], fn.cls, fn.binding, 0)

    def _shapes_of(self, node: _FuncNode, cls: str | None, binding: str,
                   depth: int) -> dict[str, shp.Shape]:
        """``shapes.infer``, plus: a parameter the body only passes on to another function
        of the file (``g(w)``, ``self._f(x)``) takes the shape that function needs."""
        key = id(node)
        hit = self._shape_cache.get(key)
        if hit is not None:
            return hit
        constants = dict(self.constants)
        if cls is not None:
            for c in cls_.mro(cls, self.classes):
                for k, v in c.attr_shapes.items():
                    constants.setdefault(k, v)
        calls: list[tuple[str, int | str, str]] = []
        try:
            doc = ast.get_docstring(node, clean=True)
            if not doc and cls is not None:  # the overridden method's, as help() shows it
                base = next((c for c in cls_.mro(cls, self.classes)[1:]
                             if node.name in c.methods), None)
                doc = ast.get_docstring(base.methods[node.name], clean=True) if base else None
            out = shp.infer(node, constants, skip_first=binding in ("method", "classmethod"),
                            calls=calls, documented=shp.doc_types(doc))
        except _FAILURES:
            out = {}
        self._shape_cache[key] = out  # recursion guard; refined below
        if cls is not None:  # in a class, a parameter name means the same in every method
            for param, mine in out.items():
                if mine.kind == "scalar" and not mine.why:
                    other = self._sibling_shape(cls, node, param, depth)
                    if other is not None:
                        out[param] = other
        for callee, where, param in calls if depth < 3 else ():
            mine = out.get(param)
            if mine is None or not ((mine.kind == "scalar" and not mine.why)
                                    or (mine.kind == "array" and not mine.exact)):
                continue
            found = self._callee(callee, cls)
            if found is None:
                continue
            tnode, tcls, tbinding = found
            names, _ = _required(tnode, tbinding in ("method", "classmethod"))
            if where == "*":
                where = tnode.args.vararg.arg if tnode.args.vararg is not None else ""
            pname = names[where] if isinstance(where, int) and where < len(names) else where
            theirs = self._shapes_of(tnode, tcls, tbinding, depth + 1).get(str(pname))
            if theirs is not None and theirs.kind == "array" and (
                    mine.kind == "scalar" or theirs.exact):
                out[param] = shp.Shape("array", theirs.dims, why=f"passed to {callee}",
                                       exact=theirs.exact)
        return out

    def _sibling_shape(self, cls: str, node: _FuncNode, param: str,
                       depth: int) -> shp.Shape | None:
        if depth > 0:
            return None
        for c in cls_.mro(cls, self.classes):
            for m, other in c.methods.items():
                binding = c.bindings[m]
                if other is node or binding == "property":
                    continue
                names, _ = _required(other, binding in ("method", "classmethod"))
                if param not in names:
                    continue
                theirs = self._shapes_of(other, c.name, binding, depth + 1).get(param)
                if theirs is not None and theirs.kind == "array" and theirs.why:
                    return shp.Shape("array", theirs.dims, why=f"as in {c.name}.{m}")
        return None

    def _callee(self, name: str, cls: str | None) -> tuple[_FuncNode, str | None, str] | None:
        if name in self.module_funcs:
            return self.module_funcs[name], None, "function"
        head, _, method = name.rpartition(".")
        owner = cls if head == "self" else head if head in self.classes else None
        if owner is None:
            return None
        where = cls_.find_method(owner, method, self.classes)
        if where is None or where.bindings[method] == "property":
            return None
        return where.methods[method], where.name, where.bindings[method]

    def target_of(self, fn: FunctionInfo) -> FunctionInfo | None:
        if fn.pairing is None or fn.pairing.of == fn.name:
            return None
        return self.functions.get(fn.pairing.of)

    def point(self, fn: FunctionInfo) -> Point:
        shapes = self.shapes(fn)
        doctest = doctest_point(fn.docstring, fn.method, fn.params)
        target = self.target_of(fn)
        borrowed = target.point if target is not None else None
        if borrowed is not None:
            borrowed = _positional(borrowed, target, fn)
            borrowed = _fit_own_use(borrowed, shapes)
        point = build_point(fn.params, self.directives[id(fn)].values, doctest, shapes,
                            borrowed=borrowed)
        if fn.pairing is not None and fn.pairing.kind == "hvp" and borrowed is not None:
            point = _vector_for_hvp(point, fn, borrowed)
        return point

    def enclosing(self, fn: FunctionInfo) -> FunctionInfo | None:
        scope = self.scopes.get(id(fn))
        if scope is None:
            return None
        hit = self._enclosing.get(scope.qualified)
        if hit is None:
            listed = self.functions.get(scope.qualified)
            if listed is not None and self.nodes.get(id(listed)) is scope.node:
                hit = listed
            else:  # a property (no card of its own): its FunctionInfo, unlisted
                owner = self.classes.get(scope.owner) if scope.owner else None
                hit = self.function(scope.node, owner)
            self._enclosing[scope.qualified] = hit
        return hit

    def instance(self, fn: FunctionInfo) -> Instance | None:
        if fn.binding == "nested":  # the enclosing method's self
            outer = fn.enclosing
            return outer.instance if outer is not None else None
        if fn.cls is None or fn.binding not in ("method", "property"):
            return None
        d = self.directives[id(fn)]
        if d.instance is not None:
            return Instance(d.instance, "directive", d.instance_text or instance_text(d.instance),
                            self._setup(fn.cls))
        target = self.target_of(fn)
        if target is not None and target.cls == fn.cls and target.instance is not None:
            return target.instance
        built = cls_.build(fn.cls, self.classes, fn.point.values)
        if built.spec is None:
            return None
        return Instance(built.spec, built.source, instance_text(built.spec), built.setup)

    def _setup(self, name: str) -> tuple[str, ...]:
        return tuple(m for m in cls_.SETUP_METHODS
                     if cls_.find_method(name, m, self.classes) is not None)[:1]

    def indent(self, fn: FunctionInfo) -> str:
        line = self.src.lines[fn.span.line]
        return line[: len(line) - len(line.lstrip())]

    def held(self, fn: FunctionInfo) -> tuple[str, ...]:
        names = {p.name for p in fn.params}
        const = tuple(n for n in self.directives[id(fn)].const if n in names)
        return const + tuple(n for n in fn.unreached if n not in const)

    def unreached(self, fn: FunctionInfo) -> tuple[str, ...]:
        params = [p.name for p in fn.params if p.kind in ("positional", "keyword")]
        return activity.unreached(self.nodes[id(fn)], params)

    def _extra(self, fn: FunctionInfo) -> tuple[str, ...]:
        extra: tuple[str, ...] = ()
        if fn.pairing is not None:
            extra = (fn.pairing.target.split(".", 1)[0],)
        if fn.instance is not None:  # the classes self is built from (and its arguments)
            extra += tuple(_classes_in(fn.instance.spec))
        return extra

    def slice(self, fn: FunctionInfo) -> tuple[str, int, str, tuple[int, ...]]:
        node: ast.stmt = self.nodes[id(fn)]
        if fn.cls is not None:
            node = self.classes[fn.cls].node
        elif fn.binding == "nested":
            node = self.scopes[id(fn)].node
        text, start, digest, lines = self.slicer.slice_for(node, self._extra(fn))
        if fn.cls is not None or fn.binding == "nested":
            # one class (or enclosing function) slice, several functions: the hash names it
            digest = hashlib.sha256((digest + "\0" + fn.name).encode()).hexdigest()
            wider = fn.subclass_slice[0]
            if wider:  # the card may run on one of them: it changes with them
                digest = hashlib.sha256((digest + "\0" + wider).encode()).hexdigest()
        return text, start, digest, lines

    def subclass_slice(self, fn: FunctionInfo) -> tuple[str, tuple[int, ...]]:
        """The method's class and the classes of the file derived from it, with what they
        need, when ``self`` is a guess (not a directive): where the kernel looks for
        another instance when the guessed one cannot be built or calls a method that is
        only a placeholder. ("", ()) when there is none."""
        if fn.cls is None or fn.instance is None or fn.instance.source == "directive":
            return "", ()
        derived = tuple(c.name for c in self.classes.values() if c.name != fn.cls and any(
            b.name == fn.cls for b in cls_.mro(c.name, self.classes)))
        if not derived:
            return "", ()
        text, _, _, lines = self.slicer.slice_for(self.classes[fn.cls].node,
                                                  self._extra(fn) + derived)
        return text, lines

    def static_source(self, fn: FunctionInfo) -> tuple[str, str, tuple[int, ...]]:
        text, _, _, lines = fn._slice
        if fn.cls is None and fn.binding != "nested":
            return text, fn.name, lines
        node = self.nodes[id(fn)]
        first = node.lineno - 1
        last = (node.end_lineno or node.lineno) - 1
        body = self.src.segment(Span(first, 0, last, len(self.src.lines[last])))
        indent = node.col_offset
        dedented = "\n".join(line[indent:] if line[:indent].isspace() or not line[:indent]
                             else line.lstrip() for line in body.split("\n"))
        if fn.binding in ("method", "classmethod"):
            a = node.args
            first_arg = (a.posonlyargs + a.args)[0].arg if (a.posonlyargs + a.args) else ""
            if first_arg:
                dedented = re.sub(
                    rf"^(\s*(?:async\s+)?def\s+{re.escape(node.name)}\s*\(\s*){first_arg}\s*,?\s*",
                    r"\1", dedented, count=1)
        full = text + dedented + "\n"
        return full, node.name, lines + tuple(range(first, last + 1))

    def problems(self, fn: FunctionInfo) -> tuple[Problem, ...]:
        src = self.src
        found = [Problem(Span(line, 0, line, len(src.lines[line])), "bad-directive", why)
                 for line, why in self.directives[id(fn)].errors]
        try:
            found.extend(find_problems(src, self.nodes[id(fn)]))
        except _FAILURES:
            pass
        found.extend(self.point_problems(fn))
        return tuple(found)

    def point_problems(self, fn: FunctionInfo) -> list[Problem]:
        """Where a value cannot be made up: which parameter needs one, and the directive
        line to add (a quick fix in the editor)."""
        out: list[Problem] = []
        if not fn.differentiable and fn.pairing is None:
            return out
        shapes = self.shapes(fn)
        point = fn.point
        at = Span(fn.span.line, 0, fn.span.line, 0)
        indent = fn.indent
        for p in fn.params:
            shape = shapes.get(p.name)
            if shape is None or shape.kind != "object" or point.origins.get(p.name) != "synthetic":
                continue
            out.append(Problem(
                fn.name_span, "needs-point",
                f"{p.name} is used as {shape.why or 'an object'}: AD Lens cannot make up a "
                f"value for it. Give one with a directive above the def: # adlens: "
                f"{p.name}=<a literal>",
                Fix(f"Add an evaluation point for {fn.name}", at,
                    f"{indent}# adlens: {format_point(point.values)}\n")))
        node = self.nodes[id(fn)]
        used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        for p in fn.params:
            if p.kind not in ("varargs", "varkw") or p.name in point.values \
                    or p.name not in used:
                continue
            star = "*" if p.kind == "varargs" else "**"
            example = "[1.0, 2.0]" if p.kind == "varargs" else "{'key': 1.0}"
            text = ", ".join(x for x in (point.text, f"{p.name}={example}") if x)
            out.append(Problem(
                p.span, "needs-point",
                f"{star}{p.name} gets no values at the point (nothing in the body says how "
                f"many or which): give them with a directive above the def: # adlens: "
                f"{p.name}={example}",
                Fix(f"Add values for {star}{p.name}", at, f"{indent}# adlens: {text}\n")))
        if fn.cls is not None and fn.binding == "method" and fn.instance is None:
            built = cls_.build(fn.cls, self.classes, point.values)
            args = self._init_text(fn.cls)
            out.append(Problem(
                fn.name_span, "needs-instance",
                f"{built.why or fn.cls + ' cannot be built'}: give self with a directive "
                f"above the def or the class: # adlens: self={fn.cls}({args})",
                Fix(f"Add how to build {fn.cls} for {fn.name}", at,
                    f"{indent}# adlens: self={fn.cls}({args})\n")))
        return out

    def _init_text(self, name: str) -> str:
        owner = cls_.find_method(name, "__init__", self.classes)
        if owner is None:
            return ""
        names, required = _required(owner.methods["__init__"], True)
        return ", ".join(f"{n}=…" for n in names[:required])

    def body_lines(self, fn: FunctionInfo) -> tuple[int, ...]:
        lines: set[int] = set()
        try:
            for sub in ast.walk(self.nodes[id(fn)]):
                if isinstance(sub, _LINE_STMTS):
                    lines.update(range(sub.lineno - 1, (sub.end_lineno or sub.lineno)))
        except _FAILURES:
            pass
        return tuple(sorted(lines))


def _positional(point: Point, target: FunctionInfo, fn: FunctionInfo) -> Point:
    """The target's point under the derivative's parameter names: by name where they
    match, by position where the derivative renamed them."""
    own = [p.name for p in fn.params]
    theirs = [p.name for p in target.params]
    if all(n in theirs for n in own if n in point.values) and set(own) & set(theirs):
        return point
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for mine, other in zip(own, theirs, strict=False):
        if other in point.values:
            values[mine] = point.values[other]
            origins[mine] = point.origins.get(other, "synthetic")
    return Point(values, point.source, format_point(values), origins)


def _fit_own_use(point: Point, shapes: dict[str, shp.Shape]) -> Point:
    """A borrowed synthetic value with fewer dimensions than the derivative's own body
    needs gives way to the derivative's (the pair is evaluated where both bodies run)."""
    drop = [n for n, v in point.values.items()
            if point.origins.get(n) == "synthetic"
            and shapes.get(n, shp.Shape()).kind == "array"
            and _ndim(v) < len(shapes[n].dims or (1,))]
    if not drop:
        return point
    values = {k: v for k, v in point.values.items() if k not in drop}
    origins = {k: v for k, v in point.origins.items() if k not in drop}
    return Point(values, point.source, format_point(values), origins)


def _classes_in(spec: Any) -> list[str]:
    if isinstance(spec, dict) and "class" in spec:
        out = [spec["class"]]
        for v in [*spec.get("args", []), *spec.get("kwargs", {}).values()]:
            out += _classes_in(v)
        return out
    return []


def _ndim(v: Any) -> int:
    n = 0
    while isinstance(v, list) and v:
        n, v = n + 1, v[0]
    return n


def _vector_for_hvp(point: Point, fn: FunctionInfo, borrowed: Point) -> Point:
    """A Hessian-vector product's extra vector: shaped like the first array argument of
    its function, with values of its own (not the point itself: Hx·x hides errors less
    well than Hx·v for an unrelated v)."""
    extra = [p.name for p in fn.params if p.name not in borrowed.values
             and point.origins.get(p.name) == "synthetic"]
    like = next((v for v in borrowed.values.values() if isinstance(v, list)), None)
    if not extra or like is None:
        return point
    values = dict(point.values)
    values[extra[0]] = _like(like)
    return Point(values, point.source, format_point(values), dict(point.origins))


def _like(v: Any, k: list[int] | None = None) -> Any:
    k = k if k is not None else [0]
    if isinstance(v, list):
        return [_like(x, k) for x in v]
    k[0] += 1
    return round((-1) ** k[0] * (0.25 + 0.25 * k[0]), 10)


def _params(src: Source, node: _FuncNode, skip_first: bool = False) -> tuple[Param, ...]:
    a = node.args
    positional = a.posonlyargs + a.args
    defaults: list[Any] = [MISSING] * (len(positional) - len(a.defaults)) + list(a.defaults)
    out: list[Param] = []

    def add(arg: ast.arg, default: Any, kind: str) -> None:
        s = src.span(arg)
        value = MISSING
        if default is not MISSING and default is not None:
            try:
                value = ast.literal_eval(default)
            except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
                value = MISSING
        span = Span(s.line, s.col, s.line, s.col + len(arg.arg))
        out.append(Param(arg.arg, span, value, kind))  # type: ignore[arg-type]

    for i, (arg, d) in enumerate(zip(positional, defaults, strict=False)):
        if skip_first and i == 0:
            continue
        add(arg, d, "positional")
    if a.vararg:
        add(a.vararg, MISSING, "varargs")
    for arg, d in zip(a.kwonlyargs, a.kw_defaults, strict=False):
        add(arg, d if d is not None else MISSING, "keyword")
    if a.kwarg:
        add(a.kwarg, MISSING, "varkw")
    return tuple(out)


def _name_span(src: Source, node: _FuncNode) -> Span:
    line0 = node.lineno - 1
    text = src.lines[line0]
    col = src.col(line0, node.col_offset)
    m = _DEF.match(text, col)
    start = m.end() if m else col
    return Span(line0, start, line0, start + len(node.name))


def point_from_text(fn: FunctionInfo, text: str) -> Point:
    """A user-given point (``--at``, the checkGradient command) over ``fn``'s point.

    Raises ``PointError`` with a readable message when the text is not literals.
    """
    user = parse_assignments(text, fn.params)
    values = {**fn.point.values, **user}
    ordered = {p.name: values[p.name] for p in fn.params if p.name in values}
    origins = {k: ("user" if k in user else fn.point.origins.get(k, "synthetic")) for k in ordered}
    return Point(ordered, "user", format_point(ordered), origins)


__all__ = ["PointError", "analyze", "format_value", "point_from_text"]

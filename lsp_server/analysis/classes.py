"""Top-level classes: their methods (inherited ones too, within the file), literal
attributes, and how an instance is built for a method's card.

``self`` comes from, first that applies:
1. a directive ``# adlens: self=Class(1.345)`` above the method or the class;
2. ``Class()`` when ``__init__`` (its own or inherited within the file) needs no
   argument;
3. ``Class(a=…, b=…)`` with made-up values: a required argument named like one of the
   method's parameters takes that parameter's value (so ``self.a == a`` holds), the
   others a synthetic value of the shape ``__init__``'s body needs; an argument used as
   an object whose methods ``__init__``'s class calls gets an instance of a class of the
   file that has them and builds without arguments.
A class with ``setup_method`` (pytest) or ``setUp`` (unittest) gets it called after
construction, as a test runner would.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from . import shapes as shp

_FuncNode = ast.FunctionDef | ast.AsyncFunctionDef
SETUP_METHODS = ("setup_method", "setUp", "setup")


@dataclass
class ClassInfo:
    name: str
    node: ast.ClassDef
    bases: list[str]
    methods: dict[str, _FuncNode] = field(default_factory=dict)  # defined in its body
    bindings: dict[str, str] = field(default_factory=dict)  # name -> "method" | ...
    attr_shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)  # "self.F" -> (5, 3)
    object_uses: dict[str, set[str]] = field(default_factory=dict)  # "self.norm" -> {"rho"}
    called_attrs: set[str] = field(default_factory=set)  # self.x(...): a method or a callable


def binding_of(node: _FuncNode) -> str:
    for d in node.decorator_list:
        name = d.id if isinstance(d, ast.Name) else d.attr if isinstance(d, ast.Attribute) \
            else ""
        if name in ("staticmethod", "classmethod", "property", "cached_property"):
            return "property" if name == "cached_property" else name
        if isinstance(d, ast.Attribute) and d.attr in ("setter", "deleter", "getter"):
            return "property"
    return "method"


def collect(stmts: list[ast.stmt]) -> dict[str, ClassInfo]:
    """The top-level classes of a module (the last definition of a name wins)."""
    out: dict[str, ClassInfo] = {}
    for node in stmts:
        if not isinstance(node, ast.ClassDef):
            continue
        bases = [b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute)
                 else "" for b in node.bases]
        info = ClassInfo(node.name, node, [b for b in bases if b])
        for s in node.body:
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
                info.methods[s.name] = s
                info.bindings[s.name] = binding_of(s)
        _read_attributes(info)
        out[node.name] = info
    return out


def _read_attributes(info: ClassInfo) -> None:
    """``self.F = np.array([[...]])`` in any method: a shape the body's ``self.F @ x``
    fits; ``self.norm.rho(z)``: the methods an object attribute must have."""
    for s in info.node.body:
        if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0],
                                                                             ast.Name):
            shape = shp.literal_shape(s.value)
            if shape:
                info.attr_shapes[f"self.{s.targets[0].id}"] = shape
    init = info.methods.get("__init__")
    if init is not None:  # self.n = int(dimensions) with dimensions=10: an int the body uses
        a = init.args
        positional = a.posonlyargs + a.args
        defaults = {x.arg: d for x, d in zip(positional[len(positional) - len(a.defaults):],
                                              a.defaults, strict=False)}
        for node in ast.walk(init):
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and _self_attr(node.targets[0])):
                continue
            value = node.value
            if isinstance(value, ast.Call) and _name(value.func) == "int" and value.args:
                value = value.args[0]
            if isinstance(value, ast.Name) and value.id in defaults:
                value = defaults[value.id]
            if isinstance(value, ast.Constant) and isinstance(value.value, int) \
                    and not isinstance(value.value, bool):
                info.attr_shapes[f"int:self.{node.targets[0].attr}"] = (value.value,)  # type: ignore[attr-defined]
    for m in info.methods.values():
        for node in ast.walk(m):
            if isinstance(node, ast.Assign):
                shape = shp.literal_shape(node.value)
                for t in node.targets:
                    if shape and _self_attr(t):
                        info.attr_shapes[f"self.{t.attr}"] = shape  # type: ignore[union-attr]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and _self_attr(node.func.value):
                key = f"self.{node.func.value.attr}"  # type: ignore[union-attr]
                info.object_uses.setdefault(key, set()).add(node.func.attr)
            elif isinstance(node, ast.Call) and _self_attr(node.func):
                info.called_attrs.add(node.func.attr)  # type: ignore[attr-defined]


def _name(node: ast.AST) -> str:
    return node.id if isinstance(node, ast.Name) else ""


def _self_attr(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
        and node.value.id == "self"


def mro(name: str, classes: dict[str, ClassInfo]) -> list[ClassInfo]:
    """The class and its bases defined in the file, in Python's lookup order (a
    depth-first approximation of C3, enough for the single-file hierarchies seen)."""
    out: list[ClassInfo] = []
    seen: set[str] = set()

    def visit(n: str) -> None:
        if n in seen or n not in classes:
            return
        seen.add(n)
        out.append(classes[n])
        for b in classes[n].bases:
            visit(b)

    visit(name)
    return out


def find_method(name: str, method: str, classes: dict[str, ClassInfo]) -> ClassInfo | None:
    """The class (``name`` or a base in the file) that defines ``method``."""
    for c in mro(name, classes):
        if method in c.methods:
            return c
    return None


def methods_of(name: str, classes: dict[str, ClassInfo]) -> dict[str, ClassInfo]:
    """Every method ``name``'s instances have (within the file) -> its defining class."""
    out: dict[str, ClassInfo] = {}
    for c in reversed(mro(name, classes)):
        for m in c.methods:
            out[m] = c
    return out


def _raises_not_implemented(node: _FuncNode) -> bool:
    body = [s for s in node.body if not (isinstance(s, ast.Expr)
                                        and isinstance(s.value, ast.Constant))]
    return len(body) == 1 and isinstance(body[0], ast.Raise) and body[0].exc is not None \
        and "NotImplementedError" in ast.unparse(body[0].exc)


def abstract(name: str, method: str, classes: dict[str, ClassInfo]) -> bool:
    """The method only raises NotImplementedError (an abstract base's stub)."""
    owner = find_method(name, method, classes)
    return owner is not None and _raises_not_implemented(owner.methods[method])


@dataclass
class Built:
    spec: dict[str, Any] | None
    source: str  # "constructor" | "synthetic"
    why: str = ""  # when spec is None: what could not be made up
    setup: tuple[str, ...] = ()


def build(name: str, classes: dict[str, ClassInfo], method_point: dict[str, Any],
          depth: int = 0) -> Built:
    """How to build an instance of class ``name`` (see the module docstring)."""
    setup = tuple(m for m in SETUP_METHODS if find_method(name, m, classes) is not None)[:1]
    owner = find_method(name, "__init__", classes)
    if owner is None:
        return Built({"class": name, "args": [], "kwargs": {}}, "constructor", setup=setup)
    init = owner.methods["__init__"]
    a = init.args
    positional = (a.posonlyargs + a.args)[1:]
    n_defaults = len(a.defaults)
    required = positional[: len(positional) - n_defaults] if n_defaults else positional
    required += [k for k, d in zip(a.kwonlyargs, a.kw_defaults, strict=False) if d is None]
    if not required:
        return Built({"class": name, "args": [], "kwargs": {}}, "constructor", setup=setup)
    if depth > 1:
        return Built(None, "synthetic", f"{name}() needs arguments")
    shapes = shp.infer(init, owner.attr_shapes, skip_first=True)
    kwargs: dict[str, Any] = {}
    for i, arg in enumerate(required):
        n = arg.arg
        if n in method_point:
            kwargs[n] = method_point[n]
            continue
        shape = shapes.get(n, shp.Shape())
        called = _stored_callable(n, init, name, classes)
        if called:
            return Built(None, "synthetic", f"{name}.__init__ needs {n}: a function "
                         f"(self.{called}(...) is called), which AD Lens cannot make up")
        other = _object_for(n, owner, classes, depth)
        if other is not None:
            kwargs[n] = other
            continue
        if shape.kind == "object":
            return Built(None, "synthetic", f"{name}.__init__ needs {n}: an object "
                         "AD Lens cannot make up")
        from .points import synthetic_value

        kwargs[n] = synthetic_value(i, shape)
    return Built({"class": name, "args": [], "kwargs": kwargs}, "synthetic", setup=setup)


def _stored_callable(param: str, init: _FuncNode, name: str,
                     classes: dict[str, ClassInfo]) -> str:
    """The attribute ``param`` is stored in, when the class calls it (``self.f = f`` ...
    ``self.f(x)``) and no method of that name exists: a function is needed."""
    methods = methods_of(name, classes)
    for node in ast.walk(init):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) \
                and node.value.id == param:
            for t in node.targets:
                if _self_attr(t) and t.attr not in methods and any(  # type: ignore[attr-defined]
                        t.attr in c.called_attrs for c in mro(name, classes)):  # type: ignore
                    return t.attr  # type: ignore[attr-defined]
    return ""


def _object_for(param: str, owner: ClassInfo, classes: dict[str, ClassInfo],
                depth: int) -> dict[str, Any] | None:
    """An instance of a class of the file that has the methods the class calls on the
    attribute ``param`` is stored in (``self.base_norm = base_norm`` ... ``self.base_norm
    .rho(z)``), built without arguments, whose methods are not abstract stubs."""
    init = owner.methods["__init__"]
    attrs = set()
    for node in ast.walk(init):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) \
                and node.value.id == param:
            attrs |= {f"self.{t.attr}" for t in node.targets if _self_attr(t)}  # type: ignore
    needed: set[str] = set()
    for c in classes.values():
        if c.name == owner.name or owner.name in [x.name for x in mro(c.name, classes)]:
            for a in attrs:
                needed |= c.object_uses.get(a, set())
    if not needed:
        return None
    for c in classes.values():
        if c.name == owner.name:
            continue
        have = methods_of(c.name, classes)
        if not needed <= set(have) or any(abstract(c.name, m, classes) for m in needed):
            continue
        built = build(c.name, classes, {}, depth + 1)
        if built.spec is not None and built.source == "constructor":
            return built.spec
    return None

"""A generated program: the transformed function, the functions it calls, their source.

One ``Program`` is one specialisation: a function, its differentiated
arguments and their types. It analyses the function and every user function
it calls (each callee gets its own generated ``g_vjp`` or ``g_jvp``, per
types and activity; a recursive call reuses the one being generated), writes
the source, and compiles it so that the generated functions read the user's
module globals as they are when they run.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import itertools
import linecache
import math
import os
import re
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import _ir as ir
from ._analysis import Analysis, Analyzer
from ._code import Lines
from ._errors import SourceTransformError
from ._normalize import NameGen, fixed_table, identifiers, local_names, normalize, table_item
from ._source import FunctionSource, function_source, missing
from ._table import FLOAT, UNKNOWN, Abs, Ph, Ref, StageTrace, Unsupported, abstract

_MAX_SPECIALISATIONS = 8  # of one callee; more (recursion changing shapes) are generic


@dataclass
class FunctionInfo:
    """One generated function."""

    fn: types.FunctionType
    src: FunctionSource
    ir: ir.Function
    key: tuple
    arg_abs: dict[str, Abs]
    varied: set[str]
    top: bool
    analysis: Analysis | None = None
    gen_name: str = ""
    seed_name: str = ""
    grad_params: list[str] = field(default_factory=list)
    single: bool = True
    returns_value: bool = False
    user_names: set[str] = field(default_factory=set)
    dot_names: dict[str, str] = field(default_factory=dict)  # forward: tangent parameters

    @property
    def result_varied(self) -> bool:
        if self.analysis is None:
            return True
        r = ir.atom_name(self.ir.result)
        return r is not None and r in self.analysis.varied


class Program:
    def __init__(self, mode: str, careful: bool = False, generic: bool = False) -> None:
        self.mode = mode  # "reverse" | "forward"
        self.careful = careful
        self.generic = generic
        self.infos: dict[tuple, FunctionInfo] = {}
        self.order: list[FunctionInfo] = []
        self.refs: dict = {}
        self.deps: dict[tuple, tuple] = {}
        self.names = NameGen(set(dir(builtins)) | {"np", "math", "rt", "PRIMITIVES"})
        self.names.taken -= {"np", "math", "rt", "PRIMITIVES"}
        self.counts: dict[Any, int] = {}
        self.top_info: FunctionInfo | None = None
        self.unresolved: list[str] = []

    # ------------------------------------------------------------ functions

    def top(self, fn, src: FunctionSource, nums: tuple[int, ...], arg_abs: dict[str, Abs],
            returns_value: bool = False, single: bool = True) -> FunctionInfo:
        """The function being transformed; ``single``: argnums was an int (one gradient,
        not a tuple of one)."""
        code = fn.__code__
        params = list(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
        varied = {params[i] for i in nums}
        ir_fn = normalize(src, varied)
        self._dep_tables(src)
        self.names.taken |= ir_fn.names
        info = FunctionInfo(fn, src, ir_fn, ("top",), arg_abs, varied, top=True)
        info.user_names = identifiers(src.node)
        info.grad_params = [params[i] for i in nums]
        info.returns_value = returns_value
        info.single = single
        self.top_info = info
        self._analyse(info)
        base = src.name if src.name != "lambda" else "lambda"
        info.gen_name = self.names.like(f"{base}_grad" if self.mode == "reverse"
                                        else f"{base}_jvp")
        self.order.insert(0, info)
        return info

    def callee(self, stmt: ir.Assign, analyzer: Analyzer, env: dict) -> FunctionInfo:
        f = stmt.callee
        src = function_source(f)
        call: ast.Call = stmt.value
        code = f.__code__
        params = list(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
        caller = analyzer.fn
        bound_abs: dict[str, Abs] = {}
        varied: set[str] = set()
        if code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
            # (before the arity check, whose count would leave the *args out)
            star = code.co_varnames[code.co_argcount + code.co_kwonlyargcount]
            which = f"*{star}" if code.co_flags & inspect.CO_VARARGS else f"**{star}"
            raise SourceTransformError(
                f"{f.__name__}() has {which} in its signature: not supported by source "
                "transformation (name the parameters)", line=stmt.line, construct="*args",
                file=analyzer.src.file)
        if len(call.args) > code.co_argcount:
            raise SourceTransformError(f"{f.__name__}() takes {code.co_argcount} positional "
                                       f"arguments but {len(call.args)} were given",
                                       line=stmt.line, file=analyzer.src.file)
        for p, a in zip(params, call.args):
            bound_abs[p] = analyzer.atom(a, env)
            if isinstance(a, ast.Name) and a.id in caller.varied:
                varied.add(p)
        for k in call.keywords:
            bound_abs[k.arg] = analyzer.atom(k.value, env)
            if isinstance(k.value, ast.Name) and k.value.id in caller.varied:
                varied.add(k.arg)
        defaults = _defaults(f)
        for p in params:
            if p not in bound_abs:
                if p not in defaults:
                    raise SourceTransformError(f"{f.__name__}() is missing argument {p!r}",
                                               line=stmt.line, file=analyzer.src.file)
                bound_abs[p] = _param_abs(defaults[p], self.generic)
        n = self.counts.get(f, 0)
        if n >= _MAX_SPECIALISATIONS:
            bound_abs = {p: (UNKNOWN if a.kind in ("array", "float") else a)
                         for p, a in bound_abs.items()}
        key = (f, tuple(sorted(varied)), tuple(sorted(bound_abs.items(), key=lambda x: x[0])))
        info = self.infos.get(key)
        if info is not None:
            return info
        self.counts[f] = n + 1
        self._dep_callee(analyzer.src, call, f)
        ir_fn = normalize(src, varied)
        self._dep_tables(src)
        self.names.taken |= ir_fn.names
        info = FunctionInfo(f, src, ir_fn, key, bound_abs, varied, top=False)
        info.user_names = identifiers(src.node)
        self.infos[key] = info
        self._analyse(info)
        self.order.append(info)
        return info

    def _analyse(self, info: FunctionInfo) -> None:
        an = Analyzer(info.ir, info.arg_abs, info.varied, self, info.src)
        info.analysis = an.run()
        a = info.analysis
        if not info.top:
            info.grad_params = [p for p in info.ir.params if p in info.varied and a.active(p)]
            info.single = len(info.grad_params) == 1
            result = ir.atom_name(info.ir.result) or "out"
            base = info.src.name if info.src.name != "lambda" else "lambda"
            info.gen_name = self.names.like(f"{base}_vjp" if self.mode == "reverse"
                                            else f"{base}_jvp")
            info.seed_name = NameGen(info.ir.names).like(f"{result}_bar")
        a.param_abs = dict(info.arg_abs)
        gen = NameGen(info.ir.names | {info.seed_name})
        info.dot_names = {p: gen.like(f"{p}_dot") for p in info.ir.params if p in info.varied}

    # ------------------------------------------------------------ names in the user's code

    def _dep(self, src: FunctionSource, name: str, value: Any) -> None:
        cell = src.closure.get(name)
        if cell is not None:
            self.deps[(id(cell), name)] = ("cell", cell, name, value)
        elif name in src.fn.__globals__:
            g = src.fn.__globals__
            self.deps[(id(g), name)] = ("global", g, name, value)

    def _dep_callee(self, src: FunctionSource, call: ast.Call, f) -> None:
        e = call.func
        while isinstance(e, ast.Attribute):
            e = e.value
        if isinstance(e, ast.Name):
            self._dep(src, e.id, src.lookup(e.id))

    def _dep_tables(self, src: FunctionSource) -> None:
        """Calls through a table of functions (``OPS[name](x)``): the code depends on the
        table's name, the key's name and the item itself (a table changed in place)."""
        locals_ = local_names(src.node)
        for n in ast.walk(src.node):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Subscript):
                found = table_item(n.func, src, locals_)
                if found is None:
                    continue
                table, key, item = found
                self._dep(src, n.func.value.id, table)  # type: ignore[attr-defined]
                if isinstance(n.func.slice, ast.Name):
                    self._dep(src, n.func.slice.id, key)
                self.deps[(id(table), ("item", key))] = ("item", table, key, item)

    def plain_value(self, src: FunctionSource, name: str) -> Any:
        v = src.lookup(name)
        if not missing(v):
            self._dep(src, name, v)
        return v

    def global_value(self, trace: StageTrace, src: FunctionSource, name: str) -> Any:
        """A non-local name, for staging: data are named stand-ins, the rest themselves."""
        v = src.lookup(name)
        if missing(v):
            raise Unsupported(f"name {name!r} is not defined")
        self._dep(src, name, v)
        if isinstance(v, (bool, np.bool_)) or v is None or isinstance(v, (str, int, np.integer)):
            return v
        if isinstance(v, (float, np.floating)):
            return trace.leaf(name, FLOAT)
        if isinstance(v, np.ndarray):
            return trace.leaf(name, abstract(v))
        if isinstance(v, (types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
                          type, np.ufunc)) or callable(v):
            return v
        if isinstance(v, tuple) and all(isinstance(x, (int, float, bool, str)) for x in v):
            return v
        if fixed_table(v):  # a table of functions, called through (``OPS[name](x)``)
            return v
        return Ph(name, Abs("object"))

    def local_names(self, fn: ir.Function) -> NameGen:
        return NameGen(self.names.taken | fn.names)

    def deps_ok(self) -> bool:
        for kind, holder, name, value in self.deps.values():
            if kind == "cell":
                try:
                    if holder.cell_contents is not value:
                        return False
                except ValueError:
                    return False
            elif kind == "item":
                try:
                    if holder[name] is not value:
                        return False
                except (KeyError, IndexError, TypeError):
                    return False
            elif holder.get(name, _NOTHING) is not value:
                return False
        return True

    # ------------------------------------------------------------ guards

    def guard_lines(self, info: FunctionInfo) -> Lines:
        """``if not (...): raise TypeError``: code specialised to argument types and shapes
        refuses any other, rather than compute a wrong derivative."""
        out = Lines()
        if not info.top or self.generic:
            return out
        conds = []
        what = []
        for p in info.ir.params:
            a = info.arg_abs.get(p)
            if a is None:
                continue
            c = _guard(p, a)
            if c:
                conds.append(c)
                what.append(f"{p}: {a.describe()}")
        if not conds:
            return out
        for text in _wrap("# specialised to " + ", ".join(what), 92, "# "):
            out.add(text, kind="header")
        joined = " and ".join(conds)
        if len(conds) == 1 and len(joined) <= 80:
            out.add(f"if not {joined}:")
        elif len(joined) <= 80:
            out.add(f"if not ({joined}):")
        else:
            out.add("if not (")
            for text in _wrap(joined, 88, "and ", split=" and "):
                out.add(text, indent=1)
            out.add("):")
        msg = f"{info.gen_name}: other argument types than it was generated for"
        out.add(f"raise TypeError({msg!r})", indent=1)
        return out

    # ------------------------------------------------------------ source and code

    def generate(self) -> Generated:
        """Emit every function; the source text, its line map, and the compiled functions."""
        from ._forward import Forward
        from ._reverse import Reverse

        bodies: list[tuple[FunctionInfo, Lines]] = []
        for info in self.order:
            em = Reverse(self, info, top=info.top) if self.mode == "reverse" else \
                Forward(self, info, top=info.top)
            bodies.append((info, em.emit()))
        return self._assemble(bodies)

    def _preamble(self, texts: list[str], modules: tuple[list, list]) -> list[str]:
        """Imports, in the sections ruff's isort expects (standard library, third party,
        first party: modules of the current directory), then the table's rules used."""
        # (the code only: a "# line N:" comment quotes the user's source)
        joined = "\n".join(ln for t in texts for ln in t.splitlines()
                           if not ln.lstrip().startswith("#"))
        imports: list[tuple[str, str]] = []  # (module, line)
        if re.search(r"\bmath\.", joined):
            imports.append(("math", "import math"))
        if re.search(r"\bnp\.", joined):
            imports.append(("numpy", "import numpy as np"))
        if any(isinstance(k, Ref) for k in self.refs):
            imports.append(("ad_core", "from ad_core import PRIMITIVES"))
        if re.search(r"\brt\.", joined):
            imports.append(("ad_core.sct", "from ad_core.sct import runtime as rt"))
        plain, froms = modules
        imports += plain + froms
        sections: dict[int, list[str]] = {0: [], 1: [], 2: []}
        for mod, line in imports:
            sections[_section(mod)].append(line)
        out = []
        for k in (0, 1, 2):
            lines = sections[k]
            if lines:
                # isort's default: plain imports before from-imports, each sorted by module.
                lines = sorted(set(lines), key=lambda ln: (ln.startswith("from"), _module_of(ln)))
                out += lines + [""]
        aliases = []
        for key, alias in sorted(((k, v) for k, v in self.refs.items() if isinstance(k, Ref)),
                                 key=lambda kv: kv[1]):
            if key.part is None:
                aliases.append(f"{alias} = PRIMITIVES[{key.prim!r}]")
            else:
                aliases.append(f"{alias} = PRIMITIVES[{key.prim!r}].{key.part}[{key.index}]  "
                               f"# the table's rule")
        if aliases:
            out += aliases + [""]
        return out

    def _module_names(self, bodies: list[tuple[FunctionInfo, Lines]]) -> list[str]:
        """Imports of the names the code reads from the user's modules (helpers, data), so
        that the source runs on its own; names with no module to import them from (a
        closure's, ``__main__``'s) are listed in a comment."""
        ours = set(self.refs.values()) | {i.gen_name for i, _ in bodies} | {
            "np", "math", "rt", "PRIMITIVES"}
        froms: dict[str, list[str]] = {}
        plain: list[str] = []
        unresolved: list[str] = []
        for info, lines in bodies:
            for name in sorted(_free_names(_render(lines)[0]) - ours):
                v = info.src.lookup(name)
                if missing(v) or name in info.src.closure:
                    unresolved.append(name)
                    continue
                if isinstance(v, types.ModuleType):
                    line = f"import {v.__name__}" + (
                        f" as {name}" if v.__name__ != name else "")
                    if line not in plain:
                        plain.append(line)
                    continue
                mod = getattr(v, "__module__", None) if callable(v) else None
                owner = mod if mod and getattr(sys.modules.get(mod), name, None) is v else \
                    info.src.fn.__module__
                if owner in (None, "__main__", "builtins") or owner not in sys.modules:
                    unresolved.append(name)
                    continue
                froms.setdefault(owner, [])
                if name not in froms[owner]:
                    froms[owner].append(name)
        self.unresolved = sorted(set(unresolved))
        return ([(_module_of(ln), ln) for ln in plain],
                [(m, f"from {m} import {', '.join(sorted(ns))}") for m, ns in froms.items()])

    def _assemble(self, bodies: list[tuple[FunctionInfo, Lines]]) -> Generated:
        texts = [_render(lines)[0] for _, lines in bodies]
        top = self.top_info
        head = [f"# Generated by AD Lens (ad_core.sct, source transformation) from "
                f"{top.src.fn.__qualname__}",
                f"# in {os.path.basename(top.src.file)}.",
                f"# {'Reverse' if self.mode == 'reverse' else 'Forward'} mode; an adjoint "
                f"x_bar is ∂out/∂x" + (", a tangent x_dot is dx/dt." if self.mode == "forward"
                                       else "."),
                ""]
        pre = self._preamble(texts, self._module_names(bodies))
        if self.unresolved:
            pre = ["# names the code reads from the function's own context: " +
                   ", ".join(self.unresolved), ""] + pre
        lines = head + pre + [""]
        line_map: dict[int, int] = {}
        blocks: list[tuple[int, int, int]] = []
        functions: dict[str, tuple[int, int]] = {}
        files: dict[str, str] = {}
        for info, body in bodies:
            text, origins, headers = _render(body)
            start = len(lines) + 1
            for i, o in enumerate(origins):
                if o is not None:
                    line_map[start + i] = o
            for h0, h1, o in headers:
                blocks.append((start + h0, start + h1, o))
            lines += text.splitlines()
            functions[info.gen_name] = (start, len(lines))
            files[info.gen_name] = info.src.file
            lines += ["", ""]
        while lines and lines[-1] == "":
            lines.pop()
        source = "\n".join(lines) + "\n"
        return Generated(source=source, name=top.gen_name, mode=self.mode,
                         function=top.src.fn.__qualname__, file=top.src.file,
                         line_map=line_map, blocks=blocks, functions=functions,
                         files=files, program=self, bodies=bodies, preamble=pre)

    def compile(self, gen: Generated) -> dict[str, Any]:
        """The generated functions, each reading its own module's globals (a copy, kept in
        step by the dependency checks of the caller) and the program's helpers."""
        from ..primitives import PRIMITIVES
        from . import runtime

        shared: dict[str, Any] = {"np": np, "math": math, "rt": runtime,
                                  "PRIMITIVES": PRIMITIVES}
        for key, alias in self.refs.items():
            if isinstance(key, Ref):
                shared[alias] = key.value
        made: dict[str, Any] = {}
        spaces = []
        for info, body in gen.bodies:
            text = _render(body)[0]
            self._check_module_names(info)
            ns = dict(info.src.fn.__globals__)
            for name, cell in info.src.closure.items():
                try:
                    ns[name] = cell.cell_contents
                except ValueError:
                    pass
            ns.update(shared)
            filename = f"<ad.sct {info.gen_name} #{next(_COMPILES)}>"
            linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
            exec(compile(text, filename, "exec"), ns)  # noqa: S102 - our own generated code
            fn = ns[info.gen_name]
            if info.top:
                fn.__defaults__ = info.fn.__defaults__
                fn.__kwdefaults__ = info.fn.__kwdefaults__
            made[info.gen_name] = fn
            spaces.append(ns)
        for ns in spaces:
            ns.update(made)
        return made

    def _check_module_names(self, info: FunctionInfo) -> None:
        for name, want in (("np", (np,)), ("math", (math,))):
            if name in info.user_names and name not in info.ir.locals:
                have = info.src.lookup(name)
                if not missing(have) and have not in want and not (
                        name == "math" and getattr(have, "__name__", "") == "ad_core.math"):
                    raise SourceTransformError(
                        f"the name {name!r} in {info.src.name} is not the {want[0].__name__} "
                        "module; source transformation writes code that uses it",
                        construct=name, file=info.src.file)


@dataclass
class Generated:
    """Generated source with the map back to the user's code.

    ``source``: the text. ``name``: the function to call (``f_grad`` or ``f_jvp``).
    ``line_map``: generated line -> line of the user's file it comes from (1-based;
    lines with no origin, such as imports, are absent). ``blocks``: one
    ``(first, last, origin)`` per adjoint block (``# line N: ...`` header through
    its last line), for document links. ``functions``: generated function name ->
    its (first, last) lines; ``files``: generated function name -> the file of the function
    it was generated from (a callee imported from another module has its own: the lines
    of its blocks and ``line_map`` entries are lines of that file).
    """

    source: str
    name: str
    mode: str
    function: str
    file: str
    line_map: dict[int, int]
    blocks: list[tuple[int, int, int]]
    functions: dict[str, tuple[int, int]]
    files: dict[str, str] = field(default_factory=dict)
    program: Any = None
    bodies: list = field(default_factory=list)
    preamble: list = field(default_factory=list)

    def origin(self, line: int) -> int | None:
        """The line of the user's file that generated line ``line`` comes from."""
        return self.line_map.get(line)

    def file_of(self, line: int) -> str:
        """The file whose lines ``origin(line)`` counts: ``f``'s, or a callee's own."""
        for name, (first, last) in self.functions.items():
            if first <= line <= last:
                return self.files.get(name, self.file)
        return self.file


def _module_of(line: str) -> str:
    return line.split()[1]


def _section(module: str) -> int:
    """0 standard library, 1 third party, 2 first party (a package in the current
    directory, as ruff's default ``src = ["."]`` finds it)."""
    top = module.split(".")[0]
    if top in getattr(sys, "stdlib_module_names", ()) or top in ("math", "os", "sys"):
        return 0
    here = Path.cwd()
    if (here / top).is_dir() or (here / f"{top}.py").is_file():
        return 2
    return 1


def _free_names(text: str) -> set[str]:
    """Names a piece of generated code reads but does not define (nor are built-ins)."""
    tree = ast.parse(text)
    loads, stores = set(), set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Name):
            (loads if isinstance(n.ctx, ast.Load) else stores).add(n.id)
        elif isinstance(n, ast.arg):
            stores.add(n.arg)
        elif isinstance(n, (ast.FunctionDef, ast.Lambda)):
            if isinstance(n, ast.FunctionDef):
                stores.add(n.name)
    return loads - stores - set(dir(builtins))


def _render(lines: Lines) -> tuple[str, list, list]:
    """(text, origin per line, header blocks as (first, last, origin) 0-based offsets)."""
    text = []
    origins = []
    headers = []
    open_block = None
    for i, ln in enumerate(lines.items):
        text.append("    " * ln.indent + ln.text)
        origins.append(ln.origin)
        if ln.kind == "header" and ln.text.startswith("# line "):
            if open_block is not None:
                headers.append((open_block[0], i - 1, open_block[1]))
            open_block = (i, ln.origin, ln.indent)
        elif open_block is not None and (ln.indent < open_block[2] or ln.origin != open_block[1]):
            headers.append((open_block[0], i - 1, open_block[1]))
            open_block = None
    if open_block is not None:
        headers.append((open_block[0], len(lines.items) - 1, open_block[1]))
    return "\n".join(text) + "\n", origins, headers


_NOTHING = object()
_COMPILES = itertools.count(1)


def _defaults(f) -> dict[str, Any]:
    out = {}
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        return out
    for p in sig.parameters.values():
        if p.default is not inspect.Parameter.empty:
            out[p.name] = p.default
    return out


def _param_abs(value: Any, generic: bool) -> Abs:
    a = abstract(value)
    if generic and a.kind not in ("module", "function"):
        return UNKNOWN if a.kind in ("float", "array") else Abs("object")
    return a


def _guard(p: str, a: Abs) -> str | None:
    """The condition argument ``p`` must meet for code specialised to ``a``."""
    if a.kind == "float":
        return f"isinstance({p}, float)"
    if a.kind == "int":
        return f"type({p}) is int"
    if a.kind == "bool":
        return f"type({p}) is bool"
    if a.kind == "array" and a.shape is not None:
        if a.dtype == "f":
            return f"rt.is_array({p}, {a.shape!r})"
        return f"rt.is_array({p}, {a.shape!r}, {a.dtype!r})"
    if a.kind == "module":
        return f"getattr({p}, '__name__', None) == {a.value.__name__!r}"
    if a.kind == "none":
        return f"{p} is None"
    return None


def _wrap(text: str, width: int, cont: str, split: str = ", ") -> list[str]:
    """``text`` in lines of at most ``width``, breaking after ``split``; continuation
    lines start with ``cont`` (for comments: ``# ``)."""
    parts = text.split(split)
    lines: list[str] = []
    cur = ""
    for i, part in enumerate(parts):
        piece = part if i == 0 else (split.strip() + " " + part if split.startswith(" ")
                                     else part)
        add = piece if not cur else (cur + (split if not split.startswith(" ") else " ")
                                     + piece)
        if cur and len(add) > width:
            lines.append(cur + (split.rstrip() if not split.startswith(" ") else ""))
            cur = (cont if cont.startswith("#") else "") + piece
        else:
            cur = add
    if cur:
        lines.append(cur)
    return lines


__all__ = ["FunctionInfo", "Generated", "Program"]

"""What the transformer knows before the code runs: types, activity, what to store.

- **Types** (abstract interpretation): every variable's kind and shape at
  every statement, starting from the arguments' (the generated code is
  specialised to them). Loops iterate to a fixed point; where a variable's
  shape changes from one iteration to the next it becomes unknown, and the
  code for it is generic.
- **Activity**: a variable is *varied* if it depends on a differentiated
  argument through a differentiable operation, *useful* if the result
  depends on it; only variables that are both (*active*) get an adjoint. An
  integer (a loop counter, a shape) is never varied.
- **Storage**: which assignments overwrite a value that the backward sweep
  will need again (saved before, restored after); which variables a loop
  carries from one iteration to the next (pushed, once per iteration, on a
  plain list).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from . import _ir as ir
from ._errors import SourceTransformError
from ._stage import evaluate, leaf, probe, traced_probe
from ._table import (
    BOOL,
    FLOAT,
    INT,
    NONE,
    UNKNOWN,
    Abs,
    Ph,
    StageTrace,
    Sym,
    Unsupported,
    ValueRead,
    abstract,
    join,
)

_WIDEN_AFTER = 4  # loop iterations of the type fixed point before shapes that move are unknown


@dataclass
class LoopInfo:
    carried: list[str]  # pushed at the start of every iteration
    header: list[str]  # the names the ``for`` header assigns
    header_saves: list[str]  # header names that held a value before the loop


@dataclass
class Analysis:
    fn: ir.Function
    env: dict[int, dict[str, Abs]] = field(default_factory=dict)  # before each statement
    out: dict[tuple[int, str], Abs] = field(default_factory=dict)  # what each one assigns
    result: Abs = UNKNOWN
    dynamic: set[int] = field(default_factory=set)  # OP statements staged only at run time
    nondiff: set[int] = field(default_factory=set)  # OP statements with no derivative at all
    errors: dict[int, str] = field(default_factory=dict)  # id(stmt) -> why it cannot be staged
    varied: set[str] = field(default_factory=set)
    useful: set[str] = field(default_factory=set)
    saves: set[tuple[int, str]] = field(default_factory=set)  # (id(stmt), name) to save first
    pre_init: list[str] = field(default_factory=list)  # set to None at the top
    loops: dict[int, LoopInfo] = field(default_factory=dict)
    maybe_before: dict[int, set] = field(default_factory=dict)  # names perhaps assigned
    surely_before: dict[int, set] = field(default_factory=dict)  # names certainly assigned
    calls: dict[int, Any] = field(default_factory=dict)  # id(CALL stmt) -> callee FunctionInfo

    param_abs: dict[str, Abs] = field(default_factory=dict)
    plain: set[str] = field(default_factory=set)  # only ever assigned values with no derivative

    def active(self, name: str) -> bool:
        return name in self.varied and name in self.useful

    def var_abs(self, name: str) -> Abs:
        """The variable's type over the whole function (joined)."""
        a = self.param_abs.get(name)
        for (_, n), v in self.out.items():
            if n == name:
                a = join(a, v)
        return a if a is not None else UNKNOWN

    def env_abs_param(self, name: str) -> Abs:
        return self.param_abs.get(name, UNKNOWN)

    def abs_before(self, stmt, name: str) -> Abs:
        return self.env.get(id(stmt), {}).get(name, UNKNOWN)


class Analyzer:
    def __init__(self, fn: ir.Function, arg_abs: dict[str, Abs], varied_params: set[str],
                 program, src) -> None:
        self.fn = fn
        self.a = Analysis(fn)
        self.arg_abs = arg_abs
        self.varied_params = varied_params
        self.program = program  # names of the user's module and the callees go through it
        self.src = src
        self.break_envs: list[list[dict]] = []

    def run(self) -> Analysis:
        self.a.param_abs = dict(self.arg_abs)
        self.a.plain = _plain_names(self.fn, self.varied_params)
        for name in self.fn.names - self.fn.locals:
            self._plain_lookup(name)  # every module name the code reads: a dependency
        env = {p: self.arg_abs.get(p, UNKNOWN) for p in self.fn.params}
        env = self.block(self.fn.body, env)
        name = ir.atom_name(self.fn.result)
        self.a.result = env.get(name, UNKNOWN) if name else UNKNOWN
        self.activity()
        self.in_place()
        self.storage()
        return self.a

    # ------------------------------------------------------------ types

    def block(self, stmts: list, env: dict) -> dict:
        for s in stmts:
            self.a.env[id(s)] = dict(env)
            if isinstance(s, ir.Assign):
                env[s.target] = self.assign(s, env)
                self.a.out[(id(s), s.target)] = env[s.target]
            elif isinstance(s, ir.Unpack):
                src = self.atom(s.source, env)
                for i, t in enumerate(s.targets):
                    env[t] = _element(src, i, len(s.targets))
                    self.a.out[(id(s), t)] = env[t]
            elif isinstance(s, ir.If):
                e1 = self.block(s.body, dict(env))
                e2 = self.block(s.orelse, dict(env))
                env = _join_env(e1, e2)
            elif isinstance(s, (ir.For, ir.While)):
                env = self.loop(s, env)
            elif isinstance(s, (ir.Break, ir.Continue)):
                if isinstance(s, ir.Break) and self.break_envs:
                    self.break_envs[-1].append(dict(env))
                # Code after a jump is dead; keep analysing it with the same types.
        return env

    def loop(self, s, env: dict) -> dict:
        head = dict(env)
        if isinstance(s, ir.For):
            for name, a in self.header_types(s, env).items():
                head[name] = a
        for it in range(_WIDEN_AFTER + 2):
            self.break_envs.append([])
            cur = dict(head)
            if isinstance(s, ir.While):
                cur = self.block(s.cond, cur)
            end = self.block(s.body, cur)
            breaks = self.break_envs.pop()
            new = _join_env(head, end)
            if it >= _WIDEN_AFTER:
                new = {k: (v if head.get(k) == v else _widen(v)) for k, v in new.items()}
            if new == head:
                break
            head = new
        out = _join_env(env, head)
        for b in breaks:
            out = _join_env(out, b)
        if isinstance(s, ir.While):
            out = _join_env(out, self.block(s.cond, dict(head)))
        return out

    def header_types(self, s: ir.For, env: dict) -> dict[str, Abs]:
        names = [n.id for n in ast.walk(s.target) if isinstance(n, ast.Name)]
        if s.indexed:
            return {names[0]: INT}
        it = s.iter
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range":
            return {n: INT for n in names}
        try:
            seq = probe(it, env, self._plain_lookup)
        except (ValueRead, Unsupported, Exception):  # noqa: BLE001 - any other iterable
            return {n: UNKNOWN for n in names}
        if seq.kind == "array" and seq.shape:
            el = Abs("array", seq.shape[1:], seq.dtype) if len(seq.shape) > 1 else (
                FLOAT if seq.dtype == "f" else INT if seq.dtype in "iu" else BOOL)
            if len(names) == 1:
                return {names[0]: el}
        return {n: UNKNOWN for n in names}

    def _plain_lookup(self, name: str):
        return self.program.plain_value(self.src, name)

    def atom(self, a: ast.expr, env: dict) -> Abs:
        if isinstance(a, ast.Name):
            if a.id in env:
                return env[a.id]
            return abstract(self._plain_lookup(a.id))
        if isinstance(a, ast.Constant):
            return abstract(a.value)
        try:
            return probe(a, env, self._plain_lookup)
        except Exception:  # noqa: BLE001 - a module attribute of unknown kind
            return UNKNOWN

    def assign(self, s: ir.Assign, env: dict) -> Abs:
        out = self._assign(s, env)
        if _complex(out):
            # Adjoint buffers, guards and staged rules are real; a complex intermediate
            # would lose its imaginary part (or its derivative) silently. ad.grad has it.
            self.a.errors[id(s)] = ("a complex value: ad.sct differentiates real-valued code "
                                    "only (ad.grad follows autograd's complex convention)")
            return UNKNOWN
        return out

    def _assign(self, s: ir.Assign, env: dict) -> Abs:
        k = s.kind
        if k == ir.COPY:
            return self.atom(s.value, env)
        if k == ir.PACK:
            return Abs("tuple", elts=tuple(self.atom(e, env) for e in s.value.elts))
        if k == ir.COMPARE:
            return self.compare(s.value, env)
        if k == ir.CALL:
            info = self.program.callee(s, self, env)
            self.a.calls[id(s)] = info
            return info.analysis.result if info.analysis is not None else UNKNOWN
        if k == ir.OPAQUE:
            if isinstance(s.value, ast.Constant):
                return abstract(s.value.value)
            try:
                return probe(s.value, env, self._plain_lookup)
            except Exception:  # noqa: BLE001 - plain code of any kind: its type is unknown
                return UNKNOWN
        # OP: staged on symbolic values (shapes only), so the type is exact.
        try:
            out = self.stage(s.value, env)
        except ValueRead:
            # Its lowering reads values (np.sort, np.floor, math.frexp...). Does it carry a
            # derivative at all? Ask the dispatch with traced samples (structure, not values).
            try:
                a = probe(s.value, env, self._plain_lookup)
            except Exception:  # noqa: BLE001
                a = UNKNOWN
            if traced_probe(s.value, env, self._plain_lookup) is False:
                self.a.nondiff.add(id(s))
                return a
            self.a.dynamic.add(id(s))
            if a.kind == "tuple":
                return a
            return a if a.kind in ("int", "bool", "float") else (
                Abs("array", None, a.dtype) if a.kind == "array" else UNKNOWN)
        except (Unsupported, TypeError, NotImplementedError, ValueError, IndexError) as e:
            self.a.errors[id(s)] = _first_line(e)
            return UNKNOWN
        if isinstance(out, Sym):
            return out.abs
        if isinstance(out, Ph):
            return out.abs
        return abstract(out)

    def stage(self, value: ast.expr, env: dict):
        trace = StageTrace()
        names = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
        local = {n: leaf(trace, n, env[n], n in self.a.plain) for n in names if n in env}
        return evaluate(value, local, lambda n: self.program.global_value(trace, self.src, n))

    def compare(self, v: ast.Compare, env: dict) -> Abs:
        shapes = []
        for x in [v.left, *v.comparators]:
            a = self.atom(x, env)
            if a.kind == "array":
                if a.shape is None:
                    return Abs("array", None, "b")
                shapes.append(a.shape)
            elif a.kind not in ("float", "int", "bool", "none"):
                return UNKNOWN
        if not shapes:
            return BOOL
        try:
            import numpy as np

            return Abs("array", np.broadcast_shapes(*shapes), "b")
        except ValueError:
            return UNKNOWN

    # ------------------------------------------------------------ activity

    def activity(self) -> None:
        a = self.a
        stmts = list(ir.walk(self.fn.body))
        locs = self.fn.locals
        varied = set(self.varied_params)
        changed = True
        while changed:
            changed = False
            for s in stmts:
                for t, srcs in _flows(s, a):
                    if t in varied:
                        continue
                    if any(x in varied for x in srcs & locs) and _differentiable(
                            a.env, s, t, a, self):
                        varied.add(t)
                        changed = True
        a.varied = varied
        result = ir.atom_name(self.fn.result)
        useful = {result} if result else set()
        changed = True
        while changed:
            changed = False
            for s in stmts:
                for t, srcs in _flows(s, a):
                    if t in useful:
                        new = (srcs & locs) - useful
                        if new:
                            useful |= new
                            changed = True
        a.useful = useful
        for s in stmts:
            if id(s) in a.errors and isinstance(s, ir.Assign) and any(
                    x in varied for x in ir.reads(s) & locs):
                raise SourceTransformError(a.errors[id(s)], line=s.line, file=self.src.file,
                                           construct=ast.unparse(s.value)[:40])

    # ------------------------------------------------------------ x += ... on arrays

    def in_place(self) -> None:
        """``x += y`` is written as ``x = x + y``. For an array that is only the same when no
        other name refers to x's array (NumPy changes it in place): a parameter, a copy of
        another name, a view (x[1:], x.T, x.reshape(...)) may be shared. Such a case is an
        error, not a derivative of something the function does not compute."""
        stmts = list(ir.walk(self.fn.body))
        for s in stmts:
            if not (isinstance(s, ir.Assign) and s.aug):
                continue
            a = self.a.env.get(id(s), {}).get(s.target, UNKNOWN)
            if a.kind in ("float", "int", "bool"):
                continue
            why = self._shared(s.target, stmts)
            if why:
                raise SourceTransformError(
                    f"'{s.target} {_aug_op(s)}= ...' changes an array in place, and {why}: the "
                    f"function's result depends on that sharing. Write '{s.target} = "
                    f"{s.target} {_aug_op(s)} ...' (or copy first) to differentiate it" + (
                        "; if it is a float, give example arguments (like=...) so that the "
                        "code is specialised to floats" if a.kind == "unknown" else ""),
                    line=s.line, file=self.src.file, construct="augmented assignment")

    def _shared(self, name: str, stmts: list) -> str | None:
        if name in self.fn.params:
            return f"{name} is a parameter (the caller's array)"
        for s in stmts:
            if isinstance(s, ir.Unpack) and name in s.targets:
                return f"{name} is an element unpacked from another array"
            if isinstance(s, ir.For) and name in ir.targets(s):
                return f"{name} is a loop variable"
            if not (isinstance(s, ir.Assign) and s.target == name) or s.aug:
                continue
            v = s.value
            if s.kind == ir.COPY and isinstance(v, ast.Name):
                return f"{name} is also {v.id} ({name} = {v.id}, line {s.line})"
            if s.kind == ir.OPAQUE and not isinstance(v, ast.Constant):
                if _fresh_call(v):
                    continue
                return f"{name} = {ast.unparse(v)[:30]} (line {s.line}) may be shared"
            if s.kind in (ir.OP, ir.CALL) and _view(v):
                return f"{name} = {ast.unparse(v)[:30]} (line {s.line}) is a view"
        return None

    # ------------------------------------------------------------ storage

    def storage(self) -> None:
        params = set(self.fn.params)
        pre: list[str] = []
        self._defs(self.fn.body, set(params), set(params), pre)
        seen = set()
        self.a.pre_init = [p for p in pre if not (p in seen or seen.add(p))]

    def _defs(self, stmts: list, maybe: set, definite: set, pre: list) -> tuple[set, set]:
        for s in stmts:
            self.a.maybe_before[id(s)] = set(maybe)
            self.a.surely_before[id(s)] = set(definite)
            if isinstance(s, (ir.Assign, ir.Unpack)):
                for t in ir.targets(s):
                    if t in maybe:
                        self.a.saves.add((id(s), t))
                        if t not in definite:
                            pre.append(t)
                    maybe.add(t)
                    definite.add(t)
            elif isinstance(s, ir.If):
                m1, d1 = self._defs(s.body, set(maybe), set(definite), pre)
                m2, d2 = self._defs(s.orelse, set(maybe), set(definite), pre)
                maybe, definite = m1 | m2, d1 & d2
            elif isinstance(s, (ir.For, ir.While)):
                header = ir.targets(s) if isinstance(s, ir.For) else []
                body = s.body if isinstance(s, ir.For) else s.cond + s.body
                inner_defined = set(definite) | set(header)
                exposed = ir.upward_exposed(body, inner_defined)
                assigned = ir.assigned(body)
                carried = sorted(assigned & (exposed | maybe))
                for c in carried:
                    if c not in definite:
                        pre.append(c)
                header_saves = [h for h in header if h in maybe]
                for h in header_saves:
                    if h not in definite:
                        pre.append(h)
                self.a.loops[id(s)] = LoopInfo(carried, header, header_saves)
                self._defs(body, set(maybe) | set(header) | set(carried),
                           set(definite) | set(header) | set(carried), pre)
                maybe = maybe | assigned | set(header)
        return maybe, definite


_VIEWS = {"reshape", "transpose", "T", "ravel", "swapaxes", "squeeze", "expand_dims",
          "broadcast_to", "view", "asarray", "atleast_1d", "atleast_2d", "moveaxis",
          "diagonal", "real", "asanyarray", "flip"}
_FRESH = {"zeros", "ones", "empty", "full", "array", "copy", "arange", "linspace", "eye",
          "zeros_like", "ones_like", "full_like", "empty_like"}


def _view(v: ast.expr) -> bool:
    """The operation may return a view of an operand (or, for a call, anything)."""
    if isinstance(v, ast.Subscript):
        return True
    if isinstance(v, ast.Attribute):
        return v.attr in _VIEWS
    if isinstance(v, ast.Call):
        f = v.func
        name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
        return name in _VIEWS
    return False


def _fresh_call(v: ast.expr) -> bool:
    if isinstance(v, ast.Call):
        f = v.func
        name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
        return name in _FRESH
    return isinstance(v, (ast.BinOp, ast.UnaryOp))


def _aug_op(s: ir.Assign) -> str:
    ops = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
           ast.MatMult: "@", ast.Mod: "%", ast.FloorDiv: "//"}
    v = s.value
    return ops.get(type(v.op), "?") if isinstance(v, ast.BinOp) else "?"


def _plain_names(fn: ir.Function, varied_params: set[str]) -> set[str]:
    """Names whose every assignment is plain data (opaque code, a comparison, a loop over
    plain data or an integer index), and that are not differentiated parameters."""
    derived: set[str] = set(varied_params)
    for s in ir.walk(fn.body):
        if isinstance(s, ir.Assign) and s.kind in (ir.OP, ir.COPY, ir.CALL, ir.PACK):
            derived.add(s.target)
        elif isinstance(s, ir.Unpack):
            derived.update(s.targets)
    return (ir.assigned(fn.body) | set(fn.params)) - derived


def _first_line(e: Exception) -> str:
    return (str(e) or type(e).__name__).splitlines()[0]


def _flows(s, a: Analysis) -> list[tuple[str, set[str]]]:
    """(target, names it is computed from) for the statements derivatives flow through."""
    if isinstance(s, ir.Assign) and id(s) in a.nondiff:
        return []
    if isinstance(s, ir.Assign) and s.kind in (ir.OP, ir.COPY, ir.CALL, ir.PACK):
        return [(s.target, ir.reads(s))]
    if isinstance(s, ir.Unpack):
        return [(t, ir.reads(s)) for t in s.targets]
    return []


def _differentiable(envs: dict, s, target: str, a: Analysis, an: Analyzer) -> bool:
    if isinstance(s, ir.Assign) and s.kind == ir.CALL:
        info = a.calls.get(id(s))
        return info is None or info.analysis is None or info.result_varied
    return _diff_abs(a.out.get((id(s), target), UNKNOWN))


def _diff_abs(t: Abs) -> bool:
    if t.kind == "tuple":
        return any(_diff_abs(e) for e in t.elts)
    return t.differentiable


def _element(src: Abs, i: int, n: int) -> Abs:
    if src.kind == "tuple" and len(src.elts) == n:
        return src.elts[i]
    if src.kind == "array" and src.shape is not None and src.shape and src.shape[0] == n:
        if len(src.shape) == 1:
            return FLOAT if src.dtype == "f" else INT if src.dtype in "iu" else BOOL
        return Abs("array", src.shape[1:], src.dtype)
    return UNKNOWN


def _join_env(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = join(out.get(k), v)
    return out


def _complex(v: Abs) -> bool:
    if v.kind == "tuple":
        return any(_complex(e) for e in v.elts)
    return v.kind == "array" and v.dtype == "c"


def _widen(v: Abs) -> Abs:
    if v.kind == "array":
        return Abs("array", None, v.dtype)
    if v.kind in ("float", "int", "bool", "none"):
        return v
    return UNKNOWN


__all__ = ["Analysis", "Analyzer", "LoopInfo", "NONE"]

"""Reverse mode: write ``f_grad``, a forward sweep then a backward sweep.

The forward sweep is ``f`` in normal form. Before a statement overwrites a
variable whose old value the backward sweep will read, the old value is kept
in a local (``s_old = s``); the backward block of that statement reads it and
then restores it. A branch keeps its decision (the condition's name). A loop
pushes, once per iteration, the values it carries from one iteration to the
next onto a plain list; the backward sweep walks that list in reverse, re-runs
the iteration's body from them and then runs the body's adjoint. Straight-line
code stores nothing else: no tape.

Each backward block starts with ``# line N: <statement>``. Adjoints are named
after their variables: ``x_bar`` is ∂out/∂x.
"""

from __future__ import annotations

import ast
import copy
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from . import _ir as ir
from ._block import Block, CallOp, Dynamic
from ._code import Accumulate, Assign, Buffer, Lines, Printer
from ._errors import SourceTransformError
from ._stage import leaf
from ._table import (
    PRIMITIVES,
    UNKNOWN,
    Abs,
    Generated,
    MakeTuple,
    Ph,
    Primitive,
    Runtime,
    Sym,
    TupleItem,
    Unsupported,
    const_value,
    literal,
    vjp,
)

LIVE = "live"  # the adjoint is a variable
OWNED = "owned"  # ... an array of its own: updated in place (x_bar[i] += ...)


def _isvar(st) -> bool:
    return st == LIVE or st == OWNED


def _join(a, b, prefer_owned: bool = False):
    """The state after two paths meet (adjoints then set where a path only knows 0 or a
    constant); at a loop head, an owned buffer stays owned (a copy is made before)."""
    if a == b:
        return a
    if OWNED in (a, b) and (prefer_owned or LIVE not in (a, b)):
        return OWNED
    return LIVE


@dataclass(frozen=True)
class DynamicVjp:
    """``rt.op_vjp(lambda ...: expr, g, args, wrt)``: the VJP of one operation that could
    not be staged before run time, computed when it runs (by the table, through ad.vjp)."""

    expr: ast.expr
    names: tuple
    wrt: tuple

    def code(self, printer: Printer, node) -> tuple[str, int]:
        lam = f"lambda {', '.join(self.names)}: {ast.unparse(self.expr)}"
        args = ", ".join(printer.value(a) for a in node.args[1:])
        g = printer.value(node.args[0])
        return (f"{printer.alias(Runtime('rt.op_vjp'))}({lam}, {g}, ({args},), "
                f"wrt={self.wrt!r})"), 16


class _Synthetic(ir.Assign):
    """A statement the emitter adds (a jump flag): never grouped with the user's."""


class Reverse:
    def __init__(self, program, info, top: bool) -> None:
        self.program = program
        self.info = info
        self.fn: ir.Function = info.ir
        self.a = info.analysis
        self.top = top
        self.names = program.local_names(self.fn)
        self.printer = Printer(self.names, program.refs, careful=program.careful)
        self._bar: dict[str, str] = {}
        self._saves: dict[tuple[int, str], str] = {}
        self._stacks: dict[int, str] = {}
        self._structured: dict[int, list] = {}
        self.user_names = info.user_names
        self.reads = _read_counts(self.fn.body)
        self.bwd_names: set[str] = set()
        self._live: tuple | None = None  # (size of bwd_names, the names the kept code reads)
        result = ir.atom_name(self.fn.result)
        if not top and result is not None:
            self._bar[result] = info.seed_name
            self.names.taken.add(info.seed_name)

    # ------------------------------------------------------------ names

    def bar(self, v: str) -> str:
        if v not in self._bar:
            self._bar[v] = self.names.like(f"{v}_bar")
        return self._bar[v]

    def save_name(self, s, v: str) -> str | None:
        if (id(s), v) not in self.a.saves:
            return None
        key = (id(s), v)
        if key not in self._saves:
            self._saves[key] = self.names.like(f"{v}_old")
        return self._saves[key]

    def lookup(self, trace):
        src = self.info.src
        return lambda name: self.program.global_value(trace, src, name)

    def error(self, msg: str, s) -> SourceTransformError:
        return SourceTransformError(msg, line=getattr(s, "line", None), file=self.info.src.file)

    # ------------------------------------------------------------ function

    def emit(self) -> Lines:
        fn = self.fn
        info = self.info
        out = Lines()
        header = self.signature()
        out.add(header, fn.line)
        body = Lines()
        guard = self.program.guard_lines(info)
        body.extend(guard)
        for v in self.a.pre_init:
            body.add(f"{v} = None", fn.line)
        result = ir.atom_name(fn.result)
        state: dict = {}
        seed = Lines()
        if self.top and result is not None and not self.a.active(result) and \
                not self.info.returns_value and self.a.result.kind != "float":
            # Nothing to differentiate, but grad still requires a scalar output.
            seed.add(f"{self.printer.alias(Runtime('rt.seed'))}({result})  "
                     "# the output must be a scalar")
            self.bwd_names.add(result)
        if result is not None and self.a.active(result):
            if self.top:
                ra = self.a.result
                if ra.kind == "float":
                    state[result] = 1.0
                else:
                    shape = ra.known_shape
                    if shape is not None and int(np.prod(shape)) == 1:
                        seed.add(f"{self.bar(result)} = np.ones({shape!r})")
                    else:
                        seed.add(f"{self.bar(result)} = "
                                 f"{self.printer.alias(Runtime('rt.seed'))}({result})")
                        self.bwd_names.add(result)
                    state[result] = LIVE
            else:
                state[result] = LIVE
        parts = self.region(fn.body)
        bwd, state = self.bwd(parts, state)
        fwd = self.fwd(parts)
        body.extend(fwd)
        if bwd or seed:
            body.add("# backward sweep: adjoints x_bar = ∂out/∂x", kind="header")
        body.extend(seed)
        body.extend(bwd)
        rets = [self.final(p, state) for p in info.grad_params]
        if self.top and info.returns_value:
            # The backward sweep restores overwritten names: keep the value before it.
            value = self.names.like("value")
            fwd_value = Lines()
            fwd_value.add(f"{value} = {ast.unparse(fn.result)}")
            idx = _first_header(body)
            body.items[idx:idx] = fwd_value.items
            body.add(f"return {value}, {_tuple(rets, info.single)}")
        else:
            body.add(f"return {_tuple(rets, info.single, parens=False)}")
        out.extend(body, 1)
        return out

    def signature(self) -> str:
        args = copy.deepcopy(self.fn.args)
        if not self.top:
            args.kwonlyargs.append(ast.arg(self.info.seed_name))
            args.kw_defaults.append(None)
        return f"def {self.info.gen_name}({ast.unparse(args)}):"

    def final(self, p: str, state: dict) -> str:
        st = state.get(p)
        if _isvar(st):
            return self.bar(p)
        if isinstance(st, float):
            return repr(st) if self.a.env_abs_param(p).kind == "float" else \
                self.zeros(p, self.a.env_abs_param(p), value=st)
        return self.zeros(p, self.a.env_abs_param(p))

    def zeros(self, v: str, a: Abs, value: float = 0.0) -> str:
        if a.kind == "float":
            return repr(float(value))
        if a.kind == "array" and a.shape is not None and a.dtype == "f":
            if value == 0.0:
                return f"np.zeros({a.shape!r})"
            return f"np.full({a.shape!r}, {value!r})"
        z = f"{self.printer.alias(Runtime('rt.zeros_like'))}({v})"
        return z if value == 0.0 else f"{z} + {value!r}"

    # ------------------------------------------------------------ regions

    def region(self, stmts: list) -> list:
        parts = []
        run: list = []
        for s in stmts:
            simple = isinstance(s, (ir.Assign, ir.Unpack)) and not isinstance(s, _Synthetic)
            if simple and run and run[-1].line == s.line and not isinstance(run[-1], _Synthetic):
                run.append(s)
                continue
            if run:
                parts.append(("block", run))
                run = []
            if isinstance(s, (ir.Assign, ir.Unpack)):
                run = [s]
            elif isinstance(s, ir.If):
                parts.append(("if", s, self.region(s.body), self.region(s.orelse)))
            elif isinstance(s, (ir.For, ir.While)):
                parts.append(("loop", s))
            elif isinstance(s, ir.Effect):
                parts.append(("effect", s))
            else:
                raise AssertionError(f"{type(s).__name__} outside a loop")
        if run:
            parts.append(("block", run))
        return parts

    def bwd(self, parts: list, state: dict) -> tuple[Lines, dict]:
        out = Lines()
        for part in reversed(parts):
            kind = part[0]
            if kind == "block":
                lines, state = self.block_bwd(part[1], state)
            elif kind == "if":
                lines, state = self.if_bwd(part, state)
            elif kind == "loop":
                lines, state = self.loop_bwd(part[1], state)
            else:
                continue
            out.extend(lines)
        return out, state

    def fwd(self, parts: list, rerun: bool = False) -> Lines:
        out = Lines()
        for part in parts:
            kind = part[0]
            if kind == "block":
                out.extend(self.block_fwd(part[1], saves=True))
            elif kind == "if":
                s = part[1]
                body = self.fwd(part[2], rerun)
                els = self.fwd(part[3], rerun)
                if not body.items and not els.items:
                    continue  # both branches computed nothing that is read (a test is a name)
                out.add(f"if {ast.unparse(s.test)}:", s.line)
                out.extend(body if body.items else _pass(), 1)
                if els.items:
                    out.add("else:", s.line)
                    out.extend(els, 1)
            elif kind == "loop":
                out.extend(self.loop_fwd(part[1]))
            elif kind == "effect":
                s = part[1]
                if not rerun or s.rerun:
                    for text in ast.unparse(s.node).splitlines():
                        out.add(text, s.line)
        return out

    # ------------------------------------------------------------ forward code

    def block_fwd(self, stmts: list, saves: bool) -> Lines:
        out = Lines()
        inline: dict[str, ast.expr] = {}
        for s in stmts:
            if saves:
                for t in ir.targets(s):
                    name = self.save_name(s, t)
                    if name is not None:
                        out.add(f"{name} = {t}", s.line)
            if isinstance(s, ir.Assign):
                value = _substitute(s.value, inline)
                if self._dead(s):
                    continue
                if self._inlinable(s, stmts, saves):
                    inline[s.target] = value
                    continue
                out.add(f"{s.target} = {ast.unparse(value)}", s.line)
            else:
                out.add(f"{', '.join(s.targets)} = {ast.unparse(_substitute(s.source, inline))}",
                        s.line)
        return out

    def _dead(self, s: ir.Assign) -> bool:
        """Nothing reads it: not the forward code that is kept, not the backward sweep, not
        the caller (the gradient alone is returned). User functions are taken to be free
        of side effects (re-running a loop iteration takes that too); plain code with a
        call in it stays."""
        if not _droppable(s):
            return False
        if self._live is None or self._live[0] != len(self.bwd_names):
            # (A loop's re-run is written while the backward sweep is: with what it reads
            # so far, which is all a re-run needs; the rest is written after.)
            self._live = (len(self.bwd_names), self._liveness())
        return s.target not in self._live[1]

    def _liveness(self) -> set[str]:
        """The names the kept code reads (a fixed point: what a kept statement reads is
        kept). Decisions, loop headers, pushed and saved values, effects, the backward
        sweep and the returned value count as reads."""
        live = set(self.bwd_names)
        result = ir.atom_name(self.fn.result)
        if result and self.info.returns_value and self.top:
            live.add(result)
        live |= {k[1] for k in self.a.saves if isinstance(k[1], str)}
        for info in self.a.loops.values():
            live |= set(info.carried) | set(info.header_saves)
        stmts = list(ir.walk(self.fn.body))
        for s in stmts:
            if isinstance(s, (ir.If, ir.For, ir.While, ir.Effect)):
                live |= ir.reads(s)
            if isinstance(s, ir.While):
                live.add(ir.atom_name(s.test) or "")
        changed = True
        while changed:
            changed = False
            for s in stmts:
                if isinstance(s, (ir.Assign, ir.Unpack)):
                    keep = not _droppable(s) or set(ir.targets(s)) & live
                    if keep:
                        new = ir.reads(s) - live
                        if new:
                            live |= new
                            changed = True
        return live

    def _inlinable(self, s: ir.Assign, stmts: list, saves: bool) -> bool:
        t = s.target
        if t in self.user_names or self.reads.get(t, 0) != 1 or s.kind == ir.CALL:
            return False
        if saves and (t in self.bwd_names or any(k[1] == t for k in self.a.saves)):
            return False
        if t == ir.atom_name(self.fn.result):
            return False
        return _inline_safe(s, stmts)

    def plain(self, stmts: list) -> Lines:
        """The user's code as it runs the first time through a loop: nothing kept."""
        out = Lines()
        run: list = []

        def flush():
            nonlocal run
            if run:
                out.extend(self.block_fwd(run, saves=False))
                run = []

        for s in stmts:
            if isinstance(s, (ir.Assign, ir.Unpack)):
                if run and run[-1].line != s.line:
                    flush()
                run.append(s)
                continue
            flush()
            if isinstance(s, ir.If):
                out.add(f"if {ast.unparse(s.test)}:", s.line)
                out.extend(self.plain(s.body) or _pass(), 1)
                if s.orelse:
                    out.add("else:", s.line)
                    out.extend(self.plain(s.orelse), 1)
            elif isinstance(s, ir.For):
                out.add(f"for {ast.unparse(s.target)} in {ast.unparse(s.iter)}:", s.line)
                out.extend(self.plain(s.body) or _pass(), 1)
            elif isinstance(s, ir.While):
                out.extend(self._while_head(s))
                out.extend(self.plain(s.body) or _pass(), 1)
            elif isinstance(s, ir.Break):
                out.add("break", s.line)
            elif isinstance(s, ir.Continue):
                out.add("continue", s.line)
            elif isinstance(s, ir.Effect):
                for text in ast.unparse(s.node).splitlines():
                    out.add(text, s.line)
        flush()
        return out

    def _while_head(self, s: ir.While) -> Lines:
        out = Lines()
        test = ir.atom_name(s.test)
        if len(s.cond) == 1 and isinstance(s.cond[0], ir.Assign) and s.cond[0].target == test \
                and self.reads.get(test, 0) == 1:
            out.add(f"while {ast.unparse(s.cond[0].value)}:", s.line)
            return out
        if not s.cond:
            out.add(f"while {ast.unparse(s.test)}:", s.line)
            return out
        out.add("while True:", s.line)
        inner = self.plain(s.cond)
        inner.add(f"if not {ast.unparse(s.test)}:", s.line)
        inner.add("break", s.line, indent=1)
        out.extend(inner, 1)
        return out

    # ------------------------------------------------------------ loops

    def stack_name(self, s) -> str:
        if id(s) not in self._stacks:
            self._stacks[id(s)] = self.names.like("stack")
        return self._stacks[id(s)]

    def _pushed(self, s) -> list[str]:
        info = self.a.loops[id(s)]
        head = [h for h in info.header if h in ir.upward_exposed(s.body, set())] \
            if isinstance(s, ir.For) else []
        return head + [c for c in info.carried if c not in head]

    def loop_fwd(self, s) -> Lines:
        info = self.a.loops[id(s)]
        out = Lines()
        for h in info.header_saves:
            out.add(f"{self.header_save(s, h)} = {h}", s.line)
        stack = self.stack_name(s)
        pushed = self._pushed(s)
        out.add(f"{stack} = []" if pushed else f"{stack} = 0", s.line)
        body = Lines()
        if pushed:
            body.add(f"{stack}.append({_tuple(pushed, len(pushed) == 1)})", s.line)
        else:
            body.add(f"{stack} += 1", s.line)
        body.extend(self.plain(s.body))
        if isinstance(s, ir.For):
            out.add(f"for {ast.unparse(s.target)} in {ast.unparse(s.iter)}:", s.line)
            out.extend(body, 1)
        else:
            head = self._while_head(s)
            out.extend(head)
            if head.items[-1].text == "break":  # while True: cond; if not test: break
                out.extend(body, 1)
            else:
                out.extend(body, 1)
        return out

    def header_save(self, s, h: str) -> str:
        key = (id(s), "header " + h)
        if key not in self._saves:
            self._saves[key] = self.names.like(f"{h}_old")
        return self._saves[key]

    def structured(self, s) -> list:
        """The loop body with break/continue (of this loop) turned into a flag, so that one
        iteration can be re-run as straight code."""
        if id(s) in self._structured:
            return self._structured[id(s)]
        flag = None

        def conv(stmts: list) -> tuple[list, bool]:
            nonlocal flag
            out: list = []
            for i, x in enumerate(stmts):
                if isinstance(x, (ir.Break, ir.Continue)):
                    if flag is None:
                        flag = self.names.like("jump")
                    out.append(_Synthetic(flag, ast.Constant(True), x.line, ir.OPAQUE))
                    return out, True
                if isinstance(x, ir.If):
                    b, j1 = conv(x.body)
                    o, j2 = conv(x.orelse)
                    out.append(ir.If(x.test, b, o, x.line))
                    if j1 or j2:
                        rest, _ = conv(stmts[i + 1:])
                        if rest:
                            go = self.names.fresh("t")
                            out.append(_Synthetic(go, ast.UnaryOp(ast.Not(), ast.Name(flag)),
                                                  x.line, ir.OPAQUE))
                            out.append(ir.If(ast.Name(go), rest, [], x.line))
                        return out, True
                    continue
                out.append(x)
            return out, False

        body, jumped = conv(s.body)
        if jumped and any(isinstance(x, _Synthetic) and x.target != flag for x in ir.walk(body)):
            body = [_Synthetic(flag, ast.Constant(False), s.line, ir.OPAQUE)] + body
        elif jumped:
            body = _drop(body, flag)  # the jump was last: nothing to guard
        self._structured[id(s)] = body
        return body

    def loop_bwd(self, s, state: dict) -> tuple[Lines, dict]:
        info = self.a.loops[id(s)]
        body = self.region(self.structured(s))
        head = dict(state)
        for _ in range(20):
            snap = self.names.snapshot()
            _, end = self.bwd(body, dict(head))
            self.names.restore(snap)
            new = _union(head, end)
            if new == head:
                break
            head = new
        out = Lines()
        out.extend(self.materialize(state, head, s, self.a.surely_before.get(id(s), set())))
        inner, end = self.bwd(body, dict(head))
        inner.extend(self.materialize(end, head, s))
        rerun = self.fwd(body, rerun=True)
        stack = self.stack_name(s)
        pushed = self._pushed(s)
        loop_body = Lines()
        loop_body.extend(rerun)
        loop_body.extend(inner)
        if not loop_body:
            return Lines(), head
        if pushed:
            out.add(f"for {_tuple(pushed, len(pushed) == 1, parens=False)} in "
                    f"reversed({stack}):", s.line)
        else:
            out.add(f"for _ in range({stack}):", s.line)
        out.extend(loop_body, 1)
        for h in info.header_saves:
            out.add(f"{h} = {self.header_save(s, h)}", s.line)
        return out, head

    def materialize(self, have: dict, want: dict, s, sure: set | None = None) -> Lines:
        """Set the adjoints that ``want`` has as variables but ``have`` only knows as zero
        or a constant (or as an array that may be shared, where ``want`` owns it)."""
        out = Lines()
        for v, st in want.items():
            cur = have.get(v)
            if st == cur or not _isvar(st):
                continue
            if cur == OWNED and st == LIVE:
                continue
            if cur == LIVE:  # st is OWNED: a copy of its own, to update in place
                out.add(f"{self.bar(v)} = {self.bar(v)}.copy()", s.line)
                continue
            a = self.a.var_abs(v)
            if sure is not None and v not in sure and a.known_shape is None:
                # Not assigned on every path to here: no value to size the zeros by. On a path
                # where it is unassigned its adjoint is never read; 0.0 adds to any shape.
                out.add(f"{self.bar(v)} = {float(cur or 0.0)!r}", s.line)
                continue
            out.add(f"{self.bar(v)} = {self.zeros(v, a, cur or 0.0)}", s.line)
        return out

    # ------------------------------------------------------------ branches

    def if_bwd(self, part, state: dict) -> tuple[Lines, dict]:
        s, body, orelse = part[1], part[2], part[3]
        l1, s1 = self.bwd(body, dict(state))
        l2, s2 = self.bwd(orelse, dict(state))
        joined = {}
        for v in set(s1) | set(s2):
            j = _join(s1.get(v), s2.get(v))
            if j is not None:
                joined[v] = j
        # The backward end of a branch is where it began: the variables assigned before it.
        sure = self.a.surely_before.get(id(s), set())
        l1.extend(self.materialize(s1, joined, s, sure))
        l2.extend(self.materialize(s2, joined, s, sure))
        out = Lines()
        if not l1 and not l2:
            return out, joined
        test = ast.unparse(s.test)
        self.bwd_names.update(_names_in(test))
        if l1:
            out.add(f"if {test}:", s.line)
            out.extend(l1, 1)
            if l2:
                out.add("else:", s.line)
                out.extend(l2, 1)
        else:
            out.add(f"if not {test}:", s.line)
            out.extend(l2, 1)
        return out, joined

    # ------------------------------------------------------------ a block

    def block_bwd(self, stmts: list, state: dict) -> tuple[Lines, dict]:
        a = self.a
        if not any(a.active(t) for s in stmts for t in ir.targets(s)):
            # Nothing here carries a derivative; only restore what was saved.
            return self._restores_only(stmts), state
        blk = self.block(stmts)
        trace = blk.trace
        fwd_nodes = list(trace.nodes)
        active = self._active(blk, fwd_nodes)
        adj: dict[int, list] = defaultdict(list)
        tadj: dict[int, dict] = defaultdict(dict)

        def seed(value, g):
            if isinstance(value, tuple):
                for i, c in enumerate(value):
                    gi = g[i] if isinstance(g, tuple) else trace.record(
                        TupleItem(i), (g,), {}, getattr(c, "abs", UNKNOWN))
                    seed(c, gi)
            elif isinstance(value, Sym) and id(value) in active:
                adj[id(value)].append(g)

        new_state = dict(state)
        for v in blk.defined:
            st = state.get(v)
            if st is None or not a.active(v):
                continue
            g = literal(trace, st) if isinstance(st, float) else \
                leaf(trace, self.bar(v), _abs_of(blk.finals[v]))
            seed(blk.finals[v], g)
        for node in reversed(fwd_nodes):
            out = node.out
            if id(out) not in active:
                continue
            op = node.op
            g = self._sum(adj.pop(id(out), []))
            if isinstance(op, TupleItem):
                if g is not None:
                    tadj[id(node.args[0])][op.index] = g
                continue
            if id(out) in tadj:
                g = self._tuple_adj(trace, out, tadj.pop(id(out)))
            if g is None:
                continue
            try:
                contribs = self.rules(trace, node, g, active)
            except (Unsupported, TypeError, NotImplementedError) as e:
                raise self.error(str(e).splitlines()[0], stmts[0]) from None
            for arg, c in contribs:
                adj[id(arg)].append(c)
        outputs = []
        for v in self._vars_in(blk):
            if not a.active(v):
                continue
            e = blk.entry.get(v)
            cur = None if v in blk.defined else state.get(v)
            if isinstance(e, tuple):
                # A tuple entering the block: its adjoint is the tuple of its items'.
                parts = [adj.get(id(x), []) if isinstance(x, Sym) else [] for x in e]
                if not any(parts):
                    continue
                if _isvar(cur):
                    old = leaf(trace, self.bar(v), _abs_of(e))
                    parts = [p + [o] for p, o in zip(parts, old)]
                items = [self._sum(p) if p else trace.record(
                    Runtime("rt.zeros_like"), (x,), {}, _abs_of(x)) for p, x in zip(parts, e)]
                outputs.append(Assign(self.bar(v), tuple(items)))
                new_state[v] = LIVE
                continue
            contribs = adj.get(id(e), []) if isinstance(e, Sym) else []
            new_state.pop(v, None)
            if cur is not None:
                new_state[v] = cur
            consts = [const_value(c) for c in contribs if const_value(c) is not None]
            terms = [c for c in contribs if const_value(c) is None]
            if not terms and not consts:
                continue
            if not terms and (cur is None or isinstance(cur, float)):
                new_state[v] = float(sum(consts)) + (cur or 0.0)
                continue
            if consts:
                terms.append(literal(trace, float(sum(consts))))
            name = self.bar(v)
            av = _abs_of(e)
            shape = av.shape if av.kind == "array" and av.dtype == "f" else None
            scat = [t for t in terms if shape is not None and _scatter(t, shape)]
            if scat or (cur == OWNED and shape is not None):
                rest = [t for t in terms if not any(t is x for x in scat)]
                if cur == OWNED:
                    init = None
                elif cur == LIVE:
                    init = f"{name}.copy()"
                else:
                    init = self.zeros(v, av, cur or 0.0)
                outputs.append(Buffer(name, init, rest, [
                    (t.node.params["idx"], t.node.args[0], not _basic(t.node.params["idx"]))
                    for t in scat]))
                new_state[v] = OWNED
                continue
            if cur is None:
                outputs.append(Assign(name, self._sum(terms)))
            elif isinstance(cur, float):
                outputs.append(Assign(name, self._sum(terms + [literal(trace, cur)])))
            else:
                scalar = av.kind == "float"
                outputs.append(Accumulate(name, terms, inplace=scalar))
            new_state[v] = LIVE
        lines = Lines()
        text = self.printer.statements(outputs, [n.out for n in trace.nodes])
        restores = blk.restores()
        if text or restores:
            line = stmts[0].line
            if text:
                lines.add(f"# line {line}: {self.info.src.text(line)}", line, kind="header")
            for t in text:
                lines.add(t, line)
            for v, saved in restores:
                lines.add(f"{v} = {saved}", line)
        self.bwd_names |= self.printer.used
        return lines, new_state

    def block(self, stmts: list) -> Block:
        holder: list = []

        def lookup(name):
            return self.program.global_value(holder[0], self.info.src, name)

        blk = Block.__new__(Block)
        blk.trace = None
        holder.append(_TraceProxy(blk))
        Block.__init__(blk, stmts, self.a, lambda v: v, self.save_name, lookup, self.error)
        return blk

    def _restores_only(self, stmts: list) -> Lines:
        out = Lines()
        for s in stmts:
            for t in ir.targets(s):
                saved = self.save_name(s, t)
                if saved is not None:
                    out.add(f"{t} = {saved}", s.line)
        return out

    def _vars_in(self, blk: Block) -> list[str]:
        seen = []
        for v in list(blk.entry) + blk.defined:
            if v not in seen:
                seen.append(v)
        return seen

    def _active(self, blk: Block, nodes: list) -> set[int]:
        act: set[int] = set()
        for v, e in blk.entry.items():
            if self.a.active(v):
                for x in _flat(e):
                    if isinstance(x, Sym):
                        act.add(id(x))
        for node in nodes:
            if any(id(x) in act for x in _flat(node.args) if isinstance(x, Sym)):
                act.add(id(node.out))
        return act

    def _sum(self, terms: list):
        if not terms:
            return None
        total = terms[0]
        for t in terms[1:]:
            total = PRIMITIVES["add"](total, t)
        return total

    def _tuple_adj(self, trace, out: Sym, parts: dict):
        n = len(out.abs.elts) if out.abs.kind == "tuple" else max(parts) + 1
        items = []
        for i in range(n):
            if i in parts:
                items.append(parts[i])
            else:
                el = out.abs.elts[i] if out.abs.kind == "tuple" else Abs("unknown")
                prim = trace.record(TupleItem(i), (out,), {}, el)
                items.append(trace.record(Runtime("rt.zeros_like"), (prim,), {}, el))
        return trace.record(MakeTuple(), tuple(items), {}, out.abs)

    # ------------------------------------------------------------ rules

    def rules(self, trace, node, g, active: set[int]) -> list:
        op = node.op
        out = node.out
        if isinstance(op, Primitive):
            res = []
            for i, x in enumerate(node.args):
                if isinstance(x, Sym) and id(x) in active:
                    res.append((x, vjp(op, i, g, out, node.args, node.params,
                                       careful=self.program.careful)))
            return res
        if isinstance(op, CallOp):
            return self.call_rule(trace, node, g, active)
        if isinstance(op, Dynamic):
            return self.dynamic_rules(trace, node, g, active)
        if isinstance(op, MakeTuple):
            return []
        raise AssertionError(f"no rule for {op!r}")

    def dynamic_rules(self, trace, node, g, active: set[int]) -> list:
        op = node.op
        if not isinstance(op, Dynamic):
            raise Unsupported(f"{getattr(op, 'name', op)}: a derivative rule read values that "
                              "are only known at run time")
        wrt = tuple(i for i, x in enumerate(node.args) if isinstance(x, Sym) and id(x) in active)
        call = trace.record(DynamicVjp(op.expr, op.names, wrt), (g, *node.args), {},
                            Abs("tuple"))
        res = []
        for j, i in enumerate(wrt):
            x = node.args[i]
            res.append((x, trace.record(TupleItem(j), (call,), {}, x.abs)))
        return res

    def call_rule(self, trace, node, g, active: set[int]) -> list:
        info = node.op.info
        callee = info
        args = node.args
        kw = dict(node.params)
        params = info.ir.params
        bound = {}
        for i, x in enumerate(args):
            if i < len(params):
                bound[params[i]] = x
        bound.update(kw)
        wrt = [p for p in callee.grad_params if isinstance(bound.get(p), Sym) and
               id(bound[p]) in active]
        if not wrt:
            return []
        call = trace.record(Generated(callee.gen_name), args, {**kw, callee.seed_name: g},
                            Abs("tuple"))
        if callee.single:
            return [(bound[callee.grad_params[0]], call)] if callee.grad_params[0] in wrt else []
        res = []
        for j, p in enumerate(callee.grad_params):
            if p in wrt:
                res.append((bound[p], trace.record(TupleItem(j), (call,), {}, bound[p].abs)))
        return res


class _TraceProxy:
    """The block's trace, once the block has made it (globals are staged into it)."""

    def __init__(self, blk) -> None:
        self.blk = blk

    def __getattr__(self, name):
        return getattr(self.blk.trace, name)


def _abs_of(x) -> Abs:
    if isinstance(x, (Sym, Ph)):
        return x.abs
    if isinstance(x, tuple):
        return Abs("tuple", elts=tuple(_abs_of(e) for e in x))
    return UNKNOWN


def _scatter(t, shape: tuple) -> bool:
    """``t`` is the table's ``untake`` (the transpose of reading x[idx]) into this shape,
    with an index a buffer can be updated at in place."""
    node = getattr(t, "node", None)
    if node is None or not isinstance(node.op, Primitive) or node.op.name != "untake":
        return False
    if tuple(node.params.get("shape", ())) != tuple(shape):
        return False
    return _basic(node.params["idx"]) or _int_fancy(node.params["idx"])


def _basic(idx) -> bool:
    items = idx if isinstance(idx, tuple) else (idx,)
    for i in items:
        if isinstance(i, slice):
            if not all(p is None or isinstance(p, int) or (isinstance(p, Ph) and
                       p.abs.kind == "int") for p in (i.start, i.stop, i.step)):
                return False
        elif not (i is None or i is Ellipsis or (isinstance(i, (int, np.integer)) and
                  not isinstance(i, bool)) or (isinstance(i, Ph) and i.abs.kind == "int")):
            return False
    return True


def _int_fancy(idx) -> bool:
    """Integer arrays (repeated indices add up: np.add.at)."""
    items = idx if isinstance(idx, tuple) else (idx,)
    for i in items:
        if isinstance(i, np.ndarray):
            if i.dtype.kind not in "iu":
                return False
        elif isinstance(i, Ph):
            if not (i.abs.kind == "int" or (i.abs.kind == "array" and i.abs.dtype in "iu")):
                return False
        elif not (isinstance(i, (int, np.integer, slice)) and not isinstance(i, bool)):
            return False
    return True


def _flat(x):
    if isinstance(x, (tuple, list)):
        for v in x:
            yield from _flat(v)
    elif isinstance(x, dict):
        for v in x.values():
            yield from _flat(v)
    else:
        yield x


def _union(a: dict, b: dict) -> dict:
    """A loop head's state: what it was before the loop joined with a body's end."""
    out = {}
    for k in set(a) | set(b):
        j = _join(a.get(k), b.get(k), prefer_owned=True)
        if j is not None:
            out[k] = j if _isvar(j) or a.get(k) == b.get(k) else LIVE
    return out


def _tuple(items: list[str], single: bool, parens: bool = True) -> str:
    if single and len(items) == 1:
        return items[0]
    inner = ", ".join(items)
    if len(items) == 1:
        inner += ","
    return f"({inner})" if parens else inner


def _droppable(s) -> bool:
    if not isinstance(s, ir.Assign) or isinstance(s, _Synthetic):
        return False
    if s.kind in (ir.OP, ir.COPY, ir.PACK, ir.COMPARE, ir.CALL):
        return True
    return s.kind == ir.OPAQUE and not any(isinstance(n, ast.Call) for n in ast.walk(s.value))


def _drop(stmts: list, flag: str) -> list:
    out = []
    for x in stmts:
        if isinstance(x, _Synthetic) and x.target == flag:
            continue
        if isinstance(x, ir.If):
            x = ir.If(x.test, _drop(x.body, flag), _drop(x.orelse, flag), x.line)
        out.append(x)
    return out


def _inline_safe(s: ir.Assign, stmts: list) -> bool:
    """``s``'s value can be written where it is read: the reader is later in ``stmts`` and
    nothing between them assigns a name the value is computed from."""
    deps = ir.reads(s) | {s.target}
    for x in stmts[stmts.index(s) + 1:]:
        if s.target in ir.reads(x):
            return True
        if deps & set(ir.targets(x)):
            return False
    return False


def _first_header(body: Lines) -> int:
    for i, ln in enumerate(body.items):
        if ln.kind == "header" and ln.text.startswith("# backward"):
            return i
    return len(body.items)


def _pass() -> Lines:
    out = Lines()
    out.add("pass")
    return out


def _substitute(e: ast.expr, inline: dict) -> ast.expr:
    if not inline:
        return e

    class Sub(ast.NodeTransformer):
        def visit_Name(self, n):
            if n.id in inline and isinstance(n.ctx, ast.Load):
                return copy.deepcopy(inline[n.id])
            return n

    return Sub().visit(copy.deepcopy(e))


def _read_counts(stmts: list) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for s in ir.walk(stmts):
        node = None
        if isinstance(s, ir.Assign):
            node = s.value
        elif isinstance(s, ir.Unpack):
            node = s.source
        elif isinstance(s, (ir.If, ir.While)):
            node = s.test
        elif isinstance(s, ir.For):
            node = s.iter
        elif isinstance(s, ir.Effect):
            node = s.node
        if node is not None:
            for n in ast.walk(node):
                if isinstance(n, ast.Name):
                    counts[n.id] += 1
    return counts


def _names_in(text: str) -> set[str]:
    try:
        return {n.id for n in ast.walk(ast.parse(text, mode="eval")) if isinstance(n, ast.Name)}
    except SyntaxError:
        return set()

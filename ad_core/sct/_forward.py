"""Forward mode: write ``f_jvp``, the function with a tangent beside every active value.

Each source line is followed by the tangents of what it assigned
(``x_dot`` is dx/dt for the direction given), computed with the table's JVP
rules. Control flow stays as written, jumps included: forward mode needs no
storage at all.
"""

from __future__ import annotations

import ast
import copy

from . import _ir as ir
from ._block import Block, CallOp, Dynamic
from ._code import Assign, Lines, Printer
from ._errors import SourceTransformError
from ._reverse import _inline_safe, _substitute
from ._stage import leaf
from ._table import (
    PRIMITIVES,
    UNKNOWN,
    Abs,
    MakeTuple,
    Primitive,
    Runtime,
    Sym,
    TupleItem,
    Unsupported,
    broadcast_tangent,
    jvp,
)

LIVE = "live"


class DynamicJvp:
    """``rt.op_jvp(lambda ...: expr, args, {i: tangent})`` for an operation staged at run
    time."""

    def __init__(self, expr: ast.expr, names: tuple, wrt: tuple) -> None:
        self.expr = expr
        self.names = names
        self.wrt = wrt

    def code(self, printer: Printer, node) -> tuple[str, int]:
        n = len(self.names)
        args = ", ".join(printer.value(a) for a in node.args[:n])
        tans = ", ".join(f"{i}: {printer.value(t)}" for i, t in zip(self.wrt, node.args[n:]))
        lam = f"lambda {', '.join(self.names)}: {ast.unparse(self.expr)}"
        return f"{printer.alias(Runtime('rt.op_jvp'))}({lam}, ({args},), {{{tans}}})", 16


class Forward:
    def __init__(self, program, info, top: bool) -> None:
        self.program = program
        self.info = info
        self.fn: ir.Function = info.ir
        self.a = info.analysis
        self.top = top
        self.names = program.local_names(self.fn)
        self.printer = Printer(self.names, program.refs, careful=program.careful)
        self._dot: dict[str, str] = {}
        self._saves: dict[tuple[int, str], str] = {}
        self.heads: list[dict] = []
        self.own: list = []
        self._reads: dict[str, int] = {}
        for st in ir.walk(self.fn.body):
            for n in ir.reads(st):
                self._reads[n] = self._reads.get(n, 0) + 1
        for p, name in info.dot_names.items():
            self._dot[p] = name
            self.names.taken.add(name)

    # ------------------------------------------------------------ names

    def dot(self, v: str) -> str:
        if v not in self._dot:
            self._dot[v] = self.names.like(f"{v}_dot")
        return self._dot[v]

    def error(self, msg: str, s) -> SourceTransformError:
        return SourceTransformError(msg, line=getattr(s, "line", None), file=self.info.src.file)

    def tangent_params(self) -> list[str]:
        return [p for p in self.fn.params if p in self.info.varied]

    # ------------------------------------------------------------ function

    def emit(self) -> Lines:
        fn = self.fn
        out = Lines()
        args = copy.deepcopy(fn.args)
        for p in self.tangent_params():
            args.kwonlyargs.append(ast.arg(self.dot(p)))
            args.kw_defaults.append(None)
        out.add(f"def {self.info.gen_name}({ast.unparse(args)}):", fn.line)
        body = Lines()
        body.extend(self.program.guard_lines(self.info))
        state = {p: LIVE for p in self.tangent_params()}
        lines, state = self.region(fn.body, state)
        body.extend(lines)
        result = ir.atom_name(fn.result)
        rt = self.dot(result) if result and state.get(result) == LIVE else \
            self.zeros(result, self.a.var_abs(result) if result else UNKNOWN)
        body.add(f"return {ast.unparse(fn.result)}, {rt}")
        out.extend(body, 1)
        return out

    def zeros(self, v: str | None, a: Abs) -> str:
        if a.kind == "float":
            return "0.0"
        if a.kind == "array" and a.shape is not None and a.dtype == "f":
            return f"np.zeros({a.shape!r})"
        if v is None:
            return "0.0"
        return f"{self.printer.alias(Runtime('rt.zeros_like'))}({v})"

    # ------------------------------------------------------------ regions

    def region(self, stmts: list, state: dict) -> tuple[Lines, dict]:
        out = Lines()
        run: list = []

        def flush():
            nonlocal run, state
            if run:
                lines, state = self.block(run, state)
                out.extend(lines)
                run = []

        for s in stmts:
            if isinstance(s, (ir.Assign, ir.Unpack)):
                call = isinstance(s, ir.Assign) and s.kind == ir.CALL
                if run and (run[-1].line != s.line or call or _is_call(run[-1])):
                    flush()
                run.append(s)
                continue
            flush()
            if isinstance(s, ir.If):
                lines, state = self.if_(s, state)
            elif isinstance(s, (ir.For, ir.While)):
                lines, state = self.loop(s, state)
            elif isinstance(s, (ir.Break, ir.Continue)):
                lines = self.materialize(state, self.heads[-1], s) if self.heads else Lines()
                lines.add("break" if isinstance(s, ir.Break) else "continue", s.line)
            elif isinstance(s, ir.Effect):
                lines = Lines()
                for text in ast.unparse(s.node).splitlines():
                    lines.add(text, s.line)
            else:
                raise AssertionError(type(s).__name__)
            out.extend(lines)
        flush()
        return out, state

    def if_(self, s: ir.If, state: dict) -> tuple[Lines, dict]:
        l1, s1 = self.region(s.body, dict(state))
        l2, s2 = self.region(s.orelse, dict(state))
        joined = {k: LIVE for k in set(s1) | set(s2)}
        before = self.a.maybe_before.get(id(s), set())
        surely = self.a.surely_before.get(id(s), set())
        for lines, st, branch in ((l1, s1, s.body), (l2, s2, s.orelse)):
            # Only where the variable exists on this path (a tangent is read with its value).
            here = before | ir.assigned(branch)
            sure = surely | ir.definitely_assigned(branch, surely)
            want = {k: v for k, v in joined.items() if k in here}
            lines.extend(self.materialize(st, want, s, sure))
        out = Lines()
        out.add(f"if {ast.unparse(s.test)}:", s.line)
        out.extend(l1 if l1.items else _pass(), 1)
        if l2.items:
            out.add("else:", s.line)
            out.extend(l2, 1)
        return out, joined

    def loop(self, s, state: dict) -> tuple[Lines, dict]:
        head = dict(state)
        for _ in range(20):
            snap = self.names.snapshot()
            self.heads.append(head)
            if isinstance(s, ir.While):
                _, st = self.region(s.cond, dict(head))
                _, end = self.region(s.body, st)
            else:
                _, end = self.region(s.body, dict(head))
            self.heads.pop()
            self.names.restore(snap)
            new = dict(head)
            for k in end:
                new[k] = LIVE
            if new == head:
                break
            head = new
        out = Lines()
        before = self.a.maybe_before.get(id(s), set())
        out.extend(self.materialize(state, {k: v for k, v in head.items() if k in before}, s,
                                    self.a.surely_before.get(id(s), set())))
        self.heads.append(head)
        if isinstance(s, ir.For):
            out.add(f"for {ast.unparse(s.target)} in {ast.unparse(s.iter)}:", s.line)
            body, end = self.region(s.body, dict(head))
        else:
            cond, st = self.region(s.cond, dict(head))
            test = ast.unparse(s.test)
            if not cond.items:
                out.add(f"while {test}:", s.line)
                body, end = self.region(s.body, st)
            else:
                out.add("while True:", s.line)
                body = Lines()
                body.extend(cond)
                body.add(f"if not {test}:", s.line)
                body.add("break", s.line, indent=1)
                b2, end = self.region(s.body, st)
                body.extend(b2)
        self.heads.pop()
        body.extend(self.materialize(end, head, s))
        out.extend(body if body.items else _pass(), 1)
        return out, head

    def materialize(self, have: dict, want: dict, s, sure: set | None = None) -> Lines:
        """Zero tangents for the variables ``want`` has and ``have`` has not; ``sure``: the
        names certainly assigned here (others cannot be read to size the zeros)."""
        out = Lines()
        for v, st in want.items():
            if st == LIVE and have.get(v) != LIVE:
                a = self.a.var_abs(v)
                z = self.zeros(v if sure is None or v in sure else None, a)
                out.add(f"{self.dot(v)} = {z}", s.line)
        return out

    # ------------------------------------------------------------ a block

    def save_name(self, s, v: str) -> str | None:
        key = (id(s), v)
        return self._saves.get(key)

    def _plan_saves(self, stmts: list) -> None:
        """Before an assignment, keep the old value of a name this block read already."""
        read: set[str] = set()
        for s in stmts:
            read |= ir.reads(s)
            for t in ir.targets(s):
                if t in read and (id(s), t) not in self._saves and (
                        t in self.fn.params or (id(s), t) in self.a.saves):
                    self._saves[(id(s), t)] = self.names.like(f"{t}_old")

    def block(self, stmts: list, state: dict) -> tuple[Lines, dict]:
        a = self.a
        self._plan_saves(stmts)
        holder: list = []

        def lookup(name):
            return self.program.global_value(holder[0].trace, self.info.src, name)

        blk = Block.__new__(Block)
        holder.append(blk)
        Block.__init__(blk, stmts, a, lambda v: v, self.save_name, lookup, self.error)
        trace = blk.trace
        nodes = list(trace.nodes)
        tan: dict[int, object] = {}

        def enter(e, name: str) -> None:
            if isinstance(e, Sym):
                tan[id(e)] = leaf(trace, name, e.abs)
            elif isinstance(e, tuple):  # a tuple's tangent is a tuple: t_dot[i]
                for i, x in enumerate(e):
                    enter(x, f"{name}[{i}]")

        for v, e in blk.entry.items():
            if state.get(v) == LIVE:
                enter(e, self.dot(v))
        call_line = None
        for node in nodes:
            out = node.out
            op = node.op
            if isinstance(op, CallOp):
                call_line = self.call(trace, node, tan, stmts, state)
                continue
            have = [(i, x) for i, x in enumerate(node.args) if isinstance(x, Sym) and id(x) in tan]
            if not have:
                continue
            try:
                if isinstance(op, Primitive):
                    terms = [jvp(op, i, tan[id(x)], out, node.args, node.params,
                                 careful=self.program.careful) for i, x in have]
                    t = terms[0]
                    for c in terms[1:]:
                        t = PRIMITIVES["add"](t, c)
                    t = broadcast_tangent(trace, t, out)
                elif isinstance(op, TupleItem):
                    src = tan[id(node.args[0])]
                    t = src[op.index] if isinstance(src, tuple) else \
                        trace.record(TupleItem(op.index), (src,), {}, out.abs)
                elif isinstance(op, Dynamic):
                    wrt = tuple(i for i, _ in have)
                    t = trace.record(DynamicJvp(op.expr, op.names, wrt),
                                     (*node.args, *[tan[id(x)] for _, x in have]), {}, out.abs)
                else:
                    continue
            except (Unsupported, TypeError, NotImplementedError) as e:
                raise self.error(str(e).splitlines()[0], stmts[0]) from None
            tan[id(out)] = t
        outputs = []
        new_state = dict(state)
        for v in blk.defined:
            new_state.pop(v, None)
            fin = blk.finals[v]
            t = tan.get(id(fin)) if isinstance(fin, Sym) else None
            if isinstance(fin, tuple):
                parts = [tan.get(id(x)) if isinstance(x, Sym) else None for x in fin]
                if any(p is not None for p in parts) and a.varied & {v}:
                    parts = [p if p is not None else _zero_tan(trace, x)
                             for p, x in zip(parts, fin)]
                    t = trace.record(MakeTuple(), tuple(parts), {}, Abs("tuple"))
            if t is None or v not in a.varied:
                continue
            if v not in self.info.user_names and self._local_to(v, stmts):
                continue  # a temporary read only on this line: its tangent was inline
            if (isinstance(t, Sym) and t.name == self.dot(v)) or any(t is o for o in self.own):
                new_state[v] = LIVE  # set by the line itself (t, t_dot = g_jvp(...))
                continue
            outputs.append(Assign(self.dot(v), t))
            new_state[v] = LIVE
        text = self.printer.statements(outputs, [n.out for n in trace.nodes])
        used = self.printer.used
        lines = Lines()
        line = stmts[0].line
        if call_line is not None:
            for s in stmts:
                for t in ir.targets(s):
                    saved = self.save_name(s, t)
                    if saved and saved in used:
                        lines.add(f"{saved} = {t}", line)
            lines.add(call_line, line)
        else:
            lines.extend(self.primal(stmts, used))
        for t in text:
            lines.add(t, line)
        return lines, new_state

    def primal(self, stmts: list, used: set[str]) -> Lines:
        out = Lines()
        inline: dict[str, ast.expr] = {}
        reads = {}
        for s in ir.walk(self.fn.body):
            for n in ir.reads(s):
                reads[n] = reads.get(n, 0) + 1
        for s in stmts:
            for t in ir.targets(s):
                saved = self.save_name(s, t)
                if saved and saved in used:  # only the old values a tangent reads
                    out.add(f"{saved} = {t}", s.line)
            if isinstance(s, ir.Assign):
                value = _substitute(s.value, inline)
                t = s.target
                if t not in self.info.user_names and reads.get(t, 0) == 1 and t not in used \
                        and t != ir.atom_name(self.fn.result) and s.kind != ir.CALL and \
                        _inline_safe(s, stmts) and not any(k[1] == t for k in self._saves):
                    inline[t] = value
                    continue
                out.add(f"{t} = {ast.unparse(value)}", s.line)
            else:
                out.add(f"{', '.join(s.targets)} = {ast.unparse(_substitute(s.source, inline))}",
                        s.line)
        return out

    def _local_to(self, v: str, stmts: list) -> bool:
        inside = sum(1 for s in stmts for n in ir.reads(s) if n == v)
        total = self._reads.get(v, 0)
        return total == inside and v != ir.atom_name(self.fn.result)

    def call(self, trace, node, tan: dict, stmts: list, state: dict) -> str:
        """``t, t_dot = g_jvp(args, a_dot=...)``: the value and its tangent in one call."""
        info = node.op.info
        stmt = [s for s in stmts if isinstance(s, ir.Assign) and s.kind == ir.CALL][0]
        params = info.ir.params
        call: ast.Call = stmt.value
        bound = {}
        for p, x in zip(params, node.args):
            bound[p] = x
        bound.update(node.params)
        targs = []
        for p in params:
            if p in info.varied:
                x = bound.get(p)
                if isinstance(x, Sym) and id(x) in tan:
                    targs.append(f"{info.dot_names[p]}={self.printer.value(tan[id(x)])}")
                else:
                    targs.append(f"{info.dot_names[p]}="
                                 f"{self.zeros(None, info.arg_abs.get(p, UNKNOWN))}")
        args = [ast.unparse(a) for a in call.args] + [f"{k.arg}={ast.unparse(k.value)}"
                                                      for k in call.keywords]
        t = stmt.target
        out = node.out
        tan[id(out)] = leaf(trace, self.dot(t), out.abs)
        self.own.append(tan[id(out)])  # the object, not its id: ids are reused
        return f"{t}, {self.dot(t)} = {info.gen_name}({', '.join(args + targs)})"


def _zero_tan(trace, x):
    return trace.record(Runtime("rt.zeros_like"), (x,), {}, getattr(x, "abs", UNKNOWN))


def _is_call(s) -> bool:
    return isinstance(s, ir.Assign) and s.kind == ir.CALL


def _pass() -> Lines:
    out = Lines()
    out.add("pass")
    return out


__all__ = ["Forward"]

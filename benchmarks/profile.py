"""Profile ad_core's gradient on a workload: where does the time go?

    python -m benchmarks.profile                       # scalar, logreg, mlp, rosenbrock n=10^5
    python -m benchmarks.profile scalar --seconds 5
    python -m benchmarks.profile mlp --sampler cprofile       # deterministic, call counts
    python -m benchmarks.profile logreg --lines       # line level; kernel time by asking line
    python -m benchmarks.profile logreg --sampler pyinstrument --tree

Runs the same case the benchmark times (``ad_core`` "grad") in a loop for a few
seconds and prints the functions with the most *self* time and the most
*inclusive* time, as a percentage of the samples taken inside that loop.

The default sampler is py-spy (``pip install py-spy``): it reads the stacks
from outside the process, so the engine's many tiny calls are not slowed by a
profiling hook. pyinstrument (``pip install pyinstrument``) is in-process and
inflates call-heavy code somewhat; cProfile much more, but it counts calls.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from . import backends as _backends
from .workloads import BUILDERS
from .workloads._common import Case

DEFAULT = ("scalar", "logreg", "mlp", "rosenbrock")
# The column profiled per workload: the biggest one, where overhead matters least.
KEYS = {"rosenbrock": "n=10^5"}


def _case(name: str) -> Case:
    bks = _backends.load_all(("numpy", "ad_core"))
    wl = BUILDERS[name](bks)
    key = KEYS.get(name, wl.keys[-1])
    for c in wl.cases:
        if c.backend == "ad_core" and c.key == key:
            return c
    raise SystemExit(f"no ad_core case in {name}")


def _loop(run: Any, seconds: float) -> int:
    n, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        run()
        n += 1
    return n


def _where(file: str | None, line: int | None) -> str:
    if not file:
        return "?"
    parts = file.split(os.sep)
    for anchor in ("ad_core", "numpy", "benchmarks"):
        if anchor in parts:
            i = len(parts) - 1 - parts[::-1].index(anchor)
            return f"{'/'.join(parts[i:])}:{line}"
    return f"{parts[-1]}:{line}"


def flat_profile(root: Any) -> tuple[float, dict, dict]:
    """(total, self time by function, inclusive time by function) from a pyinstrument tree."""
    selft: dict[str, float] = defaultdict(float)
    incl: dict[str, float] = defaultdict(float)
    stack = [(root, frozenset())]
    while stack:  # iterative: deep engine stacks would overflow recursion
        f, on_stack = stack.pop()
        name = f"{f.function} ({_where(f.file_path, f.line_no)})"
        # total_self_time already includes the synthetic [self]/[await] children.
        selft[name] += f.total_self_time
        if name not in on_stack:  # count recursion once
            incl[name] += f.time
        for c in f.children:
            if c.is_synthetic:
                continue
            stack.append((c, on_stack | {name}))
    return root.time, selft, incl


def _print_top(title: str, table: dict, total: float, n: int) -> None:
    print(f"  {title}")
    for name, t in sorted(table.items(), key=lambda kv: -kv[1])[:n]:
        print(f"    {100 * t / total:5.1f}%  {name}")


def _pyspy_exe() -> str | None:
    here = Path(sys.executable).with_name("py-spy")
    return str(here) if here.exists() else shutil.which("py-spy")


# Where NumPy's kernels are entered: a sample here is array work, not engine overhead,
# and the frame that called it says which forward op or derivative rule asked for it.
KERNEL_ENTRIES = ("Primitive.__call__", "_wrapreduction", "_wrapfunc")


def parse_collapsed(text: str, anchor: str = "_loop") -> tuple[int, dict, dict, dict]:
    """(samples, self, inclusive, kernel callers) counts from py-spy's raw stacks.

    Only the samples under ``anchor`` (the timed loop) count: imports and set-up are not
    the engine's cost. "kernel callers" attributes each sample spent in a NumPy entry
    point (:data:`KERNEL_ENTRIES`) to the first frame above the ad_core machinery
    (table / reverse / dispatch) that led to it: a line of the user's function
    (forward) or a derivative rule in ops.py (backward).
    """
    selft: dict[str, float] = defaultdict(float)
    incl: dict[str, float] = defaultdict(float)
    callers: dict[str, float] = defaultdict(float)
    total = 0
    for line in text.splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        frames = stack.split(";")
        at = [i for i, fr in enumerate(frames) if fr.startswith(anchor + " ")]
        if not at:
            continue
        frames = frames[at[0] + 1:]
        if not frames:
            continue
        count = int(n)
        total += count
        selft[_tidy(frames[-1])] += count
        for fr in {_tidy(fr) for fr in frames}:
            incl[fr] += count
        if any(frames[-1].startswith(k + " ") for k in KERNEL_ENTRIES) or \
                any(frames[-1].startswith(k + " ") for k in ("_any", "_sum")):
            for fr in reversed(frames[:-1]):
                t = _tidy(fr)
                if not any(m in t for m in ("primitives/table.py", "reverse.py", "_dispatch.py",
                                            "numpy/", "_core.py")):
                    callers[t] += count
                    break
    return total, selft, incl, callers


def _tidy(frame: str) -> str:
    name, _, where = frame.partition(" (")
    file, _, line = where.rstrip(")").rpartition(":")
    return f"{name} ({_where(file, int(line) if line.isdigit() else None)})"


def _profile_pyspy(name: str, seconds: float, top: int, lines: bool) -> None:
    exe = _pyspy_exe()
    if exe is None:
        raise SystemExit("py-spy is not installed: pip install py-spy, or --sampler pyinstrument")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "stacks.txt"
        level = [] if lines else ["--function"]
        cmd = [exe, "record", "--rate", "1000", *level, "--format", "raw", "--output",
               str(out), "--", sys.executable, "-m", "benchmarks.profile", name,
               "--seconds", str(seconds), "--sampler", "none"]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0 or not out.exists():
            raise SystemExit(f"py-spy failed: {p.stderr.strip()[-400:]}")
        print(p.stdout.strip())
        total, selft, incl, callers = parse_collapsed(out.read_text())
    if not total:
        raise SystemExit("py-spy took no samples inside the timed loop")
    print(f"  {total} samples (py-spy, 1 kHz, {'line' if lines else 'function'} level)")
    _print_top("self time (where the CPU is):", selft, total, top)
    _print_top("inclusive time (what it costs with everything it calls):",
               {k: v for k, v in incl.items() if not k.startswith("<lambda> (benchmarks")},
               total, top)
    if lines:
        _print_top("NumPy kernel time by the line that asked for it (forward line or rule):",
                   callers, total, top)


def profile(name: str, seconds: float, top: int, tree: bool, sampler: str,
            lines: bool = False) -> None:
    case = _case(name)
    case.run()  # warm
    if sampler == "none":  # the child that py-spy watches
        calls = _loop(case.run, seconds)
        print(f"=== ad_core {case.task} on {name} {case.key}: {calls} calls in {seconds} s")
        return
    if sampler == "py-spy":
        _profile_pyspy(name, seconds, top, lines)
        return
    print(f"\n=== ad_core {case.task} on {name} {case.key}")
    if sampler == "cprofile":
        pr = cProfile.Profile()
        pr.enable()
        calls = _loop(case.run, seconds)
        pr.disable()
        print(f"  {calls} calls (cProfile: deterministic; its overhead inflates tiny functions)")
        pstats.Stats(pr).sort_stats("tottime").print_stats(top)
        return
    from pyinstrument import Profiler

    prof = Profiler(interval=0.0002)
    prof.start()
    calls = _loop(case.run, seconds)
    prof.stop()
    session = prof.last_session
    root = session.root_frame()
    total, selft, incl = flat_profile(root)
    print(f"  {calls} calls, {1e3 * total / calls:.3f} ms per call under the profiler")
    _print_top("self time (where the CPU is):", selft, total, top)
    _print_top("inclusive time (what it costs with everything it calls):",
               {k: v for k, v in incl.items() if k != root.function}, total, top)
    if tree:
        print(prof.output_text(unicode=True, color=False, show_all=False))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("workloads", nargs="*", default=list(DEFAULT),
                   help=f"of: {', '.join(BUILDERS)}")
    p.add_argument("--seconds", type=float, default=4.0)
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--tree", action="store_true", help="also print pyinstrument's call tree")
    p.add_argument("--lines", action="store_true",
                   help="py-spy: line-level, and NumPy kernel time by the asking line")
    p.add_argument("--sampler", choices=("py-spy", "pyinstrument", "cprofile", "none"),
                   default="py-spy" if _pyspy_exe() else "pyinstrument")
    a = p.parse_args(argv)
    for name in a.workloads:
        if name not in BUILDERS:
            raise SystemExit(f"unknown workload {name} (choose from {', '.join(BUILDERS)})")
        profile(name, a.seconds, a.top, a.tree, a.sampler, a.lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

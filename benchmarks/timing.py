"""timeit-style timing: calibrated batches, several repeats, min and median per call.

The clock is the process's CPU time (``time.process_time``), not the wall
clock. Every backend is pinned to one thread, so on an idle machine the two
agree; on a shared one (this machine runs other sessions' tests: a load
average of 8 on 2 cores was seen) the wall clock mostly measures the
scheduler, while CPU time still measures the engine. CPU time counts every
thread of the process, so work handed to a helper thread is not hidden.
The wall-clock minimum is kept beside it in the JSON.
"""

from __future__ import annotations

import gc
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Settings:
    min_batch_s: float = 0.04  # a batch lasts at least this long, so the clock's grain is noise
    repeat: int = 5
    budget_s: float = 1.2  # per cell; slow cells get fewer repeats (never fewer than 3)


QUICK = Settings(min_batch_s=0.01, repeat=3, budget_s=0.5)


@dataclass(frozen=True)
class Measurement:
    best: float  # seconds of CPU per call, min over repeats
    median: float
    wall_best: float  # seconds of wall clock per call, min over repeats
    number: int  # calls per repeat
    repeat: int
    sys_share: float  # fraction of the CPU time spent in the kernel (page faults, mostly)
    minflt: float  # minor page faults per call


def measure(fn: Callable[[], Any], s: Settings = Settings()) -> Measurement:
    """Time ``fn`` in batches; per-call CPU seconds (best and median) and wall seconds.

    The garbage collector stays *on* (unlike :mod:`timeit`): engines that build
    reference cycles pay for them in real use, so they pay here too. A
    collection before each repeat starts every repeat from the same heap.
    """
    gc.collect()
    t0 = time.process_time()
    fn()
    one = max(time.process_time() - t0, 1e-7)
    number = max(1, int(s.min_batch_s / one))
    repeat = max(3, min(s.repeat, int(s.budget_s / (one * number))))
    if one > 5.0:
        repeat = 1  # a call this slow is its own average; the budget matters more
    cpu, wall = [], []
    # Kernel time is recorded because large fresh temporaries cost page faults (the
    # allocator hands freed big blocks back to the OS), which is easy to mistake for
    # the engine's own arithmetic.
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    for _ in range(repeat):
        gc.collect()
        w0, c0 = time.perf_counter(), time.process_time()
        for _ in range(number):
            fn()
        cpu.append((time.process_time() - c0) / number)
        wall.append((time.perf_counter() - w0) / number)
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    used = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return Measurement(min(cpu), statistics.median(cpu), min(wall), number, repeat,
                       sys_share=(r1.ru_stime - r0.ru_stime) / used if used > 0 else 0.0,
                       minflt=(r1.ru_minflt - r0.ru_minflt) / (number * repeat))


def measure_interleaved(fns: list[Callable[[], Any]], s: Settings = Settings(),
                        rounds: int = 7) -> list[Measurement]:
    """Time several competitors in interleaved rounds: each round runs one batch of each.

    On a shared machine the load drifts over seconds; timing one competitor after the
    other gives them different conditions, while interleaving gives each round's
    competitors the same ones, and the minimum over rounds drops the disturbed rounds.
    Used where the question is who is faster, cell by cell (the Jacobian sweep)."""
    numbers, reps = [], []
    for fn in fns:
        gc.collect()
        t0 = time.process_time()
        fn()
        one = max(time.process_time() - t0, 1e-7)
        numbers.append(max(1, int(s.min_batch_s / one)))
        # A slow competitor (seconds per call) gets fewer rounds, never fewer than 3.
        reps.append(max(3, min(rounds, int(s.budget_s / (one * numbers[-1])))))
    cpu: list[list[float]] = [[] for _ in fns]
    wall: list[list[float]] = [[] for _ in fns]
    for r in range(max(reps)):
        for i, fn in enumerate(fns):
            if r >= reps[i]:
                continue
            gc.collect()
            w0, c0 = time.perf_counter(), time.process_time()
            for _ in range(numbers[i]):
                fn()
            cpu[i].append((time.process_time() - c0) / numbers[i])
            wall[i].append((time.perf_counter() - w0) / numbers[i])
    return [Measurement(min(c), statistics.median(c), min(w), n, len(c), sys_share=0.0,
                        minflt=0.0) for c, w, n in zip(cpu, wall, numbers)]

"""Run the workloads: build cases, check every result against a reference, then time.

    python -m benchmarks                            # all workloads, all backends; writes files
    python -m benchmarks --only scalar,logreg       # a subset: prints only (see --json)
    python -m benchmarks --only mlp --backends ad_core,torch --quick
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

from . import backends as _backends
from . import report, timing
from .workloads import BUILDERS, NAMES
from .workloads import tape as _tape
from .workloads._common import Case, Result, Workload, max_error

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

# Without a hand-written reference, the most established engine is the reference.
_PRIORITY = ("numpy", "autograd", "torch", "jax", "micrograd", "ad_core", "ad_core.sct")
_DERIV = "deriv"


def _group(task: str) -> str:
    return "fn" if task == "fn" else _DERIV


def _pick_reference(cases: list[tuple[Case, object]]) -> tuple[Case, object] | None:
    for c, out in cases:
        if c.reference:
            return c, out
    for name in _PRIORITY:
        for c, out in cases:
            if c.backend == name and not c.label.endswith(".jit"):
                return c, out
    return cases[0] if cases else None


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_workload(wl: Workload, settings: timing.Settings) -> list[Result]:
    """Check every case of each column first, then time the ones that ran."""
    if wl.settings is not None and settings != timing.QUICK:
        settings = wl.settings
    results: list[Result] = []
    by_key: dict[str, list[Case]] = defaultdict(list)
    for c in wl.cases:
        by_key[c.key].append(c)
    for key in wl.keys:
        ran: dict[str, list[tuple[Case, object]]] = defaultdict(list)
        rows: list[tuple[Case, Result]] = []
        for c in by_key[key]:
            r = Result(wl.name, key, c.label, c.backend, c.task,
                       extra={"ops": wl.ops} if wl.ops else {})
            try:
                ran[_group(c.task)].append((c, c.run()))
            except Exception as e:  # noqa: BLE001 - a failing backend is a cell, not a crash
                r.ok, r.check = False, f"error: {type(e).__name__}: {e}".splitlines()[0][:160]
            rows.append((c, r))
        outputs = {id(c): out for g in ran.values() for c, out in g}
        for group, cases in ran.items():
            ref = _pick_reference(cases)
            if ref is None:
                continue
            ref_case, ref_out = ref
            for c, r in rows:
                if _group(c.task) != group or id(c) not in outputs:
                    continue
                if c is ref_case:
                    r.check = "reference"
                    continue
                agree, err = max_error(outputs[id(c)], ref_out)
                r.ok = agree
                r.check = (f"ok ({err})" if agree else
                           f"MISMATCH vs {ref_case.label} ({err})")
                if not agree:
                    _log(f"!! {wl.name} {key} {c.label} {c.task}: MISMATCH vs "
                         f"{ref_case.label} ({err})")
        for c, r in rows:
            r.extra.update(c.extra)
        if wl.interleave:
            results += _time_interleaved(wl, key, rows, settings)
            continue
        for c, r in rows:
            if r.check.startswith("error"):
                _log(f"!! {wl.name} {key} {c.label} {c.task}: {r.check}")
                results.append(r)
                continue
            try:
                m = timing.measure(c.run, settings)
                r.best_s, r.median_s, r.number, r.repeat = m.best, m.median, m.number, m.repeat
                r.extra.update(wall_best_s=m.wall_best, sys_share=round(m.sys_share, 3),
                               minflt_per_call=round(m.minflt, 1))
            except Exception as e:  # noqa: BLE001
                r.ok, r.check = False, f"error while timing: {type(e).__name__}: {e}"[:160]
            _log(f"   {wl.name:10s} {key:14s} {c.label:28s} {c.task:8s} "
                 f"{report.fmt_time(r.best_s):>10s}  {r.check}")
            results.append(r)
    for label, why in wl.skipped.items():
        results.append(Result(wl.name, "", label, label, "", ok=True, check=f"skipped: {why}"))
    return results


def _time_interleaved(wl: Workload, key: str, rows: list[tuple[Case, Result]],
                      settings: timing.Settings) -> list[Result]:
    """A column's cases timed in interleaved rounds (``timing.measure_interleaved``)."""
    ok = [(c, r) for c, r in rows if not r.check.startswith("error")]
    for c, r in rows:
        if r.check.startswith("error"):
            _log(f"!! {wl.name} {key} {c.label} {c.task}: {r.check}")
    try:
        ms = timing.measure_interleaved([c.run for c, _ in ok], settings)
    except Exception as e:  # noqa: BLE001
        for _, r in ok:
            r.ok, r.check = False, f"error while timing: {type(e).__name__}: {e}"[:160]
        return [r for _, r in rows]
    for (c, r), m in zip(ok, ms):
        r.best_s, r.median_s, r.number, r.repeat = m.best, m.median, m.number, m.repeat
        r.extra.update(wall_best_s=m.wall_best, interleaved=True)
        _log(f"   {wl.name:10s} {key:14s} {c.label:28s} {c.task:8s} "
             f"{report.fmt_time(r.best_s):>10s}  {r.check}")
    return [r for _, r in rows]


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", help=f"comma-separated workloads: {','.join(NAMES)}")
    p.add_argument("--backends", help="comma-separated backends: "
                   f"{','.join(_backends.ALL_BACKENDS)} (numpy, the baseline, is always on)")
    p.add_argument("--quick", action="store_true", help="fewer, shorter repeats (noisier)")
    p.add_argument("--json", type=Path, help="also write this run's JSON here")
    p.add_argument("--no-write", action="store_true",
                   help="a full run does not write bench.json / docs / readme_table.md")
    return p.parse_args(argv)


def _split(s: str | None, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    if not s:
        return allowed
    items = tuple(x.strip() for x in s.split(",") if x.strip())
    bad = [x for x in items if x not in allowed]
    if bad:
        raise SystemExit(f"unknown {what}: {', '.join(bad)} (choose from {', '.join(allowed)})")
    return items


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    names = _split(args.only, NAMES, "workload")
    wanted = _split(args.backends, _backends.ALL_BACKENDS, "backend")
    full = not args.only and not args.backends and not args.quick
    settings = timing.QUICK if args.quick else timing.Settings()

    t_start = time.perf_counter()
    bks = _backends.load_all(wanted)
    meta = report.machine_meta(bks)
    print(report.header_text(meta), flush=True)

    results: list[Result] = []
    for name in names:
        t0 = time.perf_counter()
        _log(f"== {name}")
        if name == "tape":
            results += _tape.run_all(bks)
            notes: list[str] = []
        else:
            wl = BUILDERS[name](bks)
            results += run_workload(wl, settings)
            notes = wl.notes
        meta.setdefault("notes", {})[name] = notes
        meta.setdefault("workload_seconds", {})[name] = round(time.perf_counter() - t0, 1)
    meta["total_seconds"] = round(time.perf_counter() - t_start, 1)
    meta["loadavg_end"] = list(os.getloadavg())

    doc = report.to_json(meta, results)
    print(report.render(doc, "text"))
    if full and not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        report.write_json(doc, RESULTS / "bench.json")
        written = [RESULTS / "bench.json", *report.write_docs(doc, ROOT)]
        print("wrote " + ", ".join(str(p) for p in written))
    if args.json:
        report.write_json(doc, args.json)
    bad = [r for r in results if r.check.startswith("MISMATCH")]
    if bad:
        print("\n" + "!" * 72)
        for r in bad:
            print(f"!! RESULT MISMATCH: {r.workload} {r.key} {r.label} {r.task}: {r.check}")
        print("!" * 72)
        return 1
    return 0

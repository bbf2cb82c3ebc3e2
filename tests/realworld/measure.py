"""Measure AD Lens on the real-world corpus through its real CLI.

    python tests/realworld/measure.py [--adlens PATH] [--details] [--jobs N] [FILE ...]

Runs `adlens check FILE --format json` on each corpus file (no directives, no options), reads
the cards and compares them with ground_truth.toml. Prints one Markdown table row per file
and a total. --details also lists, per file, what was missed and every false ✗.

Columns:
  functions   number-to-number functions and methods in the ground truth
  cards       of those, how many got a card (matched by name, `Class.method` for methods)
  gradients   of those cards, how many have a gradient (gradient.available)
  derivs      hand-written derivatives in the ground truth (entries that need a directive
              are left out: outside what AD Lens analyses without directives; scope "nested",
              closures defined in a function or method, are in: `Class.method.inner`)
  paired      of those, how many got a card whose verdict compares them with their function
  verified    paired, ground truth correct, verdict ✓
  wrong ✗     paired, ground truth wrong, verdict ✗   (of `wrong` in the ground truth)
  false ✗     every ✗ (a verdict or a finite-difference check) that is not on a derivative the
              ground truth says is wrong
  tracebacks  "Traceback" anywhere in the CLI's stdout or stderr
  exit        the CLI's exit status / the status the ground truth implies (1 when a wrong
              derivative is in reach, else 0)
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import subprocess
import sys
import time
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    sys.exit("measure.py needs Python 3.11+ (tomllib)")

HERE = Path(__file__).parent
ROOT = HERE.parent.parent


def in_reach(d: dict) -> bool:
    return not d.get("needs_directive", False)


def run(adlens: str, path: Path, timeout: float,
        time_limit: float | None = None) -> tuple[dict | None, str, int, float]:
    t0 = time.perf_counter()
    extra = ["--time-limit", str(time_limit)] if time_limit else []
    try:
        p = subprocess.run([adlens, "check", str(path), "--format", "json", *extra],
                           capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout} s", -1, time.perf_counter() - t0
    out = p.stdout + p.stderr
    try:
        doc = json.loads(p.stdout)
    except json.JSONDecodeError:
        doc = None
    return doc, out, p.returncode, time.perf_counter() - t0


def hand_check(card: dict) -> bool:
    """The card holds a verdict on a hand-written derivative (its output fit the rule)."""
    check, pairing = card.get("check") or {}, card.get("pairing") or {}
    return check.get("subject") == "hand" and pairing.get("fits", True)


def _why(card: dict) -> str:
    pairing = card.get("pairing") or {}
    if pairing and not pairing.get("fits", True):
        return f"not a pair: {pairing.get('message', '')}"
    missing = card.get("missing", {})
    for key in ("value", "pairing", "check"):
        if key in missing:
            return f"{key}: {missing[key].get('message', '')}"
    return card.get("status", "")


def measure(entry: dict, doc: dict | None, output: str, status: int) -> tuple[dict, list[str]]:
    functions = entry.get("functions", [])
    ders = [d for d in entry.get("derivatives", []) if in_reach(d)]
    cards = [c for f in (doc or {}).get("files", []) for c in f.get("cards", [])]
    by_name: dict[str, list[dict]] = {}
    for c in cards:
        by_name.setdefault(c["function"], []).append(c)
    names = {f["name"] for f in functions}
    found = [n for n in names if n in by_name]
    grads = [n for n in found if any(c.get("gradient") for c in by_name[n])]
    notes = [f"no gradient: {n}: {_why(by_name[n][0])[:200]}"
             for n in sorted(set(found) - set(grads))]
    notes += [f"no card: {n}" for n in sorted(names - set(found))]

    # one row per (derivative, function) pair; it is wrong when any of its entries is
    pairs: dict[tuple[str, str], bool] = {}
    for d in ders:
        key = (d["name"], d["of"])
        pairs[key] = pairs.get(key, True) and d["correct"]
    wrong_pairs = {k for k, ok in pairs.items() if not ok}
    wrong_names = {d["name"] for d in entry.get("derivatives", []) if not d["correct"]}

    paired = verified = caught = 0
    caught_pairs: list[tuple[str, str]] = []
    verified_wrong: list[tuple[str, str]] = []
    for (name, of), ok in pairs.items():
        cands = [c for c in by_name.get(name, []) if c.get("gradient_of") == of]
        verdicts = [c["check"] for c in cands if hand_check(c)]
        if not verdicts:
            why = "; ".join(_why(c) for c in cands) or "no card names it a derivative of it"
            notes.append(f"not paired: {name} (derivative of {of}): {why[:200]}")
            continue
        paired += 1
        outcome = verdicts[0]["outcome"]
        if ok and outcome == "verified":
            verified += 1
        elif not ok and outcome == "wrong":
            caught += 1
            caught_pairs.append((name, of))
        else:
            if not ok and outcome == "verified":
                verified_wrong.append((name, of))
            notes.append(f"verdict {outcome} on {name} (of {of}); ground truth "
                         f"{'correct' if ok else 'wrong'}: {verdicts[0].get('message', '')[:200]}")

    false_x = 0
    false_list: list[tuple[str, str]] = []
    for c in cards:
        check = c.get("check") or {}
        if check.get("outcome") != "wrong" or c["function"] in wrong_names:
            continue
        false_x += 1
        what = "verdict" if check.get("subject") == "hand" else "finite-difference check"
        false_list.append((c["function"], what))
        notes.append(f"false ✗ ({what}) on {c['function']}: {check.get('message', '')[:160]}")

    expected = 1 if wrong_pairs else 0
    row = dict(file=entry["path"], functions=len(names), cards=len(found), gradients=len(grads),
               derivs=len(pairs), paired=paired, verified=verified, wrong=len(wrong_pairs),
               caught=caught, false_x=false_x, tracebacks=output.count("Traceback"),
               exit=status, expected=expected, parsed=doc is not None,
               caught_pairs=caught_pairs, verified_wrong=verified_wrong, false_list=false_list)
    return row, notes


def measure_corpus(adlens: str, files: list[str] | None = None, timeout: float = 600.0,
                   jobs: int = 1, time_limit: float | None = None,
                   ) -> tuple[list[dict], dict[str, list[str]]]:
    """Run the CLI on each corpus file (``jobs`` at a time) and measure it: one row per
    file, in the manifest's order, and the notes (misses, false ✗) per file.
    ``time_limit``: the CLI's --time-limit (None: its default, as a user runs it)."""
    manifest = tomllib.loads((HERE / "ground_truth.toml").read_text())
    entries = [f for f in manifest["file"]
               if not files or f["path"] in {Path(a).name for a in files}]

    def one(entry: dict) -> tuple[dict, list[str]]:
        doc, out, status, secs = run(adlens, HERE / entry["path"], timeout, time_limit)
        row, notes = measure(entry, doc, out, status)
        row["seconds"] = secs
        print(f"measured {entry['path']} in {secs:.1f} s", file=sys.stderr)
        return row, notes if doc is not None else [f"no JSON on stdout: {out[-300:]}"]

    with concurrent.futures.ThreadPoolExecutor(max(1, jobs)) as pool:
        results = list(pool.map(one, entries))
    return [r for r, _ in results], {r["file"]: n for r, n in results}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", help="corpus files (default: all in ground_truth.toml)")
    ap.add_argument("--adlens", default=str(ROOT / ".venv" / "bin" / "adlens"))
    ap.add_argument("--details", action="store_true", help="list misses and false ✗ per file")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per file")
    ap.add_argument("--jobs", type=int, default=1, help="files measured at once")
    ap.add_argument("--time-limit", type=float, help="the CLI's --time-limit (default: its own)")
    args = ap.parse_args(argv)
    rows, details = measure_corpus(args.adlens, args.files, args.timeout, args.jobs,
                                   args.time_limit)

    head = ("| file | functions | cards | gradients | derivs | paired | verified | wrong ✗ "
            "| false ✗ | tracebacks | exit (expected) | s |")
    print(head)
    print("|" + "---|" * 12)
    tot = {k: 0 for k in ("functions", "cards", "gradients", "derivs", "paired", "verified",
                          "wrong", "caught", "false_x", "tracebacks", "seconds")}
    exits_ok = 0
    for r in rows:
        print(f"| {r['file']} | {r['functions']} | {r['cards']} | {r['gradients']} | {r['derivs']} "
              f"| {r['paired']} | {r['verified']} | {r['caught']}/{r['wrong']} | {r['false_x']} "
              f"| {r['tracebacks']} | {r['exit']} ({r['expected']}) | {r['seconds']:.1f} |")
        for k in tot:
            tot[k] += r[k]
        exits_ok += r["exit"] == r["expected"]
    t = tot
    print(f"| **total ({len(rows)} files)** | {t['functions']} | {t['cards']} | {t['gradients']} "
          f"| {t['derivs']} | {t['paired']} | {t['verified']} | {t['caught']}/{t['wrong']} "
          f"| {t['false_x']} | {t['tracebacks']} | {exits_ok}/{len(rows)} as expected "
          f"| {t['seconds']:.0f} |")
    if args.details:
        for path, notes in details.items():
            if notes:
                print(f"\n### {path}")
                for n in notes:
                    print(f"- {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

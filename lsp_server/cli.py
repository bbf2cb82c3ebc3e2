"""``adlens check FILE.py ...`` and ``adlens serve``.

    $ adlens check examples/05_hand_written_gradients.py
    $ adlens check model.py --function loss --at "w=[0.1, 0.2], b=0.0" --format json

Exit status: 0 when every hand-written gradient matches AD, 1 when one does
not (for CI and pre-commit), 2 when the input cannot be used (the message
says why).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import tokenize
from collections.abc import Sequence
from typing import Any, TextIO

from lsp_server import render
from lsp_server.analysis import DocumentModel, PointError, analyze, point_from_text
from lsp_server.cards import Card, CardService
from lsp_server.kernel import Kernel

CHECK_SCHEMA_VERSION = "adlens.check/1"
EXIT_OK, EXIT_WRONG, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Input we cannot use; the message is shown as is, exit status 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="adlens", description="AD Lens: see how Python code is differentiated."
    )
    sub = parser.add_subparsers(dest="command", metavar="{check,serve}")
    check = sub.add_parser("check", help="print the cards of the functions in Python files")
    check.add_argument("files", nargs="+", metavar="FILE.py")
    check.add_argument("--function", metavar="NAME", help="only this function")
    check.add_argument("--at", metavar="POINT", help='evaluation point, e.g. "x=1.0, y=2.0"')
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument(
        "--no-exec", action="store_true", help="never run the code: derivatives and cost only"
    )
    check.add_argument("--trace", action="store_true", help="also print the Wengert list")
    check.add_argument(
        "--time-limit", type=float, default=2.0, metavar="S", help="per function (default 2)"
    )
    serve = sub.add_parser("serve", help="start the language server (stdio by default)")
    serve.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP socket")
    serve.add_argument("--log-level", choices=("error", "warning", "info", "debug"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point (``adlens``). Returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    if args[:1] == ["serve"]:
        from lsp_server import server  # lazily: pygls is not needed to check a file

        return int(server.main(args[1:]) or 0)
    opts = parser.parse_args(args)
    if opts.command != "check":
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return check(opts)
    except UsageError as e:
        print(f"adlens: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("adlens: interrupted", file=sys.stderr)
        return 130


def read_source(path: str) -> str:
    """A Python file's text (PEP 263 encoding); UsageError when it is not usable."""
    if not os.path.exists(path):
        raise UsageError(f"{path}: no such file")
    if os.path.isdir(path):
        raise UsageError(f"{path}: is a directory (give .py files, e.g. {path}/*.py)")
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise UsageError(f"{path}: cannot read ({e.strerror})") from None
    try:
        encoding, _ = tokenize.detect_encoding(iter(raw.splitlines(keepends=True)).__next__)
        text = raw.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        msg = f"{path}: not Python source text (not UTF-8 or its declared encoding)"
        raise UsageError(msg) from None
    return text.removeprefix("\ufeff")


class _Progress:
    """After a second on one file, say on stderr what is being worked on."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.what = ""
        self.since = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, daemon=True)
        self._thread.start()

    def set(self, what: str, new_file: bool = False) -> None:
        self.what = what
        if new_file:
            self.since = time.monotonic()

    def _tick(self) -> None:
        shown = ""
        while not self._stop.wait(0.25):
            elapsed = time.monotonic() - self.since
            if elapsed > 1.0 and self.what and self.what != shown:
                print(f"adlens: working on {self.what}…", file=self.stream, flush=True)
                shown = self.what

    def stop(self) -> None:
        self._stop.set()


def _select(model: DocumentModel, path: str, opts: argparse.Namespace) -> list[tuple[str, Any]]:
    """(function name, point or None) pairs to build cards for."""
    fns = list(model.functions)
    if opts.function:
        fns = [f for f in fns if f.name == opts.function]
        if not fns:
            names = ", ".join(f.name for f in model.functions) or "none"
            raise UsageError(f"{path}: no function {opts.function!r} (functions: {names})")
    out: list[tuple[str, Any]] = []
    for f in fns:
        point = None
        if opts.at:
            try:
                point = point_from_text(f, opts.at)
            except PointError as e:
                if opts.function:
                    raise UsageError(f"--at {opts.at!r}: {e}") from None
                continue  # the point names parameters this function does not have
        out.append((f.name, point))
    if opts.at and not out:
        raise UsageError(f"--at {opts.at!r}: no function in {path} takes those parameters")
    return out


def check(opts: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if opts.time_limit <= 0:
        raise UsageError("--time-limit must be positive")
    sources = [(p, read_source(p)) for p in opts.files]  # all unusable input fails up front
    kernel = None if opts.no_exec else Kernel(time_limit=opts.time_limit)
    service = CardService(kernel, execution="never" if opts.no_exec else "always")
    progress = _Progress(sys.stderr)
    report: list[dict[str, Any]] = []
    wrong: list[str] = []
    try:
        for n, (path, text) in enumerate(sources):
            model = analyze(text)
            todo = _select(model, path, opts)
            cards: list[Card] = []
            folder = os.path.dirname(os.path.abspath(path))
            for i, (name, point) in enumerate(todo):
                progress.set(f"{path}: {name} ({i + 1}/{len(todo)})", new_file=i == 0)
                card = service.card_sync(model, name, point=point, path=folder)
                cards.append(card)
                if card.verdict is not None and card.verdict.correct is False:
                    wrong.append(f"{path}:{card.line + 1}: {render.verdict_line(card)}")
            report.append({"path": path, "model": model, "cards": cards})
            if opts.format == "text":
                _print_text(out, path, model, cards, first=n == 0, trace=opts.trace)
    finally:
        progress.stop()
        if kernel is not None:
            kernel.close()
    if opts.format == "json":
        json.dump(_json_report(report, wrong), out, indent=2, ensure_ascii=False, allow_nan=False)
        out.write("\n")
    else:
        n_cards = sum(len(r["cards"]) for r in report)
        n_grads = sum(1 for r in report for c in r["cards"] if c.verdict is not None)
        line = f"{_plural(n_cards, 'function')}, {_plural(n_grads, 'hand-written gradient')}"
        line += f", {len(wrong)} wrong" if wrong else ", all match AD" if n_grads else ""
        print(line, file=out)
        for w in wrong:
            print(f"wrong: {w}", file=out)
    return EXIT_WRONG if wrong else EXIT_OK


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _print_text(
    out: TextIO, path: str, model: DocumentModel, cards: list[Card], first: bool, trace: bool
) -> None:
    if not first:
        print(file=out)
    print(f"── {path}", file=out)
    for e in model.errors:
        print(f"  ⚠ line {e.span.line + 1}: does not parse ({e.message}); skipped", file=out)
    if not cards:
        print("  (no functions)", file=out)
    for card in cards:
        print(file=out)
        print(render.text(card, trace=trace), file=out)


def _json_report(report: list[dict[str, Any]], wrong: list[str]) -> dict[str, Any]:
    files = []
    for r in report:
        model: DocumentModel = r["model"]
        files.append(
            {
                "path": r["path"],
                "errors": [
                    {"line": e.span.line, "end_line": e.span.end_line, "message": e.message}
                    for e in model.errors
                ],
                "cards": [render.to_json(c) for c in r["cards"]],
            }
        )
    return {"schema": CHECK_SCHEMA_VERSION, "files": files, "wrong": wrong, "ok": not wrong}


if __name__ == "__main__":
    sys.exit(main())

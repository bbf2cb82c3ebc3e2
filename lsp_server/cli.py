"""``adlens check FILE.py ...`` and ``adlens serve``; ``python -m lsp_server`` too.

    $ adlens check examples/05_hand_written_gradients.py
    $ adlens check model.py --function loss --at "w=[0.1, 0.2], b=0.0" --format json

Exit status (for CI and pre-commit): 0 when every hand-written derivative found was
verified correct (or there is none), 1 when at least one is wrong, 2 when the input
cannot be used (the message says why), 3 when none is wrong but some could not be
verified (AD, the hand-written function or finite differences could not run, the
code was not run, a time limit...). The summary counts the three separately.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import threading
import time
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from lsp_server import render
from lsp_server.analysis import DocumentModel, PointError, analyze, point_from_text
from lsp_server.cards import Card, CardService, transformed_sync
from lsp_server.kernel import KernelPool
from lsp_server.kernel.sandbox import not_dumpable
from lsp_server.kernel.schema import Transformed

CHECK_SCHEMA_VERSION = "adlens.check/2"
TOKEN_ENV = "ADLENS_TCP_TOKEN"  # the TCP session token, when whoever starts the server picks it
EXIT_OK, EXIT_WRONG, EXIT_USAGE, EXIT_UNVERIFIED = 0, 1, 2, 3


class UsageError(Exception):
    """Input we cannot use; the message is shown as is, exit status 2."""


# -- serve ---------------------------------------------------------------------------------


def serve_arguments() -> argparse.ArgumentParser:
    """The arguments of ``adlens serve`` and ``python -m lsp_server`` (one definition)."""
    args = argparse.ArgumentParser(add_help=False)
    args.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (default)")
    args.add_argument("--tcp", metavar="HOST:PORT",
                      help="listen on a loopback TCP port instead (127.0.0.1, ::1, localhost; "
                           "port 0: any free one), for one client that presents the token")
    args.add_argument("--token-file", metavar="PATH",
                      help="with --tcp: write the session token there (mode 0600); by "
                           f"default a private file whose path is printed, or ${TOKEN_ENV} "
                           "when set")
    args.add_argument("--log-level", default="info", choices=("error", "warning", "info", "debug"))
    return args


def serve_main(argv: Sequence[str] | None = None, prog: str = "adlens serve") -> int:
    parser = argparse.ArgumentParser(prog=prog, parents=[serve_arguments()],
                                     description="Start the AD Lens language server.")
    return serve(parser.parse_args(argv), parser)


def serve(opts: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from lsp_server.cards.static import engine

    # The static worker imports SymPy (a second or two): start it now, while the
    # server imports pygls and the client says hello, not when the first hover comes.
    engine().start()
    from lsp_server.lsp import serve as run_server  # pygls: not needed to check a file
    from lsp_server.lsp.transport import is_loopback

    not_dumpable()  # kernel code cannot reach our memory or the editor's pipe via /proc
    if not opts.tcp:
        if opts.token_file:
            parser.error("--token-file goes with --tcp")
        run_server(None, opts.log_level)
        return 0
    host, _, port = opts.tcp.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit():
        parser.error("--tcp wants HOST:PORT, e.g. 127.0.0.1:2087")
    if not is_loopback(host):
        parser.error(f"--tcp {opts.tcp}: AD Lens listens on loopback addresses only "
                     "(127.0.0.1, ::1, localhost); anyone who can connect could ask it to "
                     "run code")
    token = os.environ.get(TOKEN_ENV) or secrets.token_urlsafe(32)

    def listening(address: str, bound: int) -> None:
        where = None
        if opts.token_file or not os.environ.get(TOKEN_ENV):
            where = _write_token(opts.token_file, bound, token)
        said = f"the token in {where}" if where else f"the token from ${TOKEN_ENV}"
        shown = f"[{address}]" if ":" in address else address
        print(f"adlens: listening on {shown}:{bound} for one client; it must send {said} as "
              "initializationOptions.token", file=sys.stderr, flush=True)

    run_server((host, int(port)), opts.log_level, token=token, on_listening=listening)
    return 0


def _write_token(path: str | None, port: int, token: str) -> str:
    """Write the session token to a file only this user can read; its path."""
    import tempfile

    if path is None:
        runtime = os.environ.get("XDG_RUNTIME_DIR")
        folder = (os.path.join(runtime, "adlens") if runtime and os.path.isdir(runtime)
                  else tempfile.mkdtemp(prefix="adlens-tcp-"))
        os.makedirs(folder, mode=0o700, exist_ok=True)
        path = os.path.join(folder, f"tcp-{port}.token")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, token.encode() + b"\n")
    finally:
        os.close(fd)
    return path


# -- check ---------------------------------------------------------------------------------


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
    check.add_argument("--sct-source", nargs="?", const="reverse", choices=("reverse", "forward"),
                       metavar="MODE", help="also print the code ad.sct (source transformation) "
                       "generates for each function: reverse (default) or forward mode")
    check.add_argument(
        "--time-limit", type=float, default=2.0, metavar="S", help="per function (default 2)"
    )
    check.add_argument("--python", metavar="PATH",
                       help="the Python that runs your code (default: the one running adlens)")
    sub.add_parser("serve", parents=[serve_arguments()],
                   help="start the language server (stdio by default)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point (``adlens``). Returns the exit status."""
    parser = _parser()
    opts = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if opts.command == "serve":
        return serve(opts, parser)
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


@dataclass
class Tally:
    """Hand-written derivatives by verdict: each a ``path:line: what`` line."""

    verified: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    not_paired: list[str] = field(default_factory=list)  # named like one, but is not

    def add(self, path: str, card: Card) -> None:
        if card.kind != "gradient":
            return
        if not card.paired:  # its output is not a derivative of the function named
            self.not_paired.append(f"{path}:{card.line + 1}: {card.function}: "
                                   f"{render.words.not_paired(card)}")
            return
        where = f"{path}:{card.line + 1}: {card.function}: {render.check_line(card)}"
        c = card.check
        if c is not None and c.outcome == "verified":
            self.verified.append(where)
        elif c is not None and c.outcome == "wrong":
            self.wrong.append(where)
        elif render.words.failed(card):
            self.unverified.append(f"{path}:{card.line + 1}: {card.function}: "
                                   f"{render.words.status_word(card)}")
        else:
            self.unverified.append(where)

    @property
    def exit_code(self) -> int:
        return EXIT_WRONG if self.wrong else EXIT_UNVERIFIED if self.unverified else EXIT_OK

    def summary(self, n_functions: int) -> list[str]:
        head = _plural(n_functions, "function")
        n = len(self.verified) + len(self.wrong) + len(self.unverified)
        if not n:
            return [f"{head}, no hand-written derivatives"] + [
                f"not paired: {u}" for u in self.not_paired]
        lines = [f"{head}, {_plural(n, 'hand-written derivative')}: {len(self.verified)} "
                 f"verified, {len(self.wrong)} wrong, {len(self.unverified)} unverified"]
        lines += [f"wrong: {w}" for w in self.wrong]
        lines += [f"unverified: {u}" for u in self.unverified]
        lines += [f"not paired: {u}" for u in self.not_paired]
        return lines


def check(opts: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if opts.time_limit <= 0:
        raise UsageError("--time-limit must be positive")
    sources = [(p, read_source(p)) for p in opts.files]  # all unusable input fails up front
    not_dumpable()  # kernel code cannot reach our memory or our output via /proc
    python = _interpreter(opts.python) if opts.python and not opts.no_exec else None
    kernels = None if opts.no_exec else KernelPool(1, time_limit=opts.time_limit, python=python)
    if kernels is not None:
        kernels.roots = (os.getcwd(),)  # like `python file.py` run from here: its packages import
    service = CardService(kernels, execution="never" if opts.no_exec else "always")
    progress = _Progress(sys.stderr)
    report: list[dict[str, Any]] = []
    tally = Tally()
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
                tally.add(path, card)
            report.append({"path": path, "model": model, "cards": cards})
            if opts.format == "text":
                _print_text(out, path, model, cards, first=n == 0, trace=opts.trace)
            if opts.sct_source:
                report[-1]["sct_source"] = _sct_sources(
                    service, path, model, todo, opts.sct_source, out if opts.format == "text"
                    else None)
    finally:
        progress.stop()
        if kernels is not None:
            kernels.close()
    if opts.format == "json":
        json.dump(_json_report(report, tally), out, indent=2, ensure_ascii=False,
                  allow_nan=False)
        out.write("\n")
    else:
        for line in tally.summary(sum(len(r["cards"]) for r in report)):
            print(line, file=out)
    return tally.exit_code


def _interpreter(path: str) -> str:
    """--python PATH as an executable path (a bare name is looked up on PATH)."""
    import shutil

    found = shutil.which(os.path.expanduser(path))
    if found is None:
        raise UsageError(f"--python {path}: no such interpreter (give the path of a python "
                         "executable, e.g. .venv/bin/python)")
    return os.path.abspath(found)


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


def _json_report(report: list[dict[str, Any]], tally: Tally) -> dict[str, Any]:
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
                **({"sct_source": r["sct_source"]} if "sct_source" in r else {}),
            }
        )
    return {"schema": CHECK_SCHEMA_VERSION, "files": files, "verified": tally.verified,
            "wrong": tally.wrong, "unverified": tally.unverified,
            "not_paired": tally.not_paired,
            "ok": tally.exit_code == EXIT_OK, "exit_code": tally.exit_code}


# -- --sct-source: the code ad.sct generates ---------------------------------------------------


def _sct_sources(service: CardService, path: str, model: DocumentModel,
                 todo: list[tuple[str, Any]], mode: str, out: TextIO | None
                 ) -> dict[str, dict[str, Any]]:
    """The code ad.sct generates for each differentiable function at its point (printed to
    ``out`` when given): {function: {"source": text} or {"error": why, "line": 1-based}}."""
    found: dict[str, dict[str, Any]] = {}
    for name, point in todo:
        fn = model.function(name)
        if fn is None or not fn.differentiable:
            continue
        pt = point or fn.point
        folder = os.path.dirname(os.path.abspath(path))
        got = transformed_sync(service, fn, pt, folder, mode)  # type: ignore[arg-type]
        head = f"── ad.sct: {name}, {mode} mode, at {pt.text or '(no parameters)'}"
        if isinstance(got, Transformed):
            text = render.sct_source(got, os.path.basename(path), pt.text).rstrip("\n")
            found[name] = {"source": text + "\n"}
        else:
            line = None if got.line is None else got.line + 1
            found[name] = {"error": got.message, "line": line}
            text = f"unavailable: {got.message}" + (f" (line {line})" if line else "")
        if out is not None:
            print(f"\n{head}\n{text}", file=out)
    return found


if __name__ == "__main__":
    sys.exit(main())

"""The AD Lens language server under load, measured over the real protocol.

Starts `python -m lsp_server` over stdio (execution on, a trusted workspace),
opens 50 documents at once, then measures hover latency while
- 1,000 rapid didChange events hit one document (a hover every 10 changes), and
- a cancellation storm runs (hovers and lens resolves cancelled as soon as sent);
and samples the memory (RSS, from /proc) of the server and its kernel processes.

    .venv/bin/python benchmarks/lsp_load.py            # prints a table
    .venv/bin/python benchmarks/lsp_load.py --quick    # fewer events

Writes benchmarks/results/lsp_load.json. Reuses the raw JSON-RPC client of
benchmarks/lsp_latency.py (an editor's JSON.parse, not cattrs, on the client side).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.lsp_latency import RawClient, _ms, _pct, generate  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "lsp_load.json"
DOCS = 50


class LoadClient(RawClient):
    def start_request(self, method: str, params: Any) -> tuple[int, asyncio.Future[Any]]:
        self._next += 1
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[self._next] = fut
        self._send({"jsonrpc": "2.0", "id": self._next, "method": method, "params": params})
        return self._next, fut


def _status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM (peak) in KiB of one process; {} once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
    except OSError:
        return {}
    return {k: int(fields[k].split()[0]) for k in ("VmRSS", "VmHWM") if k in fields}


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
            out.append(int(entry))
    return out


class Memory:
    """Peak RSS of the server and of each kernel it started, sampled every 50 ms
    (and each process's own high-water mark, VmHWM, read at every sample)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.server_peak = 0
        self.kernel_peaks: dict[int, int] = {}
        self.total_peak = 0
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> None:
        s = _status(self.pid)
        if not s:
            return
        self.server_peak = max(self.server_peak, s.get("VmHWM", 0), s.get("VmRSS", 0))
        total = s.get("VmRSS", 0)
        for child in _children(self.pid):
            c = _status(child)
            if c:
                peak = max(c.get("VmHWM", 0), c.get("VmRSS", 0))
                self.kernel_peaks[child] = max(self.kernel_peaks.get(child, 0), peak)
                total += c.get("VmRSS", 0)
        self.total_peak = max(self.total_peak, total)

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(0.05)

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    def stop(self) -> None:
        self.sample()
        if self._task is not None:
            self._task.cancel()


def _hover_params(uri: str, line: int, col: int) -> dict[str, Any]:
    return {"textDocument": {"uri": uri}, "position": {"line": line, "character": col}}


CONTENT_MODIFIED = -32801
content_modified = 0  # answers that said "the document changed" (a client retries or drops)


async def _timed(fut: asyncio.Future[Any]) -> float:
    """Time to the answer; ContentModified is an answer too (the server's reply to a
    hover on a version already replaced), anything else an error."""
    global content_modified
    t0 = time.perf_counter()
    try:
        await fut
    except RuntimeError as e:
        err = e.args[0] if e.args else None
        if not (isinstance(err, dict) and err.get("code") == CONTENT_MODIFIED):
            raise
        content_modified += 1
    return time.perf_counter() - t0


async def run(quick: bool) -> dict[str, Any]:
    changes = 200 if quick else 1000
    storm = 100 if quick else 500
    client = LoadClient()
    await client.start()
    assert client.proc is not None
    mem = Memory(client.proc.pid)
    mem.start()
    await client.handshake()

    # 50 documents at once: 49 of ~100 lines, one of 2,000 lines.
    texts = [generate(100) for _ in range(DOCS - 1)] + [generate(2000)]
    uris = [(ROOT / "benchmarks" / f"_load_{i}.py").as_uri() for i in range(DOCS)]
    t0 = time.perf_counter()
    for uri, text in zip(uris, texts):
        client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
        )
    # a hover on each: the first answers (the analysis of each document is paid here)
    opened = await asyncio.gather(
        *(
            _timed(
                asyncio.ensure_future(client.request("textDocument/hover", _hover_params(u, 5, 4)))
            )
            for u in uris
        )
    )
    t_open_all = time.perf_counter() - t0

    # Warm one function to measure "hover during load" on a complete card.
    target_uri, target = uris[0], (5, 4)  # loss_0 in every generated file
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        res = await client.request("textDocument/hover", _hover_params(target_uri, *target))
        if res and "computing…" not in res["contents"]["value"]:
            break
        await asyncio.sleep(0.05)
    quiet = [
        await _timed(
            asyncio.ensure_future(
                client.request("textDocument/hover", _hover_params(target_uri, *target))
            )
        )
        for _ in range(100)
    ]

    # 1,000 rapid didChange events on the big document while hovering another:
    # first as one burst (all written at once: the worst case, head-of-line), then
    # paced at one change per 5 ms (200 keystrokes a second, faster than typing).
    edited = uris[-1]
    lines = texts[-1].split("\n")
    version = 1

    async def changes_phase(
        pace: float, hover_edited: bool
    ) -> tuple[list[float], list[float], float]:
        nonlocal version
        during: list[asyncio.Task[float]] = []
        on_edited: list[asyncio.Task[float]] = []
        t0 = time.perf_counter()
        for k in range(changes):
            version += 1
            line = 4 + (version % 40)
            end = {"line": line, "character": len(lines[line])}
            client.notify(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": edited, "version": version},
                    "contentChanges": [{"range": {"start": end, "end": end}, "text": " #"}],
                },
            )
            lines[line] += " #"
            if k % 10 == 0:
                _, fut = client.start_request(
                    "textDocument/hover", _hover_params(target_uri, *target)
                )
                during.append(asyncio.ensure_future(_timed(fut)))
                if hover_edited:  # each such hover makes the server analyse that version
                    _, fut2 = client.start_request(
                        "textDocument/hover", _hover_params(edited, 5, 4)
                    )
                    on_edited.append(asyncio.ensure_future(_timed(fut2)))
            await asyncio.sleep(pace)
        return (
            list(await asyncio.gather(*during)),
            list(await asyncio.gather(*on_edited)),
            time.perf_counter() - t0,
        )

    # Hovers only on another document first; then also on the document being edited.
    change_latencies, _, t_changes = await changes_phase(0.0, hover_edited=False)
    await asyncio.sleep(2.0)  # let the server settle
    paced_latencies, paced_edited, t_paced = await changes_phase(0.005, hover_edited=True)

    # Cancellation storm: hovers and lens resolves over all documents, each cancelled
    # right after it is sent, with an uncancelled hover every 10 requests.
    during_storm: list[asyncio.Task[float]] = []
    cancelled: list[asyncio.Future[Any]] = []
    t0 = time.perf_counter()
    for i in range(storm):
        uri = uris[i % DOCS]
        if i % 2:
            method, params = "textDocument/hover", _hover_params(uri, 5 + 8 * (i % 5), 4)
        else:
            method = "codeLens/resolve"
            params = {
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                "data": {"uri": uri, "function": f"loss_{i % 3}", "index": 0},
            }
        msg_id, fut = client.start_request(method, params)
        client.notify("$/cancelRequest", {"id": msg_id})
        cancelled.append(fut)
        if i % 10 == 0:
            _, fut = client.start_request("textDocument/hover", _hover_params(target_uri, *target))
            during_storm.append(asyncio.ensure_future(_timed(fut)))
    storm_latencies = list(await asyncio.gather(*during_storm))
    outcomes = await asyncio.gather(*cancelled, return_exceptions=True)
    t_storm = time.perf_counter() - t0
    n_cancelled = sum(1 for o in outcomes if isinstance(o, Exception))

    final = await _timed(
        asyncio.ensure_future(
            client.request("textDocument/hover", _hover_params(target_uri, *target))
        )
    )
    mem.stop()
    kernels = sorted(mem.kernel_peaks.values(), reverse=True)
    await client.stop()

    under_load = change_latencies + paced_latencies + storm_latencies
    return {
        "documents_open": DOCS,
        "lines_open": sum(t.count("\n") for t in texts),
        "did_change_events": changes,
        "cancelled_requests_sent": storm,
        "cancelled_requests_answered_with_error": n_cancelled,
        "open_all_and_first_hover_each_s": round(t_open_all, 2),
        "first_hover_per_document_p95_ms": _ms(_pct(list(opened), 0.95)),
        "hover_quiet_p50_ms": _ms(statistics.median(quiet)),
        "hover_quiet_p95_ms": _ms(_pct(quiet, 0.95)),
        "hover_during_changes_p50_ms": _ms(statistics.median(change_latencies)),
        "hover_during_changes_p95_ms": _ms(_pct(change_latencies, 0.95)),
        "hover_during_paced_changes_p50_ms": _ms(statistics.median(paced_latencies)),
        "hover_during_paced_changes_p95_ms": _ms(_pct(paced_latencies, 0.95)),
        "hover_on_the_edited_document_paced_p95_ms": _ms(_pct(paced_edited, 0.95)),
        "paced_changes_wall_s": round(t_paced, 2),
        "answered_content_modified": content_modified,
        "hover_during_cancel_storm_p50_ms": _ms(statistics.median(storm_latencies)),
        "hover_during_cancel_storm_p95_ms": _ms(_pct(storm_latencies, 0.95)),
        "hover_under_load_p95_ms": _ms(_pct(under_load, 0.95)),
        "hover_after_load_ms": _ms(final),
        "changes_wall_s": round(t_changes, 2),
        "storm_wall_s": round(t_storm, 2),
        "peak_rss_server_mib": round(mem.server_peak / 1024, 1),
        "peak_rss_kernels_mib": [round(k / 1024, 1) for k in kernels],
        "peak_rss_total_mib": round(mem.total_peak / 1024, 1),
        "samples": {
            "hover_quiet": len(quiet),
            "hover_during_paced_changes": len(paced_latencies),
            "hover_during_changes": len(change_latencies),
            "hover_during_storm": len(storm_latencies),
        },
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
    }


def table(r: dict[str, Any]) -> str:
    rows = [
        ("documents open at once", r["documents_open"], ""),
        ("lines open", r["lines_open"], ""),
        ("open all + first hover on each", r["open_all_and_first_hover_each_s"], "s"),
        ("hover, quiet p50 / p95", f"{r['hover_quiet_p50_ms']} / {r['hover_quiet_p95_ms']}", "ms"),
        (
            f"hover (other doc) during a burst of {r['did_change_events']} didChanges p50 / p95",
            f"{r['hover_during_changes_p50_ms']} / {r['hover_during_changes_p95_ms']}",
            "ms",
        ),
        (
            f"hover (other doc) during {r['did_change_events']} didChanges, 1 per 5 ms, "
            "also hovering the edited doc, p50 / p95",
            f"{r['hover_during_paced_changes_p50_ms']} / {r['hover_during_paced_changes_p95_ms']}",
            "ms",
        ),
        (
            "  hover on the document being edited, p95",
            r["hover_on_the_edited_document_paced_p95_ms"],
            "ms",
        ),
        ("  wall time of those paced changes", r["paced_changes_wall_s"], "s"),
        ("  hovers answered ContentModified (version replaced)",
         r["answered_content_modified"], ""),
        (
            f"hover during a {r['cancelled_requests_sent']}-request cancel storm p50 / p95",
            f"{r['hover_during_cancel_storm_p50_ms']} / {r['hover_during_cancel_storm_p95_ms']}",
            "ms",
        ),
        ("hover under load p95 (all three phases)", r["hover_under_load_p95_ms"], "ms"),
        ("hover after the load", r["hover_after_load_ms"], "ms"),
        ("peak RSS, server", r["peak_rss_server_mib"], "MiB"),
        ("peak RSS, kernels", ", ".join(map(str, r["peak_rss_kernels_mib"])) or "-", "MiB"),
        ("peak RSS, server + kernels together", r["peak_rss_total_mib"], "MiB"),
    ]
    width = max(len(a) for a, _, _ in rows)
    return "\n".join(f"{a:<{width}}  {b} {c}".rstrip() for a, b, c in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    results = asyncio.run(run(args.quick))
    print(table(results))
    if not args.quick:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

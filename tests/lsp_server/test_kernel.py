"""The real kernel process, driven through hostile user code (no mocks).

After every hostile case, the next request must be answered normally.
"""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from lsp_server.analysis import analyze
from lsp_server.kernel import Kernel, Request
from lsp_server.kernel.schema import Failure

GOOD = "def good(x):\n    return x * x\n"


def request(src: str, name: str, **point) -> Request:
    fn = analyze(src).function(name)
    assert fn is not None, name
    return Request(fn.slice_source, name, point or fn.point.values, fn.gradient_of,
                   fn.slice_lines)


@pytest.fixture(scope="module")
def kernel():
    k = Kernel(time_limit=1.0)
    k.start()
    yield k
    k.close()


def assert_serves(kernel: Kernel, x: float = 3.0) -> None:
    res = kernel.run_sync(request(GOOD, "good", x=x))
    assert res.status == "ok", res.message
    assert res.pieces["value"].value == x * x


def contained(kernel: Kernel, src: str, name: str, status: str, says: str, then: float,
              timeout: float | None = None):
    """Run a hostile function: its answer has `status` and says `says`; then the kernel
    answers the next request normally (at x=`then`, a fresh point: no cache hit)."""
    res = kernel.run_sync(request(src, name), timeout=timeout)
    assert res.status == status and says in res.message, (res.status, res.message)
    assert_serves(kernel, then)
    return res


def test_value_and_reverse_mode_gradient(kernel):
    res = kernel.run_sync(
        request("import math\ndef f(x, y):\n    return math.sin(x) * y\n", "f", x=0.0, y=2.0)
    )
    assert res.status == "ok"
    assert res.pieces["value"].value == 0.0
    g = res.pieces["gradient"]
    assert g.values == {"x": 2.0, "y": 0.0}


def test_while_true_times_out_and_only_its_request_process_is_killed(kernel):
    restarts, pid = kernel.restarts, kernel.pid
    start = time.monotonic()
    res = kernel.run_sync(request("def spin(x):\n    while True:\n        pass\n", "spin"))
    assert res.status == "timeout" and "timed out" in res.message
    assert time.monotonic() - start < 3.0
    # the zygote killed the request's process at the limit: no restart, no re-import
    assert kernel.restarts == restarts and kernel.pid == pid
    assert_serves(kernel, 1.0)


def test_partial_results_survive_a_timeout(kernel):
    # the value comes back at once; the finite-difference check calls f again and hangs
    src = (
        "CALLS = []\n"
        "def slow_later(x):\n"
        "    CALLS.append(1)\n"
        "    while len(CALLS) > 1:\n"
        "        pass\n"
        "    return x\n"
    )
    res = kernel.run_sync(request(src, "slow_later", x=2.0))
    assert res.status == "timeout"
    assert res.pieces["value"].value == 2.0
    assert_serves(kernel, 1.5)


def test_memory_bomb_is_out_of_memory(kernel):
    contained(kernel, "def bomb(x):\n    return [x] * (10 ** 10)\n", "bomb", "oom",
              "out of memory", 2.0)


def test_growing_allocation_hits_the_memory_limit(kernel):
    src = (
        "def grow(x):\n    chunks = []\n"
        "    while True:\n        chunks.append(bytearray(50 << 20))\n"
    )
    contained(kernel, src, "grow", "oom", "out of memory", 2.5, timeout=10.0)


def test_sys_exit_is_an_error_not_an_exit(kernel):
    pid = kernel.pid
    res = kernel.run_sync(request("import sys\ndef quit_(x):\n    sys.exit(3)\n", "quit_"))
    assert res.status == "error" and "sys.exit(3)" in res.message
    assert kernel.pid == pid  # contained: same process
    assert_serves(kernel, 4.0)


def test_os_exit_crashes_the_request_process(kernel):
    contained(kernel, "import os\ndef die(x):\n    os._exit(4)\n", "die", "crashed",
              "exit code 4", 5.0)


def test_exception_reports_message_and_line(kernel):
    src = "def f(x):\n    y = x + 1\n    raise ValueError('bad input')\n"
    res = contained(kernel, src, "f", "error", "ValueError: bad input", 6.0)
    value = res.pieces["value"]
    assert isinstance(value, Failure) and value.line == 2  # 0-based document line


def test_printing_cannot_corrupt_the_channel(kernel):
    src = (
        "import os, sys\n"
        "def chatty(x):\n"
        "    print('hello' * 10000)\n"
        "    print('to stderr', file=sys.stderr)\n"
        "    os.write(1, b'\\x00\\x00\\x00\\x05junk')\n"
        "    sys.stdout.flush()\n"
        "    return 2 * x\n"
    )
    res = kernel.run_sync(request(src, "chatty", x=1.5))
    assert res.status == "ok" and res.pieces["value"].value == 3.0
    assert res.pieces["gradient"].values == {"x": 2.0}
    assert_serves(kernel, 7.0)


def test_deep_recursion_is_an_error(kernel):
    contained(kernel, "def deep(x):\n    return deep(x) + 1\n", "deep", "error",
              "RecursionError", 8.0)


def test_lines_are_document_lines_in_tracebacks_traces_and_checks(kernel):
    src = (
        "import numpy as np\n\n\nCONST = 2.0\n\n\n"  # lines 0-5: the slice skips blanks
        "def helper(v):\n    return np.asarray(v, dtype=np.longdouble) * CONST\n\n\n"
        "# adlens: x=[1.0, 2.0]\n"
        "def f(x):\n"  # line 11
        "    y = x * x\n"  # line 12
        "    return np.sum(helper(y))\n"  # line 13
    )
    res = kernel.run_sync(request(src, "f"))
    assert res.status == "ok"
    grad = res.pieces["gradient"]
    assert isinstance(grad, Failure) and grad.line == 7  # inside helper: longdouble
    check = res.pieces["check"]
    assert check.outcome == "unverified" and check.failures["ad"].line == 7
    assert "line 8" in check.message  # check_grad's own sentence: 1-based, as editors show
    trace = res.pieces["trace"]
    assert isinstance(trace, Failure)


def test_top_level_code_never_runs(kernel, tmp_path):
    marker = tmp_path / "written-by-top-level-code.txt"
    src = (
        "import math\n"
        f"open({str(marker)!r}, 'w').write('oops')\n"
        f"with open({str(marker)!r}, 'w') as fh:\n    fh.write('oops')\n"
        f"HANDLE = open({str(marker)!r}, 'w')\n"
        "for i in range(3):\n    print(i)\n"
        "def f(x):\n    return math.cos(x)\n"
        "if __name__ == '__main__':\n"
        f"    open({str(marker)!r}, 'w').write('oops')\n"
    )
    res = kernel.run_sync(request(src, "f", x=0.0))
    assert res.status == "ok" and res.pieces["value"].value == 1.0
    assert not marker.exists()
    assert_serves(kernel, 9.0)


def test_processes_cannot_be_started(kernel):
    src = "import os, subprocess\ndef spawn(x):\n    subprocess.run(['true'])\n    return x\n"
    res = kernel.run_sync(request(src, "spawn"))
    assert res.status == "error" and "PermissionError" in res.message
    res = kernel.run_sync(request("import os\ndef fork(x):\n    os.fork()\n    return x\n", "fork"))
    assert res.status == "error" and "PermissionError" in res.message
    assert_serves(kernel, 10.0)


def test_import_math_in_the_slice_is_the_ad_core_shim(kernel):
    src = (
        "import math\nfrom math import sin\n"
        "def which(x):\n    return math.__name__ + ' ' + sin.__module__\n"
    )
    res = kernel.run_sync(request(src, "which"))
    assert res.status == "ok"
    assert res.pieces["value"].value.split() == ["ad_core.math", "ad_core.math"]


def test_slice_that_fails_is_an_error_for_this_request_only(kernel):
    res = kernel.run_sync(Request("import not_a_module_xyz\n", "f", {}))
    assert res.status == "error" and "not_a_module_xyz" in res.message
    assert_serves(kernel, 11.0)


def test_results_are_cached_by_request(kernel):
    req = request("def sq(x):\n    return x * x * x\n", "sq", x=2.0)
    first = kernel.run_sync(req)
    second = kernel.run_sync(req)
    assert not first.cached and second.cached and second.pieces == first.pieces
    other = kernel.run_sync(request("def sq(x):\n    return x * x * x\n", "sq", x=3.0))
    assert not other.cached and other.pieces["value"].value == 27.0


def test_async_run_does_not_block_the_event_loop(kernel):
    src = "import time\ndef nap(x):\n    time.sleep(0.3)\n    return x\n"

    async def main():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        t = asyncio.create_task(ticker())
        res = await kernel.run(request(src, "nap", x=1.0), timeout=5.0)
        t.cancel()
        return res, ticks

    res, ticks = asyncio.run(main())
    assert res.status == "ok" and ticks > 10


def test_cancelling_an_async_run_stops_the_request(kernel):
    src = "def spin2(x):\n    while True:\n        pass\n"

    async def main():
        task = asyncio.create_task(kernel.run(request(src, "spin2"), timeout=30.0))
        await asyncio.sleep(0.5)
        task.cancel()
        start = time.monotonic()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic() - start

    assert asyncio.run(main()) < 2.0
    assert_serves(kernel, 12.0)


def test_closed_kernel_answers_with_an_error():
    k = Kernel(time_limit=1.0)
    k.close()
    assert k.run_sync(Request("", "", {}, op="ping")).status == "error"


def test_worker_process_is_gone_after_close():
    k = Kernel(time_limit=1.0)
    assert k.run_sync(Request("", "", {}, op="ping")).status == "ok"
    pid = k.pid
    k.close()
    with pytest.raises(ProcessLookupError):
        for _ in range(50):
            os.kill(pid, 0)
            time.sleep(0.05)

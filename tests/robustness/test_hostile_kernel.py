"""Hostile code with execution on, through the real kernel (`Kernel` + `CardService`).

Each case is a function that attacks the process it runs in: never returns, eats
memory, forks, exits, signals its parent, writes to the protocol's descriptors,
crashes the interpreter, poisons the shared kernel. Every case must end in a card
that says what happened, and the *next* request (a fresh point, so no cache) must
be served normally. Cases that could kill the test process if containment
regressed run their kernel's parent in a child interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, TALLY
from kernel_cards import all_cards

from lsp_server import render
from lsp_server.analysis import analyze
from lsp_server.cards import CardService
from lsp_server.kernel import KernelPool

SECRET_VAR = "ADLENS_ROBUSTNESS_SECRET"
SECRET = "s3cret-7f4e1c-do-not-leak"

HOSTILE = {
    # name: (body, statuses the card may have, text the card must contain)
    "infinite_loop": ("while True:\n    x = x + 1.0", {"timeout"}, "timed out"),
    "memory_bomb": (
        "hoard = [bytearray(1 << 20) for _ in range(1 << 20)]\nreturn x",
        {"oom"},
        "out of memory",
    ),
    "numpy_memory_bomb": (
        "import numpy as np\nreturn x + np.ones((1 << 17, 1 << 17)).sum()",
        {"oom", "error"},
        "memory",
    ),
    "fork_bomb": ("import os\nwhile True:\n    os.fork()", {"error"}, "disabled"),
    "subprocess": (
        "import subprocess\nsubprocess.run(['rm', '-rf', '/tmp/nothing'])\nreturn x",
        {"error"},
        "disabled",
    ),
    "os_system": ("import os\nos.system('true')\nreturn x", {"error"}, "disabled"),
    "multiprocessing": (
        "import multiprocessing\nmultiprocessing.Process(target=print).start()\nreturn x",
        {"error"},
        "disabled",
    ),
    "sys_exit": ("import sys\nsys.exit(0)", {"error"}, "sys.exit"),
    "os_exit": ("import os\nos._exit(0)", {"crashed"}, "kernel died"),
    "kill_self": (
        "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
        {"crashed"},
        "kernel died",
    ),
    "segfault": (
        "import faulthandler\nfaulthandler._sigsegv()\nreturn x",
        {"crashed"},
        "kernel died",
    ),
    "stack_overflow": (
        "import sys\nsys.setrecursionlimit(10 ** 8)\n"
        "def deeper(n):\n    return deeper(n + 1) + 1\nreturn deeper(0)",
        {"error", "timeout", "oom"},
        "",
    ),
    "recursion": ("return recursion(x)", {"error"}, "RecursionError"),
    "huge_int_power": ("return x + 10 ** 10 ** 9", {"timeout", "oom", "error"}, ""),
    "close_channel": (
        "import os\nfor fd in range(3, 256):\n    try:\n        os.close(fd)\n"
        "    except OSError:\n        pass\nreturn x",
        {"crashed"},
        "",
    ),
    "read_stdin": ("return x + float(input())", {"error"}, "EOFError"),
    "noisy": (
        "import os, sys\nprint('hello ' * 1000)\nsys.stderr.write('err ' * 1000)\n"
        "os.write(1, b'Content-Length: 5\\r\\n\\r\\nhello')\nos.write(2, b'junk')\n"
        "sys.__stdout__.write('zzz')\nsys.__stderr__.write('zzz')\nreturn x * x",
        {"ok"},
        "",
    ),
    # One thread spinning from the first call on (a thread per call, as this case
    # once was, made the ~60 calls of a card fight dozens of spinners for the GIL:
    # two seconds under load, whatever the kernel does).
    "spinning_thread": (
        "import threading\n"
        "def spin():\n    while True:\n        pass\n"
        "if threading.active_count() == 1:\n"
        "    threading.Thread(target=spin, daemon=True).start()\nreturn x * 3.0",
        {"ok"},
        "",
    ),
}


def _source(name: str, body: str) -> str:
    return f"def {name}(x=1.0):\n" + textwrap.indent(body, "    ") + "\n"


NEXT = "import numpy as np\n\n\ndef g(x=2.0):\n    return np.sin(x) * x ** 3\n"


def _next_is_served(svc: CardService, point: float) -> None:
    card = svc.card_sync(analyze(NEXT), "g", point=f"x={point}")
    assert card.status == "ok", (card.status, card.message)
    import math

    assert card.value.value == pytest.approx(math.sin(point) * point**3)
    expected = math.cos(point) * point**3 + 3 * point**2 * math.sin(point)
    assert card.gradient.values["x"] == pytest.approx(expected)


@pytest.fixture(scope="module")
def service():
    kernel = KernelPool(1, time_limit=2.0, memory_limit=512 << 20)
    yield CardService(kernel, execution="always")
    kernel.close()


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_function_is_contained_and_the_next_request_served(
    service: CardService, name: str
) -> None:
    body, statuses, says = HOSTILE[name]
    card = service.card_sync(analyze(_source(name, body)), name)
    text = render.text(card)
    assert card.status in statuses, (card.status, card.message, card.why("value"))
    assert says in text, text
    if card.status == "ok":
        assert isinstance(card.value.value, float)
    _next_is_served(service, 1.0 + len(name) / 10)  # a fresh point: not a cache hit
    TALLY["hostile cases contained"] += 1


_PARENT = """
import json, sys
from lsp_server.analysis import analyze
from lsp_server.cards import CardService
from lsp_server.kernel import KernelPool
model = analyze(sys.argv[1])
svc = CardService(KernelPool(1, time_limit=3.0), execution="always")
for n, fn in enumerate(model.functions):
    card = svc.card_sync(model, fn.name)
    after = svc.card_sync(analyze("def g(x=2.0):\\n    return x ** 3\\n"), "g", point=f"x={n}.5")
    print(json.dumps({"name": fn.name, "status": card.status, "error": card.why("value"),
                      "after": after.status, "after_value": after.value.value}), flush=True)
svc.kernels.close()
"""

SIGNALS = {
    "sigterm_parent": "os.kill(os.getppid(), signal.SIGTERM)",
    "sigkill_parent": "os.kill(os.getppid(), signal.SIGKILL)",
    "sigstop_parent": "os.kill(os.getppid(), signal.SIGSTOP)",
    "sigterm_parent_group": "os.killpg(os.getpgid(os.getppid()), signal.SIGTERM)",
    "sigterm_everyone": "os.kill(-1, signal.SIGTERM)",
    "sigterm_own_group": "os.kill(0, signal.SIGTERM)",
    "pidfd_signal": "signal.pidfd_send_signal(os.pidfd_open(os.getppid()), signal.SIGTERM)",
}


def test_signals_to_the_parent_do_not_reach_it() -> None:
    # The kernel's parent is the server: here a child interpreter stands in for it,
    # so that a regression kills that child, not pytest. One parent runs every case
    # in turn and reports each; a missing report names the case that killed it.
    source = "import os, signal\n" + "".join(
        f"\n\ndef {name}(x=1.0):\n    {call}\n    return x\n" for name, call in SIGNALS.items()
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _PARENT, source],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
            start_new_session=True,  # "everyone" and "own group" must not reach pytest
        )
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"the parent hung (stopped by its kernel?) after: {e.stdout}")
    reports = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    done = [r["name"] for r in reports]
    assert proc.returncode == 0, (
        f"the parent died ({proc.returncode}) after {done}: {proc.stderr[-2000:]}"
    )
    assert done == list(SIGNALS)
    for r in reports:
        assert r["status"] == "error" and "disabled" in r["error"], r
        assert r["after"] == "ok" and r["after_value"] is not None, r
        TALLY["hostile cases contained"] += 1


def test_top_level_code_that_deletes_workspace_files_never_runs(tmp_path: Path) -> None:
    # Only the slice runs (imports, defs, literal constants): top-level calls, loops,
    # `with` blocks and the __main__ block never do, so the files survive.
    victim = tmp_path / "data.csv"
    victim.write_text("1,2,3\n")
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "keep.txt").write_text("keep")
    source = textwrap.dedent(
        f"""
        import os
        import shutil
        import numpy as np

        os.remove({str(victim)!r})
        shutil.rmtree({str(folder)!r})
        for name in os.listdir({str(tmp_path)!r}):
            os.remove(os.path.join({str(tmp_path)!r}, name))
        with open({str(victim)!r}, "w") as fh:
            fh.write("")
        WIPED = os.remove({str(victim)!r})


        def loss(x=1.5):
            return np.sin(x) * x


        def cleanup():
            os.remove({str(victim)!r})


        cleanup()

        if __name__ == "__main__":
            shutil.rmtree({str(tmp_path)!r})
        """
    )
    kernel = KernelPool(1, time_limit=5.0)
    try:
        svc = CardService(kernel, execution="always")
        card = svc.card_sync(analyze(source), "loss", path=str(tmp_path))
    finally:
        kernel.close()
    assert card.status == "ok", card.message
    assert victim.read_text() == "1,2,3\n"
    assert (folder / "keep.txt").read_text() == "keep"
    TALLY["hostile cases contained"] += 1


ENV_SOURCE = f"""import os


def reads_public(x=1.0):
    return x * len(os.environ.get("HOME", ""))


def reads_secret_length(x=1.0):
    return x * len(os.environ["{SECRET_VAR}"])


def fails_with_environment(x=1.0):
    env = dict(os.environ)
    return x * undefined_name


def returns_secret(x=1.0):
    return os.environ["{SECRET_VAR}"]
"""


def test_environment_reads_are_allowed_but_nothing_else_leaks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SECRET_VAR, SECRET)
    cards = all_cards(ENV_SOURCE)  # the kernel starts now: it inherits the environment
    assert cards["reads_secret_length"].value.value == float(len(SECRET))
    assert cards["reads_public"].status == "ok"
    assert cards["fails_with_environment"].status == "error"
    for name in ("reads_public", "reads_secret_length", "fails_with_environment"):
        blob = json.dumps(render.to_json(cards[name]), ensure_ascii=False)
        for shown in (blob, render.text(cards[name]), render.markdown(cards[name])):
            assert SECRET not in shown, name
    # What a function returns is its value: shown, as the user asked.
    assert SECRET in json.dumps(render.to_json(cards["returns_secret"]))
    TALLY["hostile cases contained"] += 3


POISON = """import numpy as np
import ad_core


def poison(x=1.0):
    np.sin = lambda v: 0.0 * v
    ad_core.grad = None
    return x
"""


def test_a_function_that_patches_shared_modules_does_not_poison_other_cards() -> None:
    kernel = KernelPool(1, time_limit=5.0)
    try:
        svc = CardService(kernel, execution="always")
        svc.card_sync(analyze(POISON), "poison")
        _next_is_served(svc, 1.3)
    finally:
        kernel.close()

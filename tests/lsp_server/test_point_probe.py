"""When a synthetic point or a guessed ``self = Class()`` does not work, the kernel tries
alternatives (`compute.choose`) and the card says which point and instance it used, after
how many failed attempts, and why the guess failed. A user's point is never replaced.

Each case fails on a kernel without the probe: the function raises or gives NaN at the
synthetic point, or its guessed instance cannot be built.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import conftest_server as srv
import pytest
import pytest_lsp
from conftest_server import hover_until, position_of
from pytest_lsp import LanguageClient

from lsp_server.analysis import analyze
from lsp_server.cards.service import CardService
from lsp_server.kernel import KernelPool
from lsp_server.kernel.schema import Probe

ROOT = Path(__file__).resolve().parents[2]

# The size comes from the instance (an int attribute): no static reading of __call__ sees it.
SIZED = """\
import numpy as np


class Banana:
    def __init__(self, dimension=6):
        n = 0  # counted, so that static inference cannot read the size (shapes.py does
        for _ in range(dimension):  # read `self.n = int(dimension)`): the probe must
            n += 1
        self.n = n

    def __call__(self, x):
        y = np.array(x, dtype=float).reshape(self.n)
        return -0.5 * np.sum(y ** 2)
"""

# x holds three blocks of k coordinates: k = 4 does not do (the first alternative tried,
# an int attribute), the length of the instance's own start vector x0 (12) does.
BLOCKS = """\
import numpy as np


class Blocks:
    def __init__(self, k=4):
        n = 0  # counted: static inference reads x[:self.k] when self.k = k (shapes.py)
        for _ in range(k):
            n += 1
        self.k = n
        self.x0 = np.linspace(0.0, 1.0, 3 * n)

    def fun(self, x):
        a, b, c = x[:self.k], x[self.k:2 * self.k], x[2 * self.k:]
        return np.sum(a * b + c)

    def grad(self, x):
        a, b = x[:self.k], x[self.k:2 * self.k]
        return np.concatenate([b, a, np.ones(self.k)])
"""

# x[2] / a = 0.7 / 0.6 is outside arcsin's domain at the synthetic point: NaN.
EDGE = """\
import numpy as np


def edge(x, a):
    return np.arcsin(x[0] / a) + np.arcsin(x[2] / a)


def edge_der(x, a):
    return np.array([1 / np.sqrt(a**2 - x[0]**2), 0.0, 1 / np.sqrt(a**2 - x[2]**2)])


def given(x=0.7, a=0.6):
    return np.arcsin(x / a)
"""

# The base class cannot be built without an argument; a class derived from it can, and
# inherits the method.
ABSTRACT = """\
import numpy as np


class Base:
    def __init__(self, ndim=None):
        if ndim is None:
            raise ValueError("number of dimensions must be set")
        self.ndim = ndim

    def __call__(self, x):
        return self.function(x) + 0.0 * len(x)

    def function(self, x):
        raise NotImplementedError("overwrite function")


class Square(Base):
    def __init__(self, ndim=3):
        Base.__init__(self, ndim=ndim)

    def function(self, x):
        return np.sum(x * x)
"""

# Placeholders: the base class's methods return NotImplementedError (the class); its
# template method inverse_deriv works on a class that implements them.
LINKS = """\
import numpy as np


class Link:
    def __call__(self, p):
        return NotImplementedError

    def inverse(self, z):
        return NotImplementedError

    def deriv(self, p):
        return NotImplementedError

    def inverse_deriv(self, z):
        return 1 / self.deriv(self.inverse(z))


class Logit(Link):
    def __call__(self, p):
        return np.log(p / (1 - p))

    def inverse(self, z):
        return 1 / (1 + np.exp(-z))

    def deriv(self, p):
        return 1 / (p * (1 - p))
"""

# The same template with nothing that implements the placeholders.
LONELY = """\
import numpy as np


class Link:
    def inverse(self, z):
        return NotImplementedError

    def deriv(self, p):
        return NotImplementedError

    def inverse_deriv(self, z):
        return 1 / self.deriv(self.inverse(z))
"""


@pytest.fixture(scope="module")
def service():
    pool = KernelPool(1, time_limit=20.0)
    yield CardService(pool, execution="always")
    pool.close()


def card(service: CardService, src: str, name: str):
    return service.card_sync(analyze(src), name)


def test_a_size_the_instance_holds_is_tried_and_the_card_says_so(service):
    c = card(service, SIZED, "Banana.__call__")
    assert c.status == "ok" and c.gradient is not None
    assert isinstance(c.probe, Probe) and c.probe.found and c.probe.attempts == 1
    assert c.probe.changed == ["x"] and len(c.point.values["x"]) == 6
    # the card shows the point used, and the failure at the one requested
    assert c.point.text == "x=[0.5, 0.6, 0.7, 0.8, 0.9, 1.0]"
    assert c.point.note.startswith("chosen after 1 failed attempt; the first: at x=[0.5")
    assert "cannot reshape array of size 3 into shape (6,)" in c.point.note
    assert c.value.value == pytest.approx(-0.5 * sum((0.5 + 0.1 * k) ** 2 for k in range(6)))


def test_the_instance_arrays_give_the_length_and_the_pair_is_checked_there(service):
    fun = card(service, BLOCKS, "Blocks.fun")
    assert fun.status == "ok" and fun.probe.found
    assert fun.probe.attempts == 2  # the requested point, then length k = 4
    assert len(fun.point.values["x"]) == 12
    grad = card(service, BLOCKS, "Blocks.grad")
    assert grad.check is not None and grad.check.outcome == "verified", grad.check
    assert len(grad.point.values["x"]) == 12 and grad.check.n_components == 12


def test_nan_at_the_synthetic_point_moves_it_and_a_given_point_stays(service):
    c = card(service, EDGE, "edge")
    assert c.probe is not None and c.probe.found and c.probe.changed == ["x"]
    assert c.point.values["x"] == [0.25, 0.3, 0.35]  # x times 0.5: inside the domain
    assert "edge gives NaN there" in c.point.note
    assert all(math.isfinite(v) for v in c.gradient.values["x"])
    d = card(service, EDGE, "edge_der")  # the derivative and its function, at one point
    assert d.check is not None and d.check.outcome == "verified"
    assert d.point.values["x"] == [0.25, 0.3, 0.35]
    g = card(service, EDGE, "given")  # defaults: the user's point, NaN and all
    assert g.probe is None and g.point.values == {"x": 0.7, "a": 0.6}
    assert g.value is not None and math.isnan(g.value.value)


def test_a_base_class_that_cannot_be_built_runs_on_the_first_derived_class(service):
    c = card(service, ABSTRACT, "Base.__call__")
    assert c.status == "ok" and c.gradient is not None
    assert c.instance.text == "Square()"
    assert c.instance.note.startswith("Base() raised ValueError: number of dimensions must be "
                                      "set: Square is the first class of the file derived "
                                      "from Base")


def test_a_template_method_over_placeholders_runs_on_a_class_that_implements_them(service):
    c = card(service, LINKS, "Link.inverse_deriv")
    assert c.instance.text == "Logit()"
    assert "Link.inverse is not implemented on Link (returns NotImplementedError)" in \
        c.instance.note
    # Link's own code ran (Logit does not override it), against Logit's inverse
    assert c.check is not None and c.check.outcome == "verified"
    # the placeholder itself is said to be one, not checked, not counted
    p = card(service, LINKS, "Link.deriv")
    assert p.pairing is not None and not p.pairing.fits
    assert p.pairing.message == ("placeholder: Link.deriv is not implemented on Link "
                                 "(returns NotImplementedError)")
    assert not p.hints  # no "give a point" hint: no point would do


def test_with_nothing_implementing_the_placeholder_the_card_says_so(service):
    c = card(service, LONELY, "Link.inverse_deriv")
    assert c.pairing is not None and not c.pairing.fits
    assert c.pairing.message == ("placeholder: Link.inverse is not implemented on Link "
                                 "(returns NotImplementedError)")


def test_a_directive_instance_is_never_replaced(service):
    src = ABSTRACT.replace("    def __call__", "    # adlens: self=Base()\n    def __call__")
    c = card(service, src, "Base.__call__")
    assert c.status == "error" and c.probe is None
    assert "number of dimensions must be set" in c.message


def adlens(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lsp_server.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=180,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_the_cli_prints_the_point_used_and_placeholders_do_not_count(tmp_path):
    (tmp_path / "sized.py").write_text(SIZED)
    r = adlens("check", "sized.py", "--time-limit", "20", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert ("point   x=[0.5, 0.6, 0.7, 0.8, 0.9, 1.0] (synthetic; chosen after 1 failed "
            "attempt; the first: at x=[0.5, 0.6, 0.7], ValueError: cannot reshape") in r.stdout
    (tmp_path / "links.py").write_text(LONELY)
    r = adlens("check", "links.py", "--time-limit", "20", "--format", "json", cwd=tmp_path)
    report = json.loads(r.stdout)
    # the placeholder is "not paired", not "unverified": exit 0
    assert r.returncode == 0 and report["unverified"] == [], r.stdout
    assert any("placeholder: Link.inverse is not implemented on Link" in n
               for n in report["not_paired"]), report["not_paired"]
    cards = {c["function"]: c for c in report["files"][0]["cards"]}
    assert cards["Link.inverse_deriv"]["probe"]["placeholder"].startswith("Link.inverse")


# -- the hover, over the real protocol ---------------------------------------------------


@pytest_lsp.fixture(config=srv.SERVER, scope="module")
async def client(lsp_client: LanguageClient):
    await srv.start(lsp_client)
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio(loop_scope="module")
async def test_the_hover_shows_the_point_used(client: LanguageClient) -> None:
    uri = srv.uri_for("probe_sized.py")
    srv.track(client, uri, SIZED)
    text = await hover_until(client, uri, position_of(SIZED, "def __call__", delta=4),
                             lambda t: t is not None and "chosen after" in t)
    assert text is not None
    assert "x=\\[0.5, 0.6, 0.7, 0.8, 0.9, 1.0\\]" in text or "x=[0.5, 0.6, 0.7, 0.8, 0.9, 1.0]" \
        in text, text
    assert "chosen after 1 failed attempt" in text and "cannot reshape" in text

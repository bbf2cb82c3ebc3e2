"""What a slice may run (issue 15, finding 6 and the slice item of 9; issue 12 item 5),
through ``adlens check``: calls hidden in class bases, class keywords, ``field()``
arguments, ``except`` types, and "constants" that reach the file's own code never run;
a constant whose right-hand side is safe (``np.log(np.finfo(float).max)``) reaches the
function; the slice is compiled as its own module (``@dataclass`` with annotations)."""

from __future__ import annotations

import math
from pathlib import Path

import kernel_attacks as ka
from conftest import TALLY

ESCAPES = '''
import dataclasses
import sys
import numpy as np
from dataclasses import dataclass, field


def leak(name):
    open(MARKERS + "/" + name, "w").close()
    return object


MARKERS = {markers!r}


class Base(leak("base")):
    pass


class Keyword(object, flag=leak("keyword")):
    pass


@dataclass
class Field:
    items: list = field(default_factory=leak("field"))


@dataclass
class FieldByModule:
    items: list = dataclasses.field(default=leak("field_module"))


try:
    import not_a_module_anywhere_xyz
except leak("except"):
    pass


class Meta(type):
    def __getitem__(cls, key):
        return leak("subscript")

    def keys(cls):
        leak("unpack")
        return []


class Evil(metaclass=Meta):
    pass


class Hooked:
    def __init_subclass__(cls, **kw):
        leak("init_subclass")


class Child(Hooked):
    pass


class np_fake:
    pass


SUBSCRIPT = Evil[0]
UNPACK = {{**Evil}}


class np:  # noqa: the file's own "np"
    @staticmethod
    def array(v):
        # np.array is also a method with its own card, which runs it: only a call from
        # module level (the constant below, run by a slice) is an escape
        at_module_level = sys._getframe(1).f_code.co_name == "<module>"
        return leak("fake_np" if at_module_level else "card_of_np.array")


FAKE = np.array(0)


def uses_everything(x=1.0):
    return (x, Base, Keyword, Field, FieldByModule, SUBSCRIPT, UNPACK, Child, FAKE)
'''

SAFE_CONSTANTS = '''
import math

import numpy as np

_MAX = np.log(np.finfo(float).max)
_EPS = np.finfo(np.float64).eps
_TWO_PI = 2 * math.pi
_WEIGHTS = np.linspace(0.0, 1.0, 5).reshape(5, 1)
_SCALE = float(np.sqrt(2.0))
_LIM_CUBE = np.nextafter(np.finfo(np.float64).max ** (1 / 3.0), -np.inf)  # GPy's


def safe_exp(x=3.0):
    return (np.exp(min(x, _MAX)) + _EPS * 0 + _TWO_PI * 0 + _WEIGHTS.sum() * _SCALE
            + min(x, _LIM_CUBE) * 0)
'''

DATACLASS = '''
from dataclasses import dataclass


@dataclass
class Params:
    scale: float = 2.0
    shift: float = 0.5


def with_dataclass(x=1.5):
    p = Params()
    return p.scale * x + p.shift
'''


def test_no_call_hidden_in_a_class_or_constant_runs(tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    path = ka.write(tmp_path, "escapes.py", ESCAPES.format(markers=str(markers)))
    code, report, err = ka.check([path])
    assert report, err[-2000:]
    ran = sorted(p.name for p in markers.iterdir())
    assert set(ran) <= {"card_of_np.array"}, f"ran as part of a slice: {ran}"
    card = ka.cards(report)["uses_everything"]
    assert card["status"] == "error" and "NameError" in ka.why(card), ka.why(card)
    TALLY["slice escapes refused"] += 10


def test_a_safe_non_literal_constant_reaches_its_function(tmp_path: Path) -> None:
    path = ka.write(tmp_path, "constants.py", SAFE_CONSTANTS)
    _, report, err = ka.check([path])
    card = ka.cards(report)["safe_exp"]
    assert card["status"] == "ok", ka.why(card) + err[-2000:]
    expected = math.exp(3.0) + 2.5 * math.sqrt(2.0)
    assert abs(card["value"]["value"] - expected) < 1e-9 * expected


def test_a_dataclass_with_annotations_works_in_the_slice(tmp_path: Path) -> None:
    path = ka.write(tmp_path, "dc.py", DATACLASS)
    _, report, err = ka.check([path])
    card = ka.cards(report)["with_dataclass"]
    assert card["status"] == "ok", ka.why(card) + err[-2000:]
    assert card["value"]["value"] == 3.5
    assert card["gradient"]["values"] == {"x": 2.0}

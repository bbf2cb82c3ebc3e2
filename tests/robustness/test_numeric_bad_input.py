"""Numerical bad input: NaN and inf, points outside the domain, empty arrays, wrong
shapes, in `ad_core`, in `# adlens:` directives and in `adlens check --at`.

Each gives a clear message or the IEEE result (documented below), never a hang or a
crash; unusable CLI input exits with status 2.
"""

from __future__ import annotations

import io
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import TALLY
from kernel_cards import all_cards

import ad_core as ad
from lsp_server import cli, render

# IEEE results ad_core gives, as JAX does: the derivative rule is evaluated at the
# point, whatever the primal value is.
IEEE = [
    (np.log, -1.0, -1.0),  # log(-1) = nan; its rule 1/x = -1
    (np.log, 0.0, math.inf),
    (np.sqrt, -1.0, math.nan),
    (np.sqrt, 0.0, math.inf),  # SPEC: sqrt'(0) = inf
    (np.arcsin, 2.0, math.nan),
    (lambda x: x * x, math.nan, math.nan),
    (lambda x: x * x, math.inf, math.inf),
    (lambda x: np.exp(x), -math.inf, 0.0),
    (np.abs, 0.0, 0.0),  # SPEC: abs'(0) = 0
]


@pytest.mark.parametrize("f,x,expected", IEEE)
def test_ieee_results_at_bad_points(f, x: float, expected: float) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        g = ad.grad(f)(x)
        fwd = ad.derivative(f)(x)
    for got in (g, fwd):
        assert isinstance(got, float)
        if math.isnan(expected):
            assert math.isnan(got)
        else:
            assert got == expected
    TALLY["fuzz inputs: ad_core"] += 1


def test_empty_arrays() -> None:
    f = lambda x: np.sum(x**2)  # noqa: E731
    empty = np.array([])
    assert ad.grad(f)(empty).shape == (0,)
    assert ad.jacrev(lambda x: x * 2)(empty).shape == (0, 0)
    assert ad.jacfwd(lambda x: x * 2)(empty).shape == (0, 0)
    assert ad.numeric.gradient(f, empty).shape == (0,)
    assert ad.check_grad(f, empty).ok  # nothing to disagree on
    TALLY["fuzz inputs: ad_core"] += 5


def test_check_grad_at_a_nan_point_says_so() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        r = ad.check_grad(lambda x: x * x, math.nan)
        r2 = ad.check_grad(np.log, -1.0)
    for res, at in ((r, "x=nan"), (r2, "x=-1.0")):
        assert not res.ok and "nan" in res.message and at in res.message, res.message
    TALLY["fuzz inputs: ad_core"] += 2


def test_wrong_shapes_and_types_in_ad_core_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="matmul|shape|align"):
        ad.grad(lambda w: np.sum(np.eye(3) @ w))(np.ones(2))
    with pytest.raises(TypeError, match="jacrev|vjp"):
        ad.grad(lambda x: x * 2)(np.ones(3))
    with pytest.raises(TypeError):
        ad.grad(lambda x: x)("abc")
    with pytest.raises(TypeError):
        ad.grad(lambda x: x)(None)
    TALLY["fuzz inputs: ad_core"] += 4


DIRECTIVES = """import numpy as np


# adlens: w=[1.0, 2.0]
def short(w):
    return np.sum(np.eye(3) @ w)


# adlens: x=[[1.0, 2.0], [3.0]]
def ragged(x):
    return np.sum(x)


# adlens: x=1e999
def infinite(x):
    return x * x


# adlens: x=[]
def empty(x):
    return np.sum(x ** 2)


# adlens: x=-1.0
def outside(x):
    return np.log(x)


# adlens: x=(1.0,
def unterminated(x=2.0):
    return x * x


# adlens: q=1.0
def wrong_name(x=3.0):
    return x * x


# adlens: x=float("nan")
def not_literal(x=4.0):
    return x * x
"""


def test_bad_directives_give_cards_with_clear_messages() -> None:
    cards = all_cards(DIRECTIVES)
    text = {name: render.text(c) for name, c in cards.items()}
    assert cards["short"].status == "error" and "size 2 is different from 3" in text["short"]
    assert cards["ragged"].status == "error" and "inhomogeneous" in text["ragged"]
    assert (
        cards["infinite"].value.value == math.inf
        and cards["infinite"].gradient.values["x"] == math.inf
    )
    assert cards["empty"].value.value == 0.0 and cards["empty"].gradient.values["x"] == []
    assert cards["outside"].gradient.values["x"] == -1.0
    assert math.isnan(cards["outside"].value.value)
    for name, value in (("unterminated", 4.0), ("wrong_name", 9.0), ("not_literal", 16.0)):
        # the directive is reported and ignored: the defaults stand
        assert cards[name].value.value == value, text[name]
        assert any(p.code == "bad-directive" for p in cards[name].problems), text[name]
    assert "no parameter named 'q'" in text["wrong_name"]
    assert "not a literal" in text["not_literal"]
    for card in cards.values():  # the JSON stays strict JSON (no NaN/Infinity tokens)
        json.loads(json.dumps(render.to_json(card), allow_nan=False))
    TALLY["fuzz inputs: directives"] += len(cards)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "m.py"
    path.write_text(DIRECTIVES)
    return path


def _run(*args: str) -> tuple[int, str, str]:
    import contextlib

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    "at,says",
    [
        ("x=float('nan')", "not a literal"),
        ("x=[1.0]*3", "not a literal"),
        ("x=", "name=value"),
        ("x=[1, 2", "name=value"),
        ("z=1.0", "no parameter named 'z'"),
        ("1.0, 2.0", "2 values given"),
        ("**{'x': 1}", "not allowed"),
        ("x=" + "-" * 100_000 + "1", "cannot read"),
        ("x=" + "[" * 300 + "]" * 300, "cannot read"),
    ],
)
def test_unusable_at_exits_2_with_a_message(source: Path, at: str, says: str) -> None:
    code, out, err = _run("check", str(source), "--function", "infinite", "--at", at, "--no-exec")
    assert code == 2, (code, out, err)
    assert says in err and err.startswith("adlens: "), err
    assert "Traceback" not in err
    TALLY["fuzz inputs: --at"] += 1


def test_wrong_shapes_and_ieee_points_at_the_cli(source: Path) -> None:
    # Usable input whose evaluation fails or is not finite: a card that says so
    # (exit 0: no hand-written gradient is wrong), strict JSON.
    for fn, at, says in [
        ("short", "w=[1.0, 2.0, 3.0, 4.0]", "size 4 is different from 3"),
        ("short", "w=[[1.0], [2.0]]", "matmul"),
        ("short", "w='abc'", "matmul"),
        ("short", "w=[]", "size 0 is different from 3"),
        ("infinite", "x=[1e999, -1e999]", "inf"),
        ("empty", "x=[[]]", "[[]]"),
    ]:
        code, out, err = _run(
            "check", str(source), "--function", fn, "--at", at, "--format", "json"
        )
        assert code == 0, (fn, at, err)
        report = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-JSON {c}"))
        assert says in json.dumps(report, ensure_ascii=False), (fn, at, report)
        TALLY["fuzz inputs: --at"] += 1

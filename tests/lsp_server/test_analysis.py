"""lsp_server.analysis: pure text -> model; tolerant, never raises, never runs code."""

from __future__ import annotations

import time

import pytest

from lsp_server.analysis import MISSING, PointError, analyze, parse_assignments, point_from_text

SOURCE = '''\
import math
import numpy as np

SCALE = 2.0
TABLE = np.array([1.0, 2.0])
data = open("weights.bin").read()


def helper(t):
    return t * SCALE


# adlens: x=1.5, y=2.0
def f(x, y):
    z = helper(x) * y
    return math.sin(z)


def f_grad(x, y):
    return (1.0, 2.0)


def g(w, n=3):
    """Sum of squares.

    >>> g([1.0, 2.0], 4)
    """
    return np.sum(w ** 2) * n


if __name__ == "__main__":
    print(f(1.0, 2.0))
'''


def test_functions_params_and_spans_are_found():
    m = analyze(SOURCE)
    assert [f.name for f in m.functions] == ["helper", "f", "f_grad", "g"]
    f = m.function("f")
    assert f.span.line == 13 and f.name_span.line == 13 and f.name_span.col == 4
    assert [(p.name, p.span.col) for p in f.params] == [("x", 6), ("y", 9)]
    assert f.params[0].default is MISSING
    assert m.function("g").params[1].default == 3


def test_point_comes_from_the_directive_first():
    p = analyze(SOURCE).function("f").point
    assert p.values == {"x": 1.5, "y": 2.0} and p.source == "directive"
    assert p.text == "x=1.5, y=2.0"


def test_point_mixes_doctest_and_defaults_per_parameter():
    p = analyze(SOURCE).function("g").point
    # n has a literal default (rule 2), w only the doctest (rule 3)
    assert p.values == {"w": [1.0, 2.0], "n": 3}
    assert p.origins == {"w": "doctest", "n": "defaults"}
    assert p.source == "defaults"


def test_synthetic_point_is_marked_and_guesses_arrays_and_ints():
    m = analyze("def h(a, v, k):\n    return a * v[0] * v[2] * sum(range(k))\n")
    p = m.function("h").point
    # v[0], v[2]: a vector as long as the largest index needs
    assert p.values == {"a": 0.5, "v": [0.6, 0.7, 0.8], "k": 3}
    assert p.source == "synthetic" and set(p.synthetic) == {"a", "v", "k"}


def test_directive_values_are_literals_only():
    m = analyze("# adlens: x=__import__('os').system('true')\ndef f(x):\n    return x\n")
    f = m.function("f")
    assert [p.code for p in f.problems] == ["bad-directive"]
    assert f.point.source == "synthetic"


def test_gradient_pairing_by_name_and_directive():
    src = (
        "def f(x, y):\n    return x * y\n"
        "def f_grad(x, y):\n    return y, x\n"
        "def df(x, y):\n    return y, x\n"
        "def dfdx(x, y):\n    return y\n"
        "def fprime(x, y):\n    return y, x\n"
        "def jac_f(x, y):\n    return y, x\n"
        "# adlens: gradient-of=f\ndef mine(x, y):\n    return y, x\n"
        "def grad_f(data):\n    return data\n"  # wrong arity: not paired
        "def grad_nothing(x):\n    return x\n"
    )
    m = analyze(src)
    paired = {f.name: f.gradient_of for f in m.functions}
    assert paired == {
        "f": None, "f_grad": "f", "df": "f", "dfdx": "f", "fprime": "f", "jac_f": "f",
        "mine": "f", "grad_f": None, "grad_nothing": None,
    }  # fmt: skip
    assert not m.function("f_grad").differentiable and m.function("f").differentiable


def test_gradient_borrows_its_functions_point_and_slice():
    m = analyze(SOURCE)
    g = m.function("f_grad")
    assert g.point.values == {"x": 1.5, "y": 2.0}
    assert "def f(x, y):" in g.slice_source and "def helper" in g.slice_source


def test_slice_holds_what_the_function_needs_and_no_top_level_code():
    f = analyze(SOURCE).function("f")
    s = f.slice_source
    assert "import math" in s and "SCALE = 2.0" in s and "def helper" in s
    assert "open(" not in s and "__main__" not in s and "print" not in s
    assert "TABLE" not in s and "def g" not in s  # not needed by f
    assert s.splitlines()[f.slice_start].startswith("# adlens") or s.splitlines()[
        f.slice_start
    ].startswith("def f")


def test_imports_under_an_imported_context_manager_reach_the_slice():
    # scipy's benchmarks: `with safe_import(): from scipy.special import factorial`
    src = ("import warnings\nfrom .common import safe_import\n\n"
           "with safe_import():\n    from scipy.special import factorial\n\n"
           "with warnings.catch_warnings():\n    import numpy as np\n\n"
           "with open('log.txt', 'w'):\n    import math\n\n"
           "def local_manager():\n    return warnings.catch_warnings()\n\n"
           "with local_manager():\n    import cmath\n\n"
           "with safe_import():\n    import sys\n    sys.exit(1)\n\n"
           "def f(x):\n    return factorial(3) * np.sin(x) + math.pi + cmath.pi + sys.maxsize\n")
    s = analyze(src).function("f").slice_source
    assert "from scipy.special import factorial" in s and "import numpy as np" in s
    assert "open(" not in s  # a builtin that writes
    assert "local_manager()" not in s  # the file's own code
    assert "sys.exit" not in s  # not imports only


def test_slice_hash_ignores_unrelated_edits():
    a = analyze(SOURCE).function("f").slice_hash
    b = analyze(SOURCE.replace("* n", "* n * 2")).function("f").slice_hash
    c = analyze(SOURCE.replace("SCALE = 2.0", "SCALE = 3.0")).function("f").slice_hash
    assert a == b and a != c


def test_syntax_error_in_one_function_spares_the_others():
    src = "def a(x):\n    return x\n\ndef b(x:\n    return x\n\ndef c(x):\n    return 2 * x\n"
    m = analyze(src)
    assert [f.name for f in m.functions] == ["a", "c"]
    assert len(m.errors) == 1 and m.errors[0].span.line == 3
    assert m.function("c").span.line == 6


def test_decorated_function_and_column_zero_docstring_survive_the_fallback():
    src = (
        "def broken(:\n    pass\n"
        "@staticmethod\ndef d(x):\n    '''doc\nat column zero\n'''\n    return x\n"
    )
    m = analyze(src)
    assert [f.name for f in m.functions] == ["d"]
    assert m.function("d").span.line == 2  # the decorator line


def test_columns_are_code_points_not_bytes():
    m = analyze(
        "s = 'é'\ndef f(x):  # café\n    return x\nπ = 3.0\ndef ü(λ, μ):\n    return λ * μ\n"
    )
    u = m.function("ü")
    assert u.name_span.col == 4 and u.name_span.end_col == 5
    assert [(p.name, p.span.col, p.span.end_col) for p in u.params] == [("λ", 6, 7), ("μ", 9, 10)]


@pytest.mark.parametrize(
    "text",
    [
        "def f(x):\n    return x\n\x00\x00\ndef g(y):\n    return y\n",
        "(" * 10_000,
        "def f(x):\n    return " + "(" * 300 + "x" + ")" * 300 + "\n",
        "x = " + "-" * 100_000 + "1\n",
        "\ufeffdef f(x):\r\n    return x\r\n",
        "def f(x):\n\treturn x\n  \tpass\n",
        "",
    ],
)
def test_hostile_text_never_raises(text):
    m = analyze(text)
    assert isinstance(m.functions, tuple)


def test_null_bytes_spare_the_clean_blocks():
    m = analyze("def f(x):\n    return x\n\x00\ndef g(y):\n    return y\n")
    assert {f.name for f in m.functions} >= {"f", "g"} or [f.name for f in m.functions] == ["f"]


def test_ten_megabyte_file_with_a_broken_block_is_analyzed():
    pad = "# " + "x" * 98 + "\n"
    block = pad * 1000 + "def f{i}(x, y=1.0):\n    return x * y\n\n"
    text = "".join(block.format(i=i) for i in range(100)) + "def broken(:\n"
    assert len(text) > 10_000_000
    start = time.perf_counter()
    m = analyze(text)
    assert len(m.functions) == 100 and len(m.errors) == 1
    assert m.function("f99").point.values == {"x": 0.5, "y": 1.0}
    assert time.perf_counter() - start < 60


def test_locate_finds_def_param_and_body_line():
    m = analyze(SOURCE)
    assert m.locate(13, 4).kind == "def"
    t = m.locate(13, 9)
    assert t.kind == "param" and t.param == "y"
    t = m.locate(14, 6)
    assert t.kind == "line" and t.line == 14 and t.function.name == "f"
    assert m.locate(0, 0) is None


def test_static_problems_flag_only_clear_breakage():
    src = (
        "import math, cmath\nimport numpy as np\n"
        "def f(x, w):\n"
        "    a = math.sin(x)\n"  # fine: the kernel maps math to ad_core.math
        "    b = float(a)\n"  # the library refuses it, the kernel rewrites it: information
        "    c = float(3)\n"  # fine: a constant
        "    out = np.zeros(3)\n"
        "    out[0] = a\n"  # a plain buffer: the library refuses it, the kernel rewrites it
        "    w[1] = 0.0\n"  # followed by ad_core, refused by SymPy and ad.sct: information
        "    return b + cmath.sin(x).real + out.sum()\n"
    )
    codes = [(p.code, p.span.line) for p in analyze(src).function("f").problems]
    assert codes == [
        ("float-call", 4),
        ("plain-array-write", 7),
        ("inplace-write", 8),
        ("real-math", 9),
    ]


def test_parse_assignments_reads_literals_and_names_mistakes():
    assert parse_assignments("x=1.0, w=[0.1, 0.2]", ["x", "w"]) == {"x": 1.0, "w": [0.1, 0.2]}
    assert parse_assignments("1.0, 2.0", ["x", "y"]) == {"x": 1.0, "y": 2.0}
    with pytest.raises(PointError, match="no parameter named 'z'"):
        parse_assignments("z=1", ["x"])
    with pytest.raises(PointError, match="not a literal"):
        parse_assignments("x=foo()", ["x"])
    with pytest.raises(PointError, match="name=value"):
        parse_assignments("x==", ["x"])


def test_point_from_text_overrides_and_keeps_the_rest():
    f = analyze(SOURCE).function("f")
    p = point_from_text(f, "y=3.0")
    assert p.values == {"x": 1.5, "y": 3.0} and p.source == "user"
    assert p.origins == {"x": "directive", "y": "user"}

"""The corpus's ground truth, checked without AD Lens.

Every entry of ground_truth.toml is checked here against central finite differences written
with plain NumPy (no ad_core: the ground truth must not depend on the tool it judges):
- each function runs at its point and returns finite numbers;
- each hand-written derivative marked correct agrees with finite differences to a tight
  tolerance, and each one marked wrong disagrees by a clear margin.
README.md describes the manifest's fields and the comparison for each kind.
"""

from __future__ import annotations

import importlib.util
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

tomllib = pytest.importorskip("tomllib")

HERE = Path(__file__).parent
MANIFEST = tomllib.loads((HERE / "ground_truth.toml").read_text())

# A correct derivative agrees with central differences to within these; a wrong one must
# differ by more than WRONG_MARGIN (relative to the larger of the two) in some component.
RTOL, ATOL = 1e-5, 1e-7
RTOL_2ND = 1e-4
WRONG_MARGIN = 1e-2

_modules: dict[str, object] = {}


def load(path: str):
    """Import a corpus file as a plain module (each one is stand-alone Python)."""
    if path not in _modules:
        name = "realworld_" + Path(path).stem
        spec = importlib.util.spec_from_file_location(name, HERE / path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        _modules[path] = module
    return _modules[path]


def value(v):
    """A manifest literal as the code expects it: lists become float arrays, a {class = ...}
    table becomes an instance, the rest stays."""
    if isinstance(v, dict) and "class" in v:
        return build_self(_current_module, v)
    if isinstance(v, list):
        flat = np.ravel(np.array(v, dtype=object))
        if flat.size and all(isinstance(e, bool) for e in flat):
            return np.array(v, dtype=bool)
        return np.array(v, dtype=float)
    return v


_current_module = None


def build_self(module, spec: dict):
    global _current_module
    _current_module = module
    cls = getattr(module, spec["class"])
    obj = cls(*[value(a) for a in spec.get("args", [])],
              **{k: value(v) for k, v in spec.get("kwargs", {}).items()})
    for method in spec.get("call", []):
        getattr(obj, method)()
    return obj


def resolve(module, name: str, self_spec: dict | None):
    """`f`, `Class.method` (bound to an instance built from `self_spec`, or static),
    `Class.attr.fun` (an attribute chain on the instance), or `numpy.f`."""
    if name.startswith("numpy."):
        ufunc = getattr(np, name.split(".", 1)[1])
        return lambda **kw: ufunc(*kw.values())
    head, *rest = name.split(".")
    obj = getattr(module, head)
    if rest and self_spec is not None:
        obj = build_self(module, self_spec)
    for attr in rest:
        obj = getattr(obj, attr)
    return obj


def call(fn, args: dict, varargs=None, none_args=()):
    args = dict(args, **{k: None for k in none_args})
    if varargs is not None:  # f(z, *params): every argument positional, in the manifest's order
        return fn(*[value(v) for v in args.values()], *varargs)
    return fn(**{k: value(v) for k, v in args.items()})


def as_array(out) -> np.ndarray:
    if hasattr(out, "toarray"):  # a scipy.sparse Jacobian
        out = out.toarray()
    a = np.asarray(out)
    if np.iscomplexobj(a):
        a = a.real
    return a.astype(float)


def step(x: np.ndarray, h: float) -> np.ndarray:
    return h * np.maximum(1.0, np.abs(x))


def fd_jacobian(f, args: dict, wrt: str, h: float = 1e-6) -> np.ndarray:
    """Central differences of f (any output shape) w.r.t. one argument: (out.size, arg.size)."""
    x0 = np.array(value(args[wrt]), dtype=float)
    hs = step(x0, h)
    cols = []
    for i in range(x0.size):
        e = np.zeros(x0.size)
        e[i] = hs.flat[i]
        plus = dict(args, **{wrt: (x0.ravel() + e).reshape(x0.shape)})
        minus = dict(args, **{wrt: (x0.ravel() - e).reshape(x0.shape)})
        if x0.ndim == 0:
            plus[wrt], minus[wrt] = float(plus[wrt]), float(minus[wrt])
        d = (as_array(call(f, plus)) - as_array(call(f, minus))) / (2 * e[i])
        cols.append(d.ravel())
    return np.stack(cols, axis=1)


def fd_elementwise(f, args: dict, wrt: str, h: float = 1e-6) -> np.ndarray:
    """Derivative of an elementwise function: every element moved at once."""
    x0 = np.array(value(args[wrt]), dtype=float)
    hs = step(x0, h)
    plus, minus = dict(args, **{wrt: x0 + hs}), dict(args, **{wrt: x0 - hs})
    if x0.ndim == 0:
        plus[wrt], minus[wrt] = float(plus[wrt]), float(minus[wrt])
    return (as_array(call(f, plus)) - as_array(call(f, minus))) / (2 * hs)


def fd_hessian(f, args: dict, wrt: str, h: float = 1e-4) -> np.ndarray:
    """Second central differences of a scalar function."""
    x0 = np.array(value(args[wrt]), dtype=float).ravel()
    hs = step(x0, h)
    n = x0.size

    def at(dx):
        out = as_array(call(f, dict(args, **{wrt: x0 + dx})))
        assert out.size == 1, f"a Hessian needs a scalar function, got shape {out.shape}"
        return float(out.reshape(-1)[0])

    H = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            ei, ej = np.zeros(n), np.zeros(n)
            ei[i], ej[j] = hs[i], hs[j]
            quad = at(ei + ej) - at(ei - ej) - at(-ei + ej) + at(-ei - ej)
            H[i, j] = quad / (4 * hs[i] * hs[j])
    return H


def compare(hand, reference, correct: bool, rtol: float, what: str):
    hand = as_array(hand)
    reference = as_array(reference)
    assert hand.shape == reference.shape, f"{what}: shape {hand.shape} vs {reference.shape}"
    scale = max(1.0, float(np.max(np.abs(reference))) if reference.size else 1.0)
    err = np.abs(hand - reference)
    rel = err / np.maximum(np.maximum(np.abs(hand), np.abs(reference)), 1e-300)
    if correct:
        ok = err <= ATOL * scale + rtol * np.abs(reference)
        excess = err - rtol * np.abs(reference)
        worst = np.unravel_index(np.argmax(excess), err.shape) if err.size else ()
        assert ok.all(), (f"{what}: marked correct but differs from finite differences at {worst}: "
                          f"hand {hand[worst]!r}, FD {reference[worst]!r}")
    else:
        assert (rel > WRONG_MARGIN).any() and (err > 1e3 * ATOL * scale).any(), (
            f"{what}: marked wrong but agrees with finite differences "
            f"(max rel err {rel.max():.2e})")


def _pick(f, index: int):
    def picked(**kw):
        return f(**kw)[index]

    return picked


def reference_for(entry: dict, module):
    """(hand-written output, finite-difference reference, rtol) in comparable shapes."""
    kind, args, wrt = entry["kind"], entry.get("args", {}), entry.get("wrt", [])
    self_spec = entry.get("self")
    of = resolve(module, entry["of"], self_spec)
    if "of_output" in entry:  # the function returns a tuple; its value is one element
        of = _pick(of, entry["of_output"])
    hand_fn = resolve(module, entry["name"], self_spec)
    hand_args = {k: args[k] for k in entry["hand_args"]} if "hand_args" in entry else args
    hand_args = dict(hand_args, **entry.get("hand_extra", {}))
    if kind in ("value-and-gradient",):
        out = call(hand_fn, hand_args)
        g = np.asarray(out[1], dtype=float)

        def value_part(**kw):
            return call(of, kw)[0]

        ref = fd_jacobian(value_part, args, wrt[0]).reshape(g.shape)
        return g, ref, RTOL
    # `positional`: the hand-written function takes its parameters as *params
    hand = call(hand_fn, hand_args, [] if entry.get("positional") else None)
    if kind in ("derivative", "force"):
        ref = fd_elementwise(of, args, wrt[0])
        hand = -as_array(hand) if kind == "force" else as_array(hand)
        return hand * np.ones_like(ref), ref, RTOL
    if kind in ("gradient", "jacobian", "partial"):
        J = fd_jacobian(of, args, wrt[0])
        return as_array(hand).reshape(J.shape), J, RTOL
    if kind == "hessian":
        return as_array(hand), fd_hessian(of, args, wrt[0]), RTOL_2ND
    if kind == "hessian-vector-product":
        H = fd_hessian(of, {k: a for k, a in args.items() if k != entry["vector"]}, wrt[0])
        return as_array(hand), H @ value(args[entry["vector"]]), RTOL_2ND
    if kind == "weighted-hessian":
        v = value(args[entry["vector"]])

        def weighted(**kw):
            return float(np.sum(v * as_array(call(of, kw))))

        rest = {k: a for k, a in args.items() if k != entry["vector"]}
        return as_array(hand), fd_hessian(weighted, rest, wrt[0]), RTOL_2ND
    if kind in ("parameter-derivatives", "jacobians"):
        # a list/tuple with one entry per argument in `wrt`
        hand = list(hand) if isinstance(hand, (list, tuple)) else [hand]
        hs, refs = [], []
        for part, name in zip(hand, wrt):
            J = fd_jacobian(of, args, name)
            part = as_array(part)
            if kind == "parameter-derivatives":  # elementwise in x, broadcast to the output
                part = np.broadcast_to(part, as_array(call(of, args)).shape).reshape(J.shape)
            hs.append(part.reshape(J.shape))
            refs.append(J)
        assert len(hand) == len(wrt), f"{entry['name']}: {len(hand)} parts for {len(wrt)} arguments"
        return np.concatenate(hs, axis=1), np.concatenate(refs, axis=1), RTOL
    if kind == "mesh-jacobians":
        # scipy.integrate.solve_bvp: f(x, y[, p]) with y of shape (n, m); the Jacobian
        # df_dy[i, j, k] = d f[i, k] / d y[j, k] and df_dp[i, l, k] = d f[i, k] / d p[l]
        hand = list(hand) if isinstance(hand, (list, tuple)) else [hand]
        hs, refs = [], []
        for part, name in zip(hand, wrt):
            J = fd_jacobian(of, args, name)
            part = as_array(part)
            n, na, m = part.shape
            full = np.zeros((n * m, na * m if name == "y" else na))
            for k in range(m):
                for i in range(n):
                    if name == "y":
                        full[i * m + k, np.arange(na) * m + k] = part[i, :, k]
                    else:
                        full[i * m + k, :] = part[i, :, k]
            hs.append(full)
            refs.append(J)
        return np.concatenate(hs, axis=1), np.concatenate(refs, axis=1), RTOL
    if kind == "flagged-partial":
        # smt: _evaluate(x, kx) is the value for kx=None and d/dx[:, kx] for kx=0, 1, ...
        x = value(args["x"])
        kx = entry["hand_extra"]["kx"]

        def column(c):
            xx = x.copy()
            xx[:, kx] = c
            return call(of, dict(args, x=xx, kx=None)).ravel()

        ref = fd_elementwise(lambda c: column(c), {"c": x[:, kx].copy()}, "c")
        return as_array(hand).ravel(), ref, RTOL
    if kind == "stacked-chain":
        # scipy least_squares loss: rho[0] value, rho[1] derivative, rho[2] second derivative
        rows = as_array(hand)
        z = value(args[wrt[0]])
        hz = step(z, 1e-6)

        def row(r, zz):
            return as_array(call(of, dict(args, **{wrt[0]: zz})))[r]

        ref = np.stack([(row(r, z + hz) - row(r, z - hz)) / (2 * hz) for r in (0, 1)])
        return rows[1:3], ref, RTOL
    raise AssertionError(f"unknown kind {kind!r}")


FUNCTIONS = [(f["path"], fn) for f in MANIFEST["file"] for fn in f.get("functions", [])]
DERIVATIVES = [(f["path"], d) for f in MANIFEST["file"] for d in f.get("derivatives", [])]


def _id(item):
    path, entry = item
    return f"{Path(path).stem}:{entry['name']}" + (f"@{entry['tag']}" if "tag" in entry else "")


@pytest.mark.parametrize("item", FUNCTIONS, ids=[_id(i) for i in FUNCTIONS])
def test_function_runs_at_its_point(item):
    path, entry = item
    module = load(path)
    fn = resolve(module, entry["name"], entry.get("self"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = call(fn, entry.get("args", {}), entry.get("varargs"), entry.get("none_args", ()))
    parts = out if isinstance(out, tuple) else (out,)
    for part in parts:
        a = as_array(part)
        assert np.isfinite(a).all(), f"{entry['name']} is not finite at its point: {a}"


@pytest.mark.parametrize("item", DERIVATIVES, ids=[_id(i) for i in DERIVATIVES])
def test_hand_written_derivative(item):
    path, entry = item
    module = load(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        hand, ref, rtol = reference_for(entry, module)
    compare(hand, ref, entry["correct"], rtol, f"{path}:{entry['name']}")


def test_every_corpus_file_is_in_the_manifest():
    listed = {f["path"] for f in MANIFEST["file"]}
    on_disk = {p.name for p in HERE.glob("*.py")} - {"test_ground_truth.py", "measure.py",
                                                     "test_measure.py"}
    assert on_disk == listed


def test_every_derivative_names_functions_the_manifest_lists():
    """A derivative's `of` is itself a listed function (or a numpy function), so the measure
    can ask for both cards."""
    for f in MANIFEST["file"]:
        names = {fn["name"] for fn in f.get("functions", [])}
        for d in f.get("derivatives", []):
            assert d["of"] in names or d["of"].startswith("numpy.") or d.get("scope") == "nested", (
                f"{f['path']}: {d['name']} is the derivative of {d['of']}, which is not listed")

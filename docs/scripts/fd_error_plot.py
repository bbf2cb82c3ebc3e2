"""Regenerate the numbers and the plot of docs/methods.md.

    .venv/bin/pip install matplotlib          # in the `docs` and `bench` extras
    .venv/bin/python docs/scripts/fd_error_plot.py

Writes docs/fd_error.png (error of finite differences against the step size:
the V-shaped curve) and prints the Markdown tables of docs/methods.md:
accuracy of every method on the same functions, cost on growing inputs, and
expression size on the symbolic path (when ``ad_core.symbolic`` is present).

The reference for accuracy is independent of everything measured: each test
function is also written by hand as a SymPy expression, differentiated by
SymPy and evaluated with 30 significant digits.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import sympy as sp

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import ad_core as ad  # noqa: E402
from ad_core import numeric  # noqa: E402

X, Y = sp.symbols("x y")

# name, numpy function, the same function in SymPy, parameters, point, source for ad.symbolic
CASES = [
    ("squire_trapp", lambda x: np.exp(x) / np.sqrt(np.sin(x) ** 3 + np.cos(x) ** 3),
     sp.exp(X) / sp.sqrt(sp.sin(X) ** 3 + sp.cos(X) ** 3), [X], (1.5,),
     "import numpy as np\n\ndef squire_trapp(x):\n"
     "    return np.exp(x) / np.sqrt(np.sin(x) ** 3 + np.cos(x) ** 3)\n"),
    ("poly_trig", lambda x, y: x ** 2 * y + np.sin(y), X ** 2 * Y + sp.sin(Y), [X, Y],
     (1.5, 2.0),
     "import numpy as np\n\ndef poly_trig(x, y):\n    return x ** 2 * y + np.sin(y)\n"),
    ("exp_large", lambda x: np.exp(10 * x), sp.exp(10 * X), [X], (3.0,),
     "import numpy as np\n\ndef exp_large(x):\n    return np.exp(10 * x)\n"),
    ("nested6", None, None, [X], (0.7,),
     "import numpy as np\n\ndef nested6(x):\n    y = x\n    for i in range(6):\n"
     "        y = np.sin(y) * y + x\n    return y\n"),
]


def _nested6(x):
    y = x
    for _ in range(6):
        y = np.sin(y) * y + x
    return y


def _nested6_sym():
    y = X
    for _ in range(6):
        y = sp.sin(y) * y + X
    return y


CASES[3] = (CASES[3][0], _nested6, _nested6_sym(), *CASES[3][3:])


def exact_grad(expr, params, point) -> list[float]:
    subs = dict(zip(params, point))
    return [float(sp.diff(expr, p).evalf(30, subs=subs)) for p in params]


def rel_err(got, exact) -> float:
    got = np.atleast_1d(np.asarray(got, dtype=float))
    exact = np.asarray(exact, dtype=float)
    return float(np.max(np.abs(got - exact) / np.maximum(np.abs(exact), 1e-300)))


def _symbolic():
    try:
        from ad_core import symbolic
        return symbolic if hasattr(symbolic, "from_source") else None
    except ImportError:
        return None


def accuracy_table() -> str:
    symbolic = _symbolic()
    methods = ["forward", "backward", "central", "richardson", "complex"]
    head = ["function", *methods, "AD (reverse)", "symbolic (float64)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, f, expr, params, point, source in CASES:
        exact = exact_grad(expr, params, point)
        argnums = tuple(range(len(point)))
        cells = [f"`{name}`"]
        for m in methods:
            g = numeric.gradient(f, *point, argnums=argnums, method=m)
            cells.append(f"{rel_err(g, exact):.1e}")
        cells.append(f"{rel_err(ad.grad(f, argnums)(*point), exact):.1e}")
        if symbolic is None:
            cells.append("TODO (ad.symbolic)")
        else:
            r = symbolic.from_source(source, name)
            if r.errors:
                cells.append(f"not translated: {r.errors[0][1]}")
            else:
                syms = [r.symbols[p] for p in r.params]
                vals = [float(sp.lambdify(syms, r.partials[p], "math")(*point))
                        for p in r.params]
                cells.append(f"{rel_err(vals, exact):.1e}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def swell_table() -> str:
    symbolic = _symbolic()
    if symbolic is None:
        return ("TODO (lead): expression sizes need `ad_core.symbolic` (issue 3, symbolic part); "
                "rerun this script once it lands.")
    lines = ["| function | partial | raw ops | simplified ops | CSE'd ops |",
             "|---|---|---|---|---|"]
    for name, _f, _e, _params, _point, source in CASES:
        r = symbolic.from_source(source, name)
        for p, s in r.swell.items():
            approx = "" if s.exact else " (est.)"
            lines.append(f"| `{name}` | ∂/∂{p} | {s.raw}{approx} | {s.simplified} | {s.cse} |")
    return "\n".join(lines)


def _best(fn, budget=0.2) -> float:
    fn()
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    number = max(1, int(budget / 5 / one))
    best = float("inf")
    for _ in range(5):
        # CPU time of this process: a shared machine's load must not skew the ratios.
        t0 = time.process_time()
        for _ in range(number):
            fn()
        best = min(best, (time.process_time() - t0) / number)
    return best


def cost_table() -> str:
    def f(x):
        return np.sum(np.sin(x[:-1]) * x[1:]) + np.sum(x * x)

    lines = ["| n | f itself | central FD (2n evals) | Richardson (6n) | complex step (n) | "
             "ad.grad (reverse) | ad.jacfwd (forward, n passes) | model: recommended |",
             "|" + "---|" * 8]
    for n in (10, 100, 1000):
        x = np.linspace(0.1, 1.0, n)
        t_f = _best(lambda x=x: f(x))
        row = [str(n), f"{t_f * 1e6:.0f} µs"]
        for m in ("central", "richardson", "complex"):
            t = _best(lambda x=x, m=m: numeric.gradient(f, x, method=m))
            row.append(f"{t * 1e3:.2f} ms ({t / t_f:.0f}×)")
        t = _best(lambda x=x: ad.grad(f)(x))
        row.append(f"{t * 1e3:.2f} ms ({t / t_f:.0f}×)")
        t = _best(lambda x=x: ad.jacfwd(f)(x))
        row.append(f"{t * 1e3:.2f} ms ({t / t_f:.0f}×)")
        row.append(ad.cost.estimate(f, x).recommended)
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def plot(path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    name, f, expr, params, point, _ = CASES[0]
    x0 = point[0]
    exact = exact_grad(expr, params, point)[0]
    hs = np.logspace(-21, 0, 211)
    fig, ax = plt.subplots(figsize=(10.5, 4.8), dpi=110)
    styles = {"forward": ("C0", "forward  (f(x+h) − f(x)) / h"),
              "central": ("C1", "central  (f(x+h) − f(x−h)) / 2h"),
              "richardson": ("C2", "Richardson (central at h, h/2, h/4)"),
              "complex": ("C3", "complex step  Im f(x+ih) / h")}
    floor = 1e-17
    def err(m, h):
        try:
            with np.errstate(all="ignore"):
                g = numeric.gradient(f, x0, method=m, step=h)
        except ValueError:  # x + h == x: no difference to take
            return np.nan
        return max(abs(g - exact) / abs(exact), floor)

    for m, (color, label) in styles.items():
        ax.loglog(hs, [err(m, h) for h in hs], color=color, lw=1.4, label=label)
        h0 = numeric.default_step(m, x0)
        e0 = max(abs(numeric.gradient(f, x0, method=m) - exact) / abs(exact), floor)
        ax.plot([h0], [e0], "o", color=color, ms=6, mec="black", mew=0.6)
    e_ad = max(abs(ad.grad(f)(x0) - exact) / abs(exact), floor)
    ad_label = ("AD (reverse mode), no step: error 0, drawn at the floor" if e_ad == floor
                else f"AD (reverse mode), no step: {e_ad:.1e}")
    ax.axhline(e_ad, color="black", ls="--", lw=1.2, label=ad_label)
    eps = np.finfo(float).eps
    ax.loglog(hs, eps / hs, color="grey", ls=":", lw=1, label="rounding ~ ε/h")
    ax.set_xlabel("step h")
    ax.set_ylabel("relative error of f′(x)")
    ax.set_ylim(2e-18, 1e2)
    ax.set_title(f"Finite differences vs step size: f(x) = eˣ / √(sin³x + cos³x), x = {x0}\n"
                 "dots: each method's default step; errors of exactly 0 are drawn at 1e-17",
                 fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    print(f"wrote {path.relative_to(ROOT)}")


def main() -> None:
    plot(ROOT / "docs" / "fd_error.png")
    print("\n## accuracy (relative error of the gradient, max over components)\n")
    print(accuracy_table())
    print("\n## expression size\n")
    print(swell_table())
    print("\n## cost\n")
    print(cost_table())


if __name__ == "__main__":
    main()

"""Derivatives too large to build or to check entry by entry: products with random directions.

A Jacobian of m outputs and n inputs is m·n numbers and costs min(m, n) sweeps (one per
output in reverse mode, one per input in forward mode). Past `MAX_JACOBIAN` entries the
card's gradient is not built: what is cheap and true is, its product with a random unit
direction v (forward mode, one pass), checked against central differences of the
function along v (`directional_gradient`). The card says so, and never shows it as the
Jacobian.

A hand-written Jacobian or Hessian with more entries than `MAX_CHECKED_ENTRIES` (or more
rows than the entry-by-entry check reads) is checked the same way: its products with
`DIRECTIONS` random directions against AD's (``ad.check_jvp``: J·v against the JVP, H·v
against the JVP of AD's gradient), finite differences beside them. That is sound (a wrong
matrix disagrees along a random v with probability 1) and cheap (a forward pass and two
calls per direction, instead of a gradient and 2n calls per row); the rows that disagree
are named. The directions come from a fixed seed, so a card is the same every time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

import ad_core as ad

from . import schema

# entries (outputs × inputs) of a Jacobian built whole: what a card shows of an array
# (compute.MAX_ELEMENTS); a larger one would cost min(m, n) sweeps to be summarized by
# its shape, while its product with a direction costs one and can be checked
MAX_JACOBIAN = 10_000
MAX_CHECKED_ENTRIES = 4_096  # entries of a hand-written derivative checked one by one
DIRECTIONS = 3  # random directions a larger hand-written derivative is checked along
SEED = 0


def sizes(out: Any, args: tuple[Any, ...], argnums: tuple[int, ...]) -> tuple[int, int]:
    """(outputs, inputs): the Jacobian's rows and columns."""
    return int(np.size(out)), sum(int(np.size(args[k])) for k in argnums)


def too_large(m: int, n: int) -> bool:
    """A Jacobian not to build: more than `MAX_JACOBIAN` entries (a gradient, m = 1, is
    one reverse pass whatever n, and is always built)."""
    return m > 1 and m * n > MAX_JACOBIAN


def by_directions(rows: int, n: int, max_rows: int) -> bool:
    """Check a hand-written derivative of ``rows`` output rows and ``n`` inputs along
    random directions rather than entry by entry (which reads at most ``max_rows``)."""
    return rows > 1 and (rows > max_rows or rows * n > MAX_CHECKED_ENTRIES)


def _directions(shapes: list[tuple[int, ...]], rng: np.random.Generator) -> list[np.ndarray]:
    """One random direction over all the arguments, of unit length."""
    vs = [rng.standard_normal(s) for s in shapes]
    norm = math.sqrt(sum(float(np.sum(v * v)) for v in vs)) or 1.0
    return [v / norm for v in vs]


def _of_args(fn: Callable[..., Any], args: tuple[Any, ...], nums: tuple[int, ...],
             name: str) -> Callable[..., Any]:
    """``fn`` as a function of the arguments in ``nums`` only, the others held."""
    def g(*xs: Any) -> Any:
        a = list(args)
        for k, x in zip(nums, xs, strict=True):
            a[k] = x
        return fn(*a)

    g.__name__ = name
    return g


def _sample(a: np.ndarray, k: int = 4) -> str:
    flat = np.ravel(a)
    items = ", ".join(f"{float(x):.6g}" for x in flat[:k])
    return f"[{items}{', …' if flat.size > k else ''}]"


def directional_gradient(fn: Callable[..., Any], args: tuple[Any, ...], nums: tuple[int, ...],
                         names: tuple[str, ...], fname: str, out: Any,
                         how: str = "") -> schema.Gradient:
    """The card's gradient piece for a Jacobian too large to build: each parameter's
    entry says how large its block is; the mode says what was computed instead (the
    product with a random unit direction v, forward mode) and how it compares with
    central differences along v (a random weighting uᵀ of the outputs makes it one
    number, checked by ``ad.check_grad``: reruns and Richardson's extrapolation decide
    before anything is called wrong)."""
    m, n = sizes(out, args, nums)
    out_shape = tuple(np.shape(out))
    rng = np.random.default_rng(SEED)
    shapes = [tuple(np.shape(args[k])) for k in nums]
    vs = _directions(shapes, rng)
    u = rng.standard_normal(out_shape)
    u /= float(np.linalg.norm(u)) or 1.0
    g = _of_args(fn, args, nums, fname)
    xs = tuple(args[k] for k in nums)
    tangents = tuple(float(v) if v.ndim == 0 else v for v in vs)
    stacked = f"; {how.removeprefix('of ')}" if how else ""
    try:
        jv = np.asarray(ad.jvp(g, xs, tangents)[1], dtype=float)
        fwd_dot = float(np.sum(u * jv))
        shown = (f"its product with a random unit direction v, J·v (forward mode, one pass"
                 f"{stacked}): {m:,} values {_sample(jv)}, norm {float(np.linalg.norm(jv)):.6g}")
        mode_word = "forward"
    except Exception as e:  # forward mode cannot run it: uᵀ·J, by reverse mode
        why = f"{type(e).__name__}: {e}"
        wu = ad.vjp(g, *xs)[1](u)
        flat = np.concatenate([np.ravel(np.asarray(w, dtype=float)) for w in wu])
        fwd_dot = float(sum(np.sum(np.asarray(w, dtype=float) * v)
                            for w, v in zip(wu, vs, strict=True)))
        shown = (f"its product with a random unit weighting u of the outputs, uᵀ·J (reverse "
                 f"mode, one pass{stacked}; forward mode could not run: {why[:200]}): "
                 f"{n:,} values {_sample(flat)}, norm {float(np.linalg.norm(flat)):.6g}")
        mode_word = "this"

    def along(t: float) -> Any:  # uᵀ f(x + t·v): its derivative at 0 is uᵀ·J·v
        moved = [x + t * v if isinstance(x, np.ndarray) else x + t * float(v)
                 for x, v in zip(xs, vs, strict=True)]
        return np.sum(u * g(*moved))

    along.__name__ = f"uᵀ{fname}"
    r = ad.check_grad(along, 0.0)
    ad_dot = r.ad
    head = f"not the Jacobian, which has {m * n:,} entries (more than {MAX_JACOBIAN:,}): {shown}"
    if r.outcome == "verified" and ad_dot is not None \
            and abs(fwd_dot - float(ad_dot)) <= 1e-8 + 1e-6 * abs(float(ad_dot)):
        tail = (f"; uᵀ·J·v = {fwd_dot:.6g} for a random unit u agrees with finite "
                f"differences along v (rel. error {r.max_rel_err:.1e})")
    elif r.outcome == "verified":
        tail = (f"; uᵀ·J·v for a random unit u is {fwd_dot:.6g} by {mode_word} product but "
                f"{float(ad_dot):.6g} by reverse mode (finite differences agree with reverse)")
    elif r.outcome == "wrong":
        tail = (f"; uᵀ·J·v for a random unit u DIFFERS from finite differences along v: "
                f"{r.message}")
    else:
        tail = f"; not compared with finite differences along v: {r.message}"
    values = {names[k]: {"repr": f"{m:,} × {int(np.size(args[k])):,} "
                         f"({m * int(np.size(args[k])):,} entries): too large to build"}
              for k in nums}
    return schema.Gradient(head + tail, values,
                           {names[k]: list(out_shape + s) for k, s in zip(nums, shapes,
                                                                         strict=True)})


# -- a hand-written derivative, checked along random directions ------------------------------


def first_order(F: Callable[..., Any], args: tuple[Any, ...], k: int) -> Any:
    """AD's gradient of ``F`` (w.r.t. argument ``k``) along each of the directions
    `hessian_rows` takes, against central differences of ``F`` along it: one
    ``ad.check_grad`` of t ↦ F(x + t·v) per direction (the worst returned). A Hessian's
    verdict stands only on a gradient that finite differences confirm."""
    x = args[k]
    rng = np.random.default_rng(SEED)
    worst = None
    for _ in range(DIRECTIONS):
        (v,) = _directions([tuple(np.shape(x))], rng)

        def along(t: Any, _v: np.ndarray = v) -> Any:
            a = list(args)
            a[k] = x + t * _v
            return F(*a)

        along.__name__ = f"{getattr(F, '__name__', 'f')}(x + t·v)"
        r = ad.check_grad(along, 0.0)
        if worst is None or r.outcome == "wrong" or (r.outcome == "unverified"
                                                     and worst.outcome == "verified"):
            worst = r
        if r.outcome == "wrong":
            break
    return worst


def hessian_rows(F: Callable[..., Any], args: tuple[Any, ...], k: int, H: np.ndarray,
                 fname: str) -> list[Any]:
    """``ad.check_jvp`` of AD's gradient of ``F`` (w.r.t. argument ``k``) along
    `DIRECTIONS` random directions v, each against ``H·v`` (``H`` the hand-written
    Hessian, shaped x + x)."""
    grad = ad.grad(F, argnums=k)
    G = _of_args(grad, args, (k,), f"∇{fname}")
    x = args[k]
    rng = np.random.default_rng(SEED)
    checks = []
    for _ in range(DIRECTIONS):
        (v,) = _directions([tuple(np.shape(x))], rng)
        hv = np.tensordot(H, v, axes=v.ndim)
        checks.append(ad.check_jvp(G, (x,), (v,), jvp_fn=lambda *_, _p=hv: _p))
    return checks


def jacobian_rows(F: Callable[..., Any], args: tuple[Any, ...], nums: tuple[int, ...],
                  blocks: list[np.ndarray], fname: str) -> list[Any]:
    """``ad.check_jvp`` of ``F`` (w.r.t. the arguments ``nums``) along `DIRECTIONS` random
    directions v, each against the hand-written ``J·v`` (one block per argument, shaped
    output + argument)."""
    G = _of_args(F, args, nums, fname)
    xs = tuple(args[k] for k in nums)
    rng = np.random.default_rng(SEED)
    checks = []
    for _ in range(DIRECTIONS):
        vs = _directions([tuple(np.shape(x)) for x in xs], rng)
        jv = sum(np.tensordot(b, v, axes=v.ndim) for b, v in zip(blocks, vs, strict=True))
        tangents = tuple(float(v) if v.ndim == 0 else v for v in vs)
        checks.append(ad.check_jvp(G, xs, tangents, jvp_fn=lambda *_, _p=jv: _p))
    return checks


def check_of(checks: list[Any], row_label: Callable[[tuple[int, ...]], str], rows: int,
             entries: int, *, target: str, kind: str, wrt: list[str], held: list[str],
             layout: str, distrusted: Callable[[Any], str | None],
             max_components: int) -> schema.Check:
    """One `schema.Check` from the directions' ``ad.check_jvp`` results: the worst verdict
    wins; the components are the rows of each product (``name`` the direction ``v1``,
    ``output`` the row), those that disagree first; the message names the rows that
    disagree."""
    notes = [distrusted(r) for r in checks]
    outcomes = ["unverified" if d else r.outcome for r, d in zip(checks, notes, strict=True)]
    outcome = "wrong" if "wrong" in outcomes else "unverified" if "unverified" in outcomes \
        else "verified"
    pick = next(i for i, o in enumerate(outcomes) if o == outcome)
    off_rows: list[tuple[int, ...]] = []
    for r, o in zip(checks, outcomes, strict=True):
        if o == "wrong":
            off_rows += [idx for _, idx in r.mismatches if idx not in off_rows]
    first: list[schema.Component] = []
    rest: list[schema.Component] = []
    for j, r in enumerate(checks):
        for c in r.components():
            comp = schema.Component(f"v{j + 1}", c.hand, c.ad, c.fd, {
                pair: ok for pair, ok in zip(schema.PAIRS, (c.hand_ad, c.hand_fd, c.ad_fd),
                                             strict=True) if ok is not None
            }, row_label(c.index))
            (first if c.hand_ad is False else rest).append(comp)
    components = (first + rest)[:max_components]
    best = checks[pick]
    worst = None
    if best.worst is not None:
        worst = f"v{pick + 1}@{row_label(best.worst[1])}"
        if not any(f"{c.name}@{c.output}" == worst for c in components):
            worst = None
    how = (f"checked along {DIRECTIONS} random directions v: the {rows:,} rows of the "
           f"hand-written product with v against AD's ({entries:,} entries are too many to "
           "check one by one)")
    if outcome == "wrong":
        named = ", ".join(row_label(i) for i in off_rows[:10])
        more = f" and {len(off_rows) - 10} more" if len(off_rows) > 10 else ""
        message = (f"{len(off_rows)} of {rows:,} rows disagree with AD ({named}{more}): "
                   f"{best.message}; {how}")
    else:
        message = f"{notes[pick] or best.message}; {how}"
    failures: dict[str, schema.Failure] = {}
    for d in notes:
        if d:
            failures.setdefault("ad", schema.Failure(d))
    for r in checks:
        for who, f in r.failures.items():
            line = f.line - 1 if f.line is not None else None
            failures.setdefault(who, schema.Failure(f.message, line))
    finite = [x for r in checks for x in (r.max_abs_err,) if math.isfinite(x)]
    rel = [x for r in checks for x in (r.max_rel_err,) if math.isfinite(x)]
    comparable = all(math.isfinite(r.max_abs_err) for r in checks)
    return schema.Check(
        target=target, subject="hand", outcome=outcome,  # type: ignore[arg-type]
        reference=best.reference, message=message, components=components,
        n_components=rows * len(checks), worst=worst,
        max_abs_err=max(finite) if finite and comparable else None,
        max_rel_err=max(rel) if rel and comparable else None,
        failures=failures, kind=kind, wrt=wrt, held=held, layout=layout,
        rows=rows, rows_total=rows, directions=len(checks))

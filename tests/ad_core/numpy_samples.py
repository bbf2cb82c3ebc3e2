"""Sample calls for the keyword audit (``test_numpy_keywords.py``): for every NumPy
function ``ad_core`` intercepts, the data it is called with and the values tried
for each of its keyword arguments.

The audit reads the keywords from NumPy's own signatures, so a keyword NumPy adds
is tried automatically; its values come from ``GENERIC`` (by keyword name) unless
the sample gives its own. A dispatched function without a sample, or a keyword
with no values, fails the audit.

Tokens stand for values that depend on the call: ``OUT`` an output array of the
result's shape (a traced one in the traced run), ``OUT_PLAIN`` a plain one in
both runs, ``MASK`` a boolean array of the first argument's shape, ``MEAN`` its
mean with keepdims.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ad_core import _dispatch


class Token:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


OUT, OUT_PLAIN, MASK, MEAN = Token("OUT"), Token("OUT_PLAIN"), Token("MASK"), Token("MEAN")
LIKE = Token("LIKE")  # the first argument itself: NEP 35's like= (traced in the traced run)

_rng = np.random.default_rng(7)


def arr(*shape, lo=0.5, hi=2.0):
    """Distinct values: no ties, so every sort / max / unique is smooth at the sample."""
    n = int(np.prod(shape, dtype=int))
    v = np.linspace(lo, hi, n) + _rng.uniform(0, (hi - lo) / (4 * max(n, 1)), n)
    return _rng.permutation(v).reshape(shape) if shape else float(v[0])


V, V2, M, M2, T, SQ = arr(5), arr(5), arr(3, 4), arr(3, 4), arr(2, 3, 4), arr(3, 3)


@dataclass
class Sample:
    """``fn(*build(*data))`` plus keywords; ``data`` is what gets traced."""

    data: tuple
    build: Callable | None = None  # data -> (positional args, keyword args)
    kw: dict = field(default_factory=dict)  # keyword -> values (beside GENERIC's)
    only: tuple | None = None  # try only these keywords (the rest: a note says why)
    mutates: int | None = None  # an in-place function: the result is this argument
    values: bool = True  # False: NumPy's values are unspecified (empty_like): shapes only

    def call_args(self, data):
        if self.build is None:
            return tuple(data), {}
        r = self.build(*data)
        return (r, {}) if not isinstance(r, tuple) or len(r) != 2 or \
            not isinstance(r[1], dict) else r


def S(*data, build=None, mutates=None, **kw):
    return Sample(tuple(data), build, {k: list(v) for k, v in kw.items()}, mutates=mutates)


GENERIC: dict[str, list] = {
    "axis": [0, -1, None, (0, 1)], "keepdims": [True], "dtype": [np.float64, np.float32, int],
    "out": [OUT, OUT_PLAIN], "where": [MASK], "initial": [5.0, -5.0], "ddof": [1],
    "correction": [1], "mean": [MEAN], "order": ["F", "A", "K"],
    "casting": ["unsafe", "no"], "subok": [False], "copy": [True, False],
    "kind": ["stable", "heapsort"], "stable": [True], "device": ["cpu"], "like": [None],
    "decimals": [1], "equal_nan": [False], "rtol": [0.1], "atol": [0.1],
    "optimize": [True, "greedy"], "side": ["right"], "sorter": [None],
    "return_index": [True], "return_inverse": [True], "return_counts": [True],
    "sorted": [False], "n": [2], "prepend": [0.25], "append": [3.0],
    "include_initial": [True], "endpoint": [False], "retstep": [True], "num": [5],
    "base": [2.0], "overwrite_input": [True], "method": ["linear", "lower"],
    "returned": [True], "k": [1, -1], "offset": [1, -1], "axis1": [1], "axis2": [0],
    "indexing": ["ij"], "sparse": [True], "rowvar": [False], "bias": [True],
    "left": [-1.0], "right": [9.0], "period": [1.0], "nan": [-1.0], "posinf": [1e3],
    "neginf": [-1e3], "minlength": [10], "tol": [1000], "trim": ["f", "b"], "wrap": [True],
    "max_work": [None], "invert": [True], "assume_unique": [True], "deg": [True],
    "ndmin": [2], "ndmax": [2], "precision": [3], "suppress_small": [True],
    "max_line_width": [20], "separator": [";"], "prefix": ["x"], "suffix": ["y"],
    "threshold": [2], "edgeitems": [1], "sign": ["+"], "floatmode": ["fixed"],
    "legacy": ["1.13"], "formatter": [None], "mode": ["wrap", "clip"],
    "weights": [None], "fweights": [None], "aweights": [None], "shape": [None],
    # numpy.linalg and numpy.fft
    "norm": ["backward", "ortho", "forward"], "UPLO": ["U"], "upper": [True],
    "full_matrices": [False], "compute_uv": [False], "hermitian": [True], "rcond": [1e-3],
}

_MOVES = dict(axis=[0, 1, None])  # for functions of a 2-d array

SAMPLES: dict = {
    # -- reductions
    np.sum: S(M), np.mean: S(M), np.var: S(M), np.std: S(M), np.prod: S(M),
    np.max: S(M), np.amax: S(M), np.min: S(M), np.amin: S(M), np.ptp: S(M),
    np.cumsum: S(M), np.cumprod: S(M),
    np.nansum: S(M), np.nanprod: S(M), np.nanmean: S(M), np.nanvar: S(M), np.nanstd: S(M),
    np.nanmax: S(M), np.nanmin: S(M), np.nancumsum: S(M), np.nancumprod: S(M),
    np.average: S(M, weights=[None, M2]), np.median: S(M), np.quantile: S(M, build=lambda m:
                                                                           (m, 0.3)),
    np.percentile: S(M, build=lambda m: (m, 30.0)),
    # -- shapes
    np.reshape: S(M, build=lambda m: (m, (4, 3)), shape=[(2, 6), (-1,)]),
    np.ravel: S(M), np.transpose: S(T, axes=[(1, 0, 2), None]),
    np.swapaxes: S(T, build=lambda t: (t, 0, 2)), np.moveaxis: S(T, build=lambda t: (t, 0, -1)),
    np.expand_dims: S(M, build=lambda m: (m, 1)), np.squeeze: S(arr(3, 1, 4), axis=[1, None]),
    np.broadcast_to: S(V, build=lambda v: (v, (3, 5)), subok=[True]),
    np.broadcast_arrays: S(V, M[:, :1], subok=[True]),
    np.atleast_1d: S(2.0), np.atleast_2d: S(V), np.atleast_3d: S(M),
    np.concatenate: S(M, M2, build=lambda a, b: ([a, b],), axis=[0, 1, None]),
    np.stack: S(M, M2, build=lambda a, b: ([a, b],), axis=[0, 2, -1]),
    np.hstack: S(M, M2, build=lambda a, b: ([a, b],)),
    np.vstack: S(M, M2, build=lambda a, b: ([a, b],)),
    np.dstack: S(M, M2, build=lambda a, b: ([a, b],)),
    np.column_stack: S(V, V2, build=lambda a, b: ([a, b],)),
    np.block: S(M, M2, build=lambda a, b: ([[a, b], [b, a]],)),
    np.flip: S(M), np.fliplr: S(M), np.flipud: S(M),
    np.rot90: S(M, k=[1, 2, -1], axes=[(1, 0)]),
    np.roll: S(M, build=lambda m: (m, 2), axis=[0, 1, None, (0, 1)]),
    np.repeat: S(M, build=lambda m: (m, 2), axis=[0, 1, None]),
    np.tile: S(M, build=lambda m: (m, (2, 1))),
    np.pad: S(M, build=lambda m: (m, 1),
              mode=["edge", "reflect", "symmetric", "wrap", "constant", "linear_ramp",
                    "maximum"]),
    np.split: S(arr(4, 3), build=lambda m: (m, 2), axis=[0, 1]),
    np.array_split: S(arr(5, 3), build=lambda m: (m, 3), axis=[0, 1]),
    np.vsplit: S(arr(4, 3), build=lambda m: (m, 2)),
    np.hsplit: S(arr(3, 4), build=lambda m: (m, 2)),
    np.dsplit: S(arr(2, 3, 4), build=lambda m: (m, 2)),
    np.tril: S(M), np.triu: S(M), np.diag: S(V, k=[1, -2]), np.diagflat: S(V),
    np.diagonal: S(T, offset=[1, -1], axis1=[1, 2], axis2=[2, 0]),
    np.trace: S(T, offset=[1, -1], axis1=[1], axis2=[2]),
    np.diff: S(M, n=[2], axis=[0, -1], prepend=[0.25, np.full((3, 1), 0.5)],
               append=[3.0, np.full((3, 2), 1.5)]),
    np.ediff1d: S(V, to_begin=[0.5, [1.0, 2.0]], to_end=[7.0]),
    np.copy: S(M), np.real: S(M), np.imag: S(M), np.angle: S(M),
    # -- indexing
    np.take: S(M, build=lambda m: (m, np.array([0, 5, 2, 2])), axis=[None, 1]),
    np.take_along_axis: S(M, build=lambda m: (m, np.argsort(M, axis=1)), axis=[1, 0]),
    np.sort: S(M, axis=[0, -1, None]), np.partition: S(M, build=lambda m: (m, 2)),
    np.unique: S(arr(6)), np.select: S(M, M2, build=lambda a, b: (
        [M > 1.0, M2 < 1.5], [a, b]), default=[0.5]),
    np.choose: S(M, M2, build=lambda a, b: (np.arange(12).reshape(3, 4) % 2, [a, b])),
    np.compress: S(M, build=lambda m: ([True, False, True], m), axis=[0, 1, None]),
    np.extract: S(M, build=lambda m: (M > 1.0, m)),
    np.where: S(M, M2, build=lambda a, b: (M > 1.0, a, b)),
    np.put: S(M, V[:2], build=lambda a, v: (a, [1, 7], v), mutates=0),
    np.put_along_axis: S(M, build=lambda a: (a, np.array([[0], [2], [1]]), 9.0, 1),
                         mutates=0),
    np.place: S(M, V[:3], build=lambda a, v: (a, M > 1.2, v), mutates=0),
    np.putmask: S(M, V, build=lambda a, v: (a, M > 1.2, v), mutates=0),
    np.copyto: S(M, V[:4], build=lambda a, v: (a, v), mutates=0, where=[M > 1.0]),
    np.fill_diagonal: S(SQ, build=lambda a: (a, 7.0), mutates=0),
    np.delete: S(M, build=lambda m: (m, 1), axis=[0, 1, None]),
    np.insert: S(M, V[:4], build=lambda m, v: (m, 1, v), axis=[0, None]),
    np.append: S(M, M2, axis=[0, 1, None]),
    np.resize: S(M, build=lambda m: (m, (5, 3))),
    np.trim_zeros: S(np.array([0.0, 0.0, 1.5, 2.0, 0.0]), trim=["f", "b", "fb"]),
    # -- products
    np.dot: S(M, arr(4, 2)), np.vdot: S(M, M2), np.inner: S(M, M2),
    np.outer: S(V, V2), np.tensordot: S(M, M2, axes=[([1], [1]), 1, 0]),
    np.einsum: S(M, arr(4, 2), build=lambda a, b: ("ij,jk->ik", a, b)),
    np.kron: S(M, SQ), np.cross: S(arr(4, 3), arr(4, 3), axisa=[-1], axisb=[-1],
                                   axisc=[0]),
    np.polyval: S(V, M), np.convolve: S(V, arr(3), mode=["full", "same", "valid"]),
    np.correlate: S(V, arr(3), mode=["full", "same", "valid"]),
    np.cov: S(M, M2, fweights=[None, np.array([1, 2, 1, 1])]),
    np.corrcoef: S(M, M2), np.interp: S(arr(4), V, build=lambda x, fp: (
        x, np.linspace(0.4, 2.2, 5), fp)),
    # -- creation
    np.linspace: S(0.5, 2.5, axis=[0, -1]), np.logspace: S(0.5, 1.5, axis=[0]),
    np.geomspace: S(0.5, 2.5, axis=[0]),
    np.zeros_like: S(M, shape=[None, (2, 2)]), np.ones_like: S(M, shape=[None, (2, 2)]),
    np.empty_like: Sample((M,), kw={"shape": [None]}, values=False),
    np.full_like: S(M, 2.5, shape=[None, (2, 2)]),
    np.meshgrid: S(V, arr(3)),
    # np.array & co. are dispatched only through like= (NEP 35); array_constructors()
    # covers the plain calls (tested in test_inplace_and_arrays.py)
    np.array: S(M, build=lambda m: ((m,), {"like": LIKE}), like=[LIKE]),
    np.asarray: S(M, build=lambda m: ((m,), {"like": LIKE}), like=[LIKE]),
    np.asanyarray: S(M, build=lambda m: ((m,), {"like": LIKE}), like=[LIKE]),
    np.ascontiguousarray: S(M, build=lambda m: ((m,), {"like": LIKE}), like=[LIKE]),
    # -- others
    np.clip: S(M, build=lambda m: (m, 0.8, 1.6), min=[0.9], max=[1.5]), np.nan_to_num: S(M),
    np.bincount: S(V, build=lambda w: (np.array([0, 1, 1, 3, 0]),), weights=[V]),
    np.sinc: S(V), np.real_if_close: S(M),
}
if hasattr(np, "cumulative_sum"):
    SAMPLES[np.cumulative_sum] = S(M, axis=[0, 1])
    SAMPLES[np.cumulative_prod] = S(M, axis=[0, 1])
if hasattr(np, "permute_dims"):
    SAMPLES[np.permute_dims] = S(T, axes=[(1, 0, 2)])
if hasattr(np, "concat"):
    SAMPLES[np.concat] = S(M, M2, build=lambda a, b: ([a, b],), axis=[0, 1])
for _name in ("unique_values", "unique_counts", "unique_inverse", "unique_all"):
    if hasattr(np, _name):
        SAMPLES[getattr(np, _name)] = S(arr(6))

# Functions run on the primal values: their keywords pass through to NumPy unchanged.
for _f in _dispatch.PRIMAL_FUNCTIONS:
    SAMPLES.setdefault(_f, S(M))
SAMPLES[np.searchsorted] = S(V, build=lambda v: (np.sort(V), v))
SAMPLES[np.digitize] = S(V, build=lambda v: (v, np.array([0.5, 1.0, 1.5])))
SAMPLES[np.isin] = S(V, build=lambda v: (v, V[:2]))
SAMPLES[np.lexsort] = S(M, build=lambda m: (m,))
SAMPLES[np.shares_memory] = S(M, M2)
SAMPLES[np.may_share_memory] = S(M, M2)
SAMPLES[np.array_equal] = S(M, M2)
SAMPLES[np.array_equiv] = S(M, M2)
SAMPLES[np.isclose] = S(M, M2)
SAMPLES[np.allclose] = S(M, M2)
SAMPLES[np.argpartition] = S(M, build=lambda m: (m, 2))
SAMPLES[np.result_type] = S(M, M2)
SAMPLES[np.min_scalar_type] = S(2.0)
SAMPLES[np.tril_indices_from] = S(SQ)
SAMPLES[np.triu_indices_from] = S(SQ)
SAMPLES[np.diag_indices_from] = S(SQ)

# -- numpy.linalg (square matrices well conditioned; eigh / cholesky on symmetric ones, eig on
# one with real, separated eigenvalues: where the functions are smooth)
SQW = SQ + 2 * np.eye(3)
SYM = SQ + SQ.T
SPD = SQ @ SQ.T + 3 * np.eye(3)
_V3 = np.array([[1.0, 0.3, -0.2], [0.1, 1.2, 0.4], [-0.3, 0.2, 0.9]])
REAL_SPECTRUM = _V3 @ np.diag([1.0, 2.0, 3.5]) @ np.linalg.inv(_V3)
_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]
SAMPLES.update({
    np.linalg.det: S(SQW), np.linalg.slogdet: S(SQW), np.linalg.inv: S(SQW),
    np.linalg.solve: S(SQW, arr(3)), np.linalg.cholesky: S(SPD),
    np.linalg.matrix_power: S(SQW, build=lambda a: (a, 3)),
    np.linalg.multi_dot: S(arr(2, 3), M, arr(4, 2), build=lambda a, b, c: ([a, b, c],)),
    np.linalg.eigh: S(SYM), np.linalg.eigvalsh: S(SYM),
    np.linalg.eig: S(REAL_SPECTRUM), np.linalg.eigvals: S(REAL_SPECTRUM),
    # svd of a square matrix: with full_matrices=True a non-square one has columns that
    # are any orthonormal completion (no derivative: NaN tangents, test_linalg.py)
    np.linalg.svd: S(SQW), np.linalg.qr: S(M, mode=["reduced", "complete", "r", "raw"]),
    np.linalg.pinv: S(M, rtol=[0.1]), np.linalg.lstsq: S(arr(4, 3), arr(4), rcond=[None, 1e-3]),
    np.linalg.norm: S(M, ord=_ORDS + [3.5, 0], axis=[0, 1, None, (1, 0)]),
    np.linalg.cond: S(SQW, p=_ORDS), np.linalg.matrix_rank: S(M, rtol=[0.1]),
})
if hasattr(np.linalg, "svdvals"):  # NumPy >= 2
    SAMPLES.update({
        np.linalg.svdvals: S(M), np.linalg.matrix_transpose: S(T),
        np.linalg.vector_norm: S(M, ord=[2, 1, np.inf, -np.inf, 0, 3.5, -1],
                                 axis=[0, -1, None, (0, 1)]),
        np.linalg.matrix_norm: S(M, ord=["fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]),
    })

# -- numpy.fft (real data; complex inputs: test_fft.py)
for _f in (np.fft.fft, np.fft.ifft, np.fft.rfft, np.fft.irfft, np.fft.hfft, np.fft.ihfft):
    SAMPLES[_f] = S(V, n=[3, 8], axis=[0, -1])
for _f in (np.fft.fftn, np.fft.ifftn, np.fft.rfftn, np.fft.irfftn):
    SAMPLES[_f] = S(M, s=[(2, 5), (4,)], axes=[(0,), (1, 0), None])
for _f in (np.fft.fft2, np.fft.ifft2, np.fft.rfft2, np.fft.irfft2):
    SAMPLES[_f] = S(M, s=[(2, 5)], axes=[(1, 0), (0, 1)])
for _f in (np.fft.fftshift, np.fft.ifftshift):
    SAMPLES[_f] = S(M, axes=[None, 0, (1,), (0, 1)])

"""Oracles for the ad_core tests: central finite differences on plain NumPy.

Nothing here calls ad_core: the finite differences evaluate the function on
plain floats and arrays only, so they are an independent check of the engine.
"""

from __future__ import annotations

import numpy as np


def as_arg(v, shape):
    """A plain argument of ``shape``: a Python float for (), else a float array."""
    return float(np.reshape(v, ())) if shape == () else np.asarray(v, dtype=float).reshape(shape)


def flatten(args) -> np.ndarray:
    return np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in args])


def unflatten(z, shapes):
    out, k = [], 0
    for s in shapes:
        n = int(np.prod(s, dtype=int))
        out.append(as_arg(z[k:k + n], s))
        k += n
    return out


def _steps(z, rel):
    return rel * np.maximum(1.0, np.abs(z))


def fd_jacobian(f, args, rel=1e-6):
    """Jacobian of ``f`` w.r.t. all ``args`` by central differences: (out.size, total in)."""
    shapes = [np.shape(a) for a in args]
    z = flatten(args)
    h = _steps(z, rel)
    cols = []
    for k in range(z.size):
        e = np.zeros_like(z)
        e[k] = h[k]
        hi = np.ravel(np.asarray(f(*unflatten(z + e, shapes)), dtype=float))
        lo = np.ravel(np.asarray(f(*unflatten(z - e, shapes)), dtype=float))
        cols.append((hi - lo) / (2 * h[k]))
    return np.stack(cols, axis=-1)


def fd_hessian(s, args, rel=2e-4):
    """Hessian of a scalar ``s`` w.r.t. all ``args`` by the four-point central formula."""
    shapes = [np.shape(a) for a in args]
    z = flatten(args)
    h = _steps(z, rel)
    n = z.size
    H = np.empty((n, n))

    def at(dz):
        return float(np.reshape(np.asarray(s(*unflatten(z + dz, shapes)), dtype=float), ()))

    for i in range(n):
        for j in range(i, n):
            ei = np.zeros(n)
            ej = np.zeros(n)
            ei[i] = h[i]
            ej[j] = h[j]
            v = (at(ei + ej) - at(ei - ej) - at(-ei + ej) + at(-ei - ej)) / (4 * h[i] * h[j])
            H[i, j] = H[j, i] = v
    return H


def blocks_to_matrix(jac, out_size, in_shapes):
    """A Jacobian returned per argnum (a tuple of blocks out.shape + in.shape) as a matrix."""
    if not isinstance(jac, tuple):
        jac = (jac,)
    assert len(jac) == len(in_shapes)
    cols = []
    for block, s in zip(jac, in_shapes):
        n = int(np.prod(s, dtype=int))
        cols.append(np.reshape(np.asarray(block, dtype=float), (out_size, n)))
    return np.concatenate(cols, axis=1)


def nested_to_matrix(hess, in_shapes):
    """A Hessian as nested tuples (H[i][j] of shape in_i + in_j) as one symmetric matrix."""
    sizes = [int(np.prod(s, dtype=int)) for s in in_shapes]
    if len(in_shapes) == 1 and not isinstance(hess, tuple):
        hess = ((hess,),)
    rows = []
    for i, ni in enumerate(sizes):
        rows.append(np.concatenate(
            [np.reshape(np.asarray(hess[i][j], dtype=float), (ni, nj))
             for j, nj in enumerate(sizes)], axis=1))
    return np.concatenate(rows, axis=0)


def assert_close(actual, expected, rtol, atol, what=""):
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol * scale, err_msg=what)

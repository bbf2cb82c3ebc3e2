"""Points for the linalg, fft, scipy.special and complex primitives: one generator per
primitive, ``INPUTS[name](rng) -> args`` (plain arguments of the primitive, drawn from a
NumPy ``Generator``), where the primitive is smooth and finite differences are fair.

Read by the systematic check's registry (``check_registry.py``: a seed per hypothesis
example) and by the family tests (``test_linalg.py``... at a fixed seed). A primitive with
no derivative (an orthonormal completion) is listed in ``NO_DERIVATIVE`` instead.
"""

from __future__ import annotations

import numpy as np


def well(rng, n, batch=()):
    """A well-conditioned square matrix (or stack)."""
    return rng.normal(size=batch + (n, n)) * 0.3 + 2.0 * np.eye(n)


def sym(rng, n, batch=()):
    a = rng.normal(size=batch + (n, n))
    return a + np.swapaxes(a, -1, -2)


def spd(rng, n, batch=()):
    a = rng.normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def real_spectrum(rng, n):
    """A non-symmetric matrix with real, well separated eigenvalues."""
    v = well(rng, n)
    return v @ np.diag(np.arange(1.0, n + 1.0)) @ np.linalg.inv(v)


def cplx(rng, *shape):
    return rng.normal(size=shape) + 1j * rng.normal(size=shape)


def away_from_zero(rng, *shape):
    """Complex values with modulus in [0.5, 2]: |z| is smooth there."""
    return rng.uniform(0.5, 2.0, shape) * np.exp(1j * rng.uniform(-np.pi, np.pi, shape))


LINALG = {
    "det": lambda rng: (well(rng, 3),),
    "logabsdet": lambda rng: (well(rng, 3),),
    "inv": lambda rng: (well(rng, 3),),
    "solve": lambda rng: (well(rng, 3), rng.normal(size=3)),
    "cholesky": lambda rng: (spd(rng, 3),),
    "eigh_w": lambda rng: (sym(rng, 3),),
    "eigh_v": lambda rng: (sym(rng, 3),),
    "eig_w": lambda rng: (real_spectrum(rng, 3),),
    "eig_v": lambda rng: (real_spectrum(rng, 3),),
    "svd_s": lambda rng: (rng.normal(size=(4, 3)),),
    "svd_u": lambda rng: (rng.normal(size=(4, 3)),),
    "svd_vh": lambda rng: (rng.normal(size=(3, 4)),),
    "qr_q": lambda rng: (rng.normal(size=(4, 3)),),
    "qr_r": lambda rng: (rng.normal(size=(3, 4)),),
    "pinv": lambda rng: (rng.normal(size=(4, 3)),),
    "lstsq": lambda rng: (rng.normal(size=(4, 3)), rng.normal(size=4)),
    "norm": lambda rng: (rng.normal(size=(2, 3)),),
}
# Eigen-, singular and Q vectors have LAPACK's sign: checked through their squares.
SIGN_FREE = {"eigh_v", "eig_v", "svd_u", "svd_vh", "qr_q"}
# Any orthonormal completion is a valid value: no derivative (NaN forward, reverse raises).
NO_DERIVATIVE = {
    "svd_u_rest": lambda rng: (rng.normal(size=(4, 3)),),
    "svd_vh_rest": lambda rng: (rng.normal(size=(3, 4)),),
    "qr_q_rest": lambda rng: (rng.normal(size=(4, 3)),),
}

# The primitives' parameters keep their defaults (n, axis, norm: see test_fft.py).
FFT = {
    "fft": lambda rng: (cplx(rng, 5),),
    "ifft": lambda rng: (cplx(rng, 4),),
    "rfft": lambda rng: (rng.normal(size=6),),
    "irfft": lambda rng: (cplx(rng, 4),),
}

SPECIAL = {
    "digamma": lambda rng: (rng.uniform(0.3, 4.0, 3),),
    "polygamma": lambda rng: (rng.uniform(0.3, 4.0, 3),),
    "gammaln": lambda rng: (rng.uniform(0.3, 4.0, 3),),
    "gamma": lambda rng: (rng.uniform(0.3, 3.0, 3),),
    "loggamma": lambda rng: (rng.uniform(0.3, 4.0, 3),),
    "expit": lambda rng: (rng.normal(size=3) * 2.0,),
    "logit": lambda rng: (rng.uniform(0.1, 0.9, 3),),
    "erfinv": lambda rng: (rng.uniform(-0.8, 0.8, 3),),
    "erfcinv": lambda rng: (rng.uniform(0.2, 1.8, 3),),
    "xlogy": lambda rng: (rng.normal(size=3), rng.uniform(0.2, 3.0, 3)),
    "xlog1py": lambda rng: (rng.normal(size=3), rng.uniform(-0.7, 3.0, 3)),
    "betaln": lambda rng: (rng.uniform(0.3, 4.0, 3), rng.uniform(0.3, 4.0, 3)),
    "ndtr": lambda rng: (rng.normal(size=3) * 2.0,),
    "log_ndtr": lambda rng: (rng.uniform(-8.0, 3.0, 3),),
    "ndtri": lambda rng: (rng.uniform(0.05, 0.95, 3),),
    "gammainc": lambda rng: (rng.uniform(0.2, 4.0, 3),),  # at the default a = 1
    "gammaincc": lambda rng: (rng.uniform(0.2, 4.0, 3),),
}

COMPLEX = {
    "real": lambda rng: (cplx(rng, 2, 3),),
    "imag": lambda rng: (cplx(rng, 2, 3),),
    "conj": lambda rng: (cplx(rng, 2, 3),),
    "cabs": lambda rng: (away_from_zero(rng, 2, 3),),
}

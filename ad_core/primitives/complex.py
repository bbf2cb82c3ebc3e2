"""Complex numbers: ``real``, ``imag``, ``conj``, the rule of ``abs`` on complex values, and
which primitives may carry complex values at all.

The convention is autograd's (docs/tutorial.md, "Complex numbers"), documented in
docs/ad_core.md. A cotangent of a complex value w is ``∂L/∂Re w - i ∂L/∂Im w`` for a real
L, so that ``dL = Re(ḡ · dw)`` with no conjugate. Then:

- a holomorphic primitive keeps its real rules unchanged (VJP ``ḡ · f'(z)``, JVP
  ``ṫ · f'(z)``, and transposes, never conjugate transposes, for linear maps);
- a real value's tangent and cotangent are real: the primitives that take a complex value to
  a real one (``real``, ``imag``, ``cabs``, ``logabsdet``) take real parts in their rules,
  and a gradient with respect to a real input is the real part of its cotangent (api.py);
- ``grad(f)(z) = ∂u/∂x - i ∂u/∂y`` with ``u = Re f``: f'(z) for holomorphic f, and the
  conjugate of the steepest-ascent direction for a real-valued f.

A primitive takes complex values only if it is in ``COMPLEX_SAFE`` (holomorphic or linear,
with rules checked for complex arguments, or with complex rules of its own). Under a
transform, any other primitive given a complex value runs its complex form
(``COMPLEX_FORMS``: ``abs`` becomes ``cabs``) or raises a ``TypeError`` naming it, so a
real-only rule (``maximum``, ``erf``, ``eigh``...) never meets complex numbers silently.
"""

from __future__ import annotations

import numpy as np

from .._core import Tracer, raw
from . import fft, linalg, ops
from .table import defprim


def is_complex(v) -> bool:
    t = type(v)
    if t is float or t is int:
        return False
    if t is np.ndarray:
        return v.dtype.kind == "c"
    if t is complex or isinstance(v, np.complexfloating):
        return True
    if isinstance(v, Tracer):
        return is_complex(raw(v))
    return False


def _real_impl(x):
    r = np.real(x)
    return float(r) if np.ndim(r) == 0 else r


def _imag_impl(x):
    r = np.imag(x)
    return float(r) if np.ndim(r) == 0 else r


def _conj_impl(x):
    r = np.conjugate(x)
    if np.ndim(r) == 0:
        return complex(r) if np.iscomplexobj(r) else float(r)
    return r


real = defprim(
    "real", _real_impl,
    jvp=(lambda t, ans, x: real(t),),
    vjp=(lambda g, ans, x: real(g),),  # dL = g · Re(dx) = Re(g · dx), g real
    sympy=ops.sp.re, flops=0, doc="the real part")

imag = defprim(
    "imag", _imag_impl,
    jvp=(lambda t, ans, x: imag(t),),
    vjp=(lambda g, ans, x: ops.mul(real(g), -1j),),  # dL = g · Im(dx) = Re(-i g · dx)
    sympy=ops.sp.im, flops=0, doc="the imaginary part")

conj = defprim(
    "conj", _conj_impl,
    jvp=(lambda t, ans, x: conj(t),),
    vjp=(lambda g, ans, x: conj(g),),  # dL = Re(g · conj(dx)) = Re(conj(g) · dx)
    sympy=ops.sp.conjugate, flops=1, doc="the complex conjugate")


def _unit_conj(x, ans):
    """conj(x) / |x|, 0 at 0 (the minimum-norm subgradient, as abs'(0) = 0)."""
    return ops._safe_ratio(conj(x), ans)


# |z| for complex z: a real value of a complex argument, so its JVP takes the real part and
# its VJP uses the real part of the cotangent (abs of real values stays ``ops.absolute``).
cabs = defprim(
    "cabs", np.absolute,
    jvp=(lambda t, ans, x: real(ops.zmul(t, _unit_conj(x, ans))),),
    vjp=(lambda g, ans, x: ops.zmul(real(g), _unit_conj(x, ans)),),
    sympy=ops.sp.Abs, flops=4, doc="the modulus of a complex value",
    kink=(lambda ans, x: ans == 0, "abs of complex 0: no derivative; AD uses 0"))


# Primitives whose rules hold for complex arguments: holomorphic ones (their real rules are
# f'(z)), linear and structural ones (transposes, no conjugates), and those above.
COMPLEX_SAFE: frozenset = frozenset({
    ops.neg, ops.add, ops.sub, ops.mul, ops.div, ops.power, ops.square, ops.reciprocal,
    ops.exp, ops.expm1, ops.exp2, ops.log, ops.log1p, ops.log2, ops.log10, ops.sqrt,
    ops.sin, ops.cos, ops.tan, ops.sinh, ops.cosh, ops.tanh, ops.arcsin, ops.arccos,
    ops.arctan, ops.arcsinh, ops.arctanh,
    ops.where, ops.sum_, ops.prod, ops.cumsum, ops.reshape, ops.transpose, ops.broadcast_to,
    ops.getitem, ops.untake, ops.concatenate, ops.matmul, ops.einsum,
    ops.cumprod, ops.sinc,  # a running product; sin(πz)/(πz) is entire (its series at 0)
    real, imag, conj, cabs,
    # det, inv, solve are holomorphic in A (and b); log|det A| is real with the rule
    # Re tr(A⁻¹ dA), which the real projection of its JVP gives.
    linalg.det, linalg.inv, linalg.solve, linalg.logabsdet,
    *fft.FAMILY,  # linear: each VJP is the transpose
})
# A primitive with a separate complex form: called on complex values, the form runs instead.
COMPLEX_FORMS: dict = {ops.absolute: cabs}

# The primitives of this family (tests check each one).
FAMILY = (real, imag, conj, cabs)


def has_complex(values) -> bool:
    for v in values:
        t = type(v)
        if t is not float and t is not int and is_complex(v):
            return True
    return False


def complex_call(prim, args, params):
    """``prim`` met complex values: run its complex form, or refuse by name."""
    form = COMPLEX_FORMS.get(prim)
    if form is not None:
        return form(*args, **params)
    raise TypeError(
        f"{prim.name} of complex values has no derivative rule in ad_core (its rule is for "
        "real numbers); differentiate the real and imaginary parts separately")

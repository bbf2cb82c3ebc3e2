"""The chain rule's products for elementwise primitives, shared by both modes.

Forward mode multiplies a tangent by a partial derivative (``t · d``); reverse
mode multiplies a cotangent by it and sums the product down to the argument's
shape (``unbroadcast(g · d)``). Both read the same ``partials`` of the table.

One convention makes the two modes agree where a factor is infinite: a product
with an exactly zero factor is zero, whichever side the zero is on (``0 · inf
= 0``). Forward mode meets ``t = 0`` times ``sqrt'(0) = inf`` where reverse mode
meets ``g = inf`` times a partial ``0`` (``std`` of constant data), and the
branch ``np.where`` did not take sends a zero (co)tangent into an infinite
partial. Finding such products costs a pass over each array, so it is done
only when the product holds a NaN.
"""

from __future__ import annotations

import numpy as np

from . import ops
from .ops import zero_wins


def tangent_term(t, d):
    """t · d, skipping the multiply for the constant partials ±1; 0 · inf counts as 0."""
    if type(d) is float:
        if d == 1.0:
            return t
        if d == -1.0:
            return -t
    return zero_wins(t, d, t * d)


def cotangent_term(g, d, x, mask: bool = True):
    """g · d summed down to the shape of ``x``; 0 · inf counts as 0 (for plain arrays
    only when ``mask``: reverse mode masks in a second pass, if NaN reached an input)."""
    if type(d) is float:
        if type(g) is float and type(x) is float:
            c = g * d
            if c != c and (g == 0.0 or d == 0.0):
                return 0.0
            return c
        if d == 1.0:
            return ops.unbroadcast(g, x)
        if d == -1.0:
            return ops.unbroadcast(-g, x)
    c = g * d
    if mask or type(c) is not np.ndarray:
        c = zero_wins(g, d, c)
    return ops.unbroadcast(c, x)


def cotangent_term_batched(g, d, x, mask: bool = True):
    """``cotangent_term`` for B cotangents at once: ``g`` has a leading batch axis, which
    the partial ``d`` (shaped like the output) broadcasts against and the sum keeps."""
    if type(d) is float:
        if d == 1.0:
            return ops.unbroadcast_batched(g, x)
        if d == -1.0:
            return ops.unbroadcast_batched(-g, x)
    c = g * d
    if mask or type(c) is not np.ndarray:
        c = zero_wins(g, d, c)
    return ops.unbroadcast_batched(c, x)

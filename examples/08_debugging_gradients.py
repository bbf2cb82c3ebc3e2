"""Stop 8: debugging a gradient.

When a gradient is NaN, the question is where the NaN came from. AD Lens runs the
function at the point and puts a warning on the line where a value or an adjoint first
became NaN or inf, naming the operation and its operands' values, and the lines the NaN
went through to reach the gradient.

`np.where(c, np.sqrt(x), 0.0)` has a NaN gradient in PyTorch and JAX wherever the branch
not taken sits where sqrt has no derivative: reverse mode multiplies that branch's zero
cotangent by sqrt'(0) = inf. ad_core counts 0 · inf as 0, so its gradient is finite; the
warning says the code would still break elsewhere, and the quick fix rewrites it into the
"double where" form, finite in every framework.

Inlay hints show, at the end of each assignment, the value it made and its adjoint
(v̄ = ∂f/∂v), and flag adjoints that vanish or explode (six orders of magnitude below or
above the output's).
"""

import numpy as np


# adlens: u=[1.0, 0.0], v=[1.0, 0.0]
def angle(u, v):
    """The angle between two vectors, at parallel vectors: arccos'(1) is infinite."""
    c = np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))
    theta = np.arccos(c)
    return theta


# adlens: p=[0.0, 0.25, 0.75], counts=[0.0, 1.0, 3.0]
def log_likelihood(p, counts):
    """A probability of 0: log(0) is -inf, and 0 · -inf is NaN in the sum."""
    logs = np.log(p)
    return np.sum(counts * logs)


# adlens: x=[-1.0, 0.25, 4.0]
def sqrt_or_zero(x):
    """The where trap: at x = -1 the branch not taken is sqrt(-1)."""
    r = np.where(x > 0, np.sqrt(x), 0.0)
    return np.sum(r)


# adlens: x=2.0, w=5.0
def saturated(x, w):
    """Three tanh layers driven into saturation: the adjoints vanish layer by layer."""
    h1 = np.tanh(w * x)
    h2 = np.tanh(w * h1)
    h3 = np.tanh(w * h2)
    return h3

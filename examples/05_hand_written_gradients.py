"""Stop 5: checking hand-written gradients.

A function named `f_grad`, `grad_f`, `df`, `dfdx`, `f_prime`, `fprime` or
`jac_f` next to `f` (or marked `# adlens: gradient-of=f`) is taken as a
hand-written gradient of `f`. AD Lens calls it at `f`'s point and compares it
with reverse-mode AD, component by component.

`rosenbrock_grad` is right. `logistic_loss_grad` is subtly wrong in one of
its four components: three are right, and the wrong one has the right sign
and the right size at many points. Find it with `adlens check` (exit status 1,
and the message names the component and both values), or with the ✗ lens in
the editor.
"""

import math


# adlens: x=-1.2, y=1.0
def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def rosenbrock_grad(x, y):
    dx = -2 * (1 - x) - 400 * x * (y - x**2)
    dy = 200 * (y - x**2)
    return dx, dy


# adlens: w=0.8, b=-0.3, x=1.5, label=1.0
def logistic_loss(w, b, x, label):
    """Cross-entropy of one example under a one-feature logistic model."""
    z = w * x + b
    p = 1 / (1 + math.exp(-z))
    return -(label * math.log(p) + (1 - label) * math.log(1 - p))


def logistic_loss_grad(w, b, x, label):
    z = w * x + b
    p = 1 / (1 + math.exp(-z))
    dz = p - label
    # ∂/∂x is w·dz; this "simplification" reuses x where w belongs
    return dz * x, dz, dz * x, -z

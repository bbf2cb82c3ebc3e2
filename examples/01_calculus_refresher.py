"""Stop 1: a calculus refresher.

Familiar functions and their derivatives. Hover a `def` (or run
`adlens check examples/01_calculus_refresher.py`) to see each partial
derivative as an expression, its value at the point, and a check against
finite differences. The `# adlens:` line above a function picks the point.
"""

import math


# adlens: x=2.0
def cubic(x):
    """d/dx (x³ - 2x + 1) = 3x² - 2."""
    return x**3 - 2 * x + 1


# adlens: x=0.5
def product_rule(x):
    """d/dx sin(x)·eˣ = cos(x)·eˣ + sin(x)·eˣ."""
    return math.sin(x) * math.exp(x)


# adlens: x=1.0
def chain_rule(x):
    """d/dx sin(x²) = 2x·cos(x²): the outer derivative times the inner one."""
    return math.sin(x**2)


# adlens: x=3.0
def quotient_rule(x):
    """d/dx log(x) / x = (1 - log(x)) / x²."""
    return math.log(x) / x


def sigmoid(z=0.0):
    """σ'(z) = σ(z)·(1 - σ(z)); at z = 0 it is 1/4."""
    return 1 / (1 + math.exp(-z))


# adlens: x=1.0, y=2.0
def two_variables(x, y):
    """Partial derivatives: ∂/∂x holds y fixed, ∂/∂y holds x fixed."""
    return x**2 * y + math.sqrt(x * y)

"""Python sources the card, render, CLI and server tests share (imported by name, like
`conftest_server`)."""

# f and a hand-written gradient that is wrong in ∂f/∂y (2·sin(x) instead of x·sin(x)).
SAMPLE = """\
import math

# adlens: x=1.5, y=2.0
def f(x, y):
    z = math.sin(x) * y
    return z * x

def f_grad(x, y):
    return (math.cos(x) * y * x + math.sin(x) * y, math.sin(x) * 2)
"""

# A correct one-parameter hand-written derivative.
CUBE = """\
def f(x=2.0):
    return x**3


def f_grad(x):
    return 3*x**2
"""

# scipy.optimize.rosen and rosen_der, rosen starting with a copy in extended precision, which
# AD cannot trace through (line 6: ad_core computes in float64 and refuses np.longdouble by
# name; float() of each element used to be the trigger, but the kernel now keeps its
# derivative).
ROSEN = """\
import numpy as np


# adlens: x=[1.3, 0.7, 0.8]
def rosen(x):
    x = np.asarray(x, dtype=np.longdouble)
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0)


# adlens: gradient-of=rosen
def rosen_der(x):
    x = np.asarray(x)
    xm = x[1:-1]
    der = np.zeros_like(x)
    der[1:-1] = 200 * (xm - x[:-2] ** 2) - 400 * (x[2:] - xm ** 2) * xm - 2 * (1 - xm)
    der[0] = -400 * x[0] * (x[1] - x[0] ** 2) - 2 * (1 - x[0])
    der[-1] = 200 * (x[-1] - x[-2] ** 2)
    return der
"""

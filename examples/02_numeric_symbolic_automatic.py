"""Stop 2: numerical vs symbolic vs automatic differentiation, on one function.

Each card shows all three at once:

- *symbolic* (SymPy, from the source text): an exact expression, which can
  swell: compare the size of `f` with the size of its partials;
- *automatic* (reverse mode, `ad_core.grad`): exact to rounding, at the cost
  of a small constant factor over evaluating `f`;
- *numerical* (central differences): the check line, accurate to about 1e-8
  relative at best, and wrong across kinks.

Run this file with Python to see the step-size trade-off of finite differences:
`python examples/02_numeric_symbolic_automatic.py`.
"""

import math


# adlens: x=0.7
def smooth(x):
    """A function whose derivative is easy every way."""
    return math.exp(math.sin(x)) * math.cos(x)


# adlens: x=0.3
def swelling(x):
    """Nested products: the symbolic derivative grows much faster than f.

    Reverse mode stays at a few operations per operation of f.
    """
    a = math.sin(x) * math.cos(x)
    b = a * math.exp(a)
    c = b * math.log(1 + b * b)
    return c * math.tanh(c)


if __name__ == "__main__":  # never run by AD Lens
    import ad_core as ad

    exact = ad.grad(smooth)(0.7)
    print(f"AD (reverse mode)      {exact!r}")
    for step in (1e-1, 1e-3, 1e-5, 1e-8, 1e-11):
        fd = ad.numeric.gradient(smooth, 0.7, method="central", step=step)
        print(f"central, h = {step:.0e}   {fd!r}   error {abs(fd - exact):.1e}")

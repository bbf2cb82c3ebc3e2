"""Stop 7: control flow.

AD by operator overloading is *define-by-run*: `if`, `for`, `while` and
recursion just run, and the derivative is the derivative of the path taken at
the point. The symbolic path turns an `if` into a `Piecewise`, unrolls a
`for` over a literal range, and says which line it cannot translate.

At a kink (`relu` at 0, `abs` at 0) the derivative is a convention
(`abs'(0) = 0`), and finite differences disagree with it: the check says so.
"""

import math


# adlens: x=0.8
def relu_squared(x):
    if x > 0:
        return x * x
    return 0.0


# adlens: x=0.0
def absolute(x):
    """At x = 0: AD says 0 (the convention); central differences also say 0 here."""
    return abs(x)


# adlens: x=1.1, n=5
def taylor_exp(x, n):
    """Partial sum of the exponential series; n stays an int (held, not differentiated)."""
    total, term = 1.0, 1.0
    for k in range(1, n):
        term = term * x / k
        total = total + term
    return total


# adlens: a=2.0
def newton_sqrt(a):
    """√a by Newton's iteration: AD differentiates through the loop."""
    x = a
    while abs(x * x - a) > 1e-12:
        x = 0.5 * (x + a / x)
    return x


# adlens: x=1.3, n=6
def power(x, n):
    """xⁿ by recursion (exponentiation by squaring)."""
    if n == 0:
        return 1.0
    half = power(x, n // 2)
    if n % 2 == 0:
        return half * half
    return half * half * x


# adlens: x=0.5
def smooth_step(x):
    return math.tanh(3 * x) if x < 1 else 1.0

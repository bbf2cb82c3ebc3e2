# ruff: noqa
# Source: SciPy 1.17.1, scipy/optimize/_tstutils.py
# Repository: https://github.com/scipy/scipy (tag v1.17.1)
# URL: https://github.com/scipy/scipy/blob/v1.17.1/scipy/optimize/_tstutils.py
# Obtained from: the scipy 1.17.1 wheel from PyPI installed in this project's .venv (pip install)
# Licence: BSD-3-Clause; full text in LICENSES/scipy.txt
# Changed: kept the functions f1-f3 and aps01-aps15 with their derivatives (_fp, _fpp) and the constant
#   _MAX_EXPABLE verbatim; dropped f4-f6 (not differentiable at the root), the complex test
#   cases, the test-case tables and helpers, and the imports of random,
#   scipy.optimize._zeros_py and scipy._lib._array_api that only those used.

import numpy as np


def f1(x):
    r"""f1 is a quadratic with roots at 0 and 1"""
    return x * (x - 1.)



def f1_fp(x):
    return 2 * x - 1



def f1_fpp(x):
    return 2



def f2(x):
    r"""f2 is a symmetric parabola, x**2 - 1"""
    return x**2 - 1



def f2_fp(x):
    return 2 * x



def f2_fpp(x):
    return 2



def f3(x):
    r"""A quartic with roots at 0, 1, 2 and 3"""
    return x * (x - 1.) * (x - 2.) * (x - 3.)  # x**4 - 6x**3 + 11x**2 - 6x



def f3_fp(x):
    return 4 * x**3 - 18 * x**2 + 22 * x - 6



def f3_fpp(x):
    return 12 * x**2 - 36 * x + 22



def aps01_f(x):
    r"""Straightforward sum of trigonometric function and polynomial"""
    return np.sin(x) - x / 2



def aps01_fp(x):
    return np.cos(x) - 1.0 / 2



def aps01_fpp(x):
    return -np.sin(x)



def aps02_f(x):
    r"""poles at x=n**2, 1st and 2nd derivatives at root are also close to 0"""
    ii = np.arange(1, 21)
    return -2 * np.sum((2 * ii - 5)**2 / (x - ii**2)**3)



def aps02_fp(x):
    ii = np.arange(1, 21)
    return 6 * np.sum((2 * ii - 5)**2 / (x - ii**2)**4)



def aps02_fpp(x):
    ii = np.arange(1, 21)
    return 24 * np.sum((2 * ii - 5)**2 / (x - ii**2)**5)



def aps03_f(x, a, b):
    r"""Rapidly changing at the root"""
    return a * x * np.exp(b * x)



def aps03_fp(x, a, b):
    return a * (b * x + 1) * np.exp(b * x)



def aps03_fpp(x, a, b):
    return a * (b * (b * x + 1) + b) * np.exp(b * x)



def aps04_f(x, n, a):
    r"""Medium-degree polynomial"""
    return x**n - a



def aps04_fp(x, n, a):
    return n * x**(n - 1)



def aps04_fpp(x, n, a):
    return n * (n - 1) * x**(n - 2)



def aps05_f(x):
    r"""Simple Trigonometric function"""
    return np.sin(x) - 1.0 / 2



def aps05_fp(x):
    return np.cos(x)



def aps05_fpp(x):
    return -np.sin(x)



def aps06_f(x, n):
    r"""Exponential rapidly changing from -1 to 1 at x=0"""
    return 2 * x * np.exp(-n) - 2 * np.exp(-n * x) + 1



def aps06_fp(x, n):
    return 2 * np.exp(-n) + 2 * n * np.exp(-n * x)



def aps06_fpp(x, n):
    return -2 * n * n * np.exp(-n * x)



def aps07_f(x, n):
    r"""Upside down parabola with parametrizable height"""
    return (1 + (1 - n)**2) * x - (1 - n * x)**2



def aps07_fp(x, n):
    return (1 + (1 - n)**2) + 2 * n * (1 - n * x)



def aps07_fpp(x, n):
    return -2 * n * n



def aps08_f(x, n):
    r"""Degree n polynomial"""
    return x * x - (1 - x)**n



def aps08_fp(x, n):
    return 2 * x + n * (1 - x)**(n - 1)



def aps08_fpp(x, n):
    return 2 - n * (n - 1) * (1 - x)**(n - 2)



def aps09_f(x, n):
    r"""Upside down quartic with parametrizable height"""
    return (1 + (1 - n)**4) * x - (1 - n * x)**4



def aps09_fp(x, n):
    return (1 + (1 - n)**4) + 4 * n * (1 - n * x)**3



def aps09_fpp(x, n):
    return -12 * n * (1 - n * x)**2



def aps10_f(x, n):
    r"""Exponential plus a polynomial"""
    return np.exp(-n * x) * (x - 1) + x**n



def aps10_fp(x, n):
    return np.exp(-n * x) * (-n * (x - 1) + 1) + n * x**(n - 1)



def aps10_fpp(x, n):
    return (np.exp(-n * x) * (-n * (-n * (x - 1) + 1) + -n * x)
            + n * (n - 1) * x**(n - 2))



def aps11_f(x, n):
    r"""Rational function with a zero at x=1/n and a pole at x=0"""
    return (n * x - 1) / ((n - 1) * x)



def aps11_fp(x, n):
    return 1 / (n - 1) / x**2



def aps11_fpp(x, n):
    return -2 / (n - 1) / x**3



def aps12_f(x, n):
    r"""nth root of x, with a zero at x=n"""
    return np.power(x, 1.0 / n) - np.power(n, 1.0 / n)



def aps12_fp(x, n):
    return np.power(x, (1.0 - n) / n) / n



def aps12_fpp(x, n):
    return np.power(x, (1.0 - 2 * n) / n) * (1.0 / n) * (1.0 - n) / n



_MAX_EXPABLE = np.log(np.finfo(float).max)



def aps13_f(x):
    r"""Function with *all* derivatives 0 at the root"""
    if x == 0:
        return 0
    # x2 = 1.0/x**2
    # if x2 > 708:
    #     return 0
    y = 1 / x**2
    if y > _MAX_EXPABLE:
        return 0
    return x / np.exp(y)



def aps13_fp(x):
    if x == 0:
        return 0
    y = 1 / x**2
    if y > _MAX_EXPABLE:
        return 0
    return (1 + 2 / x**2) / np.exp(y)



def aps13_fpp(x):
    if x == 0:
        return 0
    y = 1 / x**2
    if y > _MAX_EXPABLE:
        return 0
    return 2 * (2 - x**2) / x**5 / np.exp(y)



def aps14_f(x, n):
    r"""0 for negative x-values, trigonometric+linear for x positive"""
    if x <= 0:
        return -n / 20.0
    return n / 20.0 * (x / 1.5 + np.sin(x) - 1)



def aps14_fp(x, n):
    if x <= 0:
        return 0
    return n / 20.0 * (1.0 / 1.5 + np.cos(x))



def aps14_fpp(x, n):
    if x <= 0:
        return 0
    return -n / 20.0 * (np.sin(x))



def aps15_f(x, n):
    r"""piecewise linear, constant outside of [0, 0.002/(1+n)]"""
    if x < 0:
        return -0.859
    if x > 2 * 1e-3 / (1 + n):
        return np.e - 1.859
    return np.exp((n + 1) * x / 2 * 1000) - 1.859



def aps15_fp(x, n):
    if not 0 <= x <= 2 * 1e-3 / (1 + n):
        return np.e - 1.859
    return np.exp((n + 1) * x / 2 * 1000) * (n + 1) / 2 * 1000



def aps15_fpp(x, n):
    if not 0 <= x <= 2 * 1e-3 / (1 + n):
        return np.e - 1.859
    return np.exp((n + 1) * x / 2 * 1000) * (n + 1) / 2 * 1000 * (n + 1) / 2 * 1000

# ruff: noqa
# Source: SciPy 1.17.1, scipy/optimize/tests/test_optimize.py
# Repository: https://github.com/scipy/scipy (tag v1.17.1)
# URL: https://github.com/scipy/scipy/blob/v1.17.1/scipy/optimize/tests/test_optimize.py
# Obtained from: the scipy 1.17.1 wheel from PyPI installed in this project's .venv (pip install)
# Licence: BSD-3-Clause; full text in LICENSES/scipy.txt
# Changed: kept CheckOptimize (the maximum-entropy problem: func, grad, hess, hessp), himmelblau with
#   himmelblau_grad and himmelblau_hess (and its three constants), FunctionWithGradient, and
#   the brute-force test functions f1, f2, f3, brute_func verbatim; dropped every test and
#   the imports they alone used.

import threading

import numpy as np


class CheckOptimize:
    """ Base test case for a simple constrained entropy maximization problem
    (the machine translation example of Berger et al in
    Computational Linguistics, vol 22, num 1, pp 39--72, 1996.)
    """

    def setup_method(self):
        self.F = np.array([[1, 1, 1],
                           [1, 1, 0],
                           [1, 0, 1],
                           [1, 0, 0],
                           [1, 0, 0]])
        self.K = np.array([1., 0.3, 0.5])
        self.startparams = np.zeros(3, np.float64)
        self.solution = np.array([0., -0.524869316, 0.487525860])
        self.maxiter = 1000
        self.funccalls = threading.local()
        self.gradcalls = threading.local()
        self.trace = threading.local()

    def func(self, x):
        if not hasattr(self.funccalls, 'c'):
            self.funccalls.c = 0

        if not hasattr(self.gradcalls, 'c'):
            self.gradcalls.c = 0

        self.funccalls.c += 1
        if self.funccalls.c > 6000:
            raise RuntimeError("too many iterations in optimization routine")
        log_pdot = np.dot(self.F, x)
        logZ = np.log(sum(np.exp(log_pdot)))
        f = logZ - np.dot(self.K, x)
        if not hasattr(self.trace, 't'):
            self.trace.t = []
        self.trace.t.append(np.copy(x))
        return f

    def grad(self, x):
        if not hasattr(self.gradcalls, 'c'):
            self.gradcalls.c = 0
        self.gradcalls.c += 1
        log_pdot = np.dot(self.F, x)
        logZ = np.log(sum(np.exp(log_pdot)))
        p = np.exp(log_pdot - logZ)
        return np.dot(self.F.transpose(), p) - self.K

    def hess(self, x):
        log_pdot = np.dot(self.F, x)
        logZ = np.log(sum(np.exp(log_pdot)))
        p = np.exp(log_pdot - logZ)
        return np.dot(self.F.T,
                      np.dot(np.diag(p), self.F - np.dot(self.F.T, p)))

    def hessp(self, x, p):
        return np.dot(self.hess(x), p)



def himmelblau(p):
    """
    R^2 -> R^1 test function for optimization. The function has four local
    minima where himmelblau(xopt) == 0.
    """
    x, y = p
    a = x*x + y - 11
    b = x + y*y - 7
    return a*a + b*b



def himmelblau_grad(p):
    x, y = p
    return np.array([4*x**3 + 4*x*y - 42*x + 2*y**2 - 14,
                     2*x**2 + 4*x*y + 4*y**3 - 26*y - 22])



def himmelblau_hess(p):
    x, y = p
    return np.array([[12*x**2 + 4*y - 42, 4*x + 4*y],
                     [4*x + 4*y, 4*x + 12*y**2 - 26]])



himmelblau_x0 = [-0.27, -0.9]



himmelblau_xopt = [3, 2]



himmelblau_min = 0.0



class FunctionWithGradient:
    def __init__(self):
        self.number_of_calls = threading.local()

    def __call__(self, x):
        if not hasattr(self.number_of_calls, 'c'):
            self.number_of_calls.c = 0
        self.number_of_calls.c += 1
        return np.sum(x**2), 2 * x



def f1(z, *params):
    x, y = z
    a, b, c, d, e, f, g, h, i, j, k, l, scale = params
    return (a * x**2 + b * x * y + c * y**2 + d*x + e*y + f)



def f2(z, *params):
    x, y = z
    a, b, c, d, e, f, g, h, i, j, k, l, scale = params
    return (-g*np.exp(-((x-h)**2 + (y-i)**2) / scale))



def f3(z, *params):
    x, y = z
    a, b, c, d, e, f, g, h, i, j, k, l, scale = params
    return (-j*np.exp(-((x-k)**2 + (y-l)**2) / scale))



def brute_func(z, *params):
    return f1(z, *params) + f2(z, *params) + f3(z, *params)

# ruff: noqa
# Source: SciPy 1.17.1, scipy/optimize/tests/test_least_squares.py
# Repository: https://github.com/scipy/scipy (tag v1.17.1)
# URL: https://github.com/scipy/scipy/blob/v1.17.1/scipy/optimize/tests/test_least_squares.py
# Obtained from: the scipy 1.17.1 wheel from PyPI installed in this project's .venv (pip install)
# Licence: BSD-3-Clause; full text in LICENSES/scipy.txt
# Changed: kept fun_trivial, jac_trivial, fun_2d_trivial, jac_2d_trivial, fun_rosenbrock,
#   Fun_Rosenbrock, jac_rosenbrock, jac_rosenbrock_bad_dim, fun_rosenbrock_cropped,
#   jac_rosenbrock_cropped, fun_wrong_dimensions, jac_wrong_dimensions, fun_bvp,
#   ExponentialFittingProblem and cubic_soft_l1 verbatim; dropped BroydenTridiagonal (needs
#   private scipy helpers and numpy.testing), the test mixins and classes, and their
#   imports.

import numpy as np


def fun_trivial(x, a=0):
    return (x - a)**2 + 5.0



def jac_trivial(x, a=0.0):
    return 2 * (x - a)



def fun_2d_trivial(x):
    return np.array([x[0], x[1]])



def jac_2d_trivial(x):
    return np.identity(2)



def fun_rosenbrock(x):
    return np.array([10 * (x[1] - x[0]**2), (1 - x[0])])



class Fun_Rosenbrock:
    def __init__(self):
        self.nfev = 0

    def __call__(self, x, a=0):
        self.nfev += 1
        return fun_rosenbrock(x)



def jac_rosenbrock(x):
    return np.array([
        [-20 * x[0], 10],
        [-1, 0]
    ])



def jac_rosenbrock_bad_dim(x):
    return np.array([
        [-20 * x[0], 10],
        [-1, 0],
        [0.0, 0.0]
    ])



def fun_rosenbrock_cropped(x):
    return fun_rosenbrock(x)[0]



def jac_rosenbrock_cropped(x):
    return jac_rosenbrock(x)[0]



# When x is 1-D array, return is 2-D array.
def fun_wrong_dimensions(x):
    return np.array([x, x**2, x**3])



def jac_wrong_dimensions(x, a=0.0):
    return np.atleast_3d(jac_trivial(x, a=a))



def fun_bvp(x):
    n = int(np.sqrt(x.shape[0]))
    u = np.zeros((n + 2, n + 2))
    x = x.reshape((n, n))
    u[1:-1, 1:-1] = x
    y = u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:] - 4 * x + x**3
    return y.ravel()



class ExponentialFittingProblem:
    """Provide data and function for exponential fitting in the form
    y = a + exp(b * x) + noise."""

    def __init__(self, a, b, noise, n_outliers=1, x_range=(-1, 1),
                 n_points=11, rng=None):
        rng = np.random.default_rng(rng)
        self.m = n_points
        self.n = 2

        self.p0 = np.zeros(2)
        self.x = np.linspace(x_range[0], x_range[1], n_points)

        self.y = a + np.exp(b * self.x)
        self.y += noise * rng.standard_normal(self.m)

        outliers = rng.integers(0, self.m, n_outliers)
        self.y[outliers] += 50 * noise * rng.random(n_outliers)

        self.p_opt = np.array([a, b])

    def fun(self, p):
        return p[0] + np.exp(p[1] * self.x) - self.y

    def jac(self, p):
        J = np.empty((self.m, self.n))
        J[:, 0] = 1
        J[:, 1] = self.x * np.exp(p[1] * self.x)
        return J



def cubic_soft_l1(z):
    rho = np.empty((3, z.size))

    t = 1 + z
    rho[0] = 3 * (t**(1/3) - 1)
    rho[1] = t ** (-2/3)
    rho[2] = -2/3 * t**(-5/3)

    return rho

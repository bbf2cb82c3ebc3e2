# ruff: noqa
# Source: pycma 4.5.0, cma/fitness_functions.py
# Repository: https://github.com/CMA-ES/pycma (release 4.5.0; the file is at that release's cma/fitness_functions.py)
# Obtained from: the PyPI distribution cma-4.5.0-py3-none-any.whl (pip download --no-deps)
# Licence: BSD-3-Clause; full text in LICENSES/cma.txt
# Changed: kept the module functions elli and sphere and, from class FitnessFunctions, the methods
#   __init__, sphere, grad_sphere, cigar, grad_cigar, tablet, grad_tablet, elli, grad_elli,
#   rosen and grad_rosen verbatim; dropped the class docstring, its other ~100 methods and
#   the cma imports (rotate, Rotation, utils, bbobbenchmarks): rotate is only reached with
#   rot != 0.

import numpy as np
from numpy import array, dot, isscalar, sum  # sum is not needed


def elli(x, cond=1e6):
    """unbound test function, needed to test multiprocessor, as long
    as the other test functions are defined within a class and
    only accessable via the class instance"""
    return sum(cond**(np.arange(len(x)) / (len(x) - 1 + 1e-9)) * np.asarray(x)**2)



def sphere(x):
    return sum(np.asarray(x)**2)



class FitnessFunctions(object):  # TODO: this class is not necessary anymore? But some effort is needed to change it
    evaluations = 0  # number of calls or any other practical use

    def __init__(self):
        """"""

    def sphere(self, x, xoffset=None, effective_dimensions=None):
        """Sphere (norm squared) test objective function.

        The optimum is at ``-xoffset=0``.

        `effective_dimensions` can be an `int` or a ratio ``-> max(1, int(ratio
        * len(x)))``.

        See also `cma.ff.noisysphere`,
        `cma.fitness_transformations.NoisyFitness`,
        `cma.fitness_transformations.LowEffectiveDimension` and
        `cma.fitness_transformations.NeutralVariables`.
        """
        x = np.asarray(x)
        if effective_dimensions is not None:
            if isinstance(effective_dimensions, int):
                x = x[:effective_dimensions]
            elif effective_dimensions < 1:
                x = x[:max((1, int(effective_dimensions * len(x))))]
        # float(.) takes 1.5% additional time
        return float(np.sum(np.square(x if xoffset is None else x + xoffset)))

    def grad_sphere(self, x, *args):
        return 2*np.asarray(x)

    def cigar(self, x, rot=0, cond=1e6, noise=0):
        """Cigar test objective function"""
        if rot:
            x = rotate(x)
        x = [x] if isscalar(x[0]) else x  # scalar into list
        f = [(x[0]**2 + cond * sum(x[1:]**2)) * np.exp(noise * np.random.randn(1)[0] / len(x)) for x in x]
        return f if len(f) > 1 else f[0]  # 1-element-list into scalar

    def grad_cigar(self, x, *args):
        grad = 2 * 1e6 * np.array(x)
        grad[0] /= 1e6
        return grad

    def tablet(self, x, cond=1e6, rot=0):
        """Tablet test objective function"""
        x = np.asarray(x)
        if rot and rot is not ff.tablet:
            x = rotate(x)
        x = [x] if isscalar(x[0]) else x  # scalar into list
        f = [cond * x[0]**2 + sum(x[1:]**2) for x in x]
        return f if len(f) > 1 else f[0]  # 1-element-list into scalar

    def grad_tablet(self, x, *args):
        grad = 2 * np.array(x)
        grad[0] *= 1e6
        return grad

    def elli(self, x, rot=0, xoffset=0, cond=1e6, actuator_noise=0.0, beta_noise=0, both=False):
        """Ellipsoid test objective function"""
        if not isscalar(x[0]):  # parallel evaluation
            return [self.elli(xx, rot, xoffset, cond, actuator_noise, beta_noise, both) for xx in x]  # could save 20% overall
        x = np.asarray(x)
        N = len(x)
        if rot:
            x = rotate(x)
        if actuator_noise:
            x = x + actuator_noise * np.random.randn(N)

        ftrue = sum(cond**(np.arange(N) / (N - 1.)) * (x + xoffset)**2) \
                if N > 1 else (x[0] + xoffset)**2
        # felli = ftrue + 1*np.random.randn() / (1e-30 +  # Cauchy noise
        #                                           np.abs(np.random.randn()))**0
        if beta_noise == 0:
            return ftrue  # + np.random.randn()
        alpha = 0.49 + 1. / N
        felli = np.random.rand()**beta_noise * ftrue * \
                max(1, (10.**9 / (ftrue + 1e-99))**(alpha * np.random.rand()))
        if both:
            return (felli, ftrue)
        return felli

    def grad_elli(self, x, *args):
        cond = 1e6
        N = len(x)
        return 2 * cond**(np.arange(N) / (N - 1.)) * np.asarray(x)

    def rosen(self, x, alpha=1e2, exponent=2):
        """Rosenbrock test objective function, x0=0"""
        x = [x] if isscalar(x[0]) else x  # scalar into list
        x = np.asarray(x)

        f = [sum(alpha * (np.abs(x[:-1]**2 - x[1:])**exponent if exponent % 2
                          else (x[:-1]**2 - x[1:])**exponent)
                 + (1. - x[:-1])**2) for x in x]
        return f if len(f) > 1 else f[0]  # 1-element-list into scalar

    def grad_rosen(self, x, *args):
        N = len(x)
        grad = np.zeros(N)
        grad[0] = 2 * (x[0] - 1) + 200 * (x[1] - x[0]**2) * -2 * x[0]
        i = np.arange(1, N - 1)
        grad[i] = 2 * (x[i] - 1) - 400 * (x[i+1] - x[i]**2) * x[i] + 200 * (x[i] - x[i-1]**2)
        grad[N-1] = 200 * (x[N-1] - x[N-2]**2)
        return grad

"""The small file of closures the nested-function tests run (kernel, CLI and server):
pairs defined together in a property, a method and a plain function, right and wrong, a
weighted Hessian hess(x, v), an enclosing function that cannot run, and names rebound
in the branch the run takes."""

SOURCE = '''\
import numpy as np


def other_jac(x):
    return [[0.0, 0.0]]


class Constraint:
    def __init__(self, scale=2.0, given_jac=None):
        self.scale = scale
        self.given_jac = given_jac

    @property
    def constr(self):
        def fun(x):
            return self.scale * (x[0] ** 2 + x[1] ** 2)

        if self.given_jac is None:
            def jac(x):
                return [[2 * self.scale * x[0], 2 * self.scale * x[1]]]
        else:
            jac = self.given_jac

        def hess(x, v):
            return 2 * self.scale * v[0] * np.eye(2)

        return fun, jac, hess

    def model(self, c):
        try:
            def loss(w):
                return c * np.sum(w ** 3)

            def loss_grad(w):
                return 3 * w ** 2  # wrong: the factor c is missing
        finally:
            pass
        return loss, loss_grad


def make_loss(w):
    def loss(x):
        return np.sum(w * x ** 2)

    def loss_grad(x):
        return 2 * w * x

    return loss, loss_grad


def cannot_run(n):
    def f(x):
        return x ** 2

    def f_der(x):
        return 2 * x

    raise RuntimeError("not today")


def rebinds(flag=False):
    def fun(x):
        return x[0] * x[1]

    if flag:
        def jac(x):
            return [x[1], x[0]]
    else:
        jac = other_jac
    return fun, jac
'''

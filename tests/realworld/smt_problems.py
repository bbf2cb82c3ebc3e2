# ruff: noqa
# Source: SMT (Surrogate Modeling Toolbox) 2.15.0, smt/problems/{sphere.py,rosenbrock.py,branin.py,lp_norm.py,robot_arm.py,cantilever_beam.py}
# Repository: https://github.com/SMTorg/smt (release 2.15.0; the file is at that release's smt/problems/branin.py)
# Obtained from: the PyPI distribution smt-2.15.0 cp311 manylinux wheel (pip download --no-deps)
# Licence: BSD-3-Clause; full text in LICENSES/smt.txt
# Changed: from each problem class, kept _initialize and _evaluate verbatim (and the module-level
#   imports they use); dropped _setup (it only fills xlimits and builds an smt DesignSpace)
#   and the smt imports; left out the problems whose derivatives are computed numerically
#   (WaterFlow, WingWeight, WeldedBeam, TorsionVibration use complex steps or
#   scipy.differentiate). Each class still derives from `Problem`, which here is a stand-in
#   written for this corpus (marked below): the option-handling lines of
#   smt.problems.problem.Problem.__init__, with a dict standing in for smt's
#   OptionsDictionary.
# Note: _evaluate(x, kx) returns the value for kx=None and the partial derivative with respect to
#   column kx of x for kx=0, 1, ...: one method is both the function and its hand-written
#   partials.

import numpy as np


# Stand-in (not smt code) for smt.problems.problem.Problem and smt.utils.options_dictionary.
# OptionsDictionary: the option-handling lines of Problem.__init__, nothing else.
class _Options(dict):
    def declare(self, name, default=None, values=None, types=None, desc=""):
        self[name] = default


class Problem:
    def __init__(self, **kwargs):
        self.options = _Options()
        self.options.declare("ndim", 1, types=int)
        self.options.declare("return_complex", False, types=bool)
        self._initialize()
        self.options.update(kwargs)

        self.xlimits = np.zeros((self.options["ndim"], 2))


class Sphere(Problem):
    def _initialize(self):
        self.options.declare("name", "Sphere", types=str)

    def _evaluate(self, x, kx):
        """
        Arguments
        ---------
        x : ndarray[ne, nx]
            Evaluation points.
        kx : int or None
            Index of derivative (0-based) to return values with respect to.
            None means return function value rather than derivative.

        Returns
        -------
        ndarray[ne, 1]
            Functions values if kx=None or derivative values if kx is an int.
        """
        ne, nx = x.shape

        y = np.zeros((ne, 1), complex)
        if kx is None:
            y[:, 0] = np.sum(x**2, 1).T
        else:
            y[:, 0] = 2 * x[:, kx]

        return y



class Rosenbrock(Problem):
    def _initialize(self):
        self.options.declare("name", "Rosenbrock", types=str)

    def _evaluate(self, x, kx):
        """
        Arguments
        ---------
        x : ndarray[ne, nx]
            Evaluation points.
        kx : int or None
            Index of derivative (0-based) to return values with respect to.
            None means return function value rather than derivative.

        Returns
        -------
        ndarray[ne, 1]
            Functions values if kx=None or derivative values if kx is an int.
        """
        ne, nx = x.shape

        y = np.zeros((ne, 1), complex)
        if kx is None:
            for ix in range(nx - 1):
                y[:, 0] += (
                    100.0 * (x[:, ix + 1] - x[:, ix] ** 2) ** 2 + (1 - x[:, ix]) ** 2
                )
        else:
            if kx < nx - 1:
                y[:, 0] += -400.0 * (x[:, kx + 1] - x[:, kx] ** 2) * x[:, kx] - 2 * (
                    1 - x[:, kx]
                )
            if kx > 0:
                y[:, 0] += 200.0 * (x[:, kx] - x[:, kx - 1] ** 2)

        return y



class Branin(Problem):
    def _initialize(self):
        self.options.declare("ndim", 2, values=[2], types=int)
        self.options.declare("name", "Branin", types=str)

    def _evaluate(self, x, kx):
        """
        Arguments
        ---------
        x : ndarray[ne, 2]
            Evaluation points.
        kx : int or None
            Index of derivative (0-based) to return values with respect to.
            None means return function value rather than derivative.

        Returns
        -------
        ndarray[ne, 1]
            Functions values if kx=None or derivative values if kx is an int.
        """
        ne, nx = x.shape
        assert nx == 2, "x.shape[1] must be 2"

        y = np.zeros((ne, 1), complex)
        b = 5.1 / (4.0 * (np.pi) ** 2)
        c = 5.0 / np.pi
        t = 1.0 / (8.0 * np.pi)
        u = x[:, 1] - b * x[:, 0] ** 2 + c * x[:, 0] - 6
        if kx is None:
            r = 10.0 * (1.0 - t) * np.cos(x[:, 0]) + 10
            y[:, 0] = u**2 + r
        else:
            assert kx in [0, 1], "kx must be None, 0 or 1"
            if kx == 0:
                du_dx0 = -2 * b * x[:, 0] + c
                dr_dx0 = -10.0 * (1.0 - t) * np.sin(x[:, 0])
                y[:, 0] = 2 * du_dx0 * u + dr_dx0
            else:  # kx == 1
                y[:, 0] = 2 * u

        return y



class LpNorm(Problem):
    def _initialize(self, ndim=1):
        self.options.declare("order", default=2, types=int)
        self.options.declare("name", "LpNorm", types=str)

    def _evaluate(self, x, kx):
        """
        Arguments
        ---------
        x : ndarray[ne, ndim]
            Evaluation points.
        kx : int or None
            Index of derivative (0-based) to return values with respect to.
            None means return function value rather than derivative.

        Returns
        -------
        ndarray[ne, 1]
            Functions values if kx=None or derivative values if kx is an int.
        """

        ne, nx = x.shape
        p = self.options["order"]
        assert p > 0

        y = np.zeros((ne, 1), complex)
        lp_norm = np.sum(np.abs(x) ** p, axis=-1) ** (1.0 / p)
        if kx is None:
            y[:, 0] = lp_norm
        else:
            y[:, 0] = np.sign(x[:, kx]) * (np.absolute(x[:, kx]) / lp_norm) ** (p - 1)

        return y



class RobotArm(Problem):
    def _initialize(self):
        self.options.declare("name", "RobotArm", types=str)
        self.options.declare("ndim", 2, types=int)

    def _evaluate(self, x, kx):
        """
        Arguments
        ---------
        x : ndarray[ne, nx]
            Evaluation points.
        kx : int or None
            Index of derivative (0-based) to return values with respect to.
            None means return function value rather than derivative.

        Returns
        -------
        ndarray[ne, 1]
            Functions values if kx=None or derivative values if kx is an int.
        """
        ne, nx = x.shape

        nseg = int(self.options["ndim"] / 2)

        pos_x = np.zeros(ne, complex)
        pos_y = np.zeros(ne, complex)
        for iseg in range(nseg):
            L = x[:, 2 * iseg + 0]
            pos_x += L * np.cos(np.sum(x[:, 1 : 2 * iseg + 2 : 2], axis=1))
            pos_y += L * np.sin(np.sum(x[:, 1 : 2 * iseg + 2 : 2], axis=1))

        y = np.zeros((ne, 1), complex)
        d_pos_x = np.zeros(ne, complex)
        d_pos_y = np.zeros(ne, complex)

        # To remove warning: NaN can be ignored
        np.seterr(invalid="ignore")
        if kx is None:
            y[:, 0] = (pos_x**2 + pos_y**2) ** 0.5
        else:
            kseg = int(np.floor(kx / 2))
            if kx % 2 == 0:
                d_pos_x[:] += np.cos(np.sum(x[:, 1 : 2 * kseg + 2 : 2], axis=1))
                d_pos_y[:] += np.sin(np.sum(x[:, 1 : 2 * kseg + 2 : 2], axis=1))
                y[:, 0] += pos_x / (pos_x**2 + pos_y**2) ** 0.5 * d_pos_x
                y[:, 0] += pos_y / (pos_x**2 + pos_y**2) ** 0.5 * d_pos_y
            elif kx % 2 == 1:
                for iseg in range(nseg):
                    L = x[:, 2 * iseg + 0]
                    if kseg <= iseg:
                        d_pos_x[:] -= L * np.sin(
                            np.sum(x[:, 1 : 2 * iseg + 2 : 2], axis=1)
                        )
                        d_pos_y[:] += L * np.cos(
                            np.sum(x[:, 1 : 2 * iseg + 2 : 2], axis=1)
                        )
                y[:, 0] += pos_x / (pos_x**2 + pos_y**2) ** 0.5 * d_pos_x
                y[:, 0] += pos_y / (pos_x**2 + pos_y**2) ** 0.5 * d_pos_y

        return y



class CantileverBeam(Problem):
    def _initialize(self):
        self.options.declare("name", "CantileverBeam", types=str)
        self.options.declare("ndim", 3, types=int)
        self.options.declare("P", 50e3, types=(int, float), desc="Tip load (50 kN)")
        self.options.declare(
            "E", 200e9, types=(int, float), desc="Modulus of elast. (200 GPa)"
        )

    def _evaluate(self, x, kx):
        """
        Arguments
        ---------
        x : ndarray[ne, nx]
            Evaluation points.
        kx : int or None
            Index of derivative (0-based) to return values with respect to.
            None means return function value rather than derivative.

        Returns
        -------
        ndarray[ne, 1]
            Functions values if kx=None or derivative values if kx is an int.
        """
        ne, nx = x.shape

        nelem = int(self.options["ndim"] / 3)
        P = self.options["P"]
        E = self.options["E"]

        y = np.zeros((ne, 1), complex)
        if kx is None:
            for ielem in range(nelem):
                b = x[:, 3 * ielem + 0]
                h = x[:, 3 * ielem + 1]

                y[:, 0] += (
                    12.0 / b / h**3 * np.sum(x[:, 2 + 3 * ielem :: 3], axis=1) ** 3
                )
                y[:, 0] -= (
                    12.0 / b / h**3 * np.sum(x[:, 5 + 3 * ielem :: 3], axis=1) ** 3
                )
        else:
            kelem = int(np.floor(kx / 3))
            if kx % 3 == 0:
                b = x[:, 3 * kelem + 0]
                h = x[:, 3 * kelem + 1]
                y[:, 0] += (
                    -12.0 / b**2 / h**3 * np.sum(x[:, 2 + 3 * kelem :: 3], axis=1) ** 3
                )
                y[:, 0] -= (
                    -12.0 / b**2 / h**3 * np.sum(x[:, 5 + 3 * kelem :: 3], axis=1) ** 3
                )

            elif kx % 3 == 1:
                b = x[:, 3 * kelem + 0]
                h = x[:, 3 * kelem + 1]
                y[:, 0] += (
                    -36.0 / b / h**4 * np.sum(x[:, 2 + 3 * kelem :: 3], axis=1) ** 3
                )
                y[:, 0] -= (
                    -36.0 / b / h**4 * np.sum(x[:, 5 + 3 * kelem :: 3], axis=1) ** 3
                )
            elif kx % 3 == 2:
                for ielem in range(kelem + 1):
                    b = x[:, 3 * ielem + 0]
                    h = x[:, 3 * ielem + 1]
                    y[:, 0] += (
                        36.0 / b / h**3 * np.sum(x[:, 2 + 3 * ielem :: 3], axis=1) ** 2
                    )
                    if kelem > ielem:
                        y[:, 0] -= (
                            36.0
                            / b
                            / h**3
                            * np.sum(x[:, 5 + 3 * ielem :: 3], axis=1) ** 2
                        )

        return (P / 3 / E) * y

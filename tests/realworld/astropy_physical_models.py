# ruff: noqa
# Source: Astropy 8.0.2, astropy/modeling/physical_models.py
# Repository: https://github.com/astropy/astropy (tag v8.0.2)
# URL: https://github.com/astropy/astropy/blob/v8.0.2/astropy/modeling/physical_models.py
# Obtained from: the PyPI distribution astropy-8.0.2 manylinux x86_64 wheel (pip download --no-deps)
# Licence: BSD-3-Clause; full text in LICENSES/astropy.txt
# Changed: each class keeps only its evaluate and fit_deriv methods (and the helper static methods they
#   call), verbatim with their decorators; removed from each class: its base class
#   (Fittable1DModel), docstring, Parameter declarations, units/bounding-box/inverse
#   properties and validators; dropped every other class and the astropy imports (units,
#   Parameter, model base classes) that would not resolve here. Added after the imports: the
#   module constants TWOPI and FLOAT_EPSILON (verbatim from the original module) and a
#   stand-in for astropy.units.Quantity (an empty ndarray subclass) so that the
#   isinstance(..., Quantity) tests run.
# Note: Drude1D.fit_deriv returns a wrong d_x_0 (found by this corpus's ground truth; at x == x_0
#   the model has a maximum in x_0, so the derivative is 0, and it returns 2*amplitude/x_0).
#   Not found in astropy's tracker.

import numpy as np


class Drude1D:
    @staticmethod
    def evaluate(x, amplitude, x_0, fwhm):
        """
        One dimensional Drude model function.
        """
        return (
            amplitude
            * ((fwhm / x_0) ** 2)
            / ((x / x_0 - x_0 / x) ** 2 + (fwhm / x_0) ** 2)
        )

    @staticmethod
    def fit_deriv(x, amplitude, x_0, fwhm):
        """
        Drude1D model function derivatives.
        """
        d_amplitude = (fwhm / x_0) ** 2 / ((x / x_0 - x_0 / x) ** 2 + (fwhm / x_0) ** 2)
        d_x_0 = (
            -2
            * amplitude
            * d_amplitude
            * (
                (1 / x_0)
                + d_amplitude
                * (x_0**2 / fwhm**2)
                * ((-x / x_0 - 1 / x) * (x / x_0 - x_0 / x) - (2 * fwhm**2 / x_0**3))
            )
        )
        d_fwhm = (2 * amplitude * d_amplitude / fwhm) * (1 - d_amplitude)
        return [d_amplitude, d_x_0, d_fwhm]



class Plummer1D:
    @staticmethod
    def evaluate(x, mass, r_plum):
        """
        Evaluate plummer density profile model.
        """
        return (
            (3 * mass) / (4 * np.pi * r_plum**3) * (1 + (x / r_plum) ** 2) ** (-5 / 2)
        )

    @staticmethod
    def fit_deriv(x, mass, r_plum):
        """
        Plummer1D model derivatives.
        """
        d_mass = 3 / ((4 * np.pi * r_plum**3) * (((x / r_plum) ** 2 + 1) ** (5 / 2)))
        d_r_plum = (6 * mass * x**2 - 9 * mass * r_plum**2) / (
            (4 * np.pi * r_plum**6) * (1 + (x / r_plum) ** 2) ** (7 / 2)
        )
        return [d_mass, d_r_plum]

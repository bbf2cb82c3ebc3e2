# ruff: noqa
# Source: Astropy 6.1.2, astropy/modeling/functional_models.py
# Repository: https://github.com/astropy/astropy (tag v6.1.2)
# URL: https://github.com/astropy/astropy/blob/v6.1.2/astropy/modeling/functional_models.py
# Obtained from: the PyPI distribution astropy-6.1.2 manylinux x86_64 wheel (pip download --no-deps)
# Licence: BSD-3-Clause; full text in LICENSES/astropy.txt
# Changed: each class keeps only its evaluate and fit_deriv methods (and the helper static methods they
#   call), verbatim with their decorators; removed from each class: its base class
#   (Fittable1DModel), docstring, Parameter declarations, units/bounding-box/inverse
#   properties and validators; dropped every other class and the astropy imports (units,
#   Parameter, model base classes) that would not resolve here. Added after the imports: the
#   module constants TWOPI and FLOAT_EPSILON (verbatim from the original module) and a
#   stand-in for astropy.units.Quantity (an empty ndarray subclass) so that the
#   isinstance(..., Quantity) tests run. Only Lorentz1D is kept.
# Note: Lorentz1D.fit_deriv in this release uses fwhm where the model uses fwhm/2; astropy fixed it
#   in PR #16794 (6.1.3 and 7.0): https://github.com/astropy/astropy/pull/16794

import numpy as np


class Lorentz1D:
    @staticmethod
    def evaluate(x, amplitude, x_0, fwhm):
        """One dimensional Lorentzian model function."""
        return amplitude * ((fwhm / 2.0) ** 2) / ((x - x_0) ** 2 + (fwhm / 2.0) ** 2)

    @staticmethod
    def fit_deriv(x, amplitude, x_0, fwhm):
        """One dimensional Lorentzian model derivative with respect to parameters."""
        d_amplitude = fwhm**2 / (fwhm**2 + (x - x_0) ** 2)
        d_x_0 = amplitude * d_amplitude * (2 * x - 2 * x_0) / (fwhm**2 + (x - x_0) ** 2)
        d_fwhm = 2 * amplitude * d_amplitude / fwhm * (1 - d_amplitude)
        return [d_amplitude, d_x_0, d_fwhm]

# ruff: noqa
# Source: dust_extinction 1.7, dust_extinction/shapes.py
# Repository: https://github.com/karllark/dust_extinction (release 1.7; the file is at that release's dust_extinction/shapes.py)
# Obtained from: the PyPI distribution dust_extinction-1.7.tar.gz (sdist) (pip download --no-deps)
# Licence: BSD-3-Clause; full text in LICENSES/dust_extinction.txt
# Changed: class FM90 keeps only its evaluate and fit_deriv static methods, verbatim; removed its base
#   classes (BaseExtModel, Fittable1DModel), docstring, Parameter declarations and class
#   attributes; dropped the other models and the astropy, scipy and package imports.
# Note: FM90.fit_deriv uses C2 where the bump term has C3, (x2 - xo2)**2 - x2*g2 where the
#   denominator has +, and the wrong sign for d_gamma (d_xo and d_gamma are wrong). Reported
#   as karllark/dust_extinction issue #264 (closed; a fix was proposed in PR #269); 1.7, the
#   latest release on PyPI, still has this code:
#   https://github.com/karllark/dust_extinction/issues/264

import numpy as np


class FM90:
    @staticmethod
    def evaluate(x, C1, C2, C3, C4, xo, gamma):
        """
        FM90 function

        Parameters
        ----------
        x: float
           expects either x in units of wavelengths or frequency
           or assumes wavelengths in wavenumbers [1/micron]

           internally wavenumbers are used

        Returns
        -------
        exvebv: np array (float)
            E(x-V)/E(B-V) extinction curve [mag]

        Raises
        ------
        ValueError
           Input x values outside of defined range
        """
        # linear term
        exvebv = C1 + C2 * x

        # bump term
        x2 = x**2
        exvebv += C3 * (x2 / ((x2 - xo**2) ** 2 + x2 * (gamma**2)))

        # FUV rise term
        fnuv_indxs = np.where(x >= 5.9)
        if len(fnuv_indxs) > 0:
            y = x[fnuv_indxs] - 5.9
            exvebv[fnuv_indxs] += C4 * (0.5392 * (y**2) + 0.05644 * (y**3))

        # return E(x-V)/E(B-V)
        return exvebv

    @staticmethod
    def fit_deriv(x, C1, C2, C3, C4, xo, gamma):
        """
        Derivatives of the FM90 function with respect to the parameters
        """
        # useful quantitites
        x2 = x**2
        xo2 = xo**2
        g2 = gamma**2
        x2mxo2_2 = (x2 - xo2) ** 2
        denom = (x2mxo2_2 - x2 * g2) ** 2

        # derivatives
        d_C1 = np.full((len(x)), 1.0)
        d_C2 = x

        d_C3 = x2 / (x2mxo2_2 + x2 * g2)

        d_xo = (4.0 * C2 * x2 * xo * (x2 - xo2)) / denom

        d_gamma = (2.0 * C2 * (x2**2) * gamma) / denom

        d_C4 = np.zeros((len(x)))
        fuv_indxs = np.where(x >= 5.9)
        if len(fuv_indxs) > 0:
            y = x[fuv_indxs] - 5.9
            d_C4[fuv_indxs] = 0.5392 * (y**2) + 0.05644 * (y**3)

        return [d_C1, d_C2, d_C3, d_C4, d_xo, d_gamma]
